/*
 * od_state_life: the negotiation stage of an account's state machine
 * (od_state.h): promises to pay, agreements (instalment plans,
 * settlements, extensions) and placement with an agency or the legal team.
 *
 * At most one promise or agreement is in force (st->life).  While it is
 * open, escalation waits (od_job.c); payments since it was made count
 * toward it; at its deadline (the local midnight after its date, or an
 * unpaid instalment's, plus grace) od_state_tick breaks it, and escalation
 * resumes at the step the account had reached.  Each change is a record in
 * the attempt ledger (cx->records) and, for agreements and their outcomes,
 * a document of the account's agreement list (cx->docs); documents are
 * never changed, a renegotiation is a new agreement that replaces the old.
 *
 * Everything here is a function of the state, the event, the policy and
 * cx->now: the daemon and simulate reach the same states and records.
 */
#include "od_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_state_int.h"
#include "od_channel.h"
#include "od_time.h"
#include "od_tz.h"

const char *const od_state_life_kinds[] = { "", "promise", "plan", "settlement", "extension" };
const char *const od_state_life_statuses[] = { "open", "broken", "completed" };

void
od_state_life_clear(struct od_state_life *l)
{
	free(l->sched);
	od_state_strs_clear(&l->done);
	memset(l, 0, sizeof(*l));
}

void
od_state_ctx_init(struct od_state_ctx *cx, const char *id, const struct od_account *a,
    const struct od_policy *p, int64_t now)
{
	const struct od_tz	*tz = NULL;
	const char		*zone = a ? od_account_plan_zone(a) : NULL;
	struct od_local		 lt;

	memset(cx, 0, sizeof(*cx));
	cx->id = id;
	cx->acct = a;
	cx->policy = p;
	cx->now = now;
	if (zone != NULL && (tz = od_tz_get(zone)) != NULL) {
		snprintf(cx->zone, sizeof(cx->zone), "%s", zone);
		od_tz_to_local(tz, now / 1000, &lt);
		snprintf(cx->today, sizeof(cx->today), "%04d-%02d-%02d", lt.year, lt.month, lt.day);
	} else if (a != NULL) {
		od_time_format_iso(now, cx->today, sizeof(cx->today));
		cx->today[10] = '\0';	/* no zone: the UTC date */
	}
}

int
od_state_is_life_record(const json_t *r)
{
	return json_object_get(r, "step") == NULL;	/* life_record writes none */
}

const char *
od_state_agreement_id(const char *id, int n, char *buf, size_t len)
{
	snprintf(buf, len, "%s:A%d", id, n);
	return buf;
}

int64_t
od_state_life_paid(const struct od_state *st)
{
	int64_t	p = st->paid_minor - st->life.base;

	return p > 0 ? p : 0;
}

size_t
od_state_life_covered(const struct od_state *st)
{
	int64_t	paid = od_state_life_paid(st), sum = 0;
	size_t	k;

	for (k = 0; k < st->life.nsched; k++) {
		sum += st->life.sched[k].amount;
		if (sum > paid)
			break;
	}
	return k;
}

/* ---- dates -------------------------------------------------------------------- */

int
od_state_date_days(const char *date, int64_t *days)
{
	int	y, m, d;

	if (od_date_parse(date, &y, &m, &d) == -1)
		return -1;
	*days = od_days_from_civil(y, m, d);
	return 0;
}

