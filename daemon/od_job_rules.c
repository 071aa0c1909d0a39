/*
 * od_job_rules: the contact rules for one send of a job (od_job.c): the
 * person's recent contacts, the presets that apply (the debtor's country's,
 * and the policy's on top), the check in the debtor's zone or in every zone
 * of their country, and where a send held back goes (docs/contact-rules.md,
 * "Deferred sends").
 */
#include "od_job_int.h"

#include <stdio.h>
#include <string.h>

#include "od_person.h"
#include "od_plan.h"
#include "od_rules.h"

/*
 * The contacts the caps count, into recent (at most max): the person's,
 * across all their accounts (od_person.h), this action's own attempts that
 * reached nobody left out, and with flags OD_PERSON_CONFIRMED the sends
 * still under way too; then those the account's state kept before persons
 * were counted.  *pending: how many sends under way were counted.
 */
static size_t
job_contacts(const struct od_job *j, int flags, struct od_contact *recent, size_t max,
    size_t *pending)
{
	const char	*k;
	json_t		*arr, *c;
	size_t		 i, n = 0;

	*pending = 0;
	if (j->contacts != NULL)
		n = od_person_contacts(j->contacts, j->ncontacts, j->now, j->action_id, flags,
		    recent, max, pending);
	arr = json_object_get(j->state, "recent");
	json_array_foreach(arr, i, c) {
		if (n == max)
			break;
		k = json_string_value(json_array_get(c, 1));
		recent[n].at_ms = (int64_t)json_number_value(json_array_get(c, 0));
		recent[n].kind = k ? od_channel_kind_parse(k) : -1;
		n++;
	}
	return n;
}

/* How long a send waits for another account's send to the same person to finish. */
#define JOB_PENDING_WAIT_MS	5000

/* What the contact rules are checked with, for one channel of one job. */
struct job_check {
	const struct od_rules_preset	*ps[2];
	size_t				 nps;
	const char *const		*zones;
	size_t				 nzones;
	struct od_contact		 recent[64];
	size_t				 nrecent;
	int				 kind;
};

static int
job_check_at(const struct od_job *j, const struct job_check *c, int64_t t, struct od_verdict *v)
{
	return od_rules_check_zones(j->set->rules, c->ps, c->nps, c->zones, c->nzones, c->kind,
	    c->recent, c->nrecent, t, v);
}

/*
 * A send the rules hold back until next (the earliest instant they allow)
 * goes at the policy's send_at on next's local day (docs/contact-rules.md,
 * "Deferred sends"), plus the account's spread offset: the first of
 * send_at + offset, then send_at, that the rules allow, or the earliest
 * instant they allow after it that day (both from next on when send_at is
 * already past).  When nothing on that day from send_at on is allowed:
 * next itself (the window's opening).  Every instant is checked again.
 */
static int64_t
job_defer(const struct od_job *j, const struct job_check *c, int64_t next)
{
	struct od_verdict	v;
	int64_t			at, end, cand[2];
	int			i;

	if (next < 0 || od_plan_send_at(&j->acct, j->policy, next, &at, &end) == -1)
		return next;
	if (at < next)
		at = next;
	cand[0] = at + od_plan_spread(&j->acct, j->policy);
	cand[1] = at;
	for (i = cand[0] == at; i < 2; i++)
		if (cand[i] < end && job_check_at(j, c, cand[i], &v) != -1 && v.next_ms >= 0 &&
		    v.next_ms < end)
			return v.next_ms;
	return next;
}

/* Does every preset that applies leave a reply's acknowledgement out of its caps? */
static int
job_answers_exempt(const struct job_check *c)
{
	size_t	i;

	for (i = 0; i < c->nps; i++)
		if (c->ps[i] == NULL || !c->ps[i]->answers_exempt)
			return 0;
	return c->nps > 0;
}

/* The contact rules at this instant: 0 allowed, 1 held back (action finished). */
int
od_job_rules(struct od_job *j, int kind)
{
	struct job_check	 c;
	struct od_verdict	 v;
	size_t			 pending;
	char			 reason[200];
	int			 rc;

	/*
	 * The law of the debtor's country always applies, whatever the policy
	 * says; a policy's jurisdiction (with its rules:, which only tighten)
	 * applies on top when it is another preset: both must allow.  In the
	 * debtor's zone, or in every zone of the country when it has several
	 * and the account names none.
	 */
	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.ps[0] = od_rules_preset(j->set->rules, j->acct.country);
	c.ps[1] = od_confset_preset(j->set, j->policy, j->acct.country);
	c.nps = c.ps[1] == c.ps[0] ? 1 : 2;
	c.nzones = od_account_zones(&j->acct, &c.zones);
	c.nrecent = job_contacts(j, 0, c.recent, sizeof(c.recent) / sizeof(c.recent[0]),
	    &pending);
	if (j->ack && job_answers_exempt(&c))
		c.nrecent = pending = 0;	/* the caps do not count against an answer */
	memset(&v, 0, sizeof(v));
	rc = job_check_at(j, &c, j->now, &v);
	if (rc == 0)
		return 0;
	if (rc == 1 && pending > 0 && (v.block == OD_BLOCK_CAP || v.block == OD_BLOCK_SPACING)) {
		/*
		 * Held back by a send to the same person that is still under way
		 * (another of their accounts)?  Its outcome decides: wait for it,
		 * unrecorded, rather than defer a day for a message that may
		 * never arrive.
		 */
		struct job_check	cc = c;
		struct od_verdict	w;

		cc.nrecent = job_contacts(j, OD_PERSON_CONFIRMED, cc.recent,
		    sizeof(cc.recent) / sizeof(cc.recent[0]), &pending);
		memset(&w, 0, sizeof(w));
		if (job_check_at(j, &cc, j->now, &w) == 0) {
			j->next_step = j->step;
			j->next_due = j->now + JOB_PENDING_WAIT_MS;
			return 1;
		}
	}
	if (rc == -1) {
		/* The rules could not be evaluated: never send on that; look again in a minute. */
		od_job_record(j, kind, "suppressed", "rules_error");
		j->next_step = j->step;
		j->next_due = j->now + 60000;
		return 1;
	}
	snprintf(reason, sizeof(reason), "%s", od_block_name(v.block));
	json_object_set_new(od_job_record(j, kind, "suppressed", reason), "detail",
	    json_string(v.detail));
	j->next_step = j->step;
	/*
	 * A cap or spacing counts from earlier sends' instants: the start of
	 * the minute after the one it allows, so that the milliseconds a send
	 * took never decide when the next goes (simulate agrees to the
	 * instant; docs/contact-rules.md, "Deferred sends").
	 */
	if ((v.block == OD_BLOCK_CAP || v.block == OD_BLOCK_SPACING) && v.next_ms >= 0)
		v.next_ms = (v.next_ms / 60000 + 1) * 60000;
	j->next_due = job_defer(j, &c, v.next_ms);	/* -1: never within reach: dropped */
	return 1;
}

