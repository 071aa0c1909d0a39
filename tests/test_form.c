/*
 * od_form: the project's one form/query decoder.  What a caller sees: the
 * decoded names and values, parameters without '=' as empty values, and
 * every malformed input refused with its reason and nothing half-added.
 * The inputs of issue 10's overflow ("a&b", 99 names without '=') are
 * here; under ASan (CI's second run) any write past a buffer fails this.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "od_form.h"

static const char *
parse(struct od_form *f, const char *s)
{
	od_form_init(f, 0, OD_FORM_MAX_VALUE);
	return od_form_parse(f, s, strlen(s), 0);
}

static void
test_decodes(void **state)
{
	struct od_form	 f;
	const char	*v;

	(void)state;
	assert_null(parse(&f, "From=%2B51987000111&Body=hola+mundo%21&x=a%3Db%26c&empty="));
	assert_int_equal(f.n, 4);
	assert_int_equal(od_form_get(&f, "From", &v), 1);
	assert_string_equal(v, "+51987000111");
	assert_int_equal(od_form_get(&f, "Body", &v), 1);
	assert_string_equal(v, "hola mundo!");
	assert_int_equal(od_form_get(&f, "x", &v), 1);
	assert_string_equal(v, "a=b&c");
	assert_int_equal(od_form_get(&f, "empty", &v), 1);
	assert_string_equal(v, "");
	assert_int_equal(od_form_get(&f, "missing", &v), 0);
	assert_null(v);
	od_form_clear(&f);
	assert_int_equal(f.n, 0);
	/* Encoded names, UTF-8 values. */
	assert_null(parse(&f, "hub.mode=subscribe&na%6De=Se%C3%B1or+%C3%91u%C3%B1ez"));
	assert_int_equal(od_form_get(&f, "name", &v), 1);
	assert_string_equal(v, "Señor Ñuñez");
	assert_int_equal(f.p[1].value_len, strlen("Señor Ñuñez"));
	od_form_clear(&f);
}

/* The overflow's inputs: names without '=', up to the limit. */
static void
test_params_without_value(void **state)
{
	struct od_form	 f;
	char		 many[1024];
	const char	*v;
	size_t		 o = 0;
	int		 i;

	(void)state;
	assert_null(parse(&f, "a&b"));
	assert_int_equal(f.n, 2);
	assert_int_equal(od_form_get(&f, "a", &v), 1);
	assert_string_equal(v, "");
	assert_int_equal(od_form_get(&f, "b", &v), 1);
	assert_string_equal(v, "");
	od_form_clear(&f);
	/* Empty pieces are skipped. */
	assert_null(parse(&f, "&&a&&b&"));
	assert_int_equal(f.n, 2);
	od_form_clear(&f);
	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%sa%d", i ? "&" : "", i);
	assert_null(parse(&f, many));
	assert_int_equal(f.n, 100);
	assert_int_equal(od_form_get(&f, "a99", &v), 1);
	assert_string_equal(v, "");
	od_form_clear(&f);
	/* Query then body in one form: the count is over both. */
	od_form_init(&f, 0, OD_FORM_MAX_VALUE);
	assert_null(od_form_parse(&f, many, strlen(many), 0));
	assert_string_equal(od_form_parse(&f, "z", 1, 1), "too many parameters");
	assert_int_equal(f.n, 100);
	od_form_clear(&f);
	snprintf(many + o, sizeof(many) - o, "&a100");
	assert_string_equal(parse(&f, many), "too many parameters");
	assert_int_equal(f.n, 0);	/* counted before anything was decoded */
	od_form_clear(&f);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*in, *why;
	} cases[] = {
		{ "a=%", "bad escape" }, { "a=%4", "bad escape" }, { "a=%zz", "bad escape" },
		{ "a=%4g", "bad escape" }, { "a=x%00y", "bad escape" }, { "%00=1", "bad escape" },
		{ "a%=1", "bad escape" }, { "=1", "bad parameter name" },
		{ "a=1&=2", "bad parameter name" }, { "a=%C3", "invalid UTF-8" },
		{ "a=%C0%80", "invalid UTF-8" }, { "a=%ED%A0%80", "invalid UTF-8" },
		{ "%FF=1", "invalid UTF-8" }, { "a=%F4%90%80%80", "invalid UTF-8" },
	};
	struct od_form	 f;
	char		 name[300], big[OD_FORM_MAX_VALUE + 16];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = parse(&f, cases[i].in);

		if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("%s: got %s, want %s", cases[i].in, why ? why : "(accepted)",
			    cases[i].why);
		assert_int_equal(f.n, 0);
		od_form_clear(&f);
	}
	/* A raw NUL inside a length-carrying body. */
	od_form_init(&f, 0, OD_FORM_MAX_VALUE);
	assert_string_equal(od_form_parse(&f, "a=1\0b=2", 7, 1), "bad escape");
	assert_int_equal(f.n, 0);
	/* Nothing of a refused part stays, what came before does. */
	assert_null(od_form_parse(&f, "q=1", 3, 0));
	assert_non_null(od_form_parse(&f, "b=2&c=%zz", 9, 1));
	assert_int_equal(f.n, 1);
	od_form_clear(&f);
	/* Names up to 256 bytes, values up to max_value once decoded. */
	memset(name, 'n', 257);
	snprintf(name + 257, sizeof(name) - 257, "=1");
	assert_string_equal(parse(&f, name), "bad parameter name");
	od_form_clear(&f);
	snprintf(name + 256, sizeof(name) - 256, "=1");
	assert_null(parse(&f, name));
	od_form_clear(&f);
	memset(big, 'v', sizeof(big));
	memcpy(big, "a=", 2);
	big[2 + OD_FORM_MAX_VALUE] = '\0';
	assert_null(parse(&f, big));
	od_form_clear(&f);
	big[2 + OD_FORM_MAX_VALUE] = 'v';
	big[3 + OD_FORM_MAX_VALUE] = '\0';
	assert_string_equal(parse(&f, big), "value too long");
	assert_int_equal(f.n, 0);
	od_form_clear(&f);
}

static void
test_duplicates(void **state)
{
	struct od_form	 f;
	const char	*v;

	(void)state;
	assert_null(parse(&f, "token=a&x=1&token=b"));
	assert_int_equal(od_form_get(&f, "token", &v), -1);
	assert_int_equal(od_form_get(&f, "x", &v), 1);
	od_form_clear(&f);
	/* A name that only differs after a NUL cannot exist: %00 is refused above. */
	assert_null(parse(&f, "Token=a&token=b"));
	assert_int_equal(od_form_get(&f, "token", &v), 1);
	assert_string_equal(v, "b");
	od_form_clear(&f);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(od_utf8_valid("", 0));
	assert_true(od_utf8_valid("Ñandú 😀", strlen("Ñandú 😀")));
	assert_false(od_utf8_valid("\xc3", 1));		/* cut */
	assert_false(od_utf8_valid("\xe2\x82", 2));
	assert_false(od_utf8_valid("\xc3\xb1", 1));	/* the length is the string */
	assert_false(od_utf8_valid("\xf8\x88\x80\x80\x80", 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes),
		cmocka_unit_test(test_params_without_value),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
