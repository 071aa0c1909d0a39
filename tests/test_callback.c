/*
 * test_callback: gateway callbacks — signatures computed with the openssl
 * command from each provider's documented algorithm, strict parsing, the
 * opt-out words, and receipt.lua / reply.lua / intake.lua's phone index
 * against a real redis-server.
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
#include <jansson.h>
#include <hiredis/hiredis.h>

#include "od_callback.h"
#include "od_queue.h"
#include "od_state.h"
#include "od_test_lua.h"
#include "od_testenv.h"
#include "od_wamid.h"

#define TW_TOKEN	"12345678901234567890123456789012"
#define WA_SECRET	"meta-app-secret-7f3a"
#define CB_SECRET	"callback-secret-0b9d"
#define ACCOUNT		"PE:000123"
#define ATTEMPT		"PE:000123:2026-03-15:reminder#3"

static struct od_cb_result *res;

static char *
slurp(const char *name)
{
	char	 path[512], *buf;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), "%s/callback/%s", OD_TEST_DATA, name);
	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* openssl dgst over data with key; -binary piped to base64 (b64 = 1), or hex. */
static void
openssl_hmac(const char *alg, const char *key, const char *data, size_t len, int b64,
    char *out, size_t outlen)
{
	char	 path[] = "/tmp/od-cb-XXXXXX", cmd[512];
	FILE	*fp;
	int	 fd;
	size_t	 n;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	if (b64)
		snprintf(cmd, sizeof(cmd), "openssl dgst -%s -hmac '%s' -binary %s | openssl base64 -A",
		    alg, key, path);
	else
		snprintf(cmd, sizeof(cmd), "openssl dgst -%s -hmac '%s' -r %s | cut -d' ' -f1", alg,
		    key, path);
	assert_non_null(fp = popen(cmd, "r"));
	assert_non_null(fgets(out, (int)outlen, fp));
	pclose(fp);
	unlink(path);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
}

/* Decodes one form value (test-side, independent of the module). */
static void
form_decode(const char *s, size_t len, char *out)
{
	unsigned v;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			*out++ = ' ';
		else if (s[i] == '%' && sscanf(s + i + 1, "%2x", &v) == 1) {
			*out++ = (char)v;
			i += 2;
		} else
			*out++ = s[i];
	}
	*out = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Twilio's documented algorithm: URL + each POST param (sorted by name) name+value. */
static void
twilio_sign(const char *url, const char *form, const char *token, char *sig, size_t len)
{
	char		*pairs[128], *data, *copy = strdup(form), *tok, *save = NULL, *eq;
	size_t		 n = 0, i, dl;

	for (tok = strtok_r(copy, "&", &save); tok != NULL; tok = strtok_r(NULL, "&", &save)) {
		char name[512], value[4200];

		eq = strchr(tok, '=');
		form_decode(tok, eq ? (size_t)(eq - tok) : strlen(tok), name);
		form_decode(eq ? eq + 1 : "", eq ? strlen(eq + 1) : 0, value);
		pairs[n] = malloc(strlen(name) + strlen(value) + 2);
		sprintf(pairs[n++], "%s%c%s", name, 1, value);	/* \1 sorts below any name char */
	}
	qsort(pairs, n, sizeof(pairs[0]), cmp_str);
	data = malloc(strlen(url) + strlen(form) + 1);
	strcpy(data, url);
	for (i = 0; i < n; i++) {
		*strchr(pairs[i], 1) = '\0';
		strcat(data, pairs[i]);
		strcat(data, pairs[i] + strlen(pairs[i]) + 1);
		free(pairs[i]);
	}
	dl = strlen(data);
	openssl_hmac("sha1", token, data, dl, 1, sig, len);
	free(data);
	free(copy);
}

static void
req_init(struct od_cb_request *q, const char *method, const char *url, const char *body,
    const char *ctype, const char *sig)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->url = url;
	q->query = strchr(url, '?') ? strchr(url, '?') + 1 : NULL;
	q->path = "/callbacks";
	q->body = body;
	q->body_len = body ? strlen(body) : 0;
	q->content_type = ctype;
	q->signature = sig;
}

static int
setup(void **state)
{
	(void)state;
	res = calloc(1, sizeof(*res));
	return res == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	free(res);
	od_cb_optout_words_set("es", NULL);
	od_cb_optout_words_set("en", NULL);
	return 0;
}

