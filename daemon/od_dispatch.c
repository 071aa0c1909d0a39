/*
 * Dispatch: due actions claimed in batches under a lease (claim.lua), and
 * the attempts to begin and the actions to complete that one turn of the
 * loop made, sent to Redis in batches (begin.lua, complete.lua).  One
 * action's path from its claim to its completion is od_action.c; expired
 * and handed-back leases are od_reclaim.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <jansson.h>

#include "od_dispatch_int.h"
#include "od_env.h"
#include "od_job.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_queue.h"
#include "od_record.h"
#include "od_time.h"
#include "od_wamid.h"

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

void
od_dispatch_queue_begin(struct action *a)
{
	struct od_dispatch	*dp = a->dp;

	dispatch_queue(dp, &dp->begin_q, &dp->begin_n, &dp->begin_cap, a);
}

void
od_dispatch_queue_complete(struct action *a)
{
	struct od_dispatch	*dp = a->dp;

	dispatch_queue(dp, &dp->complete_q, &dp->complete_n, &dp->complete_cap, a);
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
				od_action_begin_stale(b->v[i], r->element[i]);
				continue;
			}
			if (r->element[i]->type == REDIS_REPLY_STRING)
				s = r->element[i]->str;
		}
		od_action_begin_answer(b->v[i], s);
	}
	free(b);
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
			od_action_begin_answer(v[i], NULL);
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
		na += od_record_args(a->rec, args + na, num + ri * OD_RECORD_FIELDS, &nf[ri]);
		ri++;
		snprintf(nf[nrec + i], sizeof(nf[nrec + i]), "%zu", a->npre);
		args[na++] = nf[nrec + i];
		for (r = 0; r < a->npre; r++, ri++) {
			args[na++] = a->pre[r];
			na += od_record_args(json_array_get(j->records, r), args + na,
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

/*
 * An error that says the script did not run and will once Redis can (it is
 * loading its dataset, busy with a script, or a replica lost its master).
 */
static int
dispatch_transient(const redisReply *r)
{
	static const char *const temp[] = { "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN" };
	size_t	i, n;

	if (r->type != REDIS_REPLY_ERROR || r->str == NULL)
		return 0;
	for (i = 0; i < sizeof(temp) / sizeof(temp[0]); i++) {
		n = strlen(temp[i]);
		if (strncmp(r->str, temp[i], n) == 0 && (r->str[n] == ' ' || r->str[n] == '\0'))
			return 1;
	}
	return 0;
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
			od_action_complete_stale(a, r->element[i]);
			continue;
		}
		if ((r == NULL || dispatch_transient(r)) && !dp->env->stopping) {
			/* Redis went away, or refused for now: the outcome is kept, stored later */
			od_log_warn("dispatch", "completing %s: %s; its outcome is kept and stored "
			    "once Redis is back", a->job.action_id, r ? r->str : "Redis unavailable");
			od_reclaim_unstored(a);
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
		else if (i < r->elements && r->element[i]->type == REDIS_REPLY_STRING &&
		    od_reply_is(r->element[i], "done"))
			od_log_info("dispatch", "action %s: its outcome was stored already (Redis went "
			    "away before it answered); not written twice", a->job.action_id);
		dp->inflight--;
		od_action_free(a);
	}
	free(b);
	od_dispatch_kick(dp);
	if (dp->on_idle != NULL)
		dp->on_idle(dp->cbarg);
}

/* One action's message id index entry (od_wamid.h), for complete.lua. */
struct dispatch_wamid {
	int	 n;			/* 1: key and value are set */
	char	 key[OD_WAMID_KEY_MAX];
	char	 value[OD_WAMID_VALUE_MAX];
};

