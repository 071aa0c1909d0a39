/*
 * test_policy: policy files as operations teams write them: the shipped
 * policies, every kind of error at its exact position, and which policy
 * takes which account.
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
#include "od_time.h"

#define POL(name)	OD_TEST_DATA "/policy/" name
#define DAY		86400000LL

/* Loads one file expecting it refused with exactly the n messages given. */
static void
expect_errors(const char *path, size_t n, ...)
{
	struct od_policy_set	set = { NULL, 0 };
	struct od_errors	errs;
	va_list			ap;
	size_t			i;

	od_errors_init(&errs);
	assert_int_equal(od_policy_load_file(path, &set, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("# %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(errs.msgs[i], va_arg(ap, const char *));
	va_end(ap);
	assert_int_equal(set.n, 0);
	od_policy_set_free(&set);
	od_errors_clear(&errs);
}

static void
load_dir_ok(const char *dir, struct od_policy_set *set)
{
	struct od_errors	errs;

	od_errors_init(&errs);
	if (od_policy_load_dir(dir, set, &errs) != 0)
		od_errors_print(&errs, stdout);
	assert_int_equal(errs.count, 0);
	od_errors_clear(&errs);
}

static void
assert_step(const struct od_step *s, const char *name, int64_t offset_ms, int day_offset,
    enum od_stage stage, const char *tmpl, size_t nch, int ch0, int ch1, int ch2)
{
	assert_string_equal(s->name, name);
	assert_int_equal(s->offset_ms, offset_ms);
	assert_int_equal(s->day_offset, day_offset);
	assert_int_equal(s->stage, stage);
	assert_string_equal(s->template, tmpl);
	assert_int_equal(s->nchannels, nch);
	assert_int_equal(s->channels[0], ch0);
	if (nch > 1)
		assert_int_equal(s->channels[1], ch1);
	if (nch > 2)
		assert_int_equal(s->channels[2], ch2);
}

static void
test_shipped_policies(void **state)
{
	struct od_policy_set	 set = { NULL, 0 };
	const struct od_policy	*p;

	(void)state;
	load_dir_ok(OD_SOURCE_DIR "/policy", &set);
	assert_int_equal(set.n, 6);
	/* Sorted by priority, highest first; ties by name. */
	assert_string_equal(set.v[0].name, "small-balance");
	assert_string_equal(set.v[1].name, "cl-consumer");
	assert_string_equal(set.v[2].name, "co-consumer");
	assert_string_equal(set.v[3].name, "mx-consumer");
	assert_string_equal(set.v[4].name, "pe-consumer");
	assert_string_equal(set.v[5].name, "us-consumer");
	/* one sample policy per country, each under its own jurisdiction */
	for (size_t i = 1; i < 6; i++) {
		assert_int_equal(set.v[i].segment.ncountries, 1);
		assert_string_equal(set.v[i].segment.countries[0], set.v[i].jurisdiction);
		assert_int_equal(set.v[i].nsteps, 6);
	}

	p = od_policy_find(&set, "pe-consumer");
	assert_ptr_equal(p, &set.v[4]);
	assert_int_equal(p->priority, 10);
	assert_string_equal(p->jurisdiction, "PE");
	assert_int_equal(p->send_at_min, 9 * 60);
	assert_int_equal(p->transliterate, 0);
	assert_string_equal(p->file, OD_SOURCE_DIR "/policy/pe-consumer.yaml");
	assert_int_equal(p->segment.ncountries, 1);
	assert_string_equal(p->segment.countries[0], "PE");
	assert_int_equal(p->segment.ncurrencies, 1);
	assert_string_equal(p->segment.currencies[0], "PEN");
	assert_true(p->segment.has_amount_min);
	assert_false(p->segment.has_amount_max);
	assert_string_equal(p->segment.amount_min, "200.00");
	assert_int_equal(p->offer.installments, 3);
	assert_int_equal(p->offer.discount_percent, 10);
	assert_int_equal(p->offer.valid_days, 7);
	assert_string_equal(p->offer.payment_url, "https://pagos.example.pe/p/{{account_id}}");
	assert_int_equal(p->nsteps, 6);
	assert_step(&p->steps[0], "reminder_upcoming", -3 * DAY, 1, OD_STAGE_REMINDER,
	    "reminder_upcoming", 2, OD_CH_SMS, OD_CH_EMAIL, 0);
	assert_step(&p->steps[1], "reminder_due", 0, 1, OD_STAGE_REMINDER, "reminder_due",
	    2, OD_CH_WHATSAPP, OD_CH_SMS, 0);
	assert_step(&p->steps[2], "notice_overdue", 3 * DAY, 1, OD_STAGE_NOTICE, "notice_overdue",
	    2, OD_CH_SMS, OD_CH_EMAIL, 0);
	assert_step(&p->steps[3], "notice_firm", 10 * DAY, 1, OD_STAGE_NOTICE, "notice_firm",
	    2, OD_CH_EMAIL, OD_CH_SMS, 0);
	assert_step(&p->steps[4], "offer_plan", 15 * DAY, 1, OD_STAGE_OFFER, "offer_plan",
	    3, OD_CH_WHATSAPP, OD_CH_EMAIL, OD_CH_SMS);
	assert_step(&p->steps[5], "final_notice", 30 * DAY, 1, OD_STAGE_FINAL, "final_notice",
	    2, OD_CH_EMAIL, OD_CH_SMS, 0);
	assert_int_equal(p->steps[0].line, 24);	/* "  - name: reminder_upcoming" */
	assert_int_equal(p->steps[0].col, 5);
	assert_int_equal(od_policy_step_index(p, "offer_plan"), 4);
	assert_int_equal(od_policy_step_index(p, "reminder_upcoming"), 0);
	assert_int_equal(od_policy_step_index(p, "nope"), -1);

	p = od_policy_find(&set, "small-balance");
	assert_int_equal(p->priority, 20);
	assert_false(p->segment.has_amount_min);
	assert_string_equal(p->segment.amount_max, "199.99");
	assert_int_equal(p->segment.ncountries, 1);	/* PE: a Peruvian policy keeps to Peru */
	assert_int_equal(p->offer.installments, 0);
	assert_null(p->offer.payment_url);
	assert_int_equal(p->nsteps, 3);
	assert_step(&p->steps[0], "reminder_due", 0, 1, OD_STAGE_REMINDER, "reminder_due",
	    1, OD_CH_SMS, 0, 0);
	assert_step(&p->steps[1], "notice_overdue", 5 * DAY, 1, OD_STAGE_NOTICE, "notice_overdue",
	    2, OD_CH_SMS, OD_CH_EMAIL, 0);
	assert_step(&p->steps[2], "final_notice", 20 * DAY, 1, OD_STAGE_FINAL, "final_notice",
	    2, OD_CH_EMAIL, OD_CH_SMS, 0);

	assert_null(od_policy_find(&set, "nope"));
	od_policy_set_free(&set);
	od_policy_set_free(&set);
	od_policy_set_free(NULL);
}

static void
test_stage_names(void **state)
{
	(void)state;
	assert_int_equal(od_stage_parse("reminder"), OD_STAGE_REMINDER);
	assert_int_equal(od_stage_parse("notice"), OD_STAGE_NOTICE);
	assert_int_equal(od_stage_parse("offer"), OD_STAGE_OFFER);
	assert_int_equal(od_stage_parse("final"), OD_STAGE_FINAL);
	assert_int_equal(od_stage_parse("Final"), OD_STAGE_INVALID);
	assert_int_equal(od_stage_parse("invalid"), OD_STAGE_INVALID);
	assert_int_equal(od_stage_parse(NULL), OD_STAGE_INVALID);
	assert_string_equal(od_stage_name(OD_STAGE_OFFER), "offer");
	assert_string_equal(od_stage_name(OD_STAGE_FINAL), "final");
}

static void
test_hours_offsets_and_options(void **state)
{
	struct od_policy_set	 set = { NULL, 0 };
	const struct od_policy	*p;

	(void)state;
	load_dir_ok(POL("match"), &set);
	assert_int_equal(set.n, 5);
	/* Equal priority: name order. */
	assert_string_equal(set.v[0].name, "vip");
	assert_string_equal(set.v[1].name, "clp-big");
	assert_string_equal(set.v[2].name, "late");
	assert_string_equal(set.v[3].name, "tie-a");
	assert_string_equal(set.v[4].name, "tie-b");
	p = &set.v[3];
	assert_int_equal(p->send_at_min, 10 * 60 + 30);
	assert_int_equal(p->transliterate, 1);
	assert_null(p->jurisdiction);
	assert_step(&p->steps[0], "reminder_upcoming", -3 * DAY, 1, OD_STAGE_REMINDER,
	    "reminder_upcoming", 1, OD_CH_SMS, 0, 0);
	/* "+1d12h" counts from midnight, not from send_at. */
	assert_step(&p->steps[1], "notice_late", 36 * 3600000LL, 0, OD_STAGE_NOTICE,
	    "notice_overdue", 2, OD_CH_WHATSAPP, OD_CH_SMS, 0);
	p = &set.v[0];
	assert_int_equal(p->segment.nattrs, 3);
	assert_int_equal(p->segment.attrs[0].op, OD_OP_GE);
	assert_true(p->segment.attrs[0].is_number);
	assert_true(p->segment.attrs[0].num == 600.0);
	assert_int_equal(p->segment.attrs[1].op, OD_OP_IN);
	assert_int_equal(p->segment.attrs[1].nlist, 2);
	assert_string_equal(p->segment.attrs[1].list[1], "platinum");
	assert_int_equal(p->segment.attrs[2].op, OD_OP_NE);
	assert_false(p->segment.attrs[2].is_number);
	assert_string_equal(p->segment.attrs[2].str, "true");
	od_policy_set_free(&set);
}

static void
test_broken_yaml(void **state)
{
	(void)state;
	expect_errors(POL("broken_syntax.yaml"), 1,
	    POL("broken_syntax.yaml") ":6:13: YAML syntax error: did not find expected ',' or ']' "
	    "while parsing a flow sequence");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_errors(POL("unknown_key.yaml"), 2,
	    POL("unknown_key.yaml") ":2:1: unknown key 'priorty' in policy",
	    POL("unknown_key.yaml") ":7:5: unknown key 'chanels' in step 'reminder_due'");
}

static void
test_bad_duration(void **state)
{
	(void)state;
	expect_errors(POL("bad_duration.yaml"), 1,
	    POL("bad_duration.yaml") ":4:9: at: '3 days' is not a duration such as -3d, 0d, +5d "
	    "or +1d12h");
}

static void
test_unknown_stage(void **state)
{
	(void)state;
	expect_errors(POL("unknown_stage.yaml"), 1,
	    POL("unknown_stage.yaml") ":5:12: stage: unknown stage 'warning' "
	    "(reminder, notice, offer, final)");
}

static void
test_unknown_channel(void **state)
{
	(void)state;
	expect_errors(POL("unknown_channel.yaml"), 1,
	    POL("unknown_channel.yaml") ":6:21: channels: unknown channel 'fax' "
	    "(sms, email, whatsapp)");
}

static void
test_duplicate_step(void **state)
{
	(void)state;
	expect_errors(POL("duplicate_step.yaml"), 1,
	    POL("duplicate_step.yaml") ":8:11: duplicate step name 'notice_overdue' "
	    "(first at line 3)");
}

static void
test_steps_out_of_order(void **state)
{
	(void)state;
	expect_errors(POL("out_of_order.yaml"), 1,
	    POL("out_of_order.yaml") ":13:5: step 'notice_overdue' comes before the step above it "
	    "('notice_firm'); steps must be in time order");
}

static void
test_stage_backwards(void **state)
{
	(void)state;
	expect_errors(POL("stage_backwards.yaml"), 1,
	    POL("stage_backwards.yaml") ":10:12: stage: 'reminder' after 'notice' "
	    "(step 'notice_overdue'); stages must not go back (reminder, notice, offer, final)");
}

static void
test_bad_amount(void **state)
{
	(void)state;
	expect_errors(POL("bad_amount.yaml"), 2,
	    POL("bad_amount.yaml") ":4:17: segment.amount.min: '12,50' is not a decimal amount "
	    "such as \"50.00\"",
	    POL("bad_amount.yaml") ":4:31: segment.amount.max: '1e3' is not a decimal amount "
	    "such as \"50.00\"");
}

static void
test_missing_required_key(void **state)
{
	(void)state;
	expect_errors(POL("missing_key.yaml"), 2,
	    POL("missing_key.yaml") ":1:1: missing required key 'name' in policy",
	    POL("missing_key.yaml") ":4:5: missing required key 'template' in step 'reminder_due'");
}

static void
test_several_errors(void **state)
{
	(void)state;
	expect_errors(POL("several.yaml"), 12,
	    POL("several.yaml") ":1:7: name: 'Several Errors' must be 1 to 64 characters of "
	    "a-z 0-9 _ -",
	    POL("several.yaml") ":2:11: priority: expected an integer, found 'high'",
	    POL("several.yaml") ":3:10: send_at: '9am' is not a time of day HH:MM",
	    POL("several.yaml") ":5:19: segment.countries: 'XX' is not an ISO 3166-1 country code "
	    "such as PE",
	    POL("several.yaml") ":6:18: segment.days_past_due: min 10 is greater than max -5",
	    POL("several.yaml") ":8:30: segment.attributes[0].op: unknown operator '=~' "
	    "(==, !=, <, <=, >, >=, in)",
	    POL("several.yaml") ":9:38: segment.attributes[1].value: 'in' needs a list of values, "
	    "found a scalar",
	    POL("several.yaml") ":10:44: offer.discount_percent: 150 is out of range (0 to 100)",
	    POL("several.yaml") ":15:21: channels: 'sms' is listed twice",
	    POL("several.yaml") ":16:15: template: 'Reminder Due' must be 1 to 64 characters of "
	    "a-z 0-9 _ -",
	    POL("several.yaml") ":18:9: at: 'tomorrow' is not a duration such as -3d, 0d, +5d or "
	    "+1d12h",
	    POL("several.yaml") ":20:15: channels: expected a list of sms, email, whatsapp, "
	    "found a scalar");
}

static void
test_directory_errors(void **state)
{
	struct od_policy_set	set = { NULL, 0 };
	struct od_errors	errs;

	(void)state;
	/* A name taken in an earlier file refuses the whole directory. */
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_dir(POL("dup"), &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], POL("dup/b.yaml") ":1:7: policy 'same-name' is "
	    "already defined at " POL("dup/a.yaml") ":1:7");
	assert_int_equal(set.n, 0);
	od_errors_clear(&errs);

	/* A broken file among good ones refuses them all. */
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_dir(POL(""), &set, &errs), -1);
	assert_int_equal(errs.count, 25);	/* every file's errors, collected */
	assert_int_equal(set.n, 0);
	od_errors_clear(&errs);

	od_errors_init(&errs);
	assert_int_equal(od_policy_load_dir(POL("empty"), &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], POL("empty") ":1:1: no policy files (*.yaml) in the "
	    "policy directory");
	od_errors_clear(&errs);

	od_errors_init(&errs);
	assert_int_equal(od_policy_load_dir(POL("nowhere"), &set, &errs), -1);
	assert_string_equal(errs.msgs[0], POL("nowhere") ":1:1: cannot open policy directory: "
	    "No such file or directory");
	od_errors_clear(&errs);

	/* Loading a file whose name the set already holds. */
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_file(POL("dup/a.yaml"), &set, &errs), 0);
	assert_int_equal(od_policy_load_file(POL("dup/b.yaml"), &set, &errs), -1);
	assert_int_equal(set.n, 1);
	assert_string_equal(errs.msgs[0], POL("dup/b.yaml") ":1:7: policy 'same-name' is "
	    "already defined at " POL("dup/a.yaml") ":1:7");
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

/*
 * An account as upstream sends it.  attrs is the JSON text of the
 * attributes object, or NULL; product may be NULL.
 */
static void
account(struct od_account *a, const char *country, const char *tz, const char *amount,
    const char *currency, const char *product, const char *attrs)
{
	char	buf[1024], prod[128] = "", at[512] = "", reason[256];
	int	n;

	if (product != NULL)
		snprintf(prod, sizeof(prod), ", \"product\": \"%s\"", product);
	if (attrs != NULL)
		snprintf(at, sizeof(at), ", \"attributes\": %s", attrs);
	n = snprintf(buf, sizeof(buf),
	    "{\"account_id\": \"A-1001\", \"debtor\": {\"name\": \"María Quispe\", "
	    "\"email\": \"maria@example.pe\", \"timezone\": \"%s\", \"country\": \"%s\"}, "
	    "\"debt\": {\"amount\": \"%s\", \"currency\": \"%s\", \"due_date\": \"2026-12-01\"%s}%s}",
	    tz, country, amount, currency, prod, at);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	if (od_account_parse(buf, (size_t)n, 0, a, reason, sizeof(reason)) != 0)
		fail_msg("account rejected: %s", reason);
}

static int64_t
at(const char *iso)
{
	int64_t	ms;

	assert_int_equal(od_time_parse_iso(iso, &ms), 0);
	return ms;
}

/* The name of the policy that takes the account, or "(none)". */
static const char *
select_name(const struct od_policy_set *set, const struct od_account *a, int64_t now)
{
	const struct od_policy	*p = od_policy_select(set, a, now);

	return p ? p->name : "(none)";
}

static void
test_select_shipped(void **state)
{
	struct od_policy_set	set = { NULL, 0 };
	struct od_account	a;
	int64_t			now = at("2026-11-20T15:00:00Z");

	(void)state;
	load_dir_ok(OD_SOURCE_DIR "/policy", &set);
	account(&a, "PE", "America/Lima", "1234.50", "PEN", "consumer_loan", NULL);
	assert_string_equal(select_name(&set, &a, now), "pe-consumer");
	od_account_clear(&a);
	/* The amount bounds are inclusive and exact. */
	account(&a, "PE", "America/Lima", "200", "PEN", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "pe-consumer");
	od_account_clear(&a);
	account(&a, "PE", "America/Lima", "199.99", "PEN", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "small-balance");
	assert_false(od_policy_matches(od_policy_find(&set, "pe-consumer"), &a, now));
	od_account_clear(&a);
	account(&a, "PE", "America/Lima", "0.5", "PEN", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "small-balance");
	od_account_clear(&a);
	/* Both shipped policies keep to Peruvian debtors (issue 11: PE texts, PE law). */
	account(&a, "CO", "America/Bogota", "150.00", "PEN", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "(none)");
	od_account_clear(&a);
	account(&a, "CO", "America/Bogota", "1500.00", "PEN", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "(none)");
	od_account_clear(&a);
	account(&a, "PE", "America/Lima", "1234.50", "USD", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "(none)");
	od_account_clear(&a);
	od_policy_set_free(&set);
}

static void
test_select_attributes(void **state)
{
	struct od_policy_set	set = { NULL, 0 };
	struct od_account	a;
	int64_t			now = at("2026-12-01T15:00:00Z");
	static const struct {
		const char	*product;
		const char	*attrs;
		const char	*expect;
	} cases[] = {
		{ "consumer_loan", "{\"risk_score\": 640, \"tier\": \"gold\", \"blocked\": false}",
		  "vip" },
		{ "consumer_loan", "{\"risk_score\": 600.0, \"tier\": \"platinum\", \"blocked\": false}",
		  "vip" },
		/* each rule failing on its own */
		{ "consumer_loan", "{\"risk_score\": 599, \"tier\": \"gold\", \"blocked\": false}",
		  "tie-a" },
		{ "consumer_loan", "{\"risk_score\": 640, \"tier\": \"silver\", \"blocked\": false}",
		  "tie-a" },
		{ "consumer_loan", "{\"risk_score\": 640, \"tier\": \"gold\", \"blocked\": true}",
		  "tie-a" },
		{ "personal_loan", "{\"risk_score\": 640, \"tier\": \"gold\", \"blocked\": false}",
		  "tie-a" },
		{ NULL, "{\"risk_score\": 640, \"tier\": \"gold\", \"blocked\": false}", "tie-a" },
		/* a string is not a number; a missing attribute fails even "!=" */
		{ "consumer_loan", "{\"risk_score\": \"640\", \"tier\": \"gold\", \"blocked\": false}",
		  "tie-a" },
		{ "consumer_loan", "{\"risk_score\": 640, \"tier\": \"gold\"}", "tie-a" },
		{ "consumer_loan", NULL, "tie-a" },
	};
	size_t	i;

	(void)state;
	load_dir_ok(POL("match"), &set);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		account(&a, "PE", "America/Lima", "1234.50", "PEN", cases[i].product, cases[i].attrs);
		printf("# case %zu: %s\n", i, cases[i].attrs ? cases[i].attrs : "(no attributes)");
		assert_string_equal(select_name(&set, &a, now), cases[i].expect);
		od_account_clear(&a);
	}
	od_policy_set_free(&set);
}

