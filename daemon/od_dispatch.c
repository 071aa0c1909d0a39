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
#include "od_dispatch_int.h"
#include "od_env.h"
#include "od_hooks.h"
#include "od_http.h"
#include "od_job.h"
#include "od_sender.h"
#include "od_buf.h"
#include "od_log.h"
#include "od_person.h"
#include "od_queue.h"
#include "od_record.h"
#include "od_metrics.h"
#include "od_time.h"

struct action {
	struct od_dispatch	*dp;
	struct od_job		 job;
	json_t			*rec;		/* the record of the attempt under way */
	struct od_channel_result res;		/* its outcome, while a simulated latency runs */
	struct event		*delay_ev;
	struct od_confset	*set;		/* the set it started under (a reference) */
	struct action		*prev, *next;	/* the daemon's list of actions in flight */
	struct od_sender_gw	*sgw;		/* the gateway's limits, once admitted */
	struct od_request	 req;		/* the request, while the transport has it */
	int			 latency;	/* the timer runs a simulated gateway latency */
	char			*rec_json;	/* the 'sending' record, while begin is queued */
	char			**pre;		/* the records made before it (begin writes them) */
	size_t			 npre;
	char			*ver;		/* the state's version the job works on (lib.lua's od_ver) */
	char			*hist;		/* its P:hist:<id> key (begin and complete write it) */
	char			*new_state;	/* the state complete.lua writes (od_record_state) */
	int			 stale;		/* times a script found the state changed under it */
	char			**recs;		/* the records, while completion is queued */
	char			*drop;		/* the attempts that reached nobody, space-separated */
	char			*contacts;	/* the person's contacts after this send (begin writes) */
	size_t			 nrecs;
	char			 num[2][24];	/* completion's due time and record count, as text */
};

static void	action_begin(struct action *a);
static void	action_count(struct od_dispatch *dp, json_t *records);
static void	action_finish(struct action *a);
static void	action_admit(struct action *a);
static void	action_complete(struct action *a);
static void	dispatch_queue(struct od_dispatch *dp, struct action ***q, size_t *n, size_t *cap,
		    struct action *a);
static void	action_complete_stale(struct action *a, const redisReply *e);

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

static void
action_free(struct action *a)
{
	action_release_slot(a, 0, 0);
	od_request_clear(&a->req);
	free(a->rec_json);
	action_free_pre(a);
	free(a->ver);
	free(a->hist);
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

static void
action_next(struct action *a, enum od_job_next next)
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
	action_next(a, od_job_outcome(&a->job, res, r));
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
		snprintf(res.reason, sizeof(res.reason), "transport: %s", od_http_errstr(a->dp->http));
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

/*
 * Changes under a script's feet (events while the action is in flight) are
 * taken again this many times in a row at most; then the action is left to
 * its lease.
 */
#define DISPATCH_STALE_MAX	64

/* The state's new version, from a script's {'stale', state, version}; -1 when it is not that. */
static int
action_stale(struct action *a, const redisReply *e)
{
	char	*v;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 3 ||
	    e->element[1]->type != REDIS_REPLY_STRING || e->element[2]->type != REDIS_REPLY_STRING ||
	    ++a->stale > DISPATCH_STALE_MAX ||
	    (v = strndup(e->element[2]->str, e->element[2]->len)) == NULL)
		return -1;
	free(a->ver);
	a->ver = v;
	return 0;
}

static void	action_begin_answer(struct action *a, const char *s);

/*
 * begin.lua found the state changed since the claim: the send is checked
 * again on the state as it is now, and begins again or is cancelled.
 */
static void
action_begin_stale(struct action *a, const redisReply *e)
{
	static char	 cancel[64];
	const char	*why;

	if (action_stale(a, e) == -1) {
		action_begin_answer(a, NULL);
		return;
	}
	od_metric_inc(a->dp->env->m.state_conflicts, OD_LABELS("begin"), 1);
	if ((why = od_job_recheck(&a->job, e->element[1]->str, e->element[1]->len)) == NULL) {
		dispatch_queue(a->dp, &a->dp->begin_q, &a->dp->begin_n, &a->dp->begin_cap, a);
		return;
	}
	snprintf(cancel, sizeof(cancel), "cancel %s", why);
	action_begin_answer(a, cancel);
}