static void
test_hmac_vectors(void **state)
{
	unsigned char	mac[32];
	char		hex[65];
	int		i;

	(void)state;
	/* RFC 2202 test case 2 and RFC 4231 test case 2. */
	od_cb_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, mac);
	for (i = 0; i < 20; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	od_cb_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 6: a key longer than the block is hashed first. */
	{
		unsigned char	key[131];

		memset(key, 0xaa, sizeof(key));
		od_cb_hmac_sha256(key, sizeof(key),
		    "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", mac[i]);
		assert_string_equal(hex,
		    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	}
}

/* Secrets compare equal only whole: not a prefix, not an extension, not empty against any. */
static void
test_equal(void **state)
{
	(void)state;
	assert_true(od_cb_equal("s3cret", 6, "s3cret", 6));
	assert_true(od_cb_equal("", 0, "", 0));
	assert_false(od_cb_equal("s3cret", 6, "s3cre", 5));
	assert_false(od_cb_equal("s3cre", 5, "s3cret", 6));
	assert_false(od_cb_equal("s3cret", 6, "s3creT", 6));
	assert_false(od_cb_equal("", 0, "x", 1));
	assert_true(od_cb_equal("a\0b", 3, "a\0b", 3));	/* bytes, not strings */
	assert_false(od_cb_equal("a\0b", 3, "a\0c", 3));
}

static void
test_callback_url(void **state)
{
	char url[1024], tok[65], want[1024], hex[80];

	(void)state;
	assert_int_equal(od_cb_callback_url(url, sizeof(url), "https://cb.example.com/callbacks/kannel",
	    ACCOUNT, ATTEMPT, CB_SECRET), 0);
	openssl_hmac("sha256", CB_SECRET, ACCOUNT "\n" ATTEMPT, strlen(ACCOUNT "\n" ATTEMPT), 0, hex,
	    sizeof(hex));
	od_cb_token(CB_SECRET, ACCOUNT, ATTEMPT, tok);
	assert_string_equal(tok, hex);
	snprintf(want, sizeof(want), "https://cb.example.com/callbacks/kannel?account=PE%%3A000123"
	    "&attempt=PE%%3A000123%%3A2026-03-15%%3Areminder%%233&token=%s", hex);
	assert_string_equal(url, want);
	assert_int_equal(od_cb_callback_url(url, sizeof(url), "https://x/cb?gw=tw", "A@b.c", "A@b.c:1:s#1",
	    NULL), 0);
	assert_string_equal(url, "https://x/cb?gw=tw&account=A%40b.c&attempt=A%40b.c%3A1%3As%231");
	assert_int_equal(od_cb_callback_url(url, 40, "https://cb.example.com/callbacks/kannel",
	    ACCOUNT, ATTEMPT, CB_SECRET), -1);
}

static void
test_twilio_status(void **state)
{
	struct od_cb_request	 q;
	char			 url[1024], sig[64], *form = slurp("twilio_status.form"), *bad;

	(void)state;
	assert_non_null(form);
	od_cb_callback_url(url, sizeof(url), "https://cb.example.com/callbacks/twilio/status",
	    ACCOUNT, ATTEMPT, NULL);
	twilio_sign(url, form, TW_TOKEN, sig, sizeof(sig));
	req_init(&q, "POST", url, form, "application/x-www-form-urlencoded; charset=utf-8", sig);
	assert_int_equal(od_cb_twilio_status(&q, TW_TOKEN, res), 0);
	assert_int_equal(res->http_status, 200);
	assert_string_equal(res->body, "ok\n");
	assert_int_equal(res->nreceipts, 1);
	assert_string_equal(res->receipts[0].account_id, ACCOUNT);
	assert_string_equal(res->receipts[0].attempt_id, ATTEMPT);
	assert_string_equal(res->receipts[0].provider_id, "SM1f0e8ae6ade43cb3c0ce4525424e404f");
	assert_string_equal(res->receipts[0].state, "undelivered");
	assert_string_equal(res->receipts[0].code, "30003");
	assert_int_equal(res->bad_signature, 0);

	/* Wrong token, no signature, a tampered body, a URL for another attempt: 403. */
	assert_int_equal(od_cb_twilio_status(&q, "another-token", res), -1);
	assert_int_equal(res->http_status, 403);
	assert_string_equal(res->body, "forbidden\n");
	assert_int_equal(res->bad_signature, 1);
	assert_int_equal(res->nreceipts, 0);
	q.signature = NULL;
	assert_int_equal(od_cb_twilio_status(&q, TW_TOKEN, res), -1);
	assert_int_equal(res->http_status, 403);
	bad = strdup(form);
	memcpy(strstr(bad, "MessageStatus=undelivered"), "MessageStatus=delivered&&&", 26);
	req_init(&q, "POST", url, bad, "application/x-www-form-urlencoded", sig);
	assert_int_equal(od_cb_twilio_status(&q, TW_TOKEN, res), -1);
	assert_int_equal(res->http_status, 403);
	od_cb_callback_url(url, sizeof(url), "https://cb.example.com/callbacks/twilio/status",
	    ACCOUNT, "PE:000123:2026-03-15:reminder#4", NULL);
	req_init(&q, "POST", url, form, "application/x-www-form-urlencoded", sig);
	assert_int_equal(od_cb_twilio_status(&q, TW_TOKEN, res), -1);
	assert_int_equal(res->http_status, 403);
	free(bad);

	/* Signed, but the attempt is not the account's: 400. */
	od_cb_callback_url(url, sizeof(url), "https://cb.example.com/callbacks/twilio/status",
	    "PE:000999", ATTEMPT, NULL);
	twilio_sign(url, form, TW_TOKEN, sig, sizeof(sig));
	req_init(&q, "POST", url, form, "application/x-www-form-urlencoded", sig);
	assert_int_equal(od_cb_twilio_status(&q, TW_TOKEN, res), -1);
	assert_int_equal(res->http_status, 400);
	assert_string_equal(res->body, "bad request\n");
	free(form);
}

static void
test_twilio_inbound(void **state)
{
	struct od_cb_request	 q;
	const char		*url = "https://cb.example.com/callbacks/twilio/inbound";
	char			 sig[64], *form = slurp("twilio_inbound.form"), *form2;

	(void)state;
	twilio_sign(url, form, TW_TOKEN, sig, sizeof(sig));
	req_init(&q, "POST", url, form, "application/x-www-form-urlencoded", sig);
	assert_int_equal(od_cb_twilio_inbound(&q, TW_TOKEN, res), 0);
	assert_string_equal(res->body,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>\n");
	assert_string_equal(res->content_type, "text/xml; charset=utf-8");
	assert_int_equal(res->nreplies, 1);
	assert_string_equal(res->replies[0].channel, "sms");
	assert_string_equal(res->replies[0].from, "+51987654321");
	assert_string_equal(res->replies[0].text, " Baja ");
	assert_int_equal(res->replies[0].opt_out, 1);
	assert_string_equal(res->replies[0].provider_id, "SM2a0e8ae6ade43cb3c0ce4525424e4050");

	form2 = strdup("From=%2B51987654321&Body=No+puedo+pagar+hoy&MessageSid=SM99");
	twilio_sign(url, form2, TW_TOKEN, sig, sizeof(sig));
	req_init(&q, "POST", url, form2, "application/x-www-form-urlencoded", sig);
	assert_int_equal(od_cb_twilio_inbound(&q, TW_TOKEN, res), 0);
	assert_string_equal(res->replies[0].text, "No puedo pagar hoy");
	assert_int_equal(res->replies[0].opt_out, 0);
	free(form2);

	/* Body given twice (signed correctly): 400. */
	form2 = strdup("From=%2B51987654321&Body=STOP&Body=hola&MessageSid=SM99");
	twilio_sign(url, form2, TW_TOKEN, sig, sizeof(sig));
	req_init(&q, "POST", url, form2, "application/x-www-form-urlencoded", sig);
	assert_int_equal(od_cb_twilio_inbound(&q, TW_TOKEN, res), -1);
	assert_int_equal(res->http_status, 400);
	assert_int_equal(res->nreplies, 0);
	free(form2);
	free(form);
}

static void
test_whatsapp_handshake(void **state)
{
	struct od_cb_request q;

	(void)state;
	req_init(&q, "GET", "https://cb.example.com/wa?hub.mode=subscribe&hub.challenge=1158201444"
	    "&hub.verify_token=vt-42", NULL, NULL, NULL);
	assert_int_equal(od_cb_whatsapp(&q, "vt-42", WA_SECRET, res), 0);
	assert_int_equal(res->http_status, 200);
	assert_string_equal(res->body, "1158201444");
	assert_int_equal(od_cb_whatsapp(&q, "vt-43", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 403);
	assert_string_equal(res->body, "forbidden\n");
	req_init(&q, "GET", "https://cb.example.com/wa?hub.mode=subscribe&hub.challenge=%3Cscript%3E"
	    "&hub.verify_token=vt-42", NULL, NULL, NULL);
	assert_int_equal(od_cb_whatsapp(&q, "vt-42", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 400);
	assert_string_equal(res->body, "bad request\n");
	req_init(&q, "GET", "https://cb.example.com/wa?hub.mode=unsubscribe&hub.challenge=12"
	    "&hub.verify_token=vt-42", NULL, NULL, NULL);
	assert_int_equal(od_cb_whatsapp(&q, "vt-42", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 400);
}

static void
wa_post(struct od_cb_request *q, const char *body, char *sig, size_t siglen)
{
	char hex[80];

	openssl_hmac("sha256", WA_SECRET, body, strlen(body), 0, hex, sizeof(hex));
	snprintf(sig, siglen, "sha256=%.64s", hex);	/* SHA-256: 64 hex digits */
	req_init(q, "POST", "https://cb.example.com/wa", body, "application/json", sig);
}

static void
test_whatsapp_statuses(void **state)
{
	struct od_cb_request	 q;
	char			 sig[80], *body = slurp("whatsapp_statuses.json");

	(void)state;
	wa_post(&q, body, sig, sizeof(sig));
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), 0);
	assert_string_equal(res->body, "ok\n");
	assert_int_equal(res->nreceipts, 3);
	assert_int_equal(res->unmatched, 1);	/* the read one carries no attempt of ours */
	assert_int_equal(res->receipts[0].lookup, 0);
	assert_int_equal(res->receipts[1].lookup, 0);
	/* ... so it is to be found by its message id (od_wamid.h, od_hooks.c) */
	assert_int_equal(res->receipts[2].lookup, 1);
	assert_string_equal(res->receipts[2].account_id, "");
	assert_string_equal(res->receipts[2].attempt_id, "");
	assert_string_equal(res->receipts[2].state, "read");
	assert_int_equal(res->receipts[2].match_provider, 1);
	assert_string_equal(res->receipts[2].provider_id,
	    "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBJBMEIxQzJEM0U0RjVBNkI3QzgA");
	assert_string_equal(res->receipts[0].account_id, ACCOUNT);
	assert_string_equal(res->receipts[0].attempt_id, "PE:000123:2026-03-15:reminder#1");
	assert_string_equal(res->receipts[0].state, "delivered");
	assert_string_equal(res->receipts[0].provider_id,
	    "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI3NUM4QzYwQjA4RDA1OTkxQjcA");
	assert_true(res->receipts[0].at_ms == 1773068400000LL);
	assert_string_equal(res->receipts[1].account_id, "PE-000124");
	assert_string_equal(res->receipts[1].state, "failed");
	assert_string_equal(res->receipts[1].code, "131026");

	/* A signature of another body, a bad prefix, none: 403, nothing parsed. */
	sig[20] = sig[20] == 'a' ? 'b' : 'a';
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 403);
	assert_int_equal(res->bad_signature, 1);
	assert_int_equal(res->nreceipts, 0);
	wa_post(&q, body, sig, sizeof(sig));
	memcpy(sig, "sha1=", 5);
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 403);
	q.signature = NULL;
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 403);
	free(body);

	/* Signed, but a duplicate key: 400. */
	body = strdup("{\"object\":\"whatsapp_business_account\",\"object\":\"x\",\"entry\":[]}");
	wa_post(&q, body, sig, sizeof(sig));
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 400);
	free(body);
}

