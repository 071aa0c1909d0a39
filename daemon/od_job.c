/*
 * od_job: one due action of one account, decided without I/O.
 *
 * Given the account, its state and the clock, a job works out what happens:
 * nothing (paid, closed, wait for the step's time), a hold (dispute,
 * promise), a suppression by the contact rules until the next instant they
 * allow, or a message to send on the first channel of the step that the
 * debtor can and may receive.  After a send, the outcome decides whether the
 * step is done, retried later, or falls back to the next channel.  Every
 * step of the way is an attempt record.
 *
 * The daemon (od_dispatch.c) wraps a job with Redis and the gateways;
 * `outreachctl simulate` runs the very same jobs on a virtual clock.
 */
#include "od_job.h"
#include "od_job_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_form.h"
#include "od_link_tmpl.h"
#include "od_log.h"
#include "od_person.h"
#include "od_plan.h"
#include "od_sms.h"
#include "od_state.h"
#include "od_time.h"
#include "od_tz.h"

void
od_job_clear(struct od_job *j)
{
	if (j == NULL)
		return;
	od_rendered_clear(&j->r);
	json_decref(j->records);
	json_decref(j->dropped);
	free(j->contacts);
	json_decref(j->state);
	od_state_clear(&j->sst);
	if (j->acct_ok)
		od_account_clear(&j->acct);
	free(j->id);
	memset(j, 0, sizeof(*j));
}

static const char *
state_str(const struct od_job *j, const char *key)
{
	return json_string_value(json_object_get(j->state, key));
}

