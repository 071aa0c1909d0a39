/*
 * od_admin: /healthz, /readyz and /metrics over libevent's evhttp.
 *
 * libevent 2.1 has no cap on evhttp's connections and no whole-request
 * deadline (its timeout restarts with every byte), and it logs every failed
 * accept() when the listener has no error callback.  So, with its public
 * API only:
 *   - evhttp_set_bevcb tells us of each connection accepted (admin_bevcb
 *     makes the same socket bufferevent evhttp would) and activates
 *     admin_check_cb.  That runs in the same loop turn, once evhttp has
 *     given the bufferevent its descriptor and its callbacks, and before
 *     any byte can be read (the socket's read event can only fire after
 *     the next poll).  It takes the evhttp_connection from the
 *     bufferevent's callback argument and sets its close callback
 *     (admin_conn_closed, run by evhttp_connection_free): the exact count
 *     of open connections.
 *   - One beyond the cap gets the fixed 503 (a non-blocking send) and
 *     shutdown(SHUT_RDWR): evhttp reads EOF and frees it.  The descriptor
 *     stays evhttp's; it is never closed here.
 *   - A timer, armed while connections exist, shuts down those past their
 *     deadline the same way.
 *   - evconnlistener_set_error_cb on evhttp's listener: a failed accept()
 *     disables it for a back-off instead of spinning on a full backlog.
 * (A filter bufferevent would tell when evhttp frees a connection too, but
 * in 2.1.12 it loses a "Connection: close" answer still queued below it,
 * stalls the next request of a kept-alive connection, and its nested
 * finalizers make event_base_free spin.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "od_admin.h"
#include "od_buf.h"
#include "od_callback.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_time.h"

/* The deadline sweep's period, and the accept back-off's bounds. */
#define ADMIN_SWEEP_MS		250
#define ADMIN_BACKOFF_MIN_MS	100
#define ADMIN_BACKOFF_MAX_MS	2000
#define ADMIN_LOG_EVERY_MS	10000

enum admin_conn_state {
	ADMIN_CONN_INVALID = 0,
	ADMIN_CONN_NEW,		/* not checked yet (admin_check_cb) */
	ADMIN_CONN_LOST,	/* freed by evhttp before it was checked */
	ADMIN_CONN_SERVED,	/* counted against the cap */
	ADMIN_CONN_CLOSING,	/* refused or dropped: shut down, evhttp frees it */
};

/*
 * One connection evhttp accepted, in a->conns until evhttp frees it
 * (admin_conn_closed).  bev is evhttp's, valid while the connection is
 * (until admin_check_cb it may be being freed: see there).
 */
struct admin_conn {
	struct od_admin		*a;
	struct bufferevent	*bev;
	enum admin_conn_state	 state;
	int64_t			 deadline_ms;	/* monotonic: the current request must be in */
	int64_t			 since_ms;	/* monotonic: waiting for that request since */
	struct admin_conn	*prev, *next;
};

/* A /p/ request waiting for the hook's answer (od_admin_link_answer). */
struct od_admin_link {
	struct od_admin		*a;		/* NULL: the server is gone; the answer is dropped */
	struct evhttp_request	*req;
	char			*token;
	struct od_admin_link	*prev, *next;
};

struct od_admin {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	struct evconnlistener		*lev;		/* evhttp's, for its error callback */
	int				 port;
	char				*token;		/* NULL: none */
	struct od_metrics		*metrics;
	od_admin_ready_fn		 ready;
	od_admin_collect_fn		 collect;
	od_admin_callback_fn		 callback;
	od_admin_reload_fn		 reload;
	od_admin_link_fn		 link;
	int				 links_only;
	struct od_admin_link		*links;		/* waiting for their answer */
	void				*arg;

