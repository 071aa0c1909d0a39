/*
 * Integration: gateway callbacks on the real daemon.  The daemon as built, a
 * real redis-server, and a scripted HTTP server (tests/od_test_httpd.h) in
 * the role of Twilio's Messages API, answering 201 with a sid:
 *   twa  sms-twilio      (channel sms; small-balance accounts, S/ 150.00)
 *   wab  whatsapp-cloud  (the webhook; and sends, to the same server in the role
 *                         of Meta's Cloud API, in test_whatsapp_receipts only)
 * The admin server listens on a port chosen here, and admin.public_url
 * names it, so the StatusCallback URLs the daemon hands to Twilio point back
 * at it (docs/callbacks.md).  Requests are signed as the providers sign
 * them: Twilio's X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL +
 * the POST parameters sorted by name, each name then value)), computed here
 * from that rule (tests/od_test_http.c, libcrypto); WhatsApp's GET handshake carries
 * hub.verify_token.
 *
 * The clock is Monday 2026-03-09, 10:00 in Lima, inside the PE contact
 * window (Ley 29571 art. 62, config/jurisdictions/PE.yaml): small-balance's
 * reminder_due goes by SMS; its notice_overdue (+5d, [sms, email]) is tried
 * a week later, Monday 2026-03-16 10:00 in Lima.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "od_callback.h"
#include "od_test_host.h"
#include "od_test_http.h"
#include "od_test_httpd.h"
#include "od_testenv.h"

#define DUE		"2026-03-09"
#define TWILIO_SID	"SM1f0e6a1c2b3d4e5f60718293a4b5c6d7"
#define TWILIO_TOKEN	OD_TEST_TWILIO_TOKEN
#define TWILIO_ACCOUNT	OD_TEST_TWILIO_ACCOUNT
#define TWILIO_FROM	OD_TEST_TWILIO_FROM
#define DEBTOR_PHONE	"+51987000111"	/* od_test_account's debtor.phone */
#define WA_VERIFY	OD_TEST_WA_VERIFY
#define WA_SECRET	OD_TEST_WA_SECRET
#define MARKER		"ZQX-echo-canary-7731"	/* must never come back in an answer */

static struct od_test_env	 g_env;
static pid_t			 g_pid;
static struct od_httpd		*g_tw;
static int			 g_port;	/* the admin server's */
static char			*g_created;

