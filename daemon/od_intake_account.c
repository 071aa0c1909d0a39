/*
 * Intake's accounts: each one checked, given its policy and person, planned
 * on its state (od_state_intake) and stored by intake.lua with a
 * compare-and-set on the state's version.  A new account is planned as new
 * and stored in one call; a known one (or one whose state changed
 * meanwhile) comes back stale with its state and is planned again on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "od_account.h"
#include "od_buf.h"
#include "od_env.h"
#include "od_intake_int.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_plan.h"
#include "od_queue.h"
#include "od_store.h"
#include "od_time.h"

/*
 * a's debtor.id replaced by debtor.id_hash (od_person.h), in a's document and
 * as the text to store (*out, malloc'd).  0, or -1 with a reason.
 */
static int
intake_hash_id(const struct od_intake *in, struct od_account *a, char **out, char *reason,
    size_t rlen)
{
	char	 doc[OD_PERSON_DOC_MAX + 1], hash[OD_PERSON_HASH_LEN + 1];
	json_t	*debtor = json_object_get(a->doc, "debtor");

	if (od_person_doc_normalise(a->id_doc, doc) == -1 ||
	    od_person_doc_hash(a->country, doc, in->identity_key, strlen(in->identity_key),
	    hash) == -1 || json_object_set_new(debtor, "id_hash", json_string(hash)) == -1) {
		snprintf(reason, rlen, "debtor.id: cannot be hashed");
		return -1;
	}
	a->id_hash = json_string_value(json_object_get(debtor, "id_hash"));
	a->id_doc = NULL;
	json_object_del(debtor, "id");	/* after: a->id_doc pointed into it */
	if ((*out = json_dumps(a->doc, JSON_COMPACT)) == NULL) {
		snprintf(reason, rlen, "out of memory");
		return -1;
	}
	return 0;
}

/* A space-separated list of the state's numbers (for the phone index). */
static char *
acct_phones(const struct od_state *st)
{
	struct od_buf	 b;
	char		*s;
	size_t		 i;

	od_buf_init(&b);
	for (i = 0; i < st->phones.n; i++)
		od_buf_printf(&b, "%s%s", i ? " " : "", st->phones.v[i]);
	s = b.oom ? NULL : od_buf_steal(&b);
	od_buf_free(&b);
	return s;
}

/*
 * Plans account ia, a, on its stored state raw (empty: none), version ver,
 * fly: an action of it is in flight (od_state_intake).  0, or -1 with a
 * reason to reject it with.
 */
static int
acct_plan(struct intake_batch *b, struct intake_acct *ia, const struct od_account *a,
    const char *raw, size_t rawlen, const char *ver, size_t verlen, int fly, char *reason,
    size_t rlen)
{
	const struct od_policy	*p;
	struct od_state		 st;
	json_error_t		 jerr;
	json_t			*v = NULL;
	const char		*field = NULL;
	int64_t			 now = od_now_ms(), due;
	int			 known = rawlen > 0, rc = -1;

	od_intake_plan_clear(ia);
	od_state_init(&st);
	if ((p = od_policy_find(&b->in->env->set->policies, ia->policy)) == NULL) {
		snprintf(reason, rlen, "policy: no policy named '%s' is loaded", ia->policy);
		goto done;
	}
	if (known && ((v = od_account_json_loadb(raw, rawlen, 0, &jerr)) == NULL ||
	    od_state_from_json(&st, v, &field) == -1)) {
		snprintf(reason, rlen, "the account's stored state cannot be read (state_corrupt%s%s); "
		    "not updated", field ? ": " : "", field ? field : "");
		goto done;
	}
	snprintf(reason, rlen, "out of memory");
	if ((ia->oldph = acct_phones(&st)) == NULL ||
	    od_state_intake(&st, known, a, p, now, &due) == -1 ||
	    od_state_set_phones(&st, a->phone, a->whatsapp) == -1 ||
	    (ia->newph = acct_phones(&st)) == NULL || (ia->ver = strndup(ver, verlen)) == NULL)
		goto done;
	if (fly && due >= 0) {
		st.replan = 1;		/* in flight: complete.lua plans it at once */
		due = -1;
	}
	if ((ia->json = od_state_commit(&st)) == NULL)
		goto done;
	ia->fly = fly;
	snprintf(ia->due, sizeof(ia->due), "%lld", (long long)due);
	if (due >= 0 && due <= now)
		b->kick = 1;
	rc = 0;
done:
	json_decref(v);
	od_state_clear(&st);
	return rc;
}

