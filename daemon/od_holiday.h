/*
 * od_holiday: a country's public holidays, read from holidays/<CC>.yaml
 * (docs/contact-rules.md).  A part of od_rules: the contact rules load one
 * calendar per country and look dates up in it.
 */
#ifndef OD_HOLIDAY_H
#define OD_HOLIDAY_H

#include <stddef.h>
#include <stdint.h>

#include "od_error.h"
#include "od_yaml.h"

struct od_holiday {
	int64_t		 day;		/* days since 1970-01-01 */
	char		*name;		/* "Fiestas Patrias" */
	int		 line, col;	/* where its date stands */
};

struct od_holidays {
	char			 country[3];	/* "PE" */
	struct od_holiday	*v;		/* sorted by day, no day twice */
	size_t			 n;
};

/*
 * Reads a holidays document: {country: CC, sources: [..], dates: [{date,
 * name}, ..]}; country must be stem (the file name without ".yaml").
 * Returns 0, or -1 with every problem in errs.  Clear h in both cases.
 */
int	od_holidays_load(const struct od_yaml_doc *doc, const char *stem, struct od_holidays *h,
	    struct od_errors *errs);
void	od_holidays_clear(struct od_holidays *h);

/* The name of the holiday on day (days since the epoch), or NULL. */
const char *od_holidays_find(const struct od_holidays *h, int64_t day);

/*
 * Checks that n is a country code "PE" equal to stem; what names the key in
 * the error.  Copies it to cc.  Returns 0 or -1.
 */
int	od_holidays_country(const struct od_yaml *n, const char *stem, const char *what, char cc[3],
	    struct od_errors *errs);

#endif /* OD_HOLIDAY_H */
