/*
 * Intake's private parts, shared by od_intake.c (the inbox: reads, batches,
 * events, acknowledgements) and od_intake_account.c (the accounts: checked,
 * planned on their state, stored with a compare-and-set).
 */
#ifndef OD_INTAKE_INT_H
#define OD_INTAKE_INT_H

#include <stddef.h>
#include <hiredis/hiredis.h>

#include "od_intake.h"
#include "od_person.h"
#include "od_state.h"

/*
 * One step of a batch: a run of accounts stored by one intake script (its
 * arguments args[start, end) after "now"), or one event.  The steps of the
 * inbox are applied one after another, in stream order, across batches:
 * an event applies to the accounts read before it, and the accounts after
 * it see what it did.
 */
struct intake_op {
	size_t			 start, end;	/* accounts: b->accts[start, end) */
	struct intake_event	*ev;		/* or an event */
	int			 tries;		/* stores of the run so far */
};

/* An accepted account, until it is stored. */
struct intake_acct {
	const char		*id;		/* the account's id (the batch owns it) */
	const char		*entry;		/* its inbox entry (the batch owns it) */
	const char		*body;		/* the document to store (the batch owns it) */
	size_t			 len;
	const char		*policy;	/* its policy's name (the batch owns it) */
	char			 pid[OD_PERSON_ID_LEN + 1];	/* its person, or "" */
	/* the plan, and the state it was made on: */
	char			*ver;		/* the state's version, "" for none */
	int			 fly;		/* an action of it was in flight */
	char			*json;		/* the state to store */
	char			 due[24];	/* its next action, ms, or "-1" */
	char			*oldph, *newph;	/* its numbers in the phone index, before and after */
	int			 done;		/* stored, or rejected */
};

/* What one read of the inbox turned into, until the scripts answer. */
struct intake_batch {
	struct od_intake	*in;
	struct intake_batch	*next;		/* the next batch to apply (in->head) */
	struct intake_op	*ops;
	size_t			 nops, op;	/* steps, and the one being applied */
	char			**ack_ids;	/* entry ids to XACK */
	size_t			  nack;
	struct intake_acct	 *accts;	/* the accounts accepted */
	size_t			  naccts;
	size_t			  start;	/* where the run being gathered begins in accts */
	char			**owned;	/* strings the batch keeps */
	size_t			  nowned;
	int			  kick;		/* something is due now */
};

struct intake_event {
	struct intake_batch	*b;
	struct od_intake	*in;
	char			 entry[64];
	char			*body;
	size_t			 bodylen;
	char			*id;
	json_t			*doc;		/* the event (ev's strings point into it) */
	struct od_state_event	 ev;
};

/* A copy of s that lives as long as the batch; NULL when out of memory. */
char	*od_intake_own(struct intake_batch *b, const char *s, size_t len);
void	 od_intake_plan_clear(struct intake_acct *ia);
/* An entry refused: to <prefix>:rejected with the reason, counted, logged. */
void	 od_intake_reject(struct od_intake *in, const char *entry, const char *kind,
	    size_t kindlen, const char *body, size_t bodylen, const char *reason);
/* Applies the batch's next step, or ends it. */
void	 od_intake_step(struct intake_batch *b);

/* od_intake_account.c */
/* An account entry: checked and planned as new, added to the run being gathered; or rejected. */
void	 od_intake_account(struct intake_batch *b, const char *entry, const char *body,
	    size_t len, int64_t now);
/* The accounts gathered since the last step become a step. */
int	 od_intake_close_accounts(struct intake_batch *b);
/* Stores the run's accounts not stored yet in one intake script. */
void	 od_intake_store_accounts(struct intake_batch *b);

#endif /* OD_INTAKE_INT_H */
