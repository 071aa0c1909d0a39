/*
 * od_intent (continued): a reply read against one locale's rules.
 *
 * The reply is normalised into tokens (intent_normalise); every rule is
 * tried at every place (words:, patterns:) or against the whole reply
 * (exact:, numbers:), each hit remembering its span, option and date.  A
 * hit of accept, promise, agent or paid_claim that a negation word
 * ("no", "nunca", "not") stands before, within three words of the same
 * clause, is negated, and so is its whole kind.  Then, in this order:
 * wrong_number wins, then opt_out; a promise that names a date wins over
 * accept; one kind left is the answer, two or more are ambiguous (NONE,
 * for people).  docs/replies.md, "Intents files", says the same for
 * operators.
 */
#include "od_intent_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTENT_HITMAX		64
#define INTENT_NEG_WINDOW	3

/* One code point from s (UTF-8, NUL-terminated); its length in *n; 0xFFFD for a bad byte. */
static unsigned
intent_cp(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*n = 2;
		return (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*n = 3;
		return (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
	}
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*n = 4;
		return 0xfffd;		/* emoji and the like: a separator */
	}
	*n = 1;
	return 0xfffd;
}

/* A letter or digit, lower case and without its accent; 0 when cp is neither. */
static char
intent_fold(unsigned cp)
{
	static const char latin1[] =	/* U+00C0 .. U+00FF */
	    "aaaaaaaceeeeiiii" "dnooooo\0ouuuuy\0s" "aaaaaaaceeeeiiii" "dnooooo\0ouuuuy\0y";

	if (cp >= 'A' && cp <= 'Z')
		return (char)(cp + 32);
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
		return (char)cp;
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	return 0;
}

/* Ends a clause: what stops a negation from reaching the words after it. */
static int
intent_clause_end(unsigned cp)
{
	return cp == '.' || cp == ',' || cp == ';' || cp == ':' || cp == '!' || cp == '?' ||
	    cp == '\n' || cp == '\r' || cp == '(' || cp == ')' || cp == 0xa1 /* ¡ */ ||
	    cp == 0xbf /* ¿ */;
}

static int
intent_apostrophe(unsigned cp)
{
	return cp == '\'' || cp == '`' || cp == 0xb4 || cp == 0x2018 || cp == 0x2019;
}

static int
intent_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

size_t
intent_normalise(const char *text, struct intent_tok *out, size_t max)
{
	const unsigned char	*s = (const unsigned char *)(text ? text : "");
	size_t			 n, ntok = 0, len = 0;
	unsigned		 cp;
	int			 in = 0, brk = 0;
	char			 c;

	for (; *s != '\0'; s += n) {
		cp = intent_cp(s, &n);
		if ((c = intent_fold(cp)) != 0) {
			if (!in) {
				if (ntok == max)
					break;
				memset(&out[ntok], 0, sizeof(out[ntok]));
				out[ntok].brk = brk;
				brk = 0;
				len = 0;
				in = 1;
				ntok++;
			}
			if (len + 1 < INTENT_TOKLEN)
				out[ntok - 1].s[len++] = c;
			continue;
		}
		if (in && intent_apostrophe(cp) && !intent_isdigit(out[ntok - 1].s[len - 1]))
			continue;	/* "don't" is "dont", "I'll" is "ill" */
		if (in && (cp == '/' || cp == '-') && len > 0 &&
		    intent_isdigit(out[ntok - 1].s[len - 1]) && intent_isdigit((char)s[1])) {
			if (len + 1 < INTENT_TOKLEN)
				out[ntok - 1].s[len++] = (char)cp;	/* 15/12, 15-12-2026 */
			continue;
		}
		in = 0;
		if (intent_clause_end(cp))
			brk = 1;
	}
	return ntok;
}

/* Optimal string alignment distance (a swap of two letters is one edit), up to max + 1. */
static int
intent_distance(const char *a, const char *b, int max)
{
	int	d[INTENT_TOKLEN + 1][INTENT_TOKLEN + 1];
	int	la = (int)strlen(a), lb = (int)strlen(b), i, j, v, best;

	if (la - lb > max || lb - la > max)
		return max + 1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		best = max + 1;
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return d[la][lb];
}

