/*
 * test_link: payment link tokens (od_link.h): the round trip of every
 * field, and each way a token is refused (a byte of the payload or of the
 * signature changed, expired, a key rotated out, a wrong version, cut,
 * not base64url); the newest key signs; the links: section's errors at
 * their position; the pages never depend on the request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "od_buf.h"
#include "od_codec.h"
#include "od_config.h"
#include "od_link.h"
#include "od_link_page.h"
#include "od_link_tmpl.h"
#include "od_plan.h"
#include "od_policy.h"
#include "od_yaml.h"

#define KEY_NEW	"0123456789abcdef0123456789abcdef-new"
#define KEY_OLD	"fedcba9876543210fedcba9876543210-old"
#define NOW	1773050400	/* 2026-03-09 10:00 UTC */

static struct od_link_key	g_keys[2];
static struct od_link_conf	g_conf;

static int
setup(void **state)
{
	(void)state;
	memset(&g_conf, 0, sizeof(g_conf));
	snprintf(g_keys[0].id, sizeof(g_keys[0].id), "k2");
	g_keys[0].secret = (unsigned char *)KEY_NEW;
	g_keys[0].len = strlen(KEY_NEW);
	snprintf(g_keys[1].id, sizeof(g_keys[1].id), "k1");
	g_keys[1].secret = (unsigned char *)KEY_OLD;
	g_keys[1].len = strlen(KEY_OLD);
	g_conf.base_url = "https://pagos.example.pe";
	g_conf.max_ttl_s = 30 * 86400;
	g_conf.keys = g_keys;
	g_conf.nkeys = 2;
	return 0;
}

static void
make(struct od_link *l, char *url, size_t len, enum od_link_kind kind, const char *offer,
    int64_t until)
{
	assert_int_equal(od_link_make(&g_conf, "PE-000123", kind, offer, 103450, "PEN", NOW, until,
	    "PE-000123:2026-03-09:reminder_due#2", l, url, len), 0);
}

static const char *
token_of(const char *url)
{
	const char *p = strstr(url, "/p/");

	assert_non_null(p);
	return p + 3;
}

static void
test_round_trip(void **state)
{
	struct od_link	l, v;
	char		url[1024], att[256], hex[17];
	unsigned char	ref[OD_LINK_REF_LEN];

	(void)state;
	make(&l, url, sizeof(url), OD_LINK_NAMED, "pronto_pago", NOW + 7 * 86400);
	assert_memory_equal(url, "https://pagos.example.pe/p/", 27);
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)), NOW + 60,
	    &v), OD_LINK_OK);
	assert_int_equal(v.version, 1);
	assert_string_equal(v.kid, "k2");		/* the newest key signs */
	od_link_ref(&g_conf, "PE-000123", ref);
	assert_memory_equal(v.ref, ref, OD_LINK_REF_LEN);
	assert_int_equal(v.kind, OD_LINK_NAMED);
	assert_string_equal(v.offer, "pronto_pago");
	assert_int_equal(v.amount, 103450);
	assert_string_equal(v.currency, "PEN");
	assert_int_equal(v.issued, NOW);
	assert_int_equal(v.expires, NOW + 7 * 86400);	/* the offer's end, before max_ttl */
	/* the attempt travels without the account id; the daemon puts it back */
	assert_string_equal(v.attempt, ":2026-03-09:reminder_due#2");
	assert_string_equal(od_link_attempt(&v, "PE-000123", att, sizeof(att)),
	    "PE-000123:2026-03-09:reminder_due#2");
	/* no part of the token names the account */
	assert_null(strstr(token_of(url), "PE-000123"));
	{
		unsigned char	bin[OD_LINK_PAYLOAD_MAX];
		size_t		n;

		assert_int_equal(od_codec_unbase64url(token_of(url), strlen(token_of(url)), bin,
		    sizeof(bin), &n), 0);
		assert_null(memmem(bin, n, "PE-000123", 9));
	}
	/* a balance link: no offer, max_ttl */
	make(&l, url, sizeof(url), OD_LINK_BALANCE, NULL, 0);
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)), NOW, &v),
	    OD_LINK_OK);
	assert_int_equal(v.kind, OD_LINK_BALANCE);
	assert_string_equal(v.offer, "");
	assert_int_equal(v.expires, NOW + 30 * 86400);
	od_codec_hex(v.ref, OD_LINK_REF_LEN, hex);
	assert_int_equal(strlen(hex), 16);
}

