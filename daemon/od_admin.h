/*
 * od_admin: the admin HTTP endpoint on the daemon's libevent loop (evhttp).
 *
 *   GET /healthz  200 "ok\n": the loop turns
 *   GET /readyz   200 "ok\n" when the ready callback says so, else
 *                 503 "not ready: <why>\n"
 *   GET /metrics  200, Prometheus text format 0.0.4 of the registry
 *   GET /p/<token> a payment link (od_link_http.c), with no bearer token;
 *                 links_only: a listener of its own that serves nothing else
 *
 * HEAD works too; other methods get 405, other paths 404.  It binds
 * 127.0.0.1 unless told otherwise.  With a token, every request must
 * carry "Authorization: Bearer <token>" or gets 401.
 *
 * The admin port must never starve the daemon of descriptors or of its
 * loop (a flood of slow clients once stopped every send):
 *   - at most max_connections are served at once, and never more than the
 *     descriptors left above fd_reserve (RLIMIT_NOFILE's soft limit minus
 *     fd_reserve); a connection beyond that is answered a fixed 503 with
 *     "Retry-After: 1" and closed at once, without being read;
 *   - a connection whose descriptor number shows that fewer than
 *     fd_reserve are left is closed at once, without being read;
 *   - each request (headers and body) must arrive whole within
 *     request_timeout of the connection's start, or of the previous
 *     request's answer on a kept-alive connection; a byte now and then
 *     does not extend it; a connection past it is dropped;
 *   - when accept() fails (EMFILE, ENFILE, ...), the listener pauses for
 *     100 ms, doubled at each failure up to 2 s and back to 100 ms at the
 *     next success; one log line per 10 s at most, with the count.
 * Metrics (in the registry given): OD_METRIC_ADMIN_* below.
 */
#ifndef OD_ADMIN_H
#define OD_ADMIN_H

#include <stddef.h>

struct event_base;
struct od_metrics;

#define OD_ADMIN_DEFAULT_ADDRESS	"127.0.0.1"
#define OD_ADMIN_DEFAULT_PORT		9464
#define OD_ADMIN_DEFAULT_MAX_CONNECTIONS	256
#define OD_ADMIN_DEFAULT_REQUEST_TIMEOUT_MS	10000
#define OD_ADMIN_DEFAULT_FD_RESERVE		256

/* The answer to a connection beyond the cap, byte for byte. */
#define OD_ADMIN_BUSY_REPLY	"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n" \
				"Connection: close\r\nRetry-After: 1\r\n\r\n"

#define OD_METRIC_ADMIN_CONNECTIONS	"outreachd_admin_connections"		/* gauge */
#define OD_METRIC_ADMIN_REFUSED		"outreachd_admin_refused_total"		/* counter {reason} */
#define OD_METRIC_ADMIN_DROPPED		"outreachd_admin_dropped_total"		/* counter */
#define OD_METRIC_ADMIN_ACCEPT_ERRORS	"outreachd_admin_accept_errors_total"	/* counter */
#define OD_METRIC_ADMIN_EVICTED		"outreachd_admin_evicted_total"		/* counter */

/*
 * Ready?  1 ready; 0 not, with a short reason written to why (len bytes,
 * e.g. "redis disconnected").  Called on the loop for each /readyz.
 */
typedef int (*od_admin_ready_fn)(void *arg, char *why, size_t len);
/* Called before each /metrics is written: refresh gauges from cached state. */
typedef void (*od_admin_collect_fn)(void *arg, struct od_metrics *m);
/*
 * A provider's callback: GET or POST under /callbacks/ (not behind the
 * bearer token: providers sign their requests).  method, path, query
 * (without '?', or NULL), body and the headers named are borrowed for the
 * call; the hook fills status, content type and body of the answer.
 */
