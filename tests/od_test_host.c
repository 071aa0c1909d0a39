/*
 * od_test_host: the recording host table plugin tests hand to plugins.
 */
#include "od_test_host.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *
th_strdup(const char *s)
{
	char	*d = strdup(s);

	if (d == NULL)
		abort();
	return d;
}

static int
th_clean(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

static void
th_kv_set(struct od_test_kv **v, size_t *n, const char *key, const char *value)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*v)[i].key, key) == 0) {
			free((*v)[i].value);
			if (value != NULL) {
				(*v)[i].value = th_strdup(value);
			} else {
				free((*v)[i].key);
				(*v)[i] = (*v)[--*n];
			}
			return;
		}
	}
	if (value == NULL)
		return;
	if ((*v = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
		abort();
	(*v)[*n].key = th_strdup(key);
	(*v)[*n].value = th_strdup(value);
	(*n)++;
}

static const char *
th_kv_get(const struct od_test_kv *v, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].value;
	return NULL;
}

void
od_test_host_init(struct od_test_host *h)
{
	memset(h, 0, sizeof(*h));
	od_buf_init(&h->log);
	od_buf_append(&h->log, "", 0);
}

void
od_test_host_clear(struct od_test_host *h)
{
	size_t	i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nsettings; i++) {
		free(h->settings[i].key);
		free(h->settings[i].value);
	}
	for (i = 0; i < h->nsecrets; i++) {
		free(h->secrets[i].key);
		free(h->secrets[i].value);
	}
	free(h->settings);
	free(h->secrets);
	od_buf_free(&h->log);
	memset(h, 0, sizeof(*h));
}

void
od_test_host_set(struct od_test_host *h, const char *key, const char *value)
{
	th_kv_set(&h->settings, &h->nsettings, key, value);
}

void
od_test_host_secret(struct od_test_host *h, const char *key, const char *value)
{
	th_kv_set(&h->secrets, &h->nsecrets, key, value);
}

const char *
od_test_host_log(const struct od_test_host *h)
{
	return h->log.data != NULL ? h->log.data : "";
}

void
od_test_req_init(struct od_test_req *r)
{
	memset(r, 0, sizeof(*r));
	od_buf_init(&r->body);
}

void
od_test_req_clear(struct od_test_req *r)
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
	od_test_req_init(r);
}

const char *
od_test_req_header(const struct od_test_req *r, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < r->nheaders; i++) {
		if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':') {
			const char *v = r->headers[i] + n + 1;

			while (*v == ' ')
				v++;
			return v;
		}
	}
	return NULL;
}

/* The host table. */

static void
th_log(void *host_ctx, int level, const char *fmt, ...)
{
	struct od_test_host	*h = host_ctx;
	char			 line[1024];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	od_buf_printf(&h->log, "%d %s\n", level, line);
}

static const char *
th_setting(void *host_ctx, const char *key)
{
	struct od_test_host *h = host_ctx;

	return th_kv_get(h->settings, h->nsettings, key);
}

static const char *
th_secret(void *host_ctx, const char *key)
{
	struct od_test_host *h = host_ctx;

	return th_kv_get(h->secrets, h->nsecrets, key);
}

static int
th_set(struct od_test_req *r, char **dst, const char *v)
{
	if (!th_clean(v)) {
		r->refused = 1;
		return -1;
	}
	free(*dst);
	*dst = th_strdup(v);
	return 0;
}

static int
th_push(struct od_test_req *r, char ***v, size_t *n, const char *s)
{
	if (!th_clean(s)) {
		r->refused = 1;
		return -1;
	}
	if ((*v = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
		abort();
	(*v)[(*n)++] = th_strdup(s);
	return 0;
}

static int
th_req_url(void *req, const char *url)
{
	struct od_test_req *r = req;

	return th_set(r, &r->url, url);
}

static int
th_req_method(void *req, const char *method)
{
	struct od_test_req *r = req;

	return th_set(r, &r->method, method);
}

static int
th_req_header(void *req, const char *header)
{
	struct od_test_req *r = req;

	return th_push(r, &r->headers, &r->nheaders, header);
}

static int
th_req_body(void *req, const void *data, size_t len)
{
	struct od_test_req *r = req;

	od_buf_reset(&r->body);
	r->has_body = 1;
	return od_buf_append(&r->body, data, len);
}

static int
th_req_basic_auth(void *req, const char *user, const char *password)
{
	struct od_test_req *r = req;

	if (th_set(r, &r->user, user) == -1)
		return -1;
	return th_set(r, &r->password, password);
}

static int
th_req_mail_from(void *req, const char *addr)
{
	struct od_test_req *r = req;

	return th_set(r, &r->mail_from, addr);
}

static int
th_req_mail_rcpt(void *req, const char *addr)
{
	struct od_test_req *r = req;

	return th_push(r, &r->rcpts, &r->nrcpts, addr);
}

static void *
th_buf_new(void)
{
	struct od_buf *b = calloc(1, sizeof(*b));

	if (b != NULL)
		od_buf_init(b);
	return b;
}

static void
th_buf_free(void *buf)
{
	od_buf_free(buf);
	free(buf);
}

static int
th_buf_append(void *buf, const void *data, size_t len)
{
	return od_buf_append(buf, data, len);
}

static int
th_buf_printf(void *buf, const char *fmt, ...)
{
	char	*s = NULL;
	int	 n, rc;
	va_list	 ap;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	rc = od_buf_append(buf, s, (size_t)n);
	free(s);
	return rc;
}

static int
th_buf_json_string(void *buf, const char *s)
{
	return od_buf_json_string(buf, s);
}

static int
th_buf_urlencode(void *buf, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			 enc[3];

	for (p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			if (od_buf_putc(buf, (char)*p) == -1)
				return -1;
		} else if (*p == ' ') {
			if (od_buf_putc(buf, '+') == -1)
				return -1;
		} else {
			enc[0] = '%';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			if (od_buf_append(buf, enc, 3) == -1)
				return -1;
		}
	}
	return od_buf_append(buf, "", 0);
}

static const char *
th_buf_data(void *buf, size_t *len)
{
	struct od_buf *b = buf;

	if (len != NULL)
		*len = b->len;
	return b->data != NULL ? b->data : "";
}

static const struct od_channel_host th_host = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_host),
	.log = th_log,
	.setting = th_setting,
	.secret = th_secret,
	.req_url = th_req_url,
	.req_method = th_req_method,
	.req_header = th_req_header,
	.req_body = th_req_body,
	.req_basic_auth = th_req_basic_auth,
	.req_mail_from = th_req_mail_from,
	.req_mail_rcpt = th_req_mail_rcpt,
	.buf_new = th_buf_new,
	.buf_free = th_buf_free,
	.buf_append = th_buf_append,
	.buf_printf = th_buf_printf,
	.buf_json_string = th_buf_json_string,
	.buf_urlencode = th_buf_urlencode,
	.buf_data = th_buf_data,
};

