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

/* The 1-based line of path that starts with text, or -1. */
static int
line_of(const char *path, const char *text)
{
	char	 buf[1024];
	FILE	*fp = fopen(path, "r");
	int	 n = 0;

	assert_non_null(fp);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		n++;
		if (strncmp(buf, text, strlen(text)) == 0) {
			fclose(fp);
			return n;
		}
	}
	fclose(fp);
	return -1;
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
	struct od_errors	 errs;
	const struct od_policy	*p;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_dir(OD_SOURCE_DIR "/policy", &set, &errs), 0);
	for (size_t i = 0; i < errs.nwarns; i++)
		printf("# %s\n", errs.warns[i]);
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.nwarns, 0);	/* every offer made, every plan confirmed */
	od_errors_clear(&errs);
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
		static const char *const plan_steps[] = { "agreement_confirmation",
			"instalment_reminder", "plan_broken" };
		const struct od_policy *c = &set.v[i];

		assert_int_equal(c->segment.ncountries, 1);
		assert_string_equal(c->segment.countries[0], c->jurisdiction);
		/* the six messages, then the handoff to the country's agency */
		assert_int_equal(c->nsteps, 7);
		assert_true(c->steps[6].handoff);
		assert_int_equal(c->steps[6].offset_ms, 45 * DAY);
		assert_int_equal(c->steps[6].wait_ms, 10 * DAY);
		assert_string_equal(c->steps[6].template, "handoff_notice");
		assert_int_equal(c->steps[4].noffers, 2);
		assert_int_equal(c->noffers, 2);
		assert_int_equal(c->offers[0].kind, OD_OFFER_PLAN);
		assert_int_equal(c->offers[0].default_n, 3);
		assert_int_equal(c->offers[1].kind, OD_OFFER_SETTLEMENT);
		assert_int_equal(c->promises.after_index, 5);	/* final_notice */
		assert_int_equal(c->promises.nsteps, 2);
		assert_int_equal(c->nplan_steps, 3);
		for (size_t k = 0; k < 3; k++)
			assert_string_equal(c->plan_steps[k].template, plan_steps[k]);
	}
	assert_string_equal(od_policy_find(&set, "co-consumer")->steps[6].to, "agencia_bogota");
	assert_string_equal(od_policy_find(&set, "mx-consumer")->steps[6].to, "agencia_cdmx");
	assert_string_equal(od_policy_find(&set, "cl-consumer")->steps[6].to, "agencia_santiago");
	assert_string_equal(od_policy_find(&set, "us-consumer")->steps[6].to, "agency_us");
	/* amounts in each currency's minor unit */
	assert_string_equal(od_policy_find(&set, "cl-consumer")->offers[0].min_installment,
	    "20000");
	assert_string_equal(od_policy_find(&set, "us-consumer")->offers[0].min_installment,
	    "25.00");
	assert_non_null(od_policy_offer(od_policy_find(&set, "us-consumer"), "installments"));

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
	assert_string_equal(p->offer.payment_url, "https://pagos.example.pe/pagar");
	assert_int_equal(p->nsteps, 7);
	assert_step(&p->steps[0], "reminder_upcoming", -3 * DAY, 1, OD_STAGE_REMINDER,
	    "reminder_upcoming", 2, OD_CH_SMS, OD_CH_EMAIL, 0);
	assert_step(&p->steps[1], "reminder_due", 0, 1, OD_STAGE_REMINDER, "reminder_due",
	    2, OD_CH_WHATSAPP, OD_CH_SMS, 0);
	assert_step(&p->steps[2], "notice_overdue", 3 * DAY, 1, OD_STAGE_NOTICE, "notice_overdue",
	    2, OD_CH_SMS, OD_CH_EMAIL, 0);
	assert_step(&p->steps[3], "notice_firm", 10 * DAY, 1, OD_STAGE_NOTICE, "notice_firm",
	    2, OD_CH_EMAIL, OD_CH_SMS, 0);
	assert_step(&p->steps[4], "offer_plan", 15 * DAY, 1, OD_STAGE_OFFER, "offer_negotiation",
	    3, OD_CH_WHATSAPP, OD_CH_EMAIL, OD_CH_SMS);
	assert_step(&p->steps[5], "final_notice", 30 * DAY, 1, OD_STAGE_FINAL, "final_notice",
	    2, OD_CH_EMAIL, OD_CH_SMS, 0);
	assert_int_equal(p->steps[0].line, line_of(p->file, "  - name: reminder_upcoming"));
	assert_int_equal(p->steps[0].col, 5);
	assert_int_equal(od_policy_step_index(p, "offer_plan"), 4);
	/* offer_plan makes the named offers; the handoff follows the final notice */
	assert_int_equal(p->steps[4].noffers, 2);
	assert_string_equal(p->steps[4].offers[0], "cuotas");
	assert_string_equal(p->steps[4].offers[1], "pronto_pago");
	assert_step(&p->steps[6], "handoff", 45 * DAY, 1, OD_STAGE_FINAL, "handoff_notice",
	    2, OD_CH_EMAIL, OD_CH_SMS, 0);
	assert_true(p->steps[6].handoff);
	assert_string_equal(p->steps[6].to, "agencia_lima");
	assert_int_equal(p->steps[6].to_line, line_of(p->file, "    to: agencia_lima"));
	assert_int_equal(p->steps[6].to_col, 9);
	assert_int_equal(p->steps[6].wait_ms, 10 * DAY);
	{
		const struct od_named_offer *o = od_policy_offer(p, "cuotas");

		assert_non_null(o);
		assert_int_equal(o->kind, OD_OFFER_PLAN);
		assert_int_equal(o->min_n, 2);
		assert_int_equal(o->max_n, 6);
		assert_int_equal(o->default_n, 3);
		assert_int_equal(o->freq, OD_FREQ_MONTHLY);
		assert_int_equal(o->first_days, 7);
		assert_string_equal(o->min_installment, "50.00");
		assert_int_equal(o->valid_days, 10);
		assert_string_equal(o->terms, "Sin intereses ni cargos adicionales por fraccionar.");
		o = od_policy_offer(p, "pronto_pago");
		assert_non_null(o);
		assert_int_equal(o->kind, OD_OFFER_SETTLEMENT);
		assert_int_equal(o->discount_percent, 10);
		assert_int_equal(o->pay_days, 7);
		assert_int_equal(o->valid_days, 7);
	}
	assert_int_equal(p->promises.grace_days, 2);
	assert_int_equal(p->promises.kept_percent, 100);
	assert_int_equal(p->promises.max_broken, 2);
	assert_int_equal(p->promises.max_days, 30);
	assert_string_equal(p->promises.after_max_broken, "final_notice");
	assert_int_equal(p->promises.after_index, 5);
	assert_int_equal(p->promises.nsteps, 2);
	assert_string_equal(p->promises.steps[0].name, "promise_reminder");
	assert_int_equal(p->promises.steps[0].anchor, OD_AT_PROMISE);
	assert_int_equal(p->promises.steps[0].offset_ms, -DAY);
	assert_string_equal(p->promises.steps[0].template, "promise_reminder");
	assert_int_equal(p->promises.steps[0].channels[0], OD_CH_SMS);
	assert_int_equal(p->promises.steps[1].anchor, OD_AT_BROKEN);
	assert_string_equal(p->promises.steps[1].template, "promise_broken");
	assert_int_equal(p->nplan_steps, 3);
	assert_int_equal(p->plan_steps[0].anchor, OD_AT_ACCEPTED);
	assert_int_equal(p->plan_steps[0].channels[0], OD_CH_EMAIL);
	assert_int_equal(p->plan_steps[1].anchor, OD_AT_INSTALMENT);
	assert_int_equal(p->plan_steps[1].offset_ms, -2 * DAY);
	assert_int_equal(p->plan_steps[2].anchor, OD_AT_BROKEN);
	assert_string_equal(p->plan_steps[2].template, "plan_broken");
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
	/* promises: the defaults, and no messages, offers, plan or handoff */
	assert_int_equal(p->promises.grace_days, 2);
	assert_int_equal(p->promises.max_broken, 2);
	assert_int_equal(p->promises.after_index, -1);
	assert_int_equal(p->promises.nsteps, 0);
	assert_int_equal(p->noffers, 0);
	assert_int_equal(p->nplan_steps, 0);
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

