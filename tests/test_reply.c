/*
 * od_state_reply and od_job_reply: a debtor's reply, once read (the intent
 * is given here; test_intent reads the words), becomes the event it
 * stands for, or a request for a person with its reason; the
 * acknowledgement it is due goes on the reply's channel, under the contact
 * rules, as a WhatsApp session message only within 24 hours.  The shipped
 * configuration (config/outreachd.yaml: pe-consumer, its offers cuotas and
 * pronto_pago, the templates reply_*) on a clock passed in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_confset.h"
#include "od_intent.h"
#include "od_job.h"
#include "od_state.h"
#include "od_time.h"

#define CONFIG	OD_TEST_DATA "/../../config/outreachd.yaml"
#define DAY	86400000LL
#define NOW	1773068400000LL		/* Monday 2026-03-09 10:00 in Lima */
#define SAT	(NOW + 5 * DAY)		/* Saturday 2026-03-14 10:00 in Lima */
#define ACCOUNT	"{\"account_id\": \"PE-R1\", \"debtor\": {\"name\": \"Rosa Quispe\"," \
	" \"phone\": \"+51987654321\", \"whatsapp\": \"+51987654321\", \"locale\": \"es-PE\"," \
	" \"country\": \"PE\", \"timezone\": \"America/Lima\"}, \"debt\": {\"amount\": \"300.00\"," \
	" \"currency\": \"PEN\", \"due_date\": \"2026-02-20\"}, \"policy\": \"pe-consumer\"," \
	" \"consent\": {\"sms\": true, \"whatsapp\": true}}"

static struct od_confset	 g_set;
static struct od_account	 g_acct;
static const struct od_policy	*g_pol;

static int
setup(void **state)
{
	struct od_errors	errs;
	char			reason[256];

	(void)state;
	od_errors_init(&errs);
	if (od_confset_load(CONFIG, NULL, 0, &g_set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		od_errors_clear(&errs);
		return -1;
	}
	od_errors_clear(&errs);
	if (od_account_parse(ACCOUNT, strlen(ACCOUNT), 0, &g_acct, reason, sizeof(reason)) == -1)
		return -1;
	g_pol = od_policy_find(&g_set.policies, "pe-consumer");
	return g_pol != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	od_account_clear(&g_acct);
	od_confset_free(&g_set);
	return 0;
}

/* An active account at the offer step, both offers made on 03-06 by attempt #4. */
static void
offered(struct od_state *st)
{
	od_state_init(st);
	st->status = OD_STATE_ACTIVE;
	st->policy = strdup("pe-consumer");
	snprintf(st->cycle, sizeof(st->cycle), "2026-02-20");
	st->amount_minor = 30000;
	st->digits = 2;
	st->next = 5;
	st->seq = 4;
	st->offers.set = 1;
	st->offers.v = calloc(2, sizeof(char *));
	st->offers.v[st->offers.n++] = strdup("cuotas 2026-03-16 PE-R1:2026-02-20:offer_plan#4");
	st->offers.v[st->offers.n++] = strdup("pronto_pago 2026-03-13 PE-R1:2026-02-20:offer_plan#4");
}

struct outcome {
	int	 rc, replan;
	char	 agent[300];
	json_t	*recs, *docs;
};

static void
reply(struct od_state *st, int64_t now, enum od_intent_kind k, int option, const char *date,
    int channel, int shared, const char *pid, struct outcome *o)
{
	struct od_intent_match	m;
	struct od_state_reply	r;
	struct od_state_ctx	cx;

	memset(&m, 0, sizeof(m));
	m.kind = k;
	m.option = option;
	snprintf(m.date, sizeof(m.date), "%s", date ? date : "");
	snprintf(m.matched, sizeof(m.matched), "test");
	memset(&r, 0, sizeof(r));
	r.channel = channel;
	r.text = "texto de prueba";
	r.at = "2026-03-09T15:00:00Z";
	r.provider_id = pid;
	r.shared = shared;
	r.ack = 1;
	r.intent = &m;
	json_decref(o->recs);
	json_decref(o->docs);
	o->recs = json_array();
	o->docs = json_array();
	od_state_ctx_init(&cx, "PE-R1", &g_acct, g_pol, now);
	cx.records = o->recs;
	cx.docs = o->docs;
	o->rc = od_state_reply(st, &r, &cx, &o->replan, o->agent, sizeof(o->agent));
}

/* The "reply" record's result and detail. */
static const json_t *
reply_record(const struct outcome *o)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(o->recs, i, r)
		if (strcmp(json_string_value(json_object_get(r, "status")), "reply") == 0)
			return r;
	fail_msg("no reply record");
	return NULL;
}