static void
days_date(int64_t days, char *buf, size_t len)
{
	int	y, m, d;

	od_civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

/* date plus months, the day kept or the month's last (Jan 31 + 1 month: Feb 28). */
static void
date_add_months(const char *date, int months, char *buf, size_t len)
{
	int	y, m, d, dim;

	if (od_date_parse(date, &y, &m, &d) == -1) {
		snprintf(buf, len, "%s", date);
		return;
	}
	m += months;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	if (d > (dim = od_days_in_month(y, m)))
		d = dim;
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

/* The instant the local day after date begins, in cx's zone (UTC without one). */
static int64_t
midnight_after(const struct od_state_ctx *cx, const char *date, int plus_days)
{
	const struct od_tz	*tz = cx->zone[0] ? od_tz_get(cx->zone) : NULL;
	int64_t			 days;
	int			 y, m, d;

	if (od_state_date_days(date, &days) == -1)
		return -1;
	od_civil_from_days(days + plus_days + 1, &y, &m, &d);
	if (tz != NULL)
		return od_tz_from_local(tz, y, m, d, 0, 0, 0) * 1000;
	return (od_days_from_civil(y, m, d) * 86400) * 1000;
}

/* ---- records and documents ----------------------------------------------------- */

static const char *
money(const struct od_state *st, int64_t v, char *buf, size_t len)
{
	return od_money_format(v, st->digits, buf, len);
}

/*
 * A lifecycle record (the attempt ledger: <prefix>:attempts and the
 * account's history), about agreement n (0: none), at cx->now.
 */
static json_t *
life_record(struct od_state_ctx *cx, const struct od_state *st, int n, const char *status,
    json_t *detail)
{
	char	 ts[32], aid[200];
	json_t	*r;

	if (cx->records == NULL) {
		json_decref(detail);
		return NULL;
	}
	od_time_format_iso(cx->now, ts, sizeof(ts));
	r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ts", ts, "account_id", cx->id, "policy",
	    st->policy ? st->policy : "", "status", status, "action_id",
	    n > 0 ? od_state_agreement_id(cx->id, n, aid, sizeof(aid)) : cx->id);
	if (r == NULL) {
		json_decref(detail);
		return NULL;
	}
	if (n > 0)
		json_object_set_new(r, "agreement_id", json_string(aid));
	if (cx->zone[0] != '\0')
		json_object_set_new(r, "timezone", json_string(cx->zone));
	if (detail != NULL)
		json_object_set_new(r, "detail", detail);
	json_array_append_new(cx->records, r);
	return r;
}

json_t *
od_state_record(struct od_state_ctx *cx, const struct od_state *st, int n, const char *status,
    json_t *detail)
{
	return life_record(cx, st, n, status, detail);
}

/* An outcome document: the agreement's status from now on. */
static void
life_outcome_doc(struct od_state_ctx *cx, const struct od_state *st, int n, const char *status,
    int64_t paid, json_t *detail)
{
	char	 ts[32], aid[200], m[32];
	json_t	*d;

	if (cx->docs == NULL) {
		json_decref(detail);
		return;
	}
	od_time_format_iso(cx->now, ts, sizeof(ts));
	d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "outcome", "id",
	    od_state_agreement_id(cx->id, n, aid, sizeof(aid)), "account_id", cx->id,
	    "status", status, "at", ts, "paid", money(st, paid, m, sizeof(m)));
	if (d != NULL && detail != NULL)
		json_object_set(d, "detail", detail);
	json_decref(detail);
	if (d != NULL)
		json_array_append_new(cx->docs, d);
}

/* The evidence of an event: where the promise or the acceptance came from. */
static json_t *
life_evidence(const struct od_state_event *ev, const struct od_state_ctx *cx)
{
	static const char *const keys[] = { "channel", "text", "token", "agent", "intent",
		"reason", "provider_id", NULL };
	const char	*s;
	char		 ts[32];
	json_t		*e;
	size_t		 i;

	s = json_string_value(json_object_get(ev->doc, "source"));
	e = json_pack("{s:s}", "source", s ? s : "upstream");
	if (e == NULL)
		return NULL;
	for (i = 0; keys[i] != NULL; i++)
		if ((s = json_string_value(json_object_get(ev->doc, keys[i]))) != NULL)
			json_object_set_new(e, keys[i], json_string(s));
	s = json_string_value(json_object_get(ev->doc, "at"));
	json_object_set_new(e, "at", json_string(s ? s : od_time_format_iso(cx->now, ts,
	    sizeof(ts))));
	if (ev->entry != NULL)
		json_object_set_new(e, "entry", json_string(ev->entry));
	return e;
}

