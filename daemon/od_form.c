/*
 * od_form: form and query decoding (see od_form.h).  The input is
 * checked first (count, names, escapes, NULs), then each piece is decoded
 * by libevent into an allocation of its own.
 */
#include "od_form.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

int
od_utf8_valid(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str, *end = s + len;
	size_t			 n, i;
	unsigned		 cp;

	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1; cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2; cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3; cp = *s & 0x07;
		} else
			return 0;
		if ((size_t)(end - s) <= n)
			return 0;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

/* Every escape of src[0..len) is "%" and two hex digits, none is "%00", and no NUL. */
static int
form_escapes_ok(const char *src, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (src[i] == '\0')
			return 0;
		if (src[i] != '%')
			continue;
		if (i + 2 >= len || od_hexval(src[i + 1]) < 0 || od_hexval(src[i + 2]) < 0 ||
		    (src[i + 1] == '0' && src[i + 2] == '0'))
			return 0;
		i += 2;
	}
	return 1;
}

/* One checked piece, decoded ('+' is a space) into a new allocation; NULL on no memory. */
static char *
form_decode(const char *src, size_t len, size_t *outlen)
{
	char	*tmp, *out;

	if ((tmp = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(tmp, src, len);
	tmp[len] = '\0';
	out = evhttp_uridecode(tmp, 1, outlen);
	free(tmp);
	return out;
}

void
od_form_init(struct od_form *f, int max_params, size_t max_value)
{
	f->n = 0;
	f->max_params = max_params > 0 && max_params <= OD_FORM_MAX_PARAMS ? max_params :
	    OD_FORM_MAX_PARAMS;
	f->max_value = max_value;
}

static void
form_truncate(struct od_form *f, int n)
{
	while (f->n > n) {
		f->n--;
		free(f->p[f->n].name);
		free(f->p[f->n].value);
	}
}

/* Decodes the piece [s, amp) into the next slot.  NULL, or why not. */
static const char *
form_param(struct od_form *f, const char *s, const char *amp, int part)
{
	struct od_form_param	*p = &f->p[f->n];
	const char		*eq, *v;
	size_t			 nlen, vlen;

	if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
		eq = amp;
	if (eq == s || eq - s > OD_FORM_MAX_NAME)
		return "bad parameter name";
	v = eq < amp ? eq + 1 : amp;
	if (!form_escapes_ok(s, (size_t)(eq - s)) || !form_escapes_ok(v, (size_t)(amp - v)))
		return "bad escape";
	p->value = NULL;
	if ((p->name = form_decode(s, (size_t)(eq - s), &nlen)) == NULL ||
	    (p->value = form_decode(v, (size_t)(amp - v), &vlen)) == NULL) {
		free(p->name);
		return "out of memory";
	}
	p->value_len = vlen;
	p->part = part;
	f->n++;		/* owned by f from here: freed by form_truncate on failure */
	if (vlen > f->max_value)
		return "value too long";
	if (!od_utf8_valid(p->name, nlen) || !od_utf8_valid(p->value, vlen))
		return "invalid UTF-8";
	return NULL;
}

const char *
od_form_parse(struct od_form *f, const char *s, size_t len, int part)
{
	const char	*end = s + len, *p, *amp, *why;
	int		 start = f->n, count = 0;

	if (len == 0)
		return NULL;
	for (p = s;; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		count += amp > p;
		if (amp == end)
			break;
	}
	if (count > f->max_params - f->n)
		return "too many parameters";
	for (p = s;; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p && (why = form_param(f, p, amp, part)) != NULL) {
			form_truncate(f, start);
			return why;
		}
		if (amp == end)
			break;
	}
	return NULL;
}

int
od_form_get(const struct od_form *f, const char *name, const char **value)
{
	int	i, found = 0;

	*value = NULL;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->p[i].name, name) == 0) {
			if (found++)
				return -1;
			*value = f->p[i].value;
		}
	return found;
}

void
od_form_clear(struct od_form *f)
{
	form_truncate(f, 0);
}
