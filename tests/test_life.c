/*
 * od_state_life: promises, agreements and placement as transitions of the
 * account's state, on a clock passed in (no I/O): what is recorded, what is
 * refused, and when a promise or a plan breaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_account.h"
#include "od_policy.h"
#include "od_state.h"
#include "od_time.h"

#define DAY	86400000LL
/* 2026-03-09 15:00 UTC: Monday 10:00 in Lima */
#define NOW	1773068400000LL

static struct od_account	acct;
static struct od_policy		pol;
static struct od_step		psteps[2], plsteps[3], steps[3];
static struct od_named_offer	offers[3];
static char *step_offers[] = { "cuotas", "pronto", "mas_tiempo" };
static char	last_reason[256];	/* the last refusal's */

static int
setup(void **state)
{
	static const char doc[] =
	    "{\"account_id\":\"PE-1\",\"debtor\":{\"name\":\"Rosa Huam\xc3\xa1n\","
	    "\"phone\":\"+51987000111\",\"locale\":\"es-PE\",\"timezone\":\"America/Lima\","
	    "\"country\":\"PE\"},\"debt\":{\"amount\":\"100.00\",\"currency\":\"PEN\","
	    "\"due_date\":\"2026-03-01\"},\"consent\":{\"sms\":true}}";
	char	reason[256];

	(void)state;
	assert_int_equal(od_account_parse(doc, strlen(doc), 0, &acct, reason, sizeof(reason)), 0);
	memset(&pol, 0, sizeof(pol));
	pol.name = "life";
	pol.send_at_min = 9 * 60;
	steps[0].name = "notice";
	steps[0].stage = OD_STAGE_NOTICE;
	steps[1].name = "offer";
	steps[1].stage = OD_STAGE_OFFER;
	steps[1].offers = step_offers;
	steps[1].noffers = 3;
	steps[2].name = "final_notice";
	steps[2].stage = OD_STAGE_FINAL;
	pol.steps = steps;
	pol.nsteps = 3;
	pol.promises.grace_days = 2;
	pol.promises.kept_percent = 90;
	pol.promises.max_broken = 2;
	pol.promises.max_days = 30;
	pol.promises.after_index = 2;
	psteps[0].name = "promise_reminder";
	psteps[0].anchor = OD_AT_PROMISE;
	psteps[1].name = "promise_broken";
	psteps[1].anchor = OD_AT_BROKEN;
	pol.promises.steps = psteps;
	pol.promises.nsteps = 2;
	plsteps[0].name = "confirmation";
	plsteps[0].anchor = OD_AT_ACCEPTED;
	plsteps[1].name = "instalment_reminder";
	plsteps[1].anchor = OD_AT_INSTALMENT;
	plsteps[2].name = "plan_broken";
	plsteps[2].anchor = OD_AT_BROKEN;
	pol.plan_steps = plsteps;
	pol.nplan_steps = 3;
	offers[0].id = "cuotas";
	offers[0].kind = OD_OFFER_PLAN;
	offers[0].valid_days = 7;
	offers[0].min_n = 2;
	offers[0].max_n = 6;
	offers[0].default_n = 3;
	offers[0].freq = OD_FREQ_MONTHLY;
	offers[0].first_days = 7;
	offers[0].min_installment = "20.00";
	offers[0].grace_days = -1;
	offers[1].id = "pronto";
	offers[1].kind = OD_OFFER_SETTLEMENT;
	offers[1].valid_days = 7;
	offers[1].discount_percent = 15;
	offers[1].pay_days = 5;
	offers[1].grace_days = 0;
	offers[2].id = "mas_tiempo";
	offers[2].kind = OD_OFFER_EXTENSION;
	offers[2].valid_days = 7;
	offers[2].extend_days = 20;
	offers[2].grace_days = -1;
	pol.offers = offers;
	pol.noffers = 3;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	od_account_clear(&acct);
	return 0;
}

static void
active(struct od_state *st)
{
	od_state_init(st);
	st->status = OD_STATE_ACTIVE;
	st->policy = strdup("life");
	snprintf(st->cycle, sizeof(st->cycle), "2026-03-01");
	st->amount_minor = 10000;
	st->digits = 2;
	st->next = 1;
}

