/*
 * Integration: crashes and concurrency.
 *
 * (a) kill -9 while sends are in flight: after a restart every account got
 *     its step exactly once: 'sent', or 'unknown' when the send was cut off
 *     (its daemon's heartbeat lapsed while 'sending'), and an 'unknown' one
 *     is never sent again (docs/protocol.md: a duplicate collection message harms
 *     the debtor).  Its superseded reminder_upcoming (enqueued on the due
 *     date, past the step's -3d) is recorded exactly once, before the send:
 *     a crash loses none and the restart repeats none.
 * (b) two daemons on one Redis, both --once: 1,000 accounts, 1,000 messages,
 *     no action twice.
 * (c) heartbeats: a daemon killed with a lease of 10 minutes; another one
 *     sees its heartbeat lapse (limits.heartbeat_ttl, 5 s) and settles its
 *     leases at once (claimed ones due again, 'sending' ones unknown), then
 *     removes it from the inbox group and the consumers; nothing twice.
 *
 * The clock is Monday 2026-03-09, 10:00 in Lima: PE's window is open
 * (config/jurisdictions/PE.yaml, Ley 29571 art. 62); every account is due
 * that day, so reminder_due goes out on whatsapp.
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
#include <time.h>

#include "od_testenv.h"

#define UNKNOWN_REASON	"the daemon sending it stopped (its heartbeat lapsed): the outcome " \
			"is unknown, not sent again"

static struct od_test_env	g_env;
static pid_t			g_pid[2];

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, g_pid, 2);
	return 0;
}

/* n accounts IT-0000 .. due 2026-03-09, pipelined. */
static void
enqueue_many(const struct od_test_env *e, int n)
{
	redisReply	*r;
	char		 id[32], *body;
	int		 i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "IT-%04d", i);
		body = od_test_account(id, "2026-03-09", "1234.50", NULL);
		assert_non_null(body);
		redisAppendCommand(e->rc, "XADD outreach:inbox * kind account body %s", body);
		free(body);
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(redisGetReply(e->rc, (void **)&r), REDIS_OK);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		freeReplyObject(r);
	}
}

static pid_t
daemon_now(const struct od_test_env *e, const char *log, int once)
{
	char		 clk[64];
	const char	*args[3] = { clk, once ? "--once" : NULL, NULL };

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	return od_test_daemon_start(e, log, args);
}

/* How many outbox lines carry each action id: counts[i] for IT-<i>. */
static size_t
outbox_counts(const struct od_test_env *e, int *counts, int n)
{
	json_t		*out = od_test_outbox(e, "whatsapp.jsonl"), *m;
	const char	*aid;
	size_t		 i, total = json_array_size(out);
	int		 k;

	memset(counts, 0, sizeof(*counts) * (size_t)n);
	json_array_foreach(out, i, m) {
		aid = json_string_value(json_object_get(m, "action_id"));
		assert_non_null(aid);
		assert_int_equal(sscanf(aid, "IT-%4d:", &k), 1);
		assert_true(k >= 0 && k < n);
		assert_int_equal(strlen(aid), strlen("IT-0000:2026-03-09:reminder_due"));
		assert_string_equal(aid + 7, ":2026-03-09:reminder_due");
		counts[k]++;
	}
	json_decref(out);
	return total;
}

/* Index of the first record with that status, or -1. */
static long
first_status(const json_t *records, const char *status)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(records, i, r)
		if (strcmp(od_test_str(r, "status"), status) == 0)
			return (long)i;
	return -1;
}

