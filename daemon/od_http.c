#include "od_http.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_buf.h"

/* A socket libcurl asked us to watch. */
struct http_sock {
	struct od_http		*h;
	curl_socket_t		 fd;
	struct event		*ev;
	short			 kind;		/* EV_READ | EV_WRITE */
	struct http_sock	*prev, *next;
};

/*
 * An HTTP request's header list as libcurl gets it: the plugin's headers,
 * then "Expect:", User-Agent and the Basic Authorization line (base64)
 * when the plugin did not give its own.  Built once per distinct set of
 * headers and credentials, shared by the transfers that use it (a
 * gateway's headers are the same for every message) and kept in a small
 * cache; freed when the cache dropped it and no transfer uses it.
 */
struct http_hdrs {
	struct curl_slist	*list;
	char			**src;		/* the request's headers, as given */
	size_t			 nsrc;
	char			*user, *password;	/* or NULL */
	unsigned		 refs;		/* transfers, and 1 while cached */
	struct http_hdrs	*next;		/* in the cache, most recent first */
};

#define HTTP_HDRS_MAX	8

/*
 * What an easy handle was set up for: a handle that ran a plain HTTP POST
 * with these options keeps them for the next such POST (no curl_easy_reset,
 * only the per-transfer options set again).  Anything else is reset first.
 */
struct http_profile {
	int			 post;		/* set up for a plain HTTP POST */
	long			 connect_timeout_ms, total_timeout_ms;
	int			 tls_verify;
	char			*ca_file;	/* a copy, or NULL */
};

struct http_idle {
	CURL			*easy;
	struct http_profile	 prof;
};

/* One transfer: what libcurl reads from us, and what comes back. */
struct http_xfer {
	struct od_http		*h;
	CURL			*easy;
	struct http_profile	 prof;
	int			 smtp;
	struct http_hdrs	*hdrs;		/* HTTP: shared, counted */
	struct curl_slist	*rcpts;
	char			*body;		/* the request's, copied */
	size_t			 body_len;
	size_t			 body_off;	/* read so far by libcurl */
	int			 body_done;	/* SMTP: all of it handed to libcurl */
	struct od_buf		 reply;
	size_t			 reply_seen;
	size_t			 max_reply;
	char			 errbuf[CURL_ERROR_SIZE];
	od_http_done		*cb;
	void			*arg;
	struct http_xfer	*prev, *next;
};

/*
 * Finished easy handles kept for the next transfers: a handle costs an
 * allocation of several KiB and its set-up per request (with 64 kept, a
 * burst of 512 in flight created and destroyed three handles in four,
 * 9 k instructions per action).  The idle ones never outnumber the most
 * transfers ever in flight at once, so the peak memory is the same; they
 * are only kept after a burst instead of freed.
 */
#define HTTP_IDLE_MAX	512

struct od_http {
	struct event_base	*base;
	CURLM			*multi;
	struct http_idle	 idle[HTTP_IDLE_MAX];
	size_t			 nidle;
	size_t			 idle_low;	/* the fewest idle since od_http_trim */
	struct http_hdrs	*hdrs;		/* the cache */
	size_t			 nhdrs;
	struct event		*timer;
	struct http_sock	*socks;
	struct http_xfer	*xfers;
	size_t			 npending;
	int			 depth;		/* inside http_check (user callbacks) */
	int			 freeing;
	char			 err[256];
};

static void	http_check(struct od_http *h);

void
od_http_opts_init(struct od_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = OD_HTTP_CONNECT_TIMEOUT_MS;
	o->total_timeout_ms = OD_HTTP_TOTAL_TIMEOUT_MS;
	o->tls_verify = 1;
	o->smtp_require_tls = 1;
	o->max_reply = OD_HTTP_MAX_REPLY;
}

const char *
od_http_error_name(enum od_http_error e)
{
	switch (e) {
	case OD_HTTP_OK:
		return "ok";
	case OD_HTTP_CONNECT:
		return "connect";
	case OD_HTTP_TIMEOUT_BEFORE_SEND:
		return "timeout-before-send";
	case OD_HTTP_SENT_NO_REPLY:
		return "sent-no-reply";
	case OD_HTTP_TLS:
		return "tls";
	case OD_HTTP_PROTOCOL:
		return "protocol";
	case OD_HTTP_INTERNAL:
		return "internal";
	}
	return "?";
}

