/*
 * od_job_life: the steps of a promise or an agreement in force (the
 * policy's promises.steps and plan_steps, docs/policies.md): which is due,
 * and when the next is.  While one is open the escalation's steps wait;
 * its deadline (od_state_deadline) passing is applied at completion
 * (od_state_tick), and the account planned again at once.
 */
#include "od_job_int.h"

#include <stdio.h>
#include <string.h>

#include "od_state.h"
#include "od_time.h"

/* One occurrence of a lifecycle step: the step, its instalment, when. */
struct life_due {
	const struct od_step	*s;
	int			 k;		/* instalment, 0-based, or -1 */
	int64_t			 at;
	char			 key[96];	/* "name" or "name#<k+1>" */
};

/*
 * A day-anchored step's time: send_at on the local day date + the step's
 * days (or, for an offset with hours, that many hours from date's local
 * midnight).  -1 when the date or the zone is unknown.
 */
static int64_t
life_day_time(const struct od_job *j, const struct od_tz *tz, const char *date,
    const struct od_step *s)
{
	int64_t	days, t;
	int	y, m, d;

	if (tz == NULL || od_date_parse(date, &y, &m, &d) == -1)
		return -1;
	days = od_days_from_civil(y, m, d);
	if (s->day_offset) {
		od_civil_from_days(days + s->offset_ms / 86400000, &y, &m, &d);
		return od_tz_from_local(tz, y, m, d, j->policy->send_at_min / 60,
		    j->policy->send_at_min % 60, 0) * 1000;
	}
	t = od_tz_from_local(tz, y, m, d, 0, 0, 0) * 1000;
	return t + s->offset_ms;
}

/* The earliest lifecycle step not done yet, into *best; 0 when there is none. */
static int
life_next(const struct od_job *j, const struct od_tz *tz, struct life_due *best)
{
	const struct od_state		*st = &j->sst;
	const struct od_state_life	*l = &st->life;
	const struct od_step		*steps;
	struct life_due			 c;
	size_t				 i, n, k;
	int				 found = 0;

	steps = od_state_life_steps(j->policy, l->kind, &n);
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		c.s = &steps[i];
		c.k = -1;
		c.at = -1;
		snprintf(c.key, sizeof(c.key), "%s", c.s->name);
		switch (c.s->anchor) {
		case OD_AT_MADE:
		case OD_AT_ACCEPTED:
			if (l->status == OD_LIFE_OPEN)
				c.at = l->at;
			break;
		case OD_AT_BROKEN:
			if (l->status == OD_LIFE_BROKEN)
				c.at = l->end;
			break;
		case OD_AT_COMPLETED:
			if (l->status == OD_LIFE_COMPLETED)
				c.at = l->end;
			break;
		case OD_AT_PROMISE:
			/* a reminder is for before the day: never after it, nor before the promise */
			if (l->status != OD_LIFE_OPEN || strcmp(j->today, l->date) > 0)
				break;
			c.at = life_day_time(j, tz, l->date, c.s);
			if (c.at < l->at)
				c.at = -1;
			break;
		case OD_AT_INSTALMENT:
			if (l->status != OD_LIFE_OPEN)
				break;
			/* the first instalment not paid whose reminder is not done */
			for (k = od_state_life_covered(st); k < l->nsched; k++) {
				snprintf(c.key, sizeof(c.key), "%s#%zu", c.s->name, k + 1);
				if (od_state_strs_has(&l->done, c.key))
					continue;
				if (strcmp(j->today, l->sched[k].date) > 0)
					continue;	/* its day passed: the deadline tells */
				c.at = life_day_time(j, tz, l->sched[k].date, c.s);
				if (c.at >= 0 && c.at < l->at)
					c.at = l->at;	/* accepted later than the reminder's time */
				c.k = (int)k;
				break;
			}
			break;
		default:
			break;
		}
		if (c.at < 0 || od_state_strs_has(&l->done, c.key))
			continue;
		if (!found || c.at < best->at) {
			*best = c;
			found = 1;
		}
	}
	return found;
}

enum od_job_life
od_job_life(struct od_job *j, const struct od_tz *tz)
{
	const struct od_state	*st = &j->sst;
	struct od_state_ctx	 cx;
	struct life_due		 d;
	int64_t			 dl;
	int			 has;

	if (st->life.kind == OD_LIFE_NONE)
		return OD_JOB_LIFE_NONE;
	od_state_ctx_init(&cx, j->id, &j->acct, j->policy, j->now);
	dl = od_state_deadline(st, &cx);
	has = life_next(j, tz, &d);
	if ((dl >= 0 && dl <= j->now) || (st->life.status != OD_LIFE_OPEN && !has)) {
		/* its deadline passed, or it is over and nothing is left to say: apply it */
		j->tick = 1;
		j->next_due = j->now;
		return OD_JOB_LIFE_WAIT;
	}
	if (!has || d.at > j->now) {
		/* escalation waits; the next lifecycle step, or the deadline */
		j->next_due = has ? d.at : -1;
		if (dl >= 0 && (j->next_due < 0 || dl < j->next_due))
			j->next_due = dl;
		return OD_JOB_LIFE_WAIT;
	}
	snprintf(j->life_key, sizeof(j->life_key), "%s", d.key);
	j->life_n = st->life.n;
	j->life_status = (int)st->life.status;
	j->instalment = d.k;
	j->st = d.s;
	snprintf(j->action_id, sizeof(j->action_id), "%s:%s:A%d:%s", j->id,
	    st->cycle[0] ? st->cycle : j->acct.due_date, st->life.n, d.key);
	if (strcmp(st->cur, d.key) == 0) {
		j->ci = st->fb;
		j->tries = st->tries;
		if ((size_t)j->ci > j->st->nchannels)
			j->ci = 0;
	}
	if (st->dispute) {
		od_job_record(j, -1, "suppressed", "hold");
		j->next_step = -1;
		return OD_JOB_LIFE_WAIT;	/* dispute_resolved plans it again */
	}
	if (od_job_held(j)) {
		if (dl >= 0 && dl < j->next_due)
			j->next_due = dl;	/* a deadline still falls when it falls */
		return OD_JOB_LIFE_WAIT;
	}
	return OD_JOB_LIFE_SEND;
}

/*
 * The earliest a handoff step may go: its wait after the step before it
 * was done.  Whole days: send_at on the local day that many days after
 * that step's; otherwise the start of the minute after done + wait.
 */
int64_t
od_job_handoff_after(const struct od_job *j, const struct od_tz *tz)
{
	struct od_local	lt;
	int64_t		t = j->sst.done_at + j->st->wait_ms;
	int		y, m, d;

	if (tz == NULL || j->st->wait_ms % 86400000 != 0)
		return (t / 60000 + 1) * 60000;
	od_tz_to_local(tz, j->sst.done_at / 1000, &lt);
	od_civil_from_days(od_days_from_civil(lt.year, lt.month, lt.day) + j->st->wait_ms /
	    86400000, &y, &m, &d);
	return od_tz_from_local(tz, y, m, d, j->policy->send_at_min / 60,
	    j->policy->send_at_min % 60, 0) * 1000;
}