/* The agreement document of the life in force, as it was just made. */
static void
life_agreement_doc(struct od_state_ctx *cx, const struct od_state *st,
    const struct od_state_event *ev, int replaces, const char *offer_attempt, int option)
{
	const struct od_state_life	*l = &st->life;
	char				 ts[32], aid[200], m[32];
	json_t				*d, *sched;
	size_t				 i;

	if (cx->docs == NULL)
		return;
	od_time_format_iso(cx->now, ts, sizeof(ts));
	d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "agreement",
	    "id", od_state_agreement_id(cx->id, l->n, aid, sizeof(aid)), "kind",
	    od_state_life_kinds[l->kind], "account_id", cx->id, "created", ts, "cycle", st->cycle,
	    "policy", st->policy ? st->policy : "", "total", money(st, l->amount, m, sizeof(m)));
	if (d == NULL)
		return;
	if (cx->acct != NULL)
		json_object_set_new(d, "currency", json_string(cx->acct->currency));
	if ((sched = json_array()) != NULL) {
		if (l->kind == OD_LIFE_PROMISE)
			json_array_append_new(sched, json_pack("{s:i, s:s, s:s}", "n", 1, "date",
			    l->date, "amount", money(st, l->amount, m, sizeof(m))));
		for (i = 0; i < l->nsched; i++)
			json_array_append_new(sched, json_pack("{s:i, s:s, s:s}", "n", (int)i + 1,
			    "date", l->sched[i].date, "amount", money(st, l->sched[i].amount, m,
			    sizeof(m))));
		json_object_set_new(d, "schedule", sched);
	}
	if (l->kind == OD_LIFE_PROMISE) {
		json_object_set_new(d, "threshold", json_string(money(st, l->need, m, sizeof(m))));
		json_object_set_new(d, "grace_days", json_integer(l->grace));
	} else {
		const struct od_named_offer *o = cx->policy ? od_policy_offer(cx->policy,
		    l->offer) : NULL;

		json_object_set_new(d, "offer", json_string(l->offer));
		json_object_set_new(d, "grace_days", json_integer(l->grace));
		if (option > 0)
			json_object_set_new(d, "option", json_integer(option));
		if (o != NULL && o->terms != NULL)
			json_object_set_new(d, "terms", json_string(o->terms));
		if (offer_attempt != NULL && offer_attempt[0] != '\0')
			json_object_set_new(d, "offer_attempt", json_string(offer_attempt));
	}
	json_object_set_new(d, "evidence", life_evidence(ev, cx));
	if (replaces > 0)
		json_object_set_new(d, "replaces", json_string(od_state_agreement_id(cx->id,
		    replaces, aid, sizeof(aid))));
	json_array_append_new(cx->docs, d);
}

/* ---- transitions --------------------------------------------------------------- */

static int	refuse(struct od_state_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
refuse(struct od_state_ctx *cx, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cx->reason, sizeof(cx->reason), fmt, ap);
	va_end(ap);
	return OD_STATE_REJECTED;
}

const struct od_step *
od_state_life_steps(const struct od_policy *p, enum od_life_kind k, size_t *n)
{
	*n = 0;
	if (p == NULL || k == OD_LIFE_NONE)
		return NULL;
	if (k == OD_LIFE_PROMISE) {
		*n = p->promises.nsteps;
		return p->promises.steps;
	}
	*n = p->nplan_steps;
	return p->plan_steps;
}

/* Does the policy send something when the life in force ends that way? */
static int
life_has_step(const struct od_policy *p, enum od_life_kind k, enum od_anchor at)
{
	const struct od_step	*s;
	size_t			 i, n;

	s = od_state_life_steps(p, k, &n);
	for (i = 0; i < n; i++)
		if (s[i].anchor == at)
			return 1;
	return 0;
}

/*
 * The life in force ends: superseded by another, kept or completed (the
 * debtor paid), or broken.  Its outcome document and record.
 */
static void
life_end(struct od_state *st, struct od_state_ctx *cx, const char *status, json_t *detail)
{
	struct od_state_life	*l = &st->life;
	static const struct { const char *status, *promise, *plan; } names[] = {
		{ "superseded", NULL, NULL },
		{ "kept", "promise_kept", NULL },
		{ "completed", NULL, "plan_completed" },
		{ "broken", "promise_broken", "plan_broken" },
	};
	const char	*rec = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].status, status) == 0)
			rec = l->kind == OD_LIFE_PROMISE ? names[i].promise : names[i].plan;
	if (rec != NULL)
		life_record(cx, st, l->n, rec, json_incref(detail));
	life_outcome_doc(cx, st, l->n, status, od_state_life_paid(st), detail);
}

/* A payment counted toward the life in force: kept or completed when it covers it. */
static void
life_payment(struct od_state *st, struct od_state_ctx *cx)
{
	struct od_state_life	*l = &st->life;
	int64_t			 paid = od_state_life_paid(st);
	char			 a[32], b[32];

	if (l->kind == OD_LIFE_NONE || l->status != OD_LIFE_OPEN)
		return;
	if (l->kind == OD_LIFE_PROMISE && paid >= l->need) {
		life_end(st, cx, "kept", json_sprintf("paid %s of the %s promised (%s keeps it)",
		    money(st, paid, a, sizeof(a)), money(st, l->amount, b, sizeof(b)),
		    money(st, l->need, b, sizeof(b))));
		od_state_life_clear(l);		/* escalation goes on, on the new balance */
		return;
	}
	if (l->kind != OD_LIFE_PROMISE && paid >= l->amount) {
		life_end(st, cx, "completed", json_sprintf("paid %s, every instalment of %s",
		    money(st, paid, a, sizeof(a)), money(st, l->amount, b, sizeof(b))));
		if (life_has_step(cx->policy, l->kind, OD_AT_COMPLETED)) {
			l->status = OD_LIFE_COMPLETED;	/* its message first, then paid */
			l->end = cx->now;
		} else {
			od_state_life_clear(l);
			st->status = OD_STATE_PAID;	/* settled: the agreement closes the account */
		}
	}
}

