#include "od_plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "od_buf.h"
#include "od_codec.h"
#include "od_log.h"
#include "od_time.h"

void
od_request_init(struct od_request *r)
{
	memset(r, 0, sizeof(*r));
	od_buf_init(&r->body);
}

void
od_request_clear(struct od_request *r)
{
	size_t	i;

	if (r == NULL)
		return;
	free(r->url);
	free(r->method);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	od_buf_free(&r->body);
	free(r->user);
	free(r->password);
	free(r->mail_from);
	for (i = 0; i < r->nrcpts; i++)
		free(r->rcpts[i]);
	free(r->rcpts);
	od_request_init(r);
}

/* CR, LF and NUL never reach a header or an envelope (header injection). */
static int
plugin_clean(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

static int
plugin_set(char **dst, const char *s)
{
	char	*c;

	if (!plugin_clean(s) || (c = strdup(s)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int
plugin_push(char ***v, size_t *n, const char *s)
{
	char	**nv, *c;

	if (!plugin_clean(s) || (c = strdup(s)) == NULL)
		return -1;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(c);
		return -1;
	}
	nv[(*n)++] = c;
	*v = nv;
	return 0;
}

static int
host_req_url(void *req, const char *url)
{
	return plugin_set(&((struct od_request *)req)->url, url);
}

static int
host_req_method(void *req, const char *method)
{
	return plugin_set(&((struct od_request *)req)->method, method);
}

static int
host_req_header(void *req, const char *header)
{
	struct od_request *r = req;

	return plugin_push(&r->headers, &r->nheaders, header);
}

static int
host_req_body(void *req, const void *data, size_t len)
{
	struct od_request *r = req;

	od_buf_reset(&r->body);
	return od_buf_append(&r->body, data, len);
}

static int
host_req_basic_auth(void *req, const char *user, const char *password)
{
	struct od_request *r = req;

	if (plugin_set(&r->user, user) == -1)
		return -1;
	return plugin_set(&r->password, password);
}

static int
host_req_mail_from(void *req, const char *addr)
{
	return plugin_set(&((struct od_request *)req)->mail_from, addr);
}

static int
host_req_mail_rcpt(void *req, const char *addr)
{
	struct od_request *r = req;

	return plugin_push(&r->rcpts, &r->nrcpts, addr);
}

static void *
host_buf_new(void)
{
	struct od_buf	*b = malloc(sizeof(*b));

	if (b != NULL)
		od_buf_init(b);
	return b;
}

static void
host_buf_free(void *buf)
{
	od_buf_free(buf);
	free(buf);
}

static int
host_buf_append(void *buf, const void *data, size_t len)
{
	return od_buf_append(buf, data, len);
}

static int
host_buf_printf(void *buf, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = od_buf_vprintf(buf, fmt, ap);
	va_end(ap);
	return rc;
}

static int
host_buf_json_string(void *buf, const char *s)
{
	return od_buf_json_string(buf, s);
}

static int
host_buf_urlencode(void *buf, const char *s)
{
	return od_codec_urlencode(buf, s, strlen(s), OD_CODEC_FORM);
}

static int
host_buf_base64(void *buf, const void *data, size_t len)
{
	return od_codec_base64_buf(buf, data, len);
}

static const char *
host_buf_data(void *buf, size_t *len)
{
	struct od_buf	*b = buf;

	if (len)
		*len = b->len;
	return b->data ? b->data : "";
}

static void
host_log(void *host_ctx, int level, const char *fmt, ...)
{
	struct od_gateway	*gw = host_ctx;
	char			 comp[96], line[1024];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(comp, sizeof(comp), "gateway:%s", gw ? gw->name : "?");
	od_log(level, comp, "%s", line);
}

static const char *
host_setting(void *host_ctx, const char *key)
{
	struct od_gateway	*gw = host_ctx;

	return gw && gw->conf ? od_gateway_setting(gw->conf, key) : NULL;
}

static char *
plugin_read_secret_file(const char *path)
{
	char	 buf[4096];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return strdup(buf);
}

static const char *
host_secret(void *host_ctx, const char *key)
{
	struct od_gateway	*gw = host_ctx;
	const char		*file, *env, *creds, *val;
	char			 k[128], path[1024];
	char			*v = NULL;

	if (gw == NULL || gw->nsecrets >= sizeof(gw->secret_cache) / sizeof(gw->secret_cache[0]))
		return NULL;
	snprintf(k, sizeof(k), "%s_file", key);
	if ((file = host_setting(gw, k)) != NULL) {
		creds = getenv("CREDENTIALS_DIRECTORY");
		if (file[0] != '/' && creds != NULL)
			snprintf(path, sizeof(path), "%s/%s", creds, file);
		else
			snprintf(path, sizeof(path), "%s", file);
		if ((v = plugin_read_secret_file(path)) == NULL)
			od_log_err("plugin", "gateway %s: cannot read secret %s from %s: %s",
			    gw->name, key, path, strerror(errno));
	} else {
		snprintf(k, sizeof(k), "%s_env", key);
		if ((env = host_setting(gw, k)) != NULL && (val = getenv(env)) != NULL && *val) {
			v = strdup(val);
			od_log_warn("plugin", "gateway %s: secret %s came from the environment "
			    "(%s); under systemd prefer LoadCredential= and %s_file", gw->name, key,
			    env, key);
		}
	}
	if (v == NULL)
		return NULL;
	gw->secret_cache[gw->nsecrets++] = v;
	return v;
}

static const struct od_channel_host plugin_host = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_host),
	.log = host_log,
	.setting = host_setting,
	.secret = host_secret,
	.req_url = host_req_url,
	.req_method = host_req_method,
	.req_header = host_req_header,
	.req_body = host_req_body,
	.req_basic_auth = host_req_basic_auth,
	.req_mail_from = host_req_mail_from,
	.req_mail_rcpt = host_req_mail_rcpt,
	.buf_new = host_buf_new,
	.buf_free = host_buf_free,
	.buf_append = host_buf_append,
	.buf_printf = host_buf_printf,
	.buf_json_string = host_buf_json_string,
	.buf_urlencode = host_buf_urlencode,
	.buf_data = host_buf_data,
	.buf_base64 = host_buf_base64,
};

const struct od_channel_host *
od_plugin_host(void)
{
	return &plugin_host;
}

const struct od_channel_plugin *
od_plugin_open(const char *path, void **dl, char *err, size_t errlen)
{
	const struct od_channel_plugin	*p;
	od_channel_entry_fn		 entry;
	void				*h;

	*dl = NULL;
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load plugin %s: %s", path, dlerror());
		return NULL;
	}
	*(void **)(&entry) = dlsym(h, OD_CHANNEL_ENTRY);
	if (entry == NULL) {
		snprintf(err, errlen, "%s is not an outreachd channel plugin (no %s)", path,
		    OD_CHANNEL_ENTRY);
		dlclose(h);
		return NULL;
	}
	p = entry();
	if (p == NULL || p->abi_version != OD_CHANNEL_ABI_VERSION ||
	    p->size != sizeof(struct od_channel_plugin)) {
		snprintf(err, errlen, "plugin %s has ABI version %u (size %u); this outreachd "
		    "needs version %u (size %zu): rebuild the plugin", path,
		    p ? p->abi_version : 0, p ? p->size : 0, OD_CHANNEL_ABI_VERSION,
		    sizeof(struct od_channel_plugin));
		dlclose(h);
		return NULL;
	}
	if (p->transport == OD_TRANSPORT_INVALID || p->build == NULL || p->classify == NULL) {
		snprintf(err, errlen, "plugin %s is incomplete (transport, build, classify)", path);
		dlclose(h);
		return NULL;
	}
	*dl = h;
	return p;
}

