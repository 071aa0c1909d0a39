#include "od_confset.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Every step's template must exist for every channel of the step, and every channel must have a gateway. */
static void
confset_check_steps(struct od_confset *set, struct od_errors *errs)
{
	const struct od_policy		*p;
	const struct od_step		*s;
	const struct od_message_tmpl	*m;
	size_t				 i, j, k, t;
	int				 found, kind;

	for (i = 0; i < set->policies.n; i++) {
		p = &set->policies.v[i];
		for (j = 0; j < p->nsteps; j++) {
			s = &p->steps[j];
			for (k = 0; k < s->nchannels; k++) {
				kind = s->channels[k];
				if (set->cfg.channel_gateway[kind] < 0)
					od_errors_add(errs, p->file, s->line, s->col,
					    "step '%s': no gateway serves %s (see 'channels:' in %s)",
					    s->name, od_channel_kind_name(kind), set->cfg.file);
			}
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
		if (p->jurisdiction != NULL && set->rules != NULL &&
		    od_rules_preset(set->rules, p->jurisdiction) == NULL)
			od_errors_add(errs, p->file, p->line, p->col,
			    "policy '%s': no contact-rules preset for jurisdiction %s", p->name,
			    p->jurisdiction);
	}
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
	char	dir[1024], tzerr[256];
	size_t	before = errs->count;

	memset(set, 0, sizeof(*set));
	if (od_config_load(config_path, ov, &set->cfg, errs) == -1)
		return -1;
	od_policy_load_dir(set->cfg.policy_dir, &set->policies, errs);
	od_template_set_load(set->cfg.template_dir, &set->templates, errs);
	od_template_set_check_vars(&set->templates, od_plan_context_has, errs);
	od_rules_load(od_confset_rules_dir(&set->cfg, dir, sizeof(dir)), &set->rules, errs);
	/* Intake checks each debtor's zone against its country: the tables must be there. */
	if (od_tz_countries_load(tzerr, sizeof(tzerr)) == -1)
		od_errors_add(errs, NULL, 0, 0, "%s (tzdata's zone1970.tab and zone.tab say which "
		    "time zones belong to which country; $OUTREACHD_ZONEINFO)", tzerr);
	if (errs->count == before)
		confset_check_steps(set, errs);
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
