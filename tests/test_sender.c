/*
 * od_sender: admission to a gateway (token buckets in messages and in SMS
 * segments, the cap on requests in flight, the circuit breaker) with a fake
 * clock in ms, the limits read from real configuration files
 * (tests/data/sender/), a reload that keeps each gateway's state, and the
 * errors an operator sees for a bad setting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_config.h"
#include "od_error.h"
#include "od_plugin.h"
#include "od_sender.h"

/* A configuration as the daemon reads it, with its gateways (no plugin loaded). */
struct fixture {
	struct od_config	cfg;
	struct od_gateways	gws;
};

static void
fixture_load(struct fixture *f, const char *name)
{
	struct od_errors	errs;
	char			path[512];
	size_t			i;

	snprintf(path, sizeof(path), "%s/sender/%s", OD_TEST_DATA, name);
	od_errors_init(&errs);
	if (od_config_load(path, NULL, &f->cfg, &errs) != 0)
		od_errors_print(&errs, stdout);
	assert_int_equal(errs.count, 0);
	od_errors_clear(&errs);
	f->gws.n = f->cfg.ngateways;
	f->gws.v = calloc(f->gws.n, sizeof(*f->gws.v));
	assert_non_null(f->gws.v);
	for (i = 0; i < f->gws.n; i++) {
		f->gws.v[i].name = f->cfg.gateways[i].name;
		f->gws.v[i].conf = &f->cfg.gateways[i];
		f->gws.v[i].file_fd = -1;
	}
}

static void
fixture_clear(struct fixture *f)
{
	free(f->gws.v);
	od_config_clear(&f->cfg);
	memset(f, 0, sizeof(*f));
}

/* The sender configured from limits.yaml. */
static void
sender_load(struct od_sender *s, struct fixture *f)
{
	struct od_errors	errs;

	memset(s, 0, sizeof(*s));
	fixture_load(f, "limits.yaml");
	od_errors_init(&errs);
	assert_int_equal(od_sender_configure(s, &f->gws, &errs), 0);
	assert_int_equal(errs.count, 0);
	od_errors_clear(&errs);
}

static struct od_sender_gw *
find(struct od_sender *s, const char *name)
{
	struct od_sender_gw	*g = od_sender_find(s, name);

	assert_non_null(g);
	return g;
}

/* Admits one message of segs segments at now; returns the wait (0 for GO). */
static void
expect_admit(struct od_sender_gw *g, int segs, int64_t now, enum od_admit want, int64_t want_wait)
{
	int64_t	wait = -1;

	assert_int_equal(od_sender_admit(g, segs, now, &wait), want);
	assert_int_equal(wait, want_wait);
}

/* rate 10/s, burst 2: two at once, then one every 100 ms, to the millisecond. */
static void
test_rate_and_burst(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "burst2");
	expect_admit(g, 1, 1000, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 1000, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 1000, OD_ADMIT_WAIT, 100);
	expect_admit(g, 1, 1060, OD_ADMIT_WAIT, 40);
	expect_admit(g, 1, 1099, OD_ADMIT_WAIT, 1);
	expect_admit(g, 1, 1100, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 1100, OD_ADMIT_WAIT, 100);
	assert_int_equal(g->rate_waits, 4);
	assert_int_equal(g->inflight, 3);
	/* After a quiet second the bucket is full again, but holds no more than the burst. */
	expect_admit(g, 1, 5000, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 5000, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 5000, OD_ADMIT_WAIT, 100);
	od_sender_free(&s);
	fixture_clear(&f);
}

/*
 * segment_rate 2/s (burst 2): a 3-segment SMS goes when the bucket is full
 * and leaves it one in debt, so the next 3-segment one waits 1.5 s (3 tokens
 * at 2/s) and a 1-segment one 1 s; an e-mail (no segments) is not held.
 */
