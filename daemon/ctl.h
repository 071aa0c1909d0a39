/*
 * ctl: outreachctl, the operator's tool.
 *
 * outreachctl.c holds main, the global options and the command table;
 * ctl_util.c the pure helpers (Redis URL, input splitting, event shorthand,
 * agreement statuses, CSV fields, tables), tested by tests/test_ctl.c;
 * ctl_enqueue.c the enqueue and event commands; ctl_show.c status, attempts
 * and rejected; ctl_agreements.c an account's agreements (P:agr:<account>);
 * ctl_handoff.c the placed accounts and their files (P:handoff).
 *
 * Exit status of every command: 0 done, 1 failed (or some input was bad),
 * 2 usage error.
 */
#ifndef OD_CTL_H
#define OD_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "od_buf.h"

#define CTL_EXIT_OK	0
#define CTL_EXIT_FAIL	1
#define CTL_EXIT_USAGE	2

/* ---- Redis address ------------------------------------------------------ */

/* ---- the running tool ----------------------------------------------------- */

struct ctl {
	const char	*progname;	/* "outreachctl" */
	char		*config_path;	/* --config, or NULL (the default path) */
	int		 config_explicit;
	char		*redis_url;	/* resolved */
	char		*prefix;	/* resolved, default "outreach" */
	int		 redis_from_cli;	/* --redis was given */
	char		*opt_redis;	/* --redis as given */
	char		*opt_prefix;	/* --prefix as given */
	int		 resolved;	/* config read (or fallen back) */
	redisContext	*redis;		/* connected on first ctl_redis() */
};

/*
 * The Redis connection, connected on first use (config resolved first).
 * NULL after printing a one-line error to stderr.
 */
