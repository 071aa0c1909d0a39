/*
 * od_template_render: a compiled template (od_template.c) rendered against a
 * JSON context in a locale: variables, filters (money, date, relative,
 * short_date, upper, lower, through od_locale; gsm), conditions and lists
 * (#each).
 */
#include "od_template.h"

#include <stdio.h>
#include <string.h>

#include "od_locale.h"
#include "od_template_int.h"

/* One {{#each}} being written: its item, and where it stands in the list. */
struct tmpl_scope {
	const json_t	*item;
	size_t		 index;
	size_t		 count;
	json_t		*index_v;	/* @index; owned */
};

struct tmpl_render {
	const json_t		*ctx;
	const char		*locale;
	enum od_escape		 esc;
	char			*err;
	size_t			 errlen;
	struct tmpl_scope	 scope[TMPL_MAX_DEPTH];	/* innermost last */
	int			 nscope;
};

static const json_t *
tmpl_lookup(const json_t *ctx, const char *path)
{
	char		 seg[TMPL_MAX_PATH];
	const char	*dot;
	size_t		 n;

	while (ctx != NULL) {
		if (!json_is_object(ctx))
			return NULL;
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		ctx = json_object_get(ctx, seg);
		if (dot == NULL)
			break;
		path = dot + 1;
	}
	return json_is_null(ctx) ? NULL : ctx;
}

/*
 * A name inside #each: @first, @last, @index of the innermost item; else
 * the path in the innermost item that has its first part, outwards; else in
 * the context.  An item's key shadows the context's from its first part on
 * ("date.x" in an item with a "date" is that item's, or missing).
 */
static const json_t *
tmpl_resolve(const struct tmpl_render *r, const char *path)
{
	const struct tmpl_scope	*s;
	const char		*dot;
	char			 seg[TMPL_MAX_PATH];
	size_t			 n;
	int			 k;

	if (path[0] == '@') {
		if (r->nscope == 0)
			return NULL;
		s = &r->scope[r->nscope - 1];
		if (strcmp(path, "@first") == 0)
			return s->index == 0 ? json_true() : json_false();
		if (strcmp(path, "@last") == 0)
			return s->index + 1 == s->count ? json_true() : json_false();
		if (strcmp(path, "@index") == 0)
			return s->index_v;
		return NULL;
	}
	dot = strchr(path, '.');
	n = dot ? (size_t)(dot - path) : strlen(path);
	if (n >= sizeof(seg))
		return NULL;
	memcpy(seg, path, n);
	seg[n] = '\0';
	for (k = r->nscope - 1; k >= 0; k--)
		if (json_is_object(r->scope[k].item) &&
		    json_object_get(r->scope[k].item, seg) != NULL)
			return tmpl_lookup(r->scope[k].item, path);
	return tmpl_lookup(r->ctx, path);
}

/* "an object", "a list", ...: what v is, for an error. */
static const char *
tmpl_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:	return "text";
	case JSON_INTEGER:
	case JSON_REAL:		return "a number";
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "a list";
	default:		return "a boolean";
	}
}

static int
tmpl_truthy(const json_t *v)
{
	switch (v == NULL ? JSON_NULL : json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return 1;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return 0;
	}
}