/* The answer of begin.lua for one attempt: send, or not and why. */
static void
action_begin_answer(struct action *a, const char *s)
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
			action_next(a, od_job_try(j));
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
	a->dp->env->stats.lost++;
	a->dp->inflight--;
	action_free(a);
}

/*
 * Batches: the attempts to begin and the actions to complete that one turn of
 * the loop produced go to Redis in one script call each (up to
 * DISPATCH_BATCH), which is what keeps the commands per action low.
 */
#define DISPATCH_BATCH	128

struct dispatch_batch {
	struct od_dispatch	*dp;
	struct action		*v[DISPATCH_BATCH];
	size_t			 n;
};

static void
dispatch_queue(struct od_dispatch *dp, struct action ***q, size_t *n, size_t *cap, struct action *a)
{
	struct action	**nv;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		if ((nv = realloc(*q, ncap * sizeof(*nv))) == NULL) {
			od_log_err("dispatch", "out of memory queueing %s", a->job.action_id);
			return;
		}
		*q = nv;
		*cap = ncap;
	}
	(*q)[(*n)++] = a;
	event_active(dp->flush_ev, EV_TIMEOUT, 0);
}

static void
dispatch_begin_cb(redisReply *r, void *arg)
{
	struct dispatch_batch	*b = arg;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		const char *s = NULL;
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements) {
			if (r->element[i]->type == REDIS_REPLY_ARRAY) {
				action_begin_stale(b->v[i], r->element[i]);
				continue;
			}
			if (r->element[i]->type == REDIS_REPLY_STRING)
				s = r->element[i]->str;
		}
		action_begin_answer(b->v[i], s);
	}
	free(b);
}

/*
 * A record's stream fields as script arguments at args: their count F
 * (written into nf), then the F "name", "value" strings (numbers into num,
 * OD_RECORD_FIELDS slots).  Returns how many arguments were added, 1 + F.
 */
static size_t
dispatch_record_args(json_t *rec, const char **args, char (*num)[24], char (*nf)[8])
{
	size_t	f = od_record_fields(rec, args + 1, num);

	snprintf(*nf, sizeof(*nf), "%zu", f);
	args[0] = *nf;
	return 1 + f;
}

static void
dispatch_flush_begin(struct od_dispatch *dp, struct action **v, size_t n)
{
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	struct dispatch_batch	*b;
	const char		**keys, **args;
	char			 maxlen[32], histlen[32], (*num)[24], (*nf)[8];
	size_t			 i, r, na = 0, nrec = 0, ri;

	/* the 'sending' record of each, and the records made before it */
	for (i = 0; i < n; i++)
		nrec += 1 + v[i]->npre;
	b = calloc(1, sizeof(*b));
	keys = calloc(4 + n, sizeof(*keys));
	args = calloc(3 + 10 * n + (2 + 2 * OD_RECORD_FIELDS) * nrec, sizeof(*args));
	num = calloc(nrec * OD_RECORD_FIELDS, sizeof(*num));
	nf = calloc(nrec + n, sizeof(*nf));
	if (b == NULL || keys == NULL || args == NULL || num == NULL || nf == NULL) {
		free(b);
		free(keys);
		free(args);
		free(num);
		free(nf);
		for (i = 0; i < n; i++)
			action_begin_answer(v[i], NULL);
		return;
	}
	b->dp = dp;
	snprintf(maxlen, sizeof(maxlen), "%ld", dp->env->set->cfg.attempts_maxlen);
	snprintf(histlen, sizeof(histlen), "%d", dp->env->set->cfg.history_len);
	keys[0] = k->lease;
	keys[1] = k->state;
	keys[2] = k->attempts;
	keys[3] = k->person;
	args[na++] = dp->env->consumer;
	args[na++] = maxlen;
	args[na++] = histlen;
	for (i = 0, ri = 0; i < n; i++) {
		struct action *a = v[i];
		struct od_job *j = &a->job;

		b->v[b->n++] = a;
		keys[4 + i] = a->hist ? a->hist : "";
		args[na++] = j->id;
		args[na++] = a->rec_json;
		args[na++] = a->ver ? a->ver : "";
		args[na++] = j->pid;
		args[na++] = j->contacts ? j->contacts : "";
		args[na++] = a->contacts ? a->contacts : "";
		na += dispatch_record_args(a->rec, args + na, num + ri * OD_RECORD_FIELDS, &nf[ri]);
		ri++;
		snprintf(nf[nrec + i], sizeof(nf[nrec + i]), "%zu", a->npre);
		args[na++] = nf[nrec + i];
		for (r = 0; r < a->npre; r++, ri++) {
			args[na++] = a->pre[r];
			na += dispatch_record_args(json_array_get(j->records, r), args + na,
			    num + ri * OD_RECORD_FIELDS, &nf[ri]);
		}
	}
	if (od_queue_script(dp->env->q, OD_SCRIPT_BEGIN, dispatch_begin_cb, b, (int)(4 + n), keys,
	    (int)na, args, NULL) == -1)
		dispatch_begin_cb(NULL, b);
	free(keys);
	free(args);
	free(num);
	free(nf);
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
		action_free(a);
		return;
	}
	dispatch_queue(a->dp, &a->dp->begin_q, &a->dp->begin_n, &a->dp->begin_cap, a);
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
dispatch_complete_cb(redisReply *r, void *arg)
{
	struct dispatch_batch	*b = arg;
	struct od_dispatch	*dp = b->dp;
	struct action		*a;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		a = b->v[i];
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements &&
		    r->element[i]->type == REDIS_REPLY_ARRAY) {
			action_complete_stale(a, r->element[i]);
			continue;
		}
		if (r == NULL || r->type != REDIS_REPLY_ARRAY)
			od_log_err("dispatch", "completing %s failed: %s; its lease will settle it",
			    a->job.action_id, r && r->type == REDIS_REPLY_ERROR ? r->str :
			    "connection lost");
		else if (i < r->elements && r->element[i]->type == REDIS_REPLY_STRING &&
		    od_reply_is(r->element[i], "lost"))
			od_log_warn("dispatch", "action %s: the lease had expired; recorded anyway",
			    a->job.action_id);
		dp->inflight--;
		action_free(a);
	}
	free(b);
	od_dispatch_kick(dp);
	if (dp->on_idle != NULL)
		dp->on_idle(dp->cbarg);
}

