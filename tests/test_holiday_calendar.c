/*
 * test_holiday_calendar: what the holiday calendars cover (covers:), the
 * check against the clock (--check, validate), the days-left gauge, what
 * simulate shows past the data and on 2028 dates, and the
 * shipped data against the npm package date-holidays (a test-time tool,
 * installed by .ci/peers under build/date-holidays): every difference is
 * either fixed in the data or written in the YAML with the law that decides
 * (differs_from_date_holidays).  Under CI=true a missing node or package is
 * a failure; elsewhere a skip, saying why.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "od_buf.h"
#include "od_test_peers.h"
#include "od_error.h"
#include "od_metrics.h"
#include "od_rules.h"
#include "od_time.h"
#include "od_tz.h"
#include "od_yaml.h"

#define CC_COUNT	5
#define FIRST_YEAR	2026
#define LAST_YEAR	2028

static const char *const countries[CC_COUNT] = { "PE", "CO", "MX", "CL", "US" };

static int64_t
iso(const char *s)
{
	int64_t ms;

	if (od_time_parse_iso(s, &ms) != 0)
		fail_msg("bad ISO time in the test: %s", s);
	return ms;
}

static struct od_rules *
load_shipped(void)
{
	struct od_rules *r = NULL;
	struct od_errors e;

	od_errors_init(&e);
	if (od_rules_load(OD_SOURCE_DIR "/config", &r, &e) != 0)
		od_errors_print(&e, stderr);
	od_errors_clear(&e);
	assert_non_null(r);
	return r;
}

/* Errors of loading one PE holidays file hol (with a minimal preset), joined by "\n". */
static void
load_errors(const char *hol, char *out, size_t len)
{
	static const char jur[] =
	    "jurisdiction: PE\nname: Peru\nlaw: L\nsources: [x]\n"
	    "windows: {mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []}\n"
	    "holidays: false\ntimezones: [America/Lima]\n";
	struct od_rules *r;
	struct od_errors e;
	size_t i, off = 0;

	od_errors_init(&e);
	assert_int_equal(od_rules_load_string("/etc/outreachd", "PE", jur, strlen(jur), hol,
	    strlen(hol), &r, &e), -1);
	out[0] = '\0';
	for (i = 0; i < e.count && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "\n" : "", e.msgs[i]);
	od_errors_clear(&e);
}

static void
test_covers_errors(void **state)
{
	char got[2048];

	(void)state;
	load_errors("country: PE\ndates:\n  - {date: 2026-01-01, name: N}\n", got, sizeof(got));
	assert_string_equal(got, "/etc/outreachd/holidays/PE.yaml:1:1: missing key 'covers': "
	    "the dates the file vouches for, {from: YYYY-MM-DD, to: YYYY-MM-DD}");
	load_errors("country: PE\ncovers: {from: 2026-01-01, to: 2026-12-31}\ndates:\n"
	    "  - {date: 2027-01-01, name: N}\n", got, sizeof(got));
	assert_string_equal(got, "/etc/outreachd/holidays/PE.yaml:4:12: this date is outside "
	    "covers (line 2)");
	load_errors("country: PE\ncovers: {from: 2026-01-01, to: 2025-12-31}\ndates: []\n", got,
	    sizeof(got));
	assert_string_equal(got, "/etc/outreachd/holidays/PE.yaml:2:32: covers.to 2025-12-31 is "
	    "before covers.from 2026-01-01");
	load_errors("country: PE\ncovers: {from: 2026-01-01}\ndates: []\n", got, sizeof(got));
	assert_string_equal(got, "/etc/outreachd/holidays/PE.yaml:2:9: covers needs from and to");
	load_errors("country: PE\ncovers: {from: 2026-02-30, to: 2026-12-31}\ndates: []\n", got,
	    sizeof(got));
	assert_string_equal(got, "/etc/outreachd/holidays/PE.yaml:2:16: covers.from: bad date "
	    "'2026-02-30': expected a real date YYYY-MM-DD");
	load_errors("country: PE\ncovers: {from: 2026-01-01, to: 2026-12-31}\ndates:\n"
	    "  - {date: 2026-09-17, name: N, unconfirmed: perhaps}\n"
	    "  - {date: 2026-09-18, name: M, differs_from_date_holidays: \"\"}\n", got,
	    sizeof(got));
	assert_string_equal(got, "/etc/outreachd/holidays/PE.yaml:4:46: expected true or false\n"
	    "/etc/outreachd/holidays/PE.yaml:5:61: differs_from_date_holidays: expected the "
	    "reason and the law that decides, as a string");
}

/* The errors' and warnings' texts of od_rules_check_calendars at now. */
static int
calendar_check(const struct od_rules *r, const char *now, struct od_errors *e)
{
	od_errors_init(e);
	return od_rules_check_calendars(r, iso(now), e);
}

