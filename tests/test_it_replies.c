/*
 * Integration: the debtor answers.  The daemon as built, a real
 * redis-server, scripted HTTP servers (tests/od_test_httpd.h) in the roles
 * of Twilio's Messages API (twa, SMS) and Meta's Graph API (wab,
 * WhatsApp), and the replies posted to the daemon's real callback
 * endpoints, signed as the providers sign them (tests/od_test_http.c):
 * Twilio inbound SMS, Kannel MO (kan: inbound only here) and WhatsApp
 * webhooks (text and button replies).  For each reply: the event it became
 * (the account's state), the "reply" record, the acknowledgement (its
 * template, its channel, its text) or the entry in outreach:agent.
 *
 * Policy replies-pe (tests/data/replies/policy): its offer (cuotas, then
 * pronto_pago) goes by SMS at 09:00 Lima ten days before the due date
 * 2026-03-19; the clock starts Monday 2026-03-09, 10:00 in Lima.
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
#include <unistd.h>

#include "od_test_http.h"
#include "od_test_httpd.h"
#include "od_testenv.h"

#define DUE		"2026-03-19"
#define TWILIO_TOKEN	OD_TEST_TWILIO_TOKEN
#define TWILIO_ACCOUNT	OD_TEST_TWILIO_ACCOUNT
#define TWILIO_FROM	OD_TEST_TWILIO_FROM
#define WA_VERIFY	OD_TEST_WA_VERIFY
#define WA_SECRET	OD_TEST_WA_SECRET
#define KANNEL_TOKEN	OD_TEST_KANNEL_INBOUND

static struct od_test_env	 g_env;
static pid_t			 g_pid;
static struct od_httpd		*g_tw, *g_wa;
static int			 g_port;
static int			 g_sid;		/* Twilio's inbound MessageSids, numbered */

static int
teardown(void **state)
{
	(void)state;
	od_httpd_stop(g_tw);
	od_httpd_stop(g_wa);
	g_tw = g_wa = NULL;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

/* ---- the daemon -------------------------------------------------------------- */

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

static void
daemon_restart(int y, int mon, int d, int h, int min)
{
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 20000), 0);
	g_pid = 0;
	daemon_start(y, mon, d, h, min);
}

static void
start(const char *tag, int y, int mon, int d, int h, int min)
{
	char	gws[2048];

	assert_non_null(g_tw = od_httpd_start(0));
	od_httpd_script(g_tw, &(struct od_httpd_reply){ OD_HTTPD_REPLY, 201,
	    "Content-Type: application/json\r\n",
	    "{\"sid\":\"SM00000000000000000000000000000001\",\"status\":\"queued\"}", 0 });
	assert_non_null(g_wa = od_httpd_start(0));
	od_httpd_script(g_wa, &(struct od_httpd_reply){ OD_HTTPD_REPLY, 200,
	    "Content-Type: application/json\r\n",
	    "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"x\",\"wa_id\":\"x\"}],"
	    "\"messages\":[{\"id\":\"wamid.HBgLNTE5ODcyMDAwMTEVAgARGBI\"}]}", 0 });
	od_test_callback_gateways(gws, sizeof(gws), od_httpd_port(g_tw), od_httpd_port(g_wa));
	assert_int_equal(od_test_env_start_with(&g_env, tag, OD_TEST_DATA "/replies/policy",
	    NULL, NULL, gws, "  sms: twa\n  whatsapp: wab\n  email: outbox\n"), 0);
	assert_true((g_port = od_test_free_port()) > 0);
	config_public_url();
	daemon_start(y, mon, d, h, min);
}

/* ---- accounts and replies ---------------------------------------------------- */

