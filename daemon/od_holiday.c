/*
 * od_holiday: a country's public holidays (holidays/<CC>.yaml).
 */
#include "od_holiday.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "od_time.h"

static int
holiday_cmp(const void *a, const void *b)
{
	const struct od_holiday *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

void
od_holidays_clear(struct od_holidays *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free(h->v[i].name);
	free(h->v);
	free(h->file);
	memset(h, 0, sizeof(*h));
}

int
od_holidays_country(const struct od_yaml *n, const char *stem, const char *what, char cc[3],
    struct od_errors *errs)
{
	if (n->type != OD_YAML_SCALAR || n->len != 2 || !isupper((unsigned char)n->str[0]) ||
	    !isupper((unsigned char)n->str[1])) {
		od_yaml_error(errs, n, "%s: expected an ISO 3166-1 alpha-2 code such as PE", what);
		return -1;
	}
	if (strcmp(n->str, stem) != 0) {
		od_yaml_error(errs, n, "%s '%s' does not match the file name %s.yaml", what, n->str,
		    stem);
		return -1;
	}
	memcpy(cc, n->str, 3);
	return 0;
}

static int
holidays_sources(const struct od_yaml *n, struct od_errors *errs)
{
	size_t	i;

	if (n->type != OD_YAML_SEQ) {
		od_yaml_error(errs, n, "sources: expected a list");
		return -1;
	}
	for (i = 0; i < n->nitems; i++)
		if (n->items[i]->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, n->items[i], "sources: expected a string");
			return -1;
		}
	return 0;
}

/* A scalar YYYY-MM-DD as days since the epoch into *day; what names the key.  0 or -1. */
static int
holidays_date(const struct od_yaml *n, const char *what, int64_t *day, struct od_errors *errs)
{
	int	y, m, d;

	if (n->type != OD_YAML_SCALAR || od_date_parse(n->str, &y, &m, &d) != 0) {
		od_yaml_error(errs, n, "%s%sbad date '%s': expected a real date YYYY-MM-DD",
		    strcmp(what, "date") != 0 ? what : "", strcmp(what, "date") != 0 ? ": " : "",
		    n->type == OD_YAML_SCALAR ? n->str : od_yaml_type_name(n->type));
		return -1;
	}
	*day = od_days_from_civil(y, m, d);
	return 0;
}

/* A reason, written where our data and date-holidays differ: a non-empty string. */
static int
holidays_reason(const struct od_yaml *n, struct od_errors *errs)
{
	if (n->type != OD_YAML_SCALAR || n->str[0] == '\0') {
		od_yaml_error(errs, n, "differs_from_date_holidays: expected the reason and the law "
		    "that decides, as a string");
		return -1;
	}
	return 0;
}

/* covers: {from: YYYY-MM-DD, to: YYYY-MM-DD}, from <= to. */
static int
holidays_covers(const struct od_yaml *n, struct od_holidays *h, struct od_errors *errs)
{
	static const char *const keys[] = { "from", "to", NULL };
	const struct od_yaml	*fn, *tn;

	h->line = n->line;
	h->col = n->col;
	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "covers: expected {from: YYYY-MM-DD, to: YYYY-MM-DD}, "
		    "found %s", od_yaml_type_name(n->type));
		return -1;
	}
	if (od_yaml_check_keys(n, keys, "covers", errs) != 0)
		return -1;
	if ((fn = od_yaml_get(n, "from")) == NULL || (tn = od_yaml_get(n, "to")) == NULL) {
		od_yaml_error(errs, n, "covers needs from and to");
		return -1;
	}
	if (holidays_date(fn, "covers.from", &h->from, errs) != 0 ||
	    holidays_date(tn, "covers.to", &h->to, errs) != 0)
		return -1;
	if (h->to < h->from) {
		od_yaml_error(errs, tn, "covers.to %s is before covers.from %s", tn->str, fn->str);
		return -1;
	}
	return 0;
}

/*
 * The file's list of what date-holidays calls public and the file does not
 * list: [{day: YYYY-MM-DD, name: ..., why: "reason + law"}, ..].
 */
static int
holidays_differences(const struct od_yaml *n, struct od_errors *errs)
{
	static const char *const keys[] = { "day", "name", "why", NULL };
	const struct od_yaml	*e, *w;
	size_t			 i;
	int64_t			 day;
	int			 bad = 0;

	if (n->type != OD_YAML_SEQ) {
		od_yaml_error(errs, n, "differs_from_date_holidays: expected a list of {day, name, "
		    "why}");
		return -1;
	}
	for (i = 0; i < n->nitems; i++) {
		e = n->items[i];
		if (e->type != OD_YAML_MAP) {
			od_yaml_error(errs, e, "expected {day: YYYY-MM-DD, name: ..., why: ...}");
			bad++;
			continue;
		}
		if (od_yaml_check_keys(e, keys, "a difference", errs) != 0) {
			bad++;
			continue;
		}
		if (od_yaml_get(e, "day") == NULL || (w = od_yaml_get(e, "why")) == NULL) {
			od_yaml_error(errs, e, "a difference needs a day and why");
			bad++;
			continue;
		}
		if (holidays_date(od_yaml_get(e, "day"), "day", &day, errs) != 0 ||
		    holidays_reason(w, errs) != 0)
			bad++;
	}
	return bad ? -1 : 0;
}

