/*
 * od_buf: a growable byte buffer, always NUL-terminated.
 */
#ifndef OD_BUF_H
#define OD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct od_buf {
	char	*data;		/* NUL-terminated when len > 0 or after any append */
	size_t	 len;
	size_t	 cap;
	int	 oom;		/* set once an append failed; later appends are no-ops */
};

void	od_buf_init(struct od_buf *b);
void	od_buf_free(struct od_buf *b);
void	od_buf_reset(struct od_buf *b);			/* len = 0, keeps memory */
int	od_buf_append(struct od_buf *b, const void *p, size_t n);
/* Makes room for n more bytes and the NUL (data + len may then be written); 0 or -1. */
int	od_buf_reserve(struct od_buf *b, size_t n);
int	od_buf_puts(struct od_buf *b, const char *s);
int	od_buf_putc(struct od_buf *b, char c);
int	od_buf_printf(struct od_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	od_buf_vprintf(struct od_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal, quotes included. */
int	od_buf_json_string(struct od_buf *b, const char *s);
/* Hands the data to the caller (who frees it); b is left empty. */
char	*od_buf_steal(struct od_buf *b);

#endif /* OD_BUF_H */
