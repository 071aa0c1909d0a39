/*
 * ctl_handoff: "handoff list" and "handoff export": the accounts placed with
 * an agency or the legal team (P:handoff, one stream entry per placement)
 * and the files they receive.  An account placed, recalled and placed again
 * has several entries: its newest counts, and only while its state
 * (P:state) still says "placed".
 *
 * The stream is read HO_PAGE entries at a time, twice: first which entry is
 * each account's newest (ids only), then, up to the last entry the first
 * pass saw, those entries, each handed on as it is read (a table row, a
 * line of the export).  No more than one page of files is ever in memory.
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HO_PAGE		1000	/* XRANGE COUNT, and HMGET P:state ids at a time */
#define HO_REASON	60	/* the reason column of the list, in characters */

enum { HF_ACCOUNT, HF_PLACEMENT, HF_TS, HF_BALANCE, HF_CURRENCY, HF_REASON, HF_FILE, HF_N };
/* An entry's fields; a jsonl line starts with those before "file", in this order. */
static const char *const ho_fields[HF_N] = { "account_id", "placement", "ts", "balance",
	"currency", "reason", "file" };

/* One entry of P:handoff; the strings are borrowed from the page's reply. */
struct ho_entry {
	const char	*id;
	const char	*f[HF_N];	/* NULL when absent */
	size_t		 flen[HF_N];
};

/* XRANGE key start end COUNT HO_PAGE, page after page. */
struct ho_pager {
	redisContext	*rc;
	const char	*key;
	char		 start[48];
	char		 end[48];
	redisReply	*r;
	size_t		 i;
	int		 done;
};

/* A pass over the entries that count; each returns 0, or -1 to stop (error printed). */
struct ho_run {
	struct ctl	*c;
	const char	*placement;	/* --placement, or NULL */
	int		(*each)(struct ho_run *, const struct ho_entry *, json_t *file);
	void		*arg;
	long		 n;		/* entries handed to each */
	int		 bad;		/* entries or files reported and skipped */
};

/* ---- the stream ------------------------------------------------------------ */

static int
ho_id_parse(const char *id, uint64_t *ms, uint64_t *seq)
{
	char	*end;

	errno = 0;
	*ms = strtoull(id, &end, 10);
	if (end == id || *end != '-' || errno != 0)
		return -1;
	id = end + 1;
	*seq = strtoull(id, &end, 10);
	return end == id || *end != '\0' || errno != 0 ? -1 : 0;
}

static void
ho_pager_init(struct ho_pager *p, redisContext *rc, const char *key, const char *end)
{
	memset(p, 0, sizeof(*p));
	p->rc = rc;
	p->key = key;
	snprintf(p->start, sizeof(p->start), "-");
	snprintf(p->end, sizeof(p->end), "%s", end);
}

static void
ho_pager_free(struct ho_pager *p)
{
	freeReplyObject(p->r);
	p->r = NULL;
}

/* Reads the next page; the start of the one after it is set from its last id. */
static int
ho_page(struct ctl *c, struct ho_pager *p)
{
	const redisReply	*last;
	uint64_t		 ms, seq;

	ho_pager_free(p);
	p->i = 0;
	p->r = redisCommand(p->rc, "XRANGE %s %s %s COUNT %d", p->key, p->start, p->end, HO_PAGE);
	if (p->r == NULL || p->r->type != REDIS_REPLY_ARRAY) {
		ctl_errx(c, "XRANGE %s: %s", p->key, p->r == NULL ? p->rc->errstr :
		    p->r->type == REDIS_REPLY_ERROR ? p->r->str : "unexpected reply");
		ho_pager_free(p);
		return -1;
	}
	if (p->r->elements < HO_PAGE) {
		p->done = 1;
		return 0;
	}
	last = p->r->element[p->r->elements - 1];
	if (last->type != REDIS_REPLY_ARRAY || last->elements < 1 ||
	    last->element[0]->type != REDIS_REPLY_STRING ||
	    ho_id_parse(last->element[0]->str, &ms, &seq) == -1) {
		ctl_errx(c, "XRANGE %s: an entry without a stream id", p->key);
		ho_pager_free(p);
		return -1;
	}
	if (seq == UINT64_MAX) {
		ms++;
		seq = 0;
	} else
		seq++;
	snprintf(p->start, sizeof(p->start), "%" PRIu64 "-%" PRIu64, ms, seq);
	return 0;
}

