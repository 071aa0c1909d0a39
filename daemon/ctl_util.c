/*
 * ctl_util: outreachctl's pure helpers: the Redis URL, argument scanning,
 * input splitting, the event shorthand, agreement statuses, CSV fields and
 * aligned tables.  Nothing here talks to Redis, so tests/test_ctl.c
 * exercises all of it.
 */
#include "ctl.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- Redis URL ------------------------------------------------------------ */

/* ---- arguments ------------------------------------------------------------- */

struct ctl_opt *
ctl_opt_find(struct ctl_opt *opts, size_t nopts, const char *name)
{
	size_t	 i;

	for (i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

int
ctl_args_scan(int argc, char **argv, struct ctl_opt *opts, size_t nopts,
    int *npos, char *err, size_t errlen)
{
	struct ctl_opt	*o;
	const char	*name, *eq;
	char		 nbuf[64];
	size_t		 nlen;
	int		 i, n = 0, only_pos = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			argv[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0)
			a = "--help";
		if (a[1] != '-') {
			snprintf(err, errlen, "unknown option %s", a);
			return -1;
		}
		name = a + 2;
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen >= sizeof(nbuf))
			nlen = sizeof(nbuf) - 1;
		memcpy(nbuf, name, nlen);
		nbuf[nlen] = '\0';
		if ((o = ctl_opt_find(opts, nopts, nbuf)) == NULL) {
			snprintf(err, errlen, "unknown option --%s", nbuf);
			return -1;
		}
		o->seen = 1;
		if (!o->has_arg) {
			if (eq != NULL) {
				snprintf(err, errlen, "--%s takes no value", nbuf);
				return -1;
			}
			continue;
		}
		if (eq != NULL)
			o->value = eq + 1;
		else if (i + 1 < argc)
			o->value = argv[++i];
		else {
			snprintf(err, errlen, "--%s needs a value", nbuf);
			return -1;
		}
	}
	*npos = n;
	return 0;
}

/* ---- input ----------------------------------------------------------------- */

enum { RD_UNDECIDED = 0, RD_LINES, RD_BUFLINES, RD_DONE };

void
ctl_trim(const char **p, size_t *len)
{
	const char	*s = *p;
	size_t		 n = *len;

	while (n > 0 && isspace((unsigned char)s[0])) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*p = s;
	*len = n;
}

void
ctl_reader_init(struct ctl_reader *r, FILE *fp)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	od_buf_init(&r->doc);
}

void
ctl_reader_free(struct ctl_reader *r)
{
	if (r == NULL)
		return;
	free(r->line);
	od_buf_free(&r->doc);
	memset(r, 0, sizeof(*r));
}

/* The next raw line (newline kept) from the file or, in RD_BUFLINES, the buffer. */
static int
reader_raw(struct ctl_reader *r, const char **p, size_t *len)
{
	ssize_t		 n;
	const char	*s, *nl;

	if (r->mode == RD_BUFLINES) {
		if (r->bufpos >= r->doc.len)
			return 0;
		s = r->doc.data + r->bufpos;
		nl = memchr(s, '\n', r->doc.len - r->bufpos);
		*len = nl ? (size_t)(nl - s) + 1 : r->doc.len - r->bufpos;
		*p = s;
		r->bufpos += *len;
		r->lineno++;
		return 1;
	}
	errno = 0;
	n = getline(&r->line, &r->linecap, r->fp);
	if (n < 0)
		return ferror(r->fp) ? -1 : 0;
	*p = r->line;
	*len = (size_t)n;
	r->lineno++;
	return 1;
}

static int
item_check(struct ctl_item *it, int line)
{
	json_error_t	 e;
	json_t		*j;

	it->line = line;
	it->bad = 0;
	it->bad_line = 0;
	it->why[0] = '\0';
	j = json_loadb(it->text, it->len, JSON_DECODE_ANY, &e);
	if (j != NULL) {
		json_decref(j);
		return 0;
	}
	it->bad = 1;
	it->bad_line = line + (e.line > 0 ? e.line - 1 : 0);
	snprintf(it->why, sizeof(it->why), "%s", e.text);
	return -1;
}

/* The n-th line (1-based) of s, trimmed. */
static void
nth_line(const char *s, size_t len, int n, const char **lp, size_t *ll)
{
	const char	*end = s + len, *nl;

	while (--n > 0 && s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		s = nl ? nl + 1 : end;
	}
	nl = memchr(s, '\n', (size_t)(end - s));
	*lp = s;
	*ll = nl ? (size_t)(nl - s) : (size_t)(end - s);
	ctl_trim(lp, ll);
}

