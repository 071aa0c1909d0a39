/*
 * whatsapp-cloud: approved template messages through Meta's WhatsApp
 * Business Cloud API.
 *
 * POST {base_url}/{api_version}/{phone_number_id}/messages, Authorization:
 * Bearer <access_token>, a JSON template message.  Facts:
 * ../shared/reference/providers.md ("WhatsApp Business Cloud API"); the body
 * is what ../shared/contracts/whatsapp_send.yaml (sendMessage,
 * TemplateMessage) accepts: recipient_type "individual" and language
 * {"policy":"deterministic","code":...} are required there.
 *
 * A template's buttons (msg->wa_buttons) go as "button" components, one
 * per button that takes a parameter, "index" its position in the approved
 * template: {"type":"button","sub_type":"quick_reply","index":"0",
 * "parameters":[{"type":"payload","payload":"accept"}]}, and for a dynamic
 * URL button sub_type "url" with [{"type":"text","text":"<suffix>"}].
 * (Meta's v23.0 spec gives "index" the pattern ^[2-6, 11-14]$, which
 * refuses "0" although its own example and description use 0-9: a bug of
 * the spec, see tests/test_it_prism.c.)
 *
 * A template message also carries biz_opaque_callback_data
 * "account=<id>&attempt=<id>" (form-encoded, at most 512 bytes, else left
 * out), which Meta echoes in the statuses of the message: the webhook
 * (daemon/od_callback.c) matches receipts with it, and through the
 * message id index otherwise.  v23.0's TextMessage refuses unknown
 * properties, so a session message carries none.
 *
 * msg->wa_session: a free-form text message instead (inside the 24-hour
 * customer-service window only; Meta answers 131047 outside it):
 * {"messaging_product":"whatsapp","recipient_type":"individual","to":..,
 * "type":"text","text":{"body":..}}.
 *
 * Settings: base_url (default https://graph.facebook.com), api_version
 * (default v23.0), phone_number_id, access_token (secret).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "od_channel.h"
#include "od_channel_util.h"

struct whatsapp {
	const struct od_channel_host	*host;
	void				*host_ctx;
	char				*url;		/* .../messages */
	char				*auth;		/* "Authorization: Bearer ..." */
};

static void
whatsapp_fini(void *ctx)
{
	struct whatsapp *w = ctx;

	if (w == NULL)
		return;
	free(w->url);
	free(w->auth);
	free(w);
}

static int
whatsapp_token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7F)
			return 0;
	return 1;
}

static int
whatsapp_init(const struct od_channel_host *host, void *host_ctx, void **ctx, char *err,
    size_t errlen)
{
	struct whatsapp	*w;
	const char	*base, *version, *phone, *token;
	size_t		 blen;

	if (host->abi_version != OD_CHANNEL_ABI_VERSION || host->size < sizeof(*host)) {
		snprintf(err, errlen, "host ABI %u, plugin ABI %u", host->abi_version,
		    OD_CHANNEL_ABI_VERSION);
		return -1;
	}
	if ((base = host->setting(host_ctx, "base_url")) == NULL)
		base = "https://graph.facebook.com";
	if ((version = host->setting(host_ctx, "api_version")) == NULL)
		version = "v23.0";
	phone = host->setting(host_ctx, "phone_number_id");
	token = host->secret(host_ctx, "access_token");
	if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0) {
		snprintf(err, errlen, "base_url must be an http:// or https:// URL");
		return -1;
	}
	if (version[0] != 'v' || strspn(version + 1, "0123456789.") != strlen(version + 1) ||
	    version[1] == '\0') {
		snprintf(err, errlen, "api_version must look like v23.0");
		return -1;
	}
	if (phone == NULL || *phone == '\0') {
		snprintf(err, errlen, "setting phone_number_id is missing");
		return -1;
	}
	if (strspn(phone, "0123456789") != strlen(phone)) {
		snprintf(err, errlen, "phone_number_id must be the numeric ID Meta gives the number");
		return -1;
	}
	if (token == NULL || *token == '\0') {
		snprintf(err, errlen, "secret access_token is missing (set access_token_file or "
		    "access_token_env)");
		return -1;
	}
	if (!whatsapp_token_ok(token)) {
		snprintf(err, errlen, "access_token contains spaces or control characters");
		return -1;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->host = host;
	w->host_ctx = host_ctx;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (asprintf(&w->url, "%.*s/%s/%s/messages", (int)blen, base, version, phone) < 0)
		w->url = NULL;
	if (asprintf(&w->auth, "Authorization: Bearer %s", token) < 0)
		w->auth = NULL;
	if (w->url == NULL || w->auth == NULL) {
		snprintf(err, errlen, "out of memory");
		whatsapp_fini(w);
		return -1;
	}
	*ctx = w;
	return 0;
}

