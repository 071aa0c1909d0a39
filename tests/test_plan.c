#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_config.h"
#include "od_plan.h"
#include "od_time.h"
#include "od_tz.h"

#define DAY	(86400 * (int64_t)1000)
#define HOUR	(3600 * (int64_t)1000)

/* An account with the given zone (NULL: none), phone, due date, amount and currency. */
/* od_plan_context's reason, for the tests that expect none. */
static char err[256];

static void
account(struct od_account *a, const char *tz, const char *phone, const char *due,
    const char *amount, const char *currency)
{
	char body[1024], reason[256];
	/* the debtor's country must own the zone (intake checks it against tzdata) */
	const char *cc = tz == NULL || strncmp(tz, "America/Lima", 12) == 0 ? "PE" :
	    strcmp(tz, "America/Santiago") == 0 ? "CL" : strcmp(tz, "Europe/Madrid") == 0 ? "ES" :
	    strcmp(tz, "America/New_York") == 0 ? "US" : "PE";

	snprintf(body, sizeof(body), "{\"account_id\": \"A-1001\", \"debtor\": {\"name\": "
	    "\"María Quispe Huamán\", %s%s%s \"email\": \"maria@example.pe\", \"locale\": \"es-PE\","
	    " \"country\": \"%s\"%s%s%s}, \"debt\": {\"amount\": \"%s\", \"currency\": \"%s\","
	    " \"due_date\": \"%s\", \"product\": \"consumer_loan\"}, \"attributes\": {\"risk_score\": 640}}",
	    phone ? "\"phone\": \"" : "", phone ? phone : "", phone ? "\"," : "", cc,
	    tz ? ", \"timezone\": \"" : "", tz ? tz : "", tz ? "\"" : "", amount, currency, due);
	if (od_account_parse(body, strlen(body), 0, a, reason, sizeof(reason)) != 0)
		fail_msg("%s", reason);
}

static struct od_step steps4[] = {
	{ .name = "pre", .offset_ms = -3 * DAY, .day_offset = 1, .stage = OD_STAGE_REMINDER },
	{ .name = "due", .offset_ms = 0, .day_offset = 1, .stage = OD_STAGE_NOTICE },
	{ .name = "offer", .offset_ms = 7 * DAY, .day_offset = 1, .stage = OD_STAGE_OFFER },
	{ .name = "final", .offset_ms = 30 * DAY, .day_offset = 1, .stage = OD_STAGE_FINAL },
};

static void
policy(struct od_policy *p, struct od_step *steps, size_t n, int send_at_min)
{
	memset(p, 0, sizeof(*p));
	p->name = "pe-consumer";
	p->send_at_min = send_at_min;
	p->steps = steps;
	p->nsteps = n;
}

/* The ISO time of step i, or "unknown". */
static const char *
step_at(const struct od_account *a, const struct od_policy *p, size_t i, char *buf)
{
	int64_t ms;

	if (od_plan_step_time(a, p, i, &ms) < 0)
		return "unknown";
	return od_time_format_iso(ms, buf, 32);
}

static const char *
one_step(const char *tz, const char *due, int64_t offset, int day_offset, int send_at, char *buf)
{
	struct od_account a;
	struct od_policy p;
	struct od_step s = { .name = "s", .offset_ms = offset, .day_offset = day_offset,
	    .stage = OD_STAGE_NOTICE };

	account(&a, tz, "+51987654321", due, "100.00", "PEN");
	policy(&p, &s, 1, send_at);
	step_at(&a, &p, 0, buf);
	od_account_clear(&a);
	return buf;
}

