/*
 * One action's path, from its claim to its completion: the step's channels
 * tried in order (od_job.c decides), the gateway's admission (od_sender.c),
 * the attempt begun (begin.lua, in od_dispatch.c's batches), the request
 * built by the plugin and performed by the transport, the outcome
 * classified, and the completion queued (complete.lua, batched too).  A
 * script that found the state changed under it has the send checked, or
 * the outcome applied, again.
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
#include "od_buf.h"
#include "od_dispatch_int.h"
#include "od_env.h"
#include "od_hooks.h"
#include "od_http.h"
#include "od_job.h"
#include "od_link_http.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_person.h"
#include "od_queue.h"
#include "od_record.h"
#include "od_sender.h"
#include "od_state.h"
#include "od_time.h"

static void	action_begin(struct action *a);
static void	action_count(struct od_dispatch *dp, json_t *records);
static void	action_finish(struct action *a);
static void	action_admit(struct action *a);
static void	action_complete(struct action *a);
static void	action_extra_clear(struct action *a);


/* Longest wait for a token or a slot that an action spends in memory. */
#define DISPATCH_WAIT_MAX_MS	5000

static void
action_release_slot(struct action *a, int counted, int failed)
{
	if (a->sgw == NULL)
		return;
	if (counted)
		od_sender_done(a->sgw, failed, od_now_ms());
	else
		od_sender_release(a->sgw);
	a->sgw = NULL;
}

static void
action_free_pre(struct action *a)
{
	while (a->npre > 0)
		free(a->pre[--a->npre]);
	free(a->pre);
	a->pre = NULL;
}

void
od_action_free(struct action *a)
{
	action_release_slot(a, 0, 0);
	od_request_clear(&a->req);
	free(a->rec_json);
	action_free_pre(a);
	free(a->ver);
	free(a->hist);
	free(a->agr);
	action_extra_clear(a);
	free(a->new_state);
	free(a->drop);
	free(a->contacts);
	while (a->nrecs > 0)
		free(a->recs[--a->nrecs]);
	free(a->recs);
	if (a->prev)
		a->prev->next = a->next;
	else if (a->dp->actions == a)
		a->dp->actions = a->next;
	if (a->next)
		a->next->prev = a->prev;
	if (a->delay_ev)
		event_free(a->delay_ev);
	json_decref(a->rec);
	od_job_clear(&a->job);
	od_confset_unref(a->set);
	free(a);
}

/* What the outcome added, from an earlier completion (applied again when stale). */
static void
action_extra_clear(struct action *a)
{
	while (a->nxjson > 0)
		free(a->xjson[--a->nxjson]);
	free(a->xjson);
	a->xjson = NULL;
	json_decref(a->xrecs);
	json_decref(a->xdocs);
	a->xrecs = a->xdocs = NULL;
	a->nhand = 0;
}

void
od_action_next(struct action *a, enum od_job_next next)
{
	if (next == OD_JOB_SEND)
		action_admit(a);
	else
		action_finish(a);
}

static void
action_result(struct action *a, const struct od_channel_result *res)
{
	json_t	*r = a->rec;

	a->rec = NULL;
	od_action_next(a, od_job_outcome(&a->job, res, r));
	json_decref(r);
}

static void
action_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct action	*a = arg;

	(void)fd;
	(void)what;
	if (!a->latency) {		/* waited for a token or a slot */
		action_admit(a);
		return;
	}
	a->latency = 0;
	action_release_slot(a, 1, 0);
	action_result(a, &a->res);
}

static int
action_timer(struct action *a, int64_t ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (a->delay_ev == NULL)
		a->delay_ev = evtimer_new(a->dp->env->base, action_delay_cb, a);
	return a->delay_ev != NULL && evtimer_add(a->delay_ev, &tv) == 0 ? 0 : -1;
}

/*
 * The gateway's limits: a token in its buckets, a slot among its requests in
 * flight, a closed breaker.  A short wait is spent here, on a timer; a long
 * one (an open breaker) hands the action back to the due set for then.
 */
