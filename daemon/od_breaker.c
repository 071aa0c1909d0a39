#include "od_breaker.h"

#include <stddef.h>

void
od_breaker_init(struct od_breaker *b, int threshold, int64_t cooldown_ms,
    int64_t cooldown_max_ms)
{
	b->threshold = threshold >= 1 ? threshold : 1;
	b->cooldown_base_ms = cooldown_ms > 0 ? cooldown_ms : 1;
	b->cooldown_max_ms = cooldown_max_ms >= b->cooldown_base_ms ?
	    cooldown_max_ms : b->cooldown_base_ms;
	b->state = OD_BREAKER_CLOSED;
	b->failures = 0;
	b->cooldown_ms = b->cooldown_base_ms;
	b->until_ms = 0;
	b->probing = 0;
}

static void
breaker_open(struct od_breaker *b, int64_t now_ms)
{
	b->state = OD_BREAKER_OPEN;
	b->until_ms = now_ms + b->cooldown_ms;
	b->probing = 0;
}

int
od_breaker_allow(struct od_breaker *b, int64_t now_ms, int64_t *retry_ms)
{
	switch (b->state) {
	case OD_BREAKER_CLOSED:
		return 1;
	case OD_BREAKER_OPEN:
		if (now_ms < b->until_ms)
			break;
		b->state = OD_BREAKER_HALF_OPEN;
		b->probing = 0;
		/* FALLTHROUGH */
	case OD_BREAKER_HALF_OPEN:
		if (!b->probing || now_ms >= b->until_ms) {
			/* The probe; one lost for a cool-down is given up on. */
			b->probing = 1;
			b->until_ms = now_ms + b->cooldown_ms;
			return 1;
		}
		break;
	}
	if (retry_ms != NULL)
		*retry_ms = b->until_ms - now_ms;
	return 0;
}

void
od_breaker_success(struct od_breaker *b, int64_t now_ms)
{
	(void)now_ms;
	switch (b->state) {
	case OD_BREAKER_CLOSED:
		b->failures = 0;
		break;
	case OD_BREAKER_HALF_OPEN:
		b->state = OD_BREAKER_CLOSED;
		b->failures = 0;
		b->cooldown_ms = b->cooldown_base_ms;
		b->probing = 0;
		break;
	case OD_BREAKER_OPEN:
		break;
	}
}

void
od_breaker_failure(struct od_breaker *b, int64_t now_ms)
{
	switch (b->state) {
	case OD_BREAKER_CLOSED:
		if (++b->failures >= b->threshold) {
			b->failures = 0;
			breaker_open(b, now_ms);
		}
		break;
	case OD_BREAKER_HALF_OPEN:
		b->cooldown_ms = b->cooldown_ms > b->cooldown_max_ms / 2 ?
		    b->cooldown_max_ms : b->cooldown_ms * 2;
		breaker_open(b, now_ms);
		break;
	case OD_BREAKER_OPEN:
		break;
	}
}

void
od_breaker_release(struct od_breaker *b, int64_t now_ms)
{
	(void)now_ms;
	if (b->state == OD_BREAKER_HALF_OPEN)
		b->probing = 0;
}

const char *
od_breaker_state_name(enum od_breaker_state s)
{
	switch (s) {
	case OD_BREAKER_CLOSED:
		return "closed";
	case OD_BREAKER_OPEN:
		return "open";
	case OD_BREAKER_HALF_OPEN:
		return "half-open";
	}
	return "?";
}
