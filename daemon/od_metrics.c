/*
 * od_metrics: counters, gauges and histograms; Prometheus text format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_metrics.h"

struct od_series {
	char		**values;	/* nlabels strings */
	double		  value;	/* counter, gauge */
	uint64_t	 *counts;	/* histogram: per bucket (not cumulative), nbuckets + 1 */
	double		  sum;
	uint64_t	  count;
};

struct od_metric {
	enum od_metric_type	  type;
	char			 *name;
	char			 *help;
	char			**labels;
	size_t			  nlabels;
	double			 *buckets;
	size_t			  nbuckets;
	struct od_series	**series;
	size_t			  nseries;
	size_t			  cap;
};

struct od_metrics {
	struct od_metric	**families;
	size_t			  count;
	size_t			  cap;
};

struct od_metrics *
od_metrics_new(void)
{
	return calloc(1, sizeof(struct od_metrics));
}

static void
metrics_series_free(struct od_series *s, size_t nlabels)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s->counts);
	free(s);
}

static void
metrics_family_free(struct od_metric *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nseries; i++)
		metrics_series_free(f->series[i], f->nlabels);
	free(f->series);
	for (i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->labels);
	free(f->buckets);
	free(f->name);
	free(f->help);
	free(f);
}

void
od_metrics_free(struct od_metrics *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->count; i++)
		metrics_family_free(m->families[i]);
	free(m->families);
	free(m);
}

static int
metrics_name_ok(const char *s, int colon)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char	c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (colon && c == ':'))
			continue;
		if (i > 0 && c >= '0' && c <= '9')
			continue;
		return 0;
	}
	return 1;
}

static size_t
metrics_list_len(const char *const *l)
{
	size_t	n = 0;

	if (l != NULL)
		while (l[n] != NULL)
			n++;
	return n;
}

struct od_metric *
od_metrics_find(const struct od_metrics *m, const char *name)
{
	size_t	i;

	if (m == NULL || name == NULL)
		return NULL;
	for (i = 0; i < m->count; i++)
		if (strcmp(m->families[i]->name, name) == 0)
			return m->families[i];
	return NULL;
}

/* Same type, labels and buckets as registered? */
static int
metrics_same(const struct od_metric *f, enum od_metric_type type, const char *const *labels,
    size_t nlabels, const double *buckets, size_t nbuckets)
{
	size_t	i;

	if (f->type != type || f->nlabels != nlabels || f->nbuckets != nbuckets)
		return 0;
	for (i = 0; i < nlabels; i++)
		if (strcmp(f->labels[i], labels[i]) != 0)
			return 0;
	for (i = 0; i < nbuckets; i++)
		if (f->buckets[i] != buckets[i])
			return 0;
	return 1;
}

