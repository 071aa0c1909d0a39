/*
 * od_sim: `outreachctl simulate`, the daemon's decisions on a virtual clock.
 *
 * Accounts are taken in, events applied at their instant and actions
 * completed by od_state's transitions (od_state.h: intake, event, outcome),
 * and every due action is decided by the daemon's own od_job (planner,
 * holds, contact rules, consent, opt-outs, fallbacks, rendering).  A send is
 * taken as accepted by the gateway.  The
 * clock jumps from one due instant to the next (a min-heap of due times):
 * nothing steps minute by minute.
 *
 * Each account's state lives in memory in a compact form (a few dozen bytes
 * plus its document and its contacts of the last 8 days); what is sent is
 * handed to a callback as it happens and not kept.  od_sim_report.c turns
 * the entries and the summary into a table, CSV or JSON.
 */
#ifndef OD_SIM_H
#define OD_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "od_confset.h"
#include "od_tz.h"

struct od_sim;

struct od_sim_options {
	int64_t		 from_ms;	/* start of the run (UTC ms), when accounts are taken in */
	int		 days;		/* the horizon: from + days * 24 h */
	const char	*policy;	/* every account gets this policy; NULL: as intake picks */
	size_t		 limit_accounts;	/* take at most this many accounts; 0: all */
};

/* One attempt record of a simulated action, borrowed for the callback's call. */
struct od_sim_entry {
	int64_t		 at_ms;		/* UTC */
	const char	*account_id;
	const char	*timezone;	/* the debtor's zone, or NULL when unknown */
	int		 has_local;	/* local is set */
	struct od_local	 local;		/* at_ms in the debtor's zone */
	const char	*policy;
	const char	*step;		/* "" when the action never reached a step */
	const char	*stage;		/* "" likewise */
	int		 step_index;
	int		 channel;	/* OD_CH_*, or -1 */
	const char	*status;	/* "sent", "suppressed", "superseded", "failed", a lifecycle
					   record's ("promise_made", "plan_broken", ...) or "rejected"
					   (an event refused, reason why) */
	const char	*reason;	/* "window", "opt_out", ...; NULL when sent */
	const char	*detail;	/* the rules' explanation, or NULL */
	const char	*subject;	/* email, or NULL */
	const char	*text;		/* the rendered text (WhatsApp: its preview), or NULL */
	const char	*wa_template;	/* WhatsApp: the approved template's name, or NULL */
	const char	*sms_coding;	/* "gsm7" / "ucs2", or NULL */
	int		 sms_segments;
};

typedef void	(*od_sim_entry_fn)(const struct od_sim_entry *e, void *arg);
/* Progress: done of total, in virtual milliseconds of the run. */
typedef void	(*od_sim_progress_fn)(int64_t done, int64_t total, void *arg);

/* A count under a name: a suppression or failure reason. */
struct od_sim_count {
	char		*name;
	uint64_t	 n;
};

/* What an account looked like at the end of the run. */
enum od_sim_end {
	OD_SIM_END_ACTIVE = 0,	/* something still planned (beyond the horizon, or waiting) */
	OD_SIM_END_FINISHED,	/* every step of its policy done */
	OD_SIM_END_PAID,
	OD_SIM_END_CLOSED,
	OD_SIM_END_CEASED,
	OD_SIM_END_STOPPED,	/* active, nothing planned: a dispute, unknown zone, rules never allow */
	OD_SIM_END_PLACED,	/* handed off to a placement */
	OD_SIM_END_MAX
};

const char *od_sim_end_name(enum od_sim_end e);	/* "active", "finished", "paid", ... */