/* The next entry: 1 and *e filled (borrowed until the next call), 0 at the end, -1 on error. */
static int
ho_next(struct ctl *c, struct ho_pager *p, struct ho_entry *e)
{
	const redisReply	*en, *fl, *k, *v;
	size_t			 j;
	int			 f;

	for (;;) {
		if (p->r == NULL || p->i == p->r->elements) {
			if (p->r != NULL && p->done)
				return 0;
			if (ho_page(c, p) == -1)
				return -1;
			continue;
		}
		en = p->r->element[p->i++];
		if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
		    en->element[0]->type != REDIS_REPLY_STRING)
			continue;
		memset(e, 0, sizeof(*e));
		e->id = en->element[0]->str;
		fl = en->element[1];
		for (j = 0; fl->type == REDIS_REPLY_ARRAY && j + 1 < fl->elements; j += 2) {
			k = fl->element[j];
			v = fl->element[j + 1];
			if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
				continue;
			for (f = 0; f < HF_N; f++)
				if (strcmp(k->str, ho_fields[f]) == 0) {
					e->f[f] = v->str;
					e->flen[f] = v->len;
				}
		}
		return 1;
	}
}

/*
 * Keeps in newest (account id -> {"entry": its newest entry's id}) only the
 * accounts whose state is "placed", asking P:state HO_PAGE ids at a time.
 * 0, or -1 after an error.
 */
static int
ho_still_placed(struct ctl *c, redisContext *rc, json_t *newest)
{
	const char	**av;
	const char	*id, *status;
	redisReply	*r, *v;
	json_t		*st;
	void		*it;
	char		 key[512];
	size_t		 n, i, total = json_object_size(newest), done = 0;
	int		 ret = 0;

	if (total == 0)
		return 0;
	if ((av = calloc(HO_PAGE + 2, sizeof(*av))) == NULL) {
		ctl_errx(c, "out of memory");
		return -1;
	}
	av[0] = "HMGET";
	av[1] = ctl_key(c, "state", key, sizeof(key));
	it = json_object_iter(newest);
	while (done < total && ret == 0) {
		for (n = 0; n < HO_PAGE && it != NULL; n++) {
			av[2 + n] = json_object_iter_key(it);
			it = json_object_iter_next(newest, it);
		}
		done += n;
		r = redisCommandArgv(rc, (int)(n + 2), av, NULL);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
			ctl_errx(c, "HMGET %s: %s", key, r == NULL ? rc->errstr :
			    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			freeReplyObject(r);
			ret = -1;
			break;
		}
		/* deleting would upset the iterator: the placed are marked, the rest dropped after */
		for (i = 0; i < n; i++) {
			v = r->element[i];
			st = v->type == REDIS_REPLY_STRING ?
			    json_loadb(v->str, v->len, 0, NULL) : NULL;
			status = json_string_value(json_object_get(st, "status"));
			if (status != NULL && strcmp(status, "placed") == 0)
				json_object_set_new_nocheck(json_object_get(newest, av[2 + i]),
				    "placed", json_true());
			json_decref(st);
		}
		freeReplyObject(r);
	}
	free(av);
	if (ret == 0) {
		json_t	*gone = json_array();

		json_object_foreach(newest, id, st)
			if (json_object_get(st, "placed") == NULL)
				json_array_append_new(gone, json_string_nocheck(id));
		for (i = 0; i < json_array_size(gone); i++)
			json_object_del(newest, json_string_value(json_array_get(gone, i)));
		json_decref(gone);
	}
	return ret;
}

/*
 * The entries that count, in stream order: each account's newest entry
 * while the account is still placed (with run->placement, only those of
 * that placement), handed to run->each with its file parsed (borrowed for
 * the call).  An entry without an account, or whose file is not a JSON
 * object, is reported and counted in run->bad.  Returns 0, or -1 after an
 * error.
 */
