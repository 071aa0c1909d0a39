/*
 * outreachctl: the operator's tool.  Global options, the command table,
 * configuration and the Redis connection; the commands live in ctl_*.c.
 *
 * Adding a command is one line in ctl_commands[] plus its function.
 */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "od_config.h"
#include "od_queue.h"
#include "od_error.h"
#include "od_time.h"

#define CTL_DEFAULT_REDIS	"redis://127.0.0.1:6379"
#define CTL_DEFAULT_PREFIX	"outreach"

struct ctl_command {
	const char	*name;
	int		(*run)(struct ctl *c, int argc, char **argv);
	const char	*synopsis;	/* after "outreachctl [options] " */
	const char	*summary;	/* one line, for the command list */
	const char	*help;		/* the rest of "help CMD" */
};

static const struct ctl_command ctl_commands[] = {
	{ "enqueue", ctl_cmd_enqueue, "enqueue FILE|-",
	  "send account documents to the inbox",
	  "FILE holds one JSON account document, or JSON lines (one a line; blank\n"
	  "lines skipped); - reads standard input.  Each goes to <prefix>:inbox as\n"
	  "kind=account.  A line that is not JSON is reported as FILE:LINE and\n"
	  "still sent (the daemon records it in <prefix>:rejected); the exit\n"
	  "status is then 1.\n" },
	{ "event", ctl_cmd_event, "event FILE|- | event TYPE ACCOUNT [ARG] [--full]",
	  "send events: payments, opt-outs, disputes...",
	  "With FILE, as enqueue but kind=event.  Shorthands build the JSON:\n"
	  "  event payment ACCOUNT AMOUNT [--full]   (AMOUNT a decimal: 120.50)\n"
	  "  event close ACCOUNT\n"
	  "  event opt-out ACCOUNT sms|email|whatsapp|all\n"
	  "  event opt-in ACCOUNT sms|email|whatsapp|all\n"
	  "  event dispute ACCOUNT\n"
	  "  event dispute-resolved ACCOUNT\n"
	  "  event promise ACCOUNT YYYY-MM-DD\n"
	  "  event cease ACCOUNT\n"
	  "(A file named like a shorthand is given as ./NAME.)\n" },
	{ "status", ctl_cmd_status, "status [--json]",
	  "inbox, backlog and queue counts",
	  "Inbox length, the outreachd group's pending entries and lag, accounts,\n"
	  "actions due now, scheduled and in flight, rejected and attempts.\n" },
	{ "attempts", ctl_cmd_attempts, "attempts ACCOUNT [--json]",
	  "an account's attempt history",
	  "Every recorded attempt of ACCOUNT, oldest first (<prefix>:hist:ACCOUNT),\n"
	  "and the lifecycle records among them (promise_made, promise_kept,\n"
	  "promise_broken, promise_refused, agreement, plan_broken, plan_completed,\n"
	  "handoff, recall: no channel; an AGREEMENT column and their detail).\n"
	  "--json prints the records as JSON lines.\n" },
	{ "agreements", ctl_cmd_agreements, "agreements ACCOUNT [--json]",
	  "an account's promises, plans and settlements",
	  "Every agreement of ACCOUNT, oldest first (<prefix>:agr:ACCOUNT): its id,\n"
	  "kind, when it was made, total, status (the last outcome naming it;\n"
	  "\"active\" when none), the evidence (source, channel, agent, when, the\n"
	  "text or token shortened), what it replaces and what replaced it, its\n"
	  "outcomes and its schedule.  --json prints every document of the list as\n"
	  "JSON lines, each agreement with its \"status\" added.  Exit 1 when the\n"
	  "account has no agreements or is not known.\n" },
	{ "conversations", ctl_cmd_conversations, "conversations ACCOUNT [--json]",
	  "what an account was told and answered",
	  "The thread of ACCOUNT, oldest first, from its history (<prefix>:hist:ACCOUNT):\n"
	  "-> what was sent (an SMS's or WhatsApp's text, an email's subject), <- the\n"
	  "debtor's replies and what they meant, * what came of them (a promise, an\n"
	  "agreement, a person asked for...).  --json prints those records as JSON\n"
	  "lines.  What was held back is in `outreachctl attempts`.\n" },
	{ "handoff", ctl_cmd_handoff,
	  "handoff list [--placement NAME] [--json] | handoff export --format csv|jsonl "
	  "[--placement NAME] [--output FILE]",
	  "accounts placed with an agency, and their files",
	  "The accounts placed (<prefix>:handoff): each one's newest placement, while\n"
	  "its state is still \"placed\" (an account recalled since is left out).\n"
	  "  list    account, placement, when, balance, currency, attempts (messages\n"
	  "          tried), agreements, reason; --json: JSON lines\n"
	  "  export  the files an agency receives: jsonl, one line per account (its\n"
	  "          file, the entry's account_id, placement, ts, balance, currency\n"
	  "          and reason added first); csv (RFC 4180, CRLF, header line):\n"
	  "          account_id, placement, ts, debtor_name, phone, email, balance,\n"
	  "          currency, due_date, days_past_due, attempts, last_attempt_ts,\n"
	  "          agreements, broken_promises, reason.  --output FILE writes\n"
	  "          FILE.part (mode 0600) and renames it to FILE once complete.\n"
	  "--placement NAME: only the accounts placed with NAME.\n" },
	{ "link", ctl_cmd_link, "link make ACCOUNT [--offer ID] [--ttl D] | link verify TOKEN|URL",
	  "payment links: make one, or check one",
	  "make: a signed link to ACCOUNT's balance (for links.max_ttl, or D when\n"
	  "shorter), or with --offer to a named offer it was made and that still\n"
	  "stands; stores the account's ref in Redis and prints the URL.  verify: the\n"
	  "token's fields, its key, signature and expiry (exit 1 unless it would be\n"
	  "honoured).  Both need links: in the configuration (docs/payment-links.md).\n" },
	{ "rejected", ctl_cmd_rejected, "rejected [--count N] [--json]",
	  "the newest rejected inbox entries",
	  "The newest N (default 20) entries of <prefix>:rejected, newest first,\n"
	  "with the reason.  --json prints them as JSON lines, bodies whole.\n" },
	{ "simulate", ctl_cmd_simulate, "simulate --accounts FILE --from YYYY-MM-DD --days N [--policy NAME] [--events FILE] [--format table|csv|json] [--timeline|--summary-only] [--limit-accounts K]", "what would be sent, on a virtual clock (no Redis)", "Runs the daemon's decisions (policies, holds, contact rules, consent,\nopt-outs, fallbacks, templates) for the accounts in FILE (JSON lines) over\nN days from YYYY-MM-DD 00:00 UTC; every send is taken as accepted.\nEVENTS holds event documents with an \"at\" instant (ISO 8601).  Bad lines\nare reported on stderr (exit status 1).  Default: the timeline, then the\nsummary; --timeline or --summary-only prints only one.  See docs/simulate.md.\n" },
	{ "reload", ctl_cmd_reload, "reload [--admin HOST:PORT]",
	  "make the running daemon reload its configuration set",
	  "POSTs /reload to the daemon's admin server (admin.address and\n"
	  "admin.port of the configuration, or --admin; OUTREACHD_ADMIN_TOKEN for\n"
	  "its bearer token) and prints the outcome: \"reloaded ...\", or every\n"
	  "error as file:line:col and \"reload refused\" (exit 1; the running\n"
	  "set stays).  Under systemd, systemctl reload outreachd does the same.\n" },
	{ "validate", ctl_cmd_validate, "validate",
	  "check the configuration, policies, templates, rules and gateways",
	  "Loads everything the daemon would, as one set, and prints\n"
	  "\"configuration OK\" or every error as file:line:col: message.\n" },
	{ "preview", ctl_cmd_preview,
	  "preview --account FILE --step NAME [--policy NAME] [--at ISO8601]",
	  "render a step's messages for an account, on every channel of the step",
	  "Prints what each channel of the step would send to the account (its\n"
	  "policy, or --policy), rendered in the debtor's locale at --at (default\n"
	  "now).  SMS shows its encoding and segments, and the GSM-7\n"
	  "transliteration when it differs.  Exit 1 if any channel cannot render.\n" },
};
#define CTL_NCOMMANDS	(sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static const struct ctl_command *
ctl_command_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < CTL_NCOMMANDS; i++)
		if (strcmp(ctl_commands[i].name, name) == 0)
			return &ctl_commands[i];
	return NULL;
}

