/*
 * test_twilio: the sms-twilio plugin, loaded from its .so: settings, the
 * request it builds (as twilio_send.yaml's CreateMessage takes it) and the
 * classification of Twilio's replies (tests/data/gateways/twilio/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "od_test_host.h"

#define SID	"AC0123456789abcdef0123456789abcdef"
#define TOKEN	"f00dfeedf00dfeedf00dfeedf00dfeed"

static const struct od_channel_message base_msg = {
	.action_id = "acc-1:3:reminder",
	.attempt_id = "acc-1:3:reminder#2",
	.account_id = "acc-1",
	.kind = OD_KIND_SMS,
	.to = "+51987654321",
	.text = "Hola Ana, su cuota de S/ 150.00 vence mañana. Pagó? Responda SALIR para no recibir más.",
	.sms_coding = "ucs2",
	.sms_segments = 2,
};

static int
setup(void **state)
{
	struct od_test_fx	*f = od_test_fx_open("sms-twilio");

	if (f == NULL)
		return -1;
	od_test_host_set(&f->host, "account_sid", SID);
	od_test_host_secret(&f->host, "auth_token", TOKEN);
	od_test_host_set(&f->host, "from", "+15005550006");
	*state = f;
	return 0;
}

static void
test_abi(void **state)
{
	struct od_test_fx *f = *state;

	od_test_assert_abi(f, "sms-twilio", OD_TRANSPORT_HTTP, 1u << OD_KIND_SMS, "twilio_init");
	assert_non_null(f->p->fini);
}

static void
test_init_errors(void **state)
{
	struct od_test_fx *f = *state;

	od_test_host_set(&f->host, "account_sid", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting account_sid is missing");

	od_test_host_set(&f->host, "account_sid", "AC123");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "account_sid must be AC followed by 32 hex digits");

	od_test_host_set(&f->host, "account_sid", SID);
	od_test_host_secret(&f->host, "auth_token", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err,
	    "secret auth_token is missing (set auth_token_file or auth_token_env)");

	od_test_host_secret(&f->host, "auth_token", TOKEN);
	od_test_host_set(&f->host, "from", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting from or messaging_service_sid is missing");

	od_test_host_set(&f->host, "messaging_service_sid", "MGnothex");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "messaging_service_sid must be MG followed by 32 hex digits");

	od_test_host_set(&f->host, "messaging_service_sid", NULL);
	od_test_host_set(&f->host, "from", "+15005550006");
	od_test_host_set(&f->host, "validity_period", "36001");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "validity_period must be 1 to 36000 seconds");

	od_test_host_set(&f->host, "validity_period", NULL);
	od_test_host_set(&f->host, "base_url", "ftp://api.twilio.com");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "base_url must be an http:// or https:// URL");
	assert_null(f->ctx);
}

static void
test_build_request(void **state)
{
	struct od_test_fx	*f = *state;
	const char		*body;

	od_test_host_set(&f->host, "status_callback", "https://hooks.example.pe/twilio/status");
	assert_int_equal(od_test_fx_init(f), 0);
	assert_int_equal(od_test_fx_build(f, &base_msg), 0);

	assert_string_equal(f->req.url,
	    "https://api.twilio.com/2010-04-01/Accounts/" SID "/Messages.json");
	assert_string_equal(f->req.method, "POST");
	assert_string_equal(od_test_req_header(&f->req, "Accept"), "application/json");
	assert_string_equal(od_test_req_header(&f->req, "Content-Type"),
	    "application/x-www-form-urlencoded");
	assert_int_equal(f->req.nheaders, 2);
	assert_string_equal(f->req.user, SID);
	assert_string_equal(f->req.password, TOKEN);
	assert_null(f->req.mail_from);

	body = f->req.body.data;
	/* The '+' of E.164 must travel as %2B, or Twilio reads a space. */
	assert_true(strncmp(body, "To=%2B51987654321&From=%2B15005550006&Body=Hola+Ana%2C+", 54)
	    == 0);
	od_test_assert_form(body, "To", "+51987654321");
	od_test_assert_form(body, "From", "+15005550006");
	od_test_assert_form(body, "Body", base_msg.text);
	od_test_assert_form(body, "StatusCallback",
	    "https://hooks.example.pe/twilio/status?attempt=acc-1%3A3%3Areminder%232");
	od_test_assert_form(body, "MessagingServiceSid", NULL);
	od_test_assert_form(body, "ValidityPeriod", NULL);
	/* Only CreateMessage fields (twilio_send.yaml): nothing else was sent. */
	assert_int_equal(od_test_form_count(body, "To") + od_test_form_count(body, "From") +
	    od_test_form_count(body, "Body") + od_test_form_count(body, "StatusCallback"), 4);
	{
		size_t pairs = 1;

		for (const char *c = body; *c; c++)
			pairs += *c == '&';
		assert_int_equal(pairs, 4);
	}
}

static void
test_build_service_validity(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;

	od_test_host_set(&f->host, "base_url", "http://127.0.0.1:4010/");
	od_test_host_set(&f->host, "from", NULL);
	od_test_host_set(&f->host, "messaging_service_sid", "MG0123456789abcdef0123456789abcdef");
	od_test_host_set(&f->host, "validity_period", "3600");
	assert_int_equal(od_test_fx_init(f), 0);
	m.callback_url = NULL;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_string_equal(f->req.url,
	    "http://127.0.0.1:4010/2010-04-01/Accounts/" SID "/Messages.json");
	od_test_assert_form(f->req.body.data, "MessagingServiceSid",
	    "MG0123456789abcdef0123456789abcdef");
	od_test_assert_form(f->req.body.data, "From", NULL);
	od_test_assert_form(f->req.body.data, "ValidityPeriod", "3600");
	od_test_assert_form(f->req.body.data, "StatusCallback", NULL);

	/* Without a status_callback setting, the core's callback URL is used as is. */
	m.callback_url = "https://cb.example.pe/dlr/twilio?a=acc-1%3A3%3Areminder%232";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	od_test_assert_form(f->req.body.data, "StatusCallback", m.callback_url);
}

