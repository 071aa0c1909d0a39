/* od_breaker: the circuit breaker's states and timing, with a fake clock (ms). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "od_breaker.h"

static void
assert_state(const struct od_breaker *b, const char *name)
{
	assert_string_equal(od_breaker_state_name(b->state), name);
}

static void
test_opens_after_consecutive_failures(void **state)
{
	struct od_breaker	b;
	int64_t			retry = -1;

	(void)state;
	od_breaker_init(&b, 3, 1000, 8000);
	assert_state(&b, "closed");
	od_breaker_failure(&b, 0);
	od_breaker_failure(&b, 10);
	od_breaker_success(&b, 20);	/* not consecutive any more */
	od_breaker_failure(&b, 30);
	od_breaker_failure(&b, 40);
	assert_int_equal(od_breaker_allow(&b, 50, &retry), 1);
	assert_state(&b, "closed");
	od_breaker_failure(&b, 100);
	assert_state(&b, "open");
	assert_int_equal(od_breaker_allow(&b, 100, &retry), 0);
	assert_int_equal(retry, 1000);
	assert_int_equal(od_breaker_allow(&b, 1099, &retry), 0);
	assert_int_equal(retry, 1);
	assert_state(&b, "open");
}

static void
test_half_open_probe_and_backoff(void **state)
{
	struct od_breaker	b;
	int64_t			retry = -1;

	(void)state;
	od_breaker_init(&b, 1, 1000, 3500);
	od_breaker_failure(&b, 0);
	assert_state(&b, "open");
	/* After the cool-down, exactly one probe. */
	assert_int_equal(od_breaker_allow(&b, 1000, &retry), 1);
	assert_state(&b, "half-open");
	assert_int_equal(od_breaker_allow(&b, 1000, &retry), 0);
	assert_int_equal(retry, 1000);
	assert_int_equal(od_breaker_allow(&b, 1200, NULL), 0);
	/* The probe failed: open again for twice as long. */
	od_breaker_failure(&b, 1300);
	assert_state(&b, "open");
	assert_int_equal(od_breaker_allow(&b, 3299, &retry), 0);
	assert_int_equal(retry, 1);
	assert_int_equal(od_breaker_allow(&b, 3300, &retry), 1);
	od_breaker_failure(&b, 3300);
	/* 4000 is above the cap: 3500. */
	assert_int_equal(od_breaker_allow(&b, 3300, &retry), 0);
	assert_int_equal(retry, 3500);
	assert_int_equal(od_breaker_allow(&b, 6800, &retry), 1);
	od_breaker_failure(&b, 6800);
	assert_int_equal(od_breaker_allow(&b, 6800, &retry), 0);
	assert_int_equal(retry, 3500);
	/* A successful probe closes it and the cool-down starts over. */
	assert_int_equal(od_breaker_allow(&b, 10300, &retry), 1);
	od_breaker_success(&b, 10400);
	assert_state(&b, "closed");
	assert_int_equal(od_breaker_allow(&b, 10400, &retry), 1);
	assert_int_equal(od_breaker_allow(&b, 10400, &retry), 1);
	od_breaker_failure(&b, 10500);
	assert_int_equal(od_breaker_allow(&b, 10500, &retry), 0);
	assert_int_equal(retry, 1000);
}

static void
test_lost_probe(void **state)
{
	struct od_breaker	b;
	int64_t			retry = -1;

	(void)state;
	od_breaker_init(&b, 2, 500, 5000);
	od_breaker_failure(&b, 0);
	od_breaker_failure(&b, 0);
	assert_int_equal(od_breaker_allow(&b, 600, &retry), 1);
	/* Its result never comes: after a cool-down another probe goes. */
	assert_int_equal(od_breaker_allow(&b, 1099, &retry), 0);
	assert_int_equal(retry, 1);
	assert_int_equal(od_breaker_allow(&b, 1100, &retry), 1);
	assert_state(&b, "half-open");
}

static void
test_late_results_while_open(void **state)
{
	struct od_breaker	b;
	int64_t			retry = -1;

	(void)state;
	od_breaker_init(&b, 1, 1000, 8000);
	od_breaker_failure(&b, 0);
	/* Replies to requests let out before it opened change nothing. */
	od_breaker_success(&b, 200);
	assert_state(&b, "open");
	od_breaker_failure(&b, 300);
	assert_int_equal(od_breaker_allow(&b, 300, &retry), 0);
	assert_int_equal(retry, 700);
}

static void
test_init_clamps(void **state)
{
	struct od_breaker	b;
	int64_t			retry = -1;

	(void)state;
	od_breaker_init(&b, 0, 2000, 100);	/* threshold 1; cap raised to the base */
	od_breaker_failure(&b, 0);
	assert_state(&b, "open");
	assert_int_equal(od_breaker_allow(&b, 2000, &retry), 1);
	od_breaker_failure(&b, 2000);
	assert_int_equal(od_breaker_allow(&b, 2000, &retry), 0);
	assert_int_equal(retry, 2000);
	assert_string_equal(od_breaker_state_name(OD_BREAKER_HALF_OPEN), "half-open");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opens_after_consecutive_failures),
		cmocka_unit_test(test_half_open_probe_and_backoff),
		cmocka_unit_test(test_lost_probe),
		cmocka_unit_test(test_late_results_while_open),
		cmocka_unit_test(test_init_clamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
