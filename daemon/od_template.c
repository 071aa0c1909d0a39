/*
 * od_template: the template syntax (docs/templates.md): compiling a text to a
 * small tree, and walking it.  Rendering it against a JSON context is in
 * od_template_render.c, template sets (the files under templates/<locale>/)
 * in od_tmplset.c, the checks that read a template in od_tmplcheck.c.
 */
#include "od_template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_template_int.h"

static const struct {
	const char		*name;
	enum tmpl_filter	 f;
} tmpl_filters[] = {
	{ "money", TF_MONEY },
	{ "date", TF_DATE },
	{ "upper", TF_UPPER },
	{ "lower", TF_LOWER },
	{ "relative", TF_RELATIVE },
	{ "gsm", TF_GSM },
	{ "short_date", TF_SHORT_DATE },
};

/* Compiler state. */
struct tmpl_comp {
	const char		*src;
	const char		*file;
	int			 line0;
	int			 col0;
	struct od_errors	*errs;
	int			 nerr;
	/* where src[at] stands, in src's own 1-based coordinates */
	size_t			 at;
	int			 line;
	int			 col;
	struct tmpl_node	*open[TMPL_MAX_DEPTH];
	int			 depth;
	struct tmpl_list	*cur;
	int			 oom;
};

static void
tmpl_list_free(struct tmpl_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].s);
		tmpl_list_free(&l->v[i].body);
		tmpl_list_free(&l->v[i].alt);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
od_template_free(struct od_template *t)
{
	if (t == NULL)
		return;
	tmpl_list_free(&t->root);
	free(t->file);
	free(t);
}

static struct tmpl_node *
tmpl_list_push(struct tmpl_comp *c, enum tmpl_node_type type)
{
	struct tmpl_list	*l = c->cur;
	struct tmpl_node	*v;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		if ((v = realloc(l->v, ncap * sizeof(*v))) == NULL) {
			c->oom = 1;
			return NULL;
		}
		l->v = v;
		l->cap = ncap;
	}
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

/* Moves the position to src[to] (to >= at), counting UTF-8 characters as columns. */
static void
tmpl_advance(struct tmpl_comp *c, size_t to)
{
	for (; c->at < to; c->at++) {
		unsigned char ch = (unsigned char)c->src[c->at];
		if (ch == '\n') {
			c->line++;
			c->col = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c->col++;
		}
	}
}

