/*
 * Integration: the daemon as a service, as an operator sees it.  A real
 * redis-server, the daemon as built, the shipped policies and templates.
 *
 *  - sd_notify: READY=1, RELOADING=1 ... READY=1 around SIGHUP, STATUS=
 *    every 5 s, WATCHDOG=1 every half $WATCHDOG_USEC, STOPPING=1 at SIGTERM
 *    (sd_notify(3); daemon/od_notify.h);
 *  - SIGHUP with a broken policy: every error as file:line:col, "reload
 *    refused", the running set keeps sending; fixed: "reloaded" and the
 *    new template text goes out;
 *  - SIGTERM under load: exit 0 within limits.shutdown_grace, no action
 *    recorded twice, the rest back in the due set, a restart finishes them;
 *  - the admin server: /metrics in the text exposition format, counters
 *    that move with sends and rejections, /healthz, /readyz (503 without
 *    Redis), the bearer token;
 *  - the log never holds a debtor's phone, email or name.
 *
 * The clock: Monday 2026-03-09, 10:00 in Lima (15:00 UTC), inside PE's
 * contact window (config/jurisdictions/PE.yaml: Mon-Fri 07:00-20:00, Ley
 * 29571 art. 62; reference/contact-rules.md).  An account due that day gets
 * reminder_due on whatsapp; one due 2026-03-12 gets reminder_upcoming
 * (-3d) on sms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "od_testenv.h"

/* reminder_due's successor, notice_overdue, at +3d 09:00 Lima = 2026-03-12 14:00 UTC. */
#define NEXT_DUE_MS	1773324000000LL

static struct od_test_env	g_env;
static pid_t			g_pid;
static int			g_notify = -1;

static int
teardown(void **state)
{
	(void)state;
	if (g_pid > 0)
		od_test_process_stop(g_pid, SIGKILL, 5000);
	g_pid = 0;
	if (g_notify != -1)
		close(g_notify);
	g_notify = -1;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("OD_IT_ADMIN_TOKEN");
	od_test_env_stop(&g_env);
	memset(&g_env, 0, sizeof(g_env));
	return 0;
}

static long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The text of a file, or NULL (caller frees). */
static char *
read_file(const char *path)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap ? cap * 2 : 8192));
			if (nb == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	buf[len] = '\0';
	return buf;
}

static pid_t
daemon_now(const struct od_test_env *e, const char *log)
{
	char		 clk[64];
	const char	*args[2] = { clk, NULL };

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	return g_pid = od_test_daemon_start(e, log, args);
}

static char *
log_text(const struct od_test_env *e, const char *log)
{
	char	path[600], *t;

	snprintf(path, sizeof(path), "%s/%s", e->dir, log);
	t = read_file(path);
	return t ? t : strdup("");
}

/* Waits until the daemon's log holds needle (count times); 1 found, 0 not. */
static int
wait_log(const struct od_test_env *e, const char *log, const char *needle, int count,
    int timeout_ms)
{
	long long	end = mono_ms() + timeout_ms;
	char		*t, *p;
	int		 n;

	for (;;) {
		t = log_text(e, log);
		for (n = 0, p = t; (p = strstr(p, needle)) != NULL; p += strlen(needle))
			n++;
		free(t);
		if (n >= count)
			return 1;
		if (mono_ms() > end)
			return 0;
		od_test_sleep_ms(20);
	}
}

/* Replaces the first from with to in the file; asserts it was there. */
static void
file_replace(const char *path, const char *from, const char *to)
{
	char	*t = read_file(path), *p;
	FILE	*fp;

	assert_non_null(t);
	p = strstr(t, from);
	if (p == NULL)
		fail_msg("%s: no \"%s\"", path, from);
	assert_non_null(fp = fopen(path, "w"));
	fwrite(t, 1, (size_t)(p - t), fp);
	fputs(to, fp);
	fputs(p + strlen(from), fp);
	fclose(fp);
	free(t);
}

