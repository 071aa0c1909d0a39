/*
 * outreachctl link: payment links for support staff (docs/payment-links.md).
 *
 *   link make ACCOUNT [--offer ID] [--ttl D]
 *       A new link to the account's balance (for links.max_ttl, or D when
 *       shorter), or to a named offer the account was made and that still
 *       stands (until the end of the day it stands through, carrying the
 *       attempt that made it).  Stores the account's ref in Redis, as the
 *       daemon does when it sends a message with links, and prints the URL.
 *   link verify TOKEN|URL
 *       The token's fields, whether its key is configured, its signature
 *       and its expiry; the account its ref resolves to when Redis answers.
 *       Exit 0 when it would be honoured, 1 when not.
 *
 * Both need the configuration's links: (its keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "od_account.h"
#include "od_codec.h"
#include "od_config.h"
#include "od_link.h"
#include "od_link_tmpl.h"
#include "od_policy.h"
#include "od_state.h"
#include "od_time.h"
#include "od_tz.h"

/* The configuration with its links:; 0, or -1 after saying why. */
static int
link_config(struct ctl *c, struct od_config *cfg)
{
	struct od_config_overrides	ov;
	struct od_errors		errs;
	const char			*path = c->config_path ? c->config_path :
					    od_config_default_path();

	memset(&ov, 0, sizeof(ov));
	ov.redis_url = c->opt_redis;
	ov.prefix = c->opt_prefix;
	od_errors_init(&errs);
	if (od_config_load(path, &ov, cfg, &errs) == -1) {
		od_errors_print(&errs, stderr);
		od_errors_clear(&errs);
		ctl_errx(c, "cannot read the configuration %s", path);
		return -1;
	}
	od_errors_clear(&errs);
	if (cfg->links == NULL) {
		ctl_errx(c, "%s has no links: section (docs/payment-links.md)", path);
		od_config_clear(cfg);
		return -1;
	}
	return 0;
}

/* HGET key field as a new string, or NULL (none, or Redis failed: said). */
static char *
link_hget(struct ctl *c, redisContext *rc, const char *key, const char *field, size_t *len)
{
	redisReply	*r = redisCommand(rc, "HGET %s %s", key, field);
	char		*s = NULL;

	if (r == NULL)
		ctl_errx(c, "Redis: %s", rc->errstr);
	else if (r->type == REDIS_REPLY_STRING && (s = malloc(r->len + 1)) != NULL) {
		memcpy(s, r->str, r->len);
		s[r->len] = '\0';
		*len = r->len;
	}
	freeReplyObject(r);
	return s;
}

/* Offer id's entry in st->offers: its valid-through day and attempt; 0 when not made. */
static int
link_offer_entry(const struct od_state *st, const char *id, int64_t *day, char *attempt,
    size_t alen)
{
	size_t	i, n = strlen(id);
	int	y, m, d;

	for (i = 0; i < st->offers.n; i++) {
		const char *e = st->offers.v[i], *sp;

		if (strncmp(e, id, n) != 0 || e[n] != ' ' ||
		    sscanf(e + n + 1, "%4d-%2d-%2d", &y, &m, &d) != 3)
			continue;
		*day = od_days_from_civil(y, m, d);
		sp = strchr(e + n + 1, ' ');
		snprintf(attempt, alen, "%s", sp ? sp + 1 : "");
		return 1;
	}
	return 0;
}

