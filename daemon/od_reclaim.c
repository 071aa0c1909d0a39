/*
 * Reclaim: the leases of actions whose daemon died or hung (expired), and
 * those a stopping daemon hands back.  The lease and the account's state
 * are read (lease.lua), what happens is decided here, and reclaim.lua
 * writes it while both are still as read.
 *
 * An action that was only claimed goes back to the due set as it was.  One
 * that was 'sending' may have reached the debtor: it is recorded 'unknown'
 * and not sent again (a duplicate collection message harms the debtor)
 * unless resend_unknown is configured; either way it counts as a contact
 * for the caps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "od_account.h"
#include "od_dispatch_int.h"
#include "od_env.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_queue.h"
#include "od_record.h"
#include "od_state.h"
#include "od_time.h"

struct reclaim_one {
	struct od_dispatch	*dp;
	char			*id;
	int			 force;		/* our own lease, handed back at stop */
	char			 why[200];	/* the unknown record's reason */
	int			 tries;
};

static void	reclaim_read(struct reclaim_one *ro);

static void
reclaim_free(struct reclaim_one *ro)
{
	free(ro->id);
	free(ro);
}

static void
reclaim_write_cb(redisReply *r, void *arg)
{
	struct reclaim_one	*ro = arg;

	if (r != NULL && od_reply_is(r, "stale"))
		od_metric_inc(ro->dp->env->m.state_conflicts, OD_LABELS("reclaim"), 1);
	if (r != NULL && od_reply_is(r, "stale") && ++ro->tries < OD_STATE_TRIES) {
		reclaim_read(ro);	/* settled or changed meanwhile: read again */
		return;
	}
	if (r == NULL || !od_reply_is(r, "ok"))
		od_log_err("dispatch", "settling the lease of account %s failed: %s", ro->id,
		    r == NULL ? "Redis unavailable" : r->type == REDIS_REPLY_ERROR ? r->str :
		    "it kept changing");
	else
		od_dispatch_kick(ro->dp);
	reclaim_free(ro);
}

/*
 * The record of a send whose outcome is unknown, from the 'sending' record
 * the lease kept; NULL when that cannot be read.
 */
static json_t *
reclaim_record(const char *json, size_t len, const char *why, int64_t now)
{
	json_error_t	 jerr;
	json_t		*rec;
	char		 ts[32];

	if ((rec = od_account_json_loadb(json, len, 0, &jerr)) == NULL || !json_is_object(rec)) {
		json_decref(rec);
		return NULL;
	}
	od_time_format_iso(now, ts, sizeof(ts));
	json_object_set_new(rec, "status", json_string("unknown"));
	json_object_set_new(rec, "reason", json_string(why));
	json_object_set_new(rec, "ts", json_string(ts));
	return rec;
}

/*
 * The state after a send whose outcome is unknown (st, read whole): its
 * step is done unless resend_unknown, and the send counts as a contact (a
 * person's contact is in their list already: begin.lua wrote it).
 */
static int
reclaim_unknown_state(struct od_state *st, const json_t *rec, int resend, int person,
    int64_t now, int64_t *due)
{
	struct od_state_outcome	 o;
	struct od_state_ctx	 cx;
	const json_t		*si = json_object_get(rec, "step_index");
	const char		*life = json_string_value(json_object_get(rec, "life_key"));

	memset(&o, 0, sizeof(o));
	if (json_is_integer(json_object_get(rec, "ack"))) {
		/* a reply's acknowledgement (od_job_reply.c): nothing of the escalation moves */
		o.next_step = -1;
		o.ack_done = !resend;
		o.cur = st->cur[0] != '\0' ? st->cur : NULL;
		resend = 1;	/* fb and tries stay the step's */
	} else if (life != NULL) {
		/* a lifecycle step's message (od_job_life.c): the escalation's step stays */
		o.next_step = -1;
		if (resend)
			o.cur = life;
		else
			o.life_done = life;
	} else
		o.next_step = resend ? -1 : (json_is_integer(si) && json_integer_value(si) >= 0 ?
		    (int)json_integer_value(si) : st->next) + 1;
	o.fb = resend ? st->fb : 0;
	o.tries = resend ? st->tries : 0;
	o.seq = st->seq;
	o.next_due = now;
	o.contact = json_string_value(json_object_get(rec, "channel"));
	o.person = person;
	od_state_ctx_init(&cx, "", NULL, NULL, now);	/* no policy: no deadline applied here */
	return od_state_outcome(st, &o, &cx, due);
}

