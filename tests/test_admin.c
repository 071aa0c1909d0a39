/*
 * od_admin: the admin server on a free loopback port, spoken to with a
 * tiny HTTP client over a socket while the libevent loop turns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "od_admin.h"
#include "od_buf.h"
#include "od_metrics.h"

struct reply {
	int	 status;
	char	 head[2048];	/* status line and headers */
	char	*body;		/* malloc'd */
};

/*
 * Sends request (a whole HTTP request) to 127.0.0.1:port and reads the
 * reply to EOF, turning the loop in between.
 */
static void
http_exchange(struct event_base *base, int port, const char *request, struct reply *r)
{
	struct sockaddr_in	 sa;
	struct od_buf		 in;
	struct timespec		 t0, t;
	char			 chunk[4096], *sep;
	ssize_t			 n;
	int			 fd;

	memset(r, 0, sizeof(*r));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, request, strlen(request), 0), (ssize_t)strlen(request));
	od_buf_init(&in);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0) {
			od_buf_append(&in, chunk, (size_t)n);
			continue;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &t);
		assert_true(t.tv_sec - t0.tv_sec < 10);
		usleep(1000);
	}
	close(fd);
	od_buf_putc(&in, '\0');
	sep = strstr(in.data, "\r\n\r\n");
	assert_non_null(sep);
	*sep = '\0';
	snprintf(r->head, sizeof(r->head), "%s", in.data);
	r->body = strdup(sep + 4);
	assert_int_equal(sscanf(in.data, "HTTP/1.%*d %d", &r->status), 1);
	od_buf_free(&in);
}

static void
http_get(struct event_base *base, int port, const char *path, const char *auth, struct reply *r)
{
	char	req[1024];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "%s%s%s\r\n", path, auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
	http_exchange(base, port, req, r);
}

/* The value of a header in the reply, or NULL. */
static const char *
reply_header(const struct reply *r, const char *name, char *buf, size_t len)
{
	const char	*p = r->head;
	size_t		 nl = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char	*v = p + nl + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(buf, len, "%.*s", (int)(e ? (size_t)(e - v) : strlen(v)), v);
			return buf;
		}
	}
	return NULL;
}

/* --- the exposition format, line by line ------------------------------ */

static int
is_name(const char **p, int colon)
{
	const char	*s = *p;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
	    (colon && *s == ':')))
		return 0;
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
	    (*s >= '0' && *s <= '9') || (colon && *s == ':'))
		s++;
	*p = s;
	return 1;
}

static int
is_value(const char *s)
{
	char	*end;

	if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0)
		return 1;
	if (*s == '\0' || strpbrk(s, "iInN") != NULL)	/* no "inf"/"nan" spellings */
		return 0;
	strtod(s, &end);
	return *end == '\0';
}

/*
 * NULL when line is a valid line of text format 0.0.4 (a HELP, a TYPE, or
 * a sample of the family last TYPEd); else what is wrong.  family: the
 * name and type of the last TYPE line.
 */
static const char *
check_line(const char *line, char *family, size_t flen, char *type, size_t tlen)
{
	const char	*p = line, *start;
	char		 name[256];

	if (strncmp(line, "# HELP ", 7) == 0) {
		p += 7;
		if (!is_name(&p, 1) || *p != ' ')
			return "bad HELP name";
		for (p++; *p != '\0'; p++)
			if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
				return "bad escape in HELP";
			else if (*p == '\\')
				p++;
		return NULL;
	}
	if (strncmp(line, "# TYPE ", 7) == 0) {
		p += 7;
		start = p;
		if (!is_name(&p, 1) || *p != ' ')
			return "bad TYPE name";
		snprintf(family, flen, "%.*s", (int)(p - start), start);
		p++;
		if (strcmp(p, "counter") != 0 && strcmp(p, "gauge") != 0 &&
		    strcmp(p, "histogram") != 0 && strcmp(p, "summary") != 0 &&
		    strcmp(p, "untyped") != 0)
			return "bad TYPE";
		snprintf(type, tlen, "%s", p);
		return NULL;
	}
	if (line[0] == '#')
		return "comment other than HELP or TYPE";
	start = p;
	if (!is_name(&p, 1))
		return "bad metric name";
	snprintf(name, sizeof(name), "%.*s", (int)(p - start), start);
	if (strcmp(type, "histogram") == 0) {
		size_t	fl = strlen(family);

		if (strncmp(name, family, fl) != 0 || (strcmp(name + fl, "_bucket") != 0 &&
		    strcmp(name + fl, "_sum") != 0 && strcmp(name + fl, "_count") != 0))
			return "histogram sample of another family";
	} else if (strcmp(name, family) != 0)
		return "sample of another family";
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (!is_name(&p, 0) || *p++ != '=' || *p++ != '"')
				return "bad label";
			while (*p != '"') {
				if (*p == '\0' || *p == '\n')
					return "unterminated label value";
				if (*p == '\\') {
					if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
						return "bad escape in label value";
					p++;
				}
				p++;
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return "bad label separator";
		}
		p++;
	}
	if (*p++ != ' ')
		return "no space before the value";
	{
		char	value[64];
		const char *sp = strchr(p, ' ');

		snprintf(value, sizeof(value), "%.*s", (int)(sp ? (size_t)(sp - p) : strlen(p)), p);
		if (!is_value(value))
			return "bad value";
		if (sp != NULL) {	/* an optional timestamp: an integer */
			for (sp++; *sp != '\0'; sp++)
				if ((*sp < '0' || *sp > '9') && *sp != '-')
					return "bad timestamp";
		}
	}
	return NULL;
}

