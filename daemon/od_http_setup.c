/*
 * od_http_setup.c: a request put on a libcurl easy handle (URL, method,
 * headers from a small cache, body through a read callback that refuses to
 * rewind, timeouts, TLS, SMTP envelope), and the callbacks libcurl reads
 * and writes through.  The transfers themselves: od_http.c.
 */
#include "od_http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "od_codec.h"

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

/*
 * CURLOPT_OPENSOCKETFUNCTION: the socket libcurl would make, but a failure
 * for want of descriptors or memory here is noted, so that it is reported
 * as this host's (OD_HTTP_FAULT_LOCAL), not the gateway's.
 */
static curl_socket_t
http_open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct http_xfer	*x = arg;
	curl_socket_t		 fd;

	(void)purpose;
	fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
	if (fd != CURL_SOCKET_BAD) {
		x->sock_errno = 0;
		return fd;
	}
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
		x->sock_errno = errno;
	return CURL_SOCKET_BAD;
}

void
od_http_profile_clear(struct http_profile *p)
{
	free(p->ca_file);
	memset(p, 0, sizeof(*p));
}

void
od_http_hdrs_unref(struct http_hdrs *e)
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

int
od_http_scheme(const char *url, int *smtp)
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
	static const char pre[] = "Authorization: Basic ";
	size_t		 ul = strlen(user), pl = password ? strlen(password) : 0;
	size_t		 n = ul + 1 + pl;
	char		*in, *out;

	if ((in = malloc(n)) == NULL)
		return NULL;
	memcpy(in, user, ul);
	in[ul] = ':';
	if (pl > 0)
		memcpy(in + ul + 1, password, pl);
	if ((out = malloc(sizeof(pre) - 1 + OD_CODEC_BASE64_SIZE(n))) == NULL ||
	    od_codec_base64(out + sizeof(pre) - 1, in, n) < 0) {
		explicit_bzero(in, n);
		free(in);
		free(out);
		return NULL;
	}
	memcpy(out, pre, sizeof(pre) - 1);
	explicit_bzero(in, n);
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

int
od_http_str_eq(const char *a, const char *b)
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
		if (e->nsrc != req->nheaders || !od_http_str_eq(e->user, req->user) ||
		    !od_http_str_eq(e->password, req->password))
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
		od_http_hdrs_unref(*pp);
		*pp = NULL;
		h->nhdrs--;
	}
	return e;
fail:
	od_http_hdrs_unref(e);
	return NULL;
}

/* Whether req is an HTTP POST (the method, or none with a body). */
int
od_http_is_post(const struct od_request *req)
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

CURLcode
od_http_setup(struct http_xfer *x, const struct od_request *req, const struct od_http_opts *o,
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
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	if (keep)
		return rc == CURLE_OK ? http_setup_http(x, req, 1) : rc;
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, http_open_cb);
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
