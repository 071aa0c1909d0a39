/*
 * Integration: the sending machinery under faults.  The daemon as built, a
 * real redis-server, and two scripted HTTP servers (tests/od_test_httpd.h)
 * in the roles of the gateways:
 *   A  "twa", sms-twilio     (channel sms;      small-balance accounts, S/ 150.00)
 *   B  "wab", whatsapp-cloud (channel whatsapp; pe-consumer accounts, S/ 1,234.50)
 * Both policies send reminder_due on the due date (policy/small-balance.yaml:
 * [sms]; policy/pe-consumer.yaml: [whatsapp, sms]).  The clock is Monday
 * 2026-03-09, 10:00 in Lima, inside the PE contact window (Ley 29571 art. 62,
 * config/jurisdictions/PE.yaml).
 *
 * Every test asserts what an operator reads in the account's history (the
 * status, the reason, the provider's id) and what the gateway received: an
 * action whose outcome is known, or unknown, is never sent twice.  How
 * replies are read follows ../shared/reference/providers.md: Twilio's 5xx
 * may have sent the message (POSTs are not idempotent), 429 means not
 * processed (retry after Retry-After).  "Nothing more happened" is never a
 * sleep: a marker account, due after the moment it would have happened,
 * is recorded first (marker()).
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
#include <unistd.h>

#include "od_test_httpd.h"
#include "od_testenv.h"

#define DUE		"2026-03-09"
/* small-balance's next step, notice_overdue (+5d), is not before 2026-03-14. */
#define LATER_MS	od_test_utc_ms(2026, 3, 14, 0, 0)
#define TWILIO_SID	"SM1f0e6a1c2b3d4e5f60718293a4b5c6d7"
#define WAMID		"wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
/*
 * outreachd's words for a transport failure's class (od_dispatch.c, after
 * od_http's classes), which libcurl's own words follow in the reason:
 * the request went out (sent-no-reply: 'unknown'), or never reached A
 * (connect: 'retry').
 */
#define UNSENT		"no reply after the request was sent: "
#define UNREACHED	"connect: "
/* How long a test waits for what it expects: generous, since a slow machine is no failure. */
#define WAIT_MS		30000
/*
 * limits.retry_base in od_testenv's configuration.  A retry is due within
 * its back-off of its record, below retry_base << (tries - 1) (full
 * jitter, od_job.c): a step's first retry within RETRY_BASE_MS, its
 * second within twice that.
 */
#define RETRY_BASE_MS	1000

static struct od_test_env	 g_env;
static pid_t			 g_pid;
static long long		 g_offset;	/* the daemon's --clock-offset (ms) */
static struct od_httpd		*g_a, *g_b;
static char			*g_created, *g_500, *g_429, *g_meta, *g_30005;

