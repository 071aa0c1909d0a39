/*
 * od_job_reply: the acknowledgement of a debtor's answer (st->ack, set by
 * od_state_reply): a message on the channel the reply came on, with the
 * locale's template reply_<what> (reply_promise, reply_accepted,
 * reply_agent, reply_paid_claim, reply_unapplied; docs/replies.md).  It
 * goes before anything else the account is due, and through the contact
 * rules like every message: a reply at 21:00 in Lima is acknowledged at
 * send_at the next working day.  A hold (a person asked for, a payment
 * claimed) does not stop it: it is what tells the debtor about the hold.
 * On WhatsApp, within 24 hours of the reply it is a session message (the
 * template's text, free-form); later only the approved template may go
 * (../shared/reference/providers.md).  After the policy's
 * replies.acknowledge_within it is dropped, recorded; a locale with no
 * such template fails it as any step's (od_job_try), and it is over.
 */
#include "od_job_int.h"

#include <stdio.h>
#include <string.h>

#include "od_time.h"

#define JOB_WA_WINDOW_MS	(24 * 3600 * 1000LL)	/* WhatsApp's customer-service window */

enum od_job_life
od_job_ack(struct od_job *j)
{
	const struct od_state_ack	*a = &j->sst.ack;

	if (a->what[0] == '\0')
		return OD_JOB_LIFE_NONE;
	j->ack = a->n;
	snprintf(j->ack_name, sizeof(j->ack_name), "reply_%s", a->what);
	snprintf(j->action_id, sizeof(j->action_id), "%s:%s:R%d", j->id, j->sst.cycle[0] ?
	    j->sst.cycle : j->acct.due_date, a->n);
	memset(&j->ack_step, 0, sizeof(j->ack_step));
	j->ack_step.name = j->ack_name;
	j->ack_step.template = j->ack_name;
	j->ack_step.channels[0] = a->channel;
	j->ack_step.nchannels = 1;
	j->ack_step.stage = OD_STAGE_INVALID;	/* of no stage */
	j->st = &j->ack_step;
	j->step = -1;
	if (j->policy->ack_within_ms == 0 || j->now - a->at > j->policy->ack_within_ms) {
		json_object_set_new(od_job_record(j, a->channel, "suppressed", "ack_expired"),
		    "detail", json_sprintf("%s: not sent within replies.acknowledge_within of "
		    "the reply", j->ack_name));
		j->finished = 1;
		j->next_due = j->now;
		return OD_JOB_LIFE_WAIT;
	}
	j->wa_session = a->channel == OD_CH_WHATSAPP && j->now - a->at < JOB_WA_WINDOW_MS;
	j->ci = 0;
	j->tries = 0;
	return OD_JOB_LIFE_SEND;
}
