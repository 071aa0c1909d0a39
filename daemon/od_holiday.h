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
	int		 unconfirmed;	/* 1: not confirmed by an official text; blocks all the same */
};

struct od_holidays {
	char			 country[3];	/* "PE" */
	struct od_holiday	*v;		/* sorted by day, no day twice */
	size_t			 n;
	/*
	 * The dates the file vouches for (covers: {from, to}, days since the
	 * epoch, both included): outside them a date not listed is unknown, not
	 * a working day.
	 */
	int64_t			 from, to;
	char			*file;		/* where it was read, owned */
	int			 line, col;	/* where covers: stands */
};

/*
 * Reads a holidays document: {country: CC, sources: [..], covers: {from:
 * YYYY-MM-DD, to: YYYY-MM-DD}, differs_from_date_holidays: [..], dates:
 * [{date, name, unconfirmed, differs_from_date_holidays}, ..]}; country
 * must be stem (the file name without ".yaml"); covers is required and
 * every date must lie inside it.  Returns 0, or -1 with every problem in
 * errs.  Clear h in both cases.
 */
int	od_holidays_load(const struct od_yaml_doc *doc, const char *stem, struct od_holidays *h,
	    struct od_errors *errs);
void	od_holidays_clear(struct od_holidays *h);

/* The name of the holiday on day (days since the epoch), or NULL. */
const char *od_holidays_find(const struct od_holidays *h, int64_t day);
/* 1 when day (days since the epoch) lies in h's covers range, else 0. */
int	od_holidays_covers(const struct od_holidays *h, int64_t day);

/*
 * Checks that n is a country code "PE" equal to stem; what names the key in
 * the error.  Copies it to cc.  Returns 0 or -1.
 */
int	od_holidays_country(const struct od_yaml *n, const char *stem, const char *what, char cc[3],
	    struct od_errors *errs);

#endif /* OD_HOLIDAY_H */
