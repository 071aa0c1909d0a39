/*
 * od_dispatch: due actions, claimed in batches under a lease, checked
 * against the account's state and the contact rules at the moment of
 * sending, rendered, sent, and completed in one script that records every
 * attempt and plans the next step; the begins and completions one turn of
 * the loop makes go to Redis in batches.  Leases that expired, or that a
 * stopping daemon hands back, are settled by od_reclaim.c.
 *
 * Dispatch keeps its own state here; what the daemon shares with it (the
 * loop, the queue, the running set, the counters) it reaches through env
 * (od_env.h), and the senders and the libcurl multi layer it is lent at
 * init.  It knows nothing of the daemon: it says it may have become idle
 * through the callback set with od_dispatch_setcb.
 */
#ifndef OD_DISPATCH_H
#define OD_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

struct action;
struct event;
struct od_env;
struct od_http;
struct od_sender;

struct od_dispatch {
	struct od_env		*env;		/* the daemon's, borrowed */
	struct od_sender	*sender;	/* the gateways' limits and breakers, borrowed */
	struct od_http		*http;		/* libcurl multi on the loop, borrowed */
	void			(*on_idle)(void *arg);	/* a claim found nothing; completions landed */
	void			*cbarg;
	struct event		*claim_ev;	/* wakes at the next due time */
	struct action		*actions;	/* in flight, a list */
	struct event		*flush_ev;	/* sends the queued begins and completions */
	struct action		**begin_q, **complete_q;
	size_t			 begin_n, begin_cap, complete_n, complete_cap;
	/* the daemon reads these for its status, metrics and the end-of-run line: */
	int			 inflight;	/* actions claimed and not completed */
	int			 claiming;	/* a claim is on its way */
	int			 reclaiming;	/* a scan of expired leases is on its way */
	uint64_t		 next_due_ms;	/* from the last claim */
	long long		 leases;	/* every daemon's leases, at the last claim */
	long long		 scheduled;	/* actions in the due set, at the last claim */
};

/* dp is cleared; env, sender and http are borrowed, and must outlive it. */
void	od_dispatch_init(struct od_dispatch *dp, struct od_env *env, struct od_sender *sender,
	    struct od_http *http);
/* on_idle may be NULL. */
void	od_dispatch_setcb(struct od_dispatch *dp, void (*on_idle)(void *), void *arg);
void	od_dispatch_kick(struct od_dispatch *dp);	/* claim now if there is room */
void	od_dispatch_reclaim(struct od_dispatch *dp);	/* one sweep of expired leases */
void	od_dispatch_release(struct od_dispatch *dp);	/* hands every lease of ours back */
void	od_dispatch_stop(struct od_dispatch *dp);	/* no more claims on the timer */
/* 1 when nothing is in flight, claimed by any daemon or due within 1 s (--once). */
int	od_dispatch_idle(const struct od_dispatch *dp);
/*
 * Frees its timers and queues, after the queue: the queue's last answers
 * may still arm them.  Actions in flight are left to their leases.  NULL-safe.
 */
void	od_dispatch_free(struct od_dispatch *dp);

#endif /* OD_DISPATCH_H */