static void
test_check_calendars(void **state)
{
	struct od_rules *r = load_shipped();
	struct od_errors e;
	char want[512];
	size_t i;

	(void)state;
	/* today's date in this round: more than 90 days left, nothing said */
	assert_int_equal(calendar_check(r, "2026-12-01T12:00:00Z", &e), 0);
	assert_int_equal(e.count, 0);
	assert_int_equal(e.nwarns, 0);
	od_errors_clear(&e);
	/* 2028-10-02: 90 days before the end, every file warns, none fails */
	assert_int_equal(calendar_check(r, "2028-10-02T00:00:00Z", &e), 0);
	assert_int_equal(e.count, 0);
	assert_int_equal(e.nwarns, CC_COUNT);
	for (i = 0; i < e.nwarns; i++) {
		assert_non_null(strstr(e.warns[i], OD_SOURCE_DIR "/config/holidays/"));
		assert_non_null(strstr(e.warns[i], ".yaml:"));
		assert_non_null(strstr(e.warns[i], "ends on 2028-12-31, in 90 days: extend it"));
	}
	od_errors_clear(&e);
	assert_int_equal(calendar_check(r, "2028-10-01T23:59:59Z", &e), 0);
	assert_int_equal(e.nwarns, 0);
	od_errors_clear(&e);
	/* the last covered day: a warning; the day after: an error per file, naming it */
	assert_int_equal(calendar_check(r, "2028-12-31T23:00:00Z", &e), 0);
	assert_int_equal(e.nwarns, CC_COUNT);
	assert_non_null(strstr(e.warns[0], "in 0 days"));
	od_errors_clear(&e);
	assert_int_equal(calendar_check(r, "2029-01-01T00:00:00Z", &e), CC_COUNT);
	assert_int_equal(e.count, CC_COUNT);
	assert_int_equal(e.nwarns, 0);
	for (i = 0; i < CC_COUNT; i++) {
		const char *f = od_rules_calendar_file(r, countries[i]);
		size_t j;
		int found = 0;

		assert_non_null(f);
		snprintf(want, sizeof(want), "the holiday calendar of %s ended on 2028-12-31",
		    countries[i]);
		for (j = 0; j < e.count; j++)
			found += strncmp(e.msgs[j], f, strlen(f)) == 0 && strstr(e.msgs[j], want);
		assert_int_equal(found, 1);
	}
	od_errors_clear(&e);
	od_rules_free(r);
}

static void
test_days_left_gauge(void **state)
{
	struct od_rules *r = load_shipped();
	struct od_metrics *m;
	struct od_buf out;
	double v;

	(void)state;
	assert_non_null(m = od_metrics_new());
	od_rules_calendar_metrics(r, m, iso("2028-12-01T10:00:00Z"));
	assert_int_equal(od_metric_value(od_metrics_find(m, "outreachd_holiday_calendar_days_left"),
	    OD_LABELS("PE"), &v), 1);
	assert_true(v == 30.0);
	od_rules_calendar_metrics(r, m, iso("2029-01-02T10:00:00Z"));
	assert_int_equal(od_metric_value(od_metrics_find(m, "outreachd_holiday_calendar_days_left"),
	    OD_LABELS("CL"), &v), 1);
	assert_true(v == -2.0);
	od_buf_init(&out);
	assert_int_equal(od_metrics_write(m, &out), 0);
	assert_non_null(strstr(out.data,
	    "# TYPE outreachd_holiday_calendar_days_left gauge\n"));
	assert_non_null(strstr(out.data,
	    "outreachd_holiday_calendar_days_left{country=\"US\"} -2\n"));
	od_buf_free(&out);
	od_metrics_free(m);
	od_rules_free(r);
}

/*
 * `outreachd --check` (ctl 0) or `outreachctl validate` (ctl 1) on the
 * shipped configuration with the clock moved by offset.
 */
static int
run_check(int ctl, const char *offset, char *out, size_t len)
{
	char cmd[2048];
	FILE *p;
	size_t n;

	if (ctl)
		snprintf(cmd, sizeof(cmd), "OUTREACHD_CLOCK_OFFSET=%s %s/bin/outreachctl --config "
		    "%s/config/outreachd.yaml validate 2>&1", offset, OD_BUILD_DIR, OD_SOURCE_DIR);
	else
		snprintf(cmd, sizeof(cmd), "%s/bin/outreachd --check --config "
		    "%s/config/outreachd.yaml --clock-offset %s 2>&1", OD_BUILD_DIR, OD_SOURCE_DIR,
		    offset);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	return pclose(p);
}

