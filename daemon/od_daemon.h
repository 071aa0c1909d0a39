/*
 * od_daemon: the running daemon.  It owns the loop and what its modules
 * share (od_env: the libevent base, the Redis queue, the running
 * configuration set, the metrics), the signals, the reload, the admin
 * server and its status and metrics, and the wiring of its modules:
 *
 *   intake (od_intake.h)      the inbox: accounts stored, events applied
 *   dispatch (od_dispatch.h)  due actions claimed, sent and completed
 *
 * Each module keeps its own state in its own struct, embedded here, and
 * reaches the shared part through a pointer to env.  Neither calls the
 * other or the daemon: at init the daemon gives each callbacks with a
 * void *arg (libevent's and hiredis's way), and they call them to say what
 * happened: intake's on_due (an account it stored is due now: the daemon
 * makes dispatch claim) and on_idle (a read found nothing new), dispatch's
 * on_idle (a claim found nothing, or completions landed).  With --once the
 * daemon stops when both say they are idle (od_intake_idle,
 * od_dispatch_idle).
 */
#ifndef OD_DAEMON_H
#define OD_DAEMON_H

#include <stdint.h>

#include "od_config.h"
#include "od_dispatch.h"
#include "od_env.h"
#include "od_intake.h"
#include "od_metrics.h"
#include "od_sender.h"

struct event;
struct od_admin;
struct od_http;
struct od_notify_watchdog;

struct od_daemon {
	struct od_env		 env;		/* what its modules share (od_env.h) */
	struct od_intake	 intake;	/* the inbox (od_intake.h) */
	struct od_dispatch	 dispatch;	/* due actions, sent (od_dispatch.h) */
	const char		*config_path;
	struct od_config_overrides overrides;
	struct od_http		*http;		/* libcurl multi on the loop */
	struct od_sender	 sender;	/* per-gateway limits and breakers */
	char			*identity_key;	/* debtor ids are hashed with it (od_person.h) */

	struct event		*reclaim_ev;	/* inbox entries pending too long (limits.reclaim_interval) */
	struct event		*beat_ev;	/* the heartbeat (limits.heartbeat_interval) */
	int			 started;	/* Redis was ready once: intake and dispatch run */
	struct event		*ready_ev;	/* waits for Redis at start-up */
	struct event		*sig_ev[4];
	struct event		*drain_ev;	/* SIGTERM: waits for the actions in flight */
	int64_t			 drain_deadline_ms;
	int			 handing_back;
	int			 exit_after_idle;	/* --once: exit once nothing is due (demo, batch runs) */
	struct od_metric	*local_failures;	/* outreachd_gateway_local_failures_total */
	struct od_admin		*admin;
	struct od_admin		*links_admin;	/* links.listen: /p/ alone, or NULL */
	struct od_notify_watchdog *watchdog;
	struct event		*status_ev;	/* every 1 s: heap trim; 5 s: STATUS= for systemd */
	unsigned		 status_tick;
	uint64_t		 sent_ring[12];	/* sends counted at each of the last 12 ticks */
	int			 ring_pos;
};

int	od_daemon_init(struct od_daemon *d, const char *config_path,
	    const struct od_config_overrides *ov, char *err, size_t errlen);
int	od_daemon_run(struct od_daemon *d);
void	od_daemon_free(struct od_daemon *d);

#endif /* OD_DAEMON_H */
