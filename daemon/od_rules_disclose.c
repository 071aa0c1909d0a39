/*
 * od_rules_disclose: a preset's disclosures: what every text of a kind must
 * say, and each disclosure's phrase per language (docs/contact-rules.md,
 * "Disclosures").  The check of the templates against them is od_confset's.
 */
#include "od_rules.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_rules_int.h"

/* "es", "en": a language code, two or three lower-case letters. */
static int
rules_lang_valid(const char *s)
{
	size_t	n = strlen(s);

	return (n == 2 || n == 3) && strspn(s, "abcdefghijklmnopqrstuvwxyz") == n;
}

/*
 * disclosures:
 *   sms: [opt_out]                     names, per channel kind
 *   phrases:
 *     opt_out: {es: "Responda BAJA", en: "Reply STOP"}
 * Every name a kind lists must have a phrase.
 */
int
od_rules_load_disclosures(const struct od_yaml *map, struct od_rules_preset *p,
    struct od_errors *errs)
{
	static const char *const keys[] = { "sms", "email", "whatsapp", "phrases", NULL };
	const struct od_yaml	*ph, *n, *k, *langs;
	size_t			 i, j;
	int			 kind, bad = 0, found;

	if (map->type != OD_YAML_MAP) {
		od_yaml_error(errs, map, "disclosures: expected a mapping, found %s",
		    od_yaml_type_name(map->type));
		return -1;
	}
	if (od_yaml_check_keys(map, keys, "disclosures", errs) != 0)
		return -1;
	if ((ph = od_yaml_get(map, "phrases")) != NULL) {
		if (ph->type != OD_YAML_MAP) {
			od_yaml_error(errs, ph, "disclosures.phrases: expected a mapping, found %s",
			    od_yaml_type_name(ph->type));
			return -1;
		}
		for (i = 0; i < od_yaml_map_size(ph); i++) {
			k = od_yaml_map_key(ph, i);
			langs = od_yaml_map_value(ph, i);
			if (k->type != OD_YAML_SCALAR || !od_yaml_name_valid(k->str)) {
				od_yaml_error(errs, k, "disclosures.phrases: bad disclosure name");
				bad++;
				continue;
			}
			if (langs->type != OD_YAML_MAP || od_yaml_map_size(langs) == 0) {
				od_yaml_error(errs, langs, "disclosures.phrases.%s: expected a mapping "
				    "of languages to phrases (es: \"Responda BAJA\")", k->str);
				bad++;
				continue;
			}
			for (j = 0; j < od_yaml_map_size(langs); j++) {
				const struct od_yaml *l = od_yaml_map_key(langs, j);
				struct od_rules_phrase *v, *nv;

				n = od_yaml_map_value(langs, j);
				if (l->type != OD_YAML_SCALAR || !rules_lang_valid(l->str)) {
					od_yaml_error(errs, l, "disclosures.phrases.%s: '%s' is not a "
					    "language code (es, en)", k->str,
					    l->type == OD_YAML_SCALAR ? l->str : "?");
					bad++;
					continue;
				}
				if ((nv = realloc(p->phrases, (p->nphrases + 1) * sizeof(*nv))) == NULL)
					return -1;
				p->phrases = nv;
				v = &p->phrases[p->nphrases];
				memset(v, 0, sizeof(*v));
				if (od_yaml_string(n, &v->text, errs) != 0) {
					bad++;
					continue;
				}
				if (v->text[0] == '\0') {
					od_yaml_error(errs, n, "disclosures.phrases.%s.%s: empty phrase",
					    k->str, l->str);
					free(v->text);
					bad++;
					continue;
				}
				v->name = strdup(k->str);
				v->lang = strdup(l->str);
				p->nphrases++;
			}
		}
	}
	for (i = 0; keys[i + 1] != NULL; i++) {
		if ((n = od_yaml_get(map, keys[i])) == NULL)
			continue;
		kind = od_channel_kind_parse(keys[i]);
		if (od_rules_strv(n, keys[i], &p->disclose[kind], &p->ndisclose[kind], errs) != 0) {
			bad++;
			continue;
		}
		for (j = 0; j < p->ndisclose[kind]; j++) {
			size_t m;

			for (found = 0, m = 0; m < p->nphrases && !found; m++)
				found = strcmp(p->phrases[m].name, p->disclose[kind][j]) == 0;
			if (!found) {
				od_yaml_error(errs, n->items[j], "disclosures.%s: '%s' has no phrase "
				    "under disclosures.phrases", keys[i], p->disclose[kind][j]);
				bad++;
			}
		}
	}
	return bad ? -1 : 0;
}

const char *
od_rules_phrase(const struct od_rules_preset *p, const char *name, const char *locale)
{
	size_t	i, n;

	if (p == NULL || name == NULL || locale == NULL)
		return NULL;
	n = strcspn(locale, "-_");
	for (i = 0; i < p->nphrases; i++)
		if (strcmp(p->phrases[i].name, name) == 0 && strlen(p->phrases[i].lang) == n &&
		    strncasecmp(p->phrases[i].lang, locale, n) == 0)
			return p->phrases[i].text;
	return NULL;
}