static void
enqueue_account(const struct od_test_env *e, const char *id, const char *due)
{
	char	*body = od_test_account(id, due, "1234.50", NULL);

	assert_non_null(body);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

/* The outbox line (whatsapp.jsonl) of that action's text, or NULL (caller frees). */
static char *
outbox_text(const struct od_test_env *e, const char *file, const char *action_id)
{
	json_t		*out = od_test_outbox(e, file), *m;
	size_t		 i;
	char		*s = NULL;

	json_array_foreach(out, i, m)
		if (strcmp(json_string_value(json_object_get(m, "action_id")), action_id) == 0)
			s = strdup(json_string_value(json_object_get(m, "text")));
	json_decref(out);
	return s;
}

/* ---- sd_notify ------------------------------------------------------------ */

struct note {
	char		text[256];
	long long	at;
};

static struct note	g_notes[512];
static size_t		g_nnotes;

/* An abstract datagram socket; NOTIFY_SOCKET="@name" for the daemon. */
static void
notify_listen(void)
{
	struct sockaddr_un	sa;
	char			name[64];
	size_t			len;

	len = (size_t)snprintf(name, sizeof(name), "@od-it-service-%ld", (long)getpid());
	assert_true((g_notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0)) != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, len);
	sa.sun_path[0] = '\0';
	assert_int_equal(bind(g_notify, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	g_nnotes = 0;
}

static void
notify_drain(void)
{
	char	buf[256];
	ssize_t	n;

	while ((n = recv(g_notify, buf, sizeof(buf) - 1, 0)) > 0) {
		assert_true(g_nnotes < sizeof(g_notes) / sizeof(g_notes[0]));
		memcpy(g_notes[g_nnotes].text, buf, (size_t)n);
		g_notes[g_nnotes].text[n] = '\0';
		g_notes[g_nnotes].at = mono_ms();
		g_nnotes++;
	}
}

/* Index of the first note at or after from starting with prefix, waiting up to timeout_ms; -1. */
static long
notify_wait(size_t from, const char *prefix, int timeout_ms)
{
	long long	end = mono_ms() + timeout_ms;
	size_t		i;

	for (;;) {
		notify_drain();
		for (i = from; i < g_nnotes; i++)
			if (strncmp(g_notes[i].text, prefix, strlen(prefix)) == 0)
				return (long)i;
		if (mono_ms() > end)
			return -1;
		od_test_sleep_ms(10);
	}
}

static size_t
notify_count(size_t from, size_t to, const char *text)
{
	size_t	i, n = 0;

	for (i = from; i < to; i++)
		if (strcmp(g_notes[i].text, text) == 0)
			n++;
	return n;
}

static void
test_sd_notify(void **state)
{
	struct od_test_env	*const ep = &g_env;
	long			 ready, reloading, ready2, status, stopping;
	size_t			 mark, i, pings;
	long long		 t0;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itsvc", NULL, NULL), 0);
	notify_listen();
	setenv("WATCHDOG_USEC", "200000", 1);
	unsetenv("WATCHDOG_PID");
	t0 = mono_ms();
	daemon_now(ep, "d.log");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");

	/* The first word to systemd: ready, once Redis is up and the scripts are loaded. */
	assert_true((ready = notify_wait(0, "READY=1", 10000)) >= 0);
	assert_int_equal(ready, 0);
	assert_string_equal(g_notes[0].text, "READY=1");
	assert_true(wait_log(ep, "d.log", "[daemon] ready: consumer ", 1, 2000));

	/* The watchdog: WATCHDOG=1 every 100 ms (half of 200 ms) while the loop turns. */
	mark = g_nnotes;
	od_test_sleep_ms(1000);
	notify_drain();
	pings = notify_count(mark, g_nnotes, "WATCHDOG=1");
	print_message("%zu watchdog pings in one second\n", pings);
	assert_true(pings >= 6 && pings <= 14);

	/* SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1 again. */
	mark = g_nnotes;
	kill(g_pid, SIGHUP);
	assert_true((reloading = notify_wait(mark, "RELOADING=1\nMONOTONIC_USEC=", 5000)) >= 0);
	assert_true((ready2 = notify_wait((size_t)reloading + 1, "READY=1", 5000)) > reloading);
	assert_true(wait_log(ep, "d.log", "[daemon] reloaded: ", 1, 5000));
	for (i = mark; i < (size_t)ready2; i++)
		assert_true(strcmp(g_notes[i].text, "READY=1") != 0);

	/* STATUS= every 5 s: what `systemctl status` shows. */
	status = notify_wait(0, "STATUS=", (int)(t0 + 7000 - mono_ms()));
	assert_true(status >= 0);
	assert_string_equal(g_notes[status].text,
	    "STATUS=0 scheduled, 0 in flight, 0 sent in the last minute, 0 rejected");
	assert_true(g_notes[status].at - t0 >= 4500);

	/* SIGTERM: STOPPING=1, and the process exits 0. */
	mark = g_nnotes;
	kill(g_pid, SIGTERM);
	assert_true((stopping = notify_wait(mark, "STOPPING=1", 5000)) >= 0);
	assert_int_equal(od_test_process_wait(g_pid, 5000), 0);
	g_pid = 0;
	notify_drain();
	/* Nothing says READY after STOPPING, and the pings stopped with the loop. */
	for (i = (size_t)stopping; i < g_nnotes; i++)
		assert_true(strcmp(g_notes[i].text, "READY=1") != 0);
	assert_true(notify_count(0, g_nnotes, "READY=1") == 2);
}

/* ---- reload ----------------------------------------------------------------- */

static const char	wa_old[] =
    "Hola Rosa, Financiera Ejemplo S.A.C. tiene un mensaje sobre su cuenta: su pago de "
    "S/ 1,234.50 vence hoy, 9 de marzo de 2026. Si ya lo realizó, muchas gracias. Consultas "
    "al +51 1 700 0000. Responda BAJA si no desea recibir más mensajes.";
static const char	wa_new[] =
    "Hola Rosa, Financiera Ejemplo S.A.C. tiene un mensaje sobre su cuenta: su pago de "
    "S/ 1,234.50 vence hoy, 9 de marzo de 2026. Si ya pagó, le agradecemos. Consultas "
    "al +51 1 700 0000. Responda BAJA si no desea recibir más mensajes.";

static void
test_reload(void **state)
{
	struct od_test_env	*const ep = &g_env;
	char			 cmd[1200], from[700], to[700], pol[600], tmpl[600], want[900];
	char			*t, *p;
	int			 line;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itsvc", NULL, NULL), 0);
	/* The policies and templates, copied where the test may change them. */
	snprintf(cmd, sizeof(cmd), "cp -r '%s/policy' '%s/templates' '%s/'", OD_SOURCE_DIR,
	    OD_SOURCE_DIR, ep->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(from, sizeof(from), "policy_dir: %s/policy\n", OD_SOURCE_DIR);
	snprintf(to, sizeof(to), "policy_dir: %s/policy\n", ep->dir);
	file_replace(ep->config, from, to);
	snprintf(from, sizeof(from), "template_dir: %s/templates\n", OD_SOURCE_DIR);
	snprintf(to, sizeof(to), "template_dir: %s/templates\n", ep->dir);
	file_replace(ep->config, from, to);
	snprintf(pol, sizeof(pol), "%s/policy/pe-consumer.yaml", ep->dir);
	snprintf(tmpl, sizeof(tmpl), "%s/templates/es-PE/reminder_due.yaml", ep->dir);

	enqueue_account(ep, "RL-1", "2026-03-09");
	daemon_now(ep, "d.log");
	assert_int_equal(od_test_wait_status(ep, "RL-1", "sent", 1, 10000), 1);

	/* Broken: an unknown stage.  Every error with its position, and the refusal. */
	t = read_file(pol);
	assert_non_null(p = strstr(t, "    stage: notice\n"));
	for (line = 1; p > t; p--)
		line += p[-1] == '\n';
	free(t);
	file_replace(pol, "    stage: notice\n", "    stage: warning\n");
	kill(g_pid, SIGHUP);
	assert_true(wait_log(ep, "d.log", "reload refused", 1, 5000));
	t = log_text(ep, "d.log");
	/* the first "stage: notice" is notice_overdue's; the value starts at column 12 */
	snprintf(want, sizeof(want), "error [config] %s:%d:12: stage: unknown stage 'warning' "
	    "(reminder, notice, offer, final)\n", pol, line);
	if (strstr(t, want) == NULL)
		fail_msg("no \"%s\" in the log:\n%s", want, t);
	assert_non_null(strstr(t, "error [daemon] reload refused: 1 error(s); the running "
	    "configuration stays\n"));
	assert_null(strstr(t, "[daemon] reloaded"));
	free(t);

	/* The running set still sends, with the old text. */
	enqueue_account(ep, "RL-2", "2026-03-09");
	assert_int_equal(od_test_wait_status(ep, "RL-2", "sent", 1, 10000), 1);
	t = outbox_text(ep, "whatsapp.jsonl", "RL-2:2026-03-09:reminder_due");
	assert_non_null(t);
	assert_string_equal(t, wa_old);
	free(t);

	/* Fixed, and the template changed: reloaded, the next account gets the new text. */
	file_replace(pol, "    stage: warning\n", "    stage: notice\n");
	file_replace(tmpl, "Si ya lo realizó, muchas gracias.", "Si ya pagó, le agradecemos.");
	kill(g_pid, SIGHUP);
	assert_true(wait_log(ep, "d.log", "[daemon] reloaded: 6 policies, ", 1, 5000));
	enqueue_account(ep, "RL-3", "2026-03-09");
	assert_int_equal(od_test_wait_status(ep, "RL-3", "sent", 1, 10000), 1);
	t = outbox_text(ep, "whatsapp.jsonl", "RL-3:2026-03-09:reminder_due");
	assert_non_null(t);
	assert_string_equal(t, wa_new);
	free(t);
	t = outbox_text(ep, "whatsapp.jsonl", "RL-1:2026-03-09:reminder_due");
	assert_string_equal(t, wa_old);
	free(t);
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;
}

/* ---- SIGTERM under load ------------------------------------------------------ */

static void
enqueue_many(const struct od_test_env *e, int n)
{
	redisReply	*r;
	char		 id[32], *body;
	int		 i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "TL-%04d", i);
		body = od_test_account(id, "2026-03-09", "1234.50", NULL);
		assert_non_null(body);
		redisAppendCommand(e->rc, "XADD outreach:inbox * kind account body %s", body);
		free(body);
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(redisGetReply(e->rc, (void **)&r), REDIS_OK);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		freeReplyObject(r);
	}
}

static void
outbox_counts(const struct od_test_env *e, int *counts, int n)
{
	json_t	*out = od_test_outbox(e, "whatsapp.jsonl"), *m;
	size_t	 i;
	int	 k;

	memset(counts, 0, sizeof(*counts) * (size_t)n);
	json_array_foreach(out, i, m) {
		assert_int_equal(sscanf(json_string_value(json_object_get(m, "action_id")),
		    "TL-%4d:", &k), 1);
		assert_true(k >= 0 && k < n);
		counts[k]++;
	}
	json_decref(out);
}

static void
test_sigterm_under_load(void **state)
{
	struct od_test_env	*const ep = &g_env;
	enum { N = 500 };
	int			 counts[N], i, sent = 0, handed_back = 0, rc;
	long long		 t0, elapsed, due_now;
	char			 id[32];
	json_t			*hist;
	static const char *const sup_upcoming[] = { "reminder_upcoming", NULL };

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itsvc", "  max_inflight: 100\n"
	    "  shutdown_grace: 5s\n", "    delay: 200ms\n"), 0);
	enqueue_many(ep, N);
	daemon_now(ep, "d1.log");
	/* Mid-run: some 100 of the 500 recorded sent. */
	assert_true(od_test_wait_attempts(ep, "sent", 100, 20000) >= 100);
	t0 = mono_ms();
	kill(g_pid, SIGTERM);
	rc = od_test_process_wait(g_pid, 8000);
	elapsed = mono_ms() - t0;
	g_pid = 0;
	print_message("SIGTERM: exit %d after %lld ms\n", rc, elapsed);
	assert_int_equal(rc, 0);
	assert_true(elapsed < 5000 + 1500);
	assert_true(wait_log(ep, "d1.log", "[daemon] signal 15: stopping (", 1, 0));
	assert_true(wait_log(ep, "d1.log", "[daemon] stopped: ", 1, 0));

	/*
	 * No lease left behind; every account either sent once, after its
	 * superseded reminder_upcoming, or still due now with nothing recorded
	 * (an action released before its begin wrote nothing).
	 */
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	assert_int_equal(od_test_int(ep, "HLEN outreach:lease"), 0);
	outbox_counts(ep, counts, N);
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "TL-%04d", i);
		hist = od_test_history(ep, id);
		assert_true(counts[i] <= 1);
		if (counts[i] == 0) {
			/*
			 * Not sent: nothing recorded, or (handed back at the gateway's
			 * limit while stopping: completed without a send) its
			 * superseded step alone.
			 */
			assert_true(json_array_size(hist) <= 1);
			if (json_array_size(hist) == 1) {
				assert_string_equal(od_test_superseded(hist, 0, "reminder_due",
				    sup_upcoming), "ok");
				handed_back++;
			}
		} else {
			assert_int_equal(json_array_size(hist), 2);
			assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming),
			    "ok");
			assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 1),
			    "status")), "sent");
			sent++;
		}
		json_decref(hist);
	}
	print_message("%d of %d sent before the stop (%d more handed back after their superseded "
	    "step was recorded)\n", sent, N, handed_back);
	assert_true(sent > 0 && sent < N);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), N);
	assert_int_equal(od_test_int(ep, "ZCOUNT outreach:due %lld %lld", NEXT_DUE_MS, NEXT_DUE_MS),
	    sent);
	due_now = od_test_int(ep, "ZCOUNT outreach:due -inf %lld", NEXT_DUE_MS - 1);
	assert_int_equal(due_now, N - sent);

	/* A restart finishes the rest, and nothing goes out twice. */
	daemon_now(ep, "d2.log");
	assert_int_equal(od_test_wait_int(ep, N, 20000, "ZCOUNT outreach:due %lld %lld",
	    NEXT_DUE_MS, NEXT_DUE_MS), N);
	assert_int_equal(od_test_wait_int(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;
	outbox_counts(ep, counts, N);
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "TL-%04d", i);
		assert_int_equal(counts[i], 1);
		/* superseded once, whichever run recorded it, and sent once */
		hist = od_test_history(ep, id);
		assert_int_equal(json_array_size(hist), 2);
		assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
		assert_string_equal(od_test_str(json_array_get(hist, 1), "status"), "sent");
		json_decref(hist);
	}
}