static void
test_segment_rate_three_segments(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "segs");		/* rate 1/s, segment_rate 2/s */
	expect_admit(g, 3, 0, OD_ADMIT_GO, 0);
	expect_admit(g, 3, 0, OD_ADMIT_WAIT, 1500);
	expect_admit(g, 1, 0, OD_ADMIT_WAIT, 1000);
	expect_admit(g, 3, 1499, OD_ADMIT_WAIT, 1);
	expect_admit(g, 3, 1500, OD_ADMIT_GO, 0);
	/* The message bucket (1/s) held too: the segments alone were not the limit. */
	g = find(&s, "both");		/* rate 1/s, segment_rate 10/s */
	expect_admit(g, 3, 0, OD_ADMIT_GO, 0);
	expect_admit(g, 3, 0, OD_ADMIT_WAIT, 1000);
	expect_admit(g, 3, 0, OD_ADMIT_WAIT, 1000);
	/* Waiting for a message token kept the segments it did not use. */
	assert_true(g->segs.tokens > 6.999 && g->segs.tokens < 7.001);
	expect_admit(g, 3, 1000, OD_ADMIT_GO, 0);	/* refilled to 10, then 3 taken */
	assert_true(g->segs.tokens > 6.999 && g->segs.tokens < 7.001);
	/* Non-SMS (0 segments) costs a message token only. */
	expect_admit(g, 0, 2000, OD_ADMIT_GO, 0);
	assert_true(g->segs.tokens > 6.999 && g->segs.tokens < 7.001);
	od_sender_free(&s);
	fixture_clear(&f);
}

/* max_inflight 2: the third waits 5 ms (look again shortly) until one is done. */
static void
test_max_inflight(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "slots");
	assert_int_equal(g->max_inflight, 2);
	expect_admit(g, 1, 0, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 0, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 0, OD_ADMIT_WAIT, 5);
	expect_admit(g, 1, 5, OD_ADMIT_WAIT, 5);
	assert_int_equal(g->inflight, 2);
	assert_int_equal(g->rate_waits, 2);
	od_sender_done(g, 0, 7);
	assert_int_equal(g->inflight, 1);
	expect_admit(g, 1, 10, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 10, OD_ADMIT_WAIT, 5);
	/* A failure frees its slot too. */
	od_sender_done(g, 1, 12);
	expect_admit(g, 1, 15, OD_ADMIT_GO, 0);
	assert_int_equal(g->inflight, 2);
	od_sender_free(&s);
	fixture_clear(&f);
}

/*
 * A send admitted and then not made (its attempt was cancelled) gives its
 * slot back with od_sender_release; the breaker learns nothing from it,
 * and a release with no slot taken leaves the count at 0.
 */
static void
test_release_gives_slot_back(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "slots");		/* max_inflight 2 */
	expect_admit(g, 1, 0, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 0, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 0, OD_ADMIT_WAIT, 5);
	od_sender_release(g);
	assert_int_equal(g->inflight, 1);
	assert_int_equal(g->local_failures, 0);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "closed");
	expect_admit(g, 1, 5, OD_ADMIT_GO, 0);
	od_sender_release(g);
	od_sender_release(g);
	od_sender_release(g);		/* none left to give back */
	assert_int_equal(g->inflight, 0);
	od_sender_free(&s);
	fixture_clear(&f);
}

/*
 * breaker_failures 3, cool-down 2 s (max 5 s): three consecutive failures
 * open it; while open, admission says OPEN with the rest of the cool-down
 * and takes no token; after it, one probe; a failed probe opens it for 4 s,
 * the next for 5 s (the cap); a good one closes it.
 */
