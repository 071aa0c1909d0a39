/*
 * od_policy: escalation policies (policy/<name>.yaml), written by operations
 * teams.  A policy says which accounts it takes (segment rules) and the
 * ordered steps it sends them: when (an offset from the due date), at which
 * stage, over which channels (in order of preference; the next one is the
 * fallback) and with which template.
 *
 * See docs/policies.md for the format; every error is collected as
 * "file:line:col: message" and the whole set is refused.
 */
#ifndef OD_POLICY_H
#define OD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "od_account.h"
#include "od_error.h"

enum od_stage {
	OD_STAGE_INVALID = 0,
	OD_STAGE_REMINDER,	/* courteous, before the due date */
	OD_STAGE_NOTICE,	/* firm, after it */
	OD_STAGE_OFFER,		/* negotiation: instalments, discount, payment link */
	OD_STAGE_FINAL,		/* the last formal notice before handoff */
};

const char	*od_stage_name(enum od_stage s);
enum od_stage	 od_stage_parse(const char *s);

/*
 * What a step's time counts from.  Escalation steps (steps:) count from the
 * due date; the lifecycle's steps (promises.steps, plan_steps) from the
 * promise or agreement they belong to (docs/policies.md, "Promises, plans
 * and handoff").  MADE, BROKEN, ACCEPTED and COMPLETED steps go when that
 * happens (offset_ms 0, day_offset 0), subject to the contact rules like
 * every message; PROMISE and INSTALMENT steps are whole days from that
 * date (day_offset 1) and go at send_at.
 */
enum od_anchor {
	OD_AT_DUE = 0,		/* "-3d", "+1d12h": from the due date */
	OD_AT_MADE,		/* promises.steps "made": the promise was accepted */
	OD_AT_PROMISE,		/* promises.steps "promise-1d": from the promise's date */
	OD_AT_BROKEN,		/* promises.steps / plan_steps "broken" */
	OD_AT_ACCEPTED,		/* plan_steps "accepted": an agreement was made (its confirmation) */
	OD_AT_INSTALMENT,	/* plan_steps "instalment-2d": from each instalment's date */
	OD_AT_COMPLETED,	/* plan_steps "completed": the last instalment was paid */
};

struct od_step {
	char		*name;
	enum od_anchor	 anchor;	/* OD_AT_DUE for steps: */
	int		 handoff;	/* "kind: handoff": the account is placed when the step is done */
	char		*to;		/* handoff: the placement's name (configuration's placements:) */
	int		 to_line, to_col;	/* where to: stands, for the configuration's check */
	int64_t		 wait_ms;	/* handoff: at least this long after the step before it was done */
	char		**offers;	/* the named offers this step's message makes (ids), or NULL */
	size_t		 noffers;
	int64_t		 offset_ms;	/* from the due date's local midnight + send_at: "-3d" */
	int		 day_offset;	/* 1 when the offset is whole days: the step goes at send_at */
	enum od_stage	 stage;
	int		 channels[OD_CH_MAX];	/* kinds, in order of preference */
	size_t		 nchannels;
	char		*template;	/* template name, looked up per locale; NULL: a handoff without notice */
	int		 line, col;	/* where the step stands */
};

enum od_cmp_op { OD_OP_EQ = 1, OD_OP_NE, OD_OP_LT, OD_OP_LE, OD_OP_GT, OD_OP_GE, OD_OP_IN };

/* One comparison on an account attribute: "risk_score >= 600". */
struct od_attr_cond {
	char		*attr;
	enum od_cmp_op	 op;
	int		 is_number;	/* compare as numbers; else as strings */
	double		 num;
	char		*str;
	char		**list;		/* OD_OP_IN */
	size_t		 nlist;
};

struct od_segment {
	int		 has_amount_min, has_amount_max;
	char		*amount_min, *amount_max;	/* decimal strings, inclusive */
	int		 has_dpd_min, has_dpd_max;
	int		 dpd_min, dpd_max;		/* days past due, inclusive; negative before due */
	char		**products;	size_t nproducts;
	char		**countries;	size_t ncountries;
	char		**currencies;	size_t ncurrencies;
	struct od_attr_cond *attrs;	size_t nattrs;
};

struct od_offer {
	int		 installments;		/* 0: no instalment plan */
	int		 discount_percent;	/* 0: no prompt-payment discount */
	int		 valid_days;		/* the discount's deadline, from the send day */
	char		*payment_url;		/* may hold {{account_id}}; may be NULL */
};

enum od_offer_kind { OD_OFFER_NONE = 0, OD_OFFER_PLAN, OD_OFFER_SETTLEMENT, OD_OFFER_EXTENSION };
enum od_freq { OD_FREQ_NONE = 0, OD_FREQ_WEEKLY, OD_FREQ_BIWEEKLY, OD_FREQ_MONTHLY };