static void
test_tampered(void **state)
{
	struct od_link	l, v;
	unsigned char	bin[OD_LINK_PAYLOAD_MAX];
	char		url[1024], tok[OD_LINK_TOKEN_MAX + 1];
	size_t		n, i;

	(void)state;
	make(&l, url, sizeof(url), OD_LINK_BALANCE, NULL, 0);
	assert_int_equal(od_codec_unbase64url(token_of(url), strlen(token_of(url)), bin,
	    sizeof(bin), &n), 0);
	/* every byte of the payload after the version and the key id, one at a time */
	for (i = 4; i < n; i++) {
		enum od_link_check r;

		bin[i] ^= 0x01;
		assert_true(od_codec_base64url(tok, bin, n) > 0);
		r = od_link_verify(&g_conf, tok, strlen(tok), NOW, &v);
		assert_true(r == OD_LINK_BAD_SIGNATURE || r == OD_LINK_MALFORMED);
		if (i >= n - OD_LINK_SIG_LEN)	/* the signature itself */
			assert_int_equal(r, OD_LINK_BAD_SIGNATURE);
		bin[i] ^= 0x01;
	}
	/* the amount raised: the signature does not cover it any more */
	bin[2 + 2 + OD_LINK_REF_LEN + 2 + 7] ^= 0x10;
	assert_true(od_codec_base64url(tok, bin, n) > 0);
	assert_int_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v),
	    OD_LINK_BAD_SIGNATURE);
}

static void
test_expired_and_rotation(void **state)
{
	struct od_link		l, v;
	struct od_link_conf	old = g_conf;
	char			url[1024];

	(void)state;
	make(&l, url, sizeof(url), OD_LINK_BALANCE, NULL, NOW + 3600);
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)),
	    NOW + 3599, &v), OD_LINK_OK);
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)),
	    NOW + 3600, &v), OD_LINK_EXPIRED);
	/* signed by k1 (then the newest), verified while k1 is listed second */
	old.keys = &g_keys[1];
	old.nkeys = 1;
	assert_int_equal(od_link_make(&old, "PE-000123", OD_LINK_BALANCE, NULL, 5000, "PEN", NOW,
	    0, NULL, &l, url, sizeof(url)), 0);
	assert_string_equal(l.kid, "k1");
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)), NOW, &v),
	    OD_LINK_OK);
	assert_string_equal(v.attempt, "");
	/* k1 rotated out: its links verify no more */
	g_conf.nkeys = 1;
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)), NOW, &v),
	    OD_LINK_UNKNOWN_KEY);
	g_conf.nkeys = 2;
	/* a key of the same id but other bytes: a bad signature, not a pass */
	{
		struct od_link_key	k = g_keys[1];
		struct od_link_conf	other = g_conf;
		struct od_link_key	ks[1];

		k.secret = (unsigned char *)"another key entirely, 32 bytes or more";
		k.len = strlen((const char *)k.secret);
		ks[0] = k;
		other.keys = ks;
		other.nkeys = 1;
		assert_int_equal(od_link_verify(&other, token_of(url), strlen(token_of(url)), NOW,
		    &v), OD_LINK_BAD_SIGNATURE);
	}
}

static void
test_malformed(void **state)
{
	struct od_link	l, v;
	unsigned char	bin[OD_LINK_PAYLOAD_MAX];
	char		url[1024], tok[OD_LINK_TOKEN_MAX + 1];
	size_t		n, cut;
	const char	*t;

	(void)state;
	make(&l, url, sizeof(url), OD_LINK_NAMED, "cuotas", 0);
	t = token_of(url);
	assert_int_equal(od_link_verify(&g_conf, "", 0, NOW, &v), OD_LINK_MALFORMED);
	assert_int_equal(od_link_verify(&g_conf, "!!!!", 4, NOW, &v), OD_LINK_MALFORMED);
	assert_int_equal(od_link_verify(&g_conf, "%41", 3, NOW, &v), OD_LINK_MALFORMED);
	/* padded, or with the standard alphabet's characters: not base64url */
	snprintf(tok, sizeof(tok), "%s==", t);
	assert_int_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v), OD_LINK_MALFORMED);
	snprintf(tok, sizeof(tok), "%s", t);
	tok[5] = '+';
	assert_int_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v), OD_LINK_MALFORMED);
	/* cut anywhere */
	assert_int_equal(od_codec_unbase64url(t, strlen(t), bin, sizeof(bin), &n), 0);
	for (cut = 0; cut < n; cut++) {
		assert_true(od_codec_base64url(tok, bin, cut) >= 0);
		assert_int_not_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v), OD_LINK_OK);
	}
	/* one byte more */
	bin[n] = 0;
	assert_true(od_codec_base64url(tok, bin, n + 1) > 0);
	assert_int_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v), OD_LINK_MALFORMED);
	/* another version */
	bin[0] = 2;
	assert_true(od_codec_base64url(tok, bin, n) > 0);
	assert_int_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v), OD_LINK_MALFORMED);
	assert_int_equal(od_link_decode(tok, strlen(tok), &v), -1);
	/* far too long */
	memset(tok, 'A', OD_LINK_TOKEN_MAX);
	tok[OD_LINK_TOKEN_MAX] = '\0';
	assert_int_equal(od_link_verify(&g_conf, tok, strlen(tok), NOW, &v), OD_LINK_MALFORMED);
	/* what cannot be signed is refused, not cut */
	assert_int_equal(od_link_make(&g_conf, "PE-1", OD_LINK_NAMED, "Not An Id", 1, "PEN", NOW,
	    0, NULL, &l, url, sizeof(url)), -1);
	assert_int_equal(od_link_make(&g_conf, "PE-1", OD_LINK_BALANCE, NULL, 1, "pen", NOW, 0,
	    NULL, &l, url, sizeof(url)), -1);
	assert_int_equal(od_link_make(&g_conf, "PE-1", OD_LINK_BALANCE, NULL, 1, "PEN", NOW, 0,
	    NULL, &l, url, 20), -1);
}