/* Writes v as text into b; -1 when v is not a value. */
static int
tmpl_value_text(struct tmpl_render *r, const char *path, const json_t *v, struct od_buf *b)
{
	double	d;

	switch (json_typeof(v)) {
	case JSON_STRING:
		od_buf_append(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		od_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	case JSON_REAL:
		d = json_real_value(v);
		if (d > -1e15 && d < 1e15 && (double)(long long)d == d)
			od_buf_printf(b, "%lld", (long long)d);
		else
			od_buf_printf(b, "%.15g", d);
		return 0;
	default:
		snprintf(r->err, r->errlen, "variable '%s' is %s, not text", path, tmpl_kind(v));
		return -1;
	}
}

/* Upper or lower case, ASCII and the Latin-1 letters (á <-> Á, ÿ <-> Ÿ). */
static void
tmpl_case(struct od_buf *b, int upper)
{
	unsigned char	*s = (unsigned char *)b->data;
	struct od_buf	 o;
	size_t		 i;

	if (b->len == 0)
		return;
	od_buf_init(&o);
	for (i = 0; i < b->len; i++) {
		unsigned char ch = s[i];
		if (ch < 0x80) {
			if (upper && ch >= 'a' && ch <= 'z')
				ch = (unsigned char)(ch - 32);
			else if (!upper && ch >= 'A' && ch <= 'Z')
				ch = (unsigned char)(ch + 32);
			od_buf_putc(&o, (char)ch);
		} else if (ch == 0xC3 && i + 1 < b->len) {
			unsigned char c2 = s[++i];
			if (upper && c2 == 0xBF) {		/* ÿ -> Ÿ U+0178 */
				od_buf_append(&o, "\xc5\xb8", 2);
				continue;
			}
			if (upper && c2 >= 0xA0 && c2 <= 0xBE && c2 != 0xB7)
				c2 = (unsigned char)(c2 - 0x20);
			else if (!upper && c2 >= 0x80 && c2 <= 0x9E && c2 != 0x97)
				c2 = (unsigned char)(c2 + 0x20);
			od_buf_putc(&o, (char)ch);
			od_buf_putc(&o, (char)c2);
		} else if (!upper && ch == 0xC5 && i + 1 < b->len && s[i + 1] == 0xB8) {
			od_buf_append(&o, "\xc3\xbf", 2);
			i++;
		} else {
			od_buf_putc(&o, (char)ch);
		}
	}
	od_buf_reset(b);
	od_buf_append(b, o.data, o.len);
	od_buf_free(&o);
}

/*
 * á í ó ú (and Á Í Ó Ú) without their accents, so that a Spanish word from a
 * filter ("sábado", "días") stays in the GSM-7 alphabet of an SMS; ñ, é, ü,
 * ¿ and ¡ are GSM-7 and stay.
 */
static void
tmpl_gsm(struct od_buf *b)
{
	static const char from[] = "\xa1\xad\xb3\xba\x81\x8d\x93\x9a";
	static const char to[] = "aiouAIOU";
	const char	*hit;
	size_t		 i, o = 0;

	for (i = 0; i < b->len; i++) {
		if ((unsigned char)b->data[i] == 0xC3 && i + 1 < b->len && b->data[i + 1] != '\0' &&
		    (hit = strchr(from, b->data[i + 1])) != NULL) {
			b->data[o++] = to[hit - from];
			i++;
		} else {
			b->data[o++] = b->data[i];
		}
	}
	b->len = o;
	if (b->data != NULL)
		b->data[o] = '\0';
}

static int
tmpl_filter(struct tmpl_render *r, int f, struct od_buf *b)
{
	struct od_buf	 o;
	const json_t	*cur;
	const char	*in = b->len ? b->data : "";
	int		 rc = 0;

	od_buf_init(&o);
	switch (f) {
	case TF_MONEY:
		cur = tmpl_lookup(r->ctx, "debt.currency");
		if (!json_is_string(cur)) {
			snprintf(r->err, r->errlen, "money: missing variable 'debt.currency'");
			return -1;
		}
		if (od_locale_money(r->locale, json_string_value(cur), in, &o) == -1) {
			od_buf_reset(&o);
			if (od_locale_money(r->locale, json_string_value(cur), "0", &o) == -1)
				snprintf(r->err, r->errlen, "money: unknown currency '%s'",
				    json_string_value(cur));
			else
				snprintf(r->err, r->errlen, "money: '%s' is not an amount", in);
			rc = -1;
		}
		break;
	case TF_DATE:
		if (od_locale_date(r->locale, in, &o) == -1) {
			snprintf(r->err, r->errlen, "date: '%s' is not a date", in);
			rc = -1;
		}
		break;
	case TF_SHORT_DATE:
		if (od_locale_date_short(r->locale, in, &o) == -1) {
			snprintf(r->err, r->errlen, "short_date: '%s' is not a date", in);
			rc = -1;
		}
		break;
	case TF_RELATIVE:
		cur = tmpl_lookup(r->ctx, "today");
		if (!json_is_string(cur)) {
			snprintf(r->err, r->errlen, "relative: missing variable 'today'");
			return -1;
		}
		if (od_locale_relative(r->locale, json_string_value(cur), in, &o) == -1) {
			snprintf(r->err, r->errlen, "relative: '%s' is not a date", in);
			rc = -1;
		}
		break;
	case TF_UPPER:
	case TF_LOWER:
		tmpl_case(b, f == TF_UPPER);
		return 0;
	case TF_GSM:
		tmpl_gsm(b);
		return 0;
	}
	if (rc == 0) {
		od_buf_reset(b);
		od_buf_append(b, o.len ? o.data : "", o.len);
	}
	od_buf_free(&o);
	return rc;
}

static void
tmpl_put_escaped(struct od_buf *out, const char *s, size_t n, enum od_escape esc)
{
	size_t	i;

	if (esc != OD_ESC_HTML) {
		od_buf_append(out, s, n);
		return;
	}
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': od_buf_puts(out, "&amp;"); break;
		case '<': od_buf_puts(out, "&lt;"); break;
		case '>': od_buf_puts(out, "&gt;"); break;
		case '"': od_buf_puts(out, "&quot;"); break;
		case '\'': od_buf_puts(out, "&#39;"); break;
		default: od_buf_putc(out, s[i]); break;
		}
	}
}

