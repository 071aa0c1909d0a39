/*
 * Integration: the debtor's law and calendar on the real daemon.
 *
 * A portfolio of Peruvian, Colombian, Chilean and US debtors all forced
 * onto one PE policy (tests/data/countries-it/policy): each debtor is still
 * held to their own country's preset, and the policy's PE preset applies
 * on top (both must allow; docs/contact-rules.md).  And the holiday
 * calendars: the shipped 2028 data is honoured, and past the calendar's end
 * (covers: to 2028-12-31) nothing is sent: calendar_missing.
 *
 * Facts (/work/shared/reference/contact-rules.md; config/jurisdictions):
 * PE Mon-Fri 07:00-20:00 (Ley 29571 art. 62(b)); CO Mon-Fri 07:00-19:00,
 * Sat 08:00-15:00 (Ley 2300 de 2023 art. 8); CL working days 08:00-20:00
 * (Ley 21.320); US 08:00-21:00 local (Reg F, 12 CFR 1006.6(b)(1)(i)).
 * 2026-03-09 is a Monday (Lima, Bogota UTC-5; Santiago UTC-3 until 5 April;
 * New York UTC-4 since 8 March).  2026-03-23 is Colombia's San José (moved
 * to Monday), not a holiday in Peru.  2028-07-28 (a Friday) is Peru's
 * Fiestas Patrias.
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

#include "od_testenv.h"

#define POLICY_DIR	OD_TEST_DATA "/countries-it/policy"
#define CHANNELS	"  sms: outbox\n  email: outbox\n  whatsapp: outbox\n"

static struct od_test_env	g_env;
static pid_t			g_pid;

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

/* Local time in Lima or Bogota (UTC-5 all year) as UTC ms. */
static long long
utc5(int y, int mon, int d, int h, int min)
{
	return od_test_utc_ms(y, mon, d, h + 5, min);
}

static void
run_once_at(const struct od_test_env *e, const char *log, long long at_ms)
{
	assert_true((g_pid = od_test_daemon_at(e, log, at_ms, 1)) > 0);
	assert_int_equal(od_test_process_wait(g_pid, 20000), 0);
	g_pid = 0;
}

