/*
 * Gateway callbacks on the admin server: delivery receipts and debtors'
 * replies, routed by path to the checks of od_callback.c and applied to
 * Redis with receipt.lua and reply.lua.
 *
 *   /callbacks/<gateway>/status    sms-twilio status callbacks
 *   /callbacks/<gateway>/inbound   sms-twilio or sms-kannel inbound messages
 *   /callbacks/<gateway>/dlr       sms-kannel delivery reports
 *   /callbacks/<gateway>/webhook   whatsapp-cloud (GET handshake, POST events)
 *
 * A request that cannot be verified is refused (403), counted, and changes
 * nothing.  Answers never echo what was received.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_admin.h"
#include "od_callback.h"
#include "od_env.h"
#include "od_hooks.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_store.h"
#include "od_time.h"
#include "od_wamid.h"

#define HOOKS_METRIC	"outreachd_callbacks_total"

static void
hooks_count(struct od_env *env, const char *gw, const char *result)
{
	struct od_metric *m = od_metrics_counter(env->metrics, HOOKS_METRIC,
	    "Gateway callbacks received, by gateway and result.", OD_LABELS("gateway", "result"));

	od_metric_inc(m, OD_LABELS(gw, result), 1);
}

struct hooks_item {
	struct od_env		*env;
	const char		*what;		/* "receipt", "reply" */
	char			 gw[96];
	int			 kind;		/* a reply's channel (OD_CH_*), -1 for a receipt */
	struct od_reply		 reply;		/* a reply: what it said */
};

/* One account of a reply's number, for its store's callback (which frees it). */
struct hooks_acct {
	struct od_env		*env;
	char			 gw[96];
	char			 id[256];
};

/* Starts account o's change, the k-th of the number's n accounts: -1 when not queued. */
typedef int	hooks_acct_fn(struct hooks_item *it, struct hooks_acct *o, int k, int n);

/* fn for each account id of ids (reply.lua's, space-separated); a failed start, its cb. */
static void
hooks_each(struct hooks_item *it, const redisReply *ids, hooks_acct_fn *fn, od_store_cb *cb)
{
	struct hooks_acct	*o;
	const char		*p, *end = ids->str + ids->len, *sp;
	int			 n = 0, k = 0;

	for (p = ids->str; p < end; p = sp + 1) {
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			sp = end;
		n += sp > p;
	}
	for (p = ids->str; p < end; p = sp + 1) {
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			sp = end;
		if (sp == p || (size_t)(sp - p) >= sizeof(o->id) ||
		    (o = calloc(1, sizeof(*o))) == NULL)
			continue;
		o->env = it->env;
		snprintf(o->gw, sizeof(o->gw), "%s", it->gw);
		snprintf(o->id, sizeof(o->id), "%.*s", (int)(sp - p), p);
		if (fn(it, o, k++, n) == -1)
			cb(o, OD_STORE_ERROR, 0, "Redis unavailable", NULL);
	}
}

static void
hooks_optout_cb(void *arg, enum od_store_result r, int conflicts, const char *err,
    const json_t *records)
{
	struct hooks_acct	*o = arg;

	(void)records;		/* an opt-out records nothing of the lifecycle */
	if (conflicts > 0)
		od_metric_inc(o->env->m.state_conflicts, OD_LABELS("event"), conflicts);
	if (r == OD_STORE_ERROR || r == OD_STORE_CORRUPT || r == OD_STORE_REJECTED) {
		od_log_err("callback", "gateway %s: an opt-out reply not applied to account %s: %s",
		    o->gw, o->id, r == OD_STORE_CORRUPT ? "its stored state cannot be read "
		    "(state_corrupt)" : err);
		hooks_count(o->env, o->gw, "not_applied");
	}
	free(o);
}

/* An opt-out reply: an opt_out event of its channel for the account, applied by od_store. */
static int
hooks_optout(struct hooks_item *it, struct hooks_acct *o, int k, int n)
{
	struct od_state_event	ev;

	(void)k;
	(void)n;
	memset(&ev, 0, sizeof(ev));
	ev.type = OD_EV_OPT_OUT;
	ev.channel = it->kind;
	return od_store_event(it->env->q, it->env->set, o->id, &ev, od_now_ms(), hooks_optout_cb,
	    o);
}

