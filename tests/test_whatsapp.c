/*
 * test_whatsapp: the whatsapp-cloud plugin, loaded from its .so: the
 * template message it builds (parsed with jansson, field by field, as
 * whatsapp_send.yaml's TemplateMessage requires) and the classification of
 * Meta's replies (tests/data/gateways/whatsapp/); a template's buttons, the
 * opaque data that matches its receipts, and a session (free-form) message.
 * tests/test_it_prism.c sends the same requests to Meta's spec.
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

#define TOKEN	"EAAGm0PX4ZCpsBAKZBZCtest0token"

static const char *const params[] = { "María", "S/ 1,250.00", "15/03/2025" };

static const struct od_channel_message base_msg = {
	.action_id = "acc-9:2:offer",
	.attempt_id = "acc-9:2:offer#1",
	.account_id = "acc-9",
	.kind = OD_KIND_WHATSAPP,
	.to = "+51987654321",
	.text = "Hola María, tiene una oferta de pago por S/ 1,250.00 hasta el 15/03/2025.",
	.wa_name = "oferta_pago",
	.wa_language = "es_PE",
	.wa_params = params,
	.wa_nparams = 3,
};

static int
setup(void **state)
{
	struct od_test_fx	*f = od_test_fx_open("whatsapp-cloud");

	if (f == NULL)
		return -1;
	od_test_host_set(&f->host, "phone_number_id", "106540352242922");
	od_test_host_secret(&f->host, "access_token", TOKEN);
	*state = f;
	return 0;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void
test_abi(void **state)
{
	struct od_test_fx *f = *state;

	od_test_assert_abi(f, "whatsapp-cloud", OD_TRANSPORT_HTTP, 1u << OD_KIND_WHATSAPP,
	    "whatsapp_classify");
}

static void
test_init_errors(void **state)
{
	struct od_test_fx *f = *state;

	od_test_host_set(&f->host, "phone_number_id", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "setting phone_number_id is missing");
	od_test_host_set(&f->host, "phone_number_id", "+51 1 6150000");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "phone_number_id must be the numeric ID Meta gives the number");
	od_test_host_set(&f->host, "phone_number_id", "106540352242922");
	od_test_host_secret(&f->host, "access_token", NULL);
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err,
	    "secret access_token is missing (set access_token_file or access_token_env)");
	od_test_host_secret(&f->host, "access_token", "abc\r\nX-Evil: 1");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "access_token contains spaces or control characters");
	od_test_host_secret(&f->host, "access_token", TOKEN);
	od_test_host_set(&f->host, "api_version", "23");
	assert_int_equal(od_test_fx_init(f), -1);
	assert_string_equal(f->err, "api_version must look like v23.0");
	assert_null(f->ctx);
}

static void
test_build_template(void **state)
{
	struct od_test_fx	*f = *state;
	json_t			*root, *tpl, *lang, *comps, *comp, *ps, *p;
	json_error_t		 jerr;
	size_t			 i;

	assert_int_equal(od_test_fx_init(f), 0);
	assert_int_equal(od_test_fx_build(f, &base_msg), 0);
	assert_string_equal(f->req.url,
	    "https://graph.facebook.com/v23.0/106540352242922/messages");
	assert_string_equal(f->req.method, "POST");
	assert_string_equal(od_test_req_header(&f->req, "Authorization"), "Bearer " TOKEN);
	assert_string_equal(od_test_req_header(&f->req, "Content-Type"), "application/json");
	assert_null(f->req.user);

	root = json_loadb(f->req.body.data, f->req.body.len, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	assert_int_equal(json_object_size(root), 6);
	assert_string_equal(jstr(root, "messaging_product"), "whatsapp");
	/* What Meta echoes in the message's statuses: the attempt, form-encoded. */
	assert_string_equal(jstr(root, "biz_opaque_callback_data"),
	    "account=acc-9&attempt=acc-9%3A2%3Aoffer%231");
	assert_string_equal(jstr(root, "recipient_type"), "individual");
	assert_string_equal(jstr(root, "to"), "51987654321");	/* digits, no '+' */
	assert_string_equal(jstr(root, "type"), "template");
	tpl = json_object_get(root, "template");
	assert_int_equal(json_object_size(tpl), 3);
	assert_string_equal(jstr(tpl, "name"), "oferta_pago");
	lang = json_object_get(tpl, "language");
	assert_int_equal(json_object_size(lang), 2);
	assert_string_equal(jstr(lang, "policy"), "deterministic");
	assert_string_equal(jstr(lang, "code"), "es_PE");
	comps = json_object_get(tpl, "components");
	assert_int_equal(json_array_size(comps), 1);
	comp = json_array_get(comps, 0);
	assert_string_equal(jstr(comp, "type"), "body");
	ps = json_object_get(comp, "parameters");
	assert_int_equal(json_array_size(ps), 3);
	for (i = 0; i < 3; i++) {
		p = json_array_get(ps, i);
		assert_int_equal(json_object_size(p), 2);
		assert_string_equal(jstr(p, "type"), "text");
		assert_string_equal(jstr(p, "text"), params[i]);
	}
	json_decref(root);
}

