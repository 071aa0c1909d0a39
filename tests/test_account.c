#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_account.h"
#include "od_tz.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/account/%s", OD_TEST_DATA, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
test_good_document(void **state)
{
	struct od_account a;
	char reason[256] = "";
	size_t len;
	char *body = slurp("good.json", &len);

	(void)state;
	assert_int_equal(od_account_parse(body, len, 65536, &a, reason, sizeof(reason)), 0);
	free(body);			/* nothing borrows from the buffer */
	assert_string_equal(a.id, "A-1001");
	assert_string_equal(a.name, "María Quispe");
	assert_string_equal(a.phone, "+51987654321");
	assert_string_equal(a.email, "maria@example.pe");
	assert_string_equal(a.whatsapp, "+51987654321");
	assert_string_equal(a.locale, "es-PE");
	assert_string_equal(a.timezone, "America/Lima");
	assert_string_equal(a.country, "PE");
	assert_string_equal(a.amount, "1234.50");
	assert_int_equal(a.amount_minor, 123450);
	assert_int_equal(a.minor_digits, 2);
	assert_string_equal(a.currency, "PEN");
	assert_string_equal(a.due_date, "2026-12-01");
	assert_int_equal(a.due_y, 2026);
	assert_int_equal(a.due_m, 12);
	assert_int_equal(a.due_d, 1);
	assert_string_equal(a.product, "consumer_loan");
	assert_string_equal(a.policy, "pe-consumer");
	assert_int_equal(a.consent[OD_CH_SMS], 1);
	assert_int_equal(a.consent[OD_CH_EMAIL], 1);
	assert_int_equal(a.consent[OD_CH_WHATSAPP], 0);
	assert_non_null(a.attributes);
	assert_int_equal(json_integer_value(json_object_get(a.attributes, "risk_score")), 640);
	assert_string_equal(od_account_timezone(&a), "America/Lima");
	od_account_clear(&a);
	assert_null(a.doc);
	od_account_clear(&a);
	od_account_clear(NULL);
}

static void
test_minimal_document(void **state)
{
	struct od_account a;
	char reason[256] = "";
	size_t len;
	char *body = slurp("minimal.json", &len);

	(void)state;
	assert_int_equal(od_account_parse(body, len, 0, &a, reason, sizeof(reason)), 0);
	assert_string_equal(a.id, "cl:77@x");
	assert_null(a.phone);
	assert_null(a.whatsapp);
	assert_null(a.locale);
	assert_null(a.timezone);
	assert_null(a.product);
	assert_null(a.policy);
	assert_null(a.attributes);
	assert_int_equal(a.amount_minor, 150000);
	assert_int_equal(a.minor_digits, 0);
	assert_int_equal(a.due_d, 29);
	for (int k = 0; k < OD_CH_MAX; k++)
		assert_int_equal(a.consent[k], 0);
	assert_null(od_account_timezone(&a));	/* email only: nothing to derive from */
	od_account_clear(&a);
	free(body);
}

