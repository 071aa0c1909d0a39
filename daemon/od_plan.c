/*
 * od_plan: step times, the step to act on, and the template context.
 *
 * All of it is a pure function of the account, the policy and now: no I/O
 * but the first load of a zone file.
 */
#include "od_plan.h"
#include "od_buf.h"
#include "od_codec.h"
#include "od_link_tmpl.h"
#include "od_time.h"
#include "od_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS	(86400 * (int64_t)1000)

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static const struct od_tz *
account_tz(const struct od_account *a)
{
	const char *name = od_account_plan_zone(a);

	return name != NULL ? od_tz_get(name) : NULL;
}

int
od_plan_step_time(const struct od_account *a, const struct od_policy *p, size_t i,
    int64_t *due_ms)
{
	const struct od_tz *tz = account_tz(a);
	const struct od_step *s;
	int64_t due_day;

	if (tz == NULL || i >= p->nsteps)
		return -1;
	s = &p->steps[i];
	due_day = od_days_from_civil(a->due_y, a->due_m, a->due_d);
	if (s->day_offset) {
		int y, m, d;

		od_civil_from_days(due_day + floor_div(s->offset_ms, DAY_MS), &y, &m, &d);
		*due_ms = od_tz_from_local(tz, y, m, d, p->send_at_min / 60, p->send_at_min % 60,
		    0) * 1000;
	} else {
		*due_ms = od_tz_from_local(tz, a->due_y, a->due_m, a->due_d, 0, 0, 0) * 1000 +
		    s->offset_ms;
	}
	return 0;
}

int
od_plan_next(const struct od_account *a, const struct od_policy *p, size_t from,
    int64_t now_ms, int64_t *due_ms, size_t *skipped)
{
	int64_t t, next;

	if (skipped != NULL)
		*skipped = 0;
	if (from >= p->nsteps)
		return -1;
	if (od_plan_step_time(a, p, from, &t) < 0)
		return -2;
	for (size_t i = from; i < p->nsteps; i++) {
		/*
		 * A final notice is never skipped, nor a handoff: what follows a
		 * final notice (the handoff) must come after it was given.
		 */
		if (i + 1 < p->nsteps && p->steps[i].stage != OD_STAGE_FINAL && !p->steps[i].handoff) {
			if (od_plan_step_time(a, p, i + 1, &next) < 0)
				return -2;
			if (next <= now_ms) {
				/* Its successor is due too: this one is superseded. */
				if (skipped != NULL)
					(*skipped)++;
				t = next;
				continue;
			}
		}
		*due_ms = t;
		return (int)i;
	}
	return -1;
}

int
od_plan_send_at(const struct od_account *a, const struct od_policy *p, int64_t t_ms,
    int64_t *at_ms, int64_t *end_ms)
{
	const struct od_tz *tz = account_tz(a);
	struct od_local lt;
	int y, m, d;

	if (tz == NULL)
		return -1;
	od_tz_to_local(tz, floor_div(t_ms, 1000), &lt);
	*at_ms = od_tz_from_local(tz, lt.year, lt.month, lt.day, p->send_at_min / 60,
	    p->send_at_min % 60, 0) * 1000;
	od_civil_from_days(od_days_from_civil(lt.year, lt.month, lt.day) + 1, &y, &m, &d);
	*end_ms = od_tz_from_local(tz, y, m, d, 0, 0, 0) * 1000;
	return 0;
}

int64_t
od_plan_spread(const struct od_account *a, const struct od_policy *p)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a, 64 bits */
	int64_t secs = p->spread_ms / 1000;

	if (secs <= 0 || a->id == NULL)
		return 0;
	for (const unsigned char *c = (const unsigned char *)a->id; *c != '\0'; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return (int64_t)(h % (uint64_t)secs) * 1000;
}