/* Adds an error at line:col of the file. */
static void
tmpl_error(struct tmpl_comp *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
tmpl_error(struct tmpl_comp *c, int line, int col, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	od_errors_add(c->errs, c->file, line, col, "%s", msg);
	c->nerr++;
}

static int
tmpl_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Copies s[0..n) with surrounding white space removed. */
static char *
tmpl_trimdup(const char *s, size_t n)
{
	char	*r;

	while (n > 0 && tmpl_is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && tmpl_is_space(s[n - 1]))
		n--;
	if ((r = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* letters, digits and '_', in non-empty parts joined by '.' */
static int
tmpl_path_valid(const char *p)
{
	int	seglen = 0;

	if (*p == '\0' || strlen(p) >= TMPL_MAX_PATH)
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (seglen == 0)
				return 0;
			seglen = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_') {
			seglen++;
		} else {
			return 0;
		}
	}
	return seglen > 0;
}

/* How many {{#each}} are open around the current position. */
static int
tmpl_in_each(const struct tmpl_comp *c)
{
	int	i, n = 0;

	for (i = 0; i < c->depth; i++)
		if (c->open[i]->type == TN_EACH)
			n++;
	return n;
}

/*
 * A variable's path: tmpl_path_valid, or inside an {{#each}} one of the
 * item's own @first, @last, @index.  1 when good; else an error and 0.
 */
static int
tmpl_path_check(struct tmpl_comp *c, const char *path, int line, int col)
{
	if (path[0] != '@') {
		if (tmpl_path_valid(path))
			return 1;
		tmpl_error(c, line, col, "bad variable name '%s'", path);
		return 0;
	}
	if (strcmp(path, "@first") != 0 && strcmp(path, "@last") != 0 &&
	    strcmp(path, "@index") != 0) {
		tmpl_error(c, line, col, "bad variable name '%s' (an item has @first, @last and "
		    "@index)", path);
		return 0;
	}
	if (!tmpl_in_each(c)) {
		tmpl_error(c, line, col, "'%s' outside '{{#each}}'", path);
		return 0;
	}
	return 1;
}

static void
tmpl_emit_text(struct tmpl_comp *c, size_t from, size_t to)
{
	struct tmpl_node	*n;

	if (to <= from)
		return;
	if ((n = tmpl_list_push(c, TN_TEXT)) == NULL)
		return;
	if ((n->s = malloc(to - from + 1)) == NULL) {
		c->oom = 1;
		return;
	}
	memcpy(n->s, c->src + from, to - from);
	n->s[to - from] = '\0';
	n->len = to - from;
}

static void
tmpl_open_block(struct tmpl_comp *c, const char *word, const char *rest, int line, int col)
{
	struct tmpl_node	*n;
	enum tmpl_node_type	 type;

	if (strcmp(word, "if") == 0) {
		type = TN_IF;
	} else if (strcmp(word, "unless") == 0) {
		type = TN_UNLESS;
	} else if (strcmp(word, "each") == 0) {
		type = TN_EACH;
	} else {
		tmpl_error(c, line, col, "unknown block '#%s'", word);
		return;
	}
	/* A bad condition still opens the block, so that its end matches. */
	if (*rest == '\0')
		tmpl_error(c, line, col, "'{{#%s}}' needs a variable", word);
	else if (type == TN_EACH && rest[0] == '@')
		tmpl_error(c, line, col, "'{{#each}}' needs a list, not '%s'", rest);
	else
		(void)tmpl_path_check(c, rest, line, col);
	if (c->depth == TMPL_MAX_DEPTH) {
		tmpl_error(c, line, col, "blocks are nested too deep");
		return;
	}
	if ((n = tmpl_list_push(c, type)) == NULL || (n->s = strdup(rest)) == NULL) {
		c->oom = 1;
		return;
	}
	n->line = line;
	n->col = col;
	c->open[c->depth++] = n;
	c->cur = &n->body;
}

static const char *
tmpl_block_word(const struct tmpl_node *n)
{
	return n->type == TN_IF ? "if" : n->type == TN_EACH ? "each" : "unless";
}

static void
tmpl_reset_cur(struct tmpl_comp *c, struct tmpl_list *root)
{
	struct tmpl_node	*top;

	if (c->depth == 0) {
		c->cur = root;
		return;
	}
	top = c->open[c->depth - 1];
	c->cur = top->has_else ? &top->alt : &top->body;
}

static void
tmpl_else(struct tmpl_comp *c, int line, int col)
{
	struct tmpl_node	*top;

	if (c->depth == 0) {
		tmpl_error(c, line, col, "'{{else}}' outside '{{#if}}', '{{#unless}}' or "
		    "'{{#each}}'");
		return;
	}
	top = c->open[c->depth - 1];
	if (top->has_else) {
		tmpl_error(c, line, col, "a second '{{else}}' in '{{#%s}}' opened at %d:%d",
		    tmpl_block_word(top), top->line, top->col);
		return;
	}
	top->has_else = 1;
	c->cur = &top->alt;
}

static void
tmpl_close_block(struct tmpl_comp *c, const char *word, struct tmpl_list *root,
    int line, int col)
{
	struct tmpl_node	*top;

	if (strcmp(word, "if") != 0 && strcmp(word, "unless") != 0 && strcmp(word, "each") != 0) {
		tmpl_error(c, line, col, "unknown block end '{{/%s}}'", word);
		return;
	}
	if (c->depth == 0) {
		tmpl_error(c, line, col, "'{{/%s}}' without '{{#%s}}'", word, word);
		return;
	}
	top = c->open[c->depth - 1];
	if (strcmp(word, tmpl_block_word(top)) != 0)
		tmpl_error(c, line, col, "'{{/%s}}' closes '{{#%s}}' opened at %d:%d",
		    word, tmpl_block_word(top), top->line, top->col);
	c->depth--;
	tmpl_reset_cur(c, root);
}

static void
tmpl_variable(struct tmpl_comp *c, const char *expr, int line, int col)
{
	struct tmpl_node	*n;
	const char		*bar, *p;
	char			*path, *fname;
	int			 filters[TMPL_MAX_FILTERS], nf = 0, ok = 1;
	size_t			 i;

	bar = strchr(expr, '|');
	if ((path = tmpl_trimdup(expr, bar ? (size_t)(bar - expr) : strlen(expr))) == NULL) {
		c->oom = 1;
		return;
	}
	if (*path == '\0') {
		tmpl_error(c, line, col, "empty variable");
		ok = 0;
	} else if (!tmpl_path_check(c, path, line, col)) {
		ok = 0;
	}
	for (p = bar; p != NULL; p = bar) {
		p++;
		bar = strchr(p, '|');
		if ((fname = tmpl_trimdup(p, bar ? (size_t)(bar - p) : strlen(p))) == NULL) {
			c->oom = 1;
			break;
		}
		for (i = 0; i < sizeof(tmpl_filters) / sizeof(tmpl_filters[0]); i++)
			if (strcmp(fname, tmpl_filters[i].name) == 0)
				break;
		if (*fname == '\0') {
			tmpl_error(c, line, col, "empty filter");
			ok = 0;
		} else if (i == sizeof(tmpl_filters) / sizeof(tmpl_filters[0])) {
			tmpl_error(c, line, col, "unknown filter '%s'", fname);
			ok = 0;
		} else if (nf == TMPL_MAX_FILTERS) {
			tmpl_error(c, line, col, "more than %d filters", TMPL_MAX_FILTERS);
			ok = 0;
		} else {
			filters[nf++] = (int)tmpl_filters[i].f;
		}
		free(fname);
	}
	if (!ok || c->oom || (n = tmpl_list_push(c, TN_VAR)) == NULL) {
		free(path);
		return;
	}
	n->s = path;
	n->line = line;
	n->col = col;
	memcpy(n->filters, filters, sizeof(filters[0]) * (size_t)nf);
	n->nfilters = nf;
}

/* Handles the tag whose text (between the braces, trimmed) is tag. */
static void
tmpl_tag(struct tmpl_comp *c, const char *tag, struct tmpl_list *root, int line, int col)
{
	char		 word[32];
	const char	*rest;
	size_t		 wl;

	if (tag[0] == '#' || tag[0] == '/') {
		for (rest = tag + 1; *rest == ' ' || *rest == '\t'; rest++)
			;
		for (wl = 0; rest[wl] != '\0' && !tmpl_is_space(rest[wl]); wl++)
			;
		if (wl >= sizeof(word))
			wl = sizeof(word) - 1;
		memcpy(word, rest, wl);
		word[wl] = '\0';
		for (rest += wl; tmpl_is_space(*rest); rest++)
			;
		if (tag[0] == '#') {
			tmpl_open_block(c, word, rest, line, col);
		} else {
			if (*rest != '\0')
				tmpl_error(c, line, col, "'{{/%s}}' takes no variable", word);
			tmpl_close_block(c, word, root, line, col);
		}
	} else if (strcmp(tag, "else") == 0) {
		tmpl_else(c, line, col);
	} else {
		tmpl_variable(c, tag, line, col);
	}
}

struct od_template *
od_template_compile(const char *src, const char *file, int line, int col,
    struct od_errors *errs)
{
	struct tmpl_comp	 c;
	struct od_template	*t;
	const char		*p, *q;
	size_t			 pos = 0, start, end, ls, re, text_end, next;
	int			 tl, tc, block;
	char			*tag;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (file != NULL && (t->file = strdup(file)) == NULL) {
		free(t);
		return NULL;
	}
	t->line = line;
	t->col = col;
	memset(&c, 0, sizeof(c));
	c.src = src != NULL ? src : "";
	c.file = file;
	c.line0 = line;
	c.col0 = col;
	c.errs = errs;
	c.line = 1;
	c.col = 1;
	c.cur = &t->root;
	for (;;) {
		if ((p = strstr(c.src + pos, "{{")) == NULL) {
			tmpl_emit_text(&c, pos, strlen(c.src));
			break;
		}
		start = (size_t)(p - c.src);
		tmpl_advance(&c, start);
		/* Every line of src is taken to start at column col (an indented block). */
		tl = c.line0 + c.line - 1;
		tc = c.col0 + c.col - 1;
		if ((q = strstr(p + 2, "}}")) == NULL) {
			tmpl_error(&c, tl, tc, "unclosed '{{'");
			break;
		}
		end = (size_t)(q - c.src) + 2;
		if ((tag = tmpl_trimdup(p + 2, (size_t)(q - p - 2))) == NULL) {
			c.oom = 1;
			break;
		}
		block = tag[0] == '#' || tag[0] == '/' || strcmp(tag, "else") == 0;
		text_end = start;
		next = end;
		if (block) {
			/* A block tag alone on its line takes the line with it. */
			for (ls = start; ls > pos && (c.src[ls - 1] == ' ' || c.src[ls - 1] == '\t'); ls--)
				;
			for (re = end; c.src[re] == ' ' || c.src[re] == '\t' || c.src[re] == '\r'; re++)
				;
			if ((ls == 0 || c.src[ls - 1] == '\n') && (c.src[re] == '\n' || c.src[re] == '\0')) {
				text_end = ls;
				next = c.src[re] == '\n' ? re + 1 : re;
			}
		}
		tmpl_emit_text(&c, pos, text_end);
		if (*tag == '\0')
			tmpl_error(&c, tl, tc, "empty variable");
		else
			tmpl_tag(&c, tag, &t->root, tl, tc);
		free(tag);
		if (c.oom)
			break;
		pos = next;
	}
	while (c.depth > 0) {
		struct tmpl_node *n = c.open[--c.depth];
		tmpl_error(&c, n->line, n->col, "'{{#%s}}' is not closed", tmpl_block_word(n));
	}
	if (c.oom) {
		od_errors_add(errs, file, line, col, "out of memory");
		c.nerr++;
	}
	if (c.nerr > 0) {
		od_template_free(t);
		return NULL;
	}
	return t;
}

static void
tmpl_foreach_list(const struct od_template *t, const struct tmpl_list *l,
    void (*fn)(void *, const char *, const char *, int, int), void *arg)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		const struct tmpl_node *n = &l->v[i];
		if (n->type == TN_TEXT)
			continue;
		fn(arg, n->s, t->file, n->line, n->col);
		tmpl_foreach_list(t, &n->body, fn, arg);
		tmpl_foreach_list(t, &n->alt, fn, arg);
	}
}