static int
intent_has_digit(const char *s)
{
	for (; *s != '\0'; s++)
		if (intent_isdigit(*s))
			return 1;
	return 0;
}

static int
intent_vocab_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
intent_word_eq(const struct od_intent_locale *l, const char *tok, const char *w)
{
	size_t	lw = strlen(w);
	int	max;

	if (strcmp(tok, w) == 0)
		return 1;
	if (lw < 5 || intent_has_digit(tok) || intent_has_digit(w))
		return 0;
	/* A word the file itself writes is that word, never a typo of another. */
	if (l->nvocab > 0 && bsearch(tok, l->vocab, l->nvocab, sizeof(*l->vocab),
	    intent_vocab_cmp) != NULL)
		return 0;
	max = lw >= 9 ? 2 : 1;
	return intent_distance(tok, w, max) <= max;
}

static int
intent_lex_is_date(enum intent_lex_class c)
{
	return c >= INTENT_LEX_TODAY && c <= INTENT_LEX_MONTH;
}

const struct intent_lex *
intent_lex_at(const struct od_intent_locale *l, int cls, const struct intent_tok *toks,
    size_t n, size_t i, size_t *len)
{
	const struct intent_lex	*best = NULL, *e;
	size_t			 k, j, blen = 0;
	int			 exact, bexact = 0, clash = 0, fuzzy;

	*len = 0;
	for (k = 0; k < l->nlex; k++) {
		e = &l->lex[k];
		if (cls == 0 ? !intent_lex_is_date(e->cls) : (int)e->cls != cls)
			continue;
		if (i + e->ntok > n)
			continue;
		/* Date words may carry a typo; fillers, negations and menu words may not. */
		fuzzy = intent_lex_is_date(e->cls);
		exact = 1;
		for (j = 0; j < e->ntok; j++) {
			if (strcmp(toks[i + j].s, e->tok[j]) == 0)
				continue;
			if (!fuzzy || !intent_word_eq(l, toks[i + j].s, e->tok[j]))
				break;
			exact = 0;
		}
		if (j < e->ntok)
			continue;
		if (best == NULL || e->ntok > blen || (e->ntok == blen && exact && !bexact)) {
			best = e;
			blen = e->ntok;
			bexact = exact;
			clash = 0;
		} else if (e->ntok == blen && exact == bexact &&
		    (e->cls != best->cls || e->value != best->value)) {
			clash = 1;	/* "jullo": junio or julio */
		}
	}
	if (best == NULL || clash)
		return NULL;
	*len = blen;
	return best;
}

struct intent_hit {
	const struct intent_rule	*r;
	size_t				 start, end;
	int				 option;
	struct intent_date		 date;
	int				 negated;
};

/* {n}: a number 1..99, or a letter a..z that ends the reply or its clause ("plan b"). */
static int
intent_option_at(const struct intent_tok *toks, size_t n, size_t j)
{
	const char	*s = toks[j].s;
	size_t		 k;
	int		 v = 0;

	if (s[0] >= 'a' && s[0] <= 'z' && s[1] == '\0')
		return j + 1 == n || toks[j + 1].brk ? s[0] - 'a' + 1 : 0;
	for (k = 0; s[k] != '\0'; k++) {
		if (!intent_isdigit(s[k]) || k >= 2)
			return 0;
		v = v * 10 + (s[k] - '0');
	}
	return v;
}

/* Rule r's phrase at toks[i]: 1 with h filled in, or 0. */
static int
intent_phrase_at(const struct od_intent_locale *l, const struct intent_rule *r,
    const struct intent_tok *toks, size_t n, size_t i, const char *today, struct intent_hit *h)
{
	size_t	j = i, k, used;

	memset(h, 0, sizeof(*h));
	h->r = r;
	h->option = r->option;
	for (k = 0; k < r->ntok; k++) {
		if (j >= n)
			return 0;
		if (strcmp(r->tok[k], INTENT_PH_DATE) == 0) {
			if ((used = intent_date_at(l, toks, n, j, today, &h->date)) == 0)
				return 0;
			j += used;
		} else if (strcmp(r->tok[k], INTENT_PH_N) == 0) {
			if ((h->option = intent_option_at(toks, n, j)) == 0)
				return 0;
			j++;
		} else if (intent_word_eq(l, toks[j].s, r->tok[k])) {
			j++;
		} else {
			return 0;
		}
	}
	h->start = i;
	h->end = j;
	return 1;
}

