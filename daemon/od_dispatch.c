/*
 * Dispatch: due actions, claimed in batches under a lease, checked against
 * the account's state and the contact rules at the moment of sending,
 * rendered, sent, and completed in one script that records every attempt and
 * plans the next step.
 *
 * An action walks the step's channels in order of preference: a channel the
 * debtor opted out of, gave no consent or no address for, whose template
 * cannot be rendered, or whose gateway fails permanently, is recorded and
 * the next one is tried.  The contact rules hold the whole action back to
 * the next instant they allow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <jansson.h>

#include "od_account.h"
#include "od_daemon.h"
#include "od_log.h"
#include "od_plan.h"
#include "od_sms.h"
#include "od_time.h"
#include "od_tz.h"

struct action {
	struct od_daemon	*d;
	char			*id;
	json_t			*state;
	struct od_account	 acct;
	int			 acct_ok;
	const struct od_policy	*policy;
	const struct od_step	*st;
	int			 step;
	int			 ci;		/* the channel being tried */
	int			 tries;
	int			 seq;		/* attempts numbered so far */
	int64_t			 now;
	char			 today[16];
	char			 action_id[400];
	json_t			*records;	/* the attempts to record at completion */
	int			 next_step;	/* -1: unchanged */
	int64_t			 next_due;	/* -1: nothing scheduled */
	const char		*contact;	/* kind that reached the debtor, or "" */
	const char		*optout;	/* kind the provider says the debtor left, or "" */
	/* the attempt under way */
	int			 kind;
	struct od_gateway	*gw;
	struct od_rendered	 r;
	char			 attempt_id[420];
	char			 coding[8];
	int			 segments;
	json_t			*rec;		/* its record */
	struct od_channel_result res;		/* its outcome, while a simulated latency runs */
	struct event		*delay_ev;
};

static void	action_try(struct action *a);
static void	action_finish(struct action *a);

static void
action_free(struct action *a)
{
	if (a->delay_ev)
		event_free(a->delay_ev);
	od_rendered_clear(&a->r);
	json_decref(a->rec);
	json_decref(a->records);
	json_decref(a->state);
	if (a->acct_ok)
		od_account_clear(&a->acct);
	free(a->id);
	free(a);
}

static const char *
state_str(const struct action *a, const char *key)
{
	return json_string_value(json_object_get(a->state, key));
}

static long long
state_int(const struct action *a, const char *key)
{
	json_t	*v = json_object_get(a->state, key);

	return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

/* A new attempt record, added to the action's list. */
static json_t *
action_record(struct action *a, int kind, const char *status, const char *reason)
{
	char	 ts[32];
	json_t	*r;

	od_time_format_iso(od_now_ms(), ts, sizeof(ts));
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}",
	    "ts", ts, "account_id", a->id, "action_id", a->action_id,
	    "policy", a->policy ? a->policy->name : (state_str(a, "policy") ? state_str(a, "policy") : ""),
	    "step", a->st ? a->st->name : "", "stage", a->st ? od_stage_name(a->st->stage) : "",
	    "step_index", a->step, "status", status);
	if (r == NULL)
		return NULL;
	if (kind >= 0)
		json_object_set_new(r, "channel", json_string(od_channel_kind_name(kind)));
	if (reason != NULL && reason[0] != '\0')
		json_object_set_new(r, "reason", json_string(reason));
	json_array_append(a->records, r);
	json_decref(r);	/* the array holds it */
	return r;
}

/* Where the step after the current one falls, for completion. */
static void
action_plan_after(struct action *a)
{
	int64_t	due;
	size_t	skipped;
	int	i;

	a->next_step = a->step + 1;
	a->next_due = -1;
	if (a->policy == NULL)
		return;
	i = od_plan_next(&a->acct, a->policy, (size_t)a->step + 1, a->now, &due, &skipped);
	if (i >= 0)
		a->next_due = due < a->now ? a->now : due;
}

static const char *
action_address(const struct action *a, int kind)
{
	switch (kind) {
	case OD_CH_SMS:		return a->acct.phone;
	case OD_CH_EMAIL:	return a->acct.email;
	case OD_CH_WHATSAPP:	return a->acct.whatsapp;
	default:		return NULL;
	}
}

