/*
 * outbox: the channel for demos and dry runs.  Each rendered message becomes
 * one JSON line in <dir>/<kind>.jsonl; the core appends it (plugins do no
 * I/O).  Needs no credentials.
 */
#include <stdio.h>
#include <string.h>

#include "od_channel.h"

struct outbox {
	const struct od_channel_host	*host;
	void				*host_ctx;
};

static struct outbox	outbox_ctx;

static int
outbox_init(const struct od_channel_host *host, void *host_ctx, void **ctx, char *err,
    size_t errlen)
{
	if (host->abi_version != OD_CHANNEL_ABI_VERSION) {
		snprintf(err, errlen, "host ABI %u, plugin ABI %u", host->abi_version,
		    OD_CHANNEL_ABI_VERSION);
		return -1;
	}
	outbox_ctx.host = host;
	outbox_ctx.host_ctx = host_ctx;
	*ctx = &outbox_ctx;
	return 0;
}

static void
outbox_field(const struct od_channel_host *h, void *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	h->buf_printf(b, ",\"%s\":", name);
	h->buf_json_string(b, value);
}

static const char *
outbox_kind(int kind)
{
	switch (kind) {
	case OD_KIND_SMS:	return "sms";
	case OD_KIND_EMAIL:	return "email";
	case OD_KIND_WHATSAPP:	return "whatsapp";
	default:		return NULL;
	}
}

static int
outbox_build(void *ctx, const struct od_channel_message *m, struct od_channel_request *req,
    char *err, size_t errlen)
{
	const struct outbox		*o = ctx;
	const struct od_channel_host	*h = o->host;
	const char			*kind = outbox_kind(m->kind), *data;
	void				*b;
	size_t				 i, len;
	int				 rc;

	if (kind == NULL) {
		snprintf(err, errlen, "unknown channel kind %d", m->kind);
		return -1;
	}
	if ((b = h->buf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->buf_printf(b, "{\"channel\":\"%s\"", kind);
	outbox_field(h, b, "attempt_id", m->attempt_id);
	outbox_field(h, b, "action_id", m->action_id);
	outbox_field(h, b, "account_id", m->account_id);
	outbox_field(h, b, "policy", m->policy);
	outbox_field(h, b, "step", m->step);
	outbox_field(h, b, "stage", m->stage);
	outbox_field(h, b, "locale", m->locale);
	outbox_field(h, b, "to", m->to);
	outbox_field(h, b, "subject", m->subject);
	outbox_field(h, b, "text", m->text);
	outbox_field(h, b, "html", m->html);
	outbox_field(h, b, "wa_template", m->wa_name);
	outbox_field(h, b, "wa_language", m->wa_language);
	if (m->wa_nparams > 0) {
		h->buf_printf(b, ",\"wa_params\":[");
		for (i = 0; i < m->wa_nparams; i++) {
			if (i)
				h->buf_append(b, ",", 1);
			h->buf_json_string(b, m->wa_params[i]);
		}
		h->buf_append(b, "]", 1);
	}
	if (m->kind == OD_KIND_SMS && m->sms_coding != NULL) {
		outbox_field(h, b, "encoding", m->sms_coding);
		h->buf_printf(b, ",\"segments\":%d", m->sms_segments);
	}
	h->buf_append(b, "}", 1);
	data = h->buf_data(b, &len);
	rc = h->req_body(req->req, data, len);
	h->buf_free(b);
	snprintf(req->path, sizeof(req->path), "%s.jsonl", kind);
	if (rc == -1)
		snprintf(err, errlen, "out of memory");
	return rc;
}

static void
outbox_classify(void *ctx, const struct od_channel_message *m,
    const struct od_channel_reply *reply, struct od_channel_result *res)
{
	(void)ctx;
	(void)reply;
	res->outcome = OD_OUTCOME_ACCEPTED;
	snprintf(res->provider_id, sizeof(res->provider_id), "outbox:%s", m->attempt_id);
}

static const struct od_channel_plugin outbox_plugin = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_plugin),
	.name = "outbox",
	.description = "writes each message as a JSON line to a directory (demos, dry runs)",
	.transport = OD_TRANSPORT_FILE,
	.kinds = (1u << OD_KIND_SMS) | (1u << OD_KIND_EMAIL) | (1u << OD_KIND_WHATSAPP),
	.init = outbox_init,
	.fini = NULL,
	.build = outbox_build,
	.classify = outbox_classify,
};

__attribute__((visibility("default"))) const struct od_channel_plugin *
od_channel_plugin_entry(void)
{
	return &outbox_plugin;
}
