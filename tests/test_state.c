/*
 * od_state: the account state's JSON as the scripts write it, and the
 * transitions intake.lua, event.lua and complete.lua make.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_state.h"

#define DAY_MS	86400000LL
#define NOW	1773068400000LL		/* 2026-03-09T15:00:00Z */

static void
state_load(struct od_state *st, const char *json)
{
	const char	*field = "x";
	json_t		*v = json_loads(json, 0, NULL);

	assert_non_null(v);
	assert_int_equal(od_state_from_json(st, v, &field), 0);
	assert_null(field);
	json_decref(v);
}

static json_t *
state_dump(const struct od_state *st)
{
	char	*s = od_state_to_json(st);
	json_t	*v;

	assert_non_null(s);
	v = json_loads(s, 0, NULL);
	assert_non_null(v);
	free(s);
	return v;
}

/* A state as cjson writes it: empty tables as {}, numbers as doubles may be. */
static void
test_round_trip_lua(void **state)
{
	struct od_state	 st;
	char		 buf[1024];
	json_t		*got, *want;
	char		*s1, *s2;

	(void)state;
	snprintf(buf, sizeof(buf), "{\"policy\":\"pe-consumer\",\"cycle\":\"2026-03-09\","
	    "\"next\":1,\"status\":\"active\",\"amount_minor\":1.2345e5,\"paid_minor\":0,"
	    "\"digits\":2,\"tries\":1,\"fb\":1,\"seq\":2,\"optout\":{\"email\":true,\"all\":true},"
	    "\"hold\":{\"dispute\":true,\"promise_until\":\"2026-03-20\"},"
	    "\"recent\":[[%lld,\"sms\"]],\"phones\":[\"+51987000111\"],\"evs\":[\"1-0\",\"2-0\"],"
	    "\"replan\":true,\"note\":{\"by\":\"ops\"}}", NOW - DAY_MS);
	state_load(&st, buf);
	assert_string_equal(st.policy, "pe-consumer");
	assert_string_equal(st.cycle, "2026-03-09");
	assert_int_equal(st.next, 1);
	assert_int_equal(st.status, OD_STATE_ACTIVE);
	assert_int_equal(st.amount_minor, 123450);
	assert_int_equal(st.optout, (1u << OD_CH_EMAIL) | OD_STATE_OPT_ALL);
	assert_true(st.dispute);
	assert_string_equal(st.promise_until, "2026-03-20");
	assert_int_equal(st.nrecent, 1);
	assert_int_equal(st.recent[0].kind, OD_CH_SMS);
	assert_int_equal(st.phones.n, 1);
	assert_int_equal(st.evs.n, 2);
	assert_true(st.replan);
	got = state_dump(&st);
	want = json_loads(buf, 0, NULL);
	json_object_set_new(want, "amount_minor", json_integer(123450));
	assert_true(json_equal(got, want));
	json_decref(want);
	json_decref(got);
	od_state_clear(&st);

	/* the state intake.lua makes: every table empty, as {} */
	state_load(&st, "{\"policy\":\"p\",\"cycle\":\"2026-03-09\",\"next\":0,\"status\":\"active\","
	    "\"amount_minor\":500,\"paid_minor\":0,\"optout\":{},\"hold\":{},\"recent\":{},"
	    "\"tries\":0,\"fb\":0,\"seq\":0,\"digits\":0,\"phones\":{},\"evs\":{}}");
	assert_int_equal(st.digits, 0);
	assert_int_equal(st.optout, 0);
	assert_int_equal(st.nrecent, 0);
	assert_true(st.phones.set);
	s1 = od_state_to_json(&st);
	assert_string_equal(s1, "{\"policy\":\"p\",\"cycle\":\"2026-03-09\",\"next\":0,"
	    "\"status\":\"active\",\"amount_minor\":500,\"paid_minor\":0,\"digits\":0,\"tries\":0,"
	    "\"fb\":0,\"seq\":0,\"optout\":{},\"hold\":{},\"recent\":[],\"phones\":[],\"evs\":[]}");
	od_state_clear(&st);
	/* what it writes reads back the same */
	state_load(&st, s1);
	s2 = od_state_to_json(&st);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	od_state_clear(&st);

	/* a corrupt state's replacement keeps its other keys */
	state_load(&st, "{\"status\":\"failed\",\"reason\":\"state_corrupt\",\"corrupt\":\"{x\"}");
	assert_int_equal(st.status, OD_STATE_FAILED);
	got = state_dump(&st);
	assert_string_equal(json_string_value(json_object_get(got, "reason")), "state_corrupt");
	assert_string_equal(json_string_value(json_object_get(got, "corrupt")), "{x");
	assert_string_equal(json_string_value(json_object_get(got, "status")), "failed");
	json_decref(got);
	od_state_clear(&st);
}

