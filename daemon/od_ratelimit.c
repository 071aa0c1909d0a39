#include "od_ratelimit.h"

#include <math.h>

/* last_ms before the first take: the bucket is full whenever that comes. */
#define BUCKET_UNSTARTED	INT64_MIN

/* Leeway for floating-point refills: a wait computed by take is enough. */
#define BUCKET_EPSILON		1e-9

void
od_bucket_init(struct od_bucket *b, double rate_per_s, double burst)
{
	b->rate = rate_per_s > 0 ? rate_per_s : 0;
	b->burst = burst >= 1 ? burst : 1;
	b->tokens = b->burst;
	b->last_ms = BUCKET_UNSTARTED;
}

static void
bucket_refill(struct od_bucket *b, int64_t now_ms)
{
	if (b->last_ms == BUCKET_UNSTARTED) {
		b->last_ms = now_ms;
		return;
	}
	if (now_ms <= b->last_ms)	/* no time passed, or the clock went back */
		return;
	b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last_ms = now_ms;
}

int64_t
od_bucket_take(struct od_bucket *b, double cost, int64_t now_ms)
{
	double	need, wait;

	if (b->rate <= 0)
		return 0;
	if (cost < 0)
		cost = 0;
	bucket_refill(b, now_ms);
	need = cost < b->burst ? cost : b->burst;
	if (b->tokens + BUCKET_EPSILON >= need) {
		b->tokens -= cost;
		return 0;
	}
	wait = ceil((need - b->tokens) * 1000.0 / b->rate - BUCKET_EPSILON);
	return wait < 1 ? 1 : (int64_t)wait;
}