static void
test_check_command(void **state)
{
	int64_t now = od_now_ms();
	char out[8192], off[32];
	int ctl;

	(void)state;
	for (ctl = 0; ctl <= 1; ctl++) {
		/* 60 days before the end: warned, accepted */
		snprintf(off, sizeof(off), "%llds",
		    (long long)((iso("2028-11-01T12:00:00Z") - now) / 1000));
		assert_int_equal(run_check(ctl, off, out, sizeof(out)), 0);
		assert_non_null(strstr(out, "warning: " OD_SOURCE_DIR "/config/holidays/PE.yaml:"));
		assert_non_null(strstr(out, "the holiday calendar of PE ends on 2028-12-31, in 60 "
		    "days"));
		assert_non_null(strstr(out, "configuration OK\n"));
		/* past the end: refused, each file named with its end */
		snprintf(off, sizeof(off), "%llds",
		    (long long)((iso("2029-03-05T12:00:00Z") - now) / 1000));
		assert_int_not_equal(run_check(ctl, off, out, sizeof(out)), 0);
		assert_non_null(strstr(out, OD_SOURCE_DIR "/config/holidays/CO.yaml:"));
		assert_non_null(strstr(out, "the holiday calendar of CO ended on 2028-12-31"));
		assert_non_null(strstr(out, "5 error(s)\n"));
		assert_null(strstr(out, "configuration OK"));
	}
}

/*
 * What a user sees in simulate: a PE account due on a date, its first send at
 * 09:00 Lima (tests/data/sim, config/ holidays): the CSV line of that step.
 */
static void
simulate_first(const char *due, char *out, size_t len)
{
	char path[] = "/tmp/od-holcal-XXXXXX", cmd[2048], line[1024];
	FILE *f, *p;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "{\"account_id\": \"A-1\", \"debtor\": {\"name\": \"María Quispe\", "
	    "\"phone\": \"+51987654321\", \"email\": \"maria@example.pe\", \"country\": "
	    "\"PE\", \"timezone\": \"America/Lima\"}, \"debt\": {\"amount\": \"1234.50\", "
	    "\"currency\": \"PEN\", \"due_date\": \"%s\"}, \"policy\": \"sim-pe\", "
	    "\"consent\": {\"sms\": true, \"email\": true}}\n", due);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --config %s/sim/outreachd.yaml simulate "
	    "--accounts %s --from %s --days 1 --format csv --timeline 2>&1", OD_BUILD_DIR,
	    OD_TEST_DATA, path, due);
	assert_non_null(p = popen(cmd, "r"));
	out[0] = '\0';
	while (fgets(line, sizeof(line), p) != NULL)
		if (strstr(line, ",due,") != NULL && out[0] == '\0')
			snprintf(out, len, "%s", line);
	pclose(p);
	unlink(path);
}

static void
test_simulate(void **state)
{
	char line[1024];

	(void)state;
	/* past the data: suppressed, never sent */
	simulate_first("2029-03-05", line, sizeof(line));
	assert_non_null(strstr(line, ",sms,suppressed,calendar_missing,2029-03-05 is outside "
	    "PE's holiday calendar"));
	/* the shipped 2028 data: Fiestas Patrias blocks as a holiday */
	simulate_first("2028-07-28", line, sizeof(line));
	assert_non_null(strstr(line, ",sms,suppressed,holiday,2028-07-28 is a public holiday in "
	    "PE: Fiestas Patrias"));
	/* a working day of 2028 sends */
	simulate_first("2028-07-27", line, sizeof(line));
	assert_non_null(strstr(line, ",sms,sent,"));
}

/* ---- against date-holidays ---- */

struct dh_day {
	char	cc[3];
	int64_t	day;
	char	name[96];
};

/* Where the package is: $OD_DATE_HOLIDAYS, else build/date-holidays (.ci/peers). */
static const char *
dh_path(char *buf, size_t len)
{
	const char *env = getenv("OD_DATE_HOLIDAYS");

	if (env != NULL && env[0] != '\0')
		snprintf(buf, len, "%s", env);
	else
		snprintf(buf, len, "%s/build/date-holidays/node_modules/date-holidays", OD_SOURCE_DIR);
	return buf;
}