static void
test_build_refusals(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	char				*t;

	assert_int_equal(od_test_fx_init(f), 0);

	/* 1600 characters (3200 bytes of á) go; 1601 do not. */
	t = malloc(1601 * 2 + 1);
	for (size_t i = 0; i < 1600; i++)
		memcpy(t + 2 * i, "\xC3\xA1", 2);
	t[3200] = '\0';
	m.text = t;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	memcpy(t + 3200, "a", 2);
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "the SMS text is 1601 characters; Twilio accepts at most 1600");
	free(t);

	m = base_msg;
	m.to = "51987654321";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to is not an E.164 phone number");
	m.to = "+51 987 654 321";
	assert_int_equal(od_test_fx_build(f, &m), -1);

	m = base_msg;
	m.kind = OD_KIND_EMAIL;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "sms-twilio sends SMS only (kind 1)");

	m = base_msg;
	m.text = "";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "the SMS text is empty");
}

static const struct od_test_expect twilio_cases[] = {
	{ "201_queued.json", 201, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "", "",
	    "SM1f0e6a1c2b3d4e5f60718293a4b5c6d7" },
	{ "201_queued.json", 200, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "", "",
	    "SM1f0e6a1c2b3d4e5f60718293a4b5c6d7" },
	{ "201_no_sid.json", 201, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "",
	    "twilio HTTP 201: 2xx reply without a message sid", "" },
	{ "201_not_json.html", 201, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "",
	    "twilio HTTP 201: 2xx reply that is not JSON", "" },
	{ "429_20429.json", 429, "30", OD_OUTCOME_RETRYABLE, 0, 30000, "20429",
	    "twilio 20429: too many requests: Too Many Requests", "" },
	{ "429_20429.json", 429, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "20429",
	    "twilio 20429: too many requests: Too Many Requests", "" },
	{ "429_20429.json", 429, "Wed, 21 Oct 2015 07:28:00 GMT", OD_OUTCOME_RETRYABLE, 0, 0,
	    "20429", "twilio 20429: too many requests: Too Many Requests", "" },
	{ "400_21611.json", 400, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "21611",
	    "twilio 21611: queue overflow, slow down: This 'From' number has exceeded the "
	    "maximum number of queued messages", "" },
	{ "400_30001.json", 400, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "30001",
	    "twilio 30001: queue overflow, slow down: Queue overflow", "" },
	{ "400_21610.json", 400, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_OPT_OUT, 0, "21610",
	    "twilio 21610: recipient opted out (STOP): Attempt to send to unsubscribed "
	    "recipient", "" },
	{ "400_21211.json", 400, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "21211",
	    "twilio 21211: invalid To number: Invalid 'To' Phone Number: +5198765XXXX", "" },
	{ "400_30006.json", 400, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "30006",
	    "twilio 30006: landline or unreachable carrier: Landline or unreachable carrier",
	    "" },
	{ "400_30005.json", 400, NULL, OD_OUTCOME_PERMANENT, 0, 0, "30005",
	    "twilio 30005: unknown destination: Unknown destination handset", "" },
	{ "400_30007.json", 400, NULL, OD_OUTCOME_PERMANENT, 0, 0, "30007",
	    "twilio 30007: carrier filtering: Message filtered", "" },
	{ "400_30003.json", 400, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "30003",
	    "twilio 30003: unreachable handset: Unreachable destination handset", "" },
	{ "401_20003.json", 401, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "20003",
	    "twilio 20003: credentials refused: Authenticate", "" },
	{ "403_20403.json", 403, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "20403",
	    "twilio 20403: credentials refused: Forbidden", "" },
	{ "400_21408.json", 400, NULL, OD_OUTCOME_PERMANENT, 0, 0, "21408",
	    "twilio 21408: request refused: Permission to send an SMS has not been enabled "
	    "for the region indicated by the 'To' number", "" },
	{ "500_20500.json", 500, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "20500",
	    "twilio 20500: the message may or may not have been sent: An internal server "
	    "error has occurred", "" },
	{ "503_html.html", 503, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "",
	    "twilio HTTP 503: the message may or may not have been sent", "" },
};

static void
test_classify(void **state)
{
	struct od_test_fx *f = *state;

	assert_int_equal(od_test_fx_init(f), 0);
	od_test_assert_classify(f, &base_msg, "gateways/twilio", twilio_cases,
	    sizeof(twilio_cases) / sizeof(twilio_cases[0]));
}

static void
test_config_error_is_logged(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_result res;

	assert_int_equal(od_test_fx_init(f), 0);
	assert_int_equal(od_test_classify(f->p, f->ctx, &base_msg, "gateways/twilio/401_20003.json",
	    401, NULL, &res), 0);
	assert_string_equal(od_test_host_log(&f->host),
	    "3 credentials refused (HTTP 401, code 20003): check account_sid and auth_token\n");
	/* Nothing personal: not the number, not the token. */
	assert_null(strstr(od_test_host_log(&f->host), "987654321"));
	assert_null(strstr(od_test_host_log(&f->host), TOKEN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abi, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_errors, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_request, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_service_validity, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_refusals, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_classify, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_config_error_is_logged, setup,
		    od_test_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