/* Every line of text is valid; returns how many samples. */
static int
check_exposition(const char *text)
{
	char		*copy = strdup(text), *line, *save = NULL;
	char		 family[256] = "", type[32] = "";
	const char	*why;
	int		 samples = 0;

	assert_true(text[0] == '\0' || text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		why = check_line(line, family, sizeof(family), type, sizeof(type));
		if (why != NULL)
			fail_msg("%s: \"%s\"", why, line);
		if (line[0] != '#')
			samples++;
	}
	free(copy);
	return samples;
}

/* --- the tests -------------------------------------------------------- */

struct fixture {
	struct event_base	*base;
	struct od_metrics	*metrics;
	struct od_metrics_std	 std;
	struct od_admin		*admin;
	int			 ready;
	int			 collected;
};

static int
ready_cb(void *arg, char *why, size_t len)
{
	struct fixture	*f = arg;

	if (!f->ready)
		snprintf(why, len, "redis disconnected");
	return f->ready;
}

static void
collect_cb(void *arg, struct od_metrics *m)
{
	struct fixture	*f = arg;

	f->collected++;
	od_metric_set(od_metrics_find(m, OD_METRIC_QUEUE_DUE), NULL, 42);
}

static struct fixture *
fixture_new_with(const char *token, int max_connections, long long request_timeout_ms,
    int fd_reserve, long long evict_after_ms)
{
	struct fixture		*f = calloc(1, sizeof(*f));
	struct od_admin_config	 cfg;
	char			 err[256];

	assert_non_null(f);
	f->base = event_base_new();
	f->metrics = od_metrics_new();
	assert_int_equal(od_metrics_register_std(f->metrics, &f->std), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.port = 0;
	cfg.token = token;
	cfg.max_connections = max_connections;
	cfg.request_timeout_ms = request_timeout_ms;
	cfg.fd_reserve = fd_reserve;
	cfg.evict_after_ms = evict_after_ms;
	cfg.metrics = f->metrics;
	cfg.ready = ready_cb;
	cfg.collect = collect_cb;
	cfg.arg = f;
	f->admin = od_admin_new(f->base, &cfg, err, sizeof(err));
	if (f->admin == NULL)
		fail_msg("%s", err);
	assert_true(od_admin_port(f->admin) > 0);
	return f;
}

static struct fixture *
fixture_new(const char *token)
{
	return fixture_new_with(token, 0, 0, 0, 0);
}

static void
fixture_free(struct fixture *f)
{
	od_admin_free(f->admin);
	od_metrics_free(f->metrics);
	event_base_free(f->base);
	free(f);
}

static void
test_healthz_readyz(void **state)
{
	struct fixture	*f = fixture_new(NULL);
	struct reply	 r;
	char		 h[128];
	int		 port = od_admin_port(f->admin);

	(void)state;
	http_get(f->base, port, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	assert_string_equal(reply_header(&r, "Content-Type", h, sizeof(h)),
	    "text/plain; charset=utf-8");
	free(r.body);

	http_get(f->base, port, "/readyz", NULL, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "not ready: redis disconnected\n");
	free(r.body);

	f->ready = 1;
	http_get(f->base, port, "/readyz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	free(r.body);

	http_get(f->base, port, "/healthz?verbose=1", NULL, &r);	/* a query is ignored */
	assert_int_equal(r.status, 200);
	free(r.body);
	fixture_free(f);
}

static void
test_metrics_exposition(void **state)
{
	struct fixture	*f = fixture_new(NULL);
	struct reply	 r;
	char		 h[128];
	int		 port = od_admin_port(f->admin);

	(void)state;
	od_metric_inc(f->std.attempts, OD_LABELS("sms", "twilio", "accepted"), 5);
	od_metric_inc(f->std.attempts, OD_LABELS("email", "smtp", "failed"), 1);
	od_metric_inc(f->std.suppressions, OD_LABELS("quiet \"hours\"\\\nPE"), 1);
	od_metric_observe(f->std.gateway_latency, OD_LABELS("twilio"), 0.2);
	od_metric_set(f->std.breaker_state, OD_LABELS("twilio"), OD_METRIC_BREAKER_HALF_OPEN);
	od_metric_inc(f->std.reloads, OD_LABELS("failed"), 1);

	http_get(f->base, port, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(reply_header(&r, "Content-Type", h, sizeof(h)),
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_int_equal(f->collected, 1);
	/* 2 attempts + 1 suppression + due + inflight + rejected + 13 buckets, sum, count
	 * + breaker + reload + the admin port's connections, drops, accept errors and
	 * evictions + the unlabelled gauges completions_unstored and redis_durable = 29
	 * samples, every line well-formed. */
	assert_int_equal(check_exposition(r.body), 29);
	assert_non_null(strstr(r.body, "\noutreachd_admin_connections 1\n"));	/* this one */
	assert_non_null(strstr(r.body,
	    "outreachd_attempts_total{channel=\"sms\",gateway=\"twilio\",status=\"accepted\"} 5\n"));
	assert_non_null(strstr(r.body,
	    "outreachd_suppressions_total{reason=\"quiet \\\"hours\\\"\\\\\\nPE\"} 1\n"));
	assert_non_null(strstr(r.body, "\noutreachd_queue_due 42\n"));	/* from collect */
	assert_non_null(strstr(r.body,
	    "outreachd_gateway_latency_seconds_bucket{gateway=\"twilio\",le=\"0.25\"} 1\n"));
	assert_non_null(strstr(r.body, "outreachd_breaker_state{gateway=\"twilio\"} 1\n"));
	free(r.body);
	fixture_free(f);
}

static void
test_bearer_token(void **state)
{
	struct fixture	*f = fixture_new("s3cret-token");
	struct reply	 r;
	char		 h[128];
	int		 port = od_admin_port(f->admin);

	(void)state;
	http_get(f->base, port, "/metrics", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(reply_header(&r, "WWW-Authenticate", h, sizeof(h)),
	    "Bearer realm=\"outreachd\"");
	assert_string_equal(r.body, "unauthorized\n");
	free(r.body);
	assert_int_equal(f->collected, 0);

	http_get(f->base, port, "/metrics", "Bearer wrong-token", &r);
	assert_int_equal(r.status, 401);
	free(r.body);
	http_get(f->base, port, "/metrics", "Bearer s3cret-toke", &r);	/* a prefix */
	assert_int_equal(r.status, 401);
	free(r.body);
	http_get(f->base, port, "/metrics", "Basic s3cret-token", &r);
	assert_int_equal(r.status, 401);
	free(r.body);
	http_get(f->base, port, "/healthz", NULL, &r);
	assert_int_equal(r.status, 401);
	free(r.body);

	http_get(f->base, port, "/metrics", "Bearer s3cret-token", &r);
	assert_int_equal(r.status, 200);
	assert_true(check_exposition(r.body) > 0);
	free(r.body);
	http_get(f->base, port, "/healthz", "bearer s3cret-token", &r);	/* scheme: any case */
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	free(r.body);
	fixture_free(f);
}

static void
test_methods_and_paths(void **state)
{
	struct fixture	*f = fixture_new(NULL);
	struct reply	 r;
	char		 h[128];
	int		 port = od_admin_port(f->admin);

	(void)state;
	http_get(f->base, port, "/", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "not found: try /healthz, /readyz, /metrics\n");
	free(r.body);

	http_exchange(f->base, port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n", &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(reply_header(&r, "Allow", h, sizeof(h)), "GET, HEAD");
	free(r.body);

	http_exchange(f->base, port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "");
	assert_true(atoi(reply_header(&r, "Content-Length", h, sizeof(h))) > 1000);
	free(r.body);
	fixture_free(f);
}

static void
test_bind_errors(void **state)
{
	struct event_base	*base = event_base_new();
	struct od_admin_config	 cfg;
	struct od_admin		*a, *b;
	char			 err[256], want[128];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	a = od_admin_new(base, &cfg, err, sizeof(err));
	assert_non_null(a);
	/* The same port again is taken. */
	cfg.port = od_admin_port(a);
	b = od_admin_new(base, &cfg, err, sizeof(err));
	assert_null(b);
	snprintf(want, sizeof(want), "admin: cannot listen on 127.0.0.1:%d: Address already in use",
	    cfg.port);
	assert_string_equal(err, want);
	cfg.port = 70000;
	assert_null(od_admin_new(base, &cfg, err, sizeof(err)));
	assert_string_equal(err, "admin: bad arguments");
	od_admin_free(a);
	od_admin_free(NULL);
	event_base_free(base);
}


/* --- the admin port under load: cap, deadline, accept errors, reserve --- */

static long long
mono_ms(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Turns the loop for about ms milliseconds. */
static void
pump(struct event_base *base, int ms)
{
	long long	end = mono_ms() + ms;

	do {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	} while (mono_ms() < end);
}

/* A connected, non-blocking client socket to the admin port. */
static int
client_connect(int port)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/*
 * Reads what fd gets while the loop turns, until EOF (returns 1), until want
 * bytes came (want > 0; returns 0), or until a generous deadline fails the
 * test.  out gets the bytes, NUL-terminated.
 */
static int
client_read(struct event_base *base, int fd, size_t want, struct od_buf *out)
{
	long long	end = mono_ms() + 20000;
	char		chunk[4096];
	ssize_t		n;

	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n > 0) {
			od_buf_append(out, chunk, (size_t)n);
			if (want > 0 && out->len >= want)
				return 0;
			continue;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		if (mono_ms() > end)
			fail_msg("no reply and no EOF in 20 s (%zu bytes so far)", out->len);
		usleep(1000);
	}
	od_buf_putc(out, '\0');
	out->len--;
	return 1;
}

/* Turns the loop until the server holds n connections (generous deadline). */
static void
wait_connections(struct fixture *f, int n)
{
	long long	end = mono_ms() + 20000;

	while (od_admin_connections(f->admin) != n) {
		if (mono_ms() > end)
			fail_msg("%d admin connections, %d expected", od_admin_connections(f->admin), n);
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

static double
metric_value(struct fixture *f, const char *name, const char *const *labels)
{
	double	v = 0;

	if (od_metric_value(od_metrics_find(f->metrics, name), labels, &v) != 1)
		return 0;
	return v;
}

static const char keepalive_get[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/* One keep-alive GET /healthz on fd: the whole answer, 200 "ok\n". */
static void
client_healthz(struct fixture *f, int fd)
{
	struct od_buf	in;

	od_buf_init(&in);
	assert_int_equal(send(fd, keepalive_get, strlen(keepalive_get), MSG_NOSIGNAL),
	    (ssize_t)strlen(keepalive_get));
	/* the answer ends with its 3-byte body */
	while (in.len < 4 || in.data == NULL || strstr(in.data, "\r\n\r\nok\n") == NULL) {
		if (client_read(f->base, fd, in.len + 1, &in) == 1)
			fail_msg("EOF on a kept-alive connection after %zu bytes (%d open)", in.len, od_admin_connections(f->admin));
		od_buf_putc(&in, '\0');
		in.len--;
	}
	assert_true(strncmp(in.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
	od_buf_free(&in);
}

static void
test_cap_answers_busy(void **state)
{
	struct fixture	*f = fixture_new_with(NULL, 3, 0, 0, -1);	/* no eviction */
	struct od_buf	 in;
	struct reply	 r;
	int		 port = od_admin_port(f->admin), held[3], extra, i;

	(void)state;
	assert_int_equal(od_admin_max_connections(f->admin), 3);
	for (i = 0; i < 3; i++)
		held[i] = client_connect(port);
	wait_connections(f, 3);

	/* The fourth gets the fixed 503 and EOF, without sending a byte. */
	extra = client_connect(port);
	od_buf_init(&in);
	assert_int_equal(client_read(f->base, extra, 0, &in), 1);
	assert_string_equal(in.data, OD_ADMIN_BUSY_REPLY);
	assert_string_equal(in.data, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
	    "Connection: close\r\nRetry-After: 1\r\n\r\n");
	od_buf_free(&in);
	close(extra);
	assert_true(metric_value(f, OD_METRIC_ADMIN_REFUSED, OD_LABELS("full")) == 1);

	/* A full request on a refused connection is not served either. */
	extra = client_connect(port);
	assert_int_equal(send(extra, keepalive_get, strlen(keepalive_get), MSG_NOSIGNAL),
	    (ssize_t)strlen(keepalive_get));
	od_buf_init(&in);
	client_read(f->base, extra, 0, &in);
	assert_true(strncmp(in.data, "HTTP/1.1 503 ", 13) == 0);
	od_buf_free(&in);
	close(extra);
	assert_true(metric_value(f, OD_METRIC_ADMIN_REFUSED, OD_LABELS("full")) == 2);

	/* The clients leave: the count goes back to 0, and a request works again. */
	for (i = 0; i < 3; i++)
		close(held[i]);
	wait_connections(f, 0);
	assert_true(metric_value(f, OD_METRIC_ADMIN_CONNECTIONS, NULL) == 0);
	http_get(f->base, port, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	free(r.body);
	wait_connections(f, 0);
	fixture_free(f);
}

/*
 * Full of slow clients that send nothing: a newcomer takes the place of
 * the one that has waited longest (at least evict_after), so /healthz and
 * the providers still get in during a flood; that one gets the 503.
 */
static void
test_full_evicts_oldest(void **state)
{
	struct fixture	*f = fixture_new_with(NULL, 3, 0, 0, 300);
	struct od_buf	 in;
	struct reply	 r;
	int		 port = od_admin_port(f->admin), held[3], i;

	(void)state;
	for (i = 0; i < 3; i++) {
		held[i] = client_connect(port);
		wait_connections(f, i + 1);
		pump(f->base, 20);	/* held[0] is the oldest */
	}
	pump(f->base, 400);		/* all have waited past evict_after */
	http_get(f->base, port, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	free(r.body);
	assert_true(metric_value(f, OD_METRIC_ADMIN_EVICTED, NULL) == 1);
	assert_true(metric_value(f, OD_METRIC_ADMIN_REFUSED, OD_LABELS("full")) == 0);
	/* the oldest was shut, with the 503; the two younger are still open */
	od_buf_init(&in);
	assert_int_equal(client_read(f->base, held[0], 0, &in), 1);
	assert_string_equal(in.data, OD_ADMIN_BUSY_REPLY);
	od_buf_free(&in);
	client_healthz(f, held[1]);
	client_healthz(f, held[2]);
	for (i = 0; i < 3; i++)
		close(held[i]);
	wait_connections(f, 0);
	fixture_free(f);
}

/*
 * A slowloris client: one header byte every 200 ms, never ending its
 * headers.  The 1 s deadline is for the whole request: it is dropped long
 * before its 25 bytes (5 s) are out, though every byte came well within
 * evhttp's per-read timeout.
 */
static void
test_slow_request_dropped(void **state)
{
	struct fixture	*f = fixture_new_with(NULL, 0, 1000, 0, 0);
	const char	 start[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
	struct od_buf	 in;
	char		 c;
	ssize_t		 n;
	int		 fd, sent = 0, dropped = 0, i;

	(void)state;
	fd = client_connect(od_admin_port(f->admin));
	assert_int_equal(send(fd, start, strlen(start), MSG_NOSIGNAL), (ssize_t)strlen(start));
	for (i = 0; i < 25 && !dropped; i++) {
		pump(f->base, 200);
		n = recv(fd, &c, 1, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			dropped = 1;
			break;
		}
		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
			dropped = 1;
			break;
		}
		sent++;
	}
	assert_true(dropped);
	assert_true(sent < 25);
	close(fd);
	wait_connections(f, 0);
	assert_true(metric_value(f, OD_METRIC_ADMIN_DROPPED, NULL) == 1);

	/* Nothing was answered to it; a prompt request still is. */
	fd = client_connect(od_admin_port(f->admin));
	client_healthz(f, fd);
	close(fd);
	od_buf_init(&in);
	od_buf_free(&in);
	wait_connections(f, 0);
	fixture_free(f);
}

/*
 * Keep-alive: each answered request starts a new 1 s deadline, so three
 * requests 600 ms apart (1.2 s in all) are served on one connection; left
 * idle after that, it is dropped.
 */
static void
test_keepalive_deadline(void **state)
{
	struct fixture	*f = fixture_new_with(NULL, 0, 1000, 0, 0);
	struct od_buf	 in;
	int		 fd, i;

	(void)state;
	fd = client_connect(od_admin_port(f->admin));
	for (i = 0; i < 3; i++) {
		if (i > 0)
			pump(f->base, 600);
		client_healthz(f, fd);
	}
	assert_int_equal(od_admin_connections(f->admin), 1);
	od_buf_init(&in);
	assert_int_equal(client_read(f->base, fd, 0, &in), 1);	/* idle: dropped */
	assert_int_equal(in.len, 0);
	od_buf_free(&in);
	close(fd);
	wait_connections(f, 0);
	assert_true(metric_value(f, OD_METRIC_ADMIN_DROPPED, NULL) == 1);
	fixture_free(f);
}

/*
 * accept() failing with EMFILE (no descriptor left under RLIMIT_NOFILE):
 * the listener pauses instead of spinning on the pending connection, and
 * serves it once descriptors are back.
 */
static void
test_emfile_pauses(void **state)
{
	struct fixture	*f = fixture_new(NULL);
	struct rlimit	 saved, low;
	struct od_buf	 in;
	double		 errors;
	int		 fd, lowest;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);	/* the client's, made before the squeeze */
	assert_true(fd >= 0);
	lowest = dup(0);		/* every descriptor below it is in use */
	assert_true(lowest > fd);
	close(lowest);
	low = saved;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	{
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)od_admin_port(f->admin));
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	{
		long long end = mono_ms() + 20000;

		while (!od_admin_paused(f->admin)) {
			assert_true(mono_ms() < end);
			event_base_loop(f->base, EVLOOP_NONBLOCK);
			usleep(1000);
		}
	}
	/* Paused with back-off: a handful of attempts in a second, not millions. */
	pump(f->base, 1000);
	errors = metric_value(f, OD_METRIC_ADMIN_ACCEPT_ERRORS, NULL);
	assert_true(errors >= 1);
	assert_true(errors <= 10);
	assert_int_equal(od_admin_connections(f->admin), 0);

	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(send(fd, keepalive_get, strlen(keepalive_get), MSG_NOSIGNAL),
	    (ssize_t)strlen(keepalive_get));
	od_buf_init(&in);
	client_read(f->base, fd, 17, &in);
	assert_true(strncmp(in.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
	od_buf_free(&in);
	assert_false(od_admin_paused(f->admin));
	close(fd);
	wait_connections(f, 0);
	fixture_free(f);
}

/*
 * The reserve: a connection whose descriptor number leaves fewer than
 * fd_reserve free under the soft limit is closed unread, unanswered.
 */
static void
test_fd_reserve(void **state)
{
	struct fixture	*f;
	struct rlimit	 saved, low;
	struct od_buf	 in;
	int		 dups[64], ndups = 0, fd, i;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 96;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	f = fixture_new_with(NULL, 0, 0, 48, 0);
	assert_int_equal(od_admin_max_connections(f->admin), 48);	/* 96 - 48 */
	/* Descriptors 0..49 in use: the next one accepted is past 96 - 48. */
	while ((fd = dup(0)) >= 0 && fd < 48 && ndups < 64)
		dups[ndups++] = fd;
	if (fd >= 0)
		dups[ndups++] = fd;
	fd = client_connect(od_admin_port(f->admin));
	assert_true(fd >= 48);
	od_buf_init(&in);
	assert_int_equal(client_read(f->base, fd, 0, &in), 1);
	assert_int_equal(in.len, 0);
	od_buf_free(&in);
	close(fd);
	assert_true(metric_value(f, OD_METRIC_ADMIN_REFUSED, OD_LABELS("fd_reserve")) == 1);
	wait_connections(f, 0);

	for (i = 0; i < ndups; i++)
		close(dups[i]);
	fd = client_connect(od_admin_port(f->admin));
	client_healthz(f, fd);
	close(fd);
	wait_connections(f, 0);
	fixture_free(f);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz_readyz),
		cmocka_unit_test(test_metrics_exposition),
		cmocka_unit_test(test_bearer_token),
		cmocka_unit_test(test_methods_and_paths),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_cap_answers_busy),
		cmocka_unit_test(test_full_evicts_oldest),
		cmocka_unit_test(test_slow_request_dropped),
		cmocka_unit_test(test_keepalive_deadline),
		cmocka_unit_test(test_emfile_pauses),
		cmocka_unit_test(test_fd_reserve),
	};

	signal(SIGPIPE, SIG_IGN);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