/* The debtor's local date at now, as days since the epoch (UTC when the zone is unknown). */
static int64_t
local_day(const struct od_account *a, int64_t now_ms)
{
	const struct od_tz *tz = account_tz(a);
	int64_t secs = floor_div(now_ms, 1000);

	if (tz != NULL)
		secs += od_tz_offset(tz, secs);
	return floor_div(secs, 86400);
}

int
od_plan_days_past_due(const struct od_account *a, int64_t now_ms)
{
	return (int)(local_day(a, now_ms) - od_days_from_civil(a->due_y, a->due_m, a->due_d));
}

#define money_str od_money_format

static const char *
day_str(int64_t days, char *buf, size_t len)
{
	int y, m, d;

	od_civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
	return buf;
}

/* The stage names of docs/policies.md (od_policy owns the parser). */
static const char *
stage_str(enum od_stage s)
{
	switch (s) {
	case OD_STAGE_REMINDER:	return "reminder";
	case OD_STAGE_NOTICE:	return "notice";
	case OD_STAGE_OFFER:	return "offer";
	case OD_STAGE_FINAL:	return "final";
	default:		return "invalid";
	}
}

/*
 * The context's keys are the literals below, ASCII: they skip jansson's
 * UTF-8 check (json_object_set_new_nocheck); values are checked as before,
 * but for the ASCII ones formatted here (set_ascii).
 */
static void
set_str(json_t *obj, const char *key, const char *v)
{
	if (v != NULL)
		json_object_set_new_nocheck(obj, key, json_string(v));
}

/* v is ASCII (a date, an amount, a stage name). */
static void
set_ascii(json_t *obj, const char *key, const char *v)
{
	json_object_set_new_nocheck(obj, key, json_string_nocheck(v));
}

/*
 * tmpl with every "{{account_id}}" replaced by the percent-encoded id
 * (RFC 3986: a space is %20, '+' is %2B).  NULL with err set when the link
 * would be longer than OD_PLAN_URL_MAX: a cut link would send the debtor
 * to a wrong page.
 */
static json_t *
payment_url(const char *tmpl, const char *id, char *err, size_t errlen)
{
	static const char mark[] = "{{account_id}}";
	struct od_buf b;
	const char *m;
	json_t *v = NULL;

	od_buf_init(&b);
	while ((m = strstr(tmpl, mark)) != NULL) {
		od_buf_append(&b, tmpl, (size_t)(m - tmpl));
		od_codec_urlencode(&b, id, strlen(id), 0);
		tmpl = m + sizeof(mark) - 1;
	}
	od_buf_puts(&b, tmpl);
	if (b.oom)
		snprintf(err, errlen, "offer.payment_url: out of memory");
	else if (b.len > OD_PLAN_URL_MAX)
		snprintf(err, errlen, "offer.payment_url is %zu bytes with the account id; "
		    "at most %d", b.len, OD_PLAN_URL_MAX);
	else if ((v = json_stringn(b.data, b.len)) == NULL)
		snprintf(err, errlen, "offer.payment_url: not UTF-8");
	od_buf_free(&b);
	return v;
}

/* The offer's part of the context; NULL with err set (a payment link too long). */
static json_t *
offer_context(const struct od_account *a, const struct od_policy *p, int64_t outstanding,
    int64_t today, const json_t *company, char *err, size_t errlen)
{
	const struct od_offer *o = &p->offer;
	json_t *offer = json_object(), *url;
	const char *cu;
	char buf[64];

	if (o->installments > 0) {
		int64_t n = o->installments;

		json_object_set_new_nocheck(offer, "installments", json_integer(n));
		json_object_set_new_nocheck(offer, "installment_amount",
		    json_string(money_str((outstanding + n - 1) / n, a->minor_digits, buf,
		    sizeof(buf))));
	}
	if (o->discount_percent > 0) {
		int64_t pct = o->discount_percent;
		int64_t disc = od_money_percent(outstanding, (int)pct);

		json_object_set_new_nocheck(offer, "discount_percent", json_integer(pct));
		json_object_set_new_nocheck(offer, "discount_amount",
		    json_string(money_str(disc, a->minor_digits, buf, sizeof(buf))));
		json_object_set_new_nocheck(offer, "discounted_amount",
		    json_string(money_str(outstanding - disc, a->minor_digits, buf, sizeof(buf))));
	}
	json_object_set_new_nocheck(offer, "deadline",
	    json_string(day_str(today + o->valid_days, buf, sizeof(buf))));
	if (o->payment_url != NULL) {
		if ((url = payment_url(o->payment_url, a->id, err, errlen)) == NULL) {
			json_decref(offer);
			return NULL;
		}
		json_object_set_new_nocheck(offer, "payment_url", url);
	} else if ((cu = json_string_value(json_object_get(company, "payment_url"))) != NULL)
		json_object_set_new_nocheck(offer, "payment_url", json_string(cu));
	return offer;
}