static void
test_redirect(void **state)
{
	struct od_link	l;
	struct od_buf	b;
	char		url[1024];

	(void)state;
	make(&l, url, sizeof(url), OD_LINK_NAMED, "pronto_pago", NOW + 86400);
	od_buf_init(&b);
	assert_int_equal(od_link_redirect_url("https://checkout.example.pe/pay?ref={{ref}}&amount="
	    "{{amount}}&m={{amount_minor}}&currency={{currency}}&offer={{offer}}&attempt={{attempt}}"
	    "&exp={{expires}}", &l, "PE 000123", token_of(url), 2, &b), 0);
	assert_non_null(strstr(b.data, "&amount=1034.50&m=103450&currency=PEN&offer=pronto_pago"));
	assert_non_null(strstr(b.data, "&attempt=PE%20000123%3A2026-03-09%3Areminder_due%232"));
	assert_non_null(strstr(b.data, "&exp=1773136800"));
	od_buf_free(&b);
	assert_true(od_link_redirect_var("ref", 3));
	assert_false(od_link_redirect_var("name", 4));
}

/* A config with links: and its keys in files of dir. */
static int
load(const char *yaml, struct od_config *cfg, struct od_errors *errs)
{
	char	path[512];

	snprintf(path, sizeof(path), "%s/outreachd.yaml", OD_TEST_DATA);
	return od_config_load_string(path, yaml, strlen(yaml), NULL, cfg, errs);
}

static void
test_conf(void **state)
{
	struct od_config	cfg;
	struct od_errors	errs;

	(void)state;
	setenv("OD_TEST_LINK_KEY", KEY_NEW, 1);
	setenv("OD_TEST_LINK_SHORT", "too short", 1);
	od_errors_init(&errs);
	assert_int_equal(load("links:\n  base_url: https://pagos.example.pe/\n  max_ttl: 7d\n"
	    "  keys:\n    - {id: k2, env: OD_TEST_LINK_KEY}\n"
	    "  redirect:\n    PE: \"https://c.example.pe/?r={{ref}}\"\n"
	    "    default: \"https://c.example.com/?r={{ref}}\"\n", &cfg, &errs), 0);
	assert_non_null(cfg.links);
	assert_string_equal(cfg.links->base_url, "https://pagos.example.pe");
	assert_int_equal(cfg.links->max_ttl_s, 7 * 86400);
	assert_int_equal(cfg.links->nkeys, 1);
	assert_int_equal(cfg.links->keys[0].len, strlen(KEY_NEW));
	assert_string_equal(od_link_conf_redirect(cfg.links, "PE"), "https://c.example.pe/?r={{ref}}");
	assert_string_equal(od_link_conf_redirect(cfg.links, "CO"),
	    "https://c.example.com/?r={{ref}}");
	od_config_clear(&cfg);
	od_errors_clear(&errs);

	/* a short key, an unknown placeholder, no default, a missing file: each at its place */
	od_errors_init(&errs);
	assert_int_equal(load("links:\n  base_url: https://pagos.example.pe\n"
	    "  keys:\n    - {id: k2, env: OD_TEST_LINK_SHORT}\n"
	    "    - {id: k1, file: /nonexistent/link.key}\n"
	    "  redirect:\n    PE: \"https://c.example.pe/?n={{name}}\"\n", &cfg, &errs), -1);
	{
		FILE *fp;
		char *text = NULL;
		size_t len = 0;

		fp = open_memstream(&text, &len);
		od_errors_print(&errs, fp);
		fclose(fp);
		assert_non_null(strstr(text, "outreachd.yaml:4:"));
		assert_non_null(strstr(text, "key 'k2' is 9 bytes; at least 32"));
		assert_null(strstr(text, "too short"));		/* key material never shown */
		assert_non_null(strstr(text, "outreachd.yaml:5:"));
		assert_non_null(strstr(text, "outreachd.yaml:7:"));
		assert_non_null(strstr(text, "unknown placeholder '{{name}}'"));
		assert_non_null(strstr(text, "a default is needed"));
		free(text);
	}
	od_errors_clear(&errs);

	od_errors_init(&errs);
	assert_int_equal(load("links:\n  base_url: https://pagos.example.pe\n"
	    "  redirect: {default: \"https://c.example.com/\"}\n", &cfg, &errs), -1);
	assert_int_equal(errs.count, 1);	/* keys is required */
	od_errors_clear(&errs);
}

