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
struct redisReply;

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
	void			(*on_inbox)(void *arg, const struct redisReply *entries);	/* taken over */
	/* od_reclaim.c: the heartbeat, and leases settled without their completion */
	int			 beating;	/* a beat is on its way */
	int			 beat_more;	/* the last scan stopped at its maximum: again */
	int			 settling;	/* leases being settled */
	int			 orphaning;	/* dead consumers' work being read */
	int			 sweep;		/* the next beat looks for leases of ours held by no action */
	int			 swept;		/* the beat on its way does */
	int			 nunstored;	/* actions whose completion waits for Redis */
	char			**unsettled;	/* accounts whose begin Redis never answered */
	size_t			 nunsettled, unsettled_cap;
	long long		 handed_requeued, handed_unknown, handed_failed;	/* at stop */
	uint64_t		 next_due_ms;	/* from the last claim */
	long long		 leases;	/* every daemon's leases, at the last claim */
	long long		 scheduled;	/* actions in the due set, at the last claim */
};

/* dp is cleared; env, sender and http are borrowed, and must outlive it. */
void	od_dispatch_init(struct od_dispatch *dp, struct od_env *env, struct od_sender *sender,
	    struct od_http *http);
/*
 * on_idle may be NULL; on_inbox (NULL: none) is handed the inbox entries a
 * dead consumer read and never acknowledged, now pending for this one
 * (XCLAIM's answer), to take in.
 */
void	od_dispatch_setcb(struct od_dispatch *dp, void (*on_idle)(void *),
	    void (*on_inbox)(void *, const struct redisReply *), void *arg);
void	od_dispatch_kick(struct od_dispatch *dp);	/* claim now if there is room */
/*
 * The heartbeat (every limits.heartbeat_interval): the leases of the
 * actions in flight renewed; dead consumers' work and expired leases
 * settled; outcomes Redis missed stored again.
 */
void	od_dispatch_beat(struct od_dispatch *dp);
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