static long long
state_int(const struct od_job *j, const char *key)
{
	json_t	*v = json_object_get(j->state, key);

	return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

/*
 * A state that cannot be trusted: the account is failed, once, with the
 * reason state_corrupt, and never claimed again (nothing is scheduled and
 * its status is no longer active).  What was stored is kept, as a string,
 * for whoever repairs it (cut at 4 KiB).
 */
static enum od_job_next
job_corrupt(struct od_job *j, const char *field, const char *raw, size_t len)
{
	char	detail[128];

	snprintf(detail, sizeof(detail), field ? "the stored state's '%s' is invalid" :
	    "the stored state is not a JSON object%s", field ? field : "");
	json_decref(j->state);
	j->state = json_pack("{s:s, s:s, s:s}", "status", "failed", "reason", "state_corrupt",
	    "detail", detail);
	if (j->state == NULL)
		j->state = json_object();
	if (len > 4096)
		for (len = 4096; len > 0 && ((unsigned char)raw[len] & 0xc0) == 0x80; len--)
			;
	if (od_utf8_valid(raw, len) && memchr(raw, '\0', len) == NULL)
		json_object_set_new(j->state, "corrupt", json_stringn(raw, len));
	j->corrupt = 1;
	j->seq = 0;
	j->next_step = -1;
	j->next_due = -1;
	json_object_set_new(od_job_record(j, -1, "failed", "state_corrupt"), "detail",
	    json_string(detail));
	od_log_err("dispatch", "account %s: %s; the account is failed (state_corrupt), not "
	    "retried", j->id, detail);
	return OD_JOB_FINISH;
}

/*
 * The stored state's check: NULL when od_state reads it whole (what
 * completion writes back is od_state's, od_record_state), else the field
 * that is not right.
 */
static const char *
job_state_check(struct od_job *j, const json_t *v)
{
	const char	*why;

	od_state_clear(&j->sst);
	if (od_state_from_json(&j->sst, v, &why) == 0)
		return NULL;
	od_state_clear(&j->sst);
	return why;
}

int
od_job_restate(struct od_job *j, const char *raw, size_t len)
{
	json_error_t	 jerr;
	json_t		*v;
	const char	*why;

	v = od_account_json_loadb(raw, len, 0, &jerr);
	if (v == NULL || !json_is_object(v)) {
		json_decref(v);
		job_corrupt(j, NULL, raw, len);
		return -1;
	}
	if ((why = job_state_check(j, v)) != NULL) {
		job_corrupt(j, why, raw, len);		/* why is one of v's keys */
		json_decref(v);
		return -1;
	}
	json_decref(j->state);
	j->state = v;
	return 0;
}

void
od_job_outcome_of(const struct od_job *j, struct od_state_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->next_step = j->next_step;
	o->next_due = j->next_due;
	o->fb = j->ci;
	o->tries = j->tries;
	if (j->ack) {
		/* fb and tries stay the step's the acknowledgement went before */
		o->fb = j->sst.fb;
		o->tries = j->sst.tries;
		o->cur = j->sst.cur[0] ? j->sst.cur : NULL;
		o->ack_done = j->finished;
	}
	o->seq = j->seq;
	o->contact = j->contact;
	o->optout = j->optout;
	o->person = j->pid[0] != '\0';	/* a person's contacts are in their own list */
	o->tick = j->tick;
	if (j->life_key[0] != '\0') {
		if (j->finished)
			o->life_done = j->life_key;
		else
			o->cur = j->life_key;	/* fb and tries are this step's */
	}
	o->made = j->made;
	o->attempt = j->made ? j->attempt_id : NULL;
	o->today = j->today;
	o->placed = j->placed;
}

void
od_job_ctx(const struct od_job *j, struct od_state_ctx *cx, int64_t now)
{
	od_state_ctx_init(cx, j->id, j->acct_ok ? &j->acct : NULL, j->policy, now);
}

const char *
od_job_recheck(struct od_job *j, const char *raw, size_t len)
{
	struct od_state	 st;
	const char	*why;

	if (od_job_restate(j, raw, len) == -1)
		return "state_corrupt";
	if (od_state_from_json(&st, j->state, &why) == -1) {
		od_state_clear(&st);
		return "state_corrupt";		/* out of memory: not sent */
	}
	/* what od_job_start and the channel's checks hold a send back for */
	if (j->ack && st.status == OD_STATE_ACTIVE && st.ack.n == j->ack &&
	    !(st.optout & (OD_STATE_OPT_ALL | 1u << j->kind)))
		why = NULL;	/* an acknowledgement: holds and agreements do not stop it */
	else if (j->ack)
		why = st.status == OD_STATE_PAID || st.status == OD_STATE_CLOSED ? "paid" :
		    st.optout & (OD_STATE_OPT_ALL | 1u << j->kind) ? "opt_out" : "hold";
	else if (st.status != OD_STATE_ACTIVE)
		why = st.status == OD_STATE_PAID || st.status == OD_STATE_CLOSED ? "paid" : "hold";
	else if (st.optout & (OD_STATE_OPT_ALL | 1u << j->kind))
		why = "opt_out";
	else if (st.dispute || (st.promise_until[0] != '\0' &&
	    strcmp(st.promise_until, j->today) >= 0))
		why = "hold";
	else if (st.hold_until > j->now)
		why = "hold";		/* a person was asked for, a payment claimed */
	else if (j->life_key[0] == '\0' && st.life.kind != OD_LIFE_NONE &&
	    st.life.status == OD_LIFE_OPEN)
		why = "hold";		/* a promise or an agreement came in: escalation waits */
	else if (j->life_key[0] != '\0' && (st.life.n != j->life_n ||
	    (int)st.life.status != j->life_status))
		why = "hold";		/* the promise or agreement it was about is over */
	else
		why = NULL;
	od_state_clear(&st);
	return why;
}

/* The stage the records name: the step's; "reply" for an acknowledgement. */
static const char *
job_stage(const struct od_job *j)
{
	if (j->ack)
		return "reply";
	return j->st ? od_stage_name(j->st->stage) : "";
}

/* A new attempt record, added to the action's list. */
json_t *
od_job_record(struct od_job *j, int kind, const char *status, const char *reason)
{
	char	 ts[32];
	json_t	*r;

	od_time_format_iso(od_now_ms(), ts, sizeof(ts));
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}",
	    "ts", ts, "account_id", j->id, "action_id", j->action_id,
	    "policy", j->policy ? j->policy->name : (state_str(j, "policy") ? state_str(j, "policy") : ""),
	    "step", j->st ? j->st->name : "", "stage", job_stage(j),
	    "step_index", j->life_key[0] ? -1 : j->step, "status", status);
	if (r == NULL)
		return NULL;
	if (kind >= 0)
		json_object_set_new(r, "channel", json_string(od_channel_kind_name(kind)));
	if (j->tzlabel[0] != '\0')
		json_object_set_new(r, "timezone", json_string(j->tzlabel));
	if (reason != NULL && reason[0] != '\0')
		json_object_set_new(r, "reason", json_string(reason));
	json_array_append(j->records, r);
	json_decref(r);	/* the array holds it */
	return r;
}