/* ---- the admin server ------------------------------------------------------ */

struct http_reply {
	int	status;
	char	body[65536];
};

/* GET path on 127.0.0.1:port with Connection: close; token NULL: no Authorization. */
static void
http_get(int port, const char *path, const char *token, struct http_reply *r)
{
	struct sockaddr_in	sin;
	char			req[512], *buf, *p;
	size_t			len = 0, cap = 1 << 20;
	ssize_t			n;
	int			fd;

	r->status = -1;
	r->body[0] = '\0';
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    "%s%s%s\r\n", path, token ? "Authorization: Bearer " : "", token ? token : "",
	    token ? "\r\n" : "");
	assert_int_equal(write(fd, req, (size_t)n), n);
	assert_non_null(buf = malloc(cap));
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d ", &r->status), 1);
	if ((p = strstr(buf, "\r\n\r\n")) != NULL)
		snprintf(r->body, sizeof(r->body), "%s", p + 4);
	free(buf);
}

/* Every line of the exposition is a HELP, a TYPE or a sample of a family typed before it. */
static void
assert_exposition(const char *text)
{
	regex_t		 help, type, sample;
	char		*copy = strdup(text), *line, *save = NULL, typed[64][96], name[96];
	size_t		 ntyped = 0, i, lines = 0;
	int		 ok;

	assert_int_equal(regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&type, "^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
	    "(counter|gauge|histogram|summary|untyped)$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&sample, "^[a-zA-Z_:][a-zA-Z0-9_:]*"
	    "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\"(,[a-zA-Z_][a-zA-Z0-9_]*="
	    "\"([^\"\\\\]|\\\\.)*\")*\\})? "
	    "([-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)( -?[0-9]+)?$", REG_EXTENDED), 0);
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ok = regexec(&type, line, 0, NULL, 0) == 0;
			if (ok && ntyped < 64)
				sscanf(line + 7, "%95s", typed[ntyped++]);
		} else if (strncmp(line, "# HELP ", 7) == 0)
			ok = regexec(&help, line, 0, NULL, 0) == 0;
		else {
			ok = regexec(&sample, line, 0, NULL, 0) == 0;
			/* Its family (less _bucket, _sum, _count) has a TYPE line above. */
			sscanf(line, "%95[a-zA-Z0-9_:]", name);
			for (i = 0; ok && i < ntyped; i++) {
				size_t tl = strlen(typed[i]);
				if (strncmp(name, typed[i], tl) == 0 && (name[tl] == '\0' ||
				    strcmp(name + tl, "_bucket") == 0 || strcmp(name + tl, "_sum") == 0 ||
				    strcmp(name + tl, "_count") == 0))
					break;
			}
			ok = ok && i < ntyped;
		}
		if (!ok)
			fail_msg("not in the exposition format: \"%s\"", line);
	}
	assert_true(lines > 10);
	regfree(&help);
	regfree(&type);
	regfree(&sample);
	free(copy);
}

