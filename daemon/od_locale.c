/*
 * od_locale: money and long dates per locale, with exact (string) arithmetic.
 *
 * Money, by the locale's language and region (docs/templates.md):
 *   es-PE  PEN "S/ 1,234.50"   USD "US$ 1,234.50"
 *   es-CO  COP "$ 1.234.567"   USD "US$ 1.234,50"   (COP: the cents only when not zero)
 *   es-MX  MXN "$1,234.50"     USD "US$1,234.50"
 *   es-CL  CLP "$1.234"        USD "US$1.234,50"
 *   es, es-* otherwise, or a currency the region does not write with a
 *          symbol: "1.234,50 EUR" (the region's separators, the ISO code after)
 *   en-US  USD "$1,234.50"     (every other currency as in en)
 *   en and every other language: symbol by currency, "1,234.50":
 *          PEN "S/ ", USD "US$", COP "COL$", MXN "MX$", CLP "CLP$", EUR "€"
 * Dates: es* "1 de diciembre de 2026"; every other language "December 1, 2026";
 * short (od_locale_date_short, for a list in an SMS) "1 dic 2026", "Dec 1, 2026".
 * Relative dates (od_locale_relative): es "hoy", "mañana", "el sábado 5 de
 * diciembre", "ayer", "hace 2 días"; en "today", "tomorrow", "on Saturday,
 * December 5", "yesterday", "2 days ago".
 */
#include "od_locale.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "od_time.h"

/*
 * The ISO 4217 exponents of the currencies we format.  od_account.c has
 * od_currency_digits; this table is kept local so that formatting does not
 * depend on the account module.
 */
static const struct {
	const char	*code;
	int		 digits;
	const char	*en_symbol;	/* prefix in English */
} locale_currencies[] = {
	{ "PEN", 2, "S/ " },
	{ "USD", 2, "US$" },
	{ "COP", 2, "COL$" },
	{ "MXN", 2, "MX$" },
	{ "CLP", 0, "CLP$" },
	{ "EUR", 2, "\xe2\x82\xac" },
};

/* Spanish regions we know: separators and the symbols they write. */
static const struct {
	const char	*region;
	char		 group;
	char		 decimal;
	const char	*currency;	/* the local one */
	const char	*symbol;	/* its prefix */
	const char	*usd_symbol;	/* how the region writes dollars */
	int		 whole;		/* its currency: no cents written when they are zero */
} locale_es_regions[] = {
	{ "PE", ',', '.', "PEN", "S/ ", "US$ ", 0 },
	/*
	 * COP has 2 minor digits in ISO 4217, but Colombians write pesos without
	 * them ("$ 1.234.567"): the cents are written only when there are some,
	 * so that no amount is ever rounded.
	 */
	{ "CO", '.', ',', "COP", "$ ", "US$ ", 1 },
	{ "MX", ',', '.', "MXN", "$", "US$", 0 },
	{ "CL", '.', ',', "CLP", "$", "US$", 0 },
};

static const char *const locale_months_es[12] = {
	"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
	"agosto", "septiembre", "octubre", "noviembre", "diciembre",
};

static const char *const locale_wdays_es[7] = {
	"domingo", "lunes", "martes", "mi\xc3\xa9rcoles", "jueves", "viernes", "s\303\241bado",
};

static const char *const locale_wdays_en[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

static const char *const locale_months_en[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

static int
locale_currency(const char *code)
{
	size_t	i;

	if (code == NULL)
		return -1;
	for (i = 0; i < sizeof(locale_currencies) / sizeof(locale_currencies[0]); i++)
		if (strcmp(locale_currencies[i].code, code) == 0)
			return (int)i;
	return -1;
}

/* Is locale's language "es"?  (es, es-PE, es_PE, ES-pe) */
static int
locale_is_es(const char *locale)
{
	return locale != NULL && strncasecmp(locale, "es", 2) == 0 &&
	    (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_');
}

static int
locale_es_region(const char *locale)
{
	size_t	i;

	if (!locale_is_es(locale) || locale[2] == '\0')
		return -1;
	for (i = 0; i < sizeof(locale_es_regions) / sizeof(locale_es_regions[0]); i++)
		if (strcasecmp(locale + 3, locale_es_regions[i].region) == 0)
			return (int)i;
	return -1;
}

/*
 * Splits a decimal string into integer digits (leading zeros dropped, "0"
 * kept) and exactly digits fractional digits.  Extra fractional digits are
 * accepted only when they are zeros ("12.500" in PEN).  0 or -1.
 */
static int
locale_parse_amount(const char *s, int digits, char *ip, size_t iplen, char *fp)
{
	const char	*p = s, *dot;
	size_t		 n, i;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*p))
		p++;
	dot = p;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return -1;
	/* integer part without leading zeros */
	p = s;
	while (*p == '0' && p + 1 < dot)
		p++;
	n = (size_t)(dot - p);
	if (n + 1 > iplen)
		return -1;
	memcpy(ip, p, n);
	ip[n] = '\0';
	/* fractional part */
	p = *dot == '.' ? dot + 1 : dot;
	for (i = 0; i < (size_t)digits; i++)
		fp[i] = isdigit((unsigned char)*p) ? *p++ : '0';
	fp[digits] = '\0';
	for (; *p != '\0'; p++)
		if (*p != '0')
			return -1;
	return 0;
}

static void
locale_put_grouped(struct od_buf *out, const char *ip, char group)
{
	size_t	n = strlen(ip), i;

	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			od_buf_putc(out, group);
		od_buf_putc(out, ip[i]);
	}
}

