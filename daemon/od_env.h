/*
 * od_env: what the daemon owns and lends to the modules it runs (intake,
 * dispatch, the gateway callbacks): the loop, the queue, the running
 * configuration set, the consumer's name, the metrics and counters, and
 * whether it is stopping.  Like OpenSMTPD's `env`, one struct every part
 * reads; unlike it, not a global: the daemon embeds it (od_daemon.h) and
 * hands each module a pointer at its init.
 *
 * Why a struct of its own rather than a pointer back to the daemon, or
 * each piece passed in: a back pointer would let a module reach all of
 * the daemon (its signals, reload, admin server) and make od_intake.c and
 * od_dispatch.c include od_daemon.h, which includes them: a circle.
 * Pieces passed in one by one would be copies, and `set` is replaced by
 * every reload; read through env->set, a module sees the running set at
 * each use, as the daemon does.  What one module alone uses is lent to it
 * at its init instead (intake the identity key; dispatch the senders and
 * the libcurl multi layer).
 */
#ifndef OD_ENV_H
#define OD_ENV_H

#include <stdint.h>

#include "od_confset.h"
#include "od_metrics.h"

struct event_base;
struct od_queue;

/* Counted by intake and dispatch, logged by the daemon when it stops. */
struct od_stats {
	uint64_t	intake_accounts, intake_events, rejected;
	uint64_t	claimed, sent, failed, retried, suppressed, unknown, lost;
	uint64_t	reloads_ok, reloads_failed;
};

struct od_env {
	struct event_base	*base;
	struct od_queue		*q;
	struct od_confset	*set;		/* the running set (a reference); reloads replace it */
	char			 consumer[160];	/* this daemon's name in the group and in leases */
	struct od_metrics	*metrics;
	struct od_metrics_std	 m;
	struct od_stats		 stats;
	int			 stopping;	/* SIGTERM, or --once done: nothing new starts */
	int			 once;		/* --once: the inbox's reads wait 100 ms, not 1 s */
};

#endif /* OD_ENV_H */