/* The number of the life about to be made; the one in force, superseded. */
static int
life_new(struct od_state *st, struct od_state_ctx *cx, enum od_life_kind kind, int *replaces)
{
	*replaces = 0;
	if (st->life.kind != OD_LIFE_NONE) {
		*replaces = st->life.n;
		if (st->life.status == OD_LIFE_OPEN)
			life_end(st, cx, "superseded", json_sprintf("replaced by %s:A%d", cx->id,
			    st->nagr + 1));
		od_state_life_clear(&st->life);
	}
	st->life.kind = kind;
	st->life.n = ++st->nagr;
	st->life.base = st->paid_minor;
	st->life.at = cx->now;
	st->cur[0] = '\0';
	return st->life.n;
}

static int
life_promise(struct od_state *st, const struct od_state_event *ev, struct od_state_ctx *cx,
    int64_t amount)
{
	const struct od_promise_policy	*pp = cx->policy ? &cx->policy->promises : NULL;
	const char			*source;
	int64_t				 outstanding = st->amount_minor - st->paid_minor;
	int64_t				 days, today, need;
	char				 a[32], b[32], last[16];
	int				 replaces, grace = pp ? pp->grace_days : 2;

	if (cx->today[0] == '\0' || od_state_date_days(cx->today, &today) == -1 ||
	    od_state_date_days(ev->until, &days) == -1)
		return refuse(cx, "date: the debtor's local date is unknown");
	if (days < today)
		return refuse(cx, "date: %s is in the past (the debtor's date is %s)", ev->until,
		    cx->today);
	if (pp != NULL && pp->max_days > 0 && days > today + pp->max_days) {
		days_date(today + pp->max_days, last, sizeof(last));
		return refuse(cx, "date: %s is beyond the policy's %s (promises.max_days)",
		    ev->until, last);
	}
	if (outstanding <= 0)
		return refuse(cx, "nothing is owed on the account");
	if (amount == 0)
		amount = outstanding;
	if (amount > outstanding)
		return refuse(cx, "amount: %s is more than the %s owed", money(st, amount, a,
		    sizeof(a)), money(st, outstanding, b, sizeof(b)));
	if (st->life.kind != OD_LIFE_NONE && st->life.kind != OD_LIFE_PROMISE &&
	    st->life.status == OD_LIFE_OPEN) {
		char	aid[200];

		return refuse(cx, "agreement %s (%s) is in force: renegotiate it with a new "
		    "acceptance", od_state_agreement_id(cx->id, st->life.n, aid, sizeof(aid)),
		    od_state_life_kinds[st->life.kind]);
	}
	source = json_string_value(json_object_get(ev->doc, "source"));
	need = (amount * (pp && pp->kept_percent > 0 ? pp->kept_percent : 100) + 99) / 100;
	if (pp != NULL && pp->max_broken > 0 && st->broken >= pp->max_broken &&
	    (source == NULL || strcmp(source, "agent") != 0)) {
		/* documented and refused: an agent decides (docs/policies.md) */
		struct od_state_life	keep = st->life;
		int			n = ++st->nagr;

		memset(&st->life, 0, sizeof(st->life));
		st->life.kind = OD_LIFE_PROMISE;
		st->life.n = n;
		st->life.amount = amount;
		st->life.need = need;
		st->life.grace = grace;
		st->life.base = st->paid_minor;
		snprintf(st->life.date, sizeof(st->life.date), "%s", ev->until);
		life_agreement_doc(cx, st, ev, 0, NULL, 0);
		life_record(cx, st, n, "promise_refused", json_sprintf("%d promises broken "
		    "(promises.max_broken %d): not accepted without an agent", st->broken,
		    pp->max_broken));
		life_outcome_doc(cx, st, n, "refused", 0, json_string("max_broken"));
		st->life = keep;
		return 0;
	}
	life_new(st, cx, OD_LIFE_PROMISE, &replaces);
	st->life.amount = amount;
	st->life.need = need;
	st->life.grace = grace;
	snprintf(st->life.date, sizeof(st->life.date), "%s", ev->until);
	st->promise_until[0] = '\0';	/* an older promise's hold, replaced */
	life_agreement_doc(cx, st, ev, replaces, NULL, 0);
	life_record(cx, st, st->life.n, "promise_made", json_sprintf("%s by %s, %d days' grace",
	    money(st, amount, a, sizeof(a)), ev->until, grace));
	return 0;
}

