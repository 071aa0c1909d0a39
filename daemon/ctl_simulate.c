/*
 * outreachctl simulate: what the daemon would send to a file of accounts over
 * N days, without Redis or gateways (od_sim.h does the work).
 */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "od_confset.h"
#include "od_sim.h"
#include "od_time.h"

struct sim_progress {
	int	last;		/* per mille shown */
};

static void
sim_progress_cb(int64_t done, int64_t total, void *arg)
{
	struct sim_progress	*p = arg;
	int			 pm = total > 0 ? (int)(done * 1000 / total) : 1000, i, w;

	if (pm == p->last)
		return;
	p->last = pm;
	w = pm * 40 / 1000;
	fputs("\rsimulating [", stderr);
	for (i = 0; i < 40; i++)
		fputc(i < w ? '#' : ' ', stderr);
	fprintf(stderr, "] %3d%%", pm / 10);
	if (pm >= 1000)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* Feeds every item of path to add; bad ones are reported as "PATH:LINE: kind rejected: reason". */
static int
sim_read(struct ctl *c, const char *path, const char *kind, struct od_sim *s,
    int (*add)(struct od_sim *, const char *, size_t, char *, size_t), long *bad)
{
	struct ctl_reader	 r;
	struct ctl_item		 it;
	FILE			*fp;
	char			 reason[512];
	int			 rc;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		ctl_errx(c, "%s: %s", path, strerror(errno));
		return -1;
	}
	ctl_reader_init(&r, fp);
	while ((rc = ctl_reader_next(&r, &it)) == 1) {
		if (it.bad) {
			fprintf(stderr, "%s:%d: %s rejected: body: invalid JSON: %s\n", path,
			    it.bad_line, kind, it.why);
			(*bad)++;
			continue;
		}
		if (add(s, it.text, it.len, reason, sizeof(reason)) == -1) {
			fprintf(stderr, "%s:%d: %s rejected: %s\n", path, it.line, kind, reason);
			(*bad)++;
		}
	}
	if (rc == -1)
		ctl_errx(c, "%s: %s", path, strerror(errno));
	ctl_reader_free(&r);
	if (fp != stdin)
		fclose(fp);
	return rc == -1 ? -1 : 0;
}

static int
sim_parse_uint(const char *s, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

int
ctl_cmd_simulate(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "accounts", 1, 0, NULL }, { "from", 1, 0, NULL }, { "days", 1, 0, NULL },
		{ "policy", 1, 0, NULL }, { "events", 1, 0, NULL }, { "format", 1, 0, NULL },
		{ "timeline", 0, 0, NULL }, { "summary-only", 0, 0, NULL },
		{ "limit-accounts", 1, 0, NULL },
	};
	const size_t		 nopts = sizeof(opts) / sizeof(opts[0]);
	struct od_config_overrides ov;
	struct od_sim_options	 o;
	struct od_confset	 set;
	struct od_errors	 errs;
	struct od_sim_writer	 w;
	struct sim_progress	 prog = { -1 };
	struct od_sim		*s;
	struct ctl_opt		*op;
	enum od_sim_format	 fmt = OD_SIM_TABLE;
	const char		*path;
	char			 err[512];
	long			 days, limit = 0, bad = 0;
	int			 npos, y, m, d, timeline, summary, rc;

	if (ctl_args_scan(argc, argv, opts, nopts, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "simulate", "%s", err);
	if (npos > 0)
		return ctl_usage_error(c, "simulate", "unexpected argument \"%s\"", argv[0]);
	if (!(op = ctl_opt_find(opts, nopts, "accounts"))->seen)
		return ctl_usage_error(c, "simulate", "--accounts FILE is required");
	if (!(op = ctl_opt_find(opts, nopts, "from"))->seen ||
	    od_date_parse(op->value, &y, &m, &d) == -1)
		return ctl_usage_error(c, "simulate", "--from YYYY-MM-DD is required (a real date)");
	if (!(op = ctl_opt_find(opts, nopts, "days"))->seen || sim_parse_uint(op->value, 3660,
	    &days) == -1)
		return ctl_usage_error(c, "simulate", "--days N is required (1 to 3660)");
	if ((op = ctl_opt_find(opts, nopts, "limit-accounts"))->seen &&
	    sim_parse_uint(op->value, 1000000000L, &limit) == -1)
		return ctl_usage_error(c, "simulate", "--limit-accounts must be a positive number");
	if ((op = ctl_opt_find(opts, nopts, "format"))->seen) {
		if (strcmp(op->value, "table") == 0)
			fmt = OD_SIM_TABLE;
		else if (strcmp(op->value, "csv") == 0)
			fmt = OD_SIM_CSV;
		else if (strcmp(op->value, "json") == 0)
			fmt = OD_SIM_JSON;
		else
			return ctl_usage_error(c, "simulate", "--format must be table, csv or json");
	}
	timeline = ctl_opt_find(opts, nopts, "timeline")->seen;
	summary = ctl_opt_find(opts, nopts, "summary-only")->seen;
	if (timeline && summary)
		return ctl_usage_error(c, "simulate", "--timeline and --summary-only exclude each other");
	if (!timeline && !summary)
		timeline = summary = 1;		/* both, by default */

	path = c->config_path ? c->config_path : od_config_default_path();
	memset(&ov, 0, sizeof(ov));
	od_errors_init(&errs);
	if (od_confset_load(path, &ov, 0, &set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		od_errors_clear(&errs);
		ctl_errx(c, "cannot load the configuration %s", path);
		return CTL_EXIT_FAIL;
	}
	od_errors_clear(&errs);
	memset(&o, 0, sizeof(o));
	o.from_ms = od_days_from_civil(y, m, d) * 86400000LL;
	o.days = (int)days;
	o.policy = ctl_opt_find(opts, nopts, "policy")->value;
	o.limit_accounts = (size_t)limit;
	if ((s = od_sim_new(&set, &o, err, sizeof(err))) == NULL) {
		ctl_errx(c, "%s", err);
		od_confset_free(&set);
		return CTL_EXIT_USAGE;
	}
	rc = sim_read(c, ctl_opt_find(opts, nopts, "accounts")->value, "account", s,
	    od_sim_add_account, &bad);
	if (rc == 0 && (op = ctl_opt_find(opts, nopts, "events"))->seen)
		rc = sim_read(c, op->value, "event", s, od_sim_add_event, &bad);
	if (rc == 0) {
		od_sim_writer_init(&w, stdout, fmt, s);
		rc = od_sim_run(s, timeline ? od_sim_write_entry : NULL, &w,
		    isatty(STDERR_FILENO) ? sim_progress_cb : NULL, &prog);
		if (rc == -1)
			ctl_errx(c, "out of memory");
		else if (summary)
			od_sim_write_summary(&w, od_sim_summary(s));
	}
	od_sim_free(s);
	od_confset_free(&set);
	if (rc == -1)
		return CTL_EXIT_FAIL;
	return bad > 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}