void
od_intake_account(struct intake_batch *b, const char *entry, const char *body, size_t len,
    int64_t now)
{
	struct od_intake	*in = b->in;
	struct intake_acct	*ia = &b->accts[b->naccts];
	struct od_account	 a;
	const struct od_policy	*p;
	char			 reason[512];
	char			*stored = NULL;

	memset(ia, 0, sizeof(*ia));
	if (od_account_parse(body, len, in->env->set->cfg.max_body, &a, reason,
	    sizeof(reason)) == -1) {
		od_intake_reject(in, entry, "account", 7, body, len, reason);
		return;
	}
	if (a.policy != NULL) {
		if ((p = od_policy_find(&in->env->set->policies, a.policy)) == NULL)
			snprintf(reason, sizeof(reason), "policy: no policy named '%s' is loaded",
			    a.policy);
	} else if ((p = od_policy_select(&in->env->set->policies, &a, now)) == NULL)
		snprintf(reason, sizeof(reason), "policy: no policy's segment takes this account "
		    "(country %s, %s %s, due %s); name one in 'policy'", a.country, a.currency,
		    a.amount, a.due_date);
	/* The document number is not stored: its keyed hash takes its place. */
	if (p == NULL || (a.id_doc != NULL &&
	    intake_hash_id(in, &a, &stored, reason, sizeof(reason)) == -1)) {
		od_intake_reject(in, entry, "account", 7, body, len, reason);
		od_account_clear(&a);
		return;
	}
	if (od_person_id(&a, in->identity_key, strlen(in->identity_key), ia->pid) == -1)
		ia->pid[0] = '\0';
	ia->entry = b->ack_ids[b->nack - 1];	/* entry, as the batch keeps it */
	ia->id = od_intake_own(b, a.id, strlen(a.id));
	ia->body = stored ? od_intake_own(b, stored, strlen(stored)) : od_intake_own(b, body, len);
	ia->len = stored ? strlen(stored) : len;
	ia->policy = od_intake_own(b, p->name, strlen(p->name));
	/*
	 * Planned as a new account: a known one comes back stale, with its
	 * state, and is planned again from the document as stored.
	 */
	if (ia->id == NULL || ia->body == NULL || ia->policy == NULL ||
	    acct_plan(b, ia, &a, "", 0, "", 0, 0, reason, sizeof(reason)) == -1) {
		od_intake_reject(in, entry, "account", 7, body, len, reason);
		od_intake_plan_clear(ia);
	} else
		b->naccts++;
	od_account_clear(&a);
	free(stored);
}

/* The accounts gathered since the last step become a step. */
int
od_intake_close_accounts(struct intake_batch *b)
{
	if (b->naccts == b->start)
		return 0;
	b->ops[b->nops].start = b->start;
	b->ops[b->nops].end = b->naccts;
	b->nops++;
	b->start = b->naccts;
	return 0;
}

/* A run of accounts given up on: not acknowledged, read again. */
static void
intake_run_failed(struct intake_batch *b, const char *why)
{
	const struct intake_op	*op = &b->ops[b->op];

	od_log_err("intake", "storing %zu accounts failed: %s; they stay pending",
	    op->end - op->start, why);
	b->nack = 0;
	b->op++;
	od_intake_step(b);
}

/* Account ia planned again on the state a stale answer e handed back. */
static int
acct_replan(struct intake_batch *b, struct intake_acct *ia, const redisReply *e, char *reason,
    size_t rlen)
{
	struct od_account	a;
	int			rc;

	if (od_account_from_stored(ia->body, ia->len, &a, reason, rlen) == -1)
		return -1;
	rc = acct_plan(b, ia, &a, e->element[1]->str, e->element[1]->len, e->element[2]->str,
	    e->element[2]->len, od_reply_is(e->element[3], "1"), reason, rlen);
	od_account_clear(&a);
	return rc;
}

