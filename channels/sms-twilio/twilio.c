/*
 * sms-twilio: SMS through Twilio Programmable Messaging.
 *
 * POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json, HTTP Basic
 * auth (account_sid:auth_token), form-encoded To, From and/or
 * MessagingServiceSid, Body, StatusCallback, ValidityPeriod; the reply is
 * JSON.  Facts: ../shared/reference/providers.md ("Twilio Programmable
 * Messaging"); the request is the one ../shared/contracts/twilio_send.yaml
 * (CreateMessage) accepts.
 *
 * Settings: base_url (default https://api.twilio.com), account_sid,
 * auth_token (secret), from and/or messaging_service_sid, status_callback
 * (optional base URL: StatusCallback = <base>?attempt=<attempt_id>),
 * validity_period (optional, 1-36000 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "od_channel.h"
#include "od_channel_util.h"

#define TWILIO_BODY_MAX		1600	/* providers.md: Body <= 1600 chars */
#define TWILIO_VALIDITY_MAX	36000	/* providers.md: ValidityPeriod 1-36000 s */

struct twilio {
	const struct od_channel_host	*host;
	void				*host_ctx;
	char				*url;		/* .../Messages.json */
	char				*sid;
	char				*token;
	char				*from;
	char				*service;
	char				*status_callback;
	long				 validity;
	/* The form's constant pieces, encoded once at init (twilio_build); host buffers. */
	void				*mid;		/* "&From=...&MessagingServiceSid=..." */
	void				*cbpre;		/* StatusCallback: <status_callback>?attempt= encoded */
	char				 tail[sizeof("&ValidityPeriod=") + 20];	/* or "": any long fits */
};

static void
twilio_fini(void *ctx)
{
	struct twilio *t = ctx;

	if (t == NULL)
		return;
	free(t->url);
	free(t->sid);
	free(t->token);
	free(t->from);
	free(t->service);
	free(t->status_callback);
	if (t->mid != NULL)
		t->host->buf_free(t->mid);
	if (t->cbpre != NULL)
		t->host->buf_free(t->cbpre);
	free(t);
}

/* "&<name>=<value form-encoded>" appended to b.  0 or -1 (out of memory). */
static int
twilio_put_field(const struct od_channel_host *h, void *b, const char *name, const char *value)
{
	return h->buf_printf(b, "&%s=", name) == -1 || h->buf_urlencode(b, value) == -1 ? -1 : 0;
}

/*
 * The pieces of every form that do not change from one message to the
 * next: From and MessagingServiceSid (between To and Body), the start of
 * StatusCallback, ValidityPeriod.  0 or -1 (out of memory).
 */
static int
twilio_prepare(struct twilio *t)
{
	const struct od_channel_host	*h = t->host;

	if ((t->mid = h->buf_new()) == NULL ||
	    (t->from != NULL && twilio_put_field(h, t->mid, "From", t->from) == -1) ||
	    (t->service != NULL &&
	     twilio_put_field(h, t->mid, "MessagingServiceSid", t->service) == -1))
		return -1;
	if (t->status_callback != NULL) {
		/* <status_callback>?attempt= (or &attempt=), form-encoded as a whole */
		char	*pre;
		int	 rc;

		if (asprintf(&pre, "%s%cattempt=", t->status_callback,
		    strchr(t->status_callback, '?') != NULL ? '&' : '?') < 0)
			return -1;
		rc = (t->cbpre = h->buf_new()) == NULL || h->buf_urlencode(t->cbpre, pre) == -1;
		free(pre);
		if (rc)
			return -1;
	}
	if (t->validity > 0)
		snprintf(t->tail, sizeof(t->tail), "&ValidityPeriod=%ld", t->validity);
	return 0;
}

