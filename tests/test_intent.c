/*
 * test_intent: what a debtor's reply means.  Every shipped
 * templates/<locale>/intents.yaml loads with its examples passing; then
 * normalisation, typos, negation, precedence, dates at month and year ends
 * and on leap days, the locale fallback, and a broken file's errors at
 * file:line:col (an example that fails included).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "od_intent.h"

#define SHIPPED_DIR	OD_SOURCE_DIR "/templates"

/*
 * A small file for the unit cases: the Spanish menu and dates, and tests:
 * of its own (a file without examples is refused).
 */
static const char unit_es[] =
	"date_order: dmy\n"
	"negations: [no, nunca]\n"
	"menu: [opcion]\n"
	"dates:\n"
	"  fillers: [el, de, del]\n"
	"  today: [hoy]\n"
	"  tomorrow: [mañana]\n"
	"  day_after_tomorrow: [pasado mañana]\n"
	"  month_end: [fin de mes]\n"
	"  weekdays: [lunes, martes, miércoles, jueves, viernes, sábado, domingo]\n"
	"  months: [enero, febrero, marzo, abril, mayo, junio, julio, agosto,\n"
	"    [setiembre, septiembre], octubre, noviembre, diciembre]\n"
	"intents:\n"
	"  - intent: accept\n"
	"    numbers: [1]\n"
	"    words: [acepto, plan, de acuerdo]\n"
	"    exact: [sí]\n"
	"    patterns: [\"plan {n}\"]\n"
	"  - intent: accept\n"
	"    option: 2\n"
	"    words: [pronto pago]\n"
	"  - intent: promise\n"
	"    numbers: [2]\n"
	"    words: [pagaré]\n"
	"    patterns: [\"pago {date}\", \"pagaré {date}\"]\n"
	"    exact: [\"{date}\"]\n"
	"  - intent: agent\n"
	"    numbers: [3]\n"
	"    words: [asesor, llámenme, desconocimiento]\n"
	"  - intent: paid_claim\n"
	"    words: [ya pagué, pagué]\n"
	"  - intent: opt_out\n"
	"    words: [baja, no me escriban]\n"
	"  - intent: wrong_number\n"
	"    words: [no es mi número, equivocado]\n"
	"tests:\n"
	"  - {text: \"1\", expect: accept}\n";

static void
load_unit(struct od_intent_set *set, const char *locale, const char *yaml)
{
	struct od_errors	errs;

	od_errors_init(&errs);
	if (od_intent_load_string(set, locale, "t.yaml", yaml, strlen(yaml), &errs) == -1)
		fail_msg("%s: %s", locale, errs.count ? errs.msgs[0] : "refused without an error");
	od_errors_clear(&errs);
}

static struct od_intent_set unit_set;

static int
setup_unit(void **state)
{
	(void)state;
	memset(&unit_set, 0, sizeof(unit_set));
	snprintf(unit_set.default_locale, sizeof(unit_set.default_locale), "es-PE");
	load_unit(&unit_set, "es-PE", unit_es);
	return 0;
}

static int
teardown_unit(void **state)
{
	(void)state;
	od_intent_free(&unit_set);
	return 0;
}

/* text on today must read kind (and date: "" none, "!" cannot be; option). */
static void
expect_match(const char *text, const char *today, enum od_intent_kind kind, const char *date,
    int option)
{
	struct od_intent_match	m;

	if (od_intent_match(&unit_set, "es-PE", text, today, &m) != kind || m.kind != kind)
		fail_msg("\"%s\": %s (%s), want %s", text, od_intent_kind_name(m.kind), m.matched,
		    od_intent_kind_name(kind));
	if (date != NULL && strcmp(date, "!") == 0) {
		if (!m.date_invalid || m.date[0] != '\0')
			fail_msg("\"%s\" on %s: date '%s', want one that cannot be", text,
			    today ? today : "(none)", m.date);
	} else if (date != NULL) {
		if (m.date_invalid || strcmp(m.date, date) != 0)
			fail_msg("\"%s\" on %s: date '%s'%s, want '%s'", text,
			    today ? today : "(none)", m.date, m.date_invalid ? " (invalid)" : "",
			    date);
	}
	assert_int_equal(m.option, option);
}

/* Shipped files. */

