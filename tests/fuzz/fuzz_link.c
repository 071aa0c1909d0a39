/*
 * fuzz_link: the payment link token parser (od_link_decode, od_link_verify)
 * on any string, as GET /p/<token> hands it over.  Whatever decodes is
 * signed again with the harness's key: that token must verify (at a time
 * before it expires), decode to the same fields, and be the input itself
 * when the input verified (one text per link: no malleability).
 */
#include <stdlib.h>
#include <string.h>

#include "od_fuzz.h"
#include "od_link.h"

#define FUZZ_KEY	"fuzz-link-key-0123456789abcdef0123456789"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_link_key	 k;
	struct od_link_conf	 c;
	struct od_link		 l, l2;
	enum od_link_check	 r;
	char			*s = od_fuzz_strndup(data, size);
	char			 tok[OD_LINK_TOKEN_MAX + 1];
	size_t			 n = strlen(s);

	memset(&k, 0, sizeof(k));
	memcpy(k.id, "k1", 3);
	k.secret = (unsigned char *)FUZZ_KEY;
	k.len = strlen(FUZZ_KEY);
	memset(&c, 0, sizeof(c));
	c.base_url = "https://x.example";
	c.max_ttl_s = 86400;
	c.keys = &k;
	c.nkeys = 1;
	r = od_link_verify(&c, s, n, 1700000000, &l);
	if (r == OD_LINK_INVALID)
		od_fuzz_fail("no answer");
	if ((od_link_decode(s, n, &l2) == 0) != (r != OD_LINK_MALFORMED))
		od_fuzz_fail("decode and verify disagree on '%s'", s);
	if (r != OD_LINK_MALFORMED) {
		if (memchr(l.kid, '\0', sizeof(l.kid)) == NULL ||
		    memchr(l.offer, '\0', sizeof(l.offer)) == NULL ||
		    memchr(l.attempt, '\0', sizeof(l.attempt)) == NULL ||
		    memchr(l.currency, '\0', sizeof(l.currency)) == NULL)
			od_fuzz_fail("a field is not NUL-terminated");
		if (l.expires < l.issued)
			od_fuzz_fail("expires before issued");
		memcpy(l.kid, "k1", 3);
		if (od_link_encode(&l, &k, tok, sizeof(tok)) == -1)
			od_fuzz_fail("a decoded token cannot be encoded again");
		if (od_link_verify(&c, tok, strlen(tok), l.issued - 1 < 0 ? 0 : l.issued - 1, &l2) !=
		    (l.expires > (l.issued - 1 < 0 ? 0 : l.issued - 1) ? OD_LINK_OK : OD_LINK_EXPIRED))
			od_fuzz_fail("a token signed again does not verify");
		if (memcmp(&l.ref, &l2.ref, sizeof(l.ref)) != 0 || l.amount != l2.amount ||
		    strcmp(l.offer, l2.offer) != 0 || strcmp(l.attempt, l2.attempt) != 0)
			od_fuzz_fail("a field changed in the round trip");
		if ((r == OD_LINK_OK || r == OD_LINK_EXPIRED) && strcmp(tok, s) != 0)
			od_fuzz_fail("a verified token is not the one text of its fields");
	}
	free(s);
	return 0;
}