/* The index of offer id's entry in st->offers ("<id> <valid through> <attempt>"), or -1. */
static long
life_offer_index(const struct od_state *st, const char *id)
{
	size_t	i, n = strlen(id);

	for (i = 0; i < st->offers.n; i++)
		if (strncmp(st->offers.v[i], id, n) == 0 && st->offers.v[i][n] == ' ')
			return (long)i;
	return -1;
}

/* When offer id, if made, stands until (YYYY-MM-DD) and the attempt that made it. */
static int
life_offer_made(const struct od_state *st, const char *id, char *until, char *attempt,
    size_t alen)
{
	long		 k = life_offer_index(st, id);
	const char	*e, *sp;

	if (k < 0)
		return 0;
	e = st->offers.v[k] + strlen(id) + 1;
	snprintf(until, 16, "%.10s", e);
	sp = strchr(e, ' ');
	snprintf(attempt, alen, "%s", sp ? sp + 1 : "");
	return 1;
}

/*
 * The schedule and total of offer o accepted today with option n, over
 * what st owes, into l (zeroed): nothing of st changes, so a refusal
 * leaves it as it was.
 */
static int
life_schedule(const struct od_state *st, struct od_state_ctx *cx,
    const struct od_named_offer *o, int n, int64_t today, struct od_state_life *l)
{
	int64_t			 owed = st->amount_minor - st->paid_minor, each, min = 0, disc;
	char			 first[16], a[32], b[32];
	int			 i;

	if (o->kind != OD_OFFER_PLAN)
		n = 1;
	if ((l->sched = calloc((size_t)n, sizeof(*l->sched))) == NULL)
		return -1;
	l->nsched = (size_t)n;
	switch (o->kind) {
	case OD_OFFER_PLAN:
		/* equal instalments; the remainder's minor units go one each to the first */
		each = owed / n;
		if (o->min_installment != NULL &&
		    od_money_parse(o->min_installment, st->digits, &min) == 0 && each < min)
			return refuse(cx, "option: instalments of %s are under the offer's minimum "
			    "of %s", money(st, each, a, sizeof(a)), money(st, min, b, sizeof(b)));
		days_date(today + o->first_days, first, sizeof(first));
		for (i = 0; i < n; i++) {
			l->sched[i].amount = each + (i < owed % n ? 1 : 0);
			if (o->freq == OD_FREQ_WEEKLY || o->freq == OD_FREQ_BIWEEKLY)
				days_date(today + o->first_days + (int64_t)i *
				    (o->freq == OD_FREQ_WEEKLY ? 7 : 14), l->sched[i].date,
				    sizeof(l->sched[i].date));
			else
				date_add_months(first, i, l->sched[i].date, sizeof(l->sched[i].date));
		}
		l->amount = owed;
		break;
	case OD_OFFER_SETTLEMENT:
		disc = od_money_percent(owed, o->discount_percent);	/* as offers.<id> says */
		l->amount = l->sched[0].amount = owed - disc;
		days_date(today + o->pay_days, l->sched[0].date, sizeof(l->sched[0].date));
		break;
	default:	/* extension: the whole balance, by a later date */
		l->amount = l->sched[0].amount = owed;
		days_date(today + o->extend_days, l->sched[0].date, sizeof(l->sched[0].date));
		break;
	}
	return 0;
}

