#include "od_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct yaml_reader {
	yaml_parser_t		 parser;
	const char		*file;
	struct od_errors	*errs;
	int			 failed;
};

static void
yaml_node_free(struct od_yaml *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nitems; i++)
		yaml_node_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

static struct od_yaml *
yaml_node_new(struct yaml_reader *r, enum od_yaml_type type, const yaml_mark_t *mark)
{
	struct od_yaml	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->type = type;
	n->file = r->file;
	n->line = (int)mark->line + 1;
	n->col = (int)mark->column + 1;
	return n;
}

static int
yaml_node_push(struct od_yaml *parent, struct od_yaml *child)
{
	struct od_yaml	**v;

	v = realloc(parent->items, (parent->nitems + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	parent->items = v;
	parent->items[parent->nitems++] = child;
	return 0;
}

static void
yaml_reader_error(struct yaml_reader *r)
{
	const yaml_parser_t	*p = &r->parser;
	const yaml_mark_t	*m = p->problem ? &p->problem_mark : &p->context_mark;

	od_errors_add(r->errs, r->file, (int)m->line + 1, (int)m->column + 1,
	    "YAML syntax error: %s%s%s", p->problem ? p->problem : "unknown problem",
	    p->context ? " " : "", p->context ? p->context : "");
	r->failed = 1;
}

/* Reads one node whose first event is ev (consumed by the caller). */
static struct od_yaml *
yaml_read_node(struct yaml_reader *r, yaml_event_t *ev, int depth)
{
	struct od_yaml	*n = NULL, *child;
	yaml_event_t	 next;
	int		 done;

	if (depth > 64) {
		od_errors_add(r->errs, r->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "nesting is too deep");
		r->failed = 1;
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if ((n = yaml_node_new(r, OD_YAML_SCALAR, &ev->start_mark)) == NULL)
			return NULL;
		n->len = ev->data.scalar.length;
		if ((n->str = malloc(n->len + 1)) == NULL) {
			free(n);
			return NULL;
		}
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		n->block = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
		return n;
	case YAML_ALIAS_EVENT:
		od_errors_add(r->errs, r->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "aliases are not supported");
		r->failed = 1;
		return NULL;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT ?
		    ev->data.sequence_start.anchor != NULL : ev->data.mapping_start.anchor != NULL) {
			od_errors_add(r->errs, r->file, (int)ev->start_mark.line + 1,
			    (int)ev->start_mark.column + 1, "anchors are not supported");
			r->failed = 1;
			return NULL;
		}
		n = yaml_node_new(r, ev->type == YAML_SEQUENCE_START_EVENT ?
		    OD_YAML_SEQ : OD_YAML_MAP, &ev->start_mark);
		if (n == NULL)
			return NULL;
		for (done = 0; !done;) {
			if (!yaml_parser_parse(&r->parser, &next)) {
				yaml_reader_error(r);
				yaml_node_free(n);
				return NULL;
			}
			if (next.type == YAML_SEQUENCE_END_EVENT || next.type == YAML_MAPPING_END_EVENT) {
				done = 1;
			} else {
				child = yaml_read_node(r, &next, depth + 1);
				if (child == NULL || yaml_node_push(n, child) == -1) {
					yaml_node_free(child);
					yaml_event_delete(&next);
					yaml_node_free(n);
					return NULL;
				}
			}
			yaml_event_delete(&next);
		}
		if (n->type == OD_YAML_MAP) {
			size_t i, j;
			/* Duplicate keys hide an operator's mistake: refuse them. */
			for (i = 0; i < n->nitems; i += 2) {
				if (n->items[i]->type != OD_YAML_SCALAR)
					continue;
				for (j = i + 2; j < n->nitems; j += 2)
					if (n->items[j]->type == OD_YAML_SCALAR &&
					    strcmp(n->items[i]->str, n->items[j]->str) == 0) {
						od_yaml_error(r->errs, n->items[j], "duplicate key '%s'",
						    n->items[j]->str);
						r->failed = 1;
					}
			}
		}
		return n;
	default:
		od_errors_add(r->errs, r->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "unexpected YAML event");
		r->failed = 1;
		return NULL;
	}
}

static int
yaml_load(struct yaml_reader *r, struct od_yaml_doc *doc)
{
	yaml_event_t	ev;
	int		started = 0;

	for (;;) {
		if (!yaml_parser_parse(&r->parser, &ev)) {
			yaml_reader_error(r);
			return -1;
		}
		if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			return r->failed ? -1 : 0;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (started) {
			yaml_event_delete(&ev);
			return r->failed ? -1 : 0;
		}
		started = 1;
		doc->root = yaml_read_node(r, &ev, 0);
		yaml_event_delete(&ev);
		if (doc->root == NULL)
			return -1;
	}
}

int
od_yaml_load_string(const char *name, const char *buf, size_t len,
    struct od_yaml_doc *doc, struct od_errors *errs)
{
	struct yaml_reader	r;
	int			rc;

	memset(doc, 0, sizeof(*doc));
	memset(&r, 0, sizeof(r));
	if ((doc->file = strdup(name)) == NULL)
		return -1;
	r.file = doc->file;
	r.errs = errs;
	if (!yaml_parser_initialize(&r.parser)) {
		od_errors_add(errs, name, 1, 1, "out of memory");
		od_yaml_doc_free(doc);
		return -1;
	}
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)buf, len);
	rc = yaml_load(&r, doc);
	yaml_parser_delete(&r.parser);
	if (rc == -1)
		od_yaml_doc_free(doc);	/* the errors hold their own copy of the name */
	return rc;
}

