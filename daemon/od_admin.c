/*
 * od_admin: /healthz, /readyz and /metrics over libevent's evhttp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "od_admin.h"
#include "od_buf.h"
#include "od_log.h"
#include "od_metrics.h"

struct od_admin {
	struct evhttp			*http;
	struct evhttp_bound_socket	*sock;
	int				 port;
	char				*token;		/* NULL: none */
	struct od_metrics		*metrics;
	od_admin_ready_fn		 ready;
	od_admin_collect_fn		 collect;
	od_admin_callback_fn		 callback;
	od_admin_reload_fn		 reload;
	void				*arg;
};

/* Compares without an early exit, so timing does not tell the prefix. */
static int
admin_token_equal(const char *a, const char *b)
{
	size_t		la = strlen(a), lb = strlen(b), i;
	unsigned char	diff = (unsigned char)(la != lb);

	for (i = 0; i < la; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)(lb > 0 ? b[i % lb] : 0);
	return diff == 0;
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
	return admin_token_equal(h, a->token);
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

static void
admin_request(struct evhttp_request *req, void *arg)
{
	struct od_admin			*a = arg;
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	const char			*path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type		 cmd = evhttp_request_get_command(req);

	if (path == NULL || path[0] == '\0')
		path = "/";
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
	a->metrics = cfg->metrics;
	a->ready = cfg->ready;
	a->collect = cfg->collect;
	a->callback = cfg->callback;
	a->reload = cfg->reload;
	a->arg = cfg->arg;
	if (cfg->token != NULL && cfg->token[0] != '\0' &&
	    (a->token = strdup(cfg->token)) == NULL) {
		snprintf(err, errlen, "admin: out of memory");
		goto fail;
	}
	if ((a->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "admin: cannot make an HTTP server");
		goto fail;
	}
	evhttp_set_timeout(a->http, 10);
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
	fd = evhttp_bound_socket_get_fd(a->sock);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errlen, "admin: getsockname: %s", strerror(errno));
		goto fail;
	}
	if (ss.ss_family == AF_INET)
		a->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		a->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	od_log_info("admin", "listening on %s:%d%s", addr, a->port,
	    a->token != NULL ? " (bearer token required)" : "");
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

void
od_admin_free(struct od_admin *a)
{
	if (a == NULL)
		return;
	if (a->http != NULL)
		evhttp_free(a->http);
	if (a->token != NULL) {
		explicit_bzero(a->token, strlen(a->token));
		free(a->token);
	}
	free(a);
}
