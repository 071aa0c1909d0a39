/*
 * test_property: random accounts and events through the simulator, and every
 * simulated send re-checked by a checker of its own, written here from
 * /work/shared/reference/contact-rules.md and the presets' values
 * (config/jurisdictions/<CC>.yaml) without calling od_rules or od_tz: local
 * time comes from glibc (TZ + localtime_r), holidays from
 * config/holidays/<CC>.yaml read line by line, caps and spacing from the
 * simulated send log, consent, opt-outs, holds and payments from the event log.
 *
 * ACCOUNTS_PER_PRESET accounts for each of PE, CO, MX, CL and US (all in one
 * run of 90 days from 2026-03-01, which crosses the DST changes of
 * America/New_York on 8 March and America/Santiago on 5 April).  An account
 * of MX, US or CL without a zone may be in any of the country's zones
 * (tzdata's zone1970.tab and zone.tab, read here): each of its sends is
 * checked in every one of them.  Accounts naming another country's zone
 * must be refused at intake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "od_confset.h"
#include "od_sim.h"
#include "od_time.h"

#define ACCOUNTS_PER_PRESET	10000
#define NPRESET			5
#define NACCT			(ACCOUNTS_PER_PRESET * NPRESET)
#define FROM			"2026-03-01"
#define DAYS			90
#define MAXEV			6
#define DAY			86400000LL
#define HOUR			3600000LL
#define WEEK			(7 * DAY)

/* ---- the rules, from the reference (contact-rules.md) and the presets ---- */

struct rule {
	const char	*cc;
	const char	*currency;
	const char	*phone_prefix;		/* a number in the country: prefix and digits */
	int		 phone_digits;
	const char	*phone_zone;		/* the country's one zone, NULL when tzdata has several */
	const char	*zones[3];
	int		 win[7][2];		/* [wday]: minutes [start, end); {0, 0}: none */
	int		 holidays;
	int		 per_day, per_week, channels_per_week;
	int64_t		 spacing;
};

static const struct rule rules[NPRESET] = {
	/* Peru, Ley 29571 art. 62(b): Mon-Fri 07:00-20:00, no holidays; outreachd's caps. */
	{ "PE", "PEN", "+519", 8, "America/Lima", { "America/Lima" },
	  { {0, 0}, {420, 1200}, {420, 1200}, {420, 1200}, {420, 1200}, {420, 1200}, {0, 0} },
	  1, 1, 3, 0, 24 * HOUR },
	/* Colombia, Ley 2300 de 2023: Mon-Fri 07-19, Sat 08-15, once a day, one channel a week. */
	{ "CO", "COP", "+5731", 8, "America/Bogota", { "America/Bogota" },
	  { {0, 0}, {420, 1140}, {420, 1140}, {420, 1140}, {420, 1140}, {420, 1140}, {480, 900} },
	  1, 1, 0, 1, 0 },
	/* Mexico, CONDUSEF: 07:00-22:00 every day, in the debtor's zone. */
	{ "MX", "MXN", "+5255", 8, NULL, { "America/Mexico_City", "America/Tijuana", "America/Cancun" },
	  { {420, 1320}, {420, 1320}, {420, 1320}, {420, 1320}, {420, 1320}, {420, 1320}, {420, 1320} },
	  0, 0, 0, 0, 0 },
	/* Chile, Ley 21.320: working days 08-20, two a week, two days apart. */
	{ "CL", "CLP", "+5699", 7, NULL, { "America/Santiago" },
	  { {0, 0}, {480, 1200}, {480, 1200}, {480, 1200}, {480, 1200}, {480, 1200}, {0, 0} },
	  1, 0, 2, 0, 48 * HOUR },
	/* United States, Reg F 1006.6(b)(1)(i): 08-21 local; 7 in 7 days (TCPA: texts are calls). */
	{ "US", "USD", "+1212", 7, NULL, { "America/New_York", "America/Chicago", "America/Los_Angeles" },
	  { {480, 1260}, {480, 1260}, {480, 1260}, {480, 1260}, {480, 1260}, {480, 1260}, {480, 1260} },
	  0, 0, 7, 0, 0 },
};

