/*
 * od_policy_segment: a policy's segment, the accounts it takes.
 *
 * Read from the policy's segment: mapping (countries, currencies, products,
 * amount and days_past_due ranges, attribute comparisons), every value
 * checked and every error collected at its node, as the rest of the policy
 * (od_policy.c); then matched against an account: od_policy_matches,
 * od_policy_select.  Amounts compare exactly, in the currency's minor units.
 */
#include "od_policy_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_plan.h"

/* A decimal amount as a policy writes one: digits, optionally '.' and 1..6 digits. */
int
od_policy_decimal_valid(const char *s)
{
	size_t	i = 0, ip, fp = 0;

	while (isdigit((unsigned char)s[i]))
		i++;
	ip = i;
	if (s[i] == '.') {
		for (i++; isdigit((unsigned char)s[i]); i++)
			fp++;
		if (fp == 0)
			return 0;
	}
	return s[i] == '\0' && ip > 0 && ip <= 15 && fp <= 6;
}

static int
policy_frac_digits(const char *s)
{
	const char	*dot = strchr(s, '.');

	return dot ? (int)strlen(dot + 1) : 0;
}

/*
 * Compares an amount in minor units of digits against a decimal bound,
 * exactly: both are scaled to the finer of the two.  -1, 0, 1, or -2 when
 * they cannot be compared.
 */
static int
policy_amount_cmp(int64_t minor, int digits, const char *bound)
{
	int	frac = policy_frac_digits(bound), d = frac > digits ? frac : digits, i;
	int64_t	b;

	if (digits < 0 || od_money_parse(bound, d, &b) == -1)
		return -2;
	for (i = digits; i < d; i++) {
		if (minor > INT64_MAX / 10 || minor < INT64_MIN / 10)
			return -2;
		minor *= 10;
	}
	return minor < b ? -1 : minor > b;
}

/* A number as written, when the scalar is a plain (unquoted) number. */
static int
policy_number(const struct od_yaml *n, double *out)
{
	char	*end;
	double	 v;

	if (n->type != OD_YAML_SCALAR || n->quoted || n->len == 0 ||
	    n->str[strspn(n->str, "0123456789+-.eE")] != '\0')
		return 0;
	errno = 0;
	v = strtod(n->str, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) || isspace((unsigned char)n->str[0]))
		return 0;
	*out = v;
	return 1;
}

/* A list of strings; each checked by valid (may be NULL) with msg. */
static void
policy_strlist(const struct od_yaml *n, const char *what, int (*valid)(const char *),
    const char *msg, char ***out, size_t *nout, struct od_errors *errs)
{
	size_t	i;

	if (n->type != OD_YAML_SEQ) {
		od_yaml_error(errs, n, "%s: expected a list, found %s", what,
		    od_yaml_type_name(n->type));
		return;
	}
	if (n->nitems == 0) {
		od_yaml_error(errs, n, "%s: an empty list matches nothing", what);
		return;
	}
	if ((*out = calloc(n->nitems, sizeof(**out))) == NULL)
		return;
	for (i = 0; i < n->nitems; i++) {
		const char *s = od_policy_scalar(n->items[i], what, errs);
		if (s == NULL)
			continue;
		if ((valid != NULL && !valid(s)) || s[0] == '\0') {
			od_yaml_error(errs, n->items[i], "%s: '%s' %s", what, s, msg);
			continue;
		}
		(*out)[(*nout)++] = strdup(s);
	}
}

static int
policy_currency_valid(const char *s)
{
	return od_currency_digits(s) >= 0;
}

