/*
 * od_account_json: JSON text to jansson values, quicker than json_loadb for
 * the plain documents that outreachd reads on every action (the account as
 * stored at intake, its state as the scripts wrote it).
 *
 * jansson's lexer reads one byte at a time through a stream callback, about
 * 200 instructions per byte (docs/performance.md: json_loadb was a quarter
 * of the daemon's instructions).  This reader handles the common shapes in
 * one pass over the buffer and builds the very same values: objects in the
 * order given, strings (UTF-8 checked by jansson's own json_stringn), the
 * simple escapes, integers, true, false, null.  Anything else (a \u escape,
 * a number with a fraction or an exponent, a duplicate key, a document
 * nested deeper than FAST_DEPTH, any syntax error) makes it give up, and
 * json_loadb parses the text from the start: the result, or the error with
 * its position, is always what json_loadb alone would give.
 *
 * Keys and strings made of ASCII bytes only (nearly all of them) skip
 * jansson's UTF-8 check (json_*_nocheck): ASCII is valid UTF-8, and a NUL
 * cannot be in them (controls and \u make the reader give up).  Others go
 * through the checking calls, as before.
 */
#include "od_account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_buf.h"

#define FAST_DEPTH	32

struct fast {
	const char	*p, *end;
	char		*tmp;		/* unescaped strings */
	size_t		 tmpcap;
	int		 depth;
};

static void
fast_ws(struct fast *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

/*
 * A string at f->p (the opening quote): its bytes in *s, *n; *ascii whether
 * they are all below 0x80.  Points into the text when there is no escape,
 * else into f->tmp.  -1: give up.
 */
static int
fast_string(struct fast *f, const char **s, size_t *n, int *ascii)
{
	const char	*q = ++f->p, *start = q;
	size_t		 len = 0;
	unsigned	 hi = 0;
	int		 esc = 0;

	for (; q < f->end && *q != '"'; q++) {
		unsigned char c = (unsigned char)*q;

		hi |= c;
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			esc = 1;
			if (++q == f->end)
				return -1;
			hi |= (unsigned char)*q;
		}
	}
	if (q == f->end)
		return -1;
	f->p = q + 1;
	*ascii = (hi & 0x80) == 0;
	if (!esc) {
		*s = start;
		*n = (size_t)(q - start);
		return 0;
	}
	if ((size_t)(q - start) + 1 > f->tmpcap) {
		char *t = realloc(f->tmp, (size_t)(q - start) + 1);

		if (t == NULL)
			return -1;
		f->tmp = t;
		f->tmpcap = (size_t)(q - start) + 1;
	}
	for (const char *r = start; r < q; r++) {
		if (*r != '\\') {
			f->tmp[len++] = *r;
			continue;
		}
		switch (*++r) {
		case '"':	f->tmp[len++] = '"'; break;
		case '\\':	f->tmp[len++] = '\\'; break;
		case '/':	f->tmp[len++] = '/'; break;
		case 'b':	f->tmp[len++] = '\b'; break;
		case 'f':	f->tmp[len++] = '\f'; break;
		case 'n':	f->tmp[len++] = '\n'; break;
		case 'r':	f->tmp[len++] = '\r'; break;
		case 't':	f->tmp[len++] = '\t'; break;
		default:	return -1;	/* \u and anything invalid: jansson's */
		}
	}
	*s = f->tmp;
	*n = len;
	return 0;
}

/* An integer as jansson reads one (no leading zeros); NULL to give up. */
static json_t *
fast_integer(struct fast *f)
{
	const char	*q = f->p;
	int		 neg = 0;
	long long	 v = 0;
	int		 digits = 0;

	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q == f->end || *q < '0' || *q > '9' || (*q == '0' && q + 1 < f->end &&
	    q[1] >= '0' && q[1] <= '9'))
		return NULL;
	for (; q < f->end && *q >= '0' && *q <= '9'; q++) {
		if (++digits > 18)
			return NULL;		/* near the edge of long long: jansson's */
		v = v * 10 + (*q - '0');
	}
	if (q < f->end && (*q == '.' || *q == 'e' || *q == 'E'))
		return NULL;			/* a real: strtod's rounding is jansson's */
	f->p = q;
	return json_integer(neg ? -v : v);
}

