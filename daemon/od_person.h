/*
 * od_person: the debtor as one person, across accounts.
 *
 * Contact caps and spacing protect a person, not a loan (Colombia's Ley
 * 2300 de 2023 limits contact "per consumer"): two loans of one debtor
 * share them.  A person is known by, in this order, the national document
 * in debtor.id (DNI/CE/RUC, cedula, RUT, CURP/RFC, SSN), else the phone
 * (E.164), else the email address.  Each becomes a person id: a keyed hash
 * (HMAC-SHA256 with the configured identity key), so that neither Redis nor
 * the records hold the document number.
 *
 * Redis keeps each person's contacts of the last 8 days in one field of
 * <prefix>:person, as text the scripts store and compare without reading
 * (docs/protocol.md): "<ms> <kind> <attempt id>;" per contact.  A contact is
 * written when its send begins (compare-and-set against what was read at
 * the claim), pending ("?<ms> ..."), and at completion either confirmed
 * (the '?' goes) or taken back (nothing reached the debtor).
 */
#ifndef OD_PERSON_H
#define OD_PERSON_H

#include <stddef.h>
#include <stdint.h>

#include "od_account.h"
#include "od_buf.h"
#include "od_rules.h"

#define OD_PERSON_ID_LEN	33	/* 'i', 'p' or 'm' and 32 hex digits */
#define OD_PERSON_HASH_LEN	64	/* debtor.id_hash: 64 hex digits */
#define OD_PERSON_DOC_MAX	32	/* characters of a normalised document number */
#define OD_PERSON_RECENT_MS	(8 * 86400000LL)	/* contacts kept: the week caps and a day more */

/*
 * A document number as written by people ("12.345.678-5", "1234 5678",
 * "curp: ..." is not one) to its normal form: letters upper-cased, the
 * separators ' ', '.', '-', '/' dropped; then 1 to OD_PERSON_DOC_MAX
 * characters of A-Z 0-9.  Returns 0, or -1 when it is not a document
 * number.  out has OD_PERSON_DOC_MAX + 1 bytes.
 */
int	od_person_doc_normalise(const char *in, char *out);

/*
 * debtor.id_hash for the document doc (normalised) of a debtor of country:
 * hex(HMAC-SHA256(key, "CC:DOC")).  out has OD_PERSON_HASH_LEN + 1 bytes.
 */
int	od_person_doc_hash(const char *country, const char *doc, const void *key, size_t klen,
	    char *out);

/*
 * The person id of an account: from its id_hash (or its id_doc, hashed as
 * intake stores it), else its phone or whatsapp number, else its email
 * (hashed with key).  Returns 0, or -1 when the account has none of
 * them (it has no person: caps count for the account alone).
 */
int	od_person_id(const struct od_account *a, const void *key, size_t klen, char *out);

#define OD_PERSON_CONFIRMED	0x1	/* od_person_contacts: leave the pending ones out */
#define OD_PERSON_PENDING	0x2	/* od_person_add: the send has only begun */

/*
 * The contacts in a <prefix>:person value (len bytes), at most max of them,
 * into out; entries older than now - OD_PERSON_RECENT_MS, malformed ones,
 * (action not NULL) the attempts "<action>#<n>" of that action, which are
 * its own sends that reached nobody, and with OD_PERSON_CONFIRMED the
 * pending ones are left out.  *pending (when not NULL) counts the pending
 * entries among the rest.  Returns the number read.
 */
size_t	od_person_contacts(const char *s, size_t len, int64_t now, const char *action,
	    int flags, struct od_contact *out, size_t max, size_t *pending);

/*
 * The value after a contact of kind at now by attempt_id: old (len bytes)
 * without its expired or malformed entries, and the new one, pending with
 * OD_PERSON_PENDING.  Appended to b.
 */
void	od_person_add(struct od_buf *b, const char *old, size_t len, int64_t now, int kind,
	    const char *attempt_id, int flags);

/* The key used when none is configured: public, so document numbers are only obscured. */
#define OD_PERSON_DEFAULT_KEY	"outreachd identity key (not secret: set identity.key_file)"

#endif /* OD_PERSON_H */