static int
action_opted_out(const struct action *a, int kind)
{
	json_t	*o = json_object_get(a->state, "optout");

	return json_is_true(json_object_get(o, "all")) ||
	    json_is_true(json_object_get(o, od_channel_kind_name(kind)));
}

/* The contact rules at this instant: 0 allowed, 1 held back (action finished). */
static int
action_rules(struct action *a, int kind)
{
	struct od_contact	 recent[64];
	struct od_verdict	 v;
	const struct od_rules_preset *p;
	const char		*jur, *tz, *k;
	json_t			*arr, *c;
	size_t			 i, n = 0;
	char			 reason[200];

	jur = a->policy->jurisdiction ? a->policy->jurisdiction : a->acct.country;
	p = a->d->set.rules ? od_rules_preset(a->d->set.rules, jur) : NULL;
	tz = od_account_timezone(&a->acct);
	arr = json_object_get(a->state, "recent");
	json_array_foreach(arr, i, c) {
		if (n == sizeof(recent) / sizeof(recent[0]))
			break;
		k = json_string_value(json_array_get(c, 1));
		recent[n].at_ms = (int64_t)json_number_value(json_array_get(c, 0));
		recent[n].kind = k ? od_channel_kind_parse(k) : -1;
		n++;
	}
	memset(&v, 0, sizeof(v));
	if (od_rules_check(a->d->set.rules, p, tz, kind, recent, n, a->now, &v) <= 0)
		return 0;
	snprintf(reason, sizeof(reason), "%s", od_block_name(v.block));
	json_object_set_new(action_record(a, kind, "suppressed", reason), "detail",
	    json_string(v.detail));
	a->d->stats.suppressed++;
	a->next_step = a->step;
	a->next_due = v.next_ms;	/* -1: never within reach: dropped, with its reason */
	action_finish(a);
	return 1;
}

static void
action_render(struct action *a, const struct od_message_tmpl *m, char *err, size_t errlen, int *rc)
{
	json_t			*ctx;
	struct od_sms_info	 info;
	struct od_buf		 tl;
	int64_t			 paid = state_int(a, "paid_minor");

	*rc = -1;
	ctx = od_plan_context(&a->acct, a->policy, a->st, paid, a->d->set.cfg.company, a->now);
	if (ctx == NULL) {
		snprintf(err, errlen, "cannot build the template context");
		return;
	}
	*rc = od_template_render_message(m, a->kind, ctx, a->acct.locale ? a->acct.locale :
	    a->d->set.cfg.default_locale, &a->r, err, errlen);
	json_decref(ctx);
	if (*rc == -1 || a->kind != OD_CH_SMS || a->r.text == NULL)
		return;
	if (a->policy->transliterate) {
		od_buf_init(&tl);
		if (od_sms_transliterate(a->r.text, &tl) == 0 && tl.data != NULL) {
			free(a->r.text);
			a->r.text = od_buf_steal(&tl);
		}
		od_buf_free(&tl);
	}
	if (od_sms_analyze(a->r.text, &info) == 0) {
		snprintf(a->coding, sizeof(a->coding), "%s", od_sms_encoding_name(info.encoding));
		a->segments = (int)info.segments;
	}
}

static void	action_begin(struct action *a);

