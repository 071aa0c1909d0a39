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

#include <jansson.h>

#include "od_test_host.h"
#include "od_time.h"

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
	/* an HTTP-date, two minutes after the fixed clock of test_classify */
	{ "429_20429.json", 429, "Wed, 21 Oct 2015 07:28:00 GMT", OD_OUTCOME_RETRYABLE, 0, 120000,
	    "20429", "twilio 20429: too many requests: Too Many Requests", "" },
	/* a date already past asks for no delay */
	{ "429_20429.json", 429, "Wed, 21 Oct 2015 07:25:59 GMT", OD_OUTCOME_RETRYABLE, 0, 0,
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

	int64_t now;

	assert_int_equal(od_test_fx_init(f), 0);
	/* a fixed clock, not the wall's: 2015-10-21T07:26:00Z */
	assert_int_equal(od_time_parse_iso("2015-10-21T07:26:00Z", &now), 0);
	od_clock_set_now_ms(now);
	od_test_assert_classify(f, &base_msg, "gateways/twilio", twilio_cases,
	    sizeof(twilio_cases) / sizeof(twilio_cases[0]));
	od_clock_set_offset_ms(0);
}

/* Classifies body (len bytes) as a reply with status. */
static void
classify_text(struct od_test_fx *f, long status, const char *body, size_t len,
    struct od_channel_result *res)
{
	struct od_channel_reply reply;

	memset(&reply, 0, sizeof(reply));
	memset(res, 0, sizeof(*res));
	reply.status = status;
	reply.body = body;
	reply.body_len = len;
	f->p->classify(f->ctx, &base_msg, &reply, res);
}

/* A 201 reply and what the plugin must make of it: the sid taken, or why not. */
struct scan_case {
	const char	*body;
	enum od_outcome	 outcome;
	const char	*provider_id;
	const char	*reason;
};

#define NO_SID		"twilio HTTP 201: 2xx reply without a message sid"
#define NOT_JSON	"twilio HTTP 201: 2xx reply that is not JSON"

