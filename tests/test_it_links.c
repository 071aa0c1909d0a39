/*
 * Integration: payment links on the real daemon (docs/payment-links.md).
 * The daemon as built, a real redis-server, the repo's policies and
 * templates, and links: with two keys (k2 newest, from a file; k1 older,
 * from the environment).  Tokens are made here with od_link_make, as the
 * daemon makes them, and the account's ref stored as its send path does;
 * the daemon's clock is Monday 2026-03-09 10:00 in Lima.
 *
 *   - a good link: 302 to the country's checkout with the token's fields
 *     in Location, a link_opened record (history and attempts stream) with
 *     the token's attempt, outreachd_link_requests_total{result="ok"};
 *   - a changed payload byte, a changed signature byte, an expired link, a
 *     link of a key rotated out, garbage: the fixed 400 / 410 page, nothing
 *     recorded, counted; no part of the request in any answer;
 *   - a paid account: the paid page, for a new link and for the one
 *     opened before the payment event;
 *   - `outreachctl link make` makes a link that docs/examples/verify_link.py
 *     verifies (so the document's verifier tells the truth).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "od_buf.h"
#include "od_codec.h"
#include "od_link.h"
#include "od_test_http.h"
#include "od_testenv.h"

#define ACCOUNT		"PE-LNK-001"
#define DUE		"2026-03-09"
#define KEY_K2		"k2-0123456789abcdef0123456789abcdef"
#define KEY_K1		"k1-fedcba9876543210fedcba9876543210"
#define KEY_K0		"k0-rotated-out-rotated-out-rotated-out"
#define MARKER		"ZQXechocanary7731"	/* must never come back in an answer */

static struct od_test_env	g_env;
static pid_t			g_pid;
static int			g_port;
static int64_t			g_now;		/* the daemon's clock, Unix seconds */

/* The admin server's client (od_test_http.h), on g_port. */
static int
http_get(const char *target, struct od_test_resp *r)
{
	return od_test_http(g_port, "GET", target, NULL, NULL, r);
}

/* A header's value (into buf), or NULL. */
static const char *
header(const struct od_test_resp *r, const char *name, char *buf, size_t len)
{
	const char	*p = r->raw, *end;
	size_t		 n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL && p + 2 < r->body) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			end = strstr(p, "\r\n");
			snprintf(buf, len, "%.*s", (int)(end - p), p);
			return buf;
		}
	}
	return NULL;
}

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	g_pid = 0;
	return 0;
}

/* The links' configuration: k2 in a file (newest), k1 from the environment. */
static void
config_links(void)
{
	char	path[400];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/link-k2.key", g_env.dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "%s\n", KEY_K2);
	fclose(fp);
	setenv("OD_TEST_LINK_K1", KEY_K1, 1);
	assert_non_null(fp = fopen(g_env.config, "a"));
	fprintf(fp, "links:\n"
	    "  base_url: \"https://pagos.example.pe/\"\n"
	    "  max_ttl: 30d\n"
	    "  keys:\n"
	    "    - {id: k2, file: link-k2.key}\n"
	    "    - {id: k1, env: OD_TEST_LINK_K1}\n"
	    "  redirect:\n"
	    "    PE: \"https://checkout.lender.pe/pay?ref={{ref}}&amount={{amount}}&currency="
	    "{{currency}}&offer={{offer}}&attempt={{attempt}}&exp={{expires}}\"\n"
	    "    default: \"https://checkout.lender.example/pay?ref={{ref}}\"\n");
	fclose(fp);
}

/* The conf the daemon runs with, made here by hand for minting tokens. */
static struct od_link_key	g_keys[3];
static struct od_link_conf	g_conf;

static void
conf_init(void)
{
	static const char *const ids[] = { "k2", "k1", "k0" };
	static const char *const secrets[] = { KEY_K2, KEY_K1, KEY_K0 };
	int			 i;

	for (i = 0; i < 3; i++) {
		snprintf(g_keys[i].id, sizeof(g_keys[i].id), "%s", ids[i]);
		g_keys[i].secret = (unsigned char *)secrets[i];
		g_keys[i].len = strlen(secrets[i]);
	}
	memset(&g_conf, 0, sizeof(g_conf));
	g_conf.base_url = "https://pagos.example.pe";
	g_conf.max_ttl_s = 30 * 86400;
	g_conf.keys = g_keys;
	g_conf.nkeys = 2;
}

