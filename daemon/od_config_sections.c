/*
 * od_config_sections: the sections of config/outreachd.yaml that are not
 * rows of the option table (od_config.c), each with a shape of its own:
 * company (the creditor's strings, and by_country: what differs per
 * debtor country), gateways (a plugin and its settings, secrets never
 * inline), channels (which gateway serves each kind) and placements
 * (where a policy's handoff step places an account); and the lookups of a
 * gateway, its settings and a placement.
 */
#include "od_config_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
od_config_is_map(const struct od_yaml *n, const char *what, struct od_errors *errs)
{
	if (n->type == OD_YAML_MAP)
		return 1;
	od_yaml_error(errs, n, "%s: expected a mapping, found %s", what, od_yaml_type_name(n->type));
	return 0;
}

/* The string keys of one company mapping into obj; what names where ("company", "company.by_country.CO"). */
static void
cfg_read_company_keys(json_t *obj, const struct od_yaml *map, const char *what, int top,
    struct od_errors *errs)
{
	size_t	 i;
	char	*v;

	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *k = od_yaml_map_key(map, i), *n = od_yaml_map_value(map, i);
		if (k->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, k, "keys of %s must be scalars", what);
			continue;
		}
		if (strcmp(k->str, "by_country") == 0) {
			if (!top)
				od_yaml_error(errs, k, "%s: by_country is only allowed under company", what);
			continue;
		}
		if (n->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, n, "%s.%s: expected a string, found %s", what, k->str,
			    od_yaml_type_name(n->type));
			continue;
		}
		if (od_yaml_string(n, &v, errs) == -1)
			continue;
		json_object_set_new(obj, k->str, json_string(v));
		free(v);
	}
}

/*
 * company: the default creditor's strings, and by_country: <CC>: the
 * strings that differ for debtors of that country.  Each country's entry is
 * stored merged over the default, so od_plan_context only picks one.
 */
void
od_config_read_company(struct od_config *cfg, const struct od_yaml *map, struct od_errors *errs)
{
	const struct od_yaml	*by;
	json_t			*all, *one;
	char			 what[64];
	size_t			 i;

	if (!od_config_is_map(map, "company", errs))
		return;
	cfg_read_company_keys(cfg->company, map, "company", 1, errs);
	if ((by = od_yaml_get(map, "by_country")) == NULL ||
	    !od_config_is_map(by, "company.by_country", errs))
		return;
	all = json_object();
	for (i = 0; i < od_yaml_map_size(by); i++) {
		const struct od_yaml *k = od_yaml_map_key(by, i), *n = od_yaml_map_value(by, i);

		if (k->type != OD_YAML_SCALAR || strlen(k->str) != 2 ||
		    k->str[0] < 'A' || k->str[0] > 'Z' || k->str[1] < 'A' || k->str[1] > 'Z') {
			od_yaml_error(errs, k, "company.by_country: '%s' is not a country code (ISO "
			    "3166-1 alpha-2 in capitals: CO, MX, CL, US)",
			    k->type == OD_YAML_SCALAR ? k->str : "?");
			continue;
		}
		snprintf(what, sizeof(what), "company.by_country.%s", k->str);
		if (!od_config_is_map(n, what, errs))
			continue;
		one = json_copy(cfg->company);
		cfg_read_company_keys(one, n, what, 0, errs);
		json_object_set_new(all, k->str, one);
	}
	json_object_set_new(cfg->company, "by_country", all);
}

/* A setting that holds a credential and so must come from a file or the environment. */
static int
cfg_is_secret_key(const char *key)
{
	static const char *const tails[] = { "token", "password", "secret", "auth_token" };
	size_t	i, kl = strlen(key), tl;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		tl = strlen(tails[i]);
		if (kl >= tl && strcmp(key + kl - tl, tails[i]) == 0)
			return 1;
	}
	return 0;
}

static void
cfg_read_gateway(struct od_config *cfg, const struct od_yaml *k, const struct od_yaml *map,
    struct od_errors *errs)
{
	struct od_gateway_conf	*gw = &cfg->gateways[cfg->ngateways++];
	size_t			 i;
	char			 what[128];

