/*
 * od_policy_life: the negotiation lifecycle of a policy file.
 *
 * What a policy may offer a debtor (offers:, named offers that the steps
 * listing them make), what a promise to pay does to its escalation
 * (promises:, with the steps sent when a promise is made, nears its date
 * or is broken), what an agreed plan sends (plan_steps:, from its
 * acceptance to its last instalment), and what a step's at: counts from
 * in each of the three lists.  Every error is collected at its node, like
 * the rest of the policy (od_policy.c); docs/policies.md, "Promises, plans
 * and handoff".
 */
#include "od_policy_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_time.h"

#define DAY_MS	86400000LL

/*
 * The words an at: may start with besides a duration from the due date:
 * lists is a mask of the od_step_list values that take it; days, whether
 * it takes a whole-day offset ("promise-1d").
 */
static const struct {
	const char	*word;
	enum od_anchor	 anchor;
	unsigned	 lists;
	int		 days;
	const char	*of;		/* what a days offset counts from */
} policy_anchors[] = {
	{ "made",	OD_AT_MADE,	  1u << OD_LIST_PROMISES, 0, NULL },
	{ "promise",	OD_AT_PROMISE,	  1u << OD_LIST_PROMISES, 1, "the promise's date" },
	{ "broken",	OD_AT_BROKEN,	  1u << OD_LIST_PROMISES | 1u << OD_LIST_PLAN, 0, NULL },
	{ "accepted",	OD_AT_ACCEPTED,	  1u << OD_LIST_PLAN, 0, NULL },
	{ "instalment",	OD_AT_INSTALMENT, 1u << OD_LIST_PLAN, 1, "each instalment's date" },
	{ "completed",	OD_AT_COMPLETED,  1u << OD_LIST_PLAN, 0, NULL },
};
#define NANCHORS	(sizeof(policy_anchors) / sizeof(policy_anchors[0]))

/* What each list's at: takes, for its errors. */
static const char *const policy_list_at[] = {
	"a duration from the due date such as -3d, 0d, +5d or +1d12h",
	"made, promise-Nd, promise, promise+Nd, broken",
	"accepted, instalment-Nd, instalment, instalment+Nd, broken, completed",
};

/* "-3d", "0d", "+7d": a whole number of days, sent at send_at. */
static int
policy_whole_days(const char *s)
{
	size_t	i = (s[0] == '+' || s[0] == '-') ? 1 : 0, start = i;

	while (isdigit((unsigned char)s[i]))
		i++;
	return i > start && s[i] == 'd' && s[i + 1] == '\0';
}

int
od_policy_read_at(const struct od_yaml *v, const char *s, enum od_step_list list,
    struct od_step *st, struct od_errors *errs)
{
	const char	*rest = NULL;
	size_t		 i, len;
	int64_t		 ms;

	for (i = 0; i < NANCHORS; i++) {
		len = strlen(policy_anchors[i].word);
		if (strncmp(s, policy_anchors[i].word, len) != 0)
			continue;
		rest = s + len;
		if (rest[0] == '\0' || (policy_anchors[i].days && (rest[0] == '+' || rest[0] == '-')))
			break;
	}
	if (i == NANCHORS) {
		/* A duration from the due date: steps: only. */
		if (list != OD_LIST_STEPS) {
			od_yaml_error(errs, v, "at: '%s' is not allowed in %s (%s)", s,
			    od_policy_list_name(list), policy_list_at[list]);
			return -1;
		}
		if (od_duration_parse(s, &ms) == -1) {
			od_yaml_error(errs, v, "at: '%s' is not a duration such as -3d, 0d, +5d or "
			    "+1d12h", s);
			return -1;
		}
		st->anchor = OD_AT_DUE;
		st->offset_ms = ms;
		st->day_offset = policy_whole_days(s);
		return 0;
	}
	if (!(policy_anchors[i].lists & (1u << list))) {
		od_yaml_error(errs, v, "at: '%s' is not allowed in %s (%s)", s,
		    od_policy_list_name(list), policy_list_at[list]);
		return -1;
	}
	st->anchor = policy_anchors[i].anchor;
	st->offset_ms = 0;
	st->day_offset = policy_anchors[i].days;
	if (rest[0] == '\0')
		return 0;
	if (!policy_whole_days(rest) || od_duration_parse(rest, &ms) == -1) {
		od_yaml_error(errs, v, "at: '%s': a step is whole days from %s (%s-1d, %s, %s+1d)",
		    s, policy_anchors[i].of, policy_anchors[i].word, policy_anchors[i].word,
		    policy_anchors[i].word);
		return -1;
	}
	st->offset_ms = ms;
	return 0;
}

