/*
 * test_property: random accounts and events through the simulator, and every
 * simulated send re-checked by a checker of its own, written here from
 * /work/shared/reference/contact-rules.md and the presets' values
 * (config/jurisdictions/<CC>.yaml) without calling od_rules, od_tz or
 * od_person: local time comes from glibc (TZ + localtime_r), holidays and
 * each calendar's covers: from config/holidays/<CC>.yaml read line by line,
 * caps and spacing from the simulated send log, consent, opt-outs, holds and
 * payments from the event log.
 *
 * Two runs.  The first: ACCOUNTS_PER_PRESET accounts for each of PE, CO, MX,
 * CL and US, 90 days from 2026-03-01 (crossing the DST changes of
 * America/New_York on 8 March and America/Santiago on 5 April).  The second:
 * LATE_PER_PRESET accounts each, 100 days from 2028-10-01, across the end of
 * the shipped holiday calendars (covers.to 2028-12-31): a preset with
 * holidays: true sends nothing on a local date outside its calendar
 * (calendar_missing), and the 2028 holidays hold.
 *
 * What is drawn, per account:
 *  - a zone: 80% a zone of the country named in debtor.timezone; else none,
 *    and an account of MX, US or CL may then be in any of the country's
 *    zones (tzdata's zone1970.tab and zone.tab, read here): each of its sends
 *    is checked in every one of them.  Accounts naming another country's
 *    zone must be refused at intake (add_foreign);
 *  - a person: ~15% reuse the phone (and WhatsApp number) of an earlier
 *    account of the same country, with its zone choice (a second loan of the
 *    same debtor); ~5% give a debtor.id, some of them the id of an earlier
 *    account of the same country with a different phone, written another way
 *    ("12.345.678-k" and "12345678K");
 *  - a policy: ~10% name the policy of another country (prop-xx), so that
 *    both the debtor's country's preset and the policy's jurisdiction's apply.
 *
 * What is checked, per send:
 *  - per account: consent, an address for the channel, the standing (paid,
 *    closed, opted out, disputed, promised) from its events, a known zone;
 *  - for each preset that applies (the debtor's country's, and the policy's
 *    jurisdiction's when it is another), in each of the debtor's zones: the
 *    preset's windows, its own holiday calendar (holidays and covers:), and
 *    its per-day cap on that zone's local days;
 *  - per PERSON (debtor.id normalised, with the country; else the phone,
 *    else the WhatsApp number; else the email), over the sends of all their
 *    accounts: each applying preset's per-day, per-week and
 *    channels-per-week caps and min spacing.
 * Then doctored sends must each be reported, so that the new checks can
 * fail: sends on another account of the same person a minute after a real
 * one (PE spacing, CO per-day), two days after on another channel (CO
 * channels per week), four days running on two accounts (US 8 in 7 days),
 * each passing the checks per account; a mismatched account's send moved
 * outside its policy's preset's window or onto that preset's holiday, each
 * passing its country's preset alone; a send moved onto a 2028 holiday, and
 * past covers.to (of the debtor's preset, and of a mismatched policy's).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "od_confset.h"
#include "od_sim.h"
#include "od_time.h"

#define ACCOUNTS_PER_PRESET	10000
#define LATE_PER_PRESET		2000
#define NPRESET			5
#define FROM			"2026-03-01"
#define DAYS			90
#define LATE_FROM		"2028-10-01"
#define LATE_DAYS		100
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
	int		 rule;		/* the debtor's country */
	int		 prule;		/* the policy's jurisdiction: rule, or another preset */
	const char	*zone;		/* the zone the checker derives, or NULL */
	int		 zi;		/* zone's index in zlist, or -1 */
	int		 zoneset;	/* no zone, several in the country: every one must allow */
	int		 tzgiven;	/* debtor.timezone was written */
	int		 consent[3];
	int		 has[3];	/* an address for the kind */
	int64_t		 amount;
	int		 digits;
	char		 phone[24];	/* the phone and WhatsApp number */
	char		 idw[32];	/* debtor.id as written, or "" */
	uint32_t	 person;
	struct tev	 ev[MAXEV];
	int		 nev;
};

struct tsend {
	int64_t		at;
	uint32_t	acct;
	int		kind;
};

static size_t		 nacct;
static int		 days;
static int		 due_span;	/* due dates: from 12 days before the start, over this many */
static struct tacct	*accts;
static struct tsend	*sends;
static size_t		 nsends, capsends;
static uint64_t		 bad_reasons, failed, superseded, bad_superseded, lifecycle;
/* Per account, a bit per step index: the steps sent, and the steps superseded. */
static uint32_t		*steps_sent, *steps_superseded;
/* Per person (after assign_persons): how many accounts. */
static uint32_t		*person_accts;
static uint32_t		 npersons;
static int64_t		 holidays[NPRESET][128];
static int		 nholidays[NPRESET];
static int64_t		 covers_from[NPRESET], covers_to[NPRESET];
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

/*
 * "2026-07-28" days from the line "  - {date: 2026-07-28, name: ...}", and
 * the calendar's "covers: {from: 2026-01-01, to: 2028-12-31}".
 */