static void
test_select_days_past_due(void **state)
{
	struct od_policy_set	set = { NULL, 0 };
	struct od_account	a;

	(void)state;
	load_dir_ok(POL("match"), &set);
	account(&a, "PE", "America/Lima", "1234.50", "PEN", NULL, NULL);
	assert_string_equal(select_name(&set, &a, at("2026-12-31T12:00:00Z")), "tie-a");	/* 30 */
	assert_string_equal(select_name(&set, &a, at("2027-01-01T12:00:00Z")), "late");	/* 31 */
	/* 03:00 UTC on 1 January is still 31 December in Lima: 30 days. */
	assert_string_equal(select_name(&set, &a, at("2027-01-01T03:00:00Z")), "tie-a");
	assert_string_equal(select_name(&set, &a, at("2027-03-31T12:00:00Z")), "late");	/* 120 */
	assert_string_equal(select_name(&set, &a, at("2027-04-01T12:00:00Z")), "tie-a");	/* 121 */
	od_account_clear(&a);
	od_policy_set_free(&set);
}

static void
test_select_amount_zero_digit_currency(void **state)
{
	struct od_policy_set	 set = { NULL, 0 };
	struct od_account	 a;
	int64_t			 now = at("2026-12-01T15:00:00Z");
	const struct od_policy	*clp;

	(void)state;
	load_dir_ok(POL("match"), &set);
	clp = od_policy_find(&set, "clp-big");
	/* CLP has no minor unit: whole pesos from 100001. */
	account(&a, "CL", "America/Santiago", "100000", "CLP", NULL, NULL);
	assert_false(od_policy_matches(clp, &a, now));
	assert_string_equal(select_name(&set, &a, now), "tie-a");
	od_account_clear(&a);
	account(&a, "CL", "America/Santiago", "100001", "CLP", NULL, NULL);
	assert_true(od_policy_matches(clp, &a, now));
	assert_string_equal(select_name(&set, &a, now), "clp-big");
	od_account_clear(&a);
	account(&a, "CL", "America/Santiago", "5000000", "CLP", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "clp-big");
	od_account_clear(&a);
	account(&a, "CL", "America/Santiago", "5000001", "CLP", NULL, NULL);
	assert_string_equal(select_name(&set, &a, now), "tie-a");
	od_account_clear(&a);
	/* The same amount in pesos of another country is not taken. */
	account(&a, "PE", "America/Lima", "100001", "CLP", NULL, NULL);
	assert_false(od_policy_matches(clp, &a, now));
	od_account_clear(&a);
	od_policy_set_free(&set);
}