static int
holidays_entry(const struct od_yaml *e, struct od_holidays *h, struct od_errors *errs)
{
	static const char *const keys[] = { "date", "name", "unconfirmed",
	    "differs_from_date_holidays", NULL };
	const struct od_yaml	*dn, *nn, *n;
	struct od_holiday	*o = &h->v[h->n];

	if (e->type != OD_YAML_MAP) {
		od_yaml_error(errs, e, "expected {date: YYYY-MM-DD, name: ...}, found %s",
		    od_yaml_type_name(e->type));
		return -1;
	}
	if (od_yaml_check_keys(e, keys, "a holiday", errs) != 0)
		return -1;
	dn = od_yaml_get(e, "date");
	nn = od_yaml_get(e, "name");
	if (dn == NULL || nn == NULL) {
		od_yaml_error(errs, e, "a holiday needs a date and a name");
		return -1;
	}
	if (dn->type != OD_YAML_SCALAR || holidays_date(dn, "date", &o->day, errs) != 0)
		return -1;
	if ((n = od_yaml_get(e, "unconfirmed")) != NULL && od_yaml_bool(n, &o->unconfirmed,
	    errs) != 0)
		return -1;
	if ((n = od_yaml_get(e, "differs_from_date_holidays")) != NULL &&
	    holidays_reason(n, errs) != 0)
		return -1;
	if (od_yaml_string(nn, &o->name, errs) != 0)
		return -1;
	o->line = dn->line;
	o->col = dn->col;
	h->n++;
	return 0;
}

int
od_holidays_load(const struct od_yaml_doc *doc, const char *stem, struct od_holidays *h,
    struct od_errors *errs)
{
	static const char *const keys[] = { "country", "sources", "covers",
	    "differs_from_date_holidays", "dates", NULL };
	const struct od_yaml	*root = doc->root, *dates, *n;
	size_t			 i;
	int			 bad = 0;

	memset(h, 0, sizeof(*h));
	if (root == NULL || root->type != OD_YAML_MAP) {
		od_errors_add(errs, doc->file, 1, 1, "a holidays file must be a mapping with "
		    "country and dates");
		return -1;
	}
	bad += od_yaml_check_keys(root, keys, "a holidays file", errs);
	if ((n = od_yaml_get(root, "country")) == NULL) {
		od_yaml_error(errs, root, "missing key 'country'");
		bad++;
	} else if (od_holidays_country(n, stem, "country", h->country, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "sources")) != NULL && holidays_sources(n, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "covers")) == NULL) {
		od_yaml_error(errs, root, "missing key 'covers': the dates the file vouches for, "
		    "{from: YYYY-MM-DD, to: YYYY-MM-DD}");
		bad++;
	} else if (holidays_covers(n, h, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "differs_from_date_holidays")) != NULL &&
	    holidays_differences(n, errs) != 0)
		bad++;
	if ((dates = od_yaml_get(root, "dates")) == NULL) {
		od_yaml_error(errs, root, "missing key 'dates'");
		return -1;
	}
	if (dates->type != OD_YAML_SEQ) {
		od_yaml_error(errs, dates, "dates: expected a list of {date, name}, found %s",
		    od_yaml_type_name(dates->type));
		return -1;
	}
	if ((h->v = calloc(dates->nitems + 1, sizeof(*h->v))) == NULL)
		return -1;
	for (i = 0; i < dates->nitems; i++)
		if (holidays_entry(dates->items[i], h, errs) != 0)
			bad++;
	qsort(h->v, h->n, sizeof(h->v[0]), holiday_cmp);
	for (i = 0; h->to != 0 && i < h->n; i++)
		if (h->v[i].day < h->from || h->v[i].day > h->to) {
			od_errors_add(errs, doc->file, h->v[i].line, h->v[i].col, "this date is "
			    "outside covers (line %d)", h->line);
			bad++;
		}
	for (i = 1; i < h->n; i++)
		if (h->v[i].day == h->v[i - 1].day) {
			od_errors_add(errs, doc->file, h->v[i].line, h->v[i].col, "this date is "
			    "already listed at line %d", h->v[i - 1].line);
			bad++;
		}
	if (!bad && doc->file != NULL && (h->file = strdup(doc->file)) == NULL)
		bad++;
	return bad ? -1 : 0;
}

int
od_holidays_covers(const struct od_holidays *h, int64_t day)
{
	return h != NULL && day >= h->from && day <= h->to;
}

const char *
od_holidays_find(const struct od_holidays *h, int64_t day)
{
	size_t	lo = 0, hi;

	if (h == NULL)
		return NULL;
	hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->v[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->n && h->v[lo].day == day ? h->v[lo].name : NULL;
}
