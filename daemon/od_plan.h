/*
 * od_plan: when each step of a policy falls due for an account, which step
 * to act on now, and the variables a template sees.  Pure functions of the
 * account, the policy and the clock: the daemon, `outreachctl preview` and
 * `outreachctl simulate` all plan with them.
 *
 * A whole-day offset ("-3d", "0d", "+7d") puts a step at the policy's
 * send_at (default 09:00) on that local day in the debtor's time zone; an
 * offset with hours ("+1d12h", "36h") counts from the due date's local
 * midnight.
 */
#ifndef OD_PLAN_H
#define OD_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "od_account.h"
#include "od_config.h"
#include "od_policy.h"
#include "od_state.h"

/* When step i is due, UTC ms.  -1 when the debtor's time zone is unknown. */
int	od_plan_step_time(const struct od_account *a, const struct od_policy *p, size_t i,
	    int64_t *due_ms);

/*
 * The step to act on at now, starting from the first step not yet done
 * (from).  A step whose successor is also due by now is superseded and
 * skipped (a reminder before the due date is no use after it); *skipped
 * counts those.  Returns the index with *due_ms set (which may be in the
 * past: act now), -1 when no step is left, -2 when the time zone is unknown.
 */
int	od_plan_next(const struct od_account *a, const struct od_policy *p, size_t from,
	    int64_t now_ms, int64_t *due_ms, size_t *skipped);

/*
 * The policy's send_at on t_ms's local day in the zone a is planned in
 * (od_account_plan_zone), and that day's end (the next local midnight), in
 * UTC ms.  0, or -1 when the zone is unknown.
 */
int	od_plan_send_at(const struct od_account *a, const struct od_policy *p, int64_t t_ms,
	    int64_t *at_ms, int64_t *end_ms);
/*
 * The account's offset in [0, p->spread_ms), whole seconds: a hash of the
 * account id (FNV-1a), the same on every run and host; 0 without spread.
 */
int64_t	od_plan_spread(const struct od_account *a, const struct od_policy *p);

/* Days past due on the debtor's local date at now (negative before it). */
int	od_plan_days_past_due(const struct od_account *a, int64_t now_ms);

/*
 * The template context (a new reference), with:
 *   account_id, today
 *   debtor.{name, first_name, phone, email, whatsapp, locale, country, timezone}
 *   debt.{amount, outstanding, paid, currency, due_date, product, days_past_due}
 *   debt.{days_to_due, days_overdue, due_today, due_tomorrow, due_future, due_past}
 *        the due date from the debtor's local date at now: days_to_due is
 *        negative after it (= -days_past_due), days_overdue 0 before it; the
 *        booleans are for {{#if}}; the relative filter words it
 *   offer.{installments, installment_amount, discount_percent, discount_amount,
 *          discounted_amount, deadline, payment_url}      (when the policy has an offer)
 *   step.{name, stage}, policy.{name}
 *   company.*     (from the configuration: company.by_country.<debtor.country>
 *                  when there is one, else the default company)
 *   attributes.*  (the account's own)
 * Amounts are decimal strings in the debt's currency ("1234.50"); dates are
 * ISO dates ("2026-12-01"); the money and date filters format them.
 * paid_minor is what payments have covered so far.  NULL with a reason in
 * err when the context cannot be built: offer.payment_url longer than
 * OD_PLAN_URL_MAX once the account id is in it (never cut short).
 */
#define OD_PLAN_URL_MAX	2048
json_t	*od_plan_context(const struct od_account *a, const struct od_policy *p,
	    const struct od_step *s, int64_t paid_minor, const json_t *company, int64_t now_ms,
	    char *err, size_t errlen);

/*
 * What a lifecycle message says besides od_plan_context's (od_job.c): the
 * promise or agreement in force in st, a handoff step's placement, the
 * instalment an instalment reminder is about.
 */
struct od_plan_life {
	const struct od_state		*st;		/* NULL: none */
	const struct od_placement	*placement;	/* NULL: none */
	int				 instalment;	/* 0-based; -1: the first unpaid */
};

/*
 * Adds to ctx:
 *   promise.{amount, date, paid, remaining}		(a promise in force)
 *   agreement.{id, kind, plan, settlement, extension, total, remaining,
 *     installments, weekly, biweekly, monthly, terms,
 *     schedule: [{n, date, amount}], next.{n, date, amount}}	(an agreement)
 *   placement.{name, display_name, kind, phone, email}	(a handoff)
 * od_plan_context itself has offers.<id>.* for the policy's named offers:
 *   kind, deadline, terms; plan: installments, installments_min/_max,
 *   installment_amount, min_installment, frequency(_weekly/_biweekly/_monthly);
 *   settlement: discount_percent, discount_amount, discounted_amount;
 *   extension: days, new_due_date.
 * 0, or -1 with err set.
 */
int	od_plan_context_life(json_t *ctx, const struct od_account *a, const struct od_policy *p,
	    const struct od_plan_life *life, char *err, size_t errlen);

/*
 * Does od_plan_context provide this path for some account?  1 or 0
 * (attributes.* and company.* always 1: they are free-form).
 */
int	od_plan_context_has(const char *path);

#endif /* OD_PLAN_H */
