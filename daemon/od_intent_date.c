/*
 * od_intent (continued): the date of a promise, read in the debtor's
 * locale from the words of its file's dates: section, relative to the
 * debtor's local date (today; no clock here).
 *
 *   [filler...] hoy | mañana | pasado mañana | fin de mes   today, +1, +2, the month's last day
 *   [filler...] viernes          the next Friday after today (said on a Friday: a week on)
 *   filler... 15 | 15th          the next 15th on or after today: this month, else the next
 *   15 [de] diciembre [[de] 2026], diciembre 15 [2026]
 *   15/12, 15/12/2026, 15-12-26  day/month or month/day as date_order says
 *
 * A day or day and month without a year is the next such date on or after
 * today; one that the month it falls in does not have (31 in November,
 * 29 February of a common year) cannot be, and nor can a date before
 * today: the reply still names a date, date_invalid.  A bare number is
 * a day only after a filler ("el 15", "on the 15") or with an ordinal
 * suffix ("15th", "1ro"): "te pago 500" and a menu's "2" are no dates.
 */
#include "od_intent_int.h"

#include <string.h>

#include "od_time.h"

/* An ordinal's suffix after a day number: 1st 2nd 3rd 15th, 1ro 1ero. */
static int
intent_ordinal(const char *s)
{
	static const char *const suffixes[] = { "st", "nd", "rd", "th", "ro", "ero", NULL };
	size_t	i;

	for (i = 0; suffixes[i] != NULL; i++)
		if (strcmp(s, suffixes[i]) == 0)
			return 1;
	return 0;
}

/*
 * A number of 1 to maxdigits digits that is all of s: its value, or -1.
 * With ord, an ordinal suffix may follow ("15th"): *ord says whether one did.
 */
