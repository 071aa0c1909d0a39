/*
 * Integration against the providers' own contracts: Stoplight Prism serving
 * Twilio's and Meta's published OpenAPI descriptions (trimmed to the send
 * operation, ../shared/contracts/README.md) as request-validating mocks.
 * Prism checks every request the daemon sends through sms-twilio and
 * whatsapp-cloud against the spec and logs "[VALIDATOR] ✖" for a violation;
 * a valid request gets the spec's example reply (Twilio 201 with sid
 * "SM...", Meta 200 with messages[0].id "wamid...").
 *
 * Rate limits: a small proxy in this process adds "Prefer: code=429" to
 * every request on its way to Prism, which then answers with the provider's
 * own 429 (Twilio 20429, Meta 130429; ../shared/reference/providers.md:
 * "not processed, safe to retry after back-off").  The attempts must be
 * 'retry' (never 'sent', never sent twice per attempt), spaced by the
 * core's back-off, until max_retries gives up.
 *
 * The whatsapp-cloud plugin's other requests, built by the plugin itself
 * (tests/od_test_host.h) and posted to Prism: a template with quick-reply
 * and URL buttons and a session (free-form text) message.  Meta's v23.0
 * spec gives a button's "index" the pattern ^[2-6, 11-14]$, which refuses
 * "0" (the first button) although the spec's own example and description
 * use 0-9: the buttons test keeps index 0 for a static button, which takes
 * no parameter, and shows that a quick reply at index 0 is refused for that
 * pattern alone.
 *
 * The clock: Monday 2026-03-09, 10:00 in Lima (15:00 UTC), inside PE's
 * contact window (config/jurisdictions/PE.yaml, Ley 29571 art. 62).
 * Skips, saying why, when Prism is not installed (.ci/peers installs it).
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
#include <time.h>

#include <curl/curl.h>

#include "od_test_host.h"
#include "od_test_peers.h"
#include "od_testenv.h"

#define TWILIO_SID	"AC0123456789abcdef0123456789abcdef"
#define TWILIO_SPEC	OD_SOURCE_DIR "/../shared/contracts/twilio_send.yaml"
#define WA_SPEC		OD_SOURCE_DIR "/../shared/contracts/whatsapp_send.yaml"
#define VALIDATOR_FAIL	"[VALIDATOR] \xE2\x9C\x96"	/* "✖" */
#define VALIDATOR_OK	"The request passed the validation rules"

static struct od_test_env	g_env;
static struct od_test_prism	g_twilio, g_wa;
static struct od_test_proxy	*g_px_twilio, *g_px_wa;
static char			g_peerdir[256];
static pid_t			g_pid;

static int
teardown(void **state)
{
	(void)state;
	if (g_pid > 0)
		od_test_process_stop(g_pid, SIGKILL, 5000);
	g_pid = 0;
	od_test_proxy_stop(g_px_twilio);
	od_test_proxy_stop(g_px_wa);
	g_px_twilio = g_px_wa = NULL;
	od_test_prism_stop(&g_twilio);
	od_test_prism_stop(&g_wa);
	od_test_rmdir(g_peerdir);
	g_peerdir[0] = '\0';
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	unsetenv("OD_PEERS_TWILIO_TOKEN");
	return 0;
}