int
od_http_gateway_failed(const struct od_http_result *res)
{
	if (res->error != OD_HTTP_OK)
		return 1;
	if (res->smtp)
		return res->status == 421;
	return res->status >= 500;
}

const char *
od_http_errstr(const struct od_http *h)
{
	return h->err;
}

size_t
od_http_pending(const struct od_http *h)
{
	return h->npending;
}

/* ---- libevent <-> libcurl, as hiperfifo.c ---- */

static void
http_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct od_http	*h = arg;
	int		 action = 0, running;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, action, &running);
	http_check(h);		/* may free h: the last thing done */
}

static void
http_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct od_http	*h = arg;
	int		 running;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check(h);
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer; 0 runs it on the next loop turn. */
static int
http_multi_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct od_http	*h = arg;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(h->timer) == 0 ? 0 : -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(h->timer, &tv) == 0 ? 0 : -1;
}

static void
http_sock_free(struct od_http *h, struct http_sock *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		h->socks = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->ev != NULL)
		event_free(s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION. */
static int
http_multi_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct od_http		*h = arg;
	struct http_sock	*s = sockp;
	short			 kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			http_sock_free(h, s);
		curl_multi_assign(h->multi, fd, NULL);
		return 0;
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		s->h = h;
		s->fd = fd;
		s->next = h->socks;
		if (h->socks != NULL)
			h->socks->prev = s;
		h->socks = s;
		curl_multi_assign(h->multi, fd, s);
	}
	if (s->ev != NULL && s->kind == kind)
		return 0;
	if (s->ev != NULL)
		event_free(s->ev);
	s->kind = kind;
	if ((s->ev = event_new(h->base, fd, kind, http_event_cb, h)) == NULL ||
	    event_add(s->ev, NULL) == -1)
		return -1;
	return 0;
}

/* ---- transfers ---- */

static size_t
http_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 len = size * n, keep = 0;

	if (x->reply_seen < x->max_reply)
		keep = x->max_reply - x->reply_seen < len ? x->max_reply - x->reply_seen : len;
	if (keep > 0 && od_buf_append(&x->reply, p, keep) == -1)
		return 0;	/* out of memory: libcurl fails the transfer */
	x->reply_seen += len;
	return len;
}

/* SMTP DATA: the message, from our copy. */
static size_t
http_read_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 len = size * n;

	if (len > x->body_len - x->body_off)
		len = x->body_len - x->body_off;
	memcpy(p, x->body + x->body_off, len);
	x->body_off += len;
	if (x->body_off == x->body_len)
		x->body_done = 1;
	return len;
}

/*
 * A request body is read once.  When a kept-alive connection dies after the
 * provider read the request, libcurl would quietly send it again on a new
 * connection; refusing to rewind makes that a failure the core sees as "may
 * have been sent" (a POST is not idempotent at the providers).
 */
static int
http_seek_cb(void *arg, curl_off_t offset, int origin)
{
	struct http_xfer	*x = arg;

	if (origin == SEEK_SET && offset == 0 && x->body_off == 0)
		return CURL_SEEKFUNC_OK;
	return CURL_SEEKFUNC_CANTSEEK;
}

static void
http_profile_clear(struct http_profile *p)
{
	free(p->ca_file);
	memset(p, 0, sizeof(*p));
}

static void
http_hdrs_unref(struct http_hdrs *e)
{
	size_t	i;

	if (e == NULL || --e->refs > 0)
		return;
	curl_slist_free_all(e->list);
	for (i = 0; i < e->nsrc; i++)
		free(e->src[i]);
	free(e->src);
	free(e->user);
	if (e->password != NULL)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	free(e);
}