/* An event document, applied at now: the rc, with records and docs collected. */
static int
event(struct od_state *st, int64_t now, json_t *recs, json_t *docs, const char *fmt, ...)
{
	struct od_state_event	 e;
	struct od_state_ctx	 cx;
	struct od_event		 ev;
	char			 doc[1024], reason[256];
	va_list			 ap;
	int			 replan, rc;

	va_start(ap, fmt);
	vsnprintf(doc, sizeof(doc), fmt, ap);
	va_end(ap);
	if (od_event_parse(doc, strlen(doc), 0, &ev, reason, sizeof(reason)) == -1)
		fail_msg("%s: %s", doc, reason);
	memset(&e, 0, sizeof(e));
	e.type = ev.type;
	e.channel = ev.channel;
	e.full = ev.full;
	e.amount = ev.amount;
	e.until = ev.until;
	e.offer = ev.offer;
	e.accept = ev.accept;
	e.option = ev.option;
	e.doc = ev.doc;
	od_state_ctx_init(&cx, "PE-1", &acct, &pol, now);
	cx.records = recs;
	cx.docs = docs;
	rc = od_state_event(st, &e, &cx, &replan);
	if (rc == OD_STATE_REJECTED)
		snprintf(last_reason, sizeof(last_reason), "%s", cx.reason);
	od_event_clear(&ev);
	return rc;
}

/* The deadline applied at now (od_state_tick, as completion does). */
static int
tick(struct od_state *st, int64_t now, json_t *recs, json_t *docs)
{
	struct od_state_ctx	cx;

	od_state_ctx_init(&cx, "PE-1", &acct, &pol, now);
	cx.records = recs;
	cx.docs = docs;
	return od_state_tick(st, &cx);
}

static int64_t
deadline(const struct od_state *st)
{
	struct od_state_ctx	cx;

	od_state_ctx_init(&cx, "PE-1", &acct, &pol, NOW);
	return od_state_deadline(st, &cx);
}

static const char *
status_at(const json_t *recs, size_t i)
{
	return json_string_value(json_object_get(json_array_get(recs, i), "status"));
}

static const char *
doc_str(const json_t *docs, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(docs, i), key));
}

/* A promise at the threshold is kept at once; one cent under it breaks at its deadline. */
static void
test_promise_threshold(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array(), *docs = json_array();

	(void)state;
	active(&st);
	assert_int_equal(event(&st, NOW, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-13\",\"source\":\"agent\","
	    "\"agent\":\"lucia\"}"), 0);
	assert_string_equal(status_at(recs, 0), "promise_made");
	assert_string_equal(doc_str(docs, 0, "id"), "PE-1:A1");
	assert_string_equal(doc_str(docs, 0, "kind"), "promise");
	assert_string_equal(doc_str(docs, 0, "total"), "100.00");		/* the balance */
	assert_string_equal(doc_str(docs, 0, "threshold"), "90.00");	/* 90% keeps it */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(docs,
	    0), "evidence"), "agent")), "lucia");
	assert_int_equal(st.life.kind, OD_LIFE_PROMISE);
	/* the deadline: the local midnight after 03-13 + 2 days' grace = 03-16 00:00 Lima */
	assert_int_equal(deadline(&st), od_days_from_civil(2026, 3, 16) * DAY + 5 * 3600000LL);
	assert_int_equal(event(&st, NOW + DAY, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment\",\"amount\":\"89.99\"}"), 0);
	assert_int_equal(st.life.kind, OD_LIFE_PROMISE);	/* not yet */
	assert_int_equal(event(&st, NOW + DAY, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment\",\"amount\":\"0.01\"}"), 0);
	assert_string_equal(status_at(recs, 1), "promise_kept");
	assert_int_equal(st.life.kind, OD_LIFE_NONE);	/* escalation goes on */
	assert_int_equal(st.status, OD_STATE_ACTIVE);
	assert_string_equal(doc_str(docs, 1, "status"), "kept");
	assert_string_equal(doc_str(docs, 1, "paid"), "90.00");
	od_state_clear(&st);
	json_array_clear(recs);
	json_array_clear(docs);

	/* 89.99: broken at the deadline, not a moment before */
	active(&st);
	assert_int_equal(event(&st, NOW, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-13\"}"), 0);
	assert_int_equal(event(&st, NOW + DAY, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment\",\"amount\":\"89.99\"}"), 0);
	assert_int_equal(tick(&st, deadline(&st) - 1, recs, docs), 0);
	assert_int_equal(tick(&st, deadline(&st), recs, docs), 1);
	assert_string_equal(status_at(recs, 1), "promise_broken");
	assert_int_equal(st.broken, 1);
	assert_int_equal(st.life.status, OD_LIFE_BROKEN);	/* its message is to go */
	assert_int_equal(st.next, 1);		/* escalation resumes where it was */
	od_state_clear(&st);
	json_decref(recs);
	json_decref(docs);
}

