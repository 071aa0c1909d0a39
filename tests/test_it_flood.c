/*
 * Integration: a flood of slow clients on the admin port must not stop the
 * sending.  The daemon as built runs with RLIMIT_NOFILE at 1024 (soft and
 * hard: it cannot raise it), a real redis-server, and a scripted HTTP
 * server answering as Twilio (201, queued).  1,100 connections to the admin
 * port each send the start of a request and hold, as a slowloris would (on
 * main before the fix: EMFILE at accept, millions of log lines, the loop
 * spinning, gateway connects failing and the breaker opening).
 *
 * While they are held: every account enqueued is sent, once, through the
 * Twilio-like server; no record is anything but 'sent' (no retry, no
 * breaker); /healthz answers 200 on a fresh connection (it takes the slot
 * of a slow client that has waited a quarter of admin.request_timeout, or
 * one freed by the whole-request deadline); the log
 * has no line per failed accept.  Then the flood closes and the admin
 * port's connection gauge comes back down.
 *
 * The clock is Monday 2026-03-09, 10:00 in Lima (inside the PE contact
 * window); small-balance accounts are due today (reminder_due, sms).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "od_test_httpd.h"
#include "od_testenv.h"

#define DUE		"2026-03-09"
#define NFLOOD		1100
#define NACCOUNTS	60
#define DAEMON_NOFILE	1024

static struct od_test_env	 g_env;
static pid_t			 g_pid;
static struct od_httpd		*g_tw;
static int			 g_flood[NFLOOD];
static int			 g_nflood;

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
flood_close(void)
{
	while (g_nflood > 0)
		close(g_flood[--g_nflood]);
}

static int
teardown(void **state)
{
	(void)state;
	flood_close();
	if (g_pid > 0)
		od_test_process_stop(g_pid, SIGKILL, 5000);
	g_pid = 0;
	od_httpd_stop(g_tw);
	g_tw = NULL;
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

static char *
fixture(const char *rel)
{
	char	 path[512], *s;
	size_t	 n;

	snprintf(path, sizeof(path), "%s/gateways/%s", OD_TEST_DATA, rel);
	assert_non_null(s = od_test_read_file(path));
	n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

/*
 * As od_test_daemon_start, with RLIMIT_NOFILE at DAEMON_NOFILE, soft and
 * hard, from before exec (the unit's default soft limit, and no way up).
 */
static pid_t
daemon_start(const char *log, const char *clk)
{
	char		 path[600], logpath[600];
	const char	*argv[] = { path, "--config", g_env.config, clk, NULL };
	struct rlimit	 rl = { DAEMON_NOFILE, DAEMON_NOFILE };
	pid_t		 pid;
	int		 fd;

	snprintf(path, sizeof(path), "%s/bin/outreachd", OD_BUILD_DIR);
	snprintf(logpath, sizeof(logpath), "%s/%s", g_env.dir, log);
	if ((pid = fork()) == 0) {
		if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 2);
			dup2(fd, 1);
			close(fd);
		}
		/* The flood's descriptors are the parent's: none inherited past 2. */
		for (fd = 3; fd < 4096; fd++)
			close(fd);
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(126);
		setenv("OUTREACHD_ADMIN_PORT", "0", 1);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* The admin port, from the daemon's log line "listening on 127.0.0.1:PORT". */
static int
admin_port(void)
{
	char		 path[600], *log, *p;
	long long	 until = mono_ms() + 20000;
	int		 port = 0;

	snprintf(path, sizeof(path), "%s/d.log", g_env.dir);
	while (port == 0 && mono_ms() < until) {
		if ((log = od_test_read_file(path)) != NULL &&
		    (p = strstr(log, "[admin] listening on 127.0.0.1:")) != NULL)
			port = atoi(p + strlen("[admin] listening on 127.0.0.1:"));
		free(log);
		if (port == 0)
			od_test_sleep_ms(20);
	}
	assert_true(port > 0);
	return port;
}

/*
 * One request on a fresh connection: the status (0 when the connection
 * failed or closed unanswered), the whole reply in buf.
 */
