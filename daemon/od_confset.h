/*
 * od_confset: everything an operator edits, loaded and cross-checked as one
 * set: the configuration, the policies, the templates, the contact rules and
 * (for the daemon) the gateways.  Every error of every file is collected as
 * "file:line:col: message" before the set is refused; a running daemon
 * swaps in a new set only when it loaded whole.
 */
#ifndef OD_CONFSET_H
#define OD_CONFSET_H

#include "od_config.h"
#include "od_error.h"
#include "od_intent.h"
#include "od_plugin.h"
#include "od_policy.h"
#include "od_rules.h"
#include "od_template.h"

struct od_confset {
	struct od_config	 cfg;
	struct od_policy_set	 policies;
	struct od_template_set	 templates;
	struct od_intent_set	 intents;	/* templates/<locale>/intents.yaml */
	struct od_rules		*rules;
	struct od_gateways	 gateways;
	int			 has_gateways;
	/*
	 * Per policy (same index as policies.v): the jurisdiction's preset as the
	 * policy's own "rules:" tightened it, or NULL when it has none.
	 */
	struct od_rules_preset	**policy_rules;
	int			 refs;		/* od_confset_open'ed sets: holders */
};

#define OD_CONFSET_GATEWAYS	0x01	/* load and initialise the gateway plugins */

/* 0, or -1 with every error in errs (warnings too). */
int	od_confset_load(const char *config_path, const struct od_config_overrides *ov,
	    int flags, struct od_confset *set, struct od_errors *errs);
void	od_confset_free(struct od_confset *set);

/*
 * The same, on the heap and reference-counted: the running daemon holds one
 * reference, and every action in flight holds another, so a reload can swap
 * the set while the old one serves the actions that started under it.
 * NULL with errors in errs.
 */
struct od_confset *od_confset_open(const char *config_path, const struct od_config_overrides *ov,
	    int flags, struct od_errors *errs);
struct od_confset *od_confset_ref(struct od_confset *set);
void	od_confset_unref(struct od_confset *set);	/* frees with the last reference */

/*
 * The contact rules that hold for policy p and an account of country:
 * the policy's tightened preset, else the preset of its jurisdiction, else
 * of the account's country.  NULL when there is none.
 */
const struct od_rules_preset *od_confset_preset(const struct od_confset *set,
	    const struct od_policy *p, const char *country);

/* The rules directory: where the config file is (jurisdictions/, holidays/). */
const char *od_confset_rules_dir(const struct od_config *cfg, char *buf, size_t len);

#endif /* OD_CONFSET_H */
