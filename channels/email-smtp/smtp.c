/*
 * email-smtp: email through an SMTP relay (the core's libcurl does the SMTP
 * transaction; this plugin writes the envelope and the whole RFC 5322
 * message).  Facts: ../shared/reference/providers.md ("Email").
 *
 * The message: CRLF line endings throughout; From/To display names and the
 * Subject as RFC 2047 encoded-words (=?UTF-8?B?...?=, at most 75 characters
 * each, folded with CRLF SP) when not plain ASCII; a Message-ID and a
 * multipart/alternative boundary derived from the attempt id (no
 * randomness: a retry of the same attempt builds the same bytes); text and
 * HTML parts in quoted-printable UTF-8 (lines <= 76); List-Unsubscribe and
 * List-Unsubscribe-Post (RFC 8058 one-click) when configured.  CR and LF
 * (and so header and SMTP command injection) are refused in every header
 * and envelope value; C strings cannot carry NUL.
 *
 * Settings: url (smtp://host:587 or smtps://host:465), from, from_name,
 * username (setting or secret) and password (secret), both optional;
 * starttls ("required", the default, or "off": only for a relay on
 * 127.0.0.1, localhost or ::1); unsubscribe_url (optional https:// URL, may
 * contain {{attempt_id}} and {{account_id}}); reply_to (optional).
 *
 * STARTTLS: the plugin sets CURLOPT_USE_SSL on the core's easy handle
 * (req->curl) to CURLUSESSL_ALL unless starttls is off; that is a setting
 * on a handle, not I/O.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "od_channel.h"

#define SMTP_EW_BYTES	36	/* UTF-8 bytes per encoded-word: 48 base64 chars, 60 in all */
#define SMTP_QP_COLS	75	/* quoted-printable: 75 + the soft-break '=' = 76 */

struct smtp {
	const struct od_channel_host	*host;
	void				*host_ctx;
	char				*url;
	char				*from;
	char				*from_name;
	const char			*domain;	/* inside from */
	char				*user;
	char				*password;
	char				*unsubscribe;
	char				*reply_to;
	int				 starttls;
};

static void
smtp_fini(void *ctx)
{
	struct smtp *s = ctx;

	if (s == NULL)
		return;
	free(s->url);
	free(s->from);
	free(s->from_name);
	free(s->user);
	free(s->password);
	free(s->unsubscribe);
	free(s->reply_to);
	free(s);
}

static int
smtp_has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* A bare addr-spec: local@domain, printable ASCII, no spaces or specials that end it. */
static int
smtp_addr_ok(const char *a)
{
	const char	*at;
	const char	*p;

	if (a == NULL || *a == '\0')
		return 0;
	for (p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F ||
		    strchr("<>,;:\"()[]\\", *p) != NULL)
			return 0;
	at = strchr(a, '@');
	return at != NULL && at != a && at[1] != '\0' && strchr(at + 1, '@') == NULL;
}

