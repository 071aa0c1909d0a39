#include "od_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
od_buf_init(struct od_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
od_buf_free(struct od_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
od_buf_reset(struct od_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int
buf_reserve(struct od_buf *b, size_t extra)
{
	char	*nd;
	size_t	 ncap;

	if (b->oom)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra + 1)
		ncap *= 2;
	if ((nd = realloc(b->data, ncap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
od_buf_reserve(struct od_buf *b, size_t n)
{
	return buf_reserve(b, n);
}

int
od_buf_append(struct od_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
od_buf_puts(struct od_buf *b, const char *s)
{
	return od_buf_append(b, s, strlen(s));
}

int
od_buf_putc(struct od_buf *b, char c)
{
	return od_buf_append(b, &c, 1);
}

int
od_buf_vprintf(struct od_buf *b, const char *fmt, va_list ap)
{
	char	small[256];
	va_list	again;
	int	n;

	/* Short results (nearly all) through a stack buffer, longer ones formatted twice. */
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(again);
		return -1;
	}
	if ((size_t)n < sizeof(small)) {
		va_end(again);
		return od_buf_append(b, small, (size_t)n);
	}
	if (buf_reserve(b, (size_t)n) == -1) {
		va_end(again);
		return -1;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	b->len += (size_t)n;
	return 0;
}

int
od_buf_printf(struct od_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = od_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Bytes od_buf_json_string escapes: controls, '"' and '\\'. */
static const unsigned char buf_json_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

int
od_buf_json_string(struct od_buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";	/* "\\u%04x" */
	const unsigned char	*p = (const unsigned char *)s, *run;
	char			 esc[6];

	od_buf_putc(b, '"');
	for (;;) {
		for (run = p; *p != '\0' && !buf_json_esc[*p]; p++)
			;
		od_buf_append(b, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		switch (*p) {
		case '"':	od_buf_append(b, "\\\"", 2); break;
		case '\\':	od_buf_append(b, "\\\\", 2); break;
		case '\n':	od_buf_append(b, "\\n", 2); break;
		case '\r':	od_buf_append(b, "\\r", 2); break;
		case '\t':	od_buf_append(b, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			od_buf_append(b, esc, 6);
		}
		p++;
	}
	return od_buf_putc(b, '"');
}

char *
od_buf_steal(struct od_buf *b)
{
	char	*d = b->data;

	if (d == NULL)
		d = calloc(1, 1);
	memset(b, 0, sizeof(*b));
	return d;
}