static void
ctl_print_usage(FILE *out)
{
	size_t	 i;

	fprintf(out,
	    "usage: outreachctl [--config FILE] [--redis URL] [--prefix P] COMMAND [ARGS]\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < CTL_NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", ctl_commands[i].name, ctl_commands[i].summary);
	fprintf(out,
	    "  %-10s %s\n"
	    "\n"
	    "options:\n"
	    "  --config FILE  configuration (default $OUTREACHD_CONFIG or\n"
	    "                 /etc/outreachd/outreachd.yaml)\n"
	    "  --redis URL    redis://host:port[/db] or unix:/path (over the config;\n"
	    "                 without a config: $OUTREACHD_REDIS or %s)\n"
	    "  --prefix P     key prefix (default \"%s\")\n"
	    "  --help         this text\n"
	    "  --version      the version\n"
	    "\n"
	    "environment: OUTREACHD_CONFIG, OUTREACHD_REDIS, OUTREACHD_PREFIX,\n"
	    "OUTREACHD_CLOCK_OFFSET (\"due now\" as a daemon run with that offset sees it)\n"
	    "\n"
	    "exit status: 0 done, 1 failed or bad input, 2 usage error\n",
	    "help", "help [COMMAND]: usage of a command",
	    CTL_DEFAULT_REDIS, CTL_DEFAULT_PREFIX);
}

