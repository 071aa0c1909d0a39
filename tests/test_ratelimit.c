/* od_ratelimit: token buckets, with a fake clock (ms). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "od_ratelimit.h"

static void
test_burst_then_rate(void **state)
{
	struct od_bucket	b;

	(void)state;
	od_bucket_init(&b, 2, 3);	/* 2/s, bursts of 3 */
	assert_int_equal(od_bucket_take(&b, 1, 1000), 0);
	assert_int_equal(od_bucket_take(&b, 1, 1000), 0);
	assert_int_equal(od_bucket_take(&b, 1, 1000), 0);
	assert_int_equal(od_bucket_take(&b, 1, 1000), 500);
	assert_int_equal(od_bucket_take(&b, 1, 1250), 250);
	assert_int_equal(od_bucket_take(&b, 1, 1499), 1);
	assert_int_equal(od_bucket_take(&b, 1, 1500), 0);
	assert_int_equal(od_bucket_take(&b, 1, 1500), 500);
	/* A refusal takes nothing: the wait is the same when asked again. */
	assert_int_equal(od_bucket_take(&b, 1, 1500), 500);
	assert_int_equal(od_bucket_take(&b, 1, 2000), 0);
}

static void
test_refill_capped_at_burst(void **state)
{
	struct od_bucket	b;
	int			i;

	(void)state;
	od_bucket_init(&b, 2, 3);
	assert_int_equal(od_bucket_take(&b, 3, 0), 0);
	/* A long idle spell refills 3 tokens, not 200. */
	for (i = 0; i < 3; i++)
		assert_int_equal(od_bucket_take(&b, 1, 100000), 0);
	assert_int_equal(od_bucket_take(&b, 1, 100000), 500);
}

static void
test_slow_rate_rounds_up(void **state)
{
	struct od_bucket	b;

	(void)state;
	od_bucket_init(&b, 3, 1);	/* one every 333.3 ms */
	assert_int_equal(od_bucket_take(&b, 1, 0), 0);
	assert_int_equal(od_bucket_take(&b, 1, 0), 334);
	assert_int_equal(od_bucket_take(&b, 1, 333), 1);
	assert_int_equal(od_bucket_take(&b, 1, 334), 0);

	od_bucket_init(&b, 0.5, 1);	/* one every 2 s */
	assert_int_equal(od_bucket_take(&b, 1, 10000), 0);
	assert_int_equal(od_bucket_take(&b, 1, 10000), 2000);
	assert_int_equal(od_bucket_take(&b, 1, 11500), 500);
	assert_int_equal(od_bucket_take(&b, 1, 12000), 0);
}

static void
test_cost_above_burst_goes_into_debt(void **state)
{
	struct od_bucket	b;

	(void)state;
	/* 1 segment/s per long code (providers.md, Twilio); a 3-segment SMS. */
	od_bucket_init(&b, 1, 1);
	assert_int_equal(od_bucket_take(&b, 3, 0), 0);
	assert_int_equal(od_bucket_take(&b, 1, 0), 3000);
	assert_int_equal(od_bucket_take(&b, 1, 2000), 1000);
	assert_int_equal(od_bucket_take(&b, 1, 3000), 0);
	/* Once the bucket is full again, the next long one goes at once. */
	assert_int_equal(od_bucket_take(&b, 3, 3500), 500);
	assert_int_equal(od_bucket_take(&b, 3, 4000), 0);
}

static void
test_multi_token_cost(void **state)
{
	struct od_bucket	b;

	(void)state;
	od_bucket_init(&b, 10, 5);
	assert_int_equal(od_bucket_take(&b, 2, 0), 0);
	assert_int_equal(od_bucket_take(&b, 2, 0), 0);
	assert_int_equal(od_bucket_take(&b, 2, 0), 100);	/* 1 left, 2 needed */
	assert_int_equal(od_bucket_take(&b, 1, 0), 0);
	assert_int_equal(od_bucket_take(&b, 2, 50), 150);
}

static void
test_unlimited_and_clamps(void **state)
{
	struct od_bucket	b;
	int			i;

	(void)state;
	od_bucket_init(&b, 0, 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(od_bucket_take(&b, 1, 0), 0);
	od_bucket_init(&b, -5, 1);
	assert_int_equal(od_bucket_take(&b, 100, 0), 0);
	/* A burst below 1 is 1: a single message can always go. */
	od_bucket_init(&b, 4, 0.2);
	assert_true(b.burst == 1.0);
	assert_int_equal(od_bucket_take(&b, 1, 0), 0);
	assert_int_equal(od_bucket_take(&b, 1, 0), 250);
}

static void
test_clock_going_back(void **state)
{
	struct od_bucket	b;

	(void)state;
	od_bucket_init(&b, 2, 1);
	assert_int_equal(od_bucket_take(&b, 1, 5000), 0);
	/* An earlier time refills nothing and breaks nothing. */
	assert_int_equal(od_bucket_take(&b, 1, 4000), 500);
	assert_int_equal(od_bucket_take(&b, 1, 5500), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_refill_capped_at_burst),
		cmocka_unit_test(test_slow_rate_rounds_up),
		cmocka_unit_test(test_cost_above_burst_goes_into_debt),
		cmocka_unit_test(test_multi_token_cost),
		cmocka_unit_test(test_unlimited_and_clamps),
		cmocka_unit_test(test_clock_going_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