static void
test_breaker_opens_and_probes(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "breaker");	/* rate 1/s, burst 1 */
	expect_admit(g, 1, 0, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 100);
	expect_admit(g, 1, 1000, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 1100);
	/* A success in between: the count starts over. */
	expect_admit(g, 1, 2000, OD_ADMIT_GO, 0);
	od_sender_done(g, 0, 2100);
	expect_admit(g, 1, 3000, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 3100);
	expect_admit(g, 1, 4000, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 4100);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "closed");
	expect_admit(g, 1, 5000, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 5100);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "open");
	assert_int_equal(g->inflight, 0);
	/* Open: the rest of the cool-down as the wait, no token taken. */
	expect_admit(g, 1, 5100, OD_ADMIT_OPEN, 2000);
	expect_admit(g, 1, 6000, OD_ADMIT_OPEN, 1100);
	expect_admit(g, 1, 7099, OD_ADMIT_OPEN, 1);
	assert_int_equal(g->rate_waits, 0);
	/* Half-open: exactly one probe; the others wait for it (at most a cool-down). */
	expect_admit(g, 1, 7100, OD_ADMIT_GO, 0);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "half-open");
	expect_admit(g, 1, 7100, OD_ADMIT_OPEN, 2000);
	expect_admit(g, 1, 8000, OD_ADMIT_OPEN, 1100);
	/* The probe failed: open for twice as long. */
	od_sender_done(g, 1, 8200);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "open");
	expect_admit(g, 1, 8200, OD_ADMIT_OPEN, 4000);
	expect_admit(g, 1, 12200, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 12300);
	expect_admit(g, 1, 12300, OD_ADMIT_OPEN, 5000);	/* 8 s capped at 5 s */
	/* A good probe closes it: sends flow again, at the gateway's rate. */
	expect_admit(g, 1, 17300, OD_ADMIT_GO, 0);
	od_sender_done(g, 0, 17400);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "closed");
	expect_admit(g, 1, 17400, OD_ADMIT_WAIT, 900);
	expect_admit(g, 1, 18300, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 18400);
	od_sender_done(g, 1, 18500);	/* no admission: the slot count stays at 0 */
	assert_int_equal(g->inflight, 0);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "closed");
	od_sender_free(&s);
	fixture_clear(&f);
}

/*
 * A send that failed here (no descriptor for a socket: od_http_gateway_failed
 * -1) is neither the gateway's failure nor its success: any number of them
 * leave the breaker closed and the count of the gateway's own failures as
 * it was; in half-open, the probe's turn passes to the next send.
 */
static void
test_local_failures_spare_breaker(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;
	int64_t			t = 0;
	int			i;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "breaker");	/* 3 failures open it for 2 s; rate 1/s */
	expect_admit(g, 1, t, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, t);	/* one real failure */
	for (i = 0; i < 20; i++) {
		t += 1000;
		expect_admit(g, 1, t, OD_ADMIT_GO, 0);
		od_sender_done(g, -1, t);
	}
	assert_string_equal(od_breaker_state_name(g->breaker.state), "closed");
	assert_int_equal(g->local_failures, 20);
	assert_int_equal(g->inflight, 0);
	/* Not a success either: two more real failures make three in a row. */
	t += 1000;
	expect_admit(g, 1, t, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, t);
	t += 1000;
	expect_admit(g, 1, t, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, t);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "open");
	/* The probe fails here: the next send may probe at once, and closes it. */
	t += 2000;
	expect_admit(g, 1, t, OD_ADMIT_GO, 0);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "half-open");
	od_sender_done(g, -1, t);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "half-open");
	t += 1000;
	expect_admit(g, 1, t, OD_ADMIT_GO, 0);
	od_sender_done(g, 0, t);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "closed");
	od_sender_free(&s);
	fixture_clear(&f);
}

/* The timeouts reach the transport's options; the defaults otherwise. */
static void
test_transport_options(void **state)
{
	struct fixture		f;
	struct od_sender	s;
	struct od_sender_gw	*g;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "plain");
	assert_int_equal(g->opts.connect_timeout_ms, 1500);
	assert_int_equal(g->opts.total_timeout_ms, 4000);
	assert_int_equal(g->opts.tls_verify, 1);
	assert_int_equal(g->max_inflight, 64);
	g = find(&s, "burst2");
	assert_int_equal(g->opts.connect_timeout_ms, OD_HTTP_CONNECT_TIMEOUT_MS);
	assert_int_equal(g->opts.total_timeout_ms, OD_HTTP_TOTAL_TIMEOUT_MS);
	assert_null(od_sender_find(&s, "nosuch"));
	od_sender_free(&s);
	fixture_clear(&f);
}

