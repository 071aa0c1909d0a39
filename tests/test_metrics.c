/*
 * od_metrics: the registry and the exact Prometheus text it writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_buf.h"
#include "od_metrics.h"

static char *
render(struct od_metrics *m)
{
	struct od_buf	b;

	od_buf_init(&b);
	assert_int_equal(od_metrics_write(m, &b), 0);
	return od_buf_steal(&b);
}

static void
test_counter_with_labels(void **state)
{
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*a;
	char			*text;
	double			 v;

	(void)state;
	a = od_metrics_counter(m, OD_METRIC_ATTEMPTS, "Delivery attempts.",
	    OD_LABELS("channel", "gateway", "status"));
	assert_non_null(a);
	assert_int_equal(od_metric_inc(a, OD_LABELS("sms", "twilio", "accepted"), 1), 0);
	assert_int_equal(od_metric_inc(a, OD_LABELS("sms", "twilio", "accepted"), 2), 0);
	assert_int_equal(od_metric_inc(a, OD_LABELS("email", "smtp", "failed"), 1), 0);
	text = render(m);
	assert_string_equal(text,
	    "# HELP outreachd_attempts_total Delivery attempts.\n"
	    "# TYPE outreachd_attempts_total counter\n"
	    "outreachd_attempts_total{channel=\"sms\",gateway=\"twilio\",status=\"accepted\"} 3\n"
	    "outreachd_attempts_total{channel=\"email\",gateway=\"smtp\",status=\"failed\"} 1\n");
	free(text);
	assert_int_equal(od_metric_value(a, OD_LABELS("sms", "twilio", "accepted"), &v), 1);
	assert_true(v == 3);
	assert_int_equal(od_metric_value(a, OD_LABELS("sms", "kannel", "accepted"), &v), 0);
	od_metrics_free(m);
}

static void
test_unlabelled_shows_zero_and_gauge_values(void **state)
{
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*due, *rej, *br;
	char			*text;

	(void)state;
	due = od_metrics_gauge(m, OD_METRIC_QUEUE_DUE, "Due accounts.", NULL);
	rej = od_metrics_counter(m, OD_METRIC_REJECTED, "Rejected entries.", NULL);
	br = od_metrics_gauge(m, OD_METRIC_BREAKER_STATE, "Breaker.", OD_LABELS("gateway"));
	assert_non_null(due);
	assert_non_null(rej);
	assert_non_null(br);
	text = render(m);
	assert_string_equal(text,
	    "# HELP outreachd_queue_due Due accounts.\n"
	    "# TYPE outreachd_queue_due gauge\n"
	    "outreachd_queue_due 0\n"
	    "# HELP outreachd_rejected_total Rejected entries.\n"
	    "# TYPE outreachd_rejected_total counter\n"
	    "outreachd_rejected_total 0\n"
	    "# HELP outreachd_breaker_state Breaker.\n"
	    "# TYPE outreachd_breaker_state gauge\n");
	free(text);

	assert_int_equal(od_metric_set(due, NULL, 1234567), 0);
	assert_int_equal(od_metric_inc(due, NULL, -0.5), 0);		/* gauges go down */
	assert_int_equal(od_metric_set(br, OD_LABELS("twilio"), OD_METRIC_BREAKER_OPEN), 0);
	assert_int_equal(od_metric_set(br, OD_LABELS("kannel"), 0.1), 0);
	text = render(m);
	assert_non_null(strstr(text, "\noutreachd_queue_due 1234566.5\n"));
	assert_non_null(strstr(text, "\noutreachd_breaker_state{gateway=\"twilio\"} 2\n"
	    "outreachd_breaker_state{gateway=\"kannel\"} 0.1\n"));
	free(text);
	od_metrics_free(m);
}

static void
test_histogram_cumulative(void **state)
{
	static const double	 buckets[] = { 0.1, 0.5, 2.5 };
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*h;
	char			*text;

	(void)state;
	h = od_metrics_histogram(m, OD_METRIC_GATEWAY_LATENCY, "Latency.", OD_LABELS("gateway"),
	    buckets, 3);
	assert_non_null(h);
	assert_int_equal(od_metric_observe(h, OD_LABELS("twilio"), 0.05), 0);
	assert_int_equal(od_metric_observe(h, OD_LABELS("twilio"), 0.1), 0);	/* le is inclusive */
	assert_int_equal(od_metric_observe(h, OD_LABELS("twilio"), 0.3), 0);
	assert_int_equal(od_metric_observe(h, OD_LABELS("twilio"), 7), 0);
	text = render(m);
	assert_string_equal(text,
	    "# HELP outreachd_gateway_latency_seconds Latency.\n"
	    "# TYPE outreachd_gateway_latency_seconds histogram\n"
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"twilio\",le=\"0.1\"} 2\n"
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"twilio\",le=\"0.5\"} 3\n"
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"twilio\",le=\"2.5\"} 3\n"
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"twilio\",le=\"+Inf\"} 4\n"
	    "outreachd_gateway_latency_seconds_sum{gateway=\"twilio\"} 7.45\n"
	    "outreachd_gateway_latency_seconds_count{gateway=\"twilio\"} 4\n");
	free(text);
	od_metrics_free(m);
}