static int	tmpl_render_list(struct tmpl_render *, const struct tmpl_list *, struct od_buf *);

/* {{#each}}: the body once per item of the list at n's path, else its {{else}}. */
static int
tmpl_render_each(struct tmpl_render *r, const struct tmpl_node *n, struct od_buf *out)
{
	struct tmpl_scope	*s;
	const json_t		*list;
	size_t			 i;
	int			 rc = 0;

	if ((list = tmpl_resolve(r, n->s)) == NULL) {
		snprintf(r->err, r->errlen, "missing variable '%s'", n->s);
		return -1;
	}
	if (!json_is_array(list)) {
		snprintf(r->err, r->errlen, "variable '%s' is %s, not a list", n->s,
		    tmpl_kind(list));
		return -1;
	}
	if (json_array_size(list) == 0)
		return tmpl_render_list(r, &n->alt, out);
	/* the compiler bounds the nesting of blocks by TMPL_MAX_DEPTH */
	s = &r->scope[r->nscope];
	memset(s, 0, sizeof(*s));
	if ((s->index_v = json_integer(0)) == NULL) {
		snprintf(r->err, r->errlen, "out of memory");
		return -1;
	}
	s->count = json_array_size(list);
	r->nscope++;
	for (i = 0; rc == 0 && i < s->count; i++) {
		s->item = json_array_get(list, i);
		s->index = i;
		json_integer_set(s->index_v, (json_int_t)i);
		rc = tmpl_render_list(r, &n->body, out);
	}
	r->nscope--;
	json_decref(s->index_v);
	return rc;
}

static int
tmpl_render_list(struct tmpl_render *r, const struct tmpl_list *l, struct od_buf *out)
{
	struct od_buf	 b;
	const json_t	*v;
	size_t		 i;
	int		 k, truth;

	for (i = 0; i < l->n; i++) {
		const struct tmpl_node *n = &l->v[i];
		switch (n->type) {
		case TN_TEXT:
			od_buf_append(out, n->s, n->len);
			break;
		case TN_VAR:
			if ((v = tmpl_resolve(r, n->s)) == NULL) {
				snprintf(r->err, r->errlen, "missing variable '%s'", n->s);
				return -1;
			}
			od_buf_init(&b);
			if (tmpl_value_text(r, n->s, v, &b) == -1) {
				od_buf_free(&b);
				return -1;
			}
			for (k = 0; k < n->nfilters; k++)
				if (tmpl_filter(r, n->filters[k], &b) == -1) {
					od_buf_free(&b);
					return -1;
				}
			tmpl_put_escaped(out, b.len ? b.data : "", b.len, r->esc);
			od_buf_free(&b);
			break;
		case TN_IF:
		case TN_UNLESS:
			truth = tmpl_truthy(tmpl_resolve(r, n->s));
			if (n->type == TN_UNLESS)
				truth = !truth;
			if (tmpl_render_list(r, truth ? &n->body : &n->alt, out) == -1)
				return -1;
			break;
		case TN_EACH:
			if (tmpl_render_each(r, n, out) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

int
od_template_render(const struct od_template *t, const json_t *ctx, const char *locale,
    enum od_escape esc, struct od_buf *out, char *err, size_t errlen)
{
	struct tmpl_render	r;
	char			dummy[8];
	size_t			len0 = out->len;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (t == NULL) {
		snprintf(err, errlen, "no template");
		return -1;
	}
	r.ctx = ctx;
	r.locale = locale;
	r.esc = esc;
	r.err = err;
	r.errlen = errlen;
	r.nscope = 0;
	if (tmpl_render_list(&r, &t->root, out) == -1 || out->oom) {
		if (out->oom)
			snprintf(err, errlen, "out of memory");
		out->len = len0;
		if (out->data != NULL)
			out->data[len0] = '\0';
		return -1;
	}
	/* An empty result still reads as "" to the caller. */
	if (out->data == NULL)
		od_buf_append(out, "", 0);
	return out->oom ? -1 : 0;
}