/*
 * A link signed by key k (0 k2, 1 k1, 2 k0), issued at iat for ttl; its
 * token into tok.  The account's ref under that key is stored, as the
 * daemon did when the key was the newest (a ref is keyed by the key that
 * signs).
 */
static void
mint(int k, int64_t iat, int64_t ttl, const char *attempt, char *tok, size_t len)
{
	struct od_link_conf	c = g_conf;
	struct od_link		l;
	unsigned char		ref[OD_LINK_REF_LEN];
	char			url[1024], key[256];
	redisReply		*r;

	c.keys = &g_keys[k];
	c.nkeys = 1;
	assert_int_equal(od_link_make(&c, ACCOUNT, OD_LINK_BALANCE, NULL, 15000, "PEN", iat,
	    iat + ttl, attempt, &l, url, sizeof(url)), 0);
	snprintf(tok, len, "%s", strstr(url, "/p/") + 3);
	od_link_ref(&c, ACCOUNT, ref);
	r = redisCommand(g_env.rc, "SET %s %s PX 2678400000", od_link_ref_key("outreach", ref,
	    key, sizeof(key)), ACCOUNT);
	assert_non_null(r);
	freeReplyObject(r);
}

/*
 * The repo's templates copied into the env, es-PE's reminder_due SMS with
 * {{ pay.link }}, and template_dir pointing there.
 */
