/*
 * od_store: read, apply, compare-and-set (od_store.h).
 */
#include "od_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "od_account.h"
#include "od_intent.h"
#include "od_log.h"
#include "od_record.h"

struct store_op {
	struct od_queue		*q;
	struct od_confset	*set;		/* a reference */
	char			*id;
	struct od_state_event	 ev;
	json_t			*doc;		/* ev's document (a reference), or NULL */
	char			*entry;
	int64_t			 now;
	int			 tries;
	json_t			*recs, *docs;	/* what the last application recorded */
	/* a reply (od_store_reply) instead of ev: */
	int			 is_reply;
	struct od_store_reply	 reply;		/* its strings are the op's own */
	char			*text, *at, *pid, *payload;
	char			 agent[300];	/* the reason people read it, or "" */
	od_store_cb		*cb;
	void			*arg;
};

static void
store_free(struct store_op *op)
{
	free(op->id);
	free(op->entry);
	free(op->text);
	free(op->at);
	free(op->pid);
	free(op->payload);
	free(op);
}

static void
store_done(struct store_op *op, enum od_store_result r, const char *err)
{
	op->cb(op->arg, r, op->tries, err, r == OD_STORE_OK ? op->recs : NULL);
	json_decref(op->recs);
	json_decref(op->docs);
	json_decref(op->doc);
	od_confset_unref(op->set);
	store_free(op);
}

static void	store_write_cb(redisReply *r, void *arg);
static void	store_load_cb(redisReply *r, void *arg);

/* The arguments event.lua takes after the schedule: records, then documents. */
struct store_args {
	const char	**v;
	size_t		  n;
	char		(*num)[24];
	char		(*cnt)[8];
	size_t		  ncnt;
};

static int
store_args_build(struct store_args *a, json_t *recs, json_t *docs, char **jsons)
{
	size_t	i, k = 0, nr = json_array_size(recs), nd = json_array_size(docs);
	json_t	*v;

	a->v = calloc(2 + (nr + nd) * (2 + 2 * OD_RECORD_FIELDS), sizeof(*a->v));
	a->num = calloc((nr + 1) * OD_RECORD_FIELDS, sizeof(*a->num));
	a->cnt = calloc(2 + nr + nd, sizeof(*a->cnt));
	if (a->v == NULL || a->num == NULL || a->cnt == NULL)
		return -1;
	snprintf(a->cnt[a->ncnt], sizeof(a->cnt[0]), "%zu", nr);
	a->v[a->n++] = a->cnt[a->ncnt++];
	json_array_foreach(recs, i, v) {
		a->v[a->n++] = jsons[k++];
		a->n += od_record_args(v, a->v + a->n, a->num + i * OD_RECORD_FIELDS,
		    &a->cnt[a->ncnt++]);
	}
	snprintf(a->cnt[a->ncnt], sizeof(a->cnt[0]), "%zu", nd);
	a->v[a->n++] = a->cnt[a->ncnt++];
	json_array_foreach(docs, i, v) {
		a->v[a->n++] = jsons[k++];
		a->n += od_record_doc_args(v, a->v + a->n, &a->cnt[a->ncnt++]);
	}
	return 0;
}

/*
 * A reply's meaning (its button's payload, else its text read with the
 * intents of the account's locale on the debtor's local date), applied.
 */
static int
store_reply_apply(struct store_op *op, struct od_state *st, struct od_state_ctx *cx,
    const struct od_account *acct, int *replan)
{
	struct od_intent_match	m;
	struct od_state_reply	r;

	od_intent_read(&op->set->intents, acct && acct->locale ? acct->locale :
	    op->set->cfg.default_locale, op->reply.text, op->reply.payload, cx->today, &m);
	memset(&r, 0, sizeof(r));
	r.channel = op->reply.channel;
	r.text = op->reply.text;
	r.at = op->reply.at;
	r.provider_id = op->reply.provider_id;
	r.entry = op->reply.entry;
	r.shared = op->reply.shared;
	r.ack = op->reply.ack;
	r.intent = &m;
	return od_state_reply(st, &r, cx, replan, op->agent, sizeof(op->agent));
}

/*
 * The change applied to the state raw (version ver; fly: an action of the
 * account is in flight; acct: the account's JSON) and written, with what
 * the lifecycle recorded.
 */