static void
http_xfer_free(struct http_xfer *x)
{
	struct od_http	*h = x->h;

	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		h->xfers = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	h->npending--;
	if (x->easy != NULL) {
		if (!h->freeing && h->nidle < HTTP_IDLE_MAX) {
			/* Reset when next used, unless that is the same kind of POST. */
			h->idle[h->nidle].easy = x->easy;
			h->idle[h->nidle++].prof = x->prof;
			memset(&x->prof, 0, sizeof(x->prof));
		} else
			curl_easy_cleanup(x->easy);
	}
	http_profile_clear(&x->prof);
	http_hdrs_unref(x->hdrs);
	curl_slist_free_all(x->rcpts);
	free(x->body);
	od_buf_free(&x->reply);
	free(x);
}

/* Whether the request may have reached the peer (the rule in od_http.h). */
static int
http_sent(struct http_xfer *x)
{
	curl_off_t	 reqsize = 0;

	if (x->smtp)
		return x->body_done;
	curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &reqsize);
	return reqsize > 0;
}

/* The rule in od_http.h, for a transfer that ended with rc. */
static enum od_http_error
http_classify(struct http_xfer *x, CURLcode rc)
{
	long		 local_port = 0;

	/* libcurl wanted to send the body again (a reused connection died): it had gone out. */
	if (http_sent(x) || rc == CURLE_SEND_FAIL_REWIND)
		return OD_HTTP_SENT_NO_REPLY;
	/*
	 * The TCP connection was up when it has a local port (libcurl 7.88
	 * sets CURLINFO_CONNECT_TIME_T only once TLS is up too).
	 */
	curl_easy_getinfo(x->easy, CURLINFO_LOCAL_PORT, &local_port);
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return OD_HTTP_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return local_port > 0 ? OD_HTTP_TIMEOUT_BEFORE_SEND : OD_HTTP_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return OD_HTTP_TLS;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_LOGIN_DENIED:
		return OD_HTTP_PROTOCOL;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_NOT_BUILT_IN:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_WRITE_ERROR:
	case CURLE_READ_ERROR:
		return OD_HTTP_INTERNAL;
	default:
		/* The peer closed or reset before the request went out. */
		return OD_HTTP_CONNECT;
	}
}

/*
 * Builds the result, calls back and frees x.  why, when not NULL, replaces
 * libcurl's words (the transfer was cut short by od_http_free).
 */
static void
http_finish(struct http_xfer *x, CURLcode rc, const char *why)
{
	struct od_http_result	 r;
	struct curl_header	*hd;
	curl_off_t		 total_us = 0;
	char			*ra = NULL, *ct = NULL, *s = NULL;

	memset(&r, 0, sizeof(r));
	r.smtp = x->smtp;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	r.total_s = (double)total_us / 1e6;
	if (rc != CURLE_OK)
		snprintf(r.errstr, sizeof(r.errstr), "%s", why != NULL ? why :
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc));
	if (rc != CURLE_OK && !(why == NULL && x->smtp && r.status >= 400)) {
		if (why != NULL)
			r.error = http_sent(x) ? OD_HTTP_SENT_NO_REPLY : OD_HTTP_CONNECT;
		else
			r.error = http_classify(x, rc);
		r.status = 0;
	} else if (!x->smtp) {
		if (curl_easy_header(x->easy, "Retry-After", 0, CURLH_HEADER, -1, &hd) ==
		    CURLHE_OK && hd->value != NULL)
			r.retry_after = ra = strdup(hd->value);
		if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != NULL)
			r.content_type = ct = strdup(s);
	}
	r.body = x->reply.data != NULL ? x->reply.data : "";
	r.body_len = x->reply.len;
	r.body_truncated = x->reply_seen > x->reply.len;
	x->cb(x->arg, &r);
	free(ra);
	free(ct);
	http_xfer_free(x);
}

/* Hands finished transfers back; frees h on the way out when asked to. */
static void
http_check(struct od_http *h)
{
	CURLMsg			*m;
	struct http_xfer	*x;
	int			 left;

	h->depth++;
	while (!h->freeing && (m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x == NULL)
			continue;
		curl_multi_remove_handle(h->multi, x->easy);
		http_finish(x, m->data.result, NULL);
	}
	if (--h->depth == 0 && h->freeing)
		od_http_free(h);
}

