/*
 * od_tz: IANA time zones from TZif files (RFC 8536), read by hand so that the
 * library never touches the process's TZ or calls localtime.
 *
 * A v1 file is read from its 32-bit section; v2 and v3 from the 64-bit
 * section, with the footer's POSIX TZ string (v3 allows hours -167..167 in
 * the rule times) for instants after the last transition.
 */
#include "od_tz.h"
#include "od_time.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TZ_NAME_MAX	255
#define TZ_FILE_MAX	(1 << 20)
#define TZ_MISS_MAX	64	/* unknown names remembered (the oldest forgotten first) */

/* A POSIX TZ rule date: Jn, n or Mm.w.d, then a time of day in seconds. */
struct tz_rule {
	char	kind;		/* 'J', 'D' (zero-based day) or 'M' */
	int	day, week, mon;
	int	secs;
};

struct tz_posix {
	int		std_off;	/* seconds east of UTC */
	int		dst_off;
	int		has_dst;
	struct tz_rule	start, end;
};

struct tz_type {
	int32_t	utoff;
	int	isdst;
};

struct od_tz {
	char		*name;
	int64_t		*trans;		/* UTC seconds, ascending */
	unsigned char	*idx;		/* type of each transition */
	size_t		 ntrans;
	struct tz_type	*types;
	size_t		 ntypes;
	int		 has_footer;
	struct tz_posix	 footer;
};

