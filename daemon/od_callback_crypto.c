/*
 * od_callback_crypto: SHA-1, SHA-256 and HMAC (RFC 3174, FIPS 180-4,
 * RFC 2104) for checking gateway signatures.  The core does not link
 * libcrypto; tests check these against the openssl command and the
 * RFC 4231 / RFC 2202 vectors.
 */
#include <stdint.h>
#include <string.h>

#include "od_callback.h"

struct cb_sha {
	uint32_t	h[8];
	uint64_t	len;		/* bytes */
	unsigned char	blk[64];
	size_t		n;
	int		is256;
};

#define ROL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))
#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static void
sha_init(struct cb_sha *c, int is256)
{
	static const uint32_t h1[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };
	static const uint32_t h2[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memset(c, 0, sizeof(*c));
	c->is256 = is256;
	if (is256)
		memcpy(c->h, h2, sizeof(h2));
	else
		memcpy(c->h, h1, sizeof(h1));
}

static void
sha1_block(struct cb_sha *c, const unsigned char *p)
{
	uint32_t	w[80], a, b, d, e, f, k, t, cc;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3]; e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d; d = cc; cc = ROL(b, 30); b = a; a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d; c->h[4] += e;
}

static void
sha256_block(struct cb_sha *c, const unsigned char *p)
{
	uint32_t	w[64], v[8], s0, s1, t1, t2;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++) {
		s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, c->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		s1 = ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25);
		t1 = v[7] + s1 + ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
		s0 = ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22);
		t2 = s0 + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		c->h[i] += v[i];
}

static void
sha_update(struct cb_sha *c, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 take;

	c->len += len;
	while (len > 0) {
		take = 64 - c->n < len ? 64 - c->n : len;
		memcpy(c->blk + c->n, p, take);
		c->n += take;
		p += take;
		len -= take;
		if (c->n == 64) {
			if (c->is256)
				sha256_block(c, c->blk);
			else
				sha1_block(c, c->blk);
			c->n = 0;
		}
	}
}

static void
sha_final(struct cb_sha *c, unsigned char *out)
{
	unsigned char	pad[72];
	uint64_t	bits = c->len * 8;
	size_t		padlen, i, nw;

	padlen = (c->n < 56 ? 56 : 120) - c->n;
	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_update(c, pad, padlen + 8);
	nw = c->is256 ? 8 : 5;
	for (i = 0; i < nw; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

static void
hmac(int is256, const void *key, size_t klen, const void *msg, size_t mlen, unsigned char *out)
{
	struct cb_sha	c;
	unsigned char	k[64], pad[64], inner[32];
	size_t		i, dlen = is256 ? 32 : 20;

	memset(k, 0, sizeof(k));
	if (klen > 64) {
		sha_init(&c, is256);
		sha_update(&c, key, klen);
		sha_final(&c, k);
	} else if (klen > 0)
		memcpy(k, key, klen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha_init(&c, is256);
	sha_update(&c, pad, 64);
	sha_update(&c, msg, mlen);
	sha_final(&c, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha_init(&c, is256);
	sha_update(&c, pad, 64);
	sha_update(&c, inner, dlen);
	sha_final(&c, out);
}

void
od_cb_hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[20])
{
	hmac(0, key, klen, msg, mlen, out);
}

void
od_cb_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[32])
{
	hmac(1, key, klen, msg, mlen, out);
}