struct od_http *
od_http_new(struct event_base *base, char *err, size_t errlen)
{
	struct od_http	*h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl: global initialisation failed");
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		curl_global_cleanup();
		return NULL;
	}
	h->base = base;
	if ((h->multi = curl_multi_init()) == NULL ||
	    (h->timer = evtimer_new(base, http_timer_cb, h)) == NULL) {
		snprintf(err, errlen, "libcurl: cannot create the multi handle");
		if (h->multi != NULL)
			curl_multi_cleanup(h->multi);
		free(h);
		curl_global_cleanup();
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_multi_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_multi_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/*
	 * Idle connections kept for reuse.  libcurl's default, four per easy
	 * handle in the multi at the moment, shrinks as a burst ends and closes
	 * connections the next burst opens again (a TCP and TLS handshake
	 * each); the gateways' in-flight caps bound what is really kept.
	 */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)HTTP_IDLE_MAX);
	return h;
}

/*
 * Frees the idle handles that no transfer took since the last call (the
 * bottom of the stack: handles are taken from the top), so that the handles
 * and their buffers follow the transfers of the last interval, not the
 * largest burst so far.
 */
void
od_http_trim(struct od_http *h)
{
	size_t	i, n;

	if (h == NULL)
		return;
	n = h->idle_low < h->nidle ? h->idle_low : h->nidle;
	for (i = 0; i < n; i++) {
		curl_easy_cleanup(h->idle[i].easy);
		http_profile_clear(&h->idle[i].prof);
	}
	memmove(h->idle, h->idle + n, (h->nidle - n) * sizeof(h->idle[0]));
	h->nidle -= n;
	h->idle_low = h->nidle;
}

void
od_http_free(struct od_http *h)
{
	struct http_xfer	*x;
	CURLMsg			*m;
	int			 left;

	if (h == NULL)
		return;
	if (h->freeing && h->depth > 0)
		return;		/* again from a callback: done on the way out */
	h->freeing = 1;
	if (h->depth > 0)
		return;
	h->depth++;		/* callbacks below may call od_http_free again */
	/* Transfers that did finish get their real result... */
	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		x = NULL;
		if (m->msg != CURLMSG_DONE ||
		    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x) != CURLE_OK ||
		    x == NULL)
			continue;
		curl_multi_remove_handle(h->multi, x->easy);
		http_finish(x, m->data.result, NULL);
	}
	/* ...the others are cut short. */
	while ((x = h->xfers) != NULL) {
		curl_multi_remove_handle(h->multi, x->easy);
		http_finish(x, CURLE_ABORTED_BY_CALLBACK, http_sent(x) ?
		    "shut down while waiting for the reply" :
		    "shut down before the request was sent");
	}
	while (h->nidle > 0) {
		h->nidle--;
		curl_easy_cleanup(h->idle[h->nidle].easy);
		http_profile_clear(&h->idle[h->nidle].prof);
	}
	h->idle_low = 0;
	while (h->hdrs != NULL) {
		struct http_hdrs *e = h->hdrs;

		h->hdrs = e->next;
		http_hdrs_unref(e);
	}
	curl_multi_cleanup(h->multi);
	while (h->socks != NULL)
		http_sock_free(h, h->socks);
	event_free(h->timer);
	free(h);
	curl_global_cleanup();
}

static int
http_scheme(const char *url, int *smtp)
{
	static const struct {
		const char	*prefix;
		int		 smtp;
	} schemes[] = {
		{ "http://", 0 }, { "https://", 0 }, { "smtp://", 1 }, { "smtps://", 1 },
	};
	size_t	i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncasecmp(url, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
			*smtp = schemes[i].smtp;
			return 0;
		}
	return -1;
}

#define HTTP_USER_AGENT	"outreachd/" OD_VERSION

