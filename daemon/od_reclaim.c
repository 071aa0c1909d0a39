/*
 * Reclaim: the leases of actions whose daemon died or hung, and those a
 * stopping daemon hands back.  The lease and the account's state are read
 * (lease.lua), what happens is decided here, and reclaim.lua writes it
 * while both are still as read.
 *
 * Which leases: every daemon beats (beat.lua, every
 * limits.heartbeat_interval): its heartbeat key lives limits.heartbeat_ttl,
 * and the leases of the actions it holds are renewed.  A consumer whose
 * heartbeat lapsed is dead: its leases are settled at once, whatever their
 * expiry, and its inbox entries read and never acknowledged are taken over
 * (orphans.lua); once it holds nothing it leaves the inbox group.  A lease
 * nobody renews (its daemon forgot the action, or predates heartbeats)
 * expires after limits.lease.  The sweep goes on, beat after beat, until
 * nothing expired is left.
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

/* The most leases one beat or one dead consumer's scan settles; the sweep goes on after. */
#define RECLAIM_MAX	"2048"

/* A dead consumer whose work is being read (orphans.lua). */
struct reclaim_dead {
	struct od_dispatch	*dp;
	char			 dead[160];
};

struct reclaim_one {
	struct od_dispatch	*dp;
	char			*id;
	enum od_reclaim_why	 how;
	char			 owner[160];	/* OD_RECLAIM_DEAD: the dead consumer */
	char			 why[240];	/* the unknown record's reason */
	int			 tries;
	int			 sending;	/* the lease was 'sending': recorded unknown */
};

/* The unknown record's reason, by how its lease is settled. */
static const char *const reclaim_reason[] = {
	[OD_RECLAIM_EXPIRED] = "lease expired while sending (the daemon stopped or hung): the "
	    "outcome is unknown, not sent again",
	[OD_RECLAIM_DEAD] = "the daemon sending it stopped (its heartbeat lapsed): the outcome "
	    "is unknown, not sent again",
	[OD_RECLAIM_OURS] = "the daemon stopped while sending: the outcome is unknown, not sent "
	    "again",
	[OD_RECLAIM_UNANSWERED] = "Redis went away before it answered the send's begin, so "
	    "this daemon did not send it: recorded unknown, not sent again",
	[OD_RECLAIM_FORGOTTEN] = "its daemon held no action for it (an earlier run of the same "
	    "consumer name, or Redis went away before it answered): the outcome is unknown, not "
	    "sent again",
};
static const char *const reclaim_label[] = {
	[OD_RECLAIM_EXPIRED] = "expired", [OD_RECLAIM_DEAD] = "dead",
	[OD_RECLAIM_OURS] = "handed_back", [OD_RECLAIM_UNANSWERED] = "handed_back",
	[OD_RECLAIM_FORGOTTEN] = "forgotten",
};

static void	reclaim_read(struct reclaim_one *ro);
static void	reclaim_unsettled_add(struct od_dispatch *dp, const char *id);

static void	reclaim_settled(struct od_dispatch *dp);

