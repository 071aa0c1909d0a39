/*
 * od_template (continued): template sets.  templates/<locale>/<name>.yaml,
 * one file per message name and locale, each with the texts of the channels
 * it serves (docs/templates.md):
 *
 *   sms: "Hola {{ debtor.first_name }}, ..."
 *   email: { subject: ..., text: |..., html: |... }
 *   whatsapp: { template: name, language: es, params: [...], text: ...,
 *               buttons: [...] (od_template_wa.c) }
 *
 * Every text is compiled at load, with its errors at the file's real
 * line:col, block scalars included.
 */
#include "od_template.h"
#include "od_template_int.h"	/* od_template_wa_buttons_*: od_template_wa.c */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "od_buf.h"
#include "od_yaml.h"

/* A file as read, for the indentation of its block scalars. */
struct tmplset_file {
	const char	*path;
	const char	*raw;
	size_t		 len;
};

static void
tmplset_msg_clear(struct od_message_tmpl *m)
{
	size_t	i;

	free(m->name);
	free(m->locale);
	free(m->file);
	od_template_free(m->sms);
	od_template_free(m->email_subject);
	od_template_free(m->email_text);
	od_template_free(m->email_html);
	free(m->wa_name);
	free(m->wa_language);
	for (i = 0; i < m->wa_nparams; i++)
		od_template_free(m->wa_params[i]);
	free(m->wa_params);
	od_template_free(m->wa_text);
	od_template_wa_buttons_free(m);
	memset(m, 0, sizeof(*m));
}

void
od_template_set_free(struct od_template_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		tmplset_msg_clear(&set->v[i]);
	free(set->v);
	free(set->dir);
	memset(set, 0, sizeof(*set));
}

/* BCP 47 language[-region]: "es", "es-PE", "es-419", "en". */
static int
tmplset_locale_valid(const char *s)
{
	size_t	i, n;

	for (n = 0; s[n] >= 'a' && s[n] <= 'z'; n++)
		;
	if (n < 2 || n > 3)
		return 0;
	if (s[n] == '\0')
		return 1;
	if (s[n] != '-')
		return 0;
	s += n + 1;
	if (strlen(s) == 2)
		return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
	if (strlen(s) == 3) {
		for (i = 0; i < 3; i++)
			if (s[i] < '0' || s[i] > '9')
				return 0;
		return 1;
	}
	return 0;
}

