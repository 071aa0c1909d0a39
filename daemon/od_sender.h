/*
 * od_sender: the core's sending machinery for each gateway: a token bucket
 * in messages per second (and one in SMS segments per second), a cap on
 * requests in flight, a circuit breaker, and the transport's timeouts and
 * TLS settings.  A gateway's state is kept by name, so it outlives a reload
 * (the limits are read again from the new settings).
 *
 * Generic gateway settings (besides the plugin's own):
 *   rate: 50            messages per second (0 or absent: unlimited)
 *   burst: 50           bucket size (default: rate, at least 1)
 *   segment_rate: 30    SMS segments per second (0 or absent: unlimited)
 *   max_inflight: 64    requests in flight at once
 *   connect_timeout: 10s, timeout: 30s
 *   tls_verify: true    (false only for a test peer: a warning is logged)
 *   ca_file: PATH
 *   breaker_failures: 5, breaker_cooldown: 30s, breaker_cooldown_max: 10m
 */
#ifndef OD_SENDER_H
#define OD_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "od_breaker.h"
#include "od_error.h"
#include "od_http.h"
#include "od_plugin.h"
#include "od_ratelimit.h"

struct od_sender_gw {
	char			 name[96];
	struct od_bucket	 msgs;
	struct od_bucket	 segs;
	struct od_breaker	 breaker;
	int			 inflight;
	int			 max_inflight;
	struct od_http_opts	 opts;
	uint64_t		 rate_waits;	/* admissions that had to wait */
	uint64_t		 local_failures; /* sends that failed here, not at the gateway */
	uint64_t		 local_counted;	/* of those, already in the daemon's metric */
};

struct od_sender {
	struct od_sender_gw	**v;	/* stable: actions in flight hold pointers across reloads */
	size_t			  n;
};

/*
 * Brings the table in line with gws (after a start or a reload): new
 * gateways are added, limits read again; a bad setting is an error at the
 * gateway's position.  0 or -1.
 */
int	od_sender_configure(struct od_sender *s, const struct od_gateways *gws,
	    struct od_errors *errs);
/* Checks the generic settings of every gateway, for validation without a daemon. */
int	od_sender_check(const struct od_gateways *gws, struct od_errors *errs);
void	od_sender_free(struct od_sender *s);
struct od_sender_gw *od_sender_find(struct od_sender *s, const char *name);

enum od_admit {
	OD_ADMIT_GO = 0,	/* send now (in flight: od_sender_done or od_sender_release after) */
	OD_ADMIT_WAIT,		/* a token or a slot is free in *wait_ms: try again then */
	OD_ADMIT_OPEN,		/* the breaker is open: the gateway is failing; retry in *wait_ms */
};

enum od_admit od_sender_admit(struct od_sender_gw *g, int segments, int64_t now_ms,
	    int64_t *wait_ms);
/*
 * After a send admitted with GO.  failed, as od_http_gateway_failed gives
 * it: 1 counts against the breaker, 0 for it, -1 neither (a failure of this
 * host, e.g. no descriptor left for a socket: counted in local_failures).
 */
void	od_sender_done(struct od_sender_gw *g, int failed, int64_t now_ms);
/*
 * After a send admitted with GO that never went out (the attempt could not
 * begin, or was cancelled): its slot is given back and the breaker is left
 * as it was, since nothing was learnt of the gateway.
 */
void	od_sender_release(struct od_sender_gw *g);

#endif /* OD_SENDER_H */