static void
test_shipped_files(void **state)
{
	struct od_intent_set	 set;
	struct od_errors	 errs;
	struct dirent		*de;
	struct stat		 st;
	DIR			*d;
	char			 path[1024];
	size_t			 nfiles = 0, i;

	(void)state;
	assert_non_null(d = opendir(SHIPPED_DIR));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", SHIPPED_DIR, de->d_name);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		/* Every locale we ship has its intents, whose examples all pass. */
		snprintf(path, sizeof(path), "%s/%s/intents.yaml", SHIPPED_DIR, de->d_name);
		memset(&set, 0, sizeof(set));
		od_errors_init(&errs);
		if (od_intent_load_file(&set, de->d_name, path, &errs) == -1) {
			for (i = 0; i < errs.count; i++)
				print_error("%s\n", errs.msgs[i]);
			fail_msg("%s refused (%zu errors)", path, errs.count);
		}
		/* ... and an example of every intent (a warning says which has none). */
		for (i = 0; i < errs.nwarns; i++)
			print_error("%s\n", errs.warns[i]);
		assert_int_equal(errs.nwarns, 0);
		assert_int_equal(set.n, 1);
		od_errors_clear(&errs);
		od_intent_free(&set);
		nfiles++;
	}
	closedir(d);
	assert_int_equal(nfiles, 6);

	od_errors_init(&errs);
	assert_int_equal(od_intent_load(&set, SHIPPED_DIR, "es-PE", &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(set.n, 6);
	assert_string_equal(set.default_locale, "es-PE");
	od_errors_clear(&errs);
	od_intent_free(&set);
	od_intent_free(&set);	/* twice is harmless */
	od_intent_free(NULL);
}

/* The issue's own replies, through the shipped set with each locale's file. */
static void
test_shipped_replies(void **state)
{
	static const struct { const char *locale, *text, *today; enum od_intent_kind kind;
	    const char *date; } cases[] = {
		{ "es-PE", "1", NULL, OD_INTENT_ACCEPT, "" },
		{ "es-PE", "PLAN", NULL, OD_INTENT_ACCEPT, "" },
		{ "es-MX", "ACEPTO", NULL, OD_INTENT_ACCEPT, "" },
		{ "es-CO", "2", "2026-12-02", OD_INTENT_PROMISE, "" },
		{ "es-CL", "PAGO EL 15", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15" },
		{ "es-PE", "PAGARÉ EL VIERNES", "2026-12-02", OD_INTENT_PROMISE, "2026-12-04" },
		{ "es-MX", "3", NULL, OD_INTENT_AGENT, "" },
		{ "es-CO", "ASESOR", NULL, OD_INTENT_AGENT, "" },
		{ "es-CL", "LLAMENME", NULL, OD_INTENT_AGENT, "" },
		{ "es-PE", "YA PAGUÉ", NULL, OD_INTENT_PAID_CLAIM, "" },
		{ "es-MX", "BAJA", NULL, OD_INTENT_OPT_OUT, "" },
		{ "en-US", "STOP", NULL, OD_INTENT_OPT_OUT, "" },
		{ "es-CO", "NO ES MI NÚMERO", NULL, OD_INTENT_WRONG_NUMBER, "" },
		{ "es-CL", "EQUIVOCADO", NULL, OD_INTENT_WRONG_NUMBER, "" },
		{ "en-US", "pay on 12/15", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15" },
		{ "en", "pay on 15/12", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15" },
		{ "en-GB", "wrong number", NULL, OD_INTENT_WRONG_NUMBER, "" },	/* en's */
		{ "es-AR", "ya pagué", NULL, OD_INTENT_PAID_CLAIM, "" },	/* an es-* */
		{ "fr-FR", "baja", NULL, OD_INTENT_OPT_OUT, "" },		/* the default's */
	};
	struct od_intent_set	set;
	struct od_intent_match	m;
	struct od_errors	errs;
	size_t			i;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_intent_load(&set, SHIPPED_DIR, "es-PE", &errs), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		od_intent_match(&set, cases[i].locale, cases[i].text, cases[i].today, &m);
		if (m.kind != cases[i].kind || strcmp(m.date, cases[i].date) != 0)
			fail_msg("%s \"%s\": %s %s (%s)", cases[i].locale, cases[i].text,
			    od_intent_kind_name(m.kind), m.date, m.matched);
		if (m.kind != OD_INTENT_NONE && (m.matched[0] == '\0' || m.line <= 0 || m.col <= 0))
			fail_msg("%s \"%s\": no rule recorded", cases[i].locale, cases[i].text);
	}
	od_intent_free(&set);
	od_errors_clear(&errs);
}

/* Kind names. */

static void
test_kind_names(void **state)
{
	int	k;

	(void)state;
	for (k = OD_INTENT_NONE; k <= OD_INTENT_WRONG_NUMBER; k++)
		assert_int_equal(od_intent_kind_parse(od_intent_kind_name((enum od_intent_kind)k)), k);
	assert_string_equal(od_intent_kind_name(OD_INTENT_PAID_CLAIM), "paid_claim");
	assert_string_equal(od_intent_kind_name(OD_INTENT_WRONG_NUMBER), "wrong_number");
	assert_string_equal(od_intent_kind_name((enum od_intent_kind)99), "none");
	assert_int_equal(od_intent_kind_parse("intent:plan"), OD_INTENT_ACCEPT);
	assert_int_equal(od_intent_kind_parse("intent:promise"), OD_INTENT_PROMISE);
	assert_int_equal(od_intent_kind_parse("OPT_OUT"), OD_INTENT_OPT_OUT);
	assert_int_equal(od_intent_kind_parse("optout"), -1);
	assert_int_equal(od_intent_kind_parse(""), -1);
	assert_int_equal(od_intent_kind_parse(NULL), -1);
}

/* Normalisation: case, accents, punctuation, apostrophes. */

static void
test_normalise(void **state)
{
	(void)state;
	expect_match("ACEPTO", NULL, OD_INTENT_ACCEPT, "", 0);
	expect_match("¡¡Aceptó!!", NULL, OD_INTENT_ACCEPT, "", 0);
	expect_match("  sí. ", NULL, OD_INTENT_ACCEPT, "", 0);
	expect_match("SI", NULL, OD_INTENT_ACCEPT, "", 0);
	expect_match("No es mi NÚMERO", NULL, OD_INTENT_WRONG_NUMBER, "", 0);
	expect_match("no es mi numero", NULL, OD_INTENT_WRONG_NUMBER, "", 0);
	expect_match("Opción 1", NULL, OD_INTENT_ACCEPT, "", 0);
	expect_match("opcion   1.", NULL, OD_INTENT_ACCEPT, "", 0);
	expect_match("1️⃣", NULL, OD_INTENT_ACCEPT, "", 0);	/* a keycap emoji */
	expect_match("01", NULL, OD_INTENT_ACCEPT, "", 0);
	/* The menu's numbers are the whole reply. */
	expect_match("1 2", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("tengo 1 hijo", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("... !!", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("\xff\xfe acepto \xc3", NULL, OD_INTENT_ACCEPT, "", 0);	/* bad UTF-8 */
}

/* One typo for a word of 5 to 8 letters, two from 9; none for shorter words or numbers. */
static void
test_typos(void **state)
{
	(void)state;
	expect_match("aceptp", NULL, OD_INTENT_ACCEPT, "", 0);		/* a substitution */
	expect_match("acetpo", NULL, OD_INTENT_ACCEPT, "", 0);		/* a swap */
	expect_match("acepo", NULL, OD_INTENT_ACCEPT, "", 0);		/* a deletion */
	expect_match("aceptto", NULL, OD_INTENT_ACCEPT, "", 0);		/* an insertion */
	expect_match("acpeot", NULL, OD_INTENT_NONE, NULL, 0);		/* two: too many */
	expect_match("equibocadp", NULL, OD_INTENT_WRONG_NUMBER, "", 0);	/* two in ten letters */
	expect_match("equibcadp", NULL, OD_INTENT_NONE, NULL, 0);	/* three */
	expect_match("bajq", NULL, OD_INTENT_NONE, NULL, 0);		/* four letters: exact */
	expect_match("plam", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("4", NULL, OD_INTENT_NONE, NULL, 0);		/* numbers: never */
	expect_match("opcion 11", NULL, OD_INTENT_NONE, NULL, 0);
	/* Date words too, unless the typo could be two of them. */
	expect_match("pago el vienres", "2026-12-02", OD_INTENT_PROMISE, "2026-12-04", 0);
	expect_match("pago el 3 de dicembre", "2026-12-02", OD_INTENT_PROMISE, "2026-12-03", 0);
	expect_match("pago el 3 de julio", "2026-06-02", OD_INTENT_PROMISE, "2026-07-03", 0);
	expect_match("pago el 3 de junio", "2026-06-02", OD_INTENT_PROMISE, "2026-06-03", 0);
	expect_match("pago el 3 de juhio", "2026-06-02", OD_INTENT_PROMISE, "!", 0);	/* junio? julio? */
	/* Accents are no typo: "pagaré" and "pagare" are one word. */
	expect_match("pagare", "2026-12-02", OD_INTENT_PROMISE, "", 0);
}

/* A word the file writes is never read as a typo of another (desconocimiento, ...). */
static void
test_typo_known_word(void **state)
{
	struct od_intent_match	m;

	(void)state;
	/* "plan" (4 letters) is exact; "pronto pago" gives option 2, "plan 3" option 3. */
	expect_match("pronto pago", NULL, OD_INTENT_ACCEPT, "", 2);
	expect_match("plan 3", NULL, OD_INTENT_ACCEPT, "", 3);
	expect_match("plan b", NULL, OD_INTENT_ACCEPT, "", 2);
	expect_match("plan a 6 meses", NULL, OD_INTENT_ACCEPT, "", 0);
	/* Two options: for people. */
	od_intent_match(&unit_set, "es-PE", "plan 1 o plan 2", NULL, &m);
	assert_int_equal(m.kind, OD_INTENT_NONE);
	assert_string_equal(m.matched, "ambiguous: accept");
}

/* Negation: before accept, promise, agent and paid_claim, in the same clause, within three words. */
static void
test_negation(void **state)
{
	struct od_intent_match	m;

	(void)state;
	od_intent_match(&unit_set, "es-PE", "no acepto", NULL, &m);
	assert_int_equal(m.kind, OD_INTENT_NONE);
	assert_string_equal(m.matched, "negated: acepto");
	assert_true(m.line > 0);
	expect_match("No, acepto", NULL, OD_INTENT_ACCEPT, "", 0);	/* another clause */
	expect_match("no estoy de acuerdo", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("nunca pagaré el lunes", "2026-12-02", OD_INTENT_NONE, NULL, 0);
	expect_match("no lo acepto", NULL, OD_INTENT_NONE, NULL, 0);
	expect_match("todavía no pagué", NULL, OD_INTENT_NONE, NULL, 0);
	/* Four words away is too far: "no" there speaks of something else. */
	expect_match("no tengo tiempo hoy, llámenme", NULL, OD_INTENT_AGENT, "", 0);
	expect_match("no tengo tiempo hoy llámenme", NULL, OD_INTENT_AGENT, "", 0);
	/* A kind negated once is negated whole. */
	expect_match("acepto, bueno no, no acepto", NULL, OD_INTENT_NONE, NULL, 0);
	/* Another kind that is not negated stands. */
	expect_match("no acepto, llámenme", NULL, OD_INTENT_AGENT, "", 0);
	/* opt_out and wrong_number are never negated. */
	expect_match("no me escriban", NULL, OD_INTENT_OPT_OUT, "", 0);
	expect_match("no es mi número", NULL, OD_INTENT_WRONG_NUMBER, "", 0);
	expect_match("no baja", NULL, OD_INTENT_OPT_OUT, "", 0);
}

static void
test_precedence(void **state)
{
	struct od_intent_match	m;

	(void)state;
	expect_match("equivocado, baja", NULL, OD_INTENT_WRONG_NUMBER, "", 0);
	expect_match("baja, no es mi número", NULL, OD_INTENT_WRONG_NUMBER, "", 0);
	expect_match("ya pagué, baja", NULL, OD_INTENT_OPT_OUT, "", 0);
	expect_match("pagaré el lunes, baja", "2026-12-02", OD_INTENT_OPT_OUT, "", 0);
	/* A promise with a date wins over a bare accept; without one, it is two intents. */
	expect_match("acepto, pagaré el lunes", "2026-12-02", OD_INTENT_PROMISE, "2026-12-07", 0);
	expect_match("acepto, pago el 31", "2026-11-02", OD_INTENT_PROMISE, "!", 0);
	expect_match("acepto, pagaré", "2026-12-02", OD_INTENT_NONE, NULL, 0);
	od_intent_match(&unit_set, "es-PE", "acepto, llámenme", NULL, &m);
	assert_int_equal(m.kind, OD_INTENT_NONE);
	assert_string_equal(m.matched, "ambiguous: accept agent");
	assert_int_equal(m.line, 0);
	expect_match("ya pagué, pagaré el lunes", "2026-12-02", OD_INTENT_NONE, NULL, 0);
	/* Two dates: for people. */
	expect_match("pago el lunes o pagaré el martes", "2026-12-02", OD_INTENT_NONE, NULL, 0);
	expect_match("pago el lunes, pagaré el lunes", "2026-12-02", OD_INTENT_PROMISE,
	    "2026-12-07", 0);
	/* The rule recorded is the telling one. */
	od_intent_match(&unit_set, "es-PE", "pagaré el lunes", "2026-12-02", &m);
	assert_string_equal(m.matched, "pagaré {date}");
	assert_int_equal(m.line, 25);
	assert_int_equal(m.col, 31);
}

/* Dates: the next such day on or after today, in the file's order, and those that cannot be. */
static void
test_dates(void **state)
{
	(void)state;
	/* The next 15th: this month, else the next; year end. */
	expect_match("pago el 15", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago el 15", "2026-12-15", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago el 15", "2026-12-16", OD_INTENT_PROMISE, "2027-01-15", 0);
	expect_match("el 2", "2026-12-31", OD_INTENT_PROMISE, "2027-01-02", 0);
	/* Month ends: a day the month does not have cannot be. */
	expect_match("el 31", "2026-01-31", OD_INTENT_PROMISE, "2026-01-31", 0);
	expect_match("el 30", "2026-01-31", OD_INTENT_PROMISE, "!", 0);		/* 30 February */
	expect_match("el 31", "2026-11-10", OD_INTENT_PROMISE, "!", 0);
	expect_match("el 0", "2026-11-10", OD_INTENT_PROMISE, "!", 0);
	expect_match("el 45", "2026-11-10", OD_INTENT_PROMISE, "!", 0);
	expect_match("fin de mes", "2028-02-10", OD_INTENT_PROMISE, "2028-02-29", 0);
	expect_match("fin de mes", "2026-12-31", OD_INTENT_PROMISE, "2026-12-31", 0);
	/* Relative words. */
	expect_match("hoy", "2026-12-31", OD_INTENT_PROMISE, "2026-12-31", 0);
	expect_match("mañana", "2026-12-31", OD_INTENT_PROMISE, "2027-01-01", 0);
	expect_match("pasado mañana", "2028-02-28", OD_INTENT_PROMISE, "2028-03-01", 0);
	/* A weekday is the next one after today: said on a Friday, the Friday after. */
	expect_match("el viernes", "2026-12-02", OD_INTENT_PROMISE, "2026-12-04", 0);
	expect_match("el viernes", "2026-12-04", OD_INTENT_PROMISE, "2026-12-11", 0);
	expect_match("el lunes", "2026-12-31", OD_INTENT_PROMISE, "2027-01-04", 0);
	/* Day and month, numeric (dmy) or with the month's name; no year: the next. */
	expect_match("pago 15/12", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago 5/1", "2026-12-28", OD_INTENT_PROMISE, "2027-01-05", 0);
	expect_match("pago 15-12", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago el 15 de diciembre", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago el 15 de diciembre del 2027", "2026-12-02", OD_INTENT_PROMISE,
	    "2027-12-15", 0);
	expect_match("pago 3 setiembre", "2026-08-02", OD_INTENT_PROMISE, "2026-09-03", 0);
	expect_match("pago 3 septiembre", "2026-08-02", OD_INTENT_PROMISE, "2026-09-03", 0);
	expect_match("pago 15/13", "2026-12-02", OD_INTENT_PROMISE, "!", 0);
	expect_match("pago 31/04", "2026-03-02", OD_INTENT_PROMISE, "!", 0);
	/* With the year; two digits are this century; year first is ISO. */
	expect_match("pago 15/12/2026", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago 15/12/26", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago 2026-12-15", "2026-12-02", OD_INTENT_PROMISE, "2026-12-15", 0);
	expect_match("pago 1/12/2026", "2026-12-02", OD_INTENT_PROMISE, "!", 0);	/* past */
	expect_match("pago 31/12/2026", "2026-12-31", OD_INTENT_PROMISE, "2026-12-31", 0);
	expect_match("pago 31/12/2026", "2027-01-01", OD_INTENT_PROMISE, "!", 0);
	expect_match("pago 15/12/202", "2026-12-02", OD_INTENT_PROMISE, "!", 0);
	/* Leap days. */
	expect_match("pago el 29/02", "2028-02-10", OD_INTENT_PROMISE, "2028-02-29", 0);
	expect_match("pago el 29/02", "2027-03-01", OD_INTENT_PROMISE, "2028-02-29", 0);
	expect_match("pago el 29/02", "2027-01-10", OD_INTENT_PROMISE, "!", 0);	/* 2027 has none */
	expect_match("pago el 29 de febrero de 2027", "2027-01-10", OD_INTENT_PROMISE, "!", 0);
	expect_match("el 29", "2027-02-10", OD_INTENT_PROMISE, "!", 0);
	expect_match("el 29", "2028-02-10", OD_INTENT_PROMISE, "2028-02-29", 0);
	/* A bare number is no date: an amount, or the menu's. */
	expect_match("pago 500", "2026-12-02", OD_INTENT_NONE, NULL, 0);
	expect_match("2", "2026-12-02", OD_INTENT_PROMISE, "", 0);
	expect_match("15", "2026-12-02", OD_INTENT_NONE, NULL, 0);
	expect_match("pagaré la próxima semana", "2026-12-02", OD_INTENT_PROMISE, "", 0);
	/* No today (or a bad one): the date named cannot be read. */
	expect_match("pago mañana", NULL, OD_INTENT_PROMISE, "!", 0);
	expect_match("pago el 15", "2026-13-01", OD_INTENT_PROMISE, "!", 0);
	expect_match("pago 15/12", "", OD_INTENT_PROMISE, "!", 0);
}

static const char unit_en_us[] =
	"date_order: mdy\n"
	"negations: [not, dont, cant]\n"
	"dates:\n"
	"  fillers: [on, the, by, of]\n"
	"  tomorrow: [tomorrow]\n"
	"  weekdays: [[monday, mon], tuesday, wednesday, thursday, [friday, fri], saturday, sunday]\n"
	"  months: [[january, jan], february, march, april, may, june, july, august,\n"
	"    september, october, november, [december, dec]]\n"
	"intents:\n"
	"  - intent: promise\n"
	"    patterns: [\"pay {date}\"]\n"
	"  - intent: opt_out\n"
	"    words: [stop]\n"
	"tests:\n"
	"  - {text: \"pay on 12/15\", today: 2026-12-02, expect: promise, date: 2026-12-15}\n"
	"  - {text: stop, expect: opt_out}\n";

static void
test_dates_mdy(void **state)
{
	struct od_intent_set	set;
	struct od_intent_match	m;
	static const struct { const char *text, *today, *date; } cases[] = {
		{ "pay 12/15", "2026-12-02", "2026-12-15" },
		{ "pay 1/5/2027", "2026-12-02", "2027-01-05" },
		{ "pay on the 15th", "2026-12-02", "2026-12-15" },
		{ "pay 1st", "2026-12-31", "2027-01-01" },
		{ "pay on december 15th", "2026-12-02", "2026-12-15" },
		{ "pay dec 15, 2027", "2026-12-02", "2027-12-15" },
		{ "pay on the 15th of dec", "2026-12-02", "2026-12-15" },
		{ "I'll pay fri", "2026-12-02", "2026-12-04" },
		{ "pay tomorow", "2026-12-31", "2027-01-01" },
	};
	size_t			i;

	(void)state;
	memset(&set, 0, sizeof(set));
	load_unit(&set, "en-US", unit_en_us);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		od_intent_match(&set, "en-US", cases[i].text, cases[i].today, &m);
		if (m.kind != OD_INTENT_PROMISE || strcmp(m.date, cases[i].date) != 0)
			fail_msg("\"%s\": %s '%s', want %s", cases[i].text,
			    od_intent_kind_name(m.kind), m.date, cases[i].date);
	}
	/* "I can't pay on friday": negated. */
	assert_int_equal(od_intent_match(&set, "en-US", "I can't pay on friday", "2026-12-02", &m),
	    OD_INTENT_NONE);
	assert_string_equal(m.matched, "negated: pay {date}");
	assert_int_equal(od_intent_match(&set, "en-US", "I dont pay on friday, stop", "2026-12-02",
	    &m), OD_INTENT_OPT_OUT);
	od_intent_free(&set);
}

/* Exact locale, the language's own, any of the language, the default; else NONE. */
static void
test_fallback(void **state)
{
	static const char base[] =
		"intents:\n  - intent: %s\n    words: [hola]\n"
		"tests:\n  - {text: hola, expect: %s}\n";
	struct od_intent_set	set;
	struct od_intent_match	m;
	char			y[256];

	(void)state;
	memset(&set, 0, sizeof(set));
	snprintf(y, sizeof(y), base, "accept", "accept");
	load_unit(&set, "es-CL", y);
	snprintf(y, sizeof(y), base, "agent", "agent");
	load_unit(&set, "es-PE", y);
	snprintf(y, sizeof(y), base, "paid_claim", "paid_claim");
	load_unit(&set, "en", y);
	assert_int_equal(od_intent_match(&set, "es-PE", "hola", NULL, &m), OD_INTENT_AGENT);
	assert_int_equal(od_intent_match(&set, "ES-pe", "hola", NULL, &m), OD_INTENT_AGENT);
	assert_int_equal(od_intent_match(&set, "es_PE", "hola", NULL, &m), OD_INTENT_AGENT);
	/* es-AR: no "es" file, so the first es-* loaded. */
	assert_int_equal(od_intent_match(&set, "es-AR", "hola", NULL, &m), OD_INTENT_ACCEPT);
	assert_int_equal(od_intent_match(&set, "en-US", "hola", NULL, &m), OD_INTENT_PAID_CLAIM);
	/* No default: an unknown locale reads nothing. */
	assert_int_equal(od_intent_match(&set, "fr-FR", "hola", NULL, &m), OD_INTENT_NONE);
	assert_int_equal(od_intent_match(&set, NULL, "hola", NULL, &m), OD_INTENT_NONE);
	snprintf(set.default_locale, sizeof(set.default_locale), "es-PE");
	assert_int_equal(od_intent_match(&set, "fr-FR", "hola", NULL, &m), OD_INTENT_AGENT);
	assert_int_equal(od_intent_match(&set, "", "hola", NULL, &m), OD_INTENT_AGENT);
	/* A directory named for the language wins over its regions. */
	snprintf(y, sizeof(y), base, "opt_out", "opt_out");
	load_unit(&set, "es", y);
	assert_int_equal(od_intent_match(&set, "es-AR", "hola", NULL, &m), OD_INTENT_OPT_OUT);
	/* Loading a locale twice is refused. */
	{
		struct od_errors errs;
		od_errors_init(&errs);
		assert_int_equal(od_intent_load_string(&set, "es", "again.yaml", y, strlen(y), &errs),
		    -1);
		assert_string_equal(errs.msgs[0], "again.yaml:1:1: the intents of es are already "
		    "loaded (t.yaml)");
		od_errors_clear(&errs);
	}
	assert_int_equal(set.n, 4);
	assert_int_equal(od_intent_match(NULL, "es", "hola", NULL, &m), OD_INTENT_NONE);
	assert_int_equal(od_intent_match(&set, "es", NULL, NULL, &m), OD_INTENT_NONE);
	od_intent_free(&set);
}

/* A broken file: each error at its file:line:col. */
static void
expect_load_errors(const char *yaml, const char *const *want)
{
	struct od_intent_set	set;
	struct od_errors	errs;
	size_t			i, n;

	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	for (n = 0; want[n] != NULL; n++)
		;
	if (od_intent_load_string(&set, "es-PE", "t.yaml", yaml, strlen(yaml), &errs) != -1)
		fail_msg("loaded:\n%s", yaml);
	for (i = 0; i < errs.count; i++)
		if (i >= n || strcmp(errs.msgs[i], want[i]) != 0)
			break;
	if (i < errs.count || errs.count != n) {
		for (i = 0; i < errs.count; i++)
			print_error("got  %s\n", errs.msgs[i]);
		for (i = 0; i < n; i++)
			print_error("want %s\n", want[i]);
	}
	if (errs.count != n)
		fail_msg("%zu errors, want %zu (first: %s)", errs.count, n,
		    errs.count ? errs.msgs[0] : "none");
	assert_int_equal(set.n, 0);
	od_errors_clear(&errs);
}

static void
test_errors(void **state)
{
	(void)state;
	{
		const char *const w[] = { "t.yaml:4:1: YAML syntax error: did not find expected ',' "
		    "or ']' while parsing a flow sequence", NULL };
		expect_load_errors("intents:\n  - intent: accept\n    words: [a, b\n", w);
	}
	{
		const char *const w[] = { "t.yaml:1:1: empty intents file", NULL };
		expect_load_errors("", w);
	}
	{
		const char *const w[] = {
			"t.yaml:1:1: unknown key 'intent' in an intents file",
			"t.yaml:3:13: intent 'acept' is none of accept, promise, agent, paid_claim, "
			    "opt_out, wrong_number",
			"t.yaml:6:15: numbers: 'uno' is not a menu number (0 to 999)",
			"t.yaml:7:16: patterns 'pago el {fecha}': unknown placeholder {fecha}: write "
			    "{date} or {n}",
			"t.yaml:7:35: patterns 'plan {n}': {n} is an accept's option",
			"t.yaml:7:47: patterns 'pagaré': a pattern has {date} or {n}; a plain phrase "
			    "goes in words:",
			"t.yaml:8:13: words 'pago {date}': a placeholder belongs in patterns: or exact:",
			"t.yaml:10:5: unknown key 'word' in an intent",
			"t.yaml:9:5: intent opt_out: write its numbers:, words:, exact: or patterns:",
			NULL };
		expect_load_errors(
		    "intent: x\n"
		    "intents:\n  - intent: acept\n    words: [x]\n"
		    "  - intent: promise\n    numbers: [uno]\n"
		    "    patterns: [\"pago el {fecha}\", \"plan {n}\", pagaré]\n"
		    "    words: [\"pago {date}\"]\n"
		    "  - intent: opt_out\n    word: [baja]\n", w);
	}
}

static void
test_errors_more(void **state)
{
	(void)state;
	{
		/* The same phrase for two intents, a number twice, a clash of date words. */
		const char *const w[] = {
			"t.yaml:2:11: months must be a list of 12 names (January first), each a word "
			    "or a list of words",
			"t.yaml:4:13: fillers 'hoy' is already today (line 3)",
			"t.yaml:8:13: 'Baja' is already accept's (line 6)",
			"t.yaml:9:31: '1' is already accept's (line 6)",
			"t.yaml:10:29: option: is an accept's (the offer's option it chooses)",
			NULL };
		expect_load_errors(
		    "dates:\n"
		    "  months: [enero]\n"
		    "  today: [hoy]\n  fillers: [hoy]\n"
		    "intents:\n  - {intent: accept, numbers: [1], words: [baja]}\n"
		    "  - intent: opt_out\n    words: [Baja]\n"
		    "  - {intent: agent, numbers: [\"1\"]}\n"
		    "  - {intent: agent, option: 2, words: [asesor]}\n", w);
	}
	{
		const char *const w[] = {
			"t.yaml:1:1: tests: must list examples ({text, expect} and, for a promise, "
			    "today and date): every intents file is checked by its own", NULL };
		expect_load_errors("intents:\n  - {intent: accept, words: [acepto]}\n", w);
	}
	{
		const char *const w[] = {
			"t.yaml:4:5: a promise's example needs today: (YYYY-MM-DD), the date its date is "
			    "read from",
			"t.yaml:5:29: unknown key 'dat' in an example",
			"t.yaml:6:32: today: must be a date, YYYY-MM-DD",
			"t.yaml:7:33: expect: 'promesa' is none of none, accept, promise, agent, "
			    "paid_claim, opt_out, wrong_number",
			NULL };
		expect_load_errors(
		    "intents:\n  - {intent: promise, patterns: [\"pago {date}\"]}\n"
		    "tests:\n"
		    "  - {text: pago mañana, expect: promise}\n"
		    "  - {text: x, expect: none, dat: 2026-01-01}\n"
		    "  - {text: pago mañana, today: 2026-02-30, expect: promise}\n"
		    "  - {text: pago mañana, expect: promesa}\n", w);
	}
}

/* An operator's edit that breaks an example: the file is refused, naming the example. */
static void
test_example_fails(void **state)
{
	static const char yaml[] =
		"negations: [no]\n"
		"dates:\n"
		"  fillers: [el]\n"
		"  weekdays: [lunes, martes, miércoles, jueves, viernes, sábado, domingo]\n"
		"intents:\n"
		"  - intent: promise\n"
		"    patterns: [\"pago {date}\"]\n"
		"  - intent: opt_out\n"
		"    words: [baja]\n"
		"tests:\n"
		"  - {text: \"pago el lunes\", today: 2026-12-02, expect: promise, date: 2026-12-07}\n"
		"  - {text: \"pago el lunes\", today: 2026-12-02, expect: promise, date: 2026-12-08}\n"
		"  - {text: \"baja\", expect: accept}\n"
		"  - {text: \"no pago el lunes\", today: 2026-12-02, expect: promise,\n"
		"     date: 2026-12-07}\n"
		"  - {text: \"hola\", expect: accept, option: 2}\n";
	const char *const w[] = {
		"t.yaml:12:5: example \"pago el lunes\" on 2026-12-02: expected promise 2026-12-08, "
		    "got promise 2026-12-07 ('pago {date}', line 7)",
		"t.yaml:13:5: example \"baja\": expected accept, got opt_out ('baja', line 9)",
		"t.yaml:14:5: example \"no pago el lunes\" on 2026-12-02: expected promise "
		    "2026-12-07, got none (negated: 'pago {date}', line 7)",
		"t.yaml:16:5: example \"hola\": expected accept option 2, got none",
		NULL };

	(void)state;
	expect_load_errors(yaml, w);
}

/* A file with an intent no example covers loads, with a warning. */
static void
test_example_missing(void **state)
{
	static const char yaml[] =
		"intents:\n"
		"  - {intent: agent, words: [asesor]}\n"
		"  - {intent: opt_out, words: [baja]}\n"
		"tests:\n"
		"  - {text: asesor, expect: agent}\n";
	struct od_intent_set	set;
	struct od_errors	errs;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_intent_load_string(&set, "es-PE", "t.yaml", yaml, strlen(yaml), &errs),
	    0);
	assert_int_equal(errs.nwarns, 1);
	assert_string_equal(errs.warns[0], "t.yaml:5:3: intent opt_out has no example in tests:");
	od_errors_clear(&errs);
	od_intent_free(&set);
}

/* od_intent_load: a broken file refuses the set, with its errors. */
static void
test_load_dir(void **state)
{
	struct od_intent_set	 set;
	struct od_errors	 errs;
	char			 dir[] = "/tmp/test_intent.XXXXXX", path[256];
	FILE			*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/es-PE", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/en", dir);
	assert_int_equal(mkdir(path, 0700), 0);		/* no intents: its replies go to people */
	snprintf(path, sizeof(path), "%s/es-PE/intents.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("intents:\n  - {intent: accept, words: [acepto]}\ntests:\n"
	    "  - {text: acepto, expect: agent}\n", fp);
	fclose(fp);
	od_errors_init(&errs);
	assert_int_equal(od_intent_load(&set, dir, "es-PE", &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.msgs[0], "/es-PE/intents.yaml:4:5: example \"acepto\": "
	    "expected agent, got accept ('acepto', line 2)"));
	assert_int_equal(set.n, 0);
	od_errors_clear(&errs);
	assert_non_null(fp = fopen(path, "w"));
	fputs("intents:\n  - {intent: accept, words: [acepto]}\ntests:\n"
	    "  - {text: acepto, expect: accept}\n", fp);
	fclose(fp);
	assert_int_equal(od_intent_load(&set, dir, "es-PE", &errs), 0);
	assert_int_equal(set.n, 1);
	od_intent_free(&set);
	assert_int_equal(od_intent_load(&set, "/nonexistent/templates", "es-PE", &errs), -1);
	assert_int_equal(errs.count, 1);
	od_errors_clear(&errs);
	unlink(path);
	snprintf(path, sizeof(path), "%s/es-PE", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/en", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_shipped_replies),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test_setup_teardown(test_normalise, setup_unit, teardown_unit),
		cmocka_unit_test_setup_teardown(test_typos, setup_unit, teardown_unit),
		cmocka_unit_test_setup_teardown(test_typo_known_word, setup_unit, teardown_unit),
		cmocka_unit_test_setup_teardown(test_negation, setup_unit, teardown_unit),
		cmocka_unit_test_setup_teardown(test_precedence, setup_unit, teardown_unit),
		cmocka_unit_test_setup_teardown(test_dates, setup_unit, teardown_unit),
		cmocka_unit_test(test_dates_mdy),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_more),
		cmocka_unit_test(test_example_fails),
		cmocka_unit_test(test_example_missing),
		cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