static json_t	*fast_value(struct fast *f);

static int
fast_word(struct fast *f, const char *w, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n) != 0)
		return 0;
	f->p += n;
	return 1;
}

static json_t *
fast_object(struct fast *f)
{
	json_t		*o = json_object(), *v;
	const char	*k;
	char		 kbuf[128];
	size_t		 kn, count = 0;
	int		 kascii, rc;

	if (o == NULL)
		return NULL;
	f->p++;
	fast_ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
		return o;
	}
	for (;;) {
		if (f->p == f->end || *f->p != '"' || fast_string(f, &k, &kn, &kascii) == -1)
			goto fail;
		if (k == f->tmp) {		/* the value may need f->tmp: keep the key */
			if (kn >= sizeof(kbuf))
				goto fail;
			memcpy(kbuf, k, kn);
			k = kbuf;
		}
		fast_ws(f);
		if (f->p == f->end || *f->p != ':')
			goto fail;
		f->p++;
		fast_ws(f);
		if ((v = fast_value(f)) == NULL)
			goto fail;
		/*
		 * Checks the key's UTF-8 unless it is ASCII.  (A NUL cannot be in
		 * it: controls and \u gave up.)  Both steal v, also on failure.
		 */
		rc = kascii ? json_object_setn_new_nocheck(o, k, kn, v) :
		    json_object_setn_new(o, k, kn, v);
		if (rc == -1)
			goto fail;
		if (json_object_size(o) != ++count)
			goto fail;		/* a duplicate key: jansson decides */
		fast_ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			fast_ws(f);
			continue;
		}
		if (f->p < f->end && *f->p == '}') {
			f->p++;
			return o;
		}
		goto fail;
	}
fail:
	json_decref(o);
	return NULL;
}

static json_t *
fast_array(struct fast *f)
{
	json_t	*a = json_array(), *v;

	if (a == NULL)
		return NULL;
	f->p++;
	fast_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		return a;
	}
	for (;;) {
		if ((v = fast_value(f)) == NULL || json_array_append_new(a, v) == -1)
			break;
		fast_ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			fast_ws(f);
			continue;
		}
		if (f->p < f->end && *f->p == ']') {
			f->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *
fast_value(struct fast *f)
{
	const char	*s;
	size_t		 n;
	json_t		*v = NULL;
	int		 ascii;

	if (f->p == f->end)
		return NULL;
	switch (*f->p) {
	case '{':
	case '[':
		if (++f->depth > FAST_DEPTH)
			return NULL;
		v = *f->p == '{' ? fast_object(f) : fast_array(f);
		f->depth--;
		return v;
	case '"':
		if (fast_string(f, &s, &n, &ascii) == -1)
			return NULL;
		/* json_stringn: NULL when not UTF-8. */
		return ascii ? json_stringn_nocheck(s, n) : json_stringn(s, n);
	case 't':
		return fast_word(f, "true", 4) ? json_true() : NULL;
	case 'f':
		return fast_word(f, "false", 5) ? json_false() : NULL;
	case 'n':
		return fast_word(f, "null", 4) ? json_null() : NULL;
	default:
		return fast_integer(f);
	}
}

json_t *
od_account_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err)
{
	struct fast	 f;
	json_t		*v = NULL;

	if ((flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)) == 0 && buf != NULL) {
		memset(&f, 0, sizeof(f));
		f.p = buf;
		f.end = buf + len;
		fast_ws(&f);
		if (f.p < f.end && (*f.p == '{' || *f.p == '[')) {
			v = fast_value(&f);
			fast_ws(&f);
			if (v != NULL && f.p != f.end) {
				json_decref(v);
				v = NULL;
			}
		}
		free(f.tmp);
		if (v != NULL)
			return v;
	}
	return json_loadb(buf, len, flags, err);
}

/* ---- writing ---- */

/* Bytes a JSON string cannot hold as they are: controls, '"' and '\\'. */
static const unsigned char dump_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/*
 * A string as jansson writes it without flags: '"', '\\' and controls
 * escaped, UTF-8 as is.  Each run of bytes that need no escape is copied
 * at once; the room for the common case (no escape) is made first.
 */