static void
action_admit(struct action *a)
{
	struct od_job		*j = &a->job;
	struct od_sender_gw	*g;
	int64_t			 wait = 0;
	enum od_admit		 ad;

	g = j->gw ? od_sender_find(a->dp->sender, j->gw->name) : NULL;
	if (g == NULL) {
		action_begin(a);	/* a gateway the sender does not know: no limits */
		return;
	}
	ad = od_sender_admit(g, j->kind == OD_CH_SMS ? j->segments : 0, od_now_ms(), &wait);
	if (ad == OD_ADMIT_GO) {
		a->sgw = g;
		action_begin(a);
		return;
	}
	if (ad == OD_ADMIT_WAIT)
		od_metric_inc(a->dp->env->m.ratelimit_waits, OD_LABELS(g->name), 1);
	if (ad == OD_ADMIT_WAIT && wait <= DISPATCH_WAIT_MAX_MS && !a->dp->env->stopping &&
	    action_timer(a, wait) == 0)
		return;
	/* Not now: the same step and channel, when the gateway can take it. */
	od_log_debug("dispatch", "action %s: gateway %s %s; again in %lld ms", j->action_id,
	    g->name, ad == OD_ADMIT_OPEN ? "is failing (breaker open)" : "is at its limit",
	    (long long)wait);
	od_rendered_clear(&j->r);
	j->next_step = j->step;
	j->next_due = od_now_ms() + (wait > 0 ? wait : 1000);
	action_finish(a);
}

/* The transport's outcome, classified: the core's for transport failures, the plugin's for replies. */
static void
action_http_done(void *arg, const struct od_http_result *hr)
{
	struct action			*a = arg;
	struct od_channel_message	 msg;
	struct od_channel_reply		 reply;
	struct od_channel_result	 res;
	struct od_gateway		*gw = a->job.gw;

	memset(&res, 0, sizeof(res));
	od_metric_observe(a->dp->env->m.gateway_latency, OD_LABELS(gw->name), hr->total_s);
	switch (hr->error) {
	case OD_HTTP_OK:
		memset(&reply, 0, sizeof(reply));
		reply.status = hr->status;
		reply.body = hr->body ? hr->body : "";
		reply.body_len = hr->body_len;
		reply.retry_after = hr->retry_after;
		reply.retry_after_ms = hr->retry_after_ms;
		reply.content_type = hr->content_type;
		od_job_message(&a->job, &msg);
		gw->plugin->classify(gw->ctx, &msg, &reply, &res);
		break;
	case OD_HTTP_CONNECT:
	case OD_HTTP_TIMEOUT_BEFORE_SEND:
	case OD_HTTP_TLS:
	case OD_HTTP_INTERNAL:
		/* Never reached the provider: safe to try again. */
		res.outcome = OD_OUTCOME_RETRYABLE;
		if (hr->fault == OD_HTTP_FAULT_LOCAL)
			res.flags |= OD_RESULT_LOCAL;	/* neither the debtor's nor the provider's */
		snprintf(res.reason, sizeof(res.reason), "%s: %.200s",
		    od_http_error_name(hr->error), hr->errstr);
		break;
	case OD_HTTP_SENT_NO_REPLY:
		/* The request went out: the provider may have sent the message. */
		res.outcome = OD_OUTCOME_UNKNOWN;
		snprintf(res.reason, sizeof(res.reason), "no reply after the request was sent: %.200s",
		    hr->errstr);
		break;
	case OD_HTTP_PROTOCOL:
	default:
		res.outcome = OD_OUTCOME_PERMANENT;
		res.flags = OD_RESULT_CONFIG;
		snprintf(res.reason, sizeof(res.reason), "%s: %.200s",
		    od_http_error_name(hr->error), hr->errstr);
		break;
	}
	if (res.outcome == OD_OUTCOME_INVALID) {
		res.outcome = OD_OUTCOME_UNKNOWN;
		snprintf(res.reason, sizeof(res.reason), "the plugin gave no outcome (HTTP %ld)",
		    hr->status);
	}
	od_request_clear(&a->req);
	action_release_slot(a, 1, od_http_gateway_failed(hr));
	action_result(a, &res);
}

