/*
 * Integration: durability (docs/operations.md, "Durability").
 *
 * Under `durability: strict`, the default, a 'sending' record must be on
 * disk before the request leaves: Redis must answer a write only once its
 * append-only file is fsynced (appendonly yes, appendfsync always).
 *
 * (a) strict against a Redis on appendfsync everysec: the daemon does not
 *     start, and says why and what to set;
 * (b) strict, and Redis switched to everysec while it runs (CONFIG SET):
 *     /readyz says so, nothing is claimed or sent meanwhile, and once Redis
 *     is back on always the account is sent; outreachd_redis_durable
 *     follows;
 * (c) relaxed on everysec: it starts, warns of the window it accepts, and
 *     sends.
 *
 * The clock is Monday 2026-03-09, 10:00 in Lima (PE's window open), every
 * account due that day: reminder_due goes out at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_test_http.h"
#include "od_testenv.h"

static struct od_test_env	g_env;
static pid_t			g_pid[1];

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, g_pid, 1);
	return 0;
}

static void
fsync_policy(const struct od_test_env *e, const char *policy)
{
	redisReply	*r = redisCommand(e->rc, "CONFIG SET appendfsync %s", policy);

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
}

static void
enqueue(const struct od_test_env *e, const char *id)
{
	char	*body = od_test_account(id, "2026-03-09", "1234.50", NULL);

	assert_non_null(body);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

static char *
daemon_log(const struct od_test_env *e, const char *name)
{
	char	path[1200];

	snprintf(path, sizeof(path), "%s/%s", e->dir, name);
	return od_test_read_file(path);
}

static void
append_config(const struct od_test_env *e, const char *yaml)
{
	FILE	*fp = fopen(e->config, "a");

	assert_non_null(fp);
	fputs(yaml, fp);
	fclose(fp);
}

/* /readyz's status, its body into why (cut to len). */
static int
readyz(int port, char *why, size_t len)
{
	struct od_test_resp	r;
	int			status;

	if (od_test_http(port, "GET", "/readyz", NULL, NULL, &r) != 0)
		return -1;
	status = r.status;
	snprintf(why, len, "%s", r.body ? r.body : "");
	od_test_resp_free(&r);
	return status;
}

static void
test_strict_refuses(void **state)
{
	struct od_test_env	*const ep = &g_env;
	char			 clk[64], *log;
	const char		*args[2] = { clk, NULL };

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itdurable", NULL, NULL), 0);
	fsync_policy(ep, "everysec");
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_pid[0] = od_test_daemon_start(ep, "d.log", args);
	assert_true(g_pid[0] > 0);
	assert_int_not_equal(od_test_process_wait(g_pid[0], 60000), 0);
	g_pid[0] = 0;
	log = daemon_log(ep, "d.log");
	assert_non_null(log);
	assert_non_null(strstr(log, "durability strict: Redis answers before its append-only "
	    "file is on disk (appendfsync everysec)"));
	assert_non_null(strstr(log, "Set appendonly yes and appendfsync always"));
	free(log);
}

static void
test_strict_pauses(void **state)
{
	struct od_test_env	*const ep = &g_env;
	int			 port = od_test_free_port(), i, st = 0;
	char			 why[512], series[] = "outreachd_redis_durable";

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itdurable2", NULL, NULL), 0);
	g_pid[0] = od_test_daemon_admin(ep, port, 2026, 3, 9, 15, 0);
	assert_true(g_pid[0] > 0);
	for (i = 0; i < 3000 && (st = readyz(port, why, sizeof(why))) != 200; i++)
		od_test_sleep_ms(20);
	assert_int_equal(st, 200);
	enqueue(ep, "DUR-1");
	assert_int_equal(od_test_wait_status(ep, "DUR-1", "sent", 1, 60000), 1);

	/* everysec while it runs: checked again within QUEUE_DURABLE_RECHECK (10 s) */
	fsync_policy(ep, "everysec");
	for (i = 0; i < 3000 && (st = readyz(port, why, sizeof(why))) != 503; i++)
		od_test_sleep_ms(20);
	assert_int_equal(st, 503);
	assert_non_null(strstr(why, "durability strict"));
	assert_non_null(strstr(why, "appendfsync everysec"));
	for (i = 0; i < 200 && od_test_metric(port, series) != 0; i++)
		od_test_sleep_ms(50);
	assert_true(od_test_metric(port, series) == 0);
	enqueue(ep, "DUR-2");
	/* taken in or not, it is not claimed: wait well past a claim, then look */
	od_test_sleep_ms(3000);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:DUR-2"), 0);

	fsync_policy(ep, "always");
	assert_int_equal(od_test_wait_status(ep, "DUR-2", "sent", 1, 60000), 1);
	assert_int_equal(readyz(port, why, sizeof(why)), 200);
	for (i = 0; i < 200 && od_test_metric(port, series) != 1; i++)
		od_test_sleep_ms(50);
	assert_true(od_test_metric(port, series) == 1);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 2);
}

static void
test_relaxed_warns(void **state)
{
	struct od_test_env	*const ep = &g_env;
	char			 clk[64], *log;
	const char		*args[2] = { clk, NULL };

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itdurable3", NULL, NULL), 0);
	append_config(ep, "durability: relaxed\n");
	fsync_policy(ep, "everysec");
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_pid[0] = od_test_daemon_start(ep, "d.log", args);
	assert_true(g_pid[0] > 0);
	enqueue(ep, "DUR-3");
	assert_int_equal(od_test_wait_status(ep, "DUR-3", "sent", 1, 60000), 1);
	log = daemon_log(ep, "d.log");
	assert_non_null(log);
	assert_non_null(strstr(log, "durability relaxed: Redis answers before its append-only "
	    "file is on disk (appendfsync everysec): a power loss undoes up to about 2 s of "
	    "answered writes; a send in that window may be repeated after such a loss"));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_strict_refuses, teardown),
		cmocka_unit_test_teardown(test_strict_pauses, teardown),
		cmocka_unit_test_teardown(test_relaxed_warns, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
