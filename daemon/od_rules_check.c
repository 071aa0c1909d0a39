/*
 * od_rules: the check at send time.
 *
 * Each rule on its own answers "the earliest instant >= t that I allow":
 * the windows and holidays by walking the debtor's local days, each cap by
 * arithmetic on the recent contacts.  Applying them in turn until none moves
 * t (a fixed point) gives the earliest instant that every rule allows: no
 * step ever passes over an instant its own rule allows, so none passes over
 * one that all allow.  Nothing steps minute by minute.
 */
#include "od_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_time.h"
#include "od_tz.h"

#define DAY_MS		86400000LL
#define WEEK_MS		(7 * DAY_MS)
#define HORIZON_MS	(400 * DAY_MS)
#define CHECK_STACK	32

enum check_cap {
	CAP_PER_DAY,
	CAP_CHANNEL_PER_DAY,
	CAP_PER_WEEK,
	CAP_CHANNEL_PER_WEEK,
	CAP_CHANNELS_PER_WEEK,
	CAP_COUNT
};

struct check_contact {
	int64_t		at;
	int64_t		day;		/* the debtor's local day */
	int		kind;
};

struct check {
	const struct od_rules		*r;
	const struct od_rules_preset	*p;
	const struct od_rules_limits	*l;
	const struct od_tz		*tz;
	int				 kind;
	struct check_contact		*c;	/* newest first */
	size_t				 n;
};

