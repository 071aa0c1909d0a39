/*
 * od_http against od_test_httpd: what a gateway gets, what comes back, and
 * how each way a gateway can fail is classified.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "od_http.h"
#include "od_test_httpd.h"

/* What a callback got, copied out of the borrowed result. */
struct got {
	int			 called;
	int			 in_perform;	/* called while od_http_perform ran */
	enum od_http_error	 error;
	enum od_http_fault	 fault;
	char			 errstr[256];
	long			 status;
	char			*body;
	size_t			 body_len;
	int			 truncated;
	char			*retry_after;
	long			 retry_after_ms;
	char			*content_type;
	double			 total_s;
	int			 smtp;
};

struct fx {
	struct event_base	*base;
	struct od_http		*h;
	struct od_httpd		*srv;
	struct od_http_opts	 opts;
	struct od_request	 req;
	struct event		*watchdog;
	int			 performing;
	int			 want;		/* callbacks to wait for */
	int			 ndone;
	struct got		 got[4];
	char			 url[256];
};

static void
got_clear(struct got *g)
{
	free(g->body);
	free(g->retry_after);
	free(g->content_type);
	memset(g, 0, sizeof(*g));
}

static void
fx_done(void *arg, const struct od_http_result *r)
{
	struct fx	*f = arg;
	struct got	*g = &f->got[f->ndone < 4 ? f->ndone : 3];

	got_clear(g);
	g->called = 1;
	g->in_perform = f->performing;
	g->error = r->error;
	g->fault = r->fault;
	snprintf(g->errstr, sizeof(g->errstr), "%s", r->errstr);
	g->status = r->status;
	g->body = malloc(r->body_len + 1);
	memcpy(g->body, r->body, r->body_len + 1);
	g->body_len = r->body_len;
	g->truncated = r->body_truncated;
	g->retry_after = r->retry_after != NULL ? strdup(r->retry_after) : NULL;
	g->retry_after_ms = r->retry_after_ms;
	g->content_type = r->content_type != NULL ? strdup(r->content_type) : NULL;
	g->total_s = r->total_s;
	g->smtp = r->smtp;
	if (++f->ndone >= f->want)
		event_base_loopbreak(f->base);
}

static void
fx_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static struct fx *
fx_new(int smtp)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 err[256];

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->h = od_http_new(f->base, err, sizeof(err));
	assert_non_null(f->h);
	f->srv = od_httpd_start(smtp);
	assert_non_null(f->srv);
	od_http_opts_init(&f->opts);
	f->opts.connect_timeout_ms = 2000;
	f->opts.total_timeout_ms = 5000;
	f->opts.smtp_require_tls = 0;
	od_request_init(&f->req);
	f->watchdog = evtimer_new(f->base, fx_watchdog, f->base);
	snprintf(f->url, sizeof(f->url), "%s://127.0.0.1:%d", smtp ? "smtp" : "http",
	    od_httpd_port(f->srv));
	return f;
}

static void
fx_free(struct fx *f)
{
	size_t	i;

	od_http_free(f->h);
	od_httpd_stop(f->srv);
	od_request_clear(&f->req);
	for (i = 0; i < 4; i++)
		got_clear(&f->got[i]);
	event_free(f->watchdog);
	event_base_free(f->base);
	free(f);
}

static void
fx_set(char **dst, const char *s)
{
	free(*dst);
	*dst = strdup(s);
}

static void
fx_push(char ***v, size_t *n, const char *s)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = strdup(s);
}

static void
fx_perform(struct fx *f)
{
	f->performing = 1;
	assert_int_equal(od_http_perform(f->h, &f->req, &f->opts, fx_done, f), 0);
	f->performing = 0;
}

/* Runs the loop until want callbacks came (or 10 s passed). */
static void
fx_run(struct fx *f, int want)
{
	struct timeval	tv = { 10, 0 };

	f->want = want;
	evtimer_add(f->watchdog, &tv);
	if (f->ndone < want)
		event_base_dispatch(f->base);
	evtimer_del(f->watchdog);
	assert_int_equal(f->ndone, want);
}

static void
fx_script(struct fx *f, enum od_httpd_action action, int status, const char *headers,
    const char *body, int delay_ms)
{
	struct od_httpd_reply	r = { action, status, headers, body, delay_ms };

	od_httpd_script(f->srv, &r);
}