static struct od_metric *
metrics_register(struct od_metrics *m, enum od_metric_type type, const char *name,
    const char *help, const char *const *labels, const double *buckets, size_t nbuckets)
{
	struct od_metric	*f, **grown;
	size_t			 i, j, nlabels = metrics_list_len(labels);

	if (m == NULL || !metrics_name_ok(name, 1) || nlabels > OD_METRICS_MAX_LABELS)
		return NULL;
	for (i = 0; i < nlabels; i++) {
		if (!metrics_name_ok(labels[i], 0) || strncmp(labels[i], "__", 2) == 0)
			return NULL;
		if (type == OD_METRIC_HISTOGRAM && strcmp(labels[i], "le") == 0)
			return NULL;
		for (j = 0; j < i; j++)
			if (strcmp(labels[i], labels[j]) == 0)
				return NULL;
	}
	if (type == OD_METRIC_HISTOGRAM) {
		if (nbuckets > OD_METRICS_MAX_BUCKETS || (nbuckets > 0 && buckets == NULL))
			return NULL;
		for (i = 0; i < nbuckets; i++)
			if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
				return NULL;
	}
	if ((f = od_metrics_find(m, name)) != NULL)
		return metrics_same(f, type, labels, nlabels, buckets, nbuckets) ? f : NULL;

	if (m->count == m->cap) {
		size_t	ncap = m->cap ? m->cap * 2 : 16;

		if ((grown = realloc(m->families, ncap * sizeof(*grown))) == NULL)
			return NULL;
		m->families = grown;
		m->cap = ncap;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->type = type;
	f->name = strdup(name);
	f->help = strdup(help != NULL ? help : "");
	f->labels = calloc(nlabels + 1, sizeof(char *));
	if (f->name == NULL || f->help == NULL || f->labels == NULL)
		goto fail;
	for (i = 0; i < nlabels; i++) {
		if ((f->labels[i] = strdup(labels[i])) == NULL)
			goto fail;
		f->nlabels++;
	}
	if (nbuckets > 0) {
		if ((f->buckets = malloc(nbuckets * sizeof(double))) == NULL)
			goto fail;
		memcpy(f->buckets, buckets, nbuckets * sizeof(double));
		f->nbuckets = nbuckets;
	}
	m->families[m->count++] = f;
	return f;
fail:
	metrics_family_free(f);
	return NULL;
}

struct od_metric *
od_metrics_counter(struct od_metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return metrics_register(m, OD_METRIC_COUNTER, name, help, labels, NULL, 0);
}

struct od_metric *
od_metrics_gauge(struct od_metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	return metrics_register(m, OD_METRIC_GAUGE, name, help, labels, NULL, 0);
}

struct od_metric *
od_metrics_histogram(struct od_metrics *m, const char *name, const char *help,
    const char *const *labels, const double *buckets, size_t nbuckets)
{
	return metrics_register(m, OD_METRIC_HISTOGRAM, name, help, labels, buckets, nbuckets);
}

static struct od_series *
metrics_lookup(const struct od_metric *f, const char *const *values)
{
	size_t	i, j;

	for (i = 0; i < f->nseries; i++) {
		for (j = 0; j < f->nlabels; j++)
			if (strcmp(f->series[i]->values[j], values[j]) != 0)
				break;
		if (j == f->nlabels)
			return f->series[i];
	}
	return NULL;
}

/* The series of those values, made if new; NULL on a count mismatch or no room. */
static struct od_series *
metrics_series(struct od_metric *f, const char *const *values)
{
	struct od_series	 *s, **grown;
	size_t			  i;

	if (f == NULL || metrics_list_len(values) != f->nlabels)
		return NULL;
	if ((s = metrics_lookup(f, values)) != NULL)
		return s;
	if (f->nseries >= OD_METRICS_MAX_SERIES)
		return NULL;
	if (f->nseries == f->cap) {
		size_t	ncap = f->cap ? f->cap * 2 : 8;

		if ((grown = realloc(f->series, ncap * sizeof(*grown))) == NULL)
			return NULL;
		f->series = grown;
		f->cap = ncap;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->values = calloc(f->nlabels + 1, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < f->nlabels; i++)
		if ((s->values[i] = strdup(values[i])) == NULL)
			goto fail;
	if (f->type == OD_METRIC_HISTOGRAM &&
	    (s->counts = calloc(f->nbuckets + 1, sizeof(uint64_t))) == NULL)
		goto fail;
	f->series[f->nseries++] = s;
	return s;
fail:
	metrics_series_free(s, f->nlabels);
	return NULL;
}

int
od_metric_inc(struct od_metric *f, const char *const *values, double v)
{
	struct od_series	*s;

	if (f == NULL || isnan(v))
		return -1;
	if (f->type == OD_METRIC_COUNTER ? v < 0 : f->type != OD_METRIC_GAUGE)
		return -1;
	if ((s = metrics_series(f, values)) == NULL)
		return -1;
	s->value += v;
	return 0;
}

int
od_metric_set(struct od_metric *f, const char *const *values, double v)
{
	struct od_series	*s;

	if (f == NULL || f->type != OD_METRIC_GAUGE || (s = metrics_series(f, values)) == NULL)
		return -1;
	s->value = v;
	return 0;
}

int
od_metric_observe(struct od_metric *f, const char *const *values, double v)
{
	struct od_series	*s;
	size_t			 i;

	if (f == NULL || f->type != OD_METRIC_HISTOGRAM || isnan(v) ||
	    (s = metrics_series(f, values)) == NULL)
		return -1;
	for (i = 0; i < f->nbuckets && v > f->buckets[i]; i++)
		;
	s->counts[i]++;
	s->count++;
	s->sum += v;
	return 0;
}

int
od_metric_value(const struct od_metric *f, const char *const *values, double *out)
{
	const struct od_series	*s;

	if (f == NULL || out == NULL || metrics_list_len(values) != f->nlabels)
		return -1;
	if ((s = metrics_lookup(f, values)) == NULL)
		return 0;
	*out = f->type == OD_METRIC_HISTOGRAM ? (double)s->count : s->value;
	return 1;
}

/* The shortest text that reads back as v; "+Inf", "-Inf", "NaN". */
static void
metrics_number(struct od_buf *b, double v)
{
	char	tmp[40];
	int	prec;

	if (isnan(v)) {
		od_buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		od_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		/* Integers as integers: "30", not "3e+01". */
		snprintf(tmp, sizeof(tmp), "%.0f", v);
		od_buf_puts(b, tmp);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	od_buf_puts(b, tmp);
}

/* HELP text: backslash and newline escaped; label values: also '"'. */
static void
metrics_escape(struct od_buf *b, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			od_buf_puts(b, "\\\\");
		else if (*s == '\n')
			od_buf_puts(b, "\\n");
		else if (quote && *s == '"')
			od_buf_puts(b, "\\\"");
		else
			od_buf_putc(b, *s);
	}
}

/* name[suffix]{labels[,le="x"]} */
static void
metrics_sample_name(struct od_buf *b, const struct od_metric *f, const struct od_series *s,
    const char *suffix, const double *le)
{
	size_t	i;

	od_buf_puts(b, f->name);
	od_buf_puts(b, suffix);
	if (f->nlabels == 0 && le == NULL)
		return;
	od_buf_putc(b, '{');
	for (i = 0; i < f->nlabels; i++) {
		if (i > 0)
			od_buf_putc(b, ',');
		od_buf_puts(b, f->labels[i]);
		od_buf_puts(b, "=\"");
		metrics_escape(b, s->values[i], 1);
		od_buf_putc(b, '"');
	}
	if (le != NULL) {
		if (f->nlabels > 0)
			od_buf_putc(b, ',');
		od_buf_puts(b, "le=\"");
		metrics_number(b, *le);
		od_buf_putc(b, '"');
	}
	od_buf_putc(b, '}');
}

static void
metrics_write_series(struct od_buf *b, const struct od_metric *f, const struct od_series *s)
{
	uint64_t	cum = 0;
	double		inf = INFINITY;
	size_t		i;

	if (f->type != OD_METRIC_HISTOGRAM) {
		metrics_sample_name(b, f, s, "", NULL);
		od_buf_putc(b, ' ');
		metrics_number(b, s->value);
		od_buf_putc(b, '\n');
		return;
	}
	for (i = 0; i <= f->nbuckets; i++) {
		cum += s->counts[i];
		metrics_sample_name(b, f, s, "_bucket", i < f->nbuckets ? &f->buckets[i] : &inf);
		od_buf_printf(b, " %llu\n", (unsigned long long)cum);
	}
	metrics_sample_name(b, f, s, "_sum", NULL);
	od_buf_putc(b, ' ');
	metrics_number(b, s->sum);
	od_buf_putc(b, '\n');
	metrics_sample_name(b, f, s, "_count", NULL);
	od_buf_printf(b, " %llu\n", (unsigned long long)s->count);
}

int
od_metrics_write(const struct od_metrics *m, struct od_buf *out)
{
	static const char *const types[] = { "untyped", "counter", "gauge", "histogram" };
	static const struct od_series zero;
	struct od_series	 empty;
	uint64_t		 counts[OD_METRICS_MAX_BUCKETS + 1];
	size_t			 i, j;

	if (m == NULL || out == NULL)
		return -1;
	for (i = 0; i < m->count; i++) {
		const struct od_metric	*f = m->families[i];

		od_buf_printf(out, "# HELP %s ", f->name);
		metrics_escape(out, f->help, 0);
		od_buf_printf(out, "\n# TYPE %s %s\n", f->name, types[f->type]);
		if (f->nlabels == 0 && f->nseries == 0) {
			/* Untouched and without labels: show its zero. */
			empty = zero;
			memset(counts, 0, sizeof(counts));
			empty.counts = counts;
			metrics_write_series(out, f, &empty);
		}
		for (j = 0; j < f->nseries; j++)
			metrics_write_series(out, f, f->series[j]);
	}
	return out->oom ? -1 : 0;
}

int
od_metrics_register_std(struct od_metrics *m, struct od_metrics_std *s)
{
	/* Gateway round trips: a local Kannel answers in ms, a Graph API call in 100s of ms. */
	static const double latency[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	    10, 30 };

	s->attempts = od_metrics_counter(m, OD_METRIC_ATTEMPTS,
	    "Delivery attempts by channel, gateway and outcome (sent, failed, retry, "
	    "suppressed, unknown).", OD_LABELS("channel", "gateway", "status"));
	s->suppressions = od_metrics_counter(m, OD_METRIC_SUPPRESSIONS,
	    "Actions not sent, by reason (window, holiday, cap, spacing, opt_out, dispute, ...).",
	    OD_LABELS("reason"));
	s->queue_due = od_metrics_gauge(m, OD_METRIC_QUEUE_DUE,
	    "Accounts with a pending action (members of <prefix>:due).", NULL);
	s->queue_inflight = od_metrics_gauge(m, OD_METRIC_QUEUE_INFLIGHT,
	    "Actions claimed and not yet completed (members of <prefix>:inflight).", NULL);
	s->rejected = od_metrics_counter(m, OD_METRIC_REJECTED,
	    "Inbox entries refused and moved to <prefix>:rejected.", NULL);
	s->gateway_latency = od_metrics_histogram(m, OD_METRIC_GATEWAY_LATENCY,
	    "Time from sending a request to a gateway to its reply, in seconds.",
	    OD_LABELS("gateway"), latency, sizeof(latency) / sizeof(latency[0]));
	s->ratelimit_waits = od_metrics_counter(m, OD_METRIC_RATELIMIT_WAITS,
	    "Sends held back by a gateway's rate limit.", OD_LABELS("gateway"));
	s->breaker_state = od_metrics_gauge(m, OD_METRIC_BREAKER_STATE,
	    "Circuit breaker per gateway: 0 closed, 1 half-open, 2 open.", OD_LABELS("gateway"));
	s->reloads = od_metrics_counter(m, OD_METRIC_RELOADS,
	    "Configuration reloads (SIGHUP) by result (ok, failed).", OD_LABELS("result"));
	s->intake = od_metrics_counter(m, OD_METRIC_INTAKE,
	    "Inbox entries taken in, by kind (account, event).", OD_LABELS("kind"));
	s->state_conflicts = od_metrics_counter(m, OD_METRIC_STATE_CONFLICTS,
	    "Writes of an account's state that found it changed since it was read (an event "
	    "while an action was in flight, ...) and were applied again, by script.",
	    OD_LABELS("script"));
	s->lifecycle = od_metrics_counter(m, OD_METRIC_LIFECYCLE,
	    "Promises, agreements and placements recorded, by record (promise_made, "
	    "promise_kept, promise_broken, promise_refused, agreement, plan_broken, "
	    "plan_completed, escalated, handoff, recall, agent_requested, payment_claimed, "
	    "wrong_number).", OD_LABELS("record"));
	s->unstored = od_metrics_gauge(m, OD_METRIC_UNSTORED,
	    "Outcomes of sends known here and not yet stored in Redis (it was unreachable when "
	    "they came): written once it is back, before any lease of theirs can expire.", NULL);
	s->settled = od_metrics_counter(m, OD_METRIC_SETTLED,
	    "Leases settled without their action's completion, by why (expired: a lease "
	    "nobody renewed; dead: its daemon's heartbeat lapsed; handed_back: a stopping or "
	    "disconnected daemon's own; forgotten: of this daemon's name and held by no action "
	    "of it, after a restart or a reconnection) and what became of the action (requeued: it was only "
	    "claimed, due again; unknown: it was sending, recorded unknown).",
	    OD_LABELS("why", "outcome"));
	s->durable = od_metrics_gauge(m, OD_METRIC_DURABLE,
	    "1 when Redis, as last checked, answers a write only once it is fsynced "
	    "(appendonly yes, appendfsync always); 0 when a power loss could undo answered "
	    "writes (durability strict then claims and sends nothing).", NULL);
	if (s->unstored == NULL || s->settled == NULL || s->durable == NULL)
		return -1;
	if (s->attempts == NULL || s->suppressions == NULL || s->queue_due == NULL ||
	    s->queue_inflight == NULL || s->rejected == NULL || s->gateway_latency == NULL ||
	    s->ratelimit_waits == NULL || s->breaker_state == NULL || s->reloads == NULL ||
	    s->intake == NULL || s->state_conflicts == NULL || s->lifecycle == NULL)
		return -1;
	return 0;
}
