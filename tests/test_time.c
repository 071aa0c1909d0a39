#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "od_time.h"

static void
test_civil_roundtrip(void **state)
{
	(void)state;
	assert_int_equal(od_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(od_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(od_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(od_days_from_civil(2026, 12, 1), 20788);
	/* every day from 1900 to 2100 round-trips and follows the one before */
	for (int64_t d = od_days_from_civil(1900, 1, 1); d <= od_days_from_civil(2100, 12, 31); d++) {
		int y, m, dd;

		od_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(od_days_from_civil(y, m, dd), d);
		assert_true(dd >= 1 && dd <= od_days_in_month(y, m));
	}
}

static void
test_weekday_and_month(void **state)
{
	(void)state;
	assert_int_equal(od_weekday(0), 4);				/* Thursday */
	assert_int_equal(od_weekday(od_days_from_civil(2026, 12, 1)), 2);	/* Tuesday */
	assert_int_equal(od_weekday(od_days_from_civil(1969, 12, 28)), 0);	/* Sunday */
	assert_int_equal(od_days_in_month(2028, 2), 29);
	assert_int_equal(od_days_in_month(2026, 2), 28);
	assert_int_equal(od_days_in_month(1900, 2), 28);
	assert_int_equal(od_days_in_month(2000, 2), 29);
	assert_int_equal(od_days_in_month(2026, 4), 30);
	assert_int_equal(od_days_in_month(2026, 13), 0);
}

static void
test_date_parse(void **state)
{
	int y, m, d;

	(void)state;
	assert_int_equal(od_date_parse("2026-12-01", &y, &m, &d), 0);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 12);
	assert_int_equal(d, 1);
	assert_int_equal(od_date_parse("2028-02-29", &y, &m, &d), 0);
	assert_int_equal(od_date_parse("2026-02-29", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("2026-04-31", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("2026-13-01", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("2026-00-10", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("2026-1-01", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("2026-12-01T00:00", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("26-12-01", &y, &m, &d), -1);
	assert_int_equal(od_date_parse("", &y, &m, &d), -1);
	assert_int_equal(od_date_parse(NULL, &y, &m, &d), -1);
}

static void
test_duration_parse(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(od_duration_parse("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(od_duration_parse("5m", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(od_duration_parse("90m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(od_duration_parse("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(od_duration_parse("-3d", &ms), 0);
	assert_int_equal(ms, -259200000);
	assert_int_equal(od_duration_parse("+1d", &ms), 0);
	assert_int_equal(ms, 86400000);
	assert_int_equal(od_duration_parse("0d", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(od_duration_parse("+1d12h", &ms), 0);
	assert_int_equal(ms, 129600000);
	assert_int_equal(od_duration_parse("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(od_duration_parse("1m30s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(od_duration_parse("-1d12h", &ms), 0);
	assert_int_equal(ms, -129600000);

	assert_int_equal(od_duration_parse("", &ms), -1);
	assert_int_equal(od_duration_parse("-", &ms), -1);
	assert_int_equal(od_duration_parse("3", &ms), -1);
	assert_int_equal(od_duration_parse("d", &ms), -1);
	assert_int_equal(od_duration_parse("3w", &ms), -1);
	assert_int_equal(od_duration_parse("3d ", &ms), -1);
	assert_int_equal(od_duration_parse(" 3d", &ms), -1);
	assert_int_equal(od_duration_parse("1d-2h", &ms), -1);
	assert_int_equal(od_duration_parse("1.5h", &ms), -1);
	assert_int_equal(od_duration_parse("99999999999999999999d", &ms), -1);
	assert_int_equal(od_duration_parse(NULL, &ms), -1);
}

static void
test_iso_format(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(od_time_format_iso(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000Z");
	assert_string_equal(od_time_format_iso(1796133600000LL, buf, sizeof(buf)),
	    "2026-12-01T14:00:00.000Z");
	assert_string_equal(od_time_format_iso(1796133600123LL, buf, sizeof(buf)),
	    "2026-12-01T14:00:00.123Z");
	assert_string_equal(od_time_format_iso(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999Z");
}

static void
test_iso_parse(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00:00.000Z", &ms), 0);
	assert_int_equal(ms, 1796133600000LL);
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00Z", &ms), 0);
	assert_int_equal(ms, 1796133600000LL);
	assert_int_equal(od_time_parse_iso("2026-12-01T09:00:00-05:00", &ms), 0);
	assert_int_equal(ms, 1796133600000LL);
	assert_int_equal(od_time_parse_iso("2026-12-01T15:30:00+01:30", &ms), 0);
	assert_int_equal(ms, 1796133600000LL);
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00:00.5Z", &ms), 0);
	assert_int_equal(ms, 1796133600500LL);
	assert_int_equal(od_time_parse_iso("2026-12-02T10:00:00Z", &ms), 0);
	assert_int_equal(ms, 1796205600000LL);

	assert_int_equal(od_time_parse_iso("2026-12-01", &ms), -1);
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00:00", &ms), -1);	/* no zone */
	assert_int_equal(od_time_parse_iso("2026-12-01 14:00:00Z", &ms), -1);
	assert_int_equal(od_time_parse_iso("2026-12-01T24:00:00Z", &ms), -1);
	assert_int_equal(od_time_parse_iso("2026-02-30T10:00:00Z", &ms), -1);
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00:00.Z", &ms), -1);
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00:00+0500", &ms), -1);
	assert_int_equal(od_time_parse_iso("2026-12-01T14:00:00Zjunk", &ms), -1);
}

static void
test_clock_offset(void **state)
{
	int64_t real, now, target = 1796133600000LL;

	(void)state;
	od_clock_set_offset_ms(0);
	real = od_now_ms();
	od_clock_set_now_ms(target);
	now = od_now_ms();
	assert_true(now >= target && now < target + 5000);
	assert_true(od_clock_offset_ms() < 0 || real < target);
	od_clock_set_offset_ms(3600000);
	now = od_now_ms();
	assert_true(now - real >= 3600000 && now - real < 3605000);
	od_clock_set_offset_ms(0);
	assert_true(od_monotonic_ms() > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_roundtrip),
		cmocka_unit_test(test_weekday_and_month),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_iso_format),
		cmocka_unit_test(test_iso_parse),
		cmocka_unit_test(test_clock_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