/* Where the step after the current one falls, for completion. */
static void
job_plan_after(struct od_job *j)
{
	int64_t	due;
	size_t	skipped;
	int	i;

	j->finished = 1;
	if (j->life_key[0] != '\0' || j->ack) {
		/* a lifecycle step, an acknowledgement: the next step stays; what comes next is planned at once */
		j->next_step = -1;
		j->next_due = j->now;
		return;
	}
	if (j->st != NULL && j->st->handoff)
		j->placed = j->st->to;	/* the notice went (or could not): the account is placed */
	j->next_step = j->step + 1;
	j->next_due = -1;
	if (j->policy == NULL)
		return;
	i = od_plan_next(&j->acct, j->policy, (size_t)j->step + 1, j->now, &due, &skipped);
	if (i >= 0)
		j->next_due = due < j->now ? j->now : due;
}

const char *
od_job_address(const struct od_job *j, int kind)
{
	switch (kind) {
	case OD_CH_SMS:		return j->acct.phone;
	case OD_CH_EMAIL:	return j->acct.email;
	case OD_CH_WHATSAPP:	return j->acct.whatsapp;
	default:		return NULL;
	}
}

static int
job_opted_out(const struct od_job *j, int kind)
{
	json_t	*o = json_object_get(j->state, "optout");

	return json_is_true(json_object_get(o, "all")) ||
	    json_is_true(json_object_get(o, od_channel_kind_name(kind)));
}

static void
job_render(struct od_job *j, const struct od_message_tmpl *m, char *err, size_t errlen, int *rc)
{
	json_t			*ctx;
	struct od_sms_info	 info;
	struct od_buf		 tl;
	int64_t			 paid = state_int(j, "paid_minor");

	*rc = -1;
	ctx = od_plan_context(&j->acct, j->policy, j->st, paid, j->set->cfg.company, j->now, err,
	    errlen);
	if (ctx == NULL)
		return;
	{
		struct od_plan_life	life;

		life.st = &j->sst;
		life.placement = j->st->handoff ? od_config_placement(&j->set->cfg, j->st->to) : NULL;
		life.instalment = j->instalment;
		if (od_plan_context_life(ctx, &j->acct, j->policy, &life, err, errlen) == -1) {
			json_decref(ctx);
			return;
		}
	}
	/* payment links (od_link_tmpl.h), for the attempt this message goes as (od_job_attempt) */
	j->links = j->set->cfg.links != NULL && od_link_tmpl_uses(m);
	if (j->links) {
		char			att[sizeof(j->attempt_id)];
		struct od_link_tmpl_in	li = { &j->acct, j->policy, j->st, paid, j->now, att };

		snprintf(att, sizeof(att), "%s#%d", j->action_id, j->seq + 1);
		if (od_link_tmpl_context(ctx, j->set->cfg.links, &li, err, errlen) == -1) {
			json_decref(ctx);
			return;
		}
	}
	*rc = od_template_render_message(m, j->kind, ctx, j->acct.locale ? j->acct.locale :
	    j->set->cfg.default_locale, &j->r, err, errlen);
	json_decref(ctx);
	if (*rc == -1 || j->kind != OD_CH_SMS || j->r.text == NULL)
		return;
	if (j->policy->transliterate) {
		od_buf_init(&tl);
		if (od_sms_transliterate(j->r.text, &tl) == 0 && tl.data != NULL) {
			free(j->r.text);
			j->r.text = od_buf_steal(&tl);
		}
		od_buf_free(&tl);
	}
	if (od_sms_analyze(j->r.text, &info) == 0) {
		snprintf(j->coding, sizeof(j->coding), "%s", od_sms_encoding_name(info.encoding));
		j->segments = (int)info.segments;
	}
}

