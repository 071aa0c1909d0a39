/*
 * od_person: person ids and the per-person contact list (see od_person.h).
 */
#include "od_person.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "od_codec.h"

static int
hmac_hex(const void *key, size_t klen, const char *msg, char *out, size_t digits)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	if (HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), md,
	    &mdlen) == NULL || mdlen * 2 < digits)
		return -1;
	od_codec_hex(md, digits / 2, out);
	return 0;
}

int
od_person_doc_normalise(const char *in, char *out)
{
	size_t	n = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == ' ' || c == '.' || c == '-' || c == '/')
			continue;
		if (!isascii(c) || !isalnum(c) || n == OD_PERSON_DOC_MAX)
			return -1;
		out[n++] = (char)toupper(c);
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

int
od_person_doc_hash(const char *country, const char *doc, const void *key, size_t klen,
    char *out)
{
	char	msg[8 + OD_PERSON_DOC_MAX];

	snprintf(msg, sizeof(msg), "%.2s:%s", country, doc);
	return hmac_hex(key, klen, msg, out, OD_PERSON_HASH_LEN);
}

int
od_person_id(const struct od_account *a, const void *key, size_t klen, char *out)
{
	char	msg[400], doc[OD_PERSON_DOC_MAX + 1], hash[OD_PERSON_HASH_LEN + 1];
	const char *h = a->id_hash;

	if (h == NULL && a->id_doc != NULL && od_person_doc_normalise(a->id_doc, doc) == 0 &&
	    od_person_doc_hash(a->country, doc, key, klen, hash) == 0)
		h = hash;	/* not stored yet (intake, simulate): what intake will store */
	if (h != NULL) {
		/* a keyed hash already: its first 128 bits name the person */
		out[0] = 'i';
		memcpy(out + 1, h, OD_PERSON_ID_LEN - 1);
		out[OD_PERSON_ID_LEN] = '\0';
		return 0;
	}
	if (a->phone != NULL || a->whatsapp != NULL) {
		out[0] = 'p';
		snprintf(msg, sizeof(msg), "tel:%s", a->phone ? a->phone : a->whatsapp);
	} else if (a->email != NULL) {
		size_t i;

		out[0] = 'm';
		snprintf(msg, sizeof(msg), "mail:%s", a->email);
		for (i = 5; msg[i] != '\0'; i++)
			msg[i] = (char)tolower((unsigned char)msg[i]);
	} else
		return -1;
	return hmac_hex(key, klen, msg, out + 1, OD_PERSON_ID_LEN - 1);
}

/*
 * One entry, "[?]<ms> <kind> <attempt id>", of len bytes at s: 0 with its
 * time, kind and whether it is pending ('?': its send has begun and its
 * outcome is not known yet), or -1 when malformed.
 */
static int
entry_parse(const char *s, size_t len, int64_t *at, int *kind, int *pending)
{
	char		 k[16];
	const char	*sp1, *sp2;
	int64_t		 v = 0;
	const char	*p;

	*pending = len > 0 && s[0] == '?';
	if (*pending) {
		s++;
		len--;
	}
	if ((sp1 = memchr(s, ' ', len)) == NULL || sp1 == s || sp1 - s > 15)
		return -1;
	for (p = s; p < sp1; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if ((sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - s))) == NULL ||
	    sp2 - sp1 - 1 >= (ptrdiff_t)sizeof(k) || sp2 + 1 == s + len)
		return -1;
	memcpy(k, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	k[sp2 - sp1 - 1] = '\0';
	if ((*kind = od_channel_kind_parse(k)) < 0)
		return -1;
	*at = v;
	return 0;
}

/* Calls fn for every live entry of s: its bytes, time and kind. */
static void
entries(const char *s, size_t len, int64_t now,
    void (*fn)(void *, const char *, size_t, int64_t, int, int), void *arg)
{
	const char	*end = s + len, *semi;
	int64_t		 at;
	int		 kind, pending;

	while (s < end) {
		if ((semi = memchr(s, ';', (size_t)(end - s))) == NULL)
			semi = end;
		if (entry_parse(s, (size_t)(semi - s), &at, &kind, &pending) == 0 &&
		    at > now - OD_PERSON_RECENT_MS)
			fn(arg, s, (size_t)(semi - s), at, kind, pending);
		s = semi + 1;
	}
}

struct collect {
	struct od_contact	*out;
	size_t			 n, max;
	const char		*action;	/* "<action id>": its attempts are left out */
	size_t			 alen;
	int			 confirmed;	/* pending entries are left out */
	size_t			 pending;	/* pending entries seen */
};

static void
collect_one(void *arg, const char *s, size_t len, int64_t at, int kind, int pending)
{
	struct collect	*c = arg;
	const char	*sp = memchr(s, ' ', len), *id;
	size_t		 idlen;

	/* entry_parse checked both spaces and a non-empty id */
	sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - s));
	id = sp + 1;
	idlen = len - (size_t)(id - s);
	if (c->action != NULL && idlen > c->alen && memcmp(id, c->action, c->alen) == 0 &&
	    id[c->alen] == '#')
		return;
	c->pending += pending;
	if (pending && c->confirmed)
		return;
	if (c->n < c->max) {
		c->out[c->n].at_ms = at;
		c->out[c->n++].kind = kind;
	}
}

size_t
od_person_contacts(const char *s, size_t len, int64_t now, const char *action, int flags,
    struct od_contact *out, size_t max, size_t *pending)
{
	struct collect	c = { out, 0, max, action, action ? strlen(action) : 0,
	    (flags & OD_PERSON_CONFIRMED) != 0, 0 };

	if (s != NULL)
		entries(s, len, now, collect_one, &c);
	if (pending != NULL)
		*pending = c.pending;
	return c.n;
}

static void
keep_one(void *arg, const char *s, size_t len, int64_t at, int kind, int pending)
{
	(void)at;
	(void)kind;
	(void)pending;
	od_buf_append(arg, s, len);
	od_buf_putc(arg, ';');
}

void
od_person_add(struct od_buf *b, const char *old, size_t len, int64_t now, int kind,
    const char *attempt_id, int flags)
{
	if (old != NULL)
		entries(old, len, now, keep_one, b);
	od_buf_printf(b, "%s%lld %s %s;", flags & OD_PERSON_PENDING ? "?" : "", (long long)now,
	    od_channel_kind_name(kind), attempt_id);
}