static int
teardown(void **state)
{
	(void)state;
	if (g_pid > 0)
		od_test_process_stop(g_pid, SIGKILL, 5000);
	g_pid = 0;
	od_httpd_stop(g_a);
	od_httpd_stop(g_b);
	g_a = g_b = NULL;
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits for the daemon's "ready" line: its configuration and gateways
 * taken, Redis up.  One that refused its configuration exits instead; it
 * is reaped here (a zombie would still answer kill(pid, 0)).
 */
static void
wait_ready(void)
{
	char		 path[600], *log;
	long long	 until = mono_ms() + WAIT_MS;
	int		 ready = 0, status = -1;

	snprintf(path, sizeof(path), "%s/d.log", g_env.dir);
	while (!ready && status == -1 && mono_ms() < until) {
		log = od_test_read_file(path);
		ready = log != NULL && strstr(log, "[daemon] ready: ") != NULL;
		free(log);
		if (!ready && (status = od_test_process_wait(g_pid, 0)) == -1)
			od_test_sleep_ms(10);
	}
	if (status != -1) {
		g_pid = 0;
		fail_msg("the daemon exited (status %d) before it was ready: a bad configuration?",
		    status);
	}
	assert_true(ready);
}

static char *
fixture(const char *rel)
{
	char	 path[512], *s;
	size_t	 n;
	FILE	*fp;
	long	 len;

	/* (not od_test_read_file: od_test_host.c has one of that name too) */
	snprintf(path, sizeof(path), "%s/gateways/%s", OD_TEST_DATA, rel);
	assert_non_null(fp = fopen(path, "r"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((len = ftell(fp)) > 0);
	rewind(fp);
	assert_non_null(s = calloc(1, (size_t)len + 1));
	assert_int_equal(fread(s, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

static void
script(struct od_httpd *s, enum od_httpd_action act, int status, const char *headers,
    const char *body, int delay_ms)
{
	struct od_httpd_reply	r = { act, status, headers, body, delay_ms };

	od_httpd_script(s, &r);
}

/*
 * Starts the env and the daemon: A's base_url on port a_port (0: A's
 * server), both with their own extra settings (YAML lines, 4 spaces in).
 */
static void
start(const char *tag, int a_port, const char *a_extra, const char *b_extra)
{
	char		 gws[4096], clk[64];
	const char	*args[2] = { clk, NULL };

	setenv("OD_TEST_TWILIO_TOKEN", "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", 1);
	setenv("OD_TEST_META_TOKEN", "EAAGm0PX4ZCpsBAtesttoken", 1);
	snprintf(gws, sizeof(gws),
	    "  twa:\n"
	    "    plugin: sms-twilio\n"
	    "    base_url: \"http://127.0.0.1:%d\"\n"
	    "    account_sid: AC0123456789abcdef0123456789abcdef\n"
	    "    auth_token_env: OD_TEST_TWILIO_TOKEN\n"
	    "    from: \"+15005550006\"\n"
	    "%s"
	    "  wab:\n"
	    "    plugin: whatsapp-cloud\n"
	    "    base_url: \"http://127.0.0.1:%d\"\n"
	    "    phone_number_id: \"106540352242922\"\n"
	    "    access_token_env: OD_TEST_META_TOKEN\n"
	    "%s",
	    a_port ? a_port : od_httpd_port(g_a), a_extra ? a_extra : "", od_httpd_port(g_b),
	    b_extra ? b_extra : "");
	assert_int_equal(od_test_env_start_with(&g_env, tag, NULL, NULL, NULL, gws,
	    "  sms: twa\n  whatsapp: wab\n  email: outbox\n"), 0);
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	assert_int_equal(sscanf(clk, "--clock-offset=%lldms", &g_offset), 1);
	g_pid = od_test_daemon_start(&g_env, "d.log", args);
	assert_true(g_pid > 0);
	wait_ready();
}

static void
servers(void)
{
	assert_non_null(g_a = od_httpd_start(0));
	assert_non_null(g_b = od_httpd_start(0));
	script(g_b, OD_HTTPD_REPLY, 200, "Content-Type: application/json\r\n", g_meta, 0);
}

/* An SMS account (small-balance: reminder_due on sms only, through A). */
static void
enqueue_sms(const char *id)
{
	char	*body = od_test_account(id, DUE, "150.00", NULL);

	assert_non_null(body);
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
}

/* A WhatsApp account (pe-consumer: reminder_due on whatsapp first, through B). */
static void
enqueue_wa(const char *id)
{
	char	*body = od_test_account(id, DUE, "1234.50", NULL);

	assert_non_null(body);
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
}

/* Waits (WAIT_MS) until the account's history holds n records. */
static void
wait_hist(const char *id, long long n)
{
	assert_int_equal(od_test_wait_int(&g_env, n, WAIT_MS, "LLEN outreach:hist:%s", id), n);
}

/* Waits (WAIT_MS) until the account's history holds at least n records (retries may add more). */
static void
wait_hist_least(const char *id, long long n)
{
	long long	until = mono_ms() + WAIT_MS;

	while (od_test_int(&g_env, "LLEN outreach:hist:%s", id) < n && mono_ms() < until)
		od_test_sleep_ms(10);
	assert_true(od_test_int(&g_env, "LLEN outreach:hist:%s", id) >= n);
}

/* Polls (WAIT_MS) until s has received n requests; returns when (monotonic ms), or -1. */
static long long
wait_requests(struct od_httpd *s, size_t n)
{
	long long	until = mono_ms() + WAIT_MS;

	while (od_httpd_nrequests(s) < n) {
		if (mono_ms() >= until)
			return -1;
		od_test_sleep_ms(2);
	}
	return mono_ms();
}

/*
 * Polls (WAIT_MS) for the account's latest record together with the due
 * time of its next action, both read at one instant (MULTI): complete.lua
 * writes a record and the due time it planned at once, and a claim takes
 * the due time away, so a due time read with the record is the one that
 * record planned, however soon it is claimed.  Returns the record (a new
 * reference), its number in *n (1-based) and the due time (ms) in *due.
 */
static json_t *
wait_planned(const char *id, long long *n, long long *due)
{
	redisReply	*r;
	json_t		*rec = NULL;
	long long	 until = mono_ms() + WAIT_MS;

	for (;;) {
		freeReplyObject(redisCommand(g_env.rc, "MULTI"));
		freeReplyObject(redisCommand(g_env.rc, "LRANGE outreach:hist:%s -1 -1", id));
		freeReplyObject(redisCommand(g_env.rc, "LLEN outreach:hist:%s", id));
		freeReplyObject(redisCommand(g_env.rc, "ZSCORE outreach:due %s", id));
		r = redisCommand(g_env.rc, "EXEC");
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_ARRAY);
		assert_int_equal(r->elements, 3);
		if (r->element[1]->integer > 0 && r->element[2]->type == REDIS_REPLY_STRING) {
			*n = r->element[1]->integer;
			*due = strtoll(r->element[2]->str, NULL, 10);
			rec = json_loads(r->element[0]->element[0]->str, 0, NULL);
			assert_non_null(rec);
		}
		freeReplyObject(r);
		if (rec != NULL)
			return rec;
		assert_true(mono_ms() < until);
		od_test_sleep_ms(2);
	}
}

/* Record i of the account's history (a new reference). */
static json_t *
record(const char *id, size_t i)
{
	json_t	*r = od_test_history_at(&g_env, id, i);

	assert_non_null(r);
	return r;
}

static long long
iso_ms(const char *iso)
{
	int	y, mo, d, h, mi, s, ms;

	assert_int_equal(sscanf(iso, "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms), 7);
	return od_test_utc_ms(y, mo, d, h, mi) + s * 1000LL + ms;
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The record's reason names outreachd's class of the failure, then says
 * why in libcurl's words, which are printed, not compared: they are
 * libcurl's English, and change between its versions.
 */
static void
assert_reason_class(const json_t *r, const char *class)
{
	const char	*reason = od_test_str(r, "reason");

	printf("# %s\n", reason);
	assert_true(starts_with(reason, class));
	assert_true(strlen(reason) > strlen(class));
}

/* The daemon's clock now (ms): the same realtime clock, moved by its --clock-offset. */
static long long
daemon_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + g_offset;
}

/* The ts of the account's latest record (ms, the daemon's clock). */
static long long
last_ts(const char *id)
{
	json_t		*h = od_test_history(&g_env, id);
	long long	 ts;

	assert_true(json_array_size(h) > 0);
	ts = iso_ms(od_test_str(json_array_get(h, json_array_size(h) - 1), "ts"));
	json_decref(h);
	return ts;
}

/* The ts of the account's first 'sending' record in the attempts stream (ms, the daemon's clock). */
static long long
sending_ts(const char *id)
{
	json_t		*att = od_test_attempts(&g_env), *mine = od_test_of_account(att, id), *r;
	long long	 ts = -1;
	size_t		 i;

	json_array_foreach(mine, i, r)
		if (ts < 0 && strcmp(od_test_str(r, "status"), "sending") == 0)
			ts = iso_ms(od_test_str(r, "ts"));
	json_decref(mine);
	json_decref(att);
	assert_true(ts > 0);
	return ts;
}

/* How many of the account's records in the attempts stream have that status (NULL: any). */
static size_t
stream_count(const char *id, const char *status)
{
	json_t	*att = od_test_attempts(&g_env), *mine = od_test_of_account(att, id);
	size_t	 n = status ? od_test_count_status(mine, status) : json_array_size(mine);

	json_decref(mine);
	json_decref(att);
	return n;
}

/*
 * What "nothing more happened until after_ms" (an instant of the daemon's
 * clock) waits for, instead of a sleep: a marker.  Once the daemon's clock
 * has passed after_ms, the WhatsApp account id is enqueued (through B,
 * which accepts it); it is due at its intake, so after after_ms.  The
 * claim takes due actions in order of due time (claim.lua), so once the
 * marker's reminder is 'sent' and nothing is in flight, every action due
 * before after_ms has been claimed and has finished: its requests made,
 * its records written.
 */
static void
marker(const char *id, long long after_ms)
{
	json_t		*r;
	long long	 until = mono_ms() + WAIT_MS;

	while (daemon_ms() <= after_ms) {
		assert_true(mono_ms() < until);
		od_test_sleep_ms(5);
	}
	enqueue_wa(id);
	assert_int_equal(od_test_wait_status(&g_env, id, "sent", 1, WAIT_MS), 1);
	r = record(id, 1);	/* after its superseded reminder_upcoming */
	assert_string_equal(od_test_str(r, "status"), "sent");
	assert_string_equal(od_test_str(r, "gateway"), "wab");	/* not through A */
	json_decref(r);
	until = mono_ms() + WAIT_MS;
	while (od_test_int(&g_env, "ZCARD outreach:inflight") != 0) {
		assert_true(mono_ms() < until);
		od_test_sleep_ms(5);
	}
}

/*
 * One SMS account against A behaving badly once: its single record is
 * 'unknown'; A got exactly one request and gets no other, not even once a
 * retry of it would have been due (a marker); the account moved on to
 * its next step.
 */
static json_t *
one_unknown(const char *tag, enum od_httpd_action act, int status, const char *body, int delay,
    const char *a_extra)
{
	json_t	*r;

	servers();
	script(g_a, act, status, NULL, body, delay);
	start(tag, 0, a_extra, NULL);
	enqueue_sms("PE-A1");
	wait_hist("PE-A1", 1);
	r = record("PE-A1", 0);
	assert_string_equal(od_test_str(r, "status"), "unknown");
	assert_string_equal(od_test_str(r, "gateway"), "twa");
	assert_string_equal(od_test_str(r, "channel"), "sms");
	assert_string_equal(od_test_str(r, "step"), "reminder_due");
	assert_string_equal(od_test_str(r, "attempt_id"), "PE-A1:2026-03-09:reminder_due#1");
	/* Never sent blindly again: not even as a retry, due within RETRY_BASE_MS of the record. */
	marker("PE-M1", iso_ms(od_test_str(r, "ts")) + RETRY_BASE_MS);
	assert_int_equal(od_httpd_nrequests(g_a), 1);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A1"), 1);
	assert_int_equal(stream_count("PE-A1", "sending"), 1);
	assert_true(od_test_due_of(&g_env, "PE-A1") >= LATER_MS);
	return r;
}

/* (1) Twilio 500 (code 20500): the message may have gone out: 'unknown', not resent. */
static void
test_500_is_unknown(void **state)
{
	json_t	*r;

	(void)state;
	r = one_unknown("itf500", OD_HTTPD_REPLY, 500, g_500, 0, NULL);
	assert_string_equal(od_test_str(r, "reason"),
	    "twilio 20500: the message may or may not have been sent: "
	    "An internal server error has occurred");
	assert_string_equal(od_test_str(r, "code"), "20500");
	assert_string_equal(od_test_str(r, "provider_id"), "(absent)");
	/* It did reach A, as the debtor's SMS. */
	assert_string_equal(od_httpd_request(g_a, 0)->target,
	    "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
	json_decref(r);
}

/*
 * (2) 429 with Retry-After: 2: 'retry', and the next attempt not before 2 s
 * later (the back-off's jitter is below retry_base, 1 s, so the 2 s rule it);
 * that one is accepted, with Twilio's sid, and nothing more goes.
 */
static void
test_429_retry_after(void **state)
{
	json_t		*r;
	long long	 t1, t2, ts, n, due;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_REPLY, 429, "Retry-After: 2\r\n", g_429, 0);
	script(g_a, OD_HTTPD_REPLY, 201, NULL, g_created, 0);
	start("itf429", 0, NULL, NULL);
	enqueue_sms("PE-A1");
	assert_true((t1 = wait_requests(g_a, 1)) > 0);
	r = wait_planned("PE-A1", &n, &due);
	assert_int_equal(n, 1);
	assert_string_equal(od_test_str(r, "status"), "retry");
	assert_string_equal(od_test_str(r, "reason"), "twilio 20429: too many requests: Too Many Requests");
	assert_string_equal(od_test_str(r, "code"), "20429");
	ts = iso_ms(od_test_str(r, "ts"));
	/*
	 * Due again exactly 2 s after the outcome: the record's ts and the next
	 * due time come from one reading of the clock (od_job_outcome), and the
	 * jitter (below retry_base, 1 s) is under the provider's Retry-After.
	 */
	assert_int_equal(due - ts, 2000);
	json_decref(r);

	assert_true((t2 = wait_requests(g_a, 2)) > 0);
	printf("# second attempt %lld ms after the first\n", t2 - t1);
	assert_true(t2 - t1 >= 1950);
	wait_hist("PE-A1", 2);
	r = record("PE-A1", 1);
	assert_string_equal(od_test_str(r, "status"), "sent");
	assert_string_equal(od_test_str(r, "provider_id"), TWILIO_SID);
	assert_string_equal(od_test_str(r, "attempt_id"), "PE-A1:2026-03-09:reminder_due#2");
	/* Nothing more goes, not even as the third try, due within 2 x RETRY_BASE_MS. */
	marker("PE-M1", iso_ms(od_test_str(r, "ts")) + 2 * RETRY_BASE_MS);
	json_decref(r);
	assert_int_equal(od_httpd_nrequests(g_a), 2);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A1"), 2);
	assert_int_equal(stream_count("PE-A1", "sending"), 2);
}

/*
 * (2b) Retry-After counts from the reply (RFC 9110 10.2.3): a 429 that took
 * 800 ms to come still means "not for 2 s from now".
 */
static void
test_429_retry_after_counts_from_the_reply(void **state)
{
	long long	t1, t2;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_REPLY, 429, "Retry-After: 2\r\n", g_429, 800);
	script(g_a, OD_HTTPD_REPLY, 201, NULL, g_created, 0);
	start("itf429s", 0, NULL, NULL);
	enqueue_sms("PE-A1");
	assert_true((t1 = wait_requests(g_a, 1)) > 0);
	assert_true((t2 = wait_requests(g_a, 2)) > 0);
	printf("# second attempt %lld ms after the 429 reply\n", t2 - (t1 + 800));
	assert_true(t2 - (t1 + 800) >= 1950);
	wait_hist("PE-A1", 2);
}

/*
 * (3) Nothing listens on A's port: 'retry', naming the connect failure,
 * due again within its back-off (the first time within ~1 s).
 */
static void
test_connection_refused_is_retry(void **state)
{
	json_t		*r;
	long long	 n, due;
	int		 port = od_test_free_port();

	(void)state;
	servers();
	start("itfrefused", port, NULL, NULL);
	enqueue_sms("PE-A1");
	wait_hist_least("PE-A1", 1);	/* its retries come fast: there may be more already */
	r = record("PE-A1", 0);
	assert_string_equal(od_test_str(r, "status"), "retry");
	assert_reason_class(r, UNREACHED);
	assert_string_equal(od_test_str(r, "provider_id"), "(absent)");
	json_decref(r);
	/*
	 * Record n is try n: below retry_base << (n - 1) after it.  (Its retry
	 * may be claimed at once; then a later record's is the one read.)
	 */
	r = wait_planned("PE-A1", &n, &due);
	printf("# record %lld: due again %lld ms after it\n", n, due - iso_ms(od_test_str(r, "ts")));
	assert_string_equal(od_test_str(r, "status"), "retry");
	assert_in_range(n, 1, 5);
	assert_in_range(due - iso_ms(od_test_str(r, "ts")), 0, (RETRY_BASE_MS << (n - 1)) - 1);
	json_decref(r);
	/* And it is tried again: never reached the provider. */
	wait_hist_least("PE-A1", 2);
	r = record("PE-A1", 1);
	assert_string_equal(od_test_str(r, "status"), "retry");
	assert_string_equal(od_test_str(r, "attempt_id"), "PE-A1:2026-03-09:reminder_due#2");
	json_decref(r);
}

/* (4) A reply slower than timeout: 1s: 'unknown', once the 1 s had passed. */
static void
test_slow_reply_is_unknown(void **state)
{
	json_t	*r;

	(void)state;
	r = one_unknown("itfslow", OD_HTTPD_REPLY, 201, g_created, 3000, "    timeout: 1s\n");
	assert_reason_class(r, UNSENT);
	assert_string_equal(od_test_str(r, "provider_id"), "(absent)");
	/* the timeout, not the reply 3 s later, ended it; not before the 1 s, either */
	printf("# 'unknown' %lld ms after 'sending'\n",
	    iso_ms(od_test_str(r, "ts")) - sending_ts("PE-A1"));
	assert_true(iso_ms(od_test_str(r, "ts")) - sending_ts("PE-A1") >= 950);
	json_decref(r);
}

/* (5) A resets the connection after reading the request: 'unknown'. */
static void
test_reset_is_unknown(void **state)
{
	json_t	*r;

	(void)state;
	r = one_unknown("itfreset", OD_HTTPD_RESET, 0, NULL, 0, NULL);
	assert_reason_class(r, UNSENT);
	json_decref(r);
}

/*
 * (5b) The same on a kept-alive connection: A accepted one message, then
 * resets after reading the next.  It read the request, so it may have sent
 * it: the second account is 'unknown' and A sees it once, not again on a
 * fresh connection.
 */
static void
test_reset_on_reused_connection_not_resent(void **state)
{
	json_t	*r;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_REPLY, 201, NULL, g_created, 0);
	script(g_a, OD_HTTPD_RESET, 0, NULL, NULL, 0);
	start("itfreuse", 0, "    max_inflight: 1\n", NULL);
	enqueue_sms("PE-A1");
	wait_hist("PE-A1", 1);
	r = record("PE-A1", 0);
	assert_string_equal(od_test_str(r, "status"), "sent");
	json_decref(r);
	enqueue_sms("PE-A2");
	wait_hist("PE-A2", 1);
	/* Not on a fresh connection, nor as a retry (due within RETRY_BASE_MS of the record). */
	marker("PE-M1", last_ts("PE-A2") + RETRY_BASE_MS);
	printf("# %zu requests on %zu connections\n", od_httpd_nrequests(g_a),
	    od_httpd_nconnections(g_a));
	if (od_httpd_nrequests(g_a) > 2)
		printf("# request 3 %s request 2 (the same SMS to the debtor)\n",
		    strcmp(od_httpd_request(g_a, 1)->body, od_httpd_request(g_a, 2)->body) == 0 ?
		    "repeats" : "differs from");
	/*
	 * PE-A2's SMS reached A once, on the kept-alive connection.  libcurl
	 * connects again to retry it, but the core refuses to rewind the body:
	 * the second connection carries no request.
	 */
	assert_int_equal(od_httpd_nrequests(g_a), 2);
	assert_int_equal(od_httpd_request(g_a, 0)->conn, 1);
	assert_int_equal(od_httpd_request(g_a, 1)->conn, 1);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A2"), 1);
	assert_int_equal(stream_count("PE-A2", "sending"), 1);
	r = record("PE-A2", 0);
	assert_string_equal(od_test_str(r, "status"), "unknown");
	json_decref(r);
}

/* (6) 201 with a body that is not JSON: the sid cannot be read: 'unknown'. */
static void
test_malformed_201_is_unknown(void **state)
{
	json_t	*r;

	(void)state;
	r = one_unknown("itfjson", OD_HTTPD_REPLY, 201, "{\"sid\": \"SM1f0e6a1c2b3d4e5f6071", 0,
	    NULL);
	assert_string_equal(od_test_str(r, "reason"), "twilio HTTP 201: 2xx reply that is not JSON");
	assert_string_equal(od_test_str(r, "provider_id"), "(absent)");
	json_decref(r);
}

/* (7) A reply that never ends (a chunk every 100 ms): 'unknown' after timeout: 1s. */
static void
test_endless_reply_is_unknown(void **state)
{
	json_t		*r;
	long long	 t0, t1;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_ENDLESS, 200, NULL, NULL, 0);
	start("itfendless", 0, "    timeout: 1s\n", NULL);
	enqueue_sms("PE-A1");
	assert_true((t0 = wait_requests(g_a, 1)) > 0);
	wait_hist("PE-A1", 1);
	t1 = mono_ms();
	assert_true(t1 - t0 >= 900);	/* not before the 1 s timeout; a slow machine may take longer */
	r = record("PE-A1", 0);
	assert_string_equal(od_test_str(r, "status"), "unknown");
	assert_reason_class(r, UNSENT);
	/* Never sent again, not even as a retry, due within RETRY_BASE_MS of the record. */
	marker("PE-M1", iso_ms(od_test_str(r, "ts")) + RETRY_BASE_MS);
	json_decref(r);
	assert_int_equal(od_httpd_nrequests(g_a), 1);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A1"), 1);
	assert_int_equal(stream_count("PE-A1", "sending"), 1);
}

/* (6b) A answers with something that is not HTTP after taking the request: 'unknown'. */
static void
test_garbage_is_unknown(void **state)
{
	json_t	*r;

	(void)state;
	r = one_unknown("itfgarbage", OD_HTTPD_GARBAGE, 0, NULL, 0, NULL);
	assert_reason_class(r, UNSENT);
	json_decref(r);
}

/*
 * (8, 9) While A hangs (one reply 10 s late, one that never ends, timeout
 * 12 s), the loop keeps serving B: six WhatsApp reminders enqueued once A's
 * two requests are hanging are all 'sent' before A has answered anything
 * (no wall-clock bound: the order is the signal).  Then A's slow one is
 * 'sent', its endless one 'unknown'.
 */
static void
test_other_gateway_keeps_flowing(void **state)
{
	static const char	*wa[] = { "PE-B1", "PE-B2", "PE-B3", "PE-B4", "PE-B5", "PE-B6" };
	static const char *const sup_upcoming[] = { "reminder_upcoming", NULL };
	json_t			*r, *r1, *r2, *h;
	long long		 t0, t1;
	size_t			 i;
	int			 sent = 0, unknown = 0;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_REPLY, 201, NULL, g_created, 10000);
	script(g_a, OD_HTTPD_ENDLESS, 200, NULL, NULL, 0);
	start("itfflow", 0, "    timeout: 12s\n", NULL);
	enqueue_sms("PE-A1");
	enqueue_sms("PE-A2");
	assert_true(wait_requests(g_a, 2) > 0);
	/* A holds both (it records a request before it answers): neither has a record. */
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A1"), 0);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A2"), 0);

	t0 = mono_ms();
	for (i = 0; i < 6; i++)
		enqueue_wa(wa[i]);
	for (i = 0; i < 6; i++)
		assert_int_equal(od_test_wait_status(&g_env, wa[i], "sent", 1, WAIT_MS), 1);
	t1 = mono_ms();
	printf("# B's six sent %lld ms after they were enqueued\n", t1 - t0);
	/* A has still answered nothing. */
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A1"), 0);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A2"), 0);
	for (i = 0; i < 6; i++) {
		/* due today: reminder_upcoming (-3d) superseded, then reminder_due sent */
		h = od_test_history(&g_env, wa[i]);
		assert_int_equal(json_array_size(h), 2);
		assert_string_equal(od_test_superseded(h, 0, "reminder_due", sup_upcoming), "ok");
		json_decref(h);
		r = record(wa[i], 1);
		assert_string_equal(od_test_str(r, "status"), "sent");
		assert_string_equal(od_test_str(r, "channel"), "whatsapp");
		assert_string_equal(od_test_str(r, "gateway"), "wab");
		assert_string_equal(od_test_str(r, "provider_id"), WAMID);
		json_decref(r);
	}
	assert_int_equal(od_httpd_nrequests(g_b), 6);

	wait_hist("PE-A1", 1);
	wait_hist("PE-A2", 1);
	r1 = record("PE-A1", 0);
	r2 = record("PE-A2", 0);
	for (i = 0; i < 2; i++) {
		r = i == 0 ? r1 : r2;
		if (strcmp(od_test_str(r, "status"), "sent") == 0) {
			assert_string_equal(od_test_str(r, "provider_id"), TWILIO_SID);
			sent++;
		} else {
			assert_string_equal(od_test_str(r, "status"), "unknown");
			assert_reason_class(r, UNSENT);
			unknown++;
		}
	}
	assert_int_equal(sent, 1);
	assert_int_equal(unknown, 1);
	json_decref(r1);
	json_decref(r2);
	/* Neither goes again, not even as a retry (due within RETRY_BASE_MS of its record). */
	marker("PE-M1", (last_ts("PE-A1") > last_ts("PE-A2") ? last_ts("PE-A1") :
	    last_ts("PE-A2")) + RETRY_BASE_MS);
	assert_int_equal(od_httpd_nrequests(g_a), 2);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A1"), 1);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-A2"), 1);
}

