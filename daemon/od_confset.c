#include "od_confset.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "od_link_tmpl.h"
#include "od_plan.h"
#include "od_sender.h"
#include "od_tz.h"
#include "od_yaml.h"

const char *
od_confset_rules_dir(const struct od_config *cfg, char *buf, size_t len)
{
	char	tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", cfg->file ? cfg->file : ".");
	snprintf(buf, len, "%s", dirname(tmp));
	return buf;
}

/*
 * Every list of steps a policy has (steps:, promises.steps, plan_steps);
 * each cross-check runs over all of them.
 */
static const struct od_step *
confset_list(const struct od_policy *p, int l, size_t *n)
{
	switch (l) {
	case 0:		*n = p->nsteps; return p->steps;
	case 1:		*n = p->promises.nsteps; return p->promises.steps;
	case 2:		*n = p->nplan_steps; return p->plan_steps;
	default:	*n = 0; return NULL;
	}
}
#define CONFSET_LISTS	3

/* The configured placements' names, ", "-separated, into buf. */
static const char *
confset_placement_names(const struct od_config *cfg, char *buf, size_t len)
{
	size_t	i, used = 0;
	int	n;

	snprintf(buf, len, "none configured");
	for (i = 0; i < cfg->nplacements && used < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "",
		    cfg->placements[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

/*
 * A step's template must exist for every channel of the step, and every
 * channel must have a gateway; a handoff must name a configured placement
 * (a handoff without a notice has neither channels nor template).
 */
static void
confset_check_step(struct od_confset *set, const struct od_policy *p, const struct od_step *s,
    struct od_errors *errs)
{
	const struct od_message_tmpl	*m;
	char				 names[512];
	size_t				 k, t;
	int				 found, kind;

	if (s->handoff && s->to != NULL && od_config_placement(&set->cfg, s->to) == NULL)
		od_errors_add(errs, p->file, s->to_line, s->to_col, "step '%s': no placement '%s' "
		    "in placements: of %s (%s)", s->name, s->to, set->cfg.file,
		    confset_placement_names(&set->cfg, names, sizeof(names)));
	for (k = 0; k < s->nchannels; k++) {
		kind = s->channels[k];
		if (set->cfg.channel_gateway[kind] < 0)
			od_errors_add(errs, p->file, s->line, s->col,
			    "step '%s': no gateway serves %s (see 'channels:' in %s)",
			    s->name, od_channel_kind_name(kind), set->cfg.file);
	}
	if (s->template == NULL)
		return;
	found = 0;
	for (t = 0; t < set->templates.n; t++) {
		m = &set->templates.v[t];
		if (strcmp(m->name, s->template) != 0)
			continue;
		found = 1;
		for (k = 0; k < s->nchannels; k++)
			if (!od_message_tmpl_has(m, s->channels[k]))
				od_errors_add(errs, p->file, s->line, s->col,
				    "step '%s': template '%s' has no %s text in %s (%s)",
				    s->name, s->template,
				    od_channel_kind_name(s->channels[k]), m->locale, m->file);
	}
	if (!found)
		od_errors_add(errs, p->file, s->line, s->col,
		    "step '%s': no template '%s' in any locale under %s", s->name,
		    s->template, set->templates.dir ? set->templates.dir : "templates");
	else if (od_template_set_find(&set->templates, s->template,
	    set->cfg.default_locale, NULL) == NULL)
		od_errors_add(errs, p->file, s->line, s->col,
		    "step '%s': template '%s' is missing in the default locale %s",
		    s->name, s->template, set->cfg.default_locale);
}

static void
confset_check_steps(struct od_confset *set, struct od_errors *errs)
{
	const struct od_policy	*p;
	const struct od_step	*v;
	size_t			 i, j, n;
	int			 l;

	for (i = 0; i < set->policies.n; i++) {
		p = &set->policies.v[i];
		for (l = 0; l < CONFSET_LISTS; l++)
			for (v = confset_list(p, l, &n), j = 0; j < n; j++)
				confset_check_step(set, p, &v[j], errs);
		if (p->jurisdiction != NULL && set->rules != NULL &&
		    od_rules_preset(set->rules, p->jurisdiction) == NULL)
			od_errors_add(errs, p->file, p->line, p->col,
			    "policy '%s': no contact-rules preset for jurisdiction %s", p->name,
			    p->jurisdiction);
	}
}

/* The text of m that a kind sends and a disclosure is looked for in (email: text, then html). */
static const struct od_template *
confset_text(const struct od_message_tmpl *m, int kind, int part)
{
	switch (kind) {
	case OD_CH_SMS:		return part == 0 ? m->sms : NULL;
	case OD_CH_WHATSAPP:	return part == 0 ? m->wa_text : NULL;
	case OD_CH_EMAIL:	return part == 0 ? m->email_text : part == 1 ? m->email_html : NULL;
	default:		return NULL;
	}
}

/* m's kind must carry every disclosure preset p lists for it. */
static void
confset_disclose(const struct od_message_tmpl *m, int kind, const struct od_rules_preset *p,
    const char *why, struct od_errors *errs)
{
	const struct od_template	*t;
	const char			*name, *phrase, *file;
	size_t				 i;
	int				 part, line, col;

	for (i = 0; i < p->ndisclose[kind]; i++) {
		name = p->disclose[kind][i];
		phrase = od_rules_phrase(p, name, m->locale);
		for (part = 0; (t = confset_text(m, kind, part)) != NULL; part++) {
			od_template_position(t, &file, &line, &col);
			if (phrase == NULL)
				od_errors_add(errs, file, line, col, "%s/%s: %s %s must carry the "
				    "disclosure '%s' (%s, %s), which has no phrase in %s's language "
				    "(%s:%d:%d)", m->locale, m->name, od_channel_kind_name(kind),
				    part == 1 ? "html" : "text", name, p->jurisdiction, why, m->locale,
				    p->file, p->line, p->col);
			else if (!od_template_says(t, phrase))
				od_errors_add(errs, file, line, col, "%s/%s: %s %s lacks the disclosure "
				    "'%s' that %s requires (%s): it must say \"%s\" outside any "
				    "{{#if}} (%s)", m->locale, m->name, od_channel_kind_name(kind),
				    part == 1 ? "html" : "text", name, p->jurisdiction, why, phrase,
				    p->file);
		}
	}
}

/* done[] marks (template, preset, kind) checked: each is reported once. */
#define CONFSET_DONE(done, np, t, k, kind)	((done)[((t) * (np) + (k)) * OD_CH_MAX + (kind)])

/*
 * The templates step s uses, for the kinds it sends, held to the preset at
 * index k: those whose locale names no other country with a preset (en,
 * es, en-US for US).
 */
static void
confset_step_disclose(struct od_confset *set, const struct od_step *s, size_t k,
    unsigned char *done, struct od_errors *errs)
{
	const struct od_rules_preset	*p = od_rules_preset_at(set->rules, k);
	const struct od_message_tmpl	*m;
	const char			*region;
	size_t				 np = od_rules_preset_count(set->rules), t, c;
	int				 kind;

	if (s->template == NULL)
		return;		/* a handoff without a notice */
	for (t = 0; t < set->templates.n; t++) {
		m = &set->templates.v[t];
		region = strpbrk(m->locale, "-_");
		if (strcmp(m->name, s->template) != 0 || (region != NULL &&
		    strcasecmp(region + 1, p->jurisdiction) != 0 &&
		    od_rules_preset(set->rules, region + 1) != NULL))
			continue;
		for (c = 0; c < s->nchannels; c++) {
			kind = s->channels[c];
			if (!od_message_tmpl_has(m, kind) || CONFSET_DONE(done, np, t, k, kind))
				continue;
			CONFSET_DONE(done, np, t, k, kind) = 1;
			confset_disclose(m, kind, p, "a policy for that country uses it", errs);
		}
	}
}

/* Every template policy pol uses, in each of its lists of steps, held to the preset at k. */
static void
confset_policy_disclose(struct od_confset *set, const struct od_policy *pol, size_t k,
    unsigned char *done, struct od_errors *errs)
{
	const struct od_step	*v;
	size_t			 j, n;
	int			 l;

	for (l = 0; l < CONFSET_LISTS; l++)
		for (v = confset_list(pol, l, &n), j = 0; j < n; j++)
			confset_step_disclose(set, &v[j], k, done, errs);
}

/*
 * The jurisdictions' disclosures (config/jurisdictions/<CC>.yaml,
 * disclosures:).  A template is held to a preset when its locale names the
 * preset's country (es-CO: CO, every text it has), and when a policy for
 * that country uses it: a policy of that jurisdiction, or one without a
 * jurisdiction whose segment takes that country (confset_policy_disclose).
 */
static void
confset_check_disclosures(struct od_confset *set, struct od_errors *errs)
{
	const struct od_rules_preset	*p;
	const struct od_policy		*pol;
	const struct od_message_tmpl	*m;
	const char			*region;
	size_t				 i, j, k, t, np;
	unsigned char			*done;
	int				 kind;

	if (set->rules == NULL || (np = od_rules_preset_count(set->rules)) == 0)
		return;
	if ((done = calloc(set->templates.n * np, OD_CH_MAX)) == NULL)
		return;
	for (t = 0; t < set->templates.n; t++) {
		m = &set->templates.v[t];
		region = strpbrk(m->locale, "-_");
		for (k = 0; k < np; k++) {
			p = od_rules_preset_at(set->rules, k);
			if (region == NULL || strcasecmp(region + 1, p->jurisdiction) != 0)
				continue;
			for (kind = 0; kind < OD_CH_MAX; kind++)
				if (od_message_tmpl_has(m, kind) && !CONFSET_DONE(done, np, t, k, kind)) {
					CONFSET_DONE(done, np, t, k, kind) = 1;
					confset_disclose(m, kind, p, "its locale's country", errs);
				}
		}
	}
	for (i = 0; i < set->policies.n; i++) {
		pol = &set->policies.v[i];
		for (k = 0; k < np; k++) {
			p = od_rules_preset_at(set->rules, k);
			if (pol->jurisdiction != NULL) {
				if (strcasecmp(pol->jurisdiction, p->jurisdiction) == 0)
					confset_policy_disclose(set, pol, k, done, errs);
				continue;
			}
			for (j = 0; j < pol->segment.ncountries; j++)
				if (strcasecmp(pol->segment.countries[j], p->jurisdiction) == 0)
					confset_policy_disclose(set, pol, k, done, errs);
		}
	}
	free(done);
}

/* A policy's "rules:" tighten its jurisdiction's preset; loosening is a warning. */
static void
confset_policy_rules(struct od_confset *set, struct od_errors *errs)
{
	const struct od_rules_preset	*base;
	const struct od_yaml		*node;
	struct od_policy		*p;
	struct od_yaml_doc		 doc;
	size_t				 i;

	if (set->rules == NULL || set->policies.n == 0)
		return;
	if ((set->policy_rules = calloc(set->policies.n, sizeof(*set->policy_rules))) == NULL)
		return;
	for (i = 0; i < set->policies.n; i++) {
		p = &set->policies.v[i];
		if (p->file == NULL || od_yaml_load_file(p->file, &doc, errs) == -1)
			continue;
		if ((node = od_yaml_get(doc.root, "rules")) != NULL) {
			if (p->jurisdiction == NULL)
				od_yaml_error(errs, node, "rules: a policy that tightens the contact "
				    "rules must name its jurisdiction");
			else if ((base = od_rules_preset(set->rules, p->jurisdiction)) != NULL &&
			    (set->policy_rules[i] = calloc(1, sizeof(**set->policy_rules))) != NULL)
				od_rules_tighten(base, node, set->policy_rules[i], errs);
		}
		od_yaml_doc_free(&doc);
	}
}

const struct od_rules_preset *
od_confset_preset(const struct od_confset *set, const struct od_policy *p, const char *country)
{
	size_t	i;

	if (set->rules == NULL)
		return NULL;
	if (p != NULL && set->policy_rules != NULL && p >= set->policies.v &&
	    (i = (size_t)(p - set->policies.v)) < set->policies.n && set->policy_rules[i] != NULL)
		return set->policy_rules[i];
	return od_rules_preset(set->rules, p && p->jurisdiction ? p->jurisdiction : country);
}

int
od_confset_load(const char *config_path, const struct od_config_overrides *ov, int flags,
    struct od_confset *set, struct od_errors *errs)
{
	struct stat	st;
	char		dir[1024], tzerr[256];
	size_t		before = errs->count;

	memset(set, 0, sizeof(*set));
	if (od_config_load(config_path, ov, &set->cfg, errs) == -1)
		return -1;
	od_policy_load_dir(set->cfg.policy_dir, &set->policies, errs);
	od_template_set_load(set->cfg.template_dir, &set->templates, errs);
	od_template_set_check_vars(&set->templates, od_plan_context_has, errs);
	od_link_tmpl_check(set->cfg.links, &set->templates, errs);	/* links need keys */
	/* A folder that cannot be read is already the templates' error. */
	if (set->cfg.template_dir != NULL && stat(set->cfg.template_dir, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		od_intent_load(&set->intents, set->cfg.template_dir, set->cfg.default_locale, errs);
	od_rules_load(od_confset_rules_dir(&set->cfg, dir, sizeof(dir)), &set->rules, errs);
	/* Intake checks each debtor's zone against its country: the tables must be there. */
	if (od_tz_countries_load(tzerr, sizeof(tzerr)) == -1)
		od_errors_add(errs, NULL, 0, 0, "%s (tzdata's zone1970.tab and zone.tab say which "
		    "time zones belong to which country; $OUTREACHD_ZONEINFO)", tzerr);
	od_template_set_check_lockscreen(&set->templates, errs);
	if (errs->count == before)
		confset_check_steps(set, errs);
	if (errs->count == before)
		confset_check_disclosures(set, errs);
	if (errs->count == before)
		confset_policy_rules(set, errs);
	if (errs->count == before && (flags & OD_CONFSET_GATEWAYS)) {
		od_gateways_load(&set->cfg, &set->gateways, errs);
		od_sender_check(&set->gateways, errs);
		set->has_gateways = 1;
	}
	if (errs->count != before) {
		od_confset_free(set);
		return -1;
	}
	return 0;
}

void
od_confset_free(struct od_confset *set)
{
	if (set == NULL)
		return;
	size_t	i;

	if (set->policy_rules != NULL)
		for (i = 0; i < set->policies.n; i++)
			free(set->policy_rules[i]);
	free(set->policy_rules);
	od_gateways_free(&set->gateways);
	od_rules_free(set->rules);
	od_intent_free(&set->intents);
	od_template_set_free(&set->templates);
	od_policy_set_free(&set->policies);
	od_config_clear(&set->cfg);
	memset(set, 0, sizeof(*set));
}

struct od_confset *
od_confset_open(const char *config_path, const struct od_config_overrides *ov, int flags,
    struct od_errors *errs)
{
	struct od_confset	*set;

	if ((set = malloc(sizeof(*set))) == NULL)
		return NULL;
	if (od_confset_load(config_path, ov, flags, set, errs) == -1) {
		free(set);
		return NULL;
	}
	set->refs = 1;
	return set;
}

struct od_confset *
od_confset_ref(struct od_confset *set)
{
	set->refs++;
	return set;
}

void
od_confset_unref(struct od_confset *set)
{
	if (set == NULL || --set->refs > 0)
		return;
	od_confset_free(set);
	free(set);
}