static int
intent_num(const char *s, size_t maxdigits, int *ord)
{
	size_t	k;
	int	v = 0;

	if (ord != NULL)
		*ord = 0;
	for (k = 0; s[k] >= '0' && s[k] <= '9'; k++) {
		if (k >= maxdigits)
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	if (k == 0)
		return -1;
	if (s[k] == '\0')
		return v;
	if (ord != NULL && intent_ordinal(s + k)) {
		*ord = 1;
		return v;
	}
	return -1;
}

/* A typo that could be two months (intent_lex_at found none). */
static int
intent_month_typo(const struct od_intent_locale *l, const char *tok)
{
	size_t	k;

	for (k = 0; k < l->nlex; k++)
		if (l->lex[k].cls == INTENT_LEX_MONTH && l->lex[k].ntok == 1 &&
		    intent_word_eq(l, tok, l->lex[k].tok[0]))
			return 1;
	return 0;
}

/* Fillers from toks[j]: how many tokens they take. */
static size_t
intent_fillers(const struct od_intent_locale *l, const struct intent_tok *toks, size_t n,
    size_t j)
{
	size_t	i = j, len;

	while (i < n && intent_lex_at(l, INTENT_LEX_FILLER, toks, n, i, &len) != NULL)
		i += len;
	return i - j;
}

/* A year after a day and month ("de 2026", ", 2026"): tokens taken, 0 when none. */
static size_t
intent_year_at(const struct od_intent_locale *l, const struct intent_tok *toks, size_t n,
    size_t j, int *y)
{
	size_t	f = intent_fillers(l, toks, n, j);
	int	v;

	if (j + f < n && strlen(toks[j + f].s) == 4 && (v = intent_num(toks[j + f].s, 4, NULL)) >= 0) {
		*y = v;
		return f + 1;
	}
	return 0;
}

/*
 * 15/12, 12/15/2026, 15-12-26 (and 2026-12-15, year first): 1 and y, m, d
 * (y 0 when not written, -1 when it is no year), or 0.
 */
static int
intent_numeric_date(const struct od_intent_locale *l, const char *s, int *y, int *m, int *d)
{
	char	buf[INTENT_TOKLEN];
	size_t	len, plen[3];
	int	part[3], np = 0, mdy = l->date_order == INTENT_MDY;

	for (;;) {
		len = strcspn(s, "/-");
		if (len == 0 || len > 4 || np == 3)
			return 0;
		memcpy(buf, s, len);
		buf[len] = '\0';
		plen[np] = len;
		if ((part[np++] = intent_num(buf, 4, NULL)) < 0)
			return 0;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	if (np < 2)
		return 0;
	*y = 0;
	if (np == 3 && plen[0] == 4) {
		*y = part[0];
		*m = part[1];
		*d = part[2];
		return 1;
	}
	*d = part[mdy ? 1 : 0];
	*m = part[mdy ? 0 : 1];
	if (np == 3) {
		*y = part[2];
		if (plen[2] == 2)
			*y += 2000;
		else if (plen[2] != 4)
			*y = -1;	/* "15/12/202": no year */
	}
	return 1;
}

static int64_t
intent_days(int y, int m, int d)
{
	return od_days_from_civil(y, m, d);
}

static void
intent_set(struct intent_date *out, int64_t days)
{
	od_civil_from_days(days, &out->y, &out->m, &out->d);
}

/* A day and month (and year, 0 when not written) made a date on or after today. */
static void
intent_resolve(struct intent_date *out, int ty, int tm, int td, int y, int m, int d)
{
	out->named = 1;
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 0) {
		out->invalid = 1;
		return;
	}
	if (y == 0)
		y = (m > tm || (m == tm && d >= td)) ? ty : ty + 1;
	if (d > od_days_in_month(y, m) || intent_days(y, m, d) < intent_days(ty, tm, td)) {
		out->invalid = 1;
		return;
	}
	out->y = y;
	out->m = m;
	out->d = d;
}

size_t
intent_date_at(const struct od_intent_locale *l, const struct intent_tok *toks, size_t n,
    size_t i, const char *today, struct intent_date *out)
{
	const struct intent_lex	*e;
	size_t			 j, len, elen, f;
	int64_t			 t = 0;
	int			 ty = 0, tm = 0, td = 0, have, y = 0, m, d, ord, wd, after;

	memset(out, 0, sizeof(*out));
	have = today != NULL && od_date_parse(today, &ty, &tm, &td) == 0;
	if (have)
		t = intent_days(ty, tm, td);
	/* A date word may start with a filler ("al tiro"): it is tried first. */
	j = i;
	if ((e = intent_lex_at(l, 0, toks, n, j, &elen)) == NULL) {
		j += intent_fillers(l, toks, n, i);
		e = j < n ? intent_lex_at(l, 0, toks, n, j, &elen) : NULL;
	}
	/* A filler right before, as the pattern's "el" in "pago el {date}", counts too. */
	after = j > i || (i > 0 && intent_lex_at(l, INTENT_LEX_FILLER, toks, n, i - 1, &len));
	if (j >= n)
		return 0;
	if (e != NULL) {
		j += elen;
		switch (e->cls) {
		case INTENT_LEX_TODAY:
		case INTENT_LEX_TOMORROW:
		case INTENT_LEX_AFTER_TOMORROW:
		case INTENT_LEX_MONTH_END:
		case INTENT_LEX_WEEKDAY:
			out->named = 1;
			if (!have) {
				out->invalid = 1;
				return j - i;
			}
			if (e->cls == INTENT_LEX_WEEKDAY) {
				wd = (e->value - od_weekday(t) + 7) % 7;
				intent_set(out, t + (wd == 0 ? 7 : wd));
			} else if (e->cls == INTENT_LEX_MONTH_END) {
				intent_set(out, intent_days(ty, tm, od_days_in_month(ty, tm)));
			} else {
				intent_set(out, t + (e->cls - INTENT_LEX_TODAY));
			}
			return j - i;
		case INTENT_LEX_MONTH:
			/* diciembre 15, december 15th, 2026 */
			f = intent_fillers(l, toks, n, j);
			if (j + f >= n || (d = intent_num(toks[j + f].s, 2, &ord)) < 0)
				return 0;
			j += f + 1;
			j += intent_year_at(l, toks, n, j, &y);
			if (!have) {
				out->named = out->invalid = 1;
				return j - i;
			}
			intent_resolve(out, ty, tm, td, y, e->value, d);
			return j - i;
		default:
			return 0;
		}
	}
	if (strpbrk(toks[j].s, "/-") != NULL) {
		if (!intent_numeric_date(l, toks[j].s, &y, &m, &d))
			return 0;
		j++;
		if (!have)
			out->named = out->invalid = 1;
		else
			intent_resolve(out, ty, tm, td, y, m, d);
		return j - i;
	}
	if ((d = intent_num(toks[j].s, 2, &ord)) < 0)
		return 0;
	j++;
	/* 15 de diciembre [de 2026] */
	f = intent_fillers(l, toks, n, j);
	m = 0;
	if (j + f < n && (e = intent_lex_at(l, INTENT_LEX_MONTH, toks, n, j + f, &len)) != NULL) {
		m = e->value;
		j += f + len;
		j += intent_year_at(l, toks, n, j, &y);
	} else if (j + f < n && intent_month_typo(l, toks[j + f].s)) {
		out->named = out->invalid = 1;	/* "3 de juhio": junio or julio */
		return j + f + 1 - i;
	} else if (!after && !ord) {
		return 0;	/* "te pago 500", "2": a number, no date */
	}
	if (!have) {
		out->named = out->invalid = 1;
		return j - i;
	}
	if (m != 0) {
		intent_resolve(out, ty, tm, td, y, m, d);
		return j - i;
	}
	/* The next d-th: this month when not past, else the next month. */
	out->named = 1;
	if (d < 1 || d > 31) {
		out->invalid = 1;
		return j - i;
	}
	y = ty;
	m = tm;
	if (d < td && ++m > 12) {
		m = 1;
		y++;
	}
	if (d > od_days_in_month(y, m))
		out->invalid = 1;
	else {
		out->y = y;
		out->m = m;
		out->d = d;
	}
	return j - i;
}
