/*
 * od_test_host: the host table and fixture plugin tests hand to plugins.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "od_test_host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>

#include <curl/curl.h>

#include "od_form.h"
#include "od_http.h"
#include "od_time.h"

static char *
th_strdup(const char *s)
{
	char	*d = strdup(s);

	if (d == NULL)
		abort();
	return d;
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

const char *
od_test_req_header(const struct od_request *r, const char *name)
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

int
od_test_req_has_body(const struct od_request *r)
{
	/* od_request_init leaves the body unallocated; any req_body call allocates it. */
	return r->body.data != NULL;
}

/*
 * The host table: the core's (od_plugin_host()) for requests and buffers;
 * log, settings and secrets from a struct od_test_host.
 */

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

const struct od_channel_host *
od_test_host_table(void)
{
	static struct od_channel_host	table;

	if (table.abi_version == 0) {
		table = *od_plugin_host();
		table.log = th_log;
		table.setting = th_setting;
		table.secret = th_secret;
	}
	return &table;
}

/* Form decoding. */

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
		} else if (s[i] == '%' && i + 2 < len && od_hexval((unsigned char)s[i + 1]) >= 0 &&
		    od_hexval((unsigned char)s[i + 2]) >= 0) {
			*o++ = (char)(od_hexval((unsigned char)s[i + 1]) * 16 +
			    od_hexval((unsigned char)s[i + 2]));
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

/*
 * What the core hands a plugin for a Retry-After header: libcurl's reading
 * of it (CURLINFO_RETRY_AFTER: an HTTP-date, by curl_getdate, as seconds
 * from now; else delay-seconds), counted here from the core's clock
 * (od_now_ms(), which a test fixes) instead of the wall clock.
 */
static long
th_retry_after_ms(const char *v)
{
	time_t		 t;
	long long	 s;

	if (v == NULL)
		return 0;
	if ((t = curl_getdate(v, NULL)) != -1)
		s = (long long)t - od_now_ms() / 1000;
	else
		s = strtoll(v, NULL, 10);
	return s > 0 && s <= OD_HTTP_RETRY_AFTER_MAX_S ? (long)s * 1000 : 0;
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
	reply.retry_after_ms = th_retry_after_ms(retry_after);
	p->classify(ctx, m, &reply, res);
	free(body);
	return 0;
}

void
od_test_assert_form(const char *form, const char *key, const char *want)
{
	char *v = od_test_form_get(form, key);

	if (want == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	assert_int_equal(od_test_form_count(form, key), 1);
	free(v);
}

/* The plugin fixture. */

struct od_test_fx *
od_test_fx_open(const char *name)
{
	struct od_test_fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		abort();
	f->p = od_test_plugin_open(name, &f->dl, f->err, sizeof(f->err));
	if (f->p == NULL) {
		fprintf(stderr, "%s\n", f->err);
		free(f);
		return NULL;
	}
	od_test_host_init(&f->host);
	od_request_init(&f->req);
	return f;
}

void
od_test_fx_close(struct od_test_fx *f)
{
	if (f == NULL)
		return;
	if (f->ctx != NULL)
		f->p->fini(f->ctx);
	od_request_clear(&f->req);
	od_test_host_clear(&f->host);
	dlclose(f->dl);
	free(f);
}

int
od_test_fx_teardown(void **state)
{
	od_test_fx_close(*state);
	*state = NULL;
	return 0;
}

int
od_test_fx_init(struct od_test_fx *f)
{
	if (f->ctx != NULL) {
		f->p->fini(f->ctx);
		f->ctx = NULL;
	}
	return f->p->init(od_test_host_table(), &f->host, &f->ctx, f->err, sizeof(f->err));
}

int
od_test_fx_build(struct od_test_fx *f, const struct od_channel_message *m)
{
	struct od_channel_request r = { .req = &f->req };

	od_request_clear(&f->req);
	return f->p->build(f->ctx, m, &r, f->err, sizeof(f->err));
}

void
od_test_assert_abi(const struct od_test_fx *f, const char *name, enum od_transport transport,
    unsigned kinds, const char *hidden_symbol)
{
	assert_int_equal(f->p->abi_version, OD_CHANNEL_ABI_VERSION);
	assert_int_equal(f->p->size, sizeof(struct od_channel_plugin));
	assert_string_equal(f->p->name, name);
	assert_int_equal(f->p->transport, transport);
	assert_int_equal(f->p->kinds, kinds);
	/* Hidden visibility: nothing but the entry point is exported. */
	assert_null(dlsym(f->dl, hidden_symbol));
}

void
od_test_assert_classify(struct od_test_fx *f, const struct od_channel_message *m,
    const char *dir, const struct od_test_expect *cases, size_t ncases)
{
	const char		*proto = f->p->transport == OD_TRANSPORT_SMTP ? "SMTP" : "HTTP";
	struct od_channel_result res;
	char			 path[256];
	size_t			 i;

	for (i = 0; i < ncases; i++) {
		const struct od_test_expect *e = &cases[i];

		snprintf(path, sizeof(path), "%s/%s", dir, e->fixture);
		print_message("%s (%s %ld)\n", e->fixture, proto, e->status);
		assert_int_equal(od_test_classify(f->p, f->ctx, m, path, e->status, e->retry_after,
		    &res), 0);
		assert_int_equal(res.outcome, e->outcome);
		assert_int_equal(res.flags, e->flags);
		assert_int_equal(res.retry_after_ms, e->retry_ms);
		assert_string_equal(res.code, e->code);
		assert_string_equal(res.reason, e->reason);
		assert_string_equal(res.provider_id, e->provider_id);
	}
}
