/*
 * test_locale: money and dates as the debtor reads them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "od_buf.h"
#include "od_locale.h"

static void
expect_money(const char *locale, const char *currency, const char *amount, const char *want)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (od_locale_money(locale, currency, amount, &b) != 0)
		fail_msg("od_locale_money(%s, %s, %s) failed", locale, currency, amount);
	assert_string_equal(b.data, want);
	od_buf_free(&b);
}

static void
expect_money_bad(const char *locale, const char *currency, const char *amount)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (od_locale_money(locale, currency, amount, &b) != -1)
		fail_msg("od_locale_money(%s, %s, %s) accepted it: '%s'", locale, currency,
		    amount, b.data ? b.data : "");
	assert_int_equal(b.len, 0);
	od_buf_free(&b);
}

static void
expect_minor(const char *locale, const char *currency, int64_t minor, const char *want)
{
	struct od_buf	b;

	od_buf_init(&b);
	assert_int_equal(od_locale_money_minor(locale, currency, minor, &b), 0);
	assert_string_equal(b.data, want);
	od_buf_free(&b);
}

static void
expect_date(const char *locale, const char *iso, const char *want)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (od_locale_date(locale, iso, &b) != 0)
		fail_msg("od_locale_date(%s, %s) failed", locale, iso);
	assert_string_equal(b.data, want);
	od_buf_free(&b);
}

static void
expect_date_short(const char *locale, const char *iso, const char *want)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (od_locale_date_short(locale, iso, &b) != 0)
		fail_msg("od_locale_date_short(%s, %s) failed", locale, iso);
	assert_string_equal(b.data, want);
	od_buf_free(&b);
	od_buf_init(&b);
	assert_int_equal(od_locale_date_short(locale, "2026-02-30", &b), -1);
	od_buf_free(&b);
}

static void
expect_date_bad(const char *iso)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (od_locale_date("es-PE", iso, &b) != -1)
		fail_msg("od_locale_date accepted '%s'", iso);
	od_buf_free(&b);
}

static void
test_money_es_pe(void **state)
{
	(void)state;
	expect_money("es-PE", "PEN", "1234.5", "S/ 1,234.50");
	expect_money("es-PE", "PEN", "1234.50", "S/ 1,234.50");
	expect_money("es-PE", "PEN", "0.99", "S/ 0.99");
	expect_money("es-PE", "PEN", "0", "S/ 0.00");
	expect_money("es-PE", "PEN", "100", "S/ 100.00");
	expect_money("es-PE", "PEN", "999.9", "S/ 999.90");
	expect_money("es-PE", "PEN", "1000", "S/ 1,000.00");
	expect_money("es-PE", "PEN", "1234567.89", "S/ 1,234,567.89");
	expect_money("es-PE", "PEN", "0001234.5", "S/ 1,234.50");
	expect_money("es-PE", "PEN", "12.500", "S/ 12.50");
	/* dollar loans are common in Peru */
	expect_money("es-PE", "USD", "1234.5", "US$ 1,234.50");
	/* a currency Peru has no symbol for: separators of the region, code after */
	expect_money("es-PE", "EUR", "1234.5", "1,234.50 EUR");
}

static void
test_money_es_other_regions(void **state)
{
	(void)state;
	/* COP: pesos as Colombians write them; the cents only when there are some */
	expect_money("es-CO", "COP", "1234567", "$ 1.234.567");
	expect_money("es-CO", "COP", "1234567.00", "$ 1.234.567");
	expect_money("es-CO", "COP", "1234.5", "$ 1.234,50");
	expect_money("es-CO", "COP", "1500000", "$ 1.500.000");
	expect_money("es-CO", "COP", "0", "$ 0");
	expect_money("es-CO", "USD", "20", "US$ 20,00");
	expect_money("es-MX", "MXN", "1234.5", "$1,234.50");
	expect_money("es-MX", "MXN", "1234", "$1,234.00");
	expect_money("es-CL", "CLP", "1234", "$1.234");
	expect_money("es-CL", "CLP", "1234567", "$1.234.567");
	expect_money("es-CL", "CLP", "1234.00", "$1.234");
	expect_money("es-CL", "USD", "1234.5", "US$1.234,50");
	/* Spanish without a region we know: 1.234,50 and the ISO code */
	expect_money("es", "EUR", "1234.5", "1.234,50 EUR");
	expect_money("es-ES", "EUR", "1234.5", "1.234,50 EUR");
	expect_money("es-AR", "PEN", "1234.5", "1.234,50 PEN");
	expect_money("es_PE", "PEN", "5", "S/ 5.00");
}

static void
test_money_en(void **state)
{
	(void)state;
	expect_money("en", "PEN", "1234.5", "S/ 1,234.50");
	expect_money("en", "USD", "1234.5", "US$1,234.50");
	expect_money("en", "COP", "1234.5", "COL$1,234.50");
	expect_money("en", "MXN", "1234.5", "MX$1,234.50");
	expect_money("en", "CLP", "1234", "CLP$1,234");
	expect_money("en", "EUR", "7.1", "\xe2\x82\xac" "7.10");
	/* en-US writes its own dollars with a bare $, others as in en */
	expect_money("en-US", "USD", "0.5", "$0.50");
	expect_money("en-US", "USD", "1234.5", "$1,234.50");
	expect_money("en_US", "USD", "1234.5", "$1,234.50");
	expect_money("en-US", "PEN", "1234.5", "S/ 1,234.50");
	expect_money("en-GB", "USD", "1234.5", "US$1,234.50");
	/* other languages are written the English way */
	expect_money("pt-BR", "USD", "10", "US$10.00");
}