static void
test_build_no_params_and_escaping(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	static const char *const	 odd[] = { "Ana \"La\" Quispe \\ <b>", "línea1\nlínea2" };
	json_t				*root, *tpl, *ps;
	json_error_t			 jerr;

	od_test_host_set(&f->host, "base_url", "http://127.0.0.1:4010/");
	od_test_host_set(&f->host, "api_version", "v21.0");
	assert_int_equal(od_test_fx_init(f), 0);
	m.wa_params = NULL;
	m.wa_nparams = 0;
	m.wa_language = "es";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_string_equal(f->req.url, "http://127.0.0.1:4010/v21.0/106540352242922/messages");
	root = json_loadb(f->req.body.data, f->req.body.len, 0, &jerr);
	assert_non_null(root);
	tpl = json_object_get(root, "template");
	/* No parameters: no components at all. */
	assert_null(json_object_get(tpl, "components"));
	assert_int_equal(json_object_size(tpl), 2);
	json_decref(root);

	m.wa_params = odd;
	m.wa_nparams = 2;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	root = json_loadb(f->req.body.data, f->req.body.len, 0, &jerr);
	assert_non_null(root);
	ps = json_object_get(json_array_get(json_object_get(json_object_get(root, "template"),
	    "components"), 0), "parameters");
	assert_string_equal(jstr(json_array_get(ps, 0), "text"), odd[0]);
	assert_string_equal(jstr(json_array_get(ps, 1), "text"), odd[1]);
	json_decref(root);
}

static void
test_build_refusals(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	static const char *const	 empty[] = { "María", "" };

	assert_int_equal(od_test_fx_init(f), 0);
	m.to = "ana@example.pe";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "to is not an E.164 phone number");
	m = base_msg;
	m.wa_name = NULL;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "no WhatsApp template name for this step");
	m = base_msg;
	m.wa_language = "";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "no WhatsApp template language for this step");
	m = base_msg;
	m.wa_params = empty;
	m.wa_nparams = 2;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "WhatsApp template parameter 2 is empty");
	m = base_msg;
	m.kind = OD_KIND_SMS;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "whatsapp-cloud sends WhatsApp only (kind 0)");
}