static void
reclaim_free(struct reclaim_one *ro)
{
	struct od_dispatch	*dp = ro->dp;

	free(ro->id);
	free(ro);
	dp->settling--;
	reclaim_settled(dp);
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
	if (r == NULL || !od_reply_is(r, "ok")) {
		od_log_err("dispatch", "settling the lease of account %s failed: %s", ro->id,
		    r == NULL ? "Redis unavailable" : r->type == REDIS_REPLY_ERROR ? r->str :
		    "it kept changing");
		if (ro->how == OD_RECLAIM_OURS)
			ro->dp->handed_failed++;
		else if (ro->how == OD_RECLAIM_UNANSWERED)
			reclaim_unsettled_add(ro->dp, ro->id);	/* once Redis is back */
	} else {
		od_metric_inc(ro->dp->env->m.settled, OD_LABELS(reclaim_label[ro->how],
		    ro->sending ? "unknown" : "requeued"), 1);
		if (ro->how == OD_RECLAIM_OURS) {
			if (ro->sending)
				ro->dp->handed_unknown++;
			else
				ro->dp->handed_requeued++;
		}
		od_dispatch_kick(ro->dp);
	}
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
	const char		*owner = ro->how == OD_RECLAIM_DEAD ? ro->owner : dp->env->consumer;
	size_t			 nc = strlen(owner), nflds = 0, na = 0;
	int			 known = 0, sending;

	if (e[0]->len == 0 || (ro->how != OD_RECLAIM_EXPIRED ? strncmp(lease, owner, nc) != 0 ||
	    lease[nc] != ' ' : strtoll(e[0]->str, NULL, 10) > now)) {
		reclaim_free(ro);	/* settled already, not its owner's, or not expired: live */
		return;
	}
	phase = (sp = strchr(lease, ' ')) != NULL ? sp + 1 : "";
	sending = ro->sending = strncmp(phase, "sending ", 8) == 0;
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
od_reclaim_one(struct od_dispatch *dp, const char *id, enum od_reclaim_why how, const char *owner)
{
	struct reclaim_one	*ro;

	if ((ro = calloc(1, sizeof(*ro))) == NULL || (ro->id = strdup(id)) == NULL) {
		free(ro);
		return;
	}
	ro->dp = dp;
	ro->how = how;
	snprintf(ro->owner, sizeof(ro->owner), "%s", owner ? owner : "");
	snprintf(ro->why, sizeof(ro->why), "%s", reclaim_reason[how]);
	dp->settling++;
	reclaim_read(ro);
}


/* The accounts whose begin Redis never answered: settled as ours once it is back. */
static void
reclaim_unsettled_add(struct od_dispatch *dp, const char *id)
{
	char	**nv, *s;

	if (dp->nunsettled == dp->unsettled_cap) {
		size_t ncap = dp->unsettled_cap ? dp->unsettled_cap * 2 : 16;
		if ((nv = realloc(dp->unsettled, ncap * sizeof(*nv))) == NULL)
			return;		/* its lease settles it when it expires */
		dp->unsettled = nv;
		dp->unsettled_cap = ncap;
	}
	if ((s = strdup(id)) != NULL)
		dp->unsettled[dp->nunsettled++] = s;
}

void
od_reclaim_unanswered(struct od_dispatch *dp, const char *id)
{
	reclaim_unsettled_add(dp, id);
}

/*
 * Redis is back: first the outcomes it missed (complete.lua again: a
 * completion that did land finds its records and writes nothing twice),
 * then the begins it never answered, settled as ours.
 */
static void
reclaim_catch_up(struct od_dispatch *dp)
{
	struct action	*a;
	size_t		 i, n;
	char		**v;

	if (!od_queue_ready(dp->env->q))
		return;
	if (dp->nunstored > 0) {
		od_log_info("dispatch", "storing %d outcomes Redis missed while it was unreachable",
		    dp->nunstored);
		for (a = dp->actions; a != NULL; a = a->next)
			if (a->unstored) {
				a->unstored = 0;
				od_dispatch_queue_complete(a);
			}
		dp->nunstored = 0;
		od_metric_set(dp->env->m.unstored, NULL, 0);
		od_dispatch_flush(dp);	/* before any claim: ahead of it on the connection */
	}
	v = dp->unsettled;
	n = dp->nunsettled;
	dp->unsettled = NULL;
	dp->nunsettled = dp->unsettled_cap = 0;
	for (i = 0; i < n; i++) {
		od_reclaim_one(dp, v[i], OD_RECLAIM_UNANSWERED, NULL);
		free(v[i]);
	}
	free(v);
}

void
od_reclaim_unstored(struct action *a)
{
	struct od_dispatch	*dp = a->dp;

	a->unstored = 1;
	dp->nunstored++;
	od_metric_set(dp->env->m.unstored, NULL, (double)dp->nunstored);
}

static void	reclaim_orphans(struct od_dispatch *dp, const char *dead);

static void
reclaim_orphans_cb(redisReply *r, void *arg)
{
	struct od_dispatch	*dp = ((struct reclaim_dead *)arg)->dp;
	struct reclaim_dead	*rd = arg;
	const redisReply	*ids;
	size_t			 i;

	dp->orphaning--;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		od_log_err("dispatch", "the work of consumer %s: %s", rd->dead, r->str);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		free(rd);
		return;
	}
	if (od_reply_is(r->element[0], "gone")) {
		od_log_info("dispatch", "consumer %s is dead (no heartbeat for %lld ms) and holds "
		    "nothing: removed from the inbox group", rd->dead,
		    (long long)dp->env->set->cfg.heartbeat_ttl_ms);
	} else if (od_reply_is(r->element[0], "work") && r->elements == 4) {
		ids = r->element[1];
		if (ids->type == REDIS_REPLY_ARRAY && ids->elements > 0) {
			od_log_warn("dispatch", "consumer %s is dead (no heartbeat): settling %zu of "
			    "its leases", rd->dead, ids->elements);
			for (i = 0; i < ids->elements; i++)
				if (ids->element[i]->type == REDIS_REPLY_STRING)
					od_reclaim_one(dp, ids->element[i]->str, OD_RECLAIM_DEAD,
					    rd->dead);
		}
		if (r->element[2]->type == REDIS_REPLY_ARRAY && r->element[2]->elements > 0) {
			od_log_warn("dispatch", "consumer %s: took over %zu inbox entries it read "
			    "and never acknowledged", rd->dead, r->element[2]->elements);
			if (dp->on_inbox != NULL)
				dp->on_inbox(dp->cbarg, r->element[2]);
		}
		if (r->element[3]->type == REDIS_REPLY_INTEGER && r->element[3]->integer == 1)
			dp->beat_more = 1;
	}
	free(rd);
}

