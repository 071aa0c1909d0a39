/*
 * Integration against a real SMTP server: aiosmtpd (Debian python3-aiosmtpd)
 * on loopback, keeping each message's bytes as they came off the wire
 * (tests/data/peers/rawmaildir.py).  The daemon sends through email-smtp
 * with starttls off (allowed only for a relay on loopback).  The message is
 * read back the way a mail client reads it, with Python's email package
 * (tests/data/peers/parse_mail.py): what the debtor sees in From, To and
 * Subject (RFC 2047 decoded, accents and all), both MIME parts, the
 * Message-ID derived from the attempt id (the action id plus "#n"), RFC 8058
 * one-click unsubscribe, and CRLF line endings throughout
 * (../shared/reference/providers.md, "Email").
 *
 * The clock: Monday 2026-03-09, 10:00 in Lima (15:00 UTC), inside PE's
 * contact window (config/jurisdictions/PE.yaml, Ley 29571 art. 62).
 * Skips, saying why, when aiosmtpd is not installed (.ci/peers installs it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "od_test_peers.h"
#include "od_testenv.h"

static struct od_test_env	g_env;
static struct od_test_smtp	g_smtp;
static char			g_peerdir[256];

static int
teardown(void **state)
{
	(void)state;
	od_test_smtp_stop(&g_smtp);
	od_test_rmdir(g_peerdir);
	g_peerdir[0] = '\0';
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

/* The message parsed by parse_mail.py (a new reference), or NULL. */
static json_t *
parse_mail(const char *path)
{
	char		 cmd[1200], buf[4096];
	FILE		*fp;
	size_t		 n, len = 0;
	char		*out = NULL, *p;
	json_t		*j;

	snprintf(cmd, sizeof(cmd), "%s %s/peers/parse_mail.py '%s'",
	    access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3", OD_TEST_DATA,
	    path);
	if ((fp = popen(cmd, "r")) == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if ((p = realloc(out, len + n + 1)) == NULL)
			break;
		out = p;
		memcpy(out + len, buf, n);
		len += n;
		out[len] = '\0';
	}
	pclose(fp);
	j = out ? json_loads(out, 0, NULL) : NULL;
	free(out);
	return j;
}

