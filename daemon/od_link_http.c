/*
 * od_link_http: /p/<token> and the account refs (see od_link_http.h).
 */
#include "od_link_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "od_account.h"
#include "od_admin.h"
#include "od_buf.h"
#include "od_env.h"
#include "od_link.h"
#include "od_link_page.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_queue.h"
#include "od_record.h"
#include "od_state.h"
#include "od_time.h"
#include "od_tz.h"

/* One link being opened, from the token's check to the answer. */
struct link_open {
	struct od_env		*env;
	struct od_confset	*set;		/* a reference: a reload may replace env->set */
	struct od_admin_link	*l;
	struct od_link		 tok;
	char			 token[OD_LINK_TOKEN_MAX + 1];
	char			 account[256];
	char			*location;	/* the checkout, once recorded */
};

static void
link_count(struct od_env *env, enum od_link_result r)
{
	struct od_metric *m = od_metrics_counter(env->metrics, OD_METRIC_LINK_REQUESTS,
	    "Payment links opened (/p/), by result: ok (redirected), bad (malformed or a bad "
	    "signature), expired, unknown_key, unknown_account, paid, closed, ceased, dispute, "
	    "placed, offer_expired, error.", OD_LABELS("result"));

	od_metric_inc(m, OD_LABELS(od_link_result_name(r)), 1);
}

/* A page (never anything of the request) for r, in locale; counted. */
static void
link_answer(struct od_env *env, struct od_admin_link *l, enum od_link_result r,
    const char *locale, const char *location)
{
	const char	*fallback = env->set != NULL ? env->set->cfg.default_locale : NULL;
	const char	*body;
	int		 status;

	link_count(env, r);
	body = od_link_page(r, locale, fallback, &status);
	od_admin_link_answer(l, r == OD_LINK_RESULT_OK && location != NULL ? 302 :
	    r == OD_LINK_RESULT_OK ? 503 : status, location, body);
}

static void
link_open_free(struct link_open *o)
{
	if (o == NULL)
		return;
	od_confset_unref(o->set);
	free(o->location);
	free(o);
}

static void
link_record_cb(redisReply *r, void *arg)
{
	struct link_open	*o = arg;

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		/* the debtor still goes to pay: the record is what is lost */
		od_log_err("link", "a link_opened record not written: %s",
		    r != NULL ? r->str : "Redis unavailable");
	link_answer(o->env, o->l, OD_LINK_RESULT_OK, NULL, o->location);
	link_open_free(o);
}

/* The link_opened record of o: into the account's history and the attempts stream. */
static int
link_record(struct link_open *o)
{
	const struct od_config	*cfg = &o->set->cfg;
	const struct od_keys	*k = od_queue_keys(o->env->q);
	const char		*keys[2], *args[8 + 2 * OD_RECORD_FIELDS];
	char			 hist[512], attempt[600], ts[32], maxlen[24], histlen[24];
	char			 num[OD_RECORD_FIELDS][24], nf[8], amount[24], *json;
	json_t			*rec;
	size_t			 n = 0;
	int			 rc;

	od_link_attempt(&o->tok, o->account, attempt, sizeof(attempt));
	snprintf(amount, sizeof(amount), "%llu", (unsigned long long)o->tok.amount);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "ts", od_time_format_iso(od_now_ms(), ts, sizeof(ts)), "account_id", o->account,
	    "status", "link_opened", "source", "link", "kind", od_link_kind_name(o->tok.kind),
	    "amount_minor", amount, "currency", o->tok.currency);
	if (rec == NULL)
		return -1;
	if (attempt[0] != '\0') {
		char	*hash = strrchr(attempt, '#');

		json_object_set_new(rec, "attempt_id", json_string(attempt));
		if (hash != NULL)
			json_object_set_new(rec, "action_id", json_stringn(attempt,
			    (size_t)(hash - attempt)));
	}
	if (o->tok.offer[0] != '\0')
		json_object_set_new(rec, "offer", json_string(o->tok.offer));
	if ((json = od_account_json_dumps(rec)) == NULL) {
		json_decref(rec);
		return -1;
	}
	keys[0] = od_keys_hist(k, o->account, hist, sizeof(hist));
	keys[1] = k->attempts;
	snprintf(maxlen, sizeof(maxlen), "%ld", cfg->attempts_maxlen);
	snprintf(histlen, sizeof(histlen), "%d", cfg->history_len);
	args[n++] = "record";
	args[n++] = maxlen;
	args[n++] = histlen;
	args[n++] = "1";
	args[n++] = json;
	n += od_record_args(rec, args + n, num, &nf);
	rc = od_queue_script(o->env->q, OD_SCRIPT_LINK, link_record_cb, o, 2, keys, (int)n, args,
	    NULL);
	free(json);
	json_decref(rec);
	return rc;
}