static void
test_month_ends(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(one_step("America/Lima", "2026-01-31", DAY, 1, 540, b), "2026-02-01T14:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-02-28", DAY, 1, 540, b), "2026-03-01T14:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2028-02-28", DAY, 1, 540, b), "2028-02-29T14:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-12-31", DAY, 1, 540, b), "2027-01-01T14:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-03-01", -3 * DAY, 1, 540, b), "2026-02-26T14:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2028-03-01", -1 * DAY, 1, 540, b), "2028-02-29T14:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-12-01", 0, 1, 630, b), "2026-12-01T15:30:00.000Z");
	/* the zone derived from +51 when none is given */
	assert_string_equal(one_step(NULL, "2026-12-01", 0, 1, 540, b), "2026-12-01T14:00:00.000Z");
	assert_string_equal(one_step("Europe/Madrid", "2026-12-01", 0, 1, 540, b), "2026-12-01T08:00:00.000Z");
}

static void
test_hour_offsets(void **state)
{
	char b[32];

	(void)state;
	/* from the due date's local midnight (05:00 UTC in Lima); send_at does not apply */
	assert_string_equal(one_step("America/Lima", "2026-12-01", DAY + 12 * HOUR, 0, 540, b), "2026-12-02T17:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-12-01", 36 * HOUR, 0, 540, b), "2026-12-02T17:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-12-01", -6 * HOUR, 0, 540, b), "2026-11-30T23:00:00.000Z");
	assert_string_equal(one_step("America/Lima", "2026-12-31", 30 * 60 * 1000, 0, 540, b), "2026-12-31T05:30:00.000Z");
}

static void
test_dst(void **state)
{
	char b[32];

	(void)state;
	/* Santiago springs forward on 2026-09-06: 00:00..00:59 do not exist */
	assert_string_equal(one_step("America/Santiago", "2026-09-06", 0, 1, 540, b), "2026-09-06T12:00:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2026-09-07", -1 * DAY, 1, 540, b), "2026-09-06T12:00:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2026-09-06", -1 * DAY, 1, 540, b), "2026-09-05T13:00:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2026-09-06", 0, 1, 30, b), "2026-09-06T04:00:00.000Z");
	/* the missing midnight is the first instant after the gap, 01:00 -03 */
	assert_string_equal(one_step("America/Santiago", "2026-09-06", 12 * HOUR, 0, 540, b), "2026-09-06T16:00:00.000Z");
	/* Santiago falls back at 2026-04-05 00:00 -03 to 04-04 23:00 -04 */
	assert_string_equal(one_step("America/Santiago", "2026-04-05", -1 * DAY, 1, 540, b), "2026-04-04T12:00:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2026-04-05", 0, 1, 540, b), "2026-04-05T13:00:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2026-04-04", 0, 1, 23 * 60 + 30, b), "2026-04-05T02:30:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2026-04-05", 12 * HOUR, 0, 540, b), "2026-04-05T16:00:00.000Z");
	/* and with the footer rule, 2040 */
	assert_string_equal(one_step("America/Santiago", "2040-09-02", 0, 1, 540, b), "2040-09-02T12:00:00.000Z");
	assert_string_equal(one_step("America/Santiago", "2040-09-01", 0, 1, 540, b), "2040-09-01T13:00:00.000Z");
	/* New York */
	assert_string_equal(one_step("America/New_York", "2026-03-08", 0, 1, 540, b), "2026-03-08T13:00:00.000Z");
	assert_string_equal(one_step("America/New_York", "2026-03-08", -1 * DAY, 1, 540, b), "2026-03-07T14:00:00.000Z");
	assert_string_equal(one_step("America/New_York", "2026-03-08", 12 * HOUR, 0, 540, b), "2026-03-08T17:00:00.000Z");
	assert_string_equal(one_step("America/New_York", "2026-11-01", 0, 1, 540, b), "2026-11-01T14:00:00.000Z");
	assert_string_equal(one_step("America/New_York", "2026-11-01", -1 * DAY, 1, 540, b), "2026-10-31T13:00:00.000Z");
	assert_string_equal(one_step("America/New_York", "2026-11-01", 0, 1, 90, b), "2026-11-01T05:30:00.000Z");
	assert_string_equal(one_step("America/New_York", "2045-03-12", 0, 1, 150, b), "2045-03-12T07:00:00.000Z");
}