static struct od_tz	**cache;
static size_t		  ncache, capcache;
static char		 *misses[TZ_MISS_MAX];	/* names with no zone: a ring */
static size_t		  nmisses, miss_next;
static pthread_mutex_t	  cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int
name_safe(const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return 0;
	n = strlen(name);
	if (n > TZ_NAME_MAX || name[n - 1] == '/')
		return 0;
	for (const char *p = name; *p != '\0'; p++) {
		char c = *p;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

/* --- the POSIX TZ footer ------------------------------------------------ */

static const char *
posix_name(const char *p)
{
	if (*p == '<') {
		p++;
		while (*p != '\0' && *p != '>')
			p++;
		return *p == '>' ? p + 1 : NULL;
	}
	{
		const char *s = p;

		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
			p++;
		return p - s >= 3 ? p : NULL;
	}
}

/* [+-]hh[:mm[:ss]], hours up to maxh. */
static const char *
posix_time(const char *p, int maxh, int *secs)
{
	int sign = 1, h = 0, m = 0, s = 0, n = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	while (*p >= '0' && *p <= '9' && n < 3) {
		h = h * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || h > maxh)
		return NULL;
	if (*p == ':') {
		p++;
		if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9'))
			return NULL;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		if (*p == ':') {
			p++;
			if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9'))
				return NULL;
			s = (p[0] - '0') * 10 + (p[1] - '0');
			p += 2;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *
posix_num(const char *p, int lo, int hi, int *v)
{
	int n = 0, x = 0;

	while (*p >= '0' && *p <= '9' && n < 4) {
		x = x * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || x < lo || x > hi)
		return NULL;
	*v = x;
	return p;
}

static const char *
posix_rule(const char *p, struct tz_rule *r)
{
	r->secs = 2 * 3600;
	if (*p == 'J') {
		r->kind = 'J';
		p = posix_num(p + 1, 1, 365, &r->day);
	} else if (*p == 'M') {
		r->kind = 'M';
		if ((p = posix_num(p + 1, 1, 12, &r->mon)) == NULL || *p != '.' ||
		    (p = posix_num(p + 1, 1, 5, &r->week)) == NULL || *p != '.' ||
		    (p = posix_num(p + 1, 0, 6, &r->day)) == NULL)
			return NULL;
	} else {
		r->kind = 'D';
		p = posix_num(p, 0, 365, &r->day);
	}
	if (p != NULL && *p == '/')
		p = posix_time(p + 1, 167, &r->secs);
	return p;
}

static int
posix_parse(const char *s, struct tz_posix *tz)
{
	const char *p;
	int off;

	memset(tz, 0, sizeof(*tz));
	if ((p = posix_name(s)) == NULL || (p = posix_time(p, 24, &off)) == NULL)
		return -1;
	tz->std_off = -off;		/* POSIX counts west */
	if (*p == '\0')
		return 0;
	if ((p = posix_name(p)) == NULL)
		return -1;
	tz->has_dst = 1;
	tz->dst_off = tz->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = posix_time(p, 24, &off)) == NULL)
			return -1;
		tz->dst_off = -off;
	}
	if (*p == '\0') {
		/* No rule: the US rules, as glibc assumes. */
		tz->start = (struct tz_rule){ 'M', 0, 2, 3, 7200 };
		tz->end = (struct tz_rule){ 'M', 0, 1, 11, 7200 };
		return 0;
	}
	if (*p != ',' || (p = posix_rule(p + 1, &tz->start)) == NULL || *p != ',' ||
	    (p = posix_rule(p + 1, &tz->end)) == NULL || *p != '\0')
		return -1;
	return 0;
}

/* Local seconds (as if UTC) of rule r in year y. */
static int64_t
rule_local(const struct tz_rule *r, int y)
{
	int64_t days;

	if (r->kind == 'J') {
		/* 1..365, February 29 never counted. */
		days = od_days_from_civil(y, 1, 1) + r->day - 1;
		if (r->day >= 60 && od_days_in_month(y, 2) == 29)
			days++;
	} else if (r->kind == 'D') {
		days = od_days_from_civil(y, 1, 1) + r->day;
	} else {
		int64_t first = od_days_from_civil(y, r->mon, 1);
		int wd = od_weekday(first);
		int d = 1 + (r->day - wd + 7) % 7 + (r->week - 1) * 7;

		while (d > od_days_in_month(y, r->mon))
			d -= 7;
		days = first + d - 1;
	}
	return days * 86400 + r->secs;
}

static void
posix_lookup(const struct tz_posix *tz, int64_t utc, int *off, int *isdst)
{
	int64_t start, end;
	int64_t days;
	int y, m, d, in_dst;

	*off = tz->std_off;
	*isdst = 0;
	if (!tz->has_dst)
		return;
	days = (utc + tz->std_off) / 86400;
	if ((utc + tz->std_off) % 86400 < 0)
		days--;
	od_civil_from_days(days, &y, &m, &d);
	/* The start is written in standard time, the end in daylight time. */
	start = rule_local(&tz->start, y) - tz->std_off;
	end = rule_local(&tz->end, y) - tz->dst_off;
	if (start < end)
		in_dst = utc >= start && utc < end;
	else
		in_dst = !(utc >= end && utc < start);
	if (in_dst) {
		*off = tz->dst_off;
		*isdst = 1;
	}
}

/* --- TZif ---------------------------------------------------------------- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	int		version;
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int
tzif_header(const unsigned char *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = p[4] == 0 ? 1 : p[4] - '0';
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > 100000 ||
	    h->charcnt > 65536 || h->leapcnt > 100000 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

static size_t
tzif_data_len(const struct tzif_hdr *h, int tsize)
{
	return (size_t)h->timecnt * tsize + h->timecnt + (size_t)h->typecnt * 6 +
	    h->charcnt + (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static int
tzif_parse(const unsigned char *buf, size_t len, struct od_tz *tz)
{
	struct tzif_hdr h;
	const unsigned char *p;
	int tsize = 4;

	if (tzif_header(buf, len, &h) < 0)
		return -1;
	p = buf + 44;
	if (h.version >= 2) {
		size_t skip = tzif_data_len(&h, 4);

		if (len - 44 < skip || tzif_header(p + skip, len - 44 - skip, &h) < 0)
			return -1;
		p += skip + 44;
		tsize = 8;
	}
	if ((size_t)(buf + len - p) < tzif_data_len(&h, tsize))
		return -1;
	tz->ntrans = h.timecnt;
	tz->ntypes = h.typecnt;
	tz->trans = calloc(h.timecnt ? h.timecnt : 1, sizeof(*tz->trans));
	tz->idx = calloc(h.timecnt ? h.timecnt : 1, 1);
	tz->types = calloc(h.typecnt, sizeof(*tz->types));
	if (tz->trans == NULL || tz->idx == NULL || tz->types == NULL)
		return -1;
	for (uint32_t i = 0; i < h.timecnt; i++, p += tsize)
		tz->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
	for (uint32_t i = 0; i < h.timecnt; i++, p++) {
		if (*p >= h.typecnt)
			return -1;
		tz->idx[i] = *p;
	}
	for (uint32_t i = 0; i < h.typecnt; i++, p += 6) {
		tz->types[i].utoff = (int32_t)be32(p);
		tz->types[i].isdst = p[4] != 0;
	}
	p += h.charcnt + (size_t)h.leapcnt * (tsize + 4) + h.isstdcnt + h.isutcnt;
	if (h.version >= 2 && p < buf + len && *p == '\n') {
		const unsigned char *e = memchr(p + 1, '\n', (size_t)(buf + len - p - 1));
		char footer[128];
		size_t n;

		if (e == NULL || (n = (size_t)(e - p - 1)) >= sizeof(footer))
			return -1;
		memcpy(footer, p + 1, n);
		footer[n] = '\0';
		if (n > 0) {
			if (posix_parse(footer, &tz->footer) < 0)
				return -1;
			tz->has_footer = 1;
		}
	}
	return 0;
}

void
od_tz_free(struct od_tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->idx);
	free(tz->types);
	free(tz);
}

struct od_tz *
od_tz_parse(const char *name, const void *buf, size_t len)
{
	struct od_tz *tz;

	if (name == NULL || buf == NULL || len > TZ_FILE_MAX || (tz = calloc(1, sizeof(*tz))) == NULL)
		return NULL;
	if (tzif_parse(buf, len, tz) < 0 || (tz->name = strdup(name)) == NULL) {
		od_tz_free(tz);
		return NULL;
	}
	return tz;
}

static struct od_tz *
tz_load(const char *name)
{
	const char *dir = getenv("OUTREACHD_ZONEINFO");
	char path[4096];
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	struct od_tz *tz;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (len == cap) {
			unsigned char *nb;

			if (cap >= TZ_FILE_MAX)
				goto fail;
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	tz = od_tz_parse(name, buf, len);
	free(buf);
	return tz;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* Was name looked up before and found to be no zone?  Called locked. */
static int
tz_missed(const char *name)
{
	for (size_t i = 0; i < nmisses; i++)
		if (strcmp(misses[i], name) == 0)
			return 1;
	return 0;
}

/* Remembers name as no zone, forgetting the oldest when full.  Called locked. */
static void
tz_miss_add(const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL)
		return;
	if (nmisses < TZ_MISS_MAX)
		misses[nmisses++] = copy;
	else {
		free(misses[miss_next]);
		misses[miss_next] = copy;
		miss_next = (miss_next + 1) % TZ_MISS_MAX;
	}
}

const struct od_tz *
od_tz_get(const char *name)
{
	struct od_tz *tz = NULL;

	if (!name_safe(name))
		return NULL;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ncache; i++) {
		if (strcmp(cache[i]->name, name) == 0) {
			tz = cache[i];
			goto out;
		}
	}
	/*
	 * A name known to be no zone costs no open(); the misses are a ring of
	 * TZ_MISS_MAX, so a stream of made-up names cannot grow it.  Only
	 * names that exist as zone files are cached for good, so that table is
	 * bounded by the tz database.
	 */
	if (tz_missed(name))
		goto out;
	if ((tz = tz_load(name)) == NULL) {
		tz_miss_add(name);
		goto out;
	}
	if (ncache == capcache) {
		size_t ncap = capcache ? capcache * 2 : 32;
		struct od_tz **nc = realloc(cache, ncap * sizeof(*nc));

		if (nc == NULL) {
			od_tz_free(tz);
			tz = NULL;
			goto out;
		}
		cache = nc;
		capcache = ncap;
	}
	cache[ncache++] = tz;
out:
	pthread_mutex_unlock(&cache_lock);
	return tz;
}

