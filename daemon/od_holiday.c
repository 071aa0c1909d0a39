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

static int
holidays_entry(const struct od_yaml *e, struct od_holidays *h, struct od_errors *errs)
{
	static const char *const keys[] = { "date", "name", NULL };
	const struct od_yaml	*dn, *nn;
	int			 y, m, d;

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
	if (dn->type != OD_YAML_SCALAR || od_date_parse(dn->str, &y, &m, &d) != 0) {
		od_yaml_error(errs, dn, "bad date '%s': expected a real date YYYY-MM-DD",
		    dn->type == OD_YAML_SCALAR ? dn->str : od_yaml_type_name(dn->type));
		return -1;
	}
	if (od_yaml_string(nn, &h->v[h->n].name, errs) != 0)
		return -1;
	h->v[h->n].day = od_days_from_civil(y, m, d);
	h->v[h->n].line = dn->line;
	h->v[h->n].col = dn->col;
	h->n++;
	return 0;
}

int
od_holidays_load(const struct od_yaml_doc *doc, const char *stem, struct od_holidays *h,
    struct od_errors *errs)
{
	static const char *const keys[] = { "country", "sources", "dates", NULL };
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
	for (i = 1; i < h->n; i++)
		if (h->v[i].day == h->v[i - 1].day) {
			od_errors_add(errs, doc->file, h->v[i].line, h->v[i].col, "this date is "
			    "already listed at line %d", h->v[i - 1].line);
			bad++;
		}
	return bad ? -1 : 0;
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