static int64_t
at(const char *iso)
{
	int64_t ms;

	assert_int_equal(od_time_parse_iso(iso, &ms), 0);
	return ms;
}

static void
test_next_step(void **state)
{
	struct od_account a;
	struct od_policy p;
	int64_t due;
	size_t skipped;
	char b[32];

	(void)state;
	account(&a, "America/Lima", NULL, "2026-12-01", "1234.50", "PEN");
	policy(&p, steps4, 4, 540);
	assert_string_equal(step_at(&a, &p, 0, b), "2026-11-28T14:00:00.000Z");
	assert_string_equal(step_at(&a, &p, 3, b), "2026-12-31T14:00:00.000Z");
	assert_string_equal(step_at(&a, &p, 4, b), "unknown");

	/* before the first step */
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-11-20T00:00Z"), &due, &skipped), 0);
	assert_string_equal(od_time_format_iso(due, b, sizeof(b)), "2026-11-28T14:00:00.000Z");
	assert_int_equal(skipped, 0);
	/* the first is due, the second not yet: act on the first now */
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-11-30T20:00Z"), &due, &skipped), 0);
	assert_string_equal(od_time_format_iso(due, b, sizeof(b)), "2026-11-28T14:00:00.000Z");
	assert_int_equal(skipped, 0);
	/* between steps, the first done */
	assert_int_equal(od_plan_next(&a, &p, 1, at("2026-11-30T20:00Z"), &due, &skipped), 1);
	assert_string_equal(od_time_format_iso(due, b, sizeof(b)), "2026-12-01T14:00:00.000Z");
	/* the reminder is superseded the moment the due-date step falls due */
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-12-01T14:00Z"), &due, &skipped), 1);
	assert_string_equal(od_time_format_iso(due, b, sizeof(b)), "2026-12-01T14:00:00.000Z");
	assert_int_equal(skipped, 1);
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-12-01T13:59:59.999Z"), &due, &skipped), 0);
	assert_int_equal(skipped, 0);
	/* two superseded */
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-12-10T00:00Z"), &due, &skipped), 2);
	assert_string_equal(od_time_format_iso(due, b, sizeof(b)), "2026-12-08T14:00:00.000Z");
	assert_int_equal(skipped, 2);
	/* after the last: the last, in the past */
	assert_int_equal(od_plan_next(&a, &p, 0, at("2027-03-01T00:00Z"), &due, &skipped), 3);
	assert_string_equal(od_time_format_iso(due, b, sizeof(b)), "2026-12-31T14:00:00.000Z");
	assert_int_equal(skipped, 3);
	assert_int_equal(od_plan_next(&a, &p, 3, at("2027-03-01T00:00Z"), &due, &skipped), 3);
	assert_int_equal(skipped, 0);
	/* nothing left */
	assert_int_equal(od_plan_next(&a, &p, 4, at("2027-03-01T00:00Z"), &due, &skipped), -1);
	assert_int_equal(od_plan_next(&a, &p, 9, at("2026-11-01T00:00Z"), &due, &skipped), -1);
	p.nsteps = 0;
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-11-01T00:00Z"), &due, &skipped), -1);
	od_account_clear(&a);
}

static void
test_unknown_zone(void **state)
{
	struct od_account a;
	struct od_policy p;
	int64_t due = 42;
	size_t skipped = 7;
	json_t *ctx;

	(void)state;
	/* email only and no timezone: nothing to derive the zone from */
	account(&a, NULL, NULL, "2026-12-01", "1234.50", "PEN");
	policy(&p, steps4, 4, 540);
	assert_int_equal(od_plan_step_time(&a, &p, 0, &due), -1);
	assert_int_equal(due, 42);
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-11-20T00:00Z"), &due, &skipped), -2);
	/* days past due on the UTC date */
	assert_int_equal(od_plan_days_past_due(&a, at("2026-12-02T00:30Z")), 1);
	ctx = od_plan_context(&a, &p, &steps4[0], 0, NULL, at("2026-12-02T00:30Z"), err, sizeof(err));
	assert_string_equal(json_string_value(json_object_get(ctx, "today")), "2026-12-02");
	assert_null(json_object_get(json_object_get(ctx, "debtor"), "timezone"));
	json_decref(ctx);
	od_account_clear(&a);
	/* +1 on a PE account: another country's number says nothing of the clock */
	account(&a, NULL, "+12125550100", "2026-12-01", "1.00", "USD");
	assert_int_equal(od_plan_next(&a, &p, 0, at("2026-11-20T00:00Z"), &due, &skipped), -2);
	od_account_clear(&a);
}

