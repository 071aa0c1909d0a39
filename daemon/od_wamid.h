/*
 * od_wamid: the WhatsApp message id index, for the receipts that name no
 * attempt.
 *
 *   <prefix>:wamid:<wamid>  ->  "<account_id> <attempt_id>"   (string, EX wamid_ttl)
 *
 * Written by complete.lua in the same step as the 'sent' record of a
 * WhatsApp attempt (the wamid is that record's provider_id, from the send's
 * reply messages[0].id); read by the webhook's receipts whose status has no
 * biz_opaque_callback_data of ours (od_hooks.c), which are then recorded by
 * receipt.lua as any other (duplicates, stale states and a provider id
 * that is not the attempt's are refused there).  docs/callbacks.md.
 */
#ifndef OD_WAMID_H
#define OD_WAMID_H

#include <stddef.h>
#include <jansson.h>

#include "od_queue.h"

/* The longest value and key od_wamid_entry writes (an attempt id is < 420 bytes). */
#define OD_WAMID_VALUE_MAX	560
#define OD_WAMID_KEY_MAX	(128 + 128)

/* "<prefix>:wamid:<wamid>" into buf; 0, or -1 when it does not fit. */
int	od_wamid_key(const struct od_keys *k, const char *wamid, char *buf, size_t len);

/*
 * The index entry an attempt's records make: the first record with status
 * "sent", channel "whatsapp" and a provider_id gives key and value.
 * 1 found (key and value filled), 0 none (or one that does not fit).
 */
int	od_wamid_entry(const struct od_keys *k, const json_t *records, char *key, size_t klen,
	    char *value, size_t vlen);

/*
 * Splits a value (len bytes, not NUL-terminated) into the account and the
 * attempt, which must be one of that account's ("<account>:..."); 0, or -1
 * when it is not such a pair or does not fit.
 */
int	od_wamid_parse(const char *value, size_t len, char *account, size_t alen, char *attempt,
	    size_t tlen);

#endif /* OD_WAMID_H */
