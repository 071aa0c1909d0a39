/*
 * od_ratelimit: token buckets, one per gateway (or per sender).
 *
 * A bucket holds up to `burst` tokens and refills at `rate` tokens a
 * second.  od_bucket_take never blocks: it takes the tokens and returns 0,
 * or takes nothing and returns how many milliseconds to wait before the same
 * call would succeed; the caller sets a timer for that long.
 *
 * A cost above the burst (a long SMS of more segments than the burst) is
 * taken once the bucket is full and leaves it in debt, so the long-run rate
 * still holds: the next takes wait for the debt to be paid back.
 *
 * The clock is the caller's (ms, monotonic), which is what makes the timing
 * exact in tests.
 */
#ifndef OD_RATELIMIT_H
#define OD_RATELIMIT_H

#include <stdint.h>

struct od_bucket {
	double	 rate;		/* tokens per second; 0 means unlimited */
	double	 burst;		/* capacity */
	double	 tokens;	/* may go below 0 (debt, see above) */
	int64_t	 last_ms;	/* when tokens was last brought up to date */
};

/* A full bucket.  A burst below 1 is taken as 1; a negative rate as 0. */
void	od_bucket_init(struct od_bucket *b, double rate_per_s, double burst);

/*
 * Takes cost tokens at now_ms: 0 when taken, else the milliseconds (> 0)
 * until it can be.  The first call starts the clock (the bucket is full).
 */
int64_t	od_bucket_take(struct od_bucket *b, double cost, int64_t now_ms);

#endif /* OD_RATELIMIT_H */