static void
read_holidays(int r)
{
	char	 path[512], line[512], *p, *q;
	FILE	*f;
	int	 y, m, d, y2, m2, d2;

	snprintf(path, sizeof(path), "%s/config/holidays/%s.yaml", OD_SOURCE_DIR, rules[r].cc);
	assert_non_null(f = fopen(path, "r"));
	covers_from[r] = covers_to[r] = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "covers:", 7) == 0) {
			assert_non_null(p = strstr(line, "from: "));
			assert_non_null(q = strstr(line, "to: "));
			assert_int_equal(sscanf(p + 6, "%d-%d-%d", &y, &m, &d), 3);
			assert_int_equal(sscanf(q + 4, "%d-%d-%d", &y2, &m2, &d2), 3);
			covers_from[r] = od_days_from_civil(y, m, d);
			covers_to[r] = od_days_from_civil(y2, m2, d2);
		} else if (line[0] != '#' && (p = strstr(line, "date: ")) != NULL &&
		    sscanf(p + 6, "%d-%d-%d", &y, &m, &d) == 3) {
			assert_true(nholidays[r] < 128);
			holidays[r][nholidays[r]++] = od_days_from_civil(y, m, d);
		}
	}
	fclose(f);
	assert_true(nholidays[r] > 10);
	assert_true(covers_from[r] > 0 && covers_to[r] > covers_from[r]);
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
	e->at = from + (int64_t)(rnd() % (uint64_t)(days * DAY / 1000)) * 1000;
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

/* A document number of 8 digits (and a check letter, or none) written in style w. */
static void
write_doc(long num, char letter, int w, char *out, size_t len)
{
	char	dig[16], tail[4] = "";
	long	hi = num / 1000000, mid = num / 1000 % 1000, lo = num % 1000;

	if (letter != '\0')	/* one way upper case, the other lower case */
		snprintf(tail, sizeof(tail), "%s%c", w % 2 ? "-" : "",
		    w % 2 ? (char)tolower((unsigned char)letter) : letter);
	snprintf(dig, sizeof(dig), "%08ld", num);
	switch (w % 4) {
	case 0: snprintf(out, len, "%ld.%03ld.%03ld%s", hi, mid, lo, tail); break;
	case 1: snprintf(out, len, "%s%s", dig, tail); break;
	case 2: snprintf(out, len, "%ld %03ld %03ld%s", hi, mid, lo, tail); break;
	default: snprintf(out, len, "%02ld/%03ld-%03ld%s", hi, mid, lo, tail); break;
	}
}

/* The zone choice of a person, made for the first of their accounts (or copied). */
static void
draw_zone(struct tacct *a)
{
	const struct rule *r = &rules[a->rule];

	a->tzgiven = chance(80);
	a->zone = a->tzgiven ? r->zones[rnd() % (r->zones[2] ? 3 : 1)] : NULL;
}

static void
finish_zone(struct tacct *a)
{
	const struct rule *r = &rules[a->rule];

	a->zoneset = 0;
	if (a->tzgiven)
		return;
	if (r->phone_zone == NULL)		/* several zones: all of them */
		a->zoneset = 1, a->zone = NULL;
	else if (a->has[0] || a->has[2])	/* the number's, where the country has one zone */
		a->zone = r->phone_zone;
	else
		a->zone = NULL;
}

static uint64_t	 n_phone_shared, n_id_given, n_id_shared, n_mismatched;