static const char *const freq_names[] = { "", "weekly", "biweekly", "monthly" };
static const char *const offer_kinds[] = { "", "plan", "settlement", "extension" };

/*
 * offers.<id>: what each offer step s makes would be if accepted today
 * (od_state_life.c computes the same); only those, so that a text that
 * names several says what this message offers.
 */
static json_t *
offers_context(const struct od_account *a, const struct od_policy *p, const struct od_step *s,
    int64_t outstanding, int64_t today)
{
	json_t	*all = json_object(), *o;
	char	 buf[64];
	size_t	 i;

	for (i = 0; i < s->noffers; i++) {
		const struct od_named_offer *no = od_policy_offer(p, s->offers[i]);

		if (no == NULL)
			continue;

		o = json_object();
		set_ascii(o, "kind", offer_kinds[no->kind]);
		set_ascii(o, "deadline", day_str(today + no->valid_days, buf, sizeof(buf)));
		set_str(o, "terms", no->terms ? no->terms : "");
		if (no->kind == OD_OFFER_PLAN) {
			int64_t	n = no->default_n > 0 ? no->default_n : 1;

			json_object_set_new_nocheck(o, "installments", json_integer(n));
			json_object_set_new_nocheck(o, "installments_min", json_integer(no->min_n));
			json_object_set_new_nocheck(o, "installments_max", json_integer(no->max_n));
			/* the first instalments carry the remainder: the largest one */
			set_ascii(o, "installment_amount", money_str(outstanding / n +
			    (outstanding % n ? 1 : 0), a->minor_digits, buf, sizeof(buf)));
			set_str(o, "min_installment", no->min_installment ? no->min_installment : "");
			set_ascii(o, "frequency", freq_names[no->freq]);
			json_object_set_new_nocheck(o, "frequency_weekly",
			    json_boolean(no->freq == OD_FREQ_WEEKLY));
			json_object_set_new_nocheck(o, "frequency_biweekly",
			    json_boolean(no->freq == OD_FREQ_BIWEEKLY));
			json_object_set_new_nocheck(o, "frequency_monthly",
			    json_boolean(no->freq == OD_FREQ_MONTHLY));
		} else if (no->kind == OD_OFFER_SETTLEMENT) {
			int64_t	disc = od_money_percent(outstanding, no->discount_percent);

			json_object_set_new_nocheck(o, "discount_percent",
			    json_integer(no->discount_percent));
			set_ascii(o, "discount_amount", money_str(disc, a->minor_digits, buf,
			    sizeof(buf)));
			set_ascii(o, "discounted_amount", money_str(outstanding - disc,
			    a->minor_digits, buf, sizeof(buf)));
		} else if (no->kind == OD_OFFER_EXTENSION) {
			json_object_set_new_nocheck(o, "days", json_integer(no->extend_days));
			set_ascii(o, "new_due_date", day_str(today + no->extend_days, buf,
			    sizeof(buf)));
		}
		json_object_set_new(all, no->id, o);
	}
	return all;
}