/* Both Prisms, and the env with gateways on twilio_url and wa_url; skips when Prism cannot run. */
static void
start(const char *twilio_url, const char *wa_url, const char *limits)
{
	char	 gw[1400], token[400], pdir[400], tdir[400];
	FILE	*fp;

	snprintf(pdir, sizeof(pdir), "%s/peers/policy", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/peers/templates", OD_TEST_DATA);
	/* The auth token from the environment, the access token from a file. */
	setenv("OD_PEERS_TWILIO_TOKEN", "twilio-peers-token", 1);
	snprintf(token, sizeof(token), "%s/wa-token", g_peerdir);
	assert_non_null(fp = fopen(token, "w"));
	fprintf(fp, "EAAGpeersTestToken\n");
	fclose(fp);
	snprintf(gw, sizeof(gw),
	    "  twilio:\n"
	    "    plugin: sms-twilio\n"
	    "    base_url: \"%s\"\n"
	    "    account_sid: %s\n"
	    "    auth_token_env: OD_PEERS_TWILIO_TOKEN\n"
	    "    from: \"+15005550006\"\n"
	    "  wa:\n"
	    "    plugin: whatsapp-cloud\n"
	    "    base_url: \"%s\"\n"
	    "    phone_number_id: \"106540352242922\"\n"
	    "    access_token_file: \"%s\"\n", twilio_url, TWILIO_SID, wa_url, token);
	assert_int_equal(od_test_env_start_with(&g_env, "itprism", pdir, tdir, limits, gw,
	    "  sms: twilio\n  email: outbox\n  whatsapp: wa\n"), 0);
}

static void
start_prisms(void)
{
	char	why[512];

	assert_int_equal(od_test_tmpdir("itprism-peer", g_peerdir, sizeof(g_peerdir)), 0);
	if (od_test_prism_start(&g_twilio, g_peerdir, TWILIO_SPEC, why, sizeof(why)) == -1 ||
	    od_test_prism_start(&g_wa, g_peerdir, WA_SPEC, why, sizeof(why)) == -1) {
		od_test_peer_missing("test_it_prism", why);
	}
}

static void
enqueue(const char *id, const char *policy)
{
	char	*body;

	assert_true(asprintf(&body,
	    "{\"account_id\":\"%s\",\"policy\":\"%s\",\"debtor\":{\"name\":\"Rosa Ñique Huamán\","
	    "\"id\":\"DNI%s\","
	    "\"phone\":\"+51987000111\",\"email\":\"rosa@example.pe\",\"whatsapp\":\"+51987000111\","
	    "\"locale\":\"es-PE\",\"timezone\":\"America/Lima\",\"country\":\"PE\"},"
	    "\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":\"2026-03-09\","
	    "\"product\":\"consumer_loan\"},\"consent\":{\"sms\":true,\"email\":true,"
	    "\"whatsapp\":true}}", id, policy, id + 3) > 0);
	assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
	free(body);
}

static pid_t
daemon_at_monday(int once)
{
	char		 clk[64];
	const char	*args[] = { clk, once ? "--once" : NULL, NULL };

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	return g_pid = od_test_daemon_start(&g_env, "daemon.log", args);
}

/* Valid requests by both specs: 'sent' with the providers' ids from the specs' examples. */
static void
test_prism_accepted(void **state)
{
	json_t	*hist, *h;

	(void)state;
	start_prisms();
	start(g_twilio.url, g_wa.url, NULL);
	enqueue("PE-T1", "peers-sms");
	enqueue("PE-W1", "peers-whatsapp");
	assert_true(daemon_at_monday(1) > 0);
	assert_int_equal(od_test_process_wait(g_pid, 20000), 0);
	g_pid = 0;

	/* Each spec saw one request, and it passed validation. */
	assert_int_equal(od_test_prism_count(&g_twilio, VALIDATOR_OK), 1);
	assert_int_equal(od_test_prism_count(&g_twilio, VALIDATOR_FAIL), 0);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_OK), 1);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_FAIL), 0);

	hist = od_test_history(&g_env, "PE-T1");
	assert_int_equal(json_array_size(hist), 1);
	h = json_array_get(hist, 0);
	assert_string_equal(od_test_str(h, "status"), "sent");
	assert_string_equal(od_test_str(h, "gateway"), "twilio");
	assert_string_equal(od_test_str(h, "channel"), "sms");
	assert_string_equal(od_test_str(h, "encoding"), "ucs2");
	assert_string_equal(od_test_str(h, "provider_id"), "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	json_decref(hist);

	hist = od_test_history(&g_env, "PE-W1");
	assert_int_equal(json_array_size(hist), 1);
	h = json_array_get(hist, 0);
	assert_string_equal(od_test_str(h, "status"), "sent");
	assert_string_equal(od_test_str(h, "gateway"), "wa");
	assert_string_equal(od_test_str(h, "channel"), "whatsapp");
	assert_string_equal(od_test_str(h, "provider_id"), "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA");
	json_decref(hist);
}

/* The account's history on stdout, for a reader of a failed run. */
static void
dump_history(const char *id)
{
	json_t	*hist = od_test_history(&g_env, id), *h;
	size_t	 i;

	json_array_foreach(hist, i, h) {
		print_message("%s #%zu %s %s %s code=%s reason=%s\n", id, i, od_test_str(h, "ts"),
		    od_test_str(h, "attempt_id"), od_test_str(h, "status"), od_test_str(h, "code"), od_test_str(h, "reason"));
	}
	json_decref(hist);
}

