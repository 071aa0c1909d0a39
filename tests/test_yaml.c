/*
 * test_yaml: the YAML reader's failures as the loaders see them: the error
 * with its position, and nothing left to free (the template set, rules and
 * confset loaders drop a failed document without od_yaml_doc_free; its copy
 * of the file name used to leak on every reload of a broken file, which
 * ASan's leak checker reports for this binary).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "od_yaml.h"

static void
test_string_syntax_error(void **state)
{
	static const char	 text[] = "redis: \"redis://127.0.0.1:6379/0\nprefix: outreach\n";
	struct od_yaml_doc	 doc;
	struct od_errors	 errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_yaml_load_string("templates/es-PE/broken.yaml", text,
	    sizeof(text) - 1, &doc, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.msgs[0], "templates/es-PE/broken.yaml:"));
	/* Left empty: a caller that drops it (as od_tmplset.c does) leaks nothing. */
	assert_null(doc.file);
	assert_null(doc.root);
	od_errors_clear(&errs);
}

static void
test_file_syntax_error(void **state)
{
	struct od_yaml_doc	 doc;
	struct od_errors	 errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_yaml_load_file(OD_TEST_DATA "/config/broken_syntax.yaml", &doc, &errs),
	    -1);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.msgs[0], "/config/broken_syntax.yaml:"));
	assert_null(doc.file);
	/* Freeing it anyway (as od_config.c does) is harmless. */
	od_yaml_doc_free(&doc);
	od_errors_clear(&errs);
}

static void
test_refused_alias(void **state)
{
	static const char	 text[] = "a: &x 1\nb: *x\n";
	struct od_yaml_doc	 doc;
	struct od_errors	 errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_yaml_load_string("policy/x.yaml", text, sizeof(text) - 1, &doc, &errs),
	    -1);
	assert_true(errs.count >= 1);
	assert_null(doc.file);
	od_errors_clear(&errs);
}

static void
test_string_ok(void **state)
{
	static const char	 text[] = "name: pe-consumer\nsteps:\n  - a\n";
	struct od_yaml_doc	 doc;
	struct od_errors	 errs;
	const struct od_yaml	*n;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_yaml_load_string("policy/x.yaml", text, sizeof(text) - 1, &doc, &errs),
	    0);
	assert_int_equal(errs.count, 0);
	assert_string_equal(doc.file, "policy/x.yaml");
	assert_non_null(n = od_yaml_get(doc.root, "steps"));
	assert_int_equal(n->type, OD_YAML_SEQ);
	assert_int_equal(n->line, 3);
	od_yaml_doc_free(&doc);
	od_errors_clear(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_syntax_error),
		cmocka_unit_test(test_file_syntax_error),
		cmocka_unit_test(test_refused_alias),
		cmocka_unit_test(test_string_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
