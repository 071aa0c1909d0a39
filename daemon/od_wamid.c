/*
 * od_wamid: the WhatsApp message id index (od_wamid.h).
 */
#include "od_wamid.h"

#include <stdio.h>
#include <string.h>

/* A provider id or an attempt id: printable ASCII without spaces. */
static int
wamid_token_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

int
od_wamid_key(const struct od_keys *k, const char *wamid, char *buf, size_t len)
{
	int n;

	if (wamid == NULL || !wamid_token_ok(wamid, strlen(wamid)))
		return -1;
	n = snprintf(buf, len, "%s%s", k->wamid_prefix, wamid);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static const char *
wamid_str(const json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

int
od_wamid_entry(const struct od_keys *k, const json_t *records, char *key, size_t klen,
    char *value, size_t vlen)
{
	const char	*st, *ch, *pid, *acct, *att;
	json_t		*r;
	size_t		 i;
	int		 n;

	json_array_foreach(records, i, r) {
		st = wamid_str(r, "status");
		ch = wamid_str(r, "channel");
		pid = wamid_str(r, "provider_id");
		acct = wamid_str(r, "account_id");
		att = wamid_str(r, "attempt_id");
		if (st == NULL || strcmp(st, "sent") != 0 || ch == NULL ||
		    strcmp(ch, "whatsapp") != 0 || pid == NULL || acct == NULL || att == NULL)
			continue;
		if (od_wamid_key(k, pid, key, klen) == -1)
			return 0;
		n = snprintf(value, vlen, "%s %s", acct, att);
		return n > 0 && (size_t)n < vlen;
	}
	return 0;
}

int
od_wamid_parse(const char *value, size_t len, char *account, size_t alen, char *attempt,
    size_t tlen)
{
	const char	*sp = memchr(value, ' ', len);
	size_t		 na, nt;

	if (sp == NULL)
		return -1;
	na = (size_t)(sp - value);
	nt = len - na - 1;
	if (na == 0 || na >= alen || nt >= tlen || !wamid_token_ok(sp + 1, nt) ||
	    nt <= na + 1 || memcmp(sp + 1, value, na) != 0 || sp[1 + na] != ':')
		return -1;
	memcpy(account, value, na);
	account[na] = '\0';
	memcpy(attempt, sp + 1, nt);
	attempt[nt] = '\0';
	return 0;
}