/*
 * The negotiation lifecycle (docs/policies.md, "Promises, plans and
 * handoff"): inline policies, so that nothing here depends on the shipped
 * files or templates.
 */

/* Loads y as name expecting it refused with exactly the n messages given (warnings aside). */
static void
expect_string_errors(const char *name, const char *y, size_t n, ...)
{
	struct od_policy_set	set = { NULL, 0 };
	struct od_errors	errs;
	va_list			ap;
	size_t			i;

	od_errors_init(&errs);
	assert_int_equal(od_policy_load_string(name, y, strlen(y), &set, &errs), -1);
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

/* Loads y expecting it taken without errors; the warnings are left in errs. */
static const struct od_policy *
load_string_ok(const char *y, struct od_policy_set *set, struct od_errors *errs)
{
	od_errors_init(errs);
	if (od_policy_load_string("p.yaml", y, strlen(y), set, errs) != 0)
		od_errors_print(errs, stdout);
	assert_int_equal(errs->count, 0);
	assert_int_equal(set->n, 1);
	return &set->v[0];
}

static const char life_yaml[] =
    "name: life\n"						/* 1 */
    "segment:\n"
    "  currencies: [PEN]\n"
    "offers:\n"
    "  - id: cuotas\n"						/* 5 */
    "    kind: plan\n"
    "    installments: {min: 2, max: 6, default: 3}\n"
    "    frequency: biweekly\n"
    "    first_due: 10d\n"
    "    min_installment: \"50.00\"\n"				/* 10 */
    "    valid_days: 10\n"
    "    terms: \"Sin intereses\"\n"
    "    grace_days: 3\n"
    "  - {id: pronto_pago, kind: settlement, discount_percent: 10, pay_days: 5}\n"
    "  - {id: prorroga_15, kind: extension, days: 15, valid_days: 3}\n"	/* 15 */
    "promises:\n"
    "  grace_days: 1\n"
    "  kept_threshold_percent: 90\n"
    "  max_broken: 3\n"
    "  max_days: 20\n"						/* 20 */
    "  after_max_broken: final_notice\n"
    "  steps:\n"
    "    - {name: promise_made, at: made, channels: [sms], template: promise_made}\n"
    "    - {name: promise_reminder, at: promise-1d, stage: reminder, channels: [sms, email], "
    "template: promise_reminder}\n"
    "    - {name: promise_day, at: promise, channels: [sms], template: promise_day}\n"	/* 25 */
    "    - {name: promise_late, at: promise+2d, channels: [sms], template: promise_late}\n"
    "    - {name: promise_broken, at: broken, channels: [email], template: promise_broken}\n"
    "plan_steps:\n"
    "  - {name: agreement_confirmation, at: accepted, channels: [email, sms], "
    "template: agreement_confirmation}\n"
    "  - {name: instalment_reminder, at: instalment-2d, channels: [sms], "		/* 30 */
    "template: instalment_reminder}\n"
    "  - {name: instalment_due, at: instalment, channels: [sms], template: instalment_due}\n"
    "  - {name: plan_broken, at: broken, channels: [sms], template: plan_broken}\n"
    "  - {name: plan_completed, at: completed, stage: notice, channels: [email], "
    "template: plan_completed}\n"
    "steps:\n"
    "  - {name: reminder_due, at: 0d, stage: reminder, channels: [sms], template: reminder_due}\n"
    "  - {name: offer_plan, at: +15d, stage: offer, channels: [sms], template: offer_plan, "
    "offers: [cuotas, pronto_pago, prorroga_15]}\n"
    "  - {name: final_notice, at: +30d, stage: final, channels: [email], template: final_notice}\n"
    "  - name: handoff\n"
    "    at: +45d\n"
    "    kind: handoff\n"						/* 40 */
    "    to: agencia_lima\n"
    "    wait: 10d\n"
    "    channels: [email, sms]\n"
    "    template: handoff_notice\n"
    "  - {name: legal, at: +60d, kind: handoff, to: legal_pe, wait: 36h}\n";	/* 45 */

static void
assert_life_step(const struct od_step *s, const char *name, enum od_anchor anchor,
    int64_t offset_ms, int day_offset, enum od_stage stage)
{
	assert_string_equal(s->name, name);
	assert_int_equal(s->anchor, anchor);
	assert_int_equal(s->offset_ms, offset_ms);
	assert_int_equal(s->day_offset, day_offset);
	assert_int_equal(s->stage, stage);
	assert_string_equal(s->template, name);
	assert_false(s->handoff);
}

/* Every key of offers:, promises:, plan_steps: and a handoff step, read. */
static void
test_lifecycle_parsed(void **state)
{
	struct od_policy_set		 set = { NULL, 0 };
	struct od_errors		 errs;
	const struct od_policy		*p;
	const struct od_named_offer	*o;
	const struct od_step		*s;

	(void)state;
	p = load_string_ok(life_yaml, &set, &errs);
	assert_int_equal(errs.nwarns, 0);	/* every offer is made; plans are confirmed */

	assert_int_equal(p->noffers, 3);
	o = od_policy_offer(p, "cuotas");
	assert_ptr_equal(o, &p->offers[0]);
	assert_int_equal(o->kind, OD_OFFER_PLAN);
	assert_int_equal(o->min_n, 2);
	assert_int_equal(o->max_n, 6);
	assert_int_equal(o->default_n, 3);
	assert_int_equal(o->freq, OD_FREQ_BIWEEKLY);
	assert_int_equal(o->first_days, 10);
	assert_string_equal(o->min_installment, "50.00");
	assert_int_equal(o->valid_days, 10);
	assert_string_equal(o->terms, "Sin intereses");
	assert_int_equal(o->grace_days, 3);
	assert_int_equal(o->line, 5);
	assert_int_equal(o->col, 5);
	o = od_policy_offer(p, "pronto_pago");
	assert_int_equal(o->kind, OD_OFFER_SETTLEMENT);
	assert_int_equal(o->discount_percent, 10);
	assert_int_equal(o->pay_days, 5);
	assert_int_equal(o->valid_days, 7);
	assert_int_equal(o->grace_days, -1);
	assert_null(o->terms);
	o = od_policy_offer(p, "prorroga_15");
	assert_int_equal(o->kind, OD_OFFER_EXTENSION);
	assert_int_equal(o->extend_days, 15);
	assert_int_equal(o->valid_days, 3);
	assert_null(od_policy_offer(p, "nope"));
	assert_null(od_policy_offer(p, NULL));

	assert_int_equal(p->promises.grace_days, 1);
	assert_int_equal(p->promises.kept_percent, 90);
	assert_int_equal(p->promises.max_broken, 3);
	assert_int_equal(p->promises.max_days, 20);
	assert_string_equal(p->promises.after_max_broken, "final_notice");
	assert_int_equal(p->promises.after_index, 2);
	assert_int_equal(p->promises.nsteps, 5);
	/* a lifecycle step is at stage offer unless it says */
	assert_life_step(&p->promises.steps[0], "promise_made", OD_AT_MADE, 0, 0, OD_STAGE_OFFER);
	assert_life_step(&p->promises.steps[1], "promise_reminder", OD_AT_PROMISE, -DAY, 1,
	    OD_STAGE_REMINDER);
	assert_life_step(&p->promises.steps[2], "promise_day", OD_AT_PROMISE, 0, 1,
	    OD_STAGE_OFFER);
	assert_life_step(&p->promises.steps[3], "promise_late", OD_AT_PROMISE, 2 * DAY, 1,
	    OD_STAGE_OFFER);
	assert_life_step(&p->promises.steps[4], "promise_broken", OD_AT_BROKEN, 0, 0,
	    OD_STAGE_OFFER);
	assert_int_equal(p->promises.steps[1].nchannels, 2);
	assert_int_equal(p->promises.steps[1].channels[1], OD_CH_EMAIL);
	assert_int_equal(p->promises.steps[1].line, 24);
	assert_int_equal(p->promises.steps[1].col, 7);

	assert_int_equal(p->nplan_steps, 5);
	assert_life_step(&p->plan_steps[0], "agreement_confirmation", OD_AT_ACCEPTED, 0, 0,
	    OD_STAGE_OFFER);
	assert_life_step(&p->plan_steps[1], "instalment_reminder", OD_AT_INSTALMENT, -2 * DAY, 1,
	    OD_STAGE_OFFER);
	assert_life_step(&p->plan_steps[2], "instalment_due", OD_AT_INSTALMENT, 0, 1,
	    OD_STAGE_OFFER);
	assert_life_step(&p->plan_steps[3], "plan_broken", OD_AT_BROKEN, 0, 0, OD_STAGE_OFFER);
	assert_life_step(&p->plan_steps[4], "plan_completed", OD_AT_COMPLETED, 0, 0,
	    OD_STAGE_NOTICE);

	assert_int_equal(p->nsteps, 5);
	assert_int_equal(p->steps[0].anchor, OD_AT_DUE);
	assert_int_equal(p->steps[0].noffers, 0);
	assert_null(p->steps[0].offers);
	s = &p->steps[1];
	assert_int_equal(s->noffers, 3);
	assert_string_equal(s->offers[0], "cuotas");
	assert_string_equal(s->offers[1], "pronto_pago");
	assert_string_equal(s->offers[2], "prorroga_15");
	assert_false(s->handoff);
	assert_null(s->to);
	s = &p->steps[3];
	assert_string_equal(s->name, "handoff");
	assert_true(s->handoff);
	assert_int_equal(s->anchor, OD_AT_DUE);
	assert_int_equal(s->offset_ms, 45 * DAY);
	assert_int_equal(s->day_offset, 1);
	assert_int_equal(s->stage, OD_STAGE_FINAL);	/* a handoff's default */
	assert_string_equal(s->to, "agencia_lima");
	assert_int_equal(s->to_line, 41);
	assert_int_equal(s->to_col, 9);
	assert_int_equal(s->wait_ms, 10 * DAY);
	assert_string_equal(s->template, "handoff_notice");
	assert_int_equal(s->nchannels, 2);
	assert_int_equal(s->channels[0], OD_CH_EMAIL);
	/* a handoff without a notice to the debtor */
	s = &p->steps[4];
	assert_true(s->handoff);
	assert_string_equal(s->to, "legal_pe");
	assert_int_equal(s->wait_ms, 36 * 3600000LL);
	assert_null(s->template);
	assert_int_equal(s->nchannels, 0);
	assert_int_equal(s->stage, OD_STAGE_FINAL);
	assert_int_equal(od_policy_step_index(p, "handoff"), 3);
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

/* What a policy leaves unsaid: the promises: block's defaults, each offer's. */
static void
test_lifecycle_defaults(void **state)
{
	static const char	 bare[] =
	    "name: bare\n"
	    "steps:\n"
	    "  - {name: due, at: 0d, stage: reminder, channels: [sms], template: reminder_due}\n";
	static const char	 plain[] =
	    "name: plain\n"
	    "offers:\n"
	    "  - {id: cuotas, kind: plan, installments: 4}\n"
	    "  - {id: pronto, kind: settlement, discount_percent: 5}\n"
	    "steps:\n"
	    "  - {name: offer_plan, at: 0d, stage: offer, channels: [sms], template: offer_plan, "
	    "offers: [cuotas, pronto]}\n";
	struct od_policy_set		 set = { NULL, 0 };
	struct od_errors		 errs;
	const struct od_policy		*p;
	const struct od_named_offer	*o;
	struct od_policy		 q;

	(void)state;
	memset(&q, 0x5a, sizeof(q));
	od_policy_init(&q);
	assert_int_equal(q.send_at_min, 9 * 60);
	assert_int_equal(q.promises.grace_days, 2);
	assert_int_equal(q.promises.kept_percent, 100);
	assert_int_equal(q.promises.max_broken, 2);
	assert_int_equal(q.promises.max_days, 30);
	assert_int_equal(q.promises.after_index, -1);
	assert_null(q.promises.steps);
	assert_null(q.offers);
	assert_null(q.steps);

	p = load_string_ok(bare, &set, &errs);
	assert_int_equal(errs.nwarns, 0);
	assert_int_equal(p->promises.grace_days, 2);
	assert_int_equal(p->promises.kept_percent, 100);
	assert_int_equal(p->promises.max_broken, 2);
	assert_int_equal(p->promises.max_days, 30);
	assert_null(p->promises.after_max_broken);
	assert_int_equal(p->promises.after_index, -1);
	assert_int_equal(p->promises.nsteps, 0);
	assert_int_equal(p->noffers, 0);
	assert_int_equal(p->nplan_steps, 0);
	assert_null(p->steps[0].to);
	assert_int_equal(p->steps[0].wait_ms, 0);
	od_errors_clear(&errs);
	od_policy_set_free(&set);

	p = load_string_ok(plain, &set, &errs);
	o = od_policy_offer(p, "cuotas");
	assert_int_equal(o->min_n, 4);		/* "installments: 4": exactly four */
	assert_int_equal(o->max_n, 4);
	assert_int_equal(o->default_n, 4);
	assert_int_equal(o->freq, OD_FREQ_MONTHLY);
	assert_int_equal(o->first_days, 7);
	assert_int_equal(o->valid_days, 7);
	assert_int_equal(o->grace_days, -1);
	assert_null(o->min_installment);
	assert_null(o->terms);
	o = od_policy_offer(p, "pronto");
	assert_int_equal(o->pay_days, 7);
	assert_int_equal(o->valid_days, 7);
	/* a plan nobody confirms: loaded, with a warning at the offer */
	assert_int_equal(errs.nwarns, 1);
	assert_string_equal(errs.warns[0], "p.yaml:3:5: offer 'cuotas' is a plan, but no step "
	    "of plan_steps: is at 'accepted' to confirm an agreement to the debtor");
	od_errors_clear(&errs);
	od_policy_set_free(&set);

	/* {min, max} without default: the most instalments allowed */
	{
		static const char y[] =
		    "name: range\n"
		    "offers:\n"
		    "  - {id: cuotas, kind: plan, installments: {min: 2, max: 12}}\n"
		    "steps:\n"
		    "  - {name: offer_plan, at: 0d, stage: offer, channels: [sms], "
		    "template: offer_plan, offers: [cuotas]}\n";

		p = load_string_ok(y, &set, &errs);
		assert_int_equal(p->offers[0].min_n, 2);
		assert_int_equal(p->offers[0].default_n, 12);
		od_errors_clear(&errs);
		od_policy_set_free(&set);
	}
}

/* Which at: each list takes, and what it counts from. */
static void
test_anchors_per_list(void **state)
{
	static const struct {
		enum { L_STEPS, L_PROMISES, L_PLAN } list;
		const char	*at;
		enum od_anchor	 anchor;
		int64_t		 offset_ms;
		int		 day_offset;
		const char	*error;		/* NULL: taken */
	} cases[] = {
		{ L_STEPS, "-3d", OD_AT_DUE, -3 * DAY, 1, NULL },
		{ L_STEPS, "+1d12h", OD_AT_DUE, 36 * 3600000LL, 0, NULL },
		{ L_STEPS, "made", 0, 0, 0, "a.yaml:3:19: at: 'made' is not allowed in steps "
		  "(a duration from the due date such as -3d, 0d, +5d or +1d12h)" },
		{ L_STEPS, "promise-1d", 0, 0, 0, "a.yaml:3:19: at: 'promise-1d' is not allowed in "
		  "steps (a duration from the due date such as -3d, 0d, +5d or +1d12h)" },
		{ L_STEPS, "accepted", 0, 0, 0, "a.yaml:3:19: at: 'accepted' is not allowed in steps "
		  "(a duration from the due date such as -3d, 0d, +5d or +1d12h)" },
		{ L_PROMISES, "made", OD_AT_MADE, 0, 0, NULL },
		{ L_PROMISES, "promise-1d", OD_AT_PROMISE, -DAY, 1, NULL },
		{ L_PROMISES, "promise", OD_AT_PROMISE, 0, 1, NULL },
		{ L_PROMISES, "promise+0d", OD_AT_PROMISE, 0, 1, NULL },
		{ L_PROMISES, "promise+3d", OD_AT_PROMISE, 3 * DAY, 1, NULL },
		{ L_PROMISES, "broken", OD_AT_BROKEN, 0, 0, NULL },
		{ L_PROMISES, "accepted", 0, 0, 0, "a.yaml:6:21: at: 'accepted' is not allowed in "
		  "promises.steps (made, promise-Nd, promise, promise+Nd, broken)" },
		{ L_PROMISES, "-3d", 0, 0, 0, "a.yaml:6:21: at: '-3d' is not allowed in "
		  "promises.steps (made, promise-Nd, promise, promise+Nd, broken)" },
		{ L_PROMISES, "instalment-2d", 0, 0, 0, "a.yaml:6:21: at: 'instalment-2d' is not "
		  "allowed in promises.steps (made, promise-Nd, promise, promise+Nd, broken)" },
		{ L_PROMISES, "promises", 0, 0, 0, "a.yaml:6:21: at: 'promises' is not allowed in "
		  "promises.steps (made, promise-Nd, promise, promise+Nd, broken)" },
		{ L_PROMISES, "promise-12h", 0, 0, 0, "a.yaml:6:21: at: 'promise-12h': a step is "
		  "whole days from the promise's date (promise-1d, promise, promise+1d)" },
		{ L_PLAN, "accepted", OD_AT_ACCEPTED, 0, 0, NULL },
		{ L_PLAN, "instalment-2d", OD_AT_INSTALMENT, -2 * DAY, 1, NULL },
		{ L_PLAN, "instalment", OD_AT_INSTALMENT, 0, 1, NULL },
		{ L_PLAN, "broken", OD_AT_BROKEN, 0, 0, NULL },
		{ L_PLAN, "completed", OD_AT_COMPLETED, 0, 0, NULL },
		{ L_PLAN, "made", 0, 0, 0, "a.yaml:5:19: at: 'made' is not allowed in plan_steps "
		  "(accepted, instalment-Nd, instalment, instalment+Nd, broken, completed)" },
		{ L_PLAN, "promise-1d", 0, 0, 0, "a.yaml:5:19: at: 'promise-1d' is not allowed in "
		  "plan_steps (accepted, instalment-Nd, instalment, instalment+Nd, broken, "
		  "completed)" },
		{ L_PLAN, "0d", 0, 0, 0, "a.yaml:5:19: at: '0d' is not allowed in plan_steps "
		  "(accepted, instalment-Nd, instalment, instalment+Nd, broken, completed)" },
		{ L_PLAN, "instalment+1d6h", 0, 0, 0, "a.yaml:5:19: at: 'instalment+1d6h': a step "
		  "is whole days from each instalment's date (instalment-1d, instalment, "
		  "instalment+1d)" },
	};
	static const char	 head[] =
	    "name: a\n"
	    "steps:\n";
	struct od_policy_set	 set = { NULL, 0 };
	struct od_errors	 errs;
	const struct od_step	*s;
	char			 y[1024];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].list == L_STEPS)
			snprintf(y, sizeof(y), "%s  - {name: s, at: %s, stage: final, channels: [sms], "
			    "template: t}\n", head, cases[i].at);
		else if (cases[i].list == L_PROMISES)
			snprintf(y, sizeof(y), "%s  - {name: s, at: 0d, stage: final, channels: [sms], "
			    "template: t}\npromises:\n  steps:\n    - {name: l, at: %s, "
			    "channels: [sms], template: t}\n", head, cases[i].at);
		else
			snprintf(y, sizeof(y), "%s  - {name: s, at: 0d, stage: final, channels: [sms], "
			    "template: t}\nplan_steps:\n  - {name: l, at: %s, channels: [sms], "
			    "template: t}\n", head, cases[i].at);
		printf("# case %zu: %s\n", i, cases[i].at);
		od_errors_init(&errs);
		if (cases[i].error != NULL) {
			assert_int_equal(od_policy_load_string("a.yaml", y, strlen(y), &set, &errs),
			    -1);
			assert_int_equal(errs.count, 1);
			assert_string_equal(errs.msgs[0], cases[i].error);
			od_errors_clear(&errs);
			continue;
		}
		assert_int_equal(od_policy_load_string("a.yaml", y, strlen(y), &set, &errs), 0);
		s = cases[i].list == L_STEPS ? &set.v[0].steps[0] : cases[i].list == L_PROMISES ?
		    &set.v[0].promises.steps[0] : &set.v[0].plan_steps[0];
		assert_int_equal(s->anchor, cases[i].anchor);
		assert_int_equal(s->offset_ms, cases[i].offset_ms);
		assert_int_equal(s->day_offset, cases[i].day_offset);
		od_errors_clear(&errs);
		od_policy_set_free(&set);
	}
}