static void
test_kill9(void **state)
{
	struct od_test_env	*const ep = &g_env;
	enum { N = 200 };
	int			 counts[N], i, sent = 0, unknown = 0, unknown_unwritten = 0;
	long long		 before;
	char			 id[32];
	static const char *const sup[] = { "reminder_upcoming", NULL };
	json_t			*hist, *h, *att, *mine;
	const char		*st;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itkill", "  max_inflight: 50\n  lease: 2s\n"
	    "  reclaim_interval: 200ms\n", "    delay: 300ms\n"), 0);
	enqueue_many(ep, N);
	g_pid[0] = daemon_now(ep, "d1.log", 0);
	/* Wait for the first completions: then about 50 sends are under way. */
	assert_true(od_test_wait_attempts(ep, "sent", 20, 15000) >= 20);
	/*
	 * Sends start and end in waves 300ms apart (the outbox delay); half-way
	 * through a wave the actions in flight are 'sending', not just claimed.
	 */
	od_test_sleep_ms(150);
	assert_int_equal(od_test_process_stop(g_pid[0], SIGKILL, 5000), 128 + SIGKILL);
	g_pid[0] = 0;
	before = od_test_int(ep, "ZCARD outreach:inflight");
	print_message("killed with %lld actions in flight\n", before);
	assert_true(before > 0);

	/*
	 * Restart; the killed daemon's heartbeat lapsed: once the new one has
	 * beaten for heartbeat_ttl its leases are settled, the rest is sent.
	 */
	g_pid[0] = daemon_now(ep, "d2.log", 0);
	assert_int_equal(od_test_wait_int(ep, N, 60000, "ZCARD outreach:due"), N);
	for (i = 0; i < 3000 && od_test_int(ep, "ZCARD outreach:inflight") != 0; i++)
		od_test_sleep_ms(20);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	od_test_sleep_ms(300);
	assert_int_equal(od_test_process_stop(g_pid[0], SIGTERM, 5000), 0);
	g_pid[0] = 0;

	outbox_counts(ep, counts, N);
	att = od_test_attempts(ep);
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "IT-%04d", i);
		hist = od_test_history(ep, id);
		/*
		 * Its superseded reminder_upcoming, once, then one outcome: neither
		 * was lost nor repeated.
		 */
		if (json_array_size(hist) != 2)
			print_message("%s: %zu records, outbox %d\n", id, json_array_size(hist), counts[i]);
		assert_int_equal(json_array_size(hist), 2);
		assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup), "ok");
		/* In the stream too: one superseded record, written before the one 'sending'. */
		mine = od_test_of_account(att, id);
		assert_string_equal(od_test_superseded(mine, 0, NULL, sup), "ok");
		assert_int_equal(od_test_count_status(mine, "sending"), 1);
		assert_true(first_status(mine, "superseded") < first_status(mine, "sending"));
		json_decref(mine);
		h = json_array_get(hist, 1);
		st = json_string_value(json_object_get(h, "status"));
		assert_non_null(st);
		assert_string_equal(json_string_value(json_object_get(h, "action_id")) + 7,
		    ":2026-03-09:reminder_due");
		if (strcmp(st, "sent") == 0) {
			sent++;
			assert_int_equal(counts[i], 1);
		} else {
			assert_string_equal(st, "unknown");
			assert_string_equal(json_string_value(json_object_get(h, "reason")), UNKNOWN_REASON);
			assert_string_equal(json_string_value(json_object_get(h, "channel")), "whatsapp");
			unknown++;
			/* Cut off after its 'sending' record: written at most once, never again. */
			assert_true(counts[i] <= 1);
			if (counts[i] == 0)
				unknown_unwritten++;
		}
		json_decref(hist);
	}
	json_decref(att);
	print_message("%d sent, %d unknown (%d of them never reached the outbox)\n", sent, unknown,
	    unknown_unwritten);
	assert_int_equal(sent + unknown, N);
	assert_true(unknown > 0);
	/* Every account is planned on: its next step, notice_overdue, at +3d. */
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), N);
	assert_int_equal(od_test_int(ep, "ZCOUNT outreach:due 1773324000000 1773324000000"), N);
}

static void
test_two_daemons(void **state)
{
	struct od_test_env	*const ep = &g_env;
	enum { N = 1000 };
	int			 counts[N], i, j, rc[2];
	size_t			 total, nsent = 0, nsup = 0, k;
	json_t			*att, *a;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "ittwo", NULL, NULL), 0);
	enqueue_many(ep, N);
	g_pid[0] = daemon_now(ep, "d1.log", 1);
	g_pid[1] = daemon_now(ep, "d2.log", 1);
	for (i = 0; i < 2; i++) {
		rc[i] = od_test_process_wait(g_pid[i], 30000);
		g_pid[i] = 0;
		assert_int_equal(rc[i], 0);
	}

	total = outbox_counts(ep, counts, N);
	for (i = 0, j = 0; i < N; i++) {
		assert_true(counts[i] <= 1);	/* never an action twice, bug or not */
		if (counts[i] == 1)
			j++;
	}
	print_message("%zu outbox lines, %d accounts with exactly one; inbox settled: %d\n",
	    total, j, od_test_inbox_settled(ep));
	/* Both --once daemons read the whole inbox before they stopped. */
	assert_true(od_test_inbox_settled(ep));
	assert_int_equal(total, N);
	assert_int_equal(j, N);
	/* Each account's superseded reminder_upcoming was recorded by one daemon, once. */
	memset(counts, 0, sizeof(counts));
	att = od_test_attempts(ep);
	json_array_foreach(att, k, a) {
		if (strcmp(json_string_value(json_object_get(a, "status")), "sent") == 0)
			nsent++;
		if (strcmp(json_string_value(json_object_get(a, "status")), "superseded") == 0) {
			assert_string_equal(od_test_str(a, "step"), "reminder_upcoming");
			assert_int_equal(sscanf(od_test_str(a, "account_id"), "IT-%4d", &i), 1);
			assert_true(i >= 0 && i < N);
			counts[i]++;
			nsup++;
		}
	}
	json_decref(att);
	assert_int_equal(nsent, N);
	assert_int_equal(nsup, N);
	for (i = 0; i < N; i++)
		assert_int_equal(counts[i], 1);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	assert_true(od_test_inbox_settled(ep));
}

