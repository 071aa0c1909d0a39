/*
 * od_callback: gateway callbacks — Twilio status and inbound SMS, the
 * WhatsApp Cloud API webhook, Kannel DLRs and inbound SMS — checked,
 * parsed and turned into receipts and replies (see od_callback.h and
 * docs/callbacks.md).  Facts: ../shared/reference/providers.md.
 */
#include "od_callback.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "od_account.h"
#include "od_buf.h"
#include "od_codec.h"
#include "od_form.h"
#include "od_time.h"

/* Response bodies: fixed strings only, so nothing a caller sent is ever reflected. */
static int
cb_answer(struct od_cb_result *res, int status, const char *reason)
{
	const char *body;

	switch (status) {
	case 200: body = "ok\n"; break;
	case 400: body = "bad request\n"; break;
	case 403: body = "forbidden\n"; break;
	case 405: body = "method not allowed\n"; break;
	case 413: body = "payload too large\n"; break;
	default: body = "error\n"; break;
	}
	res->http_status = status;
	snprintf(res->content_type, sizeof(res->content_type), "text/plain; charset=utf-8");
	snprintf(res->body, sizeof(res->body), "%s", body);
	res->reason = reason;
	if (status == 403)
		res->bad_signature = 1;
	return status < 300 ? 0 : -1;
}

static void
cb_reset(struct od_cb_result *res)
{
	res->http_status = 500;
	res->content_type[0] = res->body[0] = '\0';
	res->reason = NULL;
	res->bad_signature = res->ignored = res->unmatched = 0;
	res->nreceipts = res->nreplies = 0;
}

/* The query, and the body when it is a form, decoded into f.  NULL, or why not. */
static const char *
cb_params_parse(struct od_form *f, const struct od_cb_request *req, int body_is_form)
{
	const char *why;

	if (req->query != NULL &&
	    (why = od_form_parse(f, req->query, strlen(req->query), 0)) != NULL)
		return why;
	if (body_is_form && req->body != NULL)
		return od_form_parse(f, req->body, req->body_len, 1);
	return NULL;
}

/* Every name given at most once: 0, or -1. */
static int
cb_unique(const struct od_form *ps, const char *const *names)
{
	const char *v;

	for (; *names != NULL; names++)
		if (od_form_get(ps, *names, &v) == -1)
			return -1;
	return 0;
}

/* A provider's id: printable ASCII without spaces, and it fits. */
static int
cb_id_ok(const char *s, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] <= ' ' || s[n] > '~')
			return 0;
	return n < max;
}

/* The account and attempt a callback URL names; the attempt must be one of that account's. */
static int
cb_attempt_ok(const char *account, const char *attempt)
{
	size_t n = strlen(account);

	return n > 0 && n < sizeof(((struct od_receipt *)0)->account_id) &&
	    strlen(attempt) < sizeof(((struct od_receipt *)0)->attempt_id) &&
	    strncmp(attempt, account, n) == 0 && attempt[n] == ':' && cb_id_ok(attempt, 420);
}

static void
cb_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Copies UTF-8 text, cut at a character boundary. */
static void
cb_copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
cb_is_form(const struct od_cb_request *req)
{
	return req->content_type != NULL &&
	    strncasecmp(req->content_type, "application/x-www-form-urlencoded", 33) == 0 &&
	    (req->content_type[33] == '\0' || req->content_type[33] == ';');
}

/* Common checks: method, size.  -1 with res answered. */
static int
cb_begin(const struct od_cb_request *req, struct od_cb_result *res, int get_ok, int post_ok)
{
	cb_reset(res);
	if (req == NULL || req->method == NULL ||
	    !((get_ok && strcmp(req->method, "GET") == 0) ||
	    (post_ok && strcmp(req->method, "POST") == 0)))
		return cb_answer(res, 405, "method not allowed");
	if (req->body_len > OD_CB_MAX_BODY)
		return cb_answer(res, 413, "body over 64 KiB");
	if (req->query != NULL && strlen(req->query) > OD_CB_MAX_BODY)
		return cb_answer(res, 413, "query over 64 KiB");
	return 0;
}