/*
 * A reload (reload.yaml) reads the limits again but keeps what each gateway
 * is going through: an open breaker stays open for the rest of its
 * cool-down, requests in flight stay counted; new gateways are added.
 */
static void
test_reload_keeps_state(void **state)
{
	struct fixture		f, f2;
	struct od_sender	s;
	struct od_sender_gw	*g, *slots;
	struct od_errors	errs;

	(void)state;
	sender_load(&s, &f);
	g = find(&s, "breaker");
	expect_admit(g, 1, 0, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 0);
	expect_admit(g, 1, 1000, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 1000);
	expect_admit(g, 1, 2000, OD_ADMIT_GO, 0);
	od_sender_done(g, 1, 2000);
	assert_string_equal(od_breaker_state_name(g->breaker.state), "open");
	slots = find(&s, "slots");
	expect_admit(slots, 1, 2000, OD_ADMIT_GO, 0);
	expect_admit(slots, 1, 2000, OD_ADMIT_GO, 0);

	fixture_load(&f2, "reload.yaml");
	od_errors_init(&errs);
	assert_int_equal(od_sender_configure(&s, &f2.gws, &errs), 0);
	assert_int_equal(errs.count, 0);
	od_errors_clear(&errs);
	fixture_clear(&f);
	assert_int_equal(s.n, 14);

	/* Still open until 4000 (the old cool-down), though the new one is 10 s. */
	g = find(&s, "breaker");
	assert_string_equal(od_breaker_state_name(g->breaker.state), "open");
	expect_admit(g, 1, 3000, OD_ADMIT_OPEN, 1000);
	expect_admit(g, 1, 4000, OD_ADMIT_GO, 0);
	/* The new threshold (1) and cool-down (10 s) apply from here. */
	od_sender_done(g, 1, 4000);
	expect_admit(g, 1, 4000, OD_ADMIT_OPEN, 4000);	/* the failed probe doubled the 2 s */
	expect_admit(g, 1, 8000, OD_ADMIT_GO, 0);
	od_sender_done(g, 0, 8000);			/* closed; the cool-down back to its base */
	expect_admit(g, 1, 8000, OD_ADMIT_GO, 0);	/* rate 100/s now */
	od_sender_done(g, 1, 8000);			/* one failure opens it now */
	expect_admit(g, 1, 8000, OD_ADMIT_OPEN, 10000);

	/* Two in flight, and the new cap is 1: no slot until both are done. */
	slots = find(&s, "slots");
	assert_int_equal(slots->inflight, 2);
	assert_int_equal(slots->max_inflight, 1);
	od_sender_done(slots, 0, 5000);
	expect_admit(slots, 1, 5000, OD_ADMIT_WAIT, 5);
	od_sender_done(slots, 0, 5000);
	expect_admit(slots, 1, 5000, OD_ADMIT_GO, 0);

	/* burst2: now 1/s with a burst of 1. */
	g = find(&s, "burst2");
	expect_admit(g, 1, 5000, OD_ADMIT_GO, 0);
	expect_admit(g, 1, 5000, OD_ADMIT_WAIT, 1000);
	/* plain: its timeouts back to the defaults. */
	assert_int_equal(find(&s, "plain")->opts.total_timeout_ms, OD_HTTP_TOTAL_TIMEOUT_MS);
	assert_int_equal(find(&s, "added8")->max_inflight, 64);
	od_sender_free(&s);
	fixture_clear(&f2);
}

/*
 * The daemon keeps the od_sender_gw an admitted send holds (dispatch's
 * action->sgw) until its reply comes, and calls od_sender_done on it then;
 * a reload (SIGHUP) may come in between.  A reload that adds gateways must
 * leave that gateway where it was, or the reply's od_sender_done writes to
 * freed memory (and the in-flight count of the live entry never drops).
 */