static void
test_unlabelled_histogram_zero(void **state)
{
	static const double	 buckets[] = { 1 };
	struct od_metrics	*m = od_metrics_new();
	char			*text;

	(void)state;
	assert_non_null(od_metrics_histogram(m, "x_seconds", "X.", NULL, buckets, 1));
	text = render(m);
	assert_string_equal(text,
	    "# HELP x_seconds X.\n"
	    "# TYPE x_seconds histogram\n"
	    "x_seconds_bucket{le=\"1\"} 0\n"
	    "x_seconds_bucket{le=\"+Inf\"} 0\n"
	    "x_seconds_sum 0\n"
	    "x_seconds_count 0\n");
	free(text);
	od_metrics_free(m);
}

static void
test_escaping(void **state)
{
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*s;
	char			*text;

	(void)state;
	s = od_metrics_counter(m, OD_METRIC_SUPPRESSIONS, "Back\\slash and\nnewline \"quoted\".",
	    OD_LABELS("reason"));
	assert_int_equal(od_metric_inc(s, OD_LABELS("a \"b\"\\c\nd"), 1), 0);
	text = render(m);
	/* HELP escapes \ and newline only; label values also ". */
	assert_string_equal(text,
	    "# HELP outreachd_suppressions_total Back\\\\slash and\\nnewline \"quoted\".\n"
	    "# TYPE outreachd_suppressions_total counter\n"
	    "outreachd_suppressions_total{reason=\"a \\\"b\\\"\\\\c\\nd\"} 1\n");
	free(text);
	od_metrics_free(m);
}

static void
test_special_values(void **state)
{
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*g = od_metrics_gauge(m, "g", "G.", OD_LABELS("k"));
	char			*text;

	(void)state;
	od_metric_set(g, OD_LABELS("inf"), INFINITY);
	od_metric_set(g, OD_LABELS("ninf"), -INFINITY);
	od_metric_set(g, OD_LABELS("nan"), NAN);
	od_metric_set(g, OD_LABELS("big"), 1e21);
	od_metric_set(g, OD_LABELS("third"), 1.0 / 3);
	text = render(m);
	assert_string_equal(text,
	    "# HELP g G.\n# TYPE g gauge\n"
	    "g{k=\"inf\"} +Inf\n"
	    "g{k=\"ninf\"} -Inf\n"
	    "g{k=\"nan\"} NaN\n"
	    "g{k=\"big\"} 1e+21\n"
	    "g{k=\"third\"} 0.3333333333333333\n");
	free(text);
	od_metrics_free(m);
}

static void
test_refusals(void **state)
{
	static const double	 up[] = { 1, 2 }, down[] = { 2, 1 }, inf[] = { 1, INFINITY };
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*c, *g, *h;
	double			 v;

	(void)state;
	assert_null(od_metrics_counter(m, "9starts_with_digit", "", NULL));
	assert_null(od_metrics_counter(m, "has-dash", "", NULL));
	assert_null(od_metrics_counter(m, "", "", NULL));
	assert_null(od_metrics_counter(m, "ok", "", OD_LABELS("__reserved")));
	assert_null(od_metrics_counter(m, "ok", "", OD_LABELS("a:b")));
	assert_null(od_metrics_counter(m, "ok", "", OD_LABELS("a", "a")));
	assert_null(od_metrics_histogram(m, "h", "", OD_LABELS("le"), up, 2));
	assert_null(od_metrics_histogram(m, "h", "", NULL, down, 2));
	assert_null(od_metrics_histogram(m, "h", "", NULL, inf, 2));

	c = od_metrics_counter(m, "c_total", "C.", OD_LABELS("kind"));
	assert_non_null(c);
	/* The same again is the same family; a different shape is refused. */
	assert_ptr_equal(od_metrics_counter(m, "c_total", "C.", OD_LABELS("kind")), c);
	assert_null(od_metrics_gauge(m, "c_total", "C.", OD_LABELS("kind")));
	assert_null(od_metrics_counter(m, "c_total", "C.", OD_LABELS("other")));
	assert_ptr_equal(od_metrics_find(m, "c_total"), c);
	assert_null(od_metrics_find(m, "nope"));

	assert_int_equal(od_metric_inc(c, OD_LABELS("account"), -1), -1);	/* counters only go up */
	assert_int_equal(od_metric_inc(c, OD_LABELS("account"), NAN), -1);
	assert_int_equal(od_metric_inc(c, NULL, 1), -1);			/* one label expected */
	assert_int_equal(od_metric_inc(c, OD_LABELS("a", "b"), 1), -1);
	assert_int_equal(od_metric_set(c, OD_LABELS("account"), 1), -1);	/* set: gauges only */
	assert_int_equal(od_metric_observe(c, OD_LABELS("account"), 1), -1);
	assert_int_equal(od_metric_value(c, OD_LABELS("account"), &v), 0);	/* nothing was made */

	g = od_metrics_gauge(m, "g", "G.", NULL);
	h = od_metrics_histogram(m, "h_seconds", "H.", NULL, up, 2);
	assert_int_equal(od_metric_observe(g, NULL, 1), -1);
	assert_int_equal(od_metric_inc(h, NULL, 1), -1);
	assert_int_equal(od_metric_observe(h, NULL, NAN), -1);
	od_metrics_free(m);
	od_metrics_free(NULL);
}

