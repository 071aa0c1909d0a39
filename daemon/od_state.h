/*
 * od_state: an account's state (P:state, see docs/architecture.md) as a
 * struct, its JSON form, and its transitions: an intake, an event, an
 * action's outcome.  The account's state machine is here and nowhere else.
 * Nothing here does I/O or reads the clock: each takes `now` and says what
 * to schedule next.  The daemon (od_intake.c, od_store.c, od_record.c,
 * od_reclaim.c) and `outreachctl simulate` (od_sim.c) change states only
 * through these; the scripts store what they computed, compare-and-set on
 * the version (od_state_commit, lib.lua's od_ver).
 *
 * The JSON is what is stored; states written by earlier versions, whose
 * scripts changed them with cjson, may have an empty list as {} (it is
 * written as []) and no version.
 */
#ifndef OD_STATE_H
#define OD_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "od_account.h"
#include "od_buf.h"
#include "od_policy.h"

enum od_state_status {
	OD_STATE_NONE = 0,	/* absent, or a name not below (kept in extra) */
	OD_STATE_ACTIVE,
	OD_STATE_PAID,
	OD_STATE_CLOSED,
	OD_STATE_CEASED,
	OD_STATE_FAILED,	/* a corrupt state's replacement (od_job.c) */
	OD_STATE_PLACED,	/* handed off to a placement (an agency, legal): outreach stops until recall */
};

#define OD_STATE_OPT_ALL	(1u << OD_CH_MAX)	/* optout: "all" */
#define OD_STATE_RECENT_MS	(8 * 86400000LL)	/* the contacts kept in recent */
#define OD_STATE_EVS		16			/* event entries remembered */

/* A contact the account's state kept before persons counted them (legacy). */
struct od_state_contact {
	int64_t	at;		/* ms */
	int	kind;		/* OD_CH_* */
};

/* A list of strings (phones, evs); set: the key is present. */
struct od_state_strs {
	char	**v;
	size_t	  n;
	int	  set;
};

/*
 * The lifecycle (od_state_life.c): at most one promise or agreement is in
 * force; a new one supersedes it.  Its number n makes the agreement's id,
 * "<account>:A<n>", unique in the account for good (st->nagr counts them).
 */
enum od_life_kind { OD_LIFE_NONE = 0, OD_LIFE_PROMISE, OD_LIFE_PLAN, OD_LIFE_SETTLEMENT,
	OD_LIFE_EXTENSION };
enum od_life_status {
	OD_LIFE_OPEN = 0,	/* in force: escalation waits */
	OD_LIFE_BROKEN,		/* broken; its "broken" step is still to go, then escalation resumes */
	OD_LIFE_COMPLETED,	/* paid; its "completed" step is still to go, then the account is paid */
};

struct od_state_instalment {
	char		date[16];	/* YYYY-MM-DD, the debtor's local date */
	int64_t		amount;		/* minor units */
};

struct od_state_life {
	enum od_life_kind	 kind;
	enum od_life_status	 status;
	int			 n;
	int64_t			 base;		/* paid_minor when it was made: payments since count */
	int64_t			 amount;	/* a promise's amount, an agreement's total */
	int64_t			 need;		/* a promise: paid since base that keeps it */
	char			 date[16];	/* a promise's date */
	int			 grace;		/* days after a date before it is broken */
	int64_t			 at, end;	/* made; broken or completed (ms) */
	char			 offer[40];	/* the offer accepted, or "" */
	struct od_state_instalment *sched;	/* an agreement's schedule */
	size_t			 nsched;
	struct od_state_strs	 done;		/* its steps done: "name", or "name#k" per instalment */
};

/*
 * The acknowledgement a debtor's reply is due (od_state_reply), sent by
 * od_job on the channel the reply came on, with the policy's
 * replies.templates.<what>; what "" when none is.
 */
