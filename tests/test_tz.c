/*
 * od_tz against glibc: the test (never the library) uses setenv("TZ") and
 * localtime_r/mktime as the oracle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "od_time.h"
#include "od_tz.h"

static void
oracle_zone(const char *name)
{
	setenv("TZ", name, 1);
	tzset();
}

/* Every 20 minutes of the year, od_tz_to_local agrees with localtime_r. */
static void
compare_year(const char *zone, int year, int nchanges)
{
	const struct od_tz *tz = od_tz_get(zone);
	int64_t from = od_days_from_civil(year, 1, 1) * 86400 - 86400;
	int64_t to = od_days_from_civil(year + 1, 1, 1) * 86400 + 86400;
	int changes = 0, prev = 0;

	assert_non_null(tz);
	assert_string_equal(od_tz_name(tz), zone);
	oracle_zone(zone);
	for (int64_t t = from; t < to; t += 1200) {
		struct od_local l;
		struct tm tm;
		time_t tt = (time_t)t;

		od_tz_to_local(tz, t, &l);
		localtime_r(&tt, &tm);
		if (l.year != tm.tm_year + 1900 || l.month != tm.tm_mon + 1 ||
		    l.day != tm.tm_mday || l.hour != tm.tm_hour || l.min != tm.tm_min ||
		    l.sec != tm.tm_sec || l.wday != tm.tm_wday || l.utcoff != tm.tm_gmtoff ||
		    l.isdst != (tm.tm_isdst > 0))
			fail_msg("%s at %lld: od_tz %04d-%02d-%02d %02d:%02d off %d dst %d, "
			    "glibc %04d-%02d-%02d %02d:%02d off %ld dst %d", zone, (long long)t,
			    l.year, l.month, l.day, l.hour, l.min, l.utcoff, l.isdst,
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_gmtoff, tm.tm_isdst);
		assert_int_equal(od_tz_offset(tz, t), l.utcoff);
		if (t != from && l.utcoff != prev)
			changes++;
		prev = l.utcoff;

		/* And back: each local wall time that is neither skipped nor repeated. */
		if (t % 3600 == 0) {
			struct tm q = { 0 };

			q.tm_year = l.year - 1900;
			q.tm_mon = l.month - 1;
			q.tm_mday = l.day;
			q.tm_hour = l.hour;
			q.tm_min = l.min;
			q.tm_isdst = -1;
			if (od_tz_offset(tz, t - 7200) == od_tz_offset(tz, t + 7200))
				assert_int_equal(od_tz_from_local(tz, l.year, l.month, l.day,
				    l.hour, l.min, l.sec), (int64_t)mktime(&q));
		}
	}
	assert_int_equal(changes, nchanges);
}

static void
test_lima_bogota_mexico(void **state)
{
	(void)state;
	compare_year("America/Lima", 2026, 0);
	compare_year("America/Bogota", 2026, 0);
	compare_year("America/Mexico_City", 2026, 0);
	compare_year("America/Mexico_City", 2021, 2);	/* still had DST */
	compare_year("America/Lima", 2040, 0);
}

static void
test_santiago(void **state)
{
	const struct od_tz *tz;
	struct od_local l;

	(void)state;
	compare_year("America/Santiago", 2026, 2);
	compare_year("America/Santiago", 2040, 2);	/* the footer <-04>4<-03>,M9.1.6/24,M4.1.6/24 */
	compare_year("America/Santiago", 2055, 2);
	tz = od_tz_get("America/Santiago");
	/* 2026-04-05 03:00 UTC: back from -03 to -04, 23:59:59 -> 23:00 on the 4th */
	od_tz_to_local(tz, 1775357999, &l);
	assert_int_equal(l.day, 4);
	assert_int_equal(l.hour, 23);
	assert_int_equal(l.min, 59);
	assert_int_equal(l.utcoff, -10800);
	assert_int_equal(l.isdst, 1);
	od_tz_to_local(tz, 1775358000, &l);
	assert_int_equal(l.day, 4);
	assert_int_equal(l.hour, 23);
	assert_int_equal(l.min, 0);
	assert_int_equal(l.utcoff, -14400);
	assert_int_equal(l.isdst, 0);
	assert_int_equal(l.wday, 6);
	/* 2026-09-06 04:00 UTC: forward, Sat 23:59:59 -04 -> Sun 01:00 -03 */
	od_tz_to_local(tz, 1788667200, &l);
	assert_int_equal(l.day, 6);
	assert_int_equal(l.hour, 1);
	assert_int_equal(l.utcoff, -10800);
}

