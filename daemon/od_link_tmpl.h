/*
 * od_link_tmpl: payment links in templates (docs/payment-links.md):
 *
 *   {{ pay.link }}           the balance, for links.max_ttl
 *   {{ offer.link }}         the policy's offer: block (its discounted
 *                            amount, else its first instalment), until the
 *                            end of its deadline in the debtor's zone
 *   {{ offers.<id>.link }}   a named offer the step makes (a settlement's
 *                            discounted amount, a plan's first instalment,
 *                            an extension's balance), until the end of the
 *                            day it stands through
 *
 * each expiring no later than links.max_ttl, and carrying the attempt the
 * message is sent as.  The job (od_job.c) adds them to the context of a
 * message whose template names one; the daemon stores the account's ref
 * when it sends it (od_link_http.c).
 */
#ifndef OD_LINK_TMPL_H
#define OD_LINK_TMPL_H

#include <stdint.h>
#include <jansson.h>

#include "od_account.h"
#include "od_error.h"
#include "od_policy.h"
#include "od_template.h"

struct od_link_conf;

/* What a message's links are made of. */
struct od_link_tmpl_in {
	const struct od_account	*acct;
	const struct od_policy	*policy;	/* may be NULL */
	const struct od_step	*step;		/* may be NULL */
	int64_t			 paid_minor;
	int64_t			 now_ms;
	const char		*attempt;	/* the attempt id the message goes as, or NULL */
};

/* 1 when message m names pay.link, offer.link or offers.<id>.link in any of its texts. */
int	od_link_tmpl_uses(const struct od_message_tmpl *m);
/*
 * Adds the links to ctx (od_plan_context's, with its offer and offers
 * objects): pay.link always, offer.link and offers.<id>.link where those
 * objects are.  0, or -1 with err set.
 */
int	od_link_tmpl_context(json_t *ctx, const struct od_link_conf *c,
	    const struct od_link_tmpl_in *in, char *err, size_t errlen);
/*
 * What a link to named offer no pays on owed (minor units): a settlement's
 * discounted amount, a plan's first instalment, an extension's balance.
 */
int64_t	od_link_tmpl_offer_amount(const struct od_named_offer *no, int64_t owed);
/* The first second after the local day `day` (days since the epoch) in zone (UTC: NULL). */
int64_t	od_link_tmpl_day_end(const char *zone, int64_t day);

/* 1 when path is one of the link variables (for od_plan_context_has). */
int	od_link_tmpl_var(const char *path);
/*
 * A template naming a link while the configuration has no links: (no
 * keys to sign with): an error at each such variable.  Returns their number.
 */
int	od_link_tmpl_check(const struct od_link_conf *c, const struct od_template_set *set,
	    struct od_errors *errs);

#endif /* OD_LINK_TMPL_H */