static void
templates_with_link(void)
{
	char	 cmd[1024], path[512], *text, *at;
	FILE	*fp;

	snprintf(cmd, sizeof(cmd), "cp -r '%s/templates' '%s/templates' && sed -i "
	    "'s/ Si ya hizo el pago, gracias./ Pague aqui: {{ pay.link }} Si ya hizo el pago, "
	    "gracias./' '%s/templates/es-PE/reminder_due.yaml'", OD_SOURCE_DIR, g_env.dir,
	    g_env.dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(text = od_test_read_file(g_env.config));
	snprintf(path, sizeof(path), "template_dir: %s/templates\n", OD_SOURCE_DIR);
	assert_non_null(at = strstr(text, path));
	assert_non_null(fp = fopen(g_env.config, "w"));
	fprintf(fp, "%.*stemplate_dir: %s/templates\n%s", (int)(at - text), text, g_env.dir,
	    at + strlen(path));
	fclose(fp);
	free(text);
}

static void
start_with(int link_templates)
{
	char		 clk[64], port[16], *acct;
	struct od_test_resp	 rs;
	int		 i;

	conf_init();
	assert_int_equal(od_test_env_start(&g_env, "links", NULL, NULL), 0);
	config_links();
	if (link_templates)
		templates_with_link();
	assert_true((g_port = od_test_free_port()) > 0);
	snprintf(port, sizeof(port), "%d", g_port);
	setenv("OUTREACHD_ADMIN_PORT", port, 1);
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_now = od_test_utc_ms(2026, 3, 9, 15, 0) / 1000;
	{
		const char *args[2] = { clk, NULL };

		g_pid = od_test_daemon_start(&g_env, "d.log", args);
	}
	assert_true(g_pid > 0);
	for (i = 0; i < 500; i++) {
		if (http_get("/healthz", &rs) == 0) {
			od_test_resp_free(&rs);
			break;
		}
		assert_int_equal(kill(g_pid, 0), 0);	/* a bad config would have stopped it */
		od_test_sleep_ms(20);
	}
	assert_true(i < 500);
	assert_non_null(acct = od_test_account(ACCOUNT, DUE, "150.00", NULL));
	assert_int_equal(od_test_enqueue(&g_env, "account", acct), 0);
	free(acct);
	for (i = 0; i < 1000; i++) {
		json_t *st = od_test_state(&g_env, ACCOUNT);

		if (st != NULL) {
			json_decref(st);
			break;
		}
		od_test_sleep_ms(20);
	}
	assert_true(i < 1000);
}

static void
start(void)
{
	start_with(0);
}

/* The value of a metric sample line "name{labels} v", or 0 when absent. */
static double
metric(const char *sample)
{
	struct od_test_resp	 r;
	const char	*p;
	double		 v = 0;

	assert_int_equal(http_get("/metrics", &r), 0);
	if ((p = strstr(r.body, sample)) != NULL)
		v = strtod(p + strlen(sample), NULL);
	od_test_resp_free(&r);
	return v;
}

static long long
hist_count(const char *status)
{
	json_t		*h = od_test_history(&g_env, ACCOUNT), *rec;
	size_t		 i;
	long long	 n = 0;

	json_array_foreach(h, i, rec)
		if (strcmp(od_test_str(rec, "status"), status) == 0)
			n++;
	json_decref(h);
	return n;
}

/* The answer to /p/<tok> must carry no part of tok (nor of anything sent). */
static void
assert_no_echo(const struct od_test_resp *r, const char *tok)
{
	char	piece[12];
	size_t	i, n = strlen(tok);

	for (i = 0; i + 8 <= n; i += 4) {
		snprintf(piece, sizeof(piece), "%.8s", tok + i);
		if (strstr(r->body, piece) != NULL)
			fail_msg("the answer carries '%s' of the token", piece);
	}
	assert_null(strstr(r->raw, MARKER));
}

static void
test_links(void **state)
{
	char		 tok[OD_LINK_TOKEN_MAX + 1], bad[OD_LINK_TOKEN_MAX + 1], target[1024];
	char		 loc[2048], exp[64], ref_hex[17];
	unsigned char	 bin[OD_LINK_PAYLOAD_MAX], ref[OD_LINK_REF_LEN];
	struct od_test_resp	 r;
	size_t		 n;
	long long	 opened;
	json_t		*rec, *att;

	(void)state;
	start();

	/* a good link: 302, the fields in Location, a link_opened record */
	mint(0, g_now - 60, 86400, ACCOUNT ":" DUE ":reminder_due#1", tok, sizeof(tok));
	snprintf(target, sizeof(target), "/p/%s", tok);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 302);
	assert_non_null(header(&r, "Location", loc, sizeof(loc)));
	od_link_ref(&g_conf, ACCOUNT, ref);
	od_codec_hex(ref, sizeof(ref), ref_hex);
	snprintf(exp, sizeof(exp), "&exp=%lld", (long long)(g_now - 60 + 86400));
	assert_memory_equal(loc, "https://checkout.lender.pe/pay?ref=", 35);
	assert_non_null(strstr(loc, ref_hex));
	assert_non_null(strstr(loc, "&amount=150.00&currency=PEN&offer=&attempt="
	    "PE-LNK-001%3A2026-03-09%3Areminder_due%231"));
	assert_non_null(strstr(loc, exp));
	assert_non_null(header(&r, "Referrer-Policy", exp, sizeof(exp)));
	assert_string_equal(exp, "no-referrer");
	assert_no_echo(&r, tok);
	od_test_resp_free(&r);
	assert_int_equal(od_test_wait_status(&g_env, ACCOUNT, "link_opened", 1, 20000), 1);
	json_t *h = od_test_history(&g_env, ACCOUNT);
	rec = NULL;
	for (n = 0; n < json_array_size(h); n++)
		if (strcmp(od_test_str(json_array_get(h, n), "status"), "link_opened") == 0)
			rec = json_array_get(h, n);
	assert_non_null(rec);
	assert_string_equal(od_test_str(rec, "attempt_id"), ACCOUNT ":" DUE ":reminder_due#1");
	assert_string_equal(od_test_str(rec, "action_id"), ACCOUNT ":" DUE ":reminder_due");
	assert_string_equal(od_test_str(rec, "source"), "link");
	assert_string_equal(od_test_str(rec, "kind"), "balance");
	json_decref(h);
	att = od_test_attempts(&g_env);
	rec = NULL;
	for (n = 0; n < json_array_size(att); n++)
		if (strcmp(od_test_str(json_array_get(att, n), "status"), "link_opened") == 0)
			rec = json_array_get(att, n);
	assert_non_null(rec);
	assert_string_equal(od_test_str(rec, "attempt_id"), ACCOUNT ":" DUE ":reminder_due#1");
	json_decref(att);
	assert_true(metric("outreachd_link_requests_total{result=\"ok\"} ") == 1);
	opened = hist_count("link_opened");

	/* a link of the older key, still listed: honoured */
	mint(1, g_now - 60, 86400, NULL, bad, sizeof(bad));
	snprintf(target, sizeof(target), "/p/%s", bad);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 302);
	od_test_resp_free(&r);
	assert_int_equal(od_test_wait_status(&g_env, ACCOUNT, "link_opened", opened + 1, 20000),
	    opened + 1);
	opened++;

	/* a payload byte changed (the amount): 400, nothing recorded */
	assert_int_equal(od_codec_unbase64url(tok, strlen(tok), bin, sizeof(bin), &n), 0);
	bin[2 + 2 + OD_LINK_REF_LEN + 2 + 6] ^= 0x01;
	assert_true(od_codec_base64url(bad, bin, n) > 0);
	snprintf(target, sizeof(target), "/p/%s", bad);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "Invalid link"));
	assert_null(header(&r, "Location", loc, sizeof(loc)));
	assert_no_echo(&r, bad);
	od_test_resp_free(&r);
	bin[2 + 2 + OD_LINK_REF_LEN + 2 + 6] ^= 0x01;

	/* a signature byte changed: the same page */
	bin[n - 1] ^= 0x80;
	assert_true(od_codec_base64url(bad, bin, n) > 0);
	snprintf(target, sizeof(target), "/p/%s", bad);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 400);
	{
		struct od_test_resp	r2;
		char		t2[128];

		/* fixed: the same bytes whatever was sent */
		snprintf(t2, sizeof(t2), "/p/%s", MARKER);
		assert_int_equal(http_get(t2, &r2), 0);
		assert_int_equal(r2.status, 400);
		assert_string_equal(r2.body, r.body);
		assert_no_echo(&r2, MARKER);
		od_test_resp_free(&r2);
	}
	assert_no_echo(&r, bad);
	od_test_resp_free(&r);

	/* expired (by the daemon's clock): 410 */
	mint(0, g_now - 7200, 3600, NULL, bad, sizeof(bad));
	snprintf(target, sizeof(target), "/p/%s", bad);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 410);
	assert_no_echo(&r, bad);
	od_test_resp_free(&r);

	/* a key rotated out (k0 is no longer listed): 410 */
	mint(2, g_now - 60, 86400, NULL, bad, sizeof(bad));
	snprintf(target, sizeof(target), "/p/%s", bad);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 410);
	assert_no_echo(&r, bad);
	od_test_resp_free(&r);

	assert_int_equal(hist_count("link_opened"), opened);
	assert_true(metric("outreachd_link_requests_total{result=\"bad\"} ") == 3);
	assert_true(metric("outreachd_link_requests_total{result=\"expired\"} ") == 1);
	assert_true(metric("outreachd_link_requests_total{result=\"unknown_key\"} ") == 1);

	/* paid: the paid page, for a new link and for the one opened before */
	assert_int_equal(od_test_enqueue(&g_env, "event", "{\"account_id\": \"" ACCOUNT "\", "
	    "\"type\": \"payment\", \"amount\": \"150.00\", \"full\": true, \"reference\": \""
	    ACCOUNT ":" DUE ":reminder_due#1\"}"), 0);
	for (n = 0; n < 1000; n++) {
		json_t *st = od_test_state(&g_env, ACCOUNT);
		int paid = st != NULL && strcmp(od_test_str(st, "status"), "paid") == 0;

		json_decref(st);
		if (paid)
			break;
		od_test_sleep_ms(20);
	}
	assert_true(n < 1000);
	snprintf(target, sizeof(target), "/p/%s", tok);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "pagada"));		/* es-PE: the debtor's locale */
	assert_null(header(&r, "Location", loc, sizeof(loc)));
	assert_no_echo(&r, tok);
	od_test_resp_free(&r);
	mint(0, g_now, 86400, NULL, bad, sizeof(bad));
	snprintf(target, sizeof(target), "/p/%s", bad);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "pagada"));
	od_test_resp_free(&r);
	assert_int_equal(hist_count("link_opened"), opened);
	assert_true(metric("outreachd_link_requests_total{result=\"paid\"} ") == 2);
}