redisContext	*ctl_redis(struct ctl *c);
/* Reads the configuration (or falls back); 0, or -1 after printing errors. */
int		 ctl_resolve(struct ctl *c);
/* A JSON value as text: a string as it is, a whole number printed into buf, else NULL. */
const char	*ctl_json_text(const json_t *v, char *buf, size_t len);
/* "<prefix>:<suffix>" in buf. */
const char	*ctl_key(const struct ctl *c, const char *suffix, char *buf, size_t len);
/* Prints "outreachctl: <msg>" to stderr. */
void		 ctl_errx(const struct ctl *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Prints the command's usage to stderr and returns CTL_EXIT_USAGE. */
int		 ctl_usage_error(const struct ctl *c, const char *cmd, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* ---- command arguments ---------------------------------------------------- */

/*
 * A tiny scanner for a command's own arguments: flags (--json), options with
 * a value (--count N, --count=N) and positionals.  "-" is a positional,
 * "--" ends the options.
 */
struct ctl_opt {
	const char	*name;		/* "json", "count" */
	int		 has_arg;
	int		 seen;
	const char	*value;
};

/*
 * Fills opts[] and moves the positionals to the front of argv (order kept),
 * setting *npos.  Returns 0, or -1 with the reason in err ("unknown option
 * --x", "--count needs a value").
 */
int	ctl_args_scan(int argc, char **argv, struct ctl_opt *opts, size_t nopts,
	    int *npos, char *err, size_t errlen);
struct ctl_opt *ctl_opt_find(struct ctl_opt *opts, size_t nopts, const char *name);

/* ---- input: one JSON document, or JSON lines ------------------------------ */

struct ctl_item {
	const char	*text;		/* borrowed until the next ctl_reader_next */
	size_t		 len;		/* trimmed of surrounding white space */
	int		 line;		/* 1-based line where the text starts */
	int		 bad;		/* 1 when not JSON */
	int		 bad_line;	/* the line jansson complained about */
	char		 why[160];	/* jansson's message when bad */
};

struct ctl_reader {
	FILE		*fp;		/* borrowed */
	char		*line;		/* getline buffer */
	size_t		 linecap;
	int		 lineno;
	int		 mode;		/* undecided, lines from fp, lines from doc, done */
	struct od_buf	 doc;		/* the rest of the input once read whole */
	size_t		 bufpos;	/* in mode 2: where the next line starts in doc */
};

void	ctl_reader_init(struct ctl_reader *r, FILE *fp);
void	ctl_reader_free(struct ctl_reader *r);
/*
 * The next item: 1 and *it filled, 0 at the end, -1 on a read error (errno).
 * The input is one JSON value (possibly over many lines), else JSON lines:
 * one value a line, blank lines skipped.  A non-JSON item is still returned
 * (bad = 1), for the daemon records it in <prefix>:rejected.
 */
int	ctl_reader_next(struct ctl_reader *r, struct ctl_item *it);

/* Trims ASCII white space on both ends: *p, *len adjusted. */
void	ctl_trim(const char **p, size_t *len);

/* ---- event shorthand ------------------------------------------------------ */

/*
 * Builds the event JSON for "event TYPE ACCOUNT [ARG] [--full]":
 *   payment ACCOUNT AMOUNT [--full], close ACCOUNT, opt-out ACCOUNT CHANNEL|all,
 *   opt-in ACCOUNT CHANNEL|all, dispute ACCOUNT, dispute-resolved ACCOUNT,
 *   promise ACCOUNT YYYY-MM-DD, cease ACCOUNT.
 * args[0] is the account, args[1] the argument when the type takes one.
 * Returns a malloc'd compact JSON string, or NULL with the reason in err.
 * A type that is not a shorthand returns NULL with err "" (so the caller
 * may take the word as a file name).
 */
char	*ctl_event_build(const char *type, int nargs, char **args, int full,
	    char *err, size_t errlen);
int	ctl_event_is_shorthand(const char *word);
int	ctl_decimal_valid(const char *s);	/* "120", "0.50"; not "0", "012", "1e3": 1 or 0 */
int	ctl_date_valid(const char *s);		/* a real YYYY-MM-DD: 1 or 0 */

/* ---- tables ---------------------------------------------------------------- */

#define CTL_TABLE_MAXCOLS	12

struct ctl_table {
	int		 ncols;
	const char	*head[CTL_TABLE_MAXCOLS];
	int		 right[CTL_TABLE_MAXCOLS];	/* 1: right-aligned (numbers) */
	char		**cells;			/* nrows * ncols, owned */
	size_t		 nrows;
	size_t		 cap;
	int		 oom;
};

/* headers: ncols strings (borrowed); a header starting with '>' is right-aligned. */
void	ctl_table_init(struct ctl_table *t, int ncols, const char *const *headers);
void	ctl_table_free(struct ctl_table *t);
/* Adds a row of ncols cells (copied; NULL is ""); control characters become spaces. */
int	ctl_table_add(struct ctl_table *t, const char *const *cells);
/*
 * Prints the header (unless noheader) and the rows, columns two spaces
 * apart, widths in characters (UTF-8), no trailing spaces.
 */
void	ctl_table_print(const struct ctl_table *t, FILE *out, int noheader);

/*
 * Appends s to b as one CSV field (RFC 4180): in double quotes, inner quotes
 * doubled, when it holds a comma, a double quote, CR or LF; else as it is.
 * NULL is the empty field.
 */
int	ctl_csv_field(struct od_buf *b, const char *s);

/* Display width of a UTF-8 string, in code points. */
size_t	ctl_utf8_width(const char *s);
/* Copies s into buf, cut to at most max characters ("..." ending when cut). */
const char *ctl_truncate(const char *s, size_t max, char *buf, size_t len);

/* ---- commands ------------------------------------------------------------ */

int	ctl_cmd_enqueue(struct ctl *c, int argc, char **argv);
int	ctl_cmd_event(struct ctl *c, int argc, char **argv);
int	ctl_cmd_status(struct ctl *c, int argc, char **argv);
int	ctl_cmd_attempts(struct ctl *c, int argc, char **argv);
int	ctl_cmd_rejected(struct ctl *c, int argc, char **argv);
int	ctl_cmd_simulate(struct ctl *c, int argc, char **argv);	/* ctl_simulate.c */
int	ctl_cmd_validate(struct ctl *c, int argc, char **argv);
int	ctl_cmd_preview(struct ctl *c, int argc, char **argv);
int	ctl_cmd_reload(struct ctl *c, int argc, char **argv);
int	ctl_cmd_agreements(struct ctl *c, int argc, char **argv);	/* ctl_agreements.c */
int	ctl_cmd_conversations(struct ctl *c, int argc, char **argv);	/* ctl_conversations.c */
int	ctl_cmd_handoff(struct ctl *c, int argc, char **argv);		/* ctl_handoff.c */
int	ctl_cmd_link(struct ctl *c, int argc, char **argv);		/* ctl_link.c */

/* ---- the negotiation lifecycle ----------------------------------------------- */

/*
 * The statuses of the agreements in docs, an array of the documents of
 * P:agr:<account> oldest first: a new object mapping each agreement's id to
 * the status of the last outcome naming it, "active" when none (a new
 * reference; NULL when out of memory).  Other members are left alone.
 */
json_t	*ctl_agr_statuses(const json_t *docs);

/*
 * Sends every item of fp to <prefix>:inbox as kind, pipelined in windows of
 * 1000.  name is used in "NAME:LINE: not JSON: ..." lines written to errout.
 * Sets *sent and *bad.  Returns 0, or -1 after a Redis error (printed).
 */
int	ctl_enqueue_stream(redisContext *rc, const char *prefix, const char *kind,
	    FILE *fp, const char *name, FILE *errout, long *sent, long *bad);

#endif /* OD_CTL_H */