/* Kept late: a payment within the grace days still counts. */
static void
test_promise_kept_in_grace(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array();

	(void)state;
	active(&st);
	assert_int_equal(event(&st, NOW, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-10\",\"amount\":\"50.00\"}"), 0);
	assert_int_equal(tick(&st, NOW + 2 * DAY, recs, NULL), 0);	/* 03-11: in grace */
	assert_int_equal(event(&st, NOW + 2 * DAY, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment\",\"amount\":\"45.00\"}"), 0);		/* 90% of 50.00 */
	assert_string_equal(status_at(recs, 1), "promise_kept");
	od_state_clear(&st);
	json_decref(recs);
}

/* The "broken" step's message went: the promise is over, escalation resumes. */
static void
broken_sent(struct od_state *st, int64_t now)
{
	struct od_state_outcome	o;
	struct od_state_ctx	cx;
	int64_t			due;

	memset(&o, 0, sizeof(o));
	o.next_step = -1;
	o.next_due = now;
	o.life_done = "promise_broken";
	o.tick = 1;
	od_state_ctx_init(&cx, "PE-1", &acct, &pol, now);
	assert_int_equal(od_state_outcome(st, &o, &cx, &due), 0);
}

/* Two broken: on to the named step; a third is refused unless an agent makes it. */
static void
test_promise_max_broken(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array(), *docs = json_array();
	int64_t		 t = NOW;
	int		 i;

	(void)state;
	active(&st);
	for (i = 0; i < 2; i++) {
		assert_int_equal(event(&st, t, recs, docs, "{\"account_id\":\"PE-1\","
		    "\"type\":\"promise_to_pay\",\"date\":\"%s\"}", i ? "2026-03-20" : "2026-03-10"),
		    0);
		t = deadline(&st);
		assert_int_equal(tick(&st, t, recs, docs), 1);
		broken_sent(&st, t);
		assert_int_equal(st.life.kind, OD_LIFE_NONE);
	}
	assert_int_equal(st.broken, 2);
	assert_int_equal(st.next, 2);		/* after_max_broken: final_notice */
	assert_string_equal(status_at(recs, json_array_size(recs) - 1), "escalated");
	json_array_clear(recs);
	assert_int_equal(event(&st, t, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-30\",\"source\":\"reply\"}"), 0);
	assert_string_equal(status_at(recs, 0), "promise_refused");
	assert_int_equal(st.life.kind, OD_LIFE_NONE);		/* no hold */
	assert_string_equal(doc_str(docs, json_array_size(docs) - 1, "status"), "refused");
	assert_int_equal(event(&st, t, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-30\",\"source\":\"agent\"}"), 0);
	assert_string_equal(status_at(recs, 1), "promise_made");	/* the agent decided */
	assert_int_equal(st.life.kind, OD_LIFE_PROMISE);
	od_state_clear(&st);
	json_decref(recs);
	json_decref(docs);
}

