/*
 * test_ctl: outreachctl's helpers: the Redis URL, argument scanning, input
 * splitting (one document or JSON lines), the event shorthand, tables, CSV
 * fields; the pipelined enqueue against a real redis-server on a free
 * loopback port; and, on a Redis seeded with hand-written lifecycle
 * documents (od_testenv), what outreachctl agreements, attempts and handoff
 * print.
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

#include <sys/stat.h>

#include "ctl_util.c"
#include "ctl_send.c"
#include "od_queue.h"
#include "od_testenv.h"

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

static void
test_csv_field(void **state)
{
	struct od_buf	 b;

	(void)state;
	od_buf_init(&b);
	assert_int_equal(ctl_csv_field(&b, "plain"), 0);
	od_buf_putc(&b, ',');
	ctl_csv_field(&b, NULL);			/* an empty field */
	od_buf_putc(&b, ',');
	ctl_csv_field(&b, "Quispe, Mar\xc3\xad" "a \"Mary\"");
	od_buf_putc(&b, ',');
	ctl_csv_field(&b, "two\r\nlines");
	od_buf_putc(&b, ',');
	ctl_csv_field(&b, "\"");
	assert_string_equal(b.data, "plain,,\"Quispe, Mar\xc3\xad" "a \"\"Mary\"\"\","
	    "\"two\r\nlines\",\"\"\"\"");
	od_buf_free(&b);
}