	int				 max_conns;	/* in force */
	int				 fd_ceiling;	/* a descriptor at or above it: closed */
	int64_t				 timeout_ms;
	int64_t				 evict_ms;	/* -1: never */
	struct admin_conn		*conns;		/* newest first: the unchecked lead */
	int				 nconns;	/* alive, in any state */
	int				 nserved;
	struct event			*check_ev;	/* checks new connections */
	struct event			*sweep_ev;	/* deadlines, while nconns > 0 */
	struct event			*resume_ev;	/* the listener paused after accept() failed */
	int64_t				 backoff_ms;	/* 0: not paused */
	uint64_t			 accept_fails;	/* since the listener last accepted */
	uint64_t			 fails_logged;
	int64_t				 logged_ms;

	struct od_metric		*m_conns, *m_refused, *m_dropped, *m_accept_errors;
	struct od_metric		*m_evicted;
	struct od_admin			*next;		/* in admin_all */
};

/*
 * Every server, for the listener's error callback: it gets the argument
 * evhttp_bind_listener gave the listener (the evhttp), not ours.
 */
static struct od_admin	*admin_all;

/* ---- connections: cap, reserve, deadline, accept errors ---- */

static void
admin_gauge(struct od_admin *a)
{
	od_metric_set(a->m_conns, NULL, (double)a->nconns);
}

/* Shuts c down (refused or past its deadline): evhttp reads EOF and frees it. */
static void
admin_conn_shut(struct admin_conn *c, const char *reply)
{
	evutil_socket_t	fd = bufferevent_getfd(c->bev);

	if (c->state == ADMIN_CONN_SERVED)
		c->a->nserved--;
	c->state = ADMIN_CONN_CLOSING;
	if (fd < 0)
		return;
	if (reply != NULL)
		(void)send(fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)shutdown(fd, SHUT_RDWR);
}

static void	admin_conn_closed(struct evhttp_connection *evcon, void *arg);

static void
admin_conn_unlink(struct admin_conn *c)
{
	struct od_admin	*a = c->a;

	if (c->state == ADMIN_CONN_SERVED)
		a->nserved--;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (--a->nconns == 0)
		event_del(a->sweep_ev);
	admin_gauge(a);
	free(c);
}

/*
 * The served connection that has waited longest for its request, if that
 * is at least evict_ms: under a flood of slow clients the newcomer takes
 * its place.  A request that is being answered is never chosen (its wait
 * began again when it came in whole: admin_conn_rearm).
 */
static struct admin_conn *
admin_evict_victim(struct od_admin *a, int64_t now)
{
	struct admin_conn	*c, *old = NULL;

	if (a->evict_ms < 0)
		return NULL;
	for (c = a->conns; c != NULL; c = c->next)
		if (c->state == ADMIN_CONN_SERVED && now - c->since_ms >= a->evict_ms &&
		    (old == NULL || c->since_ms < old->since_ms))
			old = c;
	return old;
}

/*
 * The connections accepted since the last call (the lead of the list).
 * One evhttp freed already (out of memory) has lost its callbacks; its
 * bufferevent's memory lasts until its finalizer, queued after this.
 */
static void
admin_check_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_admin		*a = arg;
	struct admin_conn	*c, *next, *victim = NULL;
	bufferevent_event_cb	 ecb;
	void			*evcon;
	evutil_socket_t		 cfd;

	(void)fd;
	(void)what;
	for (c = a->conns; c != NULL && c->state == ADMIN_CONN_NEW; c = next) {
		next = c->next;
		ecb = NULL;
		evcon = NULL;
		bufferevent_getcb(c->bev, NULL, NULL, &ecb, &evcon);
		if (ecb == NULL || evcon == NULL) {
			c->state = ADMIN_CONN_LOST;
			admin_conn_unlink(c);
			continue;
		}
		evhttp_connection_set_closecb(evcon, admin_conn_closed, c);
		cfd = bufferevent_getfd(c->bev);
		if (cfd >= a->fd_ceiling) {
			od_metric_inc(a->m_refused, OD_LABELS("fd_reserve"), 1);
			admin_conn_shut(c, NULL);
		} else if (a->nserved >= a->max_conns &&
		    (victim = admin_evict_victim(a, od_monotonic_ms())) == NULL) {
			od_metric_inc(a->m_refused, OD_LABELS("full"), 1);
			admin_conn_shut(c, OD_ADMIN_BUSY_REPLY);
		} else {
			if (a->nserved >= a->max_conns) {
				od_metric_inc(a->m_evicted, NULL, 1);
				admin_conn_shut(victim, OD_ADMIN_BUSY_REPLY);
			}
			c->state = ADMIN_CONN_SERVED;
			a->nserved++;
		}
	}
}