/*
 * A policy whose segment admits debtors of other countries than its
 * jurisdiction: loaded (each debtor is held to their own country's rules
 * too), with a warning at the segment's position.
 */
static void
test_foreign_countries_warned(void **state)
{
	static const char	 y[] =
	    "name: mixed\n"
	    "jurisdiction: PE\n"
	    "segment:\n"
	    "  countries: [PE, CO]\n"
	    "steps:\n"
	    "  - {name: due, at: 0d, stage: reminder, channels: [sms], template: reminder_due}\n";
	static const char	 any[] =
	    "name: anyone\n"
	    "jurisdiction: PE\n"
	    "steps:\n"
	    "  - {name: due, at: 0d, stage: reminder, channels: [sms], template: reminder_due}\n";
	struct od_policy_set	 set;
	struct od_errors	 errs;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_string("mixed.yaml", y, strlen(y), &set, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.nwarns, 1);
	assert_string_equal(errs.warns[0], "mixed.yaml:4:3: policy 'mixed' (jurisdiction PE) "
	    "admits debtors of CO: they are held to CO's rules as well as PE's");
	od_errors_clear(&errs);
	assert_int_equal(od_policy_load_string("anyone.yaml", any, strlen(any), &set, &errs), 0);
	assert_int_equal(errs.nwarns, 1);
	assert_non_null(strstr(errs.warns[0], "admits debtors of any country"));
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

/* Amounts in the currency's ISO 4217 minor unit (issue 11, item 9). */
static void
test_amount_minor_units(void **state)
{
	static const char	 clp[] =
	    "name: cl-big\n"
	    "jurisdiction: CL\n"
	    "segment:\n"
	    "  countries: [CL]\n"
	    "  currencies: [CLP]\n"
	    "  amount: {min: \"20.000\", max: \"5000000\"}\n"
	    "steps:\n"
	    "  - {name: due, at: 0d, stage: reminder, channels: [sms], template: reminder_due}\n";
	static const char	 pen[] =
	    "name: pe-odd\n"
	    "jurisdiction: PE\n"
	    "segment:\n"
	    "  countries: [PE]\n"
	    "  currencies: [PEN, USD]\n"
	    "  amount:\n"
	    "    max: \"199.995\"\n"
	    "steps:\n"
	    "  - {name: due, at: 0d, stage: reminder, channels: [sms], template: reminder_due}\n";
	struct od_policy_set	 set;
	struct od_errors	 errs;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_string("cl.yaml", clp, strlen(clp), &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], "cl.yaml:6:17: segment.amount.min: '20.000' has a "
	    "decimal part, but CLP has no minor unit (ISO 4217); '.' is not a thousands "
	    "separator here: write whole units");
	od_errors_clear(&errs);
	assert_int_equal(od_policy_load_string("pe.yaml", pen, strlen(pen), &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], "pe.yaml:7:10: segment.amount.max: '199.995' has 3 "
	    "decimal places, but PEN has 2 (ISO 4217)");
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

/* spread: a duration from 1m to 12h, errors positioned like the other keys. */
static void
test_spread(void **state)
{
	static const char *const bad[][2] = {
		{ "13h", "sp.yaml:2:9: spread: '13h' must be from 1m to 12h" },
		{ "30s", "sp.yaml:2:9: spread: '30s' must be from 1m to 12h" },
		{ "soon", "sp.yaml:2:9: spread: 'soon' is not a duration such as 30m or 2h" },
		{ "-1h", "sp.yaml:2:9: spread: '-1h' is not a duration such as 30m or 2h" },
	};
	struct od_policy_set	set;
	struct od_errors	errs;
	char			y[512];
	size_t			i;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(y, sizeof(y), "name: sp%zu\nspread: %s\nsteps:\n  - {name: a, at: 0d, "
		    "stage: reminder, channels: [sms], template: reminder_due}\n", i, bad[i][0]);
		assert_int_equal(od_policy_load_string("sp.yaml", y, strlen(y), &set, &errs), -1);
		assert_int_equal(errs.count, 1);
		assert_string_equal(errs.msgs[0], bad[i][1]);
		od_errors_clear(&errs);
	}
	snprintf(y, sizeof(y), "name: sp\nspread: 2h\nsteps:\n  - {name: a, at: 0d, "
	    "stage: reminder, channels: [sms], template: reminder_due}\n");
	assert_int_equal(od_policy_load_string("sp.yaml", y, strlen(y), &set, &errs), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(set.v[0].spread_ms, 2 * 3600000LL);
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_foreign_countries_warned),
		cmocka_unit_test(test_amount_minor_units),
		cmocka_unit_test(test_shipped_policies),
		cmocka_unit_test(test_stage_names),
		cmocka_unit_test(test_hours_offsets_and_options),
		cmocka_unit_test(test_broken_yaml),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_bad_duration),
		cmocka_unit_test(test_unknown_stage),
		cmocka_unit_test(test_unknown_channel),
		cmocka_unit_test(test_duplicate_step),
		cmocka_unit_test(test_steps_out_of_order),
		cmocka_unit_test(test_stage_backwards),
		cmocka_unit_test(test_bad_amount),
		cmocka_unit_test(test_missing_required_key),
		cmocka_unit_test(test_several_errors),
		cmocka_unit_test(test_directory_errors),
		cmocka_unit_test(test_select_shipped),
		cmocka_unit_test(test_select_attributes),
		cmocka_unit_test(test_select_days_past_due),
		cmocka_unit_test(test_select_amount_zero_digit_currency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
