/*
 * od_intent: what a debtor's reply means.  Each locale has an operator's
 * file, templates/<locale>/intents.yaml, that maps words, numbers and
 * patterns to intents; od_intent_match reads a reply with the file of the
 * debtor's locale (falling back to the language's, then to the set's
 * default locale).  Matching ignores case and accents, tolerates a typo in
 * a longer word, and parses a promise's date in the debtor's locale
 * ("el 15", "el viernes", "15/12", "mañana") relative to the debtor's
 * local date.  No I/O after loading; no clock: today is passed in.
 */
#ifndef OD_INTENT_H
#define OD_INTENT_H

#include <stddef.h>
#include <stdint.h>

#include "od_error.h"

enum od_intent_kind {
	OD_INTENT_NONE = 0,	/* nothing matched: people read it */
	OD_INTENT_ACCEPT,	/* accept the offer last made (option: 1.., 0 = the offer's own) */
	OD_INTENT_PROMISE,	/* a promise to pay on date */
	OD_INTENT_AGENT,	/* asks for a person */
	OD_INTENT_PAID_CLAIM,	/* says it has paid */
	OD_INTENT_OPT_OUT,	/* stop contacting me */
	OD_INTENT_WRONG_NUMBER	/* not the debtor's phone */
};

struct od_intent_match {
	enum od_intent_kind	 kind;
	int			 option;	/* ACCEPT: the option the debtor chose, 0 when none */
	int			 offer;		/* ACCEPT by a button "accept:<n>": the n-th offer the
						   message made (1-based), 0: the first */
	/*
	 * PROMISE: "YYYY-MM-DD", or "" when the reply named no date or one that
	 * cannot be (date_invalid: "el 31" in a month without one, a past date).
	 */
	char			 date[11];
	int			 date_invalid;
	/*
	 * The rule that matched as the file writes it ("pago el {date}", "1"),
	 * for the record.  NONE may say why: "negated: acepto" (with the
	 * rule's line, col), "ambiguous: accept agent" (line 0); else "".
	 */
	char			 matched[64];
	int			 line, col;	/* its place in intents.yaml */
};

struct od_intent_locale;

struct od_intent_set {
	struct od_intent_locale	*v;
	size_t			 n;
	char			 default_locale[16];
};

/*
 * Loads templates_dir/<locale>/intents.yaml for every locale directory
 * there (a locale without one has no intents: its replies all go to
 * people).  0, or -1 with "file:line:col: message" errors in errs.
 */
int	od_intent_load(struct od_intent_set *set, const char *templates_dir,
	    const char *default_locale, struct od_errors *errs);
/*
 * One file, for tests and fuzzing: 0 or -1 with errors.  Adds the locale to
 * set (zeroed, or already loaded); on an error set is as it was.  Its
 * tests: examples are run: one that fails is an error at the example.
 */
int	od_intent_load_file(struct od_intent_set *set, const char *locale,
	    const char *path, struct od_errors *errs);
/* The same from memory; name is what errors call the file. */
int	od_intent_load_string(struct od_intent_set *set, const char *locale,
	    const char *name, const char *buf, size_t len, struct od_errors *errs);
void	od_intent_free(struct od_intent_set *set);

/*
 * What text means for a debtor of locale whose local date is today
 * ("YYYY-MM-DD").  Always fills out; kind NONE when nothing matched.
 * Returns out->kind.
 */
enum od_intent_kind od_intent_match(const struct od_intent_set *set, const char *locale,
	    const char *text, const char *today, struct od_intent_match *out);

const char *od_intent_kind_name(enum od_intent_kind k);	/* "accept", "promise", ... */
/*
 * The kind a name (a WhatsApp button's payload "intent:plan") stands for;
 * -1 when unknown.  Case-insensitive; a leading "intent:" is skipped, and
 * "plan" is accept (the shipped menu's button).
 */
int	od_intent_kind_parse(const char *name);

/*
 * A WhatsApp button's payload, "<intent name>" or "accept:<n>"
 * (od_intent_payload.c): 1 with out filled (matched "button:<payload>"),
 * 0 when it names no intent (read the button's text instead).
 */
int	od_intent_payload(const char *payload, struct od_intent_match *out);
/* A reply: its button's payload when it names an intent, else its text (od_intent_match). */
enum od_intent_kind od_intent_read(const struct od_intent_set *set, const char *locale,
	    const char *text, const char *payload, const char *today, struct od_intent_match *out);

#endif /* OD_INTENT_H */
