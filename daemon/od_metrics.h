/*
 * od_metrics: a small registry of counters, gauges and histograms with
 * label sets, and its Prometheus text exposition (format 0.0.4).
 *
 *   struct od_metrics *m = od_metrics_new();
 *   struct od_metric *a = od_metrics_counter(m, OD_METRIC_ATTEMPTS,
 *       "Delivery attempts by outcome.", OD_LABELS("channel", "gateway", "status"));
 *   od_metric_inc(a, OD_LABELS("sms", "twilio", "accepted"), 1);
 *   od_metrics_write(m, &buf);
 *
 * A family (one name) holds one series per distinct label-value tuple,
 * made on first use.  A family without labels always shows one series
 * (0 until touched).  Families are written in registration order, series
 * in order of first use.  Single-threaded: the daemon's loop owns it.
 */
#ifndef OD_METRICS_H
#define OD_METRICS_H

#include <stddef.h>

#include "od_buf.h"

/*
 * The daemon's metrics (docs/operations.md).  Labels in braces.
 */
#define OD_METRIC_ATTEMPTS		"outreachd_attempts_total"		/* counter {channel,gateway,status} */
#define OD_METRIC_SUPPRESSIONS		"outreachd_suppressions_total"		/* counter {reason} */
#define OD_METRIC_QUEUE_DUE		"outreachd_queue_due"			/* gauge */
#define OD_METRIC_QUEUE_INFLIGHT	"outreachd_queue_inflight"		/* gauge */
#define OD_METRIC_REJECTED		"outreachd_rejected_total"		/* counter */
#define OD_METRIC_GATEWAY_LATENCY	"outreachd_gateway_latency_seconds"	/* histogram {gateway} */
#define OD_METRIC_RATELIMIT_WAITS	"outreachd_ratelimit_waits_total"	/* counter {gateway} */
#define OD_METRIC_BREAKER_STATE		"outreachd_breaker_state"		/* gauge {gateway} */
#define OD_METRIC_RELOADS		"outreachd_reloads_total"		/* counter {result} */
#define OD_METRIC_INTAKE		"outreachd_intake_total"		/* counter {kind} */
#define OD_METRIC_STATE_CONFLICTS	"outreachd_state_conflicts_total"	/* counter {script} */
#define OD_METRIC_LIFECYCLE		"outreachd_lifecycle_total"		/* counter {record} */
#define OD_METRIC_UNSTORED		"outreachd_completions_unstored"	/* gauge */
#define OD_METRIC_SETTLED		"outreachd_leases_settled_total"	/* counter {why,outcome} */
#define OD_METRIC_DURABLE		"outreachd_redis_durable"		/* gauge */

/* Values of outreachd_breaker_state (not od_breaker's enum order). */
#define OD_METRIC_BREAKER_CLOSED	0
#define OD_METRIC_BREAKER_HALF_OPEN	1
#define OD_METRIC_BREAKER_OPEN		2

/* A NULL-terminated list of label names or values, as a compound literal. */
#define OD_LABELS(...)	((const char *const []){ __VA_ARGS__, NULL })

/* At most this many series in one family; more is refused (-1). */
#define OD_METRICS_MAX_SERIES	10000
/* At most this many labels in one family, and buckets in one histogram. */
#define OD_METRICS_MAX_LABELS	8
#define OD_METRICS_MAX_BUCKETS	32

enum od_metric_type {
	OD_METRIC_INVALID = 0,
	OD_METRIC_COUNTER,
	OD_METRIC_GAUGE,
	OD_METRIC_HISTOGRAM,
};

struct od_metrics;
struct od_metric;

struct od_metrics	*od_metrics_new(void);
void			 od_metrics_free(struct od_metrics *m);

/*
 * Register a family.  name: [a-zA-Z_:][a-zA-Z0-9_:]*; labels: NULL or a
 * NULL-terminated list of names [a-zA-Z_][a-zA-Z0-9_]*, not starting with
 * "__" ("le" is refused for histograms).  buckets: upper bounds, strictly
 * increasing and finite; "+Inf" is implicit.  Registering a name again
 * with the same type, labels (and buckets) returns the same family;
 * anything else invalid returns NULL.  The registry owns the family.
 */
struct od_metric	*od_metrics_counter(struct od_metrics *m, const char *name,
			    const char *help, const char *const *labels);
struct od_metric	*od_metrics_gauge(struct od_metrics *m, const char *name,
			    const char *help, const char *const *labels);
struct od_metric	*od_metrics_histogram(struct od_metrics *m, const char *name,
			    const char *help, const char *const *labels,
			    const double *buckets, size_t nbuckets);
/* The family of that name, or NULL. */
struct od_metric	*od_metrics_find(const struct od_metrics *m, const char *name);

/*
 * Updates.  values: the label values in the family's label order,
 * NULL-terminated (NULL for a family without labels); the count must
 * match.  -1 on a mismatch, a wrong type (inc on a histogram, a negative
 * or NaN counter increment), the series cap or no memory.
 */
int	od_metric_inc(struct od_metric *f, const char *const *values, double v);	/* counter, gauge */
int	od_metric_set(struct od_metric *f, const char *const *values, double v);	/* gauge */
int	od_metric_observe(struct od_metric *f, const char *const *values, double v);	/* histogram */

/*
 * Read back one series: a counter's or gauge's value, a histogram's
 * count.  1 found, 0 no such series (yet), -1 bad arguments.
 */
int	od_metric_value(const struct od_metric *f, const char *const *values, double *out);

/* Appends the exposition of every family; -1 when out of memory. */
int	od_metrics_write(const struct od_metrics *m, struct od_buf *out);

/* The Content-Type of that text. */
#define OD_METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * The daemon's families, registered at once with their help texts and
 * buckets (latency: 5ms to 30s).  0, or -1 (then m may hold some).
 */
struct od_metrics_std {
	struct od_metric	*attempts;
	struct od_metric	*suppressions;
	struct od_metric	*queue_due;
	struct od_metric	*queue_inflight;
	struct od_metric	*rejected;
	struct od_metric	*gateway_latency;
	struct od_metric	*ratelimit_waits;
	struct od_metric	*breaker_state;
	struct od_metric	*reloads;
	struct od_metric	*intake;
	struct od_metric	*state_conflicts;
	struct od_metric	*lifecycle;
	struct od_metric	*unstored, *settled, *durable;
};

int	od_metrics_register_std(struct od_metrics *m, struct od_metrics_std *s);

#endif /* OD_METRICS_H */