static int
parses(const char *s, size_t n)
{
	json_t	*j = json_loadb(s, n, JSON_DECODE_ANY, NULL);

	json_decref(j);
	return j != NULL;
}

/*
 * The first line is not JSON by itself: read the whole input and decide
 * whether it is one document (possibly broken) or JSON lines with a bad
 * first line.
 */
static int
reader_decide(struct ctl_reader *r, struct ctl_item *it, const char *first, size_t flen)
{
	json_error_t	 e, le;
	const char	*p, *dp, *lp;
	size_t		 len, dl, ll;
	int		 rc, firstno = r->lineno;

	od_buf_reset(&r->doc);
	if (od_buf_append(&r->doc, first, flen) == -1)
		return -1;
	while ((rc = reader_raw(r, &p, &len)) == 1)
		if (od_buf_append(&r->doc, p, len) == -1)
			return -1;
	if (rc == -1)
		return -1;
	dp = r->doc.data;
	dl = r->doc.len;
	ctl_trim(&dp, &dl);
	it->text = dp;
	it->len = dl;
	if (parses(dp, dl) || memchr(dp, '\n', dl) == NULL) {
		/* one document, good; or the only line, bad */
		r->mode = RD_DONE;
		item_check(it, firstno);
		return 1;
	}
	/* A broken multi-line document: the first line stops short of its end
	 * and the line the whole document fails on is not JSON by itself. */
	lp = r->doc.data;		/* the first line (first itself may be gone) */
	ll = flen;
	ctl_trim(&lp, &ll);
	if (json_loadb(lp, ll, JSON_DECODE_ANY, &le) == NULL &&
	    strstr(le.text, "near end of file") != NULL &&
	    json_loadb(dp, dl, JSON_DECODE_ANY, &e) == NULL && e.line > 1) {
		nth_line(dp, dl, e.line, &lp, &ll);
		if (!parses(lp, ll)) {
			r->mode = RD_DONE;
			item_check(it, firstno);
			return 1;
		}
	}
	/* JSON lines whose first line is bad: go on line by line from the buffer. */
	r->mode = RD_BUFLINES;
	r->lineno = firstno - 1;
	r->bufpos = 0;
	/* the buffer starts at the first non-blank line */
	return ctl_reader_next(r, it);
}

int
ctl_reader_next(struct ctl_reader *r, struct ctl_item *it)
{
	const char	*p, *s;
	size_t		 len, n;
	int		 rc;

	memset(it, 0, sizeof(*it));
	if (r->mode == RD_DONE)
		return 0;
	for (;;) {
		if ((rc = reader_raw(r, &p, &len)) != 1) {
			if (rc == 0)
				r->mode = RD_DONE;
			return rc;
		}
		s = p;
		n = len;
		ctl_trim(&s, &n);
		if (n == 0)
			continue;
		if (r->mode == RD_UNDECIDED) {
			it->text = s;
			it->len = n;
			if (item_check(it, r->lineno) == 0) {
				r->mode = RD_LINES;
				return 1;
			}
			return reader_decide(r, it, p, len);
		}
		it->text = s;
		it->len = n;
		item_check(it, r->lineno);
		return 1;
	}
}

/* ---- event shorthand ------------------------------------------------------- */

struct ev_short {
	const char	*word;		/* as typed */
	const char	*alias;		/* the other spelling */
	const char	*type;		/* in the JSON */
	const char	*argname;	/* "amount", "channel", "until", or NULL */
	const char	*argusage;
};

static const struct ev_short ev_shorts[] = {
	{ "payment",		NULL,			"payment",		"amount",  "AMOUNT" },
	{ "close",		NULL,			"close",		NULL,	   NULL },
	{ "opt-out",		"opt_out",		"opt_out",		"channel", "CHANNEL|all" },
	{ "opt-in",		"opt_in",		"opt_in",		"channel", "CHANNEL|all" },
	{ "dispute",		NULL,			"dispute",		NULL,	   NULL },
	{ "dispute-resolved",	"dispute_resolved",	"dispute_resolved",	NULL,	   NULL },
	{ "promise",		"promise_to_pay",	"promise_to_pay",	"until",   "YYYY-MM-DD" },
	{ "cease",		NULL,			"cease",		NULL,	   NULL },
};