/* Tries the step's channels from a->ci on; ends in a send, a hold, or completion. */
static void
action_try(struct action *a)
{
	const struct od_message_tmpl	*m;
	const char			*locale;
	char				 err[512];
	int				 gwi, rc;

	for (; a->ci < (int)a->st->nchannels; a->ci++, a->tries = 0) {
		a->kind = a->st->channels[a->ci];
		gwi = a->d->set.cfg.channel_gateway[a->kind];
		if (gwi < 0 || (size_t)gwi >= a->d->set.gateways.n) {
			action_record(a, a->kind, "failed", "no gateway is configured for this channel");
			a->d->stats.failed++;
			continue;
		}
		a->gw = &a->d->set.gateways.v[gwi];
		if (action_opted_out(a, a->kind)) {
			action_record(a, a->kind, "suppressed", "opt_out");
			a->d->stats.suppressed++;
			continue;
		}
		if (!a->acct.consent[a->kind]) {
			action_record(a, a->kind, "suppressed", "consent");
			a->d->stats.suppressed++;
			continue;
		}
		if (action_address(a, a->kind) == NULL) {
			action_record(a, a->kind, "suppressed", "no_address");
			a->d->stats.suppressed++;
			continue;
		}
		if (action_rules(a, a->kind))
			return;
		locale = a->acct.locale ? a->acct.locale : a->d->set.cfg.default_locale;
		m = od_template_set_find(&a->d->set.templates, a->st->template, locale,
		    a->d->set.cfg.default_locale);
		if (m == NULL || !od_message_tmpl_has(m, a->kind)) {
			snprintf(err, sizeof(err), "template '%s' has no %s text for %s",
			    a->st->template, od_channel_kind_name(a->kind), locale);
			action_record(a, a->kind, "failed", err);
			a->d->stats.failed++;
			continue;
		}
		od_rendered_clear(&a->r);
		a->coding[0] = '\0';
		a->segments = 0;
		action_render(a, m, err, sizeof(err), &rc);
		if (rc == -1) {
			char reason[600];
			snprintf(reason, sizeof(reason), "template '%s' (%s): %s", m->name, m->locale, err);
			action_record(a, a->kind, "failed", reason);
			a->d->stats.failed++;
			continue;
		}
		action_begin(a);
		return;
	}
	/* Every channel of the step is spent: the step is over, with its records. */
	action_plan_after(a);
	a->ci = 0;
	a->tries = 0;
	action_finish(a);
}

static void
action_message(struct action *a, struct od_channel_message *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->action_id = a->action_id;
	msg->attempt_id = a->attempt_id;
	msg->account_id = a->id;
	msg->kind = a->kind;
	msg->to = action_address(a, a->kind);
	msg->name = a->acct.name;
	msg->locale = a->acct.locale ? a->acct.locale : a->d->set.cfg.default_locale;
	msg->text = a->r.text;
	msg->subject = a->r.subject;
	msg->html = a->r.html;
	msg->wa_name = a->r.wa_name;
	msg->wa_language = a->r.wa_language;
	msg->wa_params = (const char *const *)a->r.wa_params;
	msg->wa_nparams = a->r.wa_nparams;
	msg->sms_coding = a->coding[0] ? a->coding : NULL;
	msg->sms_segments = a->segments;
	msg->policy = a->policy->name;
	msg->step = a->st->name;
	msg->stage = od_stage_name(a->st->stage);
}

static int64_t
action_backoff(const struct action *a, long retry_after_ms)
{
	const struct od_config	*c = &a->d->set.cfg;
	int64_t			 cap = c->retry_base_ms, delay;
	int			 i;

	for (i = 1; i < a->tries && cap < c->retry_max_ms; i++)
		cap *= 2;
	if (cap > c->retry_max_ms)
		cap = c->retry_max_ms;
	delay = cap > 0 ? (int64_t)(random() % cap) : 0;	/* full jitter */
	if (retry_after_ms > delay)
		delay = retry_after_ms;
	return delay;
}

