/*
 * od_policy: policy/<name>.yaml, one policy a file.
 *
 * Loading checks the syntax and the meaning of each policy (names, stages,
 * channels, durations, step order, segment rules) and collects every error
 * at its node; a file with any error is refused, and so is the directory.
 * Whether the templates a step names exist is checked elsewhere.
 *
 * This file reads a policy's own keys, its offer and its lists of steps,
 * and keeps the sets; the segment (which accounts a policy takes, and the
 * match against an account) is od_policy_segment.c; the negotiation
 * lifecycle (offers:, promises:, plan_steps:, what a step's at: counts
 * from) is od_policy_life.c.
 */
#include "od_policy.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_policy_int.h"
#include "od_time.h"
#include "od_yaml.h"

#define DAY_MS	86400000LL

static const char *const stage_names[] = { "invalid", "reminder", "notice", "offer", "final" };

const char *
od_stage_name(enum od_stage s)
{
	return (int)s >= 0 && (size_t)s < sizeof(stage_names) / sizeof(stage_names[0]) ?
	    stage_names[s] : "invalid";
}

enum od_stage
od_stage_parse(const char *s)
{
	size_t	i;

	for (i = 1; s != NULL && i < sizeof(stage_names) / sizeof(stage_names[0]); i++)
		if (strcmp(s, stage_names[i]) == 0)
			return (enum od_stage)i;
	return OD_STAGE_INVALID;
}


/* The text of a scalar, or NULL with an error naming what. */
const char *
od_policy_scalar(const struct od_yaml *n, const char *what, struct od_errors *errs)
{
	if (n->type == OD_YAML_SCALAR)
		return n->str;
	od_yaml_error(errs, n, "%s: expected a single value, found %s", what,
	    od_yaml_type_name(n->type));
	return NULL;
}

int
od_policy_int(const struct od_yaml *n, const char *what, long min, long max, int *out,
    struct od_errors *errs)
{
	const char	*s;
	char		*end;
	long		 v;