static void
outcome_clear(struct outcome *o)
{
	json_decref(o->recs);
	json_decref(o->docs);
	memset(o, 0, sizeof(*o));
}

static void
test_accept_last_offer(void **state)
{
	struct od_state	 st;
	struct outcome	 o = { 0 };
	const json_t	*ev;

	(void)state;
	offered(&st);
	reply(&st, NOW, OD_INTENT_ACCEPT, 0, NULL, OD_CH_SMS, 1, "SM1", &o);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.agent, "");
	/* "1" accepts the first offer the last offering message made: the plan, 3 instalments */
	assert_int_equal(st.life.kind, OD_LIFE_PLAN);
	assert_string_equal(st.life.offer, "cuotas");
	assert_int_equal(st.life.nsched, 3);
	assert_string_equal(json_string_value(json_object_get(reply_record(&o), "result")),
	    "applied");
	assert_string_equal(json_string_value(json_object_get(reply_record(&o), "channel")),
	    "sms");
	/* the agreement's evidence is the reply */
	ev = json_object_get(json_array_get(o.docs, 0), "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "source")), "reply");
	assert_string_equal(json_string_value(json_object_get(ev, "text")), "texto de prueba");
	assert_string_equal(json_string_value(json_object_get(ev, "provider_id")), "SM1");
	/* acknowledged on SMS */
	assert_string_equal(st.ack.what, "accepted");
	assert_int_equal(st.ack.channel, OD_CH_SMS);
	assert_int_equal(st.ack.n, 1);
	/* the provider's retry of the same message: applied once */
	reply(&st, NOW + 1000, OD_INTENT_ACCEPT, 0, NULL, OD_CH_SMS, 1, "SM1", &o);
	assert_int_equal(o.rc, 1);
	assert_int_equal(st.nack, 1);
	/* the template's second button, "accept:2": the second offer the message made */
	od_state_clear(&st);
	offered(&st);
	{
		struct od_intent_match	bm;
		struct od_state_reply	br;
		struct od_state_ctx	bcx;
		char			ag[300];
		int			rp;

		assert_int_equal(od_intent_payload("accept:2", &bm), 1);
		memset(&br, 0, sizeof(br));
		br.channel = OD_CH_WHATSAPP;
		br.text = "Pronto pago";
		br.shared = br.ack = 1;
		br.intent = &bm;
		od_state_ctx_init(&bcx, "PE-R1", &g_acct, g_pol, NOW);
		assert_int_equal(od_state_reply(&st, &br, &bcx, &rp, ag, sizeof(ag)), 0);
		assert_int_equal(st.life.kind, OD_LIFE_SETTLEMENT);
		assert_string_equal(st.life.offer, "pronto_pago");
		/* a third offer the message did not make: a person */
		od_state_clear(&st);
		offered(&st);
		assert_int_equal(od_intent_payload("accept:3", &bm), 1);
		assert_int_equal(od_state_reply(&st, &br, &bcx, &rp, ag, sizeof(ag)), 0);
		assert_non_null(strstr(ag, "no_offer"));
	}
	/* "PLAN 5": five instalments */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_ACCEPT, 5, NULL, OD_CH_WHATSAPP, 1, NULL, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(st.life.nsched, 5);
	assert_int_equal(st.ack.channel, OD_CH_WHATSAPP);
	outcome_clear(&o);
	od_state_clear(&st);
}

