/*
 * ctl_send: pipelined XADDs of an input stream to <prefix>:inbox.
 *
 * Commands are appended in windows of CTL_WINDOW, then their replies read;
 * one round trip per window keeps a local Redis well over 10,000 entries a
 * second.  Depends on nothing but hiredis and ctl_util.c, so tests/test_ctl.c
 * runs it against a real redis-server.
 */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CTL_WINDOW	1000

struct send_state {
	long	 ok;		/* XADDs Redis accepted */
	long	 refused;	/* error replies */
	char	 first[256];	/* the first error reply */
};

/* Reads n replies.  -1 when the connection failed. */
static int
send_drain(redisContext *rc, int n, struct send_state *st)
{
	redisReply	*r;
	void		*rp;

	while (n-- > 0) {
		if (redisGetReply(rc, &rp) != REDIS_OK)
			return -1;
		r = rp;
		if (r->type == REDIS_REPLY_ERROR) {
			if (st->refused++ == 0)
				snprintf(st->first, sizeof(st->first), "%s", r->str);
		} else
			st->ok++;
		freeReplyObject(r);
	}
	return 0;
}

int
ctl_enqueue_stream(redisContext *rc, const char *prefix, const char *kind,
    FILE *fp, const char *name, FILE *errout, long *sent, long *bad)
{
	struct ctl_reader	 rd;
	struct ctl_item		 it;
	struct send_state	 st;
	char			 key[512];
	const char		*argv[7];
	size_t			 argvlen[7];
	int			 n, window = 0, ret = 0;

	memset(&st, 0, sizeof(st));
	*sent = *bad = 0;
	snprintf(key, sizeof(key), "%s:inbox", prefix);
	argv[0] = "XADD";
	argv[1] = key;
	argv[2] = "*";
	argv[3] = "kind";
	argv[4] = kind;
	argv[5] = "body";
	for (n = 0; n < 6; n++)
		argvlen[n] = strlen(argv[n]);

	ctl_reader_init(&rd, fp);
	while ((n = ctl_reader_next(&rd, &it)) == 1) {
		if (it.bad) {
			fprintf(errout, "%s:%d: not JSON: %s\n", name, it.bad_line, it.why);
			(*bad)++;
		}
		argv[6] = it.text;
		argvlen[6] = it.len;
		/* hiredis formats the command now: it.text need not outlive this */
		if (redisAppendCommandArgv(rc, 7, argv, argvlen) != REDIS_OK)
			goto conn;
		if (++window == CTL_WINDOW) {
			if (send_drain(rc, window, &st) == -1)
				goto conn;
			window = 0;
		}
	}
	if (n == -1) {
		fprintf(errout, "outreachctl: %s: %s\n", name, strerror(errno));
		ret = -1;
	}
	if (send_drain(rc, window, &st) == -1)
		goto conn;
	if (st.refused > 0) {
		fprintf(errout, "outreachctl: Redis refused %ld entr%s: %s\n", st.refused,
		    st.refused == 1 ? "y" : "ies", st.first);
		ret = -1;
	}
	*sent = st.ok;
	ctl_reader_free(&rd);
	return ret;
conn:
	fprintf(errout, "outreachctl: Redis: %s\n", rc->errstr[0] ? rc->errstr : "connection lost");
	*sent = st.ok;
	ctl_reader_free(&rd);
	return -1;
}
