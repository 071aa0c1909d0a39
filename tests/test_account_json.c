/*
 * od_account_json: the fast reader and writer give exactly what jansson
 * gives (the same value in the same key order, the same error with its
 * position, the same text), for the documents outreachd stores and for the
 * ones the fast path hands back to jansson.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "od_account.h"

/* Loads text both ways with flags and asserts the same outcome. */
static void
same_load(const char *text, size_t len, size_t flags)
{
	json_error_t	 e1, e2;
	json_t		*a, *b;
	char		*da, *db;

	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	a = od_account_json_loadb(text, len, flags, &e1);
	b = json_loadb(text, len, flags, &e2);
	if (b == NULL) {
		assert_null(a);
		assert_string_equal(e1.text, e2.text);
		assert_int_equal(e1.line, e2.line);
		assert_int_equal(e1.column, e2.column);
		return;
	}
	assert_non_null(a);
	assert_true(json_equal(a, b));
	/* Key order too: the records and the states are written in it. */
	da = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	db = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_string_equal(da, db);
	free(da);
	free(db);
	json_decref(a);
	json_decref(b);
}

static void
same(const char *text)
{
	same_load(text, strlen(text), 0);
	same_load(text, strlen(text), JSON_REJECT_DUPLICATES);
	same_load(text, strlen(text), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY);
}

static const char *const docs[] = {
	/* the shapes read on every action: a stored account, a state (cjson's) */
	"{\"account_id\":\"BENCH-0000001\",\"debtor\":{\"name\":\"Cliente Ficticio 1\","
	    "\"phone\":\"+51900000001\",\"timezone\":\"America/Lima\",\"country\":\"PE\"},"
	    "\"debt\":{\"amount\":\"21.01\",\"currency\":\"PEN\",\"due_date\":\"2026-11-23\","
	    "\"product\":\"Pr\xc3\xa9stamo personal\"},\"consent\":{\"sms\":true}}",
	"{\"tries\":0,\"policy\":\"small-balance\",\"amount_minor\":2101,\"recent\":"
	    "[[1764000000000,\"sms\"],[1764000000001,\"email\"]],\"optout\":{},\"hold\":{},"
	    "\"seq\":1,\"status\":\"active\",\"next\":1,\"cycle\":\"2026-11-23\",\"fb\":0,"
	    "\"paid_minor\":0,\"digits\":2,\"evs\":[\"1764000000000-0\"]}",
	" \t\r\n{ \"a\" : [ 1 , -2 , 0 , -0 , true , false , null , [ ] , { } ] } \n",
	"[]", "{}", "[[[[[[1]]]]]]",
	"{\"esc\":\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f\",\"k\\\"ey\":1}",
	"{\"u\":\"\\u00e9\\u0041\"}",				/* \u: jansson's */
	"{\"nul\":\"a\\u0000b\"}",				/* refused without JSON_ALLOW_NUL */
	"{\"real\":1.5,\"exp\":1e3,\"big\":123456789012345678901234}",
	"{\"max\":999999999999999999,\"neg\":-999999999999999999}",
	"{\"dup\":1,\"dup\":2}",				/* last wins, or refused */
	"{\"a\":01}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":1x}", "{\"a\":.5}",
	"{\"a\":1,}", "[1,]", "{\"a\" 1}", "{a:1}", "{\"a\":tru}", "{\"a\":nul}",
	"{\"a\":\"unterminated}", "{\"a\":\"tab\there\"}", "{\"a\":\"\\x\"}",
	"{\"a\":1} x", "{\"a\":1}{", "", "   ", "\"str\"", "42", "null",
	"{\"bad\":\"\xc0\xaf\"}", "{\"\xed\xa0\x80\":1}", "{\"a\":\"\xf4\x90\x80\x80\"}",
	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	/* non-ASCII keys and strings take the checking calls; ASCII ones do not */
	"{\"cl\xc3\xa9\":\"v\xc3\xa1lido\",\"k\":\"a\\n\xc3\xa9\",\"plain\":\"ascii\"}",
	"{\"k\":\"a\\n\xc3\x28\"}", "{\"\xc3\x28\\t\":1}", "{\"a\\tb\":\"\\\"x\\\"\"}",
};

