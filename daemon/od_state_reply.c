/*
 * od_state_reply: a debtor's reply, read by od_intent, applied to the
 * account's state as the event it stands for (docs/replies.md):
 *
 *   accept        the offer last made: plan_accepted, settlement_accepted, ...
 *   promise       promise_to_pay on the date the reply names
 *   agent         agent_requested
 *   paid_claim    payment_claimed
 *   wrong_number  wrong_number (the channel it came on)
 *   opt_out       opt_out (the channel it came on)
 *
 * with source "reply" and the reply as evidence.  What cannot be applied
 * (nothing matched; no open offer; no date, or one the policy refuses; an
 * acceptance or a promise from a number several accounts share) becomes a
 * request for a person, with the reason, so that people read it.  The
 * reply itself is a "reply" record in the account's history, and the
 * acknowledgement the debtor is due is kept in st->ack for od_job to send
 * on the reply's channel.  No I/O; the daemon (od_store.c) and simulate
 * (od_sim.c) both come here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_intent.h"
#include "od_state.h"
#include "od_state_int.h"
#include "od_time.h"

/* The attempt's number: "<action>#<n>" -> n, or -1. */
static long
reply_attempt_seq(const char *entry)
{
	const char	*h = strrchr(entry, '#');

	return h != NULL ? strtol(h + 1, NULL, 10) : -1;
}

/*
 * The offer the debtor answers: of those still valid today, those the
 * message made last (its attempt's number); of them the nth (1-based, in
 * the order the step lists them), the first when nth is 0.  NULL when none
 * stands.
 */
static const struct od_named_offer *
reply_last_offer(const struct od_state *st, const struct od_state_ctx *cx, int nth)
{
	const struct od_named_offer	*o, *pick = NULL;
	char				 id[64];
	long				 seq, best = -2;
	size_t				 i;
	int				 pass, k;

	/* pass 0: the last message's number; pass 1: its nth offer */
	for (pass = 0; pass < 2; pass++)
		for (i = 0, k = 0; cx->policy != NULL && i < st->offers.n; i++) {
			const char *e = st->offers.v[i], *sp = strchr(e, ' ');

			if (sp == NULL || (size_t)(sp - e) >= sizeof(id))
				continue;
			snprintf(id, sizeof(id), "%.*s", (int)(sp - e), e);
			if (cx->today[0] != '\0' && strncmp(sp + 1, cx->today, 10) < 0)
				continue;	/* expired */
			if ((o = od_policy_offer(cx->policy, id)) == NULL)
				continue;
			seq = reply_attempt_seq(sp + 1);
			if (pass == 0 && seq > best)
				best = seq;
			else if (pass == 1 && seq == best && ++k == (nth > 0 ? nth : 1) &&
			    pick == NULL)
				pick = o;
		}
	return pick;
}

static const char *const reply_accept_names[] = { NULL, "plan_accepted", "settlement_accepted",
	"extension_accepted" };

/* The reply's evidence, as the event's document: where the lifecycle finds it. */
static json_t *
reply_doc(const struct od_state_reply *r, const char *type, const char *reason)
{
	json_t	*d;

	d = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "source", "reply", "channel",
	    od_channel_kind_name(r->channel), "text", r->text ? r->text : "", "intent",
	    od_intent_kind_name(r->intent ? r->intent->kind : OD_INTENT_NONE));
	if (d == NULL)
		return NULL;
	if (r->at != NULL)
		json_object_set_new(d, "at", json_string(r->at));
	if (r->provider_id != NULL && r->provider_id[0] != '\0')
		json_object_set_new(d, "provider_id", json_string(r->provider_id));
	if (reason != NULL)
		json_object_set_new(d, "reason", json_string(reason));
	return d;
}

/* The "reply" record: what the debtor wrote, what it was read as, what came of it. */
static void
reply_record(struct od_state_ctx *cx, const struct od_state *st, const struct od_state_reply *r,
    size_t at, const char *result, const char *outcome)
{
	const struct od_intent_match	*m = r->intent;
	json_t				*rec;

	rec = od_state_record(cx, st, 0, "reply", json_sprintf("%s%s%s%s: %s",
	    od_intent_kind_name(m ? m->kind : OD_INTENT_NONE), m && m->matched[0] ? " ('" : "",
	    m && m->matched[0] ? m->matched : "", m && m->matched[0] ? "')" : "", outcome));
	if (rec == NULL)
		return;
	json_object_set_new(rec, "channel", json_string(od_channel_kind_name(r->channel)));
	json_object_set_new(rec, "text", json_string(r->text ? r->text : ""));
	json_object_set_new(rec, "source", json_string("reply"));
	json_object_set_new(rec, "intent", json_string(od_intent_kind_name(m ? m->kind :
	    OD_INTENT_NONE)));
	json_object_set_new(rec, "result", json_string(result));
	if (r->provider_id != NULL && r->provider_id[0] != '\0')
		json_object_set_new(rec, "provider_id", json_string(r->provider_id));
	/* before what came of it, in the history: the conversation reads in order */
	json_incref(rec);
	json_array_remove(cx->records, json_array_size(cx->records) - 1);
	json_array_insert_new(cx->records, at, rec);
}