static json_t *
instalment_json(int n, const char *date, int64_t amount, int digits)
{
	char	buf[64];

	return json_pack("{s:i, s:s, s:s}", "n", n, "date", date, "amount",
	    money_str(amount, digits, buf, sizeof(buf)));
}

int
od_plan_context_life(json_t *ctx, const struct od_account *a, const struct od_policy *p,
    const struct od_plan_life *life, char *err, size_t errlen)
{
	const struct od_state		*st = life->st;
	const struct od_state_life	*l = st ? &st->life : NULL;
	const struct od_named_offer	*no;
	json_t				*o, *sched;
	char				 buf[64], aid[200];
	int64_t				 paid;
	size_t				 i, k;
	int				 d = a->minor_digits;

	(void)err;
	(void)errlen;
	if (l != NULL && l->kind == OD_LIFE_PROMISE) {
		paid = od_state_life_paid(st);
		o = json_object();
		set_ascii(o, "amount", money_str(l->amount, d, buf, sizeof(buf)));
		set_ascii(o, "date", l->date);
		set_ascii(o, "paid", money_str(paid, d, buf, sizeof(buf)));
		set_ascii(o, "remaining", money_str(l->need > paid ? l->need - paid : 0, d, buf,
		    sizeof(buf)));
		json_object_set_new_nocheck(ctx, "promise", o);
	} else if (l != NULL && l->kind != OD_LIFE_NONE && l->nsched > 0) {
		paid = od_state_life_paid(st);
		no = p ? od_policy_offer(p, l->offer) : NULL;
		o = json_object();
		set_str(o, "id", od_state_agreement_id(a->id, l->n, aid, sizeof(aid)));
		set_ascii(o, "kind", offer_kinds[l->kind - OD_LIFE_PROMISE]);
		json_object_set_new_nocheck(o, "plan", json_boolean(l->kind == OD_LIFE_PLAN));
		json_object_set_new_nocheck(o, "settlement",
		    json_boolean(l->kind == OD_LIFE_SETTLEMENT));
		json_object_set_new_nocheck(o, "extension",
		    json_boolean(l->kind == OD_LIFE_EXTENSION));
		set_ascii(o, "total", money_str(l->amount, d, buf, sizeof(buf)));
		set_ascii(o, "remaining", money_str(l->amount > paid ? l->amount - paid : 0, d, buf,
		    sizeof(buf)));
		json_object_set_new_nocheck(o, "installments", json_integer((json_int_t)l->nsched));
		json_object_set_new_nocheck(o, "weekly", json_boolean(no && no->freq == OD_FREQ_WEEKLY));
		json_object_set_new_nocheck(o, "biweekly",
		    json_boolean(no && no->freq == OD_FREQ_BIWEEKLY));
		json_object_set_new_nocheck(o, "monthly",
		    json_boolean(no && no->freq == OD_FREQ_MONTHLY));
		set_str(o, "terms", no && no->terms ? no->terms : "");
		sched = json_array();
		for (i = 0; i < l->nsched; i++)
			json_array_append_new(sched, instalment_json((int)i + 1, l->sched[i].date,
			    l->sched[i].amount, d));
		json_object_set_new_nocheck(o, "schedule", sched);
		k = life->instalment >= 0 ? (size_t)life->instalment : od_state_life_covered(st);
		if (k >= l->nsched)
			k = l->nsched - 1;
		json_object_set_new_nocheck(o, "next", instalment_json((int)k + 1, l->sched[k].date,
		    l->sched[k].amount, d));
		json_object_set_new_nocheck(ctx, "agreement", o);
	}
	if (life->placement != NULL) {
		const struct od_placement *pl = life->placement;

		o = json_object();
		set_str(o, "name", pl->name);
		set_str(o, "display_name", pl->display_name ? pl->display_name : pl->name);
		set_str(o, "kind", pl->kind ? pl->kind : "");
		set_str(o, "phone", pl->phone ? pl->phone : "");
		set_str(o, "email", pl->email ? pl->email : "");
		json_object_set_new_nocheck(ctx, "placement", o);
	}
	return 0;
}