/* Points the request at the URL fmt makes, with body (NULL: none). */
static void __attribute__((format(printf, 3, 4)))
fx_request(struct fx *f, const char *body, const char *fmt, ...)
{
	char	url[300];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(url, sizeof(url), fmt, ap);
	va_end(ap);
	fx_set(&f->req.url, url);
	if (body != NULL)
		od_buf_puts(&f->req.body, body);
}

/* Performs the request and runs the loop until its callback came. */
static void
fx_send(struct fx *f)
{
	fx_perform(f);
	fx_run(f, f->ndone + 1);
}

/* A loopback TCP socket bound to a free port (in *sin); listening when backlog >= 0. */
static int
loopback_socket(struct sockaddr_in *sin, int backlog)
{
	socklen_t	len = sizeof(*sin);
	int		fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

static void
test_post_201_json(void **state)
{
	struct fx			*f = fx_new(0);
	const struct od_httpd_request	*q;
	static const char		 form[] = "To=%2B51987654321&From=%2B15005550006&"
					    "Body=Hola+Mar%C3%ADa%2C+su+cuota+vence+hoy";

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 201, "Content-Type: application/json; charset=utf-8\r\n"
	    "Twilio-Request-Id: RQ0123\r\n",
	    "{\"sid\":\"SM0123456789abcdef\",\"status\":\"queued\",\"num_segments\":\"1\"}", 0);
	fx_request(f, NULL, "%s/2010-04-01/Accounts/AC1/Messages.json", f->url);
	fx_set(&f->req.method, "POST");
	fx_push(&f->req.headers, &f->req.nheaders, "Content-Type: application/x-www-form-urlencoded");
	fx_push(&f->req.headers, &f->req.nheaders, "Accept: application/json");
	od_buf_puts(&f->req.body, form);
	fx_set(&f->req.user, "AC1");
	fx_set(&f->req.password, "s3cr3t");
	fx_perform(f);
	/* Copied: the request can go at once; and nothing happened yet. */
	od_request_clear(&f->req);
	assert_int_equal(f->ndone, 0);
	assert_int_equal(od_http_pending(f->h), 1);
	fx_run(f, 1);
	assert_int_equal(f->got[0].in_perform, 0);
	assert_int_equal(f->got[0].error, OD_HTTP_OK);
	assert_string_equal(f->got[0].errstr, "");
	assert_int_equal(f->got[0].status, 201);
	assert_string_equal(f->got[0].body,
	    "{\"sid\":\"SM0123456789abcdef\",\"status\":\"queued\",\"num_segments\":\"1\"}");
	assert_int_equal(f->got[0].body_len, strlen(f->got[0].body));
	assert_string_equal(f->got[0].content_type, "application/json; charset=utf-8");
	assert_null(f->got[0].retry_after);
	assert_int_equal(f->got[0].smtp, 0);
	assert_true(f->got[0].total_s > 0 && f->got[0].total_s < 5);
	assert_int_equal(od_http_pending(f->h), 0);

	assert_int_equal(od_httpd_nrequests(f->srv), 1);
	q = od_httpd_request(f->srv, 0);
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->target, "/2010-04-01/Accounts/AC1/Messages.json");
	assert_string_equal(od_httpd_header(q, "Content-Type"), "application/x-www-form-urlencoded");
	assert_string_equal(od_httpd_header(q, "Accept"), "application/json");
	assert_string_equal(od_httpd_header(q, "Authorization"), "Basic QUMxOnMzY3IzdA==");
	assert_string_equal(od_httpd_header(q, "Content-Length"), "80");
	assert_string_equal(od_httpd_header(q, "User-Agent"), "outreachd/" OD_VERSION);
	assert_null(od_httpd_header(q, "Expect"));
	assert_string_equal(q->body, form);
	fx_free(f);
}

static void
test_keepalive_reuses_connection(void **state)
{
	struct fx			*f = fx_new(0);
	const struct od_httpd_request	*q;

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 200, "Content-Type: text/plain\r\n", "0: Accepted for delivery", 0);
	fx_request(f, NULL, "%s/cgi-bin/sendsms?username=od&to=%%2B51987654321&text=Hola", f->url);
	fx_set(&f->req.method, "GET");
	fx_send(f);
	fx_send(f);
	assert_int_equal(f->got[0].status, 200);
	assert_int_equal(f->got[1].status, 200);
	assert_string_equal(f->got[1].body, "0: Accepted for delivery");
	assert_int_equal(od_httpd_nrequests(f->srv), 2);
	assert_int_equal(od_httpd_nconnections(f->srv), 1);
	q = od_httpd_request(f->srv, 1);
	assert_int_equal(q->conn, 1);
	assert_string_equal(q->method, "GET");
	assert_string_equal(q->target, "/cgi-bin/sendsms?username=od&to=%2B51987654321&text=Hola");
	assert_int_equal(q->body_len, 0);
	fx_free(f);
}

