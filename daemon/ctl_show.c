/*
 * ctl_show: "status", "attempts ACCOUNT" and "rejected": read-only views of
 * the Redis keys (docs/architecture.md); agreements and handoff are in
 * ctl_agreements.c and ctl_handoff.c.  Tables by default, --json for
 * machines (one JSON document a line).
 */
#include "ctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "od_time.h"

#define CTL_GROUP	"outreachd"

/* ---- status ---------------------------------------------------------------- */

enum { ST_INBOX, ST_GROUPS, ST_ACCOUNTS, ST_DUE_NOW, ST_DUE, ST_INFLIGHT, ST_REJECTED,
	ST_ATTEMPTS, ST_N };

struct status_group {
	int		 found;
	long long	 consumers, pending, lag;	/* lag -1: unknown */
	char		 last_id[64];
};

static long long
reply_int(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

static void
status_group(const redisReply *r, struct status_group *g)
{
	const redisReply	*e, *k, *v;
	size_t			 i, j;
	int			 mine;

	memset(g, 0, sizeof(*g));
	g->lag = -1;
	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < r->elements; i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_ARRAY)
			continue;
		mine = 0;
		for (j = 0; j + 1 < e->elements; j += 2) {
			k = e->element[j];
			v = e->element[j + 1];
			if (k->type == REDIS_REPLY_STRING && strcmp(k->str, "name") == 0 &&
			    v->type == REDIS_REPLY_STRING && strcmp(v->str, CTL_GROUP) == 0)
				mine = 1;
		}
		if (!mine)
			continue;
		g->found = 1;
		for (j = 0; j + 1 < e->elements; j += 2) {
			k = e->element[j];
			v = e->element[j + 1];
			if (k->type != REDIS_REPLY_STRING)
				continue;
			if (strcmp(k->str, "consumers") == 0)
				g->consumers = reply_int(v);
			else if (strcmp(k->str, "pending") == 0)
				g->pending = reply_int(v);
			else if (strcmp(k->str, "lag") == 0)
				g->lag = reply_int(v);		/* nil when Redis cannot tell */
			else if (strcmp(k->str, "last-delivered-id") == 0 &&
			    v->type == REDIS_REPLY_STRING)
				snprintf(g->last_id, sizeof(g->last_id), "%s", v->str);
		}
		return;
	}
}

static void
status_row(struct ctl_table *t, const char *label, long long v, const char *note)
{
	char		 num[32];
	const char	*cells[3];

	if (v < 0)
		snprintf(num, sizeof(num), "-");
	else
		snprintf(num, sizeof(num), "%lld", v);
	cells[0] = label;
	cells[1] = num;
	cells[2] = note;
	ctl_table_add(t, cells);
}