static void
test_from_json_takes_a_reference(void **state)
{
	json_t *doc = json_loads("{\"account_id\": \"A-9\", \"debtor\": {\"name\": \"Ana\","
	    " \"phone\": \"+56912345678\", \"country\": \"CL\"}, \"debt\": {\"amount\": \"9\","
	    " \"currency\": \"CLP\", \"due_date\": \"2026-01-31\"}, \"consent\": {\"sms\": true}}",
	    0, NULL);
	struct od_account a;
	char reason[256] = "";

	(void)state;
	assert_non_null(doc);
	assert_int_equal(od_account_from_json(doc, &a, reason, sizeof(reason)), 0);
	json_decref(doc);
	assert_string_equal(a.phone, "+56912345678");
	assert_int_equal(a.consent[OD_CH_SMS], 1);
	assert_int_equal(a.consent[OD_CH_WHATSAPP], 0);
	/* Chile has several zones in tzdata: +56 does not give one clock */
	assert_null(od_account_timezone(&a));
	assert_string_equal(od_account_plan_zone(&a), "America/Santiago");
	od_account_clear(&a);

	doc = json_array();
	assert_int_equal(od_account_from_json(doc, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "body: must be a JSON object");
	json_decref(doc);
}

#define ID	"\"account_id\": \"A-1\""
#define DEBTOR	"\"debtor\": {\"name\": \"Ana\", \"phone\": \"+51987654321\", \"country\": \"PE\"}"
#define DEBT	"\"debt\": {\"amount\": \"10.00\", \"currency\": \"PEN\", \"due_date\": \"2026-12-01\"}"
#define DR(x)	"\"debtor\": {\"name\": \"Ana\", \"country\": \"PE\", " x "}"
#define DT(x)	"\"debt\": {\"currency\": \"PEN\", \"due_date\": \"2026-12-01\", " x "}"

static const struct { const char *body, *reason; } rejects[] = {
	{ "[1, 2]", "body: must be a JSON object" },
	{ "\"A-1\"", "body: must be a JSON object" },
	{ "", "body: empty" },
	{ " \r\n", "body: empty" },
	{ "{\"account_id\": ", "body: invalid JSON at line 1, column 15: unexpected token near end of file" },
	{ "{" ID ", " ID "}", "body: invalid JSON at line 1, column 34: duplicate object key" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"notes\": 1}", "body: unknown field 'notes'" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"no\\ntes\": 1}", "body: an unknown field" },
	/* a key that is not an identifier is never repeated: it may be personal data */
	{ "{" ID ", " DEBTOR ", " DEBT ", \"Rosa Ñique\": 1}", "body: an unknown field" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"+51987000111\": 1}", "body: an unknown field" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"Notes\": 1}", "body: an unknown field" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"n23456789012345678901234567890123456789012\": 1}",
	  "body: an unknown field" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"n2345678901234567890123456789012345678901\": 1}",
	  "body: unknown field 'n2345678901234567890123456789012345678901'" },
	{ "{" DEBTOR ", " DEBT "}", "account_id: required" },
	{ "{\"account_id\": null, " DEBTOR ", " DEBT "}", "account_id: required" },
	{ "{\"account_id\": 1001, " DEBTOR ", " DEBT "}", "account_id: must be a string" },
	{ "{\"account_id\": \"\", " DEBTOR ", " DEBT "}",
	  "account_id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -" },
	{ "{\"account_id\": \"A 1\", " DEBTOR ", " DEBT "}",
	  "account_id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -" },
	{ "{\"account_id\": \"A/1\", " DEBTOR ", " DEBT "}",
	  "account_id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -" },
	{ "{" ID ", " DEBT "}", "debtor: required" },
	{ "{" ID ", \"debtor\": \"Ana\", " DEBT "}", "debtor: must be an object" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"phone2\": \"+51987654322\"") ", " DEBT "}",
	  "debtor: unknown field 'phone2'" },
	{ "{" ID ", \"debtor\": {\"phone\": \"+51987654321\", \"country\": \"PE\"}, " DEBT "}",
	  "debtor.name: required" },
	{ "{" ID ", \"debtor\": {\"name\": [\"Ana\"], \"phone\": \"+51987654321\", \"country\": \"PE\"}, " DEBT "}",
	  "debtor.name: must be a string" },
	{ "{" ID ", \"debtor\": {\"name\": \"  \", \"phone\": \"+51987654321\", \"country\": \"PE\"}, " DEBT "}",
	  "debtor.name: must not be empty" },
	{ "{" ID ", \"debtor\": {\"name\": \"\", \"phone\": \"+51987654321\", \"country\": \"PE\"}, " DEBT "}",
	  "debtor.name: must not be empty" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\\nQuispe\", \"phone\": \"+51987654321\", \"country\": \"PE\"}, " DEBT "}",
	  "debtor.name: must not hold control characters" },
	{ "{" ID ", " DR("\"phone\": \"987654321\"") ", " DEBT "}", "debtor.phone: not E.164" },
	{ "{" ID ", " DR("\"phone\": \"+0987654321\"") ", " DEBT "}", "debtor.phone: not E.164" },
	{ "{" ID ", " DR("\"phone\": \"+5198765\"") ", " DEBT "}", "debtor.phone: not E.164" },
	{ "{" ID ", " DR("\"phone\": \"+5198765432101234\"") ", " DEBT "}", "debtor.phone: not E.164" },
	{ "{" ID ", " DR("\"phone\": \"+51 987 654 321\"") ", " DEBT "}", "debtor.phone: not E.164" },
	{ "{" ID ", " DR("\"phone\": 51987654321") ", " DEBT "}", "debtor.phone: must be a string" },
	{ "{" ID ", " DR("\"whatsapp\": \"+51-987654321\"") ", " DEBT "}", "debtor.whatsapp: not E.164" },
	{ "{" ID ", " DR("\"email\": \"maria.example.pe\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"maria quispe@example.pe\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"maria@localhost\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"maria@@example.pe\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"maria..q@example.pe\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"maria@-example.pe\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"maria@example.pe\\t\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", " DR("\"email\": \"\\\"maria\\\"@example.pe\"") ", " DEBT "}", "debtor.email: not a valid address" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"country\": \"PE\"}, " DEBT "}",
	  "debtor: no phone, email or whatsapp to contact" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"country\": \"PE\", \"phone\": null}, " DEBT "}",
	  "debtor: no phone, email or whatsapp to contact" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"locale\": \"es_PE\"") ", " DEBT "}",
	  "debtor.locale: not a BCP 47 language[-REGION] tag such as es or es-PE" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"locale\": \"spanish\"") ", " DEBT "}",
	  "debtor.locale: not a BCP 47 language[-REGION] tag such as es or es-PE" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"locale\": \"es-pe\"") ", " DEBT "}",
	  "debtor.locale: not a BCP 47 language[-REGION] tag such as es or es-PE" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"timezone\": \"America/Lma\"") ", " DEBT "}",
	  "debtor.timezone: not a known IANA time zone" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"timezone\": \"../../etc/passwd\"") ", " DEBT "}",
	  "debtor.timezone: not a known IANA time zone" },
	/* a zone must be one of the country's in tzdata (zone1970.tab, zone.tab) */
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"timezone\": \"Etc/UTC\"") ", " DEBT "}",
	  "debtor.timezone: \"Etc/UTC\" is not a time zone of PE (America/Lima)" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"timezone\": \"America/Bogota\"") ", " DEBT "}",
	  "debtor.timezone: \"America/Bogota\" is not a time zone of PE (America/Lima)" },
	{ "{" ID ", " DR("\"phone\": \"+51987654321\", \"timezone\": \"UTC\"") ", " DEBT "}",
	  "debtor.timezone: \"UTC\" is not a time zone of PE (America/Lima)" },
	/* Bouvet Island: no zone in tzdata, no known hour to contact anyone at */
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"phone\": \"+51987654321\", \"country\": \"BV\"}, " DEBT "}",
	  "debtor.country: tzdata has no time zone for BV" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"phone\": \"+51987654321\"}, " DEBT "}",
	  "debtor.country: required" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"phone\": \"+51987654321\", \"country\": \"pe\"}, " DEBT "}",
	  "debtor.country: not an ISO 3166-1 alpha-2 code" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"phone\": \"+51987654321\", \"country\": \"XK\"}, " DEBT "}",
	  "debtor.country: not an ISO 3166-1 alpha-2 code" },
	{ "{" ID ", \"debtor\": {\"name\": \"Ana\", \"phone\": \"+51987654321\", \"country\": \"PER\"}, " DEBT "}",
	  "debtor.country: not an ISO 3166-1 alpha-2 code" },
	{ "{" ID ", " DEBTOR "}", "debt: required" },
	{ "{" ID ", " DEBTOR ", \"debt\": [] }", "debt: must be an object" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"1\", \"interest\": \"2\"") "}", "debt: unknown field 'interest'" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"currency\": \"PEN\", \"due_date\": \"2026-12-01\"}}", "debt.amount: required" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": 1234.50") "}",
	  "debt.amount: must be a decimal string such as \"1234.50\", not a number" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": 1234") "}",
	  "debt.amount: must be a decimal string such as \"1234.50\", not a number" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": true") "}",
	  "debt.amount: must be a decimal string such as \"1234.50\"" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"1,234.50\"") "}",
	  "debt.amount: not a decimal amount such as \"1234.50\"" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"-5.00\"") "}",
	  "debt.amount: not a decimal amount such as \"1234.50\"" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"1e3\"") "}",
	  "debt.amount: not a decimal amount such as \"1234.50\"" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"12.\"") "}",
	  "debt.amount: not a decimal amount such as \"1234.50\"" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"99999999999999999999\"") "}",
	  "debt.amount: not a decimal amount such as \"1234.50\"" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"0.00\"") "}", "debt.amount: must be greater than zero" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"12.345\"") "}", "debt.amount: PEN allows at most 2 decimal places" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1500.5\", \"currency\": \"CLP\", \"due_date\": \"2026-12-01\"}}",
	  "debt.amount: CLP has no decimal places" },
	/* "20.000" is not twenty pesos: in Chile '.' separates thousands (issue 11, item 9) */
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"20.000\", \"currency\": \"CLP\", \"due_date\": \"2026-12-01\"}}",
	  "debt.amount: CLP has no decimal places" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1\", \"due_date\": \"2026-12-01\"}}", "debt.currency: required" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1\", \"currency\": \"SOL\", \"due_date\": \"2026-12-01\"}}",
	  "debt.currency: not an active ISO 4217 code" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1\", \"currency\": \"pen\", \"due_date\": \"2026-12-01\"}}",
	  "debt.currency: not an active ISO 4217 code" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1\", \"currency\": \"PEN\"}}", "debt.due_date: required" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1\", \"currency\": \"PEN\", \"due_date\": \"2026-02-29\"}}",
	  "debt.due_date: not a calendar date (no such day)" },
	{ "{" ID ", " DEBTOR ", \"debt\": {\"amount\": \"1\", \"currency\": \"PEN\", \"due_date\": \"01/12/2026\"}}",
	  "debt.due_date: not a date YYYY-MM-DD" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"1\", \"product\": 7") "}", "debt.product: must be a string" },
	{ "{" ID ", " DEBTOR ", " DT("\"amount\": \"1\", \"product\": \"\"") "}", "debt.product: must be 1 to 128 bytes" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"policy\": \"pe consumer\"}",
	  "policy: must be 1 to 64 characters of A-Z a-z 0-9 _ . -" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"policy\": 3}", "policy: must be a string" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"consent\": true}", "consent: must be an object" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"consent\": {\"sms\": true, \"fax\": true}}", "consent: unknown field 'fax'" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"consent\": {\"sms\": \"yes\"}}", "consent.sms: must be true or false" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"consent\": {\"whatsapp\": 1}}", "consent.whatsapp: must be true or false" },
	{ "{" ID ", " DEBTOR ", " DEBT ", \"attributes\": [1]}", "attributes: must be an object" },
};