static void
reply_ack(struct od_state *st, const struct od_state_reply *r, const struct od_state_ctx *cx,
    const char *what)
{
	if (!r->ack || st->status != OD_STATE_ACTIVE)
		return;
	snprintf(st->ack.what, sizeof(st->ack.what), "%s", what);
	st->ack.channel = r->channel;
	st->ack.at = cx->now;
	st->ack.n = ++st->nack;
}

int
od_state_reply(struct od_state *st, const struct od_state_reply *r, struct od_state_ctx *cx,
    int *replan, char *agent, size_t agentlen)
{
	const struct od_intent_match	*m = r->intent;
	const struct od_named_offer	*o = NULL;
	struct od_state_event		 ev;
	const char			*type = NULL, *ack = NULL;
	char				 why[300], out[400], entry[160];
	json_t				*doc;
	size_t				 nrec = 0;
	int				 rc;

	*replan = 0;
	agent[0] = why[0] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.channel = r->channel;
	/* a provider's retry of the same message is applied once */
	if (r->entry != NULL)
		ev.entry = r->entry;
	else if (r->provider_id != NULL && r->provider_id[0] != '\0') {
		snprintf(entry, sizeof(entry), "reply:%s", r->provider_id);
		ev.entry = entry;
	}
	switch (m ? m->kind : OD_INTENT_NONE) {
	case OD_INTENT_OPT_OUT:
		ev.type = OD_EV_OPT_OUT;
		type = "opt_out";
		break;
	case OD_INTENT_WRONG_NUMBER:
		ev.type = OD_EV_WRONG_NUMBER;
		type = "wrong_number";
		break;
	case OD_INTENT_PAID_CLAIM:
		ev.type = OD_EV_PAID_CLAIM;
		type = "payment_claimed";
		ack = "paid_claim";
		break;
	case OD_INTENT_AGENT:
		snprintf(why, sizeof(why), "asked for a person");
		break;
	case OD_INTENT_ACCEPT:
		if (r->shared > 1)
			snprintf(why, sizeof(why), "shared_phone: an acceptance from a number %d "
			    "accounts share names none of them", r->shared);
		else if ((o = reply_last_offer(st, cx, m->offer)) == NULL)
			snprintf(why, sizeof(why), "no_offer: no offer stands for this account");
		else {
			ev.type = OD_EV_ACCEPT;
			ev.accept = (int)o->kind;
			ev.offer = o->id;
			ev.option = o->kind == OD_OFFER_PLAN ? m->option : 0;
			type = reply_accept_names[o->kind];
			ack = "accepted";
		}
		break;
	case OD_INTENT_PROMISE:
		if (r->shared > 1)
			snprintf(why, sizeof(why), "shared_phone: a promise from a number %d "
			    "accounts share names none of them", r->shared);
		else if (m->date[0] == '\0')
			snprintf(why, sizeof(why), "promise_date: %s", m->date_invalid ?
			    "the date named is not one that can be" : "the reply names no date");
		else {
			ev.type = OD_EV_PROMISE;
			ev.until = m->date;
			type = "promise_to_pay";
			ack = "promise";
		}
		break;
	default:
		snprintf(why, sizeof(why), "unmatched: the reply was not understood");
		break;
	}
	if (type != NULL) {
		if ((doc = reply_doc(r, type, NULL)) == NULL)
			return -1;
		ev.doc = doc;
		nrec = json_array_size(cx->records);
		rc = od_state_event(st, &ev, cx, replan);
		json_decref(doc);
		if (rc == -1 || rc == 1)
			return rc;	/* out of memory; applied already */
		if (rc == 0) {
			snprintf(out, sizeof(out), "%s applied", type);
			reply_record(cx, st, r, nrec, "applied", out);
			if (ack != NULL)
				reply_ack(st, r, cx, ack);
			return 0;
		}
		/* refused (a date past promises.max_days, an expired offer, a closed account) */
		snprintf(why, sizeof(why), "not_applied: %s: %s", type, cx->reason);
		ack = "unapplied";
	} else if (ack == NULL)
		ack = strncmp(why, "asked", 5) == 0 ? "agent" : "unapplied";
	/* people read it: a person is asked for, with why */
	snprintf(agent, agentlen, "%s", why);
	ev.type = OD_EV_AGENT;		/* the same entry: a refusal left st as it was */
	ev.accept = ev.option = 0;
	ev.offer = ev.until = NULL;
	if ((doc = reply_doc(r, "agent_requested", why)) == NULL)
		return -1;
	ev.doc = doc;
	cx->reason[0] = '\0';
	nrec = json_array_size(cx->records);
	rc = od_state_event(st, &ev, cx, replan);
	json_decref(doc);
	if (rc == -1 || rc == 1)
		return rc;
	snprintf(out, sizeof(out), "a person is asked for (%s)", why);
	reply_record(cx, st, r, nrec, "agent", out);
	/* a shared number's acceptance or promise: the person sorts it out, no message */
	if (strncmp(why, "shared_phone", 12) != 0)
		reply_ack(st, r, cx, ack);
	return 0;
}