static void
action_result(struct action *a, const struct od_channel_result *res)
{
	json_t	*r = a->rec;
	char	 reason[400];

	a->rec = NULL;
	json_object_set_new(r, "ts", json_string(od_time_format_iso(od_now_ms(), reason, sizeof(reason))));
	if (res->provider_id[0])
		json_object_set_new(r, "provider_id", json_string(res->provider_id));
	if (res->code[0])
		json_object_set_new(r, "code", json_string(res->code));
	if (res->reason[0])
		json_object_set_new(r, "reason", json_string(res->reason));
	if (res->flags & OD_RESULT_CONFIG)
		od_log_err("dispatch", "gateway %s reports a configuration error: %s (code %s); "
		    "not retried", a->gw->name, res->reason, res->code[0] ? res->code : "-");
	switch (res->outcome) {
	case OD_OUTCOME_ACCEPTED:
		json_object_set_new(r, "status", json_string("sent"));
		json_array_append_new(a->records, r);
		a->d->stats.sent++;
		a->contact = od_channel_kind_name(a->kind);
		action_plan_after(a);
		a->ci = 0;
		a->tries = 0;
		action_finish(a);
		return;
	case OD_OUTCOME_RETRYABLE:
		a->tries++;
		if (a->tries <= a->d->set.cfg.max_retries && !(res->flags & OD_RESULT_CONFIG)) {
			json_object_set_new(r, "status", json_string("retry"));
			json_array_append_new(a->records, r);
			a->d->stats.retried++;
			a->next_step = a->step;
			a->next_due = a->now + action_backoff(a, res->retry_after_ms);
			action_finish(a);
			return;
		}
		snprintf(reason, sizeof(reason), "gave up after %d tries: %s", a->tries,
		    res->reason[0] ? res->reason : "retryable failure");
		json_object_set_new(r, "reason", json_string(reason));
		/* FALLTHROUGH */
	case OD_OUTCOME_PERMANENT:
	default:
		json_object_set_new(r, "status", json_string("failed"));
		json_array_append_new(a->records, r);
		a->d->stats.failed++;
		if (res->flags & OD_RESULT_OPT_OUT)
			a->optout = od_channel_kind_name(a->kind);
		a->ci++;
		a->tries = 0;
		action_try(a);
		return;
	case OD_OUTCOME_UNKNOWN:
		/* It may have reached the debtor: never sent blindly again. */
		json_object_set_new(r, "status", json_string("unknown"));
		json_array_append_new(a->records, r);
		a->d->stats.unknown++;
		a->contact = od_channel_kind_name(a->kind);
		action_plan_after(a);
		a->ci = 0;
		a->tries = 0;
		action_finish(a);
		return;
	}
}

static void
action_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct action	*a = arg;

	(void)fd;
	(void)what;
	action_result(a, &a->res);
}

static void
action_send(struct action *a)
{
	struct od_channel_message	msg;
	struct od_channel_result	res;
	struct od_request		req;
	char				err[512];

	action_message(a, &msg);
	od_request_init(&req);
	memset(&res, 0, sizeof(res));
	if (od_gateway_build(a->gw, &msg, &req, err, sizeof(err)) == -1) {
		res.outcome = OD_OUTCOME_PERMANENT;
		snprintf(res.reason, sizeof(res.reason), "%s", err);
	} else if (a->gw->plugin->transport == OD_TRANSPORT_FILE) {
		od_gateway_file_send(a->gw, &msg, &req, &res);
	} else {
		res.outcome = OD_OUTCOME_PERMANENT;
		res.flags = OD_RESULT_CONFIG;
		snprintf(res.reason, sizeof(res.reason), "the %s transport of plugin %s is not "
		    "available in this build", a->gw->plugin->transport == OD_TRANSPORT_SMTP ?
		    "SMTP" : "HTTP", a->gw->plugin->name);
	}
	od_request_clear(&req);
	if (res.outcome == OD_OUTCOME_INVALID) {
		res.outcome = OD_OUTCOME_UNKNOWN;
		snprintf(res.reason, sizeof(res.reason), "the plugin gave no outcome");
	}
	if (a->gw->file_delay_ms > 0 && a->gw->plugin->transport == OD_TRANSPORT_FILE) {
		struct timeval tv = { a->gw->file_delay_ms / 1000, (a->gw->file_delay_ms % 1000) * 1000 };
		a->res = res;
		if (a->delay_ev == NULL)
			a->delay_ev = evtimer_new(a->d->base, action_delay_cb, a);
		if (a->delay_ev != NULL && evtimer_add(a->delay_ev, &tv) == 0)
			return;
	}
	action_result(a, &res);
}