/* A partial payment before a promise: its default amount is the new balance. */
static void
test_promise_after_partial(void **state)
{
	struct od_state	 st;
	json_t		*docs = json_array();

	(void)state;
	active(&st);
	assert_int_equal(event(&st, NOW, NULL, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment\",\"amount\":\"30.00\"}"), 0);
	assert_int_equal(event(&st, NOW, NULL, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-12\"}"), 0);
	assert_string_equal(doc_str(docs, 0, "total"), "70.00");
	assert_string_equal(doc_str(docs, 0, "threshold"), "63.00");
	assert_int_equal(st.life.base, 3000);	/* payments before it do not count toward it */
	od_state_clear(&st);
	json_decref(docs);
}

/* Refused, and nothing changed: each with its reason. */
static void
test_bad_events(void **state)
{
	static const struct { const char *doc, *reason; } cases[] = {
		{ "\"type\":\"promise_to_pay\",\"date\":\"2026-03-08\"",
		  "date: 2026-03-08 is in the past (the debtor's date is 2026-03-09)" },
		{ "\"type\":\"promise_to_pay\",\"date\":\"2026-04-09\"",
		  "date: 2026-04-09 is beyond the policy's 2026-04-08 (promises.max_days)" },
		{ "\"type\":\"promise_to_pay\",\"date\":\"2026-03-12\",\"amount\":\"100.01\"",
		  "amount: 100.01 is more than the 100.00 owed" },
		{ "\"type\":\"promise_to_pay\",\"date\":\"2026-03-12\",\"amount\":\"10.001\"",
		  "amount: '10.001' has more than the 2 decimals of PEN" },
		{ "\"type\":\"payment\",\"amount\":\"10.00\",\"currency\":\"USD\"",
		  "currency: USD, but the account is in PEN" },
		{ "\"type\":\"plan_accepted\",\"offer\":\"cuotas\"",
		  "offer: 'cuotas' was never made to this account" },
		{ "\"type\":\"plan_accepted\",\"offer\":\"nada\"",
		  "offer: 'nada' is not an offer of policy 'life'" },
		{ "\"type\":\"settlement_accepted\",\"offer\":\"cuotas\"",
		  "offer: 'cuotas' is a plan offer" },
		{ "\"type\":\"recall\"", "the account is not placed (it is active)" },
	};
	struct od_state	 st;
	char		*before, *after;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		active(&st);
		before = od_state_to_json(&st);
		assert_int_equal(event(&st, NOW, NULL, NULL, "{\"account_id\":\"PE-1\",%s}",
		    cases[i].doc), OD_STATE_REJECTED);
		assert_string_equal(last_reason, cases[i].reason);
		after = od_state_to_json(&st);
		assert_string_equal(before, after);
		free(before);
		free(after);
		od_state_clear(&st);
	}
	/* a plan on a closed account */
	active(&st);
	st.status = OD_STATE_CLOSED;
	assert_int_equal(event(&st, NOW, NULL, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\"}"), OD_STATE_REJECTED);
	assert_string_equal(last_reason, "the account is closed: no agreement applies");
	od_state_clear(&st);
}

/* The offer step's message went: its offers stand valid_days from that local date. */
static void
make_offers_on(struct od_state *st, int64_t now, const char *today)
{
	struct od_state_outcome	o;
	struct od_state_ctx	cx;
	int64_t			due;

	memset(&o, 0, sizeof(o));
	o.next_step = 2;
	o.next_due = -1;
	o.made = &steps[1];
	o.attempt = "PE-1:2026-03-01:offer#3";
	o.today = today;
	od_state_ctx_init(&cx, "PE-1", &acct, &pol, now);
	assert_int_equal(od_state_outcome(st, &o, &cx, &due), 0);
}

static void
make_offers(struct od_state *st, int64_t now)
{
	make_offers_on(st, now, "2026-03-09");
}

/* Monthly instalments keep their day, or the month's last: Jan 31, Feb 28, Mar 31. */
static void
test_plan_month_ends(void **state)
{
	/* 2026-01-24 15:00 UTC: 10:00 in Lima; + first_due 7d = Sat 01-31 */
	const int64_t	 t = od_days_from_civil(2026, 1, 24) * DAY + 15 * 3600000LL;
	struct od_state	 st;
	json_t		*docs = json_array(), *sched;

	(void)state;
	active(&st);
	make_offers_on(&st, t, "2026-01-24");
	assert_int_equal(event(&st, t, NULL, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\",\"option\":3}"), 0);
	sched = json_object_get(json_array_get(docs, 0), "schedule");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 0), "date")),
	    "2026-01-31");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 1), "date")),
	    "2026-02-28");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 2), "date")),
	    "2026-03-31");
	od_state_clear(&st);
	json_decref(docs);
}

