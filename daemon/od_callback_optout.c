/*
 * od_callback_optout: the opt-out words a reply is matched against, per
 * locale (see od_callback.h for the rule).
 *
 * Defaults: es "STOP BAJA ALTO CANCELAR NO UNSUBSCRIBE" (STOP and
 * UNSUBSCRIBE because Spanish speakers reply with them too); en the TCPA
 * list of ways to revoke consent (STOP, QUIT, END, REVOKE, OPT OUT, CANCEL,
 * UNSUBSCRIBE; ../shared/reference/contact-rules.md, "United States") plus NO.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "od_callback.h"

#define OPTOUT_LOCALES	16
#define OPTOUT_WORDS	64
#define OPTOUT_WORDLEN	64
#define OPTOUT_TEXTMAX	256	/* longer texts are never a word */

struct optout_list {
	char	locale[16];
	int	nwords;
	char	words[OPTOUT_WORDS][OPTOUT_WORDLEN];	/* normalised */
};

static struct optout_list	optout_lists[OPTOUT_LOCALES];
static int			optout_nlists, optout_ready;

static const char *const optout_default_es[] = { "STOP", "BAJA", "ALTO", "CANCELAR", "NO",
	"UNSUBSCRIBE", NULL };
static const char *const optout_default_en[] = { "STOP", "QUIT", "END", "REVOKE", "OPT OUT",
	"CANCEL", "UNSUBSCRIBE", "NO", NULL };

/* One code point from s (UTF-8); its length in *n (1 for a bad byte, returned as 0xFFFD). */
static unsigned
optout_cp(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*n = 2;
		return (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*n = 3;
		return (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	}
	*n = 1;
	return 0xfffd;
}

/* Latin-1 letters without their accents, upper case; 0 when not a letter there. */
static char
optout_fold(unsigned cp)
{
	static const char latin1[] =	/* U+00C0 .. U+00FF */
	    "AAAAAAACEEEEIIII" "DNOOOOO\0OUUUUY\0S" "AAAAAAACEEEEIIII" "DNOOOOO\0OUUUUY\0Y";

	if (cp >= 'a' && cp <= 'z')
		return (char)(cp - 32);
	if (cp < 0x80)
		return (char)cp;
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	return 0;
}

static int
optout_space(unsigned cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xa0;
}

static int
optout_punct(unsigned cp)
{
	return cp == '.' || cp == ',' || cp == ';' || cp == ':' || cp == '!' || cp == '?' ||
	    cp == '"' || cp == '\'' || cp == 0xa1 /* ¡ */ || cp == 0xbf /* ¿ */ ||
	    cp == 0xab || cp == 0xbb /* « » */ || cp == 0x2018 || cp == 0x2019 ||
	    cp == 0x201c || cp == 0x201d;
}

/*
 * The normal form: upper case ASCII, accents folded, single inner spaces,
 * no surrounding spaces or punctuation.  -1 when it does not fit in out or
 * holds a character that no word has.
 */
static int
optout_normalise(const char *text, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)text, *e;
	size_t			 n, len = 0;
	unsigned		 cp;
	char			 c;

	if (strlen(text) > OPTOUT_TEXTMAX)
		return -1;
	/* Trim: skip leading spaces and punctuation, find where the trailing ones start. */
	while (*s != '\0' && (cp = optout_cp(s, &n), optout_space(cp) || optout_punct(cp)))
		s += n;
	for (e = s, n = 0; *e != '\0'; e += n) {
		cp = optout_cp(e, &n);
		if (!optout_space(cp) && !optout_punct(cp))
			continue;
		{
			const unsigned char	*t = e;
			size_t			 m;

			while (*t != '\0' && (cp = optout_cp(t, &m), optout_space(cp) || optout_punct(cp)))
				t += m;
			if (*t == '\0')
				break;		/* only trailing spaces and punctuation from e on */
		}
	}
	for (; s < e; s += n) {
		cp = optout_cp(s, &n);
		if (optout_space(cp)) {
			if (len > 0 && out[len - 1] == ' ')
				continue;
			c = ' ';
		} else if ((c = optout_fold(cp)) == 0)
			return -1;
		if (len + 1 >= outlen)
			return -1;
		out[len++] = c;
	}
	out[len] = '\0';
	return 0;
}

static void
optout_defaults(void)
{
	if (optout_ready)
		return;
	optout_ready = 1;
	od_cb_optout_words_set("es", optout_default_es);
	od_cb_optout_words_set("en", optout_default_en);
}

static struct optout_list *
optout_find(const char *locale)
{
	int i;

	for (i = 0; i < optout_nlists; i++)
		if (strcasecmp(optout_lists[i].locale, locale) == 0)
			return &optout_lists[i];
	return NULL;
}

int
od_cb_optout_words_set(const char *locale, const char *const *words)
{
	struct optout_list	*l;
	char			 norm[OPTOUT_WORDLEN];
	int			 n;

	if (!optout_ready && words != NULL)
		optout_defaults();
	if (locale == NULL || *locale == '\0' || strlen(locale) >= sizeof(l->locale))
		return -1;
	if (words == NULL) {
		if (strcasecmp(locale, "es") == 0)
			words = optout_default_es;
		else if (strcasecmp(locale, "en") == 0)
			words = optout_default_en;
		else {
			if ((l = optout_find(locale)) != NULL) {
				*l = optout_lists[--optout_nlists];
			}
			return 0;
		}
	}
	for (n = 0; words[n] != NULL; n++)
		if (n >= OPTOUT_WORDS || optout_normalise(words[n], norm, sizeof(norm)) == -1 ||
		    norm[0] == '\0')
			return -1;
	if ((l = optout_find(locale)) == NULL) {
		if (optout_nlists >= OPTOUT_LOCALES)
			return -1;
		l = &optout_lists[optout_nlists++];
		snprintf(l->locale, sizeof(l->locale), "%s", locale);
	}
	l->nwords = 0;
	for (n = 0; words[n] != NULL; n++)
		optout_normalise(words[n], l->words[l->nwords++], OPTOUT_WORDLEN);
	return 0;
}

static int
optout_in(const struct optout_list *l, const char *norm)
{
	int i;

	for (i = 0; i < l->nwords; i++)
		if (strcmp(l->words[i], norm) == 0)
			return 1;
	return 0;
}

int
od_cb_optout_match(const char *text, const char *locale)
{
	const struct optout_list	*l = NULL;
	char				 norm[OPTOUT_TEXTMAX + 1], lang[16];
	int				 i;

	optout_defaults();
	if (text == NULL || optout_normalise(text, norm, sizeof(norm)) == -1 || norm[0] == '\0')
		return 0;
	if (locale != NULL) {
		if ((l = optout_find(locale)) == NULL) {
			snprintf(lang, sizeof(lang), "%.*s", (int)strcspn(locale, "-_"), locale);
			l = optout_find(lang);
		}
		if (l != NULL)
			return optout_in(l, norm);
	}
	for (i = 0; i < optout_nlists; i++)
		if (optout_in(&optout_lists[i], norm))
			return 1;
	return 0;
}
