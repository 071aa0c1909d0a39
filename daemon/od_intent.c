/*
 * od_intent: loading templates/<locale>/intents.yaml (docs/replies.md,
 * "Intents files"), having the examples of its tests: section run
 * (od_intent_tests.c), and finding a locale's file.  The file's words are normalised as replies
 * are (od_intent_match.c), so "Número" in the file is "numero" in both.
 *
 *   date_order: dmy                 how 15/12 reads (dmy, mdy)
 *   negations: [no, nunca]          before accept/promise/agent/paid_claim
 *   menu: [opcion, numero]          may stand before a menu number
 *   dates: { fillers, today, tomorrow, day_after_tomorrow, month_end,
 *            weekdays (Monday first), months }
 *   intents:
 *     - intent: accept              a kind's name
 *       numbers: [1]                the whole reply is the number
 *       words: [acepto, plan]       anywhere in the reply
 *       exact: [si]                 the whole reply
 *       patterns: ["plan {n}"]      anywhere, with {date} or {n}
 *       option: 2                   accept: the option a match gives
 *   tests:
 *     - { text: "pago el viernes", today: 2026-12-02, expect: promise, date: 2026-12-04 }
 */
#include "od_intent_int.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "od_time.h"
#include "od_yaml.h"

static const char *const intent_names[] = {
	[OD_INTENT_NONE] = "none",
	[OD_INTENT_ACCEPT] = "accept",
	[OD_INTENT_PROMISE] = "promise",
	[OD_INTENT_AGENT] = "agent",
	[OD_INTENT_PAID_CLAIM] = "paid_claim",
	[OD_INTENT_OPT_OUT] = "opt_out",
	[OD_INTENT_WRONG_NUMBER] = "wrong_number",
};
#define INTENT_NKINDS	(sizeof(intent_names) / sizeof(intent_names[0]))

const char *
od_intent_kind_name(enum od_intent_kind k)
{
	return (unsigned)k < INTENT_NKINDS ? intent_names[k] : "none";
}

