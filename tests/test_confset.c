/*
 * The configuration set as one: cross-checks between policies, templates,
 * gateways and the contact rules, and policies that tighten the rules.
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

#include "od_confset.h"
#include "od_testenv.h"
#include "od_tz.h"

/* Writes a config into a fresh directory, with the repo's rules beside it. */
static void
write_config(char *dir, size_t dlen, char *path, size_t plen, const char *policy_dir,
    const char *channels)
{
	char	 src[600], dst[700];
	FILE	*fp;

	assert_int_equal(od_test_tmpdir("confset", dir, dlen), 0);
	snprintf(src, sizeof(src), "%s/config/jurisdictions", OD_SOURCE_DIR);
	snprintf(dst, sizeof(dst), "%s/jurisdictions", dir);
	assert_int_equal(symlink(src, dst), 0);
	snprintf(src, sizeof(src), "%s/config/holidays", OD_SOURCE_DIR);
	snprintf(dst, sizeof(dst), "%s/holidays", dir);
	assert_int_equal(symlink(src, dst), 0);
	snprintf(path, plen, "%s/outreachd.yaml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "policy_dir: %s\ntemplate_dir: %s/templates\nplugin_dir: %s/lib/outreachd/channels\n"
	    "gateways:\n  outbox:\n    plugin: outbox\n    dir: %s/outbox\nchannels:\n%s",
	    policy_dir, OD_SOURCE_DIR, OD_BUILD_DIR, dir, channels);
	fclose(fp);
}

static void
remove_dir(const char *dir)
{
	char	cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int
has_error(const struct od_errors *e, const char *needle)
{
	size_t	i;

	for (i = 0; i < e->count; i++)
		if (strstr(e->msgs[i], needle) != NULL)
			return 1;
	return 0;
}

static void
test_shipped_set_loads(void **state)
{
	struct od_confset	 set;
	struct od_errors	 errs;
	const struct od_policy	*sb, *pe;
	const struct od_rules_preset *r;
	char			 path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/config/outreachd.yaml", OD_SOURCE_DIR);
	setenv("OUTREACHD_OUTBOX_DIR", "/tmp", 1);
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, OD_CONFSET_GATEWAYS, &set, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(set.policies.n, 6);
	assert_int_equal(errs.nwarns, 0);	/* the shipped texts open neutrally */
	assert_int_equal(set.gateways.n, 1);
	sb = od_policy_find(&set.policies, "small-balance");
	pe = od_policy_find(&set.policies, "pe-consumer");
	assert_non_null(sb);
	assert_non_null(pe);
	/* small-balance tightens PE's window to 08:00-19:00 and 2 contacts a week */
	r = od_confset_preset(&set, sb, "PE");
	assert_non_null(r);
	assert_int_equal(r->lim.per_week, 2);
	assert_ptr_not_equal(r, od_confset_preset(&set, pe, "PE"));
	assert_int_equal(od_confset_preset(&set, pe, "PE")->lim.per_week, 3);
	od_confset_free(&set);
	od_errors_clear(&errs);
	od_tz_cache_free();
}

static void
test_step_without_gateway(void **state)
{
	struct od_confset	set;
	struct od_errors	errs;
	char			dir[300], path[600], pol[600];

	(void)state;
	snprintf(pol, sizeof(pol), "%s/policy", OD_SOURCE_DIR);
	write_config(dir, sizeof(dir), path, sizeof(path), pol, "  sms: outbox\n  email: outbox\n");
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, 0, &set, &errs), -1);
	/* pe-consumer's reminder_due prefers whatsapp, which nothing serves now */
	snprintf(pol, sizeof(pol), "%s/policy/pe-consumer.yaml:", OD_SOURCE_DIR);
	assert_true(has_error(&errs, pol));
	assert_true(has_error(&errs, "step 'reminder_due': no gateway serves whatsapp"));
	od_errors_clear(&errs);
	remove_dir(dir);
	od_tz_cache_free();
}

static void
test_step_with_unknown_template(void **state)
{
	struct od_confset	set;
	struct od_errors	errs;
	char			dir[300], path[600], pol[600], want[700];

	(void)state;
	snprintf(pol, sizeof(pol), "%s/confset/policy-badtmpl", OD_TEST_DATA);
	write_config(dir, sizeof(dir), path, sizeof(path), pol,
	    "  sms: outbox\n  email: outbox\n  whatsapp: outbox\n");
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, 0, &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	snprintf(want, sizeof(want), "%s/p.yaml:6:5: step 'hello': no template 'no_such_template' "
	    "in any locale under ", pol);
	assert_memory_equal(errs.msgs[0], want, strlen(want));
	od_errors_clear(&errs);
	remove_dir(dir);
	od_tz_cache_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_set_loads),
		cmocka_unit_test(test_step_without_gateway),
		cmocka_unit_test(test_step_with_unknown_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