static void
test_connect_refused(void **state)
{
	struct fx		*f = fx_new(0);
	struct sockaddr_in	 sin;
	int			 fd;

	(void)state;
	/* Bound, never listening: a connection attempt is refused. */
	fd = loopback_socket(&sin, -1);
	fx_request(f, "a=1", "http://127.0.0.1:%d/send", ntohs(sin.sin_port));
	fx_send(f);
	close(fd);
	assert_int_equal(f->got[0].error, OD_HTTP_CONNECT);
	assert_int_equal(f->got[0].status, 0);
	assert_non_null(strstr(f->got[0].errstr, "Failed to connect to 127.0.0.1 port"));
	assert_string_equal(od_http_error_name(f->got[0].error), "connect");
	fx_free(f);
}

static void
test_connect_timeout(void **state)
{
	struct fx		*f = fx_new(0);
	struct sockaddr_in	 sin;
	int			 lfd, fds[4], i;

	(void)state;
	/* A listener whose accept queue is full: further SYNs go unanswered. */
	lfd = loopback_socket(&sin, 0);
	for (i = 0; i < 4; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fds[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);
	fx_request(f, "a=1", "http://127.0.0.1:%d/send", ntohs(sin.sin_port));
	f->opts.connect_timeout_ms = 300;
	fx_send(f);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	close(lfd);
	/*
	 * outreachd's class of the failure, not libcurl's wording (and no upper
	 * bound on the time: a loaded machine may take longer than 300 ms).
	 */
	print_message("# %s (%.3f s)\n", f->got[0].errstr, f->got[0].total_s);
	assert_int_equal(f->got[0].error, OD_HTTP_CONNECT);
	assert_int_equal(f->got[0].fault, OD_HTTP_FAULT_REMOTE);
	assert_int_equal(f->got[0].status, 0);
	fx_free(f);
}

static void
test_slow_reply_times_out_after_send(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 201, NULL, "{\"sid\":\"SMlate\"}", 3000);
	fx_request(f, "{\"to\":\"51987654321\"}", "%s/messages", f->url);
	f->opts.total_timeout_ms = 300;
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_SENT_NO_REPLY);
	assert_int_equal(f->got[0].status, 0);
	assert_non_null(strstr(f->got[0].errstr, "timed out"));
	assert_true(f->got[0].total_s >= 0.29 && f->got[0].total_s < 2.0);
	/* It did reach the gateway: that is why the outcome is unknown. */
	assert_int_equal(od_httpd_nrequests(f->srv), 1);
	assert_string_equal(od_httpd_request(f->srv, 0)->body, "{\"to\":\"51987654321\"}");
	fx_free(f);
}

static void
test_reset_after_request(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_script(f, OD_HTTPD_RESET, 0, NULL, NULL, 0);
	fx_request(f, "x=1", "%s/messages", f->url);
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_SENT_NO_REPLY);
	assert_string_equal(f->got[0].errstr, "Recv failure: Connection reset by peer");
	assert_int_equal(od_httpd_nrequests(f->srv), 1);
	fx_free(f);
}

static void
test_closed_without_reply(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_script(f, OD_HTTPD_CLOSE, 0, NULL, NULL, 0);
	fx_request(f, "x=1", "%s/messages", f->url);
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_SENT_NO_REPLY);
	assert_string_equal(f->got[0].errstr, "Empty reply from server");
	fx_free(f);
}

static void
test_endless_reply_times_out(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_script(f, OD_HTTPD_ENDLESS, 0, NULL, NULL, 0);
	fx_request(f, "x=1", "%s/messages", f->url);
	f->opts.total_timeout_ms = 400;
	fx_send(f);
	/* The status line came; the reply never ended: no verdict. */
	assert_int_equal(f->got[0].error, OD_HTTP_SENT_NO_REPLY);
	assert_int_equal(f->got[0].status, 0);
	assert_non_null(strstr(f->got[0].errstr, "Operation timed out after"));
	fx_free(f);
}