/* One account's history: retry, retry, then failed after max_retries; never 'sent'. */
static void
check_rate_limited(const char *id, const char *code, const char *reason)
{
	json_t		*hist = od_test_history(&g_env, id), *att, *a;
	size_t		 i, n, sending = 0;
	char		 gave_up[400], prev_ts[40] = "";

	assert_int_equal(json_array_size(hist), 3);
	for (i = 0; i < 3; i++) {
		json_t *h = json_array_get(hist, i);
		char attempt[128];

		snprintf(attempt, sizeof(attempt), "%s:2026-03-09:notice#%zu", id, i + 1);
		assert_string_equal(od_test_str(h, "attempt_id"), attempt);
		assert_string_equal(od_test_str(h, "code"), code);
		assert_string_equal(od_test_str(h, "status"), i < 2 ? "retry" : "failed");
		if (i < 2)
			assert_string_equal(od_test_str(h, "reason"), reason);
	}
	snprintf(gave_up, sizeof(gave_up), "gave up after 3 tries: %s", reason);
	assert_string_equal(od_test_str(json_array_get(hist, 2), "reason"), gave_up);
	json_decref(hist);

	/*
	 * The attempts stream: each attempt's 'sending' comes after the previous
	 * attempt's outcome (back-off, not a burst), and nothing is 'sent'.
	 */
	att = od_test_attempts(&g_env);
	n = json_array_size(att);
	for (i = 0; i < n; i++) {
		a = json_array_get(att, i);
		if (strcmp(od_test_str(a, "account_id"), id) != 0)
			continue;
		assert_string_not_equal(od_test_str(a, "status"), "sent");
		if (strcmp(od_test_str(a, "status"), "sending") == 0)
			sending++;
		assert_true(strcmp(od_test_str(a, "ts"), prev_ts) >= 0);
		snprintf(prev_ts, sizeof(prev_ts), "%s", od_test_str(a, "ts"));
	}
	assert_int_equal(sending, 3);
	json_decref(att);
}

/* Prism answers 429 (the providers' own rate-limit errors): retried with back-off, then given up. */
static void
test_prism_rate_limited(void **state)
{
	char	 turl[64], wurl[64];
	int	 waited;

	(void)state;
	start_prisms();
	assert_non_null(g_px_twilio = od_test_proxy_start(g_twilio.port, "Prefer: code=429"));
	assert_non_null(g_px_wa = od_test_proxy_start(g_wa.port, "Prefer: code=429"));
	snprintf(turl, sizeof(turl), "http://127.0.0.1:%d", od_test_proxy_port(g_px_twilio));
	snprintf(wurl, sizeof(wurl), "http://127.0.0.1:%d", od_test_proxy_port(g_px_wa));
	/* retry_base 1s (od_testenv): full jitter below 1 s, then 2 s. */
	start(turl, wurl, "  max_retries: 2\n");
	enqueue("PE-T2", "peers-sms");
	enqueue("PE-W2", "peers-whatsapp");
	assert_true(daemon_at_monday(0) > 0);
	for (waited = 0; waited < 20000; waited += 50) {
		if (od_test_int(&g_env, "LLEN outreach:hist:PE-T2") >= 3 &&
		    od_test_int(&g_env, "LLEN outreach:hist:PE-W2") >= 3)
			break;
		od_test_sleep_ms(50);
	}
	od_test_sleep_ms(300);		/* nothing more may come */
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;

	dump_history("PE-T2");
	dump_history("PE-W2");
	/* One request per attempt, each valid by the spec, each answered 429. */
	assert_int_equal(od_test_proxy_requests(g_px_twilio), 3);
	assert_int_equal(od_test_proxy_requests(g_px_wa), 3);
	assert_int_equal(od_test_prism_count(&g_twilio, VALIDATOR_OK), 3);
	assert_int_equal(od_test_prism_count(&g_twilio, VALIDATOR_FAIL), 0);
	assert_int_equal(od_test_prism_count(&g_twilio, "Responding with \"429\""), 3);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_OK), 3);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_FAIL), 0);
	assert_int_equal(od_test_prism_count(&g_wa, "Responding with \"429\""), 3);

	check_rate_limited("PE-T2", "20429", "twilio 20429: too many requests: Too Many Requests");
	check_rate_limited("PE-W2", "130429",
	    "whatsapp 130429: throughput limit: (#130429) Rate limit hit");
}

/* ---- the plugin's requests, straight to Prism ---------------------------- */