/* Tries the step's channels from j->ci on; ends in a send, a hold, or completion. */
enum od_job_next
od_job_try(struct od_job *j)
{
	const struct od_message_tmpl	*m;
	const char			*locale;
	char				 err[512];
	int				 gwi, rc;

	for (; j->ci < (int)j->st->nchannels; j->ci++, j->tries = 0) {
		j->kind = j->st->channels[j->ci];
		gwi = j->set->cfg.channel_gateway[j->kind];
		if (gwi < 0 || (size_t)gwi >= j->set->cfg.ngateways) {
			od_job_record(j, j->kind, "failed", "no gateway is configured for this channel");
			continue;
		}
		j->gw_name = j->set->cfg.gateways[gwi].name;
		j->gw = j->set->has_gateways ? &j->set->gateways.v[gwi] : NULL;
		if (job_opted_out(j, j->kind)) {
			od_job_record(j, j->kind, "suppressed", "opt_out");
			continue;
		}
		if (!j->acct.consent[j->kind]) {
			od_job_record(j, j->kind, "suppressed", "consent");
			continue;
		}
		if (od_job_address(j, j->kind) == NULL) {
			od_job_record(j, j->kind, "suppressed", "no_address");
			continue;
		}
		if (od_job_rules(j, j->kind))
			return OD_JOB_FINISH;
		locale = j->acct.locale ? j->acct.locale : j->set->cfg.default_locale;
		m = od_template_set_find(&j->set->templates, j->st->template, locale,
		    j->set->cfg.default_locale);
		if (m == NULL || !od_message_tmpl_has(m, j->kind)) {
			snprintf(err, sizeof(err), "template '%s' has no %s text for %s",
			    j->st->template, od_channel_kind_name(j->kind), locale);
			od_job_record(j, j->kind, "failed", err);
			continue;
		}
		od_rendered_clear(&j->r);
		j->coding[0] = '\0';
		j->segments = 0;
		job_render(j, m, err, sizeof(err), &rc);
		if (rc == -1) {
			char reason[600];
			snprintf(reason, sizeof(reason), "template '%s' (%s): %s", m->name, m->locale, err);
			od_job_record(j, j->kind, "failed", reason);
			continue;
		}
		return OD_JOB_SEND;
	}
	/* Every channel of the step is spent: the step is over, with its records. */
	job_plan_after(j);
	j->ci = 0;
	j->tries = 0;
	return OD_JOB_FINISH;
}

void
od_job_message(struct od_job *j, struct od_channel_message *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->action_id = j->action_id;
	msg->attempt_id = j->attempt_id;
	msg->account_id = j->id;
	msg->kind = j->kind;
	msg->to = od_job_address(j, j->kind);
	msg->name = j->acct.name;
	msg->locale = j->acct.locale ? j->acct.locale : j->set->cfg.default_locale;
	msg->text = j->r.text;
	msg->subject = j->r.subject;
	msg->html = j->r.html;
	msg->wa_name = j->r.wa_name;
	msg->wa_language = j->r.wa_language;
	msg->wa_params = (const char *const *)j->r.wa_params;
	msg->wa_nparams = j->r.wa_nparams;
	msg->wa_buttons = (const char *const *)j->r.wa_buttons;
	msg->wa_nbuttons = j->r.wa_nbuttons;
	msg->wa_session = j->wa_session;	/* an acknowledgement within 24 h of the reply */
	msg->sms_coding = j->coding[0] ? j->coding : NULL;
	msg->sms_segments = j->segments;
	msg->policy = j->policy->name;
	msg->step = j->st->name;
	msg->stage = job_stage(j);
}

static int64_t
job_backoff(const struct od_job *j, long retry_after_ms)
{
	const struct od_config	*c = &j->set->cfg;
	int64_t			 cap = c->retry_base_ms, delay;
	int			 i;

	for (i = 1; i < j->tries && cap < c->retry_max_ms; i++)
		cap *= 2;
	if (cap > c->retry_max_ms)
		cap = c->retry_max_ms;
	/* full jitter: uniform in [0, cap) */
	delay = cap > 0 ? (int64_t)((j->rand ? j->rand(j->rand_arg) : (uint64_t)random()) %
	    (uint64_t)cap) : 0;
	if (retry_after_ms > delay)
		delay = retry_after_ms;
	return delay;
}

json_t *
od_job_attempt(struct od_job *j)
{
	char	 ts[32];
	json_t	*r;

	j->seq++;
	snprintf(j->attempt_id, sizeof(j->attempt_id), "%s#%d", j->action_id, j->seq);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}",
	    "ts", od_time_format_iso(od_now_ms(), ts, sizeof(ts)), "account_id", j->id,
	    "action_id", j->action_id, "attempt_id", j->attempt_id, "policy", j->policy->name,
	    "step", j->st->name, "stage", job_stage(j), "step_index",
	    j->life_key[0] ? -1 : j->step,
	    "channel", od_channel_kind_name(j->kind), "gateway", j->gw_name ? j->gw_name : "",
	    "status", "sending");
	if (r != NULL && j->tzlabel[0] != '\0')
		json_object_set_new(r, "timezone", json_string(j->tzlabel));
	if (r != NULL && j->life_key[0] != '\0')	/* a reclaim settles it by this */
		json_object_set_new(r, "life_key", json_string(j->life_key));
	if (r != NULL && j->ack)			/* and an acknowledgement by this */
		json_object_set_new(r, "ack", json_integer(j->ack));
	if (r != NULL && j->coding[0]) {
		json_object_set_new(r, "encoding", json_string(j->coding));
		json_object_set_new(r, "segments", json_integer(j->segments));
	}
	return r;
}