static void
test_garbage_reply(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_script(f, OD_HTTPD_GARBAGE, 0, NULL, NULL, 0);
	fx_request(f, "x=1", "%s/messages", f->url);
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_SENT_NO_REPLY);
	assert_int_equal(f->got[0].status, 0);
	fx_free(f);
}

static void
test_tls_handshake_unanswered(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	/* A plain-HTTP peer never answers the ClientHello. */
	fx_request(f, "x=1", "https://127.0.0.1:%d/messages", od_httpd_port(f->srv));
	f->opts.connect_timeout_ms = 300;
	fx_send(f);
	/* Connected, nothing sent: safe to retry. */
	assert_int_equal(f->got[0].error, OD_HTTP_TIMEOUT_BEFORE_SEND);
	assert_string_equal(f->got[0].errstr, "SSL connection timeout");
	assert_int_equal(od_httpd_nrequests(f->srv), 0);
	fx_free(f);
}

static void
test_429_retry_after(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 429, "Retry-After: 7\r\nContent-Type: application/json\r\n",
	    "{\"code\":20429,\"message\":\"Too Many Requests\"}", 0);
	fx_request(f, "x=1", "%s/messages", f->url);
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_OK);
	assert_int_equal(f->got[0].status, 429);
	assert_string_equal(f->got[0].retry_after, "7");
	assert_int_equal(f->got[0].retry_after_ms, 7000);
	assert_string_equal(f->got[0].content_type, "application/json");
	assert_string_equal(f->got[0].body, "{\"code\":20429,\"message\":\"Too Many Requests\"}");
	fx_free(f);
}

/*
 * An HTTP-date: libcurl (CURLINFO_RETRY_AFTER) counts it from its own
 * clock, the wall's, so the date is made from it: an hour ahead.
 */
static void
test_429_retry_after_date(void **state)
{
	struct fx	*f = fx_new(0);
	char		 hdr[128];
	time_t		 t = time(NULL) + 3600;
	struct tm	 tm;

	(void)state;
	strftime(hdr, sizeof(hdr), "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n",
	    gmtime_r(&t, &tm));
	fx_script(f, OD_HTTPD_REPLY, 429, hdr, "{}", 0);
	fx_request(f, "x=1", "%s/messages", f->url);
	fx_send(f);
	assert_int_equal(f->got[0].status, 429);
	assert_in_range(f->got[0].retry_after_ms, 3590000, 3600000);
	fx_free(f);
}

static void
test_malformed_json_and_cap(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	/* The body comes back as it came (the plugin judges it), up to max_reply. */
	fx_script(f, OD_HTTPD_REPLY, 200, "Content-Type: application/json\r\n",
	    "{\"messages\":[{\"id\":", 0);
	fx_script(f, OD_HTTPD_REPLY, 200, NULL, "0123456789abcdef", 0);
	fx_request(f, "{}", "%s/v19.0/1234/messages", f->url);
	fx_send(f);
	assert_int_equal(f->got[0].status, 200);
	assert_string_equal(f->got[0].body, "{\"messages\":[{\"id\":");
	assert_int_equal(f->got[0].truncated, 0);
	f->opts.max_reply = 10;
	fx_send(f);
	assert_int_equal(f->got[1].status, 200);
	assert_int_equal(f->got[1].body_len, 10);
	assert_string_equal(f->got[1].body, "0123456789");
	assert_int_equal(f->got[1].truncated, 1);
	assert_null(f->got[1].content_type);
	/* The connection survived the dropped bytes. */
	assert_int_equal(od_httpd_nconnections(f->srv), 1);
	fx_free(f);
}

struct ticker {
	struct event	*ev;
	int		 ticks;
	int64_t		 last_us, max_gap_us;
};

static int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
ticker_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ticker	*t = arg;
	int64_t		 now = mono_us();

	(void)fd;
	(void)what;
	if (now - t->last_us > t->max_gap_us)
		t->max_gap_us = now - t->last_us;
	t->last_us = now;
	t->ticks++;
}

