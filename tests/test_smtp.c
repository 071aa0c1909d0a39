/*
 * test_smtp: the email-smtp plugin, loaded from its .so.  The message it
 * builds is parsed back: CRLF everywhere, headers unfolded, RFC 2047
 * subject and names decoded, the multipart/alternative parts split and
 * their quoted-printable decoded, RFC 8058 headers; header injection is
 * refused; SMTP replies (tests/data/gateways/smtp/) are classified.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "od_buf.h"
#include "od_test_host.h"

#define SUBJECT	"Recordatorio: su cuota de S/ 150.00 vence el 05/03 — evite recargos " \
		"por mora y gastos de cobranza, señora Mamaní"
#define TEXT	"Estimada Ana:\n\nLe recordamos que su cuota N.º 7 de S/ 150.00 vence el " \
		"05/03/2025. Puede pagar en línea, en agentes o en ventanilla; el código de " \
		"pago es 4471-2291.\n.Esta línea empieza con punto y termina con espacio \n" \
		"Tasa = 2% mensual\n\nAtentamente,\nFinanciera Andina"
#define HTML	"<p>Estimada Ana:</p><p>Le recordamos que su cuota N.º 7 de <b>S/ 150.00</b> " \
		"vence el 05/03/2025. <a href=\"https://pagos.example.pe/p?c=acc-1&amp;x=1\">" \
		"Pagar en línea</a></p>"

static const struct od_channel_message base_msg = {
	.action_id = "acc-1:3:reminder",
	.attempt_id = "acc-1:3:reminder#2",
	.account_id = "acc-1",
	.kind = OD_KIND_EMAIL,
	.to = "ana.quispe@example.pe",
	.name = "Ana Quispe Mamaní",
	.locale = "es-PE",
	.subject = SUBJECT,
	.text = TEXT,
	.html = HTML,
};

static int
setup(void **state)
{
	struct od_test_fx	*f = od_test_fx_open("email-smtp");

	if (f == NULL)
		return -1;
	od_test_host_set(&f->host, "url", "smtp://mail.financiera.example.pe:587");
	od_test_host_set(&f->host, "from", "cobranzas@financiera.example.pe");
	od_test_host_set(&f->host, "from_name", "Financiera Andina — Cobranzas");
	*state = f;
	return 0;
}

/* Parsing the message back. */

static int
b64val(int c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tab, c) : NULL;

	return p ? (int)(p - tab) : -1;
}

static void
b64decode(struct od_buf *out, const char *s, size_t n)
{
	uint32_t	v = 0;
	int		bits = 0, d;
	size_t		i;

	for (i = 0; i < n && s[i] != '='; i++) {
		d = b64val((unsigned char)s[i]);
		assert_true(d >= 0);
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			od_buf_putc(out, (char)((v >> bits) & 0xFF));
		}
	}
}

/* RFC 2047 decoding of an unfolded value; whitespace between encoded-words is dropped. */
static char *
rfc2047_decode(const char *v)
{
	struct od_buf	 out;
	const char	*p = v, *q, *end;
	int		 prev_ew = 0;

	od_buf_init(&out);
	od_buf_append(&out, "", 0);
	while (*p) {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0 && (end = strstr(p + 10, "?=")) != NULL) {
			/* Each encoded-word is at most 75 characters (RFC 2047 2). */
			assert_true(end + 2 - p <= 75);
			b64decode(&out, p + 10, (size_t)(end - (p + 10)));
			p = end + 2;
			prev_ew = 1;
			continue;
		}
		if (*p == ' ' && prev_ew) {
			q = p + strspn(p, " ");
			if (strncmp(q, "=?UTF-8?B?", 10) == 0) {
				p = q;
				continue;
			}
		}
		od_buf_putc(&out, *p++);
		prev_ew = 0;
	}
	return od_buf_steal(&out);
}

static char *
qpdecode(const char *s, size_t n)
{
	struct od_buf	out;
	size_t		i;
	unsigned	x;

	od_buf_init(&out);
	od_buf_append(&out, "", 0);
	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=') {
			assert_true(i + 2 < n);
			assert_int_equal(sscanf(s + i + 1, "%2X", &x), 1);
			od_buf_putc(&out, (char)x);
			i += 2;
		} else {
			od_buf_putc(&out, s[i]);
		}
	}
	return od_buf_steal(&out);
}