/* The last outcome naming an agreement is its status; none: active. */
static void
test_agr_statuses(void **state)
{
	json_t	*docs, *st;

	(void)state;
	docs = json_loads("[{\"type\":\"agreement\",\"id\":\"X:A1\",\"kind\":\"promise\"},"
	    "{\"type\":\"outcome\",\"id\":\"X:A1\",\"status\":\"broken\"},"
	    "{\"type\":\"agreement\",\"id\":\"X:A2\",\"kind\":\"extension\",\"replaces\":\"X:A1\"},"
	    "{\"type\":\"outcome\",\"id\":\"X:A1\",\"status\":\"superseded\"},"
	    "{\"type\":\"agreement\",\"id\":\"X:A3\",\"kind\":\"plan\"},"
	    "{\"type\":\"outcome\",\"id\":\"X:A3\",\"status\":\"completed\"},"
	    "{\"id\":\"X:A9\",\"status\":\"kept\"}]", 0, NULL);
	assert_non_null(docs);
	assert_non_null(st = ctl_agr_statuses(docs));
	assert_int_equal(json_object_size(st), 3);
	assert_string_equal(json_string_value(json_object_get(st, "X:A1")), "superseded");
	assert_string_equal(json_string_value(json_object_get(st, "X:A2")), "active");
	assert_string_equal(json_string_value(json_object_get(st, "X:A3")), "completed");
	json_decref(st);
	json_decref(docs);
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

/* ---- agreements and handoff, on a seeded redis-server ---------------------------- */

/*
 * Hand-written documents in the daemon's formats (docs/operations.md,
 * "Agreements and handoff").  PE-1: a plan (A1) superseded by a settlement
 * (A2), then a promise (A3) broken; placed with agency-b, then again with
 * agency-a.  PE-2: known, no agreements, placed with legal.  PE-3: placed
 * with agency-a and recalled since (its state active again).
 */
#define AGR_A1 "{\"type\":\"agreement\",\"id\":\"PE-1:A1\",\"kind\":\"plan\"," \
	"\"account_id\":\"PE-1\",\"created\":\"2026-12-03T14:00:00.000Z\"," \
	"\"cycle\":\"2026-11-20\",\"policy\":\"pe-consumer\",\"currency\":\"PEN\"," \
	"\"total\":\"300.00\",\"schedule\":[{\"n\":1,\"date\":\"2026-12-10\"," \
	"\"amount\":\"100.00\"},{\"n\":2,\"date\":\"2027-01-10\",\"amount\":\"100.00\"}," \
	"{\"n\":3,\"date\":\"2027-02-10\",\"amount\":\"100.00\"}],\"offer\":\"cuotas\"," \
	"\"option\":3,\"offer_attempt\":\"PE-1:2026-11-20:offer_plan#1\",\"evidence\":" \
	"{\"source\":\"reply\",\"channel\":\"sms\",\"text\":\"3\"," \
	"\"at\":\"2026-12-03T13:59:40.000Z\",\"entry\":\"1764770380000-0\"}}"
#define AGR_A2 "{\"type\":\"agreement\",\"id\":\"PE-1:A2\",\"kind\":\"settlement\"," \
	"\"account_id\":\"PE-1\",\"created\":\"2026-12-05T10:00:00.000Z\"," \
	"\"cycle\":\"2026-11-20\",\"policy\":\"pe-consumer\",\"currency\":\"PEN\"," \
	"\"total\":\"250.00\",\"schedule\":[{\"n\":1,\"date\":\"2026-12-12\"," \
	"\"amount\":\"250.00\"}],\"offer\":\"descuento\",\"evidence\":{\"source\":\"agent\"," \
	"\"agent\":\"j.perez\",\"text\":\"Cliente acepta liquidar con descuento del 20% si " \
	"paga antes del 12 de diciembre, confirmado por tel\xc3\xa9" "fono\"," \
	"\"at\":\"2026-12-05T09:58:00.000Z\",\"entry\":\"1764928680000-0\"}," \
	"\"replaces\":\"PE-1:A1\",\"terms\":\"20% off if paid by 2026-12-12\"}"
#define AGR_O1 "{\"type\":\"outcome\",\"id\":\"PE-1:A1\",\"account_id\":\"PE-1\"," \
	"\"status\":\"superseded\",\"at\":\"2026-12-05T10:00:00.000Z\",\"paid\":\"0.00\"," \
	"\"detail\":\"replaced by PE-1:A2\"}"
#define AGR_A3 "{\"type\":\"agreement\",\"id\":\"PE-1:A3\",\"kind\":\"promise\"," \
	"\"account_id\":\"PE-1\",\"created\":\"2026-12-06T10:00:00.000Z\"," \
	"\"cycle\":\"2026-11-20\",\"policy\":\"pe-consumer\",\"currency\":\"PEN\"," \
	"\"total\":\"300.00\",\"schedule\":[{\"n\":1,\"date\":\"2026-12-12\"," \
	"\"amount\":\"300.00\"}],\"evidence\":{\"source\":\"link\"," \
	"\"token\":\"f3a9c2e17b5d4a0e9c8b\",\"at\":\"2026-12-06T09:59:00.000Z\"," \
	"\"entry\":\"1765015140000-0\"},\"threshold\":\"270.00\",\"grace_days\":2}"
#define AGR_O3 "{\"type\":\"outcome\",\"id\":\"PE-1:A3\",\"account_id\":\"PE-1\"," \
	"\"status\":\"broken\",\"at\":\"2026-12-15T05:00:00.000Z\",\"paid\":\"100.00\"," \
	"\"detail\":\"100.00 of 270.00 paid by 2026-12-14\"}"

#define PE1_ACCOUNT "{\"account_id\":\"PE-1\",\"debtor\":{\"name\":\"Quispe, Mar\xc3\xad" "a " \
	"\\\"Mary\\\"\",\"phone\":\"+51987000111\",\"email\":\"maria@example.pe\"," \
	"\"country\":\"PE\"},\"debt\":{\"amount\":\"300.00\",\"currency\":\"PEN\"," \
	"\"due_date\":\"2026-11-20\"},\"attributes\":{\"ratio\":0.1}}"
/* two messages tried (one with its receipt), a step suppressed, a lifecycle record */
#define PE1_ATTEMPTS "[{\"ts\":\"2026-11-18T14:00:00.000Z\",\"account_id\":\"PE-1\"," \
	"\"attempt_id\":\"PE-1:2026-11-20:reminder_upcoming#1\",\"step\":\"reminder_upcoming\"," \
	"\"channel\":\"sms\",\"gateway\":\"outbox\",\"status\":\"sent\"}," \
	"{\"ts\":\"2026-11-18T14:01:00.000Z\",\"account_id\":\"PE-1\"," \
	"\"attempt_id\":\"PE-1:2026-11-20:reminder_upcoming#1\",\"channel\":\"sms\"," \
	"\"status\":\"delivered\",\"source\":\"receipt\"}," \
	"{\"ts\":\"2026-11-25T14:00:00.000Z\",\"account_id\":\"PE-1\",\"status\":\"suppressed\"," \
	"\"reason\":\"window\"},{\"ts\":\"2026-12-01T14:00:00.000Z\",\"account_id\":\"PE-1\"," \
	"\"attempt_id\":\"PE-1:2026-11-20:offer_plan#1\",\"channel\":\"sms\",\"status\":\"sent\"}," \
	"{\"ts\":\"2026-12-16T00:00:00.000Z\",\"account_id\":\"PE-1\"," \
	"\"status\":\"promise_broken\",\"agreement_id\":\"PE-1:A3\"}]"
#define PE1_FILE(placement) "{\"account\":" PE1_ACCOUNT ",\"state\":{\"status\":\"placed\"," \
	"\"placement\":\"" placement "\",\"days_past_due\":30},\"attempts\":" PE1_ATTEMPTS "," \
	"\"agreements\":[" AGR_A1 "," AGR_A2 "," AGR_O1 "," AGR_A3 "," AGR_O3 "]}"
#define PE2_FILE "{\"account\":{\"account_id\":\"PE-2\",\"debtor\":{\"name\":\"Rosa Huam\xc3\xa1n\"," \
	"\"phone\":\"+51987000222\"},\"debt\":{\"amount\":\"80.00\",\"currency\":\"PEN\"," \
	"\"due_date\":\"2026-10-01\"}},\"state\":{\"status\":\"placed\",\"placement\":\"legal\"}," \
	"\"attempts\":[],\"agreements\":[]}"
#define PE3_FILE "{\"account\":{\"account_id\":\"PE-3\",\"debtor\":{\"name\":\"Luis Rojas\"," \
	"\"phone\":\"+51987000333\"},\"debt\":{\"amount\":\"50.00\",\"currency\":\"PEN\"," \
	"\"due_date\":\"2026-10-15\"}},\"state\":{\"status\":\"placed\",\"placement\":\"agency-a\"}," \
	"\"attempts\":[],\"agreements\":[]}"

#define BULK_ACCOUNTS	2100	/* over two pages of P:handoff, over two HMGETs of P:state */

static struct od_test_env	life;
static int			life_up;

static void
life_cmd(const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(life.rc, fmt, ap);
	va_end(ap);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fail_msg("%s: %s", fmt, r ? r->str : life.rc->errstr);
	freeReplyObject(r);
}

static void
life_handoff(const char *prefix, const char *account, const char *placement, const char *ts,
    const char *balance, const char *reason, const char *file)
{
	life_cmd("XADD %s:handoff * account_id %s placement %s ts %s balance %s currency PEN "
	    "reason %s file %s", prefix, account, placement, ts, balance, reason, file);
}

static void
life_seed(void)
{
	const char	*docs[] = { AGR_A1, AGR_A2, AGR_O1, AGR_A3, AGR_O3 };
	char		 id[32], file[256];
	size_t		 i;
	int		 n;

	for (i = 0; i < 5; i++)
		life_cmd("RPUSH outreach:agr:PE-1 %s", docs[i]);
	life_cmd("HSET outreach:accounts PE-1 %s", "{\"account_id\":\"PE-1\"}");
	life_cmd("HSET outreach:accounts PE-2 %s", "{\"account_id\":\"PE-2\"}");
	life_cmd("HSET outreach:accounts PE-3 %s", "{\"account_id\":\"PE-3\"}");
	life_cmd("RPUSH outreach:hist:PE-1 %s %s %s %s",
	    "{\"ts\":\"2026-12-01T14:00:00.123Z\",\"account_id\":\"PE-1\",\"action_id\":"
	    "\"PE-1:2026-11-20:offer_plan\",\"attempt_id\":\"PE-1:2026-11-20:offer_plan#1\","
	    "\"policy\":\"pe-consumer\",\"step\":\"offer_plan\",\"stage\":\"offer\",\"channel\":"
	    "\"sms\",\"gateway\":\"outbox\",\"status\":\"sent\",\"provider_id\":\"SM8f2c\"}",
	    "{\"ts\":\"2026-12-03T14:00:00.000Z\",\"account_id\":\"PE-1\",\"status\":\"agreement\","
	    "\"agreement_id\":\"PE-1:A1\",\"detail\":\"plan cuotas, 3 instalments of 100.00\"}",
	    "{\"ts\":\"2026-12-15T05:00:00.000Z\",\"account_id\":\"PE-1\",\"status\":"
	    "\"promise_broken\",\"agreement_id\":\"PE-1:A3\",\"detail\":\"100.00 of 270.00 paid\"}",
	    "{\"ts\":\"2026-12-20T09:00:00.000Z\",\"account_id\":\"PE-1\",\"status\":\"handoff\","
	    "\"detail\":\"placed with agency-a\"}");
	life_cmd("RPUSH outreach:hist:PE-2 %s", "{\"ts\":\"2026-11-01T14:00:00.000Z\","
	    "\"account_id\":\"PE-2\",\"step\":\"reminder_due\",\"stage\":\"reminder\",\"channel\":"
	    "\"sms\",\"gateway\":\"outbox\",\"status\":\"sent\",\"provider_id\":\"SM1\"}");

	/* oldest first: PE-1 with agency-b, PE-2, PE-3, PE-1 again with agency-a */
	life_handoff("outreach", "PE-1", "agency-b", "2026-12-08T09:00:00.000Z", "300.00",
	    "first placement", PE1_FILE("agency-b"));
	life_handoff("outreach", "PE-2", "legal", "2026-12-10T09:00:00.000Z", "80.00",
	    "final notice unanswered", PE2_FILE);
	life_handoff("outreach", "PE-3", "agency-a", "2026-12-11T09:00:00.000Z", "50.00",
	    "no contact", PE3_FILE);
	life_handoff("outreach", "PE-1", "agency-a", "2026-12-20T09:00:00.000Z", "200.00",
	    "promise broken, 200.00 still owed", PE1_FILE("agency-a"));
	life_cmd("HSET outreach:state PE-1 %s", "{\"status\":\"placed\",\"placement\":\"agency-a\"}");
	life_cmd("HSET outreach:state PE-2 %s", "{\"status\":\"placed\",\"placement\":\"legal\"}");
	life_cmd("HSET outreach:state PE-3 %s", "{\"status\":\"active\"}");	/* recalled */

	/*
	 * Prefix "bulk": BULK_ACCOUNTS accounts placed with "bulk", every third
	 * placed again with "bulk2" later, every fifth recalled since.
	 */
	for (n = 0; n < BULK_ACCOUNTS; n++) {
		snprintf(id, sizeof(id), "BULK-%04d", n);
		snprintf(file, sizeof(file), "{\"account\":{\"account_id\":\"%s\"},\"state\":{},"
		    "\"attempts\":[],\"agreements\":[]}", id);
		redisAppendCommand(life.rc, "XADD bulk:handoff * account_id %s placement bulk "
		    "ts 2026-12-01T00:00:00.000Z balance 1.00 currency PEN reason r file %s", id, file);
		redisAppendCommand(life.rc, "HSET bulk:state %s %s", id, n % 5 == 0 ?
		    "{\"status\":\"active\"}" : "{\"status\":\"placed\"}");
	}
	for (n = 0; n < BULK_ACCOUNTS; n += 3) {
		snprintf(id, sizeof(id), "BULK-%04d", n);
		snprintf(file, sizeof(file), "{\"account\":{\"account_id\":\"%s\"},\"state\":{},"
		    "\"attempts\":[],\"agreements\":[]}", id);
		redisAppendCommand(life.rc, "XADD bulk:handoff * account_id %s placement bulk2 "
		    "ts 2026-12-02T00:00:00.000Z balance 1.00 currency PEN reason r file %s", id, file);
	}
	for (n = 0; n < BULK_ACCOUNTS * 2 + (BULK_ACCOUNTS + 2) / 3; n++) {
		void	*rp;

		assert_int_equal(redisGetReply(life.rc, &rp), REDIS_OK);
		assert_int_not_equal(((redisReply *)rp)->type, REDIS_REPLY_ERROR);
		freeReplyObject(rp);
	}
}

static int
life_start(void **state)
{
	struct timeval	 tv = { 5, 0 };

	(void)state;
	memset(&life, 0, sizeof(life));
	life_up = 0;
	if (od_test_tmpdir("ctl", life.dir, sizeof(life.dir)) == -1 ||
	    od_test_redis_start(&life.redis, life.dir) == -1)
		return 0;
	life.rc = redisConnectWithTimeout("127.0.0.1", life.redis.port, tv);
	if (life.rc == NULL || life.rc->err)
		return 0;
	life_seed();
	life_up = 1;
	return 0;
}

static int
life_stop(void **state)
{
	(void)state;
	od_test_env_stop(&life);
	return 0;
}

struct ctl_out {
	int	 status;	/* exit status; 128 + signal */
	char	*out;		/* stdout, stderr: NUL-terminated, owned */
	char	*err;
};

static void
ctl_out_free(struct ctl_out *o)
{
	free(o->out);
	free(o->err);
}

/*
 * Runs build/bin/outreachctl --redis <life's> --prefix prefix ARGS... (NULL
 * ends them) with no configuration file, as an operator would.
 */
static struct ctl_out
ctl_run(const char *prefix, ...)
{
	struct ctl_out	 o;
	const char	*argv[32];
	char		 bin[600], outp[300], errp[300], cfg[300];
	va_list		 ap;
	pid_t		 pid;
	int		 n = 0, st, fd;

	snprintf(bin, sizeof(bin), "%s/bin/outreachctl", OD_BUILD_DIR);
	snprintf(outp, sizeof(outp), "%s/ctl.out", life.dir);
	snprintf(errp, sizeof(errp), "%s/ctl.err", life.dir);
	snprintf(cfg, sizeof(cfg), "%s/no-such-config.yaml", life.dir);
	argv[n++] = bin;
	argv[n++] = "--redis";
	argv[n++] = life.redis.url;
	argv[n++] = "--prefix";
	argv[n++] = prefix;
	va_start(ap, prefix);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		if ((fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1)
			dup2(fd, 1);
		if ((fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1)
			dup2(fd, 2);
		setenv("OUTREACHD_CONFIG", cfg, 1);
		unsetenv("OUTREACHD_PREFIX");
		unsetenv("OUTREACHD_REDIS");
		unsetenv("OUTREACHD_CLOCK_OFFSET");
		execv(bin, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	assert_non_null(o.out = od_test_read_file(outp));
	assert_non_null(o.err = od_test_read_file(errp));
	return o;
}

static void
test_agreements_text(void **state)
{
	struct ctl_out	 o;

	(void)state;
	if (!life_up)
		skip();
	o = ctl_run("outreach", "agreements", "PE-1", NULL);
	assert_string_equal(o.err, "");
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out,
	    "PE-1:A1  plan  superseded\n"
	    "  created      2026-12-03T14:00:00.000Z\n"
	    "  total        300.00 PEN\n"
	    "  cycle        2026-11-20, policy pe-consumer\n"
	    "  offer        cuotas, option 3 (offered in PE-1:2026-11-20:offer_plan#1)\n"
	    "  evidence     reply via sms at 2026-12-03T13:59:40.000Z: \"3\"\n"
	    "  replaced by  PE-1:A2\n"
	    "  outcome      superseded at 2026-12-05T10:00:00.000Z, paid 0.00: replaced by PE-1:A2\n"
	    "  schedule     1  2026-12-10  100.00\n"
	    "               2  2027-01-10  100.00\n"
	    "               3  2027-02-10  100.00\n"
	    "\n"
	    "PE-1:A2  settlement  active\n"
	    "  created      2026-12-05T10:00:00.000Z\n"
	    "  total        250.00 PEN\n"
	    "  cycle        2026-11-20, policy pe-consumer\n"
	    "  offer        descuento\n"
	    "  terms        20% off if paid by 2026-12-12\n"
	    "  evidence     agent by j.perez at 2026-12-05T09:58:00.000Z: \"Cliente acepta "
	    "liquidar con descuento del 20% si paga ant...\"\n"
	    "  replaces     PE-1:A1\n"
	    "  schedule     1  2026-12-12  250.00\n"
	    "\n"
	    "PE-1:A3  promise  broken\n"
	    "  created      2026-12-06T10:00:00.000Z\n"
	    "  total        300.00 PEN\n"
	    "  cycle        2026-11-20, policy pe-consumer\n"
	    "  promise      kept once 270.00 is paid, 2 days' grace\n"
	    "  evidence     link at 2026-12-06T09:59:00.000Z, token f3a9c2e17...\n"
	    "  outcome      broken at 2026-12-15T05:00:00.000Z, paid 100.00: 100.00 of 270.00 "
	    "paid by 2026-12-14\n"
	    "  schedule     1  2026-12-12  300.00\n");
	ctl_out_free(&o);
}

static void
test_agreements_json(void **state)
{
	static const char *const want[][3] = {
		{ "agreement", "PE-1:A1", "superseded" }, { "agreement", "PE-1:A2", "active" },
		{ "outcome", "PE-1:A1", "superseded" }, { "agreement", "PE-1:A3", "broken" },
		{ "outcome", "PE-1:A3", "broken" } };
	struct ctl_out	 o;
	json_t		*d;
	char		*line, *save = NULL;
	size_t		 n = 0;

	(void)state;
	if (!life_up)
		skip();
	o = ctl_run("outreach", "agreements", "PE-1", "--json", NULL);
	assert_int_equal(o.status, 0);
	/* the documents whole: the evidence's text is not cut */
	assert_non_null(strstr(o.out, "confirmado por tel\xc3\xa9" "fono\""));
	for (line = strtok_r(o.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(n < 5);
		assert_non_null(d = json_loads(line, 0, NULL));
		assert_string_equal(od_test_str(d, "type"), want[n][0]);
		assert_string_equal(od_test_str(d, "id"), want[n][1]);
		assert_string_equal(od_test_str(d, "status"), want[n][2]);
		json_decref(d);
		n++;
	}
	assert_int_equal(n, 5);
	ctl_out_free(&o);
}

static void
test_agreements_none(void **state)
{
	struct ctl_out	 o;

	(void)state;
	if (!life_up)
		skip();
	o = ctl_run("outreach", "agreements", "PE-9", NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "outreachctl: no such account PE-9 (not in outreach:accounts "
	    "or outreach:state)\n");
	ctl_out_free(&o);
	o = ctl_run("outreach", "agreements", "PE-9", "--json", NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	ctl_out_free(&o);
	o = ctl_run("outreach", "agreements", "PE-2", NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "outreachctl: no agreements recorded for PE-2\n");
	ctl_out_free(&o);
	o = ctl_run("outreach", "agreements", NULL);
	assert_int_equal(o.status, 2);
	ctl_out_free(&o);
}

static void
test_attempts_lifecycle(void **state)
{
	struct ctl_out	 o;

	(void)state;
	if (!life_up)
		skip();
	o = ctl_run("outreach", "attempts", "PE-1", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out,
	    "TIME                      STEP        STAGE  CHANNEL  GATEWAY  STATUS          "
	    "AGREEMENT  REASON / PROVIDER ID\n"
	    "2026-12-01T14:00:00.123Z  offer_plan  offer  sms      outbox   sent            "
	    "           SM8f2c\n"
	    "2026-12-03T14:00:00.000Z                                       agreement       "
	    "PE-1:A1    plan cuotas, 3 instalments of 100.00\n"
	    "2026-12-15T05:00:00.000Z                                       promise_broken  "
	    "PE-1:A3    100.00 of 270.00 paid\n"
	    "2026-12-20T09:00:00.000Z                                       handoff         "
	    "           placed with agency-a\n");
	ctl_out_free(&o);
	/* an account without lifecycle records: no AGREEMENT column */
	o = ctl_run("outreach", "attempts", "PE-2", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out,
	    "TIME                      STEP          STAGE     CHANNEL  GATEWAY  STATUS  "
	    "REASON / PROVIDER ID\n"
	    "2026-11-01T14:00:00.000Z  reminder_due  reminder  sms      outbox   sent    SM1\n");
	ctl_out_free(&o);
}

static void
test_handoff_list(void **state)
{
	struct ctl_out	 o;
	json_t		*d;
	char		*nl;

	(void)state;
	if (!life_up)
		skip();
	/* PE-3 was recalled; PE-1 shows its newest placement only */
	o = ctl_run("outreach", "handoff", "list", NULL);
	assert_string_equal(o.err, "");
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out,
	    "ACCOUNT  PLACEMENT  PLACED                    BALANCE  CURRENCY  ATTEMPTS  "
	    "AGREEMENTS  REASON\n"
	    "PE-2     legal      2026-12-10T09:00:00.000Z    80.00  PEN              0  "
	    "         0  final notice unanswered\n"
	    "PE-1     agency-a   2026-12-20T09:00:00.000Z   200.00  PEN              2  "
	    "         3  promise broken, 200.00 still owed\n");
	ctl_out_free(&o);

	o = ctl_run("outreach", "handoff", "list", "--placement", "agency-a", NULL);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(o.out, "\nPE-1     agency-a   2026-12-20T09:00:00.000Z"));
	assert_null(strstr(o.out, "PE-2"));
	assert_null(strstr(o.out, "PE-3"));		/* agency-a's, but recalled */
	ctl_out_free(&o);

	/* PE-1 was with agency-b before: not any more */
	o = ctl_run("outreach", "handoff", "list", "--placement", "agency-b", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "no accounts placed with agency-b\n");
	ctl_out_free(&o);

	o = ctl_run("outreach", "handoff", "list", "--json", "--placement=legal", NULL);
	assert_int_equal(o.status, 0);
	assert_non_null(nl = strchr(o.out, '\n'));
	assert_string_equal(nl + 1, "");		/* one line */
	assert_non_null(d = json_loads(o.out, 0, NULL));
	assert_string_equal(od_test_str(d, "account_id"), "PE-2");
	assert_string_equal(od_test_str(d, "placement"), "legal");
	assert_string_equal(od_test_str(d, "balance"), "80.00");
	assert_string_equal(od_test_str(d, "reason"), "final notice unanswered");
	assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 0);
	json_decref(d);
	ctl_out_free(&o);

	o = ctl_run("outreach", "handoff", "lst", NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "handoff: \"lst\" is not list or export"));
	ctl_out_free(&o);
}

static void
test_handoff_export_csv(void **state)
{
	struct ctl_out	 o;

	(void)state;
	if (!life_up)
		skip();
	o = ctl_run("outreach", "handoff", "export", "--format", "csv", NULL);
	assert_string_equal(o.err, "");
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out,
	    "account_id,placement,ts,debtor_name,phone,email,balance,currency,due_date,"
	    "days_past_due,attempts,last_attempt_ts,agreements,broken_promises,reason\r\n"
	    "PE-2,legal,2026-12-10T09:00:00.000Z,Rosa Huam\xc3\xa1n,+51987000222,,80.00,PEN,"
	    "2026-10-01,,0,,0,0,final notice unanswered\r\n"
	    "PE-1,agency-a,2026-12-20T09:00:00.000Z,\"Quispe, Mar\xc3\xad" "a \"\"Mary\"\"\","
	    "+51987000111,maria@example.pe,200.00,PEN,2026-11-20,30,2,2026-12-01T14:00:00.000Z,"
	    "3,1,\"promise broken, 200.00 still owed\"\r\n");
	ctl_out_free(&o);

	o = ctl_run("outreach", "handoff", "export", "--format", "csv", "--placement", "legal",
	    NULL);
	assert_int_equal(o.status, 0);
	assert_non_null(strstr(o.out, "\r\nPE-2,legal,"));
	assert_null(strstr(o.out, "PE-1"));
	ctl_out_free(&o);

	o = ctl_run("outreach", "handoff", "export", NULL);
	assert_int_equal(o.status, 2);
	assert_non_null(strstr(o.err, "handoff export: --format csv or jsonl expected"));
	ctl_out_free(&o);
	o = ctl_run("outreach", "handoff", "export", "--format", "xml", NULL);
	assert_int_equal(o.status, 2);
	ctl_out_free(&o);
}

