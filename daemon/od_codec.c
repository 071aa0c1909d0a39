/*
 * od_codec: base64, hex and percent-encoding (see od_codec.h).
 */
#include "od_codec.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/evp.h>

#include "od_buf.h"

long
od_codec_base64(char *out, const void *in, size_t n)
{
	/* EVP_EncodeBlock writes no newlines, pads with '=', adds the NUL; n is an int there */
	if (n > (size_t)INT_MAX / 4 * 3)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int
od_codec_base64_buf(struct od_buf *b, const void *in, size_t n)
{
	long	len;

	if (n > (size_t)INT_MAX / 4 * 3 || od_buf_reserve(b, OD_CODEC_BASE64_SIZE(n)) == -1)
		return -1;
	if ((len = od_codec_base64(b->data + b->len, in, n)) < 0)
		return -1;
	b->len += (size_t)len;
	return 0;
}

long
od_codec_base64url(char *out, const void *in, size_t n)
{
	long	len, i;

	if ((len = od_codec_base64(out, in, n)) < 0)
		return -1;
	for (i = 0; i < len; i++)
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	while (len > 0 && out[len - 1] == '=')
		out[--len] = '\0';
	return len;
}

static int
codec_b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
od_codec_unbase64url(const char *s, size_t slen, unsigned char *out, size_t cap,
    size_t *outlen)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	*outlen = 0;
	if (slen % 4 == 1 || slen / 4 * 3 + (slen % 4 ? slen % 4 - 1 : 0) > cap)
		return -1;
	for (i = 0; i < slen; i++) {
		if ((v = codec_b64url_val((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* the bits left over are padding: zero, or another text would decode the same */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*outlen = o;
	return 0;
}

void
od_codec_hex(const void *in, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*p = in;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
od_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
od_codec_unhex(const char *s, size_t slen, unsigned char *out, size_t n)
{
	size_t	i;
	int	h, l;

	if (slen != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((h = od_hexval((unsigned char)s[2 * i])) < 0 ||
		    (l = od_hexval((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(h << 4 | l);
	}
	return 0;
}

int
od_codec_urlencode(struct od_buf *b, const char *s, size_t n, unsigned flags)
{
	char	*enc;
	int	 rc;

	if (n == 0)
		return od_buf_append(b, "", 0);
	/* libevent keeps exactly the unreserved set and writes %XX in upper case */
	if (n > (size_t)(SSIZE_MAX / 3) ||
	    (enc = evhttp_uriencode(s, (ev_ssize_t)n, (flags & OD_CODEC_FORM) != 0)) == NULL) {
		b->oom = 1;
		return -1;
	}
	rc = od_buf_puts(b, enc);
	free(enc);
	return rc;
}
