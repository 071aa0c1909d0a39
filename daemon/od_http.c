#include "od_http_int.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_buf.h"

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

const char *
od_http_fault_name(enum od_http_fault f)
{
	switch (f) {
	case OD_HTTP_FAULT_INVALID:
		break;
	case OD_HTTP_FAULT_NONE:
		return "none";
	case OD_HTTP_FAULT_REMOTE:
		return "remote";
	case OD_HTTP_FAULT_LOCAL:
		return "local";
	}
	return "?";
}

int
od_http_gateway_failed(const struct od_http_result *res)
{
	if (res->fault == OD_HTTP_FAULT_LOCAL)
		return -1;
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
	od_http_profile_clear(&x->prof);
	od_http_hdrs_unref(x->hdrs);
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
	curl_off_t		 ra_s = 0;

	memset(&r, 0, sizeof(r));
	r.smtp = x->smtp;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	r.total_s = (double)total_us / 1e6;
	if (rc != CURLE_OK)
		snprintf(r.errstr, sizeof(r.errstr), "%s", why != NULL ? why :
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc));
	r.fault = OD_HTTP_FAULT_NONE;
	if (rc != CURLE_OK && !(why == NULL && x->smtp && r.status >= 400)) {
		r.fault = OD_HTTP_FAULT_REMOTE;
		if (why != NULL)
			r.error = http_sent(x) ? OD_HTTP_SENT_NO_REPLY : OD_HTTP_CONNECT;
		else if (x->sock_errno != 0 && !http_sent(x)) {
			/* No socket could be made here: this host's failure, not the gateway's. */
			r.error = OD_HTTP_CONNECT;
			r.fault = OD_HTTP_FAULT_LOCAL;
			snprintf(r.errstr, sizeof(r.errstr), "%s: cannot create a socket: %s",
			    OD_HTTP_LOCAL_FD_EXHAUSTED, strerror(x->sock_errno));
		} else
			r.error = http_classify(x, rc);
		r.status = 0;
	} else if (!x->smtp) {
		if (curl_easy_header(x->easy, "Retry-After", 0, CURLH_HEADER, -1, &hd) ==
		    CURLHE_OK && hd->value != NULL)
			r.retry_after = ra = strdup(hd->value);
		/* libcurl parses both forms; an HTTP-date comes back as seconds from now */
		if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra_s) == CURLE_OK &&
		    ra_s > 0 && ra_s <= OD_HTTP_RETRY_AFTER_MAX_S)
			r.retry_after_ms = (long)ra_s * 1000;
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
		od_http_profile_clear(&h->idle[i].prof);
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
		od_http_profile_clear(&h->idle[h->nidle].prof);
	}
	h->idle_low = 0;
	while (h->hdrs != NULL) {
		struct http_hdrs *e = h->hdrs;

		h->hdrs = e->next;
		od_http_hdrs_unref(e);
	}
	curl_multi_cleanup(h->multi);
	while (h->socks != NULL)
		http_sock_free(h, h->socks);
	event_free(h->timer);
	free(h);
	curl_global_cleanup();
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
	if (req->url == NULL || od_http_scheme(req->url, &smtp) == -1) {
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
	post = !smtp && od_http_is_post(req);
	if (h->nidle > 0) {
		struct http_idle *i = &h->idle[--h->nidle];

		if (h->nidle < h->idle_low)
			h->idle_low = h->nidle;

		x->easy = i->easy;
		keep = post && i->prof.post &&
		    i->prof.connect_timeout_ms == opts->connect_timeout_ms &&
		    i->prof.total_timeout_ms == opts->total_timeout_ms &&
		    i->prof.tls_verify == opts->tls_verify &&
		    od_http_str_eq(i->prof.ca_file, opts->ca_file);
		if (keep)
			prof = i->prof;		/* its ca_file copy moves along */
		else {
			curl_easy_reset(x->easy);	/* options back to the defaults */
			od_http_profile_clear(&i->prof);
		}
		memset(&i->prof, 0, sizeof(i->prof));
	} else if ((x->easy = curl_easy_init()) == NULL) {
		snprintf(h->err, sizeof(h->err), "libcurl: cannot create a handle");
		http_xfer_free(x);
		return -1;
	}
	if ((rc = od_http_setup(x, req, opts, keep)) != CURLE_OK) {
		od_http_profile_clear(&prof);
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
