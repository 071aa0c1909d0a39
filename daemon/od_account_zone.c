/*
 * od_account_zone: the debtor's time zones (docs/contact-rules.md, "Time
 * zones"), from an account od_account.c has validated: the one zone it
 * gives or that its numbers and country imply, or all of its country's
 * zones, and the zone its steps are planned in.
 */
#include "od_account.h"

#include <string.h>

#include "od_tz.h"

/*
 * Country calling codes (ITU-T E.164 assignments), for the countries whose
 * debtors outreachd is most likely to see.  A number only ever speaks for
 * its own country: +51 on a US account says nothing about the debtor's
 * clock.  +1 is shared by the NANP countries (US, CA and the Caribbean),
 * so it is listed for US and CA alike.
 */
static const struct {
	char		cc[3];
	const char	*code;
} calling_codes[] = {
	{ "AR", "+54" }, { "BO", "+591" }, { "BR", "+55" }, { "CA", "+1" }, { "CL", "+56" },
	{ "CO", "+57" }, { "CR", "+506" }, { "DO", "+1" }, { "EC", "+593" }, { "ES", "+34" },
	{ "GT", "+502" }, { "HN", "+504" }, { "MX", "+52" }, { "NI", "+505" }, { "PA", "+507" },
	{ "PE", "+51" }, { "PR", "+1" }, { "PY", "+595" }, { "SV", "+503" }, { "US", "+1" },
	{ "UY", "+598" }, { "VE", "+58" },
};

/* Does the E.164 number carry country cc's calling code?  Unlisted countries: no. */
static int
number_of_country(const char *e164, const char *cc)
{
	for (size_t i = 0; i < sizeof(calling_codes) / sizeof(calling_codes[0]); i++)
		if (strcmp(calling_codes[i].cc, cc) == 0 &&
		    strncmp(e164, calling_codes[i].code, strlen(calling_codes[i].code)) == 0)
			return 1;
	return 0;
}

/*
 * The debtor's one zone: as given (as the tables name it: a link such as
 * US/Eastern reads America/New_York), else derived when the country has a
 * single zone in tzdata and every number on the account (there must be one)
 * carries the country's calling code (+51 on a PE account: America/Lima).
 * NULL otherwise: the country has several zones (US, MX, CL: the rules then
 * hold in all of them, od_account_zones) or the numbers are another
 * country's (better blocked than sent at 03:00).
 */
const char *
od_account_timezone(const struct od_account *a)
{
	const char *const *z;
	const char *given;

	if (a->timezone != NULL)
		return (given = od_tz_country_zone(a->country, a->timezone)) != NULL ? given :
		    a->timezone;
	if (od_tz_country_zones(a->country, &z) != 1 || (a->phone == NULL && a->whatsapp == NULL))
		return NULL;
	if ((a->phone != NULL && !number_of_country(a->phone, a->country)) ||
	    (a->whatsapp != NULL && !number_of_country(a->whatsapp, a->country)))
		return NULL;
	return z[0];
}

size_t
od_account_zones(const struct od_account *a, const char *const **zones)
{
	const char *const *z;
	size_t n;

	*zones = NULL;
	if (a->timezone != NULL) {
		*zones = &a->timezone;
		return 1;
	}
	if ((n = od_tz_country_zones(a->country, &z)) == 0)
		return 0;
	if (n == 1) {
		if (od_account_timezone(a) == NULL)
			return 0;
		*zones = z;
		return 1;
	}
	*zones = z;
	return n;
}

const char *
od_account_plan_zone(const struct od_account *a)
{
	const char *const *z;
	const char *tz = od_account_timezone(a);

	if (tz != NULL)
		return tz;
	return od_account_zones(a, &z) > 0 ? z[0] : NULL;
}