int
ctl_cmd_status(struct ctl *c, int argc, char **argv)
{
	static const char *const heads[] = { "", ">", "" };
	static const char *const names[ST_N] = { "XLEN inbox", "XINFO GROUPS inbox",
		"HLEN accounts", "ZCOUNT due", "ZCARD due", "ZCARD inflight",
		"XLEN rejected", "XLEN attempts" };
	struct ctl_opt		 opts[] = { { "help", 0, 0, NULL }, { "json", 0, 0, NULL } };
	struct status_group	 g;
	struct ctl_table	 t;
	redisContext		*rc;
	redisReply		*rep[ST_N];
	long long		 v[ST_N];
	char			 err[128], inbox[512], key[512], note[128];
	json_t			*o, *jg;
	char			*s;
	int			 npos, i, ret = CTL_EXIT_OK;

	if (ctl_args_scan(argc, argv, opts, 2, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "status", "status: %s", err);
	if (npos != 0)
		return ctl_usage_error(c, "status", "status: no arguments expected");
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	ctl_key(c, "inbox", inbox, sizeof(inbox));
	redisAppendCommand(rc, "XLEN %s", inbox);
	redisAppendCommand(rc, "XINFO GROUPS %s", inbox);
	redisAppendCommand(rc, "HLEN %s", ctl_key(c, "accounts", key, sizeof(key)));
	redisAppendCommand(rc, "ZCOUNT %s -inf %" PRId64, ctl_key(c, "due", key, sizeof(key)),
	    od_now_ms());
	redisAppendCommand(rc, "ZCARD %s", key);
	redisAppendCommand(rc, "ZCARD %s", ctl_key(c, "inflight", key, sizeof(key)));
	redisAppendCommand(rc, "XLEN %s", ctl_key(c, "rejected", key, sizeof(key)));
	redisAppendCommand(rc, "XLEN %s", ctl_key(c, "attempts", key, sizeof(key)));
	memset(rep, 0, sizeof(rep));
	for (i = 0; i < ST_N; i++) {
		void *p = NULL;

		if (redisGetReply(rc, &p) != REDIS_OK) {
			ctl_errx(c, "Redis: %s", rc->errstr);
			ret = CTL_EXIT_FAIL;
			goto out;
		}
		rep[i] = p;
	}
	for (i = 0; i < ST_N; i++) {
		/* XINFO on an inbox nobody has written to yet: no such key */
		if (i == ST_GROUPS && rep[i]->type == REDIS_REPLY_ERROR &&
		    strstr(rep[i]->str, "no such key") != NULL)
			continue;
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			ctl_errx(c, "%s (prefix %s): %s", names[i], c->prefix, rep[i]->str);
			ret = CTL_EXIT_FAIL;
			goto out;
		}
		v[i] = reply_int(rep[i]);
	}
	status_group(rep[ST_GROUPS], &g);

	if (opts[1].seen) {
		jg = g.found ? json_pack("{s:s,s:I,s:I,s:o,s:s}", "name", CTL_GROUP,
		    "consumers", (json_int_t)g.consumers, "pending", (json_int_t)g.pending,
		    "lag", g.lag >= 0 ? json_integer(g.lag) : json_null(),
		    "last_delivered_id", g.last_id) : json_null();
		o = json_pack("{s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I}",
		    "prefix", c->prefix, "inbox", (json_int_t)v[ST_INBOX], "group", jg,
		    "accounts", (json_int_t)v[ST_ACCOUNTS], "due_now", (json_int_t)v[ST_DUE_NOW],
		    "scheduled", (json_int_t)v[ST_DUE], "in_flight", (json_int_t)v[ST_INFLIGHT],
		    "rejected", (json_int_t)v[ST_REJECTED], "attempts", (json_int_t)v[ST_ATTEMPTS]);
		if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL) {
			json_decref(o);
			ctl_errx(c, "out of memory");
			ret = CTL_EXIT_FAIL;
			goto out;
		}
		printf("%s\n", s);
		free(s);
		json_decref(o);
		goto out;
	}
	ctl_table_init(&t, 3, heads);
	status_row(&t, "inbox", v[ST_INBOX], "");
	if (g.found) {
		snprintf(note, sizeof(note), "read by " CTL_GROUP ", not yet acknowledged");
		status_row(&t, "  pending", g.pending, note);
		status_row(&t, "  lag", g.lag, g.lag >= 0 ? "not yet read by " CTL_GROUP :
		    "unknown (Redis cannot tell after deletions)");
	} else
		status_row(&t, "  pending", -1, "group " CTL_GROUP " not created yet "
		    "(the daemon creates it)");
	status_row(&t, "accounts", v[ST_ACCOUNTS], "");
	status_row(&t, "due now", v[ST_DUE_NOW], "");
	status_row(&t, "scheduled", v[ST_DUE], "");
	status_row(&t, "in flight", v[ST_INFLIGHT], "");
	status_row(&t, "rejected", v[ST_REJECTED], "");
	status_row(&t, "attempts", v[ST_ATTEMPTS], "");
	ctl_table_print(&t, stdout, 1);
	ctl_table_free(&t);
out:
	for (i = 0; i < ST_N; i++)
		freeReplyObject(rep[i]);
	return ret;
}

/* ---- attempts ---------------------------------------------------------------- */

/* A field of a record as text: strings as they are, numbers printed, else "". */
static const char *
field(json_t *o, const char *name, char *buf, size_t len)
{
	json_t	*v = json_object_get(o, name);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_true(v))
		return "true";
	return "";
}

/*
 * The last column: the reason with its detail ("window: 20:00 on fri is
 * outside PE's window 07:00-20:00"), then the provider's id in brackets.
 */