static void
reclaim_orphans(struct od_dispatch *dp, const char *dead)
{
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	struct reclaim_dead	*rd;
	const char		*keys[4], *args[3];
	char			 hb[512];

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return;
	rd->dp = dp;
	snprintf(rd->dead, sizeof(rd->dead), "%s", dead);
	snprintf(hb, sizeof(hb), "%s%s", k->hb_prefix, dead);
	keys[0] = k->lease;
	keys[1] = k->inbox;
	keys[2] = k->consumers;
	keys[3] = hb;
	args[0] = dead;
	args[1] = dp->env->consumer;
	args[2] = RECLAIM_MAX;
	if (od_queue_script(dp->env->q, OD_SCRIPT_ORPHANS, reclaim_orphans_cb, rd, 4, keys, 3, args,
	    NULL) == -1) {
		free(rd);
		return;
	}
	dp->orphaning++;
}

static void
reclaim_beat_cb(redisReply *r, void *arg)
{
	struct od_dispatch	*dp = arg;
	const redisReply	*dead, *exp, *forgot;
	size_t			 i;

	dp->beating = 0;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		od_log_err("dispatch", "heartbeat: %s", r->str);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
		if (dp->swept)
			dp->sweep = 1;	/* its sweep did not happen: at the next beat */
		return;
	}
	dp->swept = 0;
	if (dp->env->stopping)
		return;
	dead = r->element[0];
	exp = r->element[1];
	forgot = r->element[3];
	if (forgot->type == REDIS_REPLY_ARRAY && forgot->elements > 0) {
		od_log_warn("dispatch", "%zu leases of this consumer's name are held by no action "
		    "here (an earlier run's, or a claim or begin whose answer Redis never gave): "
		    "settling them", forgot->elements);
		for (i = 0; i < forgot->elements; i++)
			if (forgot->element[i]->type == REDIS_REPLY_STRING)
				od_reclaim_one(dp, forgot->element[i]->str, OD_RECLAIM_FORGOTTEN,
				    NULL);
	}
	dp->beat_more = r->element[2]->type == REDIS_REPLY_INTEGER && r->element[2]->integer == 1;
	for (i = 0; dead->type == REDIS_REPLY_ARRAY && i < dead->elements; i++)
		if (dead->element[i]->type == REDIS_REPLY_STRING)
			reclaim_orphans(dp, dead->element[i]->str);
	for (i = 0; exp->type == REDIS_REPLY_ARRAY && i < exp->elements; i++)
		if (exp->element[i]->type == REDIS_REPLY_STRING)
			od_reclaim_one(dp, exp->element[i]->str, OD_RECLAIM_EXPIRED, NULL);
	reclaim_settled(dp);
}

/* Every settle and dead consumer's scan answered: another beat at once when a scan was cut. */
static void
reclaim_settled(struct od_dispatch *dp)
{
	if (dp->beat_more && dp->settling == 0 && dp->orphaning == 0 && !dp->beating) {
		dp->beat_more = 0;
		od_dispatch_beat(dp);
	}
}

void
od_dispatch_beat(struct od_dispatch *dp)
{
	const struct od_keys	*k = od_queue_keys(dp->env->q);
	const struct od_config	*cfg = &dp->env->set->cfg;
	struct action		*a;
	const char		*keys[4], **args;
	char			 hb[512], now[32], ttl[32], lease[32];
	int			 na = 0;

	if (dp->beating || !od_queue_ready(dp->env->q))
		return;
	reclaim_catch_up(dp);
	if ((args = calloc(7 + (size_t)dp->inflight + 1, sizeof(*args))) == NULL)
		return;
	snprintf(hb, sizeof(hb), "%s%s", k->hb_prefix, dp->env->consumer);
	snprintf(now, sizeof(now), "%lld", (long long)od_now_ms());
	snprintf(ttl, sizeof(ttl), "%lld", (long long)cfg->heartbeat_ttl_ms);
	snprintf(lease, sizeof(lease), "%lld", (long long)cfg->lease_ms);
	keys[0] = k->consumers;
	keys[1] = hb;
	keys[2] = k->inflight;
	keys[3] = k->lease;
	args[na++] = dp->env->consumer;
	args[na++] = now;
	args[na++] = ttl;
	args[na++] = lease;
	args[na++] = RECLAIM_MAX;
	args[na++] = k->hb_prefix;
	args[na++] = dp->sweep && !dp->env->stopping ? "1" : "0";
	for (a = dp->actions; a != NULL && na < 7 + dp->inflight; a = a->next)
		args[na++] = a->job.id;
	if (od_queue_script(dp->env->q, OD_SCRIPT_BEAT, reclaim_beat_cb, dp, 4, keys, na, args,
	    NULL) == 0) {
		dp->beating = 1;
		if (args[6][0] == '1') {
			dp->sweep = 0;
			dp->swept = 1;
		}
	}
	free(args);
}
