/*
 * sms-kannel: SMS through a Kannel smsbox (on-premises SMS gateway).
 *
 * GET {base_url}/cgi-bin/sendsms?username&password&from&to&text&charset&coding
 * [&smsc][&dlr-mask&dlr-url]; the reply is a status line such as
 * "0: Accepted for delivery".  Facts: ../shared/reference/providers.md
 * ("Kannel") and Kannel's user guide (sendsms CGI parameters).
 *
 * Encoding: text is always sent as UTF-8 (charset=UTF-8).  With coding=0
 * (GSM 7-bit) Kannel converts UTF-8 to the GSM alphabet; with coding=2
 * (UCS-2, when the core's encoder said "ucs2") Kannel converts from the
 * given charset to UCS-2 (UTF-16BE).  charset must be given explicitly for
 * coding=2: Kannel's default there is UTF-16BE.
 *
 * The receiver: msg->to is E.164 ("+51987654321") and is sent as is, the
 * '+' percent-encoded (a bare '+' would decode to a space, and Kannel splits
 * "to" on spaces into several receivers).  Kannel passes the '+' on to the
 * SMSC, which takes it as an international number; the fake SMSC of the
 * test rig prints it unchanged.
 *
 * Settings: base_url (e.g. http://127.0.0.1:13013), username, password
 * (secret), from, smsc (optional), dlr_url (optional base; when set,
 * dlr-mask=19, final states only, and dlr-url=<base>?attempt=<attempt_id>
 * &status=%d&smsc_id=%F, the whole URL-encoded once more).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_channel.h"

#define KANNEL_DLR_MASK		19	/* 1 delivered + 2 not delivered + 16 not delivered to SMSC */

struct kannel {
	const struct od_channel_host	*host;
	void				*host_ctx;
	char				*base;		/* without a trailing '/' */
	char				*username;
	char				*password;
	char				*from;
	char				*smsc;
	char				*dlr_url;
};

static void
kannel_fini(void *ctx)
{
	struct kannel *k = ctx;

	if (k == NULL)
		return;
	free(k->base);
	free(k->username);
	free(k->password);
	free(k->from);
	free(k->smsc);
	free(k->dlr_url);
	free(k);
}

