/* od_test_lua: see od_test_lua.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "od_test_lua.h"

void
od_test_lua_start(struct od_test_lua *e, const char *tag)
{
	char	err[256];

	assert_int_equal(od_test_tmpdir(tag, e->dir, sizeof(e->dir)), 0);
	assert_int_equal(od_test_redis_start(&e->redis, e->dir), 0);
	assert_non_null(e->c = od_queue_connect_sync(e->redis.url, err, sizeof(err)));
	od_keys_init(&e->k, "outreach");
}

void
od_test_lua_stop(struct od_test_lua *e)
{
	char	cmd[300];

	redisFree(e->c);
	od_test_redis_stop(&e->redis);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
}

redisReply *
od_test_eval(redisContext *c, enum od_script s, int nkeys, const char *const *keys,
    int nargs, const char *const *args)
{
	const char	*argv[64];
	char		 nk[8];
	int		 argc = 0, i;

	assert_true(3 + nkeys + nargs <= 64);
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[argc++] = "EVAL";
	argv[argc++] = od_queue_script_source(s);
	argv[argc++] = nk;
	for (i = 0; i < nkeys; i++)
		argv[argc++] = keys[i];
	for (i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	return redisCommandArgv(c, argc, argv, NULL);
}