static void
dispatch_flush_complete(struct od_dispatch *dp, struct action **v, size_t n)
{
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	struct dispatch_batch	*b;
	const char		**keys, **args;
	char			 maxlen[32], histlen[16], (*num)[24], (*nf)[8];
	size_t			 i, r, nk = 0, na = 0, nargs = 3, nrec = 0, ri = 0;

	for (i = 0; i < n; i++)
		nrec += v[i]->nrecs;
	nargs += 8 * n + (2 + 2 * OD_RECORD_FIELDS) * nrec;
	b = calloc(1, sizeof(*b));
	keys = calloc(6 + n, sizeof(*keys));
	args = calloc(nargs, sizeof(*args));
	num = calloc(nrec * OD_RECORD_FIELDS + 1, sizeof(*num));
	nf = calloc(nrec + 1, sizeof(*nf));
	if (b == NULL || keys == NULL || args == NULL || num == NULL || nf == NULL) {
		free(keys);
		free(args);
		free(num);
		free(nf);
		if (b == NULL && (b = calloc(1, sizeof(*b))) == NULL)
			return;
		b->dp = dp;
		for (i = 0; i < n; i++)
			b->v[b->n++] = v[i];
		dispatch_complete_cb(NULL, b);
		return;
	}
	b->dp = dp;
	snprintf(maxlen, sizeof(maxlen), "%ld", dp->env->set->cfg.attempts_maxlen);
	snprintf(histlen, sizeof(histlen), "%d", dp->env->set->cfg.history_len);
	keys[nk++] = k->inflight;
	keys[nk++] = k->lease;
	keys[nk++] = k->state;
	keys[nk++] = k->due;
	keys[nk++] = k->attempts;
	keys[nk++] = k->person;
	args[na++] = dp->env->consumer;
	args[na++] = maxlen;
	args[na++] = histlen;
	for (i = 0; i < n; i++) {
		struct action *a = v[i];
		struct od_job *j = &a->job;

		b->v[b->n++] = a;
		keys[nk++] = a->hist ? a->hist : "";
		args[na++] = j->id;
		args[na++] = a->ver ? a->ver : "";
		args[na++] = a->new_state;
		args[na++] = a->num[0];
		args[na++] = j->pid;
		args[na++] = a->drop ? a->drop : "";
		args[na++] = j->pid[0] && j->contact[0] ? j->attempt_id : "";
		args[na++] = a->num[1];
		for (r = 0; r < a->nrecs; r++, ri++) {
			args[na++] = a->recs[r];
			na += dispatch_record_args(json_array_get(j->records, r), args + na,
			    num + ri * OD_RECORD_FIELDS, &nf[ri]);
		}
	}
	if (od_queue_script(dp->env->q, OD_SCRIPT_COMPLETE, dispatch_complete_cb, b, (int)nk, keys,
	    (int)na, args, NULL) == -1)
		dispatch_complete_cb(NULL, b);
	free(keys);
	free(args);
	free(num);
	free(nf);
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

/* Queues the completion: the state and the schedule the outcome makes (od_record_state). */
static void
action_complete(struct action *a)
{
	int64_t	due;

	free(a->new_state);
	if ((a->new_state = od_record_state(&a->job, od_now_ms(), &due)) == NULL) {
		od_log_err("dispatch", "action %s: out of memory completing it; left to its lease",
		    a->job.action_id);
		a->dp->inflight--;
		action_free(a);
		return;
	}
	snprintf(a->num[0], sizeof(a->num[0]), "%lld", (long long)due);
	snprintf(a->num[1], sizeof(a->num[1]), "%zu", a->nrecs);
	dispatch_queue(a->dp, &a->dp->complete_q, &a->dp->complete_n, &a->dp->complete_cap, a);
}

/*
 * complete.lua found the state changed since the claim (an event came in
 * while the action was in flight): the outcome is applied again to the
 * state as it is now, and completed again.
 */
static void
action_complete_stale(struct action *a, const redisReply *e)
{
	struct od_job	*j = &a->job;
	size_t		 n;
	char		**nv;

	if (action_stale(a, e) == -1) {
		od_log_err("dispatch", "action %s: its state keeps changing under it; left to "
		    "its lease", j->action_id);
		a->dp->inflight--;
		action_free(a);
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

/* Takes a queue whole (answers may queue more, for the next turn) and sends it in batches. */
static void
dispatch_flush_queue(struct od_dispatch *dp, struct action ***qp, size_t *np, size_t *capp,
    void (*flush)(struct od_dispatch *, struct action **, size_t))
{
	struct action	**q = *qp;
	size_t		  n = *np, i, m;

	*qp = NULL;
	*np = *capp = 0;
	for (i = 0; i < n; i += m) {
		m = n - i < DISPATCH_BATCH ? n - i : DISPATCH_BATCH;
		flush(dp, q + i, m);
	}
	free(q);
}

/* Sends what this turn of the loop queued, in batches. */
static void
dispatch_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_dispatch	*dp = arg;

	(void)fd;
	(void)what;
	dispatch_flush_queue(dp, &dp->begin_q, &dp->begin_n, &dp->begin_cap, dispatch_flush_begin);
	dispatch_flush_queue(dp, &dp->complete_q, &dp->complete_n, &dp->complete_cap,
	    dispatch_flush_complete);
}

static void
dispatch_claim_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	od_dispatch_kick(arg);
}

void
od_dispatch_init(struct od_dispatch *dp, struct od_env *env, struct od_sender *sender,
    struct od_http *http)
{
	memset(dp, 0, sizeof(*dp));
	dp->env = env;
	dp->sender = sender;
	dp->http = http;
	dp->claim_ev = evtimer_new(env->base, dispatch_claim_timer_cb, dp);
	dp->flush_ev = event_new(env->base, -1, 0, dispatch_flush_cb, dp);
}

void
od_dispatch_setcb(struct od_dispatch *dp, void (*on_idle)(void *), void *arg)
{
	dp->on_idle = on_idle;
	dp->cbarg = arg;
}

/* A reply string with a NUL inside: no account id, account or state may hold one. */
static int
dispatch_has_nul(const redisReply *e)
{
	return e->type == REDIS_REPLY_STRING && e->str != NULL && memchr(e->str, '\0', e->len);
}

/*
 * A claimed account whose id, document or state holds a NUL byte (written
 * to Redis by something else than outreachd): read as C strings they would
 * name another account or be cut short, so it is not dispatched at all.
 * It lands in rejected with the id's bytes, its state (when the id is
 * usable) says failed/state_corrupt, and its lease is dropped: it is never
 * claimed again.  Every command is binary safe.
 */
static void
dispatch_quarantine(struct od_dispatch *dp, const redisReply *id)
{
	static const char	 reason[] = "claim: the stored account id, account or state holds "
	    "a NUL byte; not dispatched (state_corrupt)";
	static const char	 failed[] = "{\"status\":\"failed\",\"reason\":\"state_corrupt\","
	    "\"detail\":\"the stored account id, account or state holds a NUL byte\"}";
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	const char		*argv[11];
	size_t			 lens[11];

	argv[0] = "XADD"; argv[1] = k->rejected; argv[2] = "*"; argv[3] = "reason";
	argv[4] = reason; argv[5] = "kind"; argv[6] = "claim"; argv[7] = "body"; argv[8] = id->str;
	argv[9] = "entry"; argv[10] = "";
	for (int i = 0; i < 11; i++)
		lens[i] = i == 8 ? id->len : strlen(argv[i]);
	od_queue_command(dp->env->q, NULL, NULL, 11, argv, lens);
	if (memchr(id->str, '\0', id->len) == NULL) {
		argv[0] = "HSET"; argv[1] = k->state; argv[2] = id->str; argv[3] = failed;
		for (int i = 0; i < 4; i++)
			lens[i] = strlen(argv[i]);
		od_queue_command(dp->env->q, NULL, NULL, 4, argv, lens);
	}
	argv[0] = "ZREM"; argv[1] = k->inflight; argv[2] = id->str;
	lens[0] = 4; lens[1] = strlen(k->inflight); lens[2] = id->len;
	od_queue_command(dp->env->q, NULL, NULL, 3, argv, lens);
	argv[0] = "HDEL"; argv[1] = k->lease;
	lens[0] = 4; lens[1] = strlen(k->lease);
	od_queue_command(dp->env->q, NULL, NULL, 3, argv, lens);
	dp->env->stats.rejected++;
	od_metric_inc(dp->env->m.rejected, NULL, 1);
	od_log_err("dispatch", "a claimed account's id, account or state holds a NUL byte: "
	    "not dispatched, see rejected");
}

static void
dispatch_claim_cb(redisReply *r, void *arg)
{
	struct od_dispatch	*dp = arg;
	const redisReply	*ids, *accts, *states, *pids, *contacts, *vers;
	struct od_job_person	 person;
	struct action		*a;
	struct timeval		 tv;
	long long		 next_due, wait;
	size_t			 i, n = 0;

	dp->claiming = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 9) {
		if (r && r->type == REDIS_REPLY_ERROR)
			od_log_err("dispatch", "claim: %s", r->str);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		evtimer_add(dp->claim_ev, &tv);
		return;
	}
	next_due = strtoll(r->element[0]->str ? r->element[0]->str : "-1", NULL, 10);
	ids = r->element[1];
	accts = r->element[2];
	states = r->element[3];
	pids = r->element[6];
	contacts = r->element[7];
	vers = r->element[8];
	dp->leases = r->element[4]->type == REDIS_REPLY_INTEGER ? r->element[4]->integer : 0;
	dp->scheduled = r->element[5]->type == REDIS_REPLY_INTEGER ? r->element[5]->integer : 0;
	if (ids->type == REDIS_REPLY_ARRAY)
		n = ids->elements;
	for (i = 0; i < n; i++) {
		if (ids->element[i]->type != REDIS_REPLY_STRING || dispatch_has_nul(ids->element[i]) ||
		    dispatch_has_nul(accts->element[i]) || dispatch_has_nul(states->element[i])) {
			if (ids->element[i]->type == REDIS_REPLY_STRING)
				dispatch_quarantine(dp, ids->element[i]);
			continue;
		}
		if ((a = calloc(1, sizeof(*a))) == NULL)
			break;
		a->dp = dp;
		a->set = od_confset_ref(dp->env->set);
		a->next = dp->actions;
		if (dp->actions)
			dp->actions->prev = a;
		dp->actions = a;
		dp->inflight++;
		dp->env->stats.claimed++;
		if (vers->type == REDIS_REPLY_ARRAY && i < vers->elements &&
		    vers->element[i]->type == REDIS_REPLY_STRING)
			a->ver = strndup(vers->element[i]->str, vers->element[i]->len);
		{
			char hist[600];

			a->hist = strdup(od_keys_hist(od_queue_keys(dp->env->q), ids->element[i]->str, hist,
			    sizeof(hist)));
		}
		person.id = NULL;
		if (pids->type == REDIS_REPLY_ARRAY && i < pids->elements &&
		    pids->element[i]->type == REDIS_REPLY_STRING &&
		    pids->element[i]->len < sizeof(a->job.pid) && contacts->type == REDIS_REPLY_ARRAY &&
		    i < contacts->elements && contacts->element[i]->type == REDIS_REPLY_STRING) {
			person.id = pids->element[i]->str;
			person.contacts = contacts->element[i]->str;
			person.len = contacts->element[i]->len;
		}
		action_next(a, od_job_start(&a->job, a->set, ids->element[i]->str,
		    accts->element[i]->str ? accts->element[i]->str : "", accts->element[i]->len,
		    states->element[i]->str ? states->element[i]->str : "", states->element[i]->len,
		    &person, od_now_ms()));
	}
	if (dp->env->stopping)
		return;
	dp->next_due_ms = next_due < 0 ? 0 : (uint64_t)next_due;
	if (n == 0 && dp->on_idle != NULL)
		dp->on_idle(dp->cbarg);
	/* Sleep until the next due action (at most a second: other daemons add work too). */
	wait = 1000;
	if (n > 0 && (next_due >= 0 && next_due <= od_now_ms()))
		wait = 0;
	else if (next_due >= 0 && next_due - od_now_ms() < wait)
		wait = next_due - od_now_ms();
	if (wait < 0)
		wait = 0;
	evtimer_del(dp->claim_ev);
	if (wait == 0 && dp->inflight < dp->env->set->cfg.max_inflight) {
		od_dispatch_kick(dp);
		return;
	}
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(dp->claim_ev, &tv);
}