static void
intake_script_cb(redisReply *r, void *arg)
{
	struct intake_batch	*b = arg;
	struct intake_op	*op = &b->ops[b->op];
	struct intake_acct	*ia;
	const redisReply	*e;
	char			 reason[512];
	size_t			 i, n = 0, stored = 0, again = 0;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		intake_run_failed(b, r && r->type == REDIS_REPLY_ERROR ? r->str : "connection lost");
		return;
	}
	for (i = op->start; i < op->end; i++) {
		ia = &b->accts[i];
		if (ia->done)
			continue;
		if (n >= r->elements) {
			intake_run_failed(b, "the script answered for fewer accounts");
			return;
		}
		e = r->element[n++];
		if (od_reply_is(e, "ok")) {
			ia->done = 1;
			stored++;
		} else if (od_store_is_stale(e)) {
			/* known already, or changed meanwhile: planned again on what is stored */
			if (acct_replan(b, ia, e, reason, sizeof(reason)) == -1) {
				od_intake_reject(b->in, ia->entry, "account", 7, ia->body, ia->len,
				    reason);
				ia->done = 1;
			} else if (e->element[1]->len > 0 && op->tries > 0) {
				/* stale on a second store: changed meanwhile, a real conflict */
				od_metric_inc(b->in->env->m.state_conflicts, OD_LABELS("intake"), 1);
				again++;
			} else
				again++;	/* the first store found it known: planned on its state */
		} else {
			intake_run_failed(b, "the script's answer is not understood");
			return;
		}
	}
	b->in->env->stats.intake_accounts += stored;
	od_metric_inc(b->in->env->m.intake, OD_LABELS("account"), (long long)stored);
	if (again > 0) {
		if (++op->tries >= OD_STATE_TRIES) {
			intake_run_failed(b, "their states kept changing");
			return;
		}
		od_intake_store_accounts(b);
		return;
	}
	b->op++;
	od_intake_step(b);
}

/* Stores the run's accounts not stored yet in one intake script. */
void
od_intake_store_accounts(struct intake_batch *b)
{
	const struct intake_op	*op = &b->ops[b->op];
	const struct od_keys	*k = od_queue_keys(b->in->env->q);
	const char		*keys[6], **args;
	size_t			*lens, i, na = 0;
	int			 rc;

	args = calloc(9 * (op->end - op->start), sizeof(*args));
	lens = calloc(9 * (op->end - op->start), sizeof(*lens));
	if (args == NULL || lens == NULL) {
		free(args);
		free(lens);
		intake_run_failed(b, "out of memory");
		return;
	}
	for (i = op->start; i < op->end; i++) {
		struct intake_acct *ia = &b->accts[i];

		if (ia->done)
			continue;
#define ARG(s, l)	do { args[na] = (s); lens[na++] = (l); } while (0)
		ARG(ia->id, strlen(ia->id));
		ARG(ia->body, ia->len);
		ARG(ia->ver, strlen(ia->ver));
		ARG(ia->fly ? "1" : "0", 1);
		ARG(ia->json, strlen(ia->json));
		ARG(ia->due, strlen(ia->due));
		ARG(ia->oldph, strlen(ia->oldph));
		ARG(ia->newph, strlen(ia->newph));
		ARG(ia->pid, strlen(ia->pid));
#undef ARG
	}
	keys[0] = k->accounts;
	keys[1] = k->state;
	keys[2] = k->due;
	keys[3] = k->inflight;
	keys[4] = k->phones;
	keys[5] = k->personof;
	rc = od_queue_script(b->in->env->q, OD_SCRIPT_INTAKE, intake_script_cb, b, 6, keys,
	    (int)na, args, lens);
	free(args);
	free(lens);
	if (rc == -1)
		intake_run_failed(b, "Redis unavailable");
}