/*
 * How many of ids were handed back to the due set after opened (ms, the
 * daemon's clock) with no record: due then, not at their intake (before
 * it) nor at their next step.
 */
static int
handed_back(const char *const *ids, size_t n, long long opened)
{
	long long	due;
	size_t		i;
	int		k = 0;

	for (i = 0; i < n; i++) {
		due = od_test_due_of(&g_env, ids[i]);
		if (due > opened && due < LATER_MS &&
		    od_test_int(&g_env, "LLEN outreach:hist:%s", ids[i]) == 0)
			k++;
	}
	return k;
}

/*
 * (10) breaker_failures: 3, breaker_cooldown: 2s, one request at a time:
 * three 500s in a row open A's breaker; the two other accounts are handed
 * back to the due set for the end of the cool-down, with no attempt
 * recorded; then one probe goes, is accepted and closes the breaker, and the
 * last one follows.  Each account is sent exactly once.
 */
static void
test_breaker(void **state)
{
	static const char	*ids[] = { "PE-A1", "PE-A2", "PE-A3", "PE-A4", "PE-A5" };
	json_t			*r;
	long long		 t3, t4, opened, until, last;
	size_t			 i;
	int			 unknown = 0, sent = 0, back = 0;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_REPLY, 500, NULL, g_500, 0);
	script(g_a, OD_HTTPD_REPLY, 500, NULL, g_500, 0);
	script(g_a, OD_HTTPD_REPLY, 500, NULL, g_500, 0);
	script(g_a, OD_HTTPD_REPLY, 201, NULL, g_created, 0);
	start("itfbreaker", 0, "    max_inflight: 1\n    breaker_failures: 3\n"
	    "    breaker_cooldown: 2s\n", NULL);
	for (i = 0; i < 5; i++)
		enqueue_sms(ids[i]);
	assert_true((t3 = wait_requests(g_a, 3)) > 0);
	/* Three 'unknown': the breaker opened before the last of them was recorded. */
	assert_int_equal(od_test_wait_attempts(&g_env, "unknown", 3, WAIT_MS), 3);
	for (i = 0, opened = 0; i < 5; i++) {
		if (od_test_int(&g_env, "LLEN outreach:hist:%s", ids[i]) == 0)
			continue;
		r = record(ids[i], 0);
		assert_string_equal(od_test_str(r, "status"), "unknown");
		if (iso_ms(od_test_str(r, "ts")) > opened)
			opened = iso_ms(od_test_str(r, "ts"));
		json_decref(r);
		unknown++;
	}
	assert_int_equal(unknown, 3);
	/*
	 * Open: the two left are handed back to the due set for the end of the
	 * cool-down, with no record, and meanwhile nothing more goes to A.
	 * Their hand-back is the sign that the daemon dealt with them.
	 */
	until = mono_ms() + WAIT_MS;
	while ((back = handed_back(ids, 5, opened)) < 2 && od_httpd_nrequests(g_a) == 3 &&
	    mono_ms() < until)
		od_test_sleep_ms(5);
	assert_int_equal(od_httpd_nrequests(g_a), 3);
	assert_int_equal(back, 2);

	/* After the cool-down: the probe, accepted; then the other one. */
	assert_true((t4 = wait_requests(g_a, 4)) > 0);
	printf("# probe %lld ms after the third failure\n", t4 - t3);
	assert_true(t4 - t3 >= 1900);
	assert_true(wait_requests(g_a, 5) > 0);
	for (i = 0; i < 5; i++)
		wait_hist(ids[i], 1);
	for (i = 0; i < 5; i++) {
		r = record(ids[i], 0);
		if (strcmp(od_test_str(r, "status"), "sent") == 0) {
			assert_string_equal(od_test_str(r, "provider_id"), TWILIO_SID);
			assert_string_equal(od_test_str(r, "attempt_id") + strlen(ids[i]),
			    ":2026-03-09:reminder_due#1");
			sent++;
		}
		json_decref(r);
	}
	assert_int_equal(sent, 2);
	/* Nothing more, not even as a retry (due within RETRY_BASE_MS of the latest record). */
	for (i = 0, last = 0; i < 5; i++)
		if (last_ts(ids[i]) > last)
			last = last_ts(ids[i]);
	marker("PE-M1", last + RETRY_BASE_MS);
	assert_int_equal(od_httpd_nrequests(g_a), 5);
	/* One attempt each, 'sending' and its outcome: none for the hand-backs. */
	for (i = 0; i < 5; i++) {
		assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:%s", ids[i]), 1);
		assert_int_equal(stream_count(ids[i], "sending"), 1);
		assert_int_equal(stream_count(ids[i], NULL), 2);
	}
}