/* The unfolded value of the only header called name in the header block hdrs, or NULL. */
static char *
header(const char *hdrs, const char *name)
{
	size_t		 n = strlen(name), found = 0;
	const char	*line = hdrs, *eol;
	struct od_buf	 v;

	od_buf_init(&v);
	while (*line) {
		eol = strstr(line, "\r\n");
		assert_non_null(eol);
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			found++;
			line += n + 1;
			line += strspn(line, " ");
			od_buf_append(&v, line, (size_t)(eol - line));
			while (eol[2] == ' ' || eol[2] == '\t') {	/* folded: CRLF WSP */
				line = eol + 2;
				eol = strstr(line, "\r\n");
				od_buf_append(&v, line, (size_t)(eol - line));
			}
		}
		line = eol + 2;
	}
	assert_true(found <= 1);
	if (found == 0) {
		od_buf_free(&v);
		return NULL;
	}
	/* Unfolding keeps the WSP; the field body's leading WSP is not part of the value. */
	{
		char *d = od_buf_steal(&v);

		memmove(d, d + strspn(d, " \t"), strlen(d + strspn(d, " \t")) + 1);
		return d;
	}
}

static void
assert_header(const char *hdrs, const char *name, const char *want)
{
	char *v = header(hdrs, name);

	if (want == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void
assert_header_decoded(const char *hdrs, const char *name, const char *want)
{
	char *v = header(hdrs, name), *d;

	assert_non_null(v);
	d = rfc2047_decode(v);
	assert_string_equal(d, want);
	free(d);
	free(v);
}

/* Every line ends in CRLF; no bare CR or LF; no line longer than max. */
static void
assert_lines(const char *s, size_t len, size_t max)
{
	size_t	i, col = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			assert_true(i + 1 < len && s[i + 1] == '\n');
			i++;
			col = 0;
			continue;
		}
		assert_true(s[i] != '\n');
		assert_true(s[i] != '\0');
		col++;
		assert_in_range(col, 0, max);
	}
	assert_true(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
}

/* TEXT with CRLF line ends and a final CRLF: what the decoded part must be. */
static char *
crlf(const char *s)
{
	struct od_buf	out;

	od_buf_init(&out);
	for (; *s; s++) {
		if (*s == '\n')
			od_buf_putc(&out, '\r');
		od_buf_putc(&out, *s);
	}
	od_buf_puts(&out, "\r\n");
	return od_buf_steal(&out);
}

/* Splits a part "headers CRLF CRLF body" and checks its headers and decoded body. */
static void
assert_part(const char *p, size_t n, const char *type, const char *want)
{
	const char	*sep = strstr(p, "\r\n\r\n");
	char		*hdrs, *body, *exp;

	assert_non_null(sep);
	assert_true((size_t)(sep - p) < n);
	hdrs = strndup(p, (size_t)(sep - p) + 2);
	assert_header(hdrs, "Content-Type", type);
	assert_header(hdrs, "Content-Transfer-Encoding", "quoted-printable");
	body = qpdecode(sep + 4, n - (size_t)(sep + 4 - p));
	exp = crlf(want);
	assert_string_equal(body, exp);
	free(exp);
	free(body);
	free(hdrs);
}

static void
test_abi(void **state)
{
	struct od_test_fx *f = *state;

	od_test_assert_abi(f, "email-smtp", OD_TRANSPORT_SMTP, 1u << OD_KIND_EMAIL, "smtp_qp");
}

static void
test_init_errors(void **state)
{
	struct od_test_fx	*f = *state;

	od_test_host_set(&f->host, "url", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting url is missing (smtp://host:587 or smtps://host:465)");
	od_test_host_set(&f->host, "url", "http://mail.financiera.example.pe");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "url must be smtp://host:port or smtps://host:port");
	od_test_host_set(&f->host, "url", "smtp://mail.financiera.example.pe:587");

	od_test_host_set(&f->host, "from", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting from is missing");
	od_test_host_set(&f->host, "from", "cobranzas@financiera.example.pe\r\nRCPT TO:<x@evil.example>");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "from is not a single email address");
	od_test_host_set(&f->host, "from", "cobranzas@financiera.example.pe");
	od_test_host_set(&f->host, "from_name", "Cobranzas\r\nBcc: all@example.com");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "from_name contains CR or LF");
	od_test_host_set(&f->host, "from_name", "Cobranzas");
	od_test_host_set(&f->host, "reply_to", "a@b.pe, c@d.pe");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "reply_to is not a single email address");
	od_test_host_set(&f->host, "reply_to", NULL);

	od_test_host_secret(&f->host, "password", "pw");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting username is missing (password is set)");
	od_test_host_secret(&f->host, "password", NULL);
	od_test_host_set(&f->host, "username", "relay-user");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "secret password is missing (set password_file or password_env)");
	od_test_host_set(&f->host, "username", NULL);

	/* starttls off: loopback relays only. */
	od_test_host_set(&f->host, "starttls", "off");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err,
	    "starttls off is only allowed for a relay on 127.0.0.1, localhost or ::1");
	od_test_host_set(&f->host, "url", "smtp://127.0.0.1.evil.example:25");
	assert_int_equal(od_test_fx_init(f), -1);
	od_test_host_set(&f->host, "url", "smtp://127.0.0.1:2525");
	assert_int_equal(od_test_fx_init(f), 0);
	od_test_host_set(&f->host, "url", "smtp://localhost:2525");
	assert_int_equal(od_test_fx_init(f), 0);
	od_test_host_set(&f->host, "url", "smtp://[::1]:2525");
	assert_int_equal(od_test_fx_init(f), 0);
	od_test_host_set(&f->host, "starttls", "maybe");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "starttls must be required or off");
	od_test_host_set(&f->host, "starttls", NULL);

	od_test_host_set(&f->host, "unsubscribe_url", "http://pagos.example.pe/baja");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "unsubscribe_url must be an https:// URL");
}