/* The body of the last build, parsed (duplicate keys refused). */
static json_t *
body_json(struct od_test_fx *f)
{
	json_error_t	 jerr;
	json_t		*root;

	root = json_loadb(f->req.body.data, f->req.body.len, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	return root;
}

/* A button component: its sub_type, index and its one parameter's type and value. */
static void
assert_button(json_t *c, const char *sub_type, const char *index, const char *ptype,
    const char *value)
{
	json_t *ps, *p;

	assert_int_equal(json_object_size(c), 4);
	assert_string_equal(jstr(c, "type"), "button");
	assert_string_equal(jstr(c, "sub_type"), sub_type);
	assert_string_equal(jstr(c, "index"), index);
	ps = json_object_get(c, "parameters");
	assert_int_equal(json_array_size(ps), 1);
	p = json_array_get(ps, 0);
	assert_int_equal(json_object_size(p), 2);
	assert_string_equal(jstr(p, "type"), ptype);
	assert_string_equal(jstr(p, ptype), value);
}

static void
test_build_buttons(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	static const char *const	 buttons[] = { "quick_reply:accept", "quick_reply:agent",
		"url:p/acc-9/Zm9v?x=\"1\"" };
	static const char *const	 skipped[] = { "static:", "quick_reply:accept:2" };
	json_t				*root, *comps;

	assert_int_equal(od_test_fx_init(f), 0);
	m.wa_buttons = buttons;
	m.wa_nbuttons = 3;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	root = body_json(f);
	comps = json_object_get(json_object_get(root, "template"), "components");
	/* The body's parameters first, then one component per button, index its position. */
	assert_int_equal(json_array_size(comps), 4);
	assert_string_equal(jstr(json_array_get(comps, 0), "type"), "body");
	assert_button(json_array_get(comps, 1), "quick_reply", "0", "payload", "accept");
	assert_button(json_array_get(comps, 2), "quick_reply", "1", "payload", "agent");
	assert_button(json_array_get(comps, 3), "url", "2", "text", "p/acc-9/Zm9v?x=\"1\"");
	json_decref(root);

	/* A static button takes its index and sends nothing; no body parameters: buttons only. */
	m.wa_params = NULL;
	m.wa_nparams = 0;
	m.wa_buttons = skipped;
	m.wa_nbuttons = 2;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	root = body_json(f);
	comps = json_object_get(json_object_get(root, "template"), "components");
	assert_int_equal(json_array_size(comps), 1);
	assert_button(json_array_get(comps, 0), "quick_reply", "1", "payload", "accept:2");
	json_decref(root);
}

static void
test_build_button_refusals(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	static const char *const	 empty[] = { "quick_reply:accept", "url:" };
	static const char *const	 odd[] = { "phone:+51987654321" };
	static const char *const	 many[11] = { "static:", "static:", "static:", "static:",
		"static:", "static:", "static:", "static:", "static:", "static:", "static:" };

	assert_int_equal(od_test_fx_init(f), 0);
	m.wa_buttons = empty;
	m.wa_nbuttons = 2;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "WhatsApp button 2 is neither quick_reply:<payload>, "
	    "url:<suffix> nor static:, or its value is empty");
	m.wa_buttons = odd;
	m.wa_nbuttons = 1;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "WhatsApp button 1 is neither quick_reply:<payload>, "
	    "url:<suffix> nor static:, or its value is empty");
	m.wa_buttons = many;
	m.wa_nbuttons = 11;
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "11 WhatsApp buttons: a template has at most 10");
}

/* Opaque data over Meta's 512 bytes is left out: the message id index matches those. */
static void
test_build_opaque_too_long(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	char				 acc[129], att[420];
	json_t				*root;

	memset(acc, 'a', 128);
	acc[128] = '\0';
	snprintf(att, sizeof(att), "%s:%0280d#1", acc, 0);
	m.account_id = acc;
	m.attempt_id = att;
	assert_int_equal(od_test_fx_init(f), 0);
	assert_int_equal(od_test_fx_build(f, &m), 0);
	root = body_json(f);
	assert_null(json_object_get(root, "biz_opaque_callback_data"));
	assert_int_equal(json_object_size(root), 5);
	json_decref(root);
}

/* Inside the 24-hour window: a text message, the rendered text its body; nothing of the template. */
static void
test_build_session(void **state)
{
	struct od_test_fx		*f = *state;
	struct od_channel_message	 m = base_msg;
	static const char *const	 buttons[] = { "quick_reply:accept" };
	char				*big;
	json_t				*root, *text;

	assert_int_equal(od_test_fx_init(f), 0);
	m.wa_session = 1;
	m.wa_buttons = buttons;
	m.wa_nbuttons = 1;
	m.text = "Gracias, Rosa: registramos su promesa de pago de S/ 300.00 para el \"lunes\".\n"
	    "Le recordaremos un día antes.";
	assert_int_equal(od_test_fx_build(f, &m), 0);
	assert_string_equal(f->req.url,
	    "https://graph.facebook.com/v23.0/106540352242922/messages");
	assert_string_equal(f->req.method, "POST");
	assert_string_equal(od_test_req_header(&f->req, "Authorization"), "Bearer " TOKEN);
	assert_string_equal(od_test_req_header(&f->req, "Content-Type"), "application/json");
	root = body_json(f);
	/* Exactly what TextMessage takes: recipient_type is required there too. */
	assert_int_equal(json_object_size(root), 5);
	assert_string_equal(jstr(root, "messaging_product"), "whatsapp");
	assert_string_equal(jstr(root, "recipient_type"), "individual");
	assert_string_equal(jstr(root, "to"), "51987654321");
	assert_string_equal(jstr(root, "type"), "text");
	text = json_object_get(root, "text");
	assert_int_equal(json_object_size(text), 1);
	assert_string_equal(jstr(text, "body"), m.text);
	json_decref(root);

	/* No template needed; a text is. */
	m.wa_name = NULL;
	m.wa_language = NULL;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	m.text = "";
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "no text for a WhatsApp session message");
	/* 4096 characters (not bytes) at most: 4096 'ñ' go, 4097 do not. */
	assert_non_null(big = malloc(2 * 4097 + 1));
	for (size_t i = 0; i < 4097; i++)
		memcpy(big + 2 * i, "\xc3\xb1", 2);
	big[2 * 4096] = '\0';
	m.text = big;
	assert_int_equal(od_test_fx_build(f, &m), 0);
	big[2 * 4096] = '\xc3';
	big[2 * 4097] = '\0';
	assert_int_equal(od_test_fx_build(f, &m), -1);
	assert_string_equal(f->err, "a WhatsApp session message is at most 4096 characters");
	free(big);
}

