/*
 * test_kannel: the sms-kannel plugin, loaded from its .so: the sendsms URL
 * it builds (parameters decoded one by one, coding per the core's encoder,
 * the DLR URL) and the classification of smsbox replies
 * (tests/data/gateways/kannel/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "od_test_host.h"

static const struct od_channel_message base_msg = {
	.action_id = "acc-7:1:notice",
	.attempt_id = "acc-7:1:notice#1",
	.account_id = "acc-7",
	.kind = OD_KIND_SMS,
	.to = "+51987654321",
	.text = "Estimado cliente: su deuda de S/ 320.50 venció el 01/03. Llame al 01 6150000.",
	.sms_coding = "ucs2",
	.sms_segments = 2,
};

static int
setup(void **state)
{
	struct od_test_fx	*f = od_test_fx_open("sms-kannel");

	if (f == NULL)
		return -1;
	od_test_host_set(&f->host, "base_url", "http://127.0.0.1:13013/");
	od_test_host_set(&f->host, "username", "outreach");
	od_test_host_secret(&f->host, "password", "s3cr&t=1");
	od_test_host_set(&f->host, "from", "Cobranzas");
	*state = f;
	return 0;
}

static void
test_abi(void **state)
{
	struct od_test_fx *f = *state;

	od_test_assert_abi(f, "sms-kannel", OD_TRANSPORT_HTTP, 1u << OD_KIND_SMS, "kannel_build");
}

static void
test_init_errors(void **state)
{
	struct od_test_fx *f = *state;

	od_test_host_set(&f->host, "base_url", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting base_url is missing (e.g. http://127.0.0.1:13013)");
	od_test_host_set(&f->host, "base_url", "127.0.0.1:13013");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "base_url must be an http:// or https:// URL");
	od_test_host_set(&f->host, "base_url", "http://127.0.0.1:13013");
	od_test_host_set(&f->host, "username", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting username is missing");
	od_test_host_set(&f->host, "username", "outreach");
	od_test_host_secret(&f->host, "password", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "secret password is missing (set password_file or password_env)");
	od_test_host_secret(&f->host, "password", "x");
	od_test_host_set(&f->host, "from", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting from is missing");
	assert_null(f->ctx);
}

static void
test_build_ucs2(void **state)
{
	struct od_test_fx	*f = *state;
	const char		*url;

	assert_int_equal(od_test_fx_init(f), 0);
	assert_int_equal(od_test_fx_build(f, &base_msg), 0);
	url = f->req.url;
	assert_string_equal(f->req.method, "GET");
	assert_false(od_test_req_has_body(&f->req));
	assert_int_equal(f->req.nheaders, 0);
	{
		static const char prefix[] = "http://127.0.0.1:13013/cgi-bin/sendsms?"
		    "username=outreach&password=s3cr%26t%3D1&from=Cobranzas&to=%2B51987654321&text=";

		assert_memory_equal(url, prefix, sizeof(prefix) - 1);
	}
	od_test_assert_form(url, "username", "outreach");
	od_test_assert_form(url, "password", "s3cr&t=1");
	od_test_assert_form(url, "from", "Cobranzas");
	od_test_assert_form(url, "to", "+51987654321");
	od_test_assert_form(url, "text", base_msg.text);
	/* UCS-2: coding=2, the text stays UTF-8 and Kannel converts. */
	od_test_assert_form(url, "coding", "2");
	od_test_assert_form(url, "charset", "UTF-8");
	od_test_assert_form(url, "smsc", NULL);
	od_test_assert_form(url, "dlr-mask", NULL);
	od_test_assert_form(url, "dlr-url", NULL);
}

static void
test_build_gsm7_smsc_dlr(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	const char			*url;

	od_test_host_set(&f->host, "smsc", "claro-pe");
	od_test_host_set(&f->host, "dlr_url", "http://127.0.0.1:8080/dlr/kannel");
	assert_int_equal(od_test_fx_init(f), 0);
	m.sms_coding = "gsm7";
	m.text = "Su cuota vence hoy. Pague con el codigo 4471 [ref] y evite recargos: 5% ~ 10 €";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	url = f->req.url;
	od_test_assert_form(url, "coding", "0");
	od_test_assert_form(url, "charset", "UTF-8");
	od_test_assert_form(url, "text", m.text);
	od_test_assert_form(url, "smsc", "claro-pe");
	od_test_assert_form(url, "dlr-mask", "19");
	/* Decoded once: the URL Kannel calls, with its %d / %F escapes and our id encoded. */
	od_test_assert_form(url, "dlr-url",
	    "http://127.0.0.1:8080/dlr/kannel?attempt=acc-7%3A1%3Anotice%231&status=%d&smsc_id=%F");
	/* Raw: the whole dlr-url is one encoded value (no bare & or = inside). */
	assert_non_null(strstr(url, "&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fdlr%2Fkannel%3F"
	    "attempt%3Dacc-7%253A1%253Anotice%25231%26status%3D%25d%26smsc_id%3D%25F"));
}

static void
test_build_refusals(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;

	assert_int_equal(od_test_fx_init(f), 0);
	m.kind = OD_KIND_WHATSAPP;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "sms-kannel sends SMS only (kind 2)");
	m = base_msg;
	m.text = "";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "the SMS text is empty");
	/* Kannel would read "+51 987..." as several receivers. */
	m = base_msg;
	m.to = "+51987654321 +51911111111";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to is not a phone number");
	m.to = "ana@example.pe";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	m.to = "+";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	m.to = "987654321";	/* a national number is Kannel's to route */
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_non_null(strstr(f->req.url, "&to=987654321&"));
}

static const struct od_test_expect kannel_cases[] = {
	{ "202_accepted.txt", 202, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "0", "", "acc-7:1:notice#1" },
	{ "202_queued.txt", 202, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "3", "queued for later delivery",
	    "acc-7:1:notice#1" },
	{ "202_accepted_id.txt", 202, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "0", "",
	    "6f1c2a4e-9b7d-4e3f-8a21-5c0d9e8f7a6b" },
	{ "202_unexpected.txt", 202, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "202",
	    "kannel HTTP 202: unexpected reply: Sent.", "" },
	{ "403_not_routable.txt", 403, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "403",
	    "kannel HTTP 403: no route: Not routable. Do not try again.", "" },
	{ "403_authorization.txt", 403, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "403",
	    "kannel HTTP 403: credentials refused: Authorization failed for sendsms", "" },
	{ "400_missing_receiver.txt", 400, NULL, OD_OUTCOME_PERMANENT, 0, 0, "400",
	    "kannel HTTP 400: request refused: Missing receiver number, rejected", "" },
	{ "503_temporal.txt", 503, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "503",
	    "kannel HTTP 503: temporary failure: Temporal failure, try again later.", "" },
	{ "502_proxy.html", 502, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "502",
	    "kannel HTTP 502: the message may or may not have been sent: "
	    "<html><body><h1>502 Bad Gateway</h1></body></html>", "" },
};

static void
test_classify(void **state)
{
	struct od_test_fx *f = *state;

	assert_int_equal(od_test_fx_init(f), 0);
	od_test_assert_classify(f, &base_msg, "gateways/kannel", kannel_cases,
	    sizeof(kannel_cases) / sizeof(kannel_cases[0]));
	/* Only the authorization failure is a configuration error worth a loud line. */
	assert_string_equal(od_test_host_log(&f->host),
	    "3 sendsms authorization failed (HTTP 403): check username and password, and the "
	    "sendsms-user group\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abi, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_errors, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_ucs2, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_gsm7_smsc_dlr, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_refusals, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_classify, setup, od_test_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