static void
test_accept_without_offer(void **state)
{
	struct od_state	 st;
	struct outcome	 o = { 0 };

	(void)state;
	offered(&st);
	/* 03-17: both offers ran out (valid through 03-16 and 03-13) */
	reply(&st, NOW + 8 * DAY, OD_INTENT_ACCEPT, 0, NULL, OD_CH_SMS, 1, NULL, &o);
	assert_int_equal(o.rc, 0);
	assert_non_null(strstr(o.agent, "no_offer"));
	assert_int_equal(st.life.kind, OD_LIFE_NONE);
	/* a person is asked for: outreach pauses replies.agent_pause (3d) */
	assert_string_equal(st.hold_why, "agent");
	assert_int_equal(st.hold_until, NOW + 8 * DAY + 3 * DAY + 60000)	/* the minute after */;
	assert_string_equal(json_string_value(json_object_get(reply_record(&o), "result")),
	    "agent");
	/* and told so, politely, with a person offered */
	assert_string_equal(st.ack.what, "unapplied");
	/* a plan option the offer does not allow: refused, to a person */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_ACCEPT, 12, NULL, OD_CH_SMS, 1, NULL, &o);
	assert_non_null(strstr(o.agent, "not_applied: plan_accepted: option"));
	assert_string_equal(st.ack.what, "unapplied");
	outcome_clear(&o);
	od_state_clear(&st);
}

static void
test_promise(void **state)
{
	struct od_state	 st;
	struct outcome	 o = { 0 };

	(void)state;
	offered(&st);
	reply(&st, NOW, OD_INTENT_PROMISE, 0, "2026-03-13", OD_CH_SMS, 1, NULL, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(st.life.kind, OD_LIFE_PROMISE);
	assert_string_equal(st.life.date, "2026-03-13");
	assert_string_equal(st.ack.what, "promise");
	assert_int_equal(o.replan, 1);
	/* no date understood: a person */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_PROMISE, 0, NULL, OD_CH_SMS, 1, NULL, &o);
	assert_non_null(strstr(o.agent, "promise_date"));
	assert_int_equal(st.life.kind, OD_LIFE_NONE);
	assert_string_equal(st.ack.what, "unapplied");
	/* beyond promises.max_days (30): refused by the lifecycle, to a person */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_PROMISE, 0, "2026-05-20", OD_CH_SMS, 1, NULL, &o);
	assert_non_null(strstr(o.agent, "not_applied: promise_to_pay: date"));
	assert_int_equal(st.life.kind, OD_LIFE_NONE);
	/* on a paid account: recorded, no acknowledgement (nothing more is sent) */
	od_state_clear(&st);
	offered(&st);
	st.status = OD_STATE_PAID;
	reply(&st, NOW, OD_INTENT_PROMISE, 0, "2026-03-13", OD_CH_SMS, 1, NULL, &o);
	assert_non_null(strstr(o.agent, "not_applied"));
	assert_string_equal(st.ack.what, "");
	outcome_clear(&o);
	od_state_clear(&st);
}

static void
test_shared_number(void **state)
{
	struct od_state	 st;
	struct outcome	 o = { 0 };

	(void)state;
	/* an acceptance from a number two accounts share: neither is chosen */
	offered(&st);
	reply(&st, NOW, OD_INTENT_ACCEPT, 0, NULL, OD_CH_SMS, 2, NULL, &o);
	assert_int_equal(o.rc, 0);
	assert_non_null(strstr(o.agent, "shared_phone"));
	assert_int_equal(st.life.kind, OD_LIFE_NONE);
	assert_string_equal(st.ack.what, "");	/* people sort it out first */
	/* a payment claimed holds both (what holds for all of them) */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_PAID_CLAIM, 0, NULL, OD_CH_SMS, 2, NULL, &o);
	assert_string_equal(o.agent, "");
	assert_string_equal(st.hold_why, "payment_claimed");
	assert_int_equal(st.hold_until, NOW + 5 * DAY + 60000);
	assert_int_equal(st.status, OD_STATE_ACTIVE);	/* never paid by a claim */
	assert_string_equal(st.ack.what, "paid_claim");
	outcome_clear(&o);
	od_state_clear(&st);
}