static void
test_whatsapp_messages(void **state)
{
	struct od_cb_request	 q;
	char			 sig[80], *body = slurp("whatsapp_messages.json");

	(void)state;
	wa_post(&q, body, sig, sizeof(sig));
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), 0);
	assert_int_equal(res->nreplies, 2);
	assert_int_equal(res->ignored, 1);	/* the image */
	assert_string_equal(res->replies[0].channel, "whatsapp");
	assert_string_equal(res->replies[0].from, "+51987654321");
	assert_string_equal(res->replies[0].text, "  Baja ");
	assert_int_equal(res->replies[0].opt_out, 1);
	assert_string_equal(res->replies[1].from, "+51987654322");
	assert_string_equal(res->replies[1].text, "No puedo pagar hoy, ¿puedo pagar el viernes?");
	assert_int_equal(res->replies[1].opt_out, 0);
	assert_true(res->replies[1].at_ms == 1773068405000LL);
	assert_string_equal(res->replies[1].payload, "");
	assert_string_equal(res->replies[1].context_id, "");
	free(body);
}

/*
 * Button replies: a template's quick reply (button.payload, button.text)
 * and an interactive button_reply (id, title) keep the visible text as text
 * and the payload apart, with the message they answer (context.id); a
 * payload that is not printable ASCII, or a context id that is not an id,
 * is dropped and the reply kept.
 */
static void
test_whatsapp_buttons(void **state)
{
	struct od_cb_request	 q;
	char			 sig[80], *body = slurp("whatsapp_buttons.json");

	(void)state;
	wa_post(&q, body, sig, sizeof(sig));
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), 0);
	assert_int_equal(res->nreplies, 4);
	assert_int_equal(res->ignored, 0);
	assert_string_equal(res->replies[0].from, "+51987654321");
	assert_string_equal(res->replies[0].text, "Pronto pago");
	assert_string_equal(res->replies[0].payload, "accept:2");
	assert_string_equal(res->replies[0].context_id,
	    "wamid.HBgLNTE5ODc2NTQzMjEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
	assert_int_equal(res->replies[0].opt_out, 0);
	assert_string_equal(res->replies[1].text, "Hablar con un asesor");
	assert_string_equal(res->replies[1].payload, "agent");
	assert_string_equal(res->replies[1].context_id,
	    "wamid.HBgLNTE5ODc2NTQzMjIVAgARGBJBQkNERUYwMTIzNDU2Nzg5AA==");
	assert_string_equal(res->replies[2].text, "Sí, acepto");
	assert_string_equal(res->replies[2].payload, "");	/* "aceptoñ": not ASCII */
	assert_string_equal(res->replies[2].context_id, "");
	assert_string_equal(res->replies[3].text, "STOP");
	assert_int_equal(res->replies[3].opt_out, 1);
	assert_string_equal(res->replies[3].context_id, "");	/* "wamid with spaces" */
	free(body);

	/* A button without its text is a malformed message: 400, nothing applied. */
	body = strdup("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{"
	    "\"value\":{\"messages\":[{\"from\":\"51987654321\",\"id\":\"wamid.X\",\"timestamp\":"
	    "\"1773068400\",\"type\":\"button\",\"button\":{\"payload\":\"accept\"}}]}}]}]}");
	wa_post(&q, body, sig, sizeof(sig));
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 400);
	assert_int_equal(res->nreplies, 0);
	free(body);
}