/* Its state, freed by its teardown also when an assertion fails. */
static struct fixture	g_f, g_f2;
static struct od_sender	g_s;

static int
reload_teardown(void **state)
{
	(void)state;
	od_sender_free(&g_s);
	fixture_clear(&g_f);
	fixture_clear(&g_f2);
	return 0;
}

static void
test_reload_adding_gateways_keeps_inflight_gateway(void **state)
{
	struct od_sender_gw	*held;
	struct od_errors	errs;

	(void)state;
	sender_load(&g_s, &g_f);
	held = find(&g_s, "slots");
	expect_admit(held, 1, 0, OD_ADMIT_GO, 0);	/* a send goes out, holding 'held' */

	fixture_load(&g_f2, "reload.yaml");		/* adds 8 gateways */
	od_errors_init(&errs);
	assert_int_equal(od_sender_configure(&g_s, &g_f2.gws, &errs), 0);
	od_errors_clear(&errs);
	/* The reply comes: the daemon reports it on the gateway it held. */
	assert_ptr_equal(od_sender_find(&g_s, "slots"), held);
	od_sender_done(held, 0, 10);
	assert_int_equal(find(&g_s, "slots")->inflight, 0);
}

/* Every bad setting is reported, at the gateway's position, with the value and what is allowed. */
static void
test_bad_settings(void **state)
{
	struct fixture		 f;
	struct od_sender	 s;
	struct od_errors	 errs;
	char			 path[512], want[1024];
	static const char	*msgs[] = {
		"gateway 'x': rate 'abc' must be a number from 0 to 1e+06",
		"gateway 'x': burst '0' must be a number from 1 to 1e+07",
		"gateway 'x': segment_rate '-1' must be a number from 0 to 1e+06",
		"gateway 'x': max_inflight '0' must be a number from 1 to 100000",
		"gateway 'x': breaker_failures 'lots' must be a number from 1 to 1000",
		"gateway 'x': connect_timeout '50ms' must be a duration of at least 100ms (e.g. 10s)",
		"gateway 'x': timeout '5' must be a duration of at least 100ms (e.g. 10s)",
		"gateway 'x': breaker_cooldown '-3d' must be a duration of at least 100ms (e.g. 10s)",
		"gateway 'x': tls_verify must be true or false",
	};
	size_t			 i;

	(void)state;
	fixture_load(&f, "bad.yaml");
	snprintf(path, sizeof(path), "%s/sender/bad.yaml", OD_TEST_DATA);

	od_errors_init(&errs);
	assert_int_equal(od_sender_check(&f.gws, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("# %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, sizeof(msgs) / sizeof(msgs[0]));
	for (i = 0; i < errs.count; i++) {
		snprintf(want, sizeof(want), "%s:7:3: %s", path, msgs[i]);
		assert_string_equal(errs.msgs[i], want);
	}
	od_errors_clear(&errs);

	/* Configuring refuses the same way; the good gateway is still set up. */
	memset(&s, 0, sizeof(s));
	od_errors_init(&errs);
	assert_int_equal(od_sender_configure(&s, &f.gws, &errs), -1);
	assert_int_equal(errs.count, sizeof(msgs) / sizeof(msgs[0]));
	assert_non_null(od_sender_find(&s, "good"));
	assert_null(od_sender_find(&s, "x"));
	od_errors_clear(&errs);
	od_sender_free(&s);
	od_sender_free(NULL);
	fixture_clear(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_burst),
		cmocka_unit_test(test_segment_rate_three_segments),
		cmocka_unit_test(test_max_inflight),
		cmocka_unit_test(test_release_gives_slot_back),
		cmocka_unit_test(test_breaker_opens_and_probes),
		cmocka_unit_test(test_local_failures_spare_breaker),
		cmocka_unit_test(test_transport_options),
		cmocka_unit_test(test_reload_keeps_state),
		cmocka_unit_test_teardown(test_reload_adding_gateways_keeps_inflight_gateway,
		    reload_teardown),
		cmocka_unit_test(test_bad_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