/* ---- what the generator made ---------------------------------------------- */

struct tev {
	int64_t			 at;
	enum od_event_type	 type;
	int			 channel;	/* kind or -1 (all) */
	int64_t			 amount;	/* minor units (whole amounts: any currency) */
	int			 full;
	char			 until[11];
};

struct tacct {
	int		 rule;
	const char	*zone;		/* the zone the checker derives, or NULL */
	int		 zoneset;	/* no zone, several in the country: every one must allow */
	int		 consent[3];
	int		 has[3];	/* an address for the kind */
	int64_t		 amount;
	int		 digits;
	struct tev	 ev[MAXEV];
	int		 nev;
};

struct tsend {
	int64_t		at;
	uint32_t	acct;
	int		kind;
};

static struct tacct	*accts;
static struct tsend	*sends;
static size_t		 nsends, capsends;
static uint64_t		 bad_reasons, failed, superseded, bad_superseded;
/* Per account, a bit per step index: the steps sent, and the steps superseded. */
static uint32_t		*steps_sent, *steps_superseded;
static int64_t		 holidays[NPRESET][128];
static int		 nholidays[NPRESET];
static uint64_t		 rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
rnd_in(int lo, int hi)		/* lo..hi inclusive */
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

static int
chance(int percent)
{
	return (int)(rnd() % 100) < percent;
}

/* "2026-07-28" days from the line "  - {date: 2026-07-28, name: ...}". */
static void
read_holidays(int r)
{
	char	 path[512], line[512], *p;
	FILE	*f;
	int	 y, m, d;

	snprintf(path, sizeof(path), "%s/config/holidays/%s.yaml", OD_SOURCE_DIR, rules[r].cc);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if ((p = strstr(line, "date: ")) != NULL && sscanf(p + 6, "%d-%d-%d", &y, &m, &d) == 3) {
			assert_true(nholidays[r] < 128);
			holidays[r][nholidays[r]++] = od_days_from_civil(y, m, d);
		}
	fclose(f);
	assert_true(nholidays[r] > 10);
}

static void
iso(int64_t ms, char *buf)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
gen_event(struct od_sim *s, size_t i, struct tacct *a, int64_t from, char *doc, size_t len)
{
	static const enum od_event_type types[] = { OD_EV_PAYMENT, OD_EV_PAYMENT, OD_EV_OPT_OUT,
	    OD_EV_OPT_OUT, OD_EV_OPT_IN, OD_EV_DISPUTE, OD_EV_DISPUTE_RESOLVED, OD_EV_PROMISE,
	    OD_EV_CLOSE, OD_EV_CEASE };
	static const char *const chn[] = { "sms", "email", "whatsapp", "all" };
	struct tev	*e = &a->ev[a->nev++];
	char		 at[32], reason[256];
	int		 c, y, m, d;

	memset(e, 0, sizeof(*e));
	e->at = from + (int64_t)(rnd() % (uint64_t)(DAYS * DAY / 1000)) * 1000;
	e->type = types[rnd() % (sizeof(types) / sizeof(types[0]))];
	if ((e->type == OD_EV_CLOSE || e->type == OD_EV_CEASE) && chance(70))
		e->type = OD_EV_PROMISE;
	iso(e->at, at);
	switch (e->type) {
	case OD_EV_PAYMENT:
		e->full = chance(30);
		e->amount = chance(50) ? a->amount / 3 : a->amount;
		snprintf(doc, len, "{\"account_id\": \"P-%zu\", \"type\": \"payment\", \"amount\": "
		    "\"%lld\"%s, \"at\": \"%s\"}", i, (long long)e->amount, e->full ?
		    ", \"full\": true" : "", at);
		e->amount *= a->digits == 2 ? 100 : 1;
		break;
	case OD_EV_OPT_OUT:
	case OD_EV_OPT_IN:
		c = rnd_in(0, 3);
		e->channel = c == 3 ? -1 : c;
		snprintf(doc, len, "{\"account_id\": \"P-%zu\", \"type\": \"%s\", \"channel\": \"%s\","
		    " \"at\": \"%s\"}", i, od_event_type_name(e->type), chn[c], at);
		break;
	case OD_EV_PROMISE:
		od_civil_from_days(e->at / DAY + rnd_in(0, 10), &y, &m, &d);
		snprintf(e->until, sizeof(e->until), "%04d-%02d-%02d", y, m, d);
		snprintf(doc, len, "{\"account_id\": \"P-%zu\", \"type\": \"promise_to_pay\", "
		    "\"until\": \"%s\", \"at\": \"%s\"}", i, e->until, at);
		break;
	default:
		snprintf(doc, len, "{\"account_id\": \"P-%zu\", \"type\": \"%s\", \"at\": \"%s\"}", i,
		    od_event_type_name(e->type), at);
		break;
	}
	if (od_sim_add_event(s, doc, strlen(doc), reason, sizeof(reason)) != 0)
		fail_msg("event %s: %s", doc, reason);
}

