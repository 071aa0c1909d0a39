/*
 * Integration against a real Kannel: bearerbox + smsbox (Debian kannel) with
 * a fake SMSC, and /usr/lib/kannel/test/fakesmsc (kannel-extras) printing
 * what reaches it.  The daemon sends through the sms-kannel plugin (the
 * sendsms CGI, ../shared/reference/providers.md "Kannel").
 *
 * What a debtor would get: the exact text, in the coding the core chose.
 * tests/data/peers/templates/es-PE/peers_notice.yaml has á, not in
 * GSM 03.38 ("SMS encoding"), so policy peers-sms sends it as UCS-2 (coding=2,
 * fakesmsc prints "ucs-2" and the UTF-16BE bytes URL-encoded), while
 * peers-sms-gsm (transliterate: true) folds á to a, keeps Ñ, and
 * sends GSM-7 (coding=0, fakesmsc prints "text").
 *
 * The clock: Monday 2026-03-09, 10:00 in Lima (15:00 UTC), inside PE's
 * contact window (config/jurisdictions/PE.yaml, Ley 29571 art. 62).
 * Skips, saying why, when Kannel is not installed (.ci/peers installs it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_test_peers.h"
#include "od_testenv.h"

#define KANNEL_USER	"outreachd"
#define KANNEL_PASS	"kannel-peers-secret"

static struct od_test_env	g_env;
static struct od_test_kannel	g_kannel;
static char			g_peerdir[256];

static int
teardown(void **state)
{
	(void)state;
	od_test_kannel_stop(&g_kannel);
	od_test_rmdir(g_peerdir);
	g_peerdir[0] = '\0';
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

/* Kannel in a directory of its own (the daemon's config needs its ports first); skips when it cannot run. */
static void
start_kannel(void)
{
	char	why[512];

	assert_int_equal(od_test_tmpdir("itkannel-peer", g_peerdir, sizeof(g_peerdir)), 0);
	if (od_test_kannel_start(&g_kannel, g_peerdir, KANNEL_USER, KANNEL_PASS, why,
	    sizeof(why)) == -1) {
		od_test_peer_missing("test_it_kannel", why);
	}
}