static void
action_begin_cb(redisReply *r, void *arg)
{
	struct action	*a = arg;
	const char	*s = r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ?
			    r->str : NULL;

	if (s != NULL && strcmp(s, "ok") == 0) {
		action_send(a);
		return;
	}
	json_decref(a->rec);
	a->rec = NULL;
	if (s != NULL && strncmp(s, "cancel ", 7) == 0) {
		/* A payment, hold or opt-out arrived after the claim: nothing is sent. */
		action_record(a, a->kind, "suppressed", s + 7);
		a->d->stats.suppressed++;
		if (strcmp(s + 7, "opt_out") == 0) {
			a->ci++;
			action_try(a);
			return;
		}
		a->next_step = a->step;
		a->next_due = -1;
		action_finish(a);
		return;
	}
	/* Lost the lease (another daemon reclaimed it), or Redis is gone: send nothing. */
	od_log_warn("dispatch", "action %s: %s; not sent here", a->action_id,
	    s ? "lease lost" : "Redis unavailable");
	a->d->stats.lost++;
	a->d->inflight--;
	action_free(a);
}

static void
action_begin(struct action *a)
{
	const struct od_keys	*k = od_queue_keys(a->d->q);
	const char		*keys[3], *args[6];
	char			 maxlen[32], *rec;

	a->seq++;
	snprintf(a->attempt_id, sizeof(a->attempt_id), "%s#%d", a->action_id, a->seq);
	a->rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}",
	    "ts", "", "account_id", a->id, "action_id", a->action_id,
	    "attempt_id", a->attempt_id, "policy", a->policy->name, "step", a->st->name,
	    "stage", od_stage_name(a->st->stage), "step_index", a->step,
	    "channel", od_channel_kind_name(a->kind), "gateway", a->gw->name, "status", "sending");
	if (a->rec == NULL)
		goto fail;
	json_object_set_new(a->rec, "ts", json_string(od_time_format_iso(od_now_ms(), maxlen, sizeof(maxlen))));
	if (a->coding[0]) {
		json_object_set_new(a->rec, "encoding", json_string(a->coding));
		json_object_set_new(a->rec, "segments", json_integer(a->segments));
	}
	if ((rec = json_dumps(a->rec, JSON_COMPACT)) == NULL)
		goto fail;
	snprintf(maxlen, sizeof(maxlen), "%ld", a->d->set.cfg.attempts_maxlen);
	keys[0] = k->lease;
	keys[1] = k->state;
	keys[2] = k->attempts;
	args[0] = a->id;
	args[1] = a->d->consumer;
	args[2] = od_channel_kind_name(a->kind);
	args[3] = maxlen;
	args[4] = rec;
	args[5] = a->today;
	if (od_queue_script(a->d->q, OD_SCRIPT_BEGIN, action_begin_cb, a, 3, keys, 6, args, NULL) == -1) {
		free(rec);
		goto fail;
	}
	free(rec);
	return;
fail:
	/* Nothing was recorded or sent; the lease expires and the action is claimed again. */
	od_log_err("dispatch", "action %s: cannot record the attempt; left to its lease", a->action_id);
	a->d->inflight--;
	action_free(a);
}

static void
action_complete_cb(redisReply *r, void *arg)
{
	struct action	*a = arg;

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		od_log_err("dispatch", "completing %s failed: %s; its lease will settle it",
		    a->action_id, r ? r->str : "connection lost");
	else if (r->type == REDIS_REPLY_STRING && strcmp(r->str, "lost") == 0)
		od_log_warn("dispatch", "action %s: the lease had expired; recorded anyway", a->action_id);
	a->d->inflight--;
	od_dispatch_kick(a->d);
	action_free(a);
	od_daemon_check_idle(a->d);
}