struct od_state_ack {
	char	 what[16];	/* "accepted", "promise", "agent", "paid_claim", "unapplied" */
	int	 channel;	/* OD_CH_* */
	int64_t	 at;		/* when the reply was applied (ms): WhatsApp's 24-hour window */
	int	 n;		/* its number: the action id's "R<n>" */
};

struct od_state {
	int64_t			 version;	/* "v": bumped by each write (od_state_commit); 0: none */
	char			*policy;	/* owned; NULL: absent */
	char			 cycle[32];	/* the due date the plan runs for; "": absent */
	int			 next;		/* the step index next due */
	int			 fb;		/* the fallback channel of that step */
	int			 tries;		/* its retryable failures */
	int			 seq;		/* attempts numbered */
	int			 digits;	/* the currency's minor digits */
	int64_t			 amount_minor, paid_minor;
	enum od_state_status	 status;
	unsigned		 optout;	/* bit per OD_CH_* kind, OD_STATE_OPT_ALL */
	int			 dispute;	/* hold.dispute */
	char			 promise_until[16];	/* hold.promise_until, or "" */
	int64_t			 hold_until;	/* hold.until: outreach waits until then (ms); 0: none */
	char			 hold_why[16];	/* hold.why: "agent", "payment_claimed" */
	struct od_state_contact	*recent;
	size_t			 nrecent, caprecent;
	int			 replan;	/* an event asked for a re-plan while in flight */
	struct od_state_strs	 phones;	/* the numbers in P:phones (intake) */
	struct od_state_strs	 evs;		/* the inbox entries applied last (events) */
	struct od_state_life	 life;		/* the promise or agreement in force */
	int			 nagr;		/* agreements (promises included) numbered so far */
	int			 broken;	/* promises and plans broken this cycle */
	char			 placement[64];	/* status placed: where */
	int64_t			 done_at;	/* when the step before next was done (ms); 0: unknown */
	char			 cur[96];	/* the lifecycle step fb and tries are for; "": the next step */
	struct od_state_strs	 offers;	/* offers made: "<id> <valid through YYYY-MM-DD> <attempt id>" */
	struct od_state_ack	 ack;		/* a reply's acknowledgement still to send */
	int			 nack;		/* acknowledgements numbered so far */
	json_t			*extra;		/* keys not above, as read (owned), or NULL */
};

/*
 * An event, as the inbox's or a reply's opt-out.  The lifecycle's fields
 * (a promise's date, amount and evidence, the offer accepted) are read from
 * doc, the event as od_event_parse checked it.
 */
struct od_state_event {
	enum od_event_type	 type;
	int			 channel;	/* opt_out / opt_in: kind, or -1 for all */
	int			 full;		/* payment: settles the debt */
	const char		*amount;	/* payment, promise: decimal string, or NULL */
	const char		*until;		/* promise_to_pay: "YYYY-MM-DD" */
	const char		*offer;		/* an acceptance: the offer's id */
	int			 accept;	/* an acceptance: OD_OFFER_* of its name */
	int			 option;	/* an acceptance: instalments chosen, 0: the default */
	const char		*entry;		/* the inbox entry; NULL: not deduplicated */
	const json_t		*doc;		/* the event document, or NULL (a reply's opt-out) */
};

/*
 * What a transition knows besides the state, and what it hands back: the
 * lifecycle's records (the attempt ledger: promise_made, plan_broken, ...)
 * and its documents (<prefix>:agr:<id>, agreements and their outcomes), and
 * why an event was refused.  od_state_ctx_init fills in today.
 */
struct od_state_ctx {
	const char		*id;		/* the account id */
	const struct od_account	*acct;		/* NULL: not read (a reply's opt-out) */
	const struct od_policy	*policy;	/* the state's policy, or NULL */
	int64_t			 now;
	char			 today[16];	/* the debtor's local date at now ("" when unknown) */
	char			 zone[64];	/* the zone that date is in, or "" */
	json_t			*records;	/* appended to, when not NULL */
	json_t			*docs;		/* appended to, when not NULL */
	char			 reason[256];	/* od_state_event's OD_STATE_REJECTED */
};