static void
test_wrong_number_and_unmatched(void **state)
{
	struct od_state	 st;
	struct outcome	 o = { 0 };

	(void)state;
	offered(&st);
	reply(&st, NOW, OD_INTENT_WRONG_NUMBER, 0, NULL, OD_CH_WHATSAPP, 1, NULL, &o);
	assert_int_equal(o.rc, 0);
	assert_true(st.optout & (1u << OD_CH_SMS));
	assert_true(st.optout & (1u << OD_CH_WHATSAPP));
	assert_string_equal(st.ack.what, "");	/* nothing more to a third party */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_NONE, 0, NULL, OD_CH_SMS, 1, NULL, &o);
	assert_non_null(strstr(o.agent, "unmatched"));
	assert_string_equal(st.hold_why, "agent");
	assert_string_equal(st.ack.what, "unapplied");
	/* asked for a person: the acknowledgement says one will call */
	od_state_clear(&st);
	offered(&st);
	reply(&st, NOW, OD_INTENT_AGENT, 0, NULL, OD_CH_SMS, 1, NULL, &o);
	assert_string_equal(o.agent, "asked for a person");
	assert_string_equal(st.ack.what, "agent");
	outcome_clear(&o);
	od_state_clear(&st);
}

static void
test_ack_json(void **state)
{
	struct od_state	 st, back;
	const char	*field;
	char		*json;
	json_t		*v;

	(void)state;
	offered(&st);
	snprintf(st.ack.what, sizeof(st.ack.what), "promise");
	st.ack.channel = OD_CH_WHATSAPP;
	st.ack.at = NOW;
	st.ack.n = st.nack = 2;
	json = od_state_to_json(&st);
	v = json_loads(json, 0, NULL);
	assert_int_equal(od_state_from_json(&back, v, &field), 0);
	assert_string_equal(back.ack.what, "promise");
	assert_int_equal(back.ack.channel, OD_CH_WHATSAPP);
	assert_int_equal(back.ack.at, NOW);
	assert_int_equal(back.nack, 2);
	json_decref(v);
	free(json);
	od_state_clear(&back);
	/* a bad one is corrupt, not guessed at */
	v = json_loads("{\"status\":\"active\",\"ack\":{\"w\":\"promise\",\"ch\":\"fax\","
	    "\"at\":1,\"n\":1}}", 0, NULL);
	assert_int_equal(od_state_from_json(&back, v, &field), -1);
	json_decref(v);
	od_state_clear(&back);
	od_state_clear(&st);
}

static void
test_payload(void **state)
{
	struct od_intent_match	m;

	(void)state;
	assert_int_equal(od_intent_payload("accept", &m), 1);
	assert_int_equal(m.kind, OD_INTENT_ACCEPT);
	assert_int_equal(m.option, 0);
	assert_int_equal(od_intent_payload("accept:4", &m), 1);
	assert_int_equal(m.offer, 4);	/* the fourth offer, not four instalments */
	assert_int_equal(m.option, 0);
	assert_int_equal(od_intent_payload("agent", &m), 1);
	assert_int_equal(m.kind, OD_INTENT_AGENT);
	assert_string_equal(m.matched, "button:agent");
	assert_int_equal(od_intent_payload("agent:2", &m), 0);	/* only accept has options */
	assert_int_equal(od_intent_payload("accept:x", &m), 0);
	assert_int_equal(od_intent_payload("accept:0", &m), 0);
	assert_int_equal(od_intent_payload("none", &m), 0);
	assert_int_equal(od_intent_payload("Pagar ahora", &m), 0);
	assert_int_equal(od_intent_payload("", &m), 0);
	assert_int_equal(od_intent_payload(NULL, &m), 0);
}

