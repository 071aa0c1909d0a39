/*
 * ctl_enqueue: "enqueue FILE|-" and "event FILE|- | event TYPE ACCOUNT ...".
 * Validation is the daemon's (bad documents land in <prefix>:rejected with
 * their reason); here only "not JSON at all" is reported, by line.
 */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends FILE|- as kind; prints "enqueued N <noun>s (M not JSON)". */
static int
enqueue_file(struct ctl *c, const char *kind, const char *noun,
    const char *path)
{
	redisContext	*rc;
	FILE		*fp;
	const char	*name;
	long		 sent = 0, bad = 0;
	int		 ret;

	if (strcmp(path, "-") == 0) {
		fp = stdin;
		name = "<stdin>";
	} else {
		if ((fp = fopen(path, "r")) == NULL) {
			ctl_errx(c, "%s: %s", path, strerror(errno));
			return CTL_EXIT_FAIL;
		}
		name = path;
	}
	if ((rc = ctl_redis(c)) == NULL) {
		if (fp != stdin)
			fclose(fp);
		return CTL_EXIT_FAIL;
	}
	ret = ctl_enqueue_stream(rc, c->prefix, kind, fp, name, stderr, &sent, &bad);
	if (fp != stdin)
		fclose(fp);
	printf("enqueued %ld %s%s (%ld not JSON)\n", sent, noun, sent == 1 ? "" : "s", bad);
	return ret == 0 && bad == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

int
ctl_cmd_enqueue(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL } };
	char		 err[128];
	int		 npos;

	if (ctl_args_scan(argc, argv, opts, 1, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "enqueue", "enqueue: %s", err);
	if (npos != 1)
		return ctl_usage_error(c, "enqueue", "enqueue: %s",
		    npos == 0 ? "no FILE given (- for standard input)" : "one FILE only");
	return enqueue_file(c, "account", "account", argv[0]);
}

int
ctl_cmd_event(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt	 opts[] = { { "help", 0, 0, NULL }, { "full", 0, 0, NULL } };
	redisContext	*rc;
	redisReply	*r;
	const char	*av[7];
	size_t		 avlen[7];
	char		 err[256], key[512], *json;
	int		 npos, i, full;

	if (ctl_args_scan(argc, argv, opts, 2, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "event", "event: %s", err);
	full = opts[1].seen;
	if (npos == 0)
		return ctl_usage_error(c, "event", "event: no FILE or event type given");
	if (!ctl_event_is_shorthand(argv[0])) {
		if (npos != 1)
			return ctl_usage_error(c, "event", "event: \"%s\" is not an event "
			    "type (payment, close, opt-out, opt-in, dispute, dispute-resolved, "
			    "promise, cease)", argv[0]);
		if (full)
			return ctl_usage_error(c, "event", "event: --full is only for "
			    "event payment");
		return enqueue_file(c, "event", "event", argv[0]);
	}
	if ((json = ctl_event_build(argv[0], npos - 1, argv + 1, full, err,
	    sizeof(err))) == NULL)
		return ctl_usage_error(c, "event", "%s", err);
	if ((rc = ctl_redis(c)) == NULL) {
		free(json);
		return CTL_EXIT_FAIL;
	}
	av[0] = "XADD";
	av[1] = ctl_key(c, "inbox", key, sizeof(key));
	av[2] = "*";
	av[3] = "kind";
	av[4] = "event";
	av[5] = "body";
	av[6] = json;
	for (i = 0; i < 7; i++)
		avlen[i] = strlen(av[i]);
	r = redisCommandArgv(rc, 7, av, avlen);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		ctl_errx(c, "XADD %s: %s", key, r ? r->str : rc->errstr);
		freeReplyObject(r);
		free(json);
		return CTL_EXIT_FAIL;
	}
	printf("enqueued event %s as %s\n", json, r->type == REDIS_REPLY_STRING ? r->str : "?");
	freeReplyObject(r);
	free(json);
	return CTL_EXIT_OK;
}