static void
test_rejections(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		struct od_account a;
		char reason[256] = "";
		int rc = od_account_parse(rejects[i].body, strlen(rejects[i].body), 65536, &a,
		    reason, sizeof(reason));

		if (rc != -1 || strcmp(reason, rejects[i].reason) != 0)
			fail_msg("case %zu: rc %d, reason \"%s\", expected \"%s\"", i, rc, reason,
			    rejects[i].reason);
		assert_null(a.doc);
		assert_null(strchr(reason, '\n'));
	}
}

static void
test_body_rejections(void **state)
{
	struct od_account a;
	char reason[256];
	size_t len;
	char *body, *big;

	(void)state;
	body = slurp("bad_utf8.json", &len);
	assert_int_equal(od_account_parse(body, len, 65536, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "body: not valid UTF-8 (byte 47)");
	free(body);
	body = slurp("malformed.json", &len);
	assert_int_equal(od_account_parse(body, len, 65536, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason,
	    "body: invalid JSON at line 2, column 27: string or '}' expected");
	free(body);
	/* overlong and surrogate encodings are not UTF-8 either */
	assert_int_equal(od_account_parse("{\"a\": \"\xc0\xaf\"}", 11, 0, &a, reason,
	    sizeof(reason)), -1);
	assert_string_equal(reason, "body: not valid UTF-8 (byte 8)");
	assert_int_equal(od_account_parse("{\"a\": \"\xed\xa0\x80\"}", 12, 0, &a, reason,
	    sizeof(reason)), -1);
	assert_string_equal(reason, "body: not valid UTF-8 (byte 8)");
	/* a NUL inside the body is not JSON */
	assert_int_equal(od_account_parse("{}\0{}", 5, 0, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "body: holds a NUL byte (byte 3)");

	big = malloc(70000);
	assert_non_null(big);
	memset(big, ' ', 70000);
	big[0] = '{';
	big[69999] = '}';
	assert_int_equal(od_account_parse(big, 70000, 65536, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "body: 70000 bytes is over the 65536 byte limit");
	free(big);
}

static void
test_limits_and_nulls(void **state)
{
	char body[1024], name[260], reason[256];
	struct od_account a;

	(void)state;
	/* 200 bytes of name is fine, 201 is not; "á" counts two bytes */
	memset(name, 'a', 198);
	memcpy(name + 198, "\xc3\xa1", 3);
	snprintf(body, sizeof(body), "{" ID ", \"debtor\": {\"name\": \"%s\", \"phone\":"
	    " \"+51987654321\", \"country\": \"PE\", \"email\": null, \"timezone\": null}, " DEBT
	    ", \"consent\": null, \"attributes\": null, \"policy\": null}", name);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), 0);
	assert_null(a.email);
	assert_null(a.attributes);
	od_account_clear(&a);
	memcpy(name + 198, "a\xc3\xa1", 4);
	snprintf(body, sizeof(body), "{" ID ", \"debtor\": {\"name\": \"%s\", \"phone\":"
	    " \"+51987654321\", \"country\": \"PE\"}, " DEBT "}", name);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "debtor.name: 201 bytes is over the 200 byte limit");

	/* a 128-character id is fine, 129 is not */
	memset(name, 'x', 129);
	name[128] = '\0';
	snprintf(body, sizeof(body), "{\"account_id\": \"%s\", " DEBTOR ", " DEBT "}", name);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), 0);
	od_account_clear(&a);
	name[128] = 'x';
	name[129] = '\0';
	snprintf(body, sizeof(body), "{\"account_id\": \"%s\", " DEBTOR ", " DEBT "}", name);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "account_id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -");

	/* an email of 254 bytes is fine, 255 is not */
	memset(name, 'c', 255);
	memset(name, 'b', 64);
	name[64] = '@';
	name[65 + 50] = name[65 + 101] = name[65 + 152] = '.';
	name[254] = '\0';
	snprintf(body, sizeof(body), "{" ID ", " DR("\"email\": \"%s\"") ", " DEBT "}", name);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), 0);
	assert_int_equal(strlen(a.email), 254);
	od_account_clear(&a);
	name[254] = 'c';
	name[255] = '\0';
	snprintf(body, sizeof(body), "{" ID ", " DR("\"email\": \"%s\"") ", " DEBT "}", name);
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "debtor.email: 255 bytes is over the 254 byte limit");
}