	gw->name = strdup(k->str);
	gw->file = strdup(k->file);
	gw->line = k->line;
	gw->col = k->col;
	if (!od_yaml_name_valid(k->str))
		od_yaml_error(errs, k, "gateway name '%s' must be 1 to 64 characters of a-z 0-9 _ -",
		    k->str);
	snprintf(what, sizeof(what), "gateway '%s'", k->str);
	if (!od_config_is_map(map, what, errs))
		return;
	if (od_yaml_get(map, "plugin") == NULL)
		od_yaml_error(errs, k, "gateway '%s': missing required key 'plugin'", k->str);
	gw->settings = calloc(od_yaml_map_size(map) + 1, sizeof(*gw->settings));
	if (gw->settings == NULL)
		return;
	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *sk = od_yaml_map_key(map, i), *sv = od_yaml_map_value(map, i);
		struct od_setting *s;
		char *v;

		if (sk->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, sk, "keys of %s must be scalars", what);
			continue;
		}
		if (sv->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, sv, "gateway '%s': %s: expected a single value, found %s",
			    k->str, sk->str, od_yaml_type_name(sv->type));
			continue;
		}
		if (strcmp(sk->str, "plugin") == 0) {
			if (od_yaml_string(sv, &v, errs) == -1)
				continue;
			if (!od_yaml_name_valid(v))
				od_yaml_error(errs, sv, "gateway '%s': plugin '%s' must be 1 to 64 "
				    "characters of a-z 0-9 _ -", k->str, v);
			free(gw->plugin);
			gw->plugin = v;
			continue;
		}
		if (cfg_is_secret_key(sk->str) && strstr(sv->str, "${") == NULL) {
			od_yaml_error(errs, sv, "gateway '%s': secret '%s' must not be written inline; "
			    "use %s_env or %s_file", k->str, sk->str, sk->str, sk->str);
			continue;
		}
		if (od_yaml_string(sv, &v, errs) == -1)
			continue;
		s = &gw->settings[gw->nsettings++];
		s->key = strdup(sk->str);
		s->value = v;
		s->line = sv->line;
		s->col = sv->col;
	}
}

void
od_config_read_gateways(struct od_config *cfg, const struct od_yaml *map, struct od_errors *errs)
{
	size_t	i;

	if (!od_config_is_map(map, "gateways", errs))
		return;
	cfg->gateways = calloc(od_yaml_map_size(map) + 1, sizeof(*cfg->gateways));
	if (cfg->gateways == NULL)
		return;
	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *k = od_yaml_map_key(map, i);
		if (k->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, k, "keys of gateways must be scalars");
			continue;
		}
		cfg_read_gateway(cfg, k, od_yaml_map_value(map, i), errs);
	}
}

void
od_config_read_channels(struct od_config *cfg, const struct od_yaml *map, struct od_errors *errs)
{
	size_t	i, g;
	int	kind;
	char	*v;

	if (!od_config_is_map(map, "channels", errs))
		return;
	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *k = od_yaml_map_key(map, i), *n = od_yaml_map_value(map, i);
		if (k->type != OD_YAML_SCALAR || (kind = od_channel_kind_parse(k->str)) < 0) {
			od_yaml_error(errs, k, "unknown channel '%s' in channels (sms, email, whatsapp)",
			    k->type == OD_YAML_SCALAR ? k->str : "?");
			continue;
		}
		if (n->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, n, "channels.%s: expected a gateway name, found %s",
			    k->str, od_yaml_type_name(n->type));
			continue;
		}
		if (od_yaml_string(n, &v, errs) == -1)
			continue;
		for (g = 0; g < cfg->ngateways; g++)
			if (cfg->gateways[g].name && strcmp(cfg->gateways[g].name, v) == 0)
				break;
		if (g == cfg->ngateways)
			od_yaml_error(errs, n, "channel '%s': no gateway named '%s'", k->str, v);
		else
			cfg->channel_gateway[kind] = (int)g;
		free(v);
	}
}

const struct od_gateway_conf *
od_config_gateway(const struct od_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; cfg != NULL && name != NULL && i < cfg->ngateways; i++)
		if (cfg->gateways[i].name != NULL && strcmp(cfg->gateways[i].name, name) == 0)
			return &cfg->gateways[i];
	return NULL;
}