static void
test_loop_never_stalls(void **state)
{
	struct fx	*f = fx_new(0);
	struct ticker	 t;
	struct timeval	 tv = { 0, 20000 };

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 200, NULL, "ok", 1000);
	fx_request(f, NULL, "%s/slow", f->url);
	memset(&t, 0, sizeof(t));
	t.ev = event_new(f->base, -1, EV_PERSIST, ticker_cb, &t);
	t.last_us = mono_us();
	event_add(t.ev, &tv);
	fx_send(f);
	event_free(t.ev);
	assert_int_equal(f->got[0].status, 200);
	assert_true(f->got[0].total_s >= 0.95);
	/*
	 * A 20 ms timer kept ticking through the second the gateway took: a
	 * blocked loop would tick once, after it.  (No tighter bound on a gap:
	 * a loaded machine may pause any process for a while.)
	 */
	assert_true(t.ticks >= 10);
	assert_true(t.max_gap_us < 900000);
	fx_free(f);
}


static const char smtp_msg[] =
    "From: Cobranzas <cobranzas@prestamos.example.pe>\r\n"
    "To: =?UTF-8?B?TWFyw61h?= <maria@example.pe>\r\n"
    "Subject: Recordatorio de pago\r\n"
    "\r\n"
    "Hola, su cuota de S/ 150.00 vence hoy.\r\n"
    ".Esta linea empieza con un punto.\r\n";

/*
 * An SMTP fixture whose server answers as scripted (action, code, after
 * delay_ms), with smtp_msg to rcpt as the request.
 */
static struct fx *
fx_smtp_new(enum od_httpd_action action, int code, int delay_ms, const char *rcpt)
{
	struct fx	*f = fx_new(1);

	fx_script(f, action, code, NULL, NULL, delay_ms);
	fx_set(&f->req.url, f->url);
	fx_set(&f->req.mail_from, "<cobranzas@prestamos.example.pe>");
	fx_push(&f->req.rcpts, &f->req.nrcpts, rcpt);
	od_buf_puts(&f->req.body, smtp_msg);
	return f;
}

static void
test_smtp_transaction(void **state)
{
	struct fx			*f = fx_smtp_new(OD_HTTPD_REPLY, 250, 0,
					    "<maria@example.pe>");
	const struct od_httpd_request	*q;

	(void)state;
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_OK);
	assert_int_equal(f->got[0].status, 250);
	assert_int_equal(f->got[0].smtp, 1);
	assert_int_equal(od_httpd_nrequests(f->srv), 1);
	q = od_httpd_request(f->srv, 0);
	assert_string_equal(q->mail_from, "<cobranzas@prestamos.example.pe>");
	assert_string_equal(q->rcpts, "<maria@example.pe>");
	assert_string_equal(q->data, smtp_msg);
	fx_free(f);
}

static void
test_smtp_rcpt_refused(void **state)
{
	struct fx	*f = fx_smtp_new(OD_HTTPD_REPLY, 250, 0, "<unknown@example.pe>");

	(void)state;
	fx_send(f);
	/* The server's verdict, for the plugin to classify. */
	assert_int_equal(f->got[0].error, OD_HTTP_OK);
	assert_int_equal(f->got[0].status, 550);
	assert_string_equal(f->got[0].errstr, "RCPT failed: 550");
	assert_int_equal(od_httpd_nrequests(f->srv), 0);
	fx_free(f);
}

static void
test_smtp_message_refused(void **state)
{
	struct fx	*f = fx_smtp_new(OD_HTTPD_REPLY, 452, 0, "<maria@example.pe>");

	(void)state;
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_OK);
	assert_int_equal(f->got[0].status, 452);
	fx_free(f);
}

static void
test_smtp_no_greeting(void **state)
{
	struct fx	*f = fx_smtp_new(OD_HTTPD_REPLY, 250, 3000, "<maria@example.pe>");

	(void)state;
	f->opts.total_timeout_ms = 300;
	fx_send(f);
	/* Connected, the message never went: safe to retry. */
	assert_int_equal(f->got[0].error, OD_HTTP_TIMEOUT_BEFORE_SEND);
	assert_non_null(strstr(f->got[0].errstr, "timed out"));
	fx_free(f);
}

static void
test_smtp_reset_after_data(void **state)
{
	struct fx	*f = fx_smtp_new(OD_HTTPD_RESET, 0, 0, "<maria@example.pe>");

	(void)state;
	fx_send(f);
	assert_int_equal(f->got[0].error, OD_HTTP_SENT_NO_REPLY);
	assert_int_equal(od_httpd_nrequests(f->srv), 1);
	fx_free(f);
}