struct od_admin_callback {
	const char	*method;
	const char	*path;
	const char	*query;
	const char	*body;
	size_t		 body_len;
	const char	*content_type;
	const char	*twilio_signature;	/* X-Twilio-Signature */
	const char	*hub_signature;		/* X-Hub-Signature-256 */
	int		 status;		/* answer */
	char		 answer_type[48];
	char		 answer[512];
};
typedef void (*od_admin_callback_fn)(void *arg, struct od_admin_callback *cb);
/*
 * GET /p/<token>: a payment link (od_link.h), not behind the bearer token
 * (a debtor's browser opens it).  The hook answers later, after a Redis
 * read, with od_admin_link_answer, exactly once; token is borrowed until
 * then.  l stays valid until that answer even when the client or the
 * server went away meanwhile (the answer is then dropped).
 */
struct od_admin_link;
typedef void (*od_admin_link_fn)(void *arg, struct od_admin_link *l, const char *token);
/*
 * Answers a link: status, a Location (a 302's, or NULL), the HTML body.
 * Sent with Cache-Control: no-store, Referrer-Policy: no-referrer (the
 * token never reaches the checkout's logs) and a CSP that loads nothing.
 * Frees l.
 */
void	od_admin_link_answer(struct od_admin_link *l, int status, const char *location,
	    const char *body);

/*
 * POST /reload (behind the bearer token): reloads as SIGHUP does and
 * writes the outcome ("reloaded ..." or "reload refused" and every
 * file:line:col error) to out.  Returns 1 when the new set is running.
 */
struct od_buf;
typedef int (*od_admin_reload_fn)(void *arg, struct od_buf *out);

struct od_admin_config {
	const char		*address;	/* NULL: 127.0.0.1 */
	int			 port;		/* 0: any free port (see od_admin_port) */
	const char		*token;		/* NULL or "": no authentication; copied */
	struct od_metrics	*metrics;	/* borrowed; NULL: /metrics is empty */
	od_admin_ready_fn	 ready;		/* NULL: always ready */
	od_admin_collect_fn	 collect;	/* may be NULL */
	od_admin_callback_fn	 callback;	/* /callbacks/...; NULL: 404 */
	od_admin_reload_fn	 reload;	/* POST /reload; NULL: 404 */
	od_admin_link_fn	 link;		/* GET /p/<token>; NULL: 404 */
	int			 links_only;	/* serve /p/ alone (links.listen): all else 404 */
	void			*arg;		/* for both callbacks */
	int			 max_connections;	/* 0: OD_ADMIN_DEFAULT_MAX_CONNECTIONS */
	long long		 request_timeout_ms;	/* 0: OD_ADMIN_DEFAULT_REQUEST_TIMEOUT_MS */
	int			 fd_reserve;		/* kept for Redis and the gateways; 0: none */
	/*
	 * When the cap is reached, a new connection takes the place of the
	 * oldest one that has waited this long for its request (a slow client
	 * holding a slot), so that /healthz and the providers still get in
	 * during a flood; 503 only when no connection is that old.  0: a
	 * quarter of request_timeout; -1: never.
	 */
	long long		 evict_after_ms;
};

struct od_admin;

/* Binds and listens on base.  NULL with a message in err on failure. */
struct od_admin	*od_admin_new(struct event_base *base, const struct od_admin_config *cfg,
		    char *err, size_t errlen);
/* The port bound (useful with port 0). */
int		 od_admin_port(const struct od_admin *a);
/* Connections open now (served, or refused and not yet closed). */
int		 od_admin_connections(const struct od_admin *a);
/* The cap in force: min(max_connections, soft RLIMIT_NOFILE - fd_reserve). */
int		 od_admin_max_connections(const struct od_admin *a);
/* Whether the listener is paused after a failed accept(). */
int		 od_admin_paused(const struct od_admin *a);
/* Closes the listener and every connection.  Not from inside a callback. */
void		 od_admin_free(struct od_admin *a);

#endif /* OD_ADMIN_H */
