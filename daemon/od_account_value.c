/*
 * od_account_value: the formats of the single values in an account or an
 * event: channel kind names, ISO 3166-1 country codes, ISO 4217 currency
 * codes and their exponents, E.164 numbers, e-mail addresses, BCP 47
 * locales and decimal money.  Each check stands alone (policies and the
 * config use them too); the documents are od_account.c.
 */
#include "od_account.h"
#include "od_account_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ISO 3166-1 alpha-2, the 249 officially assigned codes (as tzdata's iso3166.tab). */
static const char countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ"
    "CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFR"
    "GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJO"
    "JPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMR"
    "MSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERO"
    "RSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTV"
    "TWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

/*
 * ISO 4217 List One, active codes with their minor-unit exponents (funds and
 * units of account included: CLF, COU, UYI, ...; precious metals, XDR and
 * test codes excluded, as a debt is never owed in them).  ANG and XCG both
 * listed while Curaçao and Sint Maarten change over.
 */
static const char currencies[] =
    "AED2AFN2ALL2AMD2ANG2AOA2ARS2AUD2AWG2AZN2BAM2BBD2BDT2BGN2BHD3BIF0BMD2BND2"
    "BOB2BOV2BRL2BSD2BTN2BWP2BYN2BZD2CAD2CDF2CHE2CHF2CHW2CLF4CLP0CNY2COP2COU2"
    "CRC2CUP2CVE2CZK2DJF0DKK2DOP2DZD2EGP2ERN2ETB2EUR2FJD2FKP2GBP2GEL2GHS2GIP2"
    "GMD2GNF0GTQ2GYD2HKD2HNL2HTG2HUF2IDR2ILS2INR2IQD3IRR2ISK0JMD2JOD3JPY0KES2"
    "KGS2KHR2KMF0KPW2KRW0KWD3KYD2KZT2LAK2LBP2LKR2LRD2LSL2LYD3MAD2MDL2MGA2MKD2"
    "MMK2MNT2MOP2MRU2MUR2MVR2MWK2MXN2MXV2MYR2MZN2NAD2NGN2NIO2NOK2NPR2NZD2OMR3"
    "PAB2PEN2PGK2PHP2PKR2PLN2PYG0QAR2RON2RSD2RUB2RWF0SAR2SBD2SCR2SDG2SEK2SGD2"
    "SHP2SLE2SOS2SRD2SSP2STN2SVC2SYP2SZL2THB2TJS2TMT2TND3TOP2TRY2TTD2TWD2TZS2"
    "UAH2UGX0USD2USN2UYI0UYU2UYW4UZS2VED2VES2VND0VUV0WST2XAF0XCD2XCG2XOF0XPF0"
    "YER2ZAR2ZMW2ZWG2";

static const char *const kind_names[OD_CH_MAX] = { "sms", "email", "whatsapp" };

const char *
od_channel_kind_name(int kind)
{
	return kind >= 0 && kind < OD_CH_MAX ? kind_names[kind] : "unknown";
}

int
od_channel_kind_parse(const char *s)
{
	for (int i = 0; s != NULL && i < OD_CH_MAX; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

int
od_country_valid(const char *code)
{
	if (code == NULL || strlen(code) != 2 || code[0] < 'A' || code[0] > 'Z' ||
	    code[1] < 'A' || code[1] > 'Z')
		return 0;
	for (const char *p = countries; *p != '\0'; p += 2)
		if (p[0] == code[0] && p[1] == code[1])
			return 1;
	return 0;
}

int
od_currency_digits(const char *code)
{
	if (code == NULL || strlen(code) != 3)
		return -1;
	for (const char *p = currencies; *p != '\0'; p += 4)
		if (memcmp(p, code, 3) == 0)
			return p[3] - '0';
	return -1;
}

int
od_phone_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s++ != '+' || *s == '0')
		return 0;
	for (; *s != '\0'; s++, n++)
		if (*s < '0' || *s > '9')
			return 0;
	return n >= 8 && n <= 15;
}

static int
atext(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL || c >= 0x80;
}

/*
 * A sane addr-spec: dot-atom local part (1..64) @ a domain of two or more
 * labels (letters, digits, hyphens inside, or UTF-8), 254 bytes at most.
 * No quoted local parts, no address literals, no spaces or controls.
 */
int
od_email_valid(const char *s)
{
	const char *at, *p, *label;
	size_t len;

	if (s == NULL || (len = strlen(s)) > EMAIL_MAX_BYTES)
		return 0;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at == s || at - s > 64 || s[0] == '.' || at[-1] == '.')
		return 0;
	for (p = s; p < at; p++)
		if (*p == '\0' || (*p == '.' ? p[1] == '.' : !atext((unsigned char)*p)))
			return 0;
	label = at + 1;
	p = label;
	for (int nlabels = 1;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.' || c == '\0') {
			if (p == label || p - label > 63 || label[0] == '-' || p[-1] == '-')
				return 0;
			if (c == '\0')
				return nlabels >= 2;
			nlabels++;
			label = p + 1;
		} else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c >= 0x80))
			return 0;
	}
}

/* language (2-3 lower-case letters), optionally -REGION (2 upper-case letters or 3 digits). */
int
od_locale_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	while (s[n] >= 'a' && s[n] <= 'z')
		n++;
	if (n < 2 || n > 3)
		return 0;
	s += n;
	if (*s == '\0')
		return 1;
	if (*s++ != '-')
		return 0;
	if (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0')
		return 1;
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] == '\0';
}

int64_t
od_money_percent(int64_t minor, int pct)
{
	return minor / 100 * pct + (minor % 100 * pct + 50) / 100;
}

const char *
od_money_format(int64_t v, int digits, char *buf, size_t len)
{
	uint64_t	scale = 1, u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int		i;

	for (i = 0; i < digits; i++)
		scale *= 10;
	if (digits == 0)
		snprintf(buf, len, "%s%" PRIu64, v < 0 ? "-" : "", u);
	else
		snprintf(buf, len, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", u / scale,
		    digits, u % scale);
	return buf;
}

int
od_money_parse(const char *s, int digits, int64_t *minor)
{
	int64_t v = 0;
	int frac = 0;

	if (s == NULL || digits < 0 || digits > 9 || *s < '0' || *s > '9')
		return -1;
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -1;		/* no leading zeros */
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX / 10 - 9) / 1000000000)
			return -1;	/* leaves room for 9 fractional digits */
		v = v * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++, frac++) {
			if (frac == digits)
				return -1;
			v = v * 10 + (*s - '0');
		}
	}
	if (*s != '\0')
		return -1;
	for (; frac < digits; frac++)
		v *= 10;
	*minor = v;
	return 0;
}