/* The host part of an smtp:// or smtps:// URL is a loopback address. */
static int
smtp_url_loopback(const char *url)
{
	const char	*h = strstr(url, "://") + 3, *at, *end;
	size_t		 n;

	end = h + strcspn(h, "/?#");
	if ((at = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	if (*h == '[') {
		h++;
		n = strcspn(h, "]");
	} else
		n = strcspn(h, ":/?#");
	return (n == 9 && strncmp(h, "127.0.0.1", n) == 0) ||
	    (n == 9 && strncasecmp(h, "localhost", n) == 0) ||
	    (n == 3 && strncmp(h, "::1", n) == 0);
}

static int
smtp_init(const struct od_channel_host *host, void *host_ctx, void **ctx, char *err,
    size_t errlen)
{
	struct smtp	*s;
	const char	*url, *from, *name, *user, *pass, *tls, *unsub, *reply;

	if (host->abi_version != OD_CHANNEL_ABI_VERSION || host->size < sizeof(*host)) {
		snprintf(err, errlen, "host ABI %u, plugin ABI %u", host->abi_version,
		    OD_CHANNEL_ABI_VERSION);
		return -1;
	}
	url = host->setting(host_ctx, "url");
	from = host->setting(host_ctx, "from");
	name = host->setting(host_ctx, "from_name");
	if ((user = host->setting(host_ctx, "username")) == NULL)
		user = host->secret(host_ctx, "username");
	pass = host->secret(host_ctx, "password");
	tls = host->setting(host_ctx, "starttls");
	unsub = host->setting(host_ctx, "unsubscribe_url");
	reply = host->setting(host_ctx, "reply_to");

	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "setting url is missing (smtp://host:587 or smtps://host:465)");
		return -1;
	}
	if ((strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) ||
	    smtp_has_crlf(url) || strchr(url, ' ') != NULL) {
		snprintf(err, errlen, "url must be smtp://host:port or smtps://host:port");
		return -1;
	}
	if (from == NULL || *from == '\0') {
		snprintf(err, errlen, "setting from is missing");
		return -1;
	}
	if (smtp_has_crlf(from) || !smtp_addr_ok(from)) {
		snprintf(err, errlen, "from is not a single email address");
		return -1;
	}
	if (smtp_has_crlf(name)) {
		snprintf(err, errlen, "from_name contains CR or LF");
		return -1;
	}
	if (reply != NULL && (smtp_has_crlf(reply) || !smtp_addr_ok(reply))) {
		snprintf(err, errlen, "reply_to is not a single email address");
		return -1;
	}
	if ((user == NULL) != (pass == NULL)) {
		snprintf(err, errlen, user == NULL ? "setting username is missing (password is set)" :
		    "secret password is missing (set password_file or password_env)");
		return -1;
	}
	if (smtp_has_crlf(user) || smtp_has_crlf(pass)) {
		snprintf(err, errlen, "username or password contains CR or LF");
		return -1;
	}
	if (tls != NULL && strcmp(tls, "required") != 0 && strcmp(tls, "off") != 0) {
		snprintf(err, errlen, "starttls must be required or off");
		return -1;
	}
	if (tls != NULL && strcmp(tls, "off") == 0 && !smtp_url_loopback(url)) {
		snprintf(err, errlen, "starttls off is only allowed for a relay on 127.0.0.1, "
		    "localhost or ::1");
		return -1;
	}
	if (unsub != NULL && (strncmp(unsub, "https://", 8) != 0 || smtp_has_crlf(unsub) ||
	    strpbrk(unsub, " <>\"") != NULL)) {
		/* RFC 8058 3.1: the one-click URI must be HTTPS. */
		snprintf(err, errlen, "unsubscribe_url must be an https:// URL");
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->host = host;
	s->host_ctx = host_ctx;
	s->starttls = tls == NULL || strcmp(tls, "off") != 0;
	if ((s->url = strdup(url)) == NULL || (s->from = strdup(from)) == NULL ||
	    (name != NULL && (s->from_name = strdup(name)) == NULL) ||
	    (user != NULL && (s->user = strdup(user)) == NULL) ||
	    (pass != NULL && (s->password = strdup(pass)) == NULL) ||
	    (unsub != NULL && (s->unsubscribe = strdup(unsub)) == NULL) ||
	    (reply != NULL && (s->reply_to = strdup(reply)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		smtp_fini(s);
		return -1;
	}
	s->domain = strchr(s->from, '@') + 1;
	*ctx = s;
	return 0;
}

/* RFC 2047 encoded-words of at most SMTP_EW_BYTES bytes of whole UTF-8 characters. */
static void
smtp_encoded_words(const struct od_channel_host *h, void *b, const char *text)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 left = strlen(text), n;
	int			 first = 1;

	while (left > 0) {
		n = left < SMTP_EW_BYTES ? left : SMTP_EW_BYTES;
		while (n < left && n > 1 && (p[n] & 0xC0) == 0x80)
			n--;
		h->buf_printf(b, "%s=?UTF-8?B?", first ? "" : "\r\n ");
		h->buf_base64(b, p, n);
		h->buf_append(b, "?=", 2);
		p += n;
		left -= n;
		first = 0;
	}
}

static int
smtp_needs_encoding(const char *s, size_t maxlen)
{
	const unsigned char *p;

	if (strlen(s) > maxlen || strstr(s, "=?") != NULL)
		return 1;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7F)
			return 1;
	return 0;
}

/* A display name: an atom phrase, a quoted-string, or encoded-words. */
static void
smtp_display_name(const struct od_channel_host *h, void *b, const char *name)
{
	const char	*p;

	if (smtp_needs_encoding(name, 60)) {
		smtp_encoded_words(h, b, name);
		return;
	}
	if (strpbrk(name, "()<>[]:;@\\,.\"") == NULL) {
		h->buf_printf(b, "%s", name);
		return;
	}
	h->buf_append(b, "\"", 1);
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			h->buf_append(b, "\\", 1);
		h->buf_append(b, p, 1);
	}
	h->buf_append(b, "\"", 1);
}