/*
 * A message with {{ pay.link }}, sent by the daemon: the link is in the
 * text, the account's ref was stored at the send, and opening it redirects
 * with the attempt the message went as.
 */
static void
test_sent_link(void **state)
{
	json_t		*out;
	const char	*text, *p;
	char		 tok[OD_LINK_TOKEN_MAX + 1], target[1024], loc[2048], key[256];
	unsigned char	 ref[OD_LINK_REF_LEN];
	struct od_test_resp	 r;
	size_t		 n;
	json_t		*sent = NULL;

	(void)state;
	start_with(1);
	assert_true(od_test_wait_status(&g_env, ACCOUNT, "sent", 1, 30000) >= 1);
	out = od_test_outbox(&g_env, "sms.jsonl");
	assert_int_equal(json_array_size(out), 1);
	text = od_test_str(json_array_get(out, 0), "text");
	assert_non_null(p = strstr(text, "https://pagos.example.pe/p/"));
	p += strlen("https://pagos.example.pe/p/");
	n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
	assert_true(n > 40 && n < sizeof(tok));
	memcpy(tok, p, n);
	tok[n] = '\0';
	assert_null(strstr(tok, ACCOUNT));
	json_decref(out);
	od_link_ref(&g_conf, ACCOUNT, ref);
	assert_int_equal(od_test_int(&g_env, "EXISTS %s", od_link_ref_key("outreach", ref, key,
	    sizeof(key))), 1);
	assert_true(od_test_int(&g_env, "PTTL %s", key) > 30LL * 86400 * 1000);
	snprintf(target, sizeof(target), "/p/%s", tok);
	assert_int_equal(http_get(target, &r), 0);
	assert_int_equal(r.status, 302);
	assert_non_null(header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, "&amount=150.00&currency=PEN"));
	od_test_resp_free(&r);
	/* the attempt in the link is the one the message was sent as */
	{
		json_t	*h = od_test_history(&g_env, ACCOUNT), *rec;
		size_t	 i;

		json_array_foreach(h, i, rec)
			if (strcmp(od_test_str(rec, "status"), "sent") == 0)
				sent = json_incref(rec);
		json_decref(h);
		assert_non_null(sent);
		{
			struct od_buf	 b;
			const char	*q;

			/* as the redirect percent-encodes it: ':' %3A, '#' %23 */
			od_buf_init(&b);
			for (q = od_test_str(sent, "attempt_id"); *q; q++)
				if (*q == ':')
					od_buf_puts(&b, "%3A");
				else if (*q == '#')
					od_buf_puts(&b, "%23");
				else
					od_buf_putc(&b, *q);
			assert_non_null(strstr(loc, b.data));
			od_buf_free(&b);
		}
		json_decref(sent);
	}
}