static int
teardown(void **state)
{
	(void)state;
	if (g_pid > 0)
		od_test_process_stop(g_pid, SIGKILL, 5000);
	g_pid = 0;
	od_httpd_stop(g_tw);
	g_tw = NULL;
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

/* The admin server's client (od_test_http.h), on g_port. */
static int
http(const char *method, const char *target, const char *headers, const char *body,
    struct od_test_resp *r)
{
	return od_test_http(g_port, method, target, headers, body, r);
}

static void
twilio_post(const char *target, const char *token, const struct od_test_param *params, size_t n,
    struct od_test_resp *r)
{
	assert_int_equal(od_test_twilio_post(g_port, target, token, params, n, r), 0);
}

/* A Twilio status callback for sid, as Twilio posts it. */
static void
twilio_status(const char *target, const char *token, const char *status, struct od_test_resp *r)
{
	const struct od_test_param p[] = {
		{ "AccountSid", TWILIO_ACCOUNT }, { "ApiVersion", "2010-04-01" },
		{ "From", TWILIO_FROM }, { "To", DEBTOR_PHONE }, { "MessageSid", TWILIO_SID },
		{ "MessageStatus", status }, { "SmsSid", TWILIO_SID }, { "SmsStatus", status },
	};

	twilio_post(target, token, p, sizeof(p) / sizeof(p[0]), r);
}

/* A Twilio inbound message from the debtor's phone. */
static void
twilio_inbound(const char *text, const char *sid, struct od_test_resp *r)
{
	const struct od_test_param p[] = {
		{ "AccountSid", TWILIO_ACCOUNT }, { "ApiVersion", "2010-04-01" },
		{ "MessageSid", sid }, { "SmsMessageSid", sid }, { "SmsSid", sid },
		{ "From", DEBTOR_PHONE }, { "FromCountry", "PE" }, { "To", TWILIO_FROM },
		{ "Body", text }, { "NumMedia", "0" }, { "NumSegments", "1" },
	};

	twilio_post("/callbacks/twa/inbound", TWILIO_TOKEN, p, sizeof(p) / sizeof(p[0]), r);
}

/* ---- the daemon ------------------------------------------------------------- */

/* Adds admin.public_url (this admin server's URL) to the env's config. */
static void
config_public_url(void)
{
	assert_int_equal(od_test_config_public_url(&g_env, g_port), 0);
}

/* Starts the daemon with its clock at that UTC instant; returns once /healthz answers. */
static void
daemon_start(int y, int mon, int d, int h, int min)
{
	if ((g_pid = od_test_daemon_admin(&g_env, g_port, y, mon, d, h, min)) <= 0)
		fail_msg("the daemon's admin server did not answer on 127.0.0.1:%d (see %s/d.log)",
		    g_port, g_env.dir);
}

static void start_in(const char *tag, const char *pdir, const char *tdir, int status,
	    const char *reply);

static void
start(const char *tag)
{
	start_in(tag, NULL, NULL, 201, g_created);
}

/*
 * The env on policy and template dirs (NULL: the shipped), g_tw answering
 * every request with status and reply (Twilio's or Meta's), the daemon at
 * Monday 10:00 in Lima.
 */
static void
start_in(const char *tag, const char *pdir, const char *tdir, int status, const char *reply)
{
	char	gws[2048];

	assert_non_null(g_tw = od_httpd_start(0));
	od_httpd_script(g_tw, &(struct od_httpd_reply){ OD_HTTPD_REPLY, status,
	    "Content-Type: application/json\r\n", reply, 0 });
	od_test_callback_gateways(gws, sizeof(gws), od_httpd_port(g_tw), od_httpd_port(g_tw));
	assert_int_equal(od_test_env_start_with(&g_env, tag, pdir, tdir, NULL, gws,
	    "  sms: twa\n  whatsapp: wab\n  email: outbox\n"), 0);
	assert_true((g_port = od_test_free_port()) > 0);
	config_public_url();
	daemon_start(2026, 3, 9, 15, 0);
}

/* ---- readers ------------------------------------------------------------------ */

/* Record i of the account's history (a new reference). */
static json_t *
record(const char *id, size_t i)
{
	json_t	*r = od_test_history_at(&g_env, id, i);

	assert_non_null(r);
	return r;
}

static void
wait_hist(const char *id, long long n, int timeout_ms)
{
	assert_int_equal(od_test_wait_int(&g_env, n, timeout_ms, "LLEN outreach:hist:%s", id), n);
}

/* The last entry of a stream, as an object of its fields (new reference). */
static json_t *
stream_last(const char *key)
{
	redisReply	*r, *f;
	json_t		*o = json_object();
	size_t		 k;

	r = redisCommand(g_env.rc, "XREVRANGE %s + - COUNT 1", key);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 1);
	f = r->element[0]->element[1];
	for (k = 0; k + 1 < f->elements; k += 2)
		json_object_set_new(o, f->element[k]->str,
		    json_stringn(f->element[k + 1]->str, f->element[k + 1]->len));
	freeReplyObject(r);
	return o;
}

/* The account's state (new reference). */
static json_t *
state_of(const char *id)
{
	json_t	*s = od_test_state(&g_env, id);

	assert_non_null(s);
	return s;
}

static double
metric(const char *series)
{
	return od_test_metric(g_port, series);
}

static void
enqueue_sms(const char *id)
{
	char	*body = od_test_account(id, DUE, "150.00", NULL);

	assert_non_null(body);
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
}

/*
 * Sends PE-C1's reminder_due through twa and returns the path and query of
 * the StatusCallback URL it carried (caller frees).
 */
