/*
 * outreachd: the collection-outreach dispatcher daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_confset.h"
#include "od_daemon.h"
#include "od_log.h"
#include "od_time.h"
#include "od_tz.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: outreachd [--config FILE] [--redis URL] [--prefix P] [--check]\n"
	    "                 [--clock-offset DURATION] [--once] [--debug]\n"
	    "       outreachd --version\n"
	    "\n"
	    "  --config FILE         configuration (default $OUTREACHD_CONFIG or\n"
	    "                        /etc/outreachd/outreachd.yaml)\n"
	    "  --redis URL           redis://host:port[/db] or unix:/path (over $OUTREACHD_REDIS\n"
	    "                        and the file)\n"
	    "  --prefix P            Redis key prefix (over $OUTREACHD_PREFIX and the file)\n"
	    "  --check               validate configuration, policies, templates and rules;\n"
	    "                        print \"configuration OK\" or every error, and exit\n"
	    "  --clock-offset D      run the clock D ahead (\"36h\", \"-2d\"); for tests and\n"
	    "                        rehearsals ($OUTREACHD_CLOCK_OFFSET)\n"
	    "  --once                exit when nothing more is due (demos, batch runs)\n"
	    "  --debug               log at debug level\n"
	    "  --version             print the version and exit\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "redis", required_argument, NULL, 'r' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'k' },
		{ "clock-offset", required_argument, NULL, 'o' },
		{ "once", no_argument, NULL, '1' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct od_config_overrides	 ov;
	struct od_daemon		 d;
	struct od_confset		 set;
	struct od_errors		 errs;
	const char			*config = NULL, *offset = getenv("OUTREACHD_CLOCK_OFFSET");
	char				 err[512];
	int64_t				 off;
	int				 c, check = 0, once = 0, debug = 0;

	memset(&ov, 0, sizeof(ov));
	while ((c = getopt_long(argc, argv, "c:r:p:kho:1dV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'r': ov.redis_url = optarg; break;
		case 'p': ov.prefix = optarg; break;
		case 'k': check = 1; break;
		case 'o': offset = optarg; break;
		case '1': once = 1; break;
		case 'd': debug = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("outreachd %s\n", OD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config == NULL)
		config = od_config_default_path();
	if (offset != NULL && offset[0] != '\0') {
		if (od_duration_parse(offset, &off) == -1) {
			fprintf(stderr, "outreachd: bad clock offset '%s' (e.g. 36h, -2d)\n", offset);
			return 2;
		}
		od_clock_set_offset_ms(off);
	}
	if (check) {
		od_errors_init(&errs);
		c = od_confset_load(config, &ov, OD_CONFSET_GATEWAYS, &set, &errs);
		/* the calendars against the daemon's clock (--clock-offset included) */
		if (c == 0 && od_rules_check_calendars(set.rules, od_now_ms(), &errs) > 0) {
			od_confset_free(&set);
			c = -1;
		}
		if (c == 0 && set.cfg.identity_key_file == NULL && set.cfg.identity_key_env == NULL)
			od_errors_warn(&errs, set.cfg.file, 1, 1, "identity: no key_file or key_env: "
			    "debtor.id is hashed with a public key, which hides a document number "
			    "from a casual look only (docs/configuration.md, identity)");
		if (c == -1) {
			od_errors_print(&errs, stderr);
			fprintf(stderr, "%zu error(s)\n", errs.count);
			od_errors_clear(&errs);
			od_tz_cache_free();
			return 1;
		}
		od_errors_print(&errs, stderr);
		od_errors_clear(&errs);
		od_confset_free(&set);
		od_tz_cache_free();
		printf("configuration OK\n");
		return 0;
	}
	if (od_daemon_init(&d, config, &ov, err, sizeof(err)) == -1) {
		od_log_err("daemon", "%s", err);
		od_daemon_free(&d);
		return 1;
	}
	if (debug)
		od_log_set_level(OD_LOG_DEBUG);
	d.exit_after_idle = once;
	d.env.once = once;
	od_daemon_run(&d);
	od_daemon_free(&d);
	return 0;
}
