/*
 * od_store: read, apply, compare-and-set (od_store.h).
 */
#include "od_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "od_account.h"
#include "od_log.h"

struct store_op {
	struct od_queue		*q;
	char			*id;
	struct od_state_event	 ev;
	char			 until[16];
	char			*entry;
	int64_t			 now;
	int			 tries;
	od_store_cb		*cb;
	void			*arg;
};

static void
store_done(struct store_op *op, enum od_store_result r, const char *err)
{
	op->cb(op->arg, r, op->tries, err);
	free(op->id);
	free(op->entry);
	free(op);
}

static void	store_write_cb(redisReply *r, void *arg);

/*
 * The change applied to the state raw (version ver; fly: an action of the
 * account is in flight) and written, if it changes anything.
 */
static void
store_apply(struct store_op *op, const redisReply *raw, const redisReply *ver,
    const redisReply *fly)
{
	const struct od_keys	*k = od_queue_keys(op->q);
	struct od_state		 st;
	json_error_t		 jerr;
	json_t			*v;
	const char		*keys[3], *args[5], *field;
	char			*json = NULL, plan[32];
	int			 replan, in_flight = od_reply_is(fly, "1"), rc;

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
	if ((rc = od_state_event(&st, &op->ev, op->now, &replan)) != 0) {
		od_state_clear(&st);
		if (rc == 1)
			store_done(op, OD_STORE_DUPLICATE, NULL);
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
	if (json == NULL) {
		store_done(op, OD_STORE_ERROR, "out of memory");
		return;
	}
	keys[0] = k->state;
	keys[1] = k->due;
	keys[2] = k->inflight;
	args[0] = op->id;
	args[1] = ver->str;
	args[2] = in_flight ? "1" : "0";
	args[3] = json;
	args[4] = plan;
	rc = od_queue_script(op->q, OD_SCRIPT_EVENT, store_write_cb, op, 3, keys, 5, args, NULL);
	free(json);
	if (rc == -1)
		store_done(op, OD_STORE_ERROR, "Redis unavailable");
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
		store_apply(op, r->element[1], r->element[2], r->element[3]);
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

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
		store_done(op, OD_STORE_ERROR, r && r->type == REDIS_REPLY_ERROR ? r->str :
		    "connection lost");
		return;
	}
	for (i = 0; i < 3; i++)
		if (r->element[i]->type != REDIS_REPLY_ARRAY || r->element[i]->elements != 1 ||
		    r->element[i]->element[0]->type != REDIS_REPLY_STRING) {
			store_done(op, OD_STORE_ERROR, "load: an unexpected reply");
			return;
		}
	store_apply(op, r->element[0]->element[0], r->element[1]->element[0],
	    r->element[2]->element[0]);
}

int
od_store_event(struct od_queue *q, const char *id, const struct od_state_event *ev,
    int64_t now, od_store_cb *cb, void *arg)
{
	const struct od_keys	*k = od_queue_keys(q);
	struct store_op		*op;
	const char		*keys[2], *args[1];

	if ((op = calloc(1, sizeof(*op))) == NULL || (op->id = strdup(id)) == NULL ||
	    (ev->entry != NULL && (op->entry = strdup(ev->entry)) == NULL)) {
		if (op != NULL)
			free(op->id);
		free(op);
		return -1;
	}
	op->q = q;
	op->ev = *ev;
	op->ev.entry = op->entry;
	if (ev->until != NULL) {
		snprintf(op->until, sizeof(op->until), "%s", ev->until);
		op->ev.until = op->until;
	}
	op->now = now;
	op->cb = cb;
	op->arg = arg;
	keys[0] = k->state;
	keys[1] = k->inflight;
	args[0] = op->id;
	if (od_queue_script(q, OD_SCRIPT_LOAD, store_load_cb, op, 2, keys, 1, args, NULL) == -1) {
		free(op->id);
		free(op->entry);
		free(op);
		return -1;
	}
	return 0;
}