static void
generate(struct od_sim *s, int64_t from)
{
	static const char *const kinds[] = { "sms", "email", "whatsapp" };
	struct tacct	*a, *src;
	char		 doc[2048], tz[96], consent[128], wa[64], email[64], idj[64], reason[256];
	long		 docnum[NPRESET][64];
	char		 docletter[NPRESET][64];
	int		 docstyle[NPRESET][64];
	size_t		 docacct[NPRESET][64], i, j;
	int		 ndoc[NPRESET] = { 0 };
	int		 r, y, m, d, k, n, w;

	for (i = 0; i < nacct; i++) {
		a = &accts[i];
		r = a->rule = (int)(i % NPRESET);
		a->prule = r;
		if (chance(10)) {		/* the policy of another country */
			a->prule = (r + rnd_in(1, NPRESET - 1)) % NPRESET;
			n_mismatched++;
		}
		a->has[0] = chance(85);
		a->has[1] = !a->has[0] || chance(70);
		a->has[2] = chance(50);		/* the WhatsApp number is the phone's */
		a->idw[0] = '\0';
		src = NULL;
		if (chance(5)) {		/* a debtor.id */
			n_id_given++;
			if (ndoc[r] > 0 && chance(40)) {
				/* an earlier account's, written another way, another phone */
				k = rnd_in(0, ndoc[r] - 1);
				w = docstyle[r][k] + rnd_in(1, 3);
				write_doc(docnum[r][k], docletter[r][k], w, a->idw, sizeof(a->idw));
				src = &accts[docacct[r][k]];
				n_id_shared++;
			} else {
				k = ndoc[r] < 64 ? ndoc[r]++ : rnd_in(0, 63);
				docnum[r][k] = rnd_in(1000000, 99999999);
				docletter[r][k] = chance(30) ? (char)('A' + rnd_in(0, 25)) : '\0';
				docstyle[r][k] = rnd_in(0, 3);
				docacct[r][k] = i;
				write_doc(docnum[r][k], docletter[r][k], docstyle[r][k], a->idw,
				    sizeof(a->idw));
			}
		}
		snprintf(a->phone, sizeof(a->phone), "%s%0*d", rules[r].phone_prefix,
		    rules[r].phone_digits, rnd_in(0, 9999999));
		if (src == NULL && i >= NPRESET && chance(15)) {
			/* a second loan of an earlier debtor: their phone, their zone */
			j = i - NPRESET * (size_t)rnd_in(1, (int)(i / NPRESET < 300 ? i / NPRESET : 300));
			src = &accts[j];
			memcpy(a->phone, src->phone, sizeof(a->phone));
			n_phone_shared++;
		}
		if (src != NULL) {
			a->tzgiven = src->tzgiven;
			a->zone = src->zone;
		} else
			draw_zone(a);
		finish_zone(a);
		tz[0] = '\0';
		if (a->tzgiven)
			snprintf(tz, sizeof(tz), ", \"timezone\": \"%s\"", a->zone);
		idj[0] = '\0';
		if (a->idw[0] != '\0')
			snprintf(idj, sizeof(idj), ", \"id\": \"%s\"", a->idw);
		snprintf(email, sizeof(email), ", \"email\": \"d%zu@example.com\"", i);
		snprintf(wa, sizeof(wa), ", \"whatsapp\": \"%s\"", a->phone);
		n = snprintf(consent, sizeof(consent), "{");
		for (k = 0; k < 3; k++) {
			a->consent[k] = chance(75);
			n += snprintf(consent + n, sizeof(consent) - (size_t)n, "%s\"%s\": %s",
			    k ? ", " : "", kinds[k], a->consent[k] ? "true" : "false");
		}
		snprintf(consent + n, sizeof(consent) - (size_t)n, "}");
		od_civil_from_days(from / DAY - 12 + rnd_in(0, due_span), &y, &m, &d);
		a->digits = strcmp(rules[r].currency, "CLP") == 0 ? 0 : 2;
		a->amount = rnd_in(300, 90000);
		snprintf(doc, sizeof(doc), "{\"account_id\": \"P-%zu\", \"debtor\": {\"name\": "
		    "\"Deudor Prueba\"%s%s%s%s%s%s%s, \"country\": \"%s\"}, \"debt\": {\"amount\": "
		    "\"%lld\", \"currency\": \"%s\", \"due_date\": \"%04d-%02d-%02d\"}, \"policy\": "
		    "\"prop-%c%c\", \"consent\": %s}", i,
		    a->has[0] ? ", \"phone\": \"" : "", a->has[0] ? a->phone : "",
		    a->has[0] ? "\"" : "", tz, a->has[1] ? email : "", a->has[2] ? wa : "", idj,
		    rules[r].cc, (long long)a->amount, rules[r].currency, y, m, d,
		    rules[a->prule].cc[0] + 32, rules[a->prule].cc[1] + 32, consent);
		a->amount *= a->digits == 2 ? 100 : 1;
		if (od_sim_add_account(s, doc, strlen(doc), reason, sizeof(reason)) != 0)
			fail_msg("account %s: %s", doc, reason);
		a->nev = 0;
		n = chance(60) ? rnd_in(1, MAXEV) : 0;
		while (n-- > 0)
			gen_event(s, i, a, from, doc, sizeof(doc));
	}
}

/*
 * The person of an account, derived here (not with od_person): the
 * debtor.id with separators ' ', '.', '-', '/' dropped and letters
 * upper-cased, with the country; else the phone, else the WhatsApp number;
 * else the email, lower-cased.
 */
static void
person_key(const struct tacct *a, size_t i, char *out, size_t len)
{
	char		 doc[40];
	size_t		 n = 0;
	const char	*p;

	if (a->idw[0] != '\0') {
		for (p = a->idw; *p != '\0' && n + 1 < sizeof(doc); p++)
			if (strchr(" .-/", *p) == NULL)
				doc[n++] = (char)toupper((unsigned char)*p);
		doc[n] = '\0';
		snprintf(out, len, "id:%s:%s", rules[a->rule].cc, doc);
	} else if (a->has[0] || a->has[2])
		snprintf(out, len, "tel:%s", a->phone);		/* phone and whatsapp: the same */
	else
		snprintf(out, len, "mail:d%zu@example.com", i);
}

static char	(*pkeys)[48];

static int
key_cmp(const void *x, const void *y)
{
	return strcmp(pkeys[*(const uint32_t *)x], pkeys[*(const uint32_t *)y]);
}

static void
assign_persons(void)
{
	uint32_t	*order, i;

	assert_non_null(pkeys = calloc(nacct, sizeof(*pkeys)));
	assert_non_null(order = calloc(nacct, sizeof(*order)));
	for (i = 0; i < nacct; i++) {
		person_key(&accts[i], i, pkeys[i], sizeof(pkeys[i]));
		order[i] = i;
	}
	qsort(order, nacct, sizeof(*order), key_cmp);
	assert_non_null(person_accts = calloc(nacct, sizeof(*person_accts)));
	for (npersons = 0, i = 0; i < nacct; i++) {
		if (i > 0 && strcmp(pkeys[order[i]], pkeys[order[i - 1]]) != 0)
			npersons++;
		accts[order[i]].person = npersons;
		person_accts[npersons]++;
	}
	npersons++;
	free(order);
	free(pkeys);
	pkeys = NULL;
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
		sends[nsends].acct = a;
		sends[nsends++].kind = e->channel;
		if (e->text == NULL || e->text[0] == '\0')
			bad_reasons++;
		return;
	}
	if (strncmp(e->status, "promise_", 8) == 0 || strcmp(e->status, "escalated") == 0) {
		lifecycle++;	/* promises made, kept, broken, refused (od_state_life.c) */
		return;
	}
	if (strcmp(e->status, "rejected") == 0 && e->reason != NULL &&
	    strstr(e->reason, "no promise applies") != NULL)
		return;		/* a promise drawn after a payment in full, a close, a cease */
	if (strcmp(e->status, "suppressed") != 0) {
		if (failed++ < 5)
			print_message("unexpected record: %s %s %s\n", e->account_id, e->status,
			    e->reason ? e->reason : "-");
		return;
	}
	for (k = known; *k != NULL; k++)
		if (e->reason != NULL && strcmp(e->reason, *k) == 0)
			break;
	if (*k == NULL)
		bad_reasons++;
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