static const struct od_test_expect wa_cases[] = {
	{ "200_accepted.json", 200, NULL, OD_OUTCOME_ACCEPTED, 0, 0, "", "",
	    "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA" },
	{ "200_no_messages.json", 200, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "",
	    "whatsapp HTTP 200: 2xx reply without messages[0].id", "" },
	{ "400_131047.json", 400, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "131047",
	    "whatsapp 131047: outside the 24-hour window: (#131047) Re-engagement message", "" },
	{ "400_131026.json", 400, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_FALLBACK, 0, "131026",
	    "whatsapp 131026: undeliverable: (#131026) Message Undeliverable", "" },
	{ "429_130429.json", 429, "60", OD_OUTCOME_RETRYABLE, 0, 60000, "130429",
	    "whatsapp 130429: throughput limit: (#130429) Rate limit hit", "" },
	{ "400_131056.json", 400, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "131056",
	    "whatsapp 131056: pair rate limit: (#131056) (Business Account, Consumer Account) "
	    "pair rate limit hit", "" },
	{ "400_132000.json", 400, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "132000",
	    "whatsapp 132000: template parameter count mismatch: (#132000) Number of "
	    "parameters does not match the expected number of params", "" },
	{ "404_132001.json", 404, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "132001",
	    "whatsapp 132001: template not found: (#132001) Template name does not exist in "
	    "the translation", "" },
	{ "500_131000.json", 500, NULL, OD_OUTCOME_RETRYABLE, 0, 0, "131000",
	    "whatsapp 131000: generic error: (#131000) Something went wrong", "" },
	{ "401_190.json", 401, NULL, OD_OUTCOME_PERMANENT, OD_RESULT_CONFIG, 0, "190",
	    "whatsapp 190: access token refused: Error validating access token: Session has "
	    "expired on Tuesday, 04-Mar-25 10:00:00 PST. The current time is Tuesday, "
	    "04-Mar-25 11:12:13 PST.", "" },
	{ "400_100.json", 400, NULL, OD_OUTCOME_PERMANENT, 0, 0, "100",
	    "whatsapp 100: request refused: (#100) Invalid parameter", "" },
	{ "500_1.json", 500, NULL, OD_OUTCOME_UNKNOWN, 0, 0, "1",
	    "whatsapp 1: the message may or may not have been sent: An unknown error occurred",
	    "" },
};

static void
test_classify(void **state)
{
	struct od_test_fx *f = *state;

	assert_int_equal(od_test_fx_init(f), 0);
	od_test_assert_classify(f, &base_msg, "gateways/whatsapp", wa_cases,
	    sizeof(wa_cases) / sizeof(wa_cases[0]));
	/* Template and token errors are logged loudly, without personal data. */
	assert_string_equal(od_test_host_log(&f->host),
	    "3 template oferta_pago (language es_PE) refused by Meta, error 132000: parameter "
	    "count mismatch; fix the template set or the approved template\n"
	    "3 template oferta_pago (language es_PE) refused by Meta, error 132001: template "
	    "does not exist in this language; fix the template set or the approved template\n"
	    "3 access token refused (HTTP 401, error 190): renew access_token\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abi, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_init_errors, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_template, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_no_params_and_escaping, setup,
		    od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_refusals, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_buttons, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_button_refusals, setup,
		    od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_opaque_too_long, setup,
		    od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_build_session, setup, od_test_fx_teardown),
		cmocka_unit_test_setup_teardown(test_classify, setup, od_test_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