static void
enqueue(const char *id, const char *phone, const char *locale)
{
	char	*body;

	assert_true(asprintf(&body,
	    "{\"account_id\":\"%s\",\"debtor\":{\"name\":\"Rosa Huam\xc3\xa1n\",\"id\":\"D-%s\","
	    "\"phone\":\"%s\",\"whatsapp\":\"%s\",\"locale\":\"%s\",\"timezone\":\"America/Lima\","
	    "\"country\":\"PE\"},\"debt\":{\"amount\":\"600.00\",\"currency\":\"PEN\","
	    "\"due_date\":\"" DUE "\"},\"consent\":{\"sms\":true,\"whatsapp\":true}}",
	    id, id, phone, phone, locale) > 0);
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
}

/* Enqueues the account and waits for its offer to have gone by SMS. */
static void
offered(const char *id, const char *phone, const char *locale)
{
	enqueue(id, phone, locale);
	assert_int_equal(od_test_wait_status(&g_env, id, "sent", 1, 60000), 1);
}

static void
twilio_reply(const char *phone, const char *text)
{
	struct od_test_resp	r;
	char			sid[40];

	snprintf(sid, sizeof(sid), "SM%032d", ++g_sid);
	{
		const struct od_test_param p[] = {
			{ "AccountSid", TWILIO_ACCOUNT }, { "ApiVersion", "2010-04-01" },
			{ "MessageSid", sid }, { "SmsMessageSid", sid }, { "SmsSid", sid },
			{ "From", phone }, { "FromCountry", "PE" }, { "To", TWILIO_FROM },
			{ "Body", text }, { "NumMedia", "0" }, { "NumSegments", "1" },
		};

		assert_int_equal(od_test_twilio_post(g_port, "/callbacks/twa/inbound", TWILIO_TOKEN,
		    p, sizeof(p) / sizeof(p[0]), &r), 0);
	}
	assert_int_equal(r.status, 200);
	od_test_resp_free(&r);
}