/* Twilio SIDs: two letters and 32 hex digits (twilio_send.yaml patterns). */
static int
twilio_sid_ok(const char *s, const char *prefix)
{
	size_t	i;

	if (strlen(s) != 34 || strncmp(s, prefix, 2) != 0)
		return 0;
	for (i = 2; i < 34; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return 0;
	return 1;
}

static int
twilio_dup(char **dst, const char *s, char *err, size_t errlen)
{
	if (s == NULL)
		return 0;
	if ((*dst = strdup(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
twilio_init(const struct od_channel_host *host, void *host_ctx, void **ctx, char *err,
    size_t errlen)
{
	struct twilio	*t;
	const char	*base, *sid, *token, *from, *service, *cb, *validity;
	char		*end;
	size_t		 blen;

	if (host->abi_version != OD_CHANNEL_ABI_VERSION || host->size < sizeof(*host)) {
		snprintf(err, errlen, "host ABI %u, plugin ABI %u", host->abi_version,
		    OD_CHANNEL_ABI_VERSION);
		return -1;
	}
	if ((base = host->setting(host_ctx, "base_url")) == NULL)
		base = "https://api.twilio.com";
	sid = host->setting(host_ctx, "account_sid");
	token = host->secret(host_ctx, "auth_token");
	from = host->setting(host_ctx, "from");
	service = host->setting(host_ctx, "messaging_service_sid");
	cb = host->setting(host_ctx, "status_callback");
	validity = host->setting(host_ctx, "validity_period");

	if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0) {
		snprintf(err, errlen, "base_url must be an http:// or https:// URL");
		return -1;
	}
	if (sid == NULL || *sid == '\0') {
		snprintf(err, errlen, "setting account_sid is missing");
		return -1;
	}
	if (!twilio_sid_ok(sid, "AC")) {
		snprintf(err, errlen, "account_sid must be AC followed by 32 hex digits");
		return -1;
	}
	if (token == NULL || *token == '\0') {
		snprintf(err, errlen, "secret auth_token is missing (set auth_token_file or "
		    "auth_token_env)");
		return -1;
	}
	if ((from == NULL || *from == '\0') && (service == NULL || *service == '\0')) {
		snprintf(err, errlen, "setting from or messaging_service_sid is missing");
		return -1;
	}
	if (service != NULL && *service != '\0' && !twilio_sid_ok(service, "MG")) {
		snprintf(err, errlen, "messaging_service_sid must be MG followed by 32 hex digits");
		return -1;
	}
	if (cb != NULL && strncmp(cb, "https://", 8) != 0 && strncmp(cb, "http://", 7) != 0) {
		snprintf(err, errlen, "status_callback must be an http:// or https:// URL");
		return -1;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->host = host;
	t->host_ctx = host_ctx;
	if (validity != NULL) {
		t->validity = strtol(validity, &end, 10);
		if (*validity == '\0' || *end != '\0' || t->validity < 1 ||
		    t->validity > TWILIO_VALIDITY_MAX) {
			snprintf(err, errlen, "validity_period must be 1 to %d seconds",
			    TWILIO_VALIDITY_MAX);
			twilio_fini(t);
			return -1;
		}
	}
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (asprintf(&t->url, "%.*s/2010-04-01/Accounts/%s/Messages.json", (int)blen, base,
	    sid) < 0) {
		t->url = NULL;
		snprintf(err, errlen, "out of memory");
		twilio_fini(t);
		return -1;
	}
	if (twilio_dup(&t->sid, sid, err, errlen) == -1 ||
	    twilio_dup(&t->token, token, err, errlen) == -1 ||
	    (from != NULL && *from != '\0' && twilio_dup(&t->from, from, err, errlen) == -1) ||
	    (service != NULL && *service != '\0' &&
	     twilio_dup(&t->service, service, err, errlen) == -1) ||
	    twilio_dup(&t->status_callback, cb, err, errlen) == -1) {
		twilio_fini(t);
		return -1;
	}
	if (twilio_prepare(t) == -1) {
		snprintf(err, errlen, "out of memory");
		twilio_fini(t);
		return -1;
	}
	*ctx = t;
	return 0;
}

/* Characters (code points) of a UTF-8 string. */
static size_t
twilio_chars(const char *s)
{
	size_t	n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* "+" and 1 to 15 digits. */
static int
twilio_e164(const char *s)
{
	size_t	n = 0;

	if (s == NULL || *s++ != '+')
		return 0;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return 0;
	return n >= 1 && n <= 15;
}

/*
 * The form, in the order CreateMessage takes it: To, From and/or
 * MessagingServiceSid, Body, StatusCallback, ValidityPeriod: each value
 * form-encoded by the host (buf_urlencode), the constant pieces as
 * twilio_prepare encoded them.
 */
static int
twilio_build(void *ctx, const struct od_channel_message *m, struct od_channel_request *req,
    char *err, size_t errlen)
{
	struct twilio			*t = ctx;
	const struct od_channel_host	*h = t->host;
	void				*b = NULL, *inner = NULL;
	const char			*data;
	size_t				 n, len;
	int				 rc = -1;

	if (m->kind != OD_KIND_SMS) {
		snprintf(err, errlen, "sms-twilio sends SMS only (kind %d)", m->kind);
		return -1;
	}
	if (!twilio_e164(m->to)) {
		snprintf(err, errlen, "to is not an E.164 phone number");
		return -1;
	}
	if (m->text == NULL || *m->text == '\0') {
		snprintf(err, errlen, "the SMS text is empty");
		return -1;
	}
	if ((n = twilio_chars(m->text)) > TWILIO_BODY_MAX) {
		snprintf(err, errlen, "the SMS text is %zu characters; Twilio accepts at most %d",
		    n, TWILIO_BODY_MAX);
		return -1;
	}
	if ((b = h->buf_new()) == NULL ||
	    h->buf_append(b, "To=", 3) == -1 || h->buf_urlencode(b, m->to) == -1 ||
	    h->buf_printf(b, "%s", h->buf_data(t->mid, NULL)) == -1 ||
	    twilio_put_field(h, b, "Body", m->text) == -1)
		goto oom;
	if (t->cbpre != NULL && m->attempt_id != NULL) {
		/* the attempt id is encoded in the callback URL, which is encoded again */
		if ((inner = h->buf_new()) == NULL || h->buf_urlencode(inner, m->attempt_id) == -1 ||
		    h->buf_append(b, "&StatusCallback=", 16) == -1 ||
		    h->buf_printf(b, "%s", h->buf_data(t->cbpre, NULL)) == -1 ||
		    h->buf_urlencode(b, h->buf_data(inner, NULL)) == -1)
			goto oom;
	} else if (m->callback_url != NULL &&
	    twilio_put_field(h, b, "StatusCallback", m->callback_url) == -1)
		goto oom;
	if (h->buf_append(b, t->tail, strlen(t->tail)) == -1)
		goto oom;
	data = h->buf_data(b, &len);

	if (h->req_url(req->req, t->url) == -1 ||
	    h->req_method(req->req, "POST") == -1 ||
	    h->req_header(req->req, "Accept: application/json") == -1 ||
	    h->req_header(req->req, "Content-Type: application/x-www-form-urlencoded") == -1 ||
	    h->req_basic_auth(req->req, t->sid, t->token) == -1 ||
	    h->req_body(req->req, data, len) == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (inner != NULL)
		h->buf_free(inner);
	if (b != NULL)
		h->buf_free(b);
	return rc;
}

/*
 * The success path without jansson.  A 2xx reply is a flat JSON object
 * (the Message resource) whose "sid" is all classify needs from it; parsing
 * it with jansson cost more than the rest of the send.  The scanner walks
 * the whole document and only answers when it can tell for sure what
 * json_loadb would give: a valid document (strings checked as UTF-8 and
 * free of controls, numbers jansson reads without overflow, nothing after
 * the object) whose last top-level "sid" (jansson keeps the last of
 * duplicate keys) is a non-empty string written without escapes.  Anything
 * else (an escape in a key or in the sid, \u anywhere, an exponent, a
 * document nested deeper than TWILIO_SCAN_DEPTH, a syntax error, no sid)
 * and jansson decides, as before.
 */
#define TWILIO_SCAN_DEPTH	16

struct twilio_scan {
	const unsigned char	*p, *end;
};

static void
twilio_scan_ws(struct twilio_scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* The length of the valid UTF-8 sequence at p (a lead byte >= 0x80), or 0. */
static size_t
twilio_scan_utf8(const unsigned char *p, const unsigned char *end)
{
	uint32_t	c;
	size_t		n, i;

	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	return n;
}

/*
 * A string at s->p (its opening quote): its raw bytes in *v, *vlen, and
 * whether it has an escape.  Only the two-character escapes are known
 * here.  -1: give up.
 */
static int
twilio_scan_string(struct twilio_scan *s, const char **v, size_t *vlen, int *esc)
{
	const unsigned char	*q = s->p + 1, *start = q;
	size_t			 n;

	*esc = 0;
	while (q < s->end) {
		if (*q == '"') {
			*v = (const char *)start;
			*vlen = (size_t)(q - start);
			s->p = q + 1;
			return 0;
		}
		if (*q < 0x20)
			return -1;
		if (*q == '\\') {
			if (q + 1 == s->end || q[1] == '\0' || strchr("\"\\/bfnrt", q[1]) == NULL)
				return -1;
			*esc = 1;
			q += 2;
		} else if (*q < 0x80)
			q++;
		else if ((n = twilio_scan_utf8(q, s->end)) == 0)
			return -1;
		else
			q += n;
	}
	return -1;
}

/* A number jansson reads as it is: at most 18 digits, an optional short fraction. */
static int
twilio_scan_number(struct twilio_scan *s)
{
	const unsigned char	*q = s->p, *digits;

	if (q < s->end && *q == '-')
		q++;
	digits = q;
	if (q < s->end && *q == '0')
		q++;
	else
		while (q < s->end && *q >= '0' && *q <= '9')
			q++;
	if (q == digits || q - digits > 18 || (q < s->end && *q >= '0' && *q <= '9'))
		return -1;
	if (q < s->end && *q == '.') {
		digits = ++q;
		while (q < s->end && *q >= '0' && *q <= '9')
			q++;
		if (q == digits || q - digits > 18)
			return -1;
	}
	if (q < s->end && (*q == 'e' || *q == 'E'))
		return -1;
	s->p = q;
	return 0;
}

static int	twilio_scan_value(struct twilio_scan *s, int depth, const char **str, size_t *len);

/*
 * An object or an array at s->p.  In the top-level object (depth 0), *sid
 * follows each "sid" key: its value when a string without escapes, else
 * NULL.  -1: give up.
 */
static int
twilio_scan_container(struct twilio_scan *s, int depth, const char **sid, size_t *sidlen)
{
	int		 obj = *s->p == '{', esc;
	unsigned char	 close = obj ? '}' : ']';
	const char	*k, *v;
	size_t		 kn, vn = 0;

	if (depth >= TWILIO_SCAN_DEPTH)
		return -1;
	s->p++;
	twilio_scan_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		k = NULL;
		if (obj) {
			if (s->p == s->end || *s->p != '"' ||
			    twilio_scan_string(s, &k, &kn, &esc) == -1 || esc)
				return -1;
			twilio_scan_ws(s);
			if (s->p == s->end || *s->p != ':')
				return -1;
			s->p++;
			twilio_scan_ws(s);
		}
		v = NULL;
		if (twilio_scan_value(s, depth + 1, &v, &vn) == -1)
			return -1;
		if (depth == 0 && k != NULL && kn == 3 && memcmp(k, "sid", 3) == 0) {
			*sid = v;	/* NULL: not a string, or one with escapes */
			*sidlen = vn;
		}
		twilio_scan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			twilio_scan_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 0;
		}
		return -1;
	}
}

/* A value at s->p; a string without escapes comes back in *str, *len. */
static int
twilio_scan_value(struct twilio_scan *s, int depth, const char **str, size_t *len)
{
	const char	*v, *unused;
	size_t		 vn, unusedlen;
	int		 esc;

	if (s->p == s->end)
		return -1;
	switch (*s->p) {
	case '"':
		if (twilio_scan_string(s, &v, &vn, &esc) == -1)
			return -1;
		if (!esc) {
			*str = v;
			*len = vn;
		}
		return 0;
	case '{':
	case '[':
		return twilio_scan_container(s, depth, &unused, &unusedlen);
	case 't':
	case 'f':
	case 'n':
		v = *s->p == 't' ? "true" : *s->p == 'f' ? "false" : "null";
		vn = strlen(v);
		if ((size_t)(s->end - s->p) < vn || memcmp(s->p, v, vn) != 0)
			return -1;
		s->p += vn;
		return 0;
	default:
		return twilio_scan_number(s);
	}
}

/* 1 with the sid of a 2xx reply, as jansson would read it; 0: let jansson decide. */
static int
twilio_scan_sid(const char *body, size_t len, const char **sid, size_t *sidlen)
{
	struct twilio_scan	s;

	s.p = (const unsigned char *)body;
	s.end = s.p + len;
	*sid = NULL;
	twilio_scan_ws(&s);
	if (s.p == s.end || *s.p != '{' || twilio_scan_container(&s, 0, sid, sidlen) == -1)
		return 0;
	twilio_scan_ws(&s);
	return s.p == s.end && *sid != NULL && *sidlen > 0;
}

static void
twilio_classify(void *ctx, const struct od_channel_message *m,
    const struct od_channel_reply *reply, struct od_channel_result *res)
{
	struct twilio	*t = ctx;
	json_t		*root = NULL, *v;
	json_error_t	 jerr;
	json_int_t	 code = 0;
	const char	*message = NULL, *sid = NULL;
	size_t		 sidlen = 0;
	long		 st = reply->status;

	(void)m;
	if (st >= 200 && st < 300 && reply->body != NULL &&
	    twilio_scan_sid(reply->body, reply->body_len, &sid, &sidlen)) {
		res->outcome = OD_OUTCOME_ACCEPTED;
		snprintf(res->provider_id, sizeof(res->provider_id), "%.*s", (int)sidlen, sid);
		return;
	}
	sid = NULL;
	if (reply->body != NULL && reply->body_len > 0)
		root = json_loadb(reply->body, reply->body_len, 0, &jerr);
	if (json_is_object(root)) {
		if ((v = json_object_get(root, "code")) != NULL && json_is_integer(v))
			code = json_integer_value(v);
		if ((v = json_object_get(root, "message")) != NULL && json_is_string(v))
			message = json_string_value(v);
		if ((v = json_object_get(root, "sid")) != NULL && json_is_string(v))
			sid = json_string_value(v);
	}

	if (st >= 200 && st < 300) {
		if (sid != NULL && *sid != '\0') {
			res->outcome = OD_OUTCOME_ACCEPTED;
			snprintf(res->provider_id, sizeof(res->provider_id), "%s", sid);
		} else {
			/* Twilio took the POST; without a sid we cannot know what it did. */
			od_ch_result(res, "twilio", OD_OUTCOME_UNKNOWN, 0,
			    root ? "2xx reply without a message sid" : "2xx reply that is not JSON",
			    0, NULL, st);
		}
	} else if (st == 429 || code == 20429) {
		/* providers.md: not processed, safe to retry after back-off. */
		od_ch_result(res, "twilio", OD_OUTCOME_RETRYABLE, 0, "too many requests", code, message, st);
		res->retry_after_ms = reply->retry_after_ms;
	} else if (code == 21611 || code == 30001) {
		/* providers.md: queue overflow, slow down. */
		od_ch_result(res, "twilio", OD_OUTCOME_RETRYABLE, 0, "queue overflow, slow down", code,
		    message, st);
		res->retry_after_ms = reply->retry_after_ms;
	} else if (code == 21610) {
		/* providers.md: recipient replied STOP; permanent until START. */
		od_ch_result(res, "twilio", OD_OUTCOME_PERMANENT, OD_RESULT_OPT_OUT,
		    "recipient opted out (STOP)", code, message, st);
	} else if (code == 21211 || code == 30006) {
		/* Invalid number / landline: this channel will never reach them. */
		od_ch_result(res, "twilio", OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK,
		    code == 21211 ? "invalid To number" : "landline or unreachable carrier",
		    code, message, st);
	} else if (code == 30005 || code == 30007) {
		od_ch_result(res, "twilio", OD_OUTCOME_PERMANENT, 0,
		    code == 30005 ? "unknown destination" : "carrier filtering", code, message,
		    st);
	} else if (code == 30003) {
		od_ch_result(res, "twilio", OD_OUTCOME_RETRYABLE, 0, "unreachable handset", code, message,
		    st);
	} else if (st == 401 || st == 403) {
		od_ch_result(res, "twilio", OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG,
		    "credentials refused", code, message, st);
		t->host->log(t->host_ctx, OD_CH_LOG_ERR, "credentials refused (HTTP %ld, code %s): "
		    "check account_sid and auth_token", st, res->code[0] ? res->code : "none");
	} else if (st >= 400 && st < 500) {
		od_ch_result(res, "twilio", OD_OUTCOME_PERMANENT, 0, "request refused", code, message, st);
	} else {
		/* 5xx (and anything else): POSTs are not idempotent at Twilio. */
		od_ch_result(res, "twilio", OD_OUTCOME_UNKNOWN, 0, "the message may or may not have been sent",
		    code, message, st);
	}
	json_decref(root);
}

static const struct od_channel_plugin twilio_plugin = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_plugin),
	.name = "sms-twilio",
	.description = "SMS through Twilio Programmable Messaging (REST, 2010-04-01)",
	.transport = OD_TRANSPORT_HTTP,
	.kinds = 1u << OD_KIND_SMS,
	.init = twilio_init,
	.fini = twilio_fini,
	.build = twilio_build,
	.classify = twilio_classify,
};

__attribute__((visibility("default"))) const struct od_channel_plugin *
od_channel_plugin_entry(void)
{
	return &twilio_plugin;
}