static int
life_accept(struct od_state *st, const struct od_state_event *ev, struct od_state_ctx *cx)
{
	static const char *const kind_names[] = { "", "plan", "settlement", "extension" };
	const struct od_named_offer	*o;
	struct od_state_life		 fresh;
	int64_t				 today, until_days;
	char				 until[16], attempt[420];
	int				 n, rc, replaces;

	o = cx->policy ? od_policy_offer(cx->policy, ev->offer) : NULL;
	if (o == NULL)
		return refuse(cx, "offer: '%s' is not an offer of policy '%s'", ev->offer,
		    st->policy ? st->policy : "");
	if ((int)o->kind != ev->accept)
		return refuse(cx, "offer: '%s' is a %s offer", ev->offer, kind_names[o->kind]);
	if (!life_offer_made(st, o->id, until, attempt, sizeof(attempt)))
		return refuse(cx, "offer: '%s' was never made to this account", ev->offer);
	if (cx->today[0] == '\0' || od_state_date_days(cx->today, &today) == -1 ||
	    od_state_date_days(until, &until_days) == -1)
		return refuse(cx, "the debtor's local date is unknown");
	if (today > until_days)
		return refuse(cx, "offer: '%s' expired on %s", ev->offer, until);
	if (st->amount_minor - st->paid_minor <= 0)
		return refuse(cx, "nothing is owed on the account");
	n = ev->option > 0 ? ev->option : o->default_n;
	if (o->kind == OD_OFFER_PLAN && (n < o->min_n || n > o->max_n)) {
		return refuse(cx, "option: %d instalments; the offer allows %d to %d", n, o->min_n,
		    o->max_n);
	}
	if (o->kind != OD_OFFER_PLAN && ev->option > 0)
		return refuse(cx, "option: a %s offer has no options", kind_names[o->kind]);
	memset(&fresh, 0, sizeof(fresh));
	if ((rc = life_schedule(st, cx, o, n, today, &fresh)) != 0) {
		od_state_life_clear(&fresh);
		return rc;
	}
	life_new(st, cx, (enum od_life_kind)(o->kind + 1), &replaces);	/* OD_OFFER_PLAN: OD_LIFE_PLAN */
	st->life.sched = fresh.sched;
	st->life.nsched = fresh.nsched;
	st->life.amount = fresh.amount;
	snprintf(st->life.offer, sizeof(st->life.offer), "%s", o->id);
	st->life.grace = o->grace_days >= 0 ? o->grace_days : cx->policy->promises.grace_days;
	st->promise_until[0] = '\0';
	life_agreement_doc(cx, st, ev, replaces, attempt, o->kind == OD_OFFER_PLAN ? n : 0);
	{
		char	a[32];

		life_record(cx, st, st->life.n, "agreement", json_sprintf("%s '%s': %s in %zu "
		    "instalment%s, the last on %s", kind_names[o->kind], o->id,
		    money(st, st->life.amount, a, sizeof(a)), st->life.nsched,
		    st->life.nsched == 1 ? "" : "s", st->life.sched[st->life.nsched - 1].date));
	}
	return 0;
}

/*
 * A person asked for, or a payment the debtor says they made: outreach
 * holds (replies.agent_pause, replies.paid_claim_hold) so that an agent can
 * call or the payment be seen; a claim never pays the account.  Recorded
 * whatever the account's status (an agent may still want to call).
 */
static int
life_hold(struct od_state *st, const struct od_state_event *ev, struct od_state_ctx *cx,
    int64_t amount, int *replan)
{
	int	 agent = ev->type == OD_EV_AGENT;
	int64_t	 len = agent ? (cx->policy ? cx->policy->agent_pause_ms : 3 * 86400000LL) :
		    (cx->policy ? cx->policy->paid_claim_ms : 5 * 86400000LL);
	char	 until[32], m[32];
	json_t	*r;

	if (st->status == OD_STATE_ACTIVE) {
		/*
		 * To the start of the minute after: the milliseconds a reply took
		 * to be applied never decide when outreach resumes (simulate
		 * agrees to the instant, as with the caps' deferrals).
		 */
		int64_t	end = ((cx->now + len) / 60000 + 1) * 60000;

		if (end > st->hold_until) {
			st->hold_until = end;
			snprintf(st->hold_why, sizeof(st->hold_why), "%s", agent ? "agent" :
			    "payment_claimed");
		}
		*replan = 1;
	}
	od_time_format_iso(st->hold_until > 0 ? st->hold_until : cx->now, until, sizeof(until));
	if (agent)
		r = life_record(cx, st, 0, "agent_requested", st->status == OD_STATE_ACTIVE ?
		    json_sprintf("outreach pauses until %s", until) : json_string("recorded"));
	else
		r = life_record(cx, st, 0, "payment_claimed", amount > 0 ?
		    json_sprintf("%s, unverified: outreach pauses until %s", money(st, amount, m,
		    sizeof(m)), until) : json_sprintf("unverified: outreach pauses until %s", until));
	if (r != NULL)
		json_object_set_new(r, "evidence", life_evidence(ev, cx));
	return 0;
}

/*
 * The debtor's address reached someone else: contacting a third party is
 * an abusive practice (Ley 29571 art. 62; INDECOPI Res. 0410-2021/SPC,
 * ../shared/reference/contact-rules.md).  A phone stops for SMS and
 * WhatsApp, an email for email, for this account; the record tells
 * upstream to correct it.
 */
