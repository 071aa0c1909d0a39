/*
 * od_form: the one decoder of application/x-www-form-urlencoded text in
 * outreachd — callback query strings, form bodies (Twilio, Kannel, the
 * WhatsApp handshake) and WhatsApp's biz_opaque_callback_data.
 *
 * Strict, and safe by construction: the input is only read; every name and
 * value is decoded by libevent (evhttp_uridecode) into its own allocation,
 * sized by libevent from that piece alone, so no piece can write past
 * another's buffer (the shared-buffer arithmetic of the old decoder was a
 * pre-authentication heap overflow, issue 10).
 *
 * Refused, with a fixed reason (never the input): more than max_params
 * parameters (counted before anything is decoded), an empty name or one
 * over 256 bytes, a bad percent escape ("%", "%4", "%zz"), a NUL (raw or
 * "%00"), a value over max_value bytes once decoded, invalid UTF-8.
 * "a&b" is two parameters with empty values; empty pieces ("a&&b", a
 * trailing '&') are skipped.
 */
#ifndef OD_FORM_H
#define OD_FORM_H

#include <stddef.h>

#include "od_codec.h"	/* od_hexval */

#define OD_FORM_MAX_PARAMS	100	/* the most a form may hold (query + body) */
#define OD_FORM_MAX_NAME	256	/* bytes of one encoded name */
#define OD_FORM_MAX_VALUE	4096	/* bytes of one decoded value */

struct od_form_param {
	char	*name;		/* decoded, NUL-terminated; owned by the form */
	char	*value;		/* decoded, NUL-terminated, no NUL inside */
	size_t	 value_len;
	int	 part;		/* the part argument of the od_form_parse that read it */
};

struct od_form {
	int			 n;
	int			 max_params;	/* from od_form_init */
	size_t			 max_value;
	struct od_form_param	 p[OD_FORM_MAX_PARAMS];
};

/* An empty form; max_params at most OD_FORM_MAX_PARAMS (0: that). */
void		 od_form_init(struct od_form *f, int max_params, size_t max_value);
/*
 * Decodes s[0..len) (not NUL-terminated; may hold anything) and appends
 * its parameters to f, tagged with part (e.g. 0 query, 1 body).  NULL, or
 * why not: a fixed string.  On failure f keeps what earlier calls added
 * and nothing of this one.
 */
const char	*od_form_parse(struct od_form *f, const char *s, size_t len, int part);
/* A parameter's value: 1 found (*value set), 0 not, -1 given more than once. */
int		 od_form_get(const struct od_form *f, const char *name, const char **value);
/* Frees every name and value; f is empty again (and may be reused). */
void		 od_form_clear(struct od_form *f);

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int		 od_utf8_valid(const char *s, size_t len);

#endif /* OD_FORM_H */