static void
dispatch_flush_complete(struct od_dispatch *dp, struct action **v, size_t n)
{
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	struct dispatch_batch	*b;
	const char		**keys, **args;
	char			 maxlen[32], histlen[16], (*num)[24], (*nf)[8], wttl[24];
	struct dispatch_wamid	*wam;
	size_t			 i, r, x, nk = 0, na = 0, nargs = 3, nrec = 0, ri = 0;

	for (i = 0; i < n; i++) {
		nrec += v[i]->nrecs + json_array_size(v[i]->xrecs) + json_array_size(v[i]->xdocs);
		nargs += 14 + v[i]->nhand;	/* 12, and a message id entry's 2 */
	}
	nargs += (2 + 2 * OD_RECORD_FIELDS) * nrec;
	b = calloc(1, sizeof(*b));
	keys = calloc(9 + 3 * n, sizeof(*keys));
	args = calloc(nargs, sizeof(*args));
	num = calloc(nrec * OD_RECORD_FIELDS + 1, sizeof(*num));
	nf = calloc(nrec + 1, sizeof(*nf));
	wam = calloc(n, sizeof(*wam));
	if (b == NULL || keys == NULL || args == NULL || num == NULL || nf == NULL ||
	    wam == NULL) {
		free(keys);
		free(args);
		free(num);
		free(nf);
		free(wam);
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
	snprintf(wttl, sizeof(wttl), "%lld", (long long)(dp->env->set->cfg.wamid_ttl_ms / 1000));
	keys[nk++] = k->inflight;
	keys[nk++] = k->lease;
	keys[nk++] = k->state;
	keys[nk++] = k->due;
	keys[nk++] = k->attempts;
	keys[nk++] = k->person;
	keys[nk++] = k->agreements;
	keys[nk++] = k->handoff;
	keys[nk++] = k->accounts;
	args[na++] = dp->env->consumer;
	args[na++] = maxlen;
	args[na++] = histlen;
	for (i = 0; i < n; i++) {
		struct action *a = v[i];
		struct od_job *j = &a->job;
		size_t nx = json_array_size(a->xrecs);

		b->v[b->n++] = a;
		keys[nk++] = a->hist ? a->hist : "";
		keys[nk++] = a->agr ? a->agr : "";
		args[na++] = j->id;
		args[na++] = a->ver ? a->ver : "";
		args[na++] = a->new_state;
		args[na++] = a->num[0];
		args[na++] = j->pid;
		args[na++] = a->drop ? a->drop : "";
		args[na++] = j->pid[0] && j->contact[0] ? j->attempt_id : "";
		args[na++] = j->attempt_id;	/* "" when nothing was sent */
		/* the records: the job's, then the outcome's (lib.lua's od_records) */
		args[na++] = a->num[1];
		for (r = 0; r < a->nrecs; r++, ri++) {
			args[na++] = a->recs[r];
			na += od_record_args(json_array_get(j->records, r), args + na,
			    num + ri * OD_RECORD_FIELDS, &nf[ri]);
		}
		for (x = 0; x < nx; x++, ri++) {
			args[na++] = a->xjson[x];
			na += od_record_args(json_array_get(a->xrecs, x), args + na,
			    num + ri * OD_RECORD_FIELDS, &nf[ri]);
		}
		/* the agreement documents (od_docs) */
		args[na++] = a->num2[0];
		for (x = 0; x < json_array_size(a->xdocs); x++, ri++) {
			args[na++] = a->xjson[nx + x];
			na += od_record_doc_args(json_array_get(a->xdocs, x), args + na, &nf[ri]);
		}
		/* a handoff's fields, or none */
		args[na++] = a->num2[1];
		for (x = 0; x < a->nhand; x++)
			args[na++] = a->hand[x];
		/* a sent WhatsApp message's id, for its receipts (od_wamid.h), or none */
		wam[i].n = od_wamid_entry(k, j->records, wam[i].key, sizeof(wam[i].key),
		    wam[i].value, sizeof(wam[i].value));
		args[na++] = wam[i].n ? "1" : "0";
		if (wam[i].n) {
			args[na++] = wam[i].value;
			args[na++] = wttl;
		}
	}
	/* the message id keys, after every action's pair (complete.lua) */
	for (i = 0; i < n; i++)
		if (wam[i].n)
			keys[nk++] = wam[i].key;
	if (od_queue_script(dp->env->q, OD_SCRIPT_COMPLETE, dispatch_complete_cb, b, (int)nk, keys,
	    (int)na, args, NULL) == -1)
		dispatch_complete_cb(NULL, b);
	free(keys);
	free(args);
	free(num);
	free(nf);
	free(wam);
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
	(void)fd;
	(void)what;
	od_dispatch_flush(arg);
}

void
od_dispatch_flush(struct od_dispatch *dp)
{
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
od_dispatch_setcb(struct od_dispatch *dp, void (*on_idle)(void *),
    void (*on_inbox)(void *, const struct redisReply *), void *arg)
{
	dp->on_idle = on_idle;
	dp->on_inbox = on_inbox;
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

			a->hist = strdup(od_keys_hist(od_queue_keys(dp->env->q), ids->element[i]->str,
			    hist, sizeof(hist)));
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
		od_action_next(a, od_job_start(&a->job, a->set, ids->element[i]->str,
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
	if (od_queue_script(dp->env->q, OD_SCRIPT_CLAIM, dispatch_claim_cb, dp, 7, keys, 4, args,
	    NULL) == 0)
		dp->claiming = 1;
}

void
od_dispatch_release(struct od_dispatch *dp)
{
	struct action	*a;

	for (a = dp->actions; a != NULL; a = a->next)
		od_reclaim_one(dp, a->job.id, OD_RECLAIM_OURS, NULL);
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
	while (dp->nunsettled > 0)
		free(dp->unsettled[--dp->nunsettled]);
	free(dp->unsettled);
	dp->unsettled = NULL;
	dp->claim_ev = dp->flush_ev = NULL;
	dp->begin_q = dp->complete_q = NULL;
}

