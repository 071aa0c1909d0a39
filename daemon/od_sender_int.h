/*
 * od_sender_int.h: what od_sender.c (each gateway's sending state) and
 * od_sender_limits.c (the generic gateway settings, read and checked)
 * share.  Not for other modules: od_sender.h is the interface.
 */
#ifndef OD_SENDER_INT_H
#define OD_SENDER_INT_H

#include <stdint.h>

#include "od_config.h"
#include "od_error.h"
#include "od_sender.h"

/* A gateway's generic settings, defaults filled in (od_sender.h lists them). */
struct sender_limits {
	double	rate, burst, seg_rate;
	long	max_inflight;
	int64_t	connect_ms, total_ms, cooldown_ms, cooldown_max_ms;
	long	failures;
	int	tls_verify;
	const char *ca_file;
	int	smtp_tls;
};

/* Reads gc's generic settings into l; 0, or -1 with an error at the gateway's position. */
int	od_sender_limits_read(const struct od_gateway_conf *gc, struct sender_limits *l,
	    struct od_errors *errs);

#endif /* OD_SENDER_INT_H */