static void
kannel_reply(const char *phone, const char *text)
{
	struct od_test_resp	r;
	char			target[1024], ep[64], et[512];

	od_test_pct_encode(ep, sizeof(ep), phone);
	od_test_pct_encode(et, sizeof(et), text);
	snprintf(target, sizeof(target), "/callbacks/kan/inbound?from=%s&text=%s&token=%s", ep, et,
	    KANNEL_TOKEN);
	assert_int_equal(od_test_http(g_port, "GET", target, NULL, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	od_test_resp_free(&r);
}

/* A WhatsApp webhook with one message (message: its JSON object, "from" and "id" set). */
static void
wa_message(const char *message)
{
	struct od_test_resp	r;
	char			*body;

	assert_true(asprintf(&body, "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":"
	    "\"102290129340398\",\"changes\":[{\"field\":\"messages\",\"value\":{"
	    "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":"
	    "\"15550783881\",\"phone_number_id\":\"106540352242922\"},\"messages\":[%s]}}]}]}",
	    message) > 0);
	assert_int_equal(od_test_wa_post(g_port, "/callbacks/wab/webhook", WA_SECRET, body, &r), 0);
	assert_int_equal(r.status, 200);
	od_test_resp_free(&r);
	free(body);
}

/* ---- readers ------------------------------------------------------------------ */

/* The account's first history record of that status (and step, when not NULL), or NULL. */
static json_t *
hist_find(const char *id, const char *status, const char *step)
{
	json_t	*h = od_test_history(&g_env, id), *r, *found = NULL;
	size_t	 i;

	json_array_foreach(h, i, r) {
		if (strcmp(od_test_str(r, "status") ? od_test_str(r, "status") : "", status) != 0)
			continue;
		if (step != NULL && (od_test_str(r, "step") == NULL ||
		    strcmp(od_test_str(r, "step"), step) != 0))
			continue;
		found = json_incref(r);
		break;
	}
	json_decref(h);
	return found;
}

/* Waits (generously) for the record; fails when it never comes. */
static json_t *
hist_wait(const char *id, const char *status, const char *step)
{
	json_t	*r;
	int	 i;

	for (i = 0; i < 4000; i++) {		/* 80 s: a sanitizer build on a loaded machine */
		if ((r = hist_find(id, status, step)) != NULL)
			return r;
		od_test_sleep_ms(20);
	}
	{
		json_t	*h = od_test_history(&g_env, id);
		char	*dump = json_dumps(h, JSON_INDENT(1));

		print_error("%s's history:\n%s\n", id, dump ? dump : "?");
		free(dump);
		json_decref(h);
	}
	fail_msg("%s: no '%s' record%s%s", id, status, step ? " of step " : "", step ? step : "");
	return NULL;
}

/* The reply record's result, once it is there. */
static void
assert_reply(const char *id, const char *intent, const char *result, const char *channel)
{
	json_t	*r = hist_wait(id, "reply", NULL);

	assert_string_equal(od_test_str(r, "intent"), intent);
	assert_string_equal(od_test_str(r, "result"), result);
	assert_string_equal(od_test_str(r, "channel"), channel);
	json_decref(r);
}

/* The acknowledgement sent: its step (template), channel and a phrase of its text. */
static void
assert_ack(const char *id, const char *name, const char *channel, const char *says)
{
	json_t	*r = hist_wait(id, "sent", name);

	assert_string_equal(od_test_str(r, "channel"), channel);
	assert_string_equal(od_test_str(r, "stage"), "reply");
	if (strstr(od_test_str(r, "text"), says) == NULL)
		fail_msg("%s: '%s' does not say '%s'", name, od_test_str(r, "text"), says);
	json_decref(r);
}

/* The outreach:agent entries for account id (an array of objects, new reference). */
static json_t *
agent_entries(const char *id)
{
	redisReply	*r, *f;
	json_t		*out = json_array(), *o;
	size_t		 i, k;

	r = redisCommand(g_env.rc, "XRANGE outreach:agent - +");
	assert_non_null(r);
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		f = r->element[i]->element[1];
		o = json_object();
		for (k = 0; k + 1 < f->elements; k += 2)
			json_object_set_new(o, f->element[k]->str,
			    json_stringn(f->element[k + 1]->str, f->element[k + 1]->len));
		if (strcmp(od_test_str(o, "account_id"), id) == 0)
			json_array_append(out, o);
		json_decref(o);
	}
	freeReplyObject(r);
	return out;
}

static json_t *
state_of(const char *id)
{
	json_t	*s = od_test_state(&g_env, id);

	assert_non_null(s);
	return s;
}

/* The state's life (promise or agreement), or NULL. */
static const char *
life_kind(json_t *s)
{
	return json_string_value(json_object_get(json_object_get(s, "life"), "k"));
}

/* ---- the tests ---------------------------------------------------------------- */

/*
 * (1) Twilio SMS in es-PE, one account per intent: "1" accepts the plan
 * that was offered, "pago el viernes" promises Friday 03-13, "ASESOR" asks
 * for a person, "ya pagué" claims a payment, "no es mi número" stops the
 * phone, a reply nobody can read goes to people.  Each acknowledgement
 * goes at once by SMS (PE's caps leave answers out, caps.answers).
 */
static void
test_sms_es(void **state)
{
	json_t		*s, *a, *conv;
	const char	*c;

	(void)state;
	start("itrpes", 2026, 3, 9, 15, 0);
	offered("R-ACC", "+51987200001", "es-PE");
	offered("R-PRO", "+51987200002", "es-PE");
	offered("R-AGT", "+51987200003", "es-PE");
	offered("R-PAID", "+51987200004", "es-PE");
	offered("R-WRONG", "+51987200005", "es-PE");
	offered("R-NONE", "+51987200006", "es-PE");

	twilio_reply("+51987200001", "1");
	assert_reply("R-ACC", "accept", "applied", "sms");
	s = state_of("R-ACC");
	assert_string_equal(life_kind(s), "plan");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "life"),
	    "offer")), "cuotas");
	json_decref(s);
	assert_ack("R-ACC", "reply_accepted", "sms", "Registramos su acuerdo R-ACC:A1");

	twilio_reply("+51987200002", "pago el viernes");
	assert_reply("R-PRO", "promise", "applied", "sms");
	s = state_of("R-PRO");
	assert_string_equal(life_kind(s), "promise");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "life"),
	    "date")), "2026-03-13");
	json_decref(s);
	assert_ack("R-PRO", "reply_promise", "sms", "Registramos su compromiso de pagar");

	twilio_reply("+51987200003", "ASESOR");
	assert_reply("R-AGT", "agent", "agent", "sms");
	assert_ack("R-AGT", "reply_agent", "sms", "Un asesor se comunicara con usted");
	a = agent_entries("R-AGT");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(od_test_str(json_array_get(a, 0), "reason"), "asked for a person");
	assert_string_equal(od_test_str(json_array_get(a, 0), "text"), "ASESOR");
	/* the conversation so far: the offer that went, and the reply */
	c = od_test_str(json_array_get(a, 0), "conversation");
	assert_non_null(conv = json_loads(c, 0, NULL));
	assert_true(json_array_size(conv) >= 2);
	assert_non_null(strstr(c, "offer_plan"));
	assert_non_null(strstr(c, "\"ASESOR\""));
	json_decref(conv);
	json_decref(a);
	s = state_of("R-AGT");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "hold"),
	    "why")), "agent");
	json_decref(s);

	twilio_reply("+51987200004", "ya pagué");
	assert_reply("R-PAID", "paid_claim", "applied", "sms");
	s = state_of("R-PAID");
	assert_string_equal(json_string_value(json_object_get(s, "status")), "active");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "hold"),
	    "why")), "payment_claimed");
	json_decref(s);
	assert_ack("R-PAID", "reply_paid_claim", "sms", "Verificaremos su pago");

	twilio_reply("+51987200005", "no es mi número");
	assert_reply("R-WRONG", "wrong_number", "applied", "sms");
	s = state_of("R-WRONG");
	assert_true(json_is_true(json_object_get(json_object_get(s, "optout"), "sms")));
	assert_true(json_is_true(json_object_get(json_object_get(s, "optout"), "whatsapp")));
	json_decref(s);
	json_decref(hist_wait("R-WRONG", "wrong_number", NULL));	/* upstream is told */

	twilio_reply("+51987200006", "zzkq wubba");
	assert_reply("R-NONE", "none", "agent", "sms");
	a = agent_entries("R-NONE");
	assert_int_equal(json_array_size(a), 1);
	assert_non_null(strstr(od_test_str(json_array_get(a, 0), "reason"), "unmatched"));
	json_decref(a);
	assert_ack("R-NONE", "reply_unapplied", "sms", "No pudimos registrarla");

	/* the third party is never written to again: the wrong number got only the offer */
	od_test_sleep_ms(300);
	assert_int_equal(od_test_wait_status(&g_env, "R-WRONG", "sent", 1, 1000), 1);
	assert_true(od_test_metric(g_port,
	    "outreachd_replies_total{intent=\"accept\",result=\"applied\"}") == 1);
	assert_true(od_test_metric(g_port,
	    "outreachd_replies_total{intent=\"none\",result=\"agent\"}") == 1);
}