static void
policy_read_range(const struct od_yaml *n, const char *what, int is_amount,
    struct od_segment *seg, struct od_errors *errs)
{
	static const char *const keys[] = { "min", "max", NULL };
	const struct od_yaml	*b[2];
	char			 name[64];
	int			 i, ok[2] = { 0, 0 };

	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "%s: expected a mapping with min and/or max, found %s",
		    what, od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, what, errs);
	for (i = 0; i < 2; i++) {
		const char *s;
		if ((b[i] = od_yaml_get(n, keys[i])) == NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", what, keys[i]);
		if (!is_amount) {
			int *v = i == 0 ? &seg->dpd_min : &seg->dpd_max;
			if (od_policy_int(b[i], name, -36500, 36500, v, errs) == 0)
				ok[i] = 1;
			continue;
		}
		if ((s = od_policy_scalar(b[i], name, errs)) == NULL)
			continue;
		if (!od_policy_decimal_valid(s)) {
			od_yaml_error(errs, b[i], "%s: '%s' is not a decimal amount such as \"50.00\"",
			    name, s);
			continue;
		}
		*(i == 0 ? &seg->amount_min : &seg->amount_max) = strdup(s);
		ok[i] = 1;
	}
	if (is_amount) {
		seg->has_amount_min = ok[0];
		seg->has_amount_max = ok[1];
		if (ok[0] && ok[1]) {
			int d = policy_frac_digits(seg->amount_min);
			int64_t lo;
			if (od_money_parse(seg->amount_min, d, &lo) == 0 &&
			    policy_amount_cmp(lo, d, seg->amount_max) == 1)
				od_yaml_error(errs, n, "%s: min %s is greater than max %s", what,
				    seg->amount_min, seg->amount_max);
		}
	} else {
		seg->has_dpd_min = ok[0];
		seg->has_dpd_max = ok[1];
		if (ok[0] && ok[1] && seg->dpd_min > seg->dpd_max)
			od_yaml_error(errs, n, "%s: min %d is greater than max %d", what,
			    seg->dpd_min, seg->dpd_max);
	}
}

static const struct { const char *text; enum od_cmp_op op; } policy_ops[] = {
	{ "==", OD_OP_EQ }, { "!=", OD_OP_NE }, { "<", OD_OP_LT }, { "<=", OD_OP_LE },
	{ ">", OD_OP_GT }, { ">=", OD_OP_GE }, { "in", OD_OP_IN },
};

static void
policy_read_attr(const struct od_yaml *n, size_t idx, struct od_attr_cond *c,
    struct od_errors *errs)
{
	static const char *const keys[] = { "name", "op", "value", NULL };
	const struct od_yaml	*k, *o, *v;
	const char		*s;
	char			 what[64], name[80];
	size_t			 i;

	snprintf(what, sizeof(what), "segment.attributes[%zu]", idx);
	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "%s: expected a mapping {name, op, value}, found %s", what,
		    od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, what, errs);
	for (i = 0; keys[i] != NULL; i++)
		if (od_yaml_get(n, keys[i]) == NULL)
			od_yaml_error(errs, n, "missing required key '%s' in %s", keys[i], what);
	if ((k = od_yaml_get(n, "name")) != NULL) {
		snprintf(name, sizeof(name), "%s.name", what);
		if ((s = od_policy_scalar(k, name, errs)) != NULL) {
			if (s[0] == '\0')
				od_yaml_error(errs, k, "%s: must not be empty", name);
			else
				c->attr = strdup(s);
		}
	}
	if ((o = od_yaml_get(n, "op")) != NULL) {
		snprintf(name, sizeof(name), "%s.op", what);
		if ((s = od_policy_scalar(o, name, errs)) != NULL) {
			for (i = 0; i < sizeof(policy_ops) / sizeof(policy_ops[0]); i++)
				if (strcmp(s, policy_ops[i].text) == 0)
					c->op = policy_ops[i].op;
			if (c->op == 0)
				od_yaml_error(errs, o, "%s: unknown operator '%s' "
				    "(==, !=, <, <=, >, >=, in)", name, s);
		}
	}
	if ((v = od_yaml_get(n, "value")) == NULL || c->op == 0)
		return;
	snprintf(name, sizeof(name), "%s.value", what);
	if (c->op == OD_OP_IN) {
		if (v->type != OD_YAML_SEQ) {
			od_yaml_error(errs, v, "%s: 'in' needs a list of values, found %s", name,
			    od_yaml_type_name(v->type));
			return;
		}
		if ((c->list = calloc(v->nitems + 1, sizeof(*c->list))) == NULL)
			return;
		for (i = 0; i < v->nitems; i++)
			if ((s = od_policy_scalar(v->items[i], name, errs)) != NULL)
				c->list[c->nlist++] = strdup(s);
		return;
	}
	if ((s = od_policy_scalar(v, name, errs)) == NULL)
		return;
	c->is_number = policy_number(v, &c->num);
	c->str = strdup(s);
}

