/*
 * fuzz_form: the form and query decoder (od_form.h) on any bytes: a query,
 * then after the first NUL a body, parsed into one form as the callback
 * handlers do (parts 0 and 1), with the promises of its header checked:
 * at most max_params parameters, each value NUL-terminated with no NUL
 * inside and at most max_value bytes, a failed parse adds nothing, and
 * what it decodes encodes back to the same parameters.  od_utf8_valid is
 * checked against a reference validator (RFC 3629) on the raw input.
 */
#include <stdio.h>
#include <string.h>

#include "od_buf.h"
#include "od_form.h"
#include "od_fuzz.h"

/* RFC 3629, table 3-7 of Unicode: no overlongs, surrogates, or > U+10FFFF. */
static int
ref_utf8_valid(const unsigned char *s, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		unsigned char	c = s[i];
		unsigned	lo = 0x80, hi = 0xbf;
		size_t		n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += n + 1;
	}
	return 1;
}

static void
encode(struct od_buf *b, const char *s, size_t len)
{
	static const char hexd[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			od_buf_putc(b, (char)c);
		else {
			od_buf_putc(b, '%');
			od_buf_putc(b, hexd[c >> 4]);
			od_buf_putc(b, hexd[c & 15]);
		}
	}
}

static void
check_form(const struct od_form *f)
{
	if (f->n < 0 || f->n > f->max_params)
		od_fuzz_fail("%d parameters, at most %d", f->n, f->max_params);
	for (int i = 0; i < f->n; i++) {
		const struct od_form_param *p = &f->p[i];

		if (p->name == NULL || p->name[0] == '\0' || p->value == NULL)
			od_fuzz_fail("parameter %d: no name or value", i);
		if (p->value[p->value_len] != '\0' || strlen(p->value) != p->value_len)
			od_fuzz_fail("parameter %d: value_len %zu, a NUL inside or none after", i,
			    p->value_len);
		if (p->value_len > f->max_value)
			od_fuzz_fail("parameter %d: %zu bytes, at most %zu", i, p->value_len,
			    f->max_value);
		if (!ref_utf8_valid((const unsigned char *)p->value, p->value_len) ||
		    !ref_utf8_valid((const unsigned char *)p->name, strlen(p->name)))
			od_fuzz_fail("parameter %d: not UTF-8", i);
	}
}

/* Every parameter of f, encoded and read again, is the same parameter. */
static void
round_trip(const struct od_form *f)
{
	struct od_form	g;
	struct od_buf	b;
	const char	*why;

	od_buf_init(&b);
	for (int i = 0; i < f->n; i++) {
		size_t at = b.len + (i > 0);

		if (i > 0)
			od_buf_putc(&b, '&');
		encode(&b, f->p[i].name, strlen(f->p[i].name));
		if (b.len - at > OD_FORM_MAX_NAME) {	/* longer encoded than it came */
			od_buf_free(&b);
			return;
		}
		od_buf_putc(&b, '=');
		encode(&b, f->p[i].value, f->p[i].value_len);
	}
	od_form_init(&g, f->max_params, f->max_value);
	if ((why = od_form_parse(&g, b.data ? b.data : "", b.len, 0)) != NULL)
		od_fuzz_fail("re-encoded form refused: %s", why);
	if (why == NULL) {
		if (g.n != f->n)
			od_fuzz_fail("re-encoded: %d parameters, not %d", g.n, f->n);
		for (int i = 0; i < g.n; i++)
			if (strcmp(g.p[i].name, f->p[i].name) != 0 ||
			    strcmp(g.p[i].value, f->p[i].value) != 0)
				od_fuzz_fail("re-encoded parameter %d differs", i);
	}
	od_form_clear(&g);
	od_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "account", "attempt", "token", "From", "Body",
	    "hub.challenge", "a", "" };
	struct od_form	 f;
	const char	*q, *body, *value, *why;
	size_t		 qlen, blen;
	int		 before;

	if (od_utf8_valid((const char *)data, size) != ref_utf8_valid(data, size))
		od_fuzz_fail("od_utf8_valid says %d", od_utf8_valid((const char *)data, size));
	od_fuzz_split(data, size, &q, &qlen, &body, &blen);
	od_form_init(&f, size > 0 && data[0] & 1 ? 8 : 0, size > 0 && data[0] & 2 ? 16 : 4096);
	(void)od_form_parse(&f, q, qlen, 0);
	check_form(&f);
	if (body != NULL) {
		before = f.n;
		why = od_form_parse(&f, body, blen, 1);
		if (why != NULL && f.n != before)
			od_fuzz_fail("a failed parse added %d parameters", f.n - before);
		check_form(&f);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int r = od_form_get(&f, names[i], &value);

		if (r < -1 || r > 1 || (r == 1 && value == NULL))
			od_fuzz_fail("od_form_get(\"%s\") = %d", names[i], r);
	}
	round_trip(&f);
	od_form_clear(&f);
	if (f.n != 0)
		od_fuzz_fail("cleared, %d parameters left", f.n);
	return 0;
}
