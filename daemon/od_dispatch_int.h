/*
 * od_dispatch_int.h: what the files of dispatch share: od_dispatch.c (the
 * claim, the batches of begins and completions), od_action.c (one action's
 * path from its claim to its completion) and od_reclaim.c (expired and
 * handed-back leases).  Not for other modules: od_dispatch.h is the
 * interface.
 */
#ifndef OD_DISPATCH_INT_H
#define OD_DISPATCH_INT_H

#include <stddef.h>
#include <jansson.h>

#include "od_confset.h"
#include "od_dispatch.h"
#include "od_http.h"
#include "od_job.h"
#include "od_queue.h"
#include "od_sender.h"

/*
 * One claimed action, from its claim (od_dispatch.c) to its completion:
 * its job, and what the scripts that begin and complete it are given.
 */
struct action {
	struct od_dispatch	*dp;
	struct od_job		 job;
	json_t			*rec;		/* the record of the attempt under way */
	struct od_channel_result res;		/* its outcome, while a simulated latency runs */
	struct event		*delay_ev;
	struct od_confset	*set;		/* the set it started under (a reference) */
	struct action		*prev, *next;	/* dispatch's list of actions in flight */
	struct od_sender_gw	*sgw;		/* the gateway's limits, once admitted */
	struct od_request	 req;		/* the request, while the transport has it */
	int			 latency;	/* the timer runs a simulated gateway latency */
	char			*rec_json;	/* the 'sending' record, while begin is queued */
	char			**pre;		/* the records made before it (begin writes them) */
	size_t			 npre;
	char			*ver;		/* the state's version the job works on (lib.lua's od_ver) */
	char			*hist;		/* its P:hist:<id> key (begin and complete write it) */
	char			*new_state;	/* the state complete.lua writes (od_record_state) */
	int			 stale;		/* times a script found the state changed under it */
	char			**recs;		/* the records, while completion is queued */
	char			*drop;		/* the attempts that reached nobody, space-separated */
	char			*contacts;	/* the person's contacts after this send (begin writes) */
	size_t			 nrecs;
	char			 num[2][24];	/* completion's due time and record count, as text */
	/* what the outcome adds (od_record_state): the lifecycle's records and documents */
	json_t			*xrecs, *xdocs;
	char			**xjson;	/* their JSON, records first */
	size_t			 nxjson;
	char			*agr;		/* its <prefix>:agr:<id> key */
	const char		*hand[10];	/* a handoff's stream fields, or none */
	size_t			 nhand;
	char			 handbuf[1024];
	char			 num2[3][24];	/* counts of records, documents, handoff fields */
	int			 unstored;	/* its completion waits for Redis (od_reclaim_unstored) */
};

/* od_action.c */
/* Where an action goes after its job decided next: admitted to a gateway, or completed. */
void	od_action_next(struct action *a, enum od_job_next next);
/* Frees a, off the list of actions in flight (the caller counts it out of dp->inflight). */
void	od_action_free(struct action *a);
/*
 * begin.lua's answer for a: "ok" (send), "busy", "cancel <why>"; anything
 * else is a lease lost, NULL no answer (Redis unavailable).
 */
void	od_action_begin_answer(struct action *a, const char *s);
/* begin.lua's {'stale', state, version}: checked again on that state, begun again or cancelled. */
void	od_action_begin_stale(struct action *a, const redisReply *e);
/* complete.lua's {'stale', state, version}: the outcome applied again to it, completed again. */
void	od_action_complete_stale(struct action *a, const redisReply *e);

/* od_dispatch.c: a's begin, or its completion, queued for this turn's batch. */
void	od_dispatch_queue_begin(struct action *a);
void	od_dispatch_queue_complete(struct action *a);
/* What is queued goes to Redis now, not at the end of this turn of the loop. */
void	od_dispatch_flush(struct od_dispatch *dp);

/* od_reclaim.c: why a lease is settled without its action's completion. */
enum od_reclaim_why {
	OD_RECLAIM_EXPIRED,	/* nobody renewed it for limits.lease */
	OD_RECLAIM_DEAD,	/* its consumer's heartbeat lapsed (owner names it) */
	OD_RECLAIM_OURS,	/* ours, handed back by a stopping daemon */
	OD_RECLAIM_UNANSWERED,	/* ours, whose begin Redis never answered */
	OD_RECLAIM_FORGOTTEN,	/* ours by name, held by no action here (beat.lua's sweep) */
};
/* Settles account id's lease (lease.lua, reclaim.lua) if it is still as how expects. */
void	od_reclaim_one(struct od_dispatch *dp, const char *id, enum od_reclaim_why how,
	    const char *owner);
/*
 * a's completion found Redis unreachable: a stays in flight, its outcome
 * kept, and is completed again once Redis is back (at the next beat).
 */
void	od_reclaim_unstored(struct action *a);
/* Account id's begin got no answer: its lease is settled as ours once Redis is back. */
void	od_reclaim_unanswered(struct od_dispatch *dp, const char *id);

#endif /* OD_DISPATCH_INT_H */