/* "Authorization: Basic base64(user:password)", as libcurl's CURLAUTH_BASIC writes it. */
static char *
http_basic_header(const char *user, const char *password)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char pre[] = "Authorization: Basic ";
	size_t		 ul = strlen(user), pl = password ? strlen(password) : 0;
	size_t		 n = ul + 1 + pl, i, o = sizeof(pre) - 1;
	unsigned char	*in;
	char		*out;

	if ((in = malloc(n)) == NULL)
		return NULL;
	memcpy(in, user, ul);
	in[ul] = ':';
	if (pl > 0)
		memcpy(in + ul + 1, password, pl);
	if ((out = malloc(sizeof(pre) + (n + 2) / 3 * 4)) == NULL) {
		free(in);
		return NULL;
	}
	memcpy(out, pre, sizeof(pre) - 1);
	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = b64[in[i] >> 2];
		out[o++] = b64[(in[i] & 0x03) << 4 | in[i + 1] >> 4];
		out[o++] = b64[(in[i + 1] & 0x0f) << 2 | in[i + 2] >> 6];
		out[o++] = b64[in[i + 2] & 0x3f];
	}
	if (i < n) {
		out[o++] = b64[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = b64[(in[i] & 0x03) << 4 | in[i + 1] >> 4];
			out[o++] = b64[(in[i + 1] & 0x0f) << 2];
		} else {
			out[o++] = b64[(in[i] & 0x03) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
	free(in);
	return out;
}

static int
http_append(struct curl_slist **list, const char *header)
{
	struct curl_slist *l = curl_slist_append(*list, header);

	if (l == NULL)
		return -1;
	*list = l;
	return 0;
}

static int
http_str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static char *
http_strdup_or_null(const char *s, int *oom)
{
	char	*c;

	if (s == NULL)
		return NULL;
	if ((c = strdup(s)) == NULL)
		*oom = 1;
	return c;
}

/* The header list for req, from the cache or built; counted for the caller.  NULL: out of memory. */
static struct http_hdrs *
http_hdrs_get(struct od_http *h, const struct od_request *req)
{
	struct http_hdrs	*e, **pp;
	size_t			 i;
	int			 expect = 0, auth = 0, agent = 0, oom = 0;

	for (pp = &h->hdrs; (e = *pp) != NULL; pp = &e->next) {
		if (e->nsrc != req->nheaders || !http_str_eq(e->user, req->user) ||
		    !http_str_eq(e->password, req->password))
			continue;
		for (i = 0; i < e->nsrc && strcmp(e->src[i], req->headers[i]) == 0; i++)
			;
		if (i < e->nsrc)
			continue;
		*pp = e->next;		/* to the front */
		e->next = h->hdrs;
		h->hdrs = e;
		e->refs++;
		return e;
	}

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->refs = 1;
	if (req->nheaders > 0 && (e->src = calloc(req->nheaders, sizeof(*e->src))) == NULL)
		goto fail;
	for (i = 0; i < req->nheaders; i++) {
		if ((e->src[e->nsrc++] = strdup(req->headers[i])) == NULL ||
		    http_append(&e->list, req->headers[i]) == -1)
			goto fail;
		if (strncasecmp(req->headers[i], "Expect:", 7) == 0)
			expect = 1;
		else if (strncasecmp(req->headers[i], "Authorization:", 14) == 0)
			auth = 1;
		else if (strncasecmp(req->headers[i], "User-Agent:", 11) == 0)
			agent = 1;
	}
	e->user = http_strdup_or_null(req->user, &oom);
	e->password = http_strdup_or_null(req->password, &oom);
	if (oom)
		goto fail;
	if (!expect && http_append(&e->list, "Expect:") == -1)
		goto fail;	/* no 100-continue round trip */
	/*
	 * The headers libcurl would build for CURLOPT_USERAGENT and basic auth,
	 * written here once: libcurl formats each of its own with its printf,
	 * byte by byte (docs/performance.md), and leaves them out when the
	 * request has its own (as here, or a plugin's).
	 */
	if (!agent && http_append(&e->list, "User-Agent: " HTTP_USER_AGENT) == -1)
		goto fail;
	if (!auth && req->user != NULL) {
		char *hdr = http_basic_header(req->user, req->password);

		if (hdr == NULL || http_append(&e->list, hdr) == -1) {
			free(hdr);
			goto fail;
		}
		explicit_bzero(hdr, strlen(hdr));
		free(hdr);
	}
	e->refs++;		/* the cache's */
	e->next = h->hdrs;
	h->hdrs = e;
	if (++h->nhdrs > HTTP_HDRS_MAX) {
		/* the least recently used leaves the cache (its transfers keep it) */
		for (pp = &h->hdrs; (*pp)->next != NULL; pp = &(*pp)->next)
			;
		http_hdrs_unref(*pp);
		*pp = NULL;
		h->nhdrs--;
	}
	return e;
fail:
	http_hdrs_unref(e);
	return NULL;
}

/* Whether req is an HTTP POST (the method, or none with a body). */
static int
http_is_post(const struct od_request *req)
{
	return req->method != NULL ? strcmp(req->method, "POST") == 0 : req->body.len > 0;
}

/*
 * keep: the handle was set up for a POST with the same options and not
 * reset; only what changes from one transfer to the next is set.
 */
static CURLcode
http_setup_http(struct http_xfer *x, const struct od_request *req, int keep)
{
	const char	*method = req->method;
	CURLcode	 rc = CURLE_OK;

	if ((x->hdrs = http_hdrs_get(x->h, req)) == NULL)
		return CURLE_OUT_OF_MEMORY;
	if (method == NULL)
		method = x->body_len > 0 ? "POST" : "GET";
	if (strcmp(method, "GET") == 0) {
		rc = curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(method, "POST") != 0)
			rc = curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, method);
		if (rc == CURLE_OK && (strcmp(method, "POST") == 0 || x->body_len > 0)) {
			if (!keep)
				rc = curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
			if (rc == CURLE_OK)
				rc = curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				    (curl_off_t)x->body_len);
			if (rc == CURLE_OK && !keep)
				rc = curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, http_read_cb);
			if (rc == CURLE_OK)
				rc = curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
			if (rc == CURLE_OK && !keep)
				rc = curl_easy_setopt(x->easy, CURLOPT_SEEKFUNCTION, http_seek_cb);
			if (rc == CURLE_OK)
				rc = curl_easy_setopt(x->easy, CURLOPT_SEEKDATA, x);
		}
	}
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs->list);
	if (keep)
		return rc;
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	return rc;
}