void
od_template_foreach_var(const struct od_template *t,
    void (*fn)(void *arg, const char *path, const char *file, int line, int col),
    void *arg)
{
	if (t != NULL)
		tmpl_foreach_list(t, &t->root, fn, arg);
}

/* each[0..neach) are the paths of the #each around l, outermost first. */
static void
tmpl_foreach_scoped(const struct od_template *t, const struct tmpl_list *l,
    const char **each, int neach,
    void (*fn)(void *, const struct od_template_var *), void *arg)
{
	struct od_template_var	 v;
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		const struct tmpl_node *n = &l->v[i];

		if (n->type == TN_TEXT)
			continue;
		v.path = n->s;
		v.each = each;
		v.neach = neach;
		v.file = t->file;
		v.line = n->line;
		v.col = n->col;
		fn(arg, &v);
		if (n->type == TN_EACH) {
			/* depth is bounded by TMPL_MAX_DEPTH at compile time */
			each[neach] = n->s;
			tmpl_foreach_scoped(t, &n->body, each, neach + 1, fn, arg);
		} else {
			tmpl_foreach_scoped(t, &n->body, each, neach, fn, arg);
		}
		/* an #each's {{else}} is written when the list is empty: no item */
		tmpl_foreach_scoped(t, &n->alt, each, neach, fn, arg);
	}
}

