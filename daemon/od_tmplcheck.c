/*
 * od_tmplcheck: what `outreachctl validate` and `outreachd --check` read in
 * a template without rendering it (docs/templates.md, "Checks"):
 *
 *   - is every variable one the plan's context provides
 *     (od_template_set_check_vars, with od_plan_context_has);
 *   - does a text always say a phrase (a jurisdiction's disclosures: the
 *     caller, od_confset.c, knows which phrases a text must carry);
 *   - does the part of a text a phone shows on its lock screen (the first
 *     40 characters of an SMS or WhatsApp text, an email's subject) reveal
 *     the debt: an amount, or the words deuda, mora, cobranza, debt,
 *     collection.  A phone often belongs to a family: a warning.
 */
#include "od_template.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TMPLCHECK_LOCKSCREEN	40	/* characters a lock screen shows */
#define TMPLCHECK_PATH		512	/* a list's path with its item's name */
#define TMPLCHECK_MAXEACH	32	/* as deep as blocks nest (od_template_int.h) */

struct tmplcheck_vars {
	int			(*known)(const char *path);
	struct od_errors	*errs;
	int			 n;
};

/* "prefix.path" (just path when prefix is NULL) into dst; -1 when it does not fit. */
static int
tmplcheck_join(char *dst, const char *prefix, const char *path)
{
	char	q[TMPLCHECK_PATH];
	int	n;

	if (prefix != NULL)
		n = snprintf(q, sizeof(q), "%s.%s", prefix, path);
	else
		n = snprintf(q, sizeof(q), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(q))
		return -1;
	memcpy(dst, q, (size_t)n + 1);
	return 0;
}

/* known(prefix.path)?  0 when it would not fit. */
static int
tmplcheck_known_in(const struct tmplcheck_vars *c, const char *prefix, const char *path)
{
	char	q[TMPLCHECK_PATH];

	return tmplcheck_join(q, prefix, path) == 0 && c->known(q);
}

/*
 * A name is known at the root, or, inside {{#each L}}, as a field of L's
 * items: known("L.name").  An inner #each's path is resolved against the
 * outer list's items first, as rendering does.
 */
static void
tmplcheck_var(void *arg, const struct od_template_var *v)
{
	struct tmplcheck_vars	*c = arg;
	char			 scope[TMPLCHECK_MAXEACH][TMPLCHECK_PATH];
	int			 k, n;

	/* attributes.* come with each account: checked when rendering. */
	if (strncmp(v->path, "attributes.", 11) == 0)
		return;
	/* @first, @last, @index: the compiler allows them only inside an #each */
	if (v->path[0] == '@' || c->known(v->path))
		return;
	n = v->neach < TMPLCHECK_MAXEACH ? v->neach : TMPLCHECK_MAXEACH;
	for (k = 0; k < n; k++) {
		scope[k][0] = '\0';	/* too long: a scope that knows nothing */
		if (k > 0 && tmplcheck_known_in(c, scope[k - 1], v->each[k]))
			(void)tmplcheck_join(scope[k], scope[k - 1], v->each[k]);
		else
			(void)tmplcheck_join(scope[k], NULL, v->each[k]);
	}
	for (k = n - 1; k >= 0; k--)
		if (tmplcheck_known_in(c, scope[k], v->path))
			return;
	if (v->neach > 0)
		od_errors_add(c->errs, v->file, v->line, v->col, "unknown variable '%s' in "
		    "'{{#each %s}}' (neither its items' nor the context's)", v->path,
		    v->each[v->neach - 1]);
	else
		od_errors_add(c->errs, v->file, v->line, v->col, "unknown variable '%s'", v->path);
	c->n++;
}

int
od_template_set_check_vars(const struct od_template_set *set,
    int (*known)(const char *path), struct od_errors *errs)
{
	struct tmplcheck_vars	c = { known, errs, 0 };
	size_t			i, j;

	if (set == NULL || known == NULL)
		return 0;
	for (i = 0; i < set->n; i++) {
		const struct od_message_tmpl *m = &set->v[i];
		od_template_foreach_var_scoped(m->sms, tmplcheck_var, &c);
		od_template_foreach_var_scoped(m->email_subject, tmplcheck_var, &c);
		od_template_foreach_var_scoped(m->email_text, tmplcheck_var, &c);
		od_template_foreach_var_scoped(m->email_html, tmplcheck_var, &c);
		for (j = 0; j < m->wa_nparams; j++)
			od_template_foreach_var_scoped(m->wa_params[j], tmplcheck_var, &c);
		od_template_foreach_var_scoped(m->wa_text, tmplcheck_var, &c);
		for (j = 0; j < m->wa_nbuttons; j++)	/* NULL-safe: quick replies have none */
			od_template_foreach_var_scoped(m->wa_buttons[j].param, tmplcheck_var, &c);
	}
	return c.n;
}

struct tmplcheck_says {
	const char	*phrase;
	int		 found;
};

/* Does s[0..n) hold phrase, ignoring ASCII case? */
static int
tmplcheck_contains(const char *s, size_t n, const char *phrase)
{
	size_t	plen = strlen(phrase), i;

	for (i = 0; plen > 0 && i + plen <= n; i++)
		if (strncasecmp(s + i, phrase, plen) == 0)
			return 1;
	return 0;
}

static void
tmplcheck_says_piece(void *arg, const struct od_template_piece *p)
{
	struct tmplcheck_says	*a = arg;

	if (!p->var && p->depth == 0 && tmplcheck_contains(p->s, p->len, a->phrase))
		a->found = 1;
}

