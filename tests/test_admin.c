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
fixture_new(const char *token)
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
	od_metric_inc(f->std.attempts, OD_LABELS("email", "smtp", "permanent"), 1);
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
	 * + breaker + reload = 23 samples, every line well-formed. */
	assert_int_equal(check_exposition(r.body), 23);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz_readyz),
		cmocka_unit_test(test_metrics_exposition),
		cmocka_unit_test(test_bearer_token),
		cmocka_unit_test(test_methods_and_paths),
		cmocka_unit_test(test_bind_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
