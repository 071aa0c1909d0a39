/*
 * od_rules_int.h: what od_rules.c (the presets, read from YAML),
 * od_rules_tighten.c (a policy's tightening of one) and od_rules_disclose.c
 * (a preset's disclosures) share.  Not for other modules: od_rules.h is the
 * interface.
 */
#ifndef OD_RULES_INT_H
#define OD_RULES_INT_H

#include "od_error.h"
#include "od_rules.h"
#include "od_yaml.h"

/* "sun" .. "sat", as the windows: mapping names the weekdays. */
extern const char *const od_rules_days[7];

/*
 * What a rules mapping said, before it is checked against a preset: -1 marks
 * what was not written.
 */
struct rules_input {
	struct od_rules_limits	 lim;
	const struct od_yaml	*day_node[7];
	const struct od_yaml	*holidays_node;
	const struct od_yaml	*cap_node[5];		/* per_day .. channels_per_week, min_spacing */
	const struct od_yaml	*chday_node[OD_CH_MAX];
	const struct od_yaml	*chweek_node[OD_CH_MAX];
	const struct od_yaml	*spacing_node;
	const struct od_yaml	*basis_node;
	const struct od_yaml	*answers_node;
};

/* Marks everything not written. */
void	od_rules_input_init(struct rules_input *in);
/* windows, holidays, caps of a preset (preset 1) or a policy; 0 or -1. */
int	od_rules_parse_limits(const struct od_yaml *map, int preset, struct rules_input *in,
	    struct od_errors *errs);

/* A non-empty list of strings (a preset's sources, timezones, disclosures); 0 or -1. */
int	od_rules_strv(const struct od_yaml *n, const char *what, char ***out, size_t *nout,
	    struct od_errors *errs);
/* A preset's disclosures: mapping (od_rules_disclose.c); 0 or -1. */
int	od_rules_load_disclosures(const struct od_yaml *map, struct od_rules_preset *p,
	    struct od_errors *errs);

#endif /* OD_RULES_INT_H */