static void
test_new_york_madrid(void **state)
{
	(void)state;
	compare_year("America/New_York", 2026, 2);
	compare_year("America/New_York", 2045, 2);
	compare_year("Europe/Madrid", 2026, 2);
	compare_year("Europe/Madrid", 2045, 2);
}

/* The spring-forward gap maps to the first instant after it. */
static void
test_from_local_gap(void **state)
{
	const struct od_tz *ny = od_tz_get("America/New_York");
	const struct od_tz *scl = od_tz_get("America/Santiago");
	const struct od_tz *mad = od_tz_get("Europe/Madrid");

	(void)state;
	/* 2026-03-08 02:30 does not exist in New York: 03:00 EDT = 07:00 UTC */
	assert_int_equal(od_tz_from_local(ny, 2026, 3, 8, 2, 30, 0), 1772953200);
	assert_int_equal(od_tz_from_local(ny, 2026, 3, 8, 2, 0, 0), 1772953200);
	assert_int_equal(od_tz_from_local(ny, 2026, 3, 8, 1, 59, 59), 1772953199);
	assert_int_equal(od_tz_from_local(ny, 2026, 3, 8, 3, 0, 0), 1772953200);
	/* 2045-03-12, past the table: 02:15 -> 07:00 UTC */
	assert_int_equal(od_tz_from_local(ny, 2045, 3, 12, 2, 15, 0),
	    od_days_from_civil(2045, 3, 12) * 86400 + 7 * 3600);
	/* Santiago 2026-09-06 00:00..00:59 does not exist: -> 04:00 UTC (01:00 -03) */
	assert_int_equal(od_tz_from_local(scl, 2026, 9, 6, 0, 0, 0), 1788667200);
	assert_int_equal(od_tz_from_local(scl, 2026, 9, 6, 0, 30, 0), 1788667200);
	assert_int_equal(od_tz_from_local(scl, 2026, 9, 6, 1, 0, 0), 1788667200);
	/* Santiago 2040-09-02 00:30 -> 04:00 UTC */
	assert_int_equal(od_tz_from_local(scl, 2040, 9, 2, 0, 30, 0),
	    od_days_from_civil(2040, 9, 2) * 86400 + 4 * 3600);
	/* Madrid 2026-03-29 02:30 -> 01:00 UTC */
	assert_int_equal(od_tz_from_local(mad, 2026, 3, 29, 2, 30, 0),
	    od_days_from_civil(2026, 3, 29) * 86400 + 3600);
}

/* A wall time that happens twice maps to the earlier instant. */
static void
test_from_local_overlap(void **state)
{
	const struct od_tz *ny = od_tz_get("America/New_York");
	const struct od_tz *scl = od_tz_get("America/Santiago");
	int64_t day;

	(void)state;
	/* 2026-11-01 01:30 happens at 05:30 UTC (EDT) and 06:30 UTC (EST) */
	day = od_days_from_civil(2026, 11, 1) * 86400;
	assert_int_equal(od_tz_from_local(ny, 2026, 11, 1, 1, 30, 0), day + 5 * 3600 + 1800);
	assert_int_equal(od_tz_from_local(ny, 2026, 11, 1, 2, 0, 0), day + 7 * 3600);
	day = od_days_from_civil(2045, 11, 5) * 86400;
	assert_int_equal(od_tz_from_local(ny, 2045, 11, 5, 1, 0, 0), day + 5 * 3600);
	/* Santiago 2026-04-04 23:30 happens at -03 (02:30 UTC on the 5th) and -04 */
	day = od_days_from_civil(2026, 4, 5) * 86400;
	assert_int_equal(od_tz_from_local(scl, 2026, 4, 4, 23, 30, 0), day + 2 * 3600 + 1800);
	assert_int_equal(od_tz_from_local(scl, 2026, 4, 5, 0, 0, 0), day + 4 * 3600);
	day = od_days_from_civil(2040, 4, 8) * 86400;
	assert_int_equal(od_tz_from_local(scl, 2040, 4, 7, 23, 0, 0), day + 2 * 3600);
}