struct od_sim_summary {
	int64_t		 from_ms;
	int		 days;
	uint64_t	 (*sends)[3];	/* [day][OD_CH_*]: sends on UTC day from + i */
	uint64_t	 sent;
	uint64_t	 suppressed;
	uint64_t	 superseded;	/* steps passed over: a later one was due too */
	uint64_t	 failed;
	struct od_sim_count *lifecycle;	/* promise_made, agreement, plan_broken, ... by status */
	size_t		 nlifecycle;
	struct od_sim_count *suppressions;	/* by reason, in order of first appearance */
	size_t		 nsuppressions;
	struct od_sim_count *failures;	/* by reason (at most 64 distinct, then "other") */
	size_t		 nfailures;
	uint64_t	 stage_reached[5];	/* [enum od_stage]: accounts sent a message at it */
	uint64_t	 end[OD_SIM_END_MAX];	/* accounts by how they ended */
	uint64_t	 accounts;		/* taken in */
	uint64_t	 accounts_rejected;
	uint64_t	 events;		/* applied */
	uint64_t	 events_rejected;
	uint64_t	 events_outside;	/* at or after the horizon: not applied */
	uint64_t	 actions;		/* od_job runs */
};

/*
 * A new simulation over a loaded set (loaded with flags 0: no gateways).
 * Returns NULL with the reason in err (an unknown --policy, days out of
 * range).  The set must outlive it.
 */
struct od_sim	*od_sim_new(const struct od_confset *set, const struct od_sim_options *o,
		    char *err, size_t errlen);
void		 od_sim_free(struct od_sim *s);

/*
 * Takes in one account document as intake does: 0, 1 when skipped by
 * limit_accounts, or -1 with the daemon's rejection reason in reason
 * ("debtor.phone: not E.164", "policy: no policy named 'x' is loaded").
 * A second document with the same account_id updates the account as
 * intake does.
 */
int		 od_sim_add_account(struct od_sim *s, const char *json, size_t len,
		    char *reason, size_t rlen);
/*
 * Takes one event document with its "at" (ISO 8601): 0, or -1 with the
 * reason ("at: required to simulate an event", "account_id: no such account
 * (enqueue the account first)").  Events may come in any order: they are
 * applied in the order of "at" (then of arrival); one before the start is
 * applied at the start.
 */
int		 od_sim_add_event(struct od_sim *s, const char *json, size_t len,
		    char *reason, size_t rlen);

/*
 * Runs the whole horizon.  fn gets every attempt record as it happens, in
 * time order (ties: accounts in the order taken in); progress (may be NULL)
 * is called now and then.  Sets the virtual clock (od_clock_set_now_ms) and
 * leaves it at the horizon.  0, or -1 when out of memory.
 */
int		 od_sim_run(struct od_sim *s, od_sim_entry_fn fn, void *arg,
		    od_sim_progress_fn progress, void *parg);

const struct od_sim_summary *od_sim_summary(const struct od_sim *s);

/* ---- reports (od_sim_report.c) ------------------------------------------- */

enum od_sim_format {
	OD_SIM_TABLE = 0,
	OD_SIM_CSV,
	OD_SIM_JSON,
};

/* Writes entries as they come; widths of the table from the ids and steps known beforehand. */
struct od_sim_writer {
	FILE		*out;
	enum od_sim_format fmt;
	int		 id_width;	/* table: the account column */
	int		 step_width;	/* table: the step column */
	int		 started;	/* the header is out */
};

/* Sets w up; the widths come from the accounts taken in and the policies loaded. */
void	od_sim_writer_init(struct od_sim_writer *w, FILE *out, enum od_sim_format fmt,
	    const struct od_sim *s);
/* An od_sim_entry_fn: arg is the writer. */
void	od_sim_write_entry(const struct od_sim_entry *e, void *arg);
/* The summary; after the timeline, if any (CSV: after an empty line). */
void	od_sim_write_summary(struct od_sim_writer *w, const struct od_sim_summary *sum);

/* Widths known in advance, for the writer. */
int	od_sim_max_id_len(const struct od_sim *s);
int	od_sim_max_step_len(const struct od_sim *s);

#endif /* OD_SIM_H */