static int
life_wrong_number(struct od_state *st, const struct od_state_event *ev,
    struct od_state_ctx *cx, int *replan)
{
	const char	*addr = NULL;
	json_t		*r;

	if (ev->channel == OD_CH_EMAIL)
		st->optout |= 1u << OD_CH_EMAIL;
	else
		st->optout |= 1u << OD_CH_SMS | 1u << OD_CH_WHATSAPP;
	if (cx->acct != NULL)
		addr = ev->channel == OD_CH_EMAIL ? cx->acct->email : ev->channel == OD_CH_WHATSAPP &&
		    cx->acct->whatsapp ? cx->acct->whatsapp : cx->acct->phone;
	r = life_record(cx, st, 0, "wrong_number", json_sprintf("%s is not the debtor's: %s "
	    "stop for this account; correct it upstream", addr ? addr : "the address",
	    ev->channel == OD_CH_EMAIL ? "emails" : "SMS and WhatsApp"));
	if (r != NULL)
		json_object_set_new(r, "evidence", life_evidence(ev, cx));
	*replan = 1;		/* the next step falls back to another channel */
	return 0;
}

int
od_state_life_event(struct od_state *st, const struct od_state_event *ev,
    struct od_state_ctx *cx, int64_t amount, int *replan)
{
	static const char *const inactive[] = { NULL, NULL, "paid", "closed", "ceased",
		"failed", "placed" };
	const char	*why;
	int		 rc;

	switch (ev->type) {
	case OD_EV_PAYMENT:
		st->paid_minor += amount;
		if (strcmp(st->hold_why, "payment_claimed") == 0) {
			st->hold_until = 0;	/* the payment the debtor spoke of came (or some did) */
			st->hold_why[0] = '\0';
		}
		if (st->status == OD_STATE_ACTIVE)
			life_payment(st, cx);
		return 0;
	case OD_EV_AGENT:
	case OD_EV_PAID_CLAIM:
		return life_hold(st, ev, cx, amount, replan);
	case OD_EV_WRONG_NUMBER:
		return life_wrong_number(st, ev, cx, replan);
	case OD_EV_PROMISE:
	case OD_EV_ACCEPT:
		if (st->status != OD_STATE_ACTIVE) {
			why = (size_t)st->status < sizeof(inactive) / sizeof(inactive[0]) ?
			    inactive[st->status] : NULL;
			if (st->status == OD_STATE_PLACED)
				return refuse(cx, "the account is placed with '%s'; recall it "
				    "first", st->placement);
			return refuse(cx, "the account is %s: no %s", why ? why : "not active",
			    ev->type == OD_EV_PROMISE ? "promise applies" : "agreement applies");
		}
		rc = ev->type == OD_EV_PROMISE ? life_promise(st, ev, cx, amount) :
		    life_accept(st, ev, cx);
		if (rc == 0) {
			*replan = 1;
			if (strcmp(st->hold_why, "agent") == 0) {
				st->hold_until = 0;	/* what the person was asked for is done */
				st->hold_why[0] = '\0';
			}
		}
		return rc;
	case OD_EV_RECALL: {
		const char	*r = json_string_value(json_object_get(ev->doc, "reason"));

		if (st->status != OD_STATE_PLACED)
			return refuse(cx, "the account is not placed (it is %s)",
			    od_state_status_name(st->status) ? od_state_status_name(st->status) :
			    "unknown");
		life_record(cx, st, 0, "recall", r ? json_sprintf("from '%s': %s", st->placement,
		    r) : json_sprintf("from '%s'", st->placement));
		st->status = OD_STATE_ACTIVE;
		st->placement[0] = '\0';
		st->done_at = cx->now;
		*replan = 1;
		return 0;
	}
	default:
		return 0;
	}
}

int64_t
od_state_deadline(const struct od_state *st, const struct od_state_ctx *cx)
{
	const struct od_state_life	*l = &st->life;
	size_t				 k;

	if (st->status != OD_STATE_ACTIVE || l->kind == OD_LIFE_NONE || l->status != OD_LIFE_OPEN)
		return -1;
	if (l->kind == OD_LIFE_PROMISE)
		return midnight_after(cx, l->date, l->grace);
	if ((k = od_state_life_covered(st)) >= l->nsched)
		return -1;
	return midnight_after(cx, l->sched[k].date, l->grace);
}

/* Are all of the life's steps at anchor done (or none configured)? */
static int
life_closing_done(const struct od_state *st, const struct od_policy *p, enum od_anchor at)
{
	const struct od_step	*s;
	size_t			 i, n;

	s = od_state_life_steps(p, st->life.kind, &n);
	for (i = 0; i < n; i++)
		if (s[i].anchor == at && !od_state_strs_has(&st->life.done, s[i].name))
			return 0;
	return 1;
}

