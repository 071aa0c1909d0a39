/*
 * od_codec: the one implementation of each byte encoding outreachd writes
 * — base64 (RFC 4648, padded: Basic authorization, Twilio signatures, MIME
 * encoded-words), base64url (RFC 4648 section 5, unpadded: payment link
 * tokens, od_link.h), lowercase hex (tokens, keyed hashes) and percent-encoding
 * (RFC 3986 query values and payment links; application/x-www-form-
 * urlencoded bodies) — from the libraries already loaded: libcrypto's
 * EVP_EncodeBlock and libevent's evhttp_uriencode.  Decoding of forms and
 * queries is od_form's (od_form.h, evhttp_uridecode).
 *
 * Plugins link nothing of the core: they reach base64 and form encoding
 * through the host table (buf_base64, buf_urlencode in od_channel.h),
 * which calls these.
 */
#ifndef OD_CODEC_H
#define OD_CODEC_H

#include <stddef.h>

struct od_buf;

/* Bytes od_codec_base64 writes for n bytes of input, the NUL included. */
#define OD_CODEC_BASE64_SIZE(n)	(((n) + 2) / 3 * 4 + 1)

/*
 * base64 of in[0..n) into out, which has OD_CODEC_BASE64_SIZE(n) bytes;
 * NUL-terminated.  The length written (without the NUL), or -1 when n is
 * beyond what libcrypto encodes in one call (over 1.5 GiB).
 */
long	od_codec_base64(char *out, const void *in, size_t n);
/* The same, appended to b.  0, or -1 (no memory, or too long). */
int	od_codec_base64_buf(struct od_buf *b, const void *in, size_t n);

/*
 * base64url of in[0..n) (RFC 4648 section 5: '-' and '_' for '+' and '/'),
 * without padding, into out, which has OD_CODEC_BASE64_SIZE(n) bytes;
 * NUL-terminated.  The length written, or -1 (as od_codec_base64).
 */
long	od_codec_base64url(char *out, const void *in, size_t n);
/*
 * Decodes unpadded base64url s[0..slen) into out (cap bytes); *outlen is
 * set to the bytes written.  Strict: only A-Z a-z 0-9 - _, no '=', no
 * white space, a length that is not 1 mod 4, and the unused low bits of
 * the last character zero (one text per byte string).  0 or -1.
 */
int	od_codec_unbase64url(const char *s, size_t slen, unsigned char *out, size_t cap,
	    size_t *outlen);

/* Lowercase hex of in[0..n) into out, which has 2 * n + 1 bytes; NUL-terminated. */
void	od_codec_hex(const void *in, size_t n, char *out);
/* Exactly 2 * n hex digits (either case) of s[0..slen) into out[0..n).  0 or -1. */
int	od_codec_unhex(const char *s, size_t slen, unsigned char *out, size_t n);
/* The value of a hex digit, or -1. */
int	od_hexval(int c);

/*
 * Percent-encoding of s[0..n) (any bytes) appended to b: the RFC 3986
 * unreserved characters A-Z a-z 0-9 - . _ ~ as they are, every other byte
 * as %XX (upper case).  OD_CODEC_FORM: a space as '+'
 * (application/x-www-form-urlencoded), else as %20 (a URL's query value or
 * path: a '+' there may be read as a space or as a plus).  0, or -1 (no
 * memory).
 */
#define OD_CODEC_FORM	0x01
int	od_codec_urlencode(struct od_buf *b, const char *s, size_t n, unsigned flags);

#endif /* OD_CODEC_H */