int
od_yaml_load_file(const char *path, struct od_yaml_doc *doc, struct od_errors *errs)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;
	int	 rc;

	memset(doc, 0, sizeof(*doc));
	if ((fp = fopen(path, "rb")) == NULL) {
		od_errors_add(errs, path, 1, 1, "cannot open: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20) || (nb = realloc(buf, cap)) == NULL) {
				od_errors_add(errs, path, 1, 1, "file too large");
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	fclose(fp);
	rc = od_yaml_load_string(path, buf ? buf : "", len, doc, errs);
	free(buf);
	return rc;
}

void
od_yaml_doc_free(struct od_yaml_doc *doc)
{
	if (doc == NULL)
		return;
	yaml_node_free(doc->root);
	free(doc->file);
	doc->root = NULL;
	doc->file = NULL;
}

struct od_yaml *
od_yaml_get(const struct od_yaml *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->type != OD_YAML_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nitems; i += 2)
		if (map->items[i]->type == OD_YAML_SCALAR && strcmp(map->items[i]->str, key) == 0)
			return map->items[i + 1];
	return NULL;
}

size_t
od_yaml_map_size(const struct od_yaml *map)
{
	return map && map->type == OD_YAML_MAP ? map->nitems / 2 : 0;
}

struct od_yaml *
od_yaml_map_key(const struct od_yaml *map, size_t i)
{
	return map->items[2 * i];
}

struct od_yaml *
od_yaml_map_value(const struct od_yaml *map, size_t i)
{
	return map->items[2 * i + 1];
}

const char *
od_yaml_type_name(enum od_yaml_type t)
{
	switch (t) {
	case OD_YAML_SCALAR:	return "a scalar";
	case OD_YAML_SEQ:	return "a list";
	case OD_YAML_MAP:	return "a mapping";
	}
	return "a node";
}

static void
yaml_verror(struct od_errors *errs, int warn, const struct od_yaml *n, const char *fmt, va_list ap)
{
	char	text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (warn)
		od_errors_warn(errs, n ? n->file : NULL, n ? n->line : 1, n ? n->col : 1, "%s", text);
	else
		od_errors_add(errs, n ? n->file : NULL, n ? n->line : 1, n ? n->col : 1, "%s", text);
}

void
od_yaml_error(struct od_errors *errs, const struct od_yaml *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	yaml_verror(errs, 0, n, fmt, ap);
	va_end(ap);
}

void
od_yaml_warn(struct od_errors *errs, const struct od_yaml *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	yaml_verror(errs, 1, n, fmt, ap);
	va_end(ap);
}