/* The message id index's entry (od_wamid.h): made from a sent WhatsApp record, read back. */
static void
test_wamid_index(void **state)
{
	struct od_keys	 k;
	json_t		*recs;
	char		 key[OD_WAMID_KEY_MAX], val[OD_WAMID_VALUE_MAX], acc[129], att[420];
	const char	*v;

	(void)state;
	od_keys_init(&k, "outreach");
	recs = json_loads("[{\"status\":\"sending\",\"channel\":\"whatsapp\",\"account_id\":"
	    "\"PE:1\",\"attempt_id\":\"PE:1:c:s#1\"},{\"status\":\"sent\",\"channel\":"
	    "\"whatsapp\",\"account_id\":\"PE:1\",\"attempt_id\":\"PE:1:c:s#1\",\"provider_id\":"
	    "\"wamid.AAA=\"}]", 0, NULL);
	assert_int_equal(od_wamid_entry(&k, recs, key, sizeof(key), val, sizeof(val)), 1);
	assert_string_equal(key, "outreach:wamid:wamid.AAA=");
	assert_string_equal(val, "PE:1 PE:1:c:s#1");
	json_decref(recs);
	/* an SMS's sid, a failed send: no entry */
	recs = json_loads("[{\"status\":\"sent\",\"channel\":\"sms\",\"account_id\":\"A\","
	    "\"attempt_id\":\"A:c:s#1\",\"provider_id\":\"SM1\"},{\"status\":\"failed\","
	    "\"channel\":\"whatsapp\",\"account_id\":\"A\",\"attempt_id\":\"A:c:s#2\"}]", 0, NULL);
	assert_int_equal(od_wamid_entry(&k, recs, key, sizeof(key), val, sizeof(val)), 0);
	json_decref(recs);
	assert_int_equal(od_wamid_key(&k, "wamid with space", key, sizeof(key)), -1);

	v = "PE:1 PE:1:c:s#1";
	assert_int_equal(od_wamid_parse(v, strlen(v), acc, sizeof(acc), att, sizeof(att)), 0);
	assert_string_equal(acc, "PE:1");
	assert_string_equal(att, "PE:1:c:s#1");
	/* the attempt must be the account's; one pair, no spaces in the attempt */
	v = "PE:1 PE:2:c:s#1";
	assert_int_equal(od_wamid_parse(v, strlen(v), acc, sizeof(acc), att, sizeof(att)), -1);
	v = "PE:1 PE:1:c:s#1 x";
	assert_int_equal(od_wamid_parse(v, strlen(v), acc, sizeof(acc), att, sizeof(att)), -1);
	v = "PE:1";
	assert_int_equal(od_wamid_parse(v, strlen(v), acc, sizeof(acc), att, sizeof(att)), -1);
	v = "PE:1 PE:1";
	assert_int_equal(od_wamid_parse(v, strlen(v), acc, sizeof(acc), att, sizeof(att)), -1);
}

static void
kannel_url(char *url, size_t len, const char *account, const char *attempt, const char *secret,
    const char *rest)
{
	char base[1024];

	od_cb_callback_url(base, sizeof(base), "https://cb.example.com/callbacks/kannel/dlr", account,
	    attempt, secret);
	snprintf(url, len, "%s%s", base, rest);
}

static void
test_kannel_dlr(void **state)
{
	struct od_cb_request	 q;
	char			 url[1200];

	(void)state;
	kannel_url(url, sizeof(url), ACCOUNT, ATTEMPT, CB_SECRET, "&status=1&smsc_id=0a1b2c3d");
	req_init(&q, "GET", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), 0);
	assert_int_equal(res->nreceipts, 1);
	assert_string_equal(res->receipts[0].account_id, ACCOUNT);
	assert_string_equal(res->receipts[0].attempt_id, ATTEMPT);
	assert_string_equal(res->receipts[0].state, "delivered");
	assert_string_equal(res->receipts[0].code, "1");
	assert_string_equal(res->receipts[0].provider_id, "0a1b2c3d");
	kannel_url(url, sizeof(url), ACCOUNT, ATTEMPT, CB_SECRET, "&status=16&smsc_id=");
	req_init(&q, "GET", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), 0);
	assert_string_equal(res->receipts[0].state, "failed");
	assert_string_equal(res->receipts[0].code, "16");

	/* Another secret, no token, a token of another attempt: 403. */
	kannel_url(url, sizeof(url), ACCOUNT, ATTEMPT, "other-secret", "&status=1&smsc_id=x");
	req_init(&q, "GET", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), -1);
	assert_int_equal(res->http_status, 403);
	assert_int_equal(res->bad_signature, 1);
	kannel_url(url, sizeof(url), ACCOUNT, ATTEMPT, NULL, "&status=1&smsc_id=x");
	req_init(&q, "GET", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), -1);
	assert_int_equal(res->http_status, 403);
	{
		char tok[65];

		od_cb_token(CB_SECRET, ACCOUNT, "PE:000123:2026-03-15:reminder#2", tok);
		snprintf(url, sizeof(url), "https://cb/dlr?account=PE%%3A000123&attempt=PE%%3A000123"
		    "%%3A2026-03-15%%3Areminder%%233&token=%s&status=1", tok);
		req_init(&q, "GET", url, NULL, NULL, NULL);
		assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), -1);
		assert_int_equal(res->http_status, 403);
	}
	/* An unknown DLR value, a second status: 400. */
	kannel_url(url, sizeof(url), ACCOUNT, ATTEMPT, CB_SECRET, "&status=3&smsc_id=x");
	req_init(&q, "GET", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), -1);
	assert_int_equal(res->http_status, 400);
	kannel_url(url, sizeof(url), ACCOUNT, ATTEMPT, CB_SECRET, "&status=1&status=2");
	req_init(&q, "GET", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), -1);
	assert_int_equal(res->http_status, 400);
	req_init(&q, "PUT", url, NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_dlr(&q, CB_SECRET, res), -1);
	assert_int_equal(res->http_status, 405);
}