#define OD_STATE_REJECTED	2	/* od_state_event: the event is refused (cx->reason); st unchanged */

/* What a finished action ends with (od_job's completion fields). */
struct od_state_outcome {
	int		 next_step;	/* -1: unchanged */
	int64_t		 next_due;	/* -1: nothing scheduled */
	int		 fb, tries, seq;
	const char	*contact;	/* the kind that reached the debtor, or "" / NULL */
	const char	*optout;	/* a kind the provider says the debtor left, or "" / NULL */
	int		 person;	/* the account has a person: contacts are in their list */
	/* the lifecycle (od_state_life.c): */
	int		 tick;		/* the action was a deadline: apply od_state_tick */
	const char	*life_done;	/* a lifecycle step done ("name" / "name#k"), or NULL */
	const char	*cur;		/* the lifecycle step fb/tries are for, or NULL */
	const struct od_step *made;	/* a step whose message went: its offers are made */
	const char	*attempt;	/* that message's attempt id */
	const char	*today;		/* the debtor's local date then */
	const char	*placed;	/* a handoff step done: the placement */
	int		 ack_done;	/* the acknowledgement n was sent (or given up): clear it */
};

/*
 * A write that finds the state changed under it is applied again to the
 * state it gets back; after this many in a row it is given up (an account
 * changing that fast is a bug elsewhere), left pending or to its lease.
 */
#define OD_STATE_TRIES		64

void	od_state_init(struct od_state *st);	/* empty; digits 2 */
/* cx for account id (a and p may be NULL) at now: today in the debtor's zone. */
void	od_state_ctx_init(struct od_state_ctx *cx, const char *id, const struct od_account *a,
	    const struct od_policy *p, int64_t now);
void	od_state_clear(struct od_state *st);	/* NULL-safe; leaves it init'd */
const char *od_state_status_name(enum od_state_status s);	/* "active", ...; NULL for NONE */

/*
 * The check od_job makes of a stored state before it reads it: every field
 * it reads of the right type and in range.  NULL when fine, else the field
 * that is not (a fixed string).
 */
const char *od_state_check(const json_t *v);

/*
 * Reads a stored state into st (init'd here; clear it even on failure).
 * Stricter than od_state_check: -1, with *field set, when the JSON is not
 * one od_state_to_json would write back the same (an unknown opt-out key,
 * a contact of an unknown kind, ...); the scripts' own merge then applies.
 * Unknown top-level keys are kept in st->extra and written back.
 */
int	od_state_from_json(struct od_state *st, const json_t *v, const char **field);
/* Appends st's JSON to b; -1 when out of memory. */
int	od_state_write(const struct od_state *st, struct od_buf *b);
/* st's JSON, malloc'd; NULL when out of memory. */
char	*od_state_to_json(const struct od_state *st);
/*
 * st's JSON as the next version of the state it was read as (version + 1):
 * what a compare-and-set write stores (see lib.lua's od_ver).  The version
 * is written first, {"v":N,...}, so that a script finds it without decoding
 * the state.  NULL when out of memory.
 */
char	*od_state_commit(struct od_state *st);

/*
 * Intake of one account a under policy p at now.  known: st is the
 * stored state (else it is init'd and a new one is made).  A known account
 * gets p, a's amount and digits, and on a new due date a new cycle (step 0,
 * no holds, nothing paid, active unless ceased).  *due: when to plan it
 * (a new account: its first step's time, at the earliest now; a known one:
 * now), -1 when it is not active.  An account in flight is not planned:
 * the caller sets st->replan instead.  -1 when out of memory.
 */
int	od_state_intake(struct od_state *st, int known, const struct od_account *a,
	    const struct od_policy *p, int64_t now, int64_t *due);
/* 1 when s is one of l's strings. */
int	od_state_strs_has(const struct od_state_strs *l, const char *s);
/* The debtor's numbers, for P:phones (the index intake.lua keeps). */
int	od_state_set_phones(struct od_state *st, const char *phone, const char *whatsapp);