static const char *const check_days[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

const char *
od_block_name(enum od_block b)
{
	switch (b) {
	case OD_BLOCK_NONE:		return "none";
	case OD_BLOCK_WINDOW:		return "window";
	case OD_BLOCK_HOLIDAY:		return "holiday";
	case OD_BLOCK_CAP:		return "cap";
	case OD_BLOCK_SPACING:		return "spacing";
	case OD_BLOCK_TIMEZONE_UNKNOWN:	return "timezone_unknown";
	case OD_BLOCK_NO_PRESET:	return "no_preset";
	case OD_BLOCK_CALENDAR_MISSING:	return "calendar_missing";
	}
	return "unknown";
}

static int64_t
check_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t
check_local_day(const struct check *chk, int64_t t, struct od_local *lt)
{
	od_tz_to_local(chk->tz, check_floor_div(t, 1000), lt);
	return od_days_from_civil(lt->year, lt->month, lt->day);
}

/* The instant of minute min (0..1440) of local day. */
static int64_t
check_instant(const struct check *chk, int64_t day, int min)
{
	int	y, m, d;

	if (min >= 1440) {
		day += min / 1440;
		min %= 1440;
	}
	od_civil_from_days(day, &y, &m, &d);
	return od_tz_from_local(chk->tz, y, m, d, min / 60, min % 60, 0) * 1000;
}

static const char *
check_holiday(const struct check *chk, int64_t day)
{
	int	y, m, d;

	if (!chk->l->holidays)
		return NULL;
	od_civil_from_days(day, &y, &m, &d);
	return od_rules_holiday(chk->r, chk->p->jurisdiction, y, m, d);
}

/*
 * 1 when the preset blocks on holidays and its country's calendar does not
 * cover day: nothing is known of that date, so nothing is sent on it.
 */
static int
check_calendar_missing(const struct check *chk, int64_t day)
{
	int	y, m, d;

	if (!chk->l->holidays)
		return 0;
	od_civil_from_days(day, &y, &m, &d);
	return !od_rules_calendar_covers(chk->r, chk->p->jurisdiction, y, m, d);
}

/* Windows and holidays: the earliest instant >= t inside a window, or -1. */
static int64_t
check_time_next(const struct check *chk, int64_t t)
{
	struct od_local	lt;
	int64_t		day0, day, s, e;
	int		i, k, wd;

	day0 = check_local_day(chk, t, &lt) - 1;
	for (i = 0; i < 403; i++) {
		day = day0 + i;
		wd = od_weekday(day);
		if (chk->l->nwin[wd] == 0 || check_calendar_missing(chk, day) ||
		    check_holiday(chk, day) != NULL)
			continue;
		for (k = 0; k < chk->l->nwin[wd]; k++) {
			s = check_instant(chk, day, chk->l->win[wd][k].start);
			e = check_instant(chk, day, chk->l->win[wd][k].end);
			if (e > t && e > s)
				return s > t ? s : t;
		}
	}
	return -1;
}

static int64_t
check_spacing_next(const struct check *chk, int64_t t)
{
	int64_t	ok;

	if (chk->l->min_spacing_ms <= 0 || chk->n == 0)
		return t;
	ok = chk->c[0].at + chk->l->min_spacing_ms;
	return ok > t ? ok : t;
}

/* At most cap contacts (of kind, or any when kind < 0) on t's local day. */
static int64_t
check_day_next(const struct check *chk, int cap, int kind, int64_t t)
{
	struct od_local	lt;
	int64_t		day;
	size_t		i;
	int		count, guard;

	for (guard = 0; guard < 1000; guard++) {
		day = check_local_day(chk, t, &lt);
		for (count = 0, i = 0; i < chk->n; i++)
			if (chk->c[i].day == day && (kind < 0 || chk->c[i].kind == kind))
				count++;
		if (count < cap)
			return t;
		t = check_instant(chk, day + 1, 0);
	}
	return t;
}

/*
 * At most cap contacts (of kind, or any) in the 7 * 24 h before t: when the
 * cap-th newest is inside, t must wait until it leaves.
 */
static int64_t
check_week_next(const struct check *chk, int cap, int kind, int64_t t)
{
	size_t	i;
	int	seen = 0;

	for (i = 0; i < chk->n; i++) {
		if (kind >= 0 && chk->c[i].kind != kind)
			continue;
		if (++seen == cap)
			return chk->c[i].at > t - WEEK_MS ? chk->c[i].at + WEEK_MS : t;
	}
	return t;
}

/* At most cap distinct kinds in any 7 * 24 h, counting the one being sent. */
static int64_t
check_channels_next(const struct check *chk, int cap, int64_t t)
{
	size_t	i;
	int	seen[OD_CH_MAX] = { 0 }, nseen = 0;

	for (i = 0; i < chk->n; i++) {
		int k = chk->c[i].kind;

		if (k == chk->kind || k < 0 || k >= OD_CH_MAX || seen[k])
			continue;
		seen[k] = 1;
		if (++nseen == cap)	/* newest of the cap-th other kind */
			return chk->c[i].at > t - WEEK_MS ? chk->c[i].at + WEEK_MS : t;
	}
	return t;
}

static int64_t
check_cap_next(const struct check *chk, enum check_cap cap, int64_t t)
{
	const struct od_rules_limits *l = chk->l;

	switch (cap) {
	case CAP_PER_DAY:
		return l->per_day > 0 ? check_day_next(chk, l->per_day, -1, t) : t;
	case CAP_CHANNEL_PER_DAY:
		return l->per_channel_per_day[chk->kind] > 0 ?
		    check_day_next(chk, l->per_channel_per_day[chk->kind], chk->kind, t) : t;
	case CAP_PER_WEEK:
		return l->per_week > 0 ? check_week_next(chk, l->per_week, -1, t) : t;
	case CAP_CHANNEL_PER_WEEK:
		return l->per_channel_per_week[chk->kind] > 0 ?
		    check_week_next(chk, l->per_channel_per_week[chk->kind], chk->kind, t) : t;
	case CAP_CHANNELS_PER_WEEK:
		return l->channels_per_week > 0 ? check_channels_next(chk, l->channels_per_week, t) : t;
	case CAP_COUNT:
		break;
	}
	return t;
}

/* The earliest instant >= now that every rule allows, or -1. */
static int64_t
check_next(const struct check *chk, int64_t now)
{
	int64_t	t = now, u;
	int	iter, cap;

	for (iter = 0; iter < 10000; iter++) {
		if (t - now > HORIZON_MS)
			return -1;
		if ((u = check_time_next(chk, t)) < 0)
			return -1;
		u = check_spacing_next(chk, u);
		for (cap = 0; cap < CAP_COUNT; cap++)
			u = check_cap_next(chk, (enum check_cap)cap, u);
		if (u == t)
			return t - now > HORIZON_MS ? -1 : t;
		t = u;
	}
	return -1;
}

/* "48h", "3h05m", "45m", "30s". */
static void
check_format_ms(int64_t ms, char *buf, size_t len)
{
	long long	h = ms / 3600000, m = ms / 60000 % 60;

	if (ms < 60000)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (h > 0 && m == 0)
		snprintf(buf, len, "%lldh", h);
	else if (h > 0)
		snprintf(buf, len, "%lldh%02lldm", h, m);
	else
		snprintf(buf, len, "%lldm", m);
}

static void
check_cap_detail(const struct check *chk, enum check_cap cap, int64_t now, struct od_verdict *out)
{
	const struct od_rules_limits	*l = chk->l;
	const char			*kname = od_channel_kind_name(chk->kind);
	const char			*basis = chk->p->caps_basis;
	struct od_local			 lt;
	char				 kinds[64] = "";
	size_t				 i;
	int				 seen[OD_CH_MAX] = { 0 };

	check_local_day(chk, now, &lt);
	switch (cap) {
	case CAP_PER_DAY:
		snprintf(out->detail, sizeof(out->detail), "per_day cap of %d reached on "
		    "%04d-%02d-%02d (%s)", l->per_day, lt.year, lt.month, lt.day, basis);
		break;
	case CAP_CHANNEL_PER_DAY:
		snprintf(out->detail, sizeof(out->detail), "per_channel_per_day cap of %d for %s "
		    "reached on %04d-%02d-%02d (%s)", l->per_channel_per_day[chk->kind], kname,
		    lt.year, lt.month, lt.day, basis);
		break;
	case CAP_PER_WEEK:
		snprintf(out->detail, sizeof(out->detail), "per_week cap of %d reached in the last "
		    "7 days (%s)", l->per_week, basis);
		break;
	case CAP_CHANNEL_PER_WEEK:
		snprintf(out->detail, sizeof(out->detail), "per_channel_per_week cap of %d for %s "
		    "reached in the last 7 days (%s)", l->per_channel_per_week[chk->kind], kname, basis);
		break;
	case CAP_CHANNELS_PER_WEEK:
		for (i = 0; i < chk->n; i++) {
			int k = chk->c[i].kind;

			if (k == chk->kind || k < 0 || k >= OD_CH_MAX || seen[k] ||
			    chk->c[i].at <= now - WEEK_MS)
				continue;
			seen[k] = 1;
			snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
			    kinds[0] ? ", " : "", od_channel_kind_name(k));
		}
		snprintf(out->detail, sizeof(out->detail), "channels_per_week cap of %d reached: %s "
		    "already used in the last 7 days (%s)", l->channels_per_week, kinds, basis);
		break;
	case CAP_COUNT:
		break;
	}
}

