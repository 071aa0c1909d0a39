/*
 * od_link_page: the pages a payment link answers with when it does not
 * redirect (docs/payment-links.md, "Pages"): fixed texts, es and en, never
 * anything of the request.
 */
#ifndef OD_LINK_PAGE_H
#define OD_LINK_PAGE_H

/* What opening a link came to: the label of outreachd_link_requests_total. */
enum od_link_result {
	OD_LINK_RESULT_INVALID = 0,
	OD_LINK_RESULT_OK,		/* 302 to the checkout */
	OD_LINK_RESULT_BAD,		/* malformed, or a bad signature: 400 */
	OD_LINK_RESULT_EXPIRED,		/* 410 */
	OD_LINK_RESULT_UNKNOWN_KEY,	/* signed by a key no longer configured: 410 */
	OD_LINK_RESULT_UNKNOWN_ACCOUNT,	/* its ref resolves to no account (any more): 410 */
	OD_LINK_RESULT_PAID,		/* the account is paid: 200, says so */
	OD_LINK_RESULT_CLOSED,
	OD_LINK_RESULT_CEASED,
	OD_LINK_RESULT_DISPUTE,
	OD_LINK_RESULT_PLACED,		/* handed off to an agency or legal */
	OD_LINK_RESULT_OFFER_EXPIRED,	/* the offer no longer stands: 410 */
	OD_LINK_RESULT_ERROR,		/* Redis unavailable, a state unreadable: 503 */
	OD_LINK_RESULT_DISABLED,	/* no links: configured: 404 */
	OD_LINK_RESULT_MAX
};

/* "ok", "bad", "expired", "unknown_key", ... */
const char *od_link_result_name(enum od_link_result r);
/*
 * The page for r in locale (a BCP 47 tag; its language, es or en, else
 * fallback's, else en) and its HTTP status.  A constant string.  For the
 * results that know no account (bad, expired, ...) one page in both
 * languages.
 */
const char *od_link_page(enum od_link_result r, const char *locale, const char *fallback,
	    int *status);

#endif /* OD_LINK_PAGE_H */
