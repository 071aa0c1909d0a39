/*
 * od_link: signed, expiring payment links (docs/payment-links.md).
 *
 * A link is "<links.base_url>/p/<token>"; the token is base64url (RFC 4648
 * section 5, no padding) of a compact binary payload and its signature:
 *
 *   version 1 | K | key id (K) | account ref (8) | kind | O | offer id (O) |
 *   amount (u64) | currency (3) | issued (u32) | expires (u32) | A |
 *   attempt (A) | HMAC-SHA256(key, all of the above)[0..16)
 *
 * Integers are big-endian, times Unix seconds.  The account ref is opaque
 * (a keyed hash of the account id, od_link_ref): the daemon resolves it
 * through <prefix>:linkref:<hex>, written when a message carrying a link is
 * sent.  The attempt is the attempt id less the account id it begins with
 * (attempt ids are "<account>:<cycle>:<step>#<n>"): no part of the token
 * names the debtor.
 *
 * Keys (links.keys) are newest first: new links are signed with the first;
 * any listed key verifies until its links expire; a key no longer listed
 * verifies nothing (rotated out).  Nothing here does I/O but reading the
 * keys at configuration time (od_link_conf.c), nor reads the clock.
 */
#ifndef OD_LINK_H
#define OD_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "od_error.h"

struct od_buf;
struct od_yaml;

#define OD_LINK_VERSION		1
#define OD_LINK_KID_MAX		16	/* key id bytes: A-Z a-z 0-9 _ . - */
#define OD_LINK_REF_LEN		8	/* the account reference's bytes */
#define OD_LINK_OFFER_MAX	64	/* a named offer's id (od_policy: a-z 0-9 _) */
#define OD_LINK_ATTEMPT_MAX	255
#define OD_LINK_SIG_LEN		16	/* HMAC-SHA256 truncated to 128 bits */
#define OD_LINK_KEY_MIN		32	/* a key's bytes, at least */
#define OD_LINK_KEY_MAX		1024
/* The longest payload and token (characters, the NUL not counted). */
#define OD_LINK_PAYLOAD_MAX	(2 + OD_LINK_KID_MAX + OD_LINK_REF_LEN + 2 + OD_LINK_OFFER_MAX + \
				 8 + 3 + 4 + 4 + 1 + OD_LINK_ATTEMPT_MAX + OD_LINK_SIG_LEN)
#define OD_LINK_TOKEN_MAX	((OD_LINK_PAYLOAD_MAX + 2) / 3 * 4)
/* Where the account ref's mapping lives: <prefix>:linkref:<16 hex digits>. */
#define OD_LINK_REF_KEY		"linkref:"

/* What a link pays. */
enum od_link_kind {
	OD_LINK_BALANCE = 0,	/* {{ pay.link }}: the balance */
	OD_LINK_OFFER = 1,	/* {{ offer.link }}: the policy's offer: block */
	OD_LINK_NAMED = 2,	/* {{ offers.<id>.link }}: a named offer (offer holds its id) */
};

/* A token's fields. */
struct od_link {
	int			 version;
	char			 kid[OD_LINK_KID_MAX + 1];
	unsigned char		 ref[OD_LINK_REF_LEN];
	enum od_link_kind	 kind;
	char			 offer[OD_LINK_OFFER_MAX + 1];	/* "" unless OD_LINK_NAMED */
	uint64_t		 amount;		/* minor units */
	char			 currency[4];		/* ISO 4217 */
	int64_t			 issued, expires;	/* Unix seconds */
	char			 attempt[OD_LINK_ATTEMPT_MAX + 1];	/* less the account id; "" none */
};

/* What a token is found to be; the zero value is no answer. */
enum od_link_check {
	OD_LINK_INVALID = 0,
	OD_LINK_OK,
	OD_LINK_MALFORMED,	/* not base64url, wrong version, a field out of range, cut */
	OD_LINK_BAD_SIGNATURE,
	OD_LINK_UNKNOWN_KEY,	/* a key id not configured (rotated out, or never was) */
	OD_LINK_EXPIRED,
};

struct od_link_key {
	char		 id[OD_LINK_KID_MAX + 1];
	unsigned char	*secret;	/* owned; wiped when freed */
	size_t		 len;
};

/* links.redirect: a country's checkout URL template ("" is default). */
struct od_link_redirect {
	char		 country[8];
	char		*url;		/* with {{ref}}, {{amount}}, ... (od_link_redirect_url) */
};

