/*
 * od_sms: GSM-7 / UCS-2 analysis and transliteration of SMS bodies.
 *
 * The alphabet is GSM 03.38 (3GPP TS 23.038) as summarised in
 * ../shared/reference/providers.md: é É ñ Ñ ü Ü ¿ ¡ à è ì ò ù are in the
 * basic set, á í ó ú Á Í Ó Ú are not; € [ ] { } \ ^ ~ | cost two septets.
 */
#include "od_sms.h"

#include <stdint.h>
#include <string.h>

#define SMS_GSM7_SINGLE		160
#define SMS_GSM7_PART		153
#define SMS_UCS2_SINGLE		70
#define SMS_UCS2_PART		67

/* The GSM 03.38 basic set outside printable ASCII, as Unicode. */
static const uint32_t sms_basic_extra[] = {
	0x000A, 0x000D,					/* LF, CR */
	0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7,		/* ¡ £ ¤ ¥ § */
	0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,		/* ¿ Ä Å Æ Ç */
	0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC,		/* É Ñ Ö Ø Ü */
	0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,		/* ß à ä å æ */
	0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2,		/* è é ì ñ ò */
	0x00F6, 0x00F8, 0x00F9, 0x00FC,			/* ö ø ù ü */
	0x0393, 0x0394, 0x0398, 0x039B, 0x039E,		/* Γ Δ Θ Λ Ξ */
	0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,		/* Π Σ Φ Ψ Ω */
};

/*
 * sms_gsm7_cost for the ASCII range, by byte: most bodies are ASCII, and a
 * table lookup is all they need (the loops below decode UTF-8 only for
 * bytes from 0x80).  test_sms checks every entry (test_ascii_table).
 */
static const unsigned char sms_ascii_cost[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0,	/* LF, FF (ext.), CR */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/*  !"#$%&'()*+,-./ */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0-9 :;<=>? */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* @ A-O */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,	/* P-Z [ \ ] ^ _ */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* ` a-o */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,	/* p-z { | } ~ DEL */
};

/* Decodes one UTF-8 sequence at *p; advances *p.  -1 when invalid. */
static int
sms_utf8_next(const unsigned char **p, uint32_t *cp)
{
	const unsigned char	*s = *p;
	uint32_t		 c, min;
	int			 n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		*p = s + 1;
		return 0;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		c = s[0] & 0x1F; n = 1; min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		c = s[0] & 0x0F; n = 2; min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		c = s[0] & 0x07; n = 3; min = 0x10000;
	} else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	*p = s + n + 1;
	return 0;
}

/* Septets cp costs in GSM-7: 1 basic, 2 extension (ESC + code), 0 not representable. */
static int
sms_gsm7_cost(uint32_t cp)
{
	size_t	i;

	switch (cp) {
	case '\f': case '^': case '{': case '}': case '\\':
	case '[': case '~': case ']': case '|': case 0x20AC:
		return 2;
	case '`':
		return 0;
	default:
		break;
	}
	if (cp >= 0x20 && cp <= 0x7E)
		return 1;
	for (i = 0; i < sizeof(sms_basic_extra) / sizeof(sms_basic_extra[0]); i++)
		if (sms_basic_extra[i] == cp)
			return 1;
	return 0;
}

/* Parts of at most part units, filled greedily, never splitting a character. */
static size_t
sms_count_parts(const char *utf8, int gsm7, size_t part)
{
	const unsigned char	*p = (const unsigned char *)utf8;
	uint32_t		 cp;
	size_t			 parts = 1, cur = 0, c;

	while (*p) {
		if (*p < 0x80) {
			c = gsm7 ? sms_ascii_cost[*p] : 1u;
			p++;
		} else if (sms_utf8_next(&p, &cp) == -1)
			return 0;
		else
			c = gsm7 ? (size_t)sms_gsm7_cost(cp) : (cp > 0xFFFF ? 2u : 1u);
		if (cur + c > part) {
			parts++;
			cur = 0;
		}
		cur += c;
	}
	return parts;
}