const struct od_channel_host *
od_test_host_table(void)
{
	return &th_host;
}

/* Form decoding. */

static int
th_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
od_test_urldecode(const char *s, size_t len)
{
	char	*d = malloc(len + 1), *o = d;
	size_t	 i;

	if (d == NULL)
		abort();
	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < len && th_hex((unsigned char)s[i + 1]) >= 0 &&
		    th_hex((unsigned char)s[i + 2]) >= 0) {
			*o++ = (char)(th_hex((unsigned char)s[i + 1]) * 16 +
			    th_hex((unsigned char)s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return d;
}

/* The next key=value pair of form at p; returns where the one after starts, or NULL. */
static const char *
th_form_next(const char *p, const char **k, size_t *klen, const char **v, size_t *vlen)
{
	const char	*amp, *eq;

	if (*p == '\0')
		return NULL;
	amp = strchr(p, '&');
	if (amp == NULL)
		amp = p + strlen(p);
	eq = memchr(p, '=', (size_t)(amp - p));
	*k = p;
	*klen = eq != NULL ? (size_t)(eq - p) : (size_t)(amp - p);
	*v = eq != NULL ? eq + 1 : amp;
	*vlen = (size_t)(amp - *v);
	return *amp == '&' ? amp + 1 : amp;
}

static const char *
th_form_start(const char *form)
{
	const char *q = strchr(form, '?');

	return q != NULL ? q + 1 : form;
}

char *
od_test_form_get(const char *form, const char *key)
{
	const char	*p = th_form_start(form), *k, *v;
	size_t		 klen, vlen;
	char		*dk;

	while ((p = th_form_next(p, &k, &klen, &v, &vlen)) != NULL) {
		dk = od_test_urldecode(k, klen);
		if (strcmp(dk, key) == 0) {
			free(dk);
			return od_test_urldecode(v, vlen);
		}
		free(dk);
	}
	return NULL;
}

size_t
od_test_form_count(const char *form, const char *key)
{
	const char	*p = th_form_start(form), *k, *v;
	size_t		 klen, vlen, n = 0;
	char		*dk;

	while ((p = th_form_next(p, &k, &klen, &v, &vlen)) != NULL) {
		dk = od_test_urldecode(k, klen);
		if (strcmp(dk, key) == 0)
			n++;
		free(dk);
	}
	return n;
}

const struct od_channel_plugin *
od_test_plugin_open(const char *name, void **dl, char *err, size_t errlen)
{
	const struct od_channel_plugin	*p;
	od_channel_entry_fn		 entry;
	char				 path[1024];

	snprintf(path, sizeof(path), "%s/lib/outreachd/channels/%s.so", OD_BUILD_DIR, name);
	if ((*dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "%s", dlerror());
		return NULL;
	}
	*(void **)&entry = dlsym(*dl, OD_CHANNEL_ENTRY);
	if (entry == NULL) {
		snprintf(err, errlen, "%s: no %s", path, OD_CHANNEL_ENTRY);
		goto fail;
	}
	p = entry();
	if (p == NULL || p->abi_version != OD_CHANNEL_ABI_VERSION ||
	    p->size != sizeof(struct od_channel_plugin)) {
		snprintf(err, errlen, "%s: ABI mismatch", path);
		goto fail;
	}
	return p;
fail:
	dlclose(*dl);
	*dl = NULL;
	return NULL;
}

char *
od_test_fixture_read(const char *relpath, size_t *len)
{
	char	 path[1024], *d = NULL;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", OD_TEST_DATA, relpath);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (d = malloc((size_t)n + 1)) != NULL) {
		if (fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		} else {
			d[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return d;
}

int
od_test_classify(const struct od_channel_plugin *p, void *ctx,
    const struct od_channel_message *m, const char *fixture, long status,
    const char *retry_after, struct od_channel_result *res)
{
	struct od_channel_reply	 reply;
	size_t			 len = 0;
	char			*body;

	if ((body = od_test_fixture_read(fixture, &len)) == NULL)
		return -1;
	memset(&reply, 0, sizeof(reply));
	memset(res, 0, sizeof(*res));
	reply.status = status;
	reply.body = body;
	reply.body_len = len;
	reply.retry_after = retry_after;
	p->classify(ctx, m, &reply, res);
	free(body);
	return 0;
}