static int
gateway_open_file(struct od_gateway *gw, const char *file, char *err, size_t errlen)
{
	char	path[1200];

	if (gw->file_fd != -1 && strcmp(gw->file_name, file) == 0)
		return 0;
	if (gw->file_fd != -1)
		close(gw->file_fd);
	gw->file_fd = -1;
	if (mkdir(gw->file_dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", gw->file_dir, strerror(errno));
		return -1;
	}
	/* a cut path would be another file: refused */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", gw->file_dir, file) >= sizeof(path)) {
		snprintf(err, errlen, "the file name %s/%.100s is too long", gw->file_dir, file);
		return -1;
	}
	gw->file_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (gw->file_fd == -1) {
		snprintf(err, errlen, "cannot open %.200s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(gw->file_name, sizeof(gw->file_name), "%s", file);
	return 0;
}

static void
gateway_free(struct od_gateway *gw)
{
	size_t	i;

	if (gw->plugin && gw->plugin->fini && gw->ctx)
		gw->plugin->fini(gw->ctx);
	if (gw->dl)
		dlclose(gw->dl);
	if (gw->file_fd != -1)
		close(gw->file_fd);
	for (i = 0; i < gw->nsecrets; i++)
		free(gw->secret_cache[i]);
	if (gw->callback_secret != NULL)
		explicit_bzero(gw->callback_secret, strlen(gw->callback_secret));
	free(gw->callback_secret);
	free(gw->file_dir);
	free(gw->name);
}

int
od_gateways_load(const struct od_config *cfg, struct od_gateways *gws, struct od_errors *errs)
{
	struct od_gateway	*gw;
	char			 path[1024], err[512];
	const char		*dir;
	size_t			 i;
	int			 rc = 0;

	memset(gws, 0, sizeof(*gws));
	if (cfg->ngateways == 0)
		return 0;
	if ((gws->v = calloc(cfg->ngateways, sizeof(*gws->v))) == NULL)
		return -1;
	for (i = 0; i < cfg->ngateways; i++) {
		const struct od_gateway_conf *gc = &cfg->gateways[i];

		gw = &gws->v[gws->n++];
		gw->file_fd = -1;
		gw->conf = gc;
		gw->name = strdup(gc->name);
		snprintf(path, sizeof(path), "%s/%s.so", cfg->plugin_dir, gc->plugin);
		gw->plugin = od_plugin_open(path, &gw->dl, err, sizeof(err));
		if (gw->plugin == NULL) {
			od_errors_add(errs, gc->file, gc->line, gc->col, "gateway '%s': %s", gc->name, err);
			rc = -1;
			continue;
		}
		err[0] = '\0';
		if (gw->plugin->init != NULL &&
		    gw->plugin->init(&plugin_host, gw, &gw->ctx, err, sizeof(err)) == -1) {
			od_errors_add(errs, gc->file, gc->line, gc->col, "gateway '%s' (%s): %s",
			    gc->name, gc->plugin, err[0] ? err : "initialisation failed");
			rc = -1;
			continue;
		}
		if (gw->plugin->transport == OD_TRANSPORT_FILE) {
			if ((dir = od_gateway_setting(gc, "dir")) == NULL) {
				od_errors_add(errs, gc->file, gc->line, gc->col,
				    "gateway '%s' (%s): setting 'dir' is required", gc->name, gc->plugin);
				rc = -1;
				continue;
			}
			gw->file_dir = strdup(dir);
			/* A rehearsal may give the outbox a gateway's latency ("delay: 200ms"). */
			if ((dir = od_gateway_setting(gc, "delay")) != NULL &&
			    (od_duration_parse(dir, &gw->file_delay_ms) == -1 || gw->file_delay_ms < 0)) {
				od_errors_add(errs, gc->file, gc->line, gc->col,
				    "gateway '%s': delay '%s' is not a duration (e.g. 200ms)", gc->name, dir);
				rc = -1;
			}
		}
	}
	return rc;
}

void
od_gateways_free(struct od_gateways *gws)
{
	size_t	i;

	if (gws == NULL)
		return;
	for (i = 0; i < gws->n; i++)
		gateway_free(&gws->v[i]);
	free(gws->v);
	memset(gws, 0, sizeof(*gws));
}

struct od_gateway *
od_gateways_find(struct od_gateways *gws, const char *name)
{
	size_t	i;

	for (i = 0; i < gws->n; i++)
		if (strcmp(gws->v[i].name, name) == 0)
			return &gws->v[i];
	return NULL;
}

int
od_gateway_build(struct od_gateway *gw, const struct od_channel_message *msg,
    struct od_request *req, char *err, size_t errlen)
{
	struct od_channel_request	creq;

	memset(&creq, 0, sizeof(creq));
	creq.req = req;
	err[0] = '\0';
	if (gw->plugin->build(gw->ctx, msg, &creq, err, errlen) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "the plugin could not build the request");
		return -1;
	}
	memcpy(req->path, creq.path, sizeof(req->path));
	req->path[sizeof(req->path) - 1] = '\0';
	return 0;
}

void
od_gateway_file_send(struct od_gateway *gw, const struct od_channel_message *msg,
    struct od_request *req, struct od_channel_result *res)
{
	struct od_channel_reply	reply;
	char			err[sizeof(res->reason)];
	ssize_t			n;

	memset(res, 0, sizeof(*res));
	if (req->path[0] == '\0' || strchr(req->path, '/') != NULL || req->path[0] == '.') {
		res->outcome = OD_OUTCOME_PERMANENT;
		res->flags = OD_RESULT_CONFIG;
		snprintf(res->reason, sizeof(res->reason), "plugin gave no valid file name");
		return;
	}
	if (gateway_open_file(gw, req->path, err, sizeof(err)) == -1) {
		res->outcome = OD_OUTCOME_RETRYABLE;
		snprintf(res->reason, sizeof(res->reason), "%s", err);
		return;
	}
	od_buf_putc(&req->body, '\n');
	if (req->body.oom) {
		res->outcome = OD_OUTCOME_RETRYABLE;
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	/* O_APPEND and one write: lines of concurrent daemons never interleave. */
	n = write(gw->file_fd, req->body.data, req->body.len);
	if (n != (ssize_t)req->body.len) {
		res->outcome = n <= 0 ? OD_OUTCOME_RETRYABLE : OD_OUTCOME_UNKNOWN;
		snprintf(res->reason, sizeof(res->reason), "write to %s/%.100s: %s", gw->file_dir,
		    req->path, n < 0 ? strerror(errno) : "short write");
		return;
	}
	memset(&reply, 0, sizeof(reply));
	reply.body = "";
	gw->plugin->classify(gw->ctx, msg, &reply, res);
}

const char *
od_outcome_name(enum od_outcome o)
{
	switch (o) {
	case OD_OUTCOME_ACCEPTED:	return "accepted";
	case OD_OUTCOME_RETRYABLE:	return "retryable";
	case OD_OUTCOME_PERMANENT:	return "permanent";
	case OD_OUTCOME_UNKNOWN:	return "unknown";
	default:			return "invalid";
	}
}