static void
generate(struct od_sim *s, int64_t from)
{
	static const char *const kinds[] = { "sms", "email", "whatsapp" };
	struct tacct	*a;
	char		 doc[2048], phone[32], tz[96], consent[128], wa[64], email[64], reason[256];
	const char	*zone;
	size_t		 i;
	int		 r, y, m, d, k, n;

	for (i = 0; i < NACCT; i++) {
		a = &accts[i];
		r = a->rule = (int)(i % NPRESET);
		zone = rules[r].zones[rnd() % (rules[r].zones[2] ? 3 : 1)];
		snprintf(phone, sizeof(phone), "%s%0*d", rules[r].phone_prefix, rules[r].phone_digits,
		    rnd_in(0, 9999999));
		a->has[0] = chance(85);
		a->has[1] = !a->has[0] || chance(70);
		a->has[2] = chance(50);		/* the WhatsApp number is the phone's */
		tz[0] = '\0';
		if (chance(80)) {
			snprintf(tz, sizeof(tz), ", \"timezone\": \"%s\"", zone);
			a->zone = zone;
		} else if (rules[r].phone_zone == NULL)	/* several zones: all of them */
			a->zoneset = 1;
		else if (a->has[0] || a->has[2])	/* the number's, where the country has one zone */
			a->zone = rules[r].phone_zone;
		else
			a->zone = NULL;
		snprintf(email, sizeof(email), ", \"email\": \"d%zu@example.com\"", i);
		snprintf(wa, sizeof(wa), ", \"whatsapp\": \"%s\"", phone);
		n = snprintf(consent, sizeof(consent), "{");
		for (k = 0; k < 3; k++) {
			a->consent[k] = chance(75);
			n += snprintf(consent + n, sizeof(consent) - (size_t)n, "%s\"%s\": %s",
			    k ? ", " : "", kinds[k], a->consent[k] ? "true" : "false");
		}
		snprintf(consent + n, sizeof(consent) - (size_t)n, "}");
		od_civil_from_days(from / DAY - 12 + rnd_in(0, 75), &y, &m, &d);
		a->digits = strcmp(rules[r].currency, "CLP") == 0 ? 0 : 2;
		a->amount = rnd_in(300, 90000);
		snprintf(doc, sizeof(doc), "{\"account_id\": \"P-%zu\", \"debtor\": {\"name\": "
		    "\"Deudor Prueba\"%s%s%s%s, \"country\": \"%s\"}, \"debt\": {\"amount\": \"%lld\", "
		    "\"currency\": \"%s\", \"due_date\": \"%04d-%02d-%02d\"}, \"policy\": \"prop-%c%c\", "
		    "\"consent\": %s}", i,
		    a->has[0] ? ", \"phone\": \"" : "", a->has[0] ? phone : "",
		    a->has[0] ? "\"" : "", tz, rules[r].cc, (long long)a->amount,
		    rules[r].currency, y, m, d, rules[r].cc[0] + 32, rules[r].cc[1] + 32, consent);
		/* email and whatsapp go in the debtor object too */
		{
			char	*p = strstr(doc, ", \"country\"");
			char	 rest[2048];

			snprintf(rest, sizeof(rest), "%s", p);
			snprintf(p, sizeof(doc) - (size_t)(p - doc), "%s%s%s", a->has[1] ? email : "",
			    a->has[2] ? wa : "", rest);
		}
		a->amount *= a->digits == 2 ? 100 : 1;
		if (od_sim_add_account(s, doc, strlen(doc), reason, sizeof(reason)) != 0)
			fail_msg("account %s: %s", doc, reason);
		a->nev = 0;
		n = chance(60) ? rnd_in(1, MAXEV) : 0;
		while (n-- > 0)
			gen_event(s, i, a, from, doc, sizeof(doc));
	}
}