/* ---- the checker ------------------------------------------------------------- */

#define CM_BY_ACCOUNT	0x1	/* doctored-send checks: caps per account, as before persons */
#define CM_COUNTRY_ONLY	0x2	/* doctored-send checks: the debtor's country's preset alone */

static int		 cmode;
static uint64_t		 violations, matched;
static const char	*want;		/* count the violations whose text has this in matched */
static int		 quiet;
static char		 first_violation[512];

static uint32_t
pid(const struct tsend *s)
{
	return cmode & CM_BY_ACCOUNT ? s->acct : accts[s->acct].person;
}

static int
send_cmp(const void *x, const void *y)
{
	const struct tsend *a = x, *b = y;
	uint32_t pa = pid(a), pb = pid(b);

	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->acct != b->acct)
		return a->acct < b->acct ? -1 : 1;
	return a->kind - b->kind;
}

static int
tev_cmp(const void *x, const void *y)
{
	const struct tev *a = x, *b = y;

	return a->at < b->at ? -1 : a->at > b->at;
}

static void
violation(const struct tsend *s, const char *fmt, ...)
{
	char	t[32], what[200], msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	iso(s->at, t);
	snprintf(msg, sizeof(msg), "P-%u (%s, policy prop-%s, person %u) %s at %s: %s", s->acct,
	    rules[accts[s->acct].rule].cc, rules[accts[s->acct].prule].cc, accts[s->acct].person,
	    od_channel_kind_name(s->kind), t, what);
	if (violations == 0)
		snprintf(first_violation, sizeof(first_violation), "%s", msg);
	if (want != NULL && strstr(what, want) != NULL)
		matched++;
	if (violations++ < 20 && !quiet)
		print_message("violation: %s\n", msg);
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

/* The account's standing at the instant t from its events (sorted by time). */
static void
standing(const struct tacct *a, int64_t t, int64_t day, const struct tsend *s)
{
	unsigned	optout = 0;
	int64_t		paid = 0;
	int		dispute = 0, ended = 0, i;
	const char	*promise = NULL;
	char		today[11];
	int		y, m, d, maybe_broken = 0;
	int64_t		base = 0, need = 0, pday = 0;

	for (i = 0; i < a->nev && a->ev[i].at <= t; i++) {
		const struct tev *e = &a->ev[i];

		switch (e->type) {
		case OD_EV_PAYMENT:
			paid += e->amount;
			/* a promise is kept once what was paid since covers it (100%) */
			if (promise != NULL && paid - base >= need)
				promise = NULL;
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
			/*
			 * The policy (promises: defaults) refuses a promise after two
			 * broken ones.  Whether one broke depends on its deadline in the
			 * debtor's zone: a promise replaced on or after its date may
			 * have; after two of those, later promises are not checked.
			 */
			if (promise != NULL && e->at / DAY >= pday)
				maybe_broken++;
			promise = NULL;
			if (maybe_broken >= 2 || paid >= a->amount)
				break;
			promise = e->until;
			pday = od_days_from_civil(atoi(e->until), atoi(e->until + 5),
			    atoi(e->until + 8));
			base = paid;
			need = a->amount - paid;
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

/* The presets that apply to an account: its country's, and its policy's when another. */
static int
acct_rules(const struct tacct *a, int out[2])
{
	out[0] = a->rule;
	if (a->prule == a->rule || (cmode & CM_COUNTRY_ONLY))
		return 1;
	out[1] = a->prule;
	return 2;
}

/*
 * The zones the checks run in: every zone an account names, and every zone
 * of the countries that have several (the zone-set accounts').
 */
#define MAXZ	(NPRESET * MAXCZ)
static const char	*zlist[MAXZ];
static int		 nzlist;
static unsigned char	 inczone[NPRESET][MAXZ];	/* zlist[z] is one of the country's */
static int		 plan_zone[NPRESET];		/* zone-set accounts: planned in this one */

static int
zone_index(const char *zone, int add)
{
	int	z;

	for (z = 0; z < nzlist; z++)
		if (strcmp(zlist[z], zone) == 0)
			return z;
	if (!add)
		return -1;
	assert_true(nzlist < MAXZ);
	zlist[nzlist] = zone;
	return nzlist++;
}

static int
in_zone(const struct tacct *a, int z)
{
	return a->zi == z || (a->zoneset && inczone[a->rule][z]);
}

static void
set_tz(const char *zone)
{
	static const char	*cur;
	char			 tzenv[128];

	if (cur != NULL && strcmp(cur, zone) == 0)
		return;
	cur = zone;
	snprintf(tzenv, sizeof(tzenv), ":%s", zone);
	setenv("TZ", tzenv, 1);
	tzset();
}

/*
 * The checks that do not depend on the zone: the account's consent,
 * address and zone; over the person's sends (all their accounts), each
 * applying preset's spacing, per-week and channels-per-week caps.
 */
static void
check_person(const struct tsend *v, size_t n)
{
	size_t	i, k, cnt;
	int	rs[2], nr, q, nk, seen[3];

	for (i = 0; i < n; i++) {
		const struct tsend	*s = &v[i];
		const struct tacct	*a = &accts[s->acct];

		if (a->zone == NULL && !a->zoneset)
			violation(s, "sent to a debtor whose time zone is unknown");
		if (!a->consent[s->kind])
			violation(s, "without consent for the channel");
		if (!a->has[s->kind])
			violation(s, "without an address for the channel");
		nr = acct_rules(a, rs);
		for (q = 0; q < nr; q++) {
			const struct rule *r = &rules[rs[q]];

			if (r->spacing > 0 && i > 0 && s->at - v[i - 1].at < r->spacing)
				violation(s, "closer to the person's previous message (P-%u) than "
				    "%s's minimum spacing", v[i - 1].acct, r->cc);
			memset(seen, 0, sizeof(seen));
			for (cnt = 0, nk = 0, k = 0; k <= i; k++)
				if (v[k].at > s->at - WEEK) {
					cnt++;
					if (!seen[v[k].kind]++)
						nk++;
				}
			if (r->per_week > 0 && (int)cnt > r->per_week)
				violation(s, "over %s's per-week cap for the person (%zu in 7 days)",
				    r->cc, cnt);
			if (r->channels_per_week > 0 && nk > r->channels_per_week)
				violation(s, "over %s's channels-per-week cap for the person (%d "
				    "channels in 7 days)", r->cc, nk);
		}
	}
}

/*
 * In the zone TZ is set to (zlist[z]): for the sends of accounts in it, each
 * applying preset's calendar coverage, holidays, windows and per-day cap
 * (the person's sends on the same local day there); the standing in the
 * zone the account is planned in.
 */
static void
check_person_in_zone(const struct tsend *v, size_t n, int z, int64_t *day, int *min, int *wd)
{
	size_t	i, k, cnt;
	int	rs[2], nr, q;

	for (i = 0; i < n; i++)
		if (in_zone(&accts[v[i].acct], z))
			break;
	if (i == n)
		return;
	for (i = 0; i < n; i++)
		local(v[i].at, &day[i], &min[i], &wd[i]);
	for (i = 0; i < n; i++) {
		const struct tsend	*s = &v[i];
		const struct tacct	*a = &accts[s->acct];

		if (!in_zone(a, z))
			continue;
		nr = acct_rules(a, rs);
		for (q = 0; q < nr; q++) {
			const struct rule *r = &rules[rs[q]];

			if (r->holidays && (day[i] < covers_from[rs[q]] || day[i] > covers_to[rs[q]]))
				violation(s, "on a local date outside %s's holiday calendar (in %s)",
				    r->cc, zlist[z]);
			if (r->holidays && is_holiday(rs[q], day[i]))
				violation(s, "on a public holiday of %s (in %s)", r->cc, zlist[z]);
			if (min[i] < r->win[wd[i]][0] || min[i] >= r->win[wd[i]][1])
				violation(s, "outside %s's window for the weekday (in %s)", r->cc,
				    zlist[z]);
			if (r->per_day > 0) {
				for (cnt = 0, k = 0; k <= i; k++)
					cnt += day[k] == day[i];
				if ((int)cnt > r->per_day)
					violation(s, "over %s's per-day cap for the person (%zu on one "
					    "day in %s)", r->cc, cnt, zlist[z]);
			}
		}
		if (z == (a->zoneset ? plan_zone[a->rule] : a->zi))
			standing(a, s->at, day[i], s);
	}
}

/* Every check over the sends v (sorted here); returns the violations found. */
static uint64_t
check_sends(struct tsend *v, size_t n, int mode)
{
	int64_t	*day;
	int	*min, *wd, z;
	size_t	 i, j, maxg = 1;
	uint64_t before = violations;

	cmode = mode;
	qsort(v, n, sizeof(*v), send_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && pid(&v[j]) == pid(&v[i]); j++)
			;
		if (j - i > maxg)
			maxg = j - i;
		check_person(&v[i], j - i);
	}
	assert_non_null(day = calloc(maxg, sizeof(*day)));
	assert_non_null(min = calloc(maxg, sizeof(*min)));
	assert_non_null(wd = calloc(maxg, sizeof(*wd)));
	for (z = 0; z < nzlist; z++) {
		for (i = 0; i < n && !in_zone(&accts[v[i].acct], z); i++)
			;
		if (i == n)
			continue;
		set_tz(zlist[z]);
		for (i = 0; i < n; i = j) {
			for (j = i + 1; j < n && pid(&v[j]) == pid(&v[i]); j++)
				;
			check_person_in_zone(&v[i], j - i, z, day, min, wd);
		}
	}
	free(day);
	free(min);
	free(wd);
	cmode = 0;
	return violations - before;
}

/* The violations the checker reports for the doctored sends v (n), quietly. */
static uint64_t
doctored(const struct tsend *v, size_t n, int mode, const char *w)
{
	struct tsend	*c;
	uint64_t	 got, saved = violations;

	assert_non_null(c = malloc(n * sizeof(*c)));
	memcpy(c, v, n * sizeof(*c));
	quiet = 1;
	want = w;
	matched = 0;
	violations = 0;
	first_violation[0] = '\0';
	got = check_sends(c, n, mode);
	violations = saved;
	quiet = 0;
	want = NULL;
	free(c);
	return got;
}

/* Zones of another country are refused at intake, naming the country's. */
#define NFOREIGN	50
static void
add_foreign(struct od_sim *s)
{
	static const char *const bad[][2] = { { "PE", "Etc/UTC" }, { "PE", "America/Bogota" },
	    { "US", "America/Lima" }, { "MX", "America/New_York" }, { "CL", "America/Argentina/Buenos_Aires" } };
	char	doc[1024], reason[512], expect[128];
	size_t	i;

	for (i = 0; i < NFOREIGN; i++) {
		const char *cc = bad[i % 5][0], *tz = bad[i % 5][1];

		snprintf(doc, sizeof(doc), "{\"account_id\": \"F-%zu\", \"debtor\": {\"name\": "
		    "\"Deudor\", \"email\": \"f%zu@example.com\", \"country\": \"%s\", \"timezone\": "
		    "\"%s\"}, \"debt\": {\"amount\": \"100\", \"currency\": \"USD\", \"due_date\": "
		    "\"2026-03-10\"}}", i, i, cc, tz);
		assert_int_equal(od_sim_add_account(s, doc, strlen(doc), reason, sizeof(reason)), -1);
		snprintf(expect, sizeof(expect), "debtor.timezone: \"%s\" is not a time zone of %s (",
		    tz, cc);
		if (strncmp(reason, expect, strlen(expect)) != 0)
			fail_msg("%s: %s", doc, reason);
	}
}

/* ---- doctored sends: every new check can fail ---------------------------------- */

static uint32_t	*pstart, *pacct;	/* person p's accounts: pacct[pstart[p] .. pstart[p + 1]) */

static void
index_persons(void)
{
	uint32_t	i, *fill;

	assert_non_null(pstart = calloc(npersons + 1, sizeof(*pstart)));
	assert_non_null(pacct = calloc(nacct, sizeof(*pacct)));
	assert_non_null(fill = calloc(npersons, sizeof(*fill)));
	for (i = 0; i < npersons; i++)
		pstart[i + 1] = pstart[i] + person_accts[i];
	for (i = 0; i < nacct; i++)
		pacct[pstart[accts[i].person] + fill[accts[i].person]++] = i;
	free(fill);
}

static void
report_doctored(const char *what, const struct tsend *v, size_t n)
{
	char	t[32];

	iso(v[n - 1].at, t);
	print_message("doctored (%s): P-%u %s at %s -> \"%s\"\n", what, v[n - 1].acct,
	    od_channel_kind_name(v[n - 1].kind), t, first_violation);
}

/*
 * A real send s of an account of preset r (its own policy's), and doctored
 * sends on another account of the same person (same preset): reps of each,
 * a day apart, the sibling's off ms after s's.  Found when the checker
 * counting per account reports nothing and counting per person reports w.
 * kinds: 0 the sibling's on s's channel, 1 on another, 2 either.
 */
static int
find_sibling(const char *what, int r, int64_t off, int kinds, int reps, const char *w)
{
	struct tsend	 v[16];
	size_t		 i, tries = 0;
	uint32_t	 p, b;
	int		 k, j, n;

	for (i = 0; i < nsends && tries < 20000; i++) {
		const struct tsend *s = &sends[i];
		const struct tacct *a = &accts[s->acct];

		if (a->rule != r || a->prule != r || person_accts[a->person] < 2)
			continue;
		p = a->person;
		for (j = (int)pstart[p]; j < (int)pstart[p + 1]; j++) {
			b = pacct[j];
			if (b == s->acct || accts[b].rule != r || accts[b].prule != r)
				continue;
			for (k = 0; k < 3; k++) {
				if (!accts[b].consent[k] || !accts[b].has[k] ||
				    (kinds == 0 && k != s->kind) || (kinds == 1 && k == s->kind))
					continue;
				for (n = 0; n < reps; n++) {
					v[2 * n] = *s;
					v[2 * n].at += n * DAY;
					v[2 * n + 1].at = s->at + n * DAY + off;
					v[2 * n + 1].acct = b;
					v[2 * n + 1].kind = k;
				}
				tries++;
				if (doctored(v, (size_t)(2 * reps), CM_BY_ACCOUNT, NULL) == 0 &&
				    doctored(v, (size_t)(2 * reps), 0, w) > 0 && matched > 0) {
					report_doctored(what, v, (size_t)(2 * reps));
					return 1;
				}
			}
		}
	}
	print_message("doctored (%s): no case found in %zu tries\n", what, tries);
	return 0;
}

/*
 * A real send moved by k * step (k in [k0, k1]), of an account whose policy
 * is (mismatched) or is not another country's: found when the checker
 * reports only pre CC post (CC: the country code of the policy's preset, or
 * of the debtor's), and, for a mismatched account, nothing with its country's
 * preset alone.  late: only moved sends after the calendars' end.
 */
static int
find_moved(const char *what, int mismatched, int late, const char *pre, const char *post,
    int64_t step, int k0, int k1)
{
	struct tsend	 v;
	char		 w[96];
	size_t		 i, tries = 0;
	uint64_t	 got;
	int		 k, tr;

	for (i = 0; i < nsends && tries < 5000; i += 7) {
		const struct tsend *s = &sends[i];
		const struct tacct *a = &accts[s->acct];

		if (mismatched != (a->prule != a->rule))
			continue;
		tr = mismatched ? a->prule : a->rule;
		if ((strstr(pre, "holiday") != NULL || strstr(post, "holiday") != NULL) &&
		    !rules[tr].holidays)
			continue;
		snprintf(w, sizeof(w), "%s%s%s", pre, rules[tr].cc, post);
		for (k = k0; k <= k1; k++) {
			v = *s;
			v.at += k * step;
			if (late && v.at / DAY <= covers_to[tr])
				continue;
			tries++;
			if (mismatched && doctored(&v, 1, CM_COUNTRY_ONLY, NULL) != 0)
				continue;
			if ((got = doctored(&v, 1, 0, w)) > 0 && got == matched) {
				report_doctored(what, &v, 1);
				return 1;
			}
		}
	}
	print_message("doctored (%s): no case found in %zu tries\n", what, tries);
	return 0;
}

/* ---- the runs ----------------------------------------------------------------- */

static struct od_confset	 set;

static int
setup(void **state)
{
	struct od_errors	errs;
	int			r, k, z;

	(void)state;
	for (r = 0; r < NPRESET; r++) {
		if (rules[r].holidays)
			read_holidays(r);
		read_country_zones(r);
		assert_true(nczones[r] >= 1);
		assert_true((nczones[r] == 1) == (rules[r].phone_zone != NULL));
	}
	/* the zones accounts name, then every zone of the countries with several */
	for (r = 0; r < NPRESET; r++)
		for (k = 0; k < 3 && rules[r].zones[k] != NULL; k++)
			zone_index(rules[r].zones[k], 1);
	for (r = 0; r < NPRESET; r++)
		for (k = 0; rules[r].phone_zone == NULL && k < nczones[r]; k++) {
			z = zone_index(czones[r][k], 1);
			inczone[r][z] = 1;
			if (k == 0)	/* planned in the first (most populous) zone */
				plan_zone[r] = z;
		}
	od_errors_init(&errs);
	if (od_confset_load(OD_TEST_DATA "/sim/outreachd.yaml", NULL, 0, &set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		fail_msg("cannot load the test configuration");
	}
	od_errors_clear(&errs);
	return 0;
}

static int
teardown(void **state)
{
	int	r, z;

	(void)state;
	od_confset_free(&set);
	for (r = 0; r < NPRESET; r++)
		for (z = 0; z < nczones[r]; z++)
			free((char *)czones[r][z]);
	return 0;
}

struct counts {
	uint64_t	shared_sends;		/* to a person with several accounts */
	uint64_t	shared_id_sends;	/* likewise, the person known by debtor.id */
	uint64_t	mismatched_sends;	/* of accounts whose policy is another country's */
	uint64_t	y2028, y2029;		/* sends on those (UTC) years */
	uint64_t	calendar_missing;	/* suppressions */
	uint64_t	multi_persons;		/* persons with several accounts */
};

/*
 * One simulated run of per_preset accounts a preset from from for ndays,
 * due from 12 days before it over span days: its sends checked.
 */
static double
seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
run(const char *from, int ndays, int span, size_t per_preset, struct counts *c)
{
	double				 t0 = seconds(), t1, t2;
	struct od_sim_options		 o;
	const struct od_sim_summary	*sum;
	struct od_sim			*s;
	char				 err[256];
	size_t				 i;
	uint32_t			 p;
	int				 y, m, d;

	memset(c, 0, sizeof(*c));
	nacct = per_preset * NPRESET;
	days = ndays;
	due_span = span;
	nsends = 0;
	bad_reasons = failed = superseded = bad_superseded = lifecycle = 0;
	n_phone_shared = n_id_given = n_id_shared = n_mismatched = 0;
	memset(&o, 0, sizeof(o));
	assert_int_equal(od_date_parse(from, &y, &m, &d), 0);
	o.from_ms = od_days_from_civil(y, m, d) * DAY;
	o.days = ndays;
	assert_non_null(s = od_sim_new(&set, &o, err, sizeof(err)));
	assert_non_null(accts = calloc(nacct, sizeof(*accts)));
	assert_non_null(steps_sent = calloc(nacct, sizeof(*steps_sent)));
	assert_non_null(steps_superseded = calloc(nacct, sizeof(*steps_superseded)));
	generate(s, o.from_ms);
	add_foreign(s);
	for (i = 0; i < nacct; i++) {
		accts[i].zi = accts[i].zone != NULL ? zone_index(accts[i].zone, 0) : -1;
		assert_true(accts[i].zone == NULL || accts[i].zi >= 0);
		qsort(accts[i].ev, (size_t)accts[i].nev, sizeof(accts[i].ev[0]), tev_cmp);
	}
	t1 = seconds();
	assert_int_equal(od_sim_run(s, collect, NULL, NULL, NULL), 0);
	t2 = seconds();
	sum = od_sim_summary(s);
	print_message("%s, %d days: %zu accounts, %llu events, %llu actions: %llu sent, %llu "
	    "suppressed, %llu superseded\n", from, ndays, nacct, (unsigned long long)sum->events,
	    (unsigned long long)sum->actions, (unsigned long long)sum->sent,
	    (unsigned long long)sum->suppressed, (unsigned long long)sum->superseded);
	assert_int_equal(sum->accounts, nacct);
	assert_int_equal(sum->accounts_rejected, NFOREIGN);
	assert_int_equal(failed, 0);
	assert_int_equal(sum->failed, 0);
	assert_true(lifecycle > 0);	/* the promises drawn were made (and kept or broken) */
	/* accounts due up to 12 days before the start: some steps passed unsent */
	assert_true(superseded > 0);
	assert_int_equal(sum->superseded, superseded);
	assert_int_equal(bad_superseded, 0);
	assert_int_equal(bad_reasons, 0);	/* every suppression has a known reason */
	assert_true(nsends > nacct);		/* the test tests something */
	for (i = 0; i < sum->nsuppressions; i++) {
		print_message("  suppressed %s: %llu\n", sum->suppressions[i].name,
		    (unsigned long long)sum->suppressions[i].n);
		if (strcmp(sum->suppressions[i].name, "calendar_missing") == 0)
			c->calendar_missing = sum->suppressions[i].n;
	}
	od_sim_free(s);

	assign_persons();
	for (p = 0; p < npersons; p++)
		c->multi_persons += person_accts[p] > 1;
	for (i = 0; i < nsends; i++) {
		const struct tacct *a = &accts[sends[i].acct];

		if (person_accts[a->person] > 1) {
			c->shared_sends++;
			c->shared_id_sends += a->idw[0] != '\0';
		}
		c->mismatched_sends += a->prule != a->rule;
		od_civil_from_days(sends[i].at / DAY, &y, &m, &d);
		c->y2028 += y == 2028;
		c->y2029 += y == 2029;
	}
	print_message("  drawn: %llu accounts reuse an earlier one's phone, %llu give a debtor.id "
	    "(%llu an earlier one's, written another way), %llu name another country's policy; "
	    "%u persons, %llu with several accounts\n", (unsigned long long)n_phone_shared,
	    (unsigned long long)n_id_given, (unsigned long long)n_id_shared,
	    (unsigned long long)n_mismatched, npersons, (unsigned long long)c->multi_persons);
	print_message("  sends: %zu, %llu to persons with several accounts (%llu known by "
	    "debtor.id), %llu of mismatched accounts, %llu in 2028, %llu in 2029 (UTC)\n",
	    nsends, (unsigned long long)c->shared_sends, (unsigned long long)c->shared_id_sends,
	    (unsigned long long)c->mismatched_sends, (unsigned long long)c->y2028,
	    (unsigned long long)c->y2029);
	assert_true(n_phone_shared > 0 && n_id_shared > 0 && n_mismatched > 0);
	assert_true(c->multi_persons > 0 && c->shared_sends > 0 && c->shared_id_sends > 0);
	assert_true(c->mismatched_sends > 0);

	violations = 0;
	check_sends(sends, nsends, 0);
	print_message("  checked: %llu violations (%.1f s to take in, %.1f s to simulate, %.1f s "
	    "to check)\n", (unsigned long long)violations, t1 - t0, t2 - t1, seconds() - t2);
	index_persons();
}

static void
run_free(void)
{
	free(accts);
	free(sends);
	free(steps_sent);
	free(steps_superseded);
	free(person_accts);
	free(pstart);
	free(pacct);
	accts = NULL;
	sends = NULL;
	capsends = 0;
}

static void
test_every_send_obeys_the_rules(void **state)
{
	struct counts	c;
	uint64_t	found;

	(void)state;
	run(FROM, DAYS, DAYS - 15, ACCOUNTS_PER_PRESET, &c);
	found = violations;
	/* each check of a person's caps, and of a policy's preset, reports a doctored send */
	assert_true(find_sibling("PE spacing across accounts", 0, 60000, 2, 1, "spacing"));
	assert_true(find_sibling("CO per-day cap across accounts", 1, 60000, 0, 1, "per-day"));
	assert_true(find_sibling("CO channels per week across accounts", 1, 2 * DAY, 1, 1,
	    "channels-per-week"));
	assert_true(find_sibling("US per-week cap across accounts", 4, 60000, 2, 4, "per-week"));
	assert_true(find_moved("the policy's preset's window", 1, 0, "outside ", "'s window", HOUR,
	    1, 24 * 7));
	assert_true(find_moved("the policy's preset's holidays", 1, 0, "public holiday of ", "", DAY,
	    -40, 40));
	assert_int_equal(found, 0);
	run_free();
}

static void
test_across_the_calendars_end(void **state)
{
	struct counts	c;
	uint64_t	found;

	(void)state;
	run(LATE_FROM, LATE_DAYS, LATE_DAYS + 10, LATE_PER_PRESET, &c);	/* into 2029 */
	found = violations;
	assert_true(c.y2028 > 0 && c.y2029 > 0);
	assert_true(c.calendar_missing > 0);	/* the calendars end within the run */
	assert_true(find_moved("a 2028 holiday", 0, 0, "public holiday of ", "", DAY, -30, 30));
	assert_true(find_moved("after the calendar's end", 0, 1, "outside ", "'s holiday calendar",
	    DAY, 1, 60));
	assert_true(find_moved("after the policy's calendar's end", 1, 1,
	    "outside ", "'s holiday calendar", DAY, 1, 60));
	assert_int_equal(found, 0);
	run_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_send_obeys_the_rules),
		cmocka_unit_test(test_across_the_calendars_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
