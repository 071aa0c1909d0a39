/*
 * od_store: a change to one account's state made in the daemon, not in a
 * script: the state is read (load.lua), the change applied by od_state, and
 * the result written with a compare-and-set on the version read
 * (event.lua); when something else wrote the state meanwhile, the change is
 * applied again to what the write hands back.  Used for the inbox's events
 * (od_intake.c) and a reply's opt-out (od_hooks.c).
 */
#ifndef OD_STORE_H
#define OD_STORE_H

#include <stdint.h>

#include "od_confset.h"
#include "od_queue.h"
#include "od_state.h"

enum od_store_result {
	OD_STORE_OK = 0,	/* applied and written */
	OD_STORE_DUPLICATE,	/* the event's entry was applied already: nothing written */
	OD_STORE_UNKNOWN,	/* no such account (no state) */
	OD_STORE_CORRUPT,	/* the stored state cannot be read: nothing written */
	OD_STORE_ERROR,		/* Redis failed, or the state kept changing: not applied */
	OD_STORE_REJECTED,	/* it cannot apply to this account (err: why): nothing written */
};

/*
 * conflicts: how many times the write found the state changed and the
 * change was applied again; err: the Redis error or what went wrong, for
 * OD_STORE_ERROR, the reason for OD_STORE_REJECTED (else NULL); records:
 * the lifecycle records written with OD_STORE_OK (borrowed; may be empty).
 */
typedef void	od_store_cb(void *arg, enum od_store_result r, int conflicts, const char *err,
		    const json_t *records);

/*
 * 1 when r is a script's {'stale', state, version, in flight} (event.lua,
 * intake.lua): the state changed since it was read; r->element[1..3].
 */
int	od_store_is_stale(const redisReply *r);

/*
 * Applies ev (copied; its document referenced) to account id's state at
 * now, checked against the account and its policy in set (referenced
 * until cb).  What the lifecycle recorded is written with the state
 * (event.lua).  cb is called once, later.  -1 when the request cannot be
 * queued (cb is then not called).
 */
int	od_store_event(struct od_queue *q, struct od_confset *set, const char *id,
	    const struct od_state_event *ev, int64_t now, od_store_cb *cb, void *arg);

/*
 * A debtor's reply for one of the accounts its number reaches (od_hooks.c):
 * read with the intents of the account's locale on the debtor's local date
 * (or, for a WhatsApp button, by its payload: "accept", "accept:<n>",
 * "agent", ...), and applied by od_state_reply.  What people must read
 * goes to the agent stream with the conversation (event.lua).
 */
struct od_store_reply {
	int		 channel;	/* OD_CH_* */
	const char	*text;
	const char	*at;		/* ISO 8601 */
	const char	*provider_id;	/* or NULL */
	const char	*payload;	/* a button's payload, or NULL / "" */
	const char	*entry;		/* an inbox entry (the reply event), or NULL */
	int		 shared;	/* how many accounts have the number */
	int		 ack;		/* 1: this account acknowledges it */
};

int	od_store_reply(struct od_queue *q, struct od_confset *set, const char *id,
	    const struct od_store_reply *r, int64_t now, od_store_cb *cb, void *arg);

#endif /* OD_STORE_H */