static void
test_days_past_due(void **state)
{
	struct od_account a;

	(void)state;
	account(&a, "America/Lima", NULL, "2026-12-01", "1234.50", "PEN");
	assert_int_equal(od_plan_days_past_due(&a, at("2026-11-28T12:00Z")), -3);
	assert_int_equal(od_plan_days_past_due(&a, at("2026-12-01T05:00Z")), 0);
	assert_int_equal(od_plan_days_past_due(&a, at("2026-12-02T04:59:59Z")), 0);	/* 23:59 in Lima */
	assert_int_equal(od_plan_days_past_due(&a, at("2026-12-02T05:00Z")), 1);
	assert_int_equal(od_plan_days_past_due(&a, at("2027-03-01T05:00Z")), 90);
	od_account_clear(&a);
}

static char *
dump(const json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
}

static void
test_context_pen(void **state)
{
	struct od_account a;
	struct od_policy p;
	json_t *ctx, *company;
	char *s;

	(void)state;
	account(&a, "America/Lima", "+51987654321", "2026-12-01", "1234.5", "PEN");
	policy(&p, steps4, 4, 540);
	p.offer.installments = 3;
	p.offer.discount_percent = 10;
	p.offer.valid_days = 5;
	p.offer.payment_url = "https://pagos.example.pe/p/{{account_id}}?c=sms";
	company = json_pack("{s:s, s:s}", "name", "Financiera Andina", "payment_url",
	    "https://example.pe/pay");
	/* 2026-12-08 03:00Z is still the 7th in Lima */
	ctx = od_plan_context(&a, &p, &steps4[2], 0, company, at("2026-12-08T03:00Z"), err, sizeof(err));
	s = dump(ctx);
	assert_string_equal(s,
	    "{\"account_id\":\"A-1001\","
	    "\"attributes\":{\"risk_score\":640},"
	    "\"company\":{\"name\":\"Financiera Andina\",\"payment_url\":\"https://example.pe/pay\"},"
	    "\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"days_overdue\":6,"
	    "\"days_past_due\":6,\"days_to_due\":-6,\"due_date\":\"2026-12-01\","
	    "\"due_future\":false,\"due_past\":true,\"due_today\":false,\"due_tomorrow\":false,"
	    "\"outstanding\":\"1234.50\",\"paid\":\"0.00\","
	    "\"product\":\"consumer_loan\"},"
	    "\"debtor\":{\"country\":\"PE\",\"email\":\"maria@example.pe\",\"first_name\":\"Mar\\u00EDa\","
	    "\"locale\":\"es-PE\",\"name\":\"Mar\\u00EDa Quispe Huam\\u00E1n\",\"phone\":\"+51987654321\","
	    "\"timezone\":\"America/Lima\"},"
	    "\"offer\":{\"deadline\":\"2026-12-12\",\"discount_amount\":\"123.45\",\"discount_percent\":10,"
	    "\"discounted_amount\":\"1111.05\",\"installment_amount\":\"411.50\",\"installments\":3,"
	    "\"payment_url\":\"https://pagos.example.pe/p/A-1001?c=sms\"},"
	    "\"policy\":{\"name\":\"pe-consumer\"},"
	    "\"step\":{\"name\":\"offer\",\"stage\":\"offer\"},"
	    "\"today\":\"2026-12-07\"}");
	free(s);
	json_decref(ctx);

	/* after a payment of 234.50: 1000.00 left, 3 x 333.34 (rounded up) */
	ctx = od_plan_context(&a, &p, &steps4[3], 23450, company, at("2026-12-31T14:00Z"), err, sizeof(err));
	s = dump(json_object_get(ctx, "debt"));
	assert_string_equal(s, "{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"days_overdue\":30,"
	    "\"days_past_due\":30,\"days_to_due\":-30,\"due_date\":\"2026-12-01\","
	    "\"due_future\":false,\"due_past\":true,\"due_today\":false,\"due_tomorrow\":false,"
	    "\"outstanding\":\"1000.00\",\"paid\":\"234.50\","
	    "\"product\":\"consumer_loan\"}");
	free(s);
	s = dump(json_object_get(ctx, "offer"));
	assert_string_equal(s, "{\"deadline\":\"2027-01-05\",\"discount_amount\":\"100.00\","
	    "\"discount_percent\":10,\"discounted_amount\":\"900.00\",\"installment_amount\":\"333.34\","
	    "\"installments\":3,\"payment_url\":\"https://pagos.example.pe/p/A-1001?c=sms\"}");
	free(s);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "step"), "stage")), "final");
	json_decref(ctx);

	/* overpaid: nothing outstanding; no instalments, company's payment link */
	p.offer.installments = 0;
	p.offer.payment_url = NULL;
	ctx = od_plan_context(&a, &p, &steps4[1], 200000, company, at("2026-12-01T14:00Z"), err, sizeof(err));
	s = dump(json_object_get(ctx, "offer"));
	assert_string_equal(s, "{\"deadline\":\"2026-12-06\",\"discount_amount\":\"0.00\","
	    "\"discount_percent\":10,\"discounted_amount\":\"0.00\","
	    "\"payment_url\":\"https://example.pe/pay\"}");
	free(s);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "debt"), "outstanding")), "0.00");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "debt"), "paid")), "2000.00");
	json_decref(ctx);

	/* no offer in the policy: no offer object; no company: an empty one */
	p.offer.discount_percent = 0;
	ctx = od_plan_context(&a, &p, NULL, 0, NULL, at("2026-12-01T14:00Z"), err, sizeof(err));
	assert_null(json_object_get(ctx, "offer"));
	assert_null(json_object_get(ctx, "step"));
	assert_int_equal(json_object_size(json_object_get(ctx, "company")), 0);
	json_decref(ctx);
	json_decref(company);
	od_account_clear(&a);

	/* half up: 10% of 1234.55 is 123.455 -> 123.46 */
	account(&a, "America/Lima", NULL, "2026-12-01", "1234.55", "PEN");
	p.offer.discount_percent = 10;
	ctx = od_plan_context(&a, &p, NULL, 0, NULL, at("2026-12-01T14:00Z"), err, sizeof(err));
	s = dump(json_object_get(ctx, "offer"));
	assert_string_equal(s, "{\"deadline\":\"2026-12-06\",\"discount_amount\":\"123.46\","
	    "\"discount_percent\":10,\"discounted_amount\":\"1111.09\"}");
	free(s);
	json_decref(ctx);
	od_account_clear(&a);
}