static int
link_make(struct ctl *c, struct od_config *cfg, const char *account, const char *offer,
    const char *ttl)
{
	struct od_policy_set		 ps;
	struct od_errors		 errs;
	struct od_account		 a;
	struct od_state			 st;
	struct od_link			 l;
	const struct od_named_offer	*no = NULL;
	redisContext			*rc;
	redisReply			*r;
	json_t				*v;
	const char			*why, *zone;
	char				 key[256], reason[256], url[2048], attempt[512] = "";
	char				*raw;
	unsigned char			 ref[OD_LINK_REF_LEN];
	int64_t				 now = od_now_ms() / 1000, until = 0, ms, owed, day, today;
	size_t				 len = 0;
	int				 ret = CTL_EXIT_FAIL;

	if (ttl != NULL && (od_duration_parse(ttl, &ms) == -1 || ms < 60000))
		return ctl_usage_error(c, "link", "link make: --ttl '%s' is not a duration such "
		    "as 7d or 12h", ttl);
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	if ((raw = link_hget(c, rc, ctl_key(c, "accounts", key, sizeof(key)), account, &len)) ==
	    NULL) {
		ctl_errx(c, "account %s is not known", account);
		return CTL_EXIT_FAIL;
	}
	if (od_account_from_stored(raw, len, &a, reason, sizeof(reason)) == -1) {
		ctl_errx(c, "account %s: its stored document cannot be read: %s", account, reason);
		free(raw);
		return CTL_EXIT_FAIL;
	}
	free(raw);
	od_state_init(&st);
	if ((raw = link_hget(c, rc, ctl_key(c, "state", key, sizeof(key)), account, &len)) != NULL) {
		if ((v = od_account_json_loadb(raw, len, 0, NULL)) == NULL ||
		    od_state_from_json(&st, v, &why) == -1) {
			ctl_errx(c, "account %s: its stored state cannot be read", account);
			json_decref(v);
			free(raw);
			goto out;
		}
		json_decref(v);
		free(raw);
	}
	owed = a.amount_minor - st.paid_minor;
	if (owed < 0)
		owed = 0;
	if (ttl != NULL)
		until = now + ms / 1000;
	if (offer != NULL) {
		od_errors_init(&errs);
		memset(&ps, 0, sizeof(ps));
		od_policy_load_dir(cfg->policy_dir, &ps, &errs);
		od_errors_clear(&errs);
		for (size_t i = 0; st.policy != NULL && i < ps.n && no == NULL; i++)
			if (strcmp(ps.v[i].name, st.policy) == 0)
				no = od_policy_offer(&ps.v[i], offer);
		zone = od_account_plan_zone(&a);
		today = now + (zone && od_tz_get(zone) ? od_tz_offset(od_tz_get(zone), now) : 0);
		today /= 86400;
		if (no == NULL)
			ctl_errx(c, "account %s: its policy has no offer '%s'", account, offer);
		else if (!link_offer_entry(&st, offer, &day, attempt, sizeof(attempt)) ||
		    day < today)
			ctl_errx(c, "account %s: offer '%s' was not made to it, or no longer stands",
			    account, offer);
		else {
			int64_t end = od_link_tmpl_day_end(zone, day);

			if (until == 0 || end < until)
				until = end;
			ret = od_link_make(cfg->links, account, OD_LINK_NAMED, offer,
			    (uint64_t)od_link_tmpl_offer_amount(no, owed), a.currency, now, until,
			    attempt, &l, url, sizeof(url));
		}
		od_policy_set_free(&ps);
		if (no == NULL || ret == CTL_EXIT_FAIL)
			goto out;
	} else
		ret = od_link_make(cfg->links, account, OD_LINK_BALANCE, NULL, (uint64_t)owed,
		    a.currency, now, until, NULL, &l, url, sizeof(url));
	if (ret == -1) {
		ctl_errx(c, "the link cannot be made (links.base_url too long?)");
		ret = CTL_EXIT_FAIL;
		goto out;
	}
	od_link_ref(cfg->links, account, ref);
	r = redisCommand(rc, "SET %s %s PX %lld", od_link_ref_key(cfg->prefix, ref, key,
	    sizeof(key)), account, (long long)od_link_ref_ttl_ms(cfg->links));
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		ctl_errx(c, "Redis: the account's ref not stored: %s", r ? r->str : rc->errstr);
		freeReplyObject(r);
		ret = CTL_EXIT_FAIL;
		goto out;
	}
	freeReplyObject(r);
	printf("%s\n", url);
	ret = CTL_EXIT_OK;