static const struct ev_short *
ev_find(const char *word)
{
	size_t	 i;

	for (i = 0; i < sizeof(ev_shorts) / sizeof(ev_shorts[0]); i++)
		if (strcmp(word, ev_shorts[i].word) == 0 ||
		    (ev_shorts[i].alias && strcmp(word, ev_shorts[i].alias) == 0))
			return &ev_shorts[i];
	return NULL;
}

int
ctl_event_is_shorthand(const char *word)
{
	return ev_find(word) != NULL;
}

/* As the daemon reads amounts: digits, no leading zero, optional fraction, over zero. */
int
ctl_decimal_valid(const char *s)
{
	size_t	 i = 0, f = 0;
	int	 nonzero = 0;

	while (isdigit((unsigned char)s[i]))
		nonzero |= s[i++] != '0';
	if (i == 0 || (i > 1 && s[0] == '0'))
		return 0;
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i + f]))
			nonzero |= s[i + f++] != '0';
		if (f == 0)
			return 0;
		i += f;
	}
	return s[i] == '\0' && nonzero;
}

int
ctl_date_valid(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int	 y, m, d, i, leap;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

char *
ctl_event_build(const char *type, int nargs, char **args, int full, char *err, size_t errlen)
{
	const struct ev_short	*ev;
	json_t			*o;
	char			*out;
	int			 want;

	if ((ev = ev_find(type)) == NULL) {
		if (errlen)
			err[0] = '\0';
		return NULL;
	}
	want = ev->argname ? 2 : 1;
	if (nargs != want) {
		snprintf(err, errlen, "usage: event %s ACCOUNT%s%s%s", ev->word,
		    ev->argusage ? " " : "", ev->argusage ? ev->argusage : "",
		    strcmp(ev->type, "payment") == 0 ? " [--full]" : "");
		return NULL;
	}
	if (args[0][0] == '\0') {
		snprintf(err, errlen, "event %s: empty account id", ev->word);
		return NULL;
	}
	if (full && strcmp(ev->type, "payment") != 0) {
		snprintf(err, errlen, "event %s: --full is only for payment", ev->word);
		return NULL;
	}
	if (strcmp(ev->type, "payment") == 0 && !ctl_decimal_valid(args[1])) {
		snprintf(err, errlen, "event payment: amount \"%s\" is not a decimal "
		    "like 120 or 120.50", args[1]);
		return NULL;
	}
	if (ev->argname && strcmp(ev->argname, "channel") == 0 &&
	    strcmp(args[1], "sms") != 0 && strcmp(args[1], "email") != 0 &&
	    strcmp(args[1], "whatsapp") != 0 && strcmp(args[1], "all") != 0) {
		snprintf(err, errlen, "event %s: channel \"%s\" is not sms, email, "
		    "whatsapp or all", ev->word, args[1]);
		return NULL;
	}
	if (ev->argname && strcmp(ev->argname, "until") == 0 && !ctl_date_valid(args[1])) {
		snprintf(err, errlen, "event %s: \"%s\" is not a date YYYY-MM-DD",
		    ev->word, args[1]);
		return NULL;
	}
	if ((o = json_object()) == NULL)
		goto oom;
	if (json_object_set_new(o, "account_id", json_string(args[0])) == -1 ||
	    json_object_set_new(o, "type", json_string(ev->type)) == -1 ||
	    (ev->argname && json_object_set_new(o, ev->argname, json_string(args[1])) == -1) ||
	    (full && json_object_set_new(o, "full", json_true()) == -1)) {
		json_decref(o);
		snprintf(err, errlen, "event %s: not valid UTF-8", ev->word);
		return NULL;
	}
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (out == NULL)
		goto oom;
	return out;
oom:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* ---- CSV ------------------------------------------------------------------- */

int
ctl_csv_field(struct od_buf *b, const char *s)
{
	if (s == NULL)
		return 0;
	if (strpbrk(s, ",\"\r\n") == NULL)
		return od_buf_puts(b, s);
	od_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			od_buf_putc(b, '"');
		od_buf_putc(b, *s);
	}
	od_buf_putc(b, '"');
	return b->oom ? -1 : 0;
}

/* ---- agreements -------------------------------------------------------------- */

json_t *
ctl_agr_statuses(const json_t *docs)
{
	const json_t	*d;
	const char	*type, *id, *status;
	json_t		*st;
	size_t		 i;

	if ((st = json_object()) == NULL)
		return NULL;
	for (i = 0; i < json_array_size(docs); i++) {
		d = json_array_get(docs, i);
		type = json_string_value(json_object_get(d, "type"));
		id = json_string_value(json_object_get(d, "id"));
		if (type == NULL || id == NULL)
			continue;
		if (strcmp(type, "agreement") == 0) {
			if (json_object_get(st, id) == NULL &&
			    json_object_set_new(st, id, json_string("active")) == -1)
				goto oom;
		} else if (strcmp(type, "outcome") == 0 &&
		    (status = json_string_value(json_object_get(d, "status"))) != NULL) {
			if (json_object_set_new(st, id, json_string(status)) == -1)
				goto oom;
		}
	}
	return st;
oom:
	json_decref(st);
	return NULL;
}

/* ---- tables ---------------------------------------------------------------- */

size_t
ctl_utf8_width(const char *s)
{
	size_t	 w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

const char *
ctl_truncate(const char *s, size_t max, char *buf, size_t len)
{
	size_t	 w = 0, i = 0, keep;

	if (len == 0)
		return buf;
	if (s == NULL)
		s = "";
	if (ctl_utf8_width(s) <= max) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	keep = max > 3 ? max - 3 : 0;
	/* copy keep characters, whole ones only */
	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (w == keep)
				break;
			w++;
		}
		i++;
	}
	if (i + 4 > len) {			/* fit the buffer */
		i = len >= 4 ? len - 4 : 0;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
	}
	memcpy(buf, s, i);
	if (len - i >= 4)
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

void
ctl_table_init(struct ctl_table *t, int ncols, const char *const *headers)
{
	int	 i;

	memset(t, 0, sizeof(*t));
	if (ncols > CTL_TABLE_MAXCOLS)
		ncols = CTL_TABLE_MAXCOLS;
	t->ncols = ncols;
	for (i = 0; i < ncols; i++) {
		t->right[i] = headers[i][0] == '>';
		t->head[i] = headers[i] + t->right[i];
	}
}

void
ctl_table_free(struct ctl_table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

int
ctl_table_add(struct ctl_table *t, const char *const *cells)
{
	char	**nc, *c;
	size_t	 ncap, base;
	int	 i;

	if (t->oom)
		return -1;
	if (t->nrows == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		nc = realloc(t->cells, ncap * (size_t)t->ncols * sizeof(*nc));
		if (nc == NULL) {
			t->oom = 1;
			return -1;
		}
		t->cells = nc;
		t->cap = ncap;
	}
	base = t->nrows * (size_t)t->ncols;
	for (i = 0; i < t->ncols; i++) {
		if ((c = strdup(cells[i] ? cells[i] : "")) == NULL) {
			while (i-- > 0)
				free(t->cells[base + (size_t)i]);
			t->oom = 1;
			return -1;
		}
		for (char *q = c; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = ' ';
		t->cells[base + (size_t)i] = c;
	}
	t->nrows++;
	return 0;
}

static void
table_row(const struct ctl_table *t, FILE *out, const char *const *cells, const size_t *w)
{
	size_t	 cw, pad;
	int	 i, last;

	/* the last column that is not empty: nothing is printed after it */
	for (last = t->ncols - 1; last > 0 && !t->right[last] && cells[last][0] == '\0'; last--)
		;
	for (i = 0; i <= last; i++) {
		cw = ctl_utf8_width(cells[i]);
		pad = w[i] > cw ? w[i] - cw : 0;
		if (i > 0)
			fputs("  ", out);
		if (t->right[i])
			fprintf(out, "%*s", (int)pad, "");
		fputs(cells[i], out);
		if (!t->right[i] && i < last)
			fprintf(out, "%*s", (int)pad, "");
	}
	fputc('\n', out);
}

void
ctl_table_print(const struct ctl_table *t, FILE *out, int noheader)
{
	size_t	 w[CTL_TABLE_MAXCOLS], r, cw;
	int	 i;

	for (i = 0; i < t->ncols; i++)
		w[i] = noheader ? 0 : ctl_utf8_width(t->head[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			cw = ctl_utf8_width(t->cells[r * (size_t)t->ncols + (size_t)i]);
			if (cw > w[i])
				w[i] = cw;
		}
	if (!noheader)
		table_row(t, out, t->head, w);
	for (r = 0; r < t->nrows; r++)
		table_row(t, out, (const char *const *)&t->cells[r * (size_t)t->ncols], w);
}

const char *
ctl_json_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}