/* links: in config/outreachd.yaml (od_link_conf.c). */
struct od_link_conf {
	char			*base_url;	/* "https://pay.example.pe", no trailing '/' */
	char			*listen;	/* "address:port" for /p/ alone, or NULL */
	int64_t			 max_ttl_s;	/* links.max_ttl (30d): the longest a link lives */
	struct od_link_key	*keys;		/* newest first; at least one */
	size_t			 nkeys;
	struct od_link_redirect	*redirects;	/* "default" among them */
	size_t			 nredirects;
	char			*file;		/* where links: stood, for errors */
	int			 line, col;
};

/*
 * links: (the mapping n) into a new conf (*out); keys are read now (file
 * relative to dir, credential from $CREDENTIALS_DIRECTORY, env).  Errors at
 * their node into errs; *out is NULL on any.
 */
void	od_link_conf_read(const struct od_yaml *n, const char *dir, struct od_link_conf **out,
	    struct od_errors *errs);
void	od_link_conf_free(struct od_link_conf *c);	/* NULL-safe; wipes the keys */
/* The key named kid, or NULL. */
const struct od_link_key *od_link_conf_key(const struct od_link_conf *c, const char *kid);
/* The redirect template for country (or the default), or NULL. */
const char *od_link_conf_redirect(const struct od_link_conf *c, const char *country);

/* The token of l, signed with k, into out (len bytes).  0, or -1 (a field out of range). */
int	od_link_encode(const struct od_link *l, const struct od_link_key *k, char *out,
	    size_t len);
/* Reads token s[0..n) into l, signature unchecked: 0, or -1 malformed. */
int	od_link_decode(const char *s, size_t n, struct od_link *l);
/*
 * Checks token s[0..n) against c's keys at now (Unix seconds): malformed,
 * then unknown key, then signature (CRYPTO_memcmp), then expiry.  l is
 * filled as read when the token could be decoded (whatever the answer).
 */
enum od_link_check od_link_verify(const struct od_link_conf *c, const char *s, size_t n,
	    int64_t now, struct od_link *l);
const char *od_link_check_name(enum od_link_check r);	/* "ok", "malformed", ... */
const char *od_link_kind_name(enum od_link_kind k);	/* "balance", "offer", "named" */

/* The account ref of account (a keyed hash under the newest key). */
void	od_link_ref(const struct od_link_conf *c, const char *account,
	    unsigned char ref[OD_LINK_REF_LEN]);
/* "<prefix>:linkref:<hex>" into buf. */
const char *od_link_ref_key(const char *prefix, const unsigned char ref[OD_LINK_REF_LEN],
	    char *buf, size_t len);
/* How long a ref's mapping is kept (ms): past any link signed now (max_ttl + 1 day). */
int64_t	od_link_ref_ttl_ms(const struct od_link_conf *c);

/*
 * A new link for account: l filled (signed by the newest key, issued now,
 * expiring at until or at now + max_ttl, the earlier; until 0: no bound of
 * its own), and the URL into url (len bytes).  attempt is the full attempt
 * id (or NULL/""); it is carried less the account id.  0, or -1.
 */
int	od_link_make(const struct od_link_conf *c, const char *account, enum od_link_kind kind,
	    const char *offer, uint64_t amount, const char *currency, int64_t now, int64_t until,
	    const char *attempt, struct od_link *l, char *url, size_t len);
/* The full attempt id of l for account (account + l->attempt), or "" when none. */
const char *od_link_attempt(const struct od_link *l, const char *account, char *buf,
	    size_t len);

/*
 * The checkout URL of verified link l: tmpl with {{ref}} (hex), {{amount}}
 * (decimal, digits minor digits), {{amount_minor}}, {{currency}},
 * {{offer}}, {{kind}}, {{attempt}} (the full attempt id), {{expires}} (Unix
 * seconds), {{token}} and {{account}}, each percent-encoded.  Appended to
 * out; 0 or -1 (out of memory).
 */
int	od_link_redirect_url(const char *tmpl, const struct od_link *l, const char *account,
	    const char *token, int digits, struct od_buf *out);
/* 1 when name is a placeholder od_link_redirect_url knows. */
int	od_link_redirect_var(const char *name, size_t len);

#endif /* OD_LINK_H */