/* The value of the sample line "series value", or 0 when the series is absent. */
static double
metric(const char *text, const char *series)
{
	const char	*p = text;
	size_t		 n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return 0;
}

static int
admin_port(const struct od_test_env *e, const char *log)
{
	char	*t, *p;
	int	 port = -1;

	assert_true(wait_log(e, log, "admin server on 127.0.0.1:", 1, 10000));
	t = log_text(e, log);
	p = strstr(t, "admin server on 127.0.0.1:");
	assert_int_equal(sscanf(p, "admin server on 127.0.0.1:%d", &port), 1);
	free(t);
	assert_true(port > 0 && port != 9464);
	return port;
}

#define SMS_SENT	"outreachd_attempts_total{channel=\"sms\",gateway=\"outbox\",status=\"sent\"}"

static void
test_admin(void **state)
{
	struct od_test_env	*const ep = &g_env;
	static struct http_reply r;
	static const char	 tok[] = "it-s3cret-token";
	double			 sent0, rej0;
	int			 port, i;
	char			 id[32];

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itsvc", NULL, NULL), 0);
	file_replace(ep->config, "admin:\n  port: 0\n",
	    "admin:\n  port: 0\n  token_env: OD_IT_ADMIN_TOKEN\n");
	setenv("OD_IT_ADMIN_TOKEN", tok, 1);
	daemon_now(ep, "d.log");
	unsetenv("OD_IT_ADMIN_TOKEN");
	port = admin_port(ep, "d.log");

	/* The bearer token: 401 without it, or with another. */
	http_get(port, "/metrics", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.body, "unauthorized\n");
	http_get(port, "/healthz", "wrong", &r);
	assert_int_equal(r.status, 401);

	for (i = 0; i < 100; i++) {
		http_get(port, "/readyz", tok, &r);
		if (r.status == 200)
			break;
		od_test_sleep_ms(50);
	}
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	http_get(port, "/healthz", tok, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");

	http_get(port, "/metrics", tok, &r);
	assert_int_equal(r.status, 200);
	assert_exposition(r.body);
	assert_non_null(strstr(r.body, "# TYPE outreachd_attempts_total counter\n"));
	assert_non_null(strstr(r.body, "# TYPE outreachd_rejected_total counter\n"));
	sent0 = metric(r.body, SMS_SENT);
	rej0 = metric(r.body, "outreachd_rejected_total");

	/* Three accounts due on Thursday: reminder_upcoming (-3d) on sms now; one bad entry. */
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "MX-%d", i);
		enqueue_account(ep, id, "2026-03-12");
	}
	assert_int_equal(od_test_enqueue(ep, "account", "{\"account_id\": \"MX-9\""), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(od_test_wait_int(ep, 1, 10000, "LLEN outreach:hist:MX-%d", i), 1);
	assert_int_equal(od_test_wait_int(ep, 1, 5000, "XLEN outreach:rejected"), 1);

	http_get(port, "/metrics", tok, &r);
	assert_int_equal(r.status, 200);
	assert_exposition(r.body);
	assert_true(metric(r.body, SMS_SENT) == sent0 + 3);
	assert_true(metric(r.body, "outreachd_rejected_total") == rej0 + 1);

	/* Redis goes away: not ready (503 with the reason), still alive. */
	od_test_redis_stop(&ep->redis);
	for (i = 0; i < 100; i++) {
		http_get(port, "/readyz", tok, &r);
		if (r.status == 503)
			break;
		od_test_sleep_ms(50);
	}
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "not ready: Redis is not reachable\n");
	http_get(port, "/healthz", tok, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 8000), 0);
	g_pid = 0;
}