static int
dump_string(struct od_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* as jansson: \\u%04X */
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, run;
	char	 e[7];

	if (od_buf_reserve(b, n + 2) == -1)
		return -1;
	b->data[b->len++] = '"';
	while (i < n && !dump_esc[u[i]])
		i++;
	if (i == n) {			/* nothing to escape: room was made above */
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len++] = '"';
		b->data[b->len] = '\0';
		return 0;
	}
	i = 0;
	for (;;) {
		size_t el = 2;
		unsigned char c;

		for (run = i; i < n && !dump_esc[u[i]]; i++)
			;
		if (od_buf_append(b, s + run, i - run) == -1)
			return -1;
		if (i == n)
			break;
		c = u[i++];
		e[0] = '\\';
		switch (c) {
		case '"':	e[1] = '"'; break;
		case '\\':	e[1] = '\\'; break;
		case '\b':	e[1] = 'b'; break;
		case '\f':	e[1] = 'f'; break;
		case '\n':	e[1] = 'n'; break;
		case '\r':	e[1] = 'r'; break;
		case '\t':	e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			el = 6;
		}
		if (od_buf_append(b, e, el) == -1)
			return -1;
	}
	return od_buf_append(b, "\"", 1);
}

/* v in decimal, as "%" JSON_INTEGER_FORMAT writes it; the length. */
static size_t
dump_integer(json_int_t v, char *out)
{
	char		 tmp[24];
	size_t		 n = 0, len = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
		out[len++] = tmp[--n];
	return len;
}

#define DUMP_DEPTH	16

/*
 * v as json_dumps(v, JSON_COMPACT) writes it: objects in their order,
 * arrays, strings, integers, literals.  1: something else (a real, a
 * document deeper than DUMP_DEPTH) that jansson must write; -1: out of memory.
 */
static int
dump_value(struct od_buf *b, json_t *v, int depth)
{
	char	 num[24];
	void	*it;
	size_t	 i, n;
	int	 rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return dump_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return od_buf_append(b, num, dump_integer(json_integer_value(v), num));
	case JSON_TRUE:
		return od_buf_append(b, "true", 4);
	case JSON_FALSE:
		return od_buf_append(b, "false", 5);
	case JSON_NULL:
		return od_buf_append(b, "null", 4);
	case JSON_OBJECT:
		if (depth >= DUMP_DEPTH)
			return 1;
		if (od_buf_append(b, "{", 1) == -1)
			return -1;
		for (it = json_object_iter(v), i = 0; it != NULL;
		    it = json_object_iter_next(v, it), i++) {
			if ((i > 0 && od_buf_append(b, ",", 1) == -1) ||
			    dump_string(b, json_object_iter_key(it),
			    json_object_iter_key_len(it)) == -1 ||
			    od_buf_append(b, ":", 1) == -1)
				return -1;
			if ((rc = dump_value(b, json_object_iter_value(it), depth + 1)) != 0)
				return rc;
		}
		return od_buf_append(b, "}", 1);
	case JSON_ARRAY:
		if (depth >= DUMP_DEPTH)
			return 1;
		if (od_buf_append(b, "[", 1) == -1)
			return -1;
		for (i = 0, n = json_array_size(v); i < n; i++) {
			if (i > 0 && od_buf_append(b, ",", 1) == -1)
				return -1;
			if ((rc = dump_value(b, json_array_get(v, i), depth + 1)) != 0)
				return rc;
		}
		return od_buf_append(b, "]", 1);
	default:
		return 1;	/* a real: jansson's "%.17g" and its rules */
	}
}

/*
 * Objects (the attempt records, the states) are written here, nested
 * objects and arrays included; a document with a real in it, or anything
 * that is not an object, is jansson's.
 */
char *
od_account_json_dumps(const json_t *rec)
{
	struct od_buf	 b;
	int		 rc;

	if (!json_is_object(rec))
		return json_dumps(rec, JSON_COMPACT);
	od_buf_init(&b);
	if (od_buf_reserve(&b, 511) == -1)
		return NULL;
	rc = dump_value(&b, (json_t *)rec, 0);
	if (rc == 0)
		return od_buf_steal(&b);
	od_buf_free(&b);
	return rc == 1 ? json_dumps(rec, JSON_COMPACT) : NULL;
}