int
od_yaml_check_keys(const struct od_yaml *map, const char *const *allowed,
    const char *what, struct od_errors *errs)
{
	size_t	i, j;
	int	bad = 0, ok;

	if (map == NULL || map->type != OD_YAML_MAP)
		return 0;
	for (i = 0; i + 1 < map->nitems; i += 2) {
		const struct od_yaml *k = map->items[i];
		if (k->type != OD_YAML_SCALAR) {
			od_yaml_error(errs, k, "keys of %s must be scalars", what);
			bad++;
			continue;
		}
		for (ok = 0, j = 0; allowed[j] != NULL; j++)
			if (strcmp(k->str, allowed[j]) == 0)
				ok = 1;
		if (!ok) {
			od_yaml_error(errs, k, "unknown key '%s' in %s", k->str, what);
			bad++;
		}
	}
	return bad;
}

static int
yaml_expand_env(const struct od_yaml *n, char **out, struct od_errors *errs)
{
	const char	*s = n->str, *p, *end, *def, *val;
	char		*buf, name[128];
	size_t		 len = 0, cap = n->len + 64, nlen, vlen;

	if ((buf = malloc(cap)) == NULL)
		return -1;
	for (p = s; *p != '\0';) {
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p + 2, '}')) != NULL) {
			const char *colon = strstr(p + 2, ":-");
			def = NULL;
			if (colon != NULL && colon < end) {
				nlen = (size_t)(colon - (p + 2));
				def = colon + 2;
			} else
				nlen = (size_t)(end - (p + 2));
			if (nlen == 0 || nlen >= sizeof(name)) {
				od_yaml_error(errs, n, "bad environment reference");
				free(buf);
				return -1;
			}
			memcpy(name, p + 2, nlen);
			name[nlen] = '\0';
			val = getenv(name);
			if (val == NULL || *val == '\0') {
				if (def == NULL) {
					od_yaml_error(errs, n, "environment variable %s is not set", name);
					free(buf);
					return -1;
				}
				val = def;
				vlen = (size_t)(end - def);
			} else
				vlen = strlen(val);
			if (len + vlen + 1 > cap) {
				char *nb;
				cap = (len + vlen + 1) * 2;
				if ((nb = realloc(buf, cap)) == NULL) {
					free(buf);
					return -1;
				}
				buf = nb;
			}
			memcpy(buf + len, val, vlen);
			len += vlen;
			p = end + 1;
			continue;
		}
		if (len + 2 > cap) {
			char *nb;
			cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		buf[len++] = *p++;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int
od_yaml_string(const struct od_yaml *n, char **out, struct od_errors *errs)
{
	if (n->type != OD_YAML_SCALAR) {
		od_yaml_error(errs, n, "expected a string, found %s", od_yaml_type_name(n->type));
		return -1;
	}
	if (strstr(n->str, "${") == NULL)
		return (*out = strdup(n->str)) ? 0 : -1;
	return yaml_expand_env(n, out, errs);
}

int
od_yaml_string_raw(const struct od_yaml *n, char **out, struct od_errors *errs)
{
	if (n->type != OD_YAML_SCALAR) {
		od_yaml_error(errs, n, "expected a string, found %s", od_yaml_type_name(n->type));
		return -1;
	}
	return (*out = strdup(n->str)) ? 0 : -1;
}

int
od_yaml_int(const struct od_yaml *n, long long min, long long max, long long *out,
    struct od_errors *errs)
{
	char		*end;
	long long	 v;

	if (n->type != OD_YAML_SCALAR) {
		od_yaml_error(errs, n, "expected an integer, found %s", od_yaml_type_name(n->type));
		return -1;
	}
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (n->len == 0 || *end != '\0' || errno != 0) {
		od_yaml_error(errs, n, "expected an integer, found '%s'", n->str);
		return -1;
	}
	if (v < min || v > max) {
		od_yaml_error(errs, n, "%lld is out of range (%lld to %lld)", v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
od_yaml_bool(const struct od_yaml *n, int *out, struct od_errors *errs)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	int	i;

	if (n->type == OD_YAML_SCALAR) {
		for (i = 0; yes[i]; i++)
			if (strcasecmp(n->str, yes[i]) == 0)
				return (*out = 1), 0;
		for (i = 0; no[i]; i++)
			if (strcasecmp(n->str, no[i]) == 0)
				return (*out = 0), 0;
	}
	od_yaml_error(errs, n, "expected true or false");
	return -1;
}

int
od_yaml_name_valid(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}