static void
action_finish(struct action *a)
{
	const struct od_keys	*k = od_queue_keys(a->d->q);
	const char		**args;
	const char		*keys[6];
	char			 num[8][32], hist[512];
	char			**recs;
	size_t			 i, n = json_array_size(a->records), nargs = 0;
	int			 rc;

	args = calloc(12 + n, sizeof(*args));
	recs = calloc(n + 1, sizeof(*recs));
	if (args == NULL || recs == NULL) {
		free(args);
		free(recs);
		a->d->inflight--;
		action_free(a);
		return;
	}
	for (i = 0; i < n; i++) {
		recs[i] = json_dumps(json_array_get(a->records, i), JSON_COMPACT);
	}
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)a->now);
	snprintf(num[1], sizeof(num[1]), "%ld", a->d->set.cfg.attempts_maxlen);
	snprintf(num[2], sizeof(num[2]), "%d", a->d->set.cfg.history_len);
	snprintf(num[3], sizeof(num[3]), "%d", a->next_step);
	snprintf(num[4], sizeof(num[4]), "%lld", (long long)a->next_due);
	snprintf(num[5], sizeof(num[5]), "%d", a->ci);
	snprintf(num[6], sizeof(num[6]), "%d", a->tries);
	snprintf(num[7], sizeof(num[7]), "%d", a->seq);
	args[nargs++] = a->id;
	args[nargs++] = a->d->consumer;
	args[nargs++] = num[0];
	args[nargs++] = num[1];
	args[nargs++] = num[2];
	args[nargs++] = num[3];
	args[nargs++] = num[4];
	args[nargs++] = a->contact;
	args[nargs++] = num[5];
	args[nargs++] = num[6];
	args[nargs++] = num[7];
	args[nargs++] = a->optout;
	for (i = 0; i < n; i++)
		if (recs[i] != NULL)
			args[nargs++] = recs[i];
	keys[0] = k->inflight;
	keys[1] = k->lease;
	keys[2] = k->state;
	keys[3] = k->due;
	keys[4] = k->attempts;
	keys[5] = od_keys_hist(k, a->id, hist, sizeof(hist));
	rc = od_queue_script(a->d->q, OD_SCRIPT_COMPLETE, action_complete_cb, a, 6, keys,
	    (int)nargs, args, NULL);
	for (i = 0; i < n; i++)
		free(recs[i]);
	free(recs);
	free(args);
	if (rc == -1) {
		od_log_err("dispatch", "cannot complete %s: Redis unavailable; its lease will settle it",
		    a->action_id);
		a->d->inflight--;
		action_free(a);
	}
}

/* Works out what a claimed action is: nothing to do, a wait, a hold, or a step to send. */
static void
action_start(struct action *a, const char *acct_json, size_t acct_len, const char *state_json,
    size_t state_len)
{
	struct od_daemon	*d = a->d;
	const struct od_tz	*tz;
	struct od_local		 lt;
	json_error_t		 jerr;
	char			 reason[512];
	const char		*status, *pname, *until, *tzname;
	int64_t			 due;
	size_t			 skipped;
	int			 i;

	a->records = json_array();
	a->next_step = -1;
	a->next_due = -1;
	a->contact = "";
	a->optout = "";
	a->now = od_now_ms();
	snprintf(a->action_id, sizeof(a->action_id), "%s", a->id);
	a->state = json_loadb(state_json, state_len, 0, &jerr);
	if (a->state == NULL || !json_is_object(a->state)) {
		json_decref(a->state);
		a->state = json_object();
		action_record(a, -1, "failed", "state: unreadable; re-enqueue the account");
		action_finish(a);
		return;
	}
	a->seq = (int)state_int(a, "seq");
	status = state_str(a, "status");
	if (status == NULL || strcmp(status, "active") != 0) {
		action_finish(a);	/* paid, closed or ceased: nothing more to send */
		return;
	}
	if (od_account_parse(acct_json, acct_len, 0, &a->acct, reason, sizeof(reason)) == -1) {
		action_record(a, -1, "failed", reason);
		action_finish(a);
		return;
	}
	a->acct_ok = 1;
	pname = state_str(a, "policy");
	if (pname == NULL || (a->policy = od_policy_find(&d->set.policies, pname)) == NULL) {
		snprintf(reason, sizeof(reason), "policy '%s' is not loaded; re-enqueue the account",
		    pname ? pname : "");
		action_record(a, -1, "failed", reason);
		action_finish(a);
		return;
	}
	tzname = od_account_timezone(&a->acct);
	tz = tzname ? od_tz_get(tzname) : NULL;
	if (tz != NULL) {
		od_tz_to_local(tz, a->now / 1000, &lt);
		snprintf(a->today, sizeof(a->today), "%04d-%02d-%02d", lt.year, lt.month, lt.day);
	} else {
		od_time_format_iso(a->now, a->today, sizeof(a->today));
		a->today[10] = '\0';
	}
	a->step = (int)state_int(a, "next");
	i = od_plan_next(&a->acct, a->policy, (size_t)a->step, a->now, &due, &skipped);
	if (i == -1) {
		a->next_step = (int)a->policy->nsteps;
		action_finish(a);
		return;
	}
	if (i == -2) {
		action_record(a, -1, "suppressed", "timezone_unknown");
		d->stats.suppressed++;
		action_finish(a);
		return;
	}
	if (i != a->step) {
		a->ci = 0;
		a->tries = 0;
	} else {
		a->ci = (int)state_int(a, "fb");
		a->tries = (int)state_int(a, "tries");
	}
	a->step = i;
	a->st = &a->policy->steps[i];
	snprintf(a->action_id, sizeof(a->action_id), "%s:%s:%s", a->id,
	    state_str(a, "cycle") ? state_str(a, "cycle") : a->acct.due_date, a->st->name);
	if (due > a->now) {
		a->next_step = a->step;
		a->next_due = due;
		action_finish(a);
		return;
	}
	/* Holds: a dispute waits for its resolution; a promise to pay, for its date. */
	if (json_is_true(json_object_get(json_object_get(a->state, "hold"), "dispute"))) {
		action_record(a, -1, "suppressed", "hold");
		d->stats.suppressed++;
		a->next_step = a->step;
		action_finish(a);
		return;
	}
	until = json_string_value(json_object_get(json_object_get(a->state, "hold"), "promise_until"));
	if (until != NULL && strcmp(until, a->today) >= 0) {
		int y, m, dd;
		json_object_set_new(action_record(a, -1, "suppressed", "hold"), "detail",
		    json_sprintf("promise to pay until %s", until));
		d->stats.suppressed++;
		a->next_step = a->step;
		if (tz != NULL && od_date_parse(until, &y, &m, &dd) == 0) {
			od_civil_from_days(od_days_from_civil(y, m, dd) + 1, &y, &m, &dd);
			a->next_due = od_tz_from_local(tz, y, m, dd, a->policy->send_at_min / 60,
			    a->policy->send_at_min % 60, 0) * 1000;
		}
		action_finish(a);
		return;
	}
	action_try(a);
}

