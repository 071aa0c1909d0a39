/*
 * od_rules: loading the jurisdiction presets and the holiday calendars.  A
 * policy's tightening of a preset is in od_rules_tighten.c, a preset's
 * disclosures in od_rules_disclose.c, the check at send time in
 * od_rules_check.c.
 */
#include "od_rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_holiday.h"
#include "od_metrics.h"
#include "od_rules_int.h"
#include "od_time.h"
#include "od_tz.h"

#define RULES_MAX_CAP		1000
#define RULES_MAX_SPACING_MS	(7LL * 86400 * 1000)

struct od_rules {
	struct od_rules_preset	*presets;	/* sorted by jurisdiction */
	size_t			 npresets;
	struct od_holidays	*cals;
	size_t			 ncals;
	char		       **paths;		/* what the presets' file point to */
	size_t			 npaths;
};

const char *const od_rules_days[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };


void
od_rules_input_init(struct rules_input *in)
{
	int	i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < 7; i++)
		in->lim.nwin[i] = -1;
	in->lim.holidays = -1;
	in->lim.per_day = in->lim.per_week = in->lim.channels_per_week = -1;
	for (i = 0; i < OD_CH_MAX; i++)
		in->lim.per_channel_per_day[i] = in->lim.per_channel_per_week[i] = -1;
	in->lim.min_spacing_ms = -1;
}

