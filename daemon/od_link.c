/*
 * od_link: the payment links' tokens (see od_link.h, docs/payment-links.md).
 */
#include "od_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "od_buf.h"
#include "od_codec.h"

/* What od_link_ref's hash is keyed for: never a token's signature. */
static const char link_ref_context[] = "outreachd link account ref";

static int
link_kid_valid(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > OD_LINK_KID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

static int
link_offer_valid(const char *s, size_t n)
{
	size_t	i;

	if (n > OD_LINK_OFFER_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Printable ASCII without the space: what attempt ids are made of. */
static int
link_attempt_valid(const char *s, size_t n)
{
	size_t	i;

	if (n > OD_LINK_ATTEMPT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
link_currency_valid(const char *s, size_t n)
{
	return n == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	    s[2] >= 'A' && s[2] <= 'Z';
}

static void
link_put(unsigned char *p, uint64_t v, int bytes)
{
	int	i;

	for (i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
link_get(const unsigned char *p, int bytes)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* l's payload (everything the signature covers) into p; its length, or 0 when l is out of range. */
static size_t
link_payload(const struct od_link *l, unsigned char *p)
{
	size_t	o = 0, kn = strlen(l->kid), on = strlen(l->offer), an = strlen(l->attempt);

	if (l->version != OD_LINK_VERSION || !link_kid_valid(l->kid, kn) ||
	    (unsigned)l->kind > OD_LINK_NAMED || !link_offer_valid(l->offer, on) ||
	    (l->kind == OD_LINK_NAMED) != (on > 0) ||
	    !link_currency_valid(l->currency, strlen(l->currency)) ||
	    !link_attempt_valid(l->attempt, an) || l->issued < 0 || l->issued > UINT32_MAX ||
	    l->expires < l->issued || l->expires > UINT32_MAX)
		return 0;
	p[o++] = (unsigned char)l->version;
	p[o++] = (unsigned char)kn;
	memcpy(p + o, l->kid, kn);
	o += kn;
	memcpy(p + o, l->ref, OD_LINK_REF_LEN);
	o += OD_LINK_REF_LEN;
	p[o++] = (unsigned char)l->kind;
	p[o++] = (unsigned char)on;
	memcpy(p + o, l->offer, on);
	o += on;
	link_put(p + o, l->amount, 8);
	o += 8;
	memcpy(p + o, l->currency, 3);
	o += 3;
	link_put(p + o, (uint64_t)l->issued, 4);
	o += 4;
	link_put(p + o, (uint64_t)l->expires, 4);
	o += 4;
	p[o++] = (unsigned char)an;
	memcpy(p + o, l->attempt, an);
	o += an;
	return o;
}

static void
link_mac(const struct od_link_key *k, const unsigned char *p, size_t n,
    unsigned char sig[OD_LINK_SIG_LEN])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	HMAC(EVP_sha256(), k->secret, (int)k->len, p, n, md, &mdlen);
	memcpy(sig, md, OD_LINK_SIG_LEN);
	OPENSSL_cleanse(md, sizeof(md));
}

int
od_link_encode(const struct od_link *l, const struct od_link_key *k, char *out, size_t len)
{
	unsigned char	p[OD_LINK_PAYLOAD_MAX];
	size_t		n;

	if (k == NULL || k->secret == NULL || (n = link_payload(l, p)) == 0 ||
	    len < OD_CODEC_BASE64_SIZE(n + OD_LINK_SIG_LEN))
		return -1;
	link_mac(k, p, n, p + n);
	return od_codec_base64url(out, p, n + OD_LINK_SIG_LEN) < 0 ? -1 : 0;
}

/* Reads p[0..n) into l; the payload's length (the signature follows), or 0 when malformed. */
static size_t
link_parse(const unsigned char *p, size_t n, struct od_link *l)
{
	size_t	o = 0, kn, on, an;

	memset(l, 0, sizeof(*l));
	if (n < 2 || p[0] != OD_LINK_VERSION)
		return 0;
	l->version = p[0];
	kn = p[1];
	o = 2;
	if (n - o < kn + OD_LINK_REF_LEN + 2 || !link_kid_valid((const char *)p + o, kn))
		return 0;
	memcpy(l->kid, p + o, kn);
	o += kn;
	memcpy(l->ref, p + o, OD_LINK_REF_LEN);
	o += OD_LINK_REF_LEN;
	if (p[o] > OD_LINK_NAMED)
		return 0;
	l->kind = (enum od_link_kind)p[o++];
	on = p[o++];
	if (n - o < on + 8 + 3 + 4 + 4 + 1 || !link_offer_valid((const char *)p + o, on) ||
	    (l->kind == OD_LINK_NAMED) != (on > 0))
		return 0;
	memcpy(l->offer, p + o, on);
	o += on;
	l->amount = link_get(p + o, 8);
	o += 8;
	if (!link_currency_valid((const char *)p + o, 3))
		return 0;
	memcpy(l->currency, p + o, 3);
	o += 3;
	l->issued = (int64_t)link_get(p + o, 4);
	o += 4;
	l->expires = (int64_t)link_get(p + o, 4);
	o += 4;
	an = p[o++];
	if (l->expires < l->issued || n - o != an + OD_LINK_SIG_LEN ||
	    !link_attempt_valid((const char *)p + o, an))
		return 0;
	memcpy(l->attempt, p + o, an);
	o += an;
	return o;
}

/* Decodes s into bin; the payload's length, or 0. */
static size_t
link_unpack(const char *s, size_t n, unsigned char *bin, struct od_link *l)
{
	size_t	blen;

	memset(l, 0, sizeof(*l));
	if (s == NULL || n > OD_LINK_TOKEN_MAX ||
	    od_codec_unbase64url(s, n, bin, OD_LINK_PAYLOAD_MAX, &blen) == -1)
		return 0;
	return link_parse(bin, blen, l);
}

int
od_link_decode(const char *s, size_t n, struct od_link *l)
{
	unsigned char	bin[OD_LINK_PAYLOAD_MAX];

	return link_unpack(s, n, bin, l) > 0 ? 0 : -1;
}

enum od_link_check
od_link_verify(const struct od_link_conf *c, const char *s, size_t n, int64_t now,
    struct od_link *l)
{
	unsigned char			 bin[OD_LINK_PAYLOAD_MAX], sig[OD_LINK_SIG_LEN];
	const struct od_link_key	*k;
	size_t				 plen;

	if ((plen = link_unpack(s, n, bin, l)) == 0)
		return OD_LINK_MALFORMED;
	if ((k = od_link_conf_key(c, l->kid)) == NULL)
		return OD_LINK_UNKNOWN_KEY;
	link_mac(k, bin, plen, sig);
	if (CRYPTO_memcmp(sig, bin + plen, OD_LINK_SIG_LEN) != 0)
		return OD_LINK_BAD_SIGNATURE;
	if (now >= l->expires)
		return OD_LINK_EXPIRED;
	return OD_LINK_OK;
}

const char *
od_link_check_name(enum od_link_check r)
{
	switch (r) {
	case OD_LINK_OK:		return "ok";
	case OD_LINK_MALFORMED:		return "malformed";
	case OD_LINK_BAD_SIGNATURE:	return "bad_signature";
	case OD_LINK_UNKNOWN_KEY:	return "unknown_key";
	case OD_LINK_EXPIRED:		return "expired";
	default:			return "invalid";
	}
}

const char *
od_link_kind_name(enum od_link_kind k)
{
	switch (k) {
	case OD_LINK_BALANCE:	return "balance";
	case OD_LINK_OFFER:	return "offer";
	case OD_LINK_NAMED:	return "named";
	default:		return "invalid";
	}
}

const struct od_link_key *
od_link_conf_key(const struct od_link_conf *c, const char *kid)
{
	size_t	i;

	for (i = 0; c != NULL && i < c->nkeys; i++)
		if (strcmp(c->keys[i].id, kid) == 0)
			return &c->keys[i];
	return NULL;
}

const char *
od_link_conf_redirect(const struct od_link_conf *c, const char *country)
{
	const char	*def = NULL;
	size_t		 i;

	for (i = 0; c != NULL && i < c->nredirects; i++) {
		if (country != NULL && strcmp(c->redirects[i].country, country) == 0)
			return c->redirects[i].url;
		if (c->redirects[i].country[0] == '\0')
			def = c->redirects[i].url;
	}
	return def;
}

void
od_link_ref(const struct od_link_conf *c, const char *account, unsigned char ref[OD_LINK_REF_LEN])
{
	unsigned char	 md[EVP_MAX_MD_SIZE], *msg;
	unsigned int	 mdlen = 0;
	size_t		 n = strlen(account);

	memset(ref, 0, OD_LINK_REF_LEN);
	if (c == NULL || c->nkeys == 0 ||
	    (msg = malloc(sizeof(link_ref_context) + n)) == NULL)
		return;
	/* the context, its NUL, the account id: keyed apart from any signature */
	memcpy(msg, link_ref_context, sizeof(link_ref_context));
	memcpy(msg + sizeof(link_ref_context), account, n);
	if (HMAC(EVP_sha256(), c->keys[0].secret, (int)c->keys[0].len, msg,
	    sizeof(link_ref_context) + n, md, &mdlen) != NULL)
		memcpy(ref, md, OD_LINK_REF_LEN);
	free(msg);
	OPENSSL_cleanse(md, sizeof(md));
}

const char *
od_link_ref_key(const char *prefix, const unsigned char ref[OD_LINK_REF_LEN], char *buf,
    size_t len)
{
	char	hex[2 * OD_LINK_REF_LEN + 1];

	od_codec_hex(ref, OD_LINK_REF_LEN, hex);
	snprintf(buf, len, "%s:" OD_LINK_REF_KEY "%s", prefix, hex);
	return buf;
}

int64_t
od_link_ref_ttl_ms(const struct od_link_conf *c)
{
	return (c->max_ttl_s + 86400) * 1000;
}

int
od_link_make(const struct od_link_conf *c, const char *account, enum od_link_kind kind,
    const char *offer, uint64_t amount, const char *currency, int64_t now, int64_t until,
    const char *attempt, struct od_link *l, char *url, size_t len)
{
	char	tok[OD_LINK_TOKEN_MAX + 1];
	size_t	alen = strlen(account);
	int	n;

	memset(l, 0, sizeof(*l));
	if (c == NULL || c->nkeys == 0 || strlen(offer ? offer : "") > OD_LINK_OFFER_MAX ||
	    strlen(currency ? currency : "") > 3)
		return -1;
	l->version = OD_LINK_VERSION;
	snprintf(l->kid, sizeof(l->kid), "%s", c->keys[0].id);
	od_link_ref(c, account, l->ref);
	l->kind = kind;
	snprintf(l->offer, sizeof(l->offer), "%s", kind == OD_LINK_NAMED && offer ? offer : "");
	l->amount = amount;
	snprintf(l->currency, sizeof(l->currency), "%s", currency ? currency : "");
	l->issued = now;
	l->expires = now + c->max_ttl_s;
	if (until > 0 && until < l->expires)
		l->expires = until > now ? until : now;
	/* the attempt less the account id it begins with: the token never names the account */
	if (attempt != NULL && strncmp(attempt, account, alen) == 0 && attempt[alen] != '\0') {
		if (strlen(attempt + alen) > OD_LINK_ATTEMPT_MAX)
			return -1;
		snprintf(l->attempt, sizeof(l->attempt), "%s", attempt + alen);
	}
	if (od_link_encode(l, &c->keys[0], tok, sizeof(tok)) == -1)
		return -1;
	n = snprintf(url, len, "%s/p/%s", c->base_url, tok);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
od_link_attempt(const struct od_link *l, const char *account, char *buf, size_t len)
{
	if (l->attempt[0] == '\0')
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s%s", account, l->attempt);
	return buf;
}

static const char *const link_redirect_vars[] = {
	"ref", "amount", "amount_minor", "currency", "offer", "kind", "attempt", "expires",
	"token", "account", NULL
};

int
od_link_redirect_var(const char *name, size_t len)
{
	const char *const	*v;

	for (v = link_redirect_vars; *v != NULL; v++)
		if (strlen(*v) == len && memcmp(*v, name, len) == 0)
			return 1;
	return 0;
}

/* The value of placeholder name for l, into buf. */
static const char *
link_var(const char *name, size_t nlen, const struct od_link *l, const char *account,
    const char *token, int digits, char *buf, size_t len)
{
	uint64_t	p = 1;
	int		i;

#define IS(s)	(nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)
	if (IS("ref")) {
		od_codec_hex(l->ref, OD_LINK_REF_LEN, buf);
	} else if (IS("amount")) {
		int	w = digits < 0 ? 0 : digits > 4 ? 4 : digits;	/* ISO 4217: 0 to 4 */

		for (i = 0; i < w; i++)
			p *= 10;
		if (w > 0)
			snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(l->amount / p), w,
			    (unsigned long long)(l->amount % p));
		else
			snprintf(buf, len, "%llu", (unsigned long long)l->amount);
	} else if (IS("amount_minor")) {
		snprintf(buf, len, "%llu", (unsigned long long)l->amount);
	} else if (IS("currency")) {
		snprintf(buf, len, "%s", l->currency);
	} else if (IS("offer")) {
		snprintf(buf, len, "%s", l->offer);
	} else if (IS("kind")) {
		snprintf(buf, len, "%s", od_link_kind_name(l->kind));
	} else if (IS("attempt")) {
		od_link_attempt(l, account, buf, len);
	} else if (IS("expires")) {
		snprintf(buf, len, "%lld", (long long)l->expires);
	} else if (IS("token")) {
		return token;
	} else if (IS("account")) {
		return account;
	} else
		buf[0] = '\0';
#undef IS
	return buf;
}

int
od_link_redirect_url(const char *tmpl, const struct od_link *l, const char *account,
    const char *token, int digits, struct od_buf *out)
{
	const char	*p = tmpl, *open, *close, *v;
	char		 buf[1024];

	if (digits < 0 || digits > 4)
		digits = 2;
	while ((open = strstr(p, "{{")) != NULL && (close = strstr(open + 2, "}}")) != NULL) {
		od_buf_append(out, p, (size_t)(open - p));
		v = link_var(open + 2, (size_t)(close - open - 2), l, account, token, digits, buf,
		    sizeof(buf));
		od_codec_urlencode(out, v, strlen(v), 0);
		p = close + 2;
	}
	od_buf_puts(out, p);
	return out->oom ? -1 : 0;
}