/* The debtor's local day (days since the epoch) now. */
static int64_t
link_today(const struct od_account *a)
{
	const char		*zone = a != NULL ? od_account_plan_zone(a) : NULL;
	const struct od_tz	*tz = zone != NULL ? od_tz_get(zone) : NULL;
	int64_t			 s = od_now_ms() / 1000;

	if (tz != NULL)
		s += od_tz_offset(tz, s);
	return s / 86400;
}

/* Does named offer id still stand for st today ("<id> <valid through> <attempt>")? */
static int
link_offer_stands(const struct od_state *st, const char *id, int64_t today)
{
	size_t	i, n = strlen(id);
	int	y, m, d;

	for (i = 0; i < st->offers.n; i++)
		if (strncmp(st->offers.v[i], id, n) == 0 && st->offers.v[i][n] == ' ' &&
		    sscanf(st->offers.v[i] + n + 1, "%4d-%2d-%2d", &y, &m, &d) == 3)
			return od_days_from_civil(y, m, d) >= today;
	return 0;
}

/* What the account's state says of a link to it; OK: redirect. */
static enum od_link_result
link_decide(const struct od_state *st, const struct od_link *tok, const struct od_account *a)
{
	switch (st->status) {
	case OD_STATE_PAID:	return OD_LINK_RESULT_PAID;
	case OD_STATE_CEASED:	return OD_LINK_RESULT_CEASED;
	case OD_STATE_PLACED:	return OD_LINK_RESULT_PLACED;
	case OD_STATE_ACTIVE:	break;
	default:		return OD_LINK_RESULT_CLOSED;	/* closed, failed, none */
	}
	if (st->dispute)
		return OD_LINK_RESULT_DISPUTE;
	if (tok->kind == OD_LINK_NAMED && !link_offer_stands(st, tok->offer, link_today(a)))
		return OD_LINK_RESULT_OFFER_EXPIRED;
	return OD_LINK_RESULT_OK;
}

static void
link_read_cb(redisReply *r, void *arg)
{
	struct link_open	*o = arg;
	struct od_state		 st;
	struct od_account	 a;
	struct od_buf		 loc;
	const char		*why, *tmpl, *locale = NULL;
	char			 reason[256];
	json_t			*v;
	enum od_link_result	 res;
	int			 have_acct = 0;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[2]->type != REDIS_REPLY_STRING) {
		od_log_err("link", "a payment link's account cannot be read: %s",
		    r == NULL ? "Redis unavailable" : r->type == REDIS_REPLY_ERROR ? r->str :
		    "an unexpected reply");
		link_answer(o->env, o->l, OD_LINK_RESULT_ERROR, NULL, NULL);
		link_open_free(o);
		return;
	}
	if (r->element[0]->len == 0 || r->element[0]->len >= sizeof(o->account)) {
		link_answer(o->env, o->l, OD_LINK_RESULT_UNKNOWN_ACCOUNT, NULL, NULL);
		link_open_free(o);
		return;
	}
	memcpy(o->account, r->element[0]->str, r->element[0]->len);
	o->account[r->element[0]->len] = '\0';
	memset(&a, 0, sizeof(a));
	if (r->element[2]->len > 0 && od_account_from_stored(r->element[2]->str,
	    r->element[2]->len, &a, reason, sizeof(reason)) == 0) {
		have_acct = 1;
		locale = a.locale;
	}
	od_state_init(&st);
	v = r->element[1]->len > 0 ? od_account_json_loadb(r->element[1]->str, r->element[1]->len,
	    0, NULL) : NULL;
	if (v == NULL || od_state_from_json(&st, v, &why) == -1)
		res = v == NULL && r->element[1]->len == 0 ? OD_LINK_RESULT_CLOSED :
		    OD_LINK_RESULT_ERROR;
	else
		res = link_decide(&st, &o->tok, have_acct ? &a : NULL);
	json_decref(v);
	od_state_clear(&st);
	if (res == OD_LINK_RESULT_OK) {
		tmpl = od_link_conf_redirect(o->set->cfg.links, have_acct ? a.country : NULL);
		od_buf_init(&loc);
		if (tmpl != NULL && od_link_redirect_url(tmpl, &o->tok, o->account, o->token,
		    have_acct ? a.minor_digits : od_currency_digits(o->tok.currency), &loc) == 0)
			o->location = od_buf_steal(&loc);
		od_buf_free(&loc);
		if (o->location == NULL)
			res = OD_LINK_RESULT_ERROR;
		else if (link_record(o) == 0) {
			if (have_acct)
				od_account_clear(&a);
			return;		/* answered once recorded */
		} else
			od_log_err("link", "a link_opened record not written: Redis unavailable");
	}
	link_answer(o->env, o->l, res, locale, o->location);
	if (have_acct)
		od_account_clear(&a);
	link_open_free(o);
}

