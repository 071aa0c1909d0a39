/*
 * od_rules: a policy's "rules:" mapping applied to its jurisdiction's preset
 * (od_rules_tighten): a policy may only tighten; a looser value is a
 * warning naming the rule and the law, and the preset's value is kept.
 */
#include "od_rules.h"

#include <stdio.h>
#include <string.h>

#include "od_rules_int.h"

static void
rules_format_ms(int64_t ms, char *buf, size_t len)
{
	if (ms % 3600000 == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
}

/* Is every span of a inside one span of b? */
static int
rules_day_within(const struct od_rules_limits *a, const struct od_rules_limits *b, int d)
{
	int	i, j, ok;

	for (i = 0; i < a->nwin[d]; i++) {
		for (ok = 0, j = 0; j < b->nwin[d]; j++)
			if (a->win[d][i].start >= b->win[d][j].start && a->win[d][i].end <= b->win[d][j].end)
				ok = 1;
		if (!ok)
			return 0;
	}
	return 1;
}

static void
rules_tighten_cap(const struct od_rules_preset *base, const struct od_yaml *n, const char *what,
    int want, int have, int *out, struct od_errors *errs)
{
	if (n == NULL || want < 0)
		return;
	if (have == 0 || want <= have) {
		*out = want;
		return;
	}
	od_yaml_warn(errs, n, "policy rules: caps.%s %d is looser than %s's %d (%s)", what, want,
	    base->jurisdiction, have, base->caps_basis);
}

int
od_rules_tighten(const struct od_rules_preset *base, const struct od_yaml *node,
    struct od_rules_preset *out, struct od_errors *errs)
{
	static const char *const keys[] = { "windows", "holidays", "caps", NULL };
	static const char *const capnames[3] = { "per_day", "per_week", "channels_per_week" };
	struct od_rules_limits	*l = &out->lim;
	const struct od_rules_limits *b = &base->lim;
	struct rules_input	 in;
	char			 want[128], have[128], what[64];
	int			 d, k, bad;
	int			*outcaps[3] = { &l->per_day, &l->per_week, &l->channels_per_week };
	const int		 basecaps[3] = { b->per_day, b->per_week, b->channels_per_week };
	int			 wantcaps[3];

	*out = *base;
	if (node == NULL)
		return 0;
	if (node->type != OD_YAML_MAP) {
		od_yaml_error(errs, node, "rules: expected a mapping of windows, holidays and caps, "
		    "found %s", od_yaml_type_name(node->type));
		return -1;
	}
	od_rules_input_init(&in);
	bad = od_yaml_check_keys(node, keys, "rules", errs);
	if (od_rules_parse_limits(node, 0, &in, errs) != 0 || bad)
		return -1;
	wantcaps[0] = in.lim.per_day;
	wantcaps[1] = in.lim.per_week;
	wantcaps[2] = in.lim.channels_per_week;

	for (d = 0; d < 7; d++) {
		if (in.day_node[d] == NULL)
			continue;
		if (rules_day_within(&in.lim, b, d)) {
			memcpy(l->win[d], in.lim.win[d], sizeof(l->win[d]));
			l->nwin[d] = in.lim.nwin[d];
			continue;
		}
		od_rules_format_day(&in.lim, d, want, sizeof(want));
		if (b->nwin[d] == 0)
			od_yaml_warn(errs, in.day_node[d], "policy rules: window %s %s is not allowed: "
			    "%s has no contact on %s (%s)", od_rules_days[d], want, base->jurisdiction,
			    od_rules_days[d], base->law);
		else {
			od_rules_format_day(b, d, have, sizeof(have));
			od_yaml_warn(errs, in.day_node[d], "policy rules: window %s %s is wider than "
			    "%s's %s (%s)", od_rules_days[d], want, base->jurisdiction, have, base->law);
		}
	}
	if (in.lim.holidays == 1)
		l->holidays = 1;
	else if (in.lim.holidays == 0 && b->holidays)
		od_yaml_warn(errs, in.holidays_node, "policy rules: holidays false would allow contact "
		    "on %s's public holidays (%s)", base->jurisdiction, base->law);

	for (k = 0; k < 3; k++)
		rules_tighten_cap(base, in.cap_node[k], capnames[k], wantcaps[k], basecaps[k],
		    outcaps[k], errs);
	for (k = 0; k < OD_CH_MAX; k++) {
		snprintf(what, sizeof(what), "per_channel_per_day.%s", od_channel_kind_name(k));
		rules_tighten_cap(base, in.chday_node[k], what, in.lim.per_channel_per_day[k],
		    b->per_channel_per_day[k], &l->per_channel_per_day[k], errs);
		snprintf(what, sizeof(what), "per_channel_per_week.%s", od_channel_kind_name(k));
		rules_tighten_cap(base, in.chweek_node[k], what, in.lim.per_channel_per_week[k],
		    b->per_channel_per_week[k], &l->per_channel_per_week[k], errs);
	}
	if (in.spacing_node != NULL) {
		if (in.lim.min_spacing_ms >= b->min_spacing_ms)
			l->min_spacing_ms = in.lim.min_spacing_ms;
		else {
			rules_format_ms(b->min_spacing_ms, have, sizeof(have));
			od_yaml_warn(errs, in.spacing_node, "policy rules: caps.min_spacing %s is "
			    "shorter than %s's %s (%s)", in.spacing_node->str, base->jurisdiction, have,
			    base->caps_basis);
		}
	}
	return 0;
}