static void
hooks_reply_cb(void *arg, enum od_store_result r, int conflicts, const char *err,
    const json_t *records)
{
	struct hooks_acct	*o = arg;
	struct od_metric	*m;
	const json_t		*rec;
	const char		*st;
	size_t			 i;

	if (conflicts > 0)
		od_metric_inc(o->env->m.state_conflicts, OD_LABELS("event"), conflicts);
	if (r == OD_STORE_OK) {
		m = od_metrics_counter(o->env->metrics, "outreachd_replies_total",
		    "Debtors' replies applied to an account, by what they were read as and what "
		    "came of them (applied, or a person asked for).", OD_LABELS("intent", "result"));
		json_array_foreach(records, i, rec) {
			st = json_string_value(json_object_get(rec, "status"));
			if (st != NULL && strcmp(st, "reply") == 0)
				od_metric_inc(m, OD_LABELS(json_string_value(json_object_get(rec,
				    "intent")), json_string_value(json_object_get(rec, "result"))), 1);
		}
	} else if (r != OD_STORE_DUPLICATE) {
		od_log_err("callback", "gateway %s: a reply not applied to account %s: %s", o->gw,
		    o->id, r == OD_STORE_CORRUPT ? "its stored state cannot be read (state_corrupt)" :
		    r == OD_STORE_UNKNOWN ? "no such account" : err ? err : "unknown error");
		hooks_count(o->env, o->gw, "not_applied");
	}
	free(o);
}

/*
 * A reply that is not an opt-out, for one account of its number (reply.lua
 * found them), applied by od_store_reply, which reads what it means.  A
 * number several accounts share names none of them: each gets what holds
 * for all (a person asked for, a payment claimed, a wrong number), an
 * acceptance or a promise goes to people, and only the first acknowledges
 * it (docs/replies.md, "Shared numbers").
 */
static int
hooks_reply(struct hooks_item *it, struct hooks_acct *o, int k, int n)
{
	struct od_store_reply	sr;
	char			at[32];

	memset(&sr, 0, sizeof(sr));
	sr.channel = it->kind;
	sr.text = it->reply.text;
	sr.at = od_time_format_iso(it->reply.at_ms > 0 ? it->reply.at_ms : od_now_ms(), at,
	    sizeof(at));
	sr.provider_id = it->reply.provider_id;
	sr.payload = it->reply.payload;
	sr.shared = n;
	sr.ack = k == 0;
	return od_store_reply(it->env->q, it->env->set, o->id, &sr, od_now_ms(), hooks_reply_cb,
	    o);
}

static void
hooks_script_cb(redisReply *r, void *arg)
{
	struct hooks_item	*it = arg;

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		od_log_err("callback", "gateway %s: a %s not applied: %s", it->gw, it->what,
		    r ? r->str : "Redis unavailable");
		hooks_count(it->env, it->gw, "not_applied");
	} else if (od_reply_is(r, "unknown_attempt")) {
		od_log_warn("callback", "gateway %s: a %s for an attempt the account's history "
		    "does not know: ignored", it->gw, it->what);
		hooks_count(it->env, it->gw, "unknown_attempt");
	} else if (od_reply_is(r, "provider_mismatch")) {
		/* signed, but for another message than the attempt's: a replay, or a bug */
		od_log_warn("callback", "gateway %s: a receipt whose message id is not the "
		    "attempt's: ignored", it->gw);
		hooks_count(it->env, it->gw, "provider_mismatch");
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    od_reply_is(r->element[0], "opted_out") && r->element[1]->type == REDIS_REPLY_STRING &&
	    it->kind >= 0) {
		hooks_each(it, r->element[1], hooks_optout, hooks_optout_cb);
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    od_reply_is(r->element[0], "recorded") && r->element[1]->type == REDIS_REPLY_STRING &&
	    it->kind >= 0) {
		hooks_each(it, r->element[1], hooks_reply, hooks_reply_cb);
	} else if (od_reply_is(r, "duplicate") || od_reply_is(r, "stale")) {
		/* receipt.lua: already recorded, or a state that would go back */
		hooks_count(it->env, it->gw, r->str);
	}
	free(it);
}

static void
hooks_send(struct od_env *env, const char *gw, const char *what, enum od_script script,
    struct od_cb_script *s, int kind, const struct od_reply *reply)
{
	struct hooks_item	*it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return;
	it->env = env;
	it->what = what;
	it->kind = kind;
	if (reply != NULL)
		it->reply = *reply;
	snprintf(it->gw, sizeof(it->gw), "%s", gw);
	if (od_queue_script(env->q, script, hooks_script_cb, it, s->nkeys, s->keys, s->nargs,
	    s->args, s->arglens) == -1)
		hooks_script_cb(NULL, it);
}

/* ---- WhatsApp receipts that name no attempt: by message id (od_wamid.h) ---- */

struct hooks_wamid {
	struct od_env		*env;
	char			 gw[96];
	struct od_receipt	 r;
};