static void
action_send(struct action *a)
{
	struct od_channel_message	msg;
	struct od_channel_result	res;
	struct od_gateway		*gw = a->job.gw;
	char				err[sizeof(res.reason)], cbu[2048];

	od_job_message(&a->job, &msg);
	if (a->job.links)	/* its payment links resolve through the account's ref */
		od_link_http_store_ref(a->dp->env, a->job.id);
	msg.callback_url = od_hooks_callback_url(a->dp->env, gw, a->job.id, a->job.attempt_id, cbu,
	    sizeof(cbu));
	od_request_clear(&a->req);
	memset(&res, 0, sizeof(res));
	if (od_gateway_build(gw, &msg, &a->req, err, sizeof(err)) == -1) {
		res.outcome = OD_OUTCOME_PERMANENT;
		snprintf(res.reason, sizeof(res.reason), "%s", err);
	} else if (gw->plugin->transport != OD_TRANSPORT_FILE) {
		if (od_http_perform(a->dp->http, &a->req, a->sgw ? &a->sgw->opts : NULL,
		    action_http_done, a) == 0)
			return;
		res.outcome = OD_OUTCOME_RETRYABLE;
		snprintf(res.reason, sizeof(res.reason), "transport: %s",
		    od_http_errstr(a->dp->http));
	} else {
		od_gateway_file_send(gw, &msg, &a->req, &res);
		if (res.outcome == OD_OUTCOME_INVALID) {
			res.outcome = OD_OUTCOME_UNKNOWN;
			snprintf(res.reason, sizeof(res.reason), "the plugin gave no outcome");
		}
		if (gw->file_delay_ms > 0) {
			/* A rehearsal's gateway latency: the slot stays taken meanwhile. */
			a->res = res;
			a->latency = 1;
			od_request_clear(&a->req);
			if (action_timer(a, gw->file_delay_ms) == 0)
				return;
			a->latency = 0;
		}
	}
	od_request_clear(&a->req);
	action_release_slot(a, 1, 0);
	action_result(a, &res);
}

/* The state's new version, from a script's {'stale', state, version}; -1 when it is not that. */
static int
action_stale(struct action *a, const redisReply *e)
{
	char	*v;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 3 ||
	    e->element[1]->type != REDIS_REPLY_STRING || e->element[2]->type != REDIS_REPLY_STRING ||
	    ++a->stale > OD_STATE_TRIES ||
	    (v = strndup(e->element[2]->str, e->element[2]->len)) == NULL)
		return -1;
	free(a->ver);
	a->ver = v;
	return 0;
}

/*
 * begin.lua found the state changed since the claim: the send is checked
 * again on the state as it is now, and begins again or is cancelled.
 */
void
od_action_begin_stale(struct action *a, const redisReply *e)
{
	static char	 cancel[64];
	const char	*why;

	if (action_stale(a, e) == -1) {
		od_action_begin_answer(a, NULL);
		return;
	}
	od_metric_inc(a->dp->env->m.state_conflicts, OD_LABELS("begin"), 1);
	if ((why = od_job_recheck(&a->job, e->element[1]->str, e->element[1]->len)) == NULL) {
		od_dispatch_queue_begin(a);
		return;
	}
	snprintf(cancel, sizeof(cancel), "cancel %s", why);
	od_action_begin_answer(a, cancel);
}

/* The answer of begin.lua for one attempt: send, or not and why. */
void
od_action_begin_answer(struct action *a, const char *s)
{
	struct od_job	*j = &a->job;

	free(a->rec_json);
	a->rec_json = NULL;
	action_free_pre(a);
	if (s != NULL && strcmp(s, "ok") == 0) {
		/* begin.lua wrote the records made so far: completion has only the rest */
		action_count(a->dp, j->records);
		json_array_clear(j->records);
		if (a->contacts != NULL) {	/* the person's contacts, this send included */
			free(j->contacts);
			j->contacts = a->contacts;
			j->ncontacts = strlen(a->contacts);
			a->contacts = NULL;
		}
		action_send(a);
		return;
	}
	json_decref(a->rec);
	a->rec = NULL;
	action_release_slot(a, 0, 0);
	free(a->contacts);
	a->contacts = NULL;
	if (s != NULL && strcmp(s, "busy") == 0) {
		/*
		 * Another account of the same person was contacted since the claim:
		 * nothing is sent or recorded; the action is claimed again at once
		 * and the caps are checked on the person's contacts as they are now.
		 */
		j->next_step = j->step;
		j->next_due = od_now_ms();
		action_finish(a);
		return;
	}
	if (s != NULL && strcmp(s, "cancel state_corrupt") == 0) {
		/* the state changed into garbage: od_job_restate failed the account */
		action_finish(a);
		return;
	}
	if (s != NULL && strncmp(s, "cancel ", 7) == 0) {
		/* A payment, hold or opt-out arrived after the claim: nothing is sent. */
		od_job_record(j, j->kind, "suppressed", s + 7);
		if (strcmp(s + 7, "opt_out") == 0) {
			j->ci++;
			od_action_next(a, od_job_try(j));
			return;
		}
		j->next_step = j->step;
		j->next_due = -1;
		action_finish(a);
		return;
	}
	/* Lost the lease (another daemon reclaimed it), or Redis is gone: send nothing. */
	{
		const struct od_log_field f[] = {
			{ OD_LOG_ACCOUNT_ID, j->id }, { OD_LOG_ACTION_ID, j->action_id },
		};
		od_log_kv(OD_LOG_WARNING, "dispatch", f, 2, "%s; not sent here",
		    s ? "lease lost" : "Redis unavailable");
	}
	/* Redis may have run the begin: its lease is settled as ours once it is back */
	if (s == NULL)
		od_reclaim_unanswered(a->dp, j->id);
	a->dp->env->stats.lost++;
	a->dp->inflight--;
	od_action_free(a);
}