/* The step reached (or may have reached) the debtor: it is done, the next is planned. */
static enum od_job_next
job_step_done(struct od_job *j, json_t *r, const char *status)
{
	json_object_set_new(r, "status", json_string(status));
	/*
	 * What the debtor was told, in the account's history (not the stream):
	 * the conversation an agent reads (outreachctl conversations) and the
	 * handoff file carry it.  An email's subject; an SMS's or WhatsApp's
	 * text (a template's rendered preview).
	 */
	if (j->kind == OD_CH_EMAIL && j->r.subject != NULL)
		json_object_set_new(r, "subject", json_string(j->r.subject));
	else if (j->kind != OD_CH_EMAIL && j->r.text != NULL)
		json_object_set_new(r, "text", json_string(j->r.text));
	json_array_append_new(j->records, r);
	j->contact = od_channel_kind_name(j->kind);
	if (j->life_key[0] == '\0' && j->st->noffers > 0)
		j->made = j->st;	/* its offers stand from now (od_state_life_outcome) */
	job_plan_after(j);
	j->ci = 0;
	j->tries = 0;
	return OD_JOB_FINISH;
}

enum od_job_next
od_job_outcome(struct od_job *j, const struct od_channel_result *res, json_t *r)
{
	char	 reason[400];
	int64_t	 now = od_now_ms();	/* one reading: the record's ts and the retry's time */

	json_object_set_new(r, "ts", json_string(od_time_format_iso(now, reason, sizeof(reason))));
	if (res->provider_id[0])
		json_object_set_new(r, "provider_id", json_string(res->provider_id));
	if (res->code[0])
		json_object_set_new(r, "code", json_string(res->code));
	if (res->reason[0])
		json_object_set_new(r, "reason", json_string(res->reason));
	if (res->flags & OD_RESULT_CONFIG)
		od_log_err("dispatch", "gateway %s reports a configuration error: %s (code %s); "
		    "not retried", j->gw_name, res->reason, res->code[0] ? res->code : "-");
	json_incref(r);		/* the records take a reference of their own */
	switch (res->outcome) {
	case OD_OUTCOME_ACCEPTED:
		return job_step_done(j, r, "sent");
	case OD_OUTCOME_RETRYABLE:
		/* A failure of this host (no socket to be had) uses up none of the tries. */
		if (!(res->flags & OD_RESULT_LOCAL))
			j->tries++;
		json_array_append_new(j->dropped, json_string(j->attempt_id));
		if (j->tries <= j->set->cfg.max_retries && !(res->flags & OD_RESULT_CONFIG)) {
			json_object_set_new(r, "status", json_string("retry"));
			json_array_append_new(j->records, r);
			j->next_step = j->step;
			j->next_due = now + job_backoff(j, res->retry_after_ms);	/* from the reply */
			return OD_JOB_FINISH;
		}
		snprintf(reason, sizeof(reason), "gave up after %d tries: %s", j->tries,
		    res->reason[0] ? res->reason : "retryable failure");
		json_object_set_new(r, "reason", json_string(reason));
		/* FALLTHROUGH */
	case OD_OUTCOME_PERMANENT:
	default:
		if (res->outcome != OD_OUTCOME_RETRYABLE)
			json_array_append_new(j->dropped, json_string(j->attempt_id));
		json_object_set_new(r, "status", json_string("failed"));
		json_array_append_new(j->records, r);
		if (res->flags & OD_RESULT_OPT_OUT)
			j->optout = od_channel_kind_name(j->kind);
		j->ci++;
		j->tries = 0;
		return od_job_try(j);
	case OD_OUTCOME_UNKNOWN:
		/* It may have reached the debtor: never sent blindly again. */
		return job_step_done(j, r, "unknown");
	}
}

/*
 * The steps from..to-1, whose time passed while a later one fell due too
 * (no daemon ran, or the account came in late): each is recorded
 * superseded, with the step it gave way to.  They are never sent.  The
 * records are written before any send of this action (begin.lua), so a
 * crash cannot lose them.
 */