static void
test_context_clp(void **state)
{
	struct od_account a;
	struct od_policy p;
	json_t *ctx;
	char body[1024], reason[256], *s;
	const char *doc = "{\"account_id\": \"cl:77@x\", \"debtor\": {\"name\": \"Juan\", "
	    "\"whatsapp\": \"+56912345678\", \"country\": \"CL\"}, \"debt\": {\"amount\": \"150000\","
	    " \"currency\": \"CLP\", \"due_date\": \"2026-09-01\"}}";

	(void)state;
	snprintf(body, sizeof(body), "%s", doc);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), 0);
	policy(&p, steps4, 4, 540);
	p.name = "cl-retail";
	p.offer.installments = 4;
	p.offer.discount_percent = 15;
	p.offer.valid_days = 10;
	p.offer.payment_url = "https://pagos.example.cl/{{account_id}}/{{account_id}}";
	/* paid 1: 149999 left; /4 = 37499.75 -> 37500; 15% = 22499.85 -> 22500 */
	ctx = od_plan_context(&a, &p, &steps4[2], 1, NULL, at("2026-09-08T12:00Z"), err, sizeof(err));
	s = dump(ctx);
	assert_string_equal(s,
	    "{\"account_id\":\"cl:77@x\",\"attributes\":{},\"company\":{},"
	    "\"debt\":{\"amount\":\"150000\",\"currency\":\"CLP\",\"days_overdue\":7,"
	    "\"days_past_due\":7,\"days_to_due\":-7,\"due_date\":\"2026-09-01\","
	    "\"due_future\":false,\"due_past\":true,\"due_today\":false,\"due_tomorrow\":false,"
	    "\"outstanding\":\"149999\",\"paid\":\"1\"},"
	    "\"debtor\":{\"country\":\"CL\",\"first_name\":\"Juan\",\"name\":\"Juan\","
	    "\"whatsapp\":\"+56912345678\"},"
	    "\"offer\":{\"deadline\":\"2026-09-18\",\"discount_amount\":\"22500\",\"discount_percent\":15,"
	    "\"discounted_amount\":\"127499\",\"installment_amount\":\"37500\",\"installments\":4,"
	    "\"payment_url\":\"https://pagos.example.cl/cl%3A77%40x/cl%3A77%40x\"},"
	    "\"policy\":{\"name\":\"cl-retail\"},\"step\":{\"name\":\"offer\",\"stage\":\"offer\"},"
	    "\"today\":\"2026-09-08\"}");
	free(s);
	json_decref(ctx);
	od_account_clear(&a);
}