int
od_locale_money(const char *locale, const char *currency, const char *amount,
    struct od_buf *out)
{
	char		 ip[64], fp[8];
	const char	*prefix = "", *suffix = NULL;
	char		 group = ',', decimal = '.';
	int		 c, r, digits, whole = 0;

	if ((c = locale_currency(currency)) == -1)
		return -1;
	digits = locale_currencies[c].digits;
	if (locale_parse_amount(amount, digits, ip, sizeof(ip), fp) == -1)
		return -1;
	if (locale_is_es(locale)) {
		if ((r = locale_es_region(locale)) != -1) {
			group = locale_es_regions[r].group;
			decimal = locale_es_regions[r].decimal;
			if (strcmp(currency, locale_es_regions[r].currency) == 0) {
				prefix = locale_es_regions[r].symbol;
				whole = locale_es_regions[r].whole;
			} else if (strcmp(currency, "USD") == 0)
				prefix = locale_es_regions[r].usd_symbol;
			else
				suffix = currency;
		} else {
			group = '.';
			decimal = ',';
			suffix = currency;
		}
	} else if (strncasecmp(locale != NULL ? locale : "", "en", 2) == 0 &&
	    (locale[2] == '-' || locale[2] == '_') && strcasecmp(locale + 3, "US") == 0 &&
	    strcmp(currency, "USD") == 0) {
		prefix = "$";
	} else {
		prefix = locale_currencies[c].en_symbol;
	}
	if (whole && strspn(fp, "0") == strlen(fp))
		digits = 0;
	od_buf_puts(out, prefix);
	locale_put_grouped(out, ip, group);
	if (digits > 0) {
		od_buf_putc(out, decimal);
		od_buf_puts(out, fp);
	}
	if (suffix != NULL)
		od_buf_printf(out, " %s", suffix);
	return out->oom ? -1 : 0;
}

int
od_locale_money_minor(const char *locale, const char *currency, int64_t minor,
    struct od_buf *out)
{
	char		 s[48];
	int		 c, digits, i;
	int64_t		 unit = 1;

	if (minor < 0 || (c = locale_currency(currency)) == -1)
		return -1;
	digits = locale_currencies[c].digits;
	for (i = 0; i < digits; i++)
		unit *= 10;
	if (digits == 0)
		snprintf(s, sizeof(s), "%lld", (long long)minor);
	else
		snprintf(s, sizeof(s), "%lld.%0*lld", (long long)(minor / unit), digits,
		    (long long)(minor % unit));
	return od_locale_money(locale, currency, s, out);
}

static int
locale_parse_date(const char *s, int *y, int *m, int *d)
{
	static const int	 mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int			 i, leap, max;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1)
		return -1;
	leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
	max = mdays[*m - 1] + (*m == 2 && leap);
	return *d <= max ? 0 : -1;
}

int
od_locale_date(const char *locale, const char *iso_date, struct od_buf *out)
{
	int	y, m, d;

	if (locale_parse_date(iso_date, &y, &m, &d) == -1)
		return -1;
	if (locale_is_es(locale))
		od_buf_printf(out, "%d de %s de %d", d, locale_months_es[m - 1], y);
	else
		od_buf_printf(out, "%s %d, %d", locale_months_en[m - 1], d, y);
	return out->oom ? -1 : 0;
}

/* The first three letters of the month: "dic", "sep"; "Dec", "Sep". */
int
od_locale_date_short(const char *locale, const char *iso_date, struct od_buf *out)
{
	int	y, m, d;

	if (locale_parse_date(iso_date, &y, &m, &d) == -1)
		return -1;
	if (locale_is_es(locale))
		od_buf_printf(out, "%d %.3s %d", d, locale_months_es[m - 1], y);
	else
		od_buf_printf(out, "%.3s %d, %d", locale_months_en[m - 1], d, y);
	return out->oom ? -1 : 0;
}

int
od_locale_relative(const char *locale, const char *today, const char *iso_date,
    struct od_buf *out)
{
	int	ty, tm, td, y, m, d, wd;
	int64_t	diff;

	if (locale_parse_date(today, &ty, &tm, &td) == -1 ||
	    locale_parse_date(iso_date, &y, &m, &d) == -1)
		return -1;
	diff = od_days_from_civil(y, m, d) - od_days_from_civil(ty, tm, td);
	wd = (int)(((od_days_from_civil(y, m, d) % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
	if (locale_is_es(locale)) {
		if (diff == 0)
			od_buf_puts(out, "hoy");
		else if (diff == 1)
			od_buf_puts(out, "ma\303\261ana");
		else if (diff == -1)
			od_buf_puts(out, "ayer");
		else if (diff < 0)
			od_buf_printf(out, "hace %lld d\303\255as", (long long)-diff);
		else if (y == ty)
			od_buf_printf(out, "el %s %d de %s", locale_wdays_es[wd], d,
			    locale_months_es[m - 1]);
		else
			od_buf_printf(out, "el %s %d de %s de %d", locale_wdays_es[wd], d,
			    locale_months_es[m - 1], y);
	} else {
		if (diff == 0)
			od_buf_puts(out, "today");
		else if (diff == 1)
			od_buf_puts(out, "tomorrow");
		else if (diff == -1)
			od_buf_puts(out, "yesterday");
		else if (diff < 0)
			od_buf_printf(out, "%lld days ago", (long long)-diff);
		else if (y == ty)
			od_buf_printf(out, "on %s, %s %d", locale_wdays_en[wd], locale_months_en[m - 1], d);
		else
			od_buf_printf(out, "on %s, %s %d, %d", locale_wdays_en[wd],
			    locale_months_en[m - 1], d, y);
	}
	return out->oom ? -1 : 0;
}