/* Why now is blocked, in the order calendar_missing, holiday, window, spacing, cap. */
static void
check_reason(const struct check *chk, int64_t now, struct od_verdict *out)
{
	const struct od_rules_preset	*p = chk->p;
	struct od_local			 lt;
	const char			*hname;
	char				 buf[96], ago[32];
	int64_t				 day;
	int				 cap;

	day = check_local_day(chk, now, &lt);
	if (check_calendar_missing(chk, day)) {
		out->block = OD_BLOCK_CALENDAR_MISSING;
		snprintf(out->detail, sizeof(out->detail), "%04d-%02d-%02d is outside %s's holiday "
		    "calendar (holidays/%s.yaml covers:): no contact on an unknown date (%s)",
		    lt.year, lt.month, lt.day, p->jurisdiction, p->jurisdiction, p->law);
		return;
	}
	if ((hname = check_holiday(chk, day)) != NULL) {
		out->block = OD_BLOCK_HOLIDAY;
		snprintf(out->detail, sizeof(out->detail), "%04d-%02d-%02d is a public holiday in "
		    "%s: %s (%s)", lt.year, lt.month, lt.day, p->jurisdiction, hname, p->law);
		return;
	}
	if (check_time_next(chk, now) != now) {
		out->block = OD_BLOCK_WINDOW;
		if (chk->l->nwin[lt.wday] == 0)
			snprintf(out->detail, sizeof(out->detail), "no contact on %s in %s (%s)",
			    check_days[lt.wday], p->jurisdiction, p->law);
		else {
			od_rules_format_day(chk->l, lt.wday, buf, sizeof(buf));
			snprintf(out->detail, sizeof(out->detail), "%02d:%02d %s is outside %s's "
			    "window %s (%s)", lt.hour, lt.min, check_days[lt.wday], p->jurisdiction,
			    buf, p->law);
		}
		return;
	}
	if (check_spacing_next(chk, now) != now) {
		out->block = OD_BLOCK_SPACING;
		/*
		 * To the nearest minute: the milliseconds a send took after its
		 * instant never show in the detail (simulate agrees to the letter).
		 */
		check_format_ms((now - chk->c[0].at + 30000) / 60000 * 60000, ago, sizeof(ago));
		check_format_ms(chk->l->min_spacing_ms, buf, sizeof(buf));
		snprintf(out->detail, sizeof(out->detail), "last contact %.24s ago; %s requires %.24s "
		    "between contacts (%s)", now >= chk->c[0].at ? ago : "0s", p->jurisdiction, buf,
		    p->caps_basis);
		return;
	}
	for (cap = 0; cap < CAP_COUNT; cap++)
		if (check_cap_next(chk, (enum check_cap)cap, now) != now) {
			out->block = OD_BLOCK_CAP;
			check_cap_detail(chk, (enum check_cap)cap, now, out);
			return;
		}
}

static int
check_contact_cmp(const void *a, const void *b)
{
	const struct check_contact *x = a, *y = b;

	return x->at > y->at ? -1 : x->at < y->at;
}

int
od_rules_check(const struct od_rules *r, const struct od_rules_preset *p, const char *timezone,
    int kind, const struct od_contact *recent, size_t nrecent, int64_t now_ms,
    struct od_verdict *out)
{
	struct check_contact	 stack[CHECK_STACK];
	struct check		 chk;
	struct od_local		 lt;
	size_t			 i;

