/*
 * od_job: one due action of one account, decided without I/O (see od_job.c).
 */
#ifndef OD_JOB_H
#define OD_JOB_H

#include <stdint.h>
#include <jansson.h>

#include "od_account.h"
#include "od_channel.h"
#include "od_confset.h"
#include "od_state.h"
#include "od_template.h"

enum od_job_next {
	OD_JOB_INVALID = 0,
	OD_JOB_FINISH,		/* complete with the records and next_step/next_due */
	OD_JOB_SEND,		/* send j->r on j->kind through j->gw, then od_job_outcome */
};

/* A uniform 64-bit random value, for the retry jitter (od_job_outcome). */
typedef uint64_t	od_job_rand_fn(void *arg);

struct od_job {
	const struct od_confset	*set;		/* borrowed */
	char			*id;		/* account id */
	json_t			*state;		/* the account's state, owned */
	struct od_account	 acct;
	int			 acct_ok;
	int			 corrupt;	/* the stored state was garbage: j->state replaces it */
	int64_t			 now;
	const struct od_policy	*policy;
	const struct od_step	*st;
	int			 step;		/* index of st */
	int			 ci;		/* the channel of the step being tried */
	int			 tries;		/* retryable failures of this channel so far */
	int			 seq;		/* attempts numbered so far */
	char			 today[16];	/* the debtor's local date (in od_account_plan_zone) */
	char			 tzlabel[80];	/* the records' "timezone": "America/Lima", "US:*" or "" */
	char			 action_id[400];	/* "<account>:<cycle>:<step>" */
	json_t			*records;	/* attempt records to write at completion */
	char			 pid[36];	/* the person id, or "" */
	char			*contacts;	/* the person's contacts as read (begin compares) */
	size_t			 ncontacts;	/* its length */
	json_t			*dropped;	/* attempt ids that reached nobody (completion takes them back) */
	/* completion: */
	int			 next_step;	/* -1: unchanged */
	int64_t			 next_due;	/* -1: nothing scheduled */
	const char		*contact;	/* the kind that reached the debtor, or "" */
	const char		*optout;	/* a kind the provider says the debtor left, or "" */
	/* the retry jitter's source; NULL: random().  Set it before od_job_outcome. */
	od_job_rand_fn		*rand;
	void			*rand_arg;
	/* the send (OD_JOB_SEND): */
	int			 kind;
	const char		*gw_name;
	struct od_gateway	*gw;		/* NULL when the set has no gateways (simulate) */
	struct od_rendered	 r;
	char			 attempt_id[420];	/* "<action_id>#<seq>" */
	char			 coding[8];	/* SMS: "gsm7" or "ucs2" */
	int			 links;		/* j->r carries payment links: the ref is stored at send */
	int			 segments;
	/* the lifecycle (od_job_life.c): */
	struct od_state		 sst;		/* j->state, read (od_state_from_json) */
	char			 life_key[96];	/* the lifecycle step being sent ("name", "name#k"), or "" */
	int			 life_n;	/* the promise/agreement it is for */
	int			 life_status;	/* its status then (enum od_life_status) */
	int			 instalment;	/* the instalment it is about (0-based), or -1 */
	int			 tick;		/* a deadline or a closing step: od_state_tick at completion */
	int			 finished;	/* the step is over (sent, or every channel spent) */
	const struct od_step	*made;		/* a step whose message went: its offers are made */
	const char		*placed;	/* a handoff step done: the placement */
	/* a reply's acknowledgement (od_job_reply.c): */
	int			 ack;		/* its number (st->ack.n), 0: not one */
	char			 ack_name[40];	/* "reply_<what>": its step's and template's name */
	struct od_step		 ack_step;	/* the one-channel step it is sent as */
	int			 wa_session;	/* WhatsApp within 24 h of the reply: free-form */
};

/* Decides a claimed action.  j is cleared first; clear it with od_job_clear. */
/*
 * The person an account belongs to, as claim.lua read it: its id and its
 * recent contacts (od_person.h), across all of its accounts.
 */
struct od_job_person {
	const char	*id;		/* "" or NULL: none (an account stored before persons) */
	const char	*contacts;	/* the <prefix>:person value, or NULL */
	size_t		 len;
};

/* person may be NULL: the caps count the account's own contacts only. */
enum od_job_next od_job_start(struct od_job *j, const struct od_confset *set, const char *id,
	    const char *acct_json, size_t acct_len, const char *state_json, size_t state_len,
	    const struct od_job_person *person, int64_t now);
/* Tries the step's channels from j->ci on. */
enum od_job_next od_job_try(struct od_job *j);
/*
 * Numbers the attempt about to be sent and returns its 'sending' record (a
 * new reference, not yet in j->records; od_job_outcome adds it).
 */
json_t	*od_job_attempt(struct od_job *j);
/* Takes a send's outcome; r is that attempt's record (the job's records hold it). */
enum od_job_next od_job_outcome(struct od_job *j, const struct od_channel_result *res, json_t *r);
/*
 * j->state replaced by raw, the account's state as it is now (a script found
 * it changed since the claim).  -1 when raw cannot be trusted: j is then
 * finished with the account failed (a record added), as od_job_start does
 * with a corrupt state.
 */
int	od_job_restate(struct od_job *j, const char *raw, size_t len);
/*
 * The send j is about to begin, checked again on the account's state as it
 * is now, raw (begin.lua found the state changed since the claim: an event
 * came in), which replaces j->state.  NULL: it may go ahead; else why it is
 * held back: "paid", "hold" or "opt_out", or "state_corrupt" when raw cannot
 * be trusted (od_job_restate).
 */
const char *od_job_recheck(struct od_job *j, const char *raw, size_t len);
/*
 * What the finished job j ends with, for od_state_outcome (borrows from j):
 * completion (od_record.c) and simulate (od_sim.c) hand over the same.
 */
void	od_job_outcome_of(const struct od_job *j, struct od_state_outcome *o);
/* The context od_state_outcome is applied in for j (its account, policy, now). */
void	od_job_ctx(const struct od_job *j, struct od_state_ctx *cx, int64_t now);
/* The message for the channel plugin (borrows from j). */
void	od_job_message(struct od_job *j, struct od_channel_message *msg);
/* A new record appended to j->records (borrowed reference). */
json_t	*od_job_record(struct od_job *j, int kind, const char *status, const char *reason);
const char *od_job_address(const struct od_job *j, int kind);
void	od_job_clear(struct od_job *j);

#endif /* OD_JOB_H */
