/*
 * od_error: a list of positioned diagnostics, collected whole before a
 * configuration set is refused (as OpenSMTPD's parse.y does).
 *
 * Every message reads "file:line:col: message" (1-based).  Warnings are
 * kept apart: they are printed but do not refuse the set.
 */
#ifndef OD_ERROR_H
#define OD_ERROR_H

#include <stddef.h>

struct od_errors {
	char	**msgs;		/* "file:line:col: text", owned */
	size_t	  count;
	size_t	  cap;
	char	**warns;	/* same form, owned */
	size_t	  nwarns;
	size_t	  wcap;
};

void	od_errors_init(struct od_errors *e);
void	od_errors_clear(struct od_errors *e);	/* frees every message */

/* Adds "file:line:col: <fmt>".  file may be NULL (then "<none>"). */
void	od_errors_add(struct od_errors *e, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	od_errors_warn(struct od_errors *e, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Moves every message of src to the end of dst; src is left empty. */
void	od_errors_move(struct od_errors *dst, struct od_errors *src);

/* Prints every error, then every warning ("warning: " prefixed), one a line. */
void	od_errors_print(const struct od_errors *e, void *stdio_file);

#endif /* OD_ERROR_H */
