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
#include <sys/wait.h>
#include <unistd.h>

#include "od_confset.h"
#include "od_testenv.h"
#include "od_tz.h"

/*
 * Writes a config into a fresh directory, with the repo's rules beside it,
 * and the placements the shipped policies name (placements: YAML, NULL
 * for those).
 */
static void
write_config_places(char *dir, size_t dlen, char *path, size_t plen, const char *policy_dir,
    const char *template_dir, const char *channels, const char *placements)
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
	fprintf(fp, "policy_dir: %s\ntemplate_dir: %s\nplugin_dir: %s/lib/outreachd/channels\n"
	    "gateways:\n  outbox:\n    plugin: outbox\n    dir: %s/outbox\nchannels:\n%s%s",
	    policy_dir, template_dir ? template_dir : OD_SOURCE_DIR "/templates", OD_BUILD_DIR, dir,
	    channels, placements ? placements : OD_TEST_PLACEMENTS_YAML);
	fclose(fp);
}

static void
write_config_tmpl(char *dir, size_t dlen, char *path, size_t plen, const char *policy_dir,
    const char *template_dir, const char *channels)
{
	write_config_places(dir, dlen, path, plen, policy_dir, template_dir, channels, NULL);
}

static void
write_config(char *dir, size_t dlen, char *path, size_t plen, const char *policy_dir,
    const char *channels)
{
	write_config_tmpl(dir, dlen, path, plen, policy_dir, NULL, channels);
}