int
od_intent_kind_parse(const char *name)
{
	size_t	i;

	if (name == NULL)
		return -1;
	if (strncasecmp(name, "intent:", 7) == 0)
		name += 7;
	if (strcasecmp(name, "plan") == 0)
		return OD_INTENT_ACCEPT;	/* the shipped menu's button: accept the plan */
	for (i = 0; i < INTENT_NKINDS; i++)
		if (strcasecmp(name, intent_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
intent_locale_clear(struct od_intent_locale *l)
{
	free(l->file);
	free(l->rules);
	free(l->lex);
	free(l->vocab);
	memset(l, 0, sizeof(*l));
}

void
od_intent_free(struct od_intent_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		intent_locale_clear(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* The loader's state for one file. */
struct intent_loader {
	struct od_intent_locale	*l;
	struct od_errors	*errs;
	int			 nerr;
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

/*
 * text (a rule's or a date word's) as tokens, placeholders "{date}" and
 * "{n}" kept as such.  0, or -1 with why in err.
 */
static int
intent_phrase_parse(const char *text, char tok[][INTENT_TOKLEN], size_t *ntok, int *ndate,
    int *nn, char *err, size_t errlen)
{
	struct intent_tok	 t[INTENT_PHRASEMAX + 1];
	const char		*p = text, *open, *close;
	char			 seg[256], name[16];
	size_t			 len, k, m;

	*ntok = 0;
	*ndate = *nn = 0;
	for (;;) {
		open = strchr(p, '{');
		len = open ? (size_t)(open - p) : strlen(p);
		if (len >= sizeof(seg)) {
			snprintf(err, errlen, "too long");
			return -1;
		}
		memcpy(seg, p, len);
		seg[len] = '\0';
		m = intent_normalise(seg, t, INTENT_PHRASEMAX + 1);
		for (k = 0; k < m; k++) {
			if (*ntok == INTENT_PHRASEMAX) {
				snprintf(err, errlen, "too many words (at most %d)", INTENT_PHRASEMAX);
				return -1;
			}
			memcpy(tok[(*ntok)++], t[k].s, INTENT_TOKLEN);
		}
		if (open == NULL)
			break;
		if ((close = strchr(open, '}')) == NULL) {
			snprintf(err, errlen, "'{' without its '}'");
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
		if (strcmp(name, "date") != 0 && strcmp(name, "n") != 0) {
			snprintf(err, errlen, "unknown placeholder {%s}: write {date} or {n}", name);
			return -1;
		}
		if (*ntok == INTENT_PHRASEMAX) {
			snprintf(err, errlen, "too many words (at most %d)", INTENT_PHRASEMAX);
			return -1;
		}
		snprintf(tok[(*ntok)++], INTENT_TOKLEN, "{%s}", name);
		if (name[0] == 'd')
			(*ndate)++;
		else
			(*nn)++;
		p = close + 1;
	}
	if (*ntok == 0) {
		snprintf(err, errlen, "no word in it");
		return -1;
	}
	return 0;
}

static int
intent_lex_is_date_class(enum intent_lex_class c)
{
	return c >= INTENT_LEX_TODAY && c <= INTENT_LEX_MONTH;
}

static const char *
intent_lex_class_name(enum intent_lex_class c)
{
	switch (c) {
	case INTENT_LEX_TODAY:			return "today";
	case INTENT_LEX_TOMORROW:		return "tomorrow";
	case INTENT_LEX_AFTER_TOMORROW:		return "day_after_tomorrow";
	case INTENT_LEX_MONTH_END:		return "month_end";
	case INTENT_LEX_WEEKDAY:		return "a weekday";
	case INTENT_LEX_MONTH:			return "a month";
	case INTENT_LEX_FILLER:			return "a filler";
	case INTENT_LEX_NEGATION:		return "a negation";
	case INTENT_LEX_MENU:			return "a menu word";
	}
	return "a word";
}

/* One word of dates:, negations: or menu: (a scalar). */
static void
intent_lex_add(struct intent_loader *ld, const struct od_yaml *n, enum intent_lex_class cls,
    int value, const char *what)
{
	struct od_intent_locale	*l = ld->l;
	struct intent_lex	 e, *v;
	char			 err[128];
	size_t			 k;
	int			 nd, nn;

	if (n->type != OD_YAML_SCALAR) {
		intent_err(ld, n, "%s: a word must be text, not %s", what, od_yaml_type_name(n->type));
		return;
	}
	memset(&e, 0, sizeof(e));
	e.cls = cls;
	e.value = value;
	e.line = n->line;
	e.col = n->col;
	if (intent_phrase_parse(n->str, e.tok, &e.ntok, &nd, &nn, err, sizeof(err)) == -1) {
		intent_err(ld, n, "%s '%s': %s", what, n->str, err);
		return;
	}
	if (nd + nn > 0) {
		intent_err(ld, n, "%s '%s': placeholders belong in patterns:", what, n->str);
		return;
	}
	if (cls == INTENT_LEX_NEGATION && e.ntok != 1) {
		intent_err(ld, n, "%s '%s': a negation is one word", what, n->str);
		return;
	}
	for (k = 0; k < l->nlex; k++) {
		const struct intent_lex *o = &l->lex[k];
		if (o->ntok != e.ntok || memcmp(o->tok, e.tok, e.ntok * INTENT_TOKLEN) != 0)
			continue;
		if ((intent_lex_is_date_class(cls) || cls == INTENT_LEX_FILLER) &&
		    (intent_lex_is_date_class(o->cls) || o->cls == INTENT_LEX_FILLER) &&
		    (o->cls != cls || o->value != value)) {
			intent_err(ld, n, "%s '%s' is already %s (line %d)", what, n->str,
			    intent_lex_class_name(o->cls), o->line);
			return;
		}
	}
	if ((v = realloc(l->lex, (l->nlex + 1) * sizeof(*v))) == NULL) {
		ld->nerr++;
		return;
	}
	l->lex = v;
	l->lex[l->nlex++] = e;
}

/* A list of words of one meaning; an item may itself be a list when list_items. */
static void
intent_lex_list(struct intent_loader *ld, const struct od_yaml *n, enum intent_lex_class cls,
    int value, const char *what, int list_items)
{
	size_t	i, j;

	if (n->type == OD_YAML_SCALAR && list_items) {
		intent_lex_add(ld, n, cls, value, what);
		return;
	}
	if (n->type != OD_YAML_SEQ) {
		intent_err(ld, n, "%s must be a list of words, not %s", what,
		    od_yaml_type_name(n->type));
		return;
	}
	for (i = 0; i < n->nitems; i++) {
		if (list_items && n->items[i]->type == OD_YAML_SEQ)
			for (j = 0; j < n->items[i]->nitems; j++)
				intent_lex_add(ld, n->items[i]->items[j], cls, value, what);
		else
			intent_lex_add(ld, n->items[i], cls, value, what);
	}
}

/* weekdays: (7, Monday first) or months: (12): each a word or a list of words. */
static void
intent_lex_names(struct intent_loader *ld, const struct od_yaml *n, enum intent_lex_class cls)
{
	size_t	want = cls == INTENT_LEX_WEEKDAY ? 7 : 12, i;
	char	what[32];

	if (n->type != OD_YAML_SEQ || n->nitems != want) {
		intent_err(ld, n, "%s must be a list of %zu names (%s), each a word or a list of "
		    "words", cls == INTENT_LEX_WEEKDAY ? "weekdays" : "months", want,
		    cls == INTENT_LEX_WEEKDAY ? "Monday first" : "January first");
		return;
	}
	for (i = 0; i < want; i++) {
		snprintf(what, sizeof(what), "%s[%zu]", cls == INTENT_LEX_WEEKDAY ? "weekdays" :
		    "months", i + 1);
		/* weekdays: Monday first, stored 0 = Sunday as od_weekday counts. */
		intent_lex_list(ld, n->items[i], cls, cls == INTENT_LEX_WEEKDAY ?
		    (int)((i + 1) % 7) : (int)i + 1, what, 1);
	}
}

static void
intent_dates(struct intent_loader *ld, const struct od_yaml *d)
{
	static const char *const keys[] = { "fillers", "today", "tomorrow",
	    "day_after_tomorrow", "month_end", "weekdays", "months", NULL };
	static const struct { const char *key; enum intent_lex_class cls; } lists[] = {
		{ "fillers", INTENT_LEX_FILLER }, { "today", INTENT_LEX_TODAY },
		{ "tomorrow", INTENT_LEX_TOMORROW },
		{ "day_after_tomorrow", INTENT_LEX_AFTER_TOMORROW },
		{ "month_end", INTENT_LEX_MONTH_END },
	};
	const struct od_yaml	*v, *key;
	size_t			 i, k;

	if (d->type != OD_YAML_MAP) {
		intent_err(ld, d, "dates must be a mapping (fillers, today, tomorrow, "
		    "day_after_tomorrow, month_end, weekdays, months), not %s",
		    od_yaml_type_name(d->type));
		return;
	}
	ld->nerr += od_yaml_check_keys(d, keys, "dates", ld->errs);
	/* In the file's order: a word written twice is an error at its second place. */
	for (k = 0; k < od_yaml_map_size(d); k++) {
		key = od_yaml_map_key(d, k);
		v = od_yaml_map_value(d, k);
		if (key->type != OD_YAML_SCALAR)
			continue;
		if (strcmp(key->str, "weekdays") == 0)
			intent_lex_names(ld, v, INTENT_LEX_WEEKDAY);
		else if (strcmp(key->str, "months") == 0)
			intent_lex_names(ld, v, INTENT_LEX_MONTH);
		for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
			if (strcmp(key->str, lists[i].key) == 0)
				intent_lex_list(ld, v, lists[i].cls, 0, lists[i].key, 0);
	}
}

static int
intent_push_rule(struct intent_loader *ld, const struct intent_rule *r)
{
	struct intent_rule	*v;

	if ((v = realloc(ld->l->rules, (ld->l->nrules + 1) * sizeof(*v))) == NULL) {
		ld->nerr++;
		return -1;
	}
	ld->l->rules = v;
	ld->l->rules[ld->l->nrules++] = *r;
	return 0;
}

/* A phrase or number another kind already has: an operator's slip, refused. */
static void
intent_rule_clash(struct intent_loader *ld, const struct od_yaml *n, const struct intent_rule *r)
{
	const struct intent_rule	*o;
	size_t				 k;

	for (k = 0; k < ld->l->nrules; k++) {
		o = &ld->l->rules[k];
		if (o->kind == r->kind || (o->form == INTENT_FORM_NUMBER) != (r->form == INTENT_FORM_NUMBER))
			continue;
		if (r->form == INTENT_FORM_NUMBER ? o->number == r->number :
		    o->ntok == r->ntok && memcmp(o->tok, r->tok, r->ntok * INTENT_TOKLEN) == 0) {
			intent_err(ld, n, "'%s' is already %s's (line %d)", n->str,
			    od_intent_kind_name(o->kind), o->line);
			return;
		}
	}
}

static void
intent_rule_phrases(struct intent_loader *ld, const struct od_yaml *list, enum intent_form form,
    const struct intent_rule *proto)
{
	static const char *const forms[] = { "", "words", "exact", "patterns", "numbers" };
	const struct od_yaml	*n;
	struct intent_rule	 r;
	char			 err[128];
	size_t			 i, k;
	int			 nd, nn;
	long long		 num;

	if (list->type != OD_YAML_SEQ) {
		intent_err(ld, list, "%s must be a list, not %s", forms[form],
		    od_yaml_type_name(list->type));
		return;
	}
	for (i = 0; i < list->nitems; i++) {
		n = list->items[i];
		r = *proto;
		r.form = form;
		r.line = n->line;
		r.col = n->col;
		if (n->type != OD_YAML_SCALAR) {
			intent_err(ld, n, "%s: an entry must be text, not %s", forms[form],
			    od_yaml_type_name(n->type));
			continue;
		}
		snprintf(r.text, sizeof(r.text), "%s", n->str);
		if (form == INTENT_FORM_NUMBER) {
			for (k = 0; n->str[k] >= '0' && n->str[k] <= '9'; k++)
				;
			if (k == 0 || k > 3 || n->str[k] != '\0' ||
			    od_yaml_int(n, 0, 999, &num, ld->errs) == -1) {
				intent_err(ld, n, "numbers: '%s' is not a menu number (0 to 999)", n->str);
				continue;
			}
			r.number = (int)num;
		} else if (intent_phrase_parse(n->str, r.tok, &r.ntok, &nd, &nn, err,
		    sizeof(err)) == -1) {
			intent_err(ld, n, "%s '%s': %s", forms[form], n->str, err);
			continue;
		} else if (form == INTENT_FORM_WORDS && nd + nn > 0) {
			intent_err(ld, n, "words '%s': a placeholder belongs in patterns: or exact:",
			    n->str);
			continue;
		} else if (form == INTENT_FORM_PATTERN && nd + nn == 0) {
			intent_err(ld, n, "patterns '%s': a pattern has {date} or {n}; a plain "
			    "phrase goes in words:", n->str);
			continue;
		} else if (nd + nn > 1) {
			intent_err(ld, n, "%s '%s': one placeholder at most", forms[form], n->str);
			continue;
		} else if (nd > 0 && r.kind != OD_INTENT_PROMISE) {
			intent_err(ld, n, "%s '%s': {date} is a promise's", forms[form], n->str);
			continue;
		} else if (nn > 0 && r.kind != OD_INTENT_ACCEPT) {
			intent_err(ld, n, "%s '%s': {n} is an accept's option", forms[form], n->str);
			continue;
		} else if (nn > 0 && r.option != 0) {
			intent_err(ld, n, "%s '%s': {n} and option: both say the option", forms[form],
			    n->str);
			continue;
		}
		intent_rule_clash(ld, n, &r);
		intent_push_rule(ld, &r);
	}
}

static void
intent_rules(struct intent_loader *ld, const struct od_yaml *list)
{
	static const char *const keys[] = { "intent", "numbers", "words", "exact", "patterns",
	    "option", NULL };
	static const char *const forms[] = { "", "words", "exact", "patterns", "numbers" };
	const struct od_yaml	*it, *v;
	struct intent_rule	 proto;
	long long		 opt;
	size_t			 i, k;
	int			 kind, f, any;

	if (list->type != OD_YAML_SEQ || list->nitems == 0) {
		intent_err(ld, list, "intents must be a list of intents (intent:, numbers:, "
		    "words:, exact:, patterns:)");
		return;
	}
	for (i = 0; i < list->nitems; i++) {
		it = list->items[i];
		if (it->type != OD_YAML_MAP) {
			intent_err(ld, it, "an intent is a mapping (intent:, numbers:, words:, "
			    "exact:, patterns:), not %s", od_yaml_type_name(it->type));
			continue;
		}
		ld->nerr += od_yaml_check_keys(it, keys, "an intent", ld->errs);
		memset(&proto, 0, sizeof(proto));
		if ((v = od_yaml_get(it, "intent")) == NULL) {
			intent_err(ld, it, "an intent needs 'intent' (accept, promise, agent, "
			    "paid_claim, opt_out, wrong_number)");
			continue;
		}
		if (v->type != OD_YAML_SCALAR || (kind = od_intent_kind_parse(v->str)) <= 0 ||
		    strcasecmp(v->str, "plan") == 0 || strchr(v->str, ':') != NULL) {
			intent_err(ld, v, "intent '%s' is none of accept, promise, agent, paid_claim, "
			    "opt_out, wrong_number", v->type == OD_YAML_SCALAR ? v->str : "?");
			continue;
		}
		proto.kind = (enum od_intent_kind)kind;
		if ((v = od_yaml_get(it, "option")) != NULL) {
			if (kind != OD_INTENT_ACCEPT)
				intent_err(ld, v, "option: is an accept's (the offer's option it "
				    "chooses)");
			else if (od_yaml_int(v, 1, 99, &opt, ld->errs) == -1)
				ld->nerr++;
			else
				proto.option = (int)opt;
		}
		/* In the file's order, so that errors are too. */
		for (any = 0, k = 0; k < od_yaml_map_size(it); k++)
			for (f = INTENT_FORM_WORDS; f <= INTENT_FORM_NUMBER; f++)
				if (od_yaml_map_key(it, k)->type == OD_YAML_SCALAR &&
				    strcmp(od_yaml_map_key(it, k)->str, forms[f]) == 0) {
					intent_rule_phrases(ld, od_yaml_map_value(it, k),
					    (enum intent_form)f, &proto);
					any = 1;
				}
		if (!any)
			intent_err(ld, it, "intent %s: write its numbers:, words:, exact: or "
			    "patterns:", od_intent_kind_name(proto.kind));
	}
}

static int
intent_vocab_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every token of the file, sorted and unique (intent_word_eq). */
static void
intent_vocab(struct intent_loader *ld)
{
	struct od_intent_locale	*l = ld->l;
	size_t			 max = 0, k, j, n = 0;

	for (k = 0; k < l->nrules; k++)
		max += l->rules[k].ntok;
	for (k = 0; k < l->nlex; k++)
		max += l->lex[k].ntok;
	if (max == 0 || (l->vocab = calloc(max, sizeof(*l->vocab))) == NULL)
		return;
	for (k = 0; k < l->nrules; k++)
		for (j = 0; j < l->rules[k].ntok; j++)
			if (l->rules[k].tok[j][0] != '{')
				memcpy(l->vocab[n++], l->rules[k].tok[j], INTENT_TOKLEN);
	for (k = 0; k < l->nlex; k++)
		for (j = 0; j < l->lex[k].ntok; j++)
			memcpy(l->vocab[n++], l->lex[k].tok[j], INTENT_TOKLEN);
	qsort(l->vocab, n, sizeof(*l->vocab), intent_vocab_cmp);
	for (k = 0, j = 0; k < n; k++)
		if (j == 0 || strcmp(l->vocab[j - 1], l->vocab[k]) != 0)
			memmove(l->vocab[j++], l->vocab[k], INTENT_TOKLEN);
	l->nvocab = j;
}

static void
intent_load_doc(struct intent_loader *ld, const struct od_yaml_doc *doc)
{
	static const char *const keys[] = { "date_order", "negations", "menu", "dates",
	    "intents", "tests", NULL };
	const struct od_yaml	*root = doc->root, *v;

	if (root == NULL) {
		od_errors_add(ld->errs, doc->file, 1, 1, "empty intents file");
		ld->nerr++;
		return;
	}
	if (root->type != OD_YAML_MAP) {
		intent_err(ld, root, "an intents file is a mapping (date_order, negations, menu, "
		    "dates, intents, tests), not %s", od_yaml_type_name(root->type));
		return;
	}
	ld->nerr += od_yaml_check_keys(root, keys, "an intents file", ld->errs);
	if ((v = od_yaml_get(root, "date_order")) != NULL) {
		if (v->type == OD_YAML_SCALAR && strcmp(v->str, "dmy") == 0)
			ld->l->date_order = INTENT_DMY;
		else if (v->type == OD_YAML_SCALAR && strcmp(v->str, "mdy") == 0)
			ld->l->date_order = INTENT_MDY;
		else
			intent_err(ld, v, "date_order must be dmy (15/12 is 15 December) or mdy "
			    "(12/15)");
	}
	if ((v = od_yaml_get(root, "negations")) != NULL)
		intent_lex_list(ld, v, INTENT_LEX_NEGATION, 0, "negations", 0);
	if ((v = od_yaml_get(root, "menu")) != NULL)
		intent_lex_list(ld, v, INTENT_LEX_MENU, 0, "menu", 0);
	if ((v = od_yaml_get(root, "dates")) != NULL)
		intent_dates(ld, v);
	if ((v = od_yaml_get(root, "intents")) == NULL)
		intent_err(ld, root, "an intents file needs intents:");
	else
		intent_rules(ld, v);
	if (ld->nerr > 0)
		return;		/* examples of a broken file would only repeat its errors */
	intent_vocab(ld);
	ld->nerr += intent_tests_run(ld->l, root, ld->errs);
}

/* Locale names compare without case, '_' as '-' (es_PE is es-PE); n bytes, or all when n is 0. */
static int
intent_locale_eq(const char *a, const char *b, size_t n)
{
	size_t	i;
	char	ca, cb;

	for (i = 0; n == 0 || i < n; i++) {
		ca = a[i] == '_' ? '-' : (char)tolower((unsigned char)a[i]);
		cb = b[i] == '_' ? '-' : (char)tolower((unsigned char)b[i]);
		if (ca != cb)
			return 0;
		if (ca == '\0')
			return 1;
	}
	return 1;
}

static int
intent_locale_valid(const char *s)
{
	size_t	i, n = strlen(s);

	if (n < 2 || n >= sizeof(((struct od_intent_locale *)0)->locale))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

static int
intent_load_parsed(struct od_intent_set *set, const char *locale, struct od_yaml_doc *doc,
    struct od_errors *errs)
{
	struct od_intent_locale	 l, *v;
	struct intent_loader	 ld;
	size_t			 i;

	memset(&l, 0, sizeof(l));
	memset(&ld, 0, sizeof(ld));
	ld.l = &l;
	ld.errs = errs;
	if (!intent_locale_valid(locale)) {
		od_errors_add(errs, doc->file, 1, 1, "'%s' is not a locale", locale);
		return -1;
	}
	for (i = 0; i < set->n; i++)
		if (intent_locale_eq(set->v[i].locale, locale, 0)) {
			od_errors_add(errs, doc->file, 1, 1, "the intents of %s are already loaded "
			    "(%s)", locale, set->v[i].file);
			return -1;
		}
	snprintf(l.locale, sizeof(l.locale), "%s", locale);
	if ((l.file = strdup(doc->file)) == NULL)
		ld.nerr++;
	else
		intent_load_doc(&ld, doc);
	if (ld.nerr > 0 || (v = realloc(set->v, (set->n + 1) * sizeof(*v))) == NULL) {
		if (ld.nerr == 0)
			od_errors_add(errs, doc->file, 1, 1, "out of memory");
		intent_locale_clear(&l);
		return -1;
	}
	set->v = v;
	set->v[set->n++] = l;
	return 0;
}

int
od_intent_load_string(struct od_intent_set *set, const char *locale, const char *name,
    const char *buf, size_t len, struct od_errors *errs)
{
	struct od_yaml_doc	doc;
	int			rc;

	if (od_yaml_load_string(name, buf, len, &doc, errs) == -1)
		return -1;
	rc = intent_load_parsed(set, locale, &doc, errs);
	od_yaml_doc_free(&doc);
	return rc;
}

int
od_intent_load_file(struct od_intent_set *set, const char *locale, const char *path,
    struct od_errors *errs)
{
	struct od_yaml_doc	doc;
	int			rc;

	if (od_yaml_load_file(path, &doc, errs) == -1)
		return -1;
	rc = intent_load_parsed(set, locale, &doc, errs);
	od_yaml_doc_free(&doc);
	return rc;
}

int
od_intent_load(struct od_intent_set *set, const char *templates_dir,
    const char *default_locale, struct od_errors *errs)
{
	struct dirent	**ents = NULL;
	struct stat	  st;
	char		 *path;
	int		  i, n, nerr = 0;

	memset(set, 0, sizeof(*set));
	snprintf(set->default_locale, sizeof(set->default_locale), "%s",
	    default_locale ? default_locale : "");
	if ((n = scandir(templates_dir, &ents, NULL, alphasort)) < 0) {
		od_errors_add(errs, templates_dir, 1, 1, "cannot read the template folder for "
		    "its intents files: %m");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *fn = ents[i]->d_name;
		if (fn[0] == '.' || asprintf(&path, "%s/%s/intents.yaml", templates_dir, fn) < 0)
			continue;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    od_intent_load_file(set, fn, path, errs) == -1)
			nerr++;
		free(path);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (nerr > 0) {
		od_intent_free(set);
		return -1;
	}
	return 0;
}

/* A locale's file: exact, then the language's own (es), then any of the language (es-CL). */
static const struct od_intent_locale *
intent_find(const struct od_intent_set *set, const char *locale)
{
	size_t	i, ll;

	if (locale == NULL || *locale == '\0')
		return NULL;
	ll = strcspn(locale, "-_");
	for (i = 0; i < set->n; i++)
		if (intent_locale_eq(set->v[i].locale, locale, 0))
			return &set->v[i];
	for (i = 0; i < set->n; i++)
		if (strlen(set->v[i].locale) == ll && intent_locale_eq(set->v[i].locale, locale, ll))
			return &set->v[i];
	for (i = 0; i < set->n; i++)
		if (strcspn(set->v[i].locale, "-_") == ll &&
		    intent_locale_eq(set->v[i].locale, locale, ll))
			return &set->v[i];
	return NULL;
}

enum od_intent_kind
od_intent_match(const struct od_intent_set *set, const char *locale, const char *text,
    const char *today, struct od_intent_match *out)
{
	const struct od_intent_locale	*l = NULL;

	memset(out, 0, sizeof(*out));
	if (set == NULL || text == NULL)
		return OD_INTENT_NONE;
	if ((l = intent_find(set, locale)) == NULL)
		l = intent_find(set, set->default_locale);
	if (l == NULL)
		return OD_INTENT_NONE;
	return intent_match_locale(l, text, today, out);
}