static char *
send_reminder(void)
{
	const struct od_httpd_request	*q;
	char				 want[512], *cb, *target;
	json_t				*r;

	enqueue_sms("PE-C1");
	wait_hist("PE-C1", 1, 10000);
	r = record("PE-C1", 0);
	assert_string_equal(od_test_str(r, "status"), "sent");
	assert_string_equal(od_test_str(r, "provider_id"), TWILIO_SID);
	assert_string_equal(od_test_str(r, "attempt_id"), "PE-C1:2026-03-09:reminder_due#1");
	json_decref(r);
	assert_int_equal(od_httpd_nrequests(g_tw), 1);
	assert_non_null(q = od_httpd_request(g_tw, 0));
	/* The attempt's callback URL: account and attempt, percent-encoded (':' '#'). */
	assert_non_null(cb = od_test_form_get(q->body, "StatusCallback"));
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/callbacks/twa/status?account=PE-C1"
	    "&attempt=PE-C1%%3A2026-03-09%%3Areminder_due%%231", g_port);
	assert_string_equal(cb, want);
	assert_non_null(target = strdup(strstr(cb, "/callbacks/")));
	free(cb);
	return target;
}

/* Waits (generously) for a metric to reach want. */
static void
wait_metric(const char *name, double want)
{
	int	i;

	for (i = 0; i < 500 && metric(name) < want; i++)
		od_test_sleep_ms(20);
	if (metric(name) != want)
		fail_msg("%s is %g, want %g", name, metric(name), want);
}

/* ---- the tests ---------------------------------------------------------------- */

/*
 * (1) A delivery receipt: the wrongly signed one is refused (403) and
 * counted, and changes nothing; the correctly signed one is 200 and adds a
 * 'delivered' record with Twilio's sid to the history and the attempts
 * stream; Twilio's retry of it is answered 200 and not recorded twice.
 */
static void
test_status_callback(void **state)
{
	char	*target;
	json_t	*r;
	struct od_test_resp res;

	(void)state;
	start("itcbstatus");
	target = send_reminder();
	assert_int_equal(od_test_int(&g_env, "XLEN outreach:attempts"), 2);	/* sending, sent */

	/* Signed with another auth token. */
	twilio_status(target, "00000000000000000000000000000000", "delivered", &res);
	assert_int_equal(res.status, 403);
	assert_string_equal(res.body, "forbidden\n");
	od_test_resp_free(&res);
	/* Not signed at all. */
	twilio_status(target, NULL, "delivered", &res);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	od_test_sleep_ms(200);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-C1"), 1);
	assert_int_equal(od_test_int(&g_env, "XLEN outreach:attempts"), 2);
	assert_true(metric("outreachd_callbacks_total{gateway=\"twa\",result=\"bad_signature\"}")
	    == 2);
	assert_true(metric("outreachd_callbacks_total{gateway=\"twa\",result=\"accepted\"}") <= 0);

	/* Signed right. */
	twilio_status(target, TWILIO_TOKEN, "delivered", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "ok\n");
	od_test_resp_free(&res);
	wait_hist("PE-C1", 2, 3000);
	r = record("PE-C1", 1);
	assert_string_equal(od_test_str(r, "status"), "delivered");
	assert_string_equal(od_test_str(r, "provider_id"), TWILIO_SID);
	assert_string_equal(od_test_str(r, "source"), "receipt");
	assert_string_equal(od_test_str(r, "attempt_id"), "PE-C1:2026-03-09:reminder_due#1");
	assert_string_equal(od_test_str(r, "action_id"), "PE-C1:2026-03-09:reminder_due");
	assert_string_equal(od_test_str(r, "step"), "reminder_due");
	assert_string_equal(od_test_str(r, "channel"), "sms");
	assert_string_equal(od_test_str(r, "gateway"), "twa");
	assert_string_equal(od_test_str(r, "policy"), "small-balance");
	json_decref(r);
	assert_int_equal(od_test_wait_int(&g_env, 3, 3000, "XLEN outreach:attempts"), 3);
	r = stream_last("outreach:attempts");
	assert_string_equal(od_test_str(r, "status"), "delivered");
	assert_string_equal(od_test_str(r, "provider_id"), TWILIO_SID);
	assert_string_equal(od_test_str(r, "account_id"), "PE-C1");
	assert_string_equal(od_test_str(r, "attempt_id"), "PE-C1:2026-03-09:reminder_due#1");
	json_decref(r);

	/* Twilio retries the same callback: answered, recorded once. */
	twilio_status(target, TWILIO_TOKEN, "delivered", &res);
	assert_int_equal(res.status, 200);
	od_test_resp_free(&res);
	od_test_sleep_ms(200);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-C1"), 2);
	assert_int_equal(od_test_int(&g_env, "XLEN outreach:attempts"), 3);
	assert_true(metric("outreachd_callbacks_total{gateway=\"twa\",result=\"bad_signature\"}")
	    == 2);
	assert_true(metric("outreachd_callbacks_total{gateway=\"twa\",result=\"accepted\"}") == 2);
	wait_metric("outreachd_callbacks_total{gateway=\"twa\",result=\"duplicate\"}", 1);

	/*
	 * Replays, validly signed (Twilio's scheme has no nonce): a later
	 * 'undelivered' for the delivered message, and a receipt of another
	 * message id onto this attempt.  Answered 200 (so Twilio stops), and
	 * neither changes anything.
	 */
	twilio_status(target, TWILIO_TOKEN, "undelivered", &res);
	assert_int_equal(res.status, 200);
	od_test_resp_free(&res);
	wait_metric("outreachd_callbacks_total{gateway=\"twa\",result=\"stale\"}", 1);
	{
		const struct od_test_param p[] = {
			{ "AccountSid", TWILIO_ACCOUNT }, { "MessageSid", "SM00000000000000000000000000000099" },
			{ "MessageStatus", "failed" }, { "ErrorCode", "30003" },
		};

		twilio_post(target, TWILIO_TOKEN, p, sizeof(p) / sizeof(p[0]), &res);
		assert_int_equal(res.status, 200);
		od_test_resp_free(&res);
	}
	wait_metric("outreachd_callbacks_total{gateway=\"twa\",result=\"provider_mismatch\"}", 1);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-C1"), 2);
	assert_int_equal(od_test_int(&g_env, "XLEN outreach:attempts"), 3);
	r = record("PE-C1", 1);
	assert_string_equal(od_test_str(r, "status"), "delivered");
	json_decref(r);
	/* Only the one SMS went to Twilio. */
	assert_int_equal(od_httpd_nrequests(g_tw), 1);
	free(target);
}