static void
remove_dir(const char *dir)
{
	char	cmd[1024];

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
	/* Every locale's intents.yaml, read in the default locale when a debtor's has none. */
	{
		struct od_intent_match m;
		assert_int_equal(set.intents.n, 6);
		assert_string_equal(set.intents.default_locale, "es-PE");
		assert_int_equal(od_intent_match(&set.intents, "fr-FR", "pago el 15", "2026-12-02", &m),
		    OD_INTENT_PROMISE);
		assert_string_equal(m.date, "2026-12-15");
	}
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

static int
has_warning(const struct od_errors *e, const char *needle)
{
	size_t	i;

	for (i = 0; i < e->nwarns; i++)
		if (strstr(e->warns[i], needle) != NULL)
			return 1;
	return 0;
}

/*
 * ITEM 8: a template a jurisdiction's messages use must carry the preset's
 * disclosures (config/jurisdictions/<CC>.yaml, disclosures:): the set is
 * refused, at the text's position, naming what is missing.  ITEM 10: an
 * amount in a subject is a warning only.
 */
static void
test_missing_disclosures(void **state)
{
	struct od_confset	set;
	struct od_errors	errs;
	char			dir[300], path[600], pol[600], tdir[700], cmd[2400], want[1400];
	size_t			i;

	(void)state;
	snprintf(pol, sizeof(pol), "%s/policy", OD_SOURCE_DIR);
	assert_int_equal(od_test_tmpdir("disclose", tdir, sizeof(tdir)), 0);
	snprintf(cmd, sizeof(cmd), "cp -r '%s/templates/.' '%s/' && cd '%s' && "
	    "sed -i 's/ Responda BAJA para no recibir SMS\\.//' es-CO/reminder_due.yaml && "
	    "sed -i 's/To stop receiving emails from us/To unsubscribe/' en-US/reminder_upcoming.yaml && "
	    "sed -i 's/subject: .*/subject: \"Su deuda de {{ debt.outstanding | money }}\"/' "
	    "es-MX/final_notice.yaml", OD_SOURCE_DIR, tdir, tdir);
	assert_int_equal(system(cmd), 0);
	write_config_tmpl(dir, sizeof(dir), path, sizeof(path), pol, tdir,
	    "  sms: outbox\n  email: outbox\n  whatsapp: outbox\n");
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, 0, &set, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("  %s\n", errs.msgs[i]);
	for (i = 0; i < errs.nwarns; i++)
		printf("  warning: %s\n", errs.warns[i]);
	assert_int_equal(errs.count, 3);
	snprintf(want, sizeof(want), "%s/es-CO/reminder_due.yaml:21:7: es-CO/reminder_due: sms text "
	    "lacks the disclosure 'opt_out' that CO requires (its locale's country): it must say "
	    "\"Responda BAJA\" outside any {{#if}} (%s/jurisdictions/CO.yaml)", tdir, dir);
	assert_true(has_error(&errs, want));
	snprintf(want, sizeof(want), "%s/en-US/reminder_upcoming.yaml:", tdir);
	assert_true(has_error(&errs, want));
	assert_true(has_error(&errs, "en-US/reminder_upcoming: email text lacks the disclosure "
	    "'email_opt_out' that US requires"));
	assert_true(has_error(&errs, "en-US/reminder_upcoming: email html lacks the disclosure "
	    "'email_opt_out' that US requires"));
	assert_true(has_error(&errs, "it must say \"To stop receiving emails from us\""));
	/* the lock-screen check: a warning, at the amount */
	snprintf(want, sizeof(want), "%s/es-MX/final_notice.yaml:24:13: es-MX/final_notice: the "
	    "email subject says 'deuda' in the subject", tdir);
	assert_true(has_warning(&errs, want));
	od_errors_clear(&errs);
	remove_dir(dir);
	remove_dir(tdir);
	od_tz_cache_free();
}

/* An operator's edit that breaks an example of intents.yaml refuses the set, at the example. */
static void
test_broken_intents(void **state)
{
	struct od_confset	set;
	struct od_errors	errs;
	char			dir[300], path[600], pol[600], tdir[700], cmd[2400], want[900];

	(void)state;
	snprintf(pol, sizeof(pol), "%s/policy", OD_SOURCE_DIR);
	assert_int_equal(od_test_tmpdir("intents", tdir, sizeof(tdir)), 0);
	snprintf(cmd, sizeof(cmd), "cp -r '%s/templates/.' '%s/' && cd '%s' && "
	    "sed -i 's/words: \\[baja, stop,/words: [stop,/' es-PE/intents.yaml", OD_SOURCE_DIR,
	    tdir, tdir);
	assert_int_equal(system(cmd), 0);
	write_config_tmpl(dir, sizeof(dir), path, sizeof(path), pol, tdir,
	    "  sms: outbox\n  email: outbox\n  whatsapp: outbox\n");
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, 0, &set, &errs), -1);
	snprintf(want, sizeof(want), "%s/es-PE/intents.yaml:", tdir);
	assert_true(has_error(&errs, want));
	assert_true(has_error(&errs, "example \"BAJA\": expected opt_out, got none"));
	od_errors_clear(&errs);
	remove_dir(dir);
	remove_dir(tdir);
	od_tz_cache_free();
}