static void
test_kannel_inbound(void **state)
{
	struct od_cb_request q;

	(void)state;
	req_init(&q, "GET", "http://127.0.0.1:9464/callbacks/kannel/inbound?from=51987654321"
	    "&text=Cancelar&token=in-tok", NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), 0);
	assert_int_equal(res->nreplies, 1);
	assert_string_equal(res->replies[0].from, "+51987654321");
	assert_string_equal(res->replies[0].text, "Cancelar");
	assert_int_equal(res->replies[0].opt_out, 1);
	req_init(&q, "GET", "http://127.0.0.1:9464/cb?from=%2B51987654321&text=hola&token=in-tok",
	    NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), 0);
	assert_string_equal(res->replies[0].from, "+51987654321");
	assert_int_equal(res->replies[0].opt_out, 0);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tol", res), -1);
	assert_int_equal(res->http_status, 403);
	req_init(&q, "GET", "http://127.0.0.1:9464/cb?from=abc&text=hola&token=in-tok", NULL, NULL,
	    NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), -1);
	assert_int_equal(res->http_status, 400);
}

static void
test_optout_words(void **state)
{
	static const struct { const char *text; int want; } table[] = {
		{ "STOP", 1 }, { " baja ", 1 }, { "Cancelar", 1 }, { "no", 1 }, { "No", 1 },
		{ "ALTO.", 1 }, { "¡Baja!", 1 }, { "\"stop\"", 1 }, { "opt  out", 1 },
		{ "Opt Out!", 1 }, { "unsubscribe\n", 1 }, { "QUIT", 1 }, { "revoke", 1 },
		{ "No puedo pagar", 0 }, { "no puedo pagar hoy", 0 }, { "STOP STOP", 0 },
		{ "stopp", 0 }, { "", 0 }, { "...", 0 }, { "baja por favor", 0 },
		{ "n.o", 0 }, { "Sí", 0 },
	};
	static const char *const es[] = { "BAJA", "NO MÁS", "Desuscribir", NULL };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (od_cb_optout_match(table[i].text, NULL) != table[i].want)
			fail_msg("\"%s\": want %d", table[i].text, table[i].want);
	}
	/* Accents and case fold both ways; "CANCELACIÓN" is not on any list. */
	assert_int_equal(od_cb_optout_match("cancelación", NULL), 0);
	/* A locale's own list, and its language's. */
	assert_int_equal(od_cb_optout_match("QUIT", "es"), 0);
	assert_int_equal(od_cb_optout_match("QUIT", "en-US"), 1);
	assert_int_equal(od_cb_optout_words_set("es", es), 0);
	assert_int_equal(od_cb_optout_match("no mas", "es-PE"), 1);
	assert_int_equal(od_cb_optout_match("DESUSCRIBIR", "es-PE"), 1);
	assert_int_equal(od_cb_optout_match("alto", "es-PE"), 0);
	assert_int_equal(od_cb_optout_words_set("es", NULL), 0);
	assert_int_equal(od_cb_optout_match("alto", "es-PE"), 1);
}

static void
test_limits_and_reflection(void **state)
{
	struct od_cb_request	 q;
	char			*big, url[2048];
	size_t			 i;
	int			 rc;

	(void)state;
	/* 64 KiB + 1: 413. */
	big = malloc(OD_CB_MAX_BODY + 2);
	memset(big, 'a', OD_CB_MAX_BODY + 1);
	big[OD_CB_MAX_BODY + 1] = '\0';
	req_init(&q, "POST", "https://cb/wa", big, "application/json", "sha256=00");
	assert_int_equal(od_cb_whatsapp(&q, "vt", WA_SECRET, res), -1);
	assert_int_equal(res->http_status, 413);
	assert_string_equal(res->body, "payload too large\n");
	/* 101 parameters; a value of 4097 bytes; a bad escape; a NUL: 400. */
	strcpy(big, "token=in-tok");
	for (i = 0; i < 100; i++)
		sprintf(big + strlen(big), "&p%zu=1", i);
	req_init(&q, "POST", "https://cb/in", big, "application/x-www-form-urlencoded", NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), -1);
	assert_int_equal(res->http_status, 400);
	strcpy(big, "token=in-tok&from=51987654321&text=");
	memset(big + strlen(big), 'x', 4097);
	big[35 + 4097] = '\0';
	q.body_len = strlen(big);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), -1);
	assert_int_equal(res->http_status, 400);
	big[35 + 4096] = '\0';		/* 4096 is fine */
	q.body_len = strlen(big);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), 0);
	req_init(&q, "GET", "https://cb/in?token=in-tok&from=51987654321&text=%zz", NULL, NULL, NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), -1);
	assert_int_equal(res->http_status, 400);
	req_init(&q, "GET", "https://cb/in?token=in-tok&from=51987654321&text=a%00b", NULL, NULL,
	    NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), -1);
	req_init(&q, "GET", "https://cb/in?token=in-tok&from=51987654321&text=%C3%28", NULL, NULL,
	    NULL);
	assert_int_equal(od_cb_kannel_inbound(&q, "in-tok", res), -1);
	assert_int_equal(res->http_status, 400);
	free(big);

	/* Hostile input through every handler: the body is never any of it. */
	snprintf(url, sizeof(url), "https://cb/x?account=%%3Cscript%%3EXSS&attempt=XSS&token=XSS"
	    "&status=XSS&from=XSS&text=XSS&hub.mode=XSS&hub.verify_token=vt&hub.challenge=XSS");
	for (i = 0; i < 6; i++) {
		req_init(&q, i == 4 ? "POST" : "GET", url, "From=XSS&Body=XSS&MessageSid=XSS",
		    i == 4 ? "application/json" : "application/x-www-form-urlencoded", "XSS");
		switch (i) {
		case 0: rc = od_cb_kannel_dlr(&q, CB_SECRET, res); break;
		case 1: rc = od_cb_kannel_inbound(&q, "XSS", res); break;
		case 2: q.method = "POST"; rc = od_cb_twilio_status(&q, TW_TOKEN, res); break;
		case 3: q.method = "POST"; rc = od_cb_twilio_inbound(&q, TW_TOKEN, res); break;
		case 4: rc = od_cb_whatsapp(&q, "vt", WA_SECRET, res); break;
		default: rc = od_cb_whatsapp(&q, "vt", WA_SECRET, res); break;
		}
		assert_int_equal(rc, -1);
		assert_true(res->http_status == 400 || res->http_status == 403);
		assert_null(strstr(res->body, "XSS"));
		assert_null(strstr(res->body, "script"));
	}
}