static const char *
cb_state_twilio(const char *s)
{
	static const char *const map[][2] = {
		{ "delivered", "delivered" }, { "undelivered", "undelivered" },
		{ "failed", "failed" }, { "read", "read" }, { "sent", "sent" },
		{ "queued", "queued" }, { "accepted", "queued" }, { "scheduled", "queued" },
		{ "sending", "queued" }, { "canceled", "failed" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static int
cb_cmp_param(const void *a, const void *b)
{
	const struct od_form_param	*x = *(const struct od_form_param *const *)a;
	const struct od_form_param	*y = *(const struct od_form_param *const *)b;
	int				 c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/*
 * X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + every POST
 * parameter sorted by name, each name then value)).  1 good, 0 not.
 */
static int
cb_twilio_signed(const struct od_cb_request *req, const struct od_form *ps, const char *token)
{
	const struct od_form_param	*sorted[OD_CB_MAX_PARAMS];
	struct od_buf			 b;
	unsigned char			 mac[20];
	char				 want[OD_CODEC_BASE64_SIZE(sizeof(mac))];
	int				 i, n = 0, ok;

	if (token == NULL || *token == '\0' || req->signature == NULL || req->url == NULL)
		return 0;
	for (i = 0; i < ps->n; i++)
		if (ps->p[i].part == 1)
			sorted[n++] = &ps->p[i];
	qsort(sorted, (size_t)n, sizeof(sorted[0]), cb_cmp_param);
	od_buf_init(&b);
	od_buf_puts(&b, req->url);
	for (i = 0; i < n; i++) {
		od_buf_puts(&b, sorted[i]->name);
		od_buf_puts(&b, sorted[i]->value);
	}
	if (b.oom) {
		od_buf_free(&b);
		return 0;
	}
	od_cb_hmac_sha1(token, strlen(token), b.data, b.len, mac);
	od_buf_free(&b);
	od_codec_base64(want, mac, sizeof(mac));
	ok = od_cb_equal(want, strlen(want), req->signature, strlen(req->signature));
	return ok;
}

/* Parses a Twilio form POST and checks its signature.  -1 with res answered. */
static int
cb_twilio_begin(const struct od_cb_request *req, const char *auth_token, struct od_form *ps,
    struct od_cb_result *res, const char *const *critical)
{
	const char *why;

	if (cb_begin(req, res, 0, 1) == -1)
		return -1;
	if (!cb_is_form(req))
		return cb_answer(res, 400, "not a form");
	if ((why = cb_params_parse(ps, req, 1)) != NULL)
		return cb_answer(res, 400, why);
	if (!cb_twilio_signed(req, ps, auth_token))
		return cb_answer(res, 403, "bad X-Twilio-Signature");
	if (cb_unique(ps, critical) == -1)
		return cb_answer(res, 400, "a parameter given twice");
	return 0;
}

int
od_cb_twilio_status(const struct od_cb_request *req, const char *auth_token,
    struct od_cb_result *res)
{
	static const char *const critical[] = { "account", "attempt", "MessageSid",
		"MessageStatus", "ErrorCode", NULL };
	struct od_form		 ps;
	struct od_receipt	*r;
	const char		*account, *attempt, *sid, *status, *code, *state;
	int			 rc;

	od_form_init(&ps, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if ((rc = cb_twilio_begin(req, auth_token, &ps, res, critical)) == -1)
		goto out;
	od_form_get(&ps, "account", &account);
	od_form_get(&ps, "attempt", &attempt);
	od_form_get(&ps, "MessageSid", &sid);
	od_form_get(&ps, "MessageStatus", &status);
	od_form_get(&ps, "ErrorCode", &code);
	if (account == NULL || attempt == NULL || !cb_attempt_ok(account, attempt)) {
		rc = cb_answer(res, 400, "no account and attempt of ours");
		goto out;
	}
	if (sid == NULL || !cb_id_ok(sid, sizeof(r->provider_id)) || status == NULL ||
	    (code != NULL && (strlen(code) >= sizeof(r->code) || strspn(code, "0123456789") !=
	    strlen(code)))) {
		rc = cb_answer(res, 400, "bad MessageSid, MessageStatus or ErrorCode");
		goto out;
	}
	if ((state = cb_state_twilio(status)) == NULL) {
		res->ignored++;
		rc = cb_answer(res, 200, NULL);
		goto out;
	}
	r = &res->receipts[res->nreceipts++];
	memset(r, 0, sizeof(*r));	/* the handlers reuse res: nothing of an earlier receipt stays */
	cb_copy(r->account_id, sizeof(r->account_id), account);
	cb_copy(r->attempt_id, sizeof(r->attempt_id), attempt);
	cb_copy(r->provider_id, sizeof(r->provider_id), sid);
	cb_copy(r->state, sizeof(r->state), state);
	cb_copy(r->code, sizeof(r->code), code);
	r->at_ms = od_now_ms();
	r->match_provider = 1;		/* the MessageSid of the send's 201 */
	rc = cb_answer(res, 200, NULL);
out:
	od_form_clear(&ps);
	return rc;
}

static struct od_reply *
cb_add_reply(struct od_cb_result *res, const char *channel, const char *from, const char *text,
    const char *provider_id, int64_t at_ms)
{
	struct od_reply *r = &res->replies[res->nreplies++];

	cb_copy(r->channel, sizeof(r->channel), channel);
	cb_copy(r->from, sizeof(r->from), from);
	cb_copy_text(r->text, sizeof(r->text), text);
	cb_copy(r->provider_id, sizeof(r->provider_id), provider_id);
	r->opt_out = od_cb_optout_match(text, NULL);
	r->at_ms = at_ms;
	r->payload[0] = r->context_id[0] = '\0';
	return r;
}

static void
cb_answer_twiml(struct od_cb_result *res)
{
	snprintf(res->content_type, sizeof(res->content_type), "text/xml; charset=utf-8");
	snprintf(res->body, sizeof(res->body),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>\n");
}

int
od_cb_twilio_inbound(const struct od_cb_request *req, const char *auth_token,
    struct od_cb_result *res)
{
	static const char *const critical[] = { "From", "Body", "MessageSid", NULL };
	struct od_form		 ps;
	const char		*from, *body, *sid;
	int			 rc;

	od_form_init(&ps, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if ((rc = cb_twilio_begin(req, auth_token, &ps, res, critical)) == -1)
		goto out;
	od_form_get(&ps, "From", &from);
	od_form_get(&ps, "Body", &body);
	od_form_get(&ps, "MessageSid", &sid);
	if (from == NULL || !od_phone_valid(from) || body == NULL ||
	    (sid != NULL && !cb_id_ok(sid, sizeof(res->replies[0].provider_id)))) {
		rc = cb_answer(res, 400, "bad From, Body or MessageSid");
		goto out;
	}
	cb_add_reply(res, "sms", from, body, sid, od_now_ms());
	rc = cb_answer(res, 200, NULL);
	cb_answer_twiml(res);
out:
	od_form_clear(&ps);
	return rc;
}

static const char *
cb_state_kannel(const char *s, char *code, size_t len)
{
	static const struct { const char *v, *state; } map[] = {
		{ "1", "delivered" }, { "2", "failed" }, { "4", "queued" }, { "8", "sent" },
		{ "16", "failed" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i].v) == 0) {
			snprintf(code, len, "%s", map[i].v);
			return map[i].state;
		}
	return NULL;
}

int
od_cb_kannel_dlr(const struct od_cb_request *req, const char *secret, struct od_cb_result *res)
{
	static const char *const critical[] = { "account", "attempt", "token", "status", "smsc_id",
		NULL };
	struct od_form		 ps;
	struct od_receipt	*r;
	const char		*account, *attempt, *token, *status, *smsc_id, *why, *state;
	char			 want[65], code[8];
	int			 rc;

	od_form_init(&ps, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if ((rc = cb_begin(req, res, 1, 1)) == -1)
		goto out;
	if ((why = cb_params_parse(&ps, req, cb_is_form(req))) != NULL) {
		rc = cb_answer(res, 400, why);
		goto out;
	}
	if (cb_unique(&ps, critical) == -1) {
		rc = cb_answer(res, 400, "a parameter given twice");
		goto out;
	}
	od_form_get(&ps, "account", &account);
	od_form_get(&ps, "attempt", &attempt);
	od_form_get(&ps, "token", &token);
	od_form_get(&ps, "status", &status);
	od_form_get(&ps, "smsc_id", &smsc_id);
	if (account == NULL || attempt == NULL || !cb_attempt_ok(account, attempt)) {
		rc = cb_answer(res, 400, "no account and attempt of ours");
		goto out;
	}
	if (secret == NULL || *secret == '\0' || token == NULL) {
		rc = cb_answer(res, 403, "no DLR token");
		goto out;
	}
	od_cb_token(secret, account, attempt, want);
	if (!od_cb_equal(want, 64, token, strlen(token))) {
		rc = cb_answer(res, 403, "bad DLR token");
		goto out;
	}
	if (status == NULL || (state = cb_state_kannel(status, code, sizeof(code))) == NULL ||
	    (smsc_id != NULL && *smsc_id != '\0' && !cb_id_ok(smsc_id, sizeof(r->provider_id)))) {
		rc = cb_answer(res, 400, "bad DLR status or smsc_id");
		goto out;
	}
	r = &res->receipts[res->nreceipts++];
	memset(r, 0, sizeof(*r));
	cb_copy(r->account_id, sizeof(r->account_id), account);
	cb_copy(r->attempt_id, sizeof(r->attempt_id), attempt);
	cb_copy(r->provider_id, sizeof(r->provider_id), smsc_id);
	cb_copy(r->state, sizeof(r->state), state);
	cb_copy(r->code, sizeof(r->code), code);
	r->at_ms = od_now_ms();
	r->match_provider = 0;		/* %F is the SMSC's id; the token named the attempt */
	rc = cb_answer(res, 200, NULL);
out:
	od_form_clear(&ps);
	return rc;
}

int
od_cb_kannel_inbound(const struct od_cb_request *req, const char *token, struct od_cb_result *res)
{
	static const char *const critical[] = { "from", "text", "token", NULL };
	struct od_form		 ps;
	const char		*from, *text, *given, *why;
	char			 e164[32];
	int			 rc;

	od_form_init(&ps, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if ((rc = cb_begin(req, res, 1, 1)) == -1)
		goto out;
	if ((why = cb_params_parse(&ps, req, cb_is_form(req))) != NULL) {
		rc = cb_answer(res, 400, why);
		goto out;
	}
	if (cb_unique(&ps, critical) == -1) {
		rc = cb_answer(res, 400, "a parameter given twice");
		goto out;
	}
	od_form_get(&ps, "token", &given);
	if (token == NULL || *token == '\0' || given == NULL ||
	    !od_cb_equal(token, strlen(token), given, strlen(given))) {
		rc = cb_answer(res, 403, "bad inbound token");
		goto out;
	}
	od_form_get(&ps, "from", &from);
	od_form_get(&ps, "text", &text);
	/* Kannel passes the sender as the SMSC gives it: "+51...", "0051..." or "51...". */
	if (from != NULL && strncmp(from, "00", 2) == 0)
		from += 2;
	else if (from != NULL && *from == '+')
		from++;
	if (from == NULL || strlen(from) > 20 || text == NULL) {
		rc = cb_answer(res, 400, "bad from or text");
		goto out;
	}
	snprintf(e164, sizeof(e164), "+%s", from);
	if (!od_phone_valid(e164)) {
		rc = cb_answer(res, 400, "bad from or text");
		goto out;
	}
	cb_add_reply(res, "sms", e164, text, NULL, od_now_ms());
	rc = cb_answer(res, 200, NULL);
out:
	od_form_clear(&ps);
	return rc;
}

/* ---- WhatsApp Cloud API ------------------------------------------------ */

/* "account=..&attempt=..", alone or as a URL's query (biz_opaque_callback_data). */
static int
cb_wa_opaque(const char *s, struct od_receipt *r)
{
	struct od_form	 f;
	const char	*q, *account, *attempt;
	int		 ok = 0;

	od_form_init(&f, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if ((q = strchr(s, '?')) != NULL)
		s = q + 1;
	if (od_form_parse(&f, s, strlen(s), 0) == NULL && od_form_get(&f, "account", &account) == 1 &&
	    od_form_get(&f, "attempt", &attempt) == 1 && cb_attempt_ok(account, attempt)) {
		cb_copy(r->account_id, sizeof(r->account_id), account);
		cb_copy(r->attempt_id, sizeof(r->attempt_id), attempt);
		ok = 1;
	}
	od_form_clear(&f);
	return ok;
}

static int64_t
cb_wa_time(const json_t *o)
{
	const char	*s = json_string_value(json_object_get(o, "timestamp"));
	char		*end;
	long long	 v;

	if (s == NULL)
		return od_now_ms();
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || end == s || v < 0 || v > 100000000000LL)
		return -1;
	return (int64_t)v * 1000;
}

static const char *
cb_wa_status(const json_t *st, struct od_cb_result *res)
{
	static const char *const states[] = { "sent", "delivered", "read", "failed", NULL };
	struct od_receipt	 r;
	const char		*id, *status, *opaque;
	const json_t		*errs;
	int			 i;

	if (!json_is_object(st))
		return "status not an object";
	id = json_string_value(json_object_get(st, "id"));
	status = json_string_value(json_object_get(st, "status"));
	if (id == NULL || id[0] == '\0' || status == NULL || !cb_id_ok(id, sizeof(r.provider_id)))
		return "status without id or status";	/* an empty id could be looked up as nothing */
	memset(&r, 0, sizeof(r));
	if ((r.at_ms = cb_wa_time(st)) < 0)
		return "bad timestamp";
	for (i = 0; states[i] != NULL && strcmp(states[i], status) != 0; i++)
		;
	if (states[i] == NULL) {
		res->ignored++;
		return NULL;
	}
	errs = json_object_get(st, "errors");
	if (json_is_array(errs) && json_array_size(errs) > 0 &&
	    json_is_integer(json_object_get(json_array_get(errs, 0), "code")))
		snprintf(r.code, sizeof(r.code), "%lld",
		    (long long)json_integer_value(json_object_get(json_array_get(errs, 0), "code")));
	opaque = json_string_value(json_object_get(st, "biz_opaque_callback_data"));
	if (opaque == NULL || !cb_wa_opaque(opaque, &r)) {
		/* no attempt named: found by its message id (od_wamid.h, od_hooks.c) */
		res->unmatched++;
		r.account_id[0] = r.attempt_id[0] = '\0';
		r.lookup = 1;
	}
	if (res->nreceipts >= OD_CB_MAX_ITEMS)
		return "too many";
	cb_copy(r.provider_id, sizeof(r.provider_id), id);
	cb_copy(r.state, sizeof(r.state), status);
	r.match_provider = 1;		/* the wamid of the send's reply */
	res->receipts[res->nreceipts++] = r;
	return NULL;
}

/* A button's payload: printable ASCII (spaces allowed) that fits, else dropped. */
static void
cb_wa_payload(struct od_reply *r, const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < ' ' || s[n] > '~')
			return;
	if (n > 0 && n < sizeof(r->payload))
		memcpy(r->payload, s, n + 1);
}

static const char *
cb_wa_message(const json_t *m, struct od_cb_result *res)
{
	const char	*from, *id, *type, *text = NULL, *payload = NULL, *ctx;
	const json_t	*ia, *o;
	struct od_reply	*r;
	char		 e164[32];
	int64_t		 at;

	if (!json_is_object(m))
		return "message not an object";
	from = json_string_value(json_object_get(m, "from"));
	id = json_string_value(json_object_get(m, "id"));
	type = json_string_value(json_object_get(m, "type"));
	if (from == NULL || id == NULL || type == NULL || strlen(from) > 20 ||
	    !cb_id_ok(id, sizeof(res->replies[0].provider_id)))
		return "message without from, id or type";
	snprintf(e164, sizeof(e164), "+%s", from);
	if (!od_phone_valid(e164))
		return "bad from";
	if ((at = cb_wa_time(m)) < 0)
		return "bad timestamp";
	if (strcmp(type, "text") == 0)
		text = json_string_value(json_object_get(json_object_get(m, "text"), "body"));
	else if (strcmp(type, "button") == 0) {
		/* a template's quick reply: its visible text, and the payload we sent */
		o = json_object_get(m, "button");
		text = json_string_value(json_object_get(o, "text"));
		payload = json_string_value(json_object_get(o, "payload"));
	} else if (strcmp(type, "interactive") == 0) {
		ia = json_object_get(m, "interactive");
		if ((o = json_object_get(ia, "button_reply")) == NULL)
			o = json_object_get(ia, "list_reply");
		text = json_string_value(json_object_get(o, "title"));
		payload = json_string_value(json_object_get(o, "id"));
	} else {
		res->ignored++;		/* images, audio, reactions...: nothing to read */
		return NULL;
	}
	if (text == NULL)
		return "message without its text";
	if (strlen(text) > OD_CB_MAX_VALUE)
		return "text too long";
	if (res->nreplies >= OD_CB_MAX_ITEMS)
		return "too many";
	r = cb_add_reply(res, "whatsapp", e164, text, id, at);
	cb_wa_payload(r, payload);
	/* the message of ours it answers (a tap always has one; typed replies may) */
	ctx = json_string_value(json_object_get(json_object_get(m, "context"), "id"));
	if (ctx != NULL && cb_id_ok(ctx, sizeof(r->context_id)))
		cb_copy(r->context_id, sizeof(r->context_id), ctx);
	return NULL;
}

static const char *
cb_wa_body(const json_t *root, struct od_cb_result *res)
{
	const json_t	*entry, *e, *changes, *c, *value, *a, *x;
	const char	*why;
	size_t		 i, j, k;

	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "object")) ||
	    strcmp(json_string_value(json_object_get(root, "object")),
	    "whatsapp_business_account") != 0 ||
	    !json_is_array(entry = json_object_get(root, "entry")))
		return "not a WhatsApp Business webhook";
	json_array_foreach(entry, i, e) {
		if (!json_is_array(changes = json_object_get(e, "changes")))
			return "entry without changes";
		json_array_foreach(changes, j, c) {
			if (!json_is_object(value = json_object_get(c, "value")))
				return "change without value";
			if ((a = json_object_get(value, "statuses")) != NULL) {
				if (!json_is_array(a))
					return "statuses not an array";
				json_array_foreach(a, k, x)
					if ((why = cb_wa_status(x, res)) != NULL)
						return why;
			}
			if ((a = json_object_get(value, "messages")) != NULL) {
				if (!json_is_array(a))
					return "messages not an array";
				json_array_foreach(a, k, x)
					if ((why = cb_wa_message(x, res)) != NULL)
						return why;
			}
		}
	}
	return NULL;
}

/* X-Hub-Signature-256: "sha256=" + hex(HMAC-SHA256(app secret, raw body)). */
static int
cb_wa_signed(const struct od_cb_request *req, const char *app_secret)
{
	unsigned char	 mac[32], got[32];
	const char	*s = req->signature;

	if (app_secret == NULL || *app_secret == '\0' || s == NULL ||
	    strncmp(s, "sha256=", 7) != 0 || od_codec_unhex(s + 7, strlen(s + 7), got,
	    sizeof(got)) == -1)
		return 0;
	od_cb_hmac_sha256(app_secret, strlen(app_secret), req->body ? req->body : "",
	    req->body_len, mac);
	return od_cb_equal(mac, sizeof(mac), got, sizeof(got));
}

int
od_cb_whatsapp(const struct od_cb_request *req, const char *verify_token, const char *app_secret,
    struct od_cb_result *res)
{
	static const char *const critical[] = { "hub.mode", "hub.verify_token", "hub.challenge",
		NULL };
	struct od_form		 ps;
	const char		*mode, *given, *challenge, *why;
	json_t			*root;
	json_error_t		 jerr;
	int			 rc;

	od_form_init(&ps, OD_CB_MAX_PARAMS, OD_CB_MAX_VALUE);
	if ((rc = cb_begin(req, res, 1, 1)) == -1)
		goto out;
	if (strcmp(req->method, "GET") == 0) {
		if ((why = cb_params_parse(&ps, req, 0)) != NULL || cb_unique(&ps, critical) == -1) {
			rc = cb_answer(res, 400, why ? why : "a parameter given twice");
			goto out;
		}
		od_form_get(&ps, "hub.mode", &mode);
		od_form_get(&ps, "hub.verify_token", &given);
		od_form_get(&ps, "hub.challenge", &challenge);
		if (verify_token == NULL || *verify_token == '\0' || given == NULL ||
		    !od_cb_equal(verify_token, strlen(verify_token), given, strlen(given))) {
			rc = cb_answer(res, 403, "bad hub.verify_token");
			goto out;
		}
		if (mode == NULL || strcmp(mode, "subscribe") != 0 || challenge == NULL ||
		    *challenge == '\0' || strlen(challenge) > 64 ||
		    strspn(challenge, "0123456789") != strlen(challenge)) {
			rc = cb_answer(res, 400, "bad hub.mode or hub.challenge");
			goto out;
		}
		rc = cb_answer(res, 200, NULL);
		snprintf(res->body, sizeof(res->body), "%s", challenge);	/* digits only */
		goto out;
	}
	if (req->content_type == NULL ||
	    strncasecmp(req->content_type, "application/json", 16) != 0) {
		rc = cb_answer(res, 400, "not JSON");
		goto out;
	}
	if (!cb_wa_signed(req, app_secret)) {
		rc = cb_answer(res, 403, "bad X-Hub-Signature-256");
		goto out;
	}
	if ((root = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		rc = cb_answer(res, 400, "invalid JSON");
		goto out;
	}
	why = cb_wa_body(root, res);
	json_decref(root);
	if (why != NULL) {
		res->nreceipts = res->nreplies = 0;
		rc = cb_answer(res, strcmp(why, "too many") == 0 ? 413 : 400, why);
		goto out;
	}
	rc = cb_answer(res, 200, NULL);
out:
	od_form_clear(&ps);
	return rc;
}
