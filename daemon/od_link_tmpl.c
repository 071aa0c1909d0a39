/*
 * od_link_tmpl: the payment links a message's context carries (see
 * od_link_tmpl.h).
 */
#include "od_link_tmpl.h"

#include <stdio.h>
#include <string.h>

#include "od_link.h"
#include "od_time.h"
#include "od_tz.h"

int
od_link_tmpl_var(const char *path)
{
	size_t	n;

	if (path == NULL)
		return 0;
	if (strcmp(path, "pay.link") == 0 || strcmp(path, "offer.link") == 0)
		return 1;
	n = strlen(path);
	return strncmp(path, "offers.", 7) == 0 && n > 12 && strcmp(path + n - 5, ".link") == 0 &&
	    memchr(path + 7, '.', n - 12) == NULL;
}

struct link_tmpl_walk {
	int			 found;
	struct od_errors	*errs;		/* od_link_tmpl_check: an error at each */
};

static void
link_tmpl_var_cb(void *arg, const struct od_template_var *v)
{
	struct link_tmpl_walk	*w = arg;

	if (!od_link_tmpl_var(v->path))
		return;
	w->found++;
	if (w->errs != NULL)
		od_errors_add(w->errs, v->file, v->line, v->col, "'%s' is a payment link, but the "
		    "configuration has no links: section with keys to sign it with "
		    "(docs/payment-links.md)", v->path);
}

static void
link_tmpl_walk(const struct od_message_tmpl *m, struct link_tmpl_walk *w)
{
	size_t	i;

	od_template_foreach_var_scoped(m->sms, link_tmpl_var_cb, w);
	od_template_foreach_var_scoped(m->email_subject, link_tmpl_var_cb, w);
	od_template_foreach_var_scoped(m->email_text, link_tmpl_var_cb, w);
	od_template_foreach_var_scoped(m->email_html, link_tmpl_var_cb, w);
	for (i = 0; i < m->wa_nparams; i++)
		od_template_foreach_var_scoped(m->wa_params[i], link_tmpl_var_cb, w);
	od_template_foreach_var_scoped(m->wa_text, link_tmpl_var_cb, w);
}

int
od_link_tmpl_uses(const struct od_message_tmpl *m)
{
	struct link_tmpl_walk	w = { 0, NULL };

	if (m == NULL)
		return 0;
	link_tmpl_walk(m, &w);
	return w.found > 0;
}

int
od_link_tmpl_check(const struct od_link_conf *c, const struct od_template_set *set,
    struct od_errors *errs)
{
	struct link_tmpl_walk	w = { 0, errs };
	size_t			i;

	if (c != NULL || set == NULL)
		return 0;
	for (i = 0; i < set->n; i++)
		link_tmpl_walk(&set->v[i], &w);
	return w.found;
}

static int64_t
link_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The first second after local day `day` (days since the epoch) in tz (UTC when NULL). */
static int64_t
link_day_end(const struct od_tz *tz, int64_t day)
{
	int	y, m, d;

	if (tz == NULL)
		return (day + 1) * 86400;
	od_civil_from_days(day + 1, &y, &m, &d);
	return od_tz_from_local(tz, y, m, d, 0, 0, 0);
}

/* Sets obj.link to a new link; -1 with err set. */
static int
link_tmpl_set(json_t *obj, const struct od_link_conf *c, const struct od_link_tmpl_in *in,
    enum od_link_kind kind, const char *offer, int64_t amount, int64_t until, char *err,
    size_t errlen)
{
	struct od_link	l;
	char		url[2048];

	if (amount < 0)
		amount = 0;
	if (od_link_make(c, in->acct->id, kind, offer, (uint64_t)amount, in->acct->currency,
	    link_floor_div(in->now_ms, 1000), until, in->attempt, &l, url, sizeof(url)) == -1) {
		snprintf(err, errlen, "%s: the payment link cannot be made (its attempt id or "
		    "links.base_url is too long)", kind == OD_LINK_BALANCE ? "pay.link" :
		    kind == OD_LINK_OFFER ? "offer.link" : "offers.<id>.link");
		return -1;
	}
	json_object_set_new_nocheck(obj, "link", json_string(url));
	return 0;
}

int64_t
od_link_tmpl_offer_amount(const struct od_named_offer *no, int64_t owed)
{
	int64_t	n;

	/* as offers.<id>.* (od_plan.c) and an acceptance (od_state_life.c) say */
	if (no->kind == OD_OFFER_SETTLEMENT)
		return owed - od_money_percent(owed, no->discount_percent);
	if (no->kind == OD_OFFER_PLAN) {
		n = no->default_n > 0 ? no->default_n : 1;
		return owed / n + (owed % n ? 1 : 0);
	}
	return owed;
}

int64_t
od_link_tmpl_day_end(const char *zone, int64_t day)
{
	return link_day_end(zone != NULL ? od_tz_get(zone) : NULL, day);
}

int
od_link_tmpl_context(json_t *ctx, const struct od_link_conf *c, const struct od_link_tmpl_in *in,
    char *err, size_t errlen)
{
	const struct od_account		*a = in->acct;
	const struct od_policy		*p = in->policy;
	const struct od_named_offer	*no;
	const struct od_tz		*tz;
	const char			*zone, *id;
	json_t				*o, *all, *pay;
	int64_t				 owed = a->amount_minor - in->paid_minor, secs, today, amount;

	if (c == NULL)
		return 0;
	if (owed < 0)
		owed = 0;
	zone = od_account_plan_zone(a);
	tz = zone != NULL ? od_tz_get(zone) : NULL;
	secs = link_floor_div(in->now_ms, 1000);
	today = link_floor_div(secs + (tz != NULL ? od_tz_offset(tz, secs) : 0), 86400);

	if ((pay = json_object()) == NULL ||
	    json_object_set_new_nocheck(ctx, "pay", pay) == -1 ||
	    link_tmpl_set(pay, c, in, OD_LINK_BALANCE, NULL, owed, 0, err, errlen) == -1)
		return -1;
	if (p != NULL && json_is_object(o = json_object_get(ctx, "offer"))) {
		/* as od_plan's offer.*: the discounted amount, else the first instalment */
		if (p->offer.discount_percent > 0)
			amount = owed - od_money_percent(owed, p->offer.discount_percent);
		else if (p->offer.installments > 0)
			amount = (owed + p->offer.installments - 1) / p->offer.installments;
		else
			amount = owed;
		if (link_tmpl_set(o, c, in, OD_LINK_OFFER, NULL, amount,
		    link_day_end(tz, today + p->offer.valid_days), err, errlen) == -1)
			return -1;
	}
	if (p != NULL && json_is_object(all = json_object_get(ctx, "offers")))
		json_object_foreach(all, id, o) {
			if ((no = od_policy_offer(p, id)) == NULL || !json_is_object(o))
				continue;
			amount = od_link_tmpl_offer_amount(no, owed);
			if (link_tmpl_set(o, c, in, OD_LINK_NAMED, no->id, amount,
			    link_day_end(tz, today + no->valid_days), err, errlen) == -1)
				return -1;
		}
	return 0;
}