/* A plan: instalments summing exactly, monthly, the evidence; paid, then completed. */
static void
test_plan(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array(), *docs = json_array(), *sched;

	(void)state;
	active(&st);
	make_offers(&st, NOW);
	assert_int_equal(event(&st, NOW, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\",\"option\":3,\"source\":\"reply\","
	    "\"channel\":\"sms\",\"text\":\"ACEPTO 3\"}"), 0);
	assert_string_equal(status_at(recs, 0), "agreement");
	sched = json_object_get(json_array_get(docs, 0), "schedule");
	assert_int_equal(json_array_size(sched), 3);
	/* 100.00 in 3: the cent left over goes to the first */
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 0), "amount")),
	    "33.34");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 1), "amount")),
	    "33.33");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 0), "date")),
	    "2026-03-16");		/* accepted 03-09 + first_due 7d */
	assert_string_equal(json_string_value(json_object_get(json_array_get(sched, 2), "date")),
	    "2026-05-16");
	assert_string_equal(doc_str(docs, 0, "offer_attempt"), "PE-1:2026-03-01:offer#3");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(docs,
	    0), "evidence"), "text")), "ACEPTO 3");
	assert_int_equal(od_state_life_covered(&st), 0);
	event(&st, NOW + DAY, recs, docs, "{\"account_id\":\"PE-1\",\"type\":\"payment\","
	    "\"amount\":\"33.34\"}");
	assert_int_equal(od_state_life_covered(&st), 1);
	/* the next deadline is the second instalment's, 04-16 + 2 days' grace */
	assert_int_equal(deadline(&st), od_days_from_civil(2026, 4, 19) * DAY + 5 * 3600000LL);
	event(&st, NOW + 2 * DAY, recs, docs, "{\"account_id\":\"PE-1\",\"type\":\"payment\","
	    "\"amount\":\"66.66\"}");
	assert_string_equal(status_at(recs, 1), "plan_completed");
	assert_int_equal(st.status, OD_STATE_PAID);	/* no completed step: paid at once */
	od_state_clear(&st);
	json_decref(recs);
	json_decref(docs);
}

/* A missed instalment breaks the plan at its deadline, like a broken promise. */
static void
test_plan_broken(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array();
	int64_t		 dl;

	(void)state;
	active(&st);
	make_offers(&st, NOW);
	assert_int_equal(event(&st, NOW, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\",\"option\":2}"), 0);
	event(&st, NOW, recs, NULL, "{\"account_id\":\"PE-1\",\"type\":\"payment\","
	    "\"amount\":\"50.00\"}");
	dl = deadline(&st);
	assert_int_equal(dl, od_days_from_civil(2026, 4, 19) * DAY + 5 * 3600000LL);
	assert_int_equal(tick(&st, dl, recs, NULL), 1);
	assert_string_equal(status_at(recs, 1), "plan_broken");
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 1), "detail")),
	    "instalment 2 of 2, 50.00 due 2026-04-16, unpaid after 2 days' grace");
	assert_int_equal(st.broken, 1);
	od_state_clear(&st);
	json_decref(recs);
}