static CURLcode
http_setup_smtp(struct http_xfer *x, const struct od_request *req, const struct od_http_opts *o)
{
	CURLcode	 rc;
	size_t		 i;

	for (i = 0; i < req->nrcpts; i++) {
		struct curl_slist *l = curl_slist_append(x->rcpts, req->rcpts[i]);

		if (l == NULL)
			return CURLE_OUT_OF_MEMORY;
		x->rcpts = l;
	}
	rc = curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (rc == CURLE_OK && req->mail_from != NULL)
		rc = curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, req->mail_from);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpts);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_USE_SSL,
		    (long)(o->smtp_require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, http_read_cb);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->body_len);
	return rc;
}

static CURLcode
http_setup(struct http_xfer *x, const struct od_request *req, const struct od_http_opts *o,
    int keep)
{
	CURL		*e = x->easy;
	CURLcode	 rc;

	rc = curl_easy_setopt(e, CURLOPT_URL, req->url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	if (keep)
		return rc == CURLE_OK ? http_setup_http(x, req, 1) : rc;
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/*
	 * Requests and replies are a few KiB: libcurl's smallest buffers (16 KiB)
	 * instead of its 64 KiB upload buffer per handle, hundreds in flight.
	 */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 16384L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->total_timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->tls_verify ? 1L : 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o->tls_verify ? 2L : 0L);
	if (rc == CURLE_OK && o->ca_file != NULL)
		rc = curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	/* SMTP AUTH takes them from here; HTTP's basic auth is a header (http_setup_http). */
	if (rc == CURLE_OK && x->smtp && req->user != NULL)
		rc = curl_easy_setopt(e, CURLOPT_USERNAME, req->user);
	if (rc == CURLE_OK && x->smtp && req->password != NULL)
		rc = curl_easy_setopt(e, CURLOPT_PASSWORD, req->password);
	if (rc == CURLE_OK)
		rc = x->smtp ? http_setup_smtp(x, req, o) : http_setup_http(x, req, 0);
	return rc;
}