/* kind: handoff: its keys, its place after the final notice, and what only it may have. */
static void
test_handoff_rules(void **state)
{
	static const struct {
		const char	*step;		/* the step after the final notice, line 4 */
		const char	*error;
	} cases[] = {
		{ "{name: handoff, at: +45d, kind: handoff}",
		  "h.yaml:4:5: missing required key 'to' in step 'handoff' (a handoff names its "
		  "placement)" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, channels: [email]}",
		  "h.yaml:4:5: step 'handoff': a handoff's notice to the debtor needs both "
		  "channels and template, or neither" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, template: handoff_notice}",
		  "h.yaml:4:5: step 'handoff': a handoff's notice to the debtor needs both "
		  "channels and template, or neither" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, wait: -1d}",
		  "h.yaml:4:65: wait: '-1d' is not a duration such as 10d or 36h" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, wait: 90m}",
		  "h.yaml:4:65: wait: '90m' is not a duration such as 10d or 36h" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, wait: 400d}",
		  "h.yaml:4:65: wait: '400d' is more than 365d" },
		{ "{name: handoff, at: +45d, kind: handoff, to: Agencia Lima}",
		  "h.yaml:4:50: to: 'Agencia Lima' must be 1 to 64 characters of a-z 0-9 _ -" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, stage: notice}",
		  "h.yaml:4:66: stage: a handoff step is at stage final, not 'notice'" },
		{ "{name: handoff, at: +45d, kind: handoff, to: agencia, offers: [cuotas]}",
		  "h.yaml:4:67: offers: a handoff step makes no offers" },
		{ "{name: handoff, at: +20d, kind: handoff, to: agencia}",
		  "h.yaml:4:5: step 'handoff' comes before the step above it ('final_notice'); "
		  "steps must be in time order" },
		{ "{name: later, at: +45d, kind: transfer, stage: final, channels: [sms], "
		  "template: t}",
		  "h.yaml:4:35: kind: unknown kind 'transfer' (message, handoff)" },
		{ "{name: later, at: +45d, stage: final, channels: [sms], template: t, to: agencia}",
		  "h.yaml:4:77: to: only a handoff step (kind: handoff) names a placement" },
		{ "{name: later, at: +45d, stage: final, channels: [sms], template: t, wait: 1d}",
		  "h.yaml:4:79: wait: only a handoff step (kind: handoff) waits" },
	};
	static const char	 before_final[] =
	    "name: h\n"
	    "steps:\n"
	    "  - {name: notice, at: +30d, stage: notice, channels: [email], template: t}\n"
	    "  - {name: handoff, at: +45d, kind: handoff, to: agencia}\n"
	    "  - {name: final_notice, at: +50d, stage: final, channels: [email], template: t}\n";
	static const char	 lifecycle[] =
	    "name: h\n"
	    "offers:\n"
	    "  - {id: cuotas, kind: plan, installments: 3}\n"
	    "steps:\n"
	    "  - {name: final_notice, at: +30d, stage: final, channels: [email], template: t, "
	    "offers: [cuotas]}\n"
	    "promises:\n"
	    "  steps:\n"
	    "    - {name: p, at: made, channels: [sms], template: t, kind: handoff, to: x}\n"
	    "plan_steps:\n"
	    "  - {name: q, at: accepted, channels: [sms], template: t, offers: [cuotas], wait: 1d}\n";
	struct od_policy_set	 set = { NULL, 0 };
	struct od_errors	 errs;
	char			 y[1024];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(y, sizeof(y), "name: h\nsteps:\n  - {name: final_notice, at: +30d, "
		    "stage: final, channels: [email], template: t}\n  - %s\n", cases[i].step);
		printf("# case %zu: %s\n", i, cases[i].step);
		expect_string_errors("h.yaml", y, 1, cases[i].error);
	}
	/* an explicit kind: message is the default */
	snprintf(y, sizeof(y), "name: h\nsteps:\n  - {name: final_notice, at: +30d, kind: message, "
	    "stage: final, channels: [email], template: t}\n");
	od_errors_init(&errs);
	assert_int_equal(od_policy_load_string("h.yaml", y, strlen(y), &set, &errs), 0);
	assert_false(set.v[0].steps[0].handoff);
	od_errors_clear(&errs);
	od_policy_set_free(&set);

	expect_string_errors("h.yaml", before_final, 1,
	    "h.yaml:4:5: step 'handoff': a handoff must come after a step at stage final (the "
	    "last notice before it)");
	expect_string_errors("h.yaml", lifecycle, 4,
	    "h.yaml:8:57: step 'p': 'kind' is only for the steps of steps:, not of promises.steps",
	    "h.yaml:8:72: step 'p': 'to' is only for the steps of steps:, not of promises.steps",
	    "h.yaml:10:77: step 'q': 'wait' is only for the steps of steps:, not of plan_steps",
	    "h.yaml:10:59: step 'q': 'offers' is only for the steps of steps:, not of plan_steps");
}

