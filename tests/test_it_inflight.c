/*
 * Integration: an account's state changes while one of its actions is in
 * flight (docs/architecture.md, the state's version).  The scripts store a
 * state only while it is still the version the daemon computed it from;
 * otherwise they hand the state back and the daemon applies its change
 * again.  Nothing that happened in between is lost:
 *
 * (a) a partial payment applied (by another daemon) while a send is under
 *     way: the send's completion keeps the payment and the payment's
 *     re-plan, and the account's next step is planned at once;
 * (b) a payment in full applied while a send waits for its gateway's rate
 *     limit: the send is checked again at its begin and not made, recorded
 *     'suppressed', reason 'paid';
 * (c) an account twice in one batch, then an event: applied in stream order;
 * (d) a promise to pay while a send is under way: both kept, escalation waits.
 *
 * The event comes in while the send takes 8 s (the outbox's delay), or
 * while the other account waits about 4.8 s for its gateway's token;
 * /metrics shows that the script found the state changed and the daemon
 * applied its change again (outreachd_state_conflicts_total).  The clock
 * is Monday 2026-03-09, 10:00 in Lima: reminder_due of an account due that
 * day goes out on whatsapp.
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

#include <curl/curl.h>

#include "od_buf.h"
#include "od_testenv.h"

static struct od_test_env	g_env;
static pid_t			g_pid[2];
static int			g_admin;	/* the daemon's admin port */

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, g_pid, 2);
	return 0;
}

static pid_t
daemon_now(const char *log, int once)
{
	char		 clk[64];
	const char	*args[3] = { clk, once ? "--once" : NULL, NULL };

	char		 port[16];

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_admin = od_test_free_port();
	snprintf(port, sizeof(port), "%d", g_admin);
	setenv("OUTREACHD_ADMIN_PORT", port, 1);
	return od_test_daemon_start(&g_env, log, args);
}

/* The account's stored state (a new reference), or NULL. */
static json_t *
state_of(const char *id)
{
	return od_test_state(&g_env, id);
}

static long long
state_int(const json_t *s, const char *key)
{
	return json_integer_value(json_object_get(s, key));
}

static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	od_buf_append(arg, p, size * n);
	return size * n;
}

/* A counter with its labels ("name{label=\"value\"}"), read from /metrics; -1: unreadable. */
static double
metric(const char *series)
{
	struct od_buf	 b;
	CURL		*c;
	char		 url[64], want[160], *p;
	double		 v = -1;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", g_admin);
	snprintf(want, sizeof(want), "%s ", series);
	od_buf_init(&b);
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(c) == CURLE_OK) {
		od_buf_putc(&b, '\0');
		v = (p = strstr(b.data, want)) != NULL ? strtod(p + strlen(want), NULL) : 0;
	}
	curl_easy_cleanup(c);
	od_buf_free(&b);
	return v;
}

/* outreachd_state_conflicts_total{script="<script>"}. */
static double
conflicts(const char *script)
{
	char	series[96];

	snprintf(series, sizeof(series), "outreachd_state_conflicts_total{script=\"%s\"}", script);
	return metric(series);
}