out:
	od_state_clear(&st);
	od_account_clear(&a);
	return ret;
}

static int
link_verify(struct ctl *c, struct od_config *cfg, const char *arg)
{
	const char		*tok = strstr(arg, "/p/") ? strstr(arg, "/p/") + 3 : arg;
	struct od_link		 l;
	enum od_link_check	 chk;
	redisContext		*rc;
	redisReply		*r;
	char			 ts[32], hex[2 * OD_LINK_REF_LEN + 1], key[256];
	int64_t			 now = od_now_ms() / 1000;

	chk = od_link_verify(cfg->links, tok, strlen(tok), now, &l);
	if (chk == OD_LINK_MALFORMED) {
		printf("token:     malformed (not a version %d payment link)\n", OD_LINK_VERSION);
		return CTL_EXIT_FAIL;
	}
	od_codec_hex(l.ref, OD_LINK_REF_LEN, hex);
	printf("version:   %d\n", l.version);
	printf("key:       %s (%s)\n", l.kid, od_link_conf_key(cfg->links, l.kid) ?
	    "configured" : "not configured: rotated out, or never was");
	printf("ref:       %s\n", hex);
	printf("kind:      %s\n", od_link_kind_name(l.kind));
	if (l.offer[0] != '\0')
		printf("offer:     %s\n", l.offer);
	printf("amount:    %llu (minor units)\n", (unsigned long long)l.amount);
	printf("currency:  %s\n", l.currency);
	printf("issued:    %s\n", od_time_format_iso(l.issued * 1000, ts, sizeof(ts)));
	printf("expires:   %s\n", od_time_format_iso(l.expires * 1000, ts, sizeof(ts)));
	printf("attempt:   %s\n", l.attempt[0] ? l.attempt : "(none)");
	printf("signature: %s\n", chk == OD_LINK_UNKNOWN_KEY ? "cannot be checked (unknown key)" :
	    chk == OD_LINK_BAD_SIGNATURE ? "INVALID" : "valid");
	printf("expiry:    %s\n", chk == OD_LINK_EXPIRED ? "EXPIRED" : chk == OD_LINK_OK ?
	    "valid" : "-");
	if ((chk == OD_LINK_OK || chk == OD_LINK_EXPIRED) && (rc = ctl_redis(c)) != NULL) {
		r = redisCommand(rc, "GET %s", od_link_ref_key(cfg->prefix, l.ref, key, sizeof(key)));
		if (r != NULL && r->type == REDIS_REPLY_STRING)
			printf("account:   %s\n", r->str);
		else
			printf("account:   (the ref resolves to no account)\n");
		freeReplyObject(r);
	}
	printf("result:    %s\n", od_link_check_name(chk));
	return chk == OD_LINK_OK ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

int
ctl_cmd_link(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		opts[] = { { "offer", 1, 0, NULL }, { "ttl", 1, 0, NULL } };
	struct od_config	cfg;
	char			err[256];
	int			npos, rc;

	if (ctl_args_scan(argc, argv, opts, 2, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "link", "link: %s", err);
	if (npos != 2 || (strcmp(argv[0], "make") != 0 && strcmp(argv[0], "verify") != 0))
		return ctl_usage_error(c, "link", "link: expected make ACCOUNT or verify TOKEN");
	if (strcmp(argv[0], "verify") == 0 && (opts[0].seen || opts[1].seen))
		return ctl_usage_error(c, "link", "link verify: no options");
	memset(&cfg, 0, sizeof(cfg));
	if (link_config(c, &cfg) == -1)
		return CTL_EXIT_FAIL;
	if (strcmp(argv[0], "make") == 0)
		rc = link_make(c, &cfg, argv[1], opts[0].value, opts[1].value);
	else
		rc = link_verify(c, &cfg, argv[1]);
	od_config_clear(&cfg);
	return rc;
}
