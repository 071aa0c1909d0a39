/*
 * od_test_lua: a real redis-server with a synchronous client, for the tests
 * that run the daemon's Lua scripts (daemon/lua/) directly, as the daemon
 * would, and read the keys they wrote.
 */
#ifndef OD_TEST_LUA_H
#define OD_TEST_LUA_H

#include <hiredis/hiredis.h>

#include "od_queue.h"
#include "od_testenv.h"

struct od_test_lua {
	struct od_test_redis	 redis;
	char			 dir[256];
	redisContext		*c;
	struct od_keys		 k;		/* prefix "outreach" */
};

/* A fresh directory /tmp/od-<tag>-XXXXXX, redis in it, a client on it. */
void		 od_test_lua_start(struct od_test_lua *e, const char *tag);
void		 od_test_lua_stop(struct od_test_lua *e);	/* and removes the directory */

/* EVAL of script s with its keys and args (at most 60 in all): the reply, or NULL. */
redisReply	*od_test_eval(redisContext *c, enum od_script s, int nkeys,
		    const char *const *keys, int nargs, const char *const *args);

#endif