/*
 * (2) Kannel MO and English: "2 el 20" (the menu's 2 and a date) by Kannel promises 03-20; an English
 * debtor's "I will pay on friday" promises 03-13 and is acknowledged in
 * English; "PLAN 4" accepts the plan in four instalments; a promise beyond
 * promises.max_days cannot be applied: a person, and the debtor told so.
 */
static void
test_kannel_and_en(void **state)
{
	json_t	*s;

	(void)state;
	start("itrpen", 2026, 3, 9, 15, 0);
	offered("R-KAN", "+51987200021", "es-PE");
	offered("R-EN", "+51987200022", "en");
	offered("R-P4", "+51987200023", "es-PE");
	offered("R-FAR", "+51987200024", "en");

	kannel_reply("+51987200021", "2 el 20");
	assert_reply("R-KAN", "promise", "applied", "sms");
	s = state_of("R-KAN");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "life"),
	    "date")), "2026-03-20");
	json_decref(s);
	assert_ack("R-KAN", "reply_promise", "sms", "Registramos su compromiso");

	twilio_reply("+51987200022", "I will pay on friday");
	assert_reply("R-EN", "promise", "applied", "sms");
	s = state_of("R-EN");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "life"),
	    "date")), "2026-03-13");
	json_decref(s);
	assert_ack("R-EN", "reply_promise", "sms", "We have recorded your promise to pay");

	twilio_reply("+51987200023", "PLAN 4");
	assert_reply("R-P4", "accept", "applied", "sms");
	s = state_of("R-P4");
	assert_int_equal(json_array_size(json_object_get(json_object_get(s, "life"), "sched")), 4);
	json_decref(s);

	twilio_reply("+51987200024", "I will pay on 12/31/2026");
	assert_reply("R-FAR", "promise", "agent", "sms");
	s = state_of("R-FAR");
	assert_null(life_kind(s));
	json_decref(s);
	assert_ack("R-FAR", "reply_unapplied", "sms", "We could not record it automatically");
}