int
od_tz_valid(const char *name)
{
	return od_tz_get(name) != NULL;
}

const char *
od_tz_name(const struct od_tz *tz)
{
	return tz != NULL ? tz->name : NULL;
}

static void
tz_lookup(const struct od_tz *tz, int64_t utc, int *off, int *isdst)
{
	size_t lo, hi;
	const struct tz_type *t;

	if (tz->ntrans == 0 || utc < tz->trans[0]) {
		if (tz->ntrans == 0 && tz->has_footer) {
			posix_lookup(&tz->footer, utc, off, isdst);
			return;
		}
		t = &tz->types[0];
	} else if (utc >= tz->trans[tz->ntrans - 1] && tz->has_footer) {
		posix_lookup(&tz->footer, utc, off, isdst);
		return;
	} else {
		/* The last transition at or before utc. */
		lo = 0;
		hi = tz->ntrans;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (tz->trans[mid] <= utc)
				lo = mid;
			else
				hi = mid;
		}
		t = &tz->types[tz->idx[lo]];
	}
	*off = t->utoff;
	*isdst = t->isdst;
}

int
od_tz_offset(const struct od_tz *tz, int64_t utc)
{
	int off, isdst;

	tz_lookup(tz, utc, &off, &isdst);
	return off;
}

void
od_tz_to_local(const struct od_tz *tz, int64_t utc, struct od_local *out)
{
	int off, isdst;
	int64_t local, days, rem;

	tz_lookup(tz, utc, &off, &isdst);
	local = utc + off;
	days = local / 86400;
	rem = local % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	od_civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (int)(rem / 3600);
	out->min = (int)(rem / 60 % 60);
	out->sec = (int)(rem % 60);
	out->wday = od_weekday(days);
	out->utcoff = off;
	out->isdst = isdst;
}

int64_t
od_tz_from_local(const struct od_tz *tz, int y, int mo, int d, int h, int mi, int s)
{
	int64_t L = od_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + s;
	int ob = od_tz_offset(tz, L - 86400);	/* before any nearby change */
	int oa = od_tz_offset(tz, L + 86400);	/* after it */
	int64_t tb = L - ob, ta = L - oa, lo, hi;
	int vb = od_tz_offset(tz, tb) == ob, va = od_tz_offset(tz, ta) == oa;

	if (vb && va)
		return tb < ta ? tb : ta;	/* fall back: the earlier instant */
	if (vb)
		return tb;
	if (va)
		return ta;
	/*
	 * The gap: L lies in [T + ob, T + oa) for the transition T, so
	 * ta < T <= tb.  Find T, the first instant whose offset is no longer ob.
	 */
	lo = ta < tb ? ta : tb;
	hi = ta < tb ? tb : ta;
	if (od_tz_offset(tz, lo) != ob)
		return lo;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (od_tz_offset(tz, mid) == ob)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

void
od_tz_cache_free(void)
{
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ncache; i++)
		od_tz_free(cache[i]);
	free(cache);
	cache = NULL;
	ncache = capcache = 0;
	for (size_t i = 0; i < nmisses; i++)
		free(misses[i]);
	nmisses = miss_next = 0;
	pthread_mutex_unlock(&cache_lock);
	od_tz_countries_free();
}