/* Is zone among the n of z? */
static int
has_zone(const char *const *z, size_t n, const char *zone)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(z[i], zone) == 0)
			return 1;
	return 0;
}

static void
test_timezone_derivation(void **state)
{
	struct od_account a;
	const char *const *z;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.country = "PE";
	a.phone = "+51987654321";
	assert_string_equal(od_account_timezone(&a), "America/Lima");
	assert_int_equal(od_account_zones(&a, &z), 1);
	assert_string_equal(z[0], "America/Lima");
	a.country = "CO";
	a.phone = "+573001234567";
	assert_string_equal(od_account_timezone(&a), "America/Bogota");
	/* CL: America/Santiago, America/Punta_Arenas, Pacific/Easter (and Coyhaique): every one */
	a.country = "CL";
	a.phone = "+56912345678";
	assert_null(od_account_timezone(&a));
	n = od_account_zones(&a, &z);
	assert_true(n >= 3);
	assert_true(has_zone(z, n, "America/Santiago") && has_zone(z, n, "America/Punta_Arenas") &&
	    has_zone(z, n, "Pacific/Easter"));
	assert_string_equal(od_account_plan_zone(&a), "America/Santiago");
	/* a US debtor with a Peruvian number: the US's zones, never Lima's clock */
	a.country = "US";
	a.phone = "+51987654321";
	assert_null(od_account_timezone(&a));
	n = od_account_zones(&a, &z);
	assert_true(n >= 7);
	assert_false(has_zone(z, n, "America/Lima"));
	assert_true(has_zone(z, n, "America/Los_Angeles") && has_zone(z, n, "Pacific/Honolulu") &&
	    has_zone(z, n, "America/Phoenix"));		/* zone1970.tab: "US,CA" */
	assert_string_equal(od_account_plan_zone(&a), "America/New_York");
	a.country = "MX";
	a.phone = "+525512345678";
	assert_null(od_account_timezone(&a));
	assert_true(od_account_zones(&a, &z) >= 10);
	/* a PE debtor with a +1 number: Peru has one zone, but the number is not Peru's */
	a.country = "PE";
	a.phone = "+12125550100";
	assert_null(od_account_timezone(&a));
	assert_int_equal(od_account_zones(&a, &z), 0);
	assert_null(od_account_plan_zone(&a));
	a.phone = NULL;				/* email only: nothing to derive from */
	assert_null(od_account_timezone(&a));
	a.whatsapp = "+51987654321";
	assert_string_equal(od_account_timezone(&a), "America/Lima");
	a.phone = "+573001234567";		/* one number is Colombia's */
	assert_null(od_account_timezone(&a));
	a.phone = "+51912345678";
	assert_string_equal(od_account_timezone(&a), "America/Lima");
	/* given wins, named as tzdata's tables name it: a link reads as its zone */
	a.country = "US";
	a.timezone = "US/Eastern";
	assert_string_equal(od_account_timezone(&a), "America/New_York");
	assert_int_equal(od_account_zones(&a, &z), 1);
	a.timezone = "America/Chicago";
	assert_string_equal(od_account_timezone(&a), "America/Chicago");
}