/*
 * (3) WhatsApp: a text "1" and a quick-reply button whose payload names its
 * intent; within 24 hours the acknowledgement is a session message (Meta
 * gets type "text"); a reply on Saturday is acknowledged on Monday, more
 * than 24 hours later: by the approved template.
 */
static void
test_whatsapp(void **state)
{
	const struct od_httpd_request	*q;
	json_t				*s;
	size_t				 before;

	(void)state;
	start("itrpwa", 2026, 3, 9, 15, 0);
	offered("R-WA1", "+51987200031", "es-PE");
	offered("R-WA2", "+51987200032", "es-PE");
	offered("R-WA3", "+51987200033", "es-PE");

	wa_message("{\"from\":\"51987200031\",\"id\":\"wamid.IN0001\",\"timestamp\":\"1773068460\","
	    "\"type\":\"text\",\"text\":{\"body\":\"1\"}}");
	assert_reply("R-WA1", "accept", "applied", "whatsapp");
	assert_ack("R-WA1", "reply_accepted", "whatsapp", "Registramos su acuerdo");
	assert_true(od_httpd_nrequests(g_wa) >= 1);
	q = od_httpd_request(g_wa, od_httpd_nrequests(g_wa) - 1);
	assert_non_null(strstr(q->body, "\"type\":\"text\""));
	assert_non_null(strstr(q->body, "Registramos su acuerdo"));

	wa_message("{\"from\":\"51987200032\",\"id\":\"wamid.IN0002\",\"timestamp\":\"1773068460\","
	    "\"type\":\"button\",\"button\":{\"payload\":\"agent\",\"text\":\"Hablar con un asesor\"}}");
	assert_reply("R-WA2", "agent", "agent", "whatsapp");
	assert_ack("R-WA2", "reply_agent", "whatsapp", "Un asesor");
	s = state_of("R-WA2");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "hold"),
	    "why")), "agent");
	json_decref(s);

	/* Saturday 03-14, 10:00 in Lima: the reply is recorded, its answer waits (art. 62(b)) */
	daemon_restart(2026, 3, 14, 15, 0);
	before = od_httpd_nrequests(g_wa);
	wa_message("{\"from\":\"51987200033\",\"id\":\"wamid.IN0003\",\"timestamp\":\"1773500400\","
	    "\"type\":\"text\",\"text\":{\"body\":\"ASESOR\"}}");
	assert_reply("R-WA3", "agent", "agent", "whatsapp");
	json_decref(hist_wait("R-WA3", "suppressed", "reply_agent"));
	assert_int_equal(od_httpd_nrequests(g_wa), before);
	/*
	 * Monday 03-16, 09:30 in Lima: the 24-hour window is long closed, so the
	 * approved template; and well inside replies.acknowledge_within (2d from
	 * Saturday 10:00, which a 10:00 start would reach as the daemon starts).
	 */
	daemon_restart(2026, 3, 16, 14, 30);
	assert_ack("R-WA3", "reply_agent", "whatsapp", "Un asesor");
	q = od_httpd_request(g_wa, od_httpd_nrequests(g_wa) - 1);
	assert_non_null(strstr(q->body, "\"type\":\"template\""));
	assert_non_null(strstr(q->body, "reply_agent"));
}