/* The person's contacts with the attempt about to begin (od_person.h). */
static char *
action_contacts(const struct od_job *j)
{
	struct od_buf	b;
	char		*s;

	od_buf_init(&b);
	od_person_add(&b, j->contacts, j->ncontacts, od_now_ms(), j->kind, j->attempt_id,
	    OD_PERSON_PENDING);
	s = b.oom ? NULL : od_buf_steal(&b);
	od_buf_free(&b);
	return s;
}

static void
action_begin(struct action *a)
{
	struct od_job	*j = &a->job;

	size_t		 i, n = json_array_size(j->records);

	if (n > 0 && (a->pre = calloc(n, sizeof(*a->pre))) != NULL)
		for (i = 0; i < n; i++, a->npre++)
			if ((a->pre[i] = od_account_json_dumps(json_array_get(j->records, i))) == NULL)
				break;
	if (j->gw == NULL || a->npre != n || (a->rec = od_job_attempt(j)) == NULL ||
	    (a->rec_json = od_account_json_dumps(a->rec)) == NULL ||
	    (j->pid[0] != '\0' && (a->contacts = action_contacts(j)) == NULL)) {
		/* Nothing was recorded or sent; the lease expires and the action is claimed again. */
		od_log_err("dispatch", "action %s: cannot record the attempt; left to its lease",
		    j->action_id);
		a->dp->inflight--;
		od_action_free(a);
		return;
	}
	od_dispatch_queue_begin(a);
}

static void
action_count(struct od_dispatch *dp, json_t *records)
{
	struct od_stats	*st = &dp->env->stats;
	const char	*s, *ch, *gw, *reason;
	json_t		*r;
	size_t		 i;

	json_array_foreach(records, i, r) {
		s = json_string_value(json_object_get(r, "status"));
		if (s == NULL)
			continue;
		if (od_state_is_life_record(r)) {
			/* the lifecycle's: no channel, a metric of its own */
			od_metric_inc(dp->env->m.lifecycle, OD_LABELS(s), 1);
			continue;
		}
		ch = json_string_value(json_object_get(r, "channel"));
		gw = json_string_value(json_object_get(r, "gateway"));
		od_metric_inc(dp->env->m.attempts, OD_LABELS(ch ? ch : "", gw ? gw : "", s), 1);
		if (od_log_level() >= OD_LOG_DEBUG) {
			const struct od_log_field f[] = {
				{ OD_LOG_ACCOUNT_ID, json_string_value(json_object_get(r, "account_id")) },
				{ OD_LOG_ACTION_ID, json_string_value(json_object_get(r, "action_id")) },
				{ OD_LOG_GATEWAY, gw },
				{ OD_LOG_STATUS, s },
			};
			od_log_kv(OD_LOG_DEBUG, "dispatch", f, 4, "attempt recorded: %s on %s",
			    s, ch ? ch : "-");
		}
		if (strcmp(s, "suppressed") == 0) {
			reason = json_string_value(json_object_get(r, "reason"));
			od_metric_inc(dp->env->m.suppressions, OD_LABELS(reason ? reason : ""), 1);
		}
		if (strcmp(s, "sent") == 0)
			st->sent++;
		else if (strcmp(s, "failed") == 0)
			st->failed++;
		else if (strcmp(s, "retry") == 0)
			st->retried++;
		else if (strcmp(s, "suppressed") == 0)
			st->suppressed++;
		else if (strcmp(s, "unknown") == 0)
			st->unknown++;
	}
}