/* ---- Lua, against a real redis-server ------------------------------------ */

static redisReply *
eval_script(redisContext *c, enum od_script s, const struct od_cb_script *a)
{
	return od_test_eval(c, s, a->nkeys, a->keys, a->nargs, a->args);
}

static char *
cmd_str(redisContext *c, const char *fmt, ...)
{
	va_list		 ap;
	redisReply	*r;
	char		*s;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	s = r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;
	freeReplyObject(r);
	return s;
}

static void
test_lua_receipt(void **state)
{
	struct od_test_lua		 e;
	struct od_cb_script	 a;
	struct od_receipt	 r;
	redisReply		*rep;
	char			*last;
	json_t			*j;

	(void)state;
	od_test_lua_start(&e, "cb");
	freeReplyObject(redisCommand(e.c, "RPUSH outreach:hist:%s %s", ACCOUNT,
	    "{\"ts\":\"2026-03-09T15:00:00.000Z\",\"account_id\":\"PE:000123\",\"action_id\":"
	    "\"PE:000123:2026-03-15:reminder\",\"attempt_id\":\"" ATTEMPT "\",\"policy\":\"pe-retail\","
	    "\"step\":\"reminder\",\"stage\":\"reminder\",\"step_index\":0,\"channel\":\"sms\","
	    "\"gateway\":\"kannel\",\"status\":\"accepted\",\"provider_id\":\"0a1b2c3d\"}"));
	memset(&r, 0, sizeof(r));
	strcpy(r.account_id, ACCOUNT);
	strcpy(r.attempt_id, ATTEMPT);
	strcpy(r.state, "delivered");
	strcpy(r.code, "1");
	r.at_ms = 1773068460000LL;
	od_cb_receipt_script(&e.k, &r, 1000, 500, &a);
	assert_string_equal(a.keys[0], "outreach:hist:PE:000123");
	rep = eval_script(e.c, OD_SCRIPT_RECEIPT, &a);
	assert_non_null(rep);
	assert_int_equal(rep->type, REDIS_REPLY_STRING);
	assert_string_equal(rep->str, "ok");
	freeReplyObject(rep);
	last = cmd_str(e.c, "LINDEX outreach:hist:%s -1", ACCOUNT);
	assert_non_null(j = json_loads(last, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "delivered");
	assert_string_equal(json_string_value(json_object_get(j, "attempt_id")), ATTEMPT);
	assert_string_equal(json_string_value(json_object_get(j, "provider_id")), "0a1b2c3d");
	assert_string_equal(json_string_value(json_object_get(j, "code")), "1");
	assert_string_equal(json_string_value(json_object_get(j, "gateway")), "kannel");
	assert_string_equal(json_string_value(json_object_get(j, "source")), "receipt");
	assert_string_equal(json_string_value(json_object_get(j, "ts")), "2026-03-09T15:01:00.000Z");
	json_decref(j);
	free(last);
	{
		json_t *att = NULL;
		struct od_test_env fake;

		memset(&fake, 0, sizeof(fake));
		fake.rc = e.c;
		att = od_test_attempts(&fake);
		assert_int_equal(json_array_size(att), 1);
		assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0),
		    "status")), "delivered");
		assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0),
		    "attempt_id")), ATTEMPT);
		json_decref(att);
	}
	/* The provider's retry: recorded once. */
	rep = eval_script(e.c, OD_SCRIPT_RECEIPT, &a);
	assert_string_equal(rep->str, "duplicate");
	freeReplyObject(rep);
	/* Intermediate states are not recorded. */
	strcpy(r.state, "sent");
	od_cb_receipt_script(&e.k, &r, 1000, 500, &a);
	rep = eval_script(e.c, OD_SCRIPT_RECEIPT, &a);
	assert_string_equal(rep->str, "ignored");
	freeReplyObject(rep);
	/* An attempt the history does not know: refused, nothing written. */
	strcpy(r.state, "delivered");
	strcpy(r.attempt_id, "PE:000123:2026-03-15:reminder#9");
	od_cb_receipt_script(&e.k, &r, 1000, 500, &a);
	rep = eval_script(e.c, OD_SCRIPT_RECEIPT, &a);
	assert_string_equal(rep->str, "unknown_attempt");
	freeReplyObject(rep);
	strcpy(r.account_id, "PE:000999");
	strcpy(r.attempt_id, "PE:000999:2026-03-15:reminder#1");
	od_cb_receipt_script(&e.k, &r, 1000, 500, &a);
	rep = eval_script(e.c, OD_SCRIPT_RECEIPT, &a);
	assert_string_equal(rep->str, "unknown_attempt");
	freeReplyObject(rep);
	rep = redisCommand(e.c, "LLEN outreach:hist:%s", ACCOUNT);
	assert_int_equal(rep->integer, 2);
	freeReplyObject(rep);
	rep = redisCommand(e.c, "XLEN outreach:attempts");
	assert_int_equal(rep->integer, 1);
	freeReplyObject(rep);
	rep = redisCommand(e.c, "EXISTS outreach:hist:PE:000999");
	assert_int_equal(rep->integer, 0);
	freeReplyObject(rep);
	od_test_lua_stop(&e);
}