static int
kannel_init(const struct od_channel_host *host, void *host_ctx, void **ctx, char *err,
    size_t errlen)
{
	struct kannel	*k;
	const char	*base, *user, *pass, *from, *smsc, *dlr;
	size_t		 blen;

	if (host->abi_version != OD_CHANNEL_ABI_VERSION || host->size < sizeof(*host)) {
		snprintf(err, errlen, "host ABI %u, plugin ABI %u", host->abi_version,
		    OD_CHANNEL_ABI_VERSION);
		return -1;
	}
	base = host->setting(host_ctx, "base_url");
	user = host->setting(host_ctx, "username");
	pass = host->secret(host_ctx, "password");
	from = host->setting(host_ctx, "from");
	smsc = host->setting(host_ctx, "smsc");
	dlr = host->setting(host_ctx, "dlr_url");
	if (base == NULL || *base == '\0') {
		snprintf(err, errlen, "setting base_url is missing (e.g. http://127.0.0.1:13013)");
		return -1;
	}
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
		snprintf(err, errlen, "base_url must be an http:// or https:// URL");
		return -1;
	}
	if (user == NULL || *user == '\0') {
		snprintf(err, errlen, "setting username is missing");
		return -1;
	}
	if (pass == NULL || *pass == '\0') {
		snprintf(err, errlen, "secret password is missing (set password_file or "
		    "password_env)");
		return -1;
	}
	if (from == NULL || *from == '\0') {
		snprintf(err, errlen, "setting from is missing");
		return -1;
	}
	if (dlr != NULL && strncmp(dlr, "http://", 7) != 0 && strncmp(dlr, "https://", 8) != 0) {
		snprintf(err, errlen, "dlr_url must be an http:// or https:// URL");
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->host = host;
	k->host_ctx = host_ctx;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((k->base = strndup(base, blen)) == NULL || (k->username = strdup(user)) == NULL ||
	    (k->password = strdup(pass)) == NULL || (k->from = strdup(from)) == NULL ||
	    (smsc != NULL && *smsc != '\0' && (k->smsc = strdup(smsc)) == NULL) ||
	    (dlr != NULL && (k->dlr_url = strdup(dlr)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		kannel_fini(k);
		return -1;
	}
	*ctx = k;
	return 0;
}

static void
kannel_param(const struct od_channel_host *h, void *b, const char *name, const char *value)
{
	h->buf_printf(b, "&%s=", name);
	h->buf_urlencode(b, value);
}

static int
kannel_build(void *ctx, const struct od_channel_message *m, struct od_channel_request *req,
    char *err, size_t errlen)
{
	struct kannel			*k = ctx;
	const struct od_channel_host	*h = k->host;
	void				*b, *dlr = NULL;
	int				 ucs2, rc = -1;

	if (m->kind != OD_KIND_SMS) {
		snprintf(err, errlen, "sms-kannel sends SMS only (kind %d)", m->kind);
		return -1;
	}
	/* Digits with an optional '+': Kannel splits "to" on spaces into several receivers. */
	if (m->to == NULL || strlen(m->to + (m->to[0] == '+')) == 0 ||
	    strlen(m->to + (m->to[0] == '+')) > 20 ||
	    strspn(m->to + (m->to[0] == '+'), "0123456789") != strlen(m->to + (m->to[0] == '+'))) {
		snprintf(err, errlen, "to is not a phone number");
		return -1;
	}
	if (m->text == NULL || *m->text == '\0') {
		snprintf(err, errlen, "the SMS text is empty");
		return -1;
	}
	ucs2 = m->sms_coding != NULL && strcmp(m->sms_coding, "ucs2") == 0;
	if ((b = h->buf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->buf_printf(b, "%s/cgi-bin/sendsms?username=", k->base);
	h->buf_urlencode(b, k->username);
	kannel_param(h, b, "password", k->password);
	kannel_param(h, b, "from", k->from);
	kannel_param(h, b, "to", m->to);
	kannel_param(h, b, "text", m->text);
	kannel_param(h, b, "charset", "UTF-8");
	kannel_param(h, b, "coding", ucs2 ? "2" : "0");
	if (k->smsc != NULL)
		kannel_param(h, b, "smsc", k->smsc);
	if (m->attempt_id != NULL && (k->dlr_url != NULL || m->callback_url != NULL)) {
		if ((dlr = h->buf_new()) == NULL)
			goto oom;
		if (k->dlr_url != NULL) {
			h->buf_printf(dlr, "%s%cattempt=", k->dlr_url,
			    strchr(k->dlr_url, '?') != NULL ? '&' : '?');
			h->buf_urlencode(dlr, m->attempt_id);
			h->buf_printf(dlr, "&status=%%d&smsc_id=%%F");
		} else {
			h->buf_printf(dlr, "%s%cstatus=%%d&smsc_id=%%F", m->callback_url,
			    strchr(m->callback_url, '?') != NULL ? '&' : '?');
		}
		h->buf_printf(b, "&dlr-mask=%d", KANNEL_DLR_MASK);
		kannel_param(h, b, "dlr-url", h->buf_data(dlr, NULL));
	}
	/* The host's buffers stay failed once an append failed: one check covers them all. */
	if (h->buf_append(b, "", 0) == -1 || (dlr != NULL && h->buf_append(dlr, "", 0) == -1))
		goto oom;
	if (h->req_url(req->req, h->buf_data(b, NULL)) == -1 ||
	    h->req_method(req->req, "GET") == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (dlr != NULL)
		h->buf_free(dlr);
	h->buf_free(b);
	return rc;
}

static int
kannel_has(const struct od_channel_reply *r, const char *needle)
{
	return r->body != NULL && strcasestr(r->body, needle) != NULL;
}

/* The first line of the reply, for a reason. */
static void
kannel_reason(struct od_channel_result *res, const char *what, const struct od_channel_reply *r)
{
	const char	*b = r->body != NULL ? r->body : "";
	int		 n = (int)strcspn(b, "\r\n");

	snprintf(res->reason, sizeof(res->reason), "kannel HTTP %ld: %s%s%.*s", r->status, what,
	    n ? ": " : "", n, b);
}

static void
kannel_classify(void *ctx, const struct od_channel_message *m,
    const struct od_channel_reply *r, struct od_channel_result *res)
{
	struct kannel	*k = ctx;
	const char	*b = r->body != NULL ? r->body : "", *id;
	size_t		 n;

	if (r->status >= 200 && r->status < 300 &&
	    (strncmp(b, "0:", 2) == 0 || strncmp(b, "3:", 2) == 0)) {
		res->outcome = OD_OUTCOME_ACCEPTED;
		snprintf(res->code, sizeof(res->code), "%c", b[0]);
		/*
		 * "0: Accepted for delivery" carries no id (the DLR comes back with
		 * our attempt id); when smsbox appends one ("...: <id>"), use it.
		 */
		id = b + 2;
		if ((id = strchr(id, ':')) != NULL) {
			id++;
			id += strspn(id, " ");
			n = strcspn(id, " \r\n");
		} else
			n = 0;
		if (n > 0)
			snprintf(res->provider_id, sizeof(res->provider_id), "%.*s", (int)n, id);
		else
			snprintf(res->provider_id, sizeof(res->provider_id), "%s",
			    m->attempt_id != NULL ? m->attempt_id : "");
		if (b[0] == '3')
			snprintf(res->reason, sizeof(res->reason), "queued for later delivery");
		return;
	}
	snprintf(res->code, sizeof(res->code), "%ld", r->status);
	if (r->status >= 200 && r->status < 300) {
		res->outcome = OD_OUTCOME_UNKNOWN;
		kannel_reason(res, "unexpected reply", r);
	} else if (r->status == 403 && kannel_has(r, "not routable")) {
		/* providers.md: 403 "Not routable. Do not try again." */
		res->outcome = OD_OUTCOME_PERMANENT;
		res->flags |= OD_RESULT_FALLBACK;
		kannel_reason(res, "no route", r);
	} else if (r->status == 403 && kannel_has(r, "authorization")) {
		res->outcome = OD_OUTCOME_PERMANENT;
		res->flags |= OD_RESULT_CONFIG;
		kannel_reason(res, "credentials refused", r);
		k->host->log(k->host_ctx, OD_CH_LOG_ERR, "sendsms authorization failed (HTTP 403): "
		    "check username and password, and the sendsms-user group");
	} else if (r->status == 503) {
		/* providers.md: 503 "Temporal failure, try again later." */
		res->outcome = OD_OUTCOME_RETRYABLE;
		kannel_reason(res, "temporary failure", r);
	} else if (r->status >= 400 && r->status < 500) {
		res->outcome = OD_OUTCOME_PERMANENT;
		kannel_reason(res, "request refused", r);
	} else {
		res->outcome = OD_OUTCOME_UNKNOWN;
		kannel_reason(res, "the message may or may not have been sent", r);
	}
}

static const struct od_channel_plugin kannel_plugin = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_plugin),
	.name = "sms-kannel",
	.description = "SMS through a Kannel smsbox (sendsms CGI)",
	.transport = OD_TRANSPORT_HTTP,
	.kinds = 1u << OD_KIND_SMS,
	.init = kannel_init,
	.fini = kannel_fini,
	.build = kannel_build,
	.classify = kannel_classify,
};

__attribute__((visibility("default"))) const struct od_channel_plugin *
od_channel_plugin_entry(void)
{
	return &kannel_plugin;
}