static void
test_handoff_export_jsonl(void **state)
{
	struct ctl_out	 o;
	struct stat	 sb;
	json_t		*d;
	char		 path[400], part[410], want[500], *text, *l2;

	(void)state;
	if (!life_up)
		skip();
	snprintf(path, sizeof(path), "%s/agency.jsonl", life.dir);
	snprintf(part, sizeof(part), "%s.part", path);
	o = ctl_run("outreach", "handoff", "export", "--format", "jsonl", "--output", path, NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "");
	snprintf(want, sizeof(want), "outreachctl: exported 2 accounts to %s\n", path);
	assert_string_equal(o.err, want);
	ctl_out_free(&o);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);	/* personal data */
	assert_int_equal(stat(part, &sb), -1);
	assert_non_null(text = od_test_read_file(path));
	assert_non_null(l2 = strchr(text, '\n'));
	*l2++ = '\0';
	assert_string_equal(text, "{\"account_id\":\"PE-2\",\"placement\":\"legal\","
	    "\"ts\":\"2026-12-10T09:00:00.000Z\",\"balance\":\"80.00\",\"currency\":\"PEN\","
	    "\"reason\":\"final notice unanswered\",\"account\":{\"account_id\":\"PE-2\","
	    "\"debtor\":{\"name\":\"Rosa Huam\xc3\xa1n\",\"phone\":\"+51987000222\"},"
	    "\"debt\":{\"amount\":\"80.00\",\"currency\":\"PEN\",\"due_date\":\"2026-10-01\"}},"
	    "\"state\":{\"status\":\"placed\",\"placement\":\"legal\"},\"attempts\":[],"
	    "\"agreements\":[]}");
	/* the newest file of PE-1, its members as stored (0.1 stays 0.1) */
	assert_non_null(strstr(l2, "\"attributes\":{\"ratio\":0.1}"));
	assert_non_null(d = json_loads(l2, 0, NULL));
	assert_string_equal(od_test_str(d, "account_id"), "PE-1");
	assert_string_equal(od_test_str(d, "placement"), "agency-a");
	assert_string_equal(od_test_str(d, "balance"), "200.00");
	assert_string_equal(od_test_str(json_object_get(d, "state"), "placement"), "agency-a");
	assert_int_equal(json_array_size(json_object_get(d, "agreements")), 5);
	assert_int_equal(json_array_size(json_object_get(d, "attempts")), 5);
	json_decref(d);
	assert_non_null(strchr(l2, '\n'));
	assert_string_equal(strchr(l2, '\n') + 1, "");
	free(text);
}