/* ---- personal data in the log ----------------------------------------------- */

/* Distinctive values, so that any of them (or a part) in the log is a leak. */
#define PII_NAME	"Zacarías Quispealtuna"
#define PII_FIRST	"Zacarías"
#define PII_LAST	"Quispealtuna"
#define PII_PHONE	"+51911222333"
#define PII_PHONE_NAT	"911222333"
#define PII_WA		"+51944555666"
#define PII_WA_NAT	"944555666"
#define PII_EMAIL	"zq.privado@correo-unico.pe"
#define PII_EMAIL_USER	"zq.privado"
#define PII_DOC		"73519086"	/* debtor.id: PII_DOC and the account's digit */

static void
enqueue_pii(const struct od_test_env *e, const char *id, const char *due, const char *consent)
{
	char	body[1024];

	snprintf(body, sizeof(body),
	    "{\"account_id\":\"%s\",\"debtor\":{\"name\":\"" PII_NAME "\",\"id\":\"" PII_DOC "%s\","
	    "\"phone\":\"" PII_PHONE "\","
	    "\"email\":\"" PII_EMAIL "\",\"whatsapp\":\"" PII_WA "\",\"locale\":\"es-PE\","
	    "\"timezone\":\"America/Lima\",\"country\":\"PE\"},\"debt\":{\"amount\":\"1234.50\","
	    "\"currency\":\"PEN\",\"due_date\":\"%s\",\"product\":\"consumer_loan\"},"
	    "\"consent\":%s}", id, id + 4, due, consent);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
}