/* Intake: a zone of another country is refused, naming the country's zones; links resolve. */
static void
test_timezone_of_country(void **state)
{
	static const char *const ok[][2] = {
		{ "US", "America/Chicago" }, { "US", "US/Eastern" }, { "US", "America/Phoenix" },
		{ "CA", "America/Phoenix" }, { "OM", "Asia/Dubai" }, { "OM", "Asia/Muscat" },
		{ "CL", "Pacific/Easter" }, { "CL", "Chile/Continental" }, { "PE", "America/Lima" },
	};
	struct od_account a;
	char body[1024], reason[512];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(body, sizeof(body), "{\"account_id\": \"A-1\", \"debtor\": {\"name\": \"Ana\", "
		    "\"email\": \"a@example.com\", \"country\": \"%s\", \"timezone\": \"%s\"}, "
		    DEBT "}", ok[i][0], ok[i][1]);
		if (od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)) != 0)
			fail_msg("%s %s: %s", ok[i][0], ok[i][1], reason);
		od_account_clear(&a);
	}
	snprintf(body, sizeof(body), "{\"account_id\": \"A-1\", \"debtor\": {\"name\": \"Ana\", "
	    "\"phone\": \"+51987654321\", \"country\": \"US\", \"timezone\": \"America/Lima\"}, " DEBT "}");
	assert_int_equal(od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)), -1);
	/* the US has some thirty zones: as many as fit, then how many in all */
	assert_true(strncmp(reason, "debtor.timezone: \"America/Lima\" is not a time zone of US "
	    "(America/New_York, America/Detroit, ", 89) == 0);
	assert_non_null(strstr(reason, " in all)"));
}

