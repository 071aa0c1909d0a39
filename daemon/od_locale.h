/*
 * od_locale: money and dates written the way the debtor's locale writes them.
 *
 *   es-PE  S/ 1,234.50    1 de diciembre de 2026
 *   es-CO  $ 1.234.567    1 de diciembre de 2026   (COP cents only when not zero)
 *   es-MX  $1,234.50      1 de diciembre de 2026
 *   es-CL  $1.234         1 de diciembre de 2026
 *   en-US  $1,234.50      December 1, 2026     (USD)
 *   en     S/ 1,234.50    December 1, 2026     (the symbol follows the currency)
 */
#ifndef OD_LOCALE_H
#define OD_LOCALE_H

#include <stdint.h>

#include "od_buf.h"

/* Formats amount (a decimal string) in currency for locale.  0, or -1 on a bad amount. */
int	od_locale_money(const char *locale, const char *currency, const char *amount,
	    struct od_buf *out);
/* Formats minor units the same way. */
int	od_locale_money_minor(const char *locale, const char *currency, int64_t minor,
	    struct od_buf *out);
/* Formats an ISO date "YYYY-MM-DD" as a long date.  0, or -1 on a bad date. */
int	od_locale_date(const char *locale, const char *iso_date, struct od_buf *out);
/* The same, short, for a list in an SMS: es "1 dic 2026", every other language "Dec 1, 2026". */
int	od_locale_date_short(const char *locale, const char *iso_date, struct od_buf *out);

/*
 * iso_date ("YYYY-MM-DD") said from the day today ("YYYY-MM-DD"): es "hoy",
 * "mañana", "el sábado 5 de diciembre" (the year added when it is not
 * today's), "ayer", "hace 2 días"; every other language "today", "tomorrow",
 * "on Saturday, December 5", "yesterday", "2 days ago".  0, or -1 on a bad
 * date.
 */
int	od_locale_relative(const char *locale, const char *today, const char *iso_date,
	    struct od_buf *out);

#endif /* OD_LOCALE_H */
