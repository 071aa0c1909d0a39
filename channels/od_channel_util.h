/*
 * od_channel_util.h: small helpers the HTTP plugins share.  Header-only
 * (static inline): plugins link against nothing of the core, and each keeps
 * its own copy in its own shared object.
 */
#ifndef OD_CHANNEL_UTIL_H
#define OD_CHANNEL_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_channel.h"

/*
 * Fills an outcome: "<provider> <code>: what: message" when the provider
 * gave an error code, else "<provider> HTTP <status>: what: message".
 */
static inline void
od_ch_result(struct od_channel_result *res, const char *provider, enum od_outcome o,
    unsigned flags, const char *what, long long code, const char *message, long status)
{
	res->outcome = o;
	res->flags |= flags;
	if (code != 0) {
		snprintf(res->code, sizeof(res->code), "%lld", code);
		snprintf(res->reason, sizeof(res->reason), "%s %lld: %s%s%s", provider, code,
		    what, message ? ": " : "", message ? message : "");
	} else
		snprintf(res->reason, sizeof(res->reason), "%s HTTP %ld: %s%s%s", provider,
		    status, what, message ? ": " : "", message ? message : "");
}

#endif /* OD_CHANNEL_UTIL_H */