static const struct { const char *body, *reason; } ev_rejects[] = {
	{ "{\"type\": \"close\"}", "account_id: required" },
	{ "{\"account_id\": \"A-1\"}", "type: required" },
	{ "{\"account_id\": \"A-1\", \"type\": 3}", "type: must be a string" },
	{ "{\"account_id\": \"A-1\", \"type\": \"refund\"}", "type: unknown event type 'refund'" },
	{ "{\"account_id\": \"A-1\", \"type\": \"Pago de Rosa\"}", "type: an unknown event type" },
	{ "{\"account_id\": \"A-1\", \"type\": \"close\", \"Rosa\": \"1\"}",
	  "body: an unknown field for a close event" },
	{ "{\"account_id\": \"A-1\", \"type\": \"close\", \"amount\": \"1\"}",
	  "body: unknown field 'amount' for a close event" },
	{ "{\"account_id\": \"A-1\", \"type\": \"payment\", \"amount\": \"1\", \"channel\": \"sms\"}",
	  "body: unknown field 'channel' for a payment event" },
	{ "{\"account_id\": \"A-1\", \"type\": \"cease\", \"why\": \"x\"}",
	  "body: unknown field 'why' for a cease event" },
	{ "{\"account_id\": \"A-1\", \"type\": \"payment\"}", "amount: required" },
	{ "{\"account_id\": \"A-1\", \"type\": \"payment\", \"amount\": 100.0}",
	  "amount: must be a decimal string such as \"1234.50\", not a number" },
	{ "{\"account_id\": \"A-1\", \"type\": \"payment\", \"amount\": \"100,00\"}",
	  "amount: not a decimal amount such as \"1234.50\"" },
	{ "{\"account_id\": \"A-1\", \"type\": \"payment\", \"amount\": \"0\"}",
	  "amount: must be greater than zero" },
	{ "{\"account_id\": \"A-1\", \"type\": \"payment\", \"amount\": \"1\", \"full\": \"yes\"}",
	  "full: must be true or false" },
	{ "{\"account_id\": \"A-1\", \"type\": \"opt_out\"}", "channel: required" },
	{ "{\"account_id\": \"A-1\", \"type\": \"opt_in\", \"channel\": \"fax\"}",
	  "channel: must be sms, email, whatsapp or all" },
	{ "{\"account_id\": \"A-1\", \"type\": \"promise_to_pay\"}", "date: required" },
	{ "{\"account_id\": \"A-1\", \"type\": \"promise_to_pay\", \"until\": \"2026-13-01\"}",
	  "until: not a calendar date (no such day)" },
	{ "{\"account_id\": \"A-1\", \"type\": \"close\", \"at\": \"yesterday\"}",
	  "at: not an ISO 8601 time such as \"2026-12-02T10:00:00Z\"" },
	{ "{\"account_id\": \"A-1\", \"type\": \"close\", \"reference\": 12}", "reference: must be a string" },
	{ "{\"account_id\": \"A 1\", \"type\": \"close\"}",
	  "account_id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -" },
	{ "[]", "body: must be a JSON object" },
	{ "{\"account_id\": \"A-1\", \"type\": \"close\"", "body: invalid JSON at line 1, column 37: '}' expected near end of file" },
};