/* One receipt through receipt.lua; its answer. */
static char *
receipt(struct od_test_lua *e, const char *attempt, const char *state, const char *sid, int match)
{
	struct od_cb_script	 a;
	struct od_receipt	 r;
	redisReply		*rep;
	char			*out;

	memset(&r, 0, sizeof(r));
	strcpy(r.account_id, ACCOUNT);
	snprintf(r.attempt_id, sizeof(r.attempt_id), "%s", attempt);
	snprintf(r.state, sizeof(r.state), "%s", state);
	snprintf(r.provider_id, sizeof(r.provider_id), "%s", sid);
	r.match_provider = match;
	r.at_ms = 1773068460000LL;
	od_cb_receipt_script(&e->k, &r, 1000, 500, &a);
	rep = eval_script(e->c, OD_SCRIPT_RECEIPT, &a);
	assert_non_null(rep);
	assert_int_equal(rep->type, REDIS_REPLY_STRING);
	out = strdup(rep->str);
	freeReplyObject(rep);
	return out;
}

#define ASSERT_RECEIPT(e, att, st, sid, m, want) do {		\
	char *got_ = receipt((e), (att), (st), (sid), (m));	\
	assert_string_equal(got_, (want));			\
	free(got_);						\
} while (0)

/*
 * Receipts only go forward, and only for the message the send named:
 * a validly signed receipt replayed later with another status, or onto
 * another attempt, changes nothing (issue 10).
 */
static void
test_lua_receipt_order(void **state)
{
	static const char	*a1 = "PE:000123:2026-03-15:reminder#1";
	static const char	*a2 = "PE:000123:2026-03-15:reminder#2";
	struct od_test_lua		 e;
	redisReply		*rep;
	char			 rec[600];

	(void)state;
	od_test_lua_start(&e, "cb");
	/* two attempts: sending, then sent with the provider's id SM<n> */
	for (int i = 1; i <= 2; i++)
		for (int k = 0; k < 2; k++) {
			snprintf(rec, sizeof(rec), "{\"ts\":\"2026-03-09T15:00:00.000Z\",\"account_id\":"
			    "\"%s\",\"action_id\":\"PE:000123:2026-03-15:reminder\",\"attempt_id\":"
			    "\"PE:000123:2026-03-15:reminder#%d\",\"policy\":\"pe-retail\",\"step\":"
			    "\"reminder\",\"stage\":\"reminder\",\"step_index\":0,\"channel\":"
			    "\"sms\",\"gateway\":\"twa\",\"status\":\"%s\"%s}", ACCOUNT, i,
			    k ? "sent" : "sending", k ? (i == 1 ? ",\"provider_id\":\"SM1\"" :
			    ",\"provider_id\":\"SM2\"") : "");
			freeReplyObject(redisCommand(e.c, "RPUSH outreach:hist:%s %s", ACCOUNT, rec));
		}
	/* a receipt for attempt 1 carrying attempt 2's message id: refused */
	ASSERT_RECEIPT(&e, a1, "delivered", "SM2", 1, "provider_mismatch");
	ASSERT_RECEIPT(&e, a1, "delivered", "SM1", 1, "ok");
	/* the same, again (the provider's retry, or a replay): once */
	ASSERT_RECEIPT(&e, a1, "delivered", "SM1", 1, "duplicate");
	/* a replay with another final status: never back, never sideways */
	ASSERT_RECEIPT(&e, a1, "undelivered", "SM1", 1, "stale");
	ASSERT_RECEIPT(&e, a1, "failed", "SM1", 1, "stale");
	ASSERT_RECEIPT(&e, a1, "sent", "SM1", 1, "ignored");
	/* forward: read after delivered (WhatsApp) */
	ASSERT_RECEIPT(&e, a1, "read", "SM1", 1, "ok");
	ASSERT_RECEIPT(&e, a1, "delivered", "SM1", 1, "duplicate");
	/* a failure is the end: nothing after it */
	ASSERT_RECEIPT(&e, a2, "undelivered", "SM2", 1, "ok");
	ASSERT_RECEIPT(&e, a2, "delivered", "SM2", 1, "stale");
	ASSERT_RECEIPT(&e, a2, "read", "SM2", 1, "stale");
	/* Kannel: the DLR's id is the SMSC's, not matched (its token names the attempt) */
	ASSERT_RECEIPT(&e, a2, "failed", "smsc-77", 0, "stale");
	rep = redisCommand(e.c, "LLEN outreach:hist:%s", ACCOUNT);
	assert_int_equal(rep->integer, 4 + 3);	/* delivered, read, undelivered */
	freeReplyObject(rep);
	rep = redisCommand(e.c, "XLEN outreach:attempts");
	assert_int_equal(rep->integer, 3);
	freeReplyObject(rep);
	od_test_lua_stop(&e);
}

/*
 * intake.lua storing account id (its numbers in the phone index old, then
 * new): as a new account first, and again on the version it answers stale
 * with when the account is known (as od_intake.c does).
 */
static void
intake(struct od_test_lua *e, const char *id, const char *old, const char *new)
{
	const char	*keys[6] = { e->k.accounts, e->k.state, e->k.due, e->k.inflight,
			    e->k.phones, e->k.personof };
	char		 ver[32] = "", json[64];
	const char	*args[9] = { id, "{}", ver, "0", json, "-1", old, new, "" };
	redisReply	*rep;
	int		 tries;

	for (tries = 0; tries < 2; tries++) {
		snprintf(json, sizeof(json), "{\"v\":%d,\"status\":\"active\"}", atoi(ver) + 1);
		rep = od_test_eval(e->c, OD_SCRIPT_INTAKE, 6, keys, 9, args);
		assert_non_null(rep);
		assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
		assert_int_equal(rep->elements, 1);
		if (rep->element[0]->type == REDIS_REPLY_STRING) {
			assert_string_equal(rep->element[0]->str, "ok");
			freeReplyObject(rep);
			return;
		}
		/* known: {'stale', state, version, in flight} */
		assert_int_equal(rep->element[0]->type, REDIS_REPLY_ARRAY);
		assert_string_equal(rep->element[0]->element[0]->str, "stale");
		snprintf(ver, sizeof(ver), "%s", rep->element[0]->element[2]->str);
		freeReplyObject(rep);
	}
	fail_msg("intake.lua: %s stale twice", id);
}

static void
reply_init(struct od_reply *r, const char *channel, const char *from, const char *text)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->channel, channel);
	strcpy(r->from, from);
	strcpy(r->text, text);
	r->opt_out = od_cb_optout_match(text, NULL);
	strcpy(r->provider_id, "SM42");
	r->at_ms = 1773068400000LL;
}

