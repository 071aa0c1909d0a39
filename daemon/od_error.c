#include "od_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
od_errors_init(struct od_errors *e)
{
	memset(e, 0, sizeof(*e));
}

void
od_errors_clear(struct od_errors *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->count; i++)
		free(e->msgs[i]);
	for (i = 0; i < e->nwarns; i++)
		free(e->warns[i]);
	free(e->msgs);
	free(e->warns);
	memset(e, 0, sizeof(*e));
}

static void
errors_push(char ***v, size_t *n, size_t *cap, char *s)
{
	char	**nv;

	if (s == NULL)
		return;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		nv = realloc(*v, ncap * sizeof(*nv));
		if (nv == NULL) {
			free(s);
			return;
		}
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = s;
}

static char *
errors_format(const char *file, int line, int col, const char *fmt, va_list ap)
{
	char	 text[1024];
	char	*s;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (asprintf(&s, "%s:%d:%d: %s", file ? file : "<none>", line, col, text) < 0)
		return NULL;
	return s;
}

void
od_errors_add(struct od_errors *e, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errors_push(&e->msgs, &e->count, &e->cap, errors_format(file, line, col, fmt, ap));
	va_end(ap);
}

void
od_errors_warn(struct od_errors *e, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errors_push(&e->warns, &e->nwarns, &e->wcap, errors_format(file, line, col, fmt, ap));
	va_end(ap);
}

void
od_errors_move(struct od_errors *dst, struct od_errors *src)
{
	size_t	i;

	for (i = 0; i < src->count; i++)
		errors_push(&dst->msgs, &dst->count, &dst->cap, src->msgs[i]);
	for (i = 0; i < src->nwarns; i++)
		errors_push(&dst->warns, &dst->nwarns, &dst->wcap, src->warns[i]);
	free(src->msgs);
	free(src->warns);
	memset(src, 0, sizeof(*src));
}

void
od_errors_print(const struct od_errors *e, void *stdio_file)
{
	FILE	*fp = stdio_file;
	size_t	 i;

	for (i = 0; i < e->count; i++)
		fprintf(fp, "%s\n", e->msgs[i]);
	for (i = 0; i < e->nwarns; i++)
		fprintf(fp, "warning: %s\n", e->warns[i]);
}