/*
 * The due date from the debtor's local date at the moment of sending, so that
 * a text sent late never says "hoy" of a day that is past.
 */
static void
due_context(json_t *debt, int64_t today, int64_t due)
{
	int64_t	to_due = due - today;

	json_object_set_new_nocheck(debt, "days_to_due", json_integer(to_due));
	json_object_set_new_nocheck(debt, "days_overdue", json_integer(to_due < 0 ? -to_due : 0));
	json_object_set_new_nocheck(debt, "days_past_due", json_integer(-to_due));
	json_object_set_new_nocheck(debt, "due_today", json_boolean(to_due == 0));
	json_object_set_new_nocheck(debt, "due_tomorrow", json_boolean(to_due == 1));
	json_object_set_new_nocheck(debt, "due_future", json_boolean(to_due > 0));
	json_object_set_new_nocheck(debt, "due_past", json_boolean(to_due < 0));
}

/*
 * The company for the debtor's country: company.by_country.<CC> (which the
 * configuration merged over the default when it was loaded), else the
 * default without its by_country.  A new reference.
 */
static json_t *
company_for(const json_t *company, const char *country)
{
	const json_t	*by = json_object_get(company, "by_country");
	json_t		*c;

	if (!json_is_object(company))
		return json_object();
	if (country != NULL && (c = json_object_get(by, country)) != NULL && json_is_object(c))
		return json_incref(c);
	if (by == NULL)
		return json_incref((json_t *)company);
	c = json_copy((json_t *)company);
	json_object_del(c, "by_country");
	return c;
}

json_t *
od_plan_context(const struct od_account *a, const struct od_policy *p, const struct od_step *s,
    int64_t paid_minor, const json_t *company, int64_t now_ms, char *err, size_t errlen)
{
	json_t *ctx, *debtor, *debt, *o = NULL, *co;
	int64_t today = local_day(a, now_ms);
	int64_t outstanding = a->amount_minor - paid_minor;
	char buf[64];
	size_t n;

	if (outstanding < 0)
		outstanding = 0;
	co = company_for(company, a->country);
	if (p != NULL && (p->offer.installments > 0 || p->offer.discount_percent > 0) &&
	    (o = offer_context(a, p, outstanding, today, co, err, errlen)) == NULL) {
		json_decref(co);
		return NULL;
	}
	ctx = json_object();
	debtor = json_object();
	debt = json_object();
	if (o != NULL)
		json_object_set_new_nocheck(ctx, "offer", o);
	if (p != NULL && s != NULL && s->noffers > 0)
		json_object_set_new_nocheck(ctx, "offers", offers_context(a, p, s, outstanding,
		    today));
	set_str(ctx, "account_id", a->id);
	set_ascii(ctx, "today", day_str(today, buf, sizeof(buf)));

	set_str(debtor, "name", a->name);
	n = strcspn(a->name + strspn(a->name, " \t"), " \t");
	json_object_set_new_nocheck(debtor, "first_name",
	    json_stringn(a->name + strspn(a->name, " \t"), n));
	set_str(debtor, "phone", a->phone);
	set_str(debtor, "email", a->email);
	set_str(debtor, "whatsapp", a->whatsapp);
	set_str(debtor, "locale", a->locale);
	set_str(debtor, "country", a->country);
	set_str(debtor, "timezone", od_account_timezone(a));
	json_object_set_new_nocheck(ctx, "debtor", debtor);

	set_ascii(debt, "amount", money_str(a->amount_minor, a->minor_digits, buf, sizeof(buf)));
	set_ascii(debt, "outstanding", money_str(outstanding, a->minor_digits, buf, sizeof(buf)));
	set_ascii(debt, "paid", money_str(paid_minor, a->minor_digits, buf, sizeof(buf)));
	set_str(debt, "currency", a->currency);
	set_str(debt, "due_date", a->due_date);
	set_str(debt, "product", a->product);
	due_context(debt, today, od_days_from_civil(a->due_y, a->due_m, a->due_d));
	json_object_set_new_nocheck(ctx, "debt", debt);

	if (s != NULL) {
		o = json_object();
		set_str(o, "name", s->name);
		set_ascii(o, "stage", stage_str(s->stage));
		json_object_set_new_nocheck(ctx, "step", o);
	}
	if (p != NULL) {
		o = json_object();
		set_str(o, "name", p->name);
		json_object_set_new_nocheck(ctx, "policy", o);
	}
	/*
	 * company and attributes are shared, not copied: a context is only read
	 * (rendering), and the configuration and the account outlive it.
	 */
	json_object_set_new_nocheck(ctx, "company", co);
	json_object_set_new_nocheck(ctx, "attributes",
	    a->attributes != NULL ? json_incref((json_t *)a->attributes) : json_object());
	return ctx;
}

