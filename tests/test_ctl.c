/*
 * test_ctl: outreachctl's helpers: the Redis URL, argument scanning, input
 * splitting (one document or JSON lines), the event shorthand, tables; and
 * the pipelined enqueue against a real redis-server on a free loopback port.
 *
 * The ctl_*.c files belong to the outreachctl program, not to odcore, so
 * the ones without a main-program dependency are compiled in here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl_util.c"
#include "ctl_send.c"
#include "od_queue.h"

/* ---- Redis URL ------------------------------------------------------------- */

static void
test_url_forms(void **state)
{
	struct od_redis_addr	 a;
	char			 err[256];

	(void)state;
	assert_int_equal(od_redis_url_parse("redis://127.0.0.1:6380/2", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 6380);
	assert_int_equal(a.db, 2);
	assert_string_equal(a.path, "");

	assert_int_equal(od_redis_url_parse("redis://localhost", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "localhost");
	assert_int_equal(a.port, 6379);
	assert_int_equal(a.db, 0);

	assert_int_equal(od_redis_url_parse("redis://:s3cret@db.internal:7000/", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.password, "s3cret");
	assert_string_equal(a.host, "db.internal");
	assert_int_equal(a.port, 7000);

	assert_int_equal(od_redis_url_parse("redis://[::1]:6390/1", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6390);
	assert_int_equal(a.db, 1);

	assert_int_equal(od_redis_url_parse("unix:/run/redis/redis.sock", &a, err, sizeof(err)), 0);
	assert_string_equal(a.path, "/run/redis/redis.sock");
	assert_int_equal(od_redis_url_parse("unix:///tmp/r.sock", &a, err, sizeof(err)), 0);
	assert_string_equal(a.path, "/tmp/r.sock");
	assert_int_equal(od_redis_url_parse("unix:/tmp/r.sock?db=3", &a, err, sizeof(err)), 0);
	assert_string_equal(a.path, "/tmp/r.sock");
	assert_int_equal(a.db, 3);
}

static void
test_url_errors(void **state)
{
	struct od_redis_addr	 a;
	char			 err[256];

	(void)state;
	assert_int_equal(od_redis_url_parse("http://127.0.0.1:6379", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"http://127.0.0.1:6379\": expected "
	    "redis://host:port[/db] or unix:/path");
	assert_int_equal(od_redis_url_parse("redis://h:0", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"redis://h:0\": port must be 1 to 65535");
	assert_int_equal(od_redis_url_parse("redis://h:65536", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"redis://h:65536\": port must be 1 to 65535");
	assert_int_equal(od_redis_url_parse("redis://h:6379/x", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"redis://h:6379/x\": database must be a number");
	assert_int_equal(od_redis_url_parse("redis://:6379", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"redis://:6379\": no host");
	assert_int_equal(od_redis_url_parse("unix:", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"unix:\": no socket path");
	assert_int_equal(od_redis_url_parse("unix:/tmp/r.sock?x=1", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"unix:/tmp/r.sock?x=1\": expected ?db=N after "
	    "the socket path");
	assert_int_equal(od_redis_url_parse("", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "empty Redis URL");
}

/* Users (Redis 6 ACLs), percent-decoding, IPv6 with userinfo; the password never shown. */
static void
test_url_userinfo(void **state)
{
	struct od_redis_addr	 a;
	char			 err[256], buf[256];

	(void)state;
	assert_int_equal(od_redis_url_parse("redis://outreach:s3cr%40t%3Ax@127.0.0.1:6379/0", &a,
	    err, sizeof(err)), 0);
	assert_string_equal(a.user, "outreach");
	assert_string_equal(a.password, "s3cr@t:x");
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 6379);
	assert_int_equal(a.db, 0);

	assert_int_equal(od_redis_url_parse("redis://:pw@[::1]:6390/4", &a, err, sizeof(err)), 0);
	assert_string_equal(a.user, "");
	assert_string_equal(a.password, "pw");
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6390);
	assert_int_equal(a.db, 4);

	assert_int_equal(od_redis_url_parse("redis://us%20er:p%20w@db.internal", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.user, "us er");
	assert_string_equal(a.password, "p w");
	assert_int_equal(a.port, 6379);

	/* no ':' in the userinfo: a password, as before ACL users (AUTH <password>) */
	assert_int_equal(od_redis_url_parse("redis://s3cret@h:7000", &a, err, sizeof(err)), 0);
	assert_string_equal(a.user, "");
	assert_string_equal(a.password, "s3cret");

	assert_string_equal(od_redis_url_redact("redis://outreach:s3cr%40t@127.0.0.1:6379/0", buf,
	    sizeof(buf)), "redis://outreach:***@127.0.0.1:6379/0");
	assert_string_equal(od_redis_url_redact("redis://:pw@[::1]:6390/4", buf, sizeof(buf)),
	    "redis://:***@[::1]:6390/4");
	assert_string_equal(od_redis_url_redact("redis://s3cret@h", buf, sizeof(buf)),
	    "redis://***@h");
	assert_string_equal(od_redis_url_redact("redis://u:a@b@h/1", buf, sizeof(buf)),
	    "redis://u:***@h/1");
	assert_string_equal(od_redis_url_redact("redis://h:6379/0", buf, sizeof(buf)),
	    "redis://h:6379/0");
	assert_string_equal(od_redis_url_redact("unix:/run/r.sock", buf, sizeof(buf)),
	    "unix:/run/r.sock");

	/* errors show the URL redacted */
	assert_int_equal(od_redis_url_parse("redis://u:hunter2@h:99999", &a, err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter2"));
	assert_string_equal(err, "Redis URL \"redis://u:***@h:99999\": port must be 1 to 65535");
	assert_int_equal(od_redis_url_parse("redis://u:hunter2@h/x", &a, err, sizeof(err)), -1);
	assert_string_equal(err, "Redis URL \"redis://u:***@h/x\": database must be a number");
	assert_int_equal(od_redis_url_parse("redis://u:hunter2@h/0?db=1", &a, err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter2"));
	assert_int_equal(od_redis_url_parse("redis://u:hunter2@/0", &a, err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter2"));
	assert_string_equal(a.password, "");
}

/* ---- arguments ---------------------------------------------------------------- */

static void
test_args_scan(void **state)
{
	char	*argv[] = { "--json", "A-1", "--count", "5", "-", "--", "--full" };
	char	*bad1[] = { "--nope" }, *bad2[] = { "--count" }, *bad3[] = { "--json=1" };
	struct ctl_opt opts[] = { { "json", 0, 0, NULL }, { "count", 1, 0, NULL },
				  { "full", 0, 0, NULL } };
	char	 err[128];
	int	 npos;

	(void)state;
	assert_int_equal(ctl_args_scan(7, argv, opts, 3, &npos, err, sizeof(err)), 0);
	assert_int_equal(npos, 3);
	assert_string_equal(argv[0], "A-1");
	assert_string_equal(argv[1], "-");
	assert_string_equal(argv[2], "--full");		/* after "--": a positional */
	assert_true(opts[0].seen);
	assert_string_equal(opts[1].value, "5");
	assert_false(opts[2].seen);

	assert_int_equal(ctl_args_scan(1, bad1, opts, 3, &npos, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown option --nope");
	assert_int_equal(ctl_args_scan(1, bad2, opts, 3, &npos, err, sizeof(err)), -1);
	assert_string_equal(err, "--count needs a value");
	assert_int_equal(ctl_args_scan(1, bad3, opts, 3, &npos, err, sizeof(err)), -1);
	assert_string_equal(err, "--json takes no value");
}

/* ---- input splitting ---------------------------------------------------------- */

struct got {
	char	 text[512];
	int	 line, bad, bad_line;
	char	 why[160];
};

/* Reads all items of s; returns how many. */
static int
read_all(const char *s, struct got *g, int max)
{
	struct ctl_reader	 r;
	struct ctl_item		 it;
	FILE			*fp;
	int			 n = 0, rc;

	fp = fmemopen((void *)(uintptr_t)s, strlen(s), "r");
	assert_non_null(fp);
	ctl_reader_init(&r, fp);
	while ((rc = ctl_reader_next(&r, &it)) == 1) {
		assert_true(n < max);
		assert_true(it.len < sizeof(g[n].text));
		memcpy(g[n].text, it.text, it.len);
		g[n].text[it.len] = '\0';
		g[n].line = it.line;
		g[n].bad = it.bad;
		g[n].bad_line = it.bad_line;
		snprintf(g[n].why, sizeof(g[n].why), "%s", it.why);
		n++;
	}
	assert_int_equal(rc, 0);
	ctl_reader_free(&r);
	fclose(fp);
	return n;
}

static void
test_reader_json_lines(void **state)
{
	struct got	 g[8];

	(void)state;
	assert_int_equal(read_all("{\"account_id\":\"A-1\"}\n"
	    "\n"
	    "   \n"
	    "{\"account_id\":\"A-2\"}\r\n"
	    "not json\n"
	    "  {\"account_id\":\"A-3\"}  \n"
	    "{\"account_id\":\"A-4\"", g, 8), 5);
	assert_string_equal(g[0].text, "{\"account_id\":\"A-1\"}");
	assert_int_equal(g[0].line, 1);
	assert_false(g[0].bad);
	assert_string_equal(g[1].text, "{\"account_id\":\"A-2\"}");	/* CR trimmed */
	assert_int_equal(g[1].line, 4);
	assert_string_equal(g[2].text, "not json");
	assert_int_equal(g[2].line, 5);
	assert_true(g[2].bad);
	assert_int_equal(g[2].bad_line, 5);
	assert_string_equal(g[2].why, "invalid token near 'not'");
	assert_string_equal(g[3].text, "{\"account_id\":\"A-3\"}");
	assert_int_equal(g[3].line, 6);
	assert_false(g[3].bad);
	assert_string_equal(g[4].text, "{\"account_id\":\"A-4\"");	/* no final newline */
	assert_true(g[4].bad);
	assert_int_equal(g[4].bad_line, 7);
	assert_string_equal(g[4].why, "'}' expected near end of file");
}

static void
test_reader_bad_first_line(void **state)
{
	struct got	 g[4];

	(void)state;
	/* JSON lines whose first line is bad stay JSON lines */
	assert_int_equal(read_all("\nhello\n{\"a\":1}\n{\"a\":2}\n", g, 4), 3);
	assert_string_equal(g[0].text, "hello");
	assert_true(g[0].bad);
	assert_int_equal(g[0].bad_line, 2);
	assert_string_equal(g[1].text, "{\"a\":1}");
	assert_int_equal(g[1].line, 3);
	assert_false(g[1].bad);
	assert_int_equal(g[2].line, 4);

	/* a truncated first line followed by good lines is still JSON lines */
	assert_int_equal(read_all("{\"a\":1,\n{\"a\":2}\n", g, 4), 2);
	assert_string_equal(g[0].text, "{\"a\":1,");
	assert_true(g[0].bad);
	assert_int_equal(g[0].bad_line, 1);
	assert_string_equal(g[0].why, "string or '}' expected near end of file");
	assert_false(g[1].bad);
}

static void
test_reader_one_document(void **state)
{
	struct got	 g[4];

	(void)state;
	assert_int_equal(read_all("\n{\n  \"account_id\": \"A-9\",\n  \"debt\": {\n"
	    "    \"amount\": \"12.50\"\n  }\n}\n\n", g, 4), 1);
	assert_string_equal(g[0].text, "{\n  \"account_id\": \"A-9\",\n  \"debt\": {\n"
	    "    \"amount\": \"12.50\"\n  }\n}");
	assert_int_equal(g[0].line, 2);
	assert_false(g[0].bad);

	/* broken: one item, the position of jansson's complaint */
	assert_int_equal(read_all("{\n  \"account_id\": \"A-9\",,\n  \"amount\": \"1\"\n}\n",
	    g, 4), 1);
	assert_string_equal(g[0].text, "{\n  \"account_id\": \"A-9\",,\n  \"amount\": \"1\"\n}");
	assert_true(g[0].bad);
	assert_int_equal(g[0].line, 1);
	assert_int_equal(g[0].bad_line, 2);
	assert_string_equal(g[0].why, "string or '}' expected near ','");

	/* nothing at all */
	assert_int_equal(read_all("", g, 4), 0);
	assert_int_equal(read_all("\n \n\t\n", g, 4), 0);
}

/* ---- event shorthand ---------------------------------------------------------- */

static void
assert_event(const char *type, int nargs, const char *a0, const char *a1, int full,
    const char *want)
{
	char	*args[2] = { (char *)(uintptr_t)a0, (char *)(uintptr_t)a1 };
	char	 err[256], *j;

	j = ctl_event_build(type, nargs, args, full, err, sizeof(err));
	if (j == NULL)
		fail_msg("%s: %s", type, err);
	assert_string_equal(j, want);
	free(j);
}

static void
assert_event_error(const char *type, int nargs, const char *a0, const char *a1, int full,
    const char *want)
{
	char	*args[2] = { (char *)(uintptr_t)a0, (char *)(uintptr_t)a1 };
	char	 err[256];

	assert_null(ctl_event_build(type, nargs, args, full, err, sizeof(err)));
	assert_string_equal(err, want);
}

static void
test_event_shorthand(void **state)
{
	(void)state;
	assert_event("payment", 2, "A-1", "120.50", 1,
	    "{\"account_id\":\"A-1\",\"type\":\"payment\",\"amount\":\"120.50\",\"full\":true}");
	assert_event("payment", 2, "A-1", "40", 0,
	    "{\"account_id\":\"A-1\",\"type\":\"payment\",\"amount\":\"40\"}");
	assert_event("close", 1, "A-1", NULL, 0, "{\"account_id\":\"A-1\",\"type\":\"close\"}");
	assert_event("opt-out", 2, "A-1", "sms", 0,
	    "{\"account_id\":\"A-1\",\"type\":\"opt_out\",\"channel\":\"sms\"}");
	assert_event("opt-in", 2, "A-1", "all", 0,
	    "{\"account_id\":\"A-1\",\"type\":\"opt_in\",\"channel\":\"all\"}");
	assert_event("dispute", 1, "A-1", NULL, 0, "{\"account_id\":\"A-1\",\"type\":\"dispute\"}");
	assert_event("dispute-resolved", 1, "A-1", NULL, 0,
	    "{\"account_id\":\"A-1\",\"type\":\"dispute_resolved\"}");
	assert_event("promise", 2, "A-1", "2024-02-29", 0,
	    "{\"account_id\":\"A-1\",\"type\":\"promise_to_pay\",\"until\":\"2024-02-29\"}");
	assert_event("promise_to_pay", 2, "A-\"1", "2026-12-31", 0,
	    "{\"account_id\":\"A-\\\"1\",\"type\":\"promise_to_pay\",\"until\":\"2026-12-31\"}");
	assert_event("cease", 1, "A-1", NULL, 0, "{\"account_id\":\"A-1\",\"type\":\"cease\"}");

	assert_event_error("payment", 2, "A-1", "120,50", 0,
	    "event payment: amount \"120,50\" is not a decimal like 120 or 120.50");
	assert_event_error("payment", 2, "A-1", "-5", 0,
	    "event payment: amount \"-5\" is not a decimal like 120 or 120.50");
	assert_event_error("payment", 1, "A-1", NULL, 0,
	    "usage: event payment ACCOUNT AMOUNT [--full]");
	assert_event_error("opt-out", 2, "A-1", "fax", 0,
	    "event opt-out: channel \"fax\" is not sms, email, whatsapp or all");
	assert_event_error("promise", 2, "A-1", "2026-02-29", 0,
	    "event promise: \"2026-02-29\" is not a date YYYY-MM-DD");
	assert_event_error("close", 1, "A-1", NULL, 1,
	    "event close: --full is only for payment");
	assert_event_error("close", 2, "A-1", "x", 0, "usage: event close ACCOUNT");
	assert_event_error("refund", 1, "A-1", NULL, 0, "");	/* not a shorthand: a file */
	assert_false(ctl_event_is_shorthand("events.jsonl"));
	assert_true(ctl_event_is_shorthand("opt_out"));
}

static void
test_decimal_and_date(void **state)
{
	(void)state;
	assert_true(ctl_decimal_valid("0.99"));
	assert_true(ctl_decimal_valid("1234"));
	assert_false(ctl_decimal_valid("1234."));
	assert_false(ctl_decimal_valid(".5"));
	assert_false(ctl_decimal_valid("1e3"));
	assert_false(ctl_decimal_valid(""));
	assert_false(ctl_decimal_valid("0"));
	assert_false(ctl_decimal_valid("0.00"));
	assert_false(ctl_decimal_valid("012"));
	assert_true(ctl_decimal_valid("10.05"));
	assert_true(ctl_date_valid("2000-02-29"));
	assert_false(ctl_date_valid("1900-02-29"));
	assert_false(ctl_date_valid("2026-04-31"));
	assert_false(ctl_date_valid("2026-4-01"));
	assert_false(ctl_date_valid("2026-13-01"));
}

/* ---- tables ------------------------------------------------------------------ */

static char *
table_text(const struct ctl_table *t, int noheader)
{
	char	*s = NULL;
	size_t	 n = 0;
	FILE	*fp = open_memstream(&s, &n);

	assert_non_null(fp);
	ctl_table_print(t, fp, noheader);
	fclose(fp);
	return s;
}

static void
test_table(void **state)
{
	static const char *const heads[] = { "TIME", "STATUS", ">SEGMENTS", "REASON" };
	static const char *const r1[] = { "2026-12-01T14:00:00Z", "sent", "1", "" };
	static const char *const r2[] = { "2026-12-02T14:00:00Z", "suppressed", "12",
		"quiet_hours" };
	static const char *const r3[] = { "ñandú", "a\tb\nc", NULL, "Señor Pérez" };
	struct ctl_table t;
	char		*s;

	(void)state;
	ctl_table_init(&t, 4, heads);
	assert_int_equal(ctl_table_add(&t, r1), 0);
	assert_int_equal(ctl_table_add(&t, r2), 0);
	assert_int_equal(ctl_table_add(&t, r3), 0);
	s = table_text(&t, 0);
	assert_string_equal(s,
	    "TIME                  STATUS      SEGMENTS  REASON\n"
	    "2026-12-01T14:00:00Z  sent               1\n"
	    "2026-12-02T14:00:00Z  suppressed        12  quiet_hours\n"
	    "ñandú                 a b c                 Señor Pérez\n");
	free(s);
	s = table_text(&t, 1);
	assert_string_equal(s,
	    "2026-12-01T14:00:00Z  sent         1\n"
	    "2026-12-02T14:00:00Z  suppressed  12  quiet_hours\n"
	    "ñandú                 a b c           Señor Pérez\n");
	free(s);
	ctl_table_free(&t);
	ctl_table_free(NULL);
}

static void
test_truncate(void **state)
{
	char	 buf[64], tiny[6];

	(void)state;
	assert_string_equal(ctl_truncate("short", 10, buf, sizeof(buf)), "short");
	assert_string_equal(ctl_truncate("0123456789", 10, buf, sizeof(buf)), "0123456789");
	assert_string_equal(ctl_truncate("0123456789A", 10, buf, sizeof(buf)), "0123456...");
	/* whole characters: "María" is 5 characters, 6 bytes */
	assert_string_equal(ctl_truncate("{\"name\":\"María Quispe\"}", 16, buf, sizeof(buf)),
	    "{\"name\":\"Marí...");
	assert_int_equal(ctl_utf8_width(buf), 16);
	/* a buffer smaller than the cut: still NUL-terminated, still whole characters */
	assert_string_equal(ctl_truncate("ñññññññ", 6, tiny, sizeof(tiny)), "\xc3\xb1...");
}

/* ---- enqueue against a real redis-server -------------------------------------- */

static pid_t	redis_pid = -1;
static int	redis_port;

static int
free_port(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static redisContext *
redis_connect(void)
{
	struct timeval	 tv = { 1, 0 };
	redisContext	*rc;
	int		 i;

	for (i = 0; i < 100; i++) {
		rc = redisConnectWithTimeout("127.0.0.1", redis_port, tv);
		if (rc != NULL && rc->err == 0)
			return rc;
		redisFree(rc);
		usleep(50 * 1000);
	}
	return NULL;
}

static int
redis_start(void **state)
{
	char		 port[16];
	redisContext	*rc;
	int		 devnull;

	(void)state;
	if ((redis_port = free_port()) < 0)
		return 0;
	snprintf(port, sizeof(port), "%d", redis_port);
	redis_pid = fork();
	if (redis_pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
		    "--save", "", "--appendonly", "no", "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	if (redis_pid < 0 || (rc = redis_connect()) == NULL) {
		redis_pid = -1;
		return 0;
	}
	redisFree(rc);
	return 0;
}

static int
redis_stop(void **state)
{
	(void)state;
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = -1;
	}
	return 0;
}

static void
test_enqueue_stream(void **state)
{
	redisContext	*rc;
	redisReply	*r;
	char		*in = NULL, *errs = NULL;
	size_t		 inlen = 0, errlen = 0;
	FILE		*fp, *ef;
	long		 sent, bad;
	int		 i;

	(void)state;
	if (redis_pid < 0)
		skip();
	/* 2500 accounts: two full windows of 1000 and a partial one; one bad line */
	fp = open_memstream(&in, &inlen);
	for (i = 0; i < 2500; i++) {
		if (i == 1200)
			fputs("{\"account_id\": \"A-bad\",\n", fp);
		else
			fprintf(fp, "{\"account_id\":\"A-%d\",\"debt\":{\"amount\":\"10.00\"}}\n", i);
		if (i == 10)
			fputs("\n", fp);
	}
	fclose(fp);
	fp = fmemopen(in, inlen, "r");
	ef = open_memstream(&errs, &errlen);
	assert_non_null(rc = redis_connect());
	assert_int_equal(ctl_enqueue_stream(rc, "t1", "account", fp, "accounts.jsonl", ef,
	    &sent, &bad), 0);
	fclose(ef);
	fclose(fp);
	assert_int_equal(sent, 2500);
	assert_int_equal(bad, 1);
	assert_string_equal(errs, "accounts.jsonl:1202: not JSON: "
	    "string or '}' expected near end of file\n");

	r = redisCommand(rc, "XLEN t1:inbox");
	assert_int_equal(r->integer, 2500);
	freeReplyObject(r);
	/* the first entry: kind and body as given, trimmed */
	r = redisCommand(rc, "XRANGE t1:inbox - + COUNT 1");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->element[0]->element[1]->elements, 4);
	assert_string_equal(r->element[0]->element[1]->element[0]->str, "kind");
	assert_string_equal(r->element[0]->element[1]->element[1]->str, "account");
	assert_string_equal(r->element[0]->element[1]->element[2]->str, "body");
	assert_string_equal(r->element[0]->element[1]->element[3]->str,
	    "{\"account_id\":\"A-0\",\"debt\":{\"amount\":\"10.00\"}}");
	freeReplyObject(r);
	/* the bad line went too, so the daemon records it in rejected */
	r = redisCommand(rc, "XRANGE t1:inbox - + COUNT 1201");
	assert_string_equal(r->element[1200]->element[1]->element[3]->str,
	    "{\"account_id\": \"A-bad\",");
	freeReplyObject(r);
	free(in);
	free(errs);

	/* Redis refusing (the inbox is not a stream): counted and reported */
	freeReplyObject(redisCommand(rc, "SET t2:inbox x"));
	fp = fmemopen("{\"type\":\"close\",\"account_id\":\"A-1\"}\n", 36, "r");
	ef = open_memstream(&errs, &errlen);
	assert_int_equal(ctl_enqueue_stream(rc, "t2", "event", fp, "<stdin>", ef,
	    &sent, &bad), -1);
	fclose(ef);
	fclose(fp);
	assert_int_equal(sent, 0);
	assert_string_equal(errs, "outreachctl: Redis refused 1 entry: WRONGTYPE Operation "
	    "against a key holding the wrong kind of value\n");
	free(errs);
	redisFree(rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_forms),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_url_userinfo),
		cmocka_unit_test(test_args_scan),
		cmocka_unit_test(test_reader_json_lines),
		cmocka_unit_test(test_reader_bad_first_line),
		cmocka_unit_test(test_reader_one_document),
		cmocka_unit_test(test_event_shorthand),
		cmocka_unit_test(test_decimal_and_date),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test_setup_teardown(test_enqueue_stream, redis_start, redis_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