static void
test_unknown_and_unsafe(void **state)
{
	(void)state;
	assert_null(od_tz_get("Mars/Olympus_Mons"));
	assert_int_equal(od_tz_valid("Mars/Olympus_Mons"), 0);
	assert_int_equal(od_tz_valid("America/Lima"), 1);
	assert_int_equal(od_tz_valid("Etc/GMT+5"), 1);
	assert_int_equal(od_tz_valid("../zoneinfo/America/Lima"), 0);
	assert_int_equal(od_tz_valid("America/../America/Lima"), 0);
	assert_int_equal(od_tz_valid("/usr/share/zoneinfo/America/Lima"), 0);
	assert_int_equal(od_tz_valid("America/Lima "), 0);
	assert_int_equal(od_tz_valid("America/Lima\n"), 0);
	assert_int_equal(od_tz_valid("America.Lima"), 0);
	assert_int_equal(od_tz_valid("America"), 0);		/* a directory */
	assert_int_equal(od_tz_valid("America/"), 0);
	assert_int_equal(od_tz_valid("iso3166.tab"), 0);
	assert_int_equal(od_tz_valid(""), 0);
	assert_int_equal(od_tz_valid(NULL), 0);
	assert_ptr_equal(od_tz_get("America/Lima"), od_tz_get("America/Lima"));
}

static void
put32(FILE *f, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	fwrite(b, 1, 4, f);
}

/* A hand-written v1 file (no 64-bit section, no footer) from $OUTREACHD_ZONEINFO. */
static void
test_v1_file_and_zoneinfo_env(void **state)
{
	char dir[] = "/tmp/od_tz_XXXXXX", path[256];
	const struct od_tz *tz;
	struct od_local l;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Test", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/Test/V1", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("TZif", 1, 4, f);
	fwrite("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 1, 16, f);
	put32(f, 0);		/* isutcnt */
	put32(f, 0);		/* isstdcnt */
	put32(f, 0);		/* leapcnt */
	put32(f, 1);		/* timecnt */
	put32(f, 2);		/* typecnt */
	put32(f, 8);		/* charcnt */
	put32(f, 1000000000);	/* 2001-09-09T01:46:40Z: from -03 to +02 */
	fputc(1, f);
	put32(f, (uint32_t)-10800); fputc(0, f); fputc(0, f);
	put32(f, 7200); fputc(1, f); fputc(4, f);
	fwrite("AAA\0BBB\0", 1, 8, f);
	fclose(f);

	setenv("OUTREACHD_ZONEINFO", dir, 1);
	tz = od_tz_get("Test/V1");
	unsetenv("OUTREACHD_ZONEINFO");
	assert_non_null(tz);
	assert_int_equal(od_tz_offset(tz, 999999999), -10800);
	od_tz_to_local(tz, 1000000000, &l);
	assert_int_equal(l.utcoff, 7200);
	assert_int_equal(l.isdst, 1);
	assert_int_equal(l.hour, 3);
	assert_int_equal(l.min, 46);
	/* no footer: the last type holds for ever */
	assert_int_equal(od_tz_offset(tz, 4000000000LL), 7200);
	/* cached: still there with the variable gone */
	assert_ptr_equal(od_tz_get("Test/V1"), tz);
	assert_int_equal(od_tz_valid("Test/V1"), 1);

	/* a file that is not TZif */
	snprintf(path, sizeof(path), "%s/Test/Bad", dir);
	f = fopen(path, "wb");
	fputs("not a zone\n", f);
	fclose(f);
	setenv("OUTREACHD_ZONEINFO", dir, 1);
	assert_null(od_tz_get("Test/Bad"));
	unsetenv("OUTREACHD_ZONEINFO");
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test/V1", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test", dir);
	rmdir(path);
	rmdir(dir);
}