int
od_template_says(const struct od_template *t, const char *phrase)
{
	struct tmplcheck_says	a = { phrase, 0 };

	if (t == NULL || phrase == NULL)
		return 0;
	od_template_foreach_piece(t, tmplcheck_says_piece, &a);
	return a.found;
}

/* The debt's amounts as the context names them (od_plan.h). */
static int
tmplcheck_is_amount(const char *path)
{
	static const char *const amounts[] = {
		"debt.amount", "debt.outstanding", "debt.paid", "offer.installment_amount",
		"offer.discount_amount", "offer.discounted_amount", "promise.amount",
		"promise.paid", "promise.remaining", "agreement.total", "agreement.remaining",
		"agreement.next.amount", NULL,
	};
	/* offers.<id>.<field> */
	static const char *const offer_amounts[] = {
		"installment_amount", "min_installment", "discount_amount", "discounted_amount",
		NULL,
	};
	const char	*field;
	size_t		 i;

	for (i = 0; amounts[i] != NULL; i++)
		if (strcmp(amounts[i], path) == 0)
			return 1;
	if (strncmp(path, "offers.", 7) == 0 && (field = strchr(path + 7, '.')) != NULL)
		for (i = 0; offer_amounts[i] != NULL; i++)
			if (strcmp(offer_amounts[i], field + 1) == 0)
				return 1;
	return 0;
}

struct tmplcheck_lock {
	const struct od_message_tmpl	*m;
	const char			*what;		/* "sms", "email subject", ... */
	size_t				 limit;		/* characters checked; (size_t)-1: all */
	size_t				 at;		/* characters of literal text so far */
	int				 warned;
	struct od_errors		*errs;
	const struct od_template	*t;
};

/* UTF-8 characters in s[0..n). */
static size_t
tmplcheck_chars(const char *s, size_t n)
{
	size_t	c = 0, i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* The first of the telling words that starts a word in s[0..n), or NULL; *off its byte offset. */
static const char *
tmplcheck_word(const char *s, size_t n, size_t *off)
{
	static const char *const words[] = { "deuda", "mora", "cobranza", "debt", "collection",
		NULL };
	size_t	i, k, wl;

	for (i = 0; i < n; i++) {
		if (i > 0 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z') ||
		    (s[i - 1] >= 'A' && s[i - 1] <= 'Z')))
			continue;
		for (k = 0; words[k] != NULL; k++) {
			wl = strlen(words[k]);
			if (i + wl <= n && strncasecmp(s + i, words[k], wl) == 0) {
				*off = i;
				return words[k];
			}
		}
	}
	return NULL;
}

/*
 * Variables count as no characters: a name may be short, so anything after
 * one may stand within the first 40 characters.
 */
static void
tmplcheck_lock_piece(void *arg, const struct od_template_piece *p)
{
	struct tmplcheck_lock	*a = arg;
	const char		*file, *w;
	size_t			 off, n;
	int			 line, col;

	if (a->warned || a->at >= a->limit)
		return;
	od_template_position(a->t, &file, &line, &col);
	if (p->var) {
		if (p->money || tmplcheck_is_amount(p->s)) {
			od_errors_warn(a->errs, file, p->line, p->col, "%s/%s: the %s shows the "
			    "amount ({{ %s }}) %s, where a lock screen shows it to whoever holds "
			    "the phone; open with the company's name and a neutral line (\"tiene un "
			    "mensaje sobre su cuenta\") and give the amount after it", a->m->locale,
			    a->m->name, a->what, p->s, a->limit == (size_t)-1 ? "in the subject" :
			    "in its first 40 characters");
			a->warned = 1;
		}
		return;
	}
	n = p->len;
	if ((w = tmplcheck_word(p->s, n, &off)) != NULL &&
	    a->at + tmplcheck_chars(p->s, off) < a->limit) {
		od_errors_warn(a->errs, file, line, col, "%s/%s: the %s says '%s' %s, where a "
		    "lock screen shows it to whoever holds the phone; open with the company's "
		    "name and a neutral line (\"tiene un mensaje sobre su cuenta\")", a->m->locale,
		    a->m->name, a->what, w, a->limit == (size_t)-1 ? "in the subject" :
		    "in its first 40 characters");
		a->warned = 1;
		return;
	}
	if (p->depth == 0)	/* text under an #if may not be written: it moves nothing */
		a->at += tmplcheck_chars(p->s, n);
}

static int
tmplcheck_lock(const struct od_message_tmpl *m, const struct od_template *t, const char *what,
    size_t limit, struct od_errors *errs)
{
	struct tmplcheck_lock	a;

	if (t == NULL)
		return 0;
	memset(&a, 0, sizeof(a));
	a.m = m;
	a.what = what;
	a.limit = limit;
	a.errs = errs;
	a.t = t;
	od_template_foreach_piece(t, tmplcheck_lock_piece, &a);
	return a.warned;
}

int
od_template_set_check_lockscreen(const struct od_template_set *set, struct od_errors *errs)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < set->n; i++) {
		const struct od_message_tmpl *m = &set->v[i];

		n += tmplcheck_lock(m, m->sms, "sms text", TMPLCHECK_LOCKSCREEN, errs);
		n += tmplcheck_lock(m, m->wa_text, "whatsapp text", TMPLCHECK_LOCKSCREEN, errs);
		n += tmplcheck_lock(m, m->email_subject, "email subject", (size_t)-1, errs);
	}
	return n;
}