static void
hooks_wamid_cb(redisReply *reply, void *arg)
{
	struct hooks_wamid	*w = arg;
	struct od_cb_script	 s;

	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		od_log_err("callback", "gateway %s: a receipt not applied: %s", w->gw,
		    reply ? reply->str : "Redis unavailable");
		hooks_count(w->env, w->gw, "not_applied");
	} else if (reply->type != REDIS_REPLY_STRING ||
	    od_wamid_parse(reply->str, reply->len, w->r.account_id, sizeof(w->r.account_id),
	    w->r.attempt_id, sizeof(w->r.attempt_id)) == -1) {
		/* not a message we sent, or sent longer ago than limits.wamid_ttl */
		hooks_count(w->env, w->gw, "unmatched");
	} else {
		/* then as any receipt: duplicates, stale states, another message's id refused */
		od_cb_receipt_script(od_queue_keys(w->env->q), &w->r,
		    w->env->set->cfg.attempts_maxlen, w->env->set->cfg.history_len, &s);
		hooks_send(w->env, w->gw, "receipt", OD_SCRIPT_RECEIPT, &s, -1, NULL);
	}
	free(w);
}

/* Looks the receipt's message id up, then records it (receipt.lua). */
static void
hooks_wamid_receipt(struct od_env *env, const char *gw, const struct od_receipt *r)
{
	struct hooks_wamid	*w;
	char			 key[OD_WAMID_KEY_MAX];
	const char		*argv[2] = { "GET", key };
	size_t			 lens[2];

	if (strcmp(r->state, "sent") == 0)
		return;		/* receipt.lua records final states only */
	if (od_wamid_key(od_queue_keys(env->q), r->provider_id, key, sizeof(key)) == -1 ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		hooks_count(env, gw, "unmatched");
		return;
	}
	w->env = env;
	snprintf(w->gw, sizeof(w->gw), "%s", gw);
	w->r = *r;
	lens[0] = 3;
	lens[1] = strlen(key);
	if (od_queue_command(env->q, hooks_wamid_cb, w, 2, argv, lens) == -1)
		hooks_wamid_cb(NULL, w);
}

/* ---- end of the WhatsApp message id lookup ---- */

static void
hooks_apply(struct od_env *env, const char *gw, const struct od_cb_result *res)
{
	const struct od_keys	*k = od_queue_keys(env->q);
	struct od_cb_script	 s;
	int			 i;

	for (i = 0; i < res->nreceipts; i++) {
		if (res->receipts[i].lookup) {
			hooks_wamid_receipt(env, gw, &res->receipts[i]);
			continue;
		}
		od_cb_receipt_script(k, &res->receipts[i], env->set->cfg.attempts_maxlen,
		    env->set->cfg.history_len, &s);
		hooks_send(env, gw, "receipt", OD_SCRIPT_RECEIPT, &s, -1, NULL);
	}
	for (i = 0; i < res->nreplies; i++) {
		od_cb_reply_script(k, &res->replies[i], env->set->cfg.attempts_maxlen, &s);
		hooks_send(env, gw, "reply", OD_SCRIPT_REPLY, &s,
		    od_channel_kind_parse(res->replies[i].channel), &res->replies[i]);
	}
}