static void
test_events(void **state)
{
	struct od_event ev;
	char reason[256] = "";
	const char *s;

	(void)state;
	s = "{\"account_id\": \"A-1001\", \"type\": \"payment\", \"amount\": \"100.00\", \"full\": false,"
	    " \"at\": \"2026-12-02T10:00:00Z\", \"reference\": \"OP-77\"}";
	assert_int_equal(od_event_parse(s, strlen(s), 4096, &ev, reason, sizeof(reason)), 0);
	assert_string_equal(ev.account_id, "A-1001");
	assert_int_equal(ev.type, OD_EV_PAYMENT);
	assert_string_equal(ev.type_name, "payment");
	assert_string_equal(ev.amount, "100.00");
	assert_int_equal(ev.full, 0);
	od_event_clear(&ev);
	s = "{\"account_id\": \"A-1\", \"type\": \"payment\", \"amount\": \"1234.5\", \"full\": true}";
	assert_int_equal(od_event_parse(s, strlen(s), 0, &ev, reason, sizeof(reason)), 0);
	assert_int_equal(ev.full, 1);
	od_event_clear(&ev);
	s = "{\"account_id\": \"A-1\", \"type\": \"opt_out\", \"channel\": \"whatsapp\"}";
	assert_int_equal(od_event_parse(s, strlen(s), 0, &ev, reason, sizeof(reason)), 0);
	assert_int_equal(ev.type, OD_EV_OPT_OUT);
	assert_int_equal(ev.channel, OD_CH_WHATSAPP);
	od_event_clear(&ev);
	s = "{\"account_id\": \"A-1\", \"type\": \"opt_in\", \"channel\": \"all\"}";
	assert_int_equal(od_event_parse(s, strlen(s), 0, &ev, reason, sizeof(reason)), 0);
	assert_int_equal(ev.type, OD_EV_OPT_IN);
	assert_int_equal(ev.channel, -1);
	od_event_clear(&ev);
	s = "{\"account_id\": \"A-1\", \"type\": \"promise_to_pay\", \"until\": \"2026-12-15\","
	    " \"at\": \"2026-12-02T10:00:00-05:00\"}";
	assert_int_equal(od_event_parse(s, strlen(s), 0, &ev, reason, sizeof(reason)), 0);
	assert_int_equal(ev.type, OD_EV_PROMISE);
	assert_string_equal(ev.until, "2026-12-15");
	od_event_clear(&ev);
	{
		static const char *const simple[] = { "close", "dispute", "dispute_resolved", "cease" };
		static const enum od_event_type types[] = { OD_EV_CLOSE, OD_EV_DISPUTE,
		    OD_EV_DISPUTE_RESOLVED, OD_EV_CEASE };
		char body[128];

		for (int i = 0; i < 4; i++) {
			snprintf(body, sizeof(body), "{\"account_id\": \"A-1\", \"type\": \"%s\"}",
			    simple[i]);
			assert_int_equal(od_event_parse(body, strlen(body), 0, &ev, reason,
			    sizeof(reason)), 0);
			assert_int_equal(ev.type, types[i]);
			assert_string_equal(od_event_type_name(ev.type), simple[i]);
			od_event_clear(&ev);
		}
	}
	assert_string_equal(od_event_type_name(OD_EV_PROMISE), "promise_to_pay");
	assert_string_equal(od_event_type_name(OD_EV_INVALID), "invalid");
	od_event_clear(NULL);

	s = "{\"account_id\": \"A-1\", \"type\": \"close\"}";
	assert_int_equal(od_event_parse(s, strlen(s), 20, &ev, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "body: 38 bytes is over the 20 byte limit");
	for (size_t i = 0; i < sizeof(ev_rejects) / sizeof(ev_rejects[0]); i++) {
		int rc = od_event_parse(ev_rejects[i].body, strlen(ev_rejects[i].body), 0, &ev,
		    reason, sizeof(reason));

		if (rc != -1 || strcmp(reason, ev_rejects[i].reason) != 0)
			fail_msg("event case %zu: rc %d, reason \"%s\", expected \"%s\"", i, rc,
			    reason, ev_rejects[i].reason);
		assert_null(ev.doc);
	}
}

static void
test_money_parse(void **state)
{
	int64_t m;

	(void)state;
	assert_int_equal(od_money_parse("1234.5", 2, &m), 0);
	assert_int_equal(m, 123450);
	assert_int_equal(od_money_parse("1234.50", 2, &m), 0);
	assert_int_equal(m, 123450);
	assert_int_equal(od_money_parse("0.99", 2, &m), 0);
	assert_int_equal(m, 99);
	assert_int_equal(od_money_parse("150000", 0, &m), 0);
	assert_int_equal(m, 150000);
	assert_int_equal(od_money_parse("7", 3, &m), 0);
	assert_int_equal(m, 7000);
	assert_int_equal(od_money_parse("0", 2, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(od_money_parse("1.234", 2, &m), -1);
	assert_int_equal(od_money_parse("1.5", 0, &m), -1);
	assert_int_equal(od_money_parse("-1.50", 2, &m), -1);
	assert_int_equal(od_money_parse("+1.50", 2, &m), -1);
	assert_int_equal(od_money_parse("1e2", 2, &m), -1);
	assert_int_equal(od_money_parse(".5", 2, &m), -1);
	assert_int_equal(od_money_parse("5.", 2, &m), -1);
	assert_int_equal(od_money_parse("05", 2, &m), -1);
	assert_int_equal(od_money_parse("1 000", 2, &m), -1);
	assert_int_equal(od_money_parse("", 2, &m), -1);
	assert_int_equal(od_money_parse("92233720368547758", 2, &m), -1);
	assert_int_equal(od_money_parse("9223372036", 2, &m), 0);
	assert_int_equal(m, 922337203600);
}

static void
test_code_tables(void **state)
{
	FILE *f;
	char line[256];
	int n = 0, valid = 0;
	char cc[3] = "AA";

	(void)state;
	assert_int_equal(od_currency_digits("PEN"), 2);
	assert_int_equal(od_currency_digits("USD"), 2);
	assert_int_equal(od_currency_digits("COP"), 2);
	assert_int_equal(od_currency_digits("MXN"), 2);
	assert_int_equal(od_currency_digits("CLP"), 0);
	assert_int_equal(od_currency_digits("CLF"), 4);
	assert_int_equal(od_currency_digits("EUR"), 2);
	assert_int_equal(od_currency_digits("JPY"), 0);
	assert_int_equal(od_currency_digits("KWD"), 3);
	assert_int_equal(od_currency_digits("UYW"), 4);
	assert_int_equal(od_currency_digits("HRK"), -1);	/* withdrawn 2023 */
	assert_int_equal(od_currency_digits("XAU"), -1);
	assert_int_equal(od_currency_digits("PE"), -1);
	assert_int_equal(od_currency_digits(NULL), -1);

	/* every code of tzdata's iso3166.tab, and nothing else */
	f = fopen("/usr/share/zoneinfo/iso3166.tab", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		line[2] = '\0';
		assert_int_equal(od_country_valid(line), 1);
		n++;
	}
	fclose(f);
	for (cc[0] = 'A'; cc[0] <= 'Z'; cc[0]++)
		for (cc[1] = 'A'; cc[1] <= 'Z'; cc[1]++)
			valid += od_country_valid(cc);
	assert_int_equal(n, 249);
	assert_int_equal(valid, 249);

	assert_int_equal(od_phone_valid("+51987654321"), 1);
	assert_int_equal(od_phone_valid("+12345678"), 1);
	assert_int_equal(od_phone_valid("+123456789012345"), 1);
	assert_int_equal(od_phone_valid("+1234567"), 0);
	assert_int_equal(od_phone_valid("+1234567890123456"), 0);
	assert_int_equal(od_email_valid("maria.q+cobranza@mail.example.pe"), 1);
	assert_int_equal(od_email_valid("maría@correo.pe"), 1);
	assert_int_equal(od_email_valid("maria@example."), 0);
	assert_int_equal(od_email_valid(".maria@example.pe"), 0);
	assert_int_equal(od_email_valid("maria@[127.0.0.1]"), 0);
	assert_int_equal(od_locale_valid("es"), 1);
	assert_int_equal(od_locale_valid("es-PE"), 1);
	assert_int_equal(od_locale_valid("en-US"), 1);
	assert_int_equal(od_locale_valid("es-419"), 1);
	assert_int_equal(od_locale_valid("e"), 0);
	assert_int_equal(od_locale_valid("es-"), 0);
	assert_int_equal(od_locale_valid("es-PER"), 0);
	assert_int_equal(od_channel_kind_parse("sms"), OD_CH_SMS);
	assert_int_equal(od_channel_kind_parse("email"), OD_CH_EMAIL);
	assert_int_equal(od_channel_kind_parse("whatsapp"), OD_CH_WHATSAPP);
	assert_int_equal(od_channel_kind_parse("all"), -1);
	assert_string_equal(od_channel_kind_name(OD_CH_WHATSAPP), "whatsapp");
}

static int
teardown(void **state)
{
	(void)state;
	od_tz_cache_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_document),
		cmocka_unit_test(test_minimal_document),
		cmocka_unit_test(test_from_json_takes_a_reference),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_body_rejections),
		cmocka_unit_test(test_limits_and_nulls),
		cmocka_unit_test(test_timezone_derivation),
		cmocka_unit_test(test_timezone_of_country),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_money_parse),
		cmocka_unit_test(test_code_tables),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
