/*
 * od_intent_payload: a WhatsApp quick-reply button's payload, which names
 * its intent ("accept", "accept:2", "agent", ...; the template's buttons:,
 * docs/templates.md) instead of leaving it to the words.  "accept:<n>" is
 * the n-th offer the message made (the template's "Cuotas", "Pronto pago").
 */
#include "od_intent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
od_intent_payload(const char *payload, struct od_intent_match *out)
{
	const char	*colon;
	char		 name[32], *end;
	long		 n = 0;
	int		 k;

	memset(out, 0, sizeof(*out));
	if (payload == NULL || payload[0] == '\0')
		return 0;
	colon = strchr(payload, ':');
	if ((colon ? (size_t)(colon - payload) : strlen(payload)) >= sizeof(name))
		return 0;
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - payload) :
	    (int)strlen(payload), payload);
	if ((k = od_intent_kind_parse(name)) <= 0)
		return 0;
	if (colon != NULL) {
		n = strtol(colon + 1, &end, 10);
		if (k != OD_INTENT_ACCEPT || *end != '\0' || n < 1 || n > 99)
			return 0;
	}
	out->kind = (enum od_intent_kind)k;
	out->offer = (int)n;	/* a button names which offer, a text "plan 4" the instalments */
	snprintf(out->matched, sizeof(out->matched), "button:%.50s", payload);
	return 1;
}

enum od_intent_kind
od_intent_read(const struct od_intent_set *set, const char *locale, const char *text,
    const char *payload, const char *today, struct od_intent_match *out)
{
	if (od_intent_payload(payload, out))
		return out->kind;
	return od_intent_match(set, locale, text ? text : "", today, out);
}