static void
expect_refused(const char *json, const char *field)
{
	struct od_state	 st;
	const char	*f = NULL;
	json_t		*v = json_loads(json, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	assert_int_equal(od_state_from_json(&st, v, &f), -1);
	assert_non_null(f);
	assert_string_equal(f, field);
	od_state_clear(&st);
	json_decref(v);
}

static void
test_refused(void **state)
{
	json_t	*v;

	(void)state;
	expect_refused("[1]", "state");
	expect_refused("{\"seq\":-1}", "seq");
	expect_refused("{\"fb\":1.5}", "fb");
	expect_refused("{\"recent\":[[1]]}", "recent");
	/* what od_job takes, but od_state would not write back the same */
	expect_refused("{\"optout\":{\"voice\":true}}", "optout");
	expect_refused("{\"recent\":[[1,\"fax\"]]}", "recent");
	expect_refused("{\"hold\":{\"why\":1}}", "hold");
	expect_refused("{\"replan\":1}", "replan");
	v = json_loads("{\"optout\":{\"voice\":true}}", 0, NULL);
	assert_null(od_state_check(v));
	json_decref(v);
}

static void
active_state(struct od_state *st)
{
	state_load(st, "{\"policy\":\"p\",\"cycle\":\"2026-03-09\",\"next\":1,\"status\":\"active\","
	    "\"amount_minor\":10000,\"paid_minor\":0,\"digits\":2,\"tries\":0,\"fb\":0,\"seq\":1,"
	    "\"optout\":{},\"hold\":{},\"recent\":[]}");
}

static int
apply(struct od_state *st, enum od_event_type t, int channel, const char *amount, int full,
    const char *until, const char *entry, int *replan)
{
	struct od_state_event	e;
	struct od_state_ctx	cx;

	memset(&e, 0, sizeof(e));
	e.type = t;
	e.channel = channel;
	e.amount = amount;
	e.full = full;
	e.until = until;
	e.entry = entry;
	od_state_ctx_init(&cx, "PE-1", NULL, NULL, NOW);	/* no account: no local date */
	return od_state_event(st, &e, &cx, replan);
}

static struct od_state_ctx *
ctx_at(int64_t now)
{
	static struct od_state_ctx	cx;

	od_state_ctx_init(&cx, "PE-1", NULL, NULL, now);
	return &cx;
}

static void
test_events(void **state)
{
	struct od_state	 st;
	char		 entry[16];
	int		 replan, i;

	(void)state;
	active_state(&st);
	/* a part payment re-plans (the amounts change); the rest settles it */
	assert_int_equal(apply(&st, OD_EV_PAYMENT, -1, "40.01", 0, NULL, "1-0", &replan), 0);
	assert_int_equal(st.paid_minor, 4001);
	assert_true(replan);
	assert_int_equal(st.status, OD_STATE_ACTIVE);
	assert_int_equal(apply(&st, OD_EV_PAYMENT, -1, "40.01", 0, NULL, "1-0", &replan), 1);
	assert_int_equal(st.paid_minor, 4001);
	assert_int_equal(apply(&st, OD_EV_PAYMENT, -1, "59.99", 0, NULL, "2-0", &replan), 0);
	assert_int_equal(st.status, OD_STATE_PAID);
	assert_false(replan);
	od_state_clear(&st);

	active_state(&st);
	apply(&st, OD_EV_PAYMENT, -1, "1", 1, NULL, NULL, &replan);	/* says it is in full */
	assert_int_equal(st.status, OD_STATE_PAID);
	od_state_clear(&st);

	active_state(&st);
	apply(&st, OD_EV_CLOSE, -1, NULL, 0, NULL, NULL, &replan);
	assert_int_equal(st.status, OD_STATE_CLOSED);
	apply(&st, OD_EV_CEASE, -1, NULL, 0, NULL, NULL, &replan);
	assert_int_equal(st.status, OD_STATE_CEASED);
	od_state_clear(&st);

	active_state(&st);
	apply(&st, OD_EV_OPT_OUT, OD_CH_SMS, NULL, 0, NULL, NULL, &replan);
	assert_false(replan);
	apply(&st, OD_EV_OPT_OUT, OD_CH_EMAIL, NULL, 0, NULL, NULL, &replan);
	assert_int_equal(st.optout, (1u << OD_CH_SMS) | (1u << OD_CH_EMAIL));
	apply(&st, OD_EV_OPT_IN, OD_CH_SMS, NULL, 0, NULL, NULL, &replan);
	assert_true(replan);
	assert_int_equal(st.optout, 1u << OD_CH_EMAIL);
	apply(&st, OD_EV_OPT_OUT, -1, NULL, 0, NULL, NULL, &replan);
	assert_int_equal(st.optout, (1u << OD_CH_EMAIL) | OD_STATE_OPT_ALL);
	apply(&st, OD_EV_OPT_IN, -1, NULL, 0, NULL, NULL, &replan);
	assert_int_equal(st.optout, 0);

	apply(&st, OD_EV_DISPUTE, -1, NULL, 0, NULL, NULL, &replan);
	assert_true(st.dispute);
	assert_false(replan);
	apply(&st, OD_EV_DISPUTE_RESOLVED, -1, NULL, 0, NULL, NULL, &replan);
	assert_false(st.dispute);
	assert_true(replan);
	/* a promise needs the debtor's local date (od_state_life.c): refused without it */
	assert_int_equal(apply(&st, OD_EV_PROMISE, -1, NULL, 0, "2026-03-20", NULL, &replan),
	    OD_STATE_REJECTED);
	assert_int_equal(st.life.kind, OD_LIFE_NONE);
	assert_int_equal(st.status, OD_STATE_ACTIVE);

	/* the last 16 entries are remembered */
	for (i = 0; i < 20; i++) {
		snprintf(entry, sizeof(entry), "%d-0", 100 + i);
		assert_int_equal(apply(&st, OD_EV_DISPUTE, -1, NULL, 0, NULL, entry, &replan), 0);
	}
	assert_int_equal(st.evs.n, OD_STATE_EVS);
	assert_string_equal(st.evs.v[0], "104-0");
	assert_int_equal(apply(&st, OD_EV_DISPUTE, -1, NULL, 0, NULL, "119-0", &replan), 1);
	assert_int_equal(apply(&st, OD_EV_DISPUTE, -1, NULL, 0, NULL, "100-0", &replan), 0);
	od_state_clear(&st);
}

static void
test_intake(void **state)
{
	struct od_state		 st;
	struct od_account	 a;
	struct od_policy	 p;
	int64_t			 due;
	int			 replan;
	char			 name1[] = "pe-consumer", name2[] = "pe-late";

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&p, 0, sizeof(p));
	a.id = "PE-1";
	a.due_date = "2026-03-09";
	a.amount_minor = 123450;
	a.minor_digits = 2;
	p.name = name1;		/* no steps: due at once */
	assert_int_equal(od_state_intake(&st, 0, &a, &p, NOW, &due), 0);
	assert_int_equal(due, NOW);
	assert_int_equal(st.status, OD_STATE_ACTIVE);
	assert_string_equal(st.policy, "pe-consumer");
	assert_string_equal(st.cycle, "2026-03-09");
	assert_int_equal(st.amount_minor, 123450);

	/* an update in the same cycle keeps the progress */
	st.next = 2;
	st.seq = 4;
	st.paid_minor = 100;
	st.dispute = 1;
	a.amount_minor = 100000;
	p.name = name2;
	assert_int_equal(od_state_intake(&st, 1, &a, &p, NOW + 1, &due), 0);
	assert_int_equal(due, NOW + 1);
	assert_int_equal(st.next, 2);
	assert_int_equal(st.paid_minor, 100);
	assert_true(st.dispute);
	assert_string_equal(st.policy, "pe-late");
	assert_int_equal(st.amount_minor, 100000);

	/* a new due date: a new cycle, from step 0, nothing paid, no holds; seq goes on */
	apply(&st, OD_EV_PROMISE, -1, NULL, 0, "2026-03-20", NULL, &replan);
	apply(&st, OD_EV_PAYMENT, -1, "5000", 0, NULL, NULL, &replan);
	assert_int_equal(st.status, OD_STATE_PAID);
	a.due_date = "2026-04-09";
	assert_int_equal(od_state_intake(&st, 1, &a, &p, NOW + 2, &due), 0);
	assert_int_equal(due, NOW + 2);
	assert_int_equal(st.status, OD_STATE_ACTIVE);
	assert_string_equal(st.cycle, "2026-04-09");
	assert_int_equal(st.next, 0);
	assert_int_equal(st.paid_minor, 0);
	assert_false(st.dispute);
	assert_string_equal(st.promise_until, "");
	assert_int_equal(st.seq, 4);

	/* ceased stays ceased, in any cycle: nothing planned */
	apply(&st, OD_EV_CEASE, -1, NULL, 0, NULL, NULL, &replan);
	a.due_date = "2026-05-09";
	assert_int_equal(od_state_intake(&st, 1, &a, &p, NOW + 3, &due), 0);
	assert_int_equal(due, -1);
	assert_int_equal(st.status, OD_STATE_CEASED);
	assert_string_equal(st.cycle, "2026-05-09");

	assert_int_equal(od_state_set_phones(&st, "+51987000111", "+51987000111"), 0);
	assert_int_equal(st.phones.n, 1);
	od_state_clear(&st);
}