static void
attempt_detail(json_t *o, char *buf, size_t len)
{
	const char	*reason, *detail, *pid;
	char		 n[32];
	struct od_buf	 b;

	reason = field(o, "reason", n, sizeof(n));
	detail = json_string_value(json_object_get(o, "detail"));
	pid = json_string_value(json_object_get(o, "provider_id"));
	od_buf_init(&b);
	od_buf_puts(&b, reason);
	if (detail && *detail)
		od_buf_printf(&b, "%s%s", b.len ? ": " : "", detail);
	if (pid && *pid)
		od_buf_printf(&b, b.len ? " [%s]" : "%s", pid);
	snprintf(buf, len, "%s", b.data ? b.data : "");
	od_buf_free(&b);
}

/*
 * The lifecycle records the history also holds (promise_made, agreement,
 * handoff...) name no channel or gateway but an agreement: the AGREEMENT
 * column is there when any record of the account names one.
 */
int
ctl_cmd_attempts(struct ctl *c, int argc, char **argv)
{
	static const char *const heads[] = { "TIME", "STEP", "STAGE", "CHANNEL",
		"GATEWAY", "STATUS", "AGREEMENT", "REASON / PROVIDER ID" };
	static const char *const heads7[] = { "TIME", "STEP", "STAGE", "CHANNEL",
		"GATEWAY", "STATUS", "REASON / PROVIDER ID" };
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL }, { "json", 0, 0, NULL } };
	struct ctl_table t;
	redisContext	*rc;
	redisReply	*r, *e;
	json_t		*recs, *o;
	const char	*cells[8];
	char		 err[128], key[1024], detail[512], n[7][32], *s;
	size_t		 i;
	int		 npos, ret = CTL_EXIT_OK, json, agr = 0, k;

	if (ctl_args_scan(argc, argv, opts, 2, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "attempts", "attempts: %s", err);
	if (npos != 1)
		return ctl_usage_error(c, "attempts", "attempts: one ACCOUNT expected");
	json = opts[1].seen;
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	snprintf(key, sizeof(key), "%s:hist:%s", c->prefix, argv[0]);
	r = redisCommand(rc, "LRANGE %s 0 -1", key);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		ctl_errx(c, "LRANGE %s: %s", key, r ? r->str : rc->errstr);
		freeReplyObject(r);
		return CTL_EXIT_FAIL;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		if (!json)
			printf("no attempts recorded for %s\n", argv[0]);
		freeReplyObject(r);
		return CTL_EXIT_OK;
	}
	if ((recs = json_array()) == NULL) {
		ctl_errx(c, "out of memory");
		freeReplyObject(r);
		return CTL_EXIT_FAIL;
	}
	for (i = 0; i < r->elements; i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_STRING)
			continue;
		o = json_loadb(e->str, e->len, 0, NULL);
		if (!json_is_object(o)) {
			ctl_errx(c, "%s[%zu]: not a JSON record, skipped", key, i);
			json_decref(o);
			ret = CTL_EXIT_FAIL;
			continue;
		}
		if (json) {
			if ((s = json_dumps(o, JSON_COMPACT)) != NULL)
				printf("%s\n", s);
			free(s);
			json_decref(o);
			continue;
		}
		if (*field(o, "agreement_id", n[0], sizeof(n[0])) != '\0')
			agr = 1;
		json_array_append_new(recs, o);
	}
	freeReplyObject(r);
	ctl_table_init(&t, agr ? 8 : 7, agr ? heads : heads7);
	for (i = 0; i < json_array_size(recs); i++) {
		o = json_array_get(recs, i);
		cells[0] = field(o, "ts", n[0], sizeof(n[0]));
		cells[1] = field(o, "step", n[1], sizeof(n[1]));
		cells[2] = field(o, "stage", n[2], sizeof(n[2]));
		cells[3] = field(o, "channel", n[3], sizeof(n[3]));
		cells[4] = field(o, "gateway", n[4], sizeof(n[4]));
		cells[5] = field(o, "status", n[5], sizeof(n[5]));
		k = 6;
		if (agr)
			cells[k++] = field(o, "agreement_id", n[6], sizeof(n[6]));
		attempt_detail(o, detail, sizeof(detail));
		cells[k] = detail;
		ctl_table_add(&t, cells);
	}
	if (!json)
		ctl_table_print(&t, stdout, 0);
	ctl_table_free(&t);
	json_decref(recs);
	return ret;
}

