/*
 * od_daemon: the running daemon: one libevent base, the Redis queue, the
 * loaded configuration set, intake of the inbox and dispatch of due actions.
 *
 * Intake (od_intake.c) reads the inbox through the consumer group, validates
 * each entry, stores accounts and applies events in scripts, and writes what
 * it cannot accept to <prefix>:rejected with the reason.  Dispatch
 * (od_dispatch.c) claims due actions in batches under a lease, checks them,
 * renders and sends them, and completes each in one script that records the
 * attempts and plans the account's next step.
 */
#ifndef OD_DAEMON_H
#define OD_DAEMON_H

#include <stdint.h>

#include "od_confset.h"
#include "od_env.h"
#include "od_intake.h"
#include "od_metrics.h"
#include "od_queue.h"
#include "od_sender.h"

struct event_base;
struct event;
struct action;
struct od_admin;
struct od_notify_watchdog;

struct od_daemon {
	struct od_env		 env;		/* what its modules share (od_env.h) */
	struct od_intake	 intake;	/* the inbox (od_intake.h) */
	const char		*config_path;
	struct od_config_overrides overrides;
	struct od_http		*http;		/* libcurl multi on the loop */
	struct od_sender	 sender;	/* per-gateway limits and breakers */
	char			*identity_key;	/* debtor ids are hashed with it (od_person.h) */

	struct event		*claim_ev;	/* wakes at the next due time */
	struct event		*reclaim_ev;	/* sweeps expired leases */
	struct event		*ready_ev;	/* waits for Redis at start-up */
	struct event		*sig_ev[4];
	struct event		*drain_ev;	/* SIGTERM: waits for the actions in flight */
	int64_t			 drain_deadline_ms;
	int			 handing_back;
	struct action		*actions;	/* in flight, a list (od_dispatch.c) */
	struct event		*flush_ev;	/* sends the queued begins and completions */
	struct action		**begin_q, **complete_q;
	size_t			 begin_n, begin_cap, complete_n, complete_cap;

	int			 inflight;	/* actions claimed and not completed */
	int			 claiming;	/* a claim is on its way */
	int			 reclaiming;
	uint64_t		 next_due_ms;	/* from the last claim */
	int			 exit_after_idle;	/* --once: exit once nothing is due (demo, batch runs) */
	long long		 leases;		/* every daemon's leases, at the last claim */
	long long		 scheduled;		/* actions in the due set, at the last claim */
	struct od_metric	*local_failures;	/* outreachd_gateway_local_failures_total */
	struct od_admin		*admin;
	struct od_notify_watchdog *watchdog;
	struct event		*status_ev;	/* every 1 s: heap trim; 5 s: STATUS= for systemd */
	unsigned		 status_tick;
	uint64_t		 sent_ring[12];	/* sends counted at each of the last 12 ticks */
	int			 ring_pos;
};

int	od_daemon_init(struct od_daemon *d, const char *config_path,
	    const struct od_config_overrides *ov, char *err, size_t errlen);
int	od_daemon_run(struct od_daemon *d);
/* With --once: stops the loop when the inbox is drained and nothing is due or in flight. */
void	od_daemon_check_idle(struct od_daemon *d);
void	od_daemon_free(struct od_daemon *d);

/* gateway callbacks on the admin server (od_hooks.c) */
struct od_admin_callback;
struct od_gateway;
void	od_hooks_callback(void *arg, struct od_admin_callback *cb);
const char *od_hooks_callback_url(const struct od_daemon *d, struct od_gateway *gw,
	    const char *account_id, const char *attempt_id, char *buf, size_t len);

/* dispatch */
void	od_dispatch_init(struct od_daemon *d);
void	od_dispatch_kick(struct od_daemon *d);		/* claim now if there is room */
void	od_dispatch_reclaim(struct od_daemon *d);	/* one sweep of expired leases */
void	od_dispatch_release(struct od_daemon *d);	/* hands every lease of ours back */
/* reclaim (od_reclaim.c): settles account id's lease; force: ours, handed back at stop */
void	od_reclaim_one(struct od_daemon *d, const char *id, int force, const char *why);

#endif /* OD_DAEMON_H */