static void
test_smtp_tls_required(void **state)
{
	struct fx	*f = fx_smtp_new(OD_HTTPD_REPLY, 250, 0, "<maria@example.pe>");

	(void)state;
	f->opts.smtp_require_tls = 1;
	fx_send(f);
	/* The server offers no STARTTLS: nothing is sent in the clear. */
	assert_int_equal(f->got[0].error, OD_HTTP_TLS);
	assert_string_equal(f->got[0].errstr, "STARTTLS not supported.");
	assert_int_equal(od_httpd_nrequests(f->srv), 0);
	fx_free(f);
}

static void
test_unsupported_url(void **state)
{
	struct fx	*f = fx_new(0);

	(void)state;
	fx_set(&f->req.url, "ftp://127.0.0.1/x");
	assert_int_equal(od_http_perform(f->h, &f->req, &f->opts, fx_done, f), -1);
	assert_string_equal(od_http_errstr(f->h),
	    "unsupported URL (http, https, smtp or smtps expected)");
	assert_int_equal(od_http_pending(f->h), 0);
	assert_int_equal(f->ndone, 0);
	fx_free(f);
}

static void
test_free_ends_pending(void **state)
{
	struct fx	*f = fx_new(0);
	int		 i;

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 200, NULL, "late", 3000);
	fx_request(f, "x=1", "%s/slow", f->url);
	fx_perform(f);
	/* Run until the server has the request. */
	for (i = 0; i < 200 && od_httpd_nrequests(f->srv) == 0; i++)
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(5000);
	assert_int_equal(od_httpd_nrequests(f->srv), 1);
	fx_perform(f);		/* never started: the loop does not run again */
	f->want = 2;
	od_http_free(f->h);
	f->h = NULL;
	assert_int_equal(f->ndone, 2);
	/* Newest first; each classified by whether it went out. */
	assert_int_equal(f->got[0].error, OD_HTTP_CONNECT);
	assert_string_equal(f->got[0].errstr, "shut down before the request was sent");
	assert_int_equal(f->got[1].error, OD_HTTP_SENT_NO_REPLY);
	assert_string_equal(f->got[1].errstr, "shut down while waiting for the reply");
	fx_free(f);
}

struct freer {
	struct fx		*f;
	int			 calls;
	enum od_http_error	 errors[2];
	char			 errstr[2][256];
};

static void
freer_done(void *arg, const struct od_http_result *r)
{
	struct freer	*fr = arg;
	int		 i = fr->calls < 2 ? fr->calls : 1;

	fr->errors[i] = r->error;
	snprintf(fr->errstr[i], sizeof(fr->errstr[i]), "%s", r->errstr);
	if (fr->calls++ == 0) {
		od_http_free(fr->f->h);	/* from inside its own callback: deferred */
		fr->f->h = NULL;
		event_base_loopbreak(fr->f->base);
	}
}

static void
test_free_from_callback(void **state)
{
	struct fx	*f = fx_new(0);
	struct freer	 fr;
	struct timeval	 tv = { 10, 0 };

	(void)state;
	memset(&fr, 0, sizeof(fr));
	fr.f = f;
	/* Two requests on two connections: one answered after 300 ms, one never in time. */
	fx_script(f, OD_HTTPD_REPLY, 200, NULL, "first", 300);
	fx_script(f, OD_HTTPD_REPLY, 200, NULL, "second", 3000);
	fx_request(f, NULL, "%s/x", f->url);
	fx_set(&f->req.method, "GET");
	assert_int_equal(od_http_perform(f->h, &f->req, &f->opts, freer_done, &fr), 0);
	assert_int_equal(od_http_perform(f->h, &f->req, &f->opts, freer_done, &fr), 0);
	evtimer_add(f->watchdog, &tv);
	event_base_dispatch(f->base);
	evtimer_del(f->watchdog);
	/* The first callback freed h; the other transfer was ended on the way out. */
	assert_int_equal(fr.calls, 2);
	assert_int_equal(fr.errors[0], OD_HTTP_OK);
	assert_int_equal(fr.errors[1], OD_HTTP_SENT_NO_REPLY);
	assert_string_equal(fr.errstr[1], "shut down while waiting for the reply");
	assert_null(f->h);
	fx_free(f);
}

/*
 * No descriptor left for the socket (RLIMIT_NOFILE squeezed to what is
 * open): a failure of this host, reported apart (fault local, the reason
 * "local_fd_exhausted: ..."), that never counts against the gateway.
 */