/*
 * Two loans of one person (one debtor.id), both due now on SMS: the first
 * send the provider refuses for good (Twilio 30005, unknown destination)
 * reached nobody, so it does not count against the person's caps: the
 * other account, held back while that send was under way, is sent the same
 * day, not 24 h later.  The person's list ends with exactly one contact,
 * confirmed.
 */
static void
test_failed_send_gives_contact_back(void **state)
{
	char		*b1, *b2, *p, *q, *body;
	const char	*first, *second;
	redisReply	*r;
	int		 n;

	(void)state;
	servers();
	script(g_a, OD_HTTPD_REPLY, 400, NULL, g_30005, 0);
	script(g_a, OD_HTTPD_REPLY, 201, NULL, g_created, 0);
	start("itfperson", 0, NULL, NULL);
	/* PE-S2 is PE-S1's debtor: the same debtor.id */
	assert_non_null(b1 = od_test_account("PE-S1", DUE, "150.00", NULL));
	assert_non_null(b2 = od_test_account("PE-S2", DUE, "150.00", NULL));
	assert_non_null(p = strstr(b1, "\"id\":\""));
	assert_non_null(q = strstr(b2, "\"id\":\""));
	n = (int)(strchr(p + 6, '"') - p);
	assert_true(asprintf(&body, "%.*s%.*s%s", (int)(q - b2), b2, n, p,
	    strchr(q + 6, '"')) > 0);
	assert_int_equal(od_test_enqueue(&g_env, "account", b1), 0);
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(b1);
	free(b2);
	free(body);

	assert_true(wait_requests(g_a, 2) > 0);
	assert_int_equal(od_test_wait_attempts(&g_env, "failed", 1, WAIT_MS), 1);
	first = od_test_wait_status(&g_env, "PE-S1", "failed", 1, 1) == 1 ? "PE-S1" : "PE-S2";
	second = strcmp(first, "PE-S1") == 0 ? "PE-S2" : "PE-S1";
	assert_int_equal(od_test_wait_status(&g_env, second, "sent", 1, WAIT_MS), 1);
	/* never held back by the caps: only the superseded reminder and the send */
	assert_int_equal(od_test_wait_status(&g_env, second, "suppressed", 1, 1), 0);
	r = redisCommand(g_env.rc, "HVALS outreach:person");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 1);
	assert_true(r->element[0]->str[0] != '?');
	assert_int_equal(strchr(r->element[0]->str, ';') - r->element[0]->str + 1,
	    (long)r->element[0]->len);	/* one entry */
	assert_non_null(strstr(r->element[0]->str, second));
	freeReplyObject(r);
	/* Neither goes again, not even as a retry (due within RETRY_BASE_MS of its record). */
	marker("PE-M1", (last_ts(first) > last_ts(second) ? last_ts(first) : last_ts(second)) +
	    RETRY_BASE_MS);
	assert_int_equal(od_httpd_nrequests(g_a), 2);
	assert_int_equal(stream_count(first, "sending"), 1);
	assert_int_equal(stream_count(second, "sending"), 1);
}