#define WA_MAX_BUTTONS		10	/* a template has at most 10 buttons */
#define WA_MAX_TEXT		4096	/* characters of a text message's body */
#define WA_MAX_OPAQUE		512	/* bytes of biz_opaque_callback_data */

/* UTF-8 characters of s (its bytes that do not continue a character). */
static size_t
whatsapp_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Checks the rendered buttons.  0, or -1 with err set. */
static int
whatsapp_buttons_ok(const struct od_channel_message *m, char *err, size_t errlen)
{
	const char	*b;
	size_t		 i;

	if (m->wa_nbuttons > WA_MAX_BUTTONS) {
		snprintf(err, errlen, "%zu WhatsApp buttons: a template has at most %d",
		    m->wa_nbuttons, WA_MAX_BUTTONS);
		return -1;
	}
	for (i = 0; i < m->wa_nbuttons; i++) {
		b = m->wa_buttons[i];
		if (b != NULL && strcmp(b, "static:") == 0)
			continue;
		if (b == NULL || !((strncmp(b, "quick_reply:", 12) == 0 && b[12] != '\0') ||
		    (strncmp(b, "url:", 4) == 0 && b[4] != '\0'))) {
			snprintf(err, errlen, "WhatsApp button %zu is neither quick_reply:<payload>, "
			    "url:<suffix> nor static:, or its value is empty", i + 1);
			return -1;
		}
	}
	return 0;
}

/* The template message: name, language, body parameters, buttons, opaque data. */
static void
whatsapp_template_body(const struct whatsapp *w, const struct od_channel_message *m, void *b)
{
	const struct od_channel_host	*h = w->host;
	const char			*btn, *opaque;
	void				*o;
	size_t				 i, n = 0, olen;

	h->buf_printf(b, ",\"type\":\"template\",\"template\":{\"name\":");
	h->buf_json_string(b, m->wa_name);
	h->buf_printf(b, ",\"language\":{\"policy\":\"deterministic\",\"code\":");
	h->buf_json_string(b, m->wa_language);
	h->buf_printf(b, "}");
	if (m->wa_nparams > 0 || m->wa_nbuttons > 0)
		h->buf_printf(b, ",\"components\":[");
	if (m->wa_nparams > 0) {
		h->buf_printf(b, "{\"type\":\"body\",\"parameters\":[");
		for (i = 0; i < m->wa_nparams; i++) {
			h->buf_printf(b, "%s{\"type\":\"text\",\"text\":", i ? "," : "");
			h->buf_json_string(b, m->wa_params[i]);
			h->buf_printf(b, "}");
		}
		h->buf_printf(b, "]}");
		n++;
	}
	for (i = 0; i < m->wa_nbuttons; i++) {
		btn = m->wa_buttons[i];
		if (strncmp(btn, "quick_reply:", 12) == 0) {
			h->buf_printf(b, "%s{\"type\":\"button\",\"sub_type\":\"quick_reply\","
			    "\"index\":\"%zu\",\"parameters\":[{\"type\":\"payload\",\"payload\":",
			    n ? "," : "", i);
			h->buf_json_string(b, btn + 12);
		} else if (strncmp(btn, "url:", 4) == 0) {
			h->buf_printf(b, "%s{\"type\":\"button\",\"sub_type\":\"url\","
			    "\"index\":\"%zu\",\"parameters\":[{\"type\":\"text\",\"text\":",
			    n ? "," : "", i);
			h->buf_json_string(b, btn + 4);
		} else {
			continue;	/* static: nothing to send, the index is taken */
		}
		h->buf_printf(b, "}]}");
		n++;
	}
	if (m->wa_nparams > 0 || m->wa_nbuttons > 0)
		h->buf_printf(b, "]");
	h->buf_printf(b, "}");
	/* The receipts' primary match (od_callback.c cb_wa_opaque); left out when too long. */
	if (m->account_id == NULL || m->attempt_id == NULL || (o = h->buf_new()) == NULL)
		return;
	h->buf_printf(o, "account=");
	h->buf_urlencode(o, m->account_id);
	h->buf_printf(o, "&attempt=");
	h->buf_urlencode(o, m->attempt_id);
	h->buf_append(o, "", 0);
	opaque = h->buf_data(o, &olen);
	if (olen <= WA_MAX_OPAQUE) {
		h->buf_printf(b, ",\"biz_opaque_callback_data\":");
		h->buf_json_string(b, opaque);
	}
	h->buf_free(o);
}