static void
test_outcome(void **state)
{
	struct od_state		 st;
	struct od_state_outcome	 o;
	char			 buf[512];
	int64_t			 due;

	(void)state;
	snprintf(buf, sizeof(buf), "{\"policy\":\"p\",\"cycle\":\"2026-03-09\",\"next\":0,"
	    "\"status\":\"active\",\"tries\":1,\"fb\":1,\"seq\":2,\"optout\":{},\"hold\":{},"
	    "\"recent\":[[%lld,\"email\"],[%lld,\"whatsapp\"]]}", NOW - 9 * DAY_MS, NOW - DAY_MS);
	state_load(&st, buf);
	memset(&o, 0, sizeof(o));
	o.next_step = 1;
	o.next_due = NOW + DAY_MS;
	o.seq = 3;
	o.contact = "sms";
	o.optout = "whatsapp";
	assert_int_equal(od_state_outcome(&st, &o, ctx_at(NOW), &due), 0);
	assert_int_equal(due, NOW + DAY_MS);
	assert_int_equal(st.next, 1);
	assert_int_equal(st.fb, 0);
	assert_int_equal(st.tries, 0);
	assert_int_equal(st.seq, 3);
	assert_int_equal(st.optout, 1u << OD_CH_WHATSAPP);
	/* the 9-day-old contact is dropped, this one counted */
	assert_int_equal(st.nrecent, 2);
	assert_int_equal(st.recent[0].kind, OD_CH_WHATSAPP);
	assert_int_equal(st.recent[1].kind, OD_CH_SMS);
	assert_int_equal(st.recent[1].at, NOW);

	/* a person's contact is in the person's list; next_step -1 leaves the step */
	o.next_step = -1;
	o.person = 1;
	o.optout = "";
	assert_int_equal(od_state_outcome(&st, &o, ctx_at(NOW + 1), &due), 0);
	assert_int_equal(st.next, 1);
	assert_int_equal(st.nrecent, 2);

	/* an event asked for a re-plan while in flight: now, and the request is gone */
	st.replan = 1;
	assert_int_equal(od_state_outcome(&st, &o, ctx_at(NOW + 2), &due), 0);
	assert_int_equal(due, NOW + 2);
	assert_false(st.replan);

	/* paid meanwhile: nothing scheduled */
	st.status = OD_STATE_PAID;
	st.replan = 1;
	assert_int_equal(od_state_outcome(&st, &o, ctx_at(NOW + 3), &due), 0);
	assert_int_equal(due, -1);
	assert_false(st.replan);
	od_state_clear(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_lua),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_intake),
		cmocka_unit_test(test_outcome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