static void
test_build_message(void **state)
{
	struct od_test_fx	*f = *state;
	const char		*msg, *sep, *p, *q;
	char			*hdrs, *v, *boundary, delim[128], close[128];
	size_t			 len;
	struct tm		 tm;
	time_t			 t;

	od_test_host_set(&f->host, "reply_to", "atencion@financiera.example.pe");
	od_test_host_set(&f->host, "unsubscribe_url",
	    "https://pagos.example.pe/baja?a={{attempt_id}}&c={{account_id}}");
	assert_int_equal(od_test_fx_init(f), 0);
	assert_int_equal(od_test_fx_build(f, &base_msg), 0);

	/* Envelope and transport. */
	assert_string_equal(f->req.url, "smtp://mail.financiera.example.pe:587");
	assert_string_equal(f->req.mail_from, "cobranzas@financiera.example.pe");
	assert_int_equal(f->req.nrcpts, 1);
	assert_string_equal(f->req.rcpts[0], "ana.quispe@example.pe");
	assert_null(f->req.user);
	assert_int_equal(f->req.nheaders, 0);

	msg = f->req.body.data;
	len = f->req.body.len;
	sep = strstr(msg, "\r\n\r\n");
	assert_non_null(sep);
	hdrs = strndup(msg, (size_t)(sep - msg) + 2);
	/* Headers: CRLF, folded to at most 78 columns; the whole message: CRLF, 76 in bodies. */
	assert_lines(hdrs, strlen(hdrs), 78);
	assert_lines(sep + 4, len - (size_t)(sep + 4 - msg), 76);

	assert_header_decoded(hdrs, "From",
	    "Financiera Andina — Cobranzas <cobranzas@financiera.example.pe>");
	assert_header_decoded(hdrs, "To", "Ana Quispe Mamaní <ana.quispe@example.pe>");
	assert_header_decoded(hdrs, "Subject", SUBJECT);
	/* Not ASCII: encoded-words only, folded over several lines. */
	v = header(hdrs, "Subject");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	free(v);
	assert_non_null(strstr(hdrs, "?=\r\n =?UTF-8?B?"));
	assert_header(hdrs, "Reply-To", "atencion@financiera.example.pe");
	assert_header(hdrs, "MIME-Version", "1.0");
	assert_header(hdrs, "Message-ID", "<acc-1=3A3=3Areminder=232@financiera.example.pe>");
	assert_header(hdrs, "List-Unsubscribe",
	    "<https://pagos.example.pe/baja?a=acc-1%3A3%3Areminder%232&c=acc-1>");
	assert_header(hdrs, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

	/* Date: RFC 5322, UTC, now. */
	v = header(hdrs, "Date");
	memset(&tm, 0, sizeof(tm));
	p = strptime(v, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	assert_non_null(p);
	assert_int_equal(*p, '\0');
	t = timegm(&tm);
	assert_true(labs((long)(t - time(NULL))) < 300);
	free(v);

	/* multipart/alternative with a boundary derived from the attempt id. */
	v = header(hdrs, "Content-Type");
	assert_true(strncmp(v, "multipart/alternative; boundary=\"=_od_", 38) == 0);
	boundary = strndup(v + 33, strlen(v) - 34);
	assert_int_equal(strlen(boundary), 5 + 16);
	free(v);
	snprintf(delim, sizeof(delim), "--%s\r\n", boundary);
	snprintf(close, sizeof(close), "\r\n--%s--\r\n", boundary);

	p = sep + 4;
	assert_true(strncmp(p, delim, strlen(delim)) == 0);
	p += strlen(delim);
	q = strstr(p, delim);
	assert_non_null(q);
	assert_part(p, (size_t)(q - p), "text/plain; charset=UTF-8", TEXT);
	p = q + strlen(delim);
	q = strstr(p, close);
	assert_non_null(q);
	assert_string_equal(q, close);			/* the closing delimiter ends the message */
	assert_part(p, (size_t)(q - p) + 2, "text/html; charset=UTF-8", HTML);
	/* A line starting with '.' is encoded: it never reaches SMTP as a dot line. */
	assert_null(strstr(msg, "\r\n."));
	assert_non_null(strstr(msg, "\r\n=2EEsta l"));

	/* The same attempt builds the same boundary and id; another attempt, another. */
	{
		struct od_channel_message	m = base_msg;
		char				*h2;

		m.attempt_id = "acc-1:3:reminder#3";
		assert_int_equal(od_test_fx_build(f, &m), 0);
		sep = strstr(f->req.body.data, "\r\n\r\n");
		h2 = strndup(f->req.body.data, (size_t)(sep - f->req.body.data) + 2);
		v = header(h2, "Content-Type");
		assert_null(strstr(v, boundary));
		free(v);
		assert_header(h2, "Message-ID", "<acc-1=3A3=3Areminder=233@financiera.example.pe>");
		free(h2);
	}
	free(boundary);
	free(hdrs);
}

static void
test_build_plain_ascii(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	const char			*msg, *sep;
	char				*hdrs;

	od_test_host_set(&f->host, "from_name", "Cobranzas");
	od_test_host_set(&f->host, "username", "relay-user");
	od_test_host_secret(&f->host, "password", "relay-pass");
	assert_int_equal(od_test_fx_init(f), 0);
	m.name = "Quispe, Ana \"Anita\"";
	m.subject = "Recordatorio de pago";
	m.html = NULL;
	m.text = "Su cuota vence hoy.\r\nGracias.";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_string_equal(f->req.user, "relay-user");
	assert_string_equal(f->req.password, "relay-pass");

	msg = f->req.body.data;
	sep = strstr(msg, "\r\n\r\n");
	hdrs = strndup(msg, (size_t)(sep - msg) + 2);
	assert_header(hdrs, "From", "Cobranzas <cobranzas@financiera.example.pe>");
	assert_header(hdrs, "To", "\"Quispe, Ana \\\"Anita\\\"\" <ana.quispe@example.pe>");
	assert_header(hdrs, "Subject", "Recordatorio de pago");
	assert_header(hdrs, "List-Unsubscribe", NULL);
	assert_header(hdrs, "List-Unsubscribe-Post", NULL);
	assert_header(hdrs, "Reply-To", NULL);
	/* Text only: a single text/plain body. */
	assert_header(hdrs, "Content-Type", "text/plain; charset=UTF-8");
	assert_header(hdrs, "Content-Transfer-Encoding", "quoted-printable");
	assert_string_equal(sep + 4, "Su cuota vence hoy.\r\nGracias.\r\n");
	free(hdrs);

	/* No display name: a bare address. */
	m.name = NULL;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_non_null(strstr(f->req.body.data, "\r\nTo: ana.quispe@example.pe\r\n"));
}

static void
test_injection_refused(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m;

	assert_int_equal(od_test_fx_init(f), 0);

	m = base_msg;
	m.subject = "Recordatorio\r\nBcc: todos@example.com";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "subject contains CR or LF (header injection refused)");
	m.subject = "Recordatorio\nBcc: todos@example.com";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "subject contains CR or LF (header injection refused)");

	m = base_msg;
	m.name = "Ana\r\nBcc: todos@example.com";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "name contains CR or LF (header injection refused)");

	m = base_msg;
	m.to = "ana.quispe@example.pe\r\nRCPT TO:<x@evil.example>";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to contains CR or LF (header injection refused)");

	m = base_msg;
	m.to = "ana.quispe@example.pe, otro@example.pe";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to is not a single email address");
	m.to = "Ana <ana.quispe@example.pe>";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to is not a single email address");
	m.to = "ana.quispe";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to is not a single email address");

	m = base_msg;
	m.attempt_id = "acc-1:3:reminder#2\r\nX: y";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "attempt_id contains CR or LF (header injection refused)");

	/* Nothing was handed to the host on a refusal. */
	assert_null(f->req.url);
	assert_null(f->req.mail_from);
	assert_int_equal(f->req.nrcpts, 0);
	assert_false(od_test_req_has_body(&f->req));
}