void
od_hooks_callback(struct od_env *env, struct od_admin_callback *cb)
{
	const struct od_gateway_conf	*gc;
	struct od_cb_request		 req;
	struct od_cb_result		*res;
	char				 gw[96], kind[32], url[4096], s1[512], s2[512];
	const char			*p = cb->path + strlen("/callbacks/"), *slash;
	int				 rc = -1;

	slash = strchr(p, '/');
	if (slash == NULL || (size_t)(slash - p) >= sizeof(gw) || strlen(slash + 1) >= sizeof(kind))
		return;		/* 404 */
	snprintf(gw, sizeof(gw), "%.*s", (int)(slash - p), p);
	snprintf(kind, sizeof(kind), "%s", slash + 1);
	if ((gc = od_config_gateway(&env->set->cfg, gw)) == NULL)
		return;
	if ((res = calloc(1, sizeof(*res))) == NULL) {
		cb->status = 503;
		snprintf(cb->answer, sizeof(cb->answer), "busy\n");
		return;
	}
	memset(&req, 0, sizeof(req));
	/* What the provider signed: the public URL it was given, with the query it sent. */
	snprintf(url, sizeof(url), "%s%s%s%s", env->set->cfg.admin_public_url ?
	    env->set->cfg.admin_public_url : "", cb->path, cb->query ? "?" : "",
	    cb->query ? cb->query : "");
	req.method = cb->method;
	req.url = url;
	req.path = cb->path;
	req.query = cb->query;
	req.body = cb->body;
	req.body_len = cb->body_len;
	req.content_type = cb->content_type;
	s1[0] = s2[0] = '\0';
	if (strcmp(gc->plugin, "sms-twilio") == 0 &&
	    (strcmp(kind, "status") == 0 || strcmp(kind, "inbound") == 0)) {
		req.signature = cb->twilio_signature;
		if (od_cb_secret(gc, "auth_token", s1, sizeof(s1)) == 0)
			rc = strcmp(kind, "status") == 0 ? od_cb_twilio_status(&req, s1, res) :
			    od_cb_twilio_inbound(&req, s1, res);
		else
			rc = -2;
	} else if (strcmp(gc->plugin, "sms-kannel") == 0 && strcmp(kind, "dlr") == 0) {
		rc = od_cb_secret(gc, "callback_secret", s1, sizeof(s1)) == 0 ?
		    od_cb_kannel_dlr(&req, s1, res) : -2;
	} else if (strcmp(gc->plugin, "sms-kannel") == 0 && strcmp(kind, "inbound") == 0) {
		rc = od_cb_secret(gc, "inbound_token", s1, sizeof(s1)) == 0 ?
		    od_cb_kannel_inbound(&req, s1, res) : -2;
	} else if (strcmp(gc->plugin, "whatsapp-cloud") == 0 && strcmp(kind, "webhook") == 0) {
		req.signature = cb->hub_signature;
		rc = od_cb_secret(gc, "verify_token", s1, sizeof(s1)) == 0 &&
		    od_cb_secret(gc, "app_secret", s2, sizeof(s2)) == 0 ?
		    od_cb_whatsapp(&req, s1, s2, res) : -2;
	} else {
		free(res);
		return;		/* 404 */
	}
	explicit_bzero(s1, sizeof(s1));
	explicit_bzero(s2, sizeof(s2));
	if (rc == -2) {
		/* The secrets to check it with are not configured: nothing can be verified. */
		od_log_err("callback", "gateway %s: a %s callback arrived but its secret is not "
		    "configured (docs/callbacks.md)", gw, kind);
		hooks_count(env, gw, "unverifiable");
		cb->status = 403;
		snprintf(cb->answer, sizeof(cb->answer), "forbidden\n");
		free(res);
		return;
	}
	cb->status = res->http_status ? res->http_status : (rc == 0 ? 200 : 400);
	snprintf(cb->answer, sizeof(cb->answer), "%s", res->body);
	if (res->content_type[0])
		snprintf(cb->answer_type, sizeof(cb->answer_type), "%s", res->content_type);
	if (rc == 0) {
		hooks_count(env, gw, "accepted");
		hooks_apply(env, gw, res);
	} else {
		hooks_count(env, gw, res->bad_signature ? "bad_signature" : "refused");
		od_log_warn("callback", "gateway %s: %s callback refused (%d): %s", gw, kind,
		    cb->status, res->reason ? res->reason : "malformed");
	}
	free(res);
}

/* The callback URL of one attempt, when the gateway's provider calls back. */
const char *
od_hooks_callback_url(const struct od_env *env, struct od_gateway *gw,
    const char *account_id, const char *attempt_id, char *buf, size_t len)
{
	const char	*plugin = gw->conf ? gw->conf->plugin : "";
	const char	*kind;
	char		 base[1024], secret[512];

	if (env->set->cfg.admin_public_url == NULL || !env->set->cfg.admin_enabled)
		return NULL;
	if (strcmp(plugin, "sms-twilio") == 0)
		kind = "status";
	else if (strcmp(plugin, "sms-kannel") == 0)
		kind = "dlr";
	else
		return NULL;
	snprintf(base, sizeof(base), "%s/callbacks/%s/%s", env->set->cfg.admin_public_url,
	    gw->name, kind);
	if (strcmp(kind, "dlr") == 0) {
		/* The secret is read once per loaded set, not once per send. */
		if (!gw->callback_secret_read) {
			gw->callback_secret_read = 1;
			if (od_cb_secret(gw->conf, "callback_secret", secret, sizeof(secret)) == 0)
				gw->callback_secret = strdup(secret);
			explicit_bzero(secret, sizeof(secret));
		}
		if (gw->callback_secret == NULL)
			return NULL;	/* a DLR no one could verify is not asked for */
	}
	return od_cb_callback_url(buf, len, base, account_id, attempt_id,
	    strcmp(kind, "dlr") == 0 ? gw->callback_secret : NULL) == 0 ? buf : NULL;
}