static void
admin_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_admin		*a = arg;
	struct admin_conn	*c;
	int64_t			 now = od_monotonic_ms();

	(void)fd;
	(void)what;
	for (c = a->conns; c != NULL; c = c->next) {
		if (c->state == ADMIN_CONN_NEW || now < c->deadline_ms)
			continue;
		if (c->state == ADMIN_CONN_SERVED)
			od_metric_inc(a->m_dropped, NULL, 1);
		admin_conn_shut(c, NULL);	/* again for one still closing: harmless */
	}
}

/* evhttp frees the connection (its bufferevent is still valid). */
static void
admin_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	admin_conn_unlink(arg);
}

/* evhttp_set_bevcb: a connection was accepted (its descriptor comes after). */
static struct bufferevent *
admin_bevcb(struct event_base *base, void *arg)
{
	struct od_admin		*a = arg;
	struct admin_conn	*c;
	struct bufferevent	*bev;
	struct timeval		 tv = { 0, ADMIN_SWEEP_MS * 1000 };

	if (a->backoff_ms > 0) {
		od_log_info("admin", "accepting connections again after %llu failed accept() calls",
		    (unsigned long long)a->accept_fails);
		a->backoff_ms = 0;
		a->accept_fails = a->fails_logged = 0;
	}
	/* What evhttp makes when there is no bevcb. */
	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;	/* evhttp tries one of its own */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return bev;	/* uncounted, but served */
	c->a = a;
	c->bev = bev;
	c->state = ADMIN_CONN_NEW;
	c->since_ms = od_monotonic_ms();
	c->deadline_ms = c->since_ms + a->timeout_ms;
	c->next = a->conns;
	if (a->conns != NULL)
		a->conns->prev = c;
	a->conns = c;
	if (a->nconns++ == 0)
		event_add(a->sweep_ev, &tv);
	admin_gauge(a);
	event_active(a->check_ev, EV_TIMEOUT, 1);
	return bev;
}

/*
 * A request came in whole and is answered now: a kept-alive connection has
 * a new deadline for its next one.  -1 when it came on a connection refused
 * or dropped (shut down, not yet freed): not to be served.
 */