int
od_state_tick(struct od_state *st, struct od_state_ctx *cx)
{
	struct od_state_life		*l = &st->life;
	const struct od_promise_policy	*pp = cx->policy ? &cx->policy->promises : NULL;
	int64_t				 dl = od_state_deadline(st, cx);
	char				 a[32], b[32];
	size_t				 k;
	json_t				*detail;

	if (st->status != OD_STATE_ACTIVE || l->kind == OD_LIFE_NONE)
		return 0;
	if (l->status == OD_LIFE_BROKEN && life_closing_done(st, cx->policy, OD_AT_BROKEN)) {
		od_state_life_clear(l);		/* its message went: escalation resumes */
		return 1;
	}
	if (l->status == OD_LIFE_COMPLETED && life_closing_done(st, cx->policy,
	    OD_AT_COMPLETED)) {
		od_state_life_clear(l);
		st->status = OD_STATE_PAID;
		return 1;
	}
	if (dl < 0 || cx->now < dl)
		return 0;
	if (l->kind == OD_LIFE_PROMISE)
		detail = json_sprintf("paid %s of the %s needed by %s (+%d days' grace)",
		    money(st, od_state_life_paid(st), a, sizeof(a)), money(st, l->need, b,
		    sizeof(b)), l->date, l->grace);
	else {
		k = od_state_life_covered(st);
		detail = json_sprintf("instalment %zu of %zu, %s due %s, unpaid after %d days' "
		    "grace", k + 1, l->nsched, money(st, l->sched[k].amount, a, sizeof(a)),
		    l->sched[k].date, l->grace);
	}
	life_end(st, cx, "broken", detail);
	st->broken++;
	l->status = OD_LIFE_BROKEN;
	l->end = cx->now;
	if (!life_has_step(cx->policy, l->kind, OD_AT_BROKEN))
		od_state_life_clear(l);
	/* too many broken: on to the policy's named step (the final notice) */
	if (pp != NULL && pp->max_broken > 0 && st->broken >= pp->max_broken &&
	    pp->after_index > st->next) {
		life_record(cx, st, 0, "escalated", json_sprintf("%d promises or plans broken "
		    "(promises.max_broken %d): on to step '%s'", st->broken, pp->max_broken,
		    cx->policy->steps[pp->after_index].name));
		st->next = pp->after_index;
		st->fb = st->tries = 0;
	}
	return 1;
}

int
od_state_life_outcome(struct od_state *st, const struct od_state_outcome *o,
    struct od_state_ctx *cx)
{
	const struct od_named_offer	*of;
	char				 until[16], entry[600];
	int64_t				 today;
	size_t				 i;
	long				 k;

	snprintf(st->cur, sizeof(st->cur), "%s", o->cur ? o->cur : "");
	if (o->life_done != NULL && st->life.kind != OD_LIFE_NONE &&
	    !od_state_strs_has(&st->life.done, o->life_done) &&
	    od_state_strs_add(&st->life.done, o->life_done) == -1)
		return -1;
	/* the offers a message made stand valid_days from its local date */
	if (o->made != NULL && cx->policy != NULL && o->today != NULL &&
	    od_state_date_days(o->today, &today) == 0)
		for (i = 0; i < o->made->noffers; i++) {
			if ((of = od_policy_offer(cx->policy, o->made->offers[i])) == NULL)
				continue;
			days_date(today + of->valid_days, until, sizeof(until));
			snprintf(entry, sizeof(entry), "%s %s %s", of->id, until,
			    o->attempt ? o->attempt : "");
			if ((k = life_offer_index(st, of->id)) >= 0) {
				char *c = strdup(entry);

				if (c == NULL)
					return -1;
				free(st->offers.v[k]);
				st->offers.v[k] = c;
			} else if (od_state_strs_add(&st->offers, entry) == -1)
				return -1;
		}
	if (o->ack_done && st->ack.what[0] != '\0')
		memset(&st->ack, 0, sizeof(st->ack));	/* sent, or given up: recorded either way */
	if (o->placed != NULL && st->status == OD_STATE_ACTIVE) {
		snprintf(st->placement, sizeof(st->placement), "%s", o->placed);
		st->status = OD_STATE_PLACED;
		life_record(cx, st, 0, "handoff", json_sprintf("placed with '%s'", o->placed));
	}
	if (o->tick && od_state_tick(st, cx) == -1)
		return -1;
	return 0;
}