/* Columns on the last line of b so far. */
static size_t
smtp_column(const struct od_channel_host *h, void *b)
{
	size_t		 len, i;
	const char	*d = h->buf_data(b, &len);

	for (i = len; i > 0; i--)
		if (d[i - 1] == '\n')
			break;
	return len - i;
}

/* Appends " <value>", folded before it (CRLF SP) when the line would pass 78 columns. */
static void
smtp_angle(const struct od_channel_host *h, void *b, const char *value)
{
	h->buf_printf(b, "%s<%s>\r\n", smtp_column(h, b) + 3 + strlen(value) > 78 ? "\r\n " : " ",
	    value);
}

static void
smtp_mailbox(const struct od_channel_host *h, void *b, const char *field, const char *name,
    const char *addr)
{
	if (name != NULL && *name != '\0') {
		h->buf_printf(b, "%s: ", field);
		smtp_display_name(h, b, name);
		smtp_angle(h, b, addr);
	} else
		h->buf_printf(b, "%s: %s\r\n", field, addr);
}

/* Quoted-printable (RFC 2045 6.7) with CRLF line breaks, whatever the input's. */
static void
smtp_qp(const struct od_channel_host *h, void *b, const char *text)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)text;
	char			 tok[3];
	size_t			 col = 0, tlen;
	int			 eol;

	while (*p) {
		if (*p == '\r' || *p == '\n') {
			p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
			h->buf_append(b, "\r\n", 2);
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
		if ((*p >= 33 && *p <= 126 && *p != '=' && !(col == 0 && *p == '.')) ||
		    ((*p == ' ' || *p == '\t') && !eol)) {
			tok[0] = (char)*p;
			tlen = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[*p >> 4];
			tok[2] = hex[*p & 15];
			tlen = 3;
		}
		if (col + tlen > SMTP_QP_COLS) {
			h->buf_append(b, "=\r\n", 3);
			col = 0;
			if (tlen == 1 && tok[0] == '.') {
				tok[0] = '=';
				tok[1] = '2';
				tok[2] = 'E';
				tlen = 3;
			}
		}
		h->buf_append(b, tok, tlen);
		col += tlen;
		p++;
	}
	if (col > 0)
		h->buf_append(b, "\r\n", 2);
}

/* Attempt ids into dot-atom text: [A-Za-z0-9_-] kept, anything else =XX (injective). */
static void
smtp_atom(const struct od_channel_host *h, void *b, const char *id)
{
	const unsigned char *p;

	for (p = (const unsigned char *)id; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
			h->buf_append(b, p, 1);
		else
			h->buf_printf(b, "=%02X", *p);
	}
}

static void
smtp_message_id(const struct smtp *s, const char *attempt_id, void *b)
{
	const struct od_channel_host *h = s->host;

	h->buf_append(b, "<", 1);
	smtp_atom(h, b, attempt_id);
	h->buf_printf(b, "@%s>", s->domain);
}