static int
admin_conn_rearm(struct od_admin *a, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct bufferevent		*bev;
	struct admin_conn		*c;

	if (evcon == NULL || (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return 0;
	for (c = a->conns; c != NULL; c = c->next)
		if (c->bev == bev) {
			if (c->state == ADMIN_CONN_CLOSING)
				return -1;
			c->since_ms = od_monotonic_ms();
			c->deadline_ms = c->since_ms + a->timeout_ms;
			return 0;
		}
	return 0;
}

static void
admin_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_admin	*a = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(a->lev);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS, ...): pause instead of spinning. */
static void
admin_accept_error(struct evconnlistener *lev, void *arg)
{
	struct od_admin	*a;
	int		 err = EVUTIL_SOCKET_ERROR();
	int64_t		 now = od_monotonic_ms();
	struct timeval	 tv;

	(void)arg;
	evconnlistener_disable(lev);
	for (a = admin_all; a != NULL && a->lev != lev; a = a->next)
		;
	if (a == NULL)
		return;		/* not ours: cannot be */
	a->accept_fails++;
	od_metric_inc(a->m_accept_errors, NULL, 1);
	a->backoff_ms = a->backoff_ms == 0 ? ADMIN_BACKOFF_MIN_MS :
	    a->backoff_ms * 2 > ADMIN_BACKOFF_MAX_MS ? ADMIN_BACKOFF_MAX_MS : a->backoff_ms * 2;
	if (a->fails_logged == 0 || now - a->logged_ms >= ADMIN_LOG_EVERY_MS) {
		od_log_warn("admin", "accept(): %s: new connections paused for %lld ms "
		    "(%llu failed accept() calls%s)", strerror(err), (long long)a->backoff_ms,
		    (unsigned long long)(a->accept_fails - a->fails_logged),
		    a->fails_logged == 0 ? "" : " since the last line");
		a->fails_logged = a->accept_fails;
		a->logged_ms = now;
	}
	tv.tv_sec = a->backoff_ms / 1000;
	tv.tv_usec = (a->backoff_ms % 1000) * 1000;
	evtimer_add(a->resume_ev, &tv);
}

/*
 * The cap in force and the descriptor ceiling, from the soft RLIMIT_NOFILE:
 * the reserve is kept for Redis and the gateways (at most half the limit,
 * so that a tiny limit still leaves the admin port a few).
 */
static void
admin_limits(struct od_admin *a, const struct od_admin_config *cfg)
{
	struct rlimit	rl;
	long long	soft = 1 << 20, reserve = cfg->fd_reserve > 0 ? cfg->fd_reserve : 0;
	long long	room;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		soft = (long long)rl.rlim_cur;
	if (reserve > soft / 2) {
		od_log_warn("admin", "fd_reserve %lld is more than half of the %lld descriptors "
		    "allowed (RLIMIT_NOFILE): %lld kept instead", reserve, soft, soft / 2);
		reserve = soft / 2;
	}
	room = soft - reserve;
	a->fd_ceiling = room > 1 << 30 ? 1 << 30 : (int)room;
	a->max_conns = cfg->max_connections > 0 ? cfg->max_connections :
	    OD_ADMIN_DEFAULT_MAX_CONNECTIONS;
	if (a->max_conns > room) {
		od_log_warn("admin", "max_connections %d lowered to %lld: %lld descriptors "
		    "allowed, %lld kept for Redis and the gateways", a->max_conns, room, soft,
		    reserve);
		a->max_conns = (int)room;
	}
}

static int
admin_authorized(const struct od_admin *a, struct evhttp_request *req)
{
	const char	*h;

	if (a->token == NULL)
		return 1;
	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	return od_cb_equal(h, strlen(h), a->token, strlen(a->token));
}

static void
admin_reply(struct evhttp_request *req, int code, const char *reason, const char *type,
    const char *body, size_t len)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf = evbuffer_new();

	evhttp_add_header(out, "Content-Type", type);
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (buf == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp would send the body: announce its length, send none. */
		char	n[32];

		snprintf(n, sizeof(n), "%zu", len);
		evhttp_add_header(out, "Content-Length", n);
	} else
		evbuffer_add(buf, body, len);
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

static void
admin_text(struct evhttp_request *req, int code, const char *reason, const char *body)
{
	admin_reply(req, code, reason, "text/plain; charset=utf-8", body, strlen(body));
}

static void
admin_metrics(struct od_admin *a, struct evhttp_request *req)
{
	struct od_buf	b;

	od_buf_init(&b);
	if (a->metrics != NULL) {
		if (a->collect != NULL)
			a->collect(a->arg, a->metrics);
		if (od_metrics_write(a->metrics, &b) == -1) {
			od_buf_free(&b);
			od_log_err("admin", "/metrics: out of memory");
			admin_text(req, 500, "Internal Server Error", "out of memory\n");
			return;
		}
	}
	admin_reply(req, 200, "OK", OD_METRICS_CONTENT_TYPE, b.len ? b.data : "", b.len);
	od_buf_free(&b);
}

static void
admin_readyz(struct od_admin *a, struct evhttp_request *req)
{
	char	why[256], body[300];

	why[0] = '\0';
	if (a->ready == NULL || a->ready(a->arg, why, sizeof(why)) == 1) {
		admin_text(req, 200, "OK", "ok\n");
		return;
	}
	why[sizeof(why) - 1] = '\0';
	snprintf(body, sizeof(body), "not ready: %s\n", why[0] ? why : "starting");
	admin_text(req, 503, "Service Unavailable", body);
}

/* /callbacks/...: the provider's request, handed to the daemon's hook as read. */
static void
admin_callback(struct od_admin *a, struct evhttp_request *req, const char *path)
{
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq		*in = evhttp_request_get_input_headers(req);
	struct evbuffer			*body = evhttp_request_get_input_buffer(req);
	struct od_admin_callback	 cb;
	enum evhttp_cmd_type		 cmd = evhttp_request_get_command(req);
	size_t				 len = evbuffer_get_length(body);

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, POST");
		admin_text(req, 405, "Method Not Allowed", "method not allowed\n");
		return;
	}
	memset(&cb, 0, sizeof(cb));
	cb.method = cmd == EVHTTP_REQ_GET ? "GET" : "POST";
	cb.path = path;
	cb.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	cb.body = len > 0 ? (const char *)evbuffer_pullup(body, (ev_ssize_t)len) : "";
	cb.body_len = len;
	cb.content_type = evhttp_find_header(in, "Content-Type");
	cb.twilio_signature = evhttp_find_header(in, "X-Twilio-Signature");
	cb.hub_signature = evhttp_find_header(in, "X-Hub-Signature-256");
	cb.status = 404;
	snprintf(cb.answer_type, sizeof(cb.answer_type), "text/plain; charset=utf-8");
	snprintf(cb.answer, sizeof(cb.answer), "not found\n");
	a->callback(a->arg, &cb);
	admin_reply(req, cb.status, cb.status < 300 ? "OK" : cb.status == 403 ? "Forbidden" :
	    cb.status == 404 ? "Not Found" : cb.status == 413 ? "Payload Too Large" : "Bad Request",
	    cb.answer_type, cb.answer, strlen(cb.answer));
}