static void
store_apply(struct store_op *op, const redisReply *raw, const redisReply *ver,
    const redisReply *fly, const char *acct_json, size_t acct_len)
{
	const struct od_keys	*k = od_queue_keys(op->q);
	const struct od_policy	*policy = NULL;
	struct od_state		 st;
	struct od_state_ctx	 cx;
	struct od_account	 acct;
	struct store_args	 sa;
	json_error_t		 jerr;
	json_t			*v;
	const char		*keys[8], **args = NULL, *field;
	char			*json = NULL, plan[32], maxlen[32], histlen[16], hist[400],
				 agr[400], reason[256], **jsons = NULL;
	size_t			 i, nj = 0, na = 0;
	int			 replan, in_flight = od_reply_is(fly, "1"), rc, acct_ok = 0;

	if (raw->len == 0) {
		store_done(op, OD_STORE_UNKNOWN, NULL);
		return;
	}
	v = od_account_json_loadb(raw->str, raw->len, 0, &jerr);
	rc = v != NULL ? od_state_from_json(&st, v, &field) : (od_state_init(&st), -1);
	json_decref(v);
	if (rc == -1) {
		od_state_clear(&st);
		store_done(op, OD_STORE_CORRUPT, NULL);
		return;
	}
	/* the account and its policy: the debtor's zone, currency, offers */
	if (acct_json != NULL && acct_len > 0 && od_account_from_stored(acct_json, acct_len, &acct,
	    reason, sizeof(reason)) == 0)
		acct_ok = 1;
	if (st.policy != NULL)
		policy = od_policy_find(&op->set->policies, st.policy);
	json_decref(op->recs);
	json_decref(op->docs);
	op->recs = json_array();
	op->docs = json_array();
	od_state_ctx_init(&cx, op->id, acct_ok ? &acct : NULL, policy, op->now);
	cx.records = op->recs;
	cx.docs = op->docs;
	if (op->is_reply)
		rc = store_reply_apply(op, &st, &cx, acct_ok ? &acct : NULL, &replan);
	else
		rc = od_state_event(&st, &op->ev, &cx, &replan);
	if (acct_ok)
		od_account_clear(&acct);
	if (rc != 0) {
		od_state_clear(&st);
		if (rc == 1)
			store_done(op, OD_STORE_DUPLICATE, NULL);
		else if (rc == OD_STATE_REJECTED)
			store_done(op, OD_STORE_REJECTED, cx.reason);
		else
			store_done(op, OD_STORE_ERROR, "out of memory");
		return;
	}
	/* what the schedule does: nothing is due once it is no longer active */
	plan[0] = '\0';
	if (st.status != OD_STATE_ACTIVE)
		snprintf(plan, sizeof(plan), "cancel");
	else if (replan && in_flight)
		st.replan = 1;		/* complete.lua plans it at once */
	else if (replan)
		snprintf(plan, sizeof(plan), "%lld", (long long)op->now);
	json = od_state_commit(&st);
	od_state_clear(&st);
	memset(&sa, 0, sizeof(sa));
	nj = json_array_size(op->recs) + json_array_size(op->docs);
	if (json == NULL || (jsons = calloc(nj + 1, sizeof(*jsons))) == NULL)
		goto oom;
	for (i = 0; i < nj; i++)
		if ((jsons[i] = od_account_json_dumps(i < json_array_size(op->recs) ?
		    json_array_get(op->recs, i) : json_array_get(op->docs, i -
		    json_array_size(op->recs)))) == NULL)
			goto oom;
	if (store_args_build(&sa, op->recs, op->docs, jsons) == -1 ||
	    (args = calloc(10 + sa.n, sizeof(*args))) == NULL)
		goto oom;
	snprintf(maxlen, sizeof(maxlen), "%ld", op->set->cfg.attempts_maxlen);
	snprintf(histlen, sizeof(histlen), "%d", op->set->cfg.history_len);
	keys[0] = k->state;
	keys[1] = k->due;
	keys[2] = k->inflight;
	keys[3] = k->attempts;
	keys[4] = od_keys_hist(k, op->id, hist, sizeof(hist));
	keys[5] = k->agreements;
	keys[6] = od_keys_agr(k, op->id, agr, sizeof(agr));
	keys[7] = k->agent;
	args[na++] = op->id;
	args[na++] = ver->str;
	args[na++] = in_flight ? "1" : "0";
	args[na++] = json;
	args[na++] = plan;
	args[na++] = maxlen;
	args[na++] = histlen;
	memcpy(args + na, sa.v, sa.n * sizeof(*args));
	na += sa.n;
	if (op->agent[0] != '\0') {
		args[na++] = op->agent;
		args[na++] = od_channel_kind_name(op->reply.channel);
		args[na++] = op->reply.text ? op->reply.text : "";
	}
	rc = od_queue_script(op->q, OD_SCRIPT_EVENT, store_write_cb, op, 8, keys, (int)na, args,
	    NULL);
	if (rc == -1)
		store_done(op, OD_STORE_ERROR, "Redis unavailable");
	goto done;
oom:
	store_done(op, OD_STORE_ERROR, "out of memory");
done:
	for (i = 0; jsons != NULL && i < nj; i++)
		free(jsons[i]);
	free(jsons);
	free(sa.v);
	free(sa.num);
	free(sa.cnt);
	free(args);
	free(json);
}