int
od_sms_analyze(const char *utf8, struct od_sms_info *out)
{
	const unsigned char	*p = (const unsigned char *)utf8;
	uint32_t		 cp;
	size_t			 septets = 0, units = 0, chars = 0;
	int			 gsm7 = 1, c;

	memset(out, 0, sizeof(*out));
	while (*p) {
		if (*p < 0x80) {
			/* ASCII: one code point, one UTF-16 unit, its cost from the table. */
			c = sms_ascii_cost[*p++];
			units++;
		} else if (sms_utf8_next(&p, &cp) == -1) {
			memset(out, 0, sizeof(*out));
			return -1;
		} else {
			units += cp > 0xFFFF ? 2 : 1;
			c = sms_gsm7_cost(cp);
		}
		chars++;
		if (c == 0)
			gsm7 = 0;
		septets += (size_t)c;
	}
	out->chars = chars;
	if (gsm7) {
		out->encoding = OD_SMS_GSM7;
		out->units = septets;
		if (septets <= SMS_GSM7_SINGLE) {
			out->segments = 1;
			out->per_segment = SMS_GSM7_SINGLE;
		} else {
			out->segments = sms_count_parts(utf8, 1, SMS_GSM7_PART);
			out->per_segment = SMS_GSM7_PART;
		}
	} else {
		out->encoding = OD_SMS_UCS2;
		out->units = units;
		if (units <= SMS_UCS2_SINGLE) {
			out->segments = 1;
			out->per_segment = SMS_UCS2_SINGLE;
		} else {
			out->segments = sms_count_parts(utf8, 0, SMS_UCS2_PART);
			out->per_segment = SMS_UCS2_PART;
		}
	}
	return 0;
}

struct sms_fold {
	uint32_t	 cp;
	const char	*to;
};

/* Folds towards GSM-7; anything in the basic set is never listed here. */
static const struct sms_fold sms_folds[] = {
	{ 0x0009, " " },			/* TAB */
	{ 0x0060, "'" },			/* ` */
	{ 0x00A0, " " },			/* no-break space */
	{ 0x00AA, "a" }, { 0x00BA, "o" },	/* ª º (1º, 2ª) */
	{ 0x00AB, "\"" }, { 0x00BB, "\"" },	/* « » */
	{ 0x00C0, "A" }, { 0x00C1, "A" }, { 0x00C2, "A" }, { 0x00C3, "A" },
	{ 0x00C8, "E" }, { 0x00CA, "E" }, { 0x00CB, "E" },
	{ 0x00CC, "I" }, { 0x00CD, "I" }, { 0x00CE, "I" }, { 0x00CF, "I" },
	{ 0x00D2, "O" }, { 0x00D3, "O" }, { 0x00D4, "O" }, { 0x00D5, "O" },
	{ 0x00D9, "U" }, { 0x00DA, "U" }, { 0x00DB, "U" },
	{ 0x00DD, "Y" },
	{ 0x00E1, "a" }, { 0x00E2, "a" }, { 0x00E3, "a" },
	{ 0x00E7, "c" },
	{ 0x00EA, "e" }, { 0x00EB, "e" },
	{ 0x00ED, "i" }, { 0x00EE, "i" }, { 0x00EF, "i" },
	{ 0x00F3, "o" }, { 0x00F4, "o" }, { 0x00F5, "o" },
	{ 0x00FA, "u" }, { 0x00FB, "u" },
	{ 0x00FD, "y" }, { 0x00FF, "y" },
	{ 0x2010, "-" }, { 0x2011, "-" }, { 0x2012, "-" }, { 0x2013, "-" },
	{ 0x2014, "-" }, { 0x2212, "-" },
	{ 0x2018, "'" }, { 0x2019, "'" }, { 0x201A, "'" }, { 0x201B, "'" },
	{ 0x2032, "'" },
	{ 0x201C, "\"" }, { 0x201D, "\"" }, { 0x201E, "\"" }, { 0x201F, "\"" },
	{ 0x2033, "\"" },
	{ 0x2026, "..." },
};

int
od_sms_transliterate(const char *utf8, struct od_buf *out)
{
	const unsigned char	*p = (const unsigned char *)utf8, *start;
	uint32_t		 cp;
	size_t			 i;
	const char		*to;

	while (*p) {
		start = p;
		if (sms_utf8_next(&p, &cp) == -1)
			return -1;
		to = NULL;
		for (i = 0; i < sizeof(sms_folds) / sizeof(sms_folds[0]); i++) {
			if (sms_folds[i].cp == cp) {
				to = sms_folds[i].to;
				break;
			}
		}
		if ((to != NULL ? od_buf_puts(out, to) :
		    od_buf_append(out, start, (size_t)(p - start))) == -1)
			return -1;
	}
	/* An empty input still leaves out NUL-terminated. */
	return od_buf_append(out, "", 0);
}

const char *
od_sms_encoding_name(enum od_sms_encoding e)
{
	switch (e) {
	case OD_SMS_GSM7:	return "gsm7";
	case OD_SMS_UCS2:	return "ucs2";
	default:		return "invalid";
	}
}