static void
action_finish(struct action *a)
{
	struct od_job	*j = &a->job;
	size_t		 i, n = json_array_size(j->records);

	action_count(a->dp, j->records);
	/* recs[i] is records[i]: a record that cannot be written ends the list */
	if (n > 0 && (a->recs = calloc(n, sizeof(*a->recs))) != NULL)
		for (i = 0; i < n; i++) {
			if ((a->recs[a->nrecs] = od_account_json_dumps(json_array_get(j->records,
			    i))) == NULL)
				break;
			a->nrecs++;
		}
	if (j->pid[0] != '\0' && json_array_size(j->dropped) > 0) {
		struct od_buf	b;
		json_t		*v;

		od_buf_init(&b);
		json_array_foreach(j->dropped, i, v)
			od_buf_printf(&b, "%s%s", i ? " " : "", json_string_value(v));
		a->drop = od_buf_steal(&b);
		od_buf_free(&b);
	}
	action_complete(a);
}

/*
 * Queues the completion: the state and the schedule the outcome makes
 * (od_record_state), with the lifecycle's records and documents it made
 * and, for a handoff, the placement's fields (complete.lua writes the file).
 */
static void
action_complete(struct action *a)
{
	struct od_job	*j = &a->job;
	int64_t		 due, now = od_now_ms();
	json_t		*v;
	size_t		 i, n;
	char		 buf[512];

	free(a->new_state);
	action_extra_clear(a);
	a->xrecs = json_array();
	a->xdocs = json_array();
	a->new_state = a->xrecs && a->xdocs ? od_record_state(j, now, &due, a->xrecs, a->xdocs) :
	    NULL;
	n = json_array_size(a->xrecs) + json_array_size(a->xdocs);
	if (a->new_state != NULL && n > 0 && (a->xjson = calloc(n, sizeof(*a->xjson))) != NULL) {
		json_array_foreach(a->xrecs, i, v)
			if ((a->xjson[a->nxjson] = od_account_json_dumps(v)) != NULL)
				a->nxjson++;
		json_array_foreach(a->xdocs, i, v)
			if ((a->xjson[a->nxjson] = od_account_json_dumps(v)) != NULL)
				a->nxjson++;
	}
	if (a->new_state == NULL || a->nxjson != n || (a->agr == NULL &&
	    (a->agr = strdup(od_keys_agr(od_queue_keys(a->dp->env->q), j->id, buf,
	    sizeof(buf)))) == NULL)) {
		od_log_err("dispatch", "action %s: out of memory completing it; left to its lease",
		    j->action_id);
		a->dp->inflight--;
		od_action_free(a);
		return;
	}
	if (j->placed != NULL)
		a->nhand = od_record_handoff_fields(j, now, a->hand, a->handbuf,
		    sizeof(a->handbuf));
	action_count(a->dp, a->xrecs);
	snprintf(a->num[0], sizeof(a->num[0]), "%lld", (long long)due);
	snprintf(a->num[1], sizeof(a->num[1]), "%zu", a->nrecs + json_array_size(a->xrecs));
	snprintf(a->num2[0], sizeof(a->num2[0]), "%zu", json_array_size(a->xdocs));
	snprintf(a->num2[1], sizeof(a->num2[1]), "%zu", a->nhand);
	od_dispatch_queue_complete(a);
}

/*
 * complete.lua found the state changed since the claim (an event came in
 * while the action was in flight): the outcome is applied again to the
 * state as it is now, and completed again.
 */
void
od_action_complete_stale(struct action *a, const redisReply *e)
{
	struct od_job	*j = &a->job;
	size_t		 n;
	char		**nv;

	if (action_stale(a, e) == -1) {
		od_log_err("dispatch", "action %s: its state keeps changing under it; left to "
		    "its lease", j->action_id);
		a->dp->inflight--;
		od_action_free(a);
		return;
	}
	od_metric_inc(a->dp->env->m.state_conflicts, OD_LABELS("complete"), 1);
	n = json_array_size(j->records);
	if (od_job_restate(j, e->element[1]->str, e->element[1]->len) == -1 &&
	    json_array_size(j->records) > n && a->nrecs == n &&
	    (nv = realloc(a->recs, (n + 1) * sizeof(*nv))) != NULL) {
		/* the account is failed: the record saying so goes with the others */
		a->recs = nv;
		if ((a->recs[n] = od_account_json_dumps(json_array_get(j->records, n))) != NULL)
			a->nrecs++;
	}
	action_complete(a);
}
