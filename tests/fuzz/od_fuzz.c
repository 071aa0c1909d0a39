/*
 * od_fuzz: the harnesses' shared helpers (see od_fuzz.h).
 */
#include "od_fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_log.h"
#include "od_plugin.h"

void
od_fuzz_fail(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("od_fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

char *
od_fuzz_strndup(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
od_fuzz_split(const uint8_t *data, size_t size, const char **a, size_t *alen,
    const char **b, size_t *blen)
{
	const uint8_t	*nul = size > 0 ? memchr(data, '\0', size) : NULL;

	*a = (const char *)data;
	if (nul == NULL) {
		*alen = size;
		*b = NULL;
		*blen = 0;
		return;
	}
	*alen = (size_t)(nul - data);
	*b = (const char *)nul + 1;
	*blen = size - *alen - 1;
}

void
od_fuzz_quiet(void)
{
	od_log_set_level(0);
}

/* --- the plugin host -------------------------------------------------------- */

static const char *
fuzz_kv(void *host_ctx, const char *key)
{
	const char *const *kv = host_ctx;

	for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2)
		if (strcmp(kv[i], key) == 0)
			return kv[i + 1];
	return NULL;
}

static void
fuzz_log(void *host_ctx, int level, const char *fmt, ...)
{
	char	line[512];
	va_list	ap;

	(void)host_ctx;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
}

const struct od_channel_host *
od_fuzz_host(void)
{
	static struct od_channel_host	host;

	if (host.abi_version == 0) {
		host = *od_plugin_host();
		host.log = fuzz_log;
		host.setting = fuzz_kv;
		host.secret = fuzz_kv;
	}
	return &host;
}

void *
od_fuzz_plugin_init(const struct od_channel_plugin *p, const char *const *kv)
{
	char	 err[256];
	void	*ctx = NULL;

	if (p->init(od_fuzz_host(), (void *)kv, &ctx, err, sizeof(err)) != 0)
		od_fuzz_fail("%s: init refused the harness's settings: %s", p->name, err);
	return ctx;
}

void
od_fuzz_reply(const uint8_t *data, size_t size, struct od_channel_reply *reply, char **body)
{
	static const char *const retry[] = {
		NULL, "5", "120", "0", "-1", "Wed, 21 Oct 2026 07:28:00 GMT", "soon",
		"99999999999999999999", "",
	};
	unsigned	st = 0, ra = 0;

	memset(reply, 0, sizeof(*reply));
	if (size >= 2) {
		st = (unsigned)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
	}
	if (size >= 1) {
		ra = data[0];
		data++;
		size--;
	}
	/* 0 (no status: the file transport), else 100..599 */
	reply->status = st == 0 ? 0 : 100 + (long)(st % 500);
	reply->retry_after = retry[ra % (sizeof(retry) / sizeof(retry[0]))];
	reply->content_type = ra & 0x80 ? "text/html" : "application/json";
	*body = od_fuzz_strndup(data, size);
	reply->body = *body;
	reply->body_len = size;
}

void
od_fuzz_message(int kind, struct od_channel_message *m)
{
	static const char *const params[] = { "María", "S/ 1,234.50", "1 de diciembre de 2026" };

	memset(m, 0, sizeof(*m));
	m->action_id = "PE:000123:2026-03-15:reminder";
	m->attempt_id = "PE:000123:2026-03-15:reminder#1";
	m->account_id = "PE:000123";
	m->kind = kind;
	m->to = kind == OD_KIND_EMAIL ? "maria@example.pe" : "+51987654321";
	m->name = "María Quispe";
	m->locale = "es-PE";
	m->text = "Hola María, su cuota de S/ 1,234.50 vence el 1 de diciembre.";
	m->subject = "Recordatorio de pago";
	m->html = "<p>Hola Mar&iacute;a</p>";
	m->wa_name = "payment_reminder";
	m->wa_language = "es";
	m->wa_params = params;
	m->wa_nparams = 3;
	m->sms_coding = "gsm7";
	m->sms_segments = 1;
	m->callback_url = "https://cb.example.pe/callbacks/kannel?account=PE%3A000123";
	m->policy = "pe-consumer";
	m->step = "reminder";
	m->stage = "reminder";
}

void
od_fuzz_classify(const struct od_channel_plugin *p, void *ctx, int kind, const char *name,
    const uint8_t *data, size_t size)
{
	struct od_channel_message	m;
	struct od_channel_reply		reply;
	struct od_channel_result	res;
	char				*body;

	od_fuzz_message(kind, &m);
	od_fuzz_reply(data, size, &reply, &body);
	memset(&res, 0, sizeof(res));
	p->classify(ctx, &m, &reply, &res);
	if (res.outcome == OD_OUTCOME_INVALID)
		od_fuzz_fail("%s %ld: no outcome", name, reply.status);
	if (res.outcome == OD_OUTCOME_ACCEPTED && (reply.status < 200 || reply.status >= 300))
		od_fuzz_fail("%s %ld: accepted", name, reply.status);
	free(body);
}