static void
collect(const struct od_sim_entry *e, void *arg)
{
	static const char *const known[] = { "window", "holiday", "cap", "spacing", "consent",
	    "opt_out", "hold", "timezone_unknown", "no_address", "calendar_missing", NULL };
	const char	*const *k;

	(void)arg;
	if (strcmp(e->status, "superseded") == 0) {
		/*
		 * A step passed over because a later one was due too: never on a
		 * channel, always with its reason and its due time, once, and never
		 * a step that was (or is later) sent.
		 */
		uint32_t a = (uint32_t)strtoul(e->account_id + 2, NULL, 10), bit;

		superseded++;
		assert_true(e->step_index >= 0 && e->step_index < 32);
		bit = 1u << e->step_index;
		if (e->channel != -1 || e->reason == NULL || strcmp(e->reason, "later_step_due") != 0 ||
		    e->detail == NULL || strncmp(e->detail, "due ", 4) != 0 ||
		    (steps_superseded[a] | steps_sent[a]) & bit) {
			if (bad_superseded++ < 10)
				print_message("bad superseded record: %s step %s (%d) reason %s "
				    "detail %s\n", e->account_id, e->step, e->step_index,
				    e->reason ? e->reason : "-", e->detail ? e->detail : "-");
		}
		steps_superseded[a] |= bit;
		return;
	}
	if (strcmp(e->status, "sent") == 0) {
		uint32_t a = (uint32_t)strtoul(e->account_id + 2, NULL, 10);

		if (e->step_index >= 0 && e->step_index < 32) {
			if (steps_superseded[a] & (1u << e->step_index))
				bad_superseded++;
			steps_sent[a] |= 1u << e->step_index;
		}
		if (nsends == capsends) {
			capsends = capsends ? capsends * 2 : 65536;
			assert_non_null(sends = realloc(sends, capsends * sizeof(*sends)));
		}
		sends[nsends].at = e->at_ms;
		sends[nsends].acct = (uint32_t)strtoul(e->account_id + 2, NULL, 10);
		sends[nsends++].kind = e->channel;
		if (e->text == NULL || e->text[0] == '\0')
			bad_reasons++;
		return;
	}
	if (strcmp(e->status, "suppressed") != 0) {
		failed++;
		return;
	}
	for (k = known; *k != NULL; k++)
		if (e->reason != NULL && strcmp(e->reason, *k) == 0)
			break;
	if (*k == NULL)
		bad_reasons++;
}

/* ---- the checker ------------------------------------------------------------- */

static int
send_cmp(const void *x, const void *y)
{
	const struct tsend *a = x, *b = y;
	const char *za = accts[a->acct].zone ? accts[a->acct].zone : "";
	const char *zb = accts[b->acct].zone ? accts[b->acct].zone : "";
	int c = strcmp(za, zb);

	if (c != 0)
		return c;
	if (a->acct != b->acct)
		return a->acct < b->acct ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

static int
tev_cmp(const void *x, const void *y)
{
	const struct tev *a = x, *b = y;

	return a->at < b->at ? -1 : a->at > b->at;
}

static uint64_t violations;

static void
violation(const struct tsend *s, const char *what)
{
	char	t[32];

	iso(s->at, t);
	if (violations++ < 20)
		print_message("violation: P-%u %s at %s: %s\n", s->acct,
		    od_channel_kind_name(s->kind), t, what);
}

/* Local civil day number and minute of the day, with glibc in the zone TZ is set to. */
static void
local(int64_t ms, int64_t *day, int *min, int *wday)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	*day = od_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*min = tm.tm_hour * 60 + tm.tm_min;
	*wday = tm.tm_wday;
}