static int
ho_run(redisContext *rc, struct ho_run *run)
{
	struct ctl	*c = run->c;
	struct ho_pager	 p;
	struct ho_entry	 e;
	json_t		*newest, *o, *file;
	const char	*mine;
	char		 key[512], last[48] = "";
	int		 rv, ret = -1;

	if ((newest = json_object()) == NULL) {
		ctl_errx(c, "out of memory");
		return -1;
	}
	ctl_key(c, "handoff", key, sizeof(key));
	/* 1: which entry is each account's newest */
	ho_pager_init(&p, rc, key, "+");
	while ((rv = ho_next(c, &p, &e)) == 1) {
		snprintf(last, sizeof(last), "%s", e.id);
		if (e.f[HF_ACCOUNT] == NULL || e.f[HF_ACCOUNT][0] == '\0') {
			ctl_errx(c, "%s entry %s: no account_id, skipped", key, e.id);
			run->bad++;
			continue;
		}
		o = json_pack("{s:s}", "entry", e.id);
		if (o == NULL || json_object_set_new_nocheck(newest, e.f[HF_ACCOUNT], o) == -1) {
			ctl_errx(c, "out of memory");
			rv = -1;
			break;
		}
	}
	ho_pager_free(&p);
	if (rv == -1 || ho_still_placed(c, rc, newest) == -1)
		goto out;
	if (json_object_size(newest) == 0 || last[0] == '\0') {
		ret = 0;
		goto out;
	}
	/* 2: those entries, as they are read, up to where pass 1 ended */
	ho_pager_init(&p, rc, key, last);
	while ((rv = ho_next(c, &p, &e)) == 1) {
		if (e.f[HF_ACCOUNT] == NULL ||
		    (mine = json_string_value(json_object_get(json_object_get(newest,
		    e.f[HF_ACCOUNT]), "entry"))) == NULL || strcmp(mine, e.id) != 0)
			continue;
		if (run->placement != NULL && (e.f[HF_PLACEMENT] == NULL ||
		    strcmp(e.f[HF_PLACEMENT], run->placement) != 0))
			continue;
		file = e.f[HF_FILE] ? json_loadb(e.f[HF_FILE], e.flen[HF_FILE], 0, NULL) : NULL;
		if (!json_is_object(file)) {
			ctl_errx(c, "%s entry %s (account %s): %s, skipped", key, e.id,
			    e.f[HF_ACCOUNT], e.f[HF_FILE] ? "its file is not a JSON object" :
			    "no file");
			json_decref(file);
			run->bad++;
			continue;
		}
		rv = run->each(run, &e, file);
		json_decref(file);
		if (rv == -1)
			break;
		run->n++;
	}
	ho_pager_free(&p);
	ret = rv == -1 ? -1 : 0;
out:
	json_decref(newest);
	return ret;
}

/* ---- what a file holds ------------------------------------------------------- */

struct ho_counts {
	long		 attempts;	/* messages tried: distinct attempt ids */
	long		 agreements;
	long		 broken;	/* promises whose status is broken */
	const char	*last;		/* the newest attempt's ts (borrowed), or "" */
};

static const char *
ho_str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* The counts of a handoff file.  0, or -1 when out of memory. */
static int
ho_count(const json_t *file, struct ho_counts *k)
{
	const json_t	*att = json_object_get(file, "attempts");
	const json_t	*agr = json_object_get(file, "agreements"), *r;
	const char	*id, *src, *status;
	json_t		*seen, *statuses;
	size_t		 i;

	memset(k, 0, sizeof(*k));
	k->last = "";
	if ((seen = json_object()) == NULL || (statuses = ctl_agr_statuses(agr)) == NULL) {
		json_decref(seen);
		return -1;
	}
	/* a receipt (delivered, read) is about an attempt already counted */
	for (i = 0; i < json_array_size(att); i++) {
		r = json_array_get(att, i);
		if ((id = ho_str(r, "attempt_id")) == NULL || *id == '\0')
			continue;
		if ((src = ho_str(r, "source")) == NULL || strcmp(src, "receipt") != 0) {
			if (ho_str(r, "ts") != NULL)
				k->last = ho_str(r, "ts");
		}
		if (json_object_get(seen, id) == NULL) {
			json_object_set_new_nocheck(seen, id, json_true());
			k->attempts++;
		}
	}
	for (i = 0; i < json_array_size(agr); i++) {
		r = json_array_get(agr, i);
		if ((id = ho_str(r, "type")) == NULL || strcmp(id, "agreement") != 0)
			continue;
		k->agreements++;
		if ((id = ho_str(r, "id")) != NULL && (src = ho_str(r, "kind")) != NULL &&
		    strcmp(src, "promise") == 0 &&
		    (status = json_string_value(json_object_get(statuses, id))) != NULL &&
		    strcmp(status, "broken") == 0)
			k->broken++;
	}
	json_decref(statuses);
	json_decref(seen);
	return 0;
}