/* The due date's keys at send time, on the debtor's local date (Lima, UTC-5). */
static void
test_context_due_relative(void **state)
{
	static const struct {
		const char	*now;
		int		 to_due, overdue, today, tomorrow, future, past;
	} cases[] = {
		{ "2026-12-01T14:00Z", 4, 0, 0, 0, 1, 0 },	/* Tuesday */
		{ "2026-12-04T14:00Z", 1, 0, 0, 1, 1, 0 },	/* Friday: tomorrow */
		{ "2026-12-05T04:59Z", 1, 0, 0, 1, 1, 0 },	/* 23:59 on Friday in Lima */
		{ "2026-12-05T05:00Z", 0, 0, 1, 0, 0, 0 },	/* Saturday 00:00 in Lima: today */
		{ "2026-12-06T04:59Z", 0, 0, 1, 0, 0, 0 },
		{ "2026-12-07T14:00Z", -2, 2, 0, 0, 0, 1 },	/* deferred to Monday */
		{ "2026-12-15T14:00Z", -10, 10, 0, 0, 0, 1 },
	};
	struct od_account a;
	struct od_policy p;
	json_t *ctx, *debt;
	size_t i;

	(void)state;
	account(&a, "America/Lima", "+51987654321", "2026-12-05", "100", "PEN");
	policy(&p, steps4, 4, 540);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctx = od_plan_context(&a, &p, NULL, 0, NULL, at(cases[i].now), err, sizeof(err));
		debt = json_object_get(ctx, "debt");
		if (json_integer_value(json_object_get(debt, "days_to_due")) != cases[i].to_due ||
		    json_integer_value(json_object_get(debt, "days_overdue")) != cases[i].overdue ||
		    json_integer_value(json_object_get(debt, "days_past_due")) != -cases[i].to_due ||
		    json_is_true(json_object_get(debt, "due_today")) != cases[i].today ||
		    json_is_true(json_object_get(debt, "due_tomorrow")) != cases[i].tomorrow ||
		    json_is_true(json_object_get(debt, "due_future")) != cases[i].future ||
		    json_is_true(json_object_get(debt, "due_past")) != cases[i].past)
			fail_msg("at %s: %s", cases[i].now, json_dumps(debt, JSON_SORT_KEYS));
		json_decref(ctx);
	}
	od_account_clear(&a);
}