static void
dispatch_claim_cb(redisReply *r, void *arg)
{
	struct od_daemon	*d = arg;
	const redisReply	*ids, *accts, *states;
	struct action		*a;
	struct timeval		 tv;
	long long		 next_due, wait;
	size_t			 i, n = 0;

	d->claiming = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
		if (r && r->type == REDIS_REPLY_ERROR)
			od_log_err("dispatch", "claim: %s", r->str);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		evtimer_add(d->claim_ev, &tv);
		return;
	}
	next_due = strtoll(r->element[0]->str ? r->element[0]->str : "-1", NULL, 10);
	ids = r->element[1];
	accts = r->element[2];
	states = r->element[3];
	if (ids->type == REDIS_REPLY_ARRAY)
		n = ids->elements;
	for (i = 0; i < n; i++) {
		if ((a = calloc(1, sizeof(*a))) == NULL)
			break;
		a->d = d;
		a->id = strdup(ids->element[i]->str);
		d->inflight++;
		d->stats.claimed++;
		action_start(a, accts->element[i]->str ? accts->element[i]->str : "",
		    accts->element[i]->len, states->element[i]->str ? states->element[i]->str : "",
		    states->element[i]->len);
	}
	if (d->stopping)
		return;
	d->next_due_ms = next_due < 0 ? 0 : (uint64_t)next_due;
	if (n == 0)
		od_daemon_check_idle(d);
	/* Sleep until the next due action (at most a second: other daemons add work too). */
	wait = 1000;
	if (n > 0 && (next_due >= 0 && next_due <= od_now_ms()))
		wait = 0;
	else if (next_due >= 0 && next_due - od_now_ms() < wait)
		wait = next_due - od_now_ms();
	if (wait < 0)
		wait = 0;
	evtimer_del(d->claim_ev);
	if (wait == 0 && d->inflight < d->set.cfg.max_inflight) {
		od_dispatch_kick(d);
		return;
	}
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(d->claim_ev, &tv);
}