int
od_http_perform(struct od_http *h, const struct od_request *req,
    const struct od_http_opts *opts, od_http_done *cb, void *arg)
{
	struct od_http_opts	 defaults;
	struct http_profile	 prof;
	struct http_xfer	*x;
	CURLMcode		 mrc;
	CURLcode		 rc;
	int			 smtp, post, keep = 0;

	h->err[0] = '\0';
	if (h->freeing) {
		snprintf(h->err, sizeof(h->err), "the HTTP transport is shutting down");
		return -1;
	}
	if (req->url == NULL || http_scheme(req->url, &smtp) == -1) {
		snprintf(h->err, sizeof(h->err), "unsupported URL (http, https, smtp or "
		    "smtps expected)");
		return -1;
	}
	if (opts == NULL) {
		od_http_opts_init(&defaults);
		opts = &defaults;
	}
	memset(&prof, 0, sizeof(prof));
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -1;
	}
	x->h = h;
	x->smtp = smtp;
	x->cb = cb;
	x->arg = arg;
	x->max_reply = opts->max_reply;
	od_buf_init(&x->reply);
	x->next = h->xfers;
	if (h->xfers != NULL)
		h->xfers->prev = x;
	h->xfers = x;
	h->npending++;
	x->body_len = req->body.len;
	if ((x->body = malloc(x->body_len + 1)) == NULL) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		http_xfer_free(x);
		return -1;
	}
	if (x->body_len > 0)
		memcpy(x->body, req->body.data, x->body_len);
	x->body[x->body_len] = '\0';
	post = !smtp && http_is_post(req);
	if (h->nidle > 0) {
		struct http_idle *i = &h->idle[--h->nidle];

		if (h->nidle < h->idle_low)
			h->idle_low = h->nidle;

		x->easy = i->easy;
		keep = post && i->prof.post &&
		    i->prof.connect_timeout_ms == opts->connect_timeout_ms &&
		    i->prof.total_timeout_ms == opts->total_timeout_ms &&
		    i->prof.tls_verify == opts->tls_verify &&
		    http_str_eq(i->prof.ca_file, opts->ca_file);
		if (keep)
			prof = i->prof;		/* its ca_file copy moves along */
		else {
			curl_easy_reset(x->easy);	/* options back to the defaults */
			http_profile_clear(&i->prof);
		}
		memset(&i->prof, 0, sizeof(i->prof));
	} else if ((x->easy = curl_easy_init()) == NULL) {
		snprintf(h->err, sizeof(h->err), "libcurl: cannot create a handle");
		http_xfer_free(x);
		return -1;
	}
	if ((rc = http_setup(x, req, opts, keep)) != CURLE_OK) {
		http_profile_clear(&prof);
		snprintf(h->err, sizeof(h->err), "libcurl: %s", curl_easy_strerror(rc));
		http_xfer_free(x);	/* the handle is reset before its next use */
		return -1;
	}
	/* Set up as a POST with these options: the next POST like it keeps them. */
	if (post && !keep) {
		prof.connect_timeout_ms = opts->connect_timeout_ms;
		prof.total_timeout_ms = opts->total_timeout_ms;
		prof.tls_verify = opts->tls_verify;
		prof.post = opts->ca_file == NULL || (prof.ca_file = strdup(opts->ca_file)) != NULL;
	}
	x->prof = prof;
	/* Only sets the multi's timer: the transfer starts from the loop. */
	if ((mrc = curl_multi_add_handle(h->multi, x->easy)) != CURLM_OK) {
		snprintf(h->err, sizeof(h->err), "libcurl: %s", curl_multi_strerror(mrc));
		http_xfer_free(x);
		return -1;
	}
	return 0;
}