/* numbers: the whole reply is the number, after the menu's words ("opcion 2", "2."). */
static int
intent_number_is(const struct od_intent_locale *l, const struct intent_rule *r,
    const struct intent_tok *toks, size_t n)
{
	size_t	i = 0, len;
	int	v = 0;

	while (i < n && intent_lex_at(l, INTENT_LEX_MENU, toks, n, i, &len) != NULL)
		i += len;
	if (i + 1 != n)
		return 0;
	for (len = 0; toks[i].s[len] != '\0'; len++) {
		if (!intent_isdigit(toks[i].s[len]) || len >= 3)
			return 0;
		v = v * 10 + (toks[i].s[len] - '0');
	}
	return v == r->number;
}

/* A negation word within INTENT_NEG_WINDOW words before start, in the same clause. */
static int
intent_negated(const struct od_intent_locale *l, const struct intent_tok *toks, size_t n,
    size_t start)
{
	size_t	k = start, len;
	int	steps;

	for (steps = 0; k > 0 && steps < INTENT_NEG_WINDOW; steps++) {
		if (toks[k].brk)
			return 0;
		k--;
		if (intent_lex_at(l, INTENT_LEX_NEGATION, toks, n, k, &len) != NULL)
			return 1;
	}
	return 0;
}

static size_t
intent_hits(const struct od_intent_locale *l, const struct intent_tok *toks, size_t n,
    const char *today, struct intent_hit *hits)
{
	const struct intent_rule	*r;
	size_t				 nh = 0, k, i;

	for (k = 0; k < l->nrules && nh < INTENT_HITMAX; k++) {
		r = &l->rules[k];
		if (r->form == INTENT_FORM_NUMBER) {
			if (intent_number_is(l, r, toks, n)) {
				memset(&hits[nh], 0, sizeof(hits[nh]));
				hits[nh].r = r;
				hits[nh].option = r->option;
				hits[nh++].end = n;
			}
			continue;
		}
		/* exact: from the first word to the last. */
		for (i = 0; i < (r->form == INTENT_FORM_EXACT ? 1 : n) && nh < INTENT_HITMAX; i++) {
			if (!intent_phrase_at(l, r, toks, n, i, today, &hits[nh]))
				continue;
			if (r->form == INTENT_FORM_EXACT && hits[nh].end != n)
				continue;
			if (r->kind != OD_INTENT_OPT_OUT && r->kind != OD_INTENT_WRONG_NUMBER)
				hits[nh].negated = intent_negated(l, toks, n, i);
			nh++;
		}
	}
	return nh;
}

static int
intent_date_same(const struct intent_date *a, const struct intent_date *b)
{
	if (a->invalid || b->invalid)
		return a->invalid == b->invalid;
	return a->y == b->y && a->m == b->m && a->d == b->d;
}

/*
 * The hit that speaks for kind k, or NULL when its hits disagree (two
 * options, two dates).  The most telling wins: one with an option or a
 * date, then the longest, then the first in the file.
 */
static const struct intent_hit *
intent_best(const struct intent_hit *hits, size_t nh, enum od_intent_kind k)
{
	const struct intent_hit	*best = NULL, *h;
	size_t			 i;
	int			 tell, btell = 0;

	for (i = 0; i < nh; i++) {
		h = &hits[i];
		if (h->r->kind != k)
			continue;
		tell = k == OD_INTENT_ACCEPT ? h->option > 0 : h->date.named;
		if (best != NULL && tell && btell) {
			if (k == OD_INTENT_ACCEPT ? h->option != best->option :
			    !intent_date_same(&h->date, &best->date))
				return NULL;
			continue;
		}
		if (best == NULL || (tell && !btell) ||
		    (tell == btell && h->end - h->start > best->end - best->start)) {
			best = h;
			btell = tell;
		}
	}
	return best;
}