	if (out == NULL || (recent == NULL && nrecent > 0) || kind < 0 || kind >= OD_CH_MAX)
		return -1;
	memset(out, 0, sizeof(*out));
	out->next_ms = -1;
	if (p == NULL) {
		out->block = OD_BLOCK_NO_PRESET;
		snprintf(out->detail, sizeof(out->detail), "no contact rules for this jurisdiction");
		return 1;
	}
	memset(&chk, 0, sizeof(chk));
	if (timezone == NULL || (chk.tz = od_tz_get(timezone)) == NULL) {
		out->block = OD_BLOCK_TIMEZONE_UNKNOWN;
		if (timezone == NULL)
			snprintf(out->detail, sizeof(out->detail), "the debtor's time zone is unknown");
		else
			snprintf(out->detail, sizeof(out->detail), "unknown time zone '%.100s'",
			    timezone);
		return 1;
	}
	chk.r = r;
	chk.p = p;
	chk.l = &p->lim;
	chk.kind = kind;
	chk.n = nrecent;
	chk.c = nrecent <= CHECK_STACK ? stack : malloc(nrecent * sizeof(*chk.c));
	if (chk.c == NULL)
		return -1;
	for (i = 0; i < nrecent; i++) {
		chk.c[i].at = recent[i].at_ms;
		chk.c[i].kind = recent[i].kind;
		chk.c[i].day = check_local_day(&chk, recent[i].at_ms, &lt);
	}
	qsort(chk.c, nrecent, sizeof(*chk.c), check_contact_cmp);

	out->next_ms = check_next(&chk, now_ms);
	if (out->next_ms != now_ms)
		check_reason(&chk, now_ms, out);
	else
		snprintf(out->detail, sizeof(out->detail), "allowed");
	if (chk.c != stack)
		free(chk.c);
	return out->block == OD_BLOCK_NONE ? 0 : 1;
}

/*
 * Several presets at once (the debtor's country's, and the policy's
 * jurisdiction's when it is another), in several zones at once (a debtor
 * whose zone is one of a country's several): blocked when any pair blocks
 * now, with the reason of the first that does (its zone named first when
 * there are several); next_ms is the earliest instant every pair allows,
 * found by letting each push the instant on in turn.  Each pair counts the
 * caps on its own zone's local days, so a per-day cap holds in every zone.
 */
#define CHECK_ALL_ROUNDS	64

int
od_rules_check_zones(const struct od_rules *r, const struct od_rules_preset *const *ps, size_t n,
    const char *const *zones, size_t nzones, int kind, const struct od_contact *recent,
    size_t nrecent, int64_t now_ms, struct od_verdict *out)
{
	static const char *const nozone[1] = { NULL };
	struct od_verdict	v;
	int64_t			t;
	size_t			i, z, agreed;
	int			rc, round;

	if (out == NULL || n == 0)
		return -1;
	if (nzones == 0) {
		zones = nozone;		/* timezone_unknown */
		nzones = 1;
	}
	memset(out, 0, sizeof(*out));
	for (z = 0; z < nzones; z++)
		for (i = 0; i < n; i++) {
			if ((rc = od_rules_check(r, ps[i], zones[z], kind, recent, nrecent, now_ms,
			    &v)) == -1)
				return -1;
			if (rc == 1 && out->block == OD_BLOCK_NONE) {
				*out = v;
				if (nzones > 1)
					snprintf(out->detail, sizeof(out->detail), "%.48s: %.200s", zones[z],
					    v.detail);
			}
		}
	if (out->block == OD_BLOCK_NONE) {
		out->next_ms = now_ms;
		snprintf(out->detail, sizeof(out->detail), "allowed");
		return 0;
	}
	/* The earliest instant all allow: each pair pushes t to its own next. */
	t = out->next_ms;
	for (round = 0; t >= 0 && round < CHECK_ALL_ROUNDS; round++) {
		agreed = 0;
		for (z = 0; z < nzones && t >= 0; z++)
			for (i = 0; i < n && t >= 0; i++) {
				if (od_rules_check(r, ps[i], zones[z], kind, recent, nrecent, t,
				    &v) == -1)
					return -1;
				if (v.next_ms == t)
					agreed++;
				t = v.next_ms;
			}
		if (agreed == n * nzones)
			break;
	}
	out->next_ms = round < CHECK_ALL_ROUNDS ? t : -1;	/* -1: none within reach */
	return 1;
}

int
od_rules_check_all(const struct od_rules *r, const struct od_rules_preset *const *ps, size_t n,
    const char *timezone, int kind, const struct od_contact *recent, size_t nrecent,
    int64_t now_ms, struct od_verdict *out)
{
	return od_rules_check_zones(r, ps, n, &timezone, 1, kind, recent, nrecent, now_ms, out);
}
