/*
 * od_time: the daemon's clock and civil-date arithmetic.
 *
 * Civil dates use Howard Hinnant's days_from_civil / civil_from_days
 * (proleptic Gregorian, exact for the whole int range we accept).
 */
#include "od_time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t	clock_offset_ms;
static int	clock_offset_set;

/*
 * The offset comes from od_clock_set_offset_ms (--clock-offset), else from
 * $OUTREACHD_CLOCK_OFFSET (a duration such as "-2h" or plain milliseconds),
 * read once on first use.
 */
static void
clock_offset_init(void)
{
	const char *e;
	int64_t ms;
	char *end;

	if (clock_offset_set)
		return;
	clock_offset_set = 1;
	e = getenv("OUTREACHD_CLOCK_OFFSET");
	if (e == NULL || *e == '\0')
		return;
	if (od_duration_parse(e, &ms) == 0) {
		clock_offset_ms = ms;
		return;
	}
	ms = strtoll(e, &end, 10);
	if (*end == '\0')
		clock_offset_ms = ms;
}

int64_t
od_now_ms(void)
{
	struct timespec ts;

	clock_offset_init();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + clock_offset_ms;
}

void
od_clock_set_offset_ms(int64_t off)
{
	clock_offset_set = 1;
	clock_offset_ms = off;
}

int64_t
od_clock_offset_ms(void)
{
	clock_offset_init();
	return clock_offset_ms;
}

void
od_clock_set_now_ms(int64_t at_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	od_clock_set_offset_ms(at_ms - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
}

int64_t
od_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
od_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
od_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int
od_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

int
od_days_in_month(int y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* n decimal digits at s, exactly. */
static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" at s, not necessarily followed by NUL. */
static int
date_prefix(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if (digits(s, 4, &yy) < 0 || s[4] != '-' || digits(s + 5, 2, &mm) < 0 ||
	    s[7] != '-' || digits(s + 8, 2, &dd) < 0)
		return -1;
	if (mm < 1 || mm > 12 || dd < 1 || dd > od_days_in_month(yy, mm))
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

int
od_date_parse(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) != 10)
		return -1;
	return date_prefix(s, y, m, d);
}

int
od_duration_parse(const char *s, int64_t *ms)
{
	const int64_t max = INT64_MAX / 2;
	int64_t total = 0;
	int neg = 0, nparts = 0;

	if (s == NULL)
		return -1;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	while (*s != '\0') {
		int64_t n = 0, unit;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (n > (max - 9) / 10)
				return -1;
			n = n * 10 + (*s++ - '0');
		}
		if (s[0] == 'm' && s[1] == 's') {
			unit = 1;
			s += 2;
		} else if (*s == 's') {
			unit = 1000;
			s++;
		} else if (*s == 'm') {
			unit = 60 * 1000;
			s++;
		} else if (*s == 'h') {
			unit = 3600 * 1000;
			s++;
		} else if (*s == 'd') {
			unit = 86400 * 1000;
			s++;
		} else
			return -1;
		if (n > (max - total) / unit)
			return -1;
		total += n * unit;
		nparts++;
	}
	if (nparts == 0)
		return -1;
	*ms = neg ? -total : total;
	return 0;
}

const char *
od_time_format_iso(int64_t ms, char *buf, unsigned long len)
{
	int64_t days, rem;
	int y, m, d, v[7], w[7] = { 4, 2, 2, 2, 2, 2, 3 }, i, k;
	static const char sep[7] = { '-', '-', 'T', ':', ':', '.', 'Z' };
	char *p = buf;

	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	od_civil_from_days(days, &y, &m, &d);
	if (len < 25 || y < 0 || y > 9999) {	/* the general case (called per record: no printf) */
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
		    (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
		    (int)(rem % 1000));
		return buf;
	}
	v[0] = y;
	v[1] = m;
	v[2] = d;
	v[3] = (int)(rem / 3600000);
	v[4] = (int)(rem / 60000 % 60);
	v[5] = (int)(rem / 1000 % 60);
	v[6] = (int)(rem % 1000);
	for (i = 0; i < 7; i++) {
		for (k = w[i] - 1; k >= 0; k--, v[i] /= 10)
			p[k] = (char)('0' + v[i] % 10);
		p += w[i];
		*p++ = sep[i];
	}
	*p = '\0';
	return buf;
}

int
od_time_parse_iso(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec = 0, frac = 0, off = 0;
	const char *p;

	if (s == NULL || strlen(s) < 16 || date_prefix(s, &y, &mo, &d) < 0)
		return -1;
	if (s[10] != 'T' || digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) < 0)
		return -1;
	p = s + 16;
	if (*p == ':') {
		if (digits(p + 1, 2, &sec) < 0)
			return -1;
		p += 3;
		if (*p == '.') {
			int n = 0;

			p++;
			while (*p >= '0' && *p <= '9') {
				if (n < 3)
					frac = frac * 10 + (*p - '0');
				n++;
				p++;
			}
			if (n == 0)
				return -1;
			for (; n < 3; n++)
				frac *= 10;
		}
	}
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (digits(p + 1, 2, &oh) < 0 || p[3] != ':' || digits(p + 4, 2, &om) < 0 ||
		    oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*ms = ((od_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off) *
	    1000 + frac;
	return 0;
}