static void
intent_fill(struct od_intent_match *out, const struct intent_hit *h, enum od_intent_kind kind)
{
	out->kind = kind;
	snprintf(out->matched, sizeof(out->matched), "%s", h->r->text);
	out->line = h->r->line;
	out->col = h->r->col;
	if (kind == OD_INTENT_ACCEPT)
		out->option = h->option;
	if (kind == OD_INTENT_PROMISE && h->date.named) {
		out->date_invalid = h->date.invalid;
		if (!h->date.invalid)
			snprintf(out->date, sizeof(out->date), "%04u-%02u-%02u",
			    (unsigned)h->date.y % 10000u, (unsigned)h->date.m % 100u,
			    (unsigned)h->date.d % 100u);
	}
}

enum od_intent_kind
intent_match_locale(const struct od_intent_locale *l, const char *text, const char *today,
    struct od_intent_match *out)
{
	static const enum od_intent_kind order[] = { OD_INTENT_ACCEPT, OD_INTENT_PROMISE,
	    OD_INTENT_AGENT, OD_INTENT_PAID_CLAIM };
	struct intent_tok	 toks[INTENT_TOKMAX];
	struct intent_hit	 hits[INTENT_HITMAX];
	const struct intent_hit	*h, *neg = NULL, *one = NULL;
	size_t			 n, nh, i, used = 0;
	int			 present[OD_INTENT_WRONG_NUMBER + 1] = { 0 };
	int			 negk[OD_INTENT_WRONG_NUMBER + 1] = { 0 };
	int			 nkinds = 0, k, dated = 0;

	memset(out, 0, sizeof(*out));
	n = intent_normalise(text, toks, INTENT_TOKMAX);
	if (n == 0 || l == NULL)
		return OD_INTENT_NONE;
	nh = intent_hits(l, toks, n, today, hits);
	for (i = 0; i < nh; i++) {
		h = &hits[i];
		present[h->r->kind] = 1;
		if (h->negated) {
			negk[h->r->kind] = 1;
			if (neg == NULL)
				neg = h;
		}
		if (h->r->kind == OD_INTENT_PROMISE && h->date.named && !h->negated)
			dated = 1;
	}
	for (k = OD_INTENT_WRONG_NUMBER; k >= OD_INTENT_OPT_OUT; k--)
		if (present[k] && (h = intent_best(hits, nh, (enum od_intent_kind)k)) != NULL) {
			intent_fill(out, h, (enum od_intent_kind)k);
			return out->kind;
		}
	/* A negated kind is out whole: "acepto... no, no acepto" is for people. */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (negk[order[i]])
			present[order[i]] = 0;
	if (dated && present[OD_INTENT_PROMISE])
		present[OD_INTENT_ACCEPT] = 0;	/* "acepto, pago el viernes" */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (present[order[i]]) {
			nkinds++;
			k = order[i];
		}
	if (nkinds == 1 && (one = intent_best(hits, nh, (enum od_intent_kind)k)) != NULL) {
		intent_fill(out, one, (enum od_intent_kind)k);
		return out->kind;
	}
	/* NONE, for people; matched says why, when something did match. */
	if (nkinds > 1 || (nkinds == 1 && one == NULL)) {
		used = (size_t)snprintf(out->matched, sizeof(out->matched), "ambiguous:");
		for (i = 0; i < sizeof(order) / sizeof(order[0]) && used < sizeof(out->matched); i++)
			if (present[order[i]])
				used += (size_t)snprintf(out->matched + used,
				    sizeof(out->matched) - used, " %s",
				    od_intent_kind_name(order[i]));
	} else if (neg != NULL) {
		snprintf(out->matched, sizeof(out->matched), "negated: %.54s", neg->r->text);
		out->line = neg->r->line;
		out->col = neg->r->col;
	}
	return OD_INTENT_NONE;
}