/* The account's standing at the instant t from its events (stable order: as the simulator). */
static void
standing(const struct tacct *a, int64_t t, int64_t day, const struct tsend *s)
{
	unsigned	optout = 0;
	int64_t		paid = 0;
	int		dispute = 0, ended = 0, i;
	const char	*promise = NULL;
	char		today[11];
	int		y, m, d;

	for (i = 0; i < a->nev && a->ev[i].at <= t; i++) {
		const struct tev *e = &a->ev[i];

		switch (e->type) {
		case OD_EV_PAYMENT:
			paid += e->amount;
			if (e->full || paid >= a->amount)
				ended = 1;
			break;
		case OD_EV_CLOSE:
		case OD_EV_CEASE:
			ended = 1;
			break;
		case OD_EV_OPT_OUT:
			optout |= e->channel < 0 ? 8u : 1u << e->channel;
			break;
		case OD_EV_OPT_IN:
			optout = e->channel < 0 ? 0 : optout & ~(1u << e->channel);
			break;
		case OD_EV_DISPUTE:
			dispute = 1;
			break;
		case OD_EV_DISPUTE_RESOLVED:
			dispute = 0;
			break;
		case OD_EV_PROMISE:
			promise = e->until;
			break;
		default:
			break;
		}
	}
	if (ended)
		violation(s, "sent after a payment in full, a close or a cease");
	if (optout & (8u | 1u << s->kind))
		violation(s, "sent on a channel the debtor opted out of");
	if (dispute)
		violation(s, "sent during a dispute");
	od_civil_from_days(day, &y, &m, &d);
	snprintf(today, sizeof(today), "%04d-%02d-%02d", y, m, d);
	if (promise != NULL && strcmp(promise, today) >= 0)
		violation(s, "sent before a promise to pay fell due");
}

static int
is_holiday(int r, int64_t day)
{
	int	i;

	for (i = 0; i < nholidays[r]; i++)
		if (holidays[r][i] == day)
			return 1;
	return 0;
}

static void
check_account(const struct tsend *v, size_t n)
{
	struct tacct		*a = &accts[v[0].acct];
	const struct rule	*r = &rules[a->rule];
	int64_t			 day[256];
	size_t			 i, k, cnt;
	int			 min, wd;

	qsort(a->ev, (size_t)a->nev, sizeof(a->ev[0]), tev_cmp);
	for (i = 0; i < n; i++) {
		const struct tsend *s = &v[i];

		if (a->zone == NULL && !a->zoneset) {
			violation(s, "sent to a debtor whose time zone is unknown");
			continue;
		}
		local(s->at, &day[i < 256 ? i : 255], &min, &wd);
		if (min < r->win[wd][0] || min >= r->win[wd][1])
			violation(s, "outside the weekday's window");
		if (r->holidays && is_holiday(a->rule, day[i < 256 ? i : 255]))
			violation(s, "on a public holiday");
		if (!a->consent[s->kind])
			violation(s, "without consent for the channel");
		if (!a->has[s->kind])
			violation(s, "without an address for the channel");
		standing(a, s->at, day[i < 256 ? i : 255], s);
		if (r->spacing > 0 && i > 0 && s->at - v[i - 1].at < r->spacing)
			violation(s, "closer to the previous message than the minimum spacing");
		if (r->per_day > 0) {
			for (cnt = 0, k = 0; k <= i && k < 256; k++)
				cnt += day[k] == day[i < 256 ? i : 255];
			if ((int)cnt > r->per_day)
				violation(s, "over the per-day cap");
		}
		for (cnt = 0, k = 0; k <= i; k++)
			if (v[k].at > s->at - WEEK) {
				cnt++;
				if (r->channels_per_week > 0 && v[k].kind != s->kind)
					violation(s, "a second channel within 7 days");
			}
		if (r->per_week > 0 && (int)cnt > r->per_week)
			violation(s, "over the per-week cap");
	}
}

/*
 * The zones tzdata gives a country, read here from its own tables
 * (zone1970.tab: a zone belongs to each code listed; zone.tab adds the
 * rest), by name: the reference's "time zones belong to countries".
 */
#define MAXCZ	64
static const char	*czones[NPRESET][MAXCZ];
static int		 nczones[NPRESET];