static const struct od_test_expect smtp_cases[] = {
	{ "250_queued.txt", 250, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "250", "",
	    "<acc-1=3A3=3Areminder=232@financiera.example.pe>" },
	{ "421_try_later.txt", 421, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "421",
	    "SMTP 421: 4.7.0 Try again later, closing connection.", "" },
	{ "452_mailbox_full.txt", 452, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "452",
	    "SMTP 452: 4.2.2 <ana.quispe@example.pe>: Recipient address rejected: Mailbox full",
	    "" },
	{ "550_user_unknown.txt", 550, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "550",
	    "SMTP 550: 5.1.1 <ana.quispe@example.pe>: Recipient address rejected: User unknown "
	    "in virtual mailbox table", "" },
	{ "550_user_unknown.txt", 551, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "551",
	    "SMTP 551: 5.1.1 <ana.quispe@example.pe>: Recipient address rejected: User unknown "
	    "in virtual mailbox table", "" },
	{ "550_user_unknown.txt", 553, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "553",
	    "SMTP 553: 5.1.1 <ana.quispe@example.pe>: Recipient address rejected: User unknown "
	    "in virtual mailbox table", "" },
	{ "552_too_big.txt", 552, NULL, OD_OUTCOME_PERMANENT, 0, 0, "552",
	    "SMTP 552: 5.3.4 Message size exceeds fixed limit", "" },
	{ "535_auth.txt", 535, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "535",
	    "SMTP 535: 5.7.8 Error: authentication failed: authentication failure", "" },
};

static void
test_classify(void **state)
{
	struct od_test_fx *f = *state;

	assert_int_equal(od_test_fx_init(f), 0);
	od_test_assert_classify(f, &base_msg, "gateways/smtp", smtp_cases,
	    sizeof(smtp_cases) / sizeof(smtp_cases[0]));
	assert_string_equal(od_test_host_log(&f->host),
	    "3 SMTP relay refused authentication (535): check username, password and starttls\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abi, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_errors, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_message, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_plain_ascii, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_injection_refused, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_classify, setup, od_test_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
