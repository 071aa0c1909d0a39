/*
 * od_sms: what an SMS body costs.  GSM 03.38 (3GPP TS 23.038) 7-bit default
 * alphabet or UCS-2, septets or UTF-16 code units, and segments: GSM-7 160
 * in one / 153 per part of a concatenated message, UCS-2 70 / 67 (see
 * ../shared/reference/providers.md, "SMS encoding").
 *
 * Segments are counted the way a handset splits: an extension character
 * (€ [ ] { } \ ^ ~ | and form feed, two septets: ESC + code) and a UTF-16
 * surrogate pair (a character outside the BMP) are never split across two
 * parts.
 */
#ifndef OD_SMS_H
#define OD_SMS_H

#include <stddef.h>

#include "od_buf.h"

enum od_sms_encoding {
	OD_SMS_INVALID = 0,
	OD_SMS_GSM7,
	OD_SMS_UCS2,
};

struct od_sms_info {
	enum od_sms_encoding	 encoding;
	size_t			 chars;		/* Unicode code points */
	size_t			 units;		/* GSM-7 septets, or UCS-2 (UTF-16) code units */
	size_t			 segments;	/* parts sent; 1 for an empty body */
	size_t			 per_segment;	/* 160, 153, 70 or 67: the capacity of each part */
};

/*
 * Analyses a NUL-terminated UTF-8 body.  0, or -1 when utf8 is not valid
 * UTF-8 (out is then zeroed).
 */
int	od_sms_analyze(const char *utf8, struct od_sms_info *out);

/*
 * Appends to out a copy of utf8 folded towards GSM-7: á í ó ú Á Í Ó Ú (and
 * other accents GSM 03.38 lacks) lose the accent, curly quotes become
 * straight, en and em dashes '-', the ellipsis "...", no-break space a
 * space.  Characters in GSM 03.38 (é ñ ü ¿ ¡ à è ì ò ù ...) and any that
 * have no fold are kept.  0, or -1 (invalid UTF-8, out of memory).
 */
int	od_sms_transliterate(const char *utf8, struct od_buf *out);

/* "gsm7", "ucs2" (what struct od_channel_message's sms_coding carries), or "invalid". */
const char *od_sms_encoding_name(enum od_sms_encoding e);

#endif /* OD_SMS_H */