/* Renegotiation: a new agreement replaces the one in force; expired offers are refused. */
static void
test_renegotiation(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array(), *docs = json_array();

	(void)state;
	active(&st);
	make_offers(&st, NOW);
	assert_int_equal(event(&st, NOW, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\"}"), 0);
	assert_int_equal(event(&st, NOW + DAY, recs, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"settlement_accepted\",\"offer\":\"pronto\"}"), 0);
	/* docs: A1, A1 superseded, A2 replacing A1 */
	assert_string_equal(doc_str(docs, 1, "type"), "outcome");
	assert_string_equal(doc_str(docs, 1, "status"), "superseded");
	assert_string_equal(doc_str(docs, 2, "id"), "PE-1:A2");
	assert_string_equal(doc_str(docs, 2, "replaces"), "PE-1:A1");
	assert_string_equal(doc_str(docs, 2, "total"), "85.00");	/* 15% off */
	assert_int_equal(st.life.kind, OD_LIFE_SETTLEMENT);
	/* paying the settlement settles the account */
	event(&st, NOW + 2 * DAY, recs, docs, "{\"account_id\":\"PE-1\",\"type\":\"payment\","
	    "\"amount\":\"85.00\"}");
	assert_int_equal(st.status, OD_STATE_PAID);
	od_state_clear(&st);

	/* an extension: the whole balance, by a later date; an option is refused */
	active(&st);
	make_offers(&st, NOW);
	json_array_clear(docs);
	assert_int_equal(event(&st, NOW, NULL, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\",\"option\":7}"), OD_STATE_REJECTED);
	assert_string_equal(last_reason, "option: 7 instalments; the offer allows 2 to 6");
	assert_int_equal(event(&st, NOW, NULL, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\",\"option\":6}"), OD_STATE_REJECTED);
	assert_string_equal(last_reason, "option: instalments of 16.66 are under the offer's "
	    "minimum of 20.00");
	assert_int_equal(event(&st, NOW, NULL, docs, "{\"account_id\":\"PE-1\","
	    "\"type\":\"extension_accepted\",\"offer\":\"mas_tiempo\"}"), 0);
	assert_string_equal(doc_str(docs, 0, "kind"), "extension");
	assert_string_equal(doc_str(docs, 0, "total"), "100.00");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(docs, 0), "schedule"), 0), "date")), "2026-03-29");
	od_state_clear(&st);

	active(&st);
	make_offers(&st, NOW);
	assert_int_equal(event(&st, NOW + 8 * DAY, NULL, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"extension_accepted\",\"offer\":\"mas_tiempo\"}"), OD_STATE_REJECTED);
	assert_string_equal(last_reason, "offer: 'mas_tiempo' expired on 2026-03-16");
	od_state_clear(&st);
	json_decref(recs);
	json_decref(docs);
}

/* Placed by a handoff, refused promises while placed, recalled. */
static void
test_handoff_recall(void **state)
{
	struct od_state		 st;
	struct od_state_outcome	 o;
	struct od_state_ctx	 cx;
	json_t			*recs = json_array();
	int64_t			 due;

	(void)state;
	active(&st);
	memset(&o, 0, sizeof(o));
	o.next_step = 3;
	o.next_due = -1;
	o.placed = "agencia_lima";
	od_state_ctx_init(&cx, "PE-1", &acct, &pol, NOW);
	cx.records = recs;
	assert_int_equal(od_state_outcome(&st, &o, &cx, &due), 0);
	assert_int_equal(st.status, OD_STATE_PLACED);
	assert_int_equal(due, -1);
	assert_string_equal(status_at(recs, 0), "handoff");
	assert_int_equal(event(&st, NOW, NULL, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-12\"}"), OD_STATE_REJECTED);
	assert_string_equal(last_reason, "the account is placed with 'agencia_lima'; recall it "
	    "first");
	assert_int_equal(event(&st, NOW + DAY, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"recall\",\"reason\":\"devuelta por la agencia\"}"), 0);
	assert_string_equal(status_at(recs, 1), "recall");
	assert_int_equal(st.status, OD_STATE_ACTIVE);
	assert_int_equal(st.next, 3);		/* at the stage it had */
	od_state_clear(&st);
	json_decref(recs);
}

/*
 * The debtor's answers that hold or stop outreach: a person asked for (3
 * days by default), a payment claimed (5 days, never paid by it; a payment
 * ends it), a wrong number (that phone's channels stop).
 */