/* ---- handoff list -------------------------------------------------------------- */

struct ho_list {
	struct ctl_table	 t;
	int			 json;
};

static int
ho_list_each(struct ho_run *run, const struct ho_entry *e, json_t *file)
{
	struct ho_list		*l = run->arg;
	struct ho_counts	 k;
	const char		*cells[8];
	char			 n[2][24], reason[HO_REASON * 4 + 4], *s;
	json_t			*o;
	int			 f;

	if (ho_count(file, &k) == -1) {
		ctl_errx(run->c, "out of memory");
		return -1;
	}
	if (l->json) {
		if ((o = json_object()) == NULL)
			goto oom;
		for (f = 0; f < HF_FILE; f++)
			json_object_set_new_nocheck(o, ho_fields[f], e->f[f] ?
			    json_stringn_nocheck(e->f[f], e->flen[f]) : json_null());
		json_object_set_new_nocheck(o, "attempts", json_integer(k.attempts));
		json_object_set_new_nocheck(o, "agreements", json_integer(k.agreements));
		json_object_set_new_nocheck(o, "entry", json_string_nocheck(e->id));
		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (s == NULL)
			goto oom;
		printf("%s\n", s);
		free(s);
		return 0;
	}
	snprintf(n[0], sizeof(n[0]), "%ld", k.attempts);
	snprintf(n[1], sizeof(n[1]), "%ld", k.agreements);
	cells[0] = e->f[HF_ACCOUNT];
	cells[1] = e->f[HF_PLACEMENT];
	cells[2] = e->f[HF_TS];
	cells[3] = e->f[HF_BALANCE];
	cells[4] = e->f[HF_CURRENCY];
	cells[5] = n[0];
	cells[6] = n[1];
	cells[7] = ctl_truncate(e->f[HF_REASON], HO_REASON, reason, sizeof(reason));
	if (ctl_table_add(&l->t, cells) == 0)
		return 0;
oom:
	ctl_errx(run->c, "out of memory");
	return -1;
}