/* FNV-1a, 64 bits: the boundary is a function of the attempt id. */
static uint64_t
smtp_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
smtp_date(const struct od_channel_host *h, void *b)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t			 now = time(NULL);
	struct tm		 tm;

	gmtime_r(&now, &tm);
	h->buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* unsubscribe_url with {{attempt_id}} and {{account_id}} replaced, URL-encoded. */
static void
smtp_unsubscribe(const struct smtp *s, const struct od_channel_message *m, void *b)
{
	const struct od_channel_host	*h = s->host;
	const char			*p = s->unsubscribe, *q;

	while ((q = strstr(p, "{{")) != NULL) {
		h->buf_append(b, p, (size_t)(q - p));
		if (strncmp(q, "{{attempt_id}}", 14) == 0) {
			h->buf_urlencode(b, m->attempt_id ? m->attempt_id : "");
			p = q + 14;
		} else if (strncmp(q, "{{account_id}}", 14) == 0) {
			h->buf_urlencode(b, m->account_id ? m->account_id : "");
			p = q + 14;
		} else {
			h->buf_append(b, q, 2);
			p = q + 2;
		}
	}
	h->buf_printf(b, "%s", p);
}

/* Refuses CR/LF in every value that reaches a header or the envelope. */
static int
smtp_check(const struct od_channel_message *m, char *err, size_t errlen)
{
	const struct { const char *field, *value; } f[] = {
		{ "to", m->to },
		{ "name", m->name },
		{ "subject", m->subject },
		{ "attempt_id", m->attempt_id },
		{ "account_id", m->account_id },
	};
	size_t	i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (smtp_has_crlf(f[i].value)) {
			snprintf(err, errlen, "%s contains CR or LF (header injection refused)",
			    f[i].field);
			return -1;
		}
	}
	if (!smtp_addr_ok(m->to)) {
		snprintf(err, errlen, "to is not a single email address");
		return -1;
	}
	if (m->subject == NULL) {
		snprintf(err, errlen, "the email has no subject");
		return -1;
	}
	if (m->text == NULL) {
		snprintf(err, errlen, "the email has no text part");
		return -1;
	}
	if (m->attempt_id == NULL || *m->attempt_id == '\0') {
		snprintf(err, errlen, "no attempt id");
		return -1;
	}
	return 0;
}