/* Over two pages of P:handoff and two HMGETs of P:state: each placed account once. */
static void
test_handoff_pages(void **state)
{
	struct ctl_out	 o;
	json_t		*d, *seen;
	char		*line, *save = NULL, id[32];
	int		 n, want_bulk = 0, want_bulk2 = 0, got_bulk = 0, got_bulk2 = 0;

	(void)state;
	if (!life_up)
		skip();
	for (n = 0; n < BULK_ACCOUNTS; n++)
		if (n % 5 != 0) {
			if (n % 3 == 0)
				want_bulk2++;
			else
				want_bulk++;
		}
	o = ctl_run("bulk", "handoff", "export", "--format", "jsonl", NULL);
	assert_string_equal(o.err, "");
	assert_int_equal(o.status, 0);
	seen = json_object();
	for (line = strtok_r(o.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_non_null(d = json_loads(line, 0, NULL));
		snprintf(id, sizeof(id), "%s", od_test_str(d, "account_id"));
		assert_null(json_object_get(seen, id));		/* once */
		json_object_set_new(seen, id, json_true());
		n = atoi(id + 5);
		assert_int_not_equal(n % 5, 0);			/* recalled ones left out */
		if (strcmp(od_test_str(d, "placement"), "bulk2") == 0) {
			assert_int_equal(n % 3, 0);
			got_bulk2++;
		} else {
			assert_string_equal(od_test_str(d, "placement"), "bulk");
			assert_int_not_equal(n % 3, 0);
			got_bulk++;
		}
		json_decref(d);
	}
	assert_int_equal(got_bulk, want_bulk);
	assert_int_equal(got_bulk2, want_bulk2);
	json_decref(seen);
	ctl_out_free(&o);
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
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_agr_statuses),
		cmocka_unit_test_setup_teardown(test_enqueue_stream, redis_start, redis_stop),
	};
	const struct CMUnitTest lifecycle[] = {
		cmocka_unit_test(test_agreements_text),
		cmocka_unit_test(test_agreements_json),
		cmocka_unit_test(test_agreements_none),
		cmocka_unit_test(test_attempts_lifecycle),
		cmocka_unit_test(test_handoff_list),
		cmocka_unit_test(test_handoff_export_csv),
		cmocka_unit_test(test_handoff_export_jsonl),
		cmocka_unit_test(test_handoff_pages),
	};
	int	 failed;

	failed = cmocka_run_group_tests(tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("lifecycle", lifecycle, life_start, life_stop);
	return failed;
}
