/*
 * od_http's reuse of what stays the same from one transfer to the next: an
 * easy handle set up for a POST keeps its options for the next POST with
 * the same options, and a request's header list (with its Basic
 * Authorization line) is built once per distinct set of headers and
 * credentials.  What the gateway gets must not change: each request, in
 * turn on one keep-alive connection, is checked on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_http.h"
#include "od_test_httpd.h"

struct fx {
	struct event_base	*base;
	struct od_http		*h;
	struct od_httpd		*srv;
	struct od_http_opts	 opts;
	int			 done;
	long			 status;
	enum od_http_error	 error;
	size_t			 nsent;
};

static void
fx_done(void *arg, const struct od_http_result *r)
{
	struct fx *f = arg;

	f->done = 1;
	f->status = r->status;
	f->error = r->error;
	event_base_loopbreak(f->base);
}

/*
 * Sends one request (method NULL: by the body; user NULL: none; extra: a
 * header of the plugin's, or NULL) and returns what the server got.
 */
static const struct od_httpd_request *
fx_send(struct fx *f, const char *method, const char *body, const char *user,
    const char *password, const char *extra)
{
	struct od_request	req;
	char			url[128];

	od_request_init(&req);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/send/%zu", od_httpd_port(f->srv),
	    f->nsent);
	req.url = strdup(url);
	req.method = method != NULL ? strdup(method) : NULL;
	req.headers = calloc(2, sizeof(*req.headers));
	req.headers[req.nheaders++] = strdup("Accept: application/json");
	if (extra != NULL)
		req.headers[req.nheaders++] = strdup(extra);
	if (body != NULL)
		od_buf_puts(&req.body, body);
	req.user = user != NULL ? strdup(user) : NULL;
	req.password = password != NULL ? strdup(password) : NULL;
	f->done = 0;
	assert_int_equal(od_http_perform(f->h, &req, &f->opts, fx_done, f), 0);
	od_request_clear(&req);		/* copied: gone before the transfer runs */
	event_base_dispatch(f->base);
	assert_int_equal(f->done, 1);
	assert_int_equal(f->error, OD_HTTP_OK);
	assert_int_equal(f->status, 201);
	assert_int_equal(od_httpd_nrequests(f->srv), ++f->nsent);
	return od_httpd_request(f->srv, f->nsent - 1);
}

static void
assert_post(const struct od_httpd_request *q, const char *body, const char *auth)
{
	char	len[32];

	snprintf(len, sizeof(len), "%zu", strlen(body));
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->body, body);
	assert_string_equal(od_httpd_header(q, "Content-Length"), len);
	assert_string_equal(od_httpd_header(q, "Accept"), "application/json");
	assert_string_equal(od_httpd_header(q, "User-Agent"), "outreachd/" OD_VERSION);
	assert_null(od_httpd_header(q, "Expect"));
	if (auth == NULL)
		assert_null(od_httpd_header(q, "Authorization"));
	else
		assert_string_equal(od_httpd_header(q, "Authorization"), auth);
}

static void
test_reuse_keeps_the_wire_identical(void **state)
{
	struct od_httpd_reply		 r = { OD_HTTPD_REPLY, 201, NULL, "{\"sid\":\"SM1\"}", 0 };
	const struct od_httpd_request	*q;
	struct fx			 f;
	char				 err[256], user[32], want[64];
	int				 i;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.base = event_base_new();
	f.h = od_http_new(f.base, err, sizeof(err));
	assert_non_null(f.h);
	f.srv = od_httpd_start(0);
	assert_non_null(f.srv);
	od_httpd_script(f.srv, &r);
	od_http_opts_init(&f.opts);
	f.opts.connect_timeout_ms = 2000;
	f.opts.total_timeout_ms = 5000;

	/* the same gateway twice: the second reuses the handle and the header list */
	assert_post(fx_send(&f, "POST", "To=%2B51987654321&Body=uno", "AC1", "s3cr3t", NULL),
	    "To=%2B51987654321&Body=uno", "Basic QUMxOnMzY3IzdA==");
	assert_post(fx_send(&f, NULL, "To=%2B51987654322&Body=dos+m%C3%A1s", "AC1", "s3cr3t",
	    NULL), "To=%2B51987654322&Body=dos+m%C3%A1s", "Basic QUMxOnMzY3IzdA==");
	/* other credentials, none, the plugin's own Authorization */
	assert_post(fx_send(&f, "POST", "a=1", "AC2", "other", NULL), "a=1",
	    "Basic QUMyOm90aGVy");
	assert_post(fx_send(&f, "POST", "a=2", "AC2", NULL, NULL), "a=2", "Basic QUMyOg==");
	assert_post(fx_send(&f, "POST", "a=3", NULL, NULL, NULL), "a=3", NULL);
	assert_post(fx_send(&f, "POST", "a=4", "AC1", "s3cr3t", "Authorization: Bearer tok"),
	    "a=4", "Bearer tok");
	/* an empty POST after a long one */
	assert_post(fx_send(&f, "POST", NULL, "AC1", "s3cr3t", NULL), "", "Basic QUMxOnMzY3IzdA==");

	/* a GET on the handle the POSTs used: reset, no body, no Content-Length */
	q = fx_send(&f, "GET", NULL, "AC1", "s3cr3t", NULL);
	assert_string_equal(q->method, "GET");
	assert_int_equal(q->body_len, 0);
	assert_null(od_httpd_header(q, "Content-Length"));
	assert_string_equal(od_httpd_header(q, "Authorization"), "Basic QUMxOnMzY3IzdA==");
	/* a PUT, then a POST again */
	q = fx_send(&f, "PUT", "p=1", "AC1", "s3cr3t", NULL);
	assert_string_equal(q->method, "PUT");
	assert_string_equal(q->body, "p=1");
	assert_post(fx_send(&f, "POST", "b=1", "AC1", "s3cr3t", NULL), "b=1",
	    "Basic QUMxOnMzY3IzdA==");

	/* other options: the handle is set up again (and still sends the same) */
	f.opts.total_timeout_ms = 4000;
	f.opts.ca_file = "/nonexistent/ca.pem";	/* unused over plain HTTP */
	assert_post(fx_send(&f, "POST", "c=1", "AC1", "s3cr3t", NULL), "c=1",
	    "Basic QUMxOnMzY3IzdA==");
	assert_post(fx_send(&f, "POST", "c=2", "AC1", "s3cr3t", NULL), "c=2",
	    "Basic QUMxOnMzY3IzdA==");

	/* more credentials than the cache holds, then the first ones again */
	for (i = 0; i < 12; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		q = fx_send(&f, "POST", "d=1", user, "pw", NULL);
		assert_post(q, "d=1", od_httpd_header(q, "Authorization"));
	}
	assert_string_equal(od_httpd_header(od_httpd_request(f.srv, f.nsent - 12),
	    "Authorization"), "Basic dTA6cHc=");	/* base64("u0:pw") */
	snprintf(want, sizeof(want), "Basic %s", "QUMxOnMzY3IzdA==");
	assert_post(fx_send(&f, "POST", "e=1", "AC1", "s3cr3t", NULL), "e=1", want);
	/* one keep-alive connection carried them all */
	assert_int_equal(od_httpd_nconnections(f.srv), 1);

	od_http_free(f.h);
	od_httpd_stop(f.srv);
	event_base_free(f.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_keeps_the_wire_identical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
