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
	struct od_state_contact	*recent;
	size_t			 nrecent, caprecent;
	int			 replan;	/* an event asked for a re-plan while in flight */
	struct od_state_strs	 phones;	/* the numbers in P:phones (intake) */
	struct od_state_strs	 evs;		/* the inbox entries applied last (events) */
	json_t			*extra;		/* keys not above, as read (owned), or NULL */
};

/* An event, as the inbox's or a reply's opt-out. */
struct od_state_event {
	enum od_event_type	 type;
	int			 channel;	/* opt_out / opt_in: kind, or -1 for all */
	int			 full;		/* payment: settles the debt */
	double			 amount;	/* payment, in major units */
	const char		*until;		/* promise_to_pay: "YYYY-MM-DD" */
	const char		*entry;		/* the inbox entry; NULL: not deduplicated */
};

/* What a finished action ends with (od_job's completion fields). */
struct od_state_outcome {
	int		 next_step;	/* -1: unchanged */
	int64_t		 next_due;	/* -1: nothing scheduled */
	int		 fb, tries, seq;
	const char	*contact;	/* the kind that reached the debtor, or "" / NULL */
	const char	*optout;	/* a kind the provider says the debtor left, or "" / NULL */
	int		 person;	/* the account has a person: contacts are in their list */
};

/*
 * A write that finds the state changed under it is applied again to the
 * state it gets back; after this many in a row it is given up (an account
 * changing that fast is a bug elsewhere), left pending or to its lease.
 */
#define OD_STATE_TRIES		64

void	od_state_init(struct od_state *st);	/* empty; digits 2 */
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
/* The debtor's numbers, for P:phones (the index intake.lua keeps). */
int	od_state_set_phones(struct od_state *st, const char *phone, const char *whatsapp);

/*
 * Applies event ev to st.  *replan: the pending action is to be
 * re-planned now (the amounts or holds changed); when st is no longer
 * active its pending action is to be cancelled.  Returns 0, 1 when ev's
 * entry was applied already (st unchanged), -1 when out of memory.
 */
int	od_state_event(struct od_state *st, const struct od_state_event *ev, int64_t now,
	    int *replan);

/*
 * The finished action's outcome o at now.  *due: when the
 * account's next action is (now when a re-plan was asked for, o->next_due
 * otherwise), -1 when nothing is (not active, or o->next_due -1).
 * Clears st->replan.  -1 when out of memory.
 */
int	od_state_outcome(struct od_state *st, const struct od_state_outcome *o, int64_t now,
	    int64_t *due);

#endif /* OD_STATE_H */