static void
assert_no_pii(const char *t)
{
	static const char *const pii[] = { PII_FIRST, PII_LAST, PII_PHONE_NAT, PII_WA_NAT,
	    PII_EMAIL_USER, PII_EMAIL, PII_DOC };
	size_t	i;

	for (i = 0; i < sizeof(pii) / sizeof(pii[0]); i++)
		if (strstr(t, pii[i]) != NULL)
			fail_msg("the log holds \"%s\":\n%s", pii[i], t);
}

static void
test_log_no_pii(void **state)
{
	struct od_test_env	*const ep = &g_env;
	char			*t;
	json_t			*out;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itsvc", NULL, NULL), 0);
	file_replace(ep->config, "log_level: info\n", "log_level: debug\n");
	/* Due today (whatsapp), due Thursday (sms), consent for email only at +15d, an opt-out. */
	enqueue_pii(ep, "PII-1", "2026-03-09", "{\"sms\":true,\"email\":true,\"whatsapp\":true}");
	enqueue_pii(ep, "PII-2", "2026-03-12", "{\"sms\":true,\"email\":true,\"whatsapp\":true}");
	enqueue_pii(ep, "PII-3", "2026-02-22", "{\"sms\":false,\"email\":true,\"whatsapp\":false}");
	/* Rejected ones that carry the data: a bad currency, a bad field. */
	assert_int_equal(od_test_enqueue(ep, "account",
	    "{\"account_id\":\"PII-4\",\"debtor\":{\"name\":\"" PII_NAME "\",\"phone\":\"" PII_PHONE
	    "\",\"email\":\"" PII_EMAIL "\",\"country\":\"PE\"},\"debt\":{\"amount\":\"1.00\","
	    "\"currency\":\"XXX\",\"due_date\":\"2026-03-09\"}}"), 0);
	assert_int_equal(od_test_enqueue(ep, "account",
	    "{\"account_id\":\"PII-5\",\"debtor\":{\"name\":\"" PII_NAME "\",\"phone\":\"" PII_EMAIL
	    "\",\"country\":\"PE\"},\"debt\":{\"amount\":\"1.00\",\"currency\":\"PEN\","
	    "\"due_date\":\"2026-03-09\"}}"), 0);
	daemon_now(ep, "d.log");
	assert_int_equal(od_test_wait_status(ep, "PII-1", "sent", 1, 10000), 1);
	assert_int_equal(od_test_wait_status(ep, "PII-2", "sent", 1, 10000), 1);
	assert_int_equal(od_test_wait_status(ep, "PII-3", "sent", 1, 10000), 1);
	assert_int_equal(od_test_wait_int(ep, 2, 5000, "XLEN outreach:rejected"), 2);
	kill(g_pid, SIGHUP);
	assert_true(wait_log(ep, "d.log", "[daemon] reloaded", 1, 5000));
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;

	/* The messages did go out with the data in them... */
	out = od_test_outbox(ep, "whatsapp.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "to")), PII_WA);
	json_decref(out);
	out = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(out), 1);
	json_decref(out);
	/* ...and the log, at debug level, says what happened without any of it. */
	t = log_text(ep, "d.log");
	assert_non_null(strstr(t, "[intake] rejected entry "));
	assert_non_null(strstr(t, "[daemon] stopped: "));
	assert_no_pii(t);
	free(t);
}