static void
test_smtp_message(void **state)
{
	char		 why[512], gw[1024], pdir[400], tdir[400], path[600], *env_text;
	const char	*body;
	json_t		*m, *parts, *env, *hist, *h;
	pid_t		 pid;
	char		 clk[64];
	const char	*args[] = { clk, "--once", NULL };

	(void)state;
	assert_int_equal(od_test_tmpdir("itsmtp-peer", g_peerdir, sizeof(g_peerdir)), 0);
	if (od_test_smtp_start(&g_smtp, g_peerdir, why, sizeof(why)) == -1) {
		od_test_peer_missing("test_it_smtp", why);
	}
	snprintf(pdir, sizeof(pdir), "%s/peers/policy", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/peers/templates", OD_TEST_DATA);
	snprintf(gw, sizeof(gw),
	    "  mail:\n"
	    "    plugin: email-smtp\n"
	    "    url: \"%s\"\n"
	    "    from: cobranzas@example.pe\n"
	    "    from_name: \"Financiera Ejemplo — Cobranzas\"\n"
	    "    starttls: \"off\"\n"
	    "    unsubscribe_url: \"https://pagos.example.pe/baja?a={{attempt_id}}\"\n",
	    g_smtp.url);
	assert_int_equal(od_test_env_start_with(&g_env, "itsmtp", pdir, tdir, NULL, gw,
	    "  sms: outbox\n  email: mail\n  whatsapp: outbox\n"), 0);
	body = "{\"account_id\":\"PE-M1\",\"policy\":\"peers-email\",\"debtor\":{\"name\":"
	    "\"Rosa Ñique Huamán\",\"phone\":\"+51987000111\",\"email\":\"rosa@example.pe\","
	    "\"locale\":\"es-PE\",\"timezone\":\"America/Lima\",\"country\":\"PE\"},"
	    "\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":\"2026-03-09\","
	    "\"product\":\"consumer_loan\"},\"consent\":{\"sms\":true,\"email\":true,"
	    "\"whatsapp\":true}}";
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	pid = od_test_daemon_start(&g_env, "daemon.log", args);
	assert_true(pid > 0);
	assert_int_equal(od_test_process_wait(pid, 20000), 0);

	/* One message, to the debtor, from the configured sender. */
	assert_int_equal(od_test_smtp_wait(&g_smtp, 1, 5000), 1);
	snprintf(path, sizeof(path), "%s/1.json", g_smtp.maildir);
	assert_non_null(env_text = od_test_slurp(path));
	assert_non_null(env = json_loads(env_text, 0, NULL));
	free(env_text);
	assert_string_equal(od_test_str(env, "mail_from"), "cobranzas@example.pe");
	assert_int_equal(json_array_size(json_object_get(env, "rcpt_tos")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(env, "rcpt_tos"), 0)),
	    "rosa@example.pe");
	json_decref(env);

	snprintf(path, sizeof(path), "%s/1.eml", g_smtp.maildir);
	assert_non_null(m = parse_mail(path));
	assert_int_equal(json_integer_value(json_object_get(m, "defects")), 0);
	assert_true(json_is_true(json_object_get(m, "crlf_only")));
	assert_true(json_integer_value(json_object_get(m, "max_line")) <= 78);
	assert_string_equal(od_test_str(m, "from"), "Financiera Ejemplo — Cobranzas <cobranzas@example.pe>");
	assert_string_equal(od_test_str(m, "to"), "Rosa Ñique Huamán <rosa@example.pe>");
	assert_string_equal(od_test_str(m, "subject"),
	    "Recordatorio: su pago de S/ 1,234.50 vence hoy, Rosa — información");
	assert_true(strncmp(od_test_str(m, "subject_raw"), "=?UTF-8?B?", 10) == 0);
	assert_string_equal(od_test_str(m, "mime_version"), "1.0");
	assert_string_equal(od_test_str(m, "message_id"), "<PE-M1=3A2026-03-09=3Anotice=231@example.pe>");
	assert_string_equal(od_test_str(m, "list_unsubscribe"),
	    "<https://pagos.example.pe/baja?a=PE-M1%3A2026-03-09%3Anotice%231>");
	assert_string_equal(od_test_str(m, "list_unsubscribe_post"), "List-Unsubscribe=One-Click");
	assert_string_equal(od_test_str(m, "content_type"), "multipart/alternative");

	parts = json_object_get(m, "parts");
	assert_int_equal(json_array_size(parts), 2);
	assert_string_equal(od_test_str(json_array_get(parts, 0), "type"), "text/plain");
	assert_string_equal(od_test_str(json_array_get(parts, 0), "charset"), "utf-8");
	assert_string_equal(od_test_str(json_array_get(parts, 0), "encoding"), "quoted-printable");
	assert_string_equal(od_test_str(json_array_get(parts, 0), "text"),
	    "Estimada Rosa Ñique Huamán:\r\n"
	    "\r\n"
	    "Le recordamos que hoy, 9 de marzo de 2026, vence el pago de S/ 1,234.50.\r\n"
	    "Puede pagar en línea en https://pagos.example.pe.\r\n"
	    "\r\n"
	    "Atentamente,\r\n"
	    "Financiera Ejemplo S.A.C.");
	assert_string_equal(od_test_str(json_array_get(parts, 1), "type"), "text/html");
	assert_string_equal(od_test_str(json_array_get(parts, 1), "charset"), "utf-8");
	assert_string_equal(od_test_str(json_array_get(parts, 1), "text"),
	    "<p>Estimada Rosa Ñique Huamán:</p>\r\n"
	    "<p>Le recordamos que hoy, <strong>9 de marzo de 2026</strong>, vence el pago de "
	    "<strong>S/ 1,234.50</strong>.</p>\r\n"
	    "<p>Atentamente,<br>Financiera Ejemplo S.A.C.</p>");
	json_decref(m);

	/* The attempt: 'sent', the Message-ID as the provider's id. */
	hist = od_test_history(&g_env, "PE-M1");
	assert_int_equal(json_array_size(hist), 1);
	h = json_array_get(hist, 0);
	assert_string_equal(od_test_str(h, "status"), "sent");
	assert_string_equal(od_test_str(h, "channel"), "email");
	assert_string_equal(od_test_str(h, "gateway"), "mail");
	assert_string_equal(od_test_str(h, "attempt_id"), "PE-M1:2026-03-09:notice#1");
	assert_string_equal(od_test_str(h, "provider_id"), "<PE-M1=3A2026-03-09=3Anotice=231@example.pe>");
	json_decref(hist);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_smtp_message, teardown),
	};

	return od_test_exit_code(cmocka_run_group_tests(tests, NULL, NULL));
}