/* /p/<token>: handed to the hook, answered when it calls od_admin_link_answer. */
static void
admin_link(struct od_admin *a, struct evhttp_request *req, const char *path)
{
	struct od_admin_link	*l;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		admin_text(req, 405, "Method Not Allowed", "method not allowed\n");
		return;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL || (l->token = strdup(path + 3)) == NULL) {
		free(l);
		admin_text(req, 503, "Service Unavailable", "busy\n");
		return;
	}
	l->a = a;
	l->req = req;
	l->next = a->links;
	if (a->links != NULL)
		a->links->prev = l;
	a->links = l;
	a->link(a->arg, l, l->token);
}

void
od_admin_link_answer(struct od_admin_link *l, int status, const char *location,
    const char *body)
{
	struct evkeyvalq	*out;
	struct od_admin		*a = l->a;

	if (a != NULL) {
		if (l->prev != NULL)
			l->prev->next = l->next;
		else
			a->links = l->next;
		if (l->next != NULL)
			l->next->prev = l->prev;
		out = evhttp_request_get_output_headers(l->req);
		if (location != NULL)
			evhttp_add_header(out, "Location", location);
		evhttp_add_header(out, "Referrer-Policy", "no-referrer");
		evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
		evhttp_add_header(out, "Content-Security-Policy", "default-src 'none'");
		admin_reply(l->req, status, status == 302 ? "Found" : status == 200 ? "OK" :
		    status == 400 ? "Bad Request" : status == 404 ? "Not Found" :
		    status == 410 ? "Gone" : "Service Unavailable", "text/html; charset=utf-8",
		    body ? body : "", body ? strlen(body) : 0);
	}
	free(l->token);
	free(l);
}

