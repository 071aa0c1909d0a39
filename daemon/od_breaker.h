/*
 * od_breaker: a circuit breaker per gateway.
 *
 *   closed    --(threshold consecutive failures)-->  open
 *   open      --(cool-down elapsed)-->               half-open
 *   half-open: one probe goes through;
 *              success --> closed (cool-down back to its base),
 *              failure --> open again, cool-down doubled (up to the cap).
 *
 * What counts as a failure is the caller's (for gateways: transport
 * failures and 5xx replies, see od_http_gateway_failed); a result that is
 * neither (a 4xx, a permanent rejection) should be reported as a success,
 * since the gateway answered.  Results reported while open (late replies
 * to requests let through before it opened) change nothing.  A probe whose
 * result never comes is taken as lost after one cool-down, and another
 * probe is let through.
 *
 * The clock is the caller's (ms, monotonic).
 */
#ifndef OD_BREAKER_H
#define OD_BREAKER_H

#include <stdint.h>

enum od_breaker_state {
	OD_BREAKER_CLOSED = 0,
	OD_BREAKER_OPEN,
	OD_BREAKER_HALF_OPEN,
};

struct od_breaker {
	int			 threshold;	/* consecutive failures that open it */
	int64_t			 cooldown_base_ms;
	int64_t			 cooldown_max_ms;

	enum od_breaker_state	 state;
	int			 failures;	/* consecutive, while closed */
	int64_t			 cooldown_ms;	/* the current one */
	int64_t			 until_ms;	/* open: when half-open; half-open: probe lost */
	int			 probing;	/* half-open: a probe is out */
};

/* Closed.  threshold < 1 is 1; cooldown_max_ms below the base is the base. */
void	od_breaker_init(struct od_breaker *b, int threshold, int64_t cooldown_ms,
	    int64_t cooldown_max_ms);

/*
 * May a request go out at now_ms?  1, or 0 with *retry_ms (if not NULL) set
 * to the milliseconds until one may.  In half-open, the 1 that lets the
 * probe out is returned once.
 */
int	od_breaker_allow(struct od_breaker *b, int64_t now_ms, int64_t *retry_ms);
void	od_breaker_success(struct od_breaker *b, int64_t now_ms);
void	od_breaker_failure(struct od_breaker *b, int64_t now_ms);
/*
 * A request let through that says nothing about the gateway (it failed
 * here, before anything was sent): the count of failures stays, and in
 * half-open the probe's turn goes to the next request.
 */
void	od_breaker_release(struct od_breaker *b, int64_t now_ms);

/* "closed", "open", "half-open". */
const char *od_breaker_state_name(enum od_breaker_state s);

#endif /* OD_BREAKER_H */
