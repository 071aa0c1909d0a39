/*
 * od_intent's insides, shared by its files: od_intent.c (loading an
 * intents.yaml, finding a locale's), od_intent_tests.c (running its
 * tests:), od_intent_match.c (normalising a reply and matching it),
 * od_intent_date.c (a promise's date).
 */
#ifndef OD_INTENT_INT_H
#define OD_INTENT_INT_H

#include <stddef.h>

#include "od_intent.h"

#define INTENT_TOKLEN	32	/* a token's bytes, NUL included (longer ones are cut) */
#define INTENT_TOKMAX	128	/* a reply's tokens looked at (the rest is ignored) */
#define INTENT_PHRASEMAX 8	/* a rule's or a date word's tokens */

/* A rule's placeholder tokens (a normalised token never holds '{'). */
#define INTENT_PH_DATE	"{date}"
#define INTENT_PH_N	"{n}"

/* One word of a normalised text. */
struct intent_tok {
	char	s[INTENT_TOKLEN];
	int	brk;		/* a clause ends before it (. , ; : ! ? or a new line) */
};

enum intent_form {
	INTENT_FORM_WORDS = 1,	/* words: the phrase anywhere in the reply */
	INTENT_FORM_EXACT,	/* exact: the phrase is the whole reply */
	INTENT_FORM_PATTERN,	/* patterns: anywhere, with {date} or {n} */
	INTENT_FORM_NUMBER	/* numbers: the reply is the menu number */
};

struct intent_rule {
	enum od_intent_kind	 kind;
	enum intent_form	 form;
	int			 option;	/* accept: the option the rule gives (option:), 0 */
	int			 number;	/* NUMBER */
	char			 text[64];	/* as written, for od_intent_match.matched */
	int			 line, col;
	size_t			 ntok;
	char			 tok[INTENT_PHRASEMAX][INTENT_TOKLEN];
};

/* What a word of the dates:, negations: or menu: sections means. */
enum intent_lex_class {
	INTENT_LEX_TODAY = 1,
	INTENT_LEX_TOMORROW,
	INTENT_LEX_AFTER_TOMORROW,
	INTENT_LEX_MONTH_END,
	INTENT_LEX_WEEKDAY,	/* value 0 (Sunday) .. 6 */
	INTENT_LEX_MONTH,	/* value 1 .. 12 */
	INTENT_LEX_FILLER,	/* may stand before a date, or between its parts: "el", "de" */
	INTENT_LEX_NEGATION,	/* "no", "nunca" */
	INTENT_LEX_MENU		/* may stand before a menu number: "opcion" */
};

struct intent_lex {
	enum intent_lex_class	 cls;
	int			 value;
	int			 line, col;	/* where the file writes it */
	size_t			 ntok;
	char			 tok[INTENT_PHRASEMAX][INTENT_TOKLEN];
};

enum intent_date_order {
	INTENT_DMY = 0,
	INTENT_MDY
};

struct od_intent_locale {
	char			 locale[16];
	char			*file;
	enum intent_date_order	 date_order;
	struct intent_rule	*rules;
	size_t			 nrules;
	struct intent_lex	*lex;
	size_t			 nlex;
	/* Every token the file writes, sorted: a word it knows is never a typo of another. */
	char			(*vocab)[INTENT_TOKLEN];
	size_t			 nvocab;
};

/*
 * Splits text into normalised tokens: lower case, accents off (á→a, ñ→n,
 * ü→u), apostrophes dropped ("don't" is "dont"), digits joined by '/' or
 * '-' kept as one token ("15/12/2026"); anything else separates.  Returns
 * the number of tokens (at most max).
 */
size_t	intent_normalise(const char *text, struct intent_tok *out, size_t max);

/* Whether a reply's token tok stands for the file's word w (w's typo when w is long enough). */
int	intent_word_eq(const struct od_intent_locale *l, const char *tok, const char *w);

/*
 * The longest entry of the lexicon of class cls (0: any date word) at
 * toks[i]; its tokens' count in *len.  NULL when none, or when a typo would
 * make it two different words (junio and julio).
 */
const struct intent_lex *intent_lex_at(const struct od_intent_locale *l, int cls,
	    const struct intent_tok *toks, size_t n, size_t i, size_t *len);

/* The date result of a {date}. */
struct intent_date {
	int	named;		/* a date was written */
	int	invalid;	/* ... one that cannot be */
	int	y, m, d;
};

/*
 * Reads a date at toks[i] ("el viernes", "15/12", "15 de diciembre",
 * "mañana"); today may be NULL (every date then cannot be).  Returns the
 * tokens it took, 0 when there is no date there.
 */
size_t	intent_date_at(const struct od_intent_locale *l, const struct intent_tok *toks,
	    size_t n, size_t i, const char *today, struct intent_date *out);

struct od_yaml;

/*
 * Runs the examples of root's tests: against l (od_intent_tests.c); each
 * failure is an error.  Returns the number of errors.
 */
int	intent_tests_run(const struct od_intent_locale *l, const struct od_yaml *root,
	    struct od_errors *errs);

/* Matches text against one locale's rules. */
enum od_intent_kind intent_match_locale(const struct od_intent_locale *l, const char *text,
	    const char *today, struct od_intent_match *out);

#endif /* OD_INTENT_INT_H */
