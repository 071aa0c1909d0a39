/*
 * od_intent (continued): the examples of an intents file's tests: section,
 * run when the file loads.  An example is {text, expect} with, as needed,
 * option, today, date and date_invalid; what it leaves out is checked too
 * (a promise's example without date: passes only when the reply names
 * none).  A failure is an error at the example naming what it got and the
 * rule that gave it, so an operator's edit that changes a reading is
 * refused by `outreachctl validate` and by a reload.
 */
#include "od_intent_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "od_time.h"
#include "od_yaml.h"

#define INTENT_NKINDS	(OD_INTENT_WRONG_NUMBER + 1)

struct intent_loader {
	const struct od_intent_locale	*l;
	struct od_errors		*errs;
	int				 nerr;
};

static void
intent_err(struct intent_loader *ld, const struct od_yaml *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
intent_err(struct intent_loader *ld, const struct od_yaml *n, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	od_yaml_error(ld->errs, n, "%s", msg);
	ld->nerr++;
}

/* What a match says, for an example's error: "promise 2026-12-04", "accept option 2". */
static void
intent_describe(char *buf, size_t len, int kind, int option, const char *date, int invalid)
{
	if (kind == OD_INTENT_PROMISE)
		snprintf(buf, len, "promise %s", invalid ? "with a date that cannot be" :
		    *date ? date : "without a date");
	else if (kind == OD_INTENT_ACCEPT && option > 0)
		snprintf(buf, len, "accept option %d", option);
	else
		snprintf(buf, len, "%s", od_intent_kind_name((enum od_intent_kind)kind));
}

/* Runs one example of tests:; a failure is an error at the example. */
static void
intent_example(struct intent_loader *ld, const struct od_yaml *ex, int *seen)
{
	static const char *const keys[] = { "text", "today", "expect", "date", "date_invalid",
	    "option", NULL };
	const struct od_yaml	*text, *v;
	struct od_intent_match	 m;
	const char		*today = NULL, *date = "";
	char			 want[96], got[96], why[160] = "";
	long long		 opt = 0;
	int			 kind, invalid = 0, y, mo, d;

	if (ex->type != OD_YAML_MAP) {
		intent_err(ld, ex, "an example is a mapping (text, today, expect, date, "
		    "date_invalid, option), not %s", od_yaml_type_name(ex->type));
		return;
	}
	if (od_yaml_check_keys(ex, keys, "an example", ld->errs) > 0) {
		ld->nerr++;
		return;
	}
	if ((text = od_yaml_get(ex, "text")) == NULL || text->type != OD_YAML_SCALAR ||
	    (v = od_yaml_get(ex, "expect")) == NULL || v->type != OD_YAML_SCALAR) {
		intent_err(ld, ex, "an example needs text: and expect:");
		return;
	}
	if ((kind = od_intent_kind_parse(v->str)) < 0 || strchr(v->str, ':') != NULL ||
	    strcasecmp(v->str, "plan") == 0) {
		intent_err(ld, v, "expect: '%s' is none of none, accept, promise, agent, "
		    "paid_claim, opt_out, wrong_number", v->str);
		return;
	}
	seen[kind] = 1;
	if ((v = od_yaml_get(ex, "today")) != NULL) {
		if (v->type != OD_YAML_SCALAR || od_date_parse(v->str, &y, &mo, &d) == -1) {
			intent_err(ld, v, "today: must be a date, YYYY-MM-DD");
			return;
		}
		today = v->str;
	} else if (kind == OD_INTENT_PROMISE) {
		intent_err(ld, ex, "a promise's example needs today: (YYYY-MM-DD), the date its "
		    "date is read from");
		return;
	}
	if ((v = od_yaml_get(ex, "date")) != NULL) {
		if (v->type != OD_YAML_SCALAR || od_date_parse(v->str, &y, &mo, &d) == -1) {
			intent_err(ld, v, "date: must be a date, YYYY-MM-DD");
			return;
		}
		date = v->str;
	}
	if ((v = od_yaml_get(ex, "date_invalid")) != NULL && od_yaml_bool(v, &invalid,
	    ld->errs) == -1) {
		ld->nerr++;
		return;
	}
	if ((v = od_yaml_get(ex, "option")) != NULL && od_yaml_int(v, 0, 99, &opt,
	    ld->errs) == -1) {
		ld->nerr++;
		return;
	}
	if ((*date != '\0' || invalid) && kind != OD_INTENT_PROMISE) {
		intent_err(ld, ex, "date: and date_invalid: are a promise's");
		return;
	}
	intent_match_locale(ld->l, text->str, today, &m);
	if ((int)m.kind == kind && (kind != OD_INTENT_PROMISE ||
	    (strcmp(m.date, date) == 0 && m.date_invalid == invalid)) &&
	    (kind != OD_INTENT_ACCEPT || m.option == (int)opt))
		return;
	intent_describe(want, sizeof(want), kind, (int)opt, date, invalid);
	intent_describe(got, sizeof(got), m.kind, m.option, m.date, m.date_invalid);
	if (strncmp(m.matched, "negated: ", 9) == 0)
		snprintf(why, sizeof(why), " (negated: '%s', line %d)", m.matched + 9, m.line);
	else if (m.matched[0] != '\0' && m.line > 0)
		snprintf(why, sizeof(why), " ('%s', line %d)", m.matched, m.line);
	else if (m.matched[0] != '\0')
		snprintf(why, sizeof(why), " (%s)", m.matched);
	intent_err(ld, ex, "example \"%s\"%s%s: expected %s, got %s%s", text->str,
	    today ? " on " : "", today ? today : "", want, got, why);
}

int
intent_tests_run(const struct od_intent_locale *l, const struct od_yaml *root,
    struct od_errors *errs)
{
	const struct od_yaml	*t = od_yaml_get(root, "tests");
	struct intent_loader	 lds = { l, errs, 0 }, *ld = &lds;
	int			 seen[INTENT_NKINDS] = { 0 }, has[INTENT_NKINDS] = { 0 };
	size_t			 i;

	if (t == NULL || t->type != OD_YAML_SEQ || t->nitems == 0) {
		intent_err(ld, t ? t : root, "tests: must list examples ({text, expect} and, for a "
		    "promise, today and date): every intents file is checked by its own");
		return ld->nerr;
	}
	for (i = 0; i < t->nitems; i++)
		intent_example(ld, t->items[i], seen);
	for (i = 0; i < ld->l->nrules; i++)
		has[ld->l->rules[i].kind] = 1;
	for (i = 1; i < INTENT_NKINDS; i++)
		if (has[i] && !seen[i])
			od_yaml_warn(ld->errs, t, "intent %s has no example in tests:",
			    od_intent_kind_name((enum od_intent_kind)i));
	return ld->nerr;
}