static void
country_account(struct od_account *a, const char *cc, const char *tz, const char *currency)
{
	char body[512], reason[256];

	snprintf(body, sizeof(body), "{\"account_id\": \"%s-1\", \"debtor\": {\"name\": \"Ana\","
	    " \"email\": \"ana@example.com\", \"country\": \"%s\", \"timezone\": \"%s\"}, \"debt\": {\"amount\": \"100\","
	    " \"currency\": \"%s\", \"due_date\": \"2026-12-05\"}}", cc, cc, tz, currency);
	if (od_account_parse(body, strlen(body), 0, a, reason, sizeof(reason)) != 0)
		fail_msg("%s", reason);
}

/* company.* is the debtor's country's: by_country merged over the default. */
static void
test_context_company_by_country(void **state)
{
	static const char conf[] =
	    "company:\n"
	    "  name: \"Financiera Ejemplo S.A.C.\"\n"
	    "  phone: \"+51 1 700 0000\"\n"
	    "  hours: \"lunes a viernes\"\n"
	    "  payment_url: \"https://pagos.example.pe\"\n"
	    "  by_country:\n"
	    "    CO: {name: \"Financiera Ejemplo Colombia S.A.S.\", phone: \"+57 601 700 0000\",\n"
	    "         payment_url: \"https://pagos.example.com.co\"}\n";
	struct od_config cfg;
	struct od_errors errs;
	struct od_account a;
	struct od_policy p;
	json_t *ctx, *c;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_config_load_string("/tmp/x/outreachd.yaml", conf, strlen(conf), NULL,
	    &cfg, &errs), 0);
	policy(&p, steps4, 4, 540);
	p.offer.discount_percent = 10;
	p.offer.valid_days = 5;

	country_account(&a, "CO", "America/Bogota", "COP");
	ctx = od_plan_context(&a, &p, NULL, 0, cfg.company, at("2026-12-01T14:00Z"), err, sizeof(err));
	c = json_object_get(ctx, "company");
	assert_string_equal(json_string_value(json_object_get(c, "name")),
	    "Financiera Ejemplo Colombia S.A.S.");
	assert_string_equal(json_string_value(json_object_get(c, "phone")), "+57 601 700 0000");
	assert_string_equal(json_string_value(json_object_get(c, "hours")), "lunes a viernes");
	assert_null(json_object_get(c, "by_country"));
	/* the offer's link falls back to the country's payment page */
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "offer"),
	    "payment_url")), "https://pagos.example.com.co");
	json_decref(ctx);
	od_account_clear(&a);

	/* a Peruvian debtor, and one of a country with no entry: the default */
	account(&a, "America/Lima", "+51987654321", "2026-12-05", "100", "PEN");
	ctx = od_plan_context(&a, &p, NULL, 0, cfg.company, at("2026-12-01T14:00Z"), err, sizeof(err));
	c = json_object_get(ctx, "company");
	assert_string_equal(json_string_value(json_object_get(c, "phone")), "+51 1 700 0000");
	assert_null(json_object_get(c, "by_country"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "offer"),
	    "payment_url")), "https://pagos.example.pe");
	json_decref(ctx);
	od_account_clear(&a);
	country_account(&a, "MX", "America/Mexico_City", "MXN");
	ctx = od_plan_context(&a, &p, NULL, 0, cfg.company, at("2026-12-01T14:00Z"), err, sizeof(err));
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "company"),
	    "name")), "Financiera Ejemplo S.A.C.");
	json_decref(ctx);
	od_account_clear(&a);
	od_config_clear(&cfg);
	od_errors_clear(&errs);
}