int
od_plan_context_has(const char *path)
{
	static const char *const paths[] = {
		"account_id", "today",
		"debtor.name", "debtor.first_name", "debtor.phone", "debtor.email",
		"debtor.whatsapp", "debtor.locale", "debtor.country", "debtor.timezone",
		"debt.amount", "debt.outstanding", "debt.paid", "debt.currency",
		"debt.due_date", "debt.product", "debt.days_past_due", "debt.days_to_due",
		"debt.days_overdue", "debt.due_today", "debt.due_tomorrow", "debt.due_future",
		"debt.due_past",
		"offer.installments", "offer.installment_amount", "offer.discount_percent",
		"offer.discount_amount", "offer.discounted_amount", "offer.deadline",
		"offer.payment_url",
		"step.name", "step.stage", "policy.name",
		NULL
	};

	static const char *const life_paths[] = {
		"promise.amount", "promise.date", "promise.paid", "promise.remaining",
		"agreement.id", "agreement.kind", "agreement.plan", "agreement.settlement",
		"agreement.extension", "agreement.total", "agreement.remaining",
		"agreement.installments", "agreement.weekly", "agreement.biweekly",
		"agreement.monthly", "agreement.terms", "agreement.schedule",
		"agreement.schedule.n", "agreement.schedule.date", "agreement.schedule.amount",
		"agreement.next.n", "agreement.next.date", "agreement.next.amount",
		"placement.name", "placement.display_name", "placement.kind", "placement.phone",
		"placement.email",
		NULL
	};
	/* offers.<id>.<field>: the ids are the policies' */
	static const char *const offer_fields[] = {
		"kind", "deadline", "terms", "installments", "installments_min", "installments_max",
		"installment_amount", "min_installment", "frequency", "frequency_weekly",
		"frequency_biweekly", "frequency_monthly", "discount_percent", "discount_amount",
		"discounted_amount", "days", "new_due_date", NULL
	};
	const char	*dot;

	if (path == NULL)
		return 0;
	if (od_link_tmpl_var(path))	/* pay.link, offer.link, offers.<id>.link */
		return 1;
	for (const char *const *p = life_paths; *p != NULL; p++)
		if (strcmp(*p, path) == 0)
			return 1;
	if (strncmp(path, "offers.", 7) == 0 && path[7] != '\0') {
		if ((dot = strchr(path + 7, '.')) == NULL)
			return 1;	/* offers.<id>: {{#if offers.cuotas}} */
		for (const char *const *p = offer_fields; *p != NULL; p++)
			if (dot > path + 7 && strcmp(*p, dot + 1) == 0)
				return 1;
	}
	if ((strncmp(path, "attributes.", 11) == 0 && path[11] != '\0') ||
	    (strncmp(path, "company.", 8) == 0 && path[8] != '\0'))
		return 1;
	for (const char *const *p = paths; *p != NULL; p++)
		if (strcmp(*p, path) == 0)
			return 1;
	return 0;
}
