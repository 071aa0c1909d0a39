/*
 * od_log: the stderr line format, the journal's native datagrams (a test
 * socket named by $OUTREACHD_JOURNAL_SOCKET, with $JOURNAL_STREAM naming
 * stderr as systemd would), the fallback to stderr, and the masking
 * functions' exact outputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "od_log.h"

static char	g_dir[256], g_errfile[300], g_sock[300];
static int	g_saved_stderr = -1, g_sockfd = -1;

/* stderr to a fresh file; the journal socket path in the same directory. */
static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");
	int		 fd;

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "%s/od-log-XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	snprintf(g_errfile, sizeof(g_errfile), "%s/stderr", g_dir);
	snprintf(g_sock, sizeof(g_sock), "%s/journal.sock", g_dir);
	if ((fd = open(g_errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	g_saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	unsetenv("JOURNAL_STREAM");
	setenv("OUTREACHD_JOURNAL_SOCKET", g_sock, 1);
	od_log_set_level(OD_LOG_INFO);
	od_log_setup();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (g_saved_stderr != -1) {
		dup2(g_saved_stderr, STDERR_FILENO);
		close(g_saved_stderr);
		g_saved_stderr = -1;
	}
	if (g_sockfd != -1)
		close(g_sockfd);
	g_sockfd = -1;
	unlink(g_sock);
	unlink(g_errfile);
	rmdir(g_dir);
	unsetenv("JOURNAL_STREAM");
	unsetenv("OUTREACHD_JOURNAL_SOCKET");
	od_log_setup();
	return 0;
}

/* What was written to stderr so far (static buffer). */
static const char *
captured(void)
{
	static char	buf[8192];
	ssize_t		n;
	int		fd = open(g_errfile, O_RDONLY);

	assert_true(fd != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void
assert_matches(const char *text, const char *pattern)
{
	regex_t	re;
	int	rc;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		fail_msg("%s\ndoes not match\n%s", text, pattern);
}

/* Points $JOURNAL_STREAM at our stderr, as systemd does, and binds the test journal. */
static void
journal_on(void)
{
	struct sockaddr_un	sa;
	struct stat		st;
	char			js[64];
	struct timeval		tv = { 2, 0 };

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	g_sockfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(g_sockfd != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", g_sock) >= sizeof(sa.sun_path))
		fail_msg("socket path too long: %s", g_sock);
	assert_int_equal(bind(g_sockfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(g_sockfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	od_log_setup();
}

static size_t
journal_recv(char *buf, size_t len)
{
	ssize_t	n = recv(g_sockfd, buf, len, 0);

	assert_true(n > 0);
	return (size_t)n;
}

static void
test_stderr_line(void **state)
{
	(void)state;
	assert_int_equal(od_log_journal(), 0);
	od_log_info("queue", "main connection to Redis up");
	od_log_warn("dispatch", "action %s: lease lost; not sent here", "PE-1:2026-03-09:reminder_due");
	od_log_debug("dispatch", "not shown at level info");
	assert_matches(captured(),
	    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z info \\[queue\\] "
	    "main connection to Redis up\n"
	    "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z warning \\[dispatch\\] "
	    "action PE-1:2026-03-09:reminder_due: lease lost; not sent here\n$");
}

static void
test_stderr_fields(void **state)
{
	const struct od_log_field f[] = {
		{ OD_LOG_ACCOUNT_ID, "PE-1" },
		{ OD_LOG_ACTION_ID, "PE-1:2026-03-09:reminder_due" },
		{ OD_LOG_GATEWAY, "outbox" },
		{ OD_LOG_STATUS, "sent" },
		{ "OD_REASON", "lease lost \"twice\"" },
		{ "bad key", "dropped" },
		{ OD_LOG_STATUS, NULL },
	};

	(void)state;
	od_log_kv(OD_LOG_INFO, "dispatch", f, sizeof(f) / sizeof(f[0]), "attempt %d recorded", 1);
	od_log_kv(OD_LOG_DEBUG, "dispatch", f, 1, "below the level");
	od_log_kv(OD_LOG_ERR, "intake", NULL, 3, "no fields");
	assert_matches(captured(),
	    "^[0-9T:.-]{23}Z info \\[dispatch\\] attempt 1 recorded account=PE-1 "
	    "action=PE-1:2026-03-09:reminder_due gateway=outbox status=sent "
	    "od_reason=\"lease lost \\\\\"twice\\\\\"\"\n"
	    "[0-9T:.-]{23}Z error \\[intake\\] no fields\n$");
}

static void
test_journal_datagram(void **state)
{
	const struct od_log_field f[] = {
		{ OD_LOG_ACCOUNT_ID, "PE-1" },
		{ OD_LOG_ACTION_ID, "PE-1:2026-03-09:reminder_due" },
		{ OD_LOG_GATEWAY, "outbox" },
		{ OD_LOG_STATUS, "sent" },
		{ "_PID", "1" },	/* trusted fields are the journal's own: dropped */
	};
	static const char want[] =
	    "MESSAGE=[dispatch] attempt 1 recorded\n"
	    "PRIORITY=6\n"
	    "SYSLOG_IDENTIFIER=outreachd\n"
	    "OD_COMPONENT=dispatch\n"
	    "ACCOUNT_ID=PE-1\n"
	    "ACTION_ID=PE-1:2026-03-09:reminder_due\n"
	    "GATEWAY=outbox\n"
	    "STATUS=sent\n";
	static const char want2[] =
	    "MESSAGE=[config] reload refused: 1 error(s); the running configuration stays\n"
	    "PRIORITY=3\n"
	    "SYSLOG_IDENTIFIER=outreachd\n"
	    "OD_COMPONENT=config\n";
	char	buf[4096];
	size_t	n;

	(void)state;
	journal_on();
	assert_int_equal(od_log_journal(), 1);
	od_log_kv(OD_LOG_INFO, "dispatch", f, sizeof(f) / sizeof(f[0]), "attempt %d recorded", 1);
	n = journal_recv(buf, sizeof(buf));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(buf, want, n);

	od_log_err("config", "reload refused: %d error(s); the running configuration stays", 1);
	n = journal_recv(buf, sizeof(buf));
	assert_int_equal(n, sizeof(want2) - 1);
	assert_memory_equal(buf, want2, n);
	/* Nothing on stderr: the journal has it. */
	assert_string_equal(captured(), "");
}

/* A value with a newline: "KEY\n", its length as 64-bit little-endian, the bytes, "\n". */
static void
test_journal_multiline(void **state)
{
	static const char head[] = "MESSAGE\n";
	static const char text[] = "[config] policy/a.yaml:3:10: unknown stage 'bogus'\nsecond line";
	char		buf[4096];
	size_t		n, off;
	uint64_t	len = 0;
	int		i;

	(void)state;
	journal_on();
	od_log_err("config", "policy/a.yaml:3:10: unknown stage 'bogus'\nsecond line");
	n = journal_recv(buf, sizeof(buf));
	assert_true(n > sizeof(head) + 8);
	assert_memory_equal(buf, head, sizeof(head) - 1);
	off = sizeof(head) - 1;
	for (i = 0; i < 8; i++)
		len |= (uint64_t)(unsigned char)buf[off + (size_t)i] << (8 * i);
	assert_int_equal(len, sizeof(text) - 1);
	off += 8;
	assert_memory_equal(buf + off, text, sizeof(text) - 1);
	off += sizeof(text) - 1;
	assert_int_equal(buf[off], '\n');
	off++;
	buf[n] = '\0';
	assert_string_equal(buf + off, "PRIORITY=3\nSYSLOG_IDENTIFIER=outreachd\nOD_COMPONENT=config\n");
}

/* $JOURNAL_STREAM naming another stream (stderr redirected by hand): plain lines. */
static void
test_journal_stream_mismatch(void **state)
{
	(void)state;
	journal_on();
	setenv("JOURNAL_STREAM", "1:1", 1);
	od_log_setup();
	assert_int_equal(od_log_journal(), 0);
	setenv("JOURNAL_STREAM", "garbage", 1);
	od_log_setup();
	assert_int_equal(od_log_journal(), 0);
	od_log_info("daemon", "to stderr");
	assert_matches(captured(), "^[0-9T:.-]{23}Z info \\[daemon\\] to stderr\n$");
}

/* No journal socket, or nobody listening on it: the line still reaches stderr. */
static void
test_journal_fallback(void **state)
{
	struct stat	st;
	char		js[64];
	const struct od_log_field f[] = { { OD_LOG_ACCOUNT_ID, "PE-9" } };

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	od_log_setup();				/* the socket does not exist */
	assert_int_equal(od_log_journal(), 0);
	od_log_info("daemon", "no socket");

	journal_on();				/* bound, then closed: the path stays, refusing */
	close(g_sockfd);
	g_sockfd = -1;
	assert_int_equal(od_log_journal(), 1);
	od_log_kv(OD_LOG_WARNING, "daemon", f, 1, "nobody listening");
	assert_matches(captured(), "^[0-9T:.-]{23}Z info \\[daemon\\] no socket\n"
	    "[0-9T:.-]{23}Z warning \\[daemon\\] nobody listening account=PE-9\n$");
}

static void
test_fatal(void **state)
{
	pid_t	pid;
	int	status;

	(void)state;
	if ((pid = fork()) == 0) {
		signal(SIGABRT, SIG_DFL);
		od_fatal("queue", "broken invariant: %d leases below zero", -1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_matches(captured(),
	    "^[0-9T:.-]{23}Z error \\[queue\\] broken invariant: -1 leases below zero\n$");
}

/* Whoever forgot to mask: numbers and addresses in a line are masked on the way out. */
static void
test_scrub(void **state)
{
	(void)state;
	od_log_info("intake", "rejected entry 1-0: body: invalid JSON at line 1, column 57: "
	    "'}' expected near '\"+51911222333\"'");
	od_log_info("gateway:smtp", "SMTP 550: <zq.privado@correo-unico.pe>: unknown; "
	    "to +5491155550000, short +51123, x@y, a@b.pe");
	od_log_info("dispatch", "action PE-1:2026-03-09:reminder_due; company +51 1 700 0000");
	assert_matches(captured(),
	    "^[0-9T:.-]{23}Z info \\[intake\\] rejected entry 1-0: body: invalid JSON at line 1, "
	    "column 57: '\\}' expected near '\"\\+51\\*{6}333\"'\n"
	    "[0-9T:.-]{23}Z info \\[gateway:smtp\\] SMTP 550: <z\\*{9}@correo-unico\\.pe>: unknown; "
	    "to \\+54\\*{8}000, short \\+51123, x@y, a@b\\.pe\n"
	    "[0-9T:.-]{23}Z info \\[dispatch\\] action PE-1:2026-03-09:reminder_due; "
	    "company \\+51 1 700 0000\n$");
}

static void
test_mask_phone(void **state)
{
	char	b[32];

	(void)state;
	assert_string_equal(od_mask_phone("+51987654321", b, sizeof(b)), "+51******321");
	assert_string_equal(od_mask_phone("+5491155550000", b, sizeof(b)), "+54********000");
	assert_string_equal(od_mask_phone("123456", b, sizeof(b)), "******");
	assert_string_equal(od_mask_phone("", b, sizeof(b)), "");
	assert_string_equal(od_mask_phone(NULL, b, sizeof(b)), "-");
	/* Truncated to the buffer, still NUL-terminated. */
	assert_string_equal(od_mask_phone("+51987654321", b, 6), "+51**");
}

static void
test_mask_email(void **state)
{
	char	b[64];

	(void)state;
	assert_string_equal(od_mask_email("ana@example.pe", b, sizeof(b)), "a**@example.pe");
	assert_string_equal(od_mask_email("rosa.huaman@correo.pe", b, sizeof(b)),
	    "r**********@correo.pe");
	assert_string_equal(od_mask_email("x@y.pe", b, sizeof(b)), "x@y.pe");
	/* Not an address: masked as a name. */
	assert_string_equal(od_mask_email("not an address", b, sizeof(b)), "n** a* a******");
	assert_string_equal(od_mask_email(NULL, b, sizeof(b)), "-");
	assert_string_equal(od_mask_email("ana@example.pe", b, 5), "a**@");
}

static void
test_mask_name(void **state)
{
	char	b[64];

	(void)state;
	assert_string_equal(od_mask_name("Ana Quispe", b, sizeof(b)), "A** Q*****");
	/* One star per character, not per byte (á is two bytes). */
	assert_string_equal(od_mask_name("Rosa Huamán", b, sizeof(b)), "R*** H*****");
	/* A non-ASCII initial is masked too. */
	assert_string_equal(od_mask_name("Ñusta Ávila", b, sizeof(b)), "***** *****");
	assert_string_equal(od_mask_name(NULL, b, sizeof(b)), "-");
	assert_string_equal(od_mask_name("Ana Quispe", b, 4), "A**");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stderr_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stderr_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_datagram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_multiline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_stream_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scrub, setup, teardown),
		cmocka_unit_test(test_mask_phone),
		cmocka_unit_test(test_mask_email),
		cmocka_unit_test(test_mask_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