static void
test_pages(void **state)
{
	int		status;
	const char	*p;

	(void)state;
	p = od_link_page(OD_LINK_RESULT_PAID, "es-PE", "es-PE", &status);
	assert_int_equal(status, 200);
	assert_non_null(strstr(p, "pagada"));
	p = od_link_page(OD_LINK_RESULT_PAID, "en-US", "es-PE", &status);
	assert_non_null(strstr(p, "already paid"));
	p = od_link_page(OD_LINK_RESULT_PAID, "pt-BR", "es-PE", &status);
	assert_non_null(strstr(p, "pagada"));		/* the configuration's default */
	p = od_link_page(OD_LINK_RESULT_BAD, NULL, NULL, &status);
	assert_int_equal(status, 400);
	p = od_link_page(OD_LINK_RESULT_EXPIRED, NULL, NULL, &status);
	assert_int_equal(status, 410);
	assert_string_equal(od_link_result_name(OD_LINK_RESULT_UNKNOWN_KEY), "unknown_key");
	assert_true(od_link_tmpl_var("pay.link"));
	assert_true(od_link_tmpl_var("offer.link"));
	assert_true(od_link_tmpl_var("offers.pronto_pago.link"));
	assert_false(od_link_tmpl_var("offers.link"));
	assert_false(od_link_tmpl_var("offers.a.b.link"));
}

/* The links a message's context gets: the balance, and the policy's offer until its deadline's end in Lima. */
static void
test_context(void **state)
{
	static const char doc[] = "{\"account_id\":\"PE-000123\",\"debtor\":{\"name\":\"Rosa\","
	    "\"phone\":\"+51987000111\",\"locale\":\"es-PE\",\"timezone\":\"America/Lima\","
	    "\"country\":\"PE\"},\"debt\":{\"amount\":\"150.00\",\"currency\":\"PEN\","
	    "\"due_date\":\"2026-03-09\"},\"consent\":{\"sms\":true}}";
	struct od_account	a;
	struct od_policy	p;
	struct od_link		v;
	struct od_link_tmpl_in	in;
	json_t			*ctx, *company = json_object();
	const char		*url;
	char			 reason[256], err[256];

	(void)state;
	assert_int_equal(od_account_parse(doc, strlen(doc), 0, &a, reason, sizeof(reason)), 0);
	od_policy_init(&p);
	p.name = "t";
	p.offer.discount_percent = 10;
	p.offer.valid_days = 3;
	assert_non_null(ctx = od_plan_context(&a, &p, NULL, 2000, company, NOW * 1000LL, err,
	    sizeof(err)));
	memset(&in, 0, sizeof(in));
	in.acct = &a;
	in.policy = &p;
	in.paid_minor = 2000;
	in.now_ms = NOW * 1000LL;
	in.attempt = "PE-000123:2026-03-09:reminder_due#3";
	assert_int_equal(od_link_tmpl_context(ctx, &g_conf, &in, err, sizeof(err)), 0);
	url = json_string_value(json_object_get(json_object_get(ctx, "pay"), "link"));
	assert_non_null(url);
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)), NOW, &v),
	    OD_LINK_OK);
	assert_int_equal(v.amount, 13000);		/* 150.00 owed, 20.00 paid */
	assert_int_equal(v.kind, OD_LINK_BALANCE);
	assert_string_equal(v.attempt, ":2026-03-09:reminder_due#3");
	url = json_string_value(json_object_get(json_object_get(ctx, "offer"), "link"));
	assert_non_null(url);
	assert_int_equal(od_link_verify(&g_conf, token_of(url), strlen(token_of(url)), NOW, &v),
	    OD_LINK_OK);
	assert_int_equal(v.kind, OD_LINK_OFFER);
	assert_int_equal(v.amount, 13000 - 1300);	/* the 10% discount */
	/* the deadline 2026-03-12 ends at midnight in Lima: 2026-03-13 05:00 UTC */
	assert_int_equal(v.expires, 1773378000);
	json_decref(ctx);
	json_decref(company);
	od_account_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_tampered, setup),
		cmocka_unit_test_setup(test_expired_and_rotation, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_redirect, setup),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_pages),
		cmocka_unit_test_setup(test_context, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