/* A job on st's JSON at now; the caller clears it. */
static enum od_job_next
job(struct od_job *j, struct od_state *st, int64_t now)
{
	enum od_job_next	 n;
	char			*json = od_state_to_json(st);

	n = od_job_start(j, &g_set, "PE-R1", ACCOUNT, strlen(ACCOUNT), json, strlen(json), NULL,
	    now);
	free(json);
	return n;
}

static void
test_ack_job(void **state)
{
	struct od_state_outcome	 oc;
	struct od_state		 st;
	struct od_job		 j;
	const json_t		*r;
	char			*json;

	struct outcome		 o = { 0 };

	(void)state;
	offered(&st);
	st.fb = 1;
	st.tries = 2;
	reply(&st, NOW, OD_INTENT_PROMISE, 0, "2026-03-13", OD_CH_SMS, 1, NULL, &o);
	outcome_clear(&o);
	assert_string_equal(st.ack.what, "promise");
	st.hold_until = NOW + 3 * DAY;	/* a hold does not stop it */
	snprintf(st.hold_why, sizeof(st.hold_why), "agent");
	if (job(&j, &st, NOW + 60000) != OD_JOB_SEND)
		fail_msg("%s", json_dumps(j.records, 0));
	assert_int_equal(j.kind, OD_CH_SMS);
	assert_string_equal(j.st->name, "reply_promise");
	assert_string_equal(j.action_id, "PE-R1:2026-02-20:R1");
	assert_non_null(strstr(j.r.text, "gracias por su respuesta"));
	od_job_clear(&j);
	/*
	 * The offer went by SMS a minute before: PE's caps (1 a day, 24 h
	 * apart) are outreachd's own, caps.answers: exempt, so the answer goes.
	 */
	st.recent = calloc(1, sizeof(*st.recent));
	st.recent[0].at = NOW;
	st.recent[0].kind = OD_CH_SMS;
	st.nrecent = st.caprecent = 1;
	assert_int_equal(job(&j, &st, NOW + 60000), OD_JOB_SEND);
	/* checked again before it goes: the hold and the promise do not stop it either */
	json = od_state_to_json(&st);
	assert_null(od_job_recheck(&j, json, strlen(json)));
	free(json);
	od_job_clear(&j);
	/* on WhatsApp within 24 hours: a session message; after them, the template */
	st.ack.channel = OD_CH_WHATSAPP;
	assert_int_equal(job(&j, &st, NOW + 3600000), OD_JOB_SEND);
	assert_int_equal(j.wa_session, 1);
	od_job_clear(&j);
	assert_int_equal(job(&j, &st, NOW + DAY + 60000), OD_JOB_SEND);
	assert_int_equal(j.wa_session, 0);
	od_job_clear(&j);
	/* a reply on Saturday: Ley 29571 art. 62(b) holds it to Monday */
	st.ack.channel = OD_CH_SMS;
	st.ack.at = SAT;
	assert_int_equal(job(&j, &st, SAT + 60000), OD_JOB_FINISH);
	r = json_array_get(j.records, json_array_size(j.records) - 1);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "suppressed");
	assert_string_equal(json_string_value(json_object_get(r, "step")), "reply_promise");
	assert_true(j.next_due > SAT + DAY);
	od_job_clear(&j);
	/* past replies.acknowledge_within (2d): dropped, recorded */
	assert_int_equal(job(&j, &st, SAT + 3 * DAY), OD_JOB_FINISH);
	r = json_array_get(j.records, json_array_size(j.records) - 1);
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "ack_expired");
	od_job_outcome_of(&j, &oc);
	assert_int_equal(oc.ack_done, 1);
	/* the escalation's fallback channel and tries stay as they were */
	assert_int_equal(oc.fb, 1);
	assert_int_equal(oc.tries, 2);
	assert_int_equal(oc.next_step, -1);
	od_job_clear(&j);
	od_state_clear(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_last_offer),
		cmocka_unit_test(test_accept_without_offer),
		cmocka_unit_test(test_promise),
		cmocka_unit_test(test_shared_number),
		cmocka_unit_test(test_wrong_number_and_unmatched),
		cmocka_unit_test(test_ack_json),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_ack_job),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