/* Reads a whole file into a malloc'd buffer. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*buf;
	FILE		*f;
	long		 n;

	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
copy_file(const char *from, const char *to)
{
	unsigned char	*buf;
	size_t		 len;
	FILE		*f;

	buf = slurp(from, &len);
	assert_non_null(f = fopen(to, "wb"));
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

/* od_tz_parse: the same zone from memory, outside the cache; broken images refused. */
static void
test_parse_from_memory(void **state)
{
	unsigned char	*buf;
	size_t		 len;
	struct od_tz	*tz;

	(void)state;
	buf = slurp("/usr/share/zoneinfo/America/Santiago", &len);
	assert_non_null(tz = od_tz_parse("America/Santiago", buf, len));
	assert_string_equal(od_tz_name(tz), "America/Santiago");
	assert_true(tz != od_tz_get("America/Santiago"));
	/* 2026-01-15 is summer (-03), 2026-07-15 winter (-04); past the table, the footer */
	assert_int_equal(od_tz_offset(tz, 1768435200), -3 * 3600);
	assert_int_equal(od_tz_offset(tz, 1784073600), -4 * 3600);
	assert_int_equal(od_tz_offset(tz, 4102444800LL + 200 * 86400), -4 * 3600);
	assert_int_equal(od_tz_offset(tz, 1784073600),
	    od_tz_offset(od_tz_get("America/Santiago"), 1784073600));
	od_tz_free(tz);
	/* every truncation is refused or read whole, never past the end (ASan) */
	for (size_t n = 0; n < len; n += n < 128 ? 1 : 61) {
		unsigned char *cut = malloc(n ? n : 1);

		memcpy(cut, buf, n);
		od_tz_free(od_tz_parse("Cut", cut, n));
		free(cut);
	}
	assert_null(od_tz_parse("Cut", buf, 43));
	assert_null(od_tz_parse("Bad", "not a zone", 10));
	assert_null(od_tz_parse(NULL, buf, len));
	od_tz_free(NULL);
	free(buf);
}

/*
 * An unknown name is remembered: no open() the next time, even once the
 * file appears; the misses are bounded (the oldest is forgotten, and then
 * the file is found), and od_tz_cache_free forgets them all.
 */
static void
test_misses_cached_and_bounded(void **state)
{
	char	dir[] = "/tmp/od_tz_XXXXXX", path[256], name[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Test", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	setenv("OUTREACHD_ZONEINFO", dir, 1);

	assert_null(od_tz_get("Test/Late"));
	snprintf(path, sizeof(path), "%s/Test/Late", dir);
	copy_file("/usr/share/zoneinfo/America/Lima", path);
	assert_null(od_tz_get("Test/Late"));	/* the miss, not the file */
	assert_int_equal(od_tz_valid("Test/Late"), 0);
	/* a flood of made-up names pushes the oldest miss out */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "Test/Unknown_%d", i);
		assert_null(od_tz_get(name));
	}
	assert_non_null(od_tz_get("Test/Late"));
	assert_int_equal(od_tz_offset(od_tz_get("Test/Late"), 1784073600), -5 * 3600);
	/* a recent miss is still remembered ... */
	snprintf(path, sizeof(path), "%s/Test/Unknown_999", dir);
	copy_file("/usr/share/zoneinfo/UTC", path);
	assert_null(od_tz_get("Test/Unknown_999"));
	/* ... until the cache is freed */
	od_tz_cache_free();
	assert_non_null(od_tz_get("Test/Unknown_999"));
	assert_int_equal(od_tz_offset(od_tz_get("Test/Unknown_999"), 1784073600), 0);

	unsetenv("OUTREACHD_ZONEINFO");
	od_tz_cache_free();
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test/Late", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Test", dir);
	rmdir(path);
	rmdir(dir);
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
		cmocka_unit_test(test_lima_bogota_mexico),
		cmocka_unit_test(test_santiago),
		cmocka_unit_test(test_new_york_madrid),
		cmocka_unit_test(test_from_local_gap),
		cmocka_unit_test(test_from_local_overlap),
		cmocka_unit_test(test_unknown_and_unsafe),
		cmocka_unit_test(test_v1_file_and_zoneinfo_env),
		cmocka_unit_test(test_parse_from_memory),
		cmocka_unit_test(test_misses_cached_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