int
od_policy_minor_units(const struct od_yaml *n, const char *what, const char *s,
    const struct od_segment *seg, struct od_errors *errs)
{
	size_t	c;
	int	d, have = policy_frac_digits(s);

	for (c = 0; c < seg->ncurrencies; c++) {
		if ((d = od_currency_digits(seg->currencies[c])) < 0 || have <= d)
			continue;
		if (d == 0)
			od_yaml_error(errs, n, "%s: '%s' has a decimal part, but %s has no minor "
			    "unit (ISO 4217); '.' is not a thousands separator here: write whole "
			    "units", what, s, seg->currencies[c]);
		else
			od_yaml_error(errs, n, "%s: '%s' has %d decimal places, but %s has %d "
			    "(ISO 4217)", what, s, have, seg->currencies[c], d);
		return -1;
	}
	return 0;
}

/*
 * An amount bound must be writable in every currency the segment takes, in
 * that currency's ISO 4217 minor unit: "20.000" for CLP (no minor unit) is
 * an error, not twenty pesos (in Chile '.' separates thousands).
 */
static void
policy_check_minor_units(const struct od_yaml *range, const struct od_segment *seg,
    struct od_errors *errs)
{
	static const char *const keys[] = { "min", "max" };
	const char		*bound[2] = { seg->amount_min, seg->amount_max };
	char			 what[64];
	size_t			 i;

	for (i = 0; i < 2; i++) {
		if (bound[i] == NULL || !(i == 0 ? seg->has_amount_min : seg->has_amount_max))
			continue;
		snprintf(what, sizeof(what), "segment.amount.%s", keys[i]);
		od_policy_minor_units(od_yaml_get(range, keys[i]), what, bound[i], seg, errs);
	}
}

void
od_policy_read_segment(const struct od_yaml *n, struct od_segment *seg, struct od_errors *errs)
{
	static const char *const keys[] = { "countries", "currencies", "products", "amount",
		"days_past_due", "attributes", NULL };
	const struct od_yaml	*v;
	size_t			 i;

	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "segment: expected a mapping, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, "segment", errs);
	if ((v = od_yaml_get(n, "countries")) != NULL)
		policy_strlist(v, "segment.countries", od_country_valid,
		    "is not an ISO 3166-1 country code such as PE", &seg->countries,
		    &seg->ncountries, errs);
	if ((v = od_yaml_get(n, "currencies")) != NULL)
		policy_strlist(v, "segment.currencies", policy_currency_valid,
		    "is not an ISO 4217 currency code such as PEN", &seg->currencies,
		    &seg->ncurrencies, errs);
	if ((v = od_yaml_get(n, "products")) != NULL)
		policy_strlist(v, "segment.products", NULL, "must not be empty", &seg->products,
		    &seg->nproducts, errs);
	if ((v = od_yaml_get(n, "amount")) != NULL) {
		policy_read_range(v, "segment.amount", 1, seg, errs);
		policy_check_minor_units(v, seg, errs);
	}
	if ((v = od_yaml_get(n, "days_past_due")) != NULL)
		policy_read_range(v, "segment.days_past_due", 0, seg, errs);
	if ((v = od_yaml_get(n, "attributes")) != NULL) {
		if (v->type != OD_YAML_SEQ) {
			od_yaml_error(errs, v, "segment.attributes: expected a list, found %s",
			    od_yaml_type_name(v->type));
			return;
		}
		if ((seg->attrs = calloc(v->nitems + 1, sizeof(*seg->attrs))) == NULL)
			return;
		for (i = 0; i < v->nitems; i++)
			policy_read_attr(v->items[i], i, &seg->attrs[seg->nattrs++], errs);
	}
}

