/*
 * ctl_agreements: "agreements ACCOUNT [--json]": an account's negotiation
 * lifecycle as the daemon keeps it in P:agr:<account> (a list, oldest
 * first, of agreement and outcome documents never changed once written;
 * docs/operations.md, "Agreements and handoff").  Each agreement is shown
 * with the status its outcomes give it, its evidence, what it replaces and
 * what replaced it, and its schedule.
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGR_PAGE	1000	/* LRANGE window */
#define AGR_TEXT	60	/* evidence text and terms, in characters */
#define AGR_TOKEN	12	/* a link token: enough to tell two apart */

/* s for one line of a terminal: cut to max characters, control characters as spaces. */
static const char *
agr_clean(const char *s, size_t max, char *buf, size_t len)
{
	char	*q;

	ctl_truncate(s, max, buf, len);
	for (q = buf; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
	return buf;
}

static int
agr_is(const json_t *d, const char *type)
{
	const char	*t = json_string_value(json_object_get(d, "type"));

	return t != NULL && strcmp(t, type) == 0;
}

/* "  label        value": the labels of one agreement line up. */
static void
agr_line(FILE *out, const char *label, const char *value)
{
	fprintf(out, "  %-11s  %s\n", label, value);
}

/* "reply via sms at 2026-12-03T13:59:40.000Z: "3"", from the evidence object. */
static void
agr_evidence(const json_t *ev, struct od_buf *b)
{
	const char	*s;
	char		 n[32], cut[AGR_TEXT * 4 + 8];

	od_buf_puts(b, (s = ctl_json_text(json_object_get(ev, "source"), n, sizeof(n))) ? s : "?");
	if ((s = ctl_json_text(json_object_get(ev, "channel"), n, sizeof(n))) != NULL && *s)
		od_buf_printf(b, " via %s", s);
	if ((s = ctl_json_text(json_object_get(ev, "agent"), n, sizeof(n))) != NULL && *s)
		od_buf_printf(b, " by %s", agr_clean(s, AGR_TEXT, cut, sizeof(cut)));
	if ((s = ctl_json_text(json_object_get(ev, "at"), n, sizeof(n))) != NULL && *s)
		od_buf_printf(b, " at %s", s);
	if ((s = ctl_json_text(json_object_get(ev, "text"), n, sizeof(n))) != NULL && *s)
		od_buf_printf(b, ": \"%s\"", agr_clean(s, AGR_TEXT, cut, sizeof(cut)));
	if ((s = ctl_json_text(json_object_get(ev, "token"), n, sizeof(n))) != NULL && *s)
		od_buf_printf(b, ", token %s", agr_clean(s, AGR_TOKEN, cut, sizeof(cut)));
}

/* "    1  2026-12-10  100.00" lines, the numbers right-aligned. */
static void
agr_schedule(FILE *out, const json_t *sched)
{
	const json_t	*l;
	const char	*n, *date, *amt;
	char		 nb[32], db[32], ab[32];
	size_t		 i, wn = 0, wa = 0;
	int		 first = 1;

	for (i = 0; i < json_array_size(sched); i++) {
		l = json_array_get(sched, i);
		if ((n = ctl_json_text(json_object_get(l, "n"), nb, sizeof(nb))) != NULL && strlen(n) > wn)
			wn = strlen(n);
		if ((amt = ctl_json_text(json_object_get(l, "amount"), ab, sizeof(ab))) != NULL && strlen(amt) > wa)
			wa = strlen(amt);
	}
	for (i = 0; i < json_array_size(sched); i++) {
		l = json_array_get(sched, i);
		n = ctl_json_text(json_object_get(l, "n"), nb, sizeof(nb));
		date = ctl_json_text(json_object_get(l, "date"), db, sizeof(db));
		amt = ctl_json_text(json_object_get(l, "amount"), ab, sizeof(ab));
		fprintf(out, "  %-11s  %*s  %-10s  %*s\n", first ? "schedule" : "", (int)wn,
		    n ? n : "", date ? date : "", (int)wa, amt ? amt : "");
		first = 0;
	}
}

/* One agreement (docs[at]) as a block of lines. */
static void
agr_print_one(FILE *out, const json_t *docs, size_t at, const json_t *statuses)
{
	const json_t	*a = json_array_get(docs, at), *d, *ev;
	const char	*id, *s, *t, *status;
	char		 n[3][32], cut[AGR_TEXT * 4 + 8];
	struct od_buf	 b;
	size_t		 i;

	od_buf_init(&b);
	id = ctl_json_text(json_object_get(a, "id"), n[0], sizeof(n[0]));
	status = id ? json_string_value(json_object_get(statuses, id)) : NULL;
	s = ctl_json_text(json_object_get(a, "kind"), n[1], sizeof(n[1]));
	fprintf(out, "%s  %s  %s\n", id ? id : "(no id)", s ? s : "?", status ? status : "active");
	if ((s = ctl_json_text(json_object_get(a, "created"), n[1], sizeof(n[1]))) != NULL)
		agr_line(out, "created", s);
	s = ctl_json_text(json_object_get(a, "total"), n[1], sizeof(n[1]));
	t = ctl_json_text(json_object_get(a, "currency"), n[2], sizeof(n[2]));
	if (s != NULL) {
		od_buf_printf(&b, "%s%s%s", s, t ? " " : "", t ? t : "");
		agr_line(out, "total", b.data);
	}
	s = ctl_json_text(json_object_get(a, "cycle"), n[1], sizeof(n[1]));
	t = ctl_json_text(json_object_get(a, "policy"), n[2], sizeof(n[2]));
	if (s != NULL || t != NULL) {
		od_buf_reset(&b);
		od_buf_printf(&b, "%s%s%s", s ? s : "", s && t ? ", policy " : t ? "policy " : "",
		    t ? t : "");
		agr_line(out, "cycle", b.data);
	}
	s = ctl_json_text(json_object_get(a, "offer"), n[1], sizeof(n[1]));
	t = ctl_json_text(json_object_get(a, "option"), n[2], sizeof(n[2]));
	if (s != NULL || t != NULL) {
		od_buf_reset(&b);
		od_buf_printf(&b, "%s%s%s", s ? s : "", s && t ? ", option " : t ? "option " : "",
		    t ? t : "");
		if ((s = ctl_json_text(json_object_get(a, "offer_attempt"), n[1], sizeof(n[1]))) != NULL)
			od_buf_printf(&b, " (offered in %s)", s);
		agr_line(out, "offer", b.data);
	}
	s = ctl_json_text(json_object_get(a, "threshold"), n[1], sizeof(n[1]));
	t = ctl_json_text(json_object_get(a, "grace_days"), n[2], sizeof(n[2]));
	if (s != NULL || t != NULL) {
		od_buf_reset(&b);
		if (s != NULL)
			od_buf_printf(&b, "kept once %s is paid", s);
		if (t != NULL)
			od_buf_printf(&b, "%s%s day%s' grace", s ? ", " : "", t,
			    strcmp(t, "1") == 0 ? "" : "s");
		agr_line(out, "promise", b.data);
	}
	if ((s = ctl_json_text(json_object_get(a, "terms"), n[1], sizeof(n[1]))) != NULL)
		agr_line(out, "terms", agr_clean(s, AGR_TEXT, cut, sizeof(cut)));
	if (json_is_object(ev = json_object_get(a, "evidence"))) {
		od_buf_reset(&b);
		agr_evidence(ev, &b);
		agr_line(out, "evidence", b.data);
	}
	if ((s = ctl_json_text(json_object_get(a, "replaces"), n[1], sizeof(n[1]))) != NULL)
		agr_line(out, "replaces", s);
	for (i = at + 1; id != NULL && i < json_array_size(docs); i++) {
		d = json_array_get(docs, i);
		if (agr_is(d, "agreement") && (s = ctl_json_text(json_object_get(d, "replaces"), n[1], sizeof(n[1]))) &&
		    strcmp(s, id) == 0 && (t = ctl_json_text(json_object_get(d, "id"), n[2], sizeof(n[2]))) != NULL)
			agr_line(out, "replaced by", t);
	}
	/* its outcomes, in order (the last one is its status) */
	for (i = at + 1; id != NULL && i < json_array_size(docs); i++) {
		d = json_array_get(docs, i);
		if (!agr_is(d, "outcome") || (s = ctl_json_text(json_object_get(d, "id"), n[1], sizeof(n[1]))) == NULL ||
		    strcmp(s, id) != 0)
			continue;
		od_buf_reset(&b);
		od_buf_puts(&b, (s = ctl_json_text(json_object_get(d, "status"), n[1], sizeof(n[1]))) ? s : "?");
		if ((s = ctl_json_text(json_object_get(d, "at"), n[1], sizeof(n[1]))) != NULL)
			od_buf_printf(&b, " at %s", s);
		if ((s = ctl_json_text(json_object_get(d, "paid"), n[1], sizeof(n[1]))) != NULL)
			od_buf_printf(&b, ", paid %s", s);
		if ((s = ctl_json_text(json_object_get(d, "detail"), n[1], sizeof(n[1]))) != NULL && *s)
			od_buf_printf(&b, ": %s", agr_clean(s, AGR_TEXT, cut, sizeof(cut)));
		agr_line(out, "outcome", b.data);
	}
	agr_schedule(out, json_object_get(a, "schedule"));
	od_buf_free(&b);
}

/*
 * The documents of key, oldest first (a new array), read AGR_PAGE at a
 * time; an element that is not a JSON object is reported and counted in
 * *bad.  NULL after printing the error.
 */
static json_t *
agr_read(struct ctl *c, redisContext *rc, const char *key, int *bad)
{
	redisReply	*r, *e;
	json_t		*docs, *o;
	long		 start;
	size_t		 i, got;

	if ((docs = json_array()) == NULL) {
		ctl_errx(c, "out of memory");
		return NULL;
	}
	for (start = 0;; start += AGR_PAGE) {
		r = redisCommand(rc, "LRANGE %s %ld %ld", key, start, start + AGR_PAGE - 1);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
			ctl_errx(c, "LRANGE %s: %s", key, r == NULL ? rc->errstr :
			    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			freeReplyObject(r);
			json_decref(docs);
			return NULL;
		}
		for (i = 0; i < r->elements; i++) {
			e = r->element[i];
			o = e->type == REDIS_REPLY_STRING ?
			    json_loadb(e->str, e->len, 0, NULL) : NULL;
			if (!json_is_object(o)) {
				ctl_errx(c, "%s[%ld]: not a JSON document, skipped", key,
				    start + (long)i);
				json_decref(o);
				(*bad)++;
				continue;
			}
			json_array_append_new(docs, o);
		}
		got = r->elements;
		freeReplyObject(r);
		if (got < AGR_PAGE)
			return docs;
	}
}

/* 1 when P:accounts or P:state knows the account, 0 when neither, -1 after printing an error. */
static int
agr_account_known(struct ctl *c, redisContext *rc, const char *id)
{
	redisReply	*r;
	char		 key[512];
	const char	*what[] = { "accounts", "state" };
	int		 i, known = 0;

	for (i = 0; i < 2; i++) {
		r = redisCommand(rc, "HEXISTS %s %s", ctl_key(c, what[i], key, sizeof(key)), id);
		if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
			ctl_errx(c, "HEXISTS %s: %s", key, r == NULL ? rc->errstr :
			    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			freeReplyObject(r);
			return -1;
		}
		known |= r->integer == 1;
		freeReplyObject(r);
	}
	return known;
}

int
ctl_cmd_agreements(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL }, { "json", 0, 0, NULL } };
	redisContext	*rc;
	json_t		*docs, *statuses = NULL, *d;
	const char	*id, *status;
	char		 err[128], key[1024], *s;
	size_t		 i, nagr = 0;
	int		 npos, bad = 0, known, ret = CTL_EXIT_OK, first = 1;

	if (ctl_args_scan(argc, argv, opts, 2, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "agreements", "agreements: %s", err);
	if (npos != 1)
		return ctl_usage_error(c, "agreements", "agreements: one ACCOUNT expected");
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	snprintf(key, sizeof(key), "%s:agr:%s", c->prefix, argv[0]);
	if ((docs = agr_read(c, rc, key, &bad)) == NULL)
		return CTL_EXIT_FAIL;
	for (i = 0; i < json_array_size(docs); i++)
		nagr += agr_is(json_array_get(docs, i), "agreement");
	if (nagr == 0) {
		json_decref(docs);
		if ((known = agr_account_known(c, rc, argv[0])) == -1)
			return CTL_EXIT_FAIL;
		if (known)
			ctl_errx(c, "no agreements recorded for %s", argv[0]);
		else
			ctl_errx(c, "no such account %s (not in %s:accounts or %s:state)",
			    argv[0], c->prefix, c->prefix);
		return CTL_EXIT_FAIL;
	}
	if ((statuses = ctl_agr_statuses(docs)) == NULL) {
		ctl_errx(c, "out of memory");
		json_decref(docs);
		return CTL_EXIT_FAIL;
	}
	for (i = 0; i < json_array_size(docs); i++) {
		d = json_array_get(docs, i);
		if (opts[1].seen) {
			/* every document as it is stored, an agreement with its status */
			if (agr_is(d, "agreement") &&
			    (id = json_string_value(json_object_get(d, "id"))) != NULL &&
			    (status = json_string_value(json_object_get(statuses, id))) != NULL)
				json_object_set_new(d, "status", json_string(status));
			if ((s = json_dumps(d, JSON_COMPACT)) == NULL) {
				ctl_errx(c, "out of memory");
				ret = CTL_EXIT_FAIL;
				break;
			}
			printf("%s\n", s);
			free(s);
			continue;
		}
		if (!agr_is(d, "agreement"))
			continue;
		if (!first)
			putchar('\n');
		agr_print_one(stdout, docs, i, statuses);
		first = 0;
	}
	json_decref(statuses);
	json_decref(docs);
	return bad ? CTL_EXIT_FAIL : ret;
}