/*
 * (2) Replies (what the others mean: test_it_replies): "BAJA" is recorded in
 * outreach:replies and opts the debtor out of SMS: a week later
 * notice_overdue ([sms, email]) is suppressed 'opt_out' on SMS and goes by
 * email, and Twilio gets nothing more.
 */
static void
test_inbound_reply_opts_out(void **state)
{
	char		*target;
	json_t		*r, *s, *out;
	struct od_test_resp	 res;
	const char	*twiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>\n";

	(void)state;
	start("itcbreply");
	target = send_reminder();
	free(target);

	/* The revocation. */
	twilio_inbound("BAJA", "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, twiml);
	od_test_resp_free(&res);
	assert_int_equal(od_test_wait_int(&g_env, 1, 3000, "XLEN outreach:replies"), 1);
	r = stream_last("outreach:replies");
	assert_string_equal(od_test_str(r, "channel"), "sms");
	assert_string_equal(od_test_str(r, "from"), DEBTOR_PHONE);
	assert_string_equal(od_test_str(r, "provider_id"), "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0");
	assert_string_equal(od_test_str(r, "text"), "BAJA");
	assert_string_equal(od_test_str(r, "account_id"), "PE-C1");
	assert_string_equal(od_test_str(r, "opt_out"), "1");
	json_decref(r);
	/* the daemon applies the opt-out to the account after the reply is recorded */
	for (int i = 0; i < 1000; i++) {
		s = state_of("PE-C1");
		if (json_is_true(json_object_get(json_object_get(s, "optout"), "sms")))
			break;
		json_decref(s);
		s = NULL;
		od_test_sleep_ms(10);
	}
	assert_non_null(s);
	assert_true(json_is_true(json_object_get(json_object_get(s, "optout"), "sms")));
	assert_null(json_object_get(json_object_get(s, "optout"), "email"));
	json_decref(s);

	/* A week later (Monday 2026-03-16, 10:00 in Lima): notice_overdue of the 03-09 cycle. */
	assert_true(od_test_process_stop(g_pid, SIGTERM, 10000) == 0);
	g_pid = 0;
	daemon_start(2026, 3, 16, 15, 0);
	wait_hist("PE-C1", 3, 10000);
	r = record("PE-C1", 1);
	assert_string_equal(od_test_str(r, "step"), "notice_overdue");
	assert_string_equal(od_test_str(r, "channel"), "sms");
	assert_string_equal(od_test_str(r, "status"), "suppressed");
	assert_string_equal(od_test_str(r, "reason"), "opt_out");
	json_decref(r);
	r = record("PE-C1", 2);
	assert_string_equal(od_test_str(r, "step"), "notice_overdue");
	assert_string_equal(od_test_str(r, "channel"), "email");
	assert_string_equal(od_test_str(r, "gateway"), "outbox");
	assert_string_equal(od_test_str(r, "status"), "sent");
	json_decref(r);
	out = od_test_outbox(&g_env, "email.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(od_test_str(json_array_get(out, 0), "action_id"),
	    "PE-C1:2026-03-09:notice_overdue");
	json_decref(out);
	od_test_sleep_ms(300);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-C1"), 3);
	assert_int_equal(od_httpd_nrequests(g_tw), 1);
}

/* (3) WhatsApp's subscription handshake: the right verify token gets the challenge. */
static void
test_whatsapp_handshake(void **state)
{
	struct od_test_resp	res;

	(void)state;
	start("itcbwa");
	assert_int_equal(http("GET", "/callbacks/wab/webhook?hub.mode=subscribe&hub.verify_token="
	    WA_VERIFY "&hub.challenge=1158201444", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "1158201444");
	od_test_resp_free(&res);
	assert_int_equal(http("GET", "/callbacks/wab/webhook?hub.mode=subscribe&hub.verify_token="
	    "vt-wrong&hub.challenge=1158201444", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 403);
	assert_string_equal(res.body, "forbidden\n");
	assert_null(strstr(res.raw, "1158201444"));
	od_test_resp_free(&res);
	/* No verify token at all. */
	assert_int_equal(http("GET", "/callbacks/wab/webhook?hub.mode=subscribe"
	    "&hub.challenge=1158201444", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	assert_true(metric("outreachd_callbacks_total{gateway=\"wab\",result=\"bad_signature\"}")
	    == 2);
	assert_true(metric("outreachd_callbacks_total{gateway=\"wab\",result=\"accepted\"}") == 1);
}

/*
 * (4) Unknown gateways and paths are 404; no answer, whatever its status,
 * carries back anything of what was sent.
 */
static void
test_unknown_and_no_echo(void **state)
{
	static const char	*form = "From=%2B51987000111&Body=" MARKER "&MessageSid=" MARKER;
	struct od_test_resp		 res;
	char			 target[256];
	const struct od_test_param	 p[] = {
		{ "From", DEBTOR_PHONE }, { "Body", MARKER " <script>" }, { "MessageSid", "SM" MARKER },
	};

	(void)state;
	start("itcbecho");
	/* No such gateway. */
	assert_int_equal(http("POST", "/callbacks/" MARKER "/status?account=" MARKER,
	    "Content-Type: application/x-www-form-urlencoded\r\n", form, &res), 0);
	assert_int_equal(res.status, 404);
	assert_string_equal(res.body, "not found\n");
	assert_null(strstr(res.raw, MARKER));
	od_test_resp_free(&res);
	/* A gateway, but not a callback it has (Twilio has no dlr; outbox has none). */
	assert_int_equal(http("POST", "/callbacks/twa/dlr?x=" MARKER,
	    "Content-Type: application/x-www-form-urlencoded\r\n", form, &res), 0);
	assert_int_equal(res.status, 404);
	assert_null(strstr(res.raw, MARKER));
	od_test_resp_free(&res);
	assert_int_equal(http("GET", "/callbacks/outbox/status?x=" MARKER, NULL, NULL, &res), 0);
	assert_int_equal(res.status, 404);
	assert_null(strstr(res.raw, MARKER));
	od_test_resp_free(&res);
	assert_int_equal(http("GET", "/callbacks/twa", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 404);
	od_test_resp_free(&res);

	/* Refused for its signature (403). */
	assert_int_equal(http("POST", "/callbacks/twa/inbound?x=" MARKER,
	    "Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: " MARKER "\r\n",
	    form, &res), 0);
	assert_int_equal(res.status, 403);
	assert_string_equal(res.body, "forbidden\n");
	assert_null(strstr(res.raw, MARKER));
	od_test_resp_free(&res);
	/* Malformed (400): not a form. */
	assert_int_equal(http("POST", "/callbacks/twa/status",
	    "Content-Type: text/plain\r\n", MARKER, &res), 0);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.body, "bad request\n");
	assert_null(strstr(res.raw, MARKER));
	od_test_resp_free(&res);
	/* Malformed (400): a right verify token but a challenge that is not digits. */
	assert_int_equal(http("GET", "/callbacks/wab/webhook?hub.mode=subscribe&hub.verify_token="
	    WA_VERIFY "&hub.challenge=" MARKER, NULL, NULL, &res), 0);
	assert_int_equal(res.status, 400);
	assert_string_equal(res.body, "bad request\n");
	assert_null(strstr(res.raw, MARKER));
	od_test_resp_free(&res);
	/* Accepted (200), signed right: a reply from a number no account has (yet). */
	twilio_post("/callbacks/twa/inbound", TWILIO_TOKEN, p, sizeof(p) / sizeof(p[0]), &res);
	assert_int_equal(res.status, 200);
	assert_null(strstr(res.raw, MARKER));
	assert_null(strstr(res.raw, "script"));
	od_test_resp_free(&res);
	/* ...recorded as it came, with no account. */
	assert_int_equal(od_test_wait_int(&g_env, 1, 3000, "XLEN outreach:replies"), 1);
	{
		json_t *r = stream_last("outreach:replies");
		assert_string_equal(od_test_str(r, "text"), MARKER " <script>");
		assert_string_equal(od_test_str(r, "account_id"), "");
		json_decref(r);
	}
	/* Accepted, a status for an attempt no history knows: 200, nothing recorded. */
	snprintf(target, sizeof(target), "/callbacks/twa/status?account=PE-X9&attempt=PE-X9%%3A"
	    "2026-03-09%%3Areminder_due%%231");
	twilio_status(target, TWILIO_TOKEN, "delivered", &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "ok\n");
	od_test_resp_free(&res);
	od_test_sleep_ms(200);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-X9"), 0);
	assert_int_equal(od_test_int(&g_env, "EXISTS outreach:attempts"), 0);
	/* The daemon still serves. */
	assert_int_equal(http("GET", "/healthz", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 200);
	od_test_resp_free(&res);
}

/*
 * (5) The pre-authentication heap overflow of issue 10: parameters without
 * '=' ("a&b", many of them) made the old decoder write past its buffer
 * before any signature or token was checked.  Sent to every form handler
 * through the real admin server (the ASan build of this test runs the
 * daemon under ASan too): each is refused as it should be, nothing is
 * recorded, and the daemon is still there and still serving.
 */
static void
test_params_without_value(void **state)
{
	static const char	*form = "Content-Type: application/x-www-form-urlencoded\r\n";
	struct od_test_resp		 res;
	char			 many[1024], target[1200];
	size_t			 o = 0;
	int			 i;

	(void)state;
	start("itcbovf");
	for (i = 0; i < 99; i++)	/* 99 short names without '=': under the 100 limit */
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%sa%d", i ? "&" : "", i);
	/* Twilio status: query "a&b" and a body; unsigned, so 403 once parsed. */
	assert_int_equal(http("POST", "/callbacks/twa/status?a&b", form, "x", &res), 0);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	snprintf(target, sizeof(target), "/callbacks/twa/status?%s", many);
	assert_int_equal(http("POST", target, form, many, &res), 0);
	assert_int_equal(res.status, 400);	/* 198 parameters: too many */
	od_test_resp_free(&res);
	assert_int_equal(http("POST", "/callbacks/twa/inbound?a&b", form, "a&b", &res), 0);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	/* WhatsApp's GET handshake: no verify token among them, 403. */
	assert_int_equal(http("GET", "/callbacks/wab/webhook?a&b", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	snprintf(target, sizeof(target), "/callbacks/wab/webhook?%s", many);
	assert_int_equal(http("GET", target, NULL, NULL, &res), 0);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	/* Kannel DLR and inbound, form bodies "a&b": no account of ours / no token. */
	assert_int_equal(http("POST", "/callbacks/kan/dlr", form, "a&b", &res), 0);
	assert_int_equal(res.status, 400);
	od_test_resp_free(&res);
	assert_int_equal(http("POST", "/callbacks/kan/dlr?a&b", form, many, &res), 0);
	assert_int_equal(res.status, 400);
	od_test_resp_free(&res);
	assert_int_equal(http("POST", "/callbacks/kan/inbound", form, many, &res), 0);
	assert_int_equal(res.status, 403);
	od_test_resp_free(&res);
	/* Nothing recorded, and the same daemon still answers. */
	assert_int_equal(od_test_int(&g_env, "EXISTS outreach:attempts"), 0);
	assert_int_equal(od_test_int(&g_env, "EXISTS outreach:replies"), 0);
	assert_int_equal(kill(g_pid, 0), 0);
	assert_int_equal(http("GET", "/healthz", NULL, NULL, &res), 0);
	assert_int_equal(res.status, 200);
	od_test_resp_free(&res);
}

/* ---- WhatsApp receipts matched by message id ---------------------------------- */

#define WAMID		"wamid.HBgLNTE5ODcwMDAxMTEVAgARGBJBQkNERUYwMTIzNDU2Nzg5AA=="
#define WA_ATTEMPT	"PE-W1:2026-03-09:notice#1"

/* POSTs body to wab's webhook, signed as Meta signs it (X-Hub-Signature-256). */
static void
wa_webhook(const char *body, struct od_test_resp *r)
{
	assert_int_equal(od_test_wa_post(g_port, "/callbacks/wab/webhook", WA_SECRET, body, r), 0);
}

/* A status of message id, without biz_opaque_callback_data (as for a session message). */
static void
wa_status(const char *id, const char *status, const char *ts, int want)
{
	struct od_test_resp	 res;
	char		*body;

	assert_true(asprintf(&body, "{\"object\":\"whatsapp_business_account\",\"entry\":[{"
	    "\"id\":\"102290129340398\",\"changes\":[{\"field\":\"messages\",\"value\":{"
	    "\"messaging_product\":\"whatsapp\",\"statuses\":[{\"id\":\"%s\",\"status\":"
	    "\"%s\",\"timestamp\":\"%s\",\"recipient_id\":\"51987000111\"}]}}]}]}", id, status,
	    ts) > 0);
	wa_webhook(body, &res);
	assert_int_equal(res.status, want);
	od_test_resp_free(&res);
	free(body);
}

/*
 * (6) A WhatsApp message's statuses that name no attempt (Meta echoes
 * biz_opaque_callback_data only when a send set it; a session message's
 * cannot) are matched by the message id: the send's wamid is indexed, with
 * an expiry, with the 'sent' record; 'delivered' and 'read' are recorded
 * against the attempt once each, a state that goes back is not, and a
 * status of a message the daemon never sent is counted 'unmatched'.
 */
static void
test_whatsapp_receipts(void **state)
{
	static const char	 meta[] = "{\"messaging_product\":\"whatsapp\",\"contacts\":[{"
	    "\"input\":\"51987000111\",\"wa_id\":\"51987000111\"}],\"messages\":[{\"id\":\""
	    WAMID "\"}]}";
	const struct od_httpd_request	*q;
	redisReply			*rr;
	json_t				*r, *sent;
	char				 pdir[400], tdir[400];
	long long			 ttl;

	(void)state;
	snprintf(pdir, sizeof(pdir), "%s/peers/policy", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/peers/templates", OD_TEST_DATA);
	start_in("itcbwamid", pdir, tdir, 200, meta);
	assert_int_equal(od_test_enqueue(&g_env, "account",
	    "{\"account_id\":\"PE-W1\",\"policy\":\"peers-whatsapp\",\"debtor\":{\"name\":"
	    "\"Rosa Quispe\",\"id\":\"DNI40000001\",\"phone\":\"+51987000111\",\"whatsapp\":"
	    "\"+51987000111\",\"locale\":\"es-PE\",\"timezone\":\"America/Lima\",\"country\":"
	    "\"PE\"},\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":"
	    "\"2026-03-09\",\"product\":\"consumer_loan\"},\"consent\":{\"sms\":true,"
	    "\"whatsapp\":true}}"), 0);
	wait_hist("PE-W1", 1, 10000);
	sent = record("PE-W1", 0);
	assert_string_equal(od_test_str(sent, "status"), "sent");
	assert_string_equal(od_test_str(sent, "channel"), "whatsapp");
	assert_string_equal(od_test_str(sent, "attempt_id"), WA_ATTEMPT);
	assert_string_equal(od_test_str(sent, "provider_id"), WAMID);
	json_decref(sent);
	/* The template carried the attempt too (the primary match). */
	assert_non_null(q = od_httpd_request(g_tw, 0));
	assert_non_null(strstr(q->body, "\"biz_opaque_callback_data\":\"account=PE-W1&attempt="
	    "PE-W1%3A2026-03-09%3Anotice%231\""));

	/* The index: the account and the attempt, expiring after limits.wamid_ttl (30 d). */
	rr = redisCommand(g_env.rc, "GET outreach:wamid:%s", WAMID);
	assert_non_null(rr);
	assert_int_equal(rr->type, REDIS_REPLY_STRING);
	assert_string_equal(rr->str, "PE-W1 " WA_ATTEMPT);
	freeReplyObject(rr);
	ttl = od_test_int(&g_env, "TTL outreach:wamid:" WAMID);
	assert_true(ttl > 29 * 86400 && ttl <= 30 * 86400);

	/* 'sent' is not news; 'delivered' is, once; then 'read'. */
	wa_status(WAMID, "sent", "1773068400", 200);
	wa_status(WAMID, "delivered", "1773068401", 200);
	wait_hist("PE-W1", 2, 10000);
	wa_status(WAMID, "delivered", "1773068401", 200);	/* Meta's retry */
	wait_metric("outreachd_callbacks_total{gateway=\"wab\",result=\"duplicate\"}", 1);
	wa_status(WAMID, "read", "1773068460", 200);
	wait_hist("PE-W1", 3, 10000);
	wa_status(WAMID, "failed", "1773068470", 200);	/* after 'read': goes back */
	wait_metric("outreachd_callbacks_total{gateway=\"wab\",result=\"stale\"}", 1);
	r = record("PE-W1", 1);
	assert_string_equal(od_test_str(r, "status"), "delivered");
	assert_string_equal(od_test_str(r, "source"), "receipt");
	assert_string_equal(od_test_str(r, "attempt_id"), WA_ATTEMPT);
	assert_string_equal(od_test_str(r, "provider_id"), WAMID);
	assert_string_equal(od_test_str(r, "channel"), "whatsapp");
	assert_string_equal(od_test_str(r, "ts"), "2026-03-09T15:00:01.000Z");
	json_decref(r);
	r = record("PE-W1", 2);
	assert_string_equal(od_test_str(r, "status"), "read");
	json_decref(r);

	/* A message the daemon never sent (another system on the number): counted, not recorded. */
	wa_status("wamid.NOTOURS000000000000000000000000", "delivered", "1773068500", 200);
	wait_metric("outreachd_callbacks_total{gateway=\"wab\",result=\"unmatched\"}", 1);
	od_test_sleep_ms(200);
	assert_int_equal(od_test_int(&g_env, "LLEN outreach:hist:PE-W1"), 3);
	assert_int_equal(od_httpd_nrequests(g_tw), 1);
}

static int
group_setup(void **state)
{
	char	path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/gateways/twilio/201_queued.json", OD_TEST_DATA);
	g_created = od_test_read_file(path);
	return g_created == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(g_created);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_status_callback, teardown),
		cmocka_unit_test_teardown(test_inbound_reply_opts_out, teardown),
		cmocka_unit_test_teardown(test_whatsapp_handshake, teardown),
		cmocka_unit_test_teardown(test_unknown_and_no_echo, teardown),
		cmocka_unit_test_teardown(test_params_without_value, teardown),
		cmocka_unit_test_teardown(test_whatsapp_receipts, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
