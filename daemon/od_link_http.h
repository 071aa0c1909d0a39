/*
 * od_link_http: the daemon's side of payment links (docs/payment-links.md):
 * GET /p/<token> on the admin server (and on links.listen), and the
 * account ref a message's links resolve through, stored when it is sent.
 *
 * Opening a link: the token is checked (signature, then expiry) without
 * touching Redis; a bad one is answered a fixed page and changes nothing.
 * A good one is resolved (link.lua: <prefix>:linkref:<ref> to the account,
 * its state and its document), decided on here with od_state (paid, in
 * dispute, ceased, placed, closed, an offer no longer standing: a page in
 * the debtor's language), else recorded as a link_opened attempt record
 * and redirected (302) to the country's links.redirect.  Every request is
 * counted in outreachd_link_requests_total{result}.
 */
#ifndef OD_LINK_HTTP_H
#define OD_LINK_HTTP_H

struct od_admin_link;
struct od_env;

#define OD_METRIC_LINK_REQUESTS	"outreachd_link_requests_total"	/* counter {result} */

/* The admin server's hook for /p/<token> (od_admin_link_fn's work). */
void	od_link_http_open(struct od_env *env, struct od_admin_link *l, const char *token);
/*
 * The account's ref, stored before a message carrying its links goes
 * (SET <prefix>:linkref:<ref> <account> PX max_ttl + 1 day).  Fire and
 * forget: a failure is logged.
 */
void	od_link_http_store_ref(struct od_env *env, const char *account);

#endif /* OD_LINK_HTTP_H */