/* A policy without a jurisdiction is held to the presets of the countries it takes. */
static void
test_disclosures_by_segment(void **state)
{
	struct od_confset	set;
	struct od_errors	errs;
	char			dir[300], path[600], pol[600], tdir[600], want[1400];
	size_t			i;

	(void)state;
	snprintf(pol, sizeof(pol), "%s/confset/policy-us-segment", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/confset/templates-us-segment", OD_TEST_DATA);
	write_config_tmpl(dir, sizeof(dir), path, sizeof(path), pol, tdir,
	    "  sms: outbox\n  email: outbox\n  whatsapp: outbox\n");
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, 0, &set, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("  %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, 2);
	snprintf(want, sizeof(want), "%s/es/greet.yaml:2:7: es/greet: sms text lacks the disclosure "
	    "'opt_out' that US requires (a policy for that country uses it): it must say "
	    "\"Responda BAJA\" outside any {{#if}}", tdir);
	assert_true(has_error(&errs, want));
	/* Spanish for a US debtor: the preset's Spanish phrase */
	snprintf(want, sizeof(want), "%s/es/greet.yaml:5:10: es/greet: email text lacks the "
	    "disclosure 'email_opt_out' that US requires (a policy for that country uses it): it "
	    "must say \"Para dejar de recibir correos\"", tdir);
	assert_true(has_error(&errs, want));
	od_errors_clear(&errs);
	remove_dir(dir);
	od_tz_cache_free();
}

/*
 * The negotiation lifecycle's cross-checks: a handoff names a configured
 * placement (at its to:), and the steps of promises.steps, plan_steps and
 * a handoff's notice are held to the checks of every other step (gateway,
 * template, its texts); a handoff without a notice has no template to check.
 */
static void
test_lifecycle_cross_checks(void **state)
{
	struct od_confset	set;
	struct od_errors	errs;
	char			dir[300], path[600], pol[600], tdir[600], want[1400];
	size_t			i;

	(void)state;
	snprintf(pol, sizeof(pol), "%s/confset/policy-life", OD_TEST_DATA);
	snprintf(tdir, sizeof(tdir), "%s/confset/templates-life", OD_TEST_DATA);
	write_config_places(dir, sizeof(dir), path, sizeof(path), pol, tdir,
	    "  sms: outbox\n  email: outbox\n",
	    "placements:\n  agencia_lima: {kind: agency}\n  legal_pe: {kind: legal}\n");
	od_errors_init(&errs);
	assert_int_equal(od_confset_load(path, NULL, 0, &set, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("  %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, 6);
	snprintf(want, sizeof(want), "%s/p.yaml:12:9: step 'handoff': no placement 'agencia_lma' "
	    "in placements: of %s (agencia_lima, legal_pe)", pol, path);
	assert_string_equal(errs.msgs[0], want);
	snprintf(want, sizeof(want), "%s/p.yaml:9:5: step 'handoff': template 'handoff_notice' "
	    "has no sms text in es (%s/es/handoff_notice.yaml)", pol, tdir);
	assert_string_equal(errs.msgs[1], want);
	snprintf(want, sizeof(want), "%s/p.yaml:19:7: step 'promise_broken': no template "
	    "'promise_broken' in any locale under %s", pol, tdir);
	assert_string_equal(errs.msgs[2], want);
	snprintf(want, sizeof(want), "%s/p.yaml:21:5: step 'agreement_confirmation': no gateway "
	    "serves whatsapp (see 'channels:' in %s)", pol, path);
	assert_string_equal(errs.msgs[3], want);
	snprintf(want, sizeof(want), "%s/p.yaml:21:5: step 'agreement_confirmation': template "
	    "'promise_reminder' has no email text in es (%s/es/promise_reminder.yaml)", pol, tdir);
	assert_string_equal(errs.msgs[4], want);
	snprintf(want, sizeof(want), "%s/p.yaml:21:5: step 'agreement_confirmation': template "
	    "'promise_reminder' has no whatsapp text in es (%s/es/promise_reminder.yaml)", pol,
	    tdir);
	assert_string_equal(errs.msgs[5], want);
	od_errors_clear(&errs);
	remove_dir(dir);
	od_tz_cache_free();
}

/* Runs cmd, its stderr too, into out; the exit status. */
static int
run(const char *cmd, char *out, size_t len)
{
	FILE	*fp;
	size_t	 n;
	int	 st;

	assert_non_null(fp = popen(cmd, "r"));
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Through the operator's tools: `outreachctl validate` and `outreachd
 * --check` warn about a text that opens with the amount and still say OK;
 * a missing disclosure fails them, at its position.
 */
static void
test_validate_command(void **state)
{
	char			dir[300], path[600], pol[600], tdir[700], cmd[2400], want[1400];
	char			out[16384];

	(void)state;
	snprintf(pol, sizeof(pol), "%s/policy", OD_SOURCE_DIR);
	assert_int_equal(od_test_tmpdir("validate", tdir, sizeof(tdir)), 0);
	snprintf(cmd, sizeof(cmd), "cp -r '%s/templates/.' '%s/' && cd '%s' && "
	    "sed -i 's/^sms: \"{{ company.name }}: /sms: \"{{ company.name }}: "
	    "{{ debt.outstanding | money }} /' es-PE/final_notice.yaml", OD_SOURCE_DIR, tdir, tdir);
	assert_int_equal(system(cmd), 0);
	write_config_tmpl(dir, sizeof(dir), path, sizeof(path), pol, tdir,
	    "  sms: outbox\n  email: outbox\n  whatsapp: outbox\n");
	snprintf(want, sizeof(want), "warning: %s/es-PE/final_notice.yaml:21:27: es-PE/final_notice: "
	    "the sms text shows the amount ({{ debt.outstanding }}) in its first 40 characters", tdir);
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --config '%s' validate 2>&1", OD_BUILD_DIR,
	    path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	if (strstr(out, want) == NULL || strstr(out, "configuration OK\n") == NULL)
		fail_msg("want \"%s\" in:\n%s", want, out);
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachd --config '%s' --check 2>&1", OD_BUILD_DIR,
	    path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	if (strstr(out, want) == NULL || strstr(out, "configuration OK\n") == NULL)
		fail_msg("want \"%s\" in:\n%s", want, out);

	/* An SMS of es-CL without its opt-out: refused, at the text. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && sed -i 's/ Responda BAJA para no recibir SMS\\.//' "
	    "es-CL/notice_firm.yaml", tdir);
	assert_int_equal(system(cmd), 0);
	snprintf(want, sizeof(want), "%s/es-CL/notice_firm.yaml:20:7: es-CL/notice_firm: sms text "
	    "lacks the disclosure 'opt_out' that CL requires (its locale's country): it must say "
	    "\"Responda BAJA\" outside any {{#if}}", tdir);
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --config '%s' validate 2>&1", OD_BUILD_DIR,
	    path);
	assert_int_equal(run(cmd, out, sizeof(out)), 1);
	if (strstr(out, want) == NULL || strstr(out, "\n1 error(s)\n") == NULL)
		fail_msg("want \"%s\" in:\n%s", want, out);
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachd --config '%s' --check 2>&1", OD_BUILD_DIR,
	    path);
	assert_int_not_equal(run(cmd, out, sizeof(out)), 0);
	if (strstr(out, want) == NULL)
		fail_msg("want \"%s\" in:\n%s", want, out);
	remove_dir(dir);
	remove_dir(tdir);
}

/* A preset's disclosures: each name a kind lists needs a phrase; errors at their position. */
static void
test_bad_disclosures(void **state)
{
	static const char jur[] =
	    "jurisdiction: PE\nname: Peru\nlaw: x\nsources: [x]\n"
	    "windows: {mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []}\n"
	    "holidays: false\ntimezones: [America/Lima]\n"
	    "disclosures:\n"
	    "  sms: [opt_out, stop_word]\n"
	    "  phrases:\n"
	    "    opt_out: {es: \"Responda BAJA\", EN: \"Reply STOP\"}\n";
	struct od_rules		*r = NULL;
	struct od_errors	 errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_rules_load_string("/x", "PE", jur, strlen(jur), NULL, 0, &r, &errs), -1);
	for (size_t i = 0; i < errs.count; i++)
		printf("  %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, 2);
	assert_true(has_error(&errs, "/x/jurisdictions/PE.yaml:11:36: disclosures.phrases.opt_out: "
	    "'EN' is not a language code (es, en)"));
	assert_true(has_error(&errs, "/x/jurisdictions/PE.yaml:9:18: disclosures.sms: 'stop_word' "
	    "has no phrase under disclosures.phrases"));
	od_errors_clear(&errs);
	od_tz_cache_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_set_loads),
		cmocka_unit_test(test_step_without_gateway),
		cmocka_unit_test(test_step_with_unknown_template),
		cmocka_unit_test(test_missing_disclosures),
		cmocka_unit_test(test_bad_disclosures),
		cmocka_unit_test(test_validate_command),
		cmocka_unit_test(test_disclosures_by_segment),
		cmocka_unit_test(test_broken_intents),
		cmocka_unit_test(test_lifecycle_cross_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