static int
ho_cmd_list(struct ctl *c, int argc, char **argv)
{
	static const char *const heads[] = { "ACCOUNT", "PLACEMENT", "PLACED", ">BALANCE",
		"CURRENCY", ">ATTEMPTS", ">AGREEMENTS", "REASON" };
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL }, { "json", 0, 0, NULL },
				    { "placement", 1, 0, NULL } };
	struct ho_list	 l;
	struct ho_run	 run;
	redisContext	*rc;
	char		 err[128];
	int		 npos, rv;

	if (ctl_args_scan(argc, argv, opts, 3, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "handoff", "handoff list: %s", err);
	if (npos != 0)
		return ctl_usage_error(c, "handoff", "handoff list: no arguments expected");
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	memset(&l, 0, sizeof(l));
	l.json = opts[1].seen;
	ctl_table_init(&l.t, 8, heads);
	memset(&run, 0, sizeof(run));
	run.c = c;
	run.placement = opts[2].value;
	run.each = ho_list_each;
	run.arg = &l;
	rv = ho_run(rc, &run);
	if (rv == 0 && !l.json) {
		if (run.n > 0)
			ctl_table_print(&l.t, stdout, 0);
		else if (run.placement != NULL)
			printf("no accounts placed with %s\n", run.placement);
		else
			printf("no accounts placed\n");
	}
	ctl_table_free(&l.t);
	return rv == -1 || run.bad ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

/* ---- handoff export ------------------------------------------------------------ */

struct ho_export {
	FILE		*out;
	struct od_buf	 line;
	int		 csv;
};

static const char *const ho_csv_head[] = { "account_id", "placement", "ts", "debtor_name",
	"phone", "email", "balance", "currency", "due_date", "days_past_due", "attempts",
	"last_attempt_ts", "agreements", "broken_promises", "reason", NULL };

static int
ho_csv_row(struct ho_export *x, const struct ho_entry *e, const json_t *file,
    const struct ho_counts *k)
{
	const json_t	*acct = json_object_get(file, "account");
	const json_t	*debtor = json_object_get(acct, "debtor");
	const json_t	*debt = json_object_get(acct, "debt"), *dpd;
	const char	*v[15];
	char		 n[3][24], dpdbuf[24];
	int		 i;

	if ((dpd = json_object_get(json_object_get(file, "state"), "days_past_due")) == NULL)
		dpd = json_object_get(debt, "days_past_due");
	snprintf(n[0], sizeof(n[0]), "%ld", k->attempts);
	snprintf(n[1], sizeof(n[1]), "%ld", k->agreements);
	snprintf(n[2], sizeof(n[2]), "%ld", k->broken);
	v[0] = e->f[HF_ACCOUNT];
	v[1] = e->f[HF_PLACEMENT];
	v[2] = e->f[HF_TS];
	v[3] = ho_str(debtor, "name");
	v[4] = ho_str(debtor, "phone") ? ho_str(debtor, "phone") : ho_str(debtor, "whatsapp");
	v[5] = ho_str(debtor, "email");
	v[6] = e->f[HF_BALANCE];
	v[7] = e->f[HF_CURRENCY];
	v[8] = ho_str(debt, "due_date");
	v[9] = ctl_json_text(dpd, dpdbuf, sizeof(dpdbuf));
	v[10] = n[0];
	v[11] = k->last;
	v[12] = n[1];
	v[13] = n[2];
	v[14] = e->f[HF_REASON];
	od_buf_reset(&x->line);
	for (i = 0; i < 15; i++) {
		if (i > 0)
			od_buf_putc(&x->line, ',');
		ctl_csv_field(&x->line, v[i]);
	}
	return od_buf_puts(&x->line, "\r\n");
}

/*
 * A jsonl line: the entry's fields, then the file's members as stored (the
 * text is spliced, not parsed and printed again, so that numbers keep
 * their digits); a file that has one of those members itself is merged,
 * the entry's value winning.
 */
static int
ho_jsonl_line(struct ho_export *x, const struct ho_entry *e, json_t *file)
{
	const char	*p = e->f[HF_FILE], *end = p + e->flen[HF_FILE];
	json_t		*o;
	char		*s;
	int		 f, clash = 0;

	od_buf_reset(&x->line);
	for (f = 0; f < HF_FILE; f++)
		clash |= json_object_get(file, ho_fields[f]) != NULL;
	if (clash) {
		if ((o = json_object()) == NULL)
			return -1;
		for (f = 0; f < HF_FILE; f++)
			json_object_set_new_nocheck(o, ho_fields[f], e->f[f] ?
			    json_stringn_nocheck(e->f[f], e->flen[f]) : json_null());
		json_object_update_missing(o, file);
		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (s == NULL)
			return -1;
		od_buf_puts(&x->line, s);
		free(s);
		return od_buf_putc(&x->line, '\n');
	}
	od_buf_putc(&x->line, '{');
	for (f = 0; f < HF_FILE; f++) {
		od_buf_printf(&x->line, "%s\"%s\":", f ? "," : "", ho_fields[f]);
		if (e->f[f] != NULL)
			od_buf_json_string(&x->line, e->f[f]);
		else
			od_buf_puts(&x->line, "null");
	}
	/* the text after the file's '{' (it parsed as an object: only white space around) */
	while (p < end && *p != '{')
		p++;
	if (p < end)
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
	    end[-1] == '\r'))
		end--;
	if (json_object_size(file) > 0)
		od_buf_putc(&x->line, ',');
	for (; p < end; p++)	/* a line break outside a string is white space */
		od_buf_putc(&x->line, *p == '\n' || *p == '\r' ? ' ' : *p);
	return od_buf_putc(&x->line, '\n');
}