static void
admin_request(struct evhttp_request *req, void *arg)
{
	struct od_admin			*a = arg;
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	const char			*path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type		 cmd = evhttp_request_get_command(req);

	if (admin_conn_rearm(a, req) == -1) {
		admin_text(req, 503, "Service Unavailable", "busy\n");
		return;
	}
	if (path == NULL || path[0] == '\0')
		path = "/";
	if (a->link != NULL && strncmp(path, "/p/", 3) == 0) {
		admin_link(a, req, path);
		return;
	}
	if (a->links_only) {
		admin_text(req, 404, "Not Found", "not found\n");
		return;
	}
	if (a->callback != NULL && strncmp(path, "/callbacks/", 11) == 0) {
		admin_callback(a, req, path);
		return;
	}
	if (!admin_authorized(a, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
		    "Bearer realm=\"outreachd\"");
		admin_text(req, 401, "Unauthorized", "unauthorized\n");
		return;
	}
	if (a->reload != NULL && strcmp(path, "/reload") == 0) {
		struct od_buf	b;
		int		ok;

		if (cmd != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
			admin_text(req, 405, "Method Not Allowed", "method not allowed\n");
			return;
		}
		od_buf_init(&b);
		ok = a->reload(a->arg, &b);
		admin_reply(req, ok ? 200 : 422, ok ? "OK" : "Unprocessable Entity",
		    "text/plain; charset=utf-8", b.data ? b.data : "", b.len);
		od_buf_free(&b);
		return;
	}
	if (strcmp(path, "/healthz") != 0 && strcmp(path, "/readyz") != 0 &&
	    strcmp(path, "/metrics") != 0) {
		admin_text(req, 404, "Not Found", "not found: try /healthz, /readyz, /metrics\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		admin_text(req, 405, "Method Not Allowed", "method not allowed\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		admin_text(req, 200, "OK", "ok\n");
	else if (strcmp(path, "/readyz") == 0)
		admin_readyz(a, req);
	else
		admin_metrics(a, req);
}

struct od_admin *
od_admin_new(struct event_base *base, const struct od_admin_config *cfg, char *err,
    size_t errlen)
{
	struct od_admin		*a;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	const char		*addr;
	evutil_socket_t		 fd;

	if (base == NULL || cfg == NULL || cfg->port < 0 || cfg->port > 65535) {
		snprintf(err, errlen, "admin: bad arguments");
		return NULL;
	}
	addr = cfg->address != NULL && cfg->address[0] != '\0' ? cfg->address :
	    OD_ADMIN_DEFAULT_ADDRESS;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "admin: out of memory");
		return NULL;
	}
	a->base = base;
	a->metrics = cfg->metrics;
	a->ready = cfg->ready;
	a->collect = cfg->collect;
	a->callback = cfg->callback;
	a->reload = cfg->reload;
	a->link = cfg->link;
	a->links_only = cfg->links_only;
	a->arg = cfg->arg;
	if (cfg->token != NULL && cfg->token[0] != '\0' &&
	    (a->token = strdup(cfg->token)) == NULL) {
		snprintf(err, errlen, "admin: out of memory");
		goto fail;
	}
	admin_limits(a, cfg);
	a->timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms :
	    OD_ADMIN_DEFAULT_REQUEST_TIMEOUT_MS;
	a->evict_ms = cfg->evict_after_ms < 0 ? -1 : cfg->evict_after_ms > 0 ?
	    cfg->evict_after_ms : a->timeout_ms / 4;
	if (cfg->metrics != NULL) {
		a->m_conns = od_metrics_gauge(cfg->metrics, OD_METRIC_ADMIN_CONNECTIONS,
		    "Connections open on the admin port.", NULL);
		a->m_refused = od_metrics_counter(cfg->metrics, OD_METRIC_ADMIN_REFUSED,
		    "Admin connections closed unread: full (answered 503) or fd_reserve "
		    "(too few descriptors left).", OD_LABELS("reason"));
		a->m_dropped = od_metrics_counter(cfg->metrics, OD_METRIC_ADMIN_DROPPED,
		    "Admin connections dropped for not sending a request within "
		    "admin.request_timeout.", NULL);
		a->m_accept_errors = od_metrics_counter(cfg->metrics, OD_METRIC_ADMIN_ACCEPT_ERRORS,
		    "Failed accept() calls on the admin port (EMFILE, ...).", NULL);
		a->m_evicted = od_metrics_counter(cfg->metrics, OD_METRIC_ADMIN_EVICTED,
		    "Admin connections shut to make room for a new one when full: the oldest "
		    "still waiting for its request after a quarter of admin.request_timeout.",
		    NULL);
		if (a->m_conns == NULL || a->m_refused == NULL || a->m_dropped == NULL ||
		    a->m_accept_errors == NULL || a->m_evicted == NULL) {
			snprintf(err, errlen, "admin: cannot register the metrics");
			goto fail;
		}
	}
	if ((a->check_ev = event_new(base, -1, 0, admin_check_cb, a)) == NULL ||
	    (a->sweep_ev = event_new(base, -1, EV_PERSIST, admin_sweep_cb, a)) == NULL ||
	    (a->resume_ev = evtimer_new(base, admin_resume_cb, a)) == NULL) {
		snprintf(err, errlen, "admin: out of memory");
		goto fail;
	}
	if ((a->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "admin: cannot make an HTTP server");
		goto fail;
	}
	{
		/*
		 * evhttp's own timeout (restarted per read and write) only as a
		 * backstop: the deadline is the sweep's.
		 */
		int64_t		back = 2 * a->timeout_ms + 1000;
		struct timeval	tv = { back / 1000, (back % 1000) * 1000 };

		evhttp_set_timeout_tv(a->http, &tv);
	}
	evhttp_set_bevcb(a->http, admin_bevcb, a);
	evhttp_set_max_headers_size(a->http, 8192);
	/* Providers' callbacks: a WhatsApp webhook can carry many statuses (od_callback.h). */
	evhttp_set_max_body_size(a->http, cfg->callback != NULL ? 65536 : 4096);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(a->http, admin_request, a);
	errno = 0;
	if ((a->sock = evhttp_bind_socket_with_handle(a->http, addr, (ev_uint16_t)cfg->port)) ==
	    NULL) {
		snprintf(err, errlen, "admin: cannot listen on %s:%d: %s", addr, cfg->port,
		    errno ? strerror(errno) : "bad address");
		goto fail;
	}
	a->lev = evhttp_bound_socket_get_listener(a->sock);
	a->next = admin_all;
	admin_all = a;
	evconnlistener_set_error_cb(a->lev, admin_accept_error);
	fd = evhttp_bound_socket_get_fd(a->sock);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errlen, "admin: getsockname: %s", strerror(errno));
		goto fail;
	}
	if (ss.ss_family == AF_INET)
		a->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		a->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	od_log_info("admin", "listening on %s:%d%s%s; at most %d connections, %lld ms per request",
	    addr, a->port, a->links_only ? " for payment links (/p/) only" : "",
	    a->token != NULL && !a->links_only ? " (bearer token required)" : "", a->max_conns,
	    (long long)a->timeout_ms);
	return a;