/* What lease.lua read: decided and written, or left alone (not expired, not ours). */
static void
reclaim_settle(struct reclaim_one *ro, const redisReply *const *e)
{
	struct od_dispatch	*dp = ro->dp;
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	const char		*lease = e[1]->str, *phase, *sp, *keys[7], *args[11 + 2 * OD_RECORD_FIELDS];
	const char		*field, *pid = e[4]->str, *confirm = "";
	char			 hist[512], maxlen[32], histlen[16], dues[32], nf[8];
	char			 num[OD_RECORD_FIELDS][24], *new = NULL, *rjson = NULL;
	struct od_state		 st;
	json_error_t		 jerr;
	json_t			*v = NULL, *rec = NULL;
	int64_t			 now = od_now_ms(), due = -1;
	size_t			 nc = strlen(dp->env->consumer), nflds = 0, na = 0;
	int			 known = 0, sending;

	if (e[0]->len == 0 || (ro->force ? strncmp(lease, dp->env->consumer, nc) != 0 ||
	    lease[nc] != ' ' : strtoll(e[0]->str, NULL, 10) > now)) {
		reclaim_free(ro);	/* settled already, not ours, or not expired: live */
		return;
	}
	phase = (sp = strchr(lease, ' ')) != NULL ? sp + 1 : "";
	sending = strncmp(phase, "sending ", 8) == 0;
	od_state_init(&st);
	if (e[2]->len > 0 && (v = od_account_json_loadb(e[2]->str, e[2]->len, 0, &jerr)) != NULL &&
	    od_state_from_json(&st, v, &field) == 0)
		known = 1;
	if (!sending) {
		/* only claimed: due again now (a corrupt state too: the job fails it) */
		if (e[2]->len > 0 && (!known || st.status == OD_STATE_ACTIVE))
			due = now;
	} else if ((rec = reclaim_record(phase + 8, strlen(phase + 8), ro->why, now)) != NULL) {
		if (pid[0] != '\0' && json_is_string(json_object_get(rec, "attempt_id")))
			confirm = json_string_value(json_object_get(rec, "attempt_id"));
		if (known && (reclaim_unknown_state(&st, rec, dp->env->set->cfg.resend_unknown,
		    pid[0] != '\0', now, &due) == -1 || (new = od_state_commit(&st)) == NULL))
			due = -1;
		rjson = od_account_json_dumps(rec);
	}
	snprintf(maxlen, sizeof(maxlen), "%ld", dp->env->set->cfg.attempts_maxlen);
	snprintf(histlen, sizeof(histlen), "%d", dp->env->set->cfg.history_len);
	snprintf(dues, sizeof(dues), "%lld", (long long)due);
	keys[0] = k->inflight;
	keys[1] = k->lease;
	keys[2] = k->state;
	keys[3] = k->due;
	keys[4] = k->attempts;
	keys[5] = od_keys_hist(k, ro->id, hist, sizeof(hist));
	keys[6] = k->person;
	args[na++] = ro->id;
	args[na++] = lease;
	args[na++] = e[3]->str;
	args[na++] = new ? new : "";
	args[na++] = dues;
	args[na++] = maxlen;
	args[na++] = histlen;
	args[na++] = pid;
	args[na++] = confirm;
	args[na++] = rjson ? rjson : "";
	if (rjson != NULL)
		nflds = od_record_fields(rec, args + na + 1, num);
	snprintf(nf, sizeof(nf), "%zu", nflds);
	args[na++] = nf;
	na += nflds;
	if (od_queue_script(dp->env->q, OD_SCRIPT_RECLAIM, reclaim_write_cb, ro, 7, keys, (int)na,
	    args, NULL) == -1)
		reclaim_free(ro);
	else
		od_log_info("dispatch", "settling the lease of account %s: %s", ro->id,
		    !sending ? "requeued" : "sent, outcome unknown");
	free(new);
	free(rjson);
	json_decref(rec);
	json_decref(v);
	od_state_clear(&st);
}

static void
reclaim_read_cb(redisReply *r, void *arg)
{
	struct reclaim_one	*ro = arg;
	const redisReply	*e[5];
	size_t			 i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 5) {
		reclaim_free(ro);
		return;
	}
	for (i = 0; i < 5; i++) {
		e[i] = r->element[i];
		if (e[i]->type != REDIS_REPLY_STRING || memchr(e[i]->str, '\0', e[i]->len) != NULL) {
			reclaim_free(ro);	/* NUL bytes: claim.lua quarantines it */
			return;
		}
	}
	reclaim_settle(ro, e);
}

static void
reclaim_read(struct reclaim_one *ro)
{
	const struct od_keys	*k = od_queue_keys(ro->dp->env->q);
	const char		*keys[4], *args[1];

	keys[0] = k->inflight;
	keys[1] = k->lease;
	keys[2] = k->state;
	keys[3] = k->personof;
	args[0] = ro->id;
	if (od_queue_script(ro->dp->env->q, OD_SCRIPT_LEASE, reclaim_read_cb, ro, 4, keys, 1, args,
	    NULL) == -1)
		reclaim_free(ro);
}

void
od_reclaim_one(struct od_dispatch *dp, const char *id, int force, const char *why)
{
	struct reclaim_one	*ro;

	if ((ro = calloc(1, sizeof(*ro))) == NULL || (ro->id = strdup(id)) == NULL) {
		free(ro);
		return;
	}
	ro->dp = dp;
	ro->force = force;
	snprintf(ro->why, sizeof(ro->why), "%s", why);
	reclaim_read(ro);
}

static void
reclaim_scan_cb(redisReply *r, void *arg)
{
	struct od_dispatch	*dp = arg;
	size_t			 i;

	dp->reclaiming = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			od_reclaim_one(dp, r->element[i]->str, 0,
			    "lease expired while sending (the daemon stopped or hung): the "
			    "outcome is unknown, not sent again");
}

void
od_dispatch_reclaim(struct od_dispatch *dp)
{
	char		 now[32];
	const char	*argv[7];

	if (dp->reclaiming || !od_queue_ready(dp->env->q))
		return;
	snprintf(now, sizeof(now), "%lld", (long long)od_now_ms());
	argv[0] = "ZRANGEBYSCORE";
	argv[1] = od_queue_keys(dp->env->q)->inflight;
	argv[2] = "-inf";
	argv[3] = now;
	argv[4] = "LIMIT";
	argv[5] = "0";
	argv[6] = "256";
	if (od_queue_command(dp->env->q, reclaim_scan_cb, dp, 7, argv, NULL) == 0)
		dp->reclaiming = 1;
}