static void
test_money_bad(void **state)
{
	(void)state;
	expect_money_bad("es-PE", "PEN", "abc");
	expect_money_bad("es-PE", "PEN", "");
	expect_money_bad("es-PE", "PEN", "-5");
	expect_money_bad("es-PE", "PEN", "+5");
	expect_money_bad("es-PE", "PEN", "1.");
	expect_money_bad("es-PE", "PEN", ".5");
	expect_money_bad("es-PE", "PEN", "1,234.50");
	expect_money_bad("es-PE", "PEN", "1e3");
	expect_money_bad("es-PE", "PEN", " 12");
	expect_money_bad("es-PE", "PEN", "1.234");	/* a third digit PEN does not have */
	expect_money_bad("es-CL", "CLP", "10.5");	/* CLP has none */
	expect_money_bad("es-PE", "XYZ", "10");
	expect_money_bad("es-PE", NULL, "10");
	expect_money_bad("es-PE", "PEN", NULL);
}

static void
test_money_minor(void **state)
{
	struct od_buf	b;

	(void)state;
	expect_minor("es-PE", "PEN", 123450, "S/ 1,234.50");
	expect_minor("es-PE", "PEN", 5, "S/ 0.05");
	expect_minor("es-PE", "PEN", 0, "S/ 0.00");
	expect_minor("es-CL", "CLP", 1234, "$1.234");
	expect_minor("es-CO", "COP", 150000000, "$ 1.500.000");
	expect_minor("es-CO", "COP", 150000001, "$ 1.500.000,01");
	expect_minor("en-US", "USD", 123450, "$1,234.50");
	expect_minor("en", "USD", INT64_MAX, "US$92,233,720,368,547,758.07");
	od_buf_init(&b);
	assert_int_equal(od_locale_money_minor("es-PE", "PEN", -1, &b), -1);
	assert_int_equal(od_locale_money_minor("es-PE", "ABC", 1, &b), -1);
	od_buf_free(&b);
}

static void
test_dates(void **state)
{
	(void)state;
	expect_date("es-PE", "2026-12-01", "1 de diciembre de 2026");
	expect_date("es-CO", "2026-01-31", "31 de enero de 2026");
	expect_date("es", "2027-09-09", "9 de septiembre de 2027");
	expect_date("es-PE", "2028-02-29", "29 de febrero de 2028");
	expect_date("en", "2026-12-01", "December 1, 2026");
	expect_date("en-US", "2026-07-28", "July 28, 2026");
	expect_date("pt-BR", "2026-03-05", "March 5, 2026");
	expect_date_short("es-PE", "2026-12-01", "1 dic 2026");
	expect_date_short("es-MX", "2027-09-09", "9 sep 2027");
	expect_date_short("en-US", "2026-07-28", "Jul 28, 2026");
	expect_date_short("en", "2027-01-08", "Jan 8, 2027");
	expect_date_bad("2026-02-29");
	expect_date_bad("2100-02-29");
	expect_date_bad("2026-13-01");
	expect_date_bad("2026-00-10");
	expect_date_bad("2026-04-31");
	expect_date_bad("2026-1-01");
	expect_date_bad("2026-12-01T10:00:00Z");
	expect_date_bad("01/12/2026");
	expect_date_bad("");
	expect_date_bad(NULL);
}

static void
expect_relative(const char *locale, const char *today, const char *iso, const char *want)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (od_locale_relative(locale, today, iso, &b) != 0)
		fail_msg("od_locale_relative(%s, %s, %s) failed", locale, today, iso);
	assert_string_equal(b.data, want);
	od_buf_free(&b);
}

/* The due date said from the day of sending: 2026-12-05 is a Saturday. */
static void
test_relative(void **state)
{
	struct od_buf	b;

	(void)state;
	expect_relative("es-PE", "2026-12-05", "2026-12-05", "hoy");
	expect_relative("es-CO", "2026-12-04", "2026-12-05", "ma\xc3\xb1""ana");
	expect_relative("es-MX", "2026-12-01", "2026-12-05", "el s\xc3\xa1""bado 5 de diciembre");
	expect_relative("es-CL", "2026-12-01", "2026-12-02", "ma\xc3\xb1""ana");
	expect_relative("es", "2026-12-01", "2026-12-09", "el mi\xc3\xa9rcoles 9 de diciembre");
	expect_relative("es-PE", "2026-12-28", "2027-01-03", "el domingo 3 de enero de 2027");
	expect_relative("es-PE", "2026-12-06", "2026-12-05", "ayer");
	expect_relative("es-PE", "2026-12-07", "2026-12-05", "hace 2 d\xc3\xad""as");
	expect_relative("en", "2026-12-05", "2026-12-05", "today");
	expect_relative("en-US", "2026-12-04", "2026-12-05", "tomorrow");
	expect_relative("en-US", "2026-12-01", "2026-12-05", "on Saturday, December 5");
	expect_relative("en", "2026-12-30", "2027-01-04", "on Monday, January 4, 2027");
	expect_relative("en", "2026-12-06", "2026-12-05", "yesterday");
	expect_relative("en", "2026-12-07", "2026-12-05", "2 days ago");
	expect_relative("en", "2027-01-01", "2026-12-31", "yesterday");
	expect_relative("en", "2028-03-01", "2028-02-28", "2 days ago");	/* a leap year */
	expect_relative("en", "1970-01-01", "1970-01-03", "on Saturday, January 3");
	od_buf_init(&b);
	assert_int_equal(od_locale_relative("es-PE", "2026-12-05", "2026-02-30", &b), -1);
	assert_int_equal(od_locale_relative("es-PE", "hoy", "2026-12-05", &b), -1);
	od_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_es_pe),
		cmocka_unit_test(test_money_es_other_regions),
		cmocka_unit_test(test_money_en),
		cmocka_unit_test(test_money_bad),
		cmocka_unit_test(test_money_minor),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_relative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