void
od_dispatch_kick(struct od_daemon *d)
{
	const struct od_keys	*k = od_queue_keys(d->q);
	const char		*keys[5], *args[4];
	char			 now[32], lease[32], max[32];
	int			 room = d->set.cfg.max_inflight - d->inflight;

	if (d->claiming || d->stopping || room <= 0 || !od_queue_ready(d->q))
		return;
	if (room > d->set.cfg.claim_batch)
		room = d->set.cfg.claim_batch;
	snprintf(now, sizeof(now), "%lld", (long long)od_now_ms());
	snprintf(lease, sizeof(lease), "%lld", (long long)d->set.cfg.lease_ms);
	snprintf(max, sizeof(max), "%d", room);
	keys[0] = k->due;
	keys[1] = k->inflight;
	keys[2] = k->lease;
	keys[3] = k->accounts;
	keys[4] = k->state;
	args[0] = now;
	args[1] = lease;
	args[2] = max;
	args[3] = d->consumer;
	if (od_queue_script(d->q, OD_SCRIPT_CLAIM, dispatch_claim_cb, d, 5, keys, 4, args, NULL) == 0)
		d->claiming = 1;
}

struct reclaim_one {
	struct od_daemon	*d;
	char			*id;
};

static void
dispatch_reclaim_one_cb(redisReply *r, void *arg)
{
	struct reclaim_one	*ro = arg;

	if (r != NULL && r->type == REDIS_REPLY_STRING && strcmp(r->str, "live") != 0) {
		od_log_info("dispatch", "reclaimed an expired lease (account %s): %s", ro->id, r->str);
		od_dispatch_kick(ro->d);
	}
	free(ro->id);
	free(ro);
}

static void
dispatch_reclaim_scan_cb(redisReply *r, void *arg)
{
	struct od_daemon	*d = arg;
	const struct od_keys	*k = od_queue_keys(d->q);
	const char		*keys[6], *args[9];
	char			 now[32], maxlen[32], hist[512], histlen[16], ts[32];
	struct reclaim_one	*ro;
	size_t			 i;

	d->reclaiming = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return;
	snprintf(now, sizeof(now), "%lld", (long long)od_now_ms());
	snprintf(maxlen, sizeof(maxlen), "%ld", d->set.cfg.attempts_maxlen);
	snprintf(histlen, sizeof(histlen), "%d", d->set.cfg.history_len);
	od_time_format_iso(od_now_ms(), ts, sizeof(ts));
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if ((ro = calloc(1, sizeof(*ro))) == NULL)
			return;
		ro->d = d;
		ro->id = strdup(r->element[i]->str);
		keys[0] = k->inflight;
		keys[1] = k->lease;
		keys[2] = k->state;
		keys[3] = k->due;
		keys[4] = k->attempts;
		keys[5] = od_keys_hist(k, ro->id, hist, sizeof(hist));
		args[0] = ro->id;
		args[1] = now;
		args[2] = maxlen;
		args[3] = histlen;
		args[4] = d->set.cfg.resend_unknown ? "1" : "0";
		args[5] = "0";
		args[6] = "";
		args[7] = "lease expired while sending (the daemon stopped or hung): "
		    "the outcome is unknown, not sent again";
		args[8] = ts;
		if (od_queue_script(d->q, OD_SCRIPT_RECLAIM, dispatch_reclaim_one_cb, ro, 6, keys,
		    9, args, NULL) == -1) {
			free(ro->id);
			free(ro);
		}
	}
}

void
od_dispatch_reclaim(struct od_daemon *d)
{
	char		 now[32];
	const char	*argv[7];

	if (d->reclaiming || !od_queue_ready(d->q))
		return;
	snprintf(now, sizeof(now), "%lld", (long long)od_now_ms());
	argv[0] = "ZRANGEBYSCORE";
	argv[1] = od_queue_keys(d->q)->inflight;
	argv[2] = "-inf";
	argv[3] = now;
	argv[4] = "LIMIT";
	argv[5] = "0";
	argv[6] = "256";
	if (od_queue_command(d->q, dispatch_reclaim_scan_cb, d, 7, argv, NULL) == 0)
		d->reclaiming = 1;
}