void
od_link_http_open(struct od_env *env, struct od_admin_link *l, const char *token)
{
	const struct od_link_conf	*c = env->set != NULL ? env->set->cfg.links : NULL;
	const struct od_keys		*k;
	struct link_open		*o;
	struct od_link			 tok;
	enum od_link_check		 chk;
	const char			*keys[3], *args[1] = { "read" };
	char				 refkey[256];
	size_t				 n = strlen(token);

	if (c == NULL) {
		link_answer(env, l, OD_LINK_RESULT_DISABLED, NULL, NULL);
		return;
	}
	chk = od_link_verify(c, token, n, od_now_ms() / 1000, &tok);
	if (chk != OD_LINK_OK) {
		od_log_debug("link", "a payment link refused: %s", od_link_check_name(chk));
		link_answer(env, l, chk == OD_LINK_EXPIRED ? OD_LINK_RESULT_EXPIRED :
		    chk == OD_LINK_UNKNOWN_KEY ? OD_LINK_RESULT_UNKNOWN_KEY : OD_LINK_RESULT_BAD,
		    NULL, NULL);
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		link_answer(env, l, OD_LINK_RESULT_ERROR, NULL, NULL);
		return;
	}
	o->env = env;
	o->set = od_confset_ref(env->set);
	o->l = l;
	o->tok = tok;
	memcpy(o->token, token, n + 1);	/* n <= OD_LINK_TOKEN_MAX: it verified */
	k = od_queue_keys(env->q);
	keys[0] = od_link_ref_key(env->set->cfg.prefix, tok.ref, refkey,
	    sizeof(refkey));
	keys[1] = k->state;
	keys[2] = k->accounts;
	if (od_queue_script(env->q, OD_SCRIPT_LINK, link_read_cb, o, 3, keys, 1, args, NULL) == -1)
		link_read_cb(NULL, o);
}

static void
link_store_cb(redisReply *r, void *arg)
{
	(void)arg;
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		od_log_err("link", "a payment link's account ref not stored (its links will "
		    "answer 'no longer valid'): %s", r != NULL ? r->str : "Redis unavailable");
}

void
od_link_http_store_ref(struct od_env *env, const char *account)
{
	const struct od_link_conf	*c = env->set->cfg.links;
	unsigned char			 ref[OD_LINK_REF_LEN];
	char				 key[256], ttl[24];
	const char			*argv[5];

	if (c == NULL)
		return;
	od_link_ref(c, account, ref);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)od_link_ref_ttl_ms(c));
	argv[0] = "SET";
	argv[1] = od_link_ref_key(env->set->cfg.prefix, ref, key, sizeof(key));
	argv[2] = account;
	argv[3] = "PX";
	argv[4] = ttl;
	if (od_queue_command(env->q, link_store_cb, NULL, 5, argv, NULL) == -1)
		link_store_cb(NULL, NULL);
}
