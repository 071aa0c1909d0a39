/*
 * fuzz_intent: a debtor's reply read through od_intent_match, and an
 * operator's intents.yaml through od_intent_load_string.
 *
 * Input without a NUL: a reply, matched with the shipped files of es-PE,
 * es-MX and en-US on a few days (a year end, a leap day).  Input with a
 * NUL: an intents file before it (its tests: run at load), and a reply
 * after it, matched with that file when it loaded.
 *
 * Checked for every match: a kind in range, named by od_intent_kind_name
 * and parsed back; a date only on a promise, a real calendar date on or
 * after today, never with date_invalid; an option only on an accept,
 * 0..99; matched NUL-terminated; the same answer twice.
 */
#include <stdlib.h>
#include <string.h>

#include "od_fuzz.h"
#include "od_intent.h"
#include "od_time.h"

static struct od_intent_set	shipped;
static int			ready;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct od_errors	errs;

	(void)argc;
	(void)argv;
	od_errors_init(&errs);
	if (od_intent_load(&shipped, OD_SOURCE_DIR "/templates", "es-PE", &errs) == -1)
		od_fuzz_fail("the shipped intents do not load: %s",
		    errs.count ? errs.msgs[0] : "no error");
	od_errors_clear(&errs);
	ready = 1;
	return 0;
}

static void
check(const struct od_intent_set *set, const char *locale, const char *text, const char *today)
{
	struct od_intent_match	m, again;
	enum od_intent_kind	k;
	int			y, mo, d, ty, tm, td;

	k = od_intent_match(set, locale, text, today, &m);
	if (k != m.kind || (int)k < OD_INTENT_NONE || k > OD_INTENT_WRONG_NUMBER)
		od_fuzz_fail("kind %d (out %d)", (int)k, (int)m.kind);
	if (od_intent_kind_parse(od_intent_kind_name(k)) != (int)k)
		od_fuzz_fail("kind %d does not parse back from '%s'", (int)k, od_intent_kind_name(k));
	if (memchr(m.matched, '\0', sizeof(m.matched)) == NULL ||
	    memchr(m.date, '\0', sizeof(m.date)) == NULL)
		od_fuzz_fail("matched or date not terminated");
	if (k != OD_INTENT_PROMISE && (m.date[0] != '\0' || m.date_invalid))
		od_fuzz_fail("%s with a date '%s' (%d)", od_intent_kind_name(k), m.date,
		    m.date_invalid);
	if (m.date[0] != '\0') {
		if (m.date_invalid)
			od_fuzz_fail("date '%s' and date_invalid", m.date);
		if (od_date_parse(m.date, &y, &mo, &d) == -1)
			od_fuzz_fail("date '%s' is no date", m.date);
		if (today == NULL || od_date_parse(today, &ty, &tm, &td) == -1)
			od_fuzz_fail("date '%s' without a today", m.date);
		if (od_days_from_civil(y, mo, d) < od_days_from_civil(ty, tm, td))
			od_fuzz_fail("date '%s' before today %s", m.date, today);
	}
	if (k != OD_INTENT_ACCEPT ? m.option != 0 : (m.option < 0 || m.option > 99))
		od_fuzz_fail("%s with option %d", od_intent_kind_name(k), m.option);
	od_intent_match(set, locale, text, today, &again);
	if (memcmp(&m, &again, sizeof(m)) != 0)
		od_fuzz_fail("two answers for one reply");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const locales[] = { "es-PE", "es-MX", "en-US" };
	static const char *const days[] = { "2026-12-02", "2026-12-31", "2028-02-29", NULL };
	struct od_intent_set	 set;
	struct od_errors	 errs;
	const char		*yaml, *reply;
	size_t			 ylen, rlen, i, j;
	char			*text;

	if (!ready)
		LLVMFuzzerInitialize(NULL, NULL);
	od_fuzz_split(data, size, &yaml, &ylen, &reply, &rlen);
	if (reply == NULL) {
		text = od_fuzz_strndup(data, size);
		for (i = 0; i < sizeof(locales) / sizeof(locales[0]); i++)
			for (j = 0; j < sizeof(days) / sizeof(days[0]); j++)
				check(&shipped, locales[i], text, days[j]);
		free(text);
		return 0;
	}
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	if (od_intent_load_string(&set, "es-PE", "templates/es-PE/intents.yaml", yaml, ylen,
	    &errs) == 0) {
		if (set.n != 1)
			od_fuzz_fail("loaded %zu locales from one file", set.n);
		text = od_fuzz_strndup((const uint8_t *)reply, rlen);
		check(&set, "es-PE", text, "2026-12-31");
		check(&set, "es", text, NULL);
		free(text);
	} else if (errs.count == 0) {
		od_fuzz_fail("refused without an error");
	} else if (set.n != 0) {
		od_fuzz_fail("refused, but a locale was added");
	}
	od_intent_free(&set);
	od_errors_clear(&errs);
	return 0;
}