static void
job_superseded(struct od_job *j, int from, int to)
{
	const struct od_step	*s, *by = &j->policy->steps[to];
	json_t			*r;
	char			 ts[32];
	int64_t			 t;
	int			 k;

	for (k = from; k < to; k++) {
		s = &j->policy->steps[k];
		if ((r = od_job_record(j, -1, "superseded", "later_step_due")) == NULL)
			continue;
		json_object_set_new(r, "step", json_string(s->name));
		json_object_set_new(r, "stage", json_string(od_stage_name(s->stage)));
		json_object_set_new(r, "step_index", json_integer(k));
		json_object_set_new(r, "action_id", json_sprintf("%s:%s:%s", j->id,
		    state_str(j, "cycle") ? state_str(j, "cycle") : j->acct.due_date, s->name));
		if (od_plan_step_time(&j->acct, j->policy, (size_t)k, &t) == 0)
			od_time_format_iso(t, ts, sizeof(ts));
		else
			snprintf(ts, sizeof(ts), "?");
		json_object_set_new(r, "detail", json_sprintf("due %s; not sent, since step '%s' "
		    "was due too when it was claimed", ts, by->name));
	}
}

/*
 * The zone the rules use, for the records: the IANA name, or "CC:*" when
 * the account has none and the country several (every one of them must
 * allow; docs/protocol.md).  Empty when unknown.
 */
static void
job_zone_label(struct od_job *j)
{
	const char *const	*z;
	const char		*one = od_account_timezone(&j->acct);
	size_t			 n = od_account_zones(&j->acct, &z);

	if (n == 1)
		snprintf(j->tzlabel, sizeof(j->tzlabel), "%s", one ? one : z[0]);
	else if (n > 1)
		snprintf(j->tzlabel, sizeof(j->tzlabel), "%s:*", j->acct.country);
}

int
od_job_held(struct od_job *j)
{
	char	until[32];

	if (j->sst.hold_until <= j->now)
		return 0;
	od_time_format_iso(j->sst.hold_until, until, sizeof(until));
	json_object_set_new(od_job_record(j, -1, "suppressed", "hold"), "detail",
	    json_sprintf("%s: outreach waits until %s", strcmp(j->sst.hold_why, "agent") == 0 ?
	    "a person was asked for" : "a payment the debtor reported is being verified",
	    until));
	j->next_due = j->sst.hold_until;
	return 1;
}