/* The document's verifier against a link outreachctl made: it must say valid, with its fields. */
static void
test_doc_verifier(void **state)
{
	char	 cmd[2048], out[4096], url[1024];
	FILE	*p;
	size_t	 n;

	(void)state;
	start();
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --config %s link make %s", OD_BUILD_DIR,
	    g_env.config, ACCOUNT);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(url, sizeof(url), p));
	assert_int_equal(pclose(p), 0);
	url[strcspn(url, "\n")] = '\0';
	assert_memory_equal(url, "https://pagos.example.pe/p/", 27);
	snprintf(cmd, sizeof(cmd), "python3 %s/docs/examples/verify_link.py %s/link-k2.key '%s'",
	    OD_SOURCE_DIR, g_env.dir, url);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "\"key_id\": \"k2\""));
	assert_non_null(strstr(out, "\"amount_minor\": 15000"));
	assert_non_null(strstr(out, "\"currency\": \"PEN\""));
	assert_non_null(strstr(out, "\"signature_valid\": true"));
	/* outreachctl link verify agrees */
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --config %s link verify '%s'", OD_BUILD_DIR,
	    g_env.config, url);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "signature: valid"));
	assert_non_null(strstr(out, "account:   " ACCOUNT));
	/* and a changed byte: the verifier says so, exit 1 */
	url[strlen(url) - 3] = url[strlen(url) - 3] == 'A' ? 'B' : 'A';
	snprintf(cmd, sizeof(cmd), "python3 %s/docs/examples/verify_link.py %s/link-k2.key '%s' "
	    ">/dev/null", OD_SOURCE_DIR, g_env.dir, url);
	assert_int_not_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_links, teardown),
		cmocka_unit_test_teardown(test_doc_verifier, teardown),
		cmocka_unit_test_teardown(test_sent_link, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