/* offers:, every key checked against its kind, every error at its node. */
static void
test_offer_errors(void **state)
{
	static const char	 y[] =
	    "name: o\n"
	    "segment:\n"
	    "  currencies: [PEN]\n"
	    "offers:\n"
	    "  - {id: cuotas, kind: plan, installments: 3, discount_percent: 10}\n"	/* 5 */
	    "  - {id: Cuotas2, kind: plan, installments: 1}\n"
	    "  - {id: cuotas, kind: settlement, discount_percent: 100, days: 5}\n"
	    "  - {kind: extension}\n"
	    "  - {id: x1, kind: loan}\n"
	    "  - {id: x2, kind: plan, installments: {min: 7, max: 6}}\n"		/* 10 */
	    "  - {id: x3, kind: plan, installments: {min: 2, max: 6, default: 8}, "
	    "frequency: daily, first_due: 1w}\n"
	    "  - {id: x4, kind: plan, installments: 3, first_due: 61d, min_installment: \"50,00\", "
	    "valid_days: 0, grace_days: 31}\n"
	    "  - {id: x5, kind: settlement, pay_days: 91}\n"
	    "  - {id: x6, kind: extension, days: 0, color: red}\n"
	    "  - just_a_word\n"							/* 15 */
	    "  - {id: x7, kind: plan, installments: [2, 3]}\n"
	    "  - {id: x8, kind: plan}\n"
	    "steps:\n"
	    "  - {name: s, at: 0d, stage: offer, channels: [sms], template: t}\n";

	(void)state;
	expect_string_errors("o.yaml", y, 24,
	    "o.yaml:5:47: offers[0].discount_percent: not a key of a plan offer",
	    "o.yaml:6:10: offers[1].id: 'Cuotas2' must be 1 to 64 characters of a-z 0-9 _",
	    "o.yaml:6:45: offers[1].installments: 1 is out of range (2 to 60)",
	    "o.yaml:7:10: offers[2].id: duplicate offer id 'cuotas' (first at line 5)",
	    "o.yaml:7:59: offers[2].days: not a key of a settlement offer",
	    "o.yaml:7:54: offers[2].discount_percent: 100 is out of range (1 to 99)",
	    "o.yaml:8:5: missing required key 'id' in offers[3]",
	    "o.yaml:8:5: missing required key 'days' in offers[3] (an extension offer)",
	    "o.yaml:9:20: offers[4].kind: unknown kind 'loan' (plan, settlement, extension)",
	    "o.yaml:10:40: offers[5].installments: min 7 is greater than max 6",
	    "o.yaml:11:66: offers[6].installments.default: 8 is not within min 2 and max 6",
	    "o.yaml:11:81: offers[6].frequency: unknown frequency 'daily' (weekly, biweekly, "
	    "monthly)",
	    "o.yaml:11:99: offers[6].first_due: '1w' is not a number of days such as 7d",
	    "o.yaml:12:97: offers[7].valid_days: 0 is out of range (1 to 90)",
	    "o.yaml:12:112: offers[7].grace_days: 31 is out of range (0 to 30)",
	    "o.yaml:12:54: offers[7].first_due: 61d is out of range (0d to 60d)",
	    "o.yaml:12:76: offers[7].min_installment: '50,00' is not a decimal amount such as "
	    "\"50.00\"",
	    "o.yaml:13:5: missing required key 'discount_percent' in offers[8] (a settlement "
	    "offer)",
	    "o.yaml:13:42: offers[8].pay_days: 91 is out of range (1 to 90)",
	    "o.yaml:14:40: unknown key 'color' in offers[9]",
	    "o.yaml:14:37: offers[9].days: 0 is out of range (1 to 90)",
	    "o.yaml:15:5: offers[10]: expected a mapping, found a scalar",
	    "o.yaml:16:40: offers[11].installments: expected a number or {min, max}, found a list",
	    "o.yaml:17:5: missing required key 'installments' in offers[12] (a plan offer)");
}