/* Lowercase letters, digits and '_' (also what Meta allows in template names). */
static int
tmplset_name_valid(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* The number of leading spaces of the first non-blank line at or after line. */
static int
tmplset_indent(const struct tmplset_file *f, int line)
{
	const char	*p = f->raw, *end = f->raw + f->len;
	int		 l = 1, n;

	while (p < end && l < line) {
		if (*p++ == '\n')
			l++;
	}
	while (p < end) {
		for (n = 0; p + n < end && p[n] == ' '; n++)
			;
		if (p + n < end && p[n] != '\n' && p[n] != '\r')
			return n;
		p += n;
		while (p < end && *p++ != '\n')
			;
	}
	return 0;
}

/*
 * The lines of the block scalar whose content starts at line, as written
 * (indentation removed, not folded): a > block folds its lines together,
 * so errors are looked for in this text, whose lines are the file's.
 */
static char *
tmplset_block_raw(const struct tmplset_file *f, int line, int indent)
{
	struct od_buf	 b;
	const char	*p = f->raw, *end = f->raw + f->len, *eol;
	int		 l = 1, n;

	while (p < end && l < line) {
		if (*p++ == '\n')
			l++;
	}
	od_buf_init(&b);
	od_buf_append(&b, "", 0);
	for (; p < end; p = eol < end ? eol + 1 : end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		for (n = 0; p + n < eol && p[n] == ' '; n++)
			;
		if (p + n == eol || (p[n] == '\r' && p + n + 1 == eol)) {
			od_buf_putc(&b, '\n');
		} else if (n >= indent) {
			od_buf_append(&b, p + indent, (size_t)(eol - p - indent));
			od_buf_putc(&b, '\n');
		} else {
			break;
		}
	}
	return od_buf_steal(&b);
}

/*
 * Compiles the text of scalar n, positioned where the text itself stands in
 * the file: a block's text starts on the next line at the block's
 * indentation; a quoted scalar's one column after the quote.
 */
static struct od_template *
tmplset_compile(const struct tmplset_file *f, const struct od_yaml *n, const char *what,
    int *nerr, struct od_errors *errs)
{
	struct od_template	*t;
	char			*raw;
	size_t			 before = errs->count;
	int			 line = n->line, col = n->col;

	if (n->type != OD_YAML_SCALAR) {
		od_yaml_error(errs, n, "%s must be text, not %s", what, od_yaml_type_name(n->type));
		(*nerr)++;
		return NULL;
	}
	if (n->block) {
		line = n->line + 1;
		col = tmplset_indent(f, line) + 1;
		/* Errors are found in the block as written, where lines are the file's. */
		if ((raw = tmplset_block_raw(f, line, col - 1)) == NULL) {
			(*nerr)++;
			return NULL;
		}
		t = od_template_compile(raw, f->path, line, col, errs);
		free(raw);
		if (t == NULL) {
			*nerr += errs->count > before ? (int)(errs->count - before) : 1;
			return NULL;
		}
		od_template_free(t);
	} else if (n->quoted) {
		col = n->col + 1;
	}
	if ((t = od_template_compile(n->str, f->path, line, col, errs)) == NULL)
		*nerr += errs->count > before ? (int)(errs->count - before) : 1;
	return t;
}

static char *
tmplset_string(const struct od_yaml *n, const char *what, int *nerr, struct od_errors *errs)
{
	char	*s;

	if (n->type != OD_YAML_SCALAR) {
		od_yaml_error(errs, n, "%s must be text, not %s", what, od_yaml_type_name(n->type));
		(*nerr)++;
		return NULL;
	}
	if ((s = strdup(n->str)) == NULL)
		(*nerr)++;
	return s;
}

static const struct od_yaml *
tmplset_require(const struct od_yaml *map, const char *key, const char *what, int *nerr,
    struct od_errors *errs)
{
	const struct od_yaml	*v = od_yaml_get(map, key);

	if (v == NULL) {
		od_yaml_error(errs, map, "%s needs '%s'", what, key);
		(*nerr)++;
	}
	return v;
}

static void
tmplset_email(const struct tmplset_file *f, const struct od_yaml *e, struct od_message_tmpl *m,
    int *nerr, struct od_errors *errs)
{
	static const char *const keys[] = { "subject", "text", "html", NULL };
	const struct od_yaml	*v;

	if (e->type != OD_YAML_MAP) {
		od_yaml_error(errs, e, "email must be a mapping (subject, text, html), not %s",
		    od_yaml_type_name(e->type));
		(*nerr)++;
		return;
	}
	*nerr += od_yaml_check_keys(e, keys, "email", errs);
	if ((v = tmplset_require(e, "subject", "email", nerr, errs)) != NULL)
		m->email_subject = tmplset_compile(f, v, "email.subject", nerr, errs);
	if ((v = tmplset_require(e, "text", "email", nerr, errs)) != NULL)
		m->email_text = tmplset_compile(f, v, "email.text", nerr, errs);
	if ((v = od_yaml_get(e, "html")) != NULL)
		m->email_html = tmplset_compile(f, v, "email.html", nerr, errs);
}

static void
tmplset_whatsapp(const struct tmplset_file *f, const struct od_yaml *w,
    struct od_message_tmpl *m, int *nerr, struct od_errors *errs)
{
	static const char *const keys[] = { "template", "language", "params", "text", "buttons",
		NULL };
	const struct od_yaml	*v, *p;
	size_t			 i, j;

	if (w->type != OD_YAML_MAP) {
		od_yaml_error(errs, w, "whatsapp must be a mapping (template, language, params, "
		    "text, buttons), not %s", od_yaml_type_name(w->type));
		(*nerr)++;
		return;
	}
	*nerr += od_yaml_check_keys(w, keys, "whatsapp", errs);
	if ((v = tmplset_require(w, "template", "whatsapp", nerr, errs)) != NULL &&
	    (m->wa_name = tmplset_string(v, "whatsapp.template", nerr, errs)) != NULL &&
	    !tmplset_name_valid(m->wa_name, strlen(m->wa_name))) {
		od_yaml_error(errs, v, "whatsapp.template '%s': an approved template's name is "
		    "lowercase letters, digits and '_'", m->wa_name);
		(*nerr)++;
	}
	if ((v = tmplset_require(w, "language", "whatsapp", nerr, errs)) != NULL &&
	    (m->wa_language = tmplset_string(v, "whatsapp.language", nerr, errs)) != NULL) {
		for (i = 0; m->wa_language[i] != '\0'; i++)
			if (!((m->wa_language[i] >= 'a' && m->wa_language[i] <= 'z') ||
			    (m->wa_language[i] >= 'A' && m->wa_language[i] <= 'Z') ||
			    m->wa_language[i] == '_'))
				break;
		if (i == 0 || m->wa_language[i] != '\0') {
			od_yaml_error(errs, v, "whatsapp.language '%s' is not a language code "
			    "(es, es_PE, en_US)", m->wa_language);
			(*nerr)++;
		}
	}
	if ((p = od_yaml_get(w, "params")) != NULL) {
		if (p->type != OD_YAML_SEQ) {
			od_yaml_error(errs, p, "whatsapp.params must be a list, not %s",
			    od_yaml_type_name(p->type));
			(*nerr)++;
		} else if (p->nitems > 0) {
			if ((m->wa_params = calloc(p->nitems, sizeof(*m->wa_params))) == NULL) {
				(*nerr)++;
				return;
			}
			m->wa_nparams = p->nitems;
			for (j = 0; j < p->nitems; j++)
				m->wa_params[j] = tmplset_compile(f, p->items[j], "whatsapp.params[]",
				    nerr, errs);
		}
	}
	if ((v = tmplset_require(w, "text", "whatsapp", nerr, errs)) != NULL)
		m->wa_text = tmplset_compile(f, v, "whatsapp.text", nerr, errs);
	if ((v = od_yaml_get(w, "buttons")) != NULL)
		*nerr += od_template_wa_buttons_load(v, m, errs);
}

static char *
tmplset_read(const char *path, size_t *len, struct od_errors *errs)
{
	FILE	*fp;
	char	*buf = NULL, *nb;
	size_t	 cap = 0, n;

	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL) {
		od_errors_add(errs, path, 1, 1, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (*len + 1 >= cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > (4u << 20) || (nb = realloc(buf, cap)) == NULL) {
				od_errors_add(errs, path, 1, 1, "file too large");
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		if ((n = fread(buf + *len, 1, cap - *len - 1, fp)) == 0)
			break;
		*len += n;
	}
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

/*
 * Reads the text raw (len bytes and a NUL) of the file path into m.
 * Returns the number of errors.
 */
static int
tmplset_load_text(const char *path, const char *raw, size_t len, const char *locale,
    const char *name, struct od_message_tmpl *m, struct od_errors *errs)
{
	static const char *const keys[] = { "sms", "email", "whatsapp", NULL };
	struct tmplset_file	 f;
	struct od_yaml_doc	 doc;
	const struct od_yaml	*root, *v;
	int			 nerr = 0;

	memset(m, 0, sizeof(*m));
	if (od_yaml_load_string(path, raw, len, &doc, errs) == -1)
		return 1;
	f.path = doc.file;
	f.raw = raw;
	f.len = len;
	m->name = strdup(name);
	m->locale = strdup(locale);
	m->file = strdup(path);
	if (m->name == NULL || m->locale == NULL || m->file == NULL)
		nerr++;
	if ((root = doc.root) == NULL) {
		od_errors_add(errs, path, 1, 1, "empty template file");
		nerr++;
	} else if (root->type != OD_YAML_MAP) {
		od_yaml_error(errs, root, "a template file is a mapping (sms, email, whatsapp), "
		    "not %s", od_yaml_type_name(root->type));
		nerr++;
	} else {
		nerr += od_yaml_check_keys(root, keys, "a template file", errs);
		if ((v = od_yaml_get(root, "sms")) != NULL)
			m->sms = tmplset_compile(&f, v, "sms", &nerr, errs);
		if ((v = od_yaml_get(root, "email")) != NULL)
			tmplset_email(&f, v, m, &nerr, errs);
		if ((v = od_yaml_get(root, "whatsapp")) != NULL)
			tmplset_whatsapp(&f, v, m, &nerr, errs);
		if (od_yaml_get(root, "sms") == NULL && od_yaml_get(root, "email") == NULL &&
		    od_yaml_get(root, "whatsapp") == NULL) {
			od_yaml_error(errs, root, "no channel: write sms, email or whatsapp");
			nerr++;
		}
	}
	od_yaml_doc_free(&doc);
	return nerr;
}

/* Loads one file into m.  Returns the number of errors. */
static int
tmplset_load_file(const char *path, const char *locale, const char *name,
    struct od_message_tmpl *m, struct od_errors *errs)
{
	char	*raw;
	size_t	 len;
	int	 nerr;

	memset(m, 0, sizeof(*m));
	if ((raw = tmplset_read(path, &len, errs)) == NULL)
		return 1;
	nerr = tmplset_load_text(path, raw, len, locale, name, m, errs);
	free(raw);
	return nerr;
}

static int
tmplset_is_dir(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
tmplset_push(struct od_template_set *set, struct od_message_tmpl *m)
{
	struct od_message_tmpl	*v;

	if ((v = realloc(set->v, (set->n + 1) * sizeof(*v))) == NULL)
		return -1;
	set->v = v;
	set->v[set->n++] = *m;
	return 0;
}

/* Loads every dir/locale/<name>.yaml.  Returns the number of errors. */
static int
tmplset_load_locale(struct od_template_set *set, const char *dir, const char *locale,
    struct od_errors *errs)
{
	struct od_message_tmpl	  m;
	struct dirent		**ents = NULL;
	char			 *ldir = NULL, *path;
	size_t			  nl;
	int			  i, n, nerr = 0, e;

	if (asprintf(&ldir, "%s/%s", dir, locale) < 0)
		return 1;
	if ((n = scandir(ldir, &ents, NULL, alphasort)) < 0) {
		od_errors_add(errs, ldir, 1, 1, "cannot read: %s", strerror(errno));
		free(ldir);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *fn = ents[i]->d_name;
		nl = strlen(fn);
		/* intents.yaml is the locale's replies' meanings (od_intent.c), no template. */
		if (fn[0] == '.' || strcmp(fn, "intents.yaml") == 0 ||
		    asprintf(&path, "%s/%s", ldir, fn) < 0)
			continue;
		if (nl > 4 && strcmp(fn + nl - 4, ".yml") == 0) {
			od_errors_warn(errs, path, 1, 1, "ignored: template files end in .yaml");
		} else if (nl > 5 && strcmp(fn + nl - 5, ".yaml") == 0) {
			if (!tmplset_name_valid(fn, nl - 5)) {
				od_errors_add(errs, path, 1, 1, "a template's name is lowercase "
				    "letters, digits and '_'");
				nerr++;
			} else {
				char name[256];
				snprintf(name, sizeof(name), "%.*s", (int)(nl - 5), fn);
				e = tmplset_load_file(path, locale, name, &m, errs);
				if (e == 0 && tmplset_push(set, &m) == 0) {
					free(path);
					continue;
				}
				tmplset_msg_clear(&m);
				nerr += e ? e : 1;
			}
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(ldir);
	return nerr;
}

int
od_template_set_load(const char *dir, struct od_template_set *set, struct od_errors *errs)
{
	struct dirent	**ents = NULL;
	char		 *path;
	int		  i, n, nerr = 0;

	memset(set, 0, sizeof(*set));
	if ((set->dir = strdup(dir)) == NULL)
		return -1;
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		od_errors_add(errs, dir, 1, 1, "cannot read the template folder: %s",
		    strerror(errno));
		od_template_set_free(set);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *fn = ents[i]->d_name;
		if (fn[0] == '.' || asprintf(&path, "%s/%s", dir, fn) < 0)
			continue;
		if (tmplset_is_dir(path)) {
			if (!tmplset_locale_valid(fn)) {
				od_errors_add(errs, path, 1, 1, "'%s' is not a locale (BCP 47 "
				    "language[-region], as es-PE or en)", fn);
				nerr++;
			} else {
				nerr += tmplset_load_locale(set, dir, fn, errs);
			}
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (nerr > 0) {
		od_template_set_free(set);
		return -1;
	}
	return 0;
}

int
od_template_set_load_string(const char *file, const char *locale, const char *name,
    const char *buf, size_t len, struct od_template_set *set, struct od_errors *errs)
{
	struct od_message_tmpl	 m;
	char			*raw;
	int			 nerr;

	if (!tmplset_locale_valid(locale) || !tmplset_name_valid(name, strlen(name))) {
		od_errors_add(errs, file, 1, 1, "'%s/%s' is not a locale and a template name",
		    locale, name);
		return -1;
	}
	if ((raw = malloc(len + 1)) == NULL) {
		od_errors_add(errs, file, 1, 1, "out of memory");
		return -1;
	}
	memcpy(raw, buf, len);
	raw[len] = '\0';
	nerr = tmplset_load_text(file, raw, len, locale, name, &m, errs);
	free(raw);
	if (nerr == 0 && tmplset_push(set, &m) == 0)
		return 0;
	tmplset_msg_clear(&m);
	return -1;
}

static size_t
tmplset_lang_len(const char *locale)
{
	return strcspn(locale, "-_");
}

/* step 0: exact; 1: the language alone; 2: any locale of the language. */
static const struct od_message_tmpl *
tmplset_find_in(const struct od_template_set *set, const char *name, const char *locale)
{
	size_t	i, ll = tmplset_lang_len(locale);
	int	step;

	for (step = 0; step < 3; step++) {
		for (i = 0; i < set->n; i++) {
			const struct od_message_tmpl *m = &set->v[i];
			if (strcmp(m->name, name) != 0)
				continue;
			if (step == 0 && strcasecmp(m->locale, locale) == 0)
				return m;
			if (step == 1 && strlen(m->locale) == ll &&
			    strncasecmp(m->locale, locale, ll) == 0)
				return m;
			if (step == 2 && tmplset_lang_len(m->locale) == ll &&
			    strncasecmp(m->locale, locale, ll) == 0)
				return m;
		}
	}
	return NULL;
}

const struct od_message_tmpl *
od_template_set_find(const struct od_template_set *set, const char *name,
    const char *locale, const char *fallback_locale)
{
	const struct od_message_tmpl	*m = NULL;

	if (set == NULL || name == NULL)
		return NULL;
	if (locale != NULL && *locale != '\0')
		m = tmplset_find_in(set, name, locale);
	if (m == NULL && fallback_locale != NULL && *fallback_locale != '\0')
		m = tmplset_find_in(set, name, fallback_locale);
	return m;
}

int
od_message_tmpl_has(const struct od_message_tmpl *m, int kind)
{
	if (m == NULL)
		return 0;
	switch (kind) {
	case OD_CH_SMS:
		return m->sms != NULL;
	case OD_CH_EMAIL:
		return m->email_subject != NULL && m->email_text != NULL;
	case OD_CH_WHATSAPP:
		return m->wa_name != NULL && m->wa_text != NULL;
	default:
		return 0;
	}
}

void
od_rendered_clear(struct od_rendered *r)
{
	size_t	i;

	if (r == NULL)
		return;
	free(r->text);
	free(r->subject);
	free(r->html);
	free(r->wa_name);
	free(r->wa_language);
	for (i = 0; i < r->wa_nparams; i++)
		free(r->wa_params[i]);
	free(r->wa_params);
	for (i = 0; i < r->wa_nbuttons; i++)
		free(r->wa_buttons[i]);
	free(r->wa_buttons);
	memset(r, 0, sizeof(*r));
}

/* Renders one part into *dst; on failure err reads "es-PE/name part: reason". */
static int
tmplset_part(const struct od_message_tmpl *m, const struct od_template *t, const char *part,
    const json_t *ctx, const char *locale, enum od_escape esc, char **dst,
    char *err, size_t errlen)
{
	struct od_buf	b;
	char		why[256];

	od_buf_init(&b);
	if (od_template_render(t, ctx, locale, esc, &b, why, sizeof(why)) == -1) {
		od_buf_free(&b);
		snprintf(err, errlen, "%s/%s %s: %s", m->locale, m->name, part, why);
		return -1;
	}
	if ((*dst = od_buf_steal(&b)) == NULL) {
		snprintf(err, errlen, "%s/%s %s: out of memory", m->locale, m->name, part);
		return -1;
	}
	return 0;
}

static const char *
tmplset_kind_name(int kind)
{
	switch (kind) {
	case OD_CH_SMS:
		return "sms";
	case OD_CH_EMAIL:
		return "email";
	case OD_CH_WHATSAPP:
		return "whatsapp";
	default:
		return "unknown";
	}
}

int
od_template_render_message(const struct od_message_tmpl *m, int kind, const json_t *ctx,
    const char *locale, struct od_rendered *out, char *err, size_t errlen)
{
	char	 dummy[8], *s;
	size_t	 i;
	int	 rc = 0;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!od_message_tmpl_has(m, kind)) {
		if (m == NULL)
			snprintf(err, errlen, "no template");
		else
			snprintf(err, errlen, "%s/%s has no %s text", m->locale, m->name,
			    tmplset_kind_name(kind));
		return -1;
	}
	if (locale == NULL || *locale == '\0')
		locale = m->locale;
	switch (kind) {
	case OD_CH_SMS:
		rc = tmplset_part(m, m->sms, "sms", ctx, locale, OD_ESC_NONE, &out->text,
		    err, errlen);
		break;
	case OD_CH_EMAIL:
		rc = tmplset_part(m, m->email_subject, "email.subject", ctx, locale, OD_ESC_NONE,
		    &out->subject, err, errlen);
		/* A subject is one header line, whatever a variable holds. */
		for (s = out->subject; rc == 0 && *s != '\0'; s++)
			if (*s == '\r' || *s == '\n')
				*s = ' ';
		if (rc == 0)
			rc = tmplset_part(m, m->email_text, "email.text", ctx, locale,
			    OD_ESC_NONE, &out->text, err, errlen);
		if (rc == 0 && m->email_html != NULL)
			rc = tmplset_part(m, m->email_html, "email.html", ctx, locale,
			    OD_ESC_HTML, &out->html, err, errlen);
		break;
	case OD_CH_WHATSAPP:
		if ((out->wa_name = strdup(m->wa_name)) == NULL ||
		    (out->wa_language = strdup(m->wa_language)) == NULL ||
		    (m->wa_nparams > 0 &&
		    (out->wa_params = calloc(m->wa_nparams, sizeof(char *))) == NULL)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		for (i = 0; rc == 0 && i < m->wa_nparams; i++) {
			char part[sizeof("whatsapp.params[]") + 20];	/* any size_t fits */

			snprintf(part, sizeof(part), "whatsapp.params[%zu]", i);
			rc = tmplset_part(m, m->wa_params[i], part, ctx, locale, OD_ESC_NONE,
			    &out->wa_params[i], err, errlen);
			if (rc == 0)
				out->wa_nparams = i + 1;
		}
		if (rc == 0)
			rc = tmplset_part(m, m->wa_text, "whatsapp.text", ctx, locale,
			    OD_ESC_NONE, &out->text, err, errlen);
		if (rc == 0)
			rc = od_template_wa_buttons_render(m, ctx, locale, out, err, errlen);
		break;
	}
	if (rc == -1) {
		od_rendered_clear(out);
		out->kind = kind;
	}
	return rc;
}