static size_t
prism_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Posts what the plugin built to Prism; the HTTP status, once Prism has logged its verdict. */
static long
prism_post(const struct od_request *r)
{
	struct curl_slist	*hs = NULL;
	CURL			*c;
	long			 status = 0;
	size_t			 i;
	int			 before, waited;

	before = od_test_prism_count(&g_wa, VALIDATOR_OK) +
	    od_test_prism_count(&g_wa, "Request did not pass the validation rules");
	assert_non_null(c = curl_easy_init());
	for (i = 0; i < r->nheaders; i++)
		hs = curl_slist_append(hs, r->headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)r->body.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, prism_discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hs);
	for (waited = 0; waited < 20000; waited += 50) {
		if (od_test_prism_count(&g_wa, VALIDATOR_OK) +
		    od_test_prism_count(&g_wa, "Request did not pass the validation rules") > before)
			break;
		od_test_sleep_ms(50);
	}
	return status;
}

static struct od_test_fx *
wa_plugin(void)
{
	struct od_test_fx	*f;
	char			 why[512];

	assert_int_equal(od_test_tmpdir("itprism-peer", g_peerdir, sizeof(g_peerdir)), 0);
	if (od_test_prism_start(&g_wa, g_peerdir, WA_SPEC, why, sizeof(why)) == -1)
		od_test_peer_missing("test_it_prism", why);
	assert_non_null(f = od_test_fx_open("whatsapp-cloud"));
	od_test_host_set(&f->host, "base_url", g_wa.url);
	od_test_host_set(&f->host, "phone_number_id", "106540352242922");
	od_test_host_secret(&f->host, "access_token", "EAAGpeersTestToken");
	assert_int_equal(od_test_fx_init(f), 0);
	return f;
}

static const char *const wa_params[] = { "Rosa", "S/ 1,234.50", "15 de marzo de 2026" };

static const struct od_channel_message wa_msg = {
	.action_id = "PE-W9:2026-03-09:offer",
	.attempt_id = "PE-W9:2026-03-09:offer#1",
	.account_id = "PE-W9",
	.kind = OD_KIND_WHATSAPP,
	.to = "+51987000111",
	.text = "Hola Rosa, tiene una oferta de pago.",
	.wa_name = "oferta_plan",
	.wa_language = "es",
	.wa_params = wa_params,
	.wa_nparams = 3,
};

/* A template with quick-reply and URL buttons, as the plugin builds it, passes Meta's spec. */
static void
test_prism_wa_buttons(void **state)
{
	struct od_test_fx		*f = wa_plugin();
	struct od_channel_message	 m = wa_msg;
	static const char *const	 ok[] = { "static:", "quick_reply:accept",
		"quick_reply:agent", "url:PE-W9/2026-03-09/Zm9vYmFy" };
	static const char *const	 zero[] = { "quick_reply:accept", "url:PE-W9/x" };

	(void)state;
	m.wa_buttons = ok;
	m.wa_nbuttons = 4;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_non_null(strstr(f->req.body.data, "\"sub_type\":\"quick_reply\",\"index\":\"1\""));
	assert_non_null(strstr(f->req.body.data, "\"biz_opaque_callback_data\":"));
	assert_int_equal(prism_post(&f->req), 200);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_OK), 1);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_FAIL), 0);

	/*
	 * A quick reply at index 0: refused, and on the template's branch of
	 * the spec for nothing but the index's pattern (the other lines are the
	 * other message types' branches of the oneOf).
	 */
	m.wa_buttons = zero;
	m.wa_nbuttons = 2;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_int_equal(prism_post(&f->req), 422);
	assert_int_equal(od_test_prism_count(&g_wa, "Request body property template."), 1);
	assert_int_equal(od_test_prism_count(&g_wa,
	    "template.components.1.index must match pattern"), 1);
	od_test_fx_close(f);
}

/* A session message (inside the 24-hour window) passes Meta's spec as a TextMessage. */
static void
test_prism_wa_session(void **state)
{
	struct od_test_fx		*f = wa_plugin();
	struct od_channel_message	 m = wa_msg;

	(void)state;
	m.wa_session = 1;
	m.text = "Gracias, Rosa: registramos su promesa de pago de S/ 300.00 para el lunes 16.";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_int_equal(prism_post(&f->req), 200);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_OK), 1);
	assert_int_equal(od_test_prism_count(&g_wa, VALIDATOR_FAIL), 0);
	od_test_fx_close(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_prism_accepted, teardown),
		cmocka_unit_test_teardown(test_prism_rate_limited, teardown),
		cmocka_unit_test_teardown(test_prism_wa_buttons, teardown),
		cmocka_unit_test_teardown(test_prism_wa_session, teardown),
	};

	return od_test_exit_code(cmocka_run_group_tests(tests, NULL, NULL));
}