/*
 * (4) A number two accounts share: the reply names neither.  "1" accepts
 * nothing: both go to people (shared_phone) and nothing is sent; "ya pagué"
 * holds both, and one acknowledgement goes.
 */
static void
test_shared_phone(void **state)
{
	json_t	*s, *a;
	size_t	 sent;

	(void)state;
	start("itrpsh", 2026, 3, 9, 15, 0);
	offered("R-SH1", "+51987200041", "es-PE");
	offered("R-SH2", "+51987200041", "es-PE");
	sent = od_httpd_nrequests(g_tw);

	twilio_reply("+51987200041", "1");
	assert_reply("R-SH1", "accept", "agent", "sms");
	assert_reply("R-SH2", "accept", "agent", "sms");
	a = agent_entries("R-SH1");
	assert_int_equal(json_array_size(a), 1);
	assert_non_null(strstr(od_test_str(json_array_get(a, 0), "reason"), "shared_phone"));
	json_decref(a);
	s = state_of("R-SH2");
	assert_null(life_kind(s));
	json_decref(s);
	od_test_sleep_ms(500);
	assert_int_equal(od_httpd_nrequests(g_tw), sent);

	twilio_reply("+51987200041", "ya pague");
	json_decref(hist_wait("R-SH1", "payment_claimed", NULL));
	json_decref(hist_wait("R-SH2", "payment_claimed", NULL));
	assert_ack("R-SH1", "reply_paid_claim", "sms", "Verificaremos su pago");
	od_test_sleep_ms(500);
	assert_null(hist_find("R-SH2", "sent", "reply_paid_claim"));
	assert_int_equal(od_httpd_nrequests(g_tw), sent + 1);
}

/* (5) The thread an agent reads: outreachctl conversations. */
static void
test_conversations(void **state)
{
	char	 cmd[2048], out[8192];
	FILE	*p;
	size_t	 n;

	(void)state;
	start("itrpcv", 2026, 3, 9, 15, 0);
	offered("R-CV", "+51987200051", "es-PE");
	twilio_reply("+51987200051", "pagare el viernes");
	json_decref(hist_wait("R-CV", "sent", "reply_promise"));
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --redis %s conversations R-CV 2>&1",
	    OD_BUILD_DIR, g_env.redis.url);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	if (getenv("OD_TEST_SHOW") != NULL)
		printf("$ outreachctl conversations R-CV\n%s", out);
	/* in order: the offer out, the reply in, the promise, the acknowledgement out */
	assert_non_null(strstr(out, "->"));
	assert_non_null(strstr(out, "<-"));
	assert_true(strstr(out, "offer_plan") < strstr(out, "pagare el viernes"));
	assert_true(strstr(out, "pagare el viernes") < strstr(out, "promise_made"));
	assert_true(strstr(out, "promise_made") < strstr(out, "reply_promise"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sms_es, teardown),
		cmocka_unit_test_teardown(test_kannel_and_en, teardown),
		cmocka_unit_test_teardown(test_whatsapp, teardown),
		cmocka_unit_test_teardown(test_shared_phone, teardown),
		cmocka_unit_test_teardown(test_conversations, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