static void
test_series_cap(void **state)
{
	struct od_metrics	*m = od_metrics_new();
	struct od_metric	*c = od_metrics_counter(m, "c_total", "C.", OD_LABELS("id"));
	char			 id[16];
	int			 i;

	(void)state;
	for (i = 0; i < OD_METRICS_MAX_SERIES; i++) {
		snprintf(id, sizeof(id), "%d", i);
		assert_int_equal(od_metric_inc(c, OD_LABELS(id), 1), 0);
	}
	assert_int_equal(od_metric_inc(c, OD_LABELS("one-more"), 1), -1);
	assert_int_equal(od_metric_inc(c, OD_LABELS("0"), 1), 0);	/* existing ones still count */
	od_metrics_free(m);
}

static void
test_std_families(void **state)
{
	struct od_metrics	*m = od_metrics_new();
	struct od_metrics_std	 s;
	char			*text;

	(void)state;
	assert_int_equal(od_metrics_register_std(m, &s), 0);
	assert_int_equal(od_metric_inc(s.intake, OD_LABELS("account"), 1), 0);
	assert_int_equal(od_metric_inc(s.reloads, OD_LABELS("ok"), 1), 0);
	assert_int_equal(od_metric_observe(s.gateway_latency, OD_LABELS("outbox"), 0.002), 0);
	assert_int_equal(od_metric_inc(s.ratelimit_waits, OD_LABELS("twilio"), 1), 0);
	text = render(m);
	assert_non_null(strstr(text, "# TYPE outreachd_attempts_total counter\n"));
	assert_non_null(strstr(text, "# TYPE outreachd_suppressions_total counter\n"));
	assert_non_null(strstr(text, "# TYPE outreachd_queue_due gauge\noutreachd_queue_due 0\n"));
	assert_non_null(strstr(text,
	    "# TYPE outreachd_queue_inflight gauge\noutreachd_queue_inflight 0\n"));
	assert_non_null(strstr(text,
	    "# TYPE outreachd_rejected_total counter\noutreachd_rejected_total 0\n"));
	assert_non_null(strstr(text,
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"outbox\",le=\"0.005\"} 1\n"));
	assert_non_null(strstr(text,
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"outbox\",le=\"30\"} 1\n"));
	assert_non_null(strstr(text, "outreachd_ratelimit_waits_total{gateway=\"twilio\"} 1\n"));
	assert_non_null(strstr(text, "# HELP outreachd_breaker_state Circuit breaker per gateway: "
	    "0 closed, 1 half-open, 2 open.\n"));
	assert_non_null(strstr(text, "outreachd_reloads_total{result=\"ok\"} 1\n"));
	assert_non_null(strstr(text, "outreachd_intake_total{kind=\"account\"} 1\n"));
	free(text);
	/* Registering again (a reload) hands back the same families. */
	{
		struct od_metrics_std	again;

		assert_int_equal(od_metrics_register_std(m, &again), 0);
		assert_ptr_equal(again.attempts, s.attempts);
		assert_ptr_equal(again.gateway_latency, s.gateway_latency);
	}
	od_metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_with_labels),
		cmocka_unit_test(test_unlabelled_shows_zero_and_gauge_values),
		cmocka_unit_test(test_histogram_cumulative),
		cmocka_unit_test(test_unlabelled_histogram_zero),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_series_cap),
		cmocka_unit_test(test_std_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