/*
 * Applies event ev to st at cx->now.  *replan: the pending action is to be
 * re-planned now (the amounts or holds changed); when st is no longer
 * active its pending action is to be cancelled.  Returns 0, 1 when ev's
 * entry was applied already (st unchanged), OD_STATE_REJECTED when the
 * event cannot apply to this account (a promise in the past, an offer never
 * made; cx->reason says why; st unchanged), -1 when out of memory.
 */
int	od_state_event(struct od_state *st, const struct od_state_event *ev,
	    struct od_state_ctx *cx, int *replan);

/*
 * The lifecycle's deadline: when the promise or agreement in force is
 * broken if it is not paid by then (the local midnight after its date plus
 * grace), -1 when none.  od_state_tick at or after it breaks it.
 */
int64_t	od_state_deadline(const struct od_state *st, const struct od_state_ctx *cx);
/* Applies the deadline when it has passed: 1 when something changed, 0, -1 out of memory. */
int	od_state_tick(struct od_state *st, struct od_state_ctx *cx);
/*
 * 1 when r is one of the lifecycle's records (promise_made, plan_broken,
 * handoff, ...: od_state_life.c makes them), which name no step, unlike an
 * action's attempt records.
 */
int	od_state_is_life_record(const json_t *r);
/* The agreement id of life number n: "<id>:A<n>" into buf. */
const char *od_state_agreement_id(const char *id, int n, char *buf, size_t len);
/* The steps of a life of kind k in policy p (promises.steps or plan_steps); NULL, 0: none. */
const struct od_step *od_state_life_steps(const struct od_policy *p, enum od_life_kind k,
	    size_t *n);
/* Paid toward the life in force (since its base). */
int64_t	od_state_life_paid(const struct od_state *st);
/* How many of the schedule's instalments are covered by what was paid. */
size_t	od_state_life_covered(const struct od_state *st);

/*
 * A debtor's reply to apply to one account: what od_intent read it as,
 * and where it came from.
 */
struct od_intent_match;
struct od_state_reply {
	int				 channel;	/* OD_CH_* it came on */
	const char			*text;
	const char			*at;		/* ISO 8601, when received, or NULL */
	const char			*provider_id;	/* the provider's message id, or NULL */
	const char			*entry;		/* an inbox entry's id (applied once), or NULL */
	int				 shared;	/* how many accounts have the number (1: this one) */
	int				 ack;		/* 1: this account acknowledges it */
	const struct od_intent_match	*intent;
};

/*
 * Applies reply r at cx->now (od_state_reply.c, docs/replies.md): the event
 * it stands for, with source "reply" and the reply as evidence, or, when
 * it cannot apply or was not understood, agent_requested, with the reason
 * in agent (else agent is "").  A "reply" record in cx->records either
 * way; st->ack set when the debtor is due an acknowledgement.  0, 1 when
 * the provider's message was applied already (st unchanged), -1 out of
 * memory.
 */
int	od_state_reply(struct od_state *st, const struct od_state_reply *r,
	    struct od_state_ctx *cx, int *replan, char *agent, size_t agentlen);
/*
 * A lifecycle record of st at cx->now (status, detail taken), about
 * agreement n (0: none), appended to cx->records; borrowed, or NULL.
 */
json_t	*od_state_record(struct od_state_ctx *cx, const struct od_state *st, int n,
	    const char *status, json_t *detail);

/*
 * The finished action's outcome o at cx->now (the lifecycle's records in
 * cx: a deadline's breakage, a handoff).  *due: when the
 * account's next action is (now when a re-plan was asked for, o->next_due
 * otherwise), -1 when nothing is (not active, or o->next_due -1).
 * Clears st->replan.  -1 when out of memory.
 */
int	od_state_outcome(struct od_state *st, const struct od_state_outcome *o,
	    struct od_state_ctx *cx, int64_t *due);

#endif /* OD_STATE_H */