/* Runs node over the package: every public holiday of FIRST_YEAR..LAST_YEAR. */
static size_t
dh_read(const char *pkg, struct dh_day *v, size_t cap)
{
	char cmd[4096], line[256];
	FILE *p;
	size_t n = 0;
	int y, m, d;

	snprintf(cmd, sizeof(cmd), "node -e 'const H = require(process.argv[1]);"
	    "for (const cc of [\"PE\",\"CO\",\"MX\",\"CL\",\"US\"]) { const h = new H(cc);"
	    "for (let y = %d; y <= %d; y++) for (const e of h.getHolidays(y))"
	    "if (e.type === \"public\") console.log(cc + \" \" + e.date.slice(0, 10) + \" \" + e.name); }'"
	    " '%s'", FIRST_YEAR, LAST_YEAR, pkg);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL) {
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (strlen(line) < 14 || sscanf(line + 3, "%d-%d-%d", &y, &m, &d) != 3)
			fail_msg("date-holidays: unexpected line '%s'", line);
		assert_true(n < cap);
		memcpy(v[n].cc, line, 2);
		v[n].cc[2] = '\0';
		v[n].day = od_days_from_civil(y, m, d);
		if ((size_t)snprintf(v[n].name, sizeof(v[n].name), "%s", line + 14) >=
		    sizeof(v[n].name))
			fail_msg("date-holidays: name too long in '%s'", line);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

/* 1 when our file lists day, in dates or as a written difference; *why: a reason given. */
static int
yaml_has(const struct od_yaml *list, const char *key, int64_t day, int *why)
{
	const struct od_yaml *e, *n;
	size_t i;
	int y, m, d;

	for (i = 0; list != NULL && i < list->nitems; i++) {
		e = list->items[i];
		if ((n = od_yaml_get(e, key)) == NULL || od_date_parse(n->str, &y, &m, &d) != 0 ||
		    od_days_from_civil(y, m, d) != day)
			continue;
		*why = od_yaml_get(e, strcmp(key, "day") == 0 ? "why" :
		    "differs_from_date_holidays") != NULL;
		return 1;
	}
	return 0;
}

static void
test_against_date_holidays(void **state)
{
	static struct dh_day dh[1024];
	char pkg[1024], path[1024], day[16];
	struct od_yaml_doc doc;
	struct od_errors e;
	size_t n, i, k, bad = 0, checked = 0;
	int why, y, m, d;

	(void)state;
	dh_path(pkg, sizeof(pkg));
	if ((size_t)snprintf(path, sizeof(path), "%s/package.json", pkg) >= sizeof(path))
		fail_msg("date-holidays path too long: %s", pkg);
	if (system("node --version >/dev/null 2>&1") != 0 || access(path, R_OK) != 0) {
		snprintf(path, sizeof(path), "no node or no date-holidays in %.900s (run .ci/peers, "
		    "or set OD_DATE_HOLIDAYS)", pkg);
		od_test_peer_missing("test_holiday_calendar", path);
	}
	n = dh_read(pkg, dh, sizeof(dh) / sizeof(dh[0]));
	assert_true(n > 200);
	for (k = 0; k < CC_COUNT; k++) {
		const struct od_yaml *dates, *diffs;
		int64_t from = od_days_from_civil(FIRST_YEAR, 1, 1), to =
		    od_days_from_civil(LAST_YEAR, 12, 31), t;

		snprintf(path, sizeof(path), "%s/config/holidays/%s.yaml", OD_SOURCE_DIR,
		    countries[k]);
		od_errors_init(&e);
		memset(&doc, 0, sizeof(doc));
		assert_int_equal(od_yaml_load_file(path, &doc, &e), 0);
		dates = od_yaml_get(doc.root, "dates");
		diffs = od_yaml_get(doc.root, "differs_from_date_holidays");
		/* theirs, not ours: written as a difference with its law */
		for (i = 0; i < n; i++) {
			if (strcmp(dh[i].cc, countries[k]) != 0)
				continue;
			checked++;
			od_civil_from_days(dh[i].day, &y, &m, &d);
			snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
			if (yaml_has(dates, "date", dh[i].day, &why))
				continue;
			if (yaml_has(diffs, "day", dh[i].day, &why) && why)
				continue;
			print_message("%s: date-holidays has %s %s, the file neither lists it nor "
			    "says why (differs_from_date_holidays)\n", path, day, dh[i].name);
			bad++;
		}
		/* ours, not theirs: the date says why */
		for (t = from; t <= to; t++) {
			int theirs = 0;

			if (!yaml_has(dates, "date", t, &why))
				continue;
			for (i = 0; i < n && !theirs; i++)
				theirs = dh[i].day == t && strcmp(dh[i].cc, countries[k]) == 0;
			if (theirs || why)
				continue;
			od_civil_from_days(t, &y, &m, &d);
			print_message("%s: %04d-%02d-%02d is not public in date-holidays, and the "
			    "date does not say why (differs_from_date_holidays)\n", path, y, m, d);
			bad++;
		}
		od_yaml_doc_free(&doc);
		od_errors_clear(&e);
	}
	assert_true(checked == n);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_covers_errors),
		cmocka_unit_test(test_check_calendars),
		cmocka_unit_test(test_days_left_gauge),
		cmocka_unit_test(test_check_command),
		cmocka_unit_test(test_simulate),
		cmocka_unit_test(test_against_date_holidays),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	od_tz_cache_free();
	return od_test_exit_code(rc);
}