static int
whatsapp_build(void *ctx, const struct od_channel_message *m, struct od_channel_request *req,
    char *err, size_t errlen)
{
	struct whatsapp			*w = ctx;
	const struct od_channel_host	*h = w->host;
	const char			*to, *data;
	void				*b;
	size_t				 i, len;
	int				 rc = -1;

	if (m->kind != OD_KIND_WHATSAPP) {
		snprintf(err, errlen, "whatsapp-cloud sends WhatsApp only (kind %d)", m->kind);
		return -1;
	}
	/* Meta takes the number as digits, without the '+' (providers.md). */
	to = m->to != NULL && m->to[0] == '+' ? m->to + 1 : m->to;
	if (to == NULL || *to == '\0' || strspn(to, "0123456789") != strlen(to) ||
	    strlen(to) > 15) {
		snprintf(err, errlen, "to is not an E.164 phone number");
		return -1;
	}
	if (m->wa_session) {
		if (m->text == NULL || *m->text == '\0') {
			snprintf(err, errlen, "no text for a WhatsApp session message");
			return -1;
		}
		if (whatsapp_chars(m->text) > WA_MAX_TEXT) {
			snprintf(err, errlen, "a WhatsApp session message is at most %d characters",
			    WA_MAX_TEXT);
			return -1;
		}
	} else {
		if (m->wa_name == NULL || *m->wa_name == '\0') {
			snprintf(err, errlen, "no WhatsApp template name for this step");
			return -1;
		}
		if (m->wa_language == NULL || *m->wa_language == '\0') {
			snprintf(err, errlen, "no WhatsApp template language for this step");
			return -1;
		}
		for (i = 0; i < m->wa_nparams; i++) {
			if (m->wa_params[i] == NULL || *m->wa_params[i] == '\0') {
				/* Meta refuses empty text parameters (132000 family). */
				snprintf(err, errlen, "WhatsApp template parameter %zu is empty",
				    i + 1);
				return -1;
			}
		}
		if (whatsapp_buttons_ok(m, err, errlen) == -1)
			return -1;
	}
	if ((b = h->buf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->buf_printf(b, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
	    "\"to\":");
	h->buf_json_string(b, to);
	if (m->wa_session) {
		h->buf_printf(b, ",\"type\":\"text\",\"text\":{\"body\":");
		h->buf_json_string(b, m->text);
		h->buf_printf(b, "}");
	} else {
		whatsapp_template_body(w, m, b);
	}
	h->buf_printf(b, "}");
	/* The host's buffers stay failed once an append failed: one check covers them all. */
	data = h->buf_data(b, &len);
	if (h->buf_append(b, "", 0) == -1 ||
	    h->req_url(req->req, w->url) == -1 ||
	    h->req_method(req->req, "POST") == -1 ||
	    h->req_header(req->req, w->auth) == -1 ||
	    h->req_header(req->req, "Content-Type: application/json") == -1 ||
	    h->req_header(req->req, "Accept: application/json") == -1 ||
	    h->req_body(req->req, data, len) == -1)
		snprintf(err, errlen, "out of memory");
	else
		rc = 0;
	h->buf_free(b);
	return rc;
}

static void
whatsapp_classify(void *ctx, const struct od_channel_message *m,
    const struct od_channel_reply *reply, struct od_channel_result *res)
{
	struct whatsapp	*w = ctx;
	json_t		*root = NULL, *e, *v;
	json_error_t	 jerr;
	json_int_t	 code = 0;
	const char	*message = NULL, *id = NULL;
	long		 st = reply->status;

	(void)m;
	if (reply->body != NULL && reply->body_len > 0)
		root = json_loadb(reply->body, reply->body_len, 0, &jerr);
	if (json_is_object(root)) {
		e = json_object_get(root, "error");
		if (json_is_object(e)) {
			if ((v = json_object_get(e, "code")) != NULL && json_is_integer(v))
				code = json_integer_value(v);
			if ((v = json_object_get(e, "message")) != NULL && json_is_string(v))
				message = json_string_value(v);
		}
		v = json_array_get(json_object_get(root, "messages"), 0);
		if ((v = json_object_get(v, "id")) != NULL && json_is_string(v))
			id = json_string_value(v);
	}

	if (st >= 200 && st < 300 && code == 0) {
		if (id != NULL && *id != '\0') {
			res->outcome = OD_OUTCOME_ACCEPTED;
			snprintf(res->provider_id, sizeof(res->provider_id), "%s", id);
		} else {
			od_ch_result(res, "whatsapp", OD_OUTCOME_UNKNOWN, 0,
			    root ? "2xx reply without messages[0].id" : "2xx reply that is not JSON",
			    0, NULL, st);
		}
	} else if (code == 131047) {
		/*
		 * providers.md: "Re-engagement message", more than 24 hours since
		 * the debtor last wrote: a session message is refused for good (an
		 * approved template may still go, or the step's next channel).
		 */
		od_ch_result(res, "whatsapp", OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK,
		    "outside the 24-hour window", code, message, st);
	} else if (code == 131026) {
		/* providers.md: not on WhatsApp / old client; never blind-retry. */
		od_ch_result(res, "whatsapp", OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, "undeliverable",
		    code, message, st);
	} else if (code == 130429 || code == 131056) {
		od_ch_result(res, "whatsapp", OD_OUTCOME_RETRYABLE, 0,
		    code == 130429 ? "throughput limit" : "pair rate limit", code, message, st);
		res->retry_after_ms = reply->retry_after_ms;
	} else if (code == 132000 || code == 132001) {
		od_ch_result(res, "whatsapp", OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG,
		    code == 132000 ? "template parameter count mismatch" : "template not found",
		    code, message, st);
		w->host->log(w->host_ctx, OD_CH_LOG_ERR, "template %s (language %s) refused by "
		    "Meta, error %lld: %s; fix the template set or the approved template",
		    m->wa_name ? m->wa_name : "?", m->wa_language ? m->wa_language : "?",
		    (long long)code, code == 132000 ? "parameter count mismatch" :
		    "template does not exist in this language");
	} else if (code == 131000) {
		od_ch_result(res, "whatsapp", OD_OUTCOME_RETRYABLE, 0, "generic error", code, message, st);
		res->retry_after_ms = reply->retry_after_ms;
	} else if (st == 429) {
		od_ch_result(res, "whatsapp", OD_OUTCOME_RETRYABLE, 0, "too many requests", code, message,
		    st);
		res->retry_after_ms = reply->retry_after_ms;
	} else if (st == 401 || code == 190) {
		od_ch_result(res, "whatsapp", OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG,
		    "access token refused", code, message, st);
		w->host->log(w->host_ctx, OD_CH_LOG_ERR, "access token refused (HTTP %ld, error "
		    "%lld): renew access_token", st, (long long)code);
	} else if (st >= 400 && st < 500) {
		od_ch_result(res, "whatsapp", OD_OUTCOME_PERMANENT, 0, "request refused", code, message, st);
	} else {
		od_ch_result(res, "whatsapp", OD_OUTCOME_UNKNOWN, 0,
		    "the message may or may not have been sent", code, message, st);
	}
	json_decref(root);
}

static const struct od_channel_plugin whatsapp_plugin = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_plugin),
	.name = "whatsapp-cloud",
	.description = "WhatsApp template messages through Meta's Cloud API (Graph)",
	.transport = OD_TRANSPORT_HTTP,
	.kinds = 1u << OD_KIND_WHATSAPP,
	.init = whatsapp_init,
	.fini = whatsapp_fini,
	.build = whatsapp_build,
	.classify = whatsapp_classify,
};

__attribute__((visibility("default"))) const struct od_channel_plugin *
od_channel_plugin_entry(void)
{
	return &whatsapp_plugin;
}