const struct od_named_offer *
od_policy_offer(const struct od_policy *p, const char *id)
{
	size_t	i;

	for (i = 0; p != NULL && id != NULL && i < p->noffers; i++)
		if (p->offers[i].id != NULL && strcmp(p->offers[i].id, id) == 0)
			return &p->offers[i];
	return NULL;
}

/* The ids of p's offers, ", "-separated, into buf; "none" when it has none. */
static const char *
policy_offer_ids(const struct od_policy *p, char *buf, size_t len)
{
	size_t	i, used = 0;
	int	n;

	snprintf(buf, len, "the policy's offers: lists none");
	for (i = 0; i < p->noffers && used < len; i++) {
		if (p->offers[i].id == NULL)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", p->offers[i].id);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

void
od_policy_read_step_offers(const struct od_yaml *n, const struct od_policy *p,
    struct od_step *st, struct od_errors *errs)
{
	const char	*s;
	char		 ids[512];
	size_t		 i, j;

	if (n->type != OD_YAML_SEQ) {
		od_yaml_error(errs, n, "offers: expected a list of offer ids, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	if ((st->offers = calloc(n->nitems + 1, sizeof(*st->offers))) == NULL)
		return;
	for (i = 0; i < n->nitems; i++) {
		if ((s = od_policy_scalar(n->items[i], "offers", errs)) == NULL)
			continue;
		if (od_policy_offer(p, s) == NULL) {
			od_yaml_error(errs, n->items[i], "offers: unknown offer '%s' (%s)", s,
			    policy_offer_ids(p, ids, sizeof(ids)));
			continue;
		}
		for (j = 0; j < st->noffers; j++)
			if (strcmp(st->offers[j], s) == 0)
				break;
		if (j < st->noffers) {
			od_yaml_error(errs, n->items[i], "offers: '%s' is listed twice", s);
			continue;
		}
		if ((st->offers[st->noffers] = strdup(s)) != NULL)
			st->noffers++;
	}
}

/* An offer's id: [a-z0-9_]{1,64} (it travels in events and records). */
static int
policy_offer_id_valid(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return i > 0 && i <= 64;
}

static const char *const offer_kind_names[] = { "none", "plan", "settlement", "extension" };

/* The keys of each kind of offer, besides the common ones. */
static const char *const offer_plan_keys[] = { "installments", "frequency", "first_due",
	"min_installment", NULL };
static const char *const offer_settlement_keys[] = { "discount_percent", "pay_days", NULL };
static const char *const offer_extension_keys[] = { "days", NULL };
static const char *const *const offer_kind_keys[] = { NULL, offer_plan_keys,
	offer_settlement_keys, offer_extension_keys };

static int
policy_in(const char *const *list, const char *s)
{
	size_t	i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* installments: N, or {min: A, max: B, default: C}; all within 2..60. */
static void
policy_read_installments(const struct od_yaml *n, const char *what, struct od_named_offer *o,
    struct od_errors *errs)
{
	static const char *const keys[] = { "min", "max", "default", NULL };
	const struct od_yaml	*v;
	char			 name[128];
	int			 ok = 0;

	if (n->type == OD_YAML_SCALAR) {
		if (od_policy_int(n, what, 2, 60, &o->max_n, errs) == 0)
			o->min_n = o->default_n = o->max_n;
		return;
	}
	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "%s: expected a number or {min, max}, found %s", what,
		    od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, what, errs);
	if ((v = od_yaml_get(n, "min")) == NULL)
		od_yaml_error(errs, n, "missing required key 'min' in %s", what);
	else {
		snprintf(name, sizeof(name), "%s.min", what);
		ok += od_policy_int(v, name, 2, 60, &o->min_n, errs) == 0;
	}
	if ((v = od_yaml_get(n, "max")) == NULL)
		od_yaml_error(errs, n, "missing required key 'max' in %s", what);
	else {
		snprintf(name, sizeof(name), "%s.max", what);
		ok += od_policy_int(v, name, 2, 60, &o->max_n, errs) == 0;
	}
	if (ok < 2)
		return;
	if (o->min_n > o->max_n) {
		od_yaml_error(errs, n, "%s: min %d is greater than max %d", what, o->min_n, o->max_n);
		return;
	}
	o->default_n = o->max_n;
	if ((v = od_yaml_get(n, "default")) != NULL) {
		snprintf(name, sizeof(name), "%s.default", what);
		if (od_policy_int(v, name, 2, 60, &o->default_n, errs) == 0 &&
		    (o->default_n < o->min_n || o->default_n > o->max_n)) {
			od_yaml_error(errs, v, "%s: %d is not within min %d and max %d", name,
			    o->default_n, o->min_n, o->max_n);
			o->default_n = o->max_n;
		}
	}
}

/* first_due: "7d", whole days from the acceptance (0 to 60). */
static void
policy_read_first_due(const struct od_yaml *n, const char *what, struct od_named_offer *o,
    struct od_errors *errs)
{
	const char	*s;
	int64_t		 ms;

	if ((s = od_policy_scalar(n, what, errs)) == NULL)
		return;
	if (s[0] == '+' || s[0] == '-' || !policy_whole_days(s) || od_duration_parse(s, &ms) == -1) {
		od_yaml_error(errs, n, "%s: '%s' is not a number of days such as 7d", what, s);
		return;
	}
	if (ms > 60 * DAY_MS) {
		od_yaml_error(errs, n, "%s: %s is out of range (0d to 60d)", what, s);
		return;
	}
	o->first_days = (int)(ms / DAY_MS);
}

static void
policy_read_plan(const struct od_yaml *n, const char *what, const struct od_policy *p,
    struct od_named_offer *o, struct od_errors *errs)
{
	static const char *const freqs[] = { NULL, "weekly", "biweekly", "monthly" };
	const struct od_yaml	*v;
	const char		*s;
	char			 name[80];
	size_t			 i;

	snprintf(name, sizeof(name), "%s.installments", what);
	if ((v = od_yaml_get(n, "installments")) == NULL)
		od_yaml_error(errs, n, "missing required key 'installments' in %s (a plan offer)",
		    what);
	else
		policy_read_installments(v, name, o, errs);
	snprintf(name, sizeof(name), "%s.frequency", what);
	if ((v = od_yaml_get(n, "frequency")) != NULL &&
	    (s = od_policy_scalar(v, name, errs)) != NULL) {
		for (i = 1; i < sizeof(freqs) / sizeof(freqs[0]); i++)
			if (strcmp(s, freqs[i]) == 0)
				o->freq = (enum od_freq)i;
		if (o->freq == OD_FREQ_NONE)
			od_yaml_error(errs, v, "%s: unknown frequency '%s' (weekly, biweekly, "
			    "monthly)", name, s);
	}
	if (o->freq == OD_FREQ_NONE)
		o->freq = OD_FREQ_MONTHLY;
	snprintf(name, sizeof(name), "%s.first_due", what);
	if ((v = od_yaml_get(n, "first_due")) != NULL)
		policy_read_first_due(v, name, o, errs);
	snprintf(name, sizeof(name), "%s.min_installment", what);
	if ((v = od_yaml_get(n, "min_installment")) != NULL &&
	    (s = od_policy_scalar(v, name, errs)) != NULL) {
		/* in the minor unit of every currency the segment takes: "20.000" is no CLP */
		if (!od_policy_decimal_valid(s))
			od_yaml_error(errs, v, "%s: '%s' is not a decimal amount such as \"50.00\"",
			    name, s);
		else if (od_policy_minor_units(v, name, s, &p->segment, errs) == 0)
			o->min_installment = strdup(s);
	}
}

/* One of offers:, at index idx, into o; the offers before it are p->offers[0..idx). */
static void
policy_read_named_offer(const struct od_yaml *n, size_t idx, const struct od_policy *p,
    struct od_named_offer *o, struct od_errors *errs)
{
	static const char *const common[] = { "id", "kind", "valid_days", "terms", "grace_days",
		NULL };
	const struct od_named_offer *other;
	const struct od_yaml	*v, *k;
	const char		*allowed[16], *s;
	char			 what[32], name[80];
	size_t			 i, j, na = 0;

	o->line = n->line;
	o->col = n->col;
	o->valid_days = 7;
	o->grace_days = -1;
	o->first_days = 7;
	o->pay_days = 7;
	snprintf(what, sizeof(what), "offers[%zu]", idx);
	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "%s: expected a mapping, found %s", what,
		    od_yaml_type_name(n->type));
		return;
	}
	for (i = 0; common[i] != NULL; i++)
		allowed[na++] = common[i];
	for (i = 1; i < sizeof(offer_kind_keys) / sizeof(offer_kind_keys[0]); i++)
		for (j = 0; offer_kind_keys[i][j] != NULL; j++)
			allowed[na++] = offer_kind_keys[i][j];
	allowed[na] = NULL;
	od_yaml_check_keys(n, allowed, what, errs);
	if ((v = od_yaml_get(n, "id")) == NULL)
		od_yaml_error(errs, n, "missing required key 'id' in %s", what);
	else if ((s = od_policy_scalar(v, "id", errs)) != NULL) {
		if (!policy_offer_id_valid(s))
			od_yaml_error(errs, v, "%s.id: '%s' must be 1 to 64 characters of a-z 0-9 _",
			    what, s);
		else if ((other = od_policy_offer(p, s)) != NULL)
			od_yaml_error(errs, v, "%s.id: duplicate offer id '%s' (first at line %d)",
			    what, s, other->line);
		else
			o->id = strdup(s);
	}
	if ((v = od_yaml_get(n, "kind")) == NULL)
		od_yaml_error(errs, n, "missing required key 'kind' in %s", what);
	else if ((s = od_policy_scalar(v, "kind", errs)) != NULL) {
		for (i = 1; i < sizeof(offer_kind_names) / sizeof(offer_kind_names[0]); i++)
			if (strcmp(s, offer_kind_names[i]) == 0)
				o->kind = (enum od_offer_kind)i;
		if (o->kind == OD_OFFER_NONE)
			od_yaml_error(errs, v, "%s.kind: unknown kind '%s' (plan, settlement, "
			    "extension)", what, s);
	}
	/* A key of another kind of offer is an error, not silently ignored. */
	for (i = 0; o->kind != OD_OFFER_NONE && i < od_yaml_map_size(n); i++) {
		k = od_yaml_map_key(n, i);
		if (k->type == OD_YAML_SCALAR && policy_in(allowed, k->str) &&
		    !policy_in(common, k->str) && !policy_in(offer_kind_keys[o->kind], k->str))
			od_yaml_error(errs, k, "%s.%s: not a key of a%s %s offer", what, k->str,
			    o->kind == OD_OFFER_EXTENSION ? "n" : "", offer_kind_names[o->kind]);
	}
	snprintf(name, sizeof(name), "%s.valid_days", what);
	if ((v = od_yaml_get(n, "valid_days")) != NULL)
		od_policy_int(v, name, 1, 90, &o->valid_days, errs);
	snprintf(name, sizeof(name), "%s.terms", what);
	if ((v = od_yaml_get(n, "terms")) != NULL && (s = od_policy_scalar(v, name, errs)) != NULL)
		o->terms = strdup(s);
	snprintf(name, sizeof(name), "%s.grace_days", what);
	if ((v = od_yaml_get(n, "grace_days")) != NULL)
		od_policy_int(v, name, 0, 30, &o->grace_days, errs);
	switch (o->kind) {
	case OD_OFFER_PLAN:
		policy_read_plan(n, what, p, o, errs);
		break;
	case OD_OFFER_SETTLEMENT:
		snprintf(name, sizeof(name), "%s.discount_percent", what);
		if ((v = od_yaml_get(n, "discount_percent")) == NULL)
			od_yaml_error(errs, n, "missing required key 'discount_percent' in %s (a "
			    "settlement offer)", what);
		else
			od_policy_int(v, name, 1, 99, &o->discount_percent, errs);
		snprintf(name, sizeof(name), "%s.pay_days", what);
		if ((v = od_yaml_get(n, "pay_days")) != NULL)
			od_policy_int(v, name, 1, 90, &o->pay_days, errs);
		break;
	case OD_OFFER_EXTENSION:
		snprintf(name, sizeof(name), "%s.days", what);
		if ((v = od_yaml_get(n, "days")) == NULL)
			od_yaml_error(errs, n, "missing required key 'days' in %s (an extension "
			    "offer)", what);
		else
			od_policy_int(v, name, 1, 90, &o->extend_days, errs);
		break;
	case OD_OFFER_NONE:
		break;
	}
}

void
od_policy_read_offers(const struct od_yaml *n, struct od_policy *p, struct od_errors *errs)
{
	size_t	i;

	if (n->type != OD_YAML_SEQ) {
		od_yaml_error(errs, n, "offers: expected a list of offers, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	if ((p->offers = calloc(n->nitems + 1, sizeof(*p->offers))) == NULL)
		return;
	/* One entry per item, even a broken one: p->offers[i] is items[i]. */
	for (i = 0; i < n->nitems; i++)
		policy_read_named_offer(n->items[i], i, p, &p->offers[p->noffers++], errs);
}

/* The names of steps:, ", "-separated, into buf. */
static const char *
policy_step_names(const struct od_policy *p, char *buf, size_t len)
{
	size_t	i, used = 0;
	int	n;

	snprintf(buf, len, "none");
	for (i = 0; i < p->nsteps && used < len; i++) {
		if (p->steps[i].name == NULL)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", p->steps[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

static void
policy_read_promises(const struct od_yaml *n, struct od_policy *p, struct od_errors *errs)
{
	static const char *const keys[] = { "grace_days", "kept_threshold_percent", "max_broken",
		"max_days", "after_max_broken", "steps", NULL };
	struct od_promise_policy *pp = &p->promises;
	const struct od_yaml	*v;
	const char		*s;
	char			 names[512];

	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "promises: expected a mapping, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, "promises", errs);
	if ((v = od_yaml_get(n, "grace_days")) != NULL)
		od_policy_int(v, "promises.grace_days", 0, 30, &pp->grace_days, errs);
	if ((v = od_yaml_get(n, "kept_threshold_percent")) != NULL)
		od_policy_int(v, "promises.kept_threshold_percent", 1, 100, &pp->kept_percent, errs);
	if ((v = od_yaml_get(n, "max_broken")) != NULL)
		od_policy_int(v, "promises.max_broken", 0, 20, &pp->max_broken, errs);
	if ((v = od_yaml_get(n, "max_days")) != NULL)
		od_policy_int(v, "promises.max_days", 1, 365, &pp->max_days, errs);
	if ((v = od_yaml_get(n, "after_max_broken")) != NULL &&
	    (s = od_policy_scalar(v, "promises.after_max_broken", errs)) != NULL) {
		if ((pp->after_index = od_policy_step_index(p, s)) < 0)
			od_yaml_error(errs, v, "promises.after_max_broken: no step '%s' in steps: "
			    "(%s)", s, policy_step_names(p, names, sizeof(names)));
		else
			pp->after_max_broken = strdup(s);
	}
	if ((v = od_yaml_get(n, "steps")) != NULL)
		od_policy_read_steps(v, OD_LIST_PROMISES, p, errs);
}

/*
 * What loads but is likely a mistake: an offer no step makes (no debtor
 * ever hears of it), and plan offers without a plan_steps step at
 * "accepted" (an agreement nobody confirms to the debtor).
 */
static void
policy_warn_offers(const struct od_yaml *offers, const struct od_policy *p,
    struct od_errors *errs)
{
	const struct od_named_offer *o;
	size_t			 i, j, k;
	int			 plan_warned = 0;

	for (i = 0; i < p->noffers && i < offers->nitems; i++) {
		o = &p->offers[i];
		if (o->id == NULL)
			continue;
		for (j = 0; j < p->nsteps; j++) {
			for (k = 0; k < p->steps[j].noffers; k++)
				if (strcmp(p->steps[j].offers[k], o->id) == 0)
					break;
			if (k < p->steps[j].noffers)
				break;
		}
		if (j == p->nsteps)
			od_yaml_warn(errs, offers->items[i], "offer '%s' is made by no step (list it "
			    "in a step's offers:)", o->id);
		if (o->kind != OD_OFFER_PLAN || plan_warned)
			continue;
		for (j = 0; j < p->nplan_steps; j++)
			if (p->plan_steps[j].anchor == OD_AT_ACCEPTED)
				break;
		if (j == p->nplan_steps) {
			od_yaml_warn(errs, offers->items[i], "offer '%s' is a plan, but no step of "
			    "plan_steps: is at 'accepted' to confirm an agreement to the debtor",
			    o->id);
			plan_warned = 1;
		}
	}
}

/*
 * replies: {agent_pause: 3d, paid_claim_hold: 5d, acknowledge_within: 2d}:
 * 1 hour to 30 days each; acknowledge_within may also be "never" (no
 * acknowledgement is sent).
 */
static void
policy_read_replies(const struct od_yaml *n, struct od_policy *p, struct od_errors *errs)
{
	static const char *const keys[] = { "agent_pause", "paid_claim_hold",
		"acknowledge_within", NULL };
	static const char *const names[] = { "replies.agent_pause", "replies.paid_claim_hold",
		"replies.acknowledge_within" };
	int64_t			*dst[3] = { &p->agent_pause_ms, &p->paid_claim_ms,
				    &p->ack_within_ms }, ms;
	const struct od_yaml	*v;
	const char		*s;
	size_t			 i;

	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "replies: expected a mapping, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, "replies", errs);
	for (i = 0; i < 3; i++) {
		if ((v = od_yaml_get(n, keys[i])) == NULL ||
		    (s = od_policy_scalar(v, names[i], errs)) == NULL)
			continue;
		if (i == 2 && strcmp(s, "never") == 0)
			*dst[i] = 0;
		else if (s[0] == '+' || s[0] == '-' || od_duration_parse(s, &ms) == -1 ||
		    ms < 3600000LL || ms > 30 * 86400000LL)
			od_yaml_error(errs, v, "%s: '%s' is not a duration from 1h to 30d (\"3d\", "
			    "\"36h\")", names[i], s);
		else
			*dst[i] = ms;
	}
}

void
od_policy_read_lifecycle(const struct od_yaml *root, struct od_policy *p,
    struct od_errors *errs)
{
	const struct od_yaml	*v;

	if ((v = od_yaml_get(root, "replies")) != NULL)
		policy_read_replies(v, p, errs);
	if ((v = od_yaml_get(root, "promises")) != NULL)
		policy_read_promises(v, p, errs);
	if ((v = od_yaml_get(root, "plan_steps")) != NULL)
		od_policy_read_steps(v, OD_LIST_PLAN, p, errs);
	if ((v = od_yaml_get(root, "offers")) != NULL && v->type == OD_YAML_SEQ)
		policy_warn_offers(v, p, errs);
}

void
od_policy_lifecycle_free(struct od_policy *p)
{
	size_t	i;

	for (i = 0; i < p->noffers; i++) {
		free(p->offers[i].id);
		free(p->offers[i].terms);
		free(p->offers[i].min_installment);
	}
	free(p->offers);
	p->offers = NULL;
	p->noffers = 0;
	free(p->promises.after_max_broken);
	for (i = 0; i < p->promises.nsteps; i++)
		od_policy_step_free(&p->promises.steps[i]);
	free(p->promises.steps);
	p->promises.steps = NULL;
	p->promises.nsteps = 0;
	for (i = 0; i < p->nplan_steps; i++)
		od_policy_step_free(&p->plan_steps[i]);
	free(p->plan_steps);
	p->plan_steps = NULL;
	p->nplan_steps = 0;
}