/* "HH:MM", 00:00 to 24:00; minutes, or -1. */
static int
rules_parse_hhmm(const char *s, size_t len)
{
	int	h, m;

	if (len != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

static int
rules_span_cmp(const void *a, const void *b)
{
	const struct od_rules_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One weekday's list of "HH:MM-HH:MM": sorted, touching spans merged. */
static int
rules_parse_day(const struct od_yaml *seq, struct od_rules_span *out, int *nout,
    struct od_errors *errs)
{
	struct od_rules_span	 v[OD_RULES_MAX_SPANS];
	const char		*dash;
	size_t			 i;
	int			 n = 0, k, bad = 0;

	if (seq->type != OD_YAML_SEQ) {
		od_yaml_error(errs, seq, "expected a list of \"HH:MM-HH:MM\", found %s",
		    od_yaml_type_name(seq->type));
		return -1;
	}
	if (seq->nitems > OD_RULES_MAX_SPANS) {
		od_yaml_error(errs, seq, "%zu windows on one day (at most %d)", seq->nitems,
		    OD_RULES_MAX_SPANS);
		return -1;
	}
	for (i = 0; i < seq->nitems; i++) {
		const struct od_yaml *s = seq->items[i];
		int a, b;

		if (s->type != OD_YAML_SCALAR || (dash = strchr(s->str, '-')) == NULL ||
		    (a = rules_parse_hhmm(s->str, (size_t)(dash - s->str))) < 0 ||
		    (b = rules_parse_hhmm(dash + 1, strlen(dash + 1))) < 0 || a == 1440) {
			od_yaml_error(errs, s, "bad window '%s': expected \"HH:MM-HH:MM\"",
			    s->type == OD_YAML_SCALAR ? s->str : od_yaml_type_name(s->type));
			bad++;
			continue;
		}
		if (b <= a) {
			od_yaml_error(errs, s, "window %s ends before it starts (a window cannot "
			    "cross midnight: end one at 24:00 and start the next day at 00:00)", s->str);
			bad++;
			continue;
		}
		v[n].start = a;
		v[n].end = b;
		n++;
	}
	if (bad)
		return -1;
	qsort(v, (size_t)n, sizeof(v[0]), rules_span_cmp);
	for (*nout = 0, k = 0; k < n; k++) {
		if (*nout > 0 && v[k].start <= out[*nout - 1].end) {
			if (v[k].end > out[*nout - 1].end)
				out[*nout - 1].end = v[k].end;
			continue;
		}
		out[(*nout)++] = v[k];
	}
	return 0;
}

static int
rules_parse_windows(const struct od_yaml *map, struct rules_input *in, struct od_errors *errs)
{
	static const char *const keys[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL };
	size_t	i;
	int	d, bad = 0;

	if (map->type != OD_YAML_MAP) {
		od_yaml_error(errs, map, "windows: expected a mapping of weekdays (mon..sun), found %s",
		    od_yaml_type_name(map->type));
		return -1;
	}
	bad += od_yaml_check_keys(map, keys, "windows (weekdays are mon..sun)", errs);
	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *k = od_yaml_map_key(map, i);

		for (d = 0; d < 7; d++)
			if (k->type == OD_YAML_SCALAR && strcmp(k->str, od_rules_days[d]) == 0)
				break;
		if (d == 7)
			continue;
		if (in->day_node[d] != NULL) {
			od_yaml_error(errs, k, "windows: %s is given twice", od_rules_days[d]);
			bad++;
			continue;
		}
		in->day_node[d] = od_yaml_map_value(map, i);
		if (rules_parse_day(in->day_node[d], in->lim.win[d], &in->lim.nwin[d], errs) != 0)
			bad++;
	}
	return bad ? -1 : 0;
}

static int
rules_parse_cap(const struct od_yaml *n, int *out, struct od_errors *errs)
{
	long long	v;

	if (od_yaml_int(n, 1, RULES_MAX_CAP, &v, errs) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int
rules_parse_channel_caps(const struct od_yaml *map, const char *what, int *caps,
    const struct od_yaml **nodes, struct od_errors *errs)
{
	size_t	i;
	int	kind, bad = 0;

	if (map->type != OD_YAML_MAP) {
		od_yaml_error(errs, map, "%s: expected a mapping of channels (sms, email, whatsapp), "
		    "found %s", what, od_yaml_type_name(map->type));
		return -1;
	}
	for (i = 0; i < od_yaml_map_size(map); i++) {
		const struct od_yaml *k = od_yaml_map_key(map, i);

		if (k->type != OD_YAML_SCALAR || (kind = od_channel_kind_parse(k->str)) < 0) {
			od_yaml_error(errs, k, "unknown channel '%s' in %s (sms, email, whatsapp)",
			    k->type == OD_YAML_SCALAR ? k->str : "?", what);
			bad++;
			continue;
		}
		nodes[kind] = od_yaml_map_value(map, i);
		if (rules_parse_cap(nodes[kind], &caps[kind], errs) != 0)
			bad++;
	}
	return bad ? -1 : 0;
}

static int
rules_parse_caps(const struct od_yaml *map, int with_basis, struct rules_input *in,
    struct od_errors *errs)
{
	static const char *const keys[] = { "per_day", "per_week", "per_channel_per_day",
	    "per_channel_per_week", "channels_per_week", "min_spacing", NULL, NULL, NULL };
	static const char *const pkeys[] = { "per_day", "per_week", "per_channel_per_day",
	    "per_channel_per_week", "channels_per_week", "min_spacing", "basis", "answers", NULL };
	const struct od_yaml	*n;
	int			*ints[3] = { &in->lim.per_day, &in->lim.per_week,
				    &in->lim.channels_per_week };
	const char		*names[3] = { "per_day", "per_week", "channels_per_week" };
	int			 i, bad = 0;

	if (map->type != OD_YAML_MAP) {
		od_yaml_error(errs, map, "caps: expected a mapping, found %s",
		    od_yaml_type_name(map->type));
		return -1;
	}
	bad += od_yaml_check_keys(map, with_basis ? pkeys : keys, "caps", errs);
	for (i = 0; i < 3; i++) {
		if ((n = od_yaml_get(map, names[i])) == NULL)
			continue;
		in->cap_node[i] = n;
		if (rules_parse_cap(n, ints[i], errs) != 0)
			bad++;
	}
	if ((n = od_yaml_get(map, "per_channel_per_day")) != NULL &&
	    rules_parse_channel_caps(n, "caps.per_channel_per_day", in->lim.per_channel_per_day,
	    in->chday_node, errs) != 0)
		bad++;
	if ((n = od_yaml_get(map, "per_channel_per_week")) != NULL &&
	    rules_parse_channel_caps(n, "caps.per_channel_per_week", in->lim.per_channel_per_week,
	    in->chweek_node, errs) != 0)
		bad++;
	if ((n = od_yaml_get(map, "min_spacing")) != NULL) {
		int64_t ms;

		in->spacing_node = n;
		if (n->type != OD_YAML_SCALAR || od_duration_parse(n->str, &ms) != 0 || ms < 0 ||
		    ms > RULES_MAX_SPACING_MS) {
			od_yaml_error(errs, n, "caps.min_spacing: expected a duration from 0s to 7d "
			    "such as \"24h\"");
			bad++;
		} else
			in->lim.min_spacing_ms = ms;
	}
	if (with_basis && (n = od_yaml_get(map, "basis")) != NULL) {
		in->basis_node = n;
		if (n->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, n, "caps.basis: expected a string");
			bad++;
		}
	}
	if (with_basis && (n = od_yaml_get(map, "answers")) != NULL) {
		in->answers_node = n;
		if (n->type != OD_YAML_SCALAR || (strcmp(n->str, "exempt") != 0 &&
		    strcmp(n->str, "counted") != 0)) {
			od_yaml_error(errs, n, "caps.answers: expected exempt or counted");
			bad++;
		}
	}
	return bad ? -1 : 0;
}

/* windows, holidays, caps of a preset or a policy. */
int
od_rules_parse_limits(const struct od_yaml *map, int preset, struct rules_input *in,
    struct od_errors *errs)
{
	const struct od_yaml	*n;
	int			 bad = 0;

	if ((n = od_yaml_get(map, "windows")) != NULL && rules_parse_windows(n, in, errs) != 0)
		bad++;
	if ((n = od_yaml_get(map, "holidays")) != NULL) {
		in->holidays_node = n;
		if (od_yaml_bool(n, &in->lim.holidays, errs) != 0)
			bad++;
	}
	if ((n = od_yaml_get(map, "caps")) != NULL && rules_parse_caps(n, preset, in, errs) != 0)
		bad++;
	return bad ? -1 : 0;
}

void
od_rules_format_day(const struct od_rules_limits *l, int wday, char *buf, size_t len)
{
	size_t	off = 0;
	int	i;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (wday < 0 || wday > 6 || l->nwin[wday] <= 0) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; i < l->nwin[wday] && off < len; i++) {
		const struct od_rules_span *s = &l->win[wday][i];
		int w = snprintf(buf + off, len - off, "%s%02d:%02d-%02d:%02d", i ? ", " : "",
		    s->start / 60, s->start % 60, s->end / 60, s->end % 60);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* ---- holidays ---- */

static const struct od_holidays *
rules_calendar_find(const struct od_rules *r, const char *country)
{
	size_t	i;

	for (i = 0; r != NULL && country != NULL && i < r->ncals; i++)
		if (strcasecmp(r->cals[i].country, country) == 0)
			return &r->cals[i];
	return NULL;
}

const char *
od_rules_holiday(const struct od_rules *r, const char *country, int y, int m, int d)
{
	const struct od_holidays *c = rules_calendar_find(r, country);

	return c ? od_holidays_find(c, od_days_from_civil(y, m, d)) : NULL;
}

int
od_rules_calendar_covers(const struct od_rules *r, const char *country, int y, int m, int d)
{
	return od_holidays_covers(rules_calendar_find(r, country), od_days_from_civil(y, m, d));
}

const char *
od_rules_calendar_file(const struct od_rules *r, const char *country)
{
	const struct od_holidays *c = rules_calendar_find(r, country);

	return c ? c->file : NULL;
}

/* The UTC date of now_ms, as days since the epoch. */
static int64_t
rules_today(int64_t now_ms)
{
	int64_t	day = now_ms / 86400000LL;

	return now_ms < 0 && now_ms % 86400000LL != 0 ? day - 1 : day;
}

int
od_rules_check_calendars(const struct od_rules *r, int64_t now_ms, struct od_errors *errs)
{
	int64_t	today = rules_today(now_ms), left;
	size_t	i;
	int	y, m, d, bad = 0;

	for (i = 0; r != NULL && i < r->ncals; i++) {
		const struct od_holidays *c = &r->cals[i];

		od_civil_from_days(c->to, &y, &m, &d);
		left = c->to - today;
		if (left < 0) {
			od_errors_add(errs, c->file, c->line, c->col, "the holiday calendar of %s ended "
			    "on %04d-%02d-%02d: sends under holidays: true are suppressed "
			    "(calendar_missing) until the file covers today", c->country, y, m, d);
			bad++;
		} else if (left <= OD_RULES_CALENDAR_WARN_DAYS)
			od_errors_warn(errs, c->file, c->line, c->col, "the holiday calendar of %s "
			    "ends on %04d-%02d-%02d, in %lld day%s: extend it, or sends after that "
			    "date are suppressed (calendar_missing)", c->country, y, m, d,
			    (long long)left, left == 1 ? "" : "s");
	}
	return bad;
}

void
od_rules_calendar_metrics(const struct od_rules *r, struct od_metrics *m, int64_t now_ms)
{
	struct od_metric	*g;
	size_t			 i;

	if (r == NULL || m == NULL || (g = od_metrics_gauge(m,
	    "outreachd_holiday_calendar_days_left", "Days from today (UTC) to the last date "
	    "the country's holiday calendar covers; past it sends are suppressed "
	    "(calendar_missing).", OD_LABELS("country"))) == NULL)
		return;
	for (i = 0; i < r->ncals; i++)
		od_metric_set(g, OD_LABELS(r->cals[i].country),
		    (double)(r->cals[i].to - rules_today(now_ms)));
}

/* ---- presets ---- */

static void
rules_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
rules_preset_clear(struct od_rules_preset *p)
{
	size_t	i;

	free(p->name);
	free(p->law);
	free(p->caps_basis);
	rules_strv_free(p->sources, p->nsources);
	rules_strv_free(p->timezones, p->ntimezones);
	for (i = 0; i < OD_CH_MAX; i++)
		rules_strv_free(p->disclose[i], p->ndisclose[i]);
	for (i = 0; i < p->nphrases; i++) {
		free(p->phrases[i].name);
		free(p->phrases[i].lang);
		free(p->phrases[i].text);
	}
	free(p->phrases);
	memset(p, 0, sizeof(*p));
}

int
od_rules_strv(const struct od_yaml *n, const char *what, char ***out, size_t *nout,
    struct od_errors *errs)
{
	size_t	i;

	if (n->type != OD_YAML_SEQ || n->nitems == 0) {
		od_yaml_error(errs, n, "%s: expected a non-empty list", what);
		return -1;
	}
	if ((*out = calloc(n->nitems, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < n->nitems; i++) {
		if (od_yaml_string(n->items[i], &(*out)[*nout], errs) != 0)
			return -1;
		(*nout)++;
	}
	return 0;
}

static int
rules_load_preset(const struct od_yaml_doc *doc, const char *stem, struct od_rules_preset *p,
    struct od_errors *errs)
{
	static const char *const keys[] = { "jurisdiction", "name", "law", "sources", "windows",
	    "holidays", "caps", "timezones", "disclosures", NULL };
	static const char *const required[] = { "jurisdiction", "name", "law", "sources",
	    "windows", "holidays", "timezones", NULL };
	const struct od_yaml	*root = doc->root, *n;
	struct rules_input	 in;
	size_t			 i;
	int			 bad = 0, d, k;

	if (root == NULL || root->type != OD_YAML_MAP) {
		od_errors_add(errs, doc->file, 1, 1, "a jurisdiction file must be a mapping");
		return -1;
	}
	p->file = doc->file;
	p->line = root->line;
	p->col = root->col;
	bad += od_yaml_check_keys(root, keys, "a jurisdiction", errs);
	for (i = 0; required[i] != NULL; i++)
		if (od_yaml_get(root, required[i]) == NULL) {
			od_yaml_error(errs, root, "missing key '%s'", required[i]);
			bad++;
		}
	if ((n = od_yaml_get(root, "jurisdiction")) != NULL &&
	    od_holidays_country(n, stem, "jurisdiction", p->jurisdiction, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "name")) != NULL && od_yaml_string(n, &p->name, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "law")) != NULL && od_yaml_string(n, &p->law, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "sources")) != NULL &&
	    od_rules_strv(n, "sources", &p->sources, &p->nsources, errs) != 0)
		bad++;
	if ((n = od_yaml_get(root, "timezones")) != NULL) {
		if (od_rules_strv(n, "timezones", &p->timezones, &p->ntimezones, errs) != 0)
			bad++;
		for (i = 0; i < p->ntimezones; i++)
			if (!od_tz_valid(p->timezones[i])) {
				od_yaml_error(errs, n->items[i], "unknown time zone '%s'",
				    p->timezones[i]);
				bad++;
			}
	}
	if ((n = od_yaml_get(root, "disclosures")) != NULL &&
	    od_rules_load_disclosures(n, p, errs) != 0)
		bad++;
	od_rules_input_init(&in);
	if (od_rules_parse_limits(root, 1, &in, errs) != 0)
		bad++;
	for (i = 0; i < od_yaml_map_size(root); i++) {
		const struct od_yaml *key = od_yaml_map_key(root, i);

		n = od_yaml_map_value(root, i);
		if (key->type != OD_YAML_SCALAR || strcmp(key->str, "windows") != 0 ||
		    n->type != OD_YAML_MAP)
			continue;
		for (d = 0; d < 7; d++)
			if (in.day_node[d] == NULL) {
				od_yaml_error(errs, key, "windows: missing %s (write %s: [] for no "
				    "contact that day)", od_rules_days[d], od_rules_days[d]);
				bad++;
			}
	}
	if (bad)
		return -1;
	/* what was not written is no cap */
	p->lim = in.lim;
	if (p->lim.per_day < 0)
		p->lim.per_day = 0;
	if (p->lim.per_week < 0)
		p->lim.per_week = 0;
	if (p->lim.channels_per_week < 0)
		p->lim.channels_per_week = 0;
	for (k = 0; k < OD_CH_MAX; k++) {
		if (p->lim.per_channel_per_day[k] < 0)
			p->lim.per_channel_per_day[k] = 0;
		if (p->lim.per_channel_per_week[k] < 0)
			p->lim.per_channel_per_week[k] = 0;
	}
	if (p->lim.min_spacing_ms < 0)
		p->lim.min_spacing_ms = 0;
	p->answers_exempt = in.answers_node != NULL && strcmp(in.answers_node->str, "exempt") == 0;
	if (in.basis_node != NULL)
		return od_yaml_string(in.basis_node, &p->caps_basis, errs);
	return (p->caps_basis = strdup(p->law)) != NULL ? 0 : -1;
}

static int
rules_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names of dir's *.yaml files, sorted.  A missing directory is an error
 * only when required.
 */
static int
rules_list_dir(const char *dir, int required, char ***out, size_t *nout, struct od_errors *errs)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 cap = 0, len;
	char		**v = NULL, **nv;

	*out = NULL;
	*nout = 0;
	if ((d = opendir(dir)) == NULL) {
		if (required || errno != ENOENT) {
			od_errors_add(errs, dir, 1, 1, "cannot read the directory: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		if (*nout == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[*nout] = strdup(e->d_name)) == NULL)
			goto fail;
		(*nout)++;
	}
	closedir(d);
	if (*nout > 0)
		qsort(v, *nout, sizeof(*v), rules_name_cmp);
	*out = v;
	return 0;
fail:
	closedir(d);
	rules_strv_free(v, *nout);
	*nout = 0;
	return -1;
}

static int
rules_push_path(struct od_rules *r, char *path)
{
	char	**nv;

	if ((nv = realloc(r->paths, (r->npaths + 1) * sizeof(*nv))) == NULL)
		return -1;
	r->paths = nv;
	r->paths[r->npaths++] = path;
	return 0;
}

/*
 * Loads path (or, buf not NULL, the len bytes of buf called path), the file
 * of country stem: a preset into r->presets when presets is 1, else a
 * holiday calendar into r->cals (both with room for it).  0 or -1.
 */
static int
rules_load_one(struct od_rules *r, const char *path, const char *buf, size_t len,
    const char *stem, int presets, struct od_errors *errs)
{
	struct od_yaml_doc	doc = { 0 };
	int			bad = 0;

	if ((buf != NULL ? od_yaml_load_string(path, buf, len, &doc, errs) :
	    od_yaml_load_file(path, &doc, errs)) != 0)
		return -1;
	if (presets) {
		struct od_rules_preset *p = &r->presets[r->npresets];

		if (rules_load_preset(&doc, stem, p, errs) == 0 &&
		    rules_push_path(r, doc.file) == 0) {
			doc.file = NULL;	/* kept: the preset points to it */
			p->file = r->paths[r->npaths - 1];
			r->npresets++;
		} else {
			rules_preset_clear(p);
			bad++;
		}
	} else {
		struct od_holidays *c = &r->cals[r->ncals];

		if (od_holidays_load(&doc, stem, c, errs) == 0)
			r->ncals++;
		else {
			od_holidays_clear(c);
			bad++;
		}
	}
	od_yaml_doc_free(&doc);
	return bad ? -1 : 0;
}

/* Loads every file of dir/sub with fn; jurisdictions when presets is 1. */
static int
rules_load_sub(struct od_rules *r, const char *dir, const char *sub, int presets,
    struct od_errors *errs)
{
	char			 path[4096], stem[64];
	char			**names;
	size_t			 n, i;
	int			 bad = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (rules_list_dir(path, presets, &names, &n, errs) != 0)
		return -1;
	if ((presets && (r->presets = calloc(n + 1, sizeof(*r->presets))) == NULL) ||
	    (!presets && (r->cals = calloc(n + 1, sizeof(*r->cals))) == NULL)) {
		rules_strv_free(names, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t slen = strlen(names[i]) - 5;

		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, names[i]);
		snprintf(stem, sizeof(stem), "%.*s", (int)(slen < sizeof(stem) ? slen : 0), names[i]);
		if (rules_load_one(r, path, NULL, 0, stem, presets, errs) != 0)
			bad++;
	}
	rules_strv_free(names, n);
	return bad ? -1 : 0;
}

static int
rules_preset_cmp(const void *a, const void *b)
{
	const struct od_rules_preset *x = a, *y = b;

	return strcmp(x->jurisdiction, y->jurisdiction);
}

/* The loaders' end: cross-checks r, then *out is r, or r is freed (bad > 0 or errors). */
static int
rules_finish(struct od_rules *r, const char *dir, int bad, struct od_rules **out,
    struct od_errors *errs)
{
	size_t	i;

	for (i = 0; i < r->npresets; i++) {
		const struct od_rules_preset *p = &r->presets[i];

		if (p->lim.holidays && rules_calendar_find(r, p->jurisdiction) == NULL) {
			od_errors_add(errs, p->file, p->line, p->col, "holidays: true, but there is "
			    "no %s/holidays/%s.yaml", dir, p->jurisdiction);
			bad++;
		}
	}
	if (bad) {
		od_rules_free(r);
		return -1;
	}
	qsort(r->presets, r->npresets, sizeof(*r->presets), rules_preset_cmp);
	*out = r;
	return 0;
}

int
od_rules_load(const char *dir, struct od_rules **out, struct od_errors *errs)
{
	struct od_rules	*r;
	int		 bad = 0;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if (rules_load_sub(r, dir, "holidays", 0, errs) != 0)
		bad++;
	if (rules_load_sub(r, dir, "jurisdictions", 1, errs) != 0)
		bad++;
	return rules_finish(r, dir, bad, out, errs);
}

int
od_rules_load_string(const char *dir, const char *cc, const char *jur, size_t jlen,
    const char *hol, size_t hlen, struct od_rules **out, struct od_errors *errs)
{
	struct od_rules	*r;
	char		 path[4096];
	int		 bad = 0;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->presets = calloc(1, sizeof(*r->presets))) == NULL ||
	    (r->cals = calloc(1, sizeof(*r->cals))) == NULL) {
		od_rules_free(r);
		return -1;
	}
	if (hol != NULL) {
		snprintf(path, sizeof(path), "%s/holidays/%s.yaml", dir, cc);
		if (rules_load_one(r, path, hol, hlen, cc, 0, errs) != 0)
			bad++;
	}
	snprintf(path, sizeof(path), "%s/jurisdictions/%s.yaml", dir, cc);
	if (rules_load_one(r, path, jur != NULL ? jur : "", jlen, cc, 1, errs) != 0)
		bad++;
	return rules_finish(r, dir, bad, out, errs);
}

void
od_rules_free(struct od_rules *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->npresets; i++)
		rules_preset_clear(&r->presets[i]);
	free(r->presets);
	for (i = 0; i < r->ncals; i++)
		od_holidays_clear(&r->cals[i]);
	free(r->cals);
	rules_strv_free(r->paths, r->npaths);
	free(r);
}

const struct od_rules_preset *
od_rules_preset(const struct od_rules *r, const char *jurisdiction)
{
	size_t	i;

	for (i = 0; r != NULL && jurisdiction != NULL && i < r->npresets; i++)
		if (strcasecmp(r->presets[i].jurisdiction, jurisdiction) == 0)
			return &r->presets[i];
	return NULL;
}

size_t
od_rules_preset_count(const struct od_rules *r)
{
	return r ? r->npresets : 0;
}

const struct od_rules_preset *
od_rules_preset_at(const struct od_rules *r, size_t i)
{
	return r && i < r->npresets ? &r->presets[i] : NULL;
}
