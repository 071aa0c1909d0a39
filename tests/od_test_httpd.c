#include "od_test_httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "od_buf.h"

#define HTTPD_POLL_MS	20

struct httpd_script {
	struct od_httpd_reply	 r;
	char			*headers, *body;
};

struct od_httpd {
	int			 smtp;
	int			 lfd;
	int			 port;
	atomic_int		 stop;
	pthread_t		 acceptor;
	pthread_mutex_t		 mu;
	struct httpd_script	*script;
	size_t			 nscript, next;
	struct od_httpd_request	**reqs;
	size_t			 nreqs;
	size_t			 nconns;
	pthread_t		*threads;
	size_t			 nthreads;
};

struct httpd_conn {
	struct od_httpd		*s;
	int			 fd;
	int			 num;
	struct od_buf		 in;
	size_t			 off;	/* consumed from in */
};

static char *
httpd_strndup(const char *p, size_t n)
{
	char	*c = malloc(n + 1);

	if (c == NULL)
		abort();
	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

static char *
httpd_strdup(const char *p)
{
	return p != NULL ? httpd_strndup(p, strlen(p)) : NULL;
}

static void
httpd_sleep(struct od_httpd *s, int ms)
{
	struct timespec	ts = { 0, HTTPD_POLL_MS * 1000000L };

	for (; ms > 0 && !atomic_load(&s->stop); ms -= HTTPD_POLL_MS)
		nanosleep(&ts, NULL);
}

/* The next script entry (a copy; its strings live as long as the server). */
static struct od_httpd_reply
httpd_next(struct od_httpd *s)
{
	struct od_httpd_reply	r = { OD_HTTPD_REPLY, 404, NULL, "no reply scripted", 0 };

	pthread_mutex_lock(&s->mu);
	if (s->nscript > 0) {
		r = s->script[s->next].r;
		if (s->next + 1 < s->nscript)
			s->next++;
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void
httpd_record(struct od_httpd *s, struct od_httpd_request *q)
{
	pthread_mutex_lock(&s->mu);
	s->reqs = realloc(s->reqs, (s->nreqs + 1) * sizeof(*s->reqs));
	if (s->reqs == NULL)
		abort();
	s->reqs[s->nreqs++] = q;
	pthread_mutex_unlock(&s->mu);
}

/* Reads more into c->in.  >0, or 0 at EOF, -1 on error or stop. */
static int
httpd_fill(struct httpd_conn *c)
{
	struct pollfd	pfd = { c->fd, POLLIN, 0 };
	char		buf[4096];
	ssize_t		n;

	for (;;) {
		if (atomic_load(&c->s->stop))
			return -1;
		if (poll(&pfd, 1, HTTPD_POLL_MS) == 1)
			break;
	}
	if ((n = recv(c->fd, buf, sizeof(buf), 0)) <= 0)
		return n == 0 ? 0 : -1;
	od_buf_append(&c->in, buf, (size_t)n);
	return 1;
}

static int
httpd_send(struct httpd_conn *c, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
httpd_sendf(struct httpd_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
httpd_sendf(struct httpd_conn *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n, rc;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	rc = httpd_send(c, p, (size_t)n);
	free(p);
	return rc;
}

/* A hard close: the peer gets an RST. */
static void
httpd_reset(struct httpd_conn *c)
{
	struct linger	l = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(c->fd);
	c->fd = -1;
}

static void
httpd_consume(struct httpd_conn *c, size_t n)
{
	c->off += n;
	if (c->off == c->in.len) {
		od_buf_reset(&c->in);
		c->off = 0;
	}
}

/* ---- HTTP ---- */

static const char *
httpd_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* Reads one request; NULL at EOF, on error or stop. */
static struct od_httpd_request *
httpd_read_request(struct httpd_conn *c)
{
	struct od_httpd_request	*q;
	const char		*p, *end, *line, *eol, *colon, *v;
	size_t			 hlen, clen = 0;

	for (;;) {
		p = c->in.data != NULL ? c->in.data + c->off : NULL;
		if (p != NULL && (end = strstr(p, "\r\n\r\n")) != NULL)
			break;
		if (httpd_fill(c) <= 0)
			return NULL;
	}
	hlen = (size_t)(end - p) + 4;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		abort();
	q->conn = c->num;
	eol = strstr(p, "\r\n");
	v = memchr(p, ' ', (size_t)(eol - p));
	q->method = httpd_strndup(p, v != NULL ? (size_t)(v - p) : 0);
	if (v != NULL) {
		const char *t = memchr(v + 1, ' ', (size_t)(eol - v - 1));

		q->target = httpd_strndup(v + 1, t != NULL ? (size_t)(t - v - 1) : 0);
	} else {
		q->target = httpd_strdup("");
	}
	for (line = eol + 2; line < end + 2; line = eol + 2) {
		eol = strstr(line, "\r\n");
		if ((colon = memchr(line, ':', (size_t)(eol - line))) == NULL)
			continue;
		q->hnames = realloc(q->hnames, (q->nheaders + 1) * sizeof(char *));
		q->hvalues = realloc(q->hvalues, (q->nheaders + 1) * sizeof(char *));
		if (q->hnames == NULL || q->hvalues == NULL)
			abort();
		for (v = colon + 1; *v == ' '; v++)
			;
		q->hnames[q->nheaders] = httpd_strndup(line, (size_t)(colon - line));
		q->hvalues[q->nheaders++] = httpd_strndup(v, (size_t)(eol - v));
	}
	if ((v = od_httpd_header(q, "Content-Length")) != NULL)
		clen = strtoul(v, NULL, 10);
	while (c->in.len - c->off < hlen + clen)
		if (httpd_fill(c) <= 0)
			clen = 0;	/* cut short: keep what came */
	q->body = httpd_strndup(c->in.data + c->off + hlen, clen);
	q->body_len = clen;
	httpd_consume(c, hlen + clen);
	return q;
}

static void
httpd_serve_http(struct httpd_conn *c)
{
	struct od_httpd_request	*q;
	struct od_httpd_reply	 r;
	const char		*body;

	while ((q = httpd_read_request(c)) != NULL) {
		httpd_record(c->s, q);
		r = httpd_next(c->s);
		httpd_sleep(c->s, r.delay_ms);
		if (atomic_load(&c->s->stop))
			return;
		body = r.body != NULL ? r.body : "";
		switch (r.action) {
		case OD_HTTPD_REPLY:
			if (httpd_sendf(c, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n%s",
			    r.status, httpd_reason(r.status), strlen(body),
			    r.headers != NULL ? r.headers : "", body) == -1)
				return;
			break;
		case OD_HTTPD_RESET:
			httpd_reset(c);
			return;
		case OD_HTTPD_CLOSE:
			return;
		case OD_HTTPD_ENDLESS:
			if (httpd_sendf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
			    "Content-Type: text/plain\r\n\r\n") == -1)
				return;
			while (!atomic_load(&c->s->stop) && httpd_sendf(c, "1\r\nx\r\n") == 0)
				httpd_sleep(c->s, 100);
			return;
		case OD_HTTPD_GARBAGE:
			httpd_sendf(c, "SSH-2.0-OpenSSH_9.2\r\nthis is not HTTP\r\n");
			return;
		}
	}
}

/* ---- SMTP ---- */

/* The next line without its CRLF (malloc'd); NULL at EOF, on error or stop. */
static char *
httpd_line(struct httpd_conn *c)
{
	const char	*p, *eol;
	char		*l;

	for (;;) {
		p = c->in.data != NULL ? c->in.data + c->off : NULL;
		if (p != NULL && (eol = strstr(p, "\r\n")) != NULL)
			break;
		if (httpd_fill(c) <= 0)
			return NULL;
	}
	l = httpd_strndup(p, (size_t)(eol - p));
	httpd_consume(c, (size_t)(eol - p) + 2);
	return l;
}

static void
httpd_append(char **dst, const char *s, const char *sep)
{
	char	*n;

	if (asprintf(&n, "%s%s%s", *dst != NULL ? *dst : "", *dst != NULL ? sep : "", s) < 0)
		abort();
	free(*dst);
	*dst = n;
}

static void
httpd_serve_smtp(struct httpd_conn *c)
{
	struct od_httpd_reply	 r = httpd_next(c->s);
	char			*l, *helo = NULL, *from = NULL, *rcpts = NULL;
	struct od_buf		 data;

	httpd_sleep(c->s, r.delay_ms);
	if (atomic_load(&c->s->stop) || httpd_sendf(c, "220 od-test ESMTP\r\n") == -1)
		return;
	while ((l = httpd_line(c)) != NULL) {
		if (strncasecmp(l, "EHLO ", 5) == 0 || strncasecmp(l, "HELO ", 5) == 0) {
			free(helo);
			helo = httpd_strdup(l + 5);
			httpd_sendf(c, l[0] == 'E' || l[0] == 'e' ?
			    "250-od-test\r\n250 8BITMIME\r\n" : "250 od-test\r\n");
		} else if (strncasecmp(l, "MAIL FROM:", 10) == 0) {
			free(from);
			from = httpd_strdup(l + 10);
			free(rcpts);
			rcpts = NULL;
			httpd_sendf(c, "250 2.1.0 ok\r\n");
		} else if (strncasecmp(l, "RCPT TO:", 8) == 0) {
			if (strncasecmp(l + 8, "<unknown", 8) == 0) {
				httpd_sendf(c, "550 5.1.1 no such user\r\n");
			} else {
				httpd_append(&rcpts, l + 8, "\n");
				httpd_sendf(c, "250 2.1.5 ok\r\n");
			}
		} else if (strcasecmp(l, "DATA") == 0) {
			struct od_httpd_request	*q;
			char			*dl;

			httpd_sendf(c, "354 end with <CRLF>.<CRLF>\r\n");
			od_buf_init(&data);
			od_buf_append(&data, "", 0);
			while ((dl = httpd_line(c)) != NULL && strcmp(dl, ".") != 0) {
				od_buf_printf(&data, "%s\r\n", dl[0] == '.' ? dl + 1 : dl);
				free(dl);
			}
			if (dl == NULL) {
				od_buf_free(&data);
				free(l);
				break;
			}
			free(dl);
			if ((q = calloc(1, sizeof(*q))) == NULL)
				abort();
			q->conn = c->num;
			q->helo = httpd_strdup(helo);
			q->mail_from = httpd_strdup(from);
			q->rcpts = httpd_strdup(rcpts != NULL ? rcpts : "");
			q->data = od_buf_steal(&data);
			httpd_record(c->s, q);
			if (r.action == OD_HTTPD_RESET) {
				httpd_reset(c);
				free(l);
				break;
			}
			httpd_sendf(c, "%d 2.0.0 queued as OD%zu\r\n", r.status ? r.status : 250,
			    od_httpd_nrequests(c->s));
		} else if (strcasecmp(l, "RSET") == 0 || strcasecmp(l, "NOOP") == 0) {
			httpd_sendf(c, "250 2.0.0 ok\r\n");
		} else if (strcasecmp(l, "QUIT") == 0) {
			httpd_sendf(c, "221 2.0.0 bye\r\n");
			free(l);
			break;
		} else {
			httpd_sendf(c, "502 5.5.2 not implemented\r\n");
		}
		free(l);
	}
	free(helo);
	free(from);
	free(rcpts);
}

static void *
httpd_conn_main(void *arg)
{
	struct httpd_conn	*c = arg;

	if (c->s->smtp)
		httpd_serve_smtp(c);
	else
		httpd_serve_http(c);
	if (c->fd != -1)
		close(c->fd);
	od_buf_free(&c->in);
	free(c);
	return NULL;
}

static void *
httpd_accept_main(void *arg)
{
	struct od_httpd		*s = arg;
	struct pollfd		 pfd = { s->lfd, POLLIN, 0 };
	struct httpd_conn	*c;
	int			 fd;

	while (!atomic_load(&s->stop)) {
		if (poll(&pfd, 1, HTTPD_POLL_MS) != 1)
			continue;
		if ((fd = accept(s->lfd, NULL, NULL)) == -1)
			continue;
		if ((c = calloc(1, sizeof(*c))) == NULL)
			abort();
		c->s = s;
		c->fd = fd;
		od_buf_init(&c->in);
		pthread_mutex_lock(&s->mu);
		c->num = (int)++s->nconns;
		s->threads = realloc(s->threads, (s->nthreads + 1) * sizeof(*s->threads));
		if (s->threads == NULL ||
		    pthread_create(&s->threads[s->nthreads], NULL, httpd_conn_main, c) != 0)
			abort();
		s->nthreads++;
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

struct od_httpd *
od_httpd_start(int smtp)
{
	struct od_httpd		*s;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 one = 1;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->smtp = smtp;
	atomic_init(&s->stop, 0);
	pthread_mutex_init(&s->mu, NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s->lfd, 16) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&sin, &len) == -1 ||
	    pthread_create(&s->acceptor, NULL, httpd_accept_main, s) != 0) {
		if (s->lfd != -1)
			close(s->lfd);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	s->port = ntohs(sin.sin_port);
	return s;
}

static void
httpd_request_free(struct od_httpd_request *q)
{
	size_t	i;

	for (i = 0; i < q->nheaders; i++) {
		free(q->hnames[i]);
		free(q->hvalues[i]);
	}
	free(q->hnames);
	free(q->hvalues);
	free(q->method);
	free(q->target);
	free(q->body);
	free(q->helo);
	free(q->mail_from);
	free(q->rcpts);
	free(q->data);
	free(q);
}

void
od_httpd_stop(struct od_httpd *s)
{
	size_t	i;

	if (s == NULL)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->acceptor, NULL);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	close(s->lfd);
	for (i = 0; i < s->nreqs; i++)
		httpd_request_free(s->reqs[i]);
	for (i = 0; i < s->nscript; i++) {
		free(s->script[i].headers);
		free(s->script[i].body);
	}
	free(s->script);
	free(s->reqs);
	free(s->threads);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int
od_httpd_port(const struct od_httpd *s)
{
	return s->port;
}

void
od_httpd_script(struct od_httpd *s, const struct od_httpd_reply *r)
{
	struct httpd_script	*e;

	pthread_mutex_lock(&s->mu);
	s->script = realloc(s->script, (s->nscript + 1) * sizeof(*s->script));
	if (s->script == NULL)
		abort();
	e = &s->script[s->nscript++];
	e->r = *r;
	e->r.headers = e->headers = httpd_strdup(r->headers);
	e->r.body = e->body = httpd_strdup(r->body);
	pthread_mutex_unlock(&s->mu);
}

size_t
od_httpd_nrequests(struct od_httpd *s)
{
	size_t	n;

	pthread_mutex_lock(&s->mu);
	n = s->nreqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t
od_httpd_nconnections(struct od_httpd *s)
{
	size_t	n;

	pthread_mutex_lock(&s->mu);
	n = s->nconns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const struct od_httpd_request *
od_httpd_request(struct od_httpd *s, size_t i)
{
	const struct od_httpd_request	*q = NULL;

	pthread_mutex_lock(&s->mu);
	if (i < s->nreqs)
		q = s->reqs[i];
	pthread_mutex_unlock(&s->mu);
	return q;
}

const char *
od_httpd_header(const struct od_httpd_request *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->hnames[i], name) == 0)
			return r->hvalues[i];
	return NULL;
}