static int
group_setup(void **state)
{
	(void)state;
	g_created = fixture("twilio/201_queued.json");
	g_500 = fixture("twilio/500_20500.json");
	g_429 = fixture("twilio/429_20429.json");
	g_meta = fixture("whatsapp/200_accepted.json");
	g_30005 = fixture("twilio/400_30005.json");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(g_created);
	free(g_500);
	free(g_429);
	free(g_meta);
	free(g_30005);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_500_is_unknown, teardown),
		cmocka_unit_test_teardown(test_429_retry_after, teardown),
		cmocka_unit_test_teardown(test_429_retry_after_counts_from_the_reply, teardown),
		cmocka_unit_test_teardown(test_connection_refused_is_retry, teardown),
		cmocka_unit_test_teardown(test_slow_reply_is_unknown, teardown),
		cmocka_unit_test_teardown(test_reset_is_unknown, teardown),
		cmocka_unit_test_teardown(test_reset_on_reused_connection_not_resent, teardown),
		cmocka_unit_test_teardown(test_malformed_201_is_unknown, teardown),
		cmocka_unit_test_teardown(test_endless_reply_is_unknown, teardown),
		cmocka_unit_test_teardown(test_garbage_is_unknown, teardown),
		cmocka_unit_test_teardown(test_other_gateway_keeps_flowing, teardown),
		cmocka_unit_test_teardown(test_breaker, teardown),
		cmocka_unit_test_teardown(test_failed_send_gives_contact_back, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