static void
smtp_part(const struct od_channel_host *h, void *b, const char *boundary, const char *type,
    const char *text)
{
	if (boundary != NULL)
		h->buf_printf(b, "--%s\r\n", boundary);
	h->buf_printf(b, "Content-Type: %s; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	smtp_qp(h, b, text);
}

static int
smtp_build(void *ctx, const struct od_channel_message *m, struct od_channel_request *req,
    char *err, size_t errlen)
{
	struct smtp			*s = ctx;
	const struct od_channel_host	*h = s->host;
	void				*b, *u;
	char				 boundary[40];
	const char			*data;
	size_t				 len;
	int				 multi, rc = -1;

	if (m->kind != OD_KIND_EMAIL) {
		snprintf(err, errlen, "email-smtp sends email only (kind %d)", m->kind);
		return -1;
	}
	if (smtp_check(m, err, errlen) == -1)
		return -1;
	if ((b = h->buf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	multi = m->html != NULL && *m->html != '\0';
	snprintf(boundary, sizeof(boundary), "=_od_%016llx",
	    (unsigned long long)smtp_hash(m->attempt_id));

	smtp_mailbox(h, b, "From", s->from_name, s->from);
	smtp_mailbox(h, b, "To", m->name, m->to);
	if (s->reply_to != NULL)
		h->buf_printf(b, "Reply-To: %s\r\n", s->reply_to);
	h->buf_printf(b, "Subject: ");
	if (smtp_needs_encoding(m->subject, 68))
		smtp_encoded_words(h, b, m->subject);
	else
		h->buf_printf(b, "%s", m->subject);
	h->buf_printf(b, "\r\n");
	smtp_date(h, b);
	h->buf_printf(b, "Message-ID: ");
	smtp_message_id(s, m->attempt_id, b);
	h->buf_printf(b, "\r\nMIME-Version: 1.0\r\n");
	if (s->unsubscribe != NULL) {
		/* RFC 8058: both headers, the URI in angle brackets. */
		if ((u = h->buf_new()) == NULL)
			goto oom;
		smtp_unsubscribe(s, m, u);
		h->buf_printf(b, "List-Unsubscribe:");
		smtp_angle(h, b, h->buf_data(u, NULL));
		h->buf_free(u);
		h->buf_printf(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	}
	if (multi) {
		h->buf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
		    boundary);
		smtp_part(h, b, boundary, "text/plain", m->text);
		smtp_part(h, b, boundary, "text/html", m->html);
		h->buf_printf(b, "--%s--\r\n", boundary);
	} else {
		smtp_part(h, b, NULL, "text/plain", m->text);
	}

	/* The host's buffers stay failed once an append failed: one check covers them all. */
	if (h->buf_append(b, "", 0) == -1)
		goto oom;
	data = h->buf_data(b, &len);
	if (h->req_url(req->req, s->url) == -1 ||
	    h->req_mail_from(req->req, s->from) == -1 ||
	    h->req_mail_rcpt(req->req, m->to) == -1 ||
	    (s->user != NULL && h->req_basic_auth(req->req, s->user, s->password) == -1) ||
	    h->req_body(req->req, data, len) == -1)
		goto oom;
	if (req->curl != NULL && curl_easy_setopt(req->curl, CURLOPT_USE_SSL,
	    (long)(s->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE)) != CURLE_OK) {
		snprintf(err, errlen, "libcurl refused CURLOPT_USE_SSL");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	h->buf_free(b);
	return rc;
}

static void
smtp_classify(void *ctx, const struct od_channel_message *m,
    const struct od_channel_reply *r, struct od_channel_result *res)
{
	struct smtp			*s = ctx;
	const struct od_channel_host	*h = s->host;
	const char			*text = r->body != NULL ? r->body : "";
	int				 n = (int)strcspn(text, "\r\n");
	void				*b;

	snprintf(res->code, sizeof(res->code), "%ld", r->status);
	if (r->status >= 200 && r->status < 300) {
		res->outcome = OD_OUTCOME_ACCEPTED;
		if ((b = h->buf_new()) != NULL) {
			smtp_message_id(s, m->attempt_id ? m->attempt_id : "", b);
			snprintf(res->provider_id, sizeof(res->provider_id), "%s",
			    h->buf_data(b, NULL));
			h->buf_free(b);
		}
		return;
	}
	if (r->status >= 400 && r->status < 500) {
		res->outcome = OD_OUTCOME_RETRYABLE;
	} else if (r->status >= 500 && r->status < 600) {
		res->outcome = OD_OUTCOME_PERMANENT;
		if (r->status == 550 || r->status == 551 || r->status == 553)
			res->flags |= OD_RESULT_FALLBACK;	/* mailbox unavailable / bad address */
		if (r->status == 530 || r->status == 534 || r->status == 535) {
			res->flags |= OD_RESULT_CONFIG;	/* authentication required / failed */
			h->log(s->host_ctx, OD_CH_LOG_ERR, "SMTP relay refused authentication "
			    "(%ld): check username, password and starttls", r->status);
		}
	} else {
		res->outcome = OD_OUTCOME_UNKNOWN;
	}
	snprintf(res->reason, sizeof(res->reason), "SMTP %ld%s%.*s", r->status, n ? ": " : "",
	    n, text);
}

static const struct od_channel_plugin smtp_plugin = {
	.abi_version = OD_CHANNEL_ABI_VERSION,
	.size = sizeof(struct od_channel_plugin),
	.name = "email-smtp",
	.description = "email through an SMTP relay (STARTTLS or implicit TLS)",
	.transport = OD_TRANSPORT_SMTP,
	.kinds = 1u << OD_KIND_EMAIL,
	.init = smtp_init,
	.fini = smtp_fini,
	.build = smtp_build,
	.classify = smtp_classify,
};

__attribute__((visibility("default"))) const struct od_channel_plugin *
od_channel_plugin_entry(void)
{
	return &smtp_plugin;
}