/* ---- rejected ------------------------------------------------------------------ */

#define CTL_BODY_WIDTH	60

/* A JSON string of s; bytes that are not UTF-8 become '?'; NULL is null. */
static json_t *
json_text(const char *s)
{
	json_t	*j;
	char	*cp, *q;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL || (cp = strdup(s)) == NULL)
		return j;
	for (q = cp; *q; q++)
		if ((unsigned char)*q >= 0x80)
			*q = '?';
	j = json_string(cp);
	free(cp);
	return j;
}

/* The time of a stream id "1764597600123-0": "2025-12-01T14:00:00Z". */
static const char *
id_time(const char *id, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t;

	t = (time_t)(strtoll(id, NULL, 10) / 1000);
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

int
ctl_cmd_rejected(struct ctl *c, int argc, char **argv)
{
	static const char *const heads[] = { "TIME", "ID", "KIND", "REASON", "BODY" };
	static const char *const fnames[] = { "reason", "kind", "body", "entry" };
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL }, { "json", 0, 0, NULL },
				    { "count", 1, 0, NULL } };
	struct ctl_table t;
	redisContext	*rc;
	redisReply	*r, *e, *fl;
	const char	*f[4], *cells[5];
	char		 err[128], key[512], when[32], body[CTL_BODY_WIDTH * 4 + 4], *end, *s;
	json_t		*o;
	long		 count = 20;
	size_t		 i, j, k;
	int		 npos, json;

	if (ctl_args_scan(argc, argv, opts, 3, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "rejected", "rejected: %s", err);
	if (npos != 0)
		return ctl_usage_error(c, "rejected", "rejected: no arguments expected");
	json = opts[1].seen;
	if (opts[2].seen) {
		count = strtol(opts[2].value, &end, 10);
		if (*opts[2].value == '\0' || *end != '\0' || count < 1 || count > 1000000)
			return ctl_usage_error(c, "rejected", "rejected: --count must be "
			    "1 to 1000000, not \"%s\"", opts[2].value);
	}
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	ctl_key(c, "rejected", key, sizeof(key));
	r = redisCommand(rc, "XREVRANGE %s + - COUNT %ld", key, count);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		ctl_errx(c, "XREVRANGE %s: %s", key, r ? r->str : rc->errstr);
		freeReplyObject(r);
		return CTL_EXIT_FAIL;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		if (!json)
			printf("no rejected entries in %s\n", key);
		freeReplyObject(r);
		return CTL_EXIT_OK;
	}
	ctl_table_init(&t, 5, heads);
	for (i = 0; i < r->elements; i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		fl = e->element[1];
		memset(f, 0, sizeof(f));
		for (j = 0; fl->type == REDIS_REPLY_ARRAY && j + 1 < fl->elements; j += 2)
			for (k = 0; k < 4; k++)
				if (fl->element[j]->type == REDIS_REPLY_STRING &&
				    fl->element[j + 1]->type == REDIS_REPLY_STRING &&
				    strcmp(fl->element[j]->str, fnames[k]) == 0)
					f[k] = fl->element[j + 1]->str;
		if (json) {
			o = json_object();
			json_object_set_new(o, "id", json_string(e->element[0]->str));
			for (k = 0; k < 4; k++)
				json_object_set_new(o, fnames[k], json_text(f[k]));
			if ((s = json_dumps(o, JSON_COMPACT)) != NULL)
				printf("%s\n", s);
			free(s);
			json_decref(o);
			continue;
		}
		cells[0] = id_time(e->element[0]->str, when, sizeof(when));
		cells[1] = e->element[0]->str;
		cells[2] = f[1];
		cells[3] = f[0];
		cells[4] = ctl_truncate(f[2] ? f[2] : "", CTL_BODY_WIDTH, body, sizeof(body));
		ctl_table_add(&t, cells);
	}
	if (!json)
		ctl_table_print(&t, stdout, 0);
	ctl_table_free(&t);
	freeReplyObject(r);
	return CTL_EXIT_OK;
}