/*
 * A malformed body: the JSON parser's message quotes the token it choked
 * on ("'}' expected near '\"+51911222333\"'"), and the rejection's log line
 * carries it; od_log masks it on the way out.
 */
static void
test_log_no_pii_malformed(void **state)
{
	struct od_test_env	*const ep = &g_env;
	char			*t;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itsvc", NULL, NULL), 0);
	assert_int_equal(od_test_enqueue(ep, "account",
	    "{\"account_id\":\"PII-6\",\"debtor\":{\"name\":\"x\" \"" PII_PHONE "\"}}"), 0);
	assert_int_equal(od_test_enqueue(ep, "account",
	    "{\"account_id\":\"PII-7\",\"debtor\":{\"email\" \"" PII_EMAIL "\"}}"), 0);
	assert_int_equal(od_test_enqueue(ep, "account",
	    "{\"account_id\":\"PII-8\",\"debtor\":{\"name\":\"a\" \"" PII_NAME "\"}}"), 0);
	daemon_now(ep, "d.log");
	assert_int_equal(od_test_wait_int(ep, 3, 10000, "XLEN outreach:rejected"), 3);
	assert_true(wait_log(ep, "d.log", "[intake] rejected entry ", 3, 5000));
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;
	t = log_text(ep, "d.log");
	assert_no_pii(t);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sd_notify, teardown),
		cmocka_unit_test_teardown(test_reload, teardown),
		cmocka_unit_test_teardown(test_sigterm_under_load, teardown),
		cmocka_unit_test_teardown(test_admin, teardown),
		cmocka_unit_test_teardown(test_log_no_pii, teardown),
		cmocka_unit_test_teardown(test_log_no_pii_malformed, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