/* A payment link longer than OD_PLAN_URL_MAX is refused with a reason, never cut short. */
static void
test_context_payment_url_too_long(void **state)
{
	struct od_account a;
	struct od_policy p;
	json_t *ctx;
	char tmpl[OD_PLAN_URL_MAX + 64], body[1024], reason[256];
	const char *doc = "{\"account_id\": \"cl:77@x\", \"debtor\": {\"name\": \"Juan\", "
	    "\"whatsapp\": \"+56912345678\", \"country\": \"CL\"}, \"debt\": {\"amount\": \"150000\","
	    " \"currency\": \"CLP\", \"due_date\": \"2026-09-01\"}}";
	size_t n;

	(void)state;
	snprintf(body, sizeof(body), "%s", doc);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), 0);
	policy(&p, steps4, 4, 540);
	p.offer.installments = 4;
	p.offer.valid_days = 10;
	/* 2048 bytes exactly once "cl:77@x" is "cl%3A77%40x" (11 bytes): accepted */
	n = OD_PLAN_URL_MAX - 11 - strlen("https://p.example.cl/?id=");
	snprintf(tmpl, sizeof(tmpl), "https://p.example.cl/%0*d?id={{account_id}}", (int)n, 0);
	p.offer.payment_url = tmpl;
	ctx = od_plan_context(&a, &p, &steps4[2], 0, NULL, at("2026-09-08T12:00Z"), err, sizeof(err));
	assert_non_null(ctx);
	assert_int_equal(strlen(json_string_value(json_object_get(json_object_get(ctx, "offer"),
	    "payment_url"))), OD_PLAN_URL_MAX);
	json_decref(ctx);
	/* one byte more: no context, and the reason says why */
	snprintf(tmpl, sizeof(tmpl), "https://p.example.cl/%0*d?id={{account_id}}", (int)n + 1, 0);
	err[0] = '\0';
	assert_null(od_plan_context(&a, &p, &steps4[2], 0, NULL, at("2026-09-08T12:00Z"), err,
	    sizeof(err)));
	assert_string_equal(err, "offer.payment_url is 2049 bytes with the account id; at most 2048");
	od_account_clear(&a);
}

static void
test_context_has(void **state)
{
	static const char *const yes[] = {
		"account_id", "today", "debtor.name", "debtor.first_name", "debtor.phone",
		"debtor.email", "debtor.whatsapp", "debtor.locale", "debtor.country",
		"debtor.timezone", "debt.amount", "debt.outstanding", "debt.paid", "debt.currency",
		"debt.due_date", "debt.product", "debt.days_past_due", "debt.days_to_due",
		"debt.days_overdue", "debt.due_today", "debt.due_tomorrow", "debt.due_future",
		"debt.due_past", "offer.installments",
		"offer.installment_amount", "offer.discount_percent", "offer.discount_amount",
		"offer.discounted_amount", "offer.deadline", "offer.payment_url", "step.name",
		"step.stage", "policy.name", "attributes.risk_score", "company.name",
		"company.support_phone",
	};
	static const char *const no[] = {
		"debtor.phone2", "debt.interest", "offer.url", "attributes.", "company.", "debtor",
		"attributes", "company", "step.offset", "name", "", "account",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!od_plan_context_has(yes[i]))
			fail_msg("%s should be in the context", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (od_plan_context_has(no[i]))
			fail_msg("%s should not be in the context", no[i]);
	assert_int_equal(od_plan_context_has(NULL), 0);
}

static int
teardown(void **state)
{
	(void)state;
	od_tz_cache_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_ends),
		cmocka_unit_test(test_hour_offsets),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_next_step),
		cmocka_unit_test(test_unknown_zone),
		cmocka_unit_test(test_days_past_due),
		cmocka_unit_test(test_context_pen),
		cmocka_unit_test(test_context_clp),
		cmocka_unit_test(test_context_due_relative),
		cmocka_unit_test(test_context_company_by_country),
		cmocka_unit_test(test_context_payment_url_too_long),
		cmocka_unit_test(test_context_has),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