static int
policy_in_list(char *const *list, size_t n, const char *s, int nocase)
{
	size_t	i;

	for (i = 0; s != NULL && i < n; i++)
		if ((nocase ? strcasecmp(list[i], s) : strcmp(list[i], s)) == 0)
			return 1;
	return 0;
}

/* The attribute as text when it is a string or a boolean, else NULL. */
static const char *
policy_attr_text(const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

static int
policy_cmp_holds(enum od_cmp_op op, int cmp)
{
	switch (op) {
	case OD_OP_EQ:	return cmp == 0;
	case OD_OP_NE:	return cmp != 0;
	case OD_OP_LT:	return cmp < 0;
	case OD_OP_LE:	return cmp <= 0;
	case OD_OP_GT:	return cmp > 0;
	case OD_OP_GE:	return cmp >= 0;
	case OD_OP_IN:	return 0;
	}
	return 0;
}

/* Numbers compare as numbers, strings as strings; a missing or mismatched attribute fails. */
static int
policy_attr_holds(const struct od_attr_cond *c, const json_t *attrs)
{
	const json_t	*v = json_is_object(attrs) ? json_object_get(attrs, c->attr) : NULL;
	const char	*s;
	char		*end;
	double		 x, y;
	size_t		 i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (c->op == OD_OP_IN) {
		for (i = 0; i < c->nlist; i++) {
			if (json_is_number(v)) {
				y = strtod(c->list[i], &end);
				if (*end == '\0' && end != c->list[i] && y == json_number_value(v))
					return 1;
			} else if ((s = policy_attr_text(v)) != NULL && strcmp(s, c->list[i]) == 0)
				return 1;
		}
		return 0;
	}
	if (c->is_number) {
		if (!json_is_number(v))
			return 0;
		x = json_number_value(v);
		return policy_cmp_holds(c->op, x < c->num ? -1 : x > c->num);
	}
	if ((s = policy_attr_text(v)) == NULL)
		return 0;
	return policy_cmp_holds(c->op, strcmp(s, c->str));
}

int
od_policy_matches(const struct od_policy *p, const struct od_account *a, int64_t now_ms)
{
	const struct od_segment	*seg = &p->segment;
	size_t			 i;
	int			 c, dpd;

	if (seg->ncountries > 0 && !policy_in_list(seg->countries, seg->ncountries, a->country, 1))
		return 0;
	if (seg->ncurrencies > 0 &&
	    !policy_in_list(seg->currencies, seg->ncurrencies, a->currency, 1))
		return 0;
	if (seg->nproducts > 0 && !policy_in_list(seg->products, seg->nproducts, a->product, 0))
		return 0;
	if (seg->has_amount_min &&
	    ((c = policy_amount_cmp(a->amount_minor, a->minor_digits, seg->amount_min)) == -2 ||
	    c < 0))
		return 0;
	if (seg->has_amount_max &&
	    ((c = policy_amount_cmp(a->amount_minor, a->minor_digits, seg->amount_max)) == -2 ||
	    c > 0))
		return 0;
	if (seg->has_dpd_min || seg->has_dpd_max) {
		dpd = od_plan_days_past_due(a, now_ms);
		if ((seg->has_dpd_min && dpd < seg->dpd_min) ||
		    (seg->has_dpd_max && dpd > seg->dpd_max))
			return 0;
	}
	for (i = 0; i < seg->nattrs; i++)
		if (!policy_attr_holds(&seg->attrs[i], a->attributes))
			return 0;
	return 1;
}

const struct od_policy *
od_policy_select(const struct od_policy_set *set, const struct od_account *a, int64_t now_ms)
{
	size_t	i;

	for (i = 0; set != NULL && i < set->n; i++)
		if (od_policy_matches(&set->v[i], a, now_ms))
			return &set->v[i];
	return NULL;
}