static void
enqueue(const struct od_test_env *e, const char *id, const char *policy, const char *cc,
    const char *zone, const char *phone, const char *currency, const char *amount,
    const char *due)
{
	char	*body;

	assert_true(asprintf(&body,
	    "{\"account_id\":\"%s\",\"policy\":\"%s\","
	    "\"debtor\":{\"name\":\"Ana Torres\",\"id\":\"D%s\",\"phone\":\"%s\",\"locale\":\"es-PE\","
	    "\"timezone\":\"%s\",\"country\":\"%s\"},"
	    "\"debt\":{\"amount\":\"%s\",\"currency\":\"%s\",\"due_date\":\"%s\"},"
	    "\"consent\":{\"sms\":true}}", id, policy, id + 3, phone, zone, cc, amount, currency,
	    due) > 0);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

/* The account's only record must have this status and reason ("" for none). */
static void
expect_one(const struct od_test_env *e, const char *id, const char *status, const char *reason,
    const char *detail_part)
{
	json_t	*h = od_test_history(e, id), *r;

	if (json_array_size(h) != 1)
		fail_msg("%s: %zu records, not 1", id, json_array_size(h));
	r = json_array_get(h, 0);
	assert_string_equal(od_test_str(r, "status"), status);
	if (reason[0] != '\0')
		assert_string_equal(od_test_str(r, "reason"), reason);
	if (detail_part != NULL && strstr(od_test_str(r, "detail"), detail_part) == NULL)
		fail_msg("%s: detail \"%s\" lacks \"%s\"", id, od_test_str(r, "detail"),
		    detail_part);
	json_decref(h);
}

/*
 * Monday 19:30 in each debtor's zone, all on cit-evening (PE): Peru's
 * window is still open; Colombia's closed at 19:00, Chile's is closed at
 * 21:30 Santiago; a New York debtor is inside Reg F's hours (20:30) but
 * the policy's PE preset, applied in the debtor's zone, closed at 20:00.
 */
static void
test_forced_policy(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*out;

	(void)state;
	assert_int_equal(od_test_env_start_with(ep, "itcountries", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
	enqueue(ep, "PE-1", "cit-evening", "PE", "America/Lima", "+51987000111", "PEN", "100.00",
	    "2026-03-09");
	enqueue(ep, "CO-1", "cit-evening", "CO", "America/Bogota", "+573001234567", "COP",
	    "150000.00", "2026-03-09");
	enqueue(ep, "CL-1", "cit-evening", "CL", "America/Santiago", "+56912345678", "CLP",
	    "150000", "2026-03-09");
	enqueue(ep, "US-1", "cit-evening", "US", "America/New_York", "+12125550100", "USD",
	    "100.00", "2026-03-09");
	run_once_at(ep, "d1.log", utc5(2026, 3, 9, 19, 31));

	expect_one(ep, "PE-1", "sent", "", NULL);
	expect_one(ep, "CO-1", "suppressed", "window", "CO's window 07:00-19:00");
	expect_one(ep, "CL-1", "suppressed", "window", "CL's window 08:00-20:00");
	expect_one(ep, "US-1", "suppressed", "window", "PE's window 07:00-20:00");
	out = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(od_test_str(json_array_get(out, 0), "to"), "+51987000111");
	json_decref(out);
}

/* Colombia's San José (Monday 2026-03-23): the Colombian waits, the Peruvian does not. */
static void
test_debtor_holidays(void **state)
{
	struct od_test_env	*const ep = &g_env;

	(void)state;
	assert_int_equal(od_test_env_start_with(ep, "itcountries", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
	enqueue(ep, "PE-2", "cit-morning", "PE", "America/Lima", "+51987000111", "PEN", "100.00",
	    "2026-03-23");
	enqueue(ep, "CO-2", "cit-morning", "CO", "America/Bogota", "+573001234567", "COP",
	    "150000.00", "2026-03-23");
	run_once_at(ep, "d1.log", utc5(2026, 3, 23, 10, 1));
	expect_one(ep, "PE-2", "sent", "", NULL);
	expect_one(ep, "CO-2", "suppressed", "holiday", NULL);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);
}

/*
 * The calendars: 2028's Fiestas Patrias holds a Peruvian back, the day
 * before is a working day, and past the calendar's end (2028-12-31) a
 * Monday in 2029 sends nothing: calendar_missing, never a send on an
 * unknown date.
 */
static void
test_calendar_2028(void **state)
{
	struct od_test_env	*const ep = &g_env;

	(void)state;
	assert_int_equal(od_test_env_start_with(ep, "itcountries", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
	enqueue(ep, "PE-3", "cit-morning", "PE", "America/Lima", "+51987000111", "PEN", "100.00",
	    "2028-07-27");
	enqueue(ep, "PE-4", "cit-morning", "PE", "America/Lima", "+51987000222", "PEN", "100.00",
	    "2028-07-28");
	enqueue(ep, "PE-5", "cit-morning", "PE", "America/Lima", "+51987000333", "PEN", "100.00",
	    "2029-01-08");
	run_once_at(ep, "d1.log", utc5(2028, 7, 27, 10, 1));
	expect_one(ep, "PE-3", "sent", "", NULL);
	run_once_at(ep, "d2.log", utc5(2028, 7, 28, 10, 1));
	expect_one(ep, "PE-4", "suppressed", "holiday", "Fiestas Patrias");
	run_once_at(ep, "d3.log", utc5(2029, 1, 8, 10, 1));
	expect_one(ep, "PE-5", "suppressed", "calendar_missing", NULL);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_forced_policy, teardown),
		cmocka_unit_test_teardown(test_debtor_holidays, teardown),
		cmocka_unit_test_teardown(test_calendar_2028, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