/* min_installment: in the minor unit of every currency the segment takes. */
static void
test_offer_min_installment_currency(void **state)
{
	static const char	 fmt[] =
	    "name: m\n"
	    "%s"
	    "offers:\n"
	    "  - {id: cuotas, kind: plan, installments: 3, min_installment: \"%s\"}\n"
	    "steps:\n"
	    "  - {name: s, at: 0d, stage: offer, channels: [sms], template: t, offers: [cuotas]}\n";
	struct od_policy_set	 set = { NULL, 0 };
	struct od_errors	 errs;
	const struct od_policy	*p;
	char			 y[512];

	(void)state;
	/* CLP has no minor unit: "20.000" is not twenty thousand pesos */
	snprintf(y, sizeof(y), fmt, "segment:\n  currencies: [CLP]\n", "20.000");
	expect_string_errors("cl.yaml", y, 1, "cl.yaml:5:64: offers[0].min_installment: '20.000' "
	    "has a decimal part, but CLP has no minor unit (ISO 4217); '.' is not a thousands "
	    "separator here: write whole units");
	snprintf(y, sizeof(y), fmt, "segment:\n  currencies: [PEN, USD]\n", "50.005");
	expect_string_errors("pe.yaml", y, 1, "pe.yaml:5:64: offers[0].min_installment: '50.005' "
	    "has 3 decimal places, but PEN has 2 (ISO 4217)");
	snprintf(y, sizeof(y), fmt, "segment:\n  currencies: [CLP]\n", "20000");
	p = load_string_ok(y, &set, &errs);
	assert_string_equal(p->offers[0].min_installment, "20000");	/* kept as written */
	od_errors_clear(&errs);
	od_policy_set_free(&set);
	/* no currencies in the segment: any decimal amount */
	snprintf(y, sizeof(y), fmt, "", "50.005");
	p = load_string_ok(y, &set, &errs);
	assert_string_equal(p->offers[0].min_installment, "50.005");
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

/* A step's offers: name the policy's offers, each once; only steps: have them. */
static void
test_step_offers(void **state)
{
	static const char	 unknown[] =
	    "name: s\n"
	    "offers:\n"
	    "  - {id: cuotas, kind: plan, installments: 3}\n"
	    "steps:\n"
	    "  - {name: offer_plan, at: 0d, stage: offer, channels: [sms], template: t,\n"
	    "     offers: [cuotas, descuento, cuotas]}\n"
	    "plan_steps:\n"
	    "  - {name: ok, at: accepted, channels: [sms], template: t}\n";
	static const char	 none[] =
	    "name: s\n"
	    "steps:\n"
	    "  - {name: offer_plan, at: 0d, stage: offer, channels: [sms], template: t, "
	    "offers: [cuotas]}\n";
	static const char	 scalar[] =
	    "name: s\n"
	    "offers: {id: cuotas}\n"
	    "steps:\n"
	    "  - {name: offer_plan, at: 0d, stage: offer, channels: [sms], template: t, "
	    "offers: cuotas}\n";

	(void)state;
	expect_string_errors("s.yaml", unknown, 2,
	    "s.yaml:6:23: offers: unknown offer 'descuento' (cuotas)",
	    "s.yaml:6:34: offers: 'cuotas' is listed twice");
	expect_string_errors("s.yaml", none, 1,
	    "s.yaml:3:85: offers: unknown offer 'cuotas' (the policy's offers: lists none)");
	expect_string_errors("s.yaml", scalar, 2,
	    "s.yaml:2:9: offers: expected a list of offers, found a mapping",
	    "s.yaml:4:84: offers: expected a list of offer ids, found a scalar");
}

/* promises:, its bounds and its step to go on at. */
static void
test_promises_errors(void **state)
{
	static const char	 y[] =
	    "name: pr\n"
	    "steps:\n"
	    "  - {name: reminder_due, at: 0d, stage: reminder, channels: [sms], template: t}\n"
	    "  - {name: final_notice, at: +30d, stage: final, channels: [sms], template: t}\n"
	    "promises:\n"						/* 5 */
	    "  grace_days: 31\n"
	    "  kept_threshold_percent: 0\n"
	    "  max_broken: 21\n"
	    "  max_days: 0\n"
	    "  after_max_broken: final\n"				/* 10 */
	    "  grace: 2\n"
	    "  steps:\n"
	    "    - {name: reminder_due, at: made, channels: [sms], template: t}\n"
	    "    - {name: p2, at: broken, channels: [sms]}\n"
	    "plan_steps: {name: q}\n";					/* 15 */
	static const char	 shape[] =
	    "name: pr\n"
	    "steps:\n"
	    "  - {name: reminder_due, at: 0d, stage: reminder, channels: [sms], template: t}\n"
	    "promises: [grace_days]\n";
	static const char	 good[] =
	    "name: pr\n"
	    "steps:\n"
	    "  - {name: reminder_due, at: 0d, stage: reminder, channels: [sms], template: t}\n"
	    "promises:\n"
	    "  grace_days: 0\n"
	    "  max_broken: 0\n"
	    "  after_max_broken: reminder_due\n"
	    "  steps: []\n";
	struct od_policy_set	 set = { NULL, 0 };
	struct od_errors	 errs;
	const struct od_policy	*p;

	(void)state;
	expect_string_errors("pr.yaml", y, 9,
	    "pr.yaml:11:3: unknown key 'grace' in promises",
	    "pr.yaml:6:15: promises.grace_days: 31 is out of range (0 to 30)",
	    "pr.yaml:7:27: promises.kept_threshold_percent: 0 is out of range (1 to 100)",
	    "pr.yaml:8:15: promises.max_broken: 21 is out of range (0 to 20)",
	    "pr.yaml:9:13: promises.max_days: 0 is out of range (1 to 365)",
	    "pr.yaml:10:21: promises.after_max_broken: no step 'final' in steps: (reminder_due, "
	    "final_notice)",
	    "pr.yaml:13:14: duplicate step name 'reminder_due' (first at line 3)",
	    "pr.yaml:14:7: missing required key 'template' in step 'p2'",
	    "pr.yaml:15:13: plan_steps: expected a list of steps, found a mapping");
	expect_string_errors("pr.yaml", shape, 1,
	    "pr.yaml:4:11: promises: expected a mapping, found a list");
	/* 0 grace days and no limit on broken promises are allowed */
	p = load_string_ok(good, &set, &errs);
	assert_int_equal(p->promises.grace_days, 0);
	assert_int_equal(p->promises.max_broken, 0);
	assert_int_equal(p->promises.after_index, 0);
	assert_int_equal(p->promises.nsteps, 0);
	od_errors_clear(&errs);
	od_policy_set_free(&set);
}

/* Loaded, but likely a mistake: an offer no step makes. */
static void
test_offer_made_by_no_step(void **state)
{
	static const char	 y[] =
	    "name: w\n"
	    "offers:\n"
	    "  - {id: cuotas, kind: plan, installments: 3}\n"
	    "  - {id: pronto, kind: settlement, discount_percent: 10}\n"
	    "plan_steps:\n"
	    "  - {name: confirm, at: accepted, channels: [email], template: t}\n"
	    "steps:\n"
	    "  - {name: offer_plan, at: 0d, stage: offer, channels: [sms], template: t, "
	    "offers: [cuotas]}\n";
	struct od_policy_set	 set = { NULL, 0 };
	struct od_errors	 errs;

	(void)state;
	load_string_ok(y, &set, &errs);
	assert_int_equal(errs.nwarns, 1);
	assert_string_equal(errs.warns[0], "p.yaml:4:5: offer 'pronto' is made by no step (list "
	    "it in a step's offers:)");
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
		cmocka_unit_test(test_lifecycle_parsed),
		cmocka_unit_test(test_lifecycle_defaults),
		cmocka_unit_test(test_anchors_per_list),
		cmocka_unit_test(test_handoff_rules),
		cmocka_unit_test(test_offer_errors),
		cmocka_unit_test(test_offer_min_installment_currency),
		cmocka_unit_test(test_step_offers),
		cmocka_unit_test(test_promises_errors),
		cmocka_unit_test(test_offer_made_by_no_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