const char *
od_gateway_setting(const struct od_gateway_conf *gw, const char *key)
{
	size_t	i;

	for (i = 0; gw != NULL && key != NULL && i < gw->nsettings; i++)
		if (strcmp(gw->settings[i].key, key) == 0)
			return gw->settings[i].value;
	return NULL;
}

static int
cfg_placement_kind_valid(const char *s)
{
	return strcmp(s, "agency") == 0 || strcmp(s, "legal") == 0;
}

static int
cfg_nonempty(const char *s)
{
	return s[0] != '\0';
}

/* The keys of a placement: where each goes, and what a valid value is. */
static const struct {
	const char	*key;
	size_t		 off;
	int		(*valid)(const char *);
	const char	*want;
} cfg_placement_keys[] = {
	{ "display_name", offsetof(struct od_placement, display_name), cfg_nonempty, "a name" },
	{ "kind", offsetof(struct od_placement, kind), cfg_placement_kind_valid,
	  "a kind of placement (agency, legal)" },
	{ "phone", offsetof(struct od_placement, phone), od_phone_valid,
	  "an E.164 number such as +5114000000" },
	{ "email", offsetof(struct od_placement, email), od_email_valid, "an email address" },
};
#define NPLACEMENT_KEYS	(sizeof(cfg_placement_keys) / sizeof(cfg_placement_keys[0]))

/* One placement, name: {display_name, kind, phone, email}. */
static void
cfg_read_placement(struct od_config *cfg, const struct od_yaml *k, const struct od_yaml *map,
    struct od_errors *errs)
{
	const char		*keys[NPLACEMENT_KEYS + 1];
	struct od_placement	*pl = &cfg->placements[cfg->nplacements++];
	const struct od_yaml	*v;
	char			 what[128], *s;
	size_t			 i;

	pl->name = strdup(k->str);
	pl->line = k->line;
	pl->col = k->col;
	if (!od_yaml_name_valid(k->str))
		od_yaml_error(errs, k, "placement name '%s' must be 1 to 64 characters of "
		    "a-z 0-9 _ -", k->str);
	snprintf(what, sizeof(what), "placement '%s'", k->str);
	if (!od_config_is_map(map, what, errs))
		return;
	for (i = 0; i < NPLACEMENT_KEYS; i++)
		keys[i] = cfg_placement_keys[i].key;
	keys[i] = NULL;
	od_yaml_check_keys(map, keys, what, errs);
	if (od_yaml_get(map, "kind") == NULL)
		od_yaml_error(errs, k, "placement '%s': missing required key 'kind' (agency or "
		    "legal)", k->str);
	for (i = 0; i < NPLACEMENT_KEYS; i++) {
		if ((v = od_yaml_get(map, keys[i])) == NULL)
			continue;
		if (v->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, v, "placements.%s.%s: expected a single value, found %s",
			    k->str, keys[i], od_yaml_type_name(v->type));
			continue;
		}
		if (od_yaml_string(v, &s, errs) == -1)
			continue;
		if (!cfg_placement_keys[i].valid(s)) {
			od_yaml_error(errs, v, "placements.%s.%s: '%s' is not %s", k->str, keys[i], s,
			    cfg_placement_keys[i].want);
			free(s);
			continue;
		}
		*(char **)((char *)pl + cfg_placement_keys[i].off) = s;
	}
	if (pl->display_name == NULL)
		pl->display_name = strdup(k->str);
}

/*
 * placements: name -> where a handoff step places an account (an agency
 * or the lender's legal team); policies name them in a handoff's to:.
 */
void
od_config_read_placements(struct od_config *cfg, const struct od_yaml *map,
    struct od_errors *errs)
{
	size_t	i;

	if (!od_config_is_map(map, "placements", errs))
		return;
	cfg->placements = calloc(od_yaml_map_size(map) + 1, sizeof(*cfg->placements));
	if (cfg->placements == NULL)
		return;
	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *k = od_yaml_map_key(map, i);
		if (k->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, k, "keys of placements must be scalars");
			continue;
		}
		cfg_read_placement(cfg, k, od_yaml_map_value(map, i), errs);
	}
}

const struct od_placement *
od_config_placement(const struct od_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; cfg != NULL && name != NULL && i < cfg->nplacements; i++)
		if (cfg->placements[i].name != NULL && strcmp(cfg->placements[i].name, name) == 0)
			return &cfg->placements[i];
	return NULL;
}