/*
 * A named offer (policy's offers:), made by the steps that list it and
 * accepted by a plan_accepted / settlement_accepted event naming its id.
 */
struct od_named_offer {
	char		*id;
	enum od_offer_kind kind;
	int		 valid_days;	/* it stands this many days from the message that made it (7) */
	char		*terms;		/* the operator's words on interest and conditions, or NULL */
	/* plan: */
	int		 min_n, max_n;	/* instalments allowed ("installments: 3" or {min, max}) */
	int		 default_n;	/* the count when the acceptance names none (max_n) */
	enum od_freq	 freq;		/* OD_FREQ_MONTHLY by default */
	int		 first_days;	/* the first instalment this many days after acceptance (7) */
	char		*min_installment;	/* decimal string, or NULL: none */
	/* settlement: */
	int		 discount_percent;	/* 1..99 */
	int		 pay_days;	/* pay in full within this many days of acceptance (7) */
	/* extension: */
	int		 extend_days;	/* the new due date: this many days after acceptance */
	int		 grace_days;	/* a missed instalment is broken after this (-1: promises.grace_days) */
	int		 line, col;
};

/* The policy's promises: block; defaults when the block is absent. */
struct od_promise_policy {
	int		 grace_days;		/* 2 */
	int		 kept_percent;		/* kept_threshold_percent, 1..100; 100 */
	int		 max_broken;		/* 2; 0: no limit */
	int		 max_days;		/* a promise's date at most this many days ahead (30) */
	char		*after_max_broken;	/* a step of steps: to go on at, or NULL */
	int		 after_index;		/* its index, -1 */
	struct od_step	*steps;			/* anchors MADE, PROMISE, BROKEN */
	size_t		 nsteps;
};

struct od_policy {
	char		*name;
	char		*description;
	char		*file;
	int		 line, col;
	int		 priority;		/* higher wins when several match; then name order */
	char		*jurisdiction;		/* "PE", or NULL: the account's country */
	int		 send_at_min;		/* minutes after local midnight for whole-day offsets; default 09:00 */
	int64_t		 spread_ms;		/* 0, or deferred sends spread over [0, spread) per account */
	int		 transliterate;		/* SMS: fold to GSM-7 where possible */
	struct od_segment segment;
	struct od_offer	 offer;
	struct od_step	*steps;
	size_t		 nsteps;
	struct od_promise_policy promises;
	struct od_named_offer *offers;		/* offers: */
	size_t		 noffers;
	struct od_step	*plan_steps;		/* anchors ACCEPTED, INSTALMENT, BROKEN, COMPLETED */
	size_t		 nplan_steps;
	/* replies: what the debtor's answers hold outreach for */
	int64_t		 agent_pause_ms;	/* replies.agent_pause: a person was asked for (3d) */
	int64_t		 paid_claim_ms;		/* replies.paid_claim_hold: "I paid", unverified (5d) */
	int64_t		 ack_within_ms;		/* replies.acknowledge_within: an answer's
						   acknowledgement is dropped after (2d); 0: never sent */
};

struct od_policy_set {
	struct od_policy *v;		/* sorted by priority (desc), then name */
	size_t		  n;
};

/*
 * Zeroes p and sets the defaults a file leaves unsaid: send_at 09:00 and
 * the promises: block's (grace 2 days, kept at 100%, 2 broken promises,
 * 30 days ahead, no after_max_broken: after_index -1).  The loader starts
 * every policy with it; so should code that builds one by hand.
 */
void	od_policy_init(struct od_policy *p);

/* Loads every *.yaml in dir (in name order).  Returns 0, or -1 with errors in errs. */
int	od_policy_load_dir(const char *dir, struct od_policy_set *set, struct od_errors *errs);
/* Loads one file into set (appends).  For tests and `validate FILE`. */
int	od_policy_load_file(const char *path, struct od_policy_set *set, struct od_errors *errs);
/* Same, from the len bytes of buf (not NUL-terminated); errors call it name. */
int	od_policy_load_string(const char *name, const char *buf, size_t len,
	    struct od_policy_set *set, struct od_errors *errs);
void	od_policy_set_free(struct od_policy_set *set);

const struct od_policy *od_policy_find(const struct od_policy_set *set, const char *name);
/* The first policy whose segment takes the account at now (UTC ms), or NULL. */
const struct od_policy *od_policy_select(const struct od_policy_set *set,
	    const struct od_account *a, int64_t now_ms);
int	od_policy_matches(const struct od_policy *p, const struct od_account *a, int64_t now_ms);
int	od_policy_step_index(const struct od_policy *p, const char *step);	/* index or -1 */
const struct od_named_offer *od_policy_offer(const struct od_policy *p, const char *id);	/* or NULL */

#endif /* OD_POLICY_H */