/* Works out what a claimed action is: nothing to do, a wait, a hold, or a step to send. */
enum od_job_next
od_job_start(struct od_job *j, const struct od_confset *set, const char *id,
    const char *acct_json, size_t acct_len, const char *state_json, size_t state_len,
    const struct od_job_person *person, int64_t now)
{
	const struct od_tz	*tz;
	struct od_local		 lt;
	json_error_t		 jerr;
	char			 reason[512];
	const char		*status, *pname, *until, *tzname, *why;
	int64_t			 due;
	size_t			 skipped;
	int			 i;

	memset(j, 0, sizeof(*j));
	j->set = set;
	j->id = strdup(id);
	j->records = json_array();
	j->next_step = -1;
	j->next_due = -1;
	j->contact = "";
	j->optout = "";
	j->now = now;
	j->instalment = -1;
	j->dropped = json_array();
	if (person != NULL && person->id != NULL && person->id[0] != '\0') {
		snprintf(j->pid, sizeof(j->pid), "%s", person->id);
		j->contacts = strndup(person->contacts ? person->contacts : "",
		    person->contacts ? person->len : 0);
		j->ncontacts = j->contacts ? strlen(j->contacts) : 0;
	}
	snprintf(j->action_id, sizeof(j->action_id), "%s", j->id);
	j->state = od_account_json_loadb(state_json, state_len, 0, &jerr);
	if (j->state == NULL || !json_is_object(j->state))
		return job_corrupt(j, NULL, state_json, state_len);
	if ((why = job_state_check(j, j->state)) != NULL)
		return job_corrupt(j, why, state_json, state_len);
	j->seq = (int)state_int(j, "seq");
	status = state_str(j, "status");
	if (status == NULL || strcmp(status, "active") != 0) {
		return OD_JOB_FINISH;	/* paid, closed or ceased: nothing more to send */
	}
	if (od_account_from_stored(acct_json, acct_len, &j->acct, reason, sizeof(reason)) == -1) {
		od_job_record(j, -1, "failed", reason);
		return OD_JOB_FINISH;
	}
	j->acct_ok = 1;
	pname = state_str(j, "policy");
	if (pname == NULL || (j->policy = od_policy_find(&j->set->policies, pname)) == NULL) {
		snprintf(reason, sizeof(reason), "policy '%s' is not loaded; re-enqueue the account",
		    pname ? pname : "");
		od_job_record(j, -1, "failed", reason);
		return OD_JOB_FINISH;
	}
	job_zone_label(j);
	tzname = od_account_plan_zone(&j->acct);
	tz = tzname ? od_tz_get(tzname) : NULL;
	if (tz != NULL) {
		od_tz_to_local(tz, j->now / 1000, &lt);
		snprintf(j->today, sizeof(j->today), "%04d-%02d-%02d", lt.year, lt.month, lt.day);
	} else {
		od_time_format_iso(j->now, j->today, sizeof(j->today));
		j->today[10] = '\0';
	}
	j->step = (int)state_int(j, "next");
	/* a reply's acknowledgement goes first */
	switch (od_job_ack(j)) {
	case OD_JOB_LIFE_WAIT:
		return OD_JOB_FINISH;
	case OD_JOB_LIFE_SEND:
		return od_job_try(j);
	default:
		break;
	}
	/* a promise or an agreement in force comes first; escalation waits for it */
	switch (od_job_life(j, tz)) {
	case OD_JOB_LIFE_WAIT:
		return OD_JOB_FINISH;
	case OD_JOB_LIFE_SEND:
		return od_job_try(j);
	default:
		break;
	}
	i = od_plan_next(&j->acct, j->policy, (size_t)j->step, j->now, &due, &skipped);
	if (i == -1) {
		j->next_step = (int)j->policy->nsteps;
		return OD_JOB_FINISH;
	}
	if (i == -2) {
		od_job_record(j, -1, "suppressed", "timezone_unknown");
		return OD_JOB_FINISH;
	}
	if (i != j->step || j->sst.cur[0] != '\0') {
		/* another step, or fb and tries were a lifecycle step's */
		if (i != j->step)
			job_superseded(j, j->step, i);
		j->ci = 0;
		j->tries = 0;
	} else {
		j->ci = (int)state_int(j, "fb");
		j->tries = (int)state_int(j, "tries");
		if ((size_t)j->ci > j->policy->steps[i].nchannels)
			return job_corrupt(j, "fb", state_json, state_len);
	}
	j->step = i;
	j->st = &j->policy->steps[i];
	snprintf(j->action_id, sizeof(j->action_id), "%s:%s:%s", j->id,
	    state_str(j, "cycle") ? state_str(j, "cycle") : j->acct.due_date, j->st->name);
	/* a handoff goes its wait after the step before it was done (the final notice) */
	if (j->st->handoff && j->sst.done_at > 0 && od_job_handoff_after(j, tz) > due)
		due = od_job_handoff_after(j, tz);
	if (due > j->now) {
		j->next_step = j->step;
		j->next_due = due;
		return OD_JOB_FINISH;
	}
	if (od_job_held(j)) {
		j->next_step = j->step;
		return OD_JOB_FINISH;
	}
	/* Holds: a dispute waits for its resolution; a promise to pay, for its date. */
	if (json_is_true(json_object_get(json_object_get(j->state, "hold"), "dispute"))) {
		od_job_record(j, -1, "suppressed", "hold");
		j->next_step = j->step;
		return OD_JOB_FINISH;
	}
	until = json_string_value(json_object_get(json_object_get(j->state, "hold"), "promise_until"));
	if (until != NULL && strcmp(until, j->today) >= 0) {
		int y, m, dd;
		json_object_set_new(od_job_record(j, -1, "suppressed", "hold"), "detail",
		    json_sprintf("promise to pay until %s", until));
		j->next_step = j->step;
		if (tz != NULL && od_date_parse(until, &y, &m, &dd) == 0) {
			od_civil_from_days(od_days_from_civil(y, m, dd) + 1, &y, &m, &dd);
			j->next_due = od_tz_from_local(tz, y, m, dd, j->policy->send_at_min / 60,
			    j->policy->send_at_min % 60, 0) * 1000;
		}
		return OD_JOB_FINISH;
	}
	return od_job_try(j);
}
