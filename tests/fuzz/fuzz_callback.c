/*
 * fuzz_callback: every gateway callback handler of od_callback.h, with
 * bogus and with VALID signatures and tokens, so the fuzzer gets past the
 * checks to the parsers behind them.  The harness signs each request for
 * the fuzzed input with fixed secrets, the way each provider does:
 * X-Twilio-Signature (base64 HMAC-SHA1 of the URL and the sorted POST
 * parameters), X-Hub-Signature-256 ("sha256=" hex HMAC-SHA256 of the raw
 * body), the Kannel DLR token (od_cb_token of account and attempt), the
 * Kannel inbound and WhatsApp verify tokens (appended to the query).
 *
 * Input: byte 0 picks the handler (Twilio status, Twilio inbound, WhatsApp
 * GET, WhatsApp POST, Kannel DLR, Kannel inbound); byte 1: bit 0 signs the
 * request, bit 1 takes another content type, bit 2 the other method.  The
 * rest is the query, then after the first NUL the body (no NUL: the body
 * for a POST, the query for a GET).
 *
 * Checked for every request: a status between 200 and 599, a response
 * body of fixed printable text (input is never reflected), items within
 * their bounds and NUL-terminated, and a correctly signed request is never
 * refused for its signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_buf.h"
#include "od_callback.h"
#include "od_form.h"
#include "od_fuzz.h"

#define BASE		"https://cobranzas.example.pe/callbacks/"
#define TW_TOKEN	"12345678901234567890123456789012"
#define WA_SECRET	"meta-app-secret-7f3a"
#define WA_VERIFY	"verify-me-0c1d"
#define CB_SECRET	"callback-secret-0b9d"
#define KN_TOKEN	"kannel-inbound-5e6f"

enum { TW_STATUS, TW_INBOUND, WA_GET, WA_POST, KN_DLR, KN_INBOUND, NMODES };

static const char *const paths[NMODES] = {
	"twilio/status", "twilio/inbound", "whatsapp", "whatsapp", "kannel/dlr", "kannel/inbound",
};

static struct od_cb_result	*res;
static int			 verbose = -1;	/* $OD_FUZZ_VERBOSE: one line per request */