static void
enqueue(const struct od_test_env *e, const char *id, const char *policy, const char *name,
    const char *phone)
{
	char	*body;

	assert_true(asprintf(&body,
	    "{\"account_id\":\"%s\",\"policy\":\"%s\",\"debtor\":{\"name\":\"%s\","
	    "\"phone\":\"%s\",\"email\":\"rosa@example.pe\",\"locale\":\"es-PE\","
	    "\"timezone\":\"America/Lima\",\"country\":\"PE\"},\"debt\":{\"amount\":\"1234.50\","
	    "\"currency\":\"PEN\",\"due_date\":\"2026-03-09\",\"product\":\"consumer_loan\"},"
	    "\"consent\":{\"sms\":true,\"email\":true,\"whatsapp\":true}}", id, policy, name,
	    phone) > 0);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

/* Runs the daemon once at Monday 2026-03-09 10:00 Lima. */
static void
run_once(const struct od_test_env *e)
{
	char		 clk[64];
	const char	*args[] = { clk, "--once", NULL };
	pid_t		 pid;

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	pid = od_test_daemon_start(e, "daemon.log", args);
	assert_true(pid > 0);
	assert_int_equal(od_test_process_wait(pid, 20000), 0);
}

/* The one line fakesmsc printed for a receiver, split: from, type, data (pointers into line). */
static int
find_sms(char *all, const char *to, char **from, char **type, char **data)
{
	char	*line, *save = NULL, *sp1, *sp2, *sp3;

	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if ((sp1 = strchr(line, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
		    (sp3 = strchr(sp2 + 1, ' ')) == NULL)
			continue;
		*sp1 = *sp2 = *sp3 = '\0';
		if (strcmp(sp1 + 1, to) == 0) {
			*from = line;
			*type = sp2 + 1;
			*data = sp3 + 1;
			return 0;
		}
	}
	return -1;
}

static void
check_sent(const struct od_test_env *e, const char *id, const char *encoding)
{
	json_t	*hist = od_test_history(e, id), *h;
	char	 attempt[128];

	assert_int_equal(json_array_size(hist), 1);
	h = json_array_get(hist, 0);
	snprintf(attempt, sizeof(attempt), "%s:2026-03-09:notice#1", id);
	assert_string_equal(od_test_str(h, "status"), "sent");
	assert_string_equal(od_test_str(h, "channel"), "sms");
	assert_string_equal(od_test_str(h, "gateway"), "kannel");
	assert_string_equal(od_test_str(h, "attempt_id"), attempt);
	assert_string_equal(od_test_str(h, "encoding"), encoding);
	assert_int_equal(json_integer_value(json_object_get(h, "segments")), 1);
	/* "0: Accepted for delivery" carries no id: the DLR comes back with the attempt's. */
	assert_string_equal(od_test_str(h, "code"), "0");
	assert_string_equal(od_test_str(h, "provider_id"), attempt);
	json_decref(hist);
}

/* UCS-2 as rendered, and GSM-7 where the policy transliterates; both 'sent'. */
static void
test_kannel_coding(void **state)
{
	char		 secret[400], gw[1024], pdir[400], tdir[400];
	char		*got, *from, *type, *data, *text;
	FILE		*fp;
	int		 nlines = 0;
	const char	*p;

	(void)state;
	snprintf(pdir, sizeof(pdir), "%s/peers/policy", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/peers/templates", OD_TEST_DATA);
	start_kannel();
	/* The password from a file, as with systemd's LoadCredential (docs/gateways.md). */
	snprintf(secret, sizeof(secret), "%s/kannel-password", g_peerdir);
	assert_non_null(fp = fopen(secret, "w"));
	fprintf(fp, "%s\n", KANNEL_PASS);
	fclose(fp);
	snprintf(gw, sizeof(gw),
	    "  kannel:\n"
	    "    plugin: sms-kannel\n"
	    "    base_url: \"%s\"\n"
	    "    username: %s\n"
	    "    password_file: \"%s\"\n"
	    "    from: FINANCIERA\n"
	    "    smsc: fake\n", g_kannel.base_url, KANNEL_USER, secret);
	assert_int_equal(od_test_env_start_with(&g_env, "itkannel", pdir, tdir, NULL, gw,
	    "  sms: kannel\n  email: outbox\n  whatsapp: outbox\n"), 0);

	enqueue(&g_env, "PE-K1", "peers-sms", "Rosa Ñique Huamán", "+51987000111");
	enqueue(&g_env, "PE-K2", "peers-sms-gsm", "Rosa Ñique Huamán", "+51987000222");
	run_once(&g_env);

	got = od_test_kannel_received(&g_kannel, 2, 10000);
	for (p = got; (p = strchr(p, '\n')) != NULL; p++)
		nlines++;
	assert_int_equal(nlines, 2);

	/* UCS-2: the rendered text exactly, á and Ñ included. */
	assert_int_equal(find_sms(got, "+51987000111", &from, &type, &data), 0);
	assert_string_equal(from, "FINANCIERA");
	assert_string_equal(type, "ucs-2");
	assert_non_null(text = od_test_ucs2_to_utf8(data));
	assert_string_equal(text,
	    "Rosa Ñique Huamán: vence hoy su pago. Responda BAJA: no más SMS.");
	free(text);
	free(got);

	/* GSM-7: á folded, Ñ kept (it is in GSM 03.38). */
	got = od_test_kannel_received(&g_kannel, 2, 0);
	assert_int_equal(find_sms(got, "+51987000222", &from, &type, &data), 0);
	assert_string_equal(from, "FINANCIERA");
	assert_string_equal(type, "text");
	assert_string_equal(data,
	    "Rosa Ñique Huaman: vence hoy su pago. Responda BAJA: no mas SMS.");
	free(got);

	check_sent(&g_env, "PE-K1", "ucs2");
	check_sent(&g_env, "PE-K2", "gsm7");
}

/* A wrong password: Kannel's 403 is a permanent, configuration failure, never retried. */
static void
test_kannel_bad_password(void **state)
{
	char		 gw[1024], pdir[400], tdir[400];
	json_t		*hist, *h;
	char		*got;

	(void)state;
	snprintf(pdir, sizeof(pdir), "%s/peers/policy", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/peers/templates", OD_TEST_DATA);
	start_kannel();
	/* The password from the environment this time (password_env). */
	setenv("OD_PEERS_KANNEL_PASSWORD", "not-the-password", 1);
	snprintf(gw, sizeof(gw),
	    "  kannel:\n"
	    "    plugin: sms-kannel\n"
	    "    base_url: \"%s\"\n"
	    "    username: %s\n"
	    "    password_env: OD_PEERS_KANNEL_PASSWORD\n"
	    "    from: FINANCIERA\n", g_kannel.base_url, KANNEL_USER);
	assert_int_equal(od_test_env_start_with(&g_env, "itkannel", pdir, tdir, NULL, gw,
	    "  sms: kannel\n  email: outbox\n  whatsapp: outbox\n"), 0);

	enqueue(&g_env, "PE-K3", "peers-sms", "Rosa Ñique Huamán", "+51987000333");
	run_once(&g_env);
	unsetenv("OD_PEERS_KANNEL_PASSWORD");

	hist = od_test_history(&g_env, "PE-K3");
	assert_int_equal(json_array_size(hist), 1);
	h = json_array_get(hist, 0);
	assert_string_equal(od_test_str(h, "status"), "failed");
	assert_string_equal(od_test_str(h, "gateway"), "kannel");
	assert_string_equal(od_test_str(h, "code"), "403");
	assert_string_equal(od_test_str(h, "reason"),
	    "kannel HTTP 403: credentials refused: Authorization failed for sendsms");
	json_decref(hist);
	got = od_test_kannel_received(&g_kannel, 1, 1000);
	assert_string_equal(got, "");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kannel_coding, teardown),
		cmocka_unit_test_teardown(test_kannel_bad_password, teardown),
	};

	return od_test_exit_code(cmocka_run_group_tests(tests, NULL, NULL));
}