static const struct scan_case scan_cases[] = {
	/* the bench's stand-in and Twilio's own shape */
	{ "{\"sid\":\"SM0123456789abcdef0123456789abcdef\",\"account_sid\":\"" SID "\","
	    "\"status\":\"queued\",\"num_segments\":\"1\",\"error_code\":null,"
	    "\"error_message\":null}", OD_OUTCOME_ACCEPTED, "SM0123456789abcdef0123456789abcdef",
	    "" },
	/* an escaped quote in a value before the sid: the value ends at the real quote */
	{ "{\"body\":\"say \\\"sid\\\": \\\"SMfake\\\" \\\\\",\"sid\":\"SMreal\"}",
	    OD_OUTCOME_ACCEPTED, "SMreal", "" },
	/* "sid" inside another string value is not a key */
	{ "{\"body\":\"\\\"sid\\\":\\\"SMwrong\\\"\",\"note\":\"sid\",\"sid\":\"SMright\"}",
	    OD_OUTCOME_ACCEPTED, "SMright", "" },
	{ "{\"body\":\"{\\\"sid\\\":\\\"SMwrong\\\"}\"}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	/* whitespace everywhere JSON allows it */
	{ " \r\n\t{ \"status\" :\t\"queued\" ,\n \"sid\"\r\n:  \"SMws\"  }\n\n ",
	    OD_OUTCOME_ACCEPTED, "SMws", "" },
	/* missing, empty or not a string: the same classification as before */
	{ "{\"status\":\"queued\",\"error_code\":null}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	{ "{\"sid\":\"\"}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	{ "{\"sid\":42}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	{ "{\"sid\":null}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	{ "{}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	{ "[\"sid\",\"SMarray\"]", OD_OUTCOME_UNKNOWN, "", NO_SID },
	/* a nested "sid" is not the message's; a later duplicate wins, as in jansson */
	{ "{\"sub\":{\"sid\":\"SMinner\",\"a\":[1,{\"b\":[]}]},\"sid\":\"SMouter\"}",
	    OD_OUTCOME_ACCEPTED, "SMouter", "" },
	{ "{\"subresource_uris\":{\"sid\":\"SMinner\"}}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	{ "{\"sid\":\"SM1\",\"sid\":\"SM2\"}", OD_OUTCOME_ACCEPTED, "SM2", "" },
	{ "{\"sid\":\"SM1\",\"sid\":false}", OD_OUTCOME_UNKNOWN, "", NO_SID },
	/* escapes in the sid or a key: jansson decodes them */
	{ "{\"sid\":\"SM\\/1\\u0041\"}", OD_OUTCOME_ACCEPTED, "SM/1A", "" },
	{ "{\"s\\u0069d\":\"SMkey\"}", OD_OUTCOME_ACCEPTED, "SMkey", "" },
	{ "{\"body\":\"ma\\u00f1ana\",\"sid\":\"SMu\"}", OD_OUTCOME_ACCEPTED, "SMu", "" },
	/* UTF-8 in values, valid and not */
	{ "{\"body\":\"ma\xc3\xb1" "ana \xe2\x82\xac 5 \xf0\x9f\x98\x80\",\"sid\":\"SMutf8\"}",
	    OD_OUTCOME_ACCEPTED, "SMutf8", "" },
	{ "{\"body\":\"\xc3\x28\",\"sid\":\"SM1\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"body\":\"\xed\xa0\x80\",\"sid\":\"SM1\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"body\":\"\xc0\xaf\",\"sid\":\"SM1\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"body\":\"tab\there\",\"sid\":\"SM1\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	/* numbers and literals jansson takes, and ones it refuses */
	{ "{\"n\":-0,\"p\":\"-0.00750\",\"q\":0.5,\"r\":-12.25,\"e\":1e2,\"t\":true,"
	    "\"sid\":\"SMnum\"}", OD_OUTCOME_ACCEPTED, "SMnum", "" },
	{ "{\"sid\":\"SM1\",\"price\":1e999}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"n\":123456789012345678901234}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"n\":01}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"n\":1.}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"t\":tru}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"t\":truex}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	/* anything that is not one whole JSON object */
	{ "{\"sid\":\"SM1\",}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\"} x", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\"}{}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\"", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\" \"SM1\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{sid:\"SM1\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"a\":[1,]}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "{\"sid\":\"SM1\",\"bad\":\"\\x\"}", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	{ "<html>Created</html>", OD_OUTCOME_UNKNOWN, "", NOT_JSON },
	/* deeper than the scanner goes: jansson's answer */
	{ "{\"d\":[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]],\"sid\":\"SMdeep\"}",
	    OD_OUTCOME_ACCEPTED, "SMdeep", "" },
};

/* What classify gave before the scanner: jansson's reading of the reply. */
static void
assert_as_jansson(const char *body, size_t len, const struct od_channel_result *res)
{
	json_t		*root = json_loadb(body, len, 0, NULL);
	const char	*sid = json_string_value(json_object_get(root, "sid"));

	if (sid != NULL && *sid != '\0') {
		assert_int_equal(res->outcome, OD_OUTCOME_ACCEPTED);
		assert_string_equal(res->provider_id, sid);
	} else {
		assert_int_equal(res->outcome, OD_OUTCOME_UNKNOWN);
		assert_string_equal(res->reason, root != NULL ? NO_SID : NOT_JSON);
	}
	json_decref(root);
}

static void
test_classify_scanner(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_result	 res;
	size_t				 i;

	assert_int_equal(od_test_fx_init(f), 0);
	for (i = 0; i < sizeof(scan_cases) / sizeof(scan_cases[0]); i++) {
		const struct scan_case *c = &scan_cases[i];

		print_message("case %zu: %s\n", i, c->body);
		classify_text(f, 201, c->body, strlen(c->body), &res);
		assert_int_equal(res.outcome, c->outcome);
		assert_string_equal(res.provider_id, c->provider_id);
		assert_string_equal(res.reason, c->reason);
		assert_int_equal(res.flags, 0);
		assert_as_jansson(c->body, strlen(c->body), &res);
	}
	/* the reply's length, not a NUL, ends it */
	classify_text(f, 201, "{\"sid\":\"SMlen\"}garbage", 15, &res);
	assert_int_equal(res.outcome, OD_OUTCOME_ACCEPTED);
	assert_string_equal(res.provider_id, "SMlen");
	classify_text(f, 201, "{\"sid\":\"SMlen\"}", 14, &res);
	assert_string_equal(res.reason, NOT_JSON);
	classify_text(f, 201, "{\"sid\":\"SM\0x\"}", 14, &res);
	assert_string_equal(res.reason, NOT_JSON);
	/* a sid in a refusal is not an acceptance */
	classify_text(f, 400, "{\"sid\":\"SM1\",\"code\":21211,\"message\":\"Invalid\"}", 46, &res);
	assert_int_equal(res.outcome, OD_OUTCOME_PERMANENT);
	assert_string_equal(res.reason, "twilio 21211: invalid To number: Invalid");
	assert_string_equal(res.provider_id, "");
}

/*
 * The exact form: every value form-encoded (A-Z a-z 0-9 - _ . ~ kept, space
 * '+', the rest %XX), the attempt id encoded inside the callback URL and
 * then the URL as a whole, the fields in CreateMessage's order.
 */
static void
test_build_exact_body(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	char				*longtext;

	od_test_host_set(&f->host, "messaging_service_sid", "MG0123456789abcdef0123456789abcdef");
	od_test_host_set(&f->host, "status_callback", "https://cb.example.pe/twilio?x=1");
	od_test_host_set(&f->host, "validity_period", "600");
	assert_int_equal(od_test_fx_init(f), 0);
	m.text = "Hola Ana: S/ 150.00 & m\xc3\xa1s~_-.+=%\r\n\"<>";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_string_equal(f->req.body.data,
	    "To=%2B51987654321&From=%2B15005550006"
	    "&MessagingServiceSid=MG0123456789abcdef0123456789abcdef"
	    "&Body=Hola+Ana%3A+S%2F+150.00+%26+m%C3%A1s~_-.%2B%3D%25%0D%0A%22%3C%3E"
	    "&StatusCallback=https%3A%2F%2Fcb.example.pe%2Ftwilio%3Fx%3D1%26attempt%3D"
	    "acc-1%253A3%253Areminder%25232"
	    "&ValidityPeriod=600");
	assert_int_equal(f->req.body.len, strlen(f->req.body.data));

	/* the body buffer is reused: a shorter message after a longer one */
	longtext = malloc(1601);
	memset(longtext, '&', 1600);
	longtext[1600] = '\0';
	m.text = longtext;
	m.attempt_id = NULL;
	m.callback_url = "http://127.0.0.1/cb?a=1 2";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_int_equal(f->req.body.len, 3 + 14 + 20 + 55 + 6 + 1600 * 3 + 16 + 37 + 19);
	od_test_assert_form(f->req.body.data, "Body", longtext);
	od_test_assert_form(f->req.body.data, "StatusCallback", "http://127.0.0.1/cb?a=1 2");
	free(longtext);
	m.text = "ok";
	m.callback_url = NULL;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_string_equal(f->req.body.data,
	    "To=%2B51987654321&From=%2B15005550006"
	    "&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&Body=ok&ValidityPeriod=600");
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
		cmocka_unit_test_setup_teardown(test_classify_scanner, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_exact_body, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_config_error_is_logged, setup,
		    od_test_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