static void
read_country_zones(int r)
{
	static const char *const files[] = { "/usr/share/zoneinfo/zone1970.tab",
	    "/usr/share/zoneinfo/zone.tab" };
	char	 line[512], *codes, *zone, *sp;
	FILE	*f;
	int	 k, i;

	for (k = 0; k < 2; k++) {
		assert_non_null(f = fopen(files[k], "r"));
		while (fgets(line, sizeof(line), f) != NULL) {
			if (line[0] == '#')
				continue;
			line[strcspn(line, "\n")] = '\0';
			if ((codes = strtok_r(line, "\t", &sp)) == NULL ||
			    strtok_r(NULL, "\t", &sp) == NULL || (zone = strtok_r(NULL, "\t", &sp)) == NULL)
				continue;
			for (i = 0; codes[i] != '\0' && strncmp(codes + i, rules[r].cc, 2) != 0; )
				i += codes[i + 2] == ',' ? 3 : (int)strlen(codes + i);
			if (codes[i] == '\0')
				continue;		/* "AE,OM,RE": each two letters and a comma */
			for (i = 0; i < nczones[r] && strcmp(czones[r][i], zone) != 0; i++)
				;
			if (i == nczones[r] && nczones[r] < MAXCZ)
				czones[r][nczones[r]++] = strdup(zone);
		}
		fclose(f);
	}
}

/* A zone-set account's sends in the zone TZ names: window, holiday, per-day cap there too. */
static void
check_in_zone(const struct tsend *v, size_t n)
{
	struct tacct		*a = &accts[v[0].acct];
	const struct rule	*r = &rules[a->rule];
	int64_t			 day[256];
	size_t			 i, k, cnt;
	int			 min, wd;

	for (i = 0; i < n && i < 256; i++) {
		local(v[i].at, &day[i], &min, &wd);
		if (min < r->win[wd][0] || min >= r->win[wd][1])
			violation(&v[i], "outside the weekday's window in one of the country's zones");
		if (r->holidays && is_holiday(a->rule, day[i]))
			violation(&v[i], "on a public holiday in one of the country's zones");
		if (r->per_day > 0) {
			for (cnt = 0, k = 0; k <= i; k++)
				cnt += day[k] == day[i];
			if ((int)cnt > r->per_day)
				violation(&v[i], "over the per-day cap in one of the country's zones");
		}
	}
}

static void
set_tz(const char *zone)
{
	char	tzenv[128];

	snprintf(tzenv, sizeof(tzenv), ":%s", zone);
	setenv("TZ", tzenv, 1);
	tzset();
}

/* Zones of another country are refused at intake, naming the country's. */
#define NFOREIGN	50
static void
add_foreign(struct od_sim *s)
{
	static const char *const bad[][2] = { { "PE", "Etc/UTC" }, { "PE", "America/Bogota" },
	    { "US", "America/Lima" }, { "MX", "America/New_York" }, { "CL", "America/Argentina/Buenos_Aires" } };
	char	doc[1024], reason[512], want[128];
	size_t	i;

	for (i = 0; i < NFOREIGN; i++) {
		const char *cc = bad[i % 5][0], *tz = bad[i % 5][1];

		snprintf(doc, sizeof(doc), "{\"account_id\": \"F-%zu\", \"debtor\": {\"name\": "
		    "\"Deudor\", \"email\": \"f%zu@example.com\", \"country\": \"%s\", \"timezone\": "
		    "\"%s\"}, \"debt\": {\"amount\": \"100\", \"currency\": \"USD\", \"due_date\": "
		    "\"2026-03-10\"}}", i, i, cc, tz);
		assert_int_equal(od_sim_add_account(s, doc, strlen(doc), reason, sizeof(reason)), -1);
		snprintf(want, sizeof(want), "debtor.timezone: \"%s\" is not a time zone of %s (", tz, cc);
		if (strncmp(reason, want, strlen(want)) != 0)
			fail_msg("%s: %s", doc, reason);
	}
}