static void
test_load_same_as_jansson(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		same(docs[i]);
	/* len, not the NUL, ends the text */
	same_load("{\"a\":1}garbage", 7, 0);
	same_load("{\"a\":1}\0{}", 10, 0);
	same_load("{\"a\":\"x\0y\"}", 11, 0);
}

static void
test_load_values(void **state)
{
	json_t	*v;

	(void)state;
	v = od_account_json_loadb(docs[1], strlen(docs[1]), 0, NULL);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "active");
	assert_int_equal(json_integer_value(json_array_get(json_array_get(
	    json_object_get(v, "recent"), 1), 0)), 1764000000001LL);
	json_decref(v);
	v = od_account_json_loadb("{\"dup\":1,\"dup\":2}", 17, JSON_REJECT_DUPLICATES, NULL);
	assert_null(v);
}

/* json_dumps(v, JSON_COMPACT) and the fast writer agree. */
static void
same_dump(json_t *v)
{
	char	*a = od_account_json_dumps(v), *b = json_dumps(v, JSON_COMPACT);

	assert_non_null(a);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(v);
}

static void
test_dump_same_as_jansson(void **state)
{
	(void)state;
	/* a 'sent' attempt record, as od_job builds it */
	same_dump(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:i}",
	    "ts", "2026-11-23T15:00:00.123Z", "account_id", "BENCH-0000001",
	    "action_id", "BENCH-0000001:2026-11-23:reminder_due",
	    "attempt_id", "BENCH-0000001:2026-11-23:reminder_due#1", "policy", "small-balance",
	    "step", "reminder_due", "stage", "reminder", "step_index", 0, "channel", "sms",
	    "gateway", "twilio", "status", "sent", "encoding", "gsm7", "segments", 1));
	same_dump(json_pack("{s:s, s:s, s:s, s:s}", "reason",
	    "template 'x' (es-PE): \"quoted\" \\ back\nline\ttab\r\x01\x1f\x7f",
	    "detail", "promise to pay until 2026-12-01", "utf8", "Pr\xc3\xa9stamo \xe2\x82\xac",
	    "", "empty key"));
	same_dump(json_pack("{s:b, s:b, s:n, s:I, s:I}", "t", 1, "f", 0, "z",
	    "neg", (json_int_t)-42, "big", (json_int_t)9007199254740993LL));
	same_dump(json_pack("{s:I, s:I, s:I}", "min", (json_int_t)INT64_MIN, "max",
	    (json_int_t)INT64_MAX, "zero", (json_int_t)0));
	/* escapes first, last, in a row, and a long run without any */
	same_dump(json_pack("{s:s, s:s, s:s}", "\"k\\", "\n\"start and end\\",
	    "run", "\x01\x02\x03\"\"\\\\", "long",
	    "Estimado cliente, le recordamos que su cuota vence hoy; pague en "
	    "https://pagos.example.pe/?cuenta=BENCH-0000001&canal=sms para evitar moras."));
	same_dump(json_object());
	/* a state, as the dispatcher writes it back: nested objects and arrays */
	same_dump(json_pack("{s:i, s:s, s:[[I,s],[I,s]], s:{}, s:{s:b}, s:[], s:{s:[s,{s:n}]}}",
	    "tries", 0, "policy", "small-balance", "recent", (json_int_t)1764000000000LL, "sms",
	    (json_int_t)1764000000001LL, "email", "optout", "hold", "sms", 1, "evs", "deep",
	    "a", "x\"y", "b"));
	{
		json_t *v = json_pack("{s:i}", "z", 1), *in = v;

		for (int d = 0; d < 20; d++) {		/* deeper than the writer goes */
			json_t *o = json_object();

			json_object_set_new(in, "n", o);
			in = o;
		}
		same_dump(v);
	}
	/* anything else is jansson's own */
	same_dump(json_pack("{s:f, s:[i, s], s:{s:i}}", "r", 1.5, "a", 1, "x", "o", "k", 2));
	same_dump(json_pack("{s:[i, {s:f}]}", "a", 1, "r", 0.1));
	same_dump(json_pack("[i, s]", 1, "x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_same_as_jansson),
		cmocka_unit_test(test_load_values),
		cmocka_unit_test(test_dump_same_as_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