/* The consumers of the inbox group. */
static size_t
group_consumers(const struct od_test_env *e)
{
	redisReply	*r = redisCommand(e->rc, "XINFO CONSUMERS outreach:inbox outreachd");
	size_t		 n;

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	n = r->elements;
	freeReplyObject(r);
	return n;
}

static void
test_heartbeat(void **state)
{
	struct od_test_env	*const ep = &g_env;
	enum { N = 200 };
	int			 counts[N], i, sent = 0, unknown = 0;
	long long		 before;
	char			 id[32];
	json_t			*hist, *h;
	const char		*st;
	char			*body;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itbeat", "  max_inflight: 50\n  lease: 600s\n",
	    "    delay: 300ms\n"), 0);
	/*
	 * A dead consumer, "ghost", that beat once and read IT-0199 and never
	 * acknowledged it: a live daemon takes the entry over, then removes it.
	 */
	body = od_test_account("IT-0199", "2026-03-09", "1234.50", NULL);
	assert_int_equal(od_test_enqueue(ep, "account", body), 0);
	free(body);
	freeReplyObject(redisCommand(ep->rc, "XREADGROUP GROUP outreachd ghost COUNT 1 "
	    "STREAMS outreach:inbox >"));
	freeReplyObject(redisCommand(ep->rc, "HSET outreach:consumers ghost %s", "1 1"));
	enqueue_many(ep, N - 1);
	g_pid[0] = daemon_now(ep, "d1.log", 0);
	assert_true(od_test_wait_attempts(ep, "sent", 20, 15000) >= 20);
	od_test_sleep_ms(150);
	assert_int_equal(od_test_process_stop(g_pid[0], SIGKILL, 5000), 128 + SIGKILL);
	g_pid[0] = 0;
	before = od_test_int(ep, "ZCARD outreach:inflight");
	print_message("killed with %lld actions in flight, leases of 600 s\n", before);
	assert_true(before > 0);
	assert_true(od_test_int(ep, "HLEN outreach:consumers") >= 1);

	/* Only the heartbeat can settle them before the leases' 10 minutes. */
	g_pid[1] = daemon_now(ep, "d2.log", 0);
	for (i = 0; i < 6000 && od_test_int(ep, "ZCARD outreach:inflight") != 0; i++)
		od_test_sleep_ms(20);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	assert_int_equal(od_test_wait_int(ep, N, 60000, "ZCARD outreach:due"), N);
	/* the dead one leaves the inbox group and the consumers once it holds nothing */
	for (i = 0; i < 1500 && (group_consumers(ep) != 1 ||
	    od_test_int(ep, "HLEN outreach:consumers") != 1); i++)
		od_test_sleep_ms(20);
	assert_int_equal(group_consumers(ep), 1);
	assert_int_equal(od_test_int(ep, "HLEN outreach:consumers"), 1);
	assert_int_equal(od_test_process_stop(g_pid[1], SIGTERM, 5000), 0);
	g_pid[1] = 0;

	outbox_counts(ep, counts, N);
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "IT-%04d", i);
		hist = od_test_history(ep, id);
		assert_int_equal(json_array_size(hist), 2);
		h = json_array_get(hist, 1);
		st = json_string_value(json_object_get(h, "status"));
		assert_non_null(st);
		if (strcmp(st, "sent") == 0) {
			sent++;
			assert_int_equal(counts[i], 1);
		} else {
			assert_string_equal(st, "unknown");
			assert_string_equal(json_string_value(json_object_get(h, "reason")),
			    UNKNOWN_REASON);
			assert_true(counts[i] <= 1);
			unknown++;
		}
		json_decref(hist);
	}
	print_message("%d sent, %d unknown\n", sent, unknown);
	assert_int_equal(sent + unknown, N);
	assert_true(unknown > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kill9, teardown),
		cmocka_unit_test_teardown(test_two_daemons, teardown),
		cmocka_unit_test_teardown(test_heartbeat, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