static void
ctl_print_command_help(const struct ctl_command *cmd, FILE *out)
{
	fprintf(out, "usage: outreachctl [options] %s\n\n%s", cmd->synopsis, cmd->help);
}

void
ctl_errx(const struct ctl *c, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", c->progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_usage_error(const struct ctl *c, const char *cmd, const char *fmt, ...)
{
	const struct ctl_command	*k;
	va_list				 ap;

	fprintf(stderr, "%s: ", c->progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd != NULL && (k = ctl_command_find(cmd)) != NULL)
		fprintf(stderr, "usage: outreachctl [options] %s\n", k->synopsis);
	else
		fprintf(stderr, "try 'outreachctl --help'\n");
	return CTL_EXIT_USAGE;
}

const char *
ctl_key(const struct ctl *c, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", c->prefix, suffix);
	return buf;
}

static int
ctl_set(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

int
ctl_resolve(struct ctl *c)
{
	struct od_config_overrides	 ov;
	struct od_config		 cfg;
	struct od_errors		 errs;
	const char			*path, *env;
	int				 rc;

	if (c->resolved)
		return 0;
	path = c->config_path ? c->config_path : od_config_default_path();
	if (c->config_explicit || access(path, F_OK) == 0) {
		memset(&ov, 0, sizeof(ov));
		ov.redis_url = c->opt_redis;
		ov.prefix = c->opt_prefix;
		memset(&cfg, 0, sizeof(cfg));
		od_errors_init(&errs);
		rc = od_config_load(path, &ov, &cfg, &errs);
		if (rc == 0 && cfg.redis_url && cfg.prefix) {
			rc = ctl_set(&c->redis_url, cfg.redis_url) | ctl_set(&c->prefix, cfg.prefix);
			od_config_clear(&cfg);
			od_errors_clear(&errs);
			if (rc != 0) {
				ctl_errx(c, "out of memory");
				return -1;
			}
			c->resolved = 1;
			return 0;
		}
		od_config_clear(&cfg);
		if (c->opt_redis == NULL) {
			od_errors_print(&errs, stderr);
			od_errors_clear(&errs);
			ctl_errx(c, "cannot read the configuration %s (give --redis URL to go "
			    "on without it)", path);
			return -1;
		}
		ctl_errx(c, "warning: cannot read the configuration %s (%zu error%s); "
		    "using --redis %s", path, errs.count, errs.count == 1 ? "" : "s",
		    c->opt_redis);
		od_errors_clear(&errs);
	}
	if (c->opt_redis)
		env = c->opt_redis;
	else if ((env = getenv("OUTREACHD_REDIS")) == NULL || *env == '\0')
		env = CTL_DEFAULT_REDIS;
	if (ctl_set(&c->redis_url, env) == -1)
		goto oom;
	if (c->opt_prefix)
		env = c->opt_prefix;
	else if ((env = getenv("OUTREACHD_PREFIX")) == NULL || *env == '\0')
		env = CTL_DEFAULT_PREFIX;
	if (ctl_set(&c->prefix, env) == -1)
		goto oom;
	c->resolved = 1;
	return 0;
oom:
	ctl_errx(c, "out of memory");
	return -1;
}

/* One synchronous command that must answer +OK. */
static int
ctl_redis_ok(struct ctl *c, redisContext *rc, const char *what, int argc, const char **argv)
{
	redisReply	*r;
	char		 shown[512];
	int		 ok;

	r = redisCommandArgv(rc, argc, argv, NULL);
	if (r == NULL) {
		ctl_errx(c, "%s %s: %s", od_redis_url_redact(c->redis_url, shown, sizeof(shown)),
		    what, rc->errstr);
		return -1;
	}
	ok = r->type != REDIS_REPLY_ERROR;
	if (!ok)
		ctl_errx(c, "%s %s: %s", od_redis_url_redact(c->redis_url, shown, sizeof(shown)),
		    what, r->str);
	freeReplyObject(r);
	return ok ? 0 : -1;
}

redisContext *
ctl_redis(struct ctl *c)
{
	struct od_redis_addr	 a;
	struct timeval		 tv = { 5, 0 }, cmdtv = { 60, 0 };
	redisContext		*rc;
	char			 err[512], db[16];
	const char		*av[3];

	if (c->redis != NULL)
		return c->redis;
	if (ctl_resolve(c) == -1)
		return NULL;
	if (od_redis_url_parse(c->redis_url, &a, err, sizeof(err)) == -1) {
		ctl_errx(c, "%s", err);
		return NULL;
	}
	rc = a.path[0] ? redisConnectUnixWithTimeout(a.path, tv)
	    : redisConnectWithTimeout(a.host, a.port, tv);
	if (rc == NULL || rc->err) {
		ctl_errx(c, "cannot connect to Redis at %s: %s",
		    od_redis_url_redact(c->redis_url, err, sizeof(err)),
		    rc ? rc->errstr : "out of memory");
		redisFree(rc);
		return NULL;
	}
	redisSetTimeout(rc, cmdtv);
	if (a.password[0]) {
		int n = 0;

		av[n++] = "AUTH";
		if (a.user[0])
			av[n++] = a.user;
		av[n++] = a.password;
		if (ctl_redis_ok(c, rc, "AUTH", n, av) == -1)
			goto fail;
	}
	if (a.db != 0) {
		snprintf(db, sizeof(db), "%d", a.db);
		av[0] = "SELECT";
		av[1] = db;
		if (ctl_redis_ok(c, rc, "SELECT", 2, av) == -1)
			goto fail;
	}
	c->redis = rc;
	return rc;
fail:
	redisFree(rc);
	return NULL;
}

static int
ctl_help(int argc, char **argv)
{
	const struct ctl_command	*k;

	if (argc < 1 || strcmp(argv[0], "help") == 0) {
		ctl_print_usage(stdout);
		return CTL_EXIT_OK;
	}
	if ((k = ctl_command_find(argv[0])) == NULL) {
		fprintf(stderr, "outreachctl: no command \"%s\"\n", argv[0]);
		ctl_print_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	ctl_print_command_help(k, stdout);
	return CTL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "redis",	required_argument, NULL, 'r' },
		{ "prefix",	required_argument, NULL, 'p' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ctl_command	*k;
	struct ctl			 c;
	const char			*env;
	int64_t				 off;
	int				 ch, rc, i;

	memset(&c, 0, sizeof(c));
	c.progname = "outreachctl";
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			c.config_explicit = 1;
			break;
		case 'r':
			c.opt_redis = optarg;
			c.redis_from_cli = 1;
			break;
		case 'p':
			if (*optarg == '\0')
				return ctl_usage_error(&c, NULL, "--prefix must not be empty");
			c.opt_prefix = optarg;
			break;
		case 'h':
			ctl_print_usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("outreachctl (outreachd) %s\n", OD_VERSION);
			return CTL_EXIT_OK;
		default:
			fprintf(stderr, "try 'outreachctl --help'\n");
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* "due now" as the daemon sees it when it runs ahead for a rehearsal */
	if ((env = getenv("OUTREACHD_CLOCK_OFFSET")) != NULL && *env != '\0') {
		if (od_duration_parse(env, &off) == -1) {
			ctl_errx(&c, "OUTREACHD_CLOCK_OFFSET: \"%s\" is not a duration "
			    "such as 36h or -2d", env);
			return CTL_EXIT_USAGE;
		}
		od_clock_set_offset_ms(off);
	}
	if (argc < 1)
		return ctl_usage_error(&c, NULL, "no command given");
	if (strcmp(argv[0], "help") == 0)
		return ctl_help(argc - 1, argv + 1);
	if ((k = ctl_command_find(argv[0])) == NULL)
		return ctl_usage_error(&c, NULL, "no command \"%s\"", argv[0]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			ctl_print_command_help(k, stdout);
			return CTL_EXIT_OK;
		}
	}
	rc = k->run(&c, argc - 1, argv + 1);
	if (c.redis)
		redisFree(c.redis);
	free(c.redis_url);
	free(c.prefix);
	if (fflush(stdout) == EOF && rc == CTL_EXIT_OK) {
		ctl_errx(&c, "standard output: %s", strerror(errno));
		rc = CTL_EXIT_FAIL;
	}
	return rc;
}