static int
ho_export_each(struct ho_run *run, const struct ho_entry *e, json_t *file)
{
	struct ho_export	*x = run->arg;
	struct ho_counts	 k;
	int			 rv;

	if (x->csv)
		rv = ho_count(file, &k) == -1 ? -1 : ho_csv_row(x, e, file, &k);
	else
		rv = ho_jsonl_line(x, e, file);
	if (rv == -1 || x->line.oom) {
		ctl_errx(run->c, "out of memory");
		return -1;
	}
	if (fwrite(x->line.data, 1, x->line.len, x->out) != x->line.len) {
		ctl_errx(run->c, "writing the export: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
ho_cmd_export(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 opts[] = { { "help", 0, 0, NULL }, { "format", 1, 0, NULL },
					    { "placement", 1, 0, NULL }, { "output", 1, 0, NULL } };
	struct ho_export	 x;
	struct ho_run		 run;
	redisContext		*rc;
	const char		*path;
	char			 err[128], part[4096];
	int			 npos, fd, i, rv;

	if (ctl_args_scan(argc, argv, opts, 4, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "handoff", "handoff export: %s", err);
	if (npos != 0)
		return ctl_usage_error(c, "handoff", "handoff export: no arguments expected");
	if (!opts[1].seen)
		return ctl_usage_error(c, "handoff", "handoff export: --format csv or jsonl "
		    "expected");
	if (strcmp(opts[1].value, "csv") != 0 && strcmp(opts[1].value, "jsonl") != 0)
		return ctl_usage_error(c, "handoff", "handoff export: --format must be csv or "
		    "jsonl, not \"%s\"", opts[1].value);
	if ((path = opts[3].value) != NULL && *path == '\0')
		return ctl_usage_error(c, "handoff", "handoff export: --output needs a file name");
	if ((rc = ctl_redis(c)) == NULL)
		return CTL_EXIT_FAIL;
	memset(&x, 0, sizeof(x));
	x.csv = opts[1].value[0] == 'c';
	x.out = stdout;
	od_buf_init(&x.line);
	if (path != NULL) {
		/* personal data: written beside FILE, private, and renamed once complete */
		if ((size_t)snprintf(part, sizeof(part), "%s.part", path) >= sizeof(part)) {
			ctl_errx(c, "%s: file name too long", path);
			return CTL_EXIT_FAIL;
		}
		unlink(part);
		if ((fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1 ||
		    (x.out = fdopen(fd, "w")) == NULL) {
			ctl_errx(c, "%s: %s", part, strerror(errno));
			if (fd != -1)
				close(fd);
			return CTL_EXIT_FAIL;
		}
	}
	if (x.csv) {
		for (i = 0; ho_csv_head[i] != NULL; i++)
			fprintf(x.out, "%s%s", i ? "," : "", ho_csv_head[i]);
		fputs("\r\n", x.out);
	}
	memset(&run, 0, sizeof(run));
	run.c = c;
	run.placement = opts[2].value;
	run.each = ho_export_each;
	run.arg = &x;
	rv = ho_run(rc, &run);
	od_buf_free(&x.line);
	if (path == NULL)
		return rv == -1 || run.bad ? CTL_EXIT_FAIL : CTL_EXIT_OK;
	if (rv == 0 && (fflush(x.out) == EOF || fsync(fileno(x.out)) == -1)) {
		ctl_errx(c, "%s: %s", part, strerror(errno));
		rv = -1;
	}
	if (fclose(x.out) == EOF && rv == 0) {
		ctl_errx(c, "%s: %s", part, strerror(errno));
		rv = -1;
	}
	if (rv == 0 && rename(part, path) == -1) {
		ctl_errx(c, "%s: %s", path, strerror(errno));
		rv = -1;
	}
	if (rv == -1) {
		unlink(part);
		return CTL_EXIT_FAIL;
	}
	fprintf(stderr, "%s: exported %ld account%s to %s\n", c->progname, run.n,
	    run.n == 1 ? "" : "s", path);
	return run.bad ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

int
ctl_cmd_handoff(struct ctl *c, int argc, char **argv)
{
	if (argc < 1)
		return ctl_usage_error(c, "handoff", "handoff: list or export expected");
	if (strcmp(argv[0], "list") == 0)
		return ho_cmd_list(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "export") == 0)
		return ho_cmd_export(c, argc - 1, argv + 1);
	return ctl_usage_error(c, "handoff", "handoff: \"%s\" is not list or export", argv[0]);
}
