/*
 * ctl_conversations: "conversations ACCOUNT [--json]": the thread an agent
 * reads before calling the debtor, from the account's history
 * (P:hist:<account>, oldest first): what was sent (the text of an SMS or a
 * WhatsApp message, an email's subject), what the debtor answered, and what
 * came of it (a promise, an agreement, a request for a person), in order.
 * What was held back or never sent is in `outreachctl attempts`.
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONV_PAGE	500	/* LRANGE window */

enum conv_kind { CONV_SKIP = 0, CONV_OUT, CONV_IN, CONV_NOTE };

/* What a history record is in the conversation. */
static enum conv_kind
conv_kind(const json_t *r)
{
	const char	*st = json_string_value(json_object_get(r, "status"));

	if (st == NULL)
		return CONV_SKIP;
	if (strcmp(st, "reply") == 0)
		return CONV_IN;
	if ((strcmp(st, "sent") == 0 || strcmp(st, "unknown") == 0) &&
	    json_object_get(r, "channel") != NULL)
		return CONV_OUT;
	/* the lifecycle's records name no step (od_state_life.c) */
	return json_object_get(r, "step") == NULL ? CONV_NOTE : CONV_SKIP;
}

/* s on one line: line breaks and tabs as spaces. */
static void
conv_line(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		putchar(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
}

static void
conv_print(const json_t *r, enum conv_kind k)
{
	const char	*ts = json_string_value(json_object_get(r, "ts"));
	const char	*ch = json_string_value(json_object_get(r, "channel"));
	const char	*text = json_string_value(json_object_get(r, "text"));
	const char	*subj = json_string_value(json_object_get(r, "subject"));
	const char	*step = json_string_value(json_object_get(r, "step"));
	const char	*st = json_string_value(json_object_get(r, "status"));
	const char	*detail = json_string_value(json_object_get(r, "detail"));

	printf("%-24s  %s  %-8s  ", ts ? ts : "", k == CONV_OUT ? "->" : k == CONV_IN ? "<-" :
	    " *", k == CONV_NOTE ? "" : ch ? ch : "");
	if (k == CONV_OUT) {
		printf("%s: ", step ? step : "");
		if (subj != NULL) {
			putchar('[');
			conv_line(subj);
			putchar(']');
		} else
			conv_line(text ? text : "(no text recorded)");
	} else if (k == CONV_IN) {
		conv_line(text);
		if (detail != NULL) {
			printf("   (");
			conv_line(detail);
			putchar(')');
		}
	} else {
		printf("%s", st);
		if (detail != NULL) {
			printf(": ");
			conv_line(detail);
		}
	}
	putchar('\n');
}

int
ctl_cmd_conversations(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL }, { "json", 0, 0, NULL } };
	redisContext	*rc;
	redisReply	*r;
	enum conv_kind	 k;
	json_t		*o;
	char		 err[128], key[1024], *s;
	long		 from = 0;
	size_t		 i, shown = 0;
	int		 npos, json, ret = CTL_EXIT_OK;

	if (ctl_args_scan(argc, argv, opts, 2, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "conversations", "conversations: %s", err);
	if (npos != 1)
		return ctl_usage_error(c, "conversations", "conversations: one ACCOUNT expected");
	json = opts[1].seen;
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	snprintf(key, sizeof(key), "%s:hist:%s", c->prefix, argv[0]);
	for (;;) {
		r = redisCommand(rc, "LRANGE %s %ld %ld", key, from, from + CONV_PAGE - 1);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
			ctl_errx(c, "LRANGE %s: %s", key, r && r->type == REDIS_REPLY_ERROR ? r->str :
			    rc->errstr);
			freeReplyObject(r);
			return CTL_EXIT_FAIL;
		}
		for (i = 0; i < r->elements; i++) {
			if (r->element[i]->type != REDIS_REPLY_STRING)
				continue;
			o = json_loadb(r->element[i]->str, r->element[i]->len, 0, NULL);
			if (!json_is_object(o)) {
				ctl_errx(c, "%s[%ld]: not a JSON record, skipped", key,
				    from + (long)i);
				ret = CTL_EXIT_FAIL;
			} else if ((k = conv_kind(o)) != CONV_SKIP) {
				shown++;
				if (json) {
					if ((s = json_dumps(o, JSON_COMPACT)) != NULL)
						printf("%s\n", s);
					free(s);
				} else
					conv_print(o, k);
			}
			json_decref(o);
		}
		from += (long)r->elements;
		i = r->elements;
		freeReplyObject(r);
		if (i < CONV_PAGE)
			break;
	}
	if (shown == 0 && !json)
		printf("no conversation recorded for %s\n", argv[0]);
	return ret;
}