static void
test_lua_reply(void **state)
{
	struct od_test_lua		 e;
	struct od_cb_script	 a;
	struct od_reply		 r;
	redisReply		*rep;
	char			*s;

	(void)state;
	od_test_lua_start(&e, "cb");
	intake(&e, "PE-1", "", "+51987654321");
	intake(&e, "PE-2", "", "+51911111111 +51987654321");
	s = cmd_str(e.c, "HGET outreach:phones +51987654321");
	assert_string_equal(s, "PE-1 PE-2");
	free(s);

	/* Not an opt-out: recorded on the stream, states untouched. */
	reply_init(&r, "sms", "+51987654321", "No puedo pagar hoy");
	od_cb_reply_script(&e.k, &r, 100000, &a);
	rep = eval_script(e.c, OD_SCRIPT_REPLY, &a);
	assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
	assert_string_equal(rep->element[0]->str, "recorded");
	assert_string_equal(rep->element[1]->str, "PE-1 PE-2");
	freeReplyObject(rep);
	/* "BAJA" over WhatsApp: both accounts with that number (the daemon opts them out). */
	reply_init(&r, "whatsapp", "+51987654321", "BAJA");
	od_cb_reply_script(&e.k, &r, 100000, &a);
	rep = eval_script(e.c, OD_SCRIPT_REPLY, &a);
	assert_string_equal(rep->element[0]->str, "opted_out");
	assert_string_equal(rep->element[1]->str, "PE-1 PE-2");
	freeReplyObject(rep);
	/* reply.lua leaves the states to the daemon (od_hooks.c, od_store.c) */
	s = cmd_str(e.c, "HGET outreach:state PE-2");
	assert_string_equal(s, "{\"v\":1,\"status\":\"active\"}");
	free(s);

	/* The stream upstream reads. */
	rep = redisCommand(e.c, "XRANGE outreach:replies - +");
	assert_int_equal(rep->elements, 2);
	{
		redisReply	*f = rep->element[1]->element[1];
		const char	*want[] = { "ts", "2026-03-09T15:00:00.000Z", "channel", "whatsapp",
				    "from", "+51987654321", "text", "BAJA", "account_id", "PE-1 PE-2",
				    "opt_out", "1", "provider_id", "SM42" };
		size_t		 i;

		assert_int_equal(f->elements, 14);
		for (i = 0; i < 14; i++)
			assert_string_equal(f->element[i]->str, want[i]);
	}
	freeReplyObject(rep);

	/* An unknown number: on the stream all the same. */
	reply_init(&r, "sms", "+51900000000", "STOP");
	od_cb_reply_script(&e.k, &r, 100000, &a);
	rep = eval_script(e.c, OD_SCRIPT_REPLY, &a);
	assert_string_equal(rep->element[0]->str, "unknown_phone");
	freeReplyObject(rep);
	rep = redisCommand(e.c, "XLEN outreach:replies");
	assert_int_equal(rep->integer, 3);
	freeReplyObject(rep);

	/* A new phone for PE-1: the index follows. */
	intake(&e, "PE-1", "+51987654321", "+51922222222");
	s = cmd_str(e.c, "HGET outreach:phones +51987654321");
	assert_string_equal(s, "PE-2");
	free(s);
	s = cmd_str(e.c, "HGET outreach:phones +51922222222");
	assert_string_equal(s, "PE-1");
	free(s);
	intake(&e, "PE-2", "+51911111111 +51987654321", "");
	assert_null(cmd_str(e.c, "HGET outreach:phones +51987654321"));
	assert_null(cmd_str(e.c, "HGET outreach:phones +51911111111"));
	od_test_lua_stop(&e);
}

/*
 * The state's version, written by od_state_commit ({"v":N,...} first) and
 * read by lib.lua's od_ver without decoding the state: the two sides agree
 * (load.lua hands the version back).  A state with no version is its own.
 */
static void
test_lua_state_version(void **state)
{
	const char	*keys[3], *args[3] = { "V-1", "V-2", "V-3" };
	struct od_test_lua	 e;
	struct od_state	 st;
	redisReply	*rep;
	char		*json, want[32];
	static const char legacy[] = "{\"status\":\"active\",\"v\":9}";	/* "v" not first */

	(void)state;
	od_test_lua_start(&e, "cb");
	od_state_init(&st);
	st.status = OD_STATE_ACTIVE;
	st.version = 41;
	assert_non_null(json = od_state_commit(&st));
	assert_int_equal(st.version, 42);
	freeReplyObject(redisCommand(e.c, "HSET outreach:state V-1 %s", json));
	freeReplyObject(redisCommand(e.c, "HSET outreach:state V-2 %s", legacy));
	freeReplyObject(redisCommand(e.c, "HSET outreach:accounts V-1 {}"));
	keys[0] = e.k.state;
	keys[1] = e.k.inflight;
	keys[2] = e.k.accounts;
	rep = od_test_eval(e.c, OD_SCRIPT_LOAD, 3, keys, 3, args);
	assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
	assert_int_equal(rep->elements, 4);
	assert_string_equal(rep->element[3]->element[0]->str, "{}");	/* the account too */
	assert_string_equal(rep->element[3]->element[1]->str, "");
	snprintf(want, sizeof(want), "%lld", (long long)st.version);
	assert_string_equal(rep->element[1]->element[0]->str, want);
	assert_string_equal(rep->element[1]->element[1]->str, legacy);
	assert_string_equal(rep->element[1]->element[2]->str, "");	/* no state */
	assert_string_equal(rep->element[0]->element[2]->str, "");
	assert_string_equal(rep->element[2]->element[0]->str, "0");	/* not in flight */
	freeReplyObject(rep);
	free(json);
	od_state_clear(&st);
	od_test_lua_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_callback_url),
		cmocka_unit_test(test_twilio_status),
		cmocka_unit_test(test_twilio_inbound),
		cmocka_unit_test(test_whatsapp_handshake),
		cmocka_unit_test(test_whatsapp_statuses),
		cmocka_unit_test(test_whatsapp_messages),
		cmocka_unit_test(test_whatsapp_buttons),
		cmocka_unit_test(test_wamid_index),
		cmocka_unit_test(test_kannel_dlr),
		cmocka_unit_test(test_kannel_inbound),
		cmocka_unit_test(test_optout_words),
		cmocka_unit_test(test_limits_and_reflection),
		cmocka_unit_test(test_lua_receipt),
		cmocka_unit_test(test_lua_receipt_order),
		cmocka_unit_test(test_lua_reply),
		cmocka_unit_test(test_lua_state_version),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