static void
test_every_send_obeys_the_rules(void **state)
{
	struct od_confset		 set;
	struct od_errors		 errs;
	struct od_sim_options		 o;
	const struct od_sim_summary	*sum;
	struct od_sim			*s;
	char				 err[256];
	const char			*zone, *cur = NULL;
	size_t				 i, j;
	int				 y, m, d, r, z;

	(void)state;
	for (r = 0; r < NPRESET; r++) {
		if (rules[r].holidays)
			read_holidays(r);
		read_country_zones(r);
		assert_true(nczones[r] >= 1);
		assert_true((nczones[r] == 1) == (rules[r].phone_zone != NULL));
	}
	od_errors_init(&errs);
	if (od_confset_load(OD_TEST_DATA "/sim/outreachd.yaml", NULL, 0, &set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		fail_msg("cannot load the test configuration");
	}
	od_errors_clear(&errs);
	memset(&o, 0, sizeof(o));
	assert_int_equal(od_date_parse(FROM, &y, &m, &d), 0);
	o.from_ms = od_days_from_civil(y, m, d) * DAY;
	o.days = DAYS;
	assert_non_null(s = od_sim_new(&set, &o, err, sizeof(err)));
	assert_non_null(accts = calloc(NACCT, sizeof(*accts)));
	assert_non_null(steps_sent = calloc(NACCT, sizeof(*steps_sent)));
	assert_non_null(steps_superseded = calloc(NACCT, sizeof(*steps_superseded)));
	generate(s, o.from_ms);
	add_foreign(s);
	assert_int_equal(od_sim_run(s, collect, NULL, NULL, NULL), 0);
	sum = od_sim_summary(s);
	print_message("%zu accounts, %llu events, %llu actions: %llu sent, %llu suppressed, "
	    "%llu superseded\n", (size_t)NACCT, (unsigned long long)sum->events,
	    (unsigned long long)sum->actions, (unsigned long long)sum->sent,
	    (unsigned long long)sum->suppressed, (unsigned long long)sum->superseded);
	assert_int_equal(sum->accounts, NACCT);
	assert_int_equal(sum->accounts_rejected, NFOREIGN);
	assert_int_equal(failed, 0);
	assert_int_equal(sum->failed, 0);
	/* accounts due up to 12 days before the start: some steps passed unsent */
	assert_true(superseded > 0);
	assert_int_equal(sum->superseded, superseded);
	assert_int_equal(bad_superseded, 0);
	assert_int_equal(bad_reasons, 0);	/* every suppression has a known reason */
	assert_true(nsends > NACCT);		/* the test tests something */
	for (i = 0; i < sum->nsuppressions; i++)
		print_message("  suppressed %s: %llu\n", sum->suppressions[i].name,
		    (unsigned long long)sum->suppressions[i].n);

	qsort(sends, nsends, sizeof(*sends), send_cmp);
	for (i = 0; i < nsends; i = j) {
		for (j = i + 1; j < nsends && sends[j].acct == sends[i].acct; j++)
			;
		zone = accts[sends[i].acct].zone;
		if (accts[sends[i].acct].zoneset)	/* planned in the first (most populous) zone */
			zone = czones[accts[sends[i].acct].rule][0];
		if (zone != NULL && (cur == NULL || strcmp(zone, cur) != 0)) {
			set_tz(zone);
			cur = zone;
		}
		check_account(&sends[i], j - i);
	}
	/* and every zone-set account's sends in each of its country's zones */
	for (r = 0; r < NPRESET; r++)
		for (z = 0; rules[r].phone_zone == NULL && z < nczones[r]; z++) {
			set_tz(czones[r][z]);
			for (i = 0; i < nsends; i = j) {
				for (j = i + 1; j < nsends && sends[j].acct == sends[i].acct; j++)
					;
				if (accts[sends[i].acct].zoneset && accts[sends[i].acct].rule == r)
					check_in_zone(&sends[i], j - i);
			}
		}
	assert_int_equal(violations, 0);

	od_sim_free(s);
	od_confset_free(&set);
	free(accts);
	free(sends);
	for (r = 0; r < NPRESET; r++)
		for (z = 0; z < nczones[r]; z++)
			free((char *)czones[r][z]);
	free(steps_sent);
	free(steps_superseded);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_send_obeys_the_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