static void
b64(const unsigned char *in, size_t len, char *out)
{
	static const char	 t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = t[in[i] >> 2];
		*out++ = t[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*out++ = t[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*out++ = t[in[i + 2] & 63];
	}
	if (i < len) {
		*out++ = t[in[i] >> 2];
		if (i + 1 < len) {
			*out++ = t[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*out++ = t[(in[i + 1] & 15) << 2];
		} else {
			*out++ = t[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

static int
param_cmp(const void *a, const void *b)
{
	const struct od_form_param	*x = *(const struct od_form_param *const *)a;
	const struct od_form_param	*y = *(const struct od_form_param *const *)b;
	int				 c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/* Twilio's documented algorithm over the POST parameters, decoded. */
static void
twilio_sign(const char *url, const char *body, size_t blen, char *sig)
{
	const struct od_form_param	*sorted[OD_FORM_MAX_PARAMS];
	struct od_form			 f;
	struct od_buf			 b;
	unsigned char			 mac[20];
	int				 n = 0;

	od_form_init(&f, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	od_buf_init(&b);
	od_buf_puts(&b, url);
	if (od_form_parse(&f, body, blen, 1) == NULL) {
		for (int i = 0; i < f.n; i++)
			sorted[n++] = &f.p[i];
		qsort(sorted, (size_t)n, sizeof(sorted[0]), param_cmp);
		for (int i = 0; i < n; i++) {
			od_buf_puts(&b, sorted[i]->name);
			od_buf_puts(&b, sorted[i]->value);
		}
	}
	od_cb_hmac_sha1(TW_TOKEN, strlen(TW_TOKEN), b.data ? b.data : "", b.len, mac);
	b64(mac, sizeof(mac), sig);
	od_buf_free(&b);
	od_form_clear(&f);
}

static void
hex(const unsigned char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

/* The DLR token of the account and attempt given (query, then a form body). */
static int
kannel_token(const char *query, const char *body, size_t blen, int form, char out[65])
{
	struct od_form	 f;
	const char	*account = NULL, *attempt = NULL;
	int		 ok = 0;

	od_form_init(&f, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if (query != NULL)
		(void)od_form_parse(&f, query, strlen(query), 0);
	if (form && body != NULL)
		(void)od_form_parse(&f, body, blen, 1);
	if (od_form_get(&f, "account", &account) == 1 && od_form_get(&f, "attempt", &attempt) == 1) {
		od_cb_token(CB_SECRET, account, attempt, out);
		ok = 1;
	}
	od_form_clear(&f);
	return ok;
}

static void
check_fixed(const char *s, size_t size, const char *what)
{
	const char *nul = memchr(s, '\0', size);

	if (nul == NULL)
		od_fuzz_fail("%s is not NUL-terminated", what);
}

static void
check_result(int mode, int rc, int signed_ok)
{
	const char	*p;

	if (res->http_status < 200 || res->http_status > 599 ||
	    (rc == 0) != (res->http_status < 300))
		od_fuzz_fail("mode %d: rc %d with HTTP %d", mode, rc, res->http_status);
	check_fixed(res->body, sizeof(res->body), "the response body");
	check_fixed(res->content_type, sizeof(res->content_type), "the content type");
	for (p = res->body; *p != '\0'; p++)
		if (*p < 0x20 && *p != '\n')
			od_fuzz_fail("mode %d: a control byte in the response body", mode);
	if (res->nreceipts < 0 || res->nreceipts > OD_CB_MAX_ITEMS || res->nreplies < 0 ||
	    res->nreplies > OD_CB_MAX_ITEMS)
		od_fuzz_fail("mode %d: %d receipts, %d replies", mode, res->nreceipts, res->nreplies);
	for (int i = 0; i < res->nreceipts; i++) {
		const struct od_receipt *r = &res->receipts[i];

		check_fixed(r->account_id, sizeof(r->account_id), "receipt account_id");
		check_fixed(r->attempt_id, sizeof(r->attempt_id), "receipt attempt_id");
		check_fixed(r->provider_id, sizeof(r->provider_id), "receipt provider_id");
		check_fixed(r->state, sizeof(r->state), "receipt state");
		check_fixed(r->code, sizeof(r->code), "receipt code");
		/* a receipt to look up by message id names no attempt, and has the id */
		if (r->lookup && (r->attempt_id[0] != '\0' || r->provider_id[0] == '\0'))
			od_fuzz_fail("mode %d: a lookup receipt with an attempt or without an id",
			    mode);
	}
	for (int i = 0; i < res->nreplies; i++) {
		const struct od_reply *r = &res->replies[i];

		check_fixed(r->channel, sizeof(r->channel), "reply channel");
		check_fixed(r->from, sizeof(r->from), "reply from");
		check_fixed(r->text, sizeof(r->text), "reply text");
		check_fixed(r->provider_id, sizeof(r->provider_id), "reply provider_id");
		if (!od_utf8_valid(r->text, strlen(r->text)))
			od_fuzz_fail("mode %d: a reply's text is not UTF-8 (cut mid-character?)", mode);
		check_fixed(r->payload, sizeof(r->payload), "reply payload");
		check_fixed(r->context_id, sizeof(r->context_id), "reply context_id");
		for (const char *c = r->payload; *c != '\0'; c++)
			if (*c < ' ' || *c > '~')
				od_fuzz_fail("mode %d: a payload that is not printable ASCII", mode);
	}
	if (signed_ok && res->bad_signature)
		od_fuzz_fail("mode %d: a correctly signed request refused for its signature (%s)",
		    mode, res->reason ? res->reason : "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_cb_request	 req;
	const char		*a, *b;
	size_t			 alen, blen;
	char			*query = NULL, *body = NULL, *url, sig[80], tok[65];
	unsigned char		 mac[32];
	int			 mode, flags, get, sign, form, rc = -1, signed_ok = 0;
	size_t			 qlen;

	if (size < 2)
		return 0;
	if (res == NULL && (res = malloc(sizeof(*res))) == NULL)
		abort();
	mode = data[0] % NMODES;
	flags = data[1];
	sign = flags & 1;
	get = mode == WA_GET || mode == KN_INBOUND || (mode == KN_DLR && !(flags & 4));
	if (flags & 4 && mode != KN_DLR)
		get = !get;
	form = mode == TW_STATUS || mode == TW_INBOUND || mode == KN_DLR;
	od_fuzz_split(data + 2, size - 2, &a, &alen, &b, &blen);
	if (b == NULL && !get) {	/* all of it is the body */
		b = a;
		blen = alen;
		a = NULL;
	}
	if (a != NULL && alen > 0) {
		query = od_fuzz_strndup((const uint8_t *)a, alen);
		qlen = strlen(query);
	} else
		qlen = 0;
	if (b != NULL) {
		body = malloc(blen ? blen : 1);
		if (body == NULL)
			abort();
		memcpy(body, b, blen);
	}

	/* The tokens that travel in the query. */
	if (sign && (mode == WA_GET || mode == KN_INBOUND ||
	    (mode == KN_DLR && kannel_token(query, body, blen, !(flags & 2), tok)))) {
		const char	*k = mode == WA_GET ? "hub.verify_token=" WA_VERIFY :
		    mode == KN_INBOUND ? "token=" KN_TOKEN : "token=";
		size_t		 n = qlen + strlen(k) + 70;
		char		*q = malloc(n);

		if (q == NULL)
			abort();
		snprintf(q, n, "%s%s%s%s", query ? query : "", qlen ? "&" : "", k,
		    mode == KN_DLR ? tok : "");
		free(query);
		query = q;
		qlen = strlen(q);
		signed_ok = mode != WA_GET || get;
	}
	if ((url = malloc(sizeof(BASE) + 32 + qlen)) == NULL)
		abort();
	sprintf(url, "%s%s%s%s", BASE, paths[mode], query ? "?" : "", query ? query : "");

	memset(&req, 0, sizeof(req));
	req.method = get ? "GET" : "POST";
	req.url = url;
	req.path = url + strlen("https://cobranzas.example.pe");
	req.query = query;
	req.body = body;
	req.body_len = body ? blen : 0;
	if (form)
		req.content_type = flags & 2 ? "text/plain" : "application/x-www-form-urlencoded";
	else
		req.content_type = flags & 2 ? "application/x-www-form-urlencoded; charset=utf-8" :
		    "application/json";
	req.signature = "bogus";
	if (sign && !get && (mode == TW_STATUS || mode == TW_INBOUND)) {
		twilio_sign(url, body ? body : "", req.body_len, sig);
		req.signature = sig;
		signed_ok = 1;
	} else if (sign && !get && mode == WA_POST) {
		od_cb_hmac_sha256(WA_SECRET, strlen(WA_SECRET), body ? body : "", req.body_len, mac);
		memcpy(sig, "sha256=", 7);
		hex(mac, sizeof(mac), sig + 7);
		req.signature = sig;
		signed_ok = 1;
	} else if (sign && mode == WA_GET) {
		req.signature = NULL;
	}

	switch (mode) {
	case TW_STATUS:
		rc = od_cb_twilio_status(&req, TW_TOKEN, res);
		break;
	case TW_INBOUND:
		rc = od_cb_twilio_inbound(&req, TW_TOKEN, res);
		break;
	case WA_GET:
	case WA_POST:
		rc = od_cb_whatsapp(&req, WA_VERIFY, WA_SECRET, res);
		break;
	case KN_DLR:
		rc = od_cb_kannel_dlr(&req, CB_SECRET, res);
		break;
	case KN_INBOUND:
		rc = od_cb_kannel_inbound(&req, KN_TOKEN, res);
		break;
	}
	check_result(mode, rc, signed_ok);
	if (verbose < 0)
		verbose = getenv("OD_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "mode %d %s%s: HTTP %d %s, %d receipts, %d replies\n", mode,
		    req.method, signed_ok ? " signed" : "", res->http_status,
		    res->reason ? res->reason : "ok", res->nreceipts, res->nreplies);
	free(url);
	free(query);
	free(body);
	return 0;
}