void
od_dispatch_kick(struct od_dispatch *dp)
{
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	const char		*keys[7], *args[4];
	char			 now[32], lease[32], max[32];
	int			 room = dp->env->set->cfg.max_inflight - dp->inflight;

	if (dp->claiming || dp->env->stopping || room <= 0 || !od_queue_ready(dp->env->q))
		return;
	if (room > dp->env->set->cfg.claim_batch)
		room = dp->env->set->cfg.claim_batch;
	snprintf(now, sizeof(now), "%lld", (long long)od_now_ms());
	snprintf(lease, sizeof(lease), "%lld", (long long)dp->env->set->cfg.lease_ms);
	snprintf(max, sizeof(max), "%d", room);
	keys[0] = k->due;
	keys[1] = k->inflight;
	keys[2] = k->lease;
	keys[3] = k->accounts;
	keys[4] = k->state;
	keys[5] = k->personof;
	keys[6] = k->person;
	args[0] = now;
	args[1] = lease;
	args[2] = max;
	args[3] = dp->env->consumer;
	if (od_queue_script(dp->env->q, OD_SCRIPT_CLAIM, dispatch_claim_cb, dp, 7, keys, 4, args, NULL) == 0)
		dp->claiming = 1;
}

void
od_dispatch_release(struct od_dispatch *dp)
{
	struct action	*a;

	for (a = dp->actions; a != NULL; a = a->next)
		od_reclaim_one(dp, a->job.id, 1, "the daemon stopped while sending: the "
		    "outcome is unknown, not sent again");
}

void
od_dispatch_stop(struct od_dispatch *dp)
{
	evtimer_del(dp->claim_ev);
}

/*
 * --once: nothing in flight here, no claim on its way, no daemon holding a
 * lease (a dead one's expire), and nothing due within 1 s.
 */
int
od_dispatch_idle(const struct od_dispatch *dp)
{
	if (dp->inflight > 0 || dp->claiming || dp->leases > 0)
		return 0;
	return dp->next_due_ms == 0 || (int64_t)dp->next_due_ms > od_now_ms() + 1000;
}

void
od_dispatch_free(struct od_dispatch *dp)
{
	if (dp == NULL)
		return;
	if (dp->claim_ev)
		event_free(dp->claim_ev);
	if (dp->flush_ev)
		event_free(dp->flush_ev);
	free(dp->begin_q);
	free(dp->complete_q);
	dp->claim_ev = dp->flush_ev = NULL;
	dp->begin_q = dp->complete_q = NULL;
}