static void
test_reply_holds(void **state)
{
	struct od_state	 st;
	json_t		*recs = json_array(), *back;
	char		*js;
	const char	*field;

	(void)state;
	active(&st);
	pol.agent_pause_ms = 3 * DAY;
	pol.paid_claim_ms = 5 * DAY;
	assert_int_equal(event(&st, NOW, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"agent_requested\",\"source\":\"reply\",\"channel\":\"sms\","
	    "\"text\":\"ASESOR\"}"), 0);
	assert_int_equal(st.hold_until, NOW + 3 * DAY + 60000)	/* the start of the minute after */;
	assert_string_equal(st.hold_why, "agent");
	assert_string_equal(status_at(recs, 0), "agent_requested");
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "detail")),
	    "outreach pauses until 2026-03-12T15:01:00.000Z");
	/* a promise the agent records ends the pause */
	assert_int_equal(event(&st, NOW + DAY, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"promise_to_pay\",\"date\":\"2026-03-13\",\"source\":\"agent\"}"), 0);
	assert_int_equal(st.hold_until, 0);
	od_state_clear(&st);

	active(&st);
	assert_int_equal(event(&st, NOW, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment_claimed\",\"amount\":\"100.00\",\"source\":\"reply\","
	    "\"text\":\"YA PAGUE\"}"), 0);
	assert_int_equal(st.hold_until, NOW + 5 * DAY + 60000);
	assert_int_equal(st.status, OD_STATE_ACTIVE);	/* never paid by a claim */
	assert_int_equal(st.paid_minor, 0);
	/* the hold is stored and read back */
	js = od_state_to_json(&st);
	assert_non_null(back = json_loads(js, 0, NULL));
	{
		struct od_state	b;

		assert_int_equal(od_state_from_json(&b, back, &field), 0);
		assert_int_equal(b.hold_until, NOW + 5 * DAY + 60000);
		assert_string_equal(b.hold_why, "payment_claimed");
		od_state_clear(&b);
	}
	json_decref(back);
	free(js);
	assert_int_equal(event(&st, NOW + DAY, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"payment\",\"amount\":\"40.00\"}"), 0);
	assert_int_equal(st.hold_until, 0);		/* a payment came: verified */
	od_state_clear(&st);

	active(&st);
	json_array_clear(recs);
	assert_int_equal(event(&st, NOW, recs, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"wrong_number\",\"channel\":\"sms\",\"source\":\"reply\","
	    "\"text\":\"NO ES MI NUMERO\"}"), 0);
	assert_int_equal(st.optout, (1u << OD_CH_SMS) | (1u << OD_CH_WHATSAPP));
	assert_string_equal(status_at(recs, 0), "wrong_number");
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "detail")),
	    "+51987000111 is not the debtor's: SMS and WhatsApp stop for this account; correct it "
	    "upstream");
	od_state_clear(&st);
	json_decref(recs);
}

/* The lifecycle's part of the state is written and read back whole. */
static void
test_json_roundtrip(void **state)
{
	struct od_state	 st, back;
	const char	*field;
	char		*a, *b;
	json_t		*v;

	(void)state;
	active(&st);
	make_offers(&st, NOW);
	assert_int_equal(event(&st, NOW, NULL, NULL, "{\"account_id\":\"PE-1\","
	    "\"type\":\"plan_accepted\",\"offer\":\"cuotas\",\"option\":4}"), 0);
	a = od_state_to_json(&st);
	assert_non_null(v = json_loads(a, 0, NULL));
	assert_int_equal(od_state_from_json(&back, v, &field), 0);
	b = od_state_to_json(&back);
	assert_string_equal(a, b);
	assert_int_equal(back.life.nsched, 4);
	assert_int_equal(back.nagr, 1);
	json_decref(v);
	free(a);
	free(b);
	od_state_clear(&st);
	od_state_clear(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promise_threshold),
		cmocka_unit_test(test_promise_kept_in_grace),
		cmocka_unit_test(test_promise_max_broken),
		cmocka_unit_test(test_promise_after_partial),
		cmocka_unit_test(test_bad_events),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_broken),
		cmocka_unit_test(test_plan_month_ends),
		cmocka_unit_test(test_renegotiation),
		cmocka_unit_test(test_handoff_recall),
		cmocka_unit_test(test_reply_holds),
		cmocka_unit_test(test_json_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