static void
test_payment_during_send(void **state)
{
	json_t		*s;
	char		*body;
	long long	 next0;
	int		 i;

	(void)state;
	/* a send takes 8 s (the outbox's delay): the payment comes in meanwhile */
	assert_int_equal(od_test_env_start(&g_env, "itflight", "  lease: 120s\n",
	    "    delay: 8s\n"), 0);
	assert_non_null(body = od_test_account("FL-1", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
	g_pid[0] = daemon_now("d1.log", 0);
	assert_int_equal(od_test_wait_attempts(&g_env, "sending", 1, 30000), 1);
	assert_non_null(s = state_of("FL-1"));
	next0 = state_int(s, "next");
	json_decref(s);
	assert_int_equal(od_test_enqueue(&g_env, "event",
	    "{\"account_id\":\"FL-1\",\"type\":\"payment\",\"amount\":\"100.00\"}"), 0);

	assert_int_equal(od_test_wait_status(&g_env, "FL-1", "sent", 1, 60000), 1);
	/*
	 * Settled: the re-plan (due at once) was claimed again and planned the
	 * next step, days later, and nothing is in flight.
	 */
	for (i = 0; i < 3000; i++) {
		if (od_test_int(&g_env, "ZCARD outreach:inflight") == 0 &&
		    od_test_due_of(&g_env, "FL-1") > od_test_utc_ms(2026, 3, 10, 0, 0))
			break;
		od_test_sleep_ms(10);
	}
	assert_int_equal(od_test_int(&g_env, "ZCARD outreach:inflight"), 0);
	assert_true(od_test_due_of(&g_env, "FL-1") > od_test_utc_ms(2026, 3, 10, 0, 0));
	/* the completion was applied to the paid state: both are in it */
	assert_non_null(s = state_of("FL-1"));
	assert_int_equal(state_int(s, "paid_minor"), 10000);
	assert_true(state_int(s, "next") > next0);
	assert_string_equal(json_string_value(json_object_get(s, "status")), "active");
	assert_null(json_object_get(s, "replan"));
	json_decref(s);
	/* the payment came in while the send was under way: completion applied it again */
	assert_true(conflicts("complete") >= 1);
	assert_int_equal(od_test_outbox_count(&g_env, "whatsapp.jsonl"), 1);
	assert_int_equal(od_test_process_stop(g_pid[0], SIGTERM, 10000), 0);
	g_pid[0] = 0;
}

/*
 * (d) A promise to pay comes in while reminder_due is being sent: the send
 * completes (it was on its way), and the promise is kept with it: recorded,
 * documented, and the escalation waits for it: the account's next action is
 * the promise's reminder (promise-1d: Sunday 03-15, 09:00 Lima), not
 * notice_overdue on Thursday 03-12.
 */
static void
test_promise_during_send(void **state)
{
	json_t		*s, *h;
	char		*body;
	int		 i;

	(void)state;
	assert_int_equal(od_test_env_start(&g_env, "itflightp", "  lease: 120s\n",
	    "    delay: 8s\n"), 0);
	assert_non_null(body = od_test_account("FL-P", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
	g_pid[0] = daemon_now("d1.log", 0);
	assert_int_equal(od_test_wait_attempts(&g_env, "sending", 1, 30000), 1);
	assert_int_equal(od_test_enqueue(&g_env, "event",
	    "{\"account_id\":\"FL-P\",\"type\":\"promise_to_pay\",\"date\":\"2026-03-16\","
	    "\"source\":\"agent\",\"agent\":\"lucia.r\"}"), 0);
	assert_int_equal(od_test_wait_status(&g_env, "FL-P", "sent", 1, 60000), 1);
	for (i = 0; i < 3000; i++) {
		if (od_test_int(&g_env, "ZCARD outreach:inflight") == 0 &&
		    od_test_due_of(&g_env, "FL-P") == od_test_utc_ms(2026, 3, 15, 14, 0))
			break;
		od_test_sleep_ms(10);
	}
	assert_int_equal(od_test_int(&g_env, "ZCARD outreach:inflight"), 0);
	assert_int_equal(od_test_due_of(&g_env, "FL-P"), od_test_utc_ms(2026, 3, 15, 14, 0));
	assert_non_null(s = state_of("FL-P"));
	assert_string_equal(od_test_str(json_object_get(s, "life"), "k"), "promise");
	assert_string_equal(od_test_str(json_object_get(s, "life"), "date"), "2026-03-16");
	assert_int_equal(state_int(s, "next"), 2);	/* reminder_due done; notice_overdue waits */
	json_decref(s);
	h = od_test_history(&g_env, "FL-P");
	assert_int_equal(od_test_count_status(h, "promise_made"), 1);
	json_decref(h);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:agr:FL-P"), 1);
	assert_true(conflicts("complete") >= 1);
	assert_true(metric("outreachd_lifecycle_total{record=\"promise_made\"}") == 1);
	assert_int_equal(od_test_process_stop(g_pid[0], SIGTERM, 10000), 0);
	g_pid[0] = 0;
}

static void
test_paid_before_begin(void **state)
{
	json_t		*h;
	char		*body, ev[128];
	const char	*waiting;

	(void)state;
	/*
	 * One send each 4.8 s (burst 1): one account goes at once, the other
	 * waits for its token in memory (waits up to 5 s are, od_dispatch.c).
	 */
	assert_int_equal(od_test_env_start(&g_env, "itbegin", "  lease: 120s\n",
	    "    rate: 0.21\n"), 0);
	assert_non_null(body = od_test_account("FL-A", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
	assert_non_null(body = od_test_account("FL-B", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
	g_pid[0] = daemon_now("d1.log", 0);
	assert_int_equal(od_test_wait_attempts(&g_env, "sent", 1, 30000), 1);
	h = od_test_history(&g_env, "FL-A");
	waiting = od_test_count_status(h, "sent") == 1 ? "FL-B" : "FL-A";
	json_decref(h);
	snprintf(ev, sizeof(ev), "{\"account_id\":\"%s\",\"type\":\"payment\","
	    "\"amount\":\"1234.50\"}", waiting);
	assert_int_equal(od_test_enqueue(&g_env, "event", ev), 0);
	/* the waiting one is checked again at its begin: paid, not sent */
	assert_int_equal(od_test_wait_status(&g_env, waiting, "suppressed", 1, 60000), 1);
	h = od_test_history(&g_env, waiting);
	assert_int_equal(od_test_count_status(h, "sending"), 0);
	assert_int_equal(od_test_count_status(h, "sent"), 0);
	assert_string_equal(od_test_str(json_array_get(h, json_array_size(h) - 1), "reason"),
	    "paid");
	json_decref(h);
	assert_true(conflicts("begin") >= 1);
	assert_int_equal(od_test_outbox_count(&g_env, "whatsapp.jsonl"), 1);
	assert_int_equal(od_test_process_stop(g_pid[0], SIGTERM, 10000), 0);
	g_pid[0] = 0;
}

/*
 * One inbox batch: an account, the same account with a new due date and
 * amount (a new cycle), then a partial payment.  They apply in stream
 * order: the second document's store finds the first's state (stale) and is
 * planned again on it, and the payment, after both, counts in the new cycle
 * (the new cycle starts from nothing paid: in the wrong order it would be
 * lost).
 */
static void
test_stream_order(void **state)
{
	json_t		*s;
	char		*b1, *b2;
	redisReply	*r;

	(void)state;
	assert_int_equal(od_test_env_start(&g_env, "itorder", NULL, NULL), 0);
	assert_non_null(b1 = od_test_account("FL-O", "2026-03-09", "1234.50", NULL));
	assert_non_null(b2 = od_test_account("FL-O", "2026-04-09", "2000.00", NULL));
	assert_int_equal(od_test_enqueue(&g_env, "account", b1), 0);
	assert_int_equal(od_test_enqueue(&g_env, "account", b2), 0);
	assert_int_equal(od_test_enqueue(&g_env, "event",
	    "{\"account_id\":\"FL-O\",\"type\":\"payment\",\"amount\":\"150.00\"}"), 0);
	free(b1);
	g_pid[0] = daemon_now("d1.log", 1);
	assert_int_equal(od_test_process_wait(g_pid[0], 60000), 0);
	g_pid[0] = 0;
	assert_true(od_test_inbox_settled(&g_env));
	s = od_test_rejected(&g_env);
	assert_int_equal(json_array_size(s), 0);
	json_decref(s);
	assert_non_null(s = state_of("FL-O"));
	assert_string_equal(json_string_value(json_object_get(s, "cycle")), "2026-04-09");
	assert_int_equal(state_int(s, "amount_minor"), 200000);
	assert_int_equal(state_int(s, "paid_minor"), 15000);
	assert_string_equal(json_string_value(json_object_get(s, "status")), "active");
	json_decref(s);
	/* the document stored is the second one; the phone index has the account once */
	r = redisCommand(g_env.rc, "HGET outreach:accounts FL-O");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_non_null(strstr(r->str, "2026-04-09"));
	freeReplyObject(r);
	r = redisCommand(g_env.rc, "HGET outreach:phones +51987000111");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_string_equal(r->str, "FL-O");
	freeReplyObject(r);
	free(b2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_payment_during_send, teardown),
		cmocka_unit_test_teardown(test_paid_before_begin, teardown),
		cmocka_unit_test_teardown(test_promise_during_send, teardown),
		cmocka_unit_test_teardown(test_stream_order, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
