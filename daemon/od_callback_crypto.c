/*
 * od_callback_crypto: the HMACs that sign callbacks and the comparison of
 * secrets, all from libcrypto (HMAC(), EVP_sha1/EVP_sha256, CRYPTO_memcmp).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "od_callback.h"

static void
cb_hmac(const EVP_MD *md, const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char *out, unsigned int outlen)
{
	static const unsigned char	 none;
	unsigned int			 n = outlen;

	/* HMAC() wants a key pointer even for an empty key, and fails only on no memory. */
	if (HMAC(md, klen > 0 ? key : &none, (int)klen, mlen > 0 ? msg : &none, mlen, out,
	    &n) == NULL || n != outlen)
		memset(out, 0, outlen);
}

void
od_cb_hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[20])
{
	cb_hmac(EVP_sha1(), key, klen, msg, mlen, out, 20);
}

void
od_cb_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[32])
{
	cb_hmac(EVP_sha256(), key, klen, msg, mlen, out, 32);
}

int
od_cb_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char	da[32], db[32];

	/*
	 * The digests are compared, not the strings: CRYPTO_memcmp takes one
	 * length, and neither the secret's length nor a matching prefix of it
	 * shows in the time taken.
	 */
	if (EVP_Digest(alen > 0 ? a : "", alen, da, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(blen > 0 ? b : "", blen, db, NULL, EVP_sha256(), NULL) != 1)
		return 0;
	return (CRYPTO_memcmp(da, db, sizeof(da)) == 0) & (alen == blen);
}
