/*
 * test_it_redis_auth: the queue against a real redis-server that wants a
 * password (requirepass) and a Redis 6 ACL user: the blocking connection
 * (start-up, outreachctl) and the async connections both authenticate
 * (AUTH <password>, AUTH <user> <password>), and a refused password is
 * reported with the URL redacted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "od_config.h"
#include "od_queue.h"
#include "od_testenv.h"

static char			 dir[256];
static struct od_test_redis	 redis;

static void
admin(const char *fmt, ...)
{
	redisContext	*c;
	redisReply	*r;
	struct timeval	 tv = { 5, 0 };
	va_list		 ap;

	assert_non_null(c = redisConnectWithTimeout("127.0.0.1", redis.port, tv));
	assert_int_equal(c->err, 0);
	r = redisCommand(c, "AUTH admin-pw");	/* refused before requirepass is set: fine */
	freeReplyObject(r);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("%s", r->str);
	freeReplyObject(r);
	redisFree(c);
}

static int
setup(void **state)
{
	(void)state;
	if (od_test_tmpdir("redisauth", dir, sizeof(dir)) == -1 ||
	    od_test_redis_start(&redis, dir) == -1)
		return -1;
	admin("CONFIG SET requirepass admin-pw");
	admin("ACL SETUSER outreach on >u%%40pw ~* &* +@all");	/* password "u%40pw" */
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	od_test_redis_stop(&redis);
	return 0;
}

static void
ping(redisContext *c)
{
	redisReply *r = redisCommand(c, "ACL WHOAMI");

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	print_message("whoami %s\n", r->str);
	freeReplyObject(r);
}

static void
test_sync_password_and_user(void **state)
{
	char		 url[256], err[512];
	redisContext	*c;
	redisReply	*r;

	(void)state;
	/* no password: the server refuses commands */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", redis.port);
	if ((c = od_queue_connect_sync(url, err, sizeof(err))) != NULL) {
		r = redisCommand(c, "GET x");
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_ERROR);	/* NOAUTH */
		freeReplyObject(r);
		redisFree(c);
	}
	/* AUTH <password> */
	snprintf(url, sizeof(url), "redis://:admin-pw@127.0.0.1:%d/1", redis.port);
	assert_non_null(c = od_queue_connect_sync(url, err, sizeof(err)));
	r = redisCommand(c, "ACL WHOAMI");
	assert_string_equal(r->str, "default");
	freeReplyObject(r);
	redisFree(c);
	/* AUTH <user> <password>, the password percent-decoded once: u%40pw */
	snprintf(url, sizeof(url), "redis://outreach:u%%2540pw@127.0.0.1:%d/2", redis.port);
	assert_non_null(c = od_queue_connect_sync(url, err, sizeof(err)));
	r = redisCommand(c, "ACL WHOAMI");
	assert_string_equal(r->str, "outreach");
	freeReplyObject(r);
	ping(c);
	redisFree(c);
	/* a wrong password: refused, and the message shows no password */
	snprintf(url, sizeof(url), "redis://outreach:hunter2@127.0.0.1:%d/0", redis.port);
	assert_null(od_queue_connect_sync(url, err, sizeof(err)));
	print_message("%s\n", err);
	assert_null(strstr(err, "hunter2"));
	assert_non_null(strstr(err, "redis://outreach:***@127.0.0.1:"));
	assert_non_null(strstr(err, "AUTH"));
}

static int	pinged;

static void
on_reply(redisReply *r, void *arg)
{
	(void)arg;
	pinged = r != NULL && r->type == REDIS_REPLY_STRING ? 1 : -1;
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		assert_string_equal(r->str, "outreach");
}

/* The async connections authenticate as the ACL user before any command. */
static void
test_async_user(void **state)
{
	static const char	*argv[] = { "ACL", "WHOAMI" };
	struct event_base	*base;
	struct od_queue		*q;
	char			 url[256], err[512];
	int			 i;

	(void)state;
	assert_non_null(base = event_base_new());
	snprintf(url, sizeof(url), "redis://outreach:u%%2540pw@127.0.0.1:%d/3", redis.port);
	q = od_queue_new(base, url, "authtest", OD_DURABILITY_RELAXED, err, sizeof(err));
	if (q == NULL)
		fail_msg("%s", err);
	for (i = 0; i < 500 && !od_queue_ready(q); i++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(2000);
	}
	assert_true(od_queue_ready(q));
	assert_int_equal(od_queue_command(q, on_reply, NULL, 2, argv, NULL), 0);
	for (i = 0; i < 500 && pinged == 0; i++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(2000);
	}
	assert_int_equal(pinged, 1);
	od_queue_free(q);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_password_and_user),
		cmocka_unit_test(test_async_user),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