void
od_template_foreach_var_scoped(const struct od_template *t,
    void (*fn)(void *arg, const struct od_template_var *v), void *arg)
{
	const char	*each[TMPL_MAX_DEPTH];

	if (t != NULL)
		tmpl_foreach_scoped(t, &t->root, each, 0, fn, arg);
}

static void
tmpl_pieces(const struct tmpl_list *l, int depth,
    void (*fn)(void *, const struct od_template_piece *), void *arg)
{
	struct od_template_piece	 p;
	size_t				 i;
	int				 k;

	for (i = 0; i < l->n; i++) {
		const struct tmpl_node *n = &l->v[i];

		/* an #each may write its body no time at all, as a false #if */
		if (n->type == TN_IF || n->type == TN_UNLESS || n->type == TN_EACH) {
			tmpl_pieces(&n->body, depth + 1, fn, arg);
			tmpl_pieces(&n->alt, depth + 1, fn, arg);
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.var = n->type == TN_VAR;
		p.s = n->s;
		p.len = n->len;
		p.depth = depth;
		p.line = n->line;
		p.col = n->col;
		for (k = 0; k < n->nfilters; k++)
			if (n->filters[k] == TF_MONEY)
				p.money = 1;
		fn(arg, &p);
	}
}

void
od_template_foreach_piece(const struct od_template *t,
    void (*fn)(void *arg, const struct od_template_piece *p), void *arg)
{
	if (t != NULL)
		tmpl_pieces(&t->root, 0, fn, arg);
}

void
od_template_position(const struct od_template *t, const char **file, int *line, int *col)
{
	*file = t->file;
	*line = t->line;
	*col = t->col;
}