	if ((s = od_policy_scalar(n, what, errs)) == NULL)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0) {
		od_yaml_error(errs, n, "%s: expected an integer, found '%s'", what, s);
		return -1;
	}
	if (v < min || v > max) {
		od_yaml_error(errs, n, "%s: %ld is out of range (%ld to %ld)", what, v, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* "HH:MM" to minutes after midnight, or -1. */
static int
policy_hhmm(const char *s)
{
	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static void
policy_read_offer(const struct od_yaml *n, struct od_offer *o, struct od_errors *errs)
{
	static const char *const keys[] = { "installments", "discount_percent", "valid_days",
		"payment_url", NULL };
	const struct od_yaml	*v;
	const char		*s;

	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "offer: expected a mapping, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, keys, "offer", errs);
	if ((v = od_yaml_get(n, "installments")) != NULL)
		od_policy_int(v, "offer.installments", 0, 60, &o->installments, errs);
	if ((v = od_yaml_get(n, "discount_percent")) != NULL)
		od_policy_int(v, "offer.discount_percent", 0, 100, &o->discount_percent, errs);
	if ((v = od_yaml_get(n, "valid_days")) != NULL)
		od_policy_int(v, "offer.valid_days", 0, 365, &o->valid_days, errs);
	if ((v = od_yaml_get(n, "payment_url")) != NULL &&
	    (s = od_policy_scalar(v, "offer.payment_url", errs)) != NULL) {
		if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
			od_yaml_error(errs, v, "offer.payment_url: '%s' is not an http(s) URL", s);
		else
			o->payment_url = strdup(s);
	}
}

static void
policy_read_channels(const struct od_yaml *n, struct od_step *st, struct od_errors *errs)
{
	size_t	i, j;
	int	kind;

	if (n->type != OD_YAML_SEQ || n->nitems == 0) {
		od_yaml_error(errs, n, "channels: expected a list of sms, email, whatsapp, found %s",
		    n->type == OD_YAML_SEQ ? "an empty list" : od_yaml_type_name(n->type));
		return;
	}
	for (i = 0; i < n->nitems; i++) {
		const char *s = od_policy_scalar(n->items[i], "channels", errs);
		if (s == NULL)
			continue;
		if ((kind = od_channel_kind_parse(s)) < 0) {
			od_yaml_error(errs, n->items[i],
			    "channels: unknown channel '%s' (sms, email, whatsapp)", s);
			continue;
		}
		for (j = 0; j < st->nchannels; j++)
			if (st->channels[j] == kind)
				break;
		if (j < st->nchannels) {
			od_yaml_error(errs, n->items[i], "channels: '%s' is listed twice", s);
			continue;
		}
		st->channels[st->nchannels++] = kind;
	}
}

static const char *const list_names[] = { "steps", "promises.steps", "plan_steps" };

const char *
od_policy_list_name(enum od_step_list list)
{
	return (size_t)list < sizeof(list_names) / sizeof(list_names[0]) ? list_names[list] : "?";
}

/* The node of key itself in map (not its value), or NULL. */
static const struct od_yaml *
policy_key_node(const struct od_yaml *map, const char *key)
{
	const struct od_yaml	*k;
	size_t			 i;

	for (i = 0; i < od_yaml_map_size(map); i++) {
		k = od_yaml_map_key(map, i);
		if (k->type == OD_YAML_SCALAR && strcmp(k->str, key) == 0)
			return k;
	}
	return NULL;
}

#define POLICY_WAIT_MAX_MS	(365 * DAY_MS)

/*
 * A handoff step's own keys: to (the placement), wait (how long after the
 * step before it), and its notice to the debtor (channels and template,
 * both or neither).
 */
static void
policy_read_handoff(const struct od_yaml *n, const char *what, struct od_step *st,
    struct od_errors *errs)
{
	const struct od_yaml	*v;
	const char		*s;

	if ((v = od_yaml_get(n, "to")) != NULL && (s = od_policy_scalar(v, "to", errs)) != NULL) {
		if (!od_yaml_name_valid(s))
			od_yaml_error(errs, v, "to: '%s' must be 1 to 64 characters of a-z 0-9 _ -",
			    s);
		else {
			st->to = strdup(s);
			st->to_line = v->line;
			st->to_col = v->col;
		}
	}
	if ((v = od_yaml_get(n, "wait")) != NULL && (s = od_policy_scalar(v, "wait", errs)) != NULL) {
		/* whole days or hours, never negative: "10d", "36h" */
		if (s[0] == '+' || s[0] == '-' || od_duration_parse(s, &st->wait_ms) == -1 ||
		    st->wait_ms % 3600000 != 0) {
			od_yaml_error(errs, v, "wait: '%s' is not a duration such as 10d or 36h", s);
			st->wait_ms = 0;
		} else if (st->wait_ms > POLICY_WAIT_MAX_MS) {
			od_yaml_error(errs, v, "wait: '%s' is more than 365d", s);
			st->wait_ms = 0;
		}
	}
	if ((od_yaml_get(n, "channels") == NULL) != (od_yaml_get(n, "template") == NULL))
		od_yaml_error(errs, n, "%s: a handoff's notice to the debtor needs both channels "
		    "and template, or neither", what);
	if ((v = od_yaml_get(n, "offers")) != NULL)
		od_yaml_error(errs, v, "offers: a handoff step makes no offers");
}

/*
 * One step of list; *ok is 1 when its time could be read (for the order
 * check), *stage_node the stage: it gave, if any.
 */
static void
policy_read_step(const struct od_yaml *n, enum od_step_list list, size_t idx,
    const struct od_policy *p, struct od_step *st, const struct od_yaml **stage_node, int *ok,
    struct od_errors *errs)
{
	static const char *const keys[] = { "name", "at", "stage", "channels", "template",
		"kind", "to", "wait", "offers", NULL };
	static const char *const required[] = { "name", "at", "stage", "channels", "template",
		NULL };
	static const char *const escalation_only[] = { "kind", "to", "wait", "offers", NULL };
	const struct od_yaml	*v;
	const char		*s;
	char			 what[96];
	size_t			 i;

	st->line = n->line;
	st->col = n->col;
	*ok = 0;
	*stage_node = NULL;
	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "%s[%zu]: expected a mapping, found %s",
		    od_policy_list_name(list), idx, od_yaml_type_name(n->type));
		return;
	}
	v = od_yaml_get(n, "name");
	if (v != NULL && v->type == OD_YAML_SCALAR)
		snprintf(what, sizeof(what), "step '%s'", v->str);
	else
		snprintf(what, sizeof(what), "%s[%zu]", od_policy_list_name(list), idx);
	od_yaml_check_keys(n, keys, what, errs);
	if (list != OD_LIST_STEPS) {
		for (i = 0; escalation_only[i] != NULL; i++)
			if ((v = policy_key_node(n, escalation_only[i])) != NULL)
				od_yaml_error(errs, v, "%s: '%s' is only for the steps of steps:, not "
				    "of %s", what, escalation_only[i], od_policy_list_name(list));
	} else if ((v = od_yaml_get(n, "kind")) != NULL &&
	    (s = od_policy_scalar(v, "kind", errs)) != NULL) {
		if (strcmp(s, "handoff") == 0)
			st->handoff = 1;
		else if (strcmp(s, "message") != 0)
			od_yaml_error(errs, v, "kind: unknown kind '%s' (message, handoff)", s);
	}
	/*
	 * Required: name and at; a message's channels and template; the stage
	 * of an escalation message (a lifecycle step is at offer, a handoff at
	 * final, unless they say); a handoff's placement.
	 */
	for (i = 0; required[i] != NULL; i++) {
		if ((strcmp(required[i], "stage") == 0 && (list != OD_LIST_STEPS || st->handoff)) ||
		    (st->handoff && (strcmp(required[i], "channels") == 0 ||
		    strcmp(required[i], "template") == 0)))
			continue;
		if (od_yaml_get(n, required[i]) == NULL)
			od_yaml_error(errs, n, "missing required key '%s' in %s", required[i], what);
	}
	if (st->handoff && od_yaml_get(n, "to") == NULL)
		od_yaml_error(errs, n, "missing required key 'to' in %s (a handoff names its "
		    "placement)", what);
	if ((v = od_yaml_get(n, "name")) != NULL && (s = od_policy_scalar(v, "name", errs)) != NULL) {
		if (!od_yaml_name_valid(s))
			od_yaml_error(errs, v, "name: '%s' must be 1 to 64 characters of a-z 0-9 _ -",
			    s);
		else
			st->name = strdup(s);
	}
	if ((v = od_yaml_get(n, "at")) != NULL && (s = od_policy_scalar(v, "at", errs)) != NULL &&
	    od_policy_read_at(v, s, list, st, errs) == 0)
		*ok = 1;
	st->stage = list != OD_LIST_STEPS ? OD_STAGE_OFFER : st->handoff ? OD_STAGE_FINAL :
	    OD_STAGE_INVALID;
	if ((v = od_yaml_get(n, "stage")) != NULL &&
	    (s = od_policy_scalar(v, "stage", errs)) != NULL) {
		if ((st->stage = od_stage_parse(s)) == OD_STAGE_INVALID)
			od_yaml_error(errs, v, "stage: unknown stage '%s' (reminder, notice, offer, "
			    "final)", s);
		else if (st->handoff && st->stage != OD_STAGE_FINAL)
			od_yaml_error(errs, v, "stage: a handoff step is at stage final, not '%s'", s);
		else
			*stage_node = v;
	}
	if ((v = od_yaml_get(n, "channels")) != NULL)
		policy_read_channels(v, st, errs);
	if ((v = od_yaml_get(n, "template")) != NULL &&
	    (s = od_policy_scalar(v, "template", errs)) != NULL) {
		if (!od_yaml_name_valid(s))
			od_yaml_error(errs, v, "template: '%s' must be 1 to 64 characters of "
			    "a-z 0-9 _ -", s);
		else
			st->template = strdup(s);
	}
	if (list != OD_LIST_STEPS)
		return;
	if (st->handoff)
		policy_read_handoff(n, what, st, errs);
	else {
		if ((v = od_yaml_get(n, "to")) != NULL)
			od_yaml_error(errs, v, "to: only a handoff step (kind: handoff) names a "
			    "placement");
		if ((v = od_yaml_get(n, "wait")) != NULL)
			od_yaml_error(errs, v, "wait: only a handoff step (kind: handoff) waits");
		if ((v = od_yaml_get(n, "offers")) != NULL)
			od_policy_read_step_offers(v, p, st, errs);
	}
}

/* The step other than st named name in any of p's three lists, or NULL. */
static const struct od_step *
policy_step_named(const struct od_policy *p, const char *name, const struct od_step *st)
{
	const struct od_step	*lists[] = { p->steps, p->promises.steps, p->plan_steps };
	size_t			 counts[] = { p->nsteps, p->promises.nsteps, p->nplan_steps };
	size_t			 l, i;

	for (l = 0; l < 3; l++)
		for (i = 0; i < counts[l]; i++)
			if (&lists[l][i] != st && lists[l][i].name != NULL &&
			    strcmp(lists[l][i].name, name) == 0)
				return &lists[l][i];
	return NULL;
}

/*
 * The order of steps: (time, stages, a handoff after the final notice);
 * the lifecycle's lists count from events, not from one date, and have
 * none.
 */
void
od_policy_read_steps(const struct od_yaml *n, enum od_step_list list, struct od_policy *p,
    struct od_errors *errs)
{
	const struct od_yaml	*stage_node, *nv;
	const struct od_step	*last = NULL, *other;
	enum od_stage		 top = OD_STAGE_INVALID;
	const char		*top_step = NULL;
	struct od_step		**out;
	size_t			*nout, i;
	int64_t			 last_at = 0, at;
	int			 ok, seen_final = 0;

	out = list == OD_LIST_STEPS ? &p->steps : list == OD_LIST_PROMISES ? &p->promises.steps :
	    &p->plan_steps;
	nout = list == OD_LIST_STEPS ? &p->nsteps : list == OD_LIST_PROMISES ?
	    &p->promises.nsteps : &p->nplan_steps;
	if (list == OD_LIST_STEPS && (n->type != OD_YAML_SEQ || n->nitems == 0)) {
		od_yaml_error(errs, n, "steps: a policy needs a list of at least one step, found %s",
		    n->type == OD_YAML_SEQ ? "an empty list" : od_yaml_type_name(n->type));
		return;
	}
	if (n->type != OD_YAML_SEQ) {
		od_yaml_error(errs, n, "%s: expected a list of steps, found %s",
		    od_policy_list_name(list), od_yaml_type_name(n->type));
		return;
	}
	if ((*out = calloc(n->nitems + 1, sizeof(**out))) == NULL)
		return;
	for (i = 0; i < n->nitems; i++) {
		struct od_step *st = &(*out)[(*nout)++];

		policy_read_step(n->items[i], list, i, p, st, &stage_node, &ok, errs);
		if (st->name != NULL && (other = policy_step_named(p, st->name, st)) != NULL) {
			nv = od_yaml_get(n->items[i], "name");
			od_yaml_error(errs, nv, "duplicate step name '%s' (first at line %d)",
			    st->name, other->line);
		}
		if (list != OD_LIST_STEPS)
			continue;
		if (ok) {
			/* Compare the times they are sent: whole days go at send_at. */
			at = st->offset_ms + (st->day_offset ? p->send_at_min * 60000LL : 0);
			if (last != NULL && at < last_at)
				od_yaml_error(errs, n->items[i], "step '%s' comes before the step above "
				    "it ('%s'); steps must be in time order",
				    st->name ? st->name : "?", last->name ? last->name : "?");
			last = st;
			last_at = at;
		}
		if (stage_node != NULL) {
			if (st->stage < top)
				od_yaml_error(errs, stage_node, "stage: '%s' after '%s' (step '%s'); "
				    "stages must not go back (reminder, notice, offer, final)",
				    od_stage_name(st->stage), od_stage_name(top),
				    top_step ? top_step : "?");
			else {
				top = st->stage;
				top_step = st->name;
			}
		}
		if (st->handoff && !seen_final)
			od_yaml_error(errs, n->items[i], "step '%s': a handoff must come after a step "
			    "at stage final (the last notice before it)", st->name ? st->name : "?");
		if (st->stage == OD_STAGE_FINAL)
			seen_final = 1;
		if (st->stage == OD_STAGE_OFFER && p->offer.installments == 0 &&
		    p->offer.discount_percent == 0 && st->noffers == 0 && st->name != NULL)
			od_yaml_warn(errs, n->items[i], "step '%s' is at stage offer but makes no "
			    "offer (offers:) and the policy's offer: has no instalments or discount",
			    st->name);
	}
}

void
od_policy_step_free(struct od_step *st)
{
	size_t	i;

	free(st->name);
	free(st->template);
	free(st->to);
	for (i = 0; i < st->noffers; i++)
		free(st->offers[i]);
	free(st->offers);
}

static void
policy_free_one(struct od_policy *p)
{
	size_t	i, j;

	free(p->name);
	free(p->description);
	free(p->file);
	free(p->jurisdiction);
	free(p->segment.amount_min);
	free(p->segment.amount_max);
	for (i = 0; i < p->segment.nproducts; i++)
		free(p->segment.products[i]);
	free(p->segment.products);
	for (i = 0; i < p->segment.ncountries; i++)
		free(p->segment.countries[i]);
	free(p->segment.countries);
	for (i = 0; i < p->segment.ncurrencies; i++)
		free(p->segment.currencies[i]);
	free(p->segment.currencies);
	for (i = 0; i < p->segment.nattrs; i++) {
		struct od_attr_cond *c = &p->segment.attrs[i];
		free(c->attr);
		free(c->str);
		for (j = 0; j < c->nlist; j++)
			free(c->list[j]);
		free(c->list);
	}
	free(p->segment.attrs);
	free(p->offer.payment_url);
	for (i = 0; i < p->nsteps; i++)
		od_policy_step_free(&p->steps[i]);
	free(p->steps);
	od_policy_lifecycle_free(p);
	memset(p, 0, sizeof(*p));
}

void
od_policy_init(struct od_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->send_at_min = 9 * 60;
	p->promises.grace_days = 2;
	p->promises.kept_percent = 100;
	p->promises.max_broken = 2;
	p->promises.max_days = 30;
	p->promises.after_index = -1;
	p->agent_pause_ms = 3 * 86400000LL;
	p->ack_within_ms = 2 * 86400000LL;
	p->paid_claim_ms = 5 * 86400000LL;
}

static const struct od_policy *
policy_find_in(const struct od_policy_set *set, const char *name)
{
	size_t	i;

	for (i = 0; set != NULL && i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	return NULL;
}

/*
 * A policy of one jurisdiction whose segment admits debtors of other
 * countries: allowed (the debtor's own country's rules apply to each, and
 * the jurisdiction's on top), but worth a warning: its texts, money and
 * disclosures were likely written for the one country.
 */
static void
policy_warn_countries(const struct od_yaml *root, const struct od_policy *p,
    struct od_errors *errs)
{
	const struct od_yaml	*at = od_yaml_get(root, "segment");
	size_t			 i;

	if (p->jurisdiction == NULL)
		return;
	if (p->segment.ncountries == 0) {
		od_yaml_warn(errs, at ? at : od_yaml_get(root, "jurisdiction"), "policy '%s' "
		    "(jurisdiction %s) admits debtors of any country: each is held to its own "
		    "country's rules as well; add segment.countries: [%s] to keep to one",
		    p->name ? p->name : "", p->jurisdiction, p->jurisdiction);
		return;
	}
	for (i = 0; i < p->segment.ncountries; i++)
		if (strcasecmp(p->segment.countries[i], p->jurisdiction) != 0)
			od_yaml_warn(errs, at, "policy '%s' (jurisdiction %s) admits debtors of %s: "
			    "they are held to %s's rules as well as %s's", p->name ? p->name : "",
			    p->jurisdiction, p->segment.countries[i], p->segment.countries[i],
			    p->jurisdiction);
}

#define POLICY_SPREAD_MAX_MS	(12 * 3600000LL)

/* Reads path into p; the names in sets a and b are taken. */
static void
policy_read(const struct od_yaml *root, struct od_policy *p, const struct od_policy_set *a,
    const struct od_policy_set *b, struct od_errors *errs)
{
	static const char *const keys[] = { "name", "description", "priority", "jurisdiction",
		"send_at", "spread", "transliterate", "segment", "offer", "offers", "steps", "promises",
		"plan_steps", "replies", "rules", NULL };
	static const char *const required[] = { "name", "steps", NULL };
	const struct od_policy	*other;
	const struct od_yaml	*v;
	const char		*s;
	size_t			 i;

	p->line = root->line;
	p->col = root->col;
	if (root->type != OD_YAML_MAP) {
		od_yaml_error(errs, root, "a policy must be a mapping, found %s",
		    od_yaml_type_name(root->type));
		return;
	}
	od_yaml_check_keys(root, keys, "policy", errs);
	for (i = 0; required[i] != NULL; i++)
		if (od_yaml_get(root, required[i]) == NULL)
			od_yaml_error(errs, root, "missing required key '%s' in policy", required[i]);
	if ((v = od_yaml_get(root, "name")) != NULL &&
	    (s = od_policy_scalar(v, "name", errs)) != NULL) {
		p->line = v->line;
		p->col = v->col;
		if (!od_yaml_name_valid(s))
			od_yaml_error(errs, v, "name: '%s' must be 1 to 64 characters of a-z 0-9 _ -",
			    s);
		else if ((other = policy_find_in(a, s)) != NULL ||
		    (other = policy_find_in(b, s)) != NULL)
			od_yaml_error(errs, v, "policy '%s' is already defined at %s:%d:%d", s,
			    other->file, other->line, other->col);
		else
			p->name = strdup(s);
	}
	if ((v = od_yaml_get(root, "description")) != NULL &&
	    (s = od_policy_scalar(v, "description", errs)) != NULL)
		p->description = strdup(s);
	if ((v = od_yaml_get(root, "priority")) != NULL)
		od_policy_int(v, "priority", -1000, 1000, &p->priority, errs);
	if ((v = od_yaml_get(root, "jurisdiction")) != NULL &&
	    (s = od_policy_scalar(v, "jurisdiction", errs)) != NULL) {
		if (!od_country_valid(s))
			od_yaml_error(errs, v, "jurisdiction: '%s' is not an ISO 3166-1 country code "
			    "such as PE", s);
		else
			p->jurisdiction = strdup(s);
	}
	if ((v = od_yaml_get(root, "send_at")) != NULL &&
	    (s = od_policy_scalar(v, "send_at", errs)) != NULL) {
		if ((p->send_at_min = policy_hhmm(s)) < 0) {
			od_yaml_error(errs, v, "send_at: '%s' is not a time of day HH:MM", s);
			p->send_at_min = 9 * 60;
		}
	}
	if ((v = od_yaml_get(root, "spread")) != NULL &&
	    (s = od_policy_scalar(v, "spread", errs)) != NULL) {
		/* Deferred sends go at send_at + a per-account offset in [0, spread). */
		if (od_duration_parse(s, &p->spread_ms) == -1 || s[0] == '-' || s[0] == '+') {
			od_yaml_error(errs, v, "spread: '%s' is not a duration such as 30m or 2h", s);
			p->spread_ms = 0;
		} else if (p->spread_ms < 60000 || p->spread_ms > POLICY_SPREAD_MAX_MS) {
			od_yaml_error(errs, v, "spread: '%s' must be from 1m to 12h", s);
			p->spread_ms = 0;
		}
	}
	if ((v = od_yaml_get(root, "transliterate")) != NULL)
		od_yaml_bool(v, &p->transliterate, errs);
	if ((v = od_yaml_get(root, "segment")) != NULL)
		od_policy_read_segment(v, &p->segment, errs);
	policy_warn_countries(root, p, errs);
	if ((v = od_yaml_get(root, "offer")) != NULL)
		policy_read_offer(v, &p->offer, errs);
	/* offers: before steps: (a step names the offers it makes), and steps: before promises: */
	if ((v = od_yaml_get(root, "offers")) != NULL)
		od_policy_read_offers(v, p, errs);
	if ((v = od_yaml_get(root, "steps")) != NULL)
		od_policy_read_steps(v, OD_LIST_STEPS, p, errs);
	od_policy_read_lifecycle(root, p, errs);
}

static int
policy_cmp(const void *x, const void *y)
{
	const struct od_policy	*a = x, *b = y;

	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
policy_append(struct od_policy_set *set, struct od_policy *p, size_t n)
{
	struct od_policy	*v;

	if (n == 0)
		return 0;
	if ((v = realloc(set->v, (set->n + n) * sizeof(*v))) == NULL)
		return -1;
	memcpy(v + set->n, p, n * sizeof(*v));
	set->v = v;
	set->n += n;
	qsort(set->v, set->n, sizeof(*set->v), policy_cmp);
	return 0;
}

/*
 * Loads path (or, buf not NULL, the len bytes of buf called path) into tmp
 * (appending); names in set are also taken.  0 or -1.
 */
static int
policy_load_into(const char *path, const char *buf, size_t len, struct od_policy_set *tmp,
    const struct od_policy_set *set, struct od_errors *errs)
{
	struct od_yaml_doc	 doc;
	struct od_errors	 local;
	struct od_policy	 p;
	int			 rc = 0;

	od_errors_init(&local);
	od_policy_init(&p);
	if ((buf != NULL ? od_yaml_load_string(path, buf, len, &doc, &local) :
	    od_yaml_load_file(path, &doc, &local)) == -1) {
		od_errors_move(errs, &local);
		return -1;
	}
	if (doc.root == NULL)
		od_errors_add(&local, path, 1, 1, "empty policy file");
	else {
		p.file = strdup(path);
		policy_read(doc.root, &p, tmp, set, &local);
	}
	od_yaml_doc_free(&doc);
	if (local.count > 0 || policy_append(tmp, &p, 1) == -1) {
		policy_free_one(&p);
		rc = -1;
	}
	od_errors_move(errs, &local);
	return rc;
}

int
od_policy_load_file(const char *path, struct od_policy_set *set, struct od_errors *errs)
{
	return policy_load_into(path, NULL, 0, set, NULL, errs);
}

int
od_policy_load_string(const char *name, const char *buf, size_t len, struct od_policy_set *set,
    struct od_errors *errs)
{
	return policy_load_into(name, buf != NULL ? buf : "", len, set, NULL, errs);
}

static int
policy_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
od_policy_load_dir(const char *dir, struct od_policy_set *set, struct od_errors *errs)
{
	struct od_policy_set	 tmp = { NULL, 0 };
	struct dirent		*de;
	DIR			*d;
	char			**names = NULL, **nn, *path;
	size_t			 n = 0, i, len;
	int			 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		od_errors_add(errs, dir, 1, 1, "cannot open policy directory: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL)
			break;
		names = nn;
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n == 0) {
		od_errors_add(errs, dir, 1, 1, "no policy files (*.yaml) in the policy directory");
		free(names);
		return -1;
	}
	qsort(names, n, sizeof(*names), policy_name_cmp);
	for (i = 0; i < n; i++) {
		len = strlen(dir);
		while (len > 1 && dir[len - 1] == '/')
			len--;
		if (asprintf(&path, "%.*s/%s", (int)len, dir, names[i]) < 0)
			path = NULL;
		if (path == NULL || policy_load_into(path, NULL, 0, &tmp, set, errs) == -1)
			rc = -1;
		free(path);
		free(names[i]);
	}
	free(names);
	if (rc == 0 && policy_append(set, tmp.v, tmp.n) == 0) {
		free(tmp.v);
		return 0;
	}
	od_policy_set_free(&tmp);
	return -1;
}

void
od_policy_set_free(struct od_policy_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		policy_free_one(&set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

const struct od_policy *
od_policy_find(const struct od_policy_set *set, const char *name)
{
	return name != NULL ? policy_find_in(set, name) : NULL;
}

int
od_policy_step_index(const struct od_policy *p, const char *step)
{
	size_t	i;

	for (i = 0; p != NULL && step != NULL && i < p->nsteps; i++)
		if (p->steps[i].name != NULL && strcmp(p->steps[i].name, step) == 0)
			return (int)i;
	return -1;
}