int
od_store_is_stale(const redisReply *r)
{
	size_t	i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return 0;
	return od_reply_is(r->element[0], "stale");
}

static void
store_write_cb(redisReply *r, void *arg)
{
	struct store_op	*op = arg;

	if (r != NULL && od_reply_is(r, "ok")) {
		store_done(op, OD_STORE_OK, NULL);
		return;
	}
	if (r != NULL && od_store_is_stale(r) && ++op->tries < OD_STATE_TRIES) {
		/* applied again to what is there now, read again with its account */
		const struct od_keys	*k = od_queue_keys(op->q);
		const char		*keys[3] = { k->state, k->inflight, k->accounts };
		const char		*args[1] = { op->id };

		if (od_queue_script(op->q, OD_SCRIPT_LOAD, store_load_cb, op, 3, keys, 1, args,
		    NULL) == -1)
			store_done(op, OD_STORE_ERROR, "Redis unavailable");
		return;
	}
	store_done(op, OD_STORE_ERROR, r == NULL ? "connection lost" :
	    r->type == REDIS_REPLY_ERROR ? r->str : "the state kept changing");
}

static void
store_load_cb(redisReply *r, void *arg)
{
	struct store_op	*op = arg;
	size_t		 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
		store_done(op, OD_STORE_ERROR, r && r->type == REDIS_REPLY_ERROR ? r->str :
		    "connection lost");
		return;
	}
	for (i = 0; i < 4; i++)
		if (r->element[i]->type != REDIS_REPLY_ARRAY || r->element[i]->elements != 1 ||
		    r->element[i]->element[0]->type != REDIS_REPLY_STRING) {
			store_done(op, OD_STORE_ERROR, "load: an unexpected reply");
			return;
		}
	store_apply(op, r->element[0]->element[0], r->element[1]->element[0],
	    r->element[2]->element[0], r->element[3]->element[0]->str,
	    r->element[3]->element[0]->len);
}

/* Reads the account for op (made by the callers below): -1 when it cannot be queued. */
static int
store_start(struct store_op *op, struct od_queue *q, struct od_confset *set, int64_t now,
    od_store_cb *cb, void *arg)
{
	const struct od_keys	*k = od_queue_keys(q);
	const char		*keys[3], *args[1];

	op->q = q;
	op->set = od_confset_ref(set);
	op->now = now;
	op->cb = cb;
	op->arg = arg;
	keys[0] = k->state;
	keys[1] = k->inflight;
	keys[2] = k->accounts;
	args[0] = op->id;
	if (od_queue_script(q, OD_SCRIPT_LOAD, store_load_cb, op, 3, keys, 1, args, NULL) == -1) {
		od_confset_unref(op->set);
		json_decref(op->doc);
		store_free(op);
		return -1;
	}
	return 0;
}

int
od_store_event(struct od_queue *q, struct od_confset *set, const char *id,
    const struct od_state_event *ev, int64_t now, od_store_cb *cb, void *arg)
{
	struct store_op		*op;

	if ((op = calloc(1, sizeof(*op))) == NULL || (op->id = strdup(id)) == NULL ||
	    (ev->entry != NULL && (op->entry = strdup(ev->entry)) == NULL)) {
		if (op != NULL)
			store_free(op);
		return -1;
	}
	op->ev = *ev;
	op->ev.entry = op->entry;
	op->doc = ev->doc ? json_incref((json_t *)ev->doc) : NULL;	/* ev's strings are its */
	return store_start(op, q, set, now, cb, arg);
}

static char *
store_dup(const char *s, int *bad)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

int
od_store_reply(struct od_queue *q, struct od_confset *set, const char *id,
    const struct od_store_reply *r, int64_t now, od_store_cb *cb, void *arg)
{
	struct store_op	*op;
	int		 bad = 0;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -1;
	op->is_reply = 1;
	op->reply = *r;
	op->id = store_dup(id, &bad);
	op->reply.text = op->text = store_dup(r->text ? r->text : "", &bad);
	op->reply.at = op->at = store_dup(r->at, &bad);
	op->reply.provider_id = op->pid = store_dup(r->provider_id, &bad);
	op->reply.payload = op->payload = store_dup(r->payload, &bad);
	op->reply.entry = op->entry = store_dup(r->entry, &bad);
	if (bad || op->id == NULL) {
		store_free(op);
		return -1;
	}
	return store_start(op, q, set, now, cb, arg);
}