static void
test_local_fd_exhausted(void **state)
{
	struct fx		*f = fx_new(0);
	struct od_http_result	 r;
	struct rlimit		 saved, low;
	int			 lowest;

	(void)state;
	fx_script(f, OD_HTTPD_REPLY, 200, NULL, "ok", 0);
	fx_request(f, "a=1", "http://127.0.0.1:%d/send", od_httpd_port(f->srv));
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	lowest = dup(0);	/* every descriptor below it is in use */
	assert_true(lowest >= 0);
	close(lowest);
	low = saved;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	fx_send(f);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(f->got[0].error, OD_HTTP_CONNECT);
	assert_int_equal(f->got[0].fault, OD_HTTP_FAULT_LOCAL);
	assert_string_equal(od_http_fault_name(f->got[0].fault), "local");
	assert_string_equal(f->got[0].errstr,
	    "local_fd_exhausted: cannot create a socket: Too many open files");
	memset(&r, 0, sizeof(r));
	r.error = f->got[0].error;
	r.fault = f->got[0].fault;
	assert_int_equal(od_http_gateway_failed(&r), -1);

	/* Descriptors back: the same request goes through. */
	fx_send(f);
	assert_int_equal(f->got[1].error, OD_HTTP_OK);
	assert_int_equal(f->got[1].fault, OD_HTTP_FAULT_NONE);
	assert_int_equal(f->got[1].status, 200);
	fx_free(f);
}

/* A refused connection is the peer's: fault remote, counted against the gateway. */
static void
test_refused_is_remote(void **state)
{
	struct fx		*f = fx_new(0);
	struct sockaddr_in	 sin;
	int			 fd;

	(void)state;
	fd = loopback_socket(&sin, -1);
	fx_request(f, "a=1", "http://127.0.0.1:%d/send", ntohs(sin.sin_port));
	fx_send(f);
	close(fd);
	assert_int_equal(f->got[0].error, OD_HTTP_CONNECT);
	assert_int_equal(f->got[0].fault, OD_HTTP_FAULT_REMOTE);
	fx_free(f);
}

static void
test_gateway_failed(void **state)
{
	struct od_http_result	r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = 503;
	assert_int_equal(od_http_gateway_failed(&r), 1);
	r.status = 429;
	assert_int_equal(od_http_gateway_failed(&r), 0);
	r.status = 0;
	r.error = OD_HTTP_CONNECT;
	assert_int_equal(od_http_gateway_failed(&r), 1);
	r.error = OD_HTTP_OK;
	r.smtp = 1;
	r.status = 421;
	assert_int_equal(od_http_gateway_failed(&r), 1);
	r.status = 550;
	assert_int_equal(od_http_gateway_failed(&r), 0);
	r.smtp = 0;
	r.error = OD_HTTP_CONNECT;
	r.status = 0;
	r.fault = OD_HTTP_FAULT_LOCAL;		/* no socket could be made here */
	assert_int_equal(od_http_gateway_failed(&r), -1);
	r.fault = OD_HTTP_FAULT_REMOTE;
	assert_int_equal(od_http_gateway_failed(&r), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_201_json),
		cmocka_unit_test(test_keepalive_reuses_connection),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_slow_reply_times_out_after_send),
		cmocka_unit_test(test_reset_after_request),
		cmocka_unit_test(test_closed_without_reply),
		cmocka_unit_test(test_endless_reply_times_out),
		cmocka_unit_test(test_garbage_reply),
		cmocka_unit_test(test_tls_handshake_unanswered),
		cmocka_unit_test(test_429_retry_after),
		cmocka_unit_test(test_429_retry_after_date),
		cmocka_unit_test(test_malformed_json_and_cap),
		cmocka_unit_test(test_loop_never_stalls),
		cmocka_unit_test(test_smtp_transaction),
		cmocka_unit_test(test_smtp_rcpt_refused),
		cmocka_unit_test(test_smtp_message_refused),
		cmocka_unit_test(test_smtp_no_greeting),
		cmocka_unit_test(test_smtp_reset_after_data),
		cmocka_unit_test(test_smtp_tls_required),
		cmocka_unit_test(test_unsupported_url),
		cmocka_unit_test(test_free_ends_pending),
		cmocka_unit_test(test_free_from_callback),
		cmocka_unit_test(test_local_fd_exhausted),
		cmocka_unit_test(test_refused_is_remote),
		cmocka_unit_test(test_gateway_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