static int
admin_get(int port, const char *target, char *buf, size_t len)
{
	struct sockaddr_in	sa;
	struct timeval		tv = { 5, 0 };
	char			req[256];
	size_t			got = 0;
	ssize_t			n;
	int			fd, status = 0;

	buf[0] = '\0';
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	    target);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req)) {
		while (got + 1 < len && (n = recv(fd, buf + got, len - 1 - got, 0)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
			status = 0;
	}
	close(fd);
	return status;
}

/* A series' value in /metrics text, or -1. */
static double
metric_in(const char *text, const char *series)
{
	size_t		 n = strlen(series);
	const char	*p;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

/*
 * NFLOOD connections, each sending the start of a request and holding.
 * Connected without blocking (the backlog overflows: SYNs are retried),
 * the partial request written to each once it is up.  $OD_TEST_FLOOD
 * changes the count (for experiments).
 */
static void
flood_open(int port)
{
	static const char	 partial[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
	static struct pollfd	 pfd[NFLOOD];
	struct sockaddr_in	 sa;
	long long		 until;
	int			 pending, i, fd, nflood;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	nflood = getenv("OD_TEST_FLOOD") ? atoi(getenv("OD_TEST_FLOOD")) : NFLOOD;
	for (i = 0; i < nflood; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
			assert_int_equal(errno, EINPROGRESS);
		g_flood[g_nflood++] = fd;
		pfd[i].fd = fd;
		pfd[i].events = POLLOUT;
	}
	/* Each up (or refused) in its time; the partial request to those up. */
	until = mono_ms() + 30000;
	pending = nflood;
	while (pending > 0 && mono_ms() < until) {
		if (poll(pfd, (nfds_t)nflood, 200) <= 0)
			continue;
		for (i = 0; i < nflood; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			(void)send(pfd[i].fd, partial, strlen(partial), MSG_NOSIGNAL);
			pfd[i].fd = -1;
			pending--;
		}
	}
	printf("# flood: %d connections opened, %d still connecting\n", nflood, pending);
}

/* A phone of its own (the contact rules count per debtor's phone): +51987000nnn. */
static void
phone_own(char *body, size_t i)
{
	char	*p = body, num[16];

	snprintf(num, sizeof(num), "+51987%06zu", 200 + i);
	while ((p = strstr(p, "+51987000111")) != NULL) {
		memcpy(p, num, 12);
		p += 12;
	}
}

static void
test_admin_flood_does_not_stop_sending(void **state)
{
	struct rlimit	 rl;
	char		 gws[1024], clk[64], id[32], *created, *log, path[600], *body;
	static char	 buf[256 * 1024];
	json_t		*hist, *r;
	long long	 t0, until, t_health = -1;
	size_t		 i;
	int		 port, status = 0, sent = 0;

	(void)state;
	/* The test's own descriptors: the flood, the sink's, Redis. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < NFLOOD + 512)
		skip();
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);

	created = fixture("twilio/201_queued.json");
	assert_non_null(g_tw = od_httpd_start(0));
	{
		struct od_httpd_reply ok = { OD_HTTPD_REPLY, 201, NULL, created, 0 };

		od_httpd_script(g_tw, &ok);
	}
	setenv("OD_TEST_TWILIO_TOKEN", "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c", 1);
	snprintf(gws, sizeof(gws),
	    "  twa:\n"
	    "    plugin: sms-twilio\n"
	    "    base_url: \"http://127.0.0.1:%d\"\n"
	    "    account_sid: AC0123456789abcdef0123456789abcdef\n"
	    "    auth_token_env: OD_TEST_TWILIO_TOKEN\n"
	    "    from: \"+15005550006\"\n"
	    /* within the sink's accept backlog (16): a burst of connects is not lost there */
	    "    max_inflight: 8\n",
	    od_httpd_port(g_tw));
	assert_int_equal(od_test_env_start_with(&g_env, "itflood", NULL, NULL, NULL, gws,
	    "  sms: twa\n  whatsapp: outbox\n  email: outbox\n"), 0);
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_pid = daemon_start("d.log", clk);
	assert_true(g_pid > 0);
	port = admin_port();
	assert_int_equal(admin_get(port, "/healthz", buf, sizeof(buf)), 200);

	/* The flood, held from here on. */
	t0 = mono_ms();
	flood_open(port);
	assert_int_equal(kill(g_pid, 0), 0);

	/* Accounts due now, enqueued while the flood is held: each is sent, once. */
	for (i = 0; i < NACCOUNTS; i++) {
		snprintf(id, sizeof(id), "PE-F%03zu", i);
		assert_non_null(body = od_test_account(id, DUE, "150.00", NULL));
		phone_own(body, i);
		assert_int_equal(od_test_enqueue(&g_env, "account", body), 0);
		free(body);
	}
	until = mono_ms() + 40000;
	while (od_httpd_nrequests(g_tw) < NACCOUNTS && mono_ms() < until)
		od_test_sleep_ms(20);
	printf("# %zu of %d sent to the Twilio-like server %lld ms after the flood began\n",
	    od_httpd_nrequests(g_tw), NACCOUNTS, mono_ms() - t0);
	if (od_httpd_nrequests(g_tw) != NACCOUNTS)
		for (i = 0; i < NACCOUNTS; i++) {
			snprintf(id, sizeof(id), "PE-F%03zu", i);
			hist = od_test_history(&g_env, id);
			if (json_array_size(hist) != 1 ||
			    strcmp(od_test_str(json_array_get(hist, 0), "status"), "sent") != 0)
				printf("# %s: %zu records: %s %s\n", id, json_array_size(hist),
				    od_test_str(json_array_get(hist, 0), "status"),
				    od_test_str(json_array_get(hist, 0), "reason"));
			json_decref(hist);
		}
	assert_int_equal(od_httpd_nrequests(g_tw), NACCOUNTS);

	/* /healthz on a fresh connection: 200 before a generous deadline. */
	until = mono_ms() + 40000;
	while ((status = admin_get(port, "/healthz", buf, sizeof(buf))) != 200 &&
	    mono_ms() < until)
		od_test_sleep_ms(100);
	t_health = mono_ms() - t0;
	printf("# /healthz 200 %lld ms after the flood began\n", t_health);
	assert_int_equal(status, 200);
	assert_string_equal(strstr(buf, "\r\n\r\n") + 4, "ok\n");

	/* Every account: one record, 'sent'; nothing retried, no breaker. */
	for (i = 0; i < NACCOUNTS; i++) {
		snprintf(id, sizeof(id), "PE-F%03zu", i);
		assert_int_equal(od_test_wait_int(&g_env, 1, 20000, "LLEN outreach:hist:%s", id), 1);
		hist = od_test_history(&g_env, id);
		assert_int_equal(json_array_size(hist), 1);
		r = json_array_get(hist, 0);
		if (strcmp(od_test_str(r, "status"), "sent") != 0)
			fail_msg("%s: %s (%s)", id, od_test_str(r, "status"), od_test_str(r, "reason"));
		sent++;
		json_decref(hist);
	}
	assert_int_equal(sent, NACCOUNTS);
	assert_int_equal(od_httpd_nrequests(g_tw), NACCOUNTS);	/* none twice */

	until = mono_ms() + 20000;
	while (admin_get(port, "/metrics", buf, sizeof(buf)) != 200 && mono_ms() < until)
		od_test_sleep_ms(100);
	assert_true(metric_in(buf, "outreachd_breaker_state{gateway=\"twa\"}") == 0);
	printf("# refused (full) %.0f, dropped %.0f, accept errors %.0f\n",
	    metric_in(buf, "outreachd_admin_refused_total{reason=\"full\"}"),
	    metric_in(buf, "outreachd_admin_dropped_total"),
	    metric_in(buf, "outreachd_admin_accept_errors_total"));
	assert_true(metric_in(buf, "outreachd_admin_refused_total{reason=\"full\"}") > 0);

	/* The flood leaves: only the connection asking is left. */
	flood_close();
	until = mono_ms() + 20000;
	do {
		od_test_sleep_ms(100);
		status = admin_get(port, "/metrics", buf, sizeof(buf));
	} while ((status != 200 || metric_in(buf, "outreachd_admin_connections") != 1) &&
	    mono_ms() < until);
	assert_int_equal(status, 200);
	assert_true(metric_in(buf, "outreachd_admin_connections") == 1);

	/* No line per failed accept (libevent's own warning never appears). */
	snprintf(path, sizeof(path), "%s/d.log", g_env.dir);
	assert_non_null(log = od_test_read_file(path));
	assert_null(strstr(log, "Error from accept() call"));
	free(log);
	assert_int_equal(kill(g_pid, 0), 0);
	free(created);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_admin_flood_does_not_stop_sending, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