fail:
	od_admin_free(a);
	return NULL;
}

int
od_admin_port(const struct od_admin *a)
{
	return a != NULL ? a->port : -1;
}

int
od_admin_connections(const struct od_admin *a)
{
	return a != NULL ? a->nconns : 0;
}

int
od_admin_max_connections(const struct od_admin *a)
{
	return a != NULL ? a->max_conns : 0;
}

int
od_admin_paused(const struct od_admin *a)
{
	return a != NULL && a->backoff_ms > 0;
}

void
od_admin_free(struct od_admin *a)
{
	struct od_admin		**pp;

	if (a == NULL)
		return;
	for (pp = &admin_all; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	/* the links waiting for Redis: their answers will find no server */
	for (; a->links != NULL; a->links = a->links->next) {
		a->links->a = NULL;
		a->links->req = NULL;
	}
	if (a->http != NULL)
		evhttp_free(a->http);	/* the close callbacks unlink the connections */
	while (a->conns != NULL)	/* but those not checked yet */
		admin_conn_unlink(a->conns);
	if (a->check_ev != NULL)
		event_free(a->check_ev);
	if (a->sweep_ev != NULL)
		event_free(a->sweep_ev);
	if (a->resume_ev != NULL)
		event_free(a->resume_ev);
	if (a->token != NULL) {
		explicit_bzero(a->token, strlen(a->token));
		free(a->token);
	}
	free(a);
}
