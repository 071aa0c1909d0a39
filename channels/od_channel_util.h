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

/* Retry-After in seconds (the form providers use) as milliseconds; 0 when absent or odd. */
static inline long
od_ch_retry_after_ms(const char *v)
{
	char	*end;
	long	 s;

	if (v == NULL)
		return 0;
	while (*v == ' ')
		v++;
	s = strtol(v, &end, 10);
	if (end == v || s < 0 || s > 86400)
		return 0;
	while (*end == ' ')
		end++;
	return *end == '\0' ? s * 1000 : 0;
}

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

/*
 * Form encoding (application/x-www-form-urlencoded) as the host's
 * buf_urlencode writes it: A-Z a-z 0-9 - _ . ~ as they are, space as '+',
 * every other byte as %XX (upper case).  Writes the n bytes of s encoded
 * to out, which must have room for 3 * n bytes (no NUL is added), and
 * returns the length written.  One pass: runs of bytes kept as they are
 * are copied at once.
 */
static inline size_t
od_ch_urlencode(char *out, const char *s, size_t n)
{
	/* 1: kept as it is; 2: space; 0: %XX */
	static const unsigned char keep[256] = {
		[' '] = 2, ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
		['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
		['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
		['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
		['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
		['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
		['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
		['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
		['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	};
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)s, *end = p + n, *run;
	char			*o = out;

	while (p < end) {
		for (run = p; p < end && keep[*p] == 1; p++)
			;
		if (p > run) {
			memcpy(o, run, (size_t)(p - run));
			o += p - run;
		}
		for (; p < end && keep[*p] != 1; p++) {
			if (keep[*p] == 2)
				*o++ = '+';
			else {
				*o++ = '%';
				*o++ = hex[*p >> 4];
				*o++ = hex[*p & 15];
			}
		}
	}
	return (size_t)(o - out);
}

#endif /* OD_CHANNEL_UTIL_H */
