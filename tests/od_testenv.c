#include "od_testenv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
env_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
od_test_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int
od_test_tmpdir(const char *tag, char *out, size_t len)
{
	const char	*t = getenv("TMPDIR");

	snprintf(out, len, "%s/od-%s-XXXXXX", t && *t ? t : "/tmp", tag);
	return mkdtemp(out) ? 0 : -1;
}

int
od_test_process_wait(pid_t pid, int timeout_ms)
{
	int	status, waited = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r == -1)
			return -1;
		if (waited >= timeout_ms)
			return -1;
		env_sleep_ms(10);
		waited += 10;
	}
}

int
od_test_process_stop(pid_t pid, int sig, int timeout_ms)
{
	int	rc;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	if ((rc = od_test_process_wait(pid, timeout_ms)) == -1) {
		kill(pid, SIGKILL);
		od_test_process_wait(pid, 5000);
	}
	return rc;
}

int
od_test_redis_start(struct od_test_redis *r, const char *dir)
{
	char		port[16], log[300];
	redisContext	*c;
	int		i, fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	for (i = 0; i < 5; i++) {
		r->port = od_test_free_port();
		snprintf(port, sizeof(port), "%d", r->port);
		snprintf(log, sizeof(log), "%s/redis.log", dir);
		if ((r->pid = fork()) == 0) {
			if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
			    "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir,
			    (char *)NULL);
			_exit(127);
		}
		for (int w = 0; w < 200; w++) {
			struct timeval tv = { 1, 0 };
			env_sleep_ms(20);
			c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
			if (c != NULL && c->err == 0) {
				redisReply *rep = redisCommand(c, "PING");
				int ok = rep != NULL && rep->type == REDIS_REPLY_STATUS;
				freeReplyObject(rep);
				redisFree(c);
				if (ok) {
					snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d", r->port);
					return 0;
				}
			} else
				redisFree(c);
			if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
				break;	/* the port was taken meanwhile: try another */
		}
		od_test_process_stop(r->pid, SIGKILL, 1000);
	}
	return -1;
}

void
od_test_redis_stop(struct od_test_redis *r)
{
	if (r->pid > 0)
		od_test_process_stop(r->pid, SIGTERM, 5000);
	r->pid = 0;
}

int
od_test_env_start(struct od_test_env *e, const char *tag, const char *extra_limits,
    const char *outbox_extra)
{
	FILE	*fp;
	struct timeval tv = { 5, 0 };

	memset(e, 0, sizeof(*e));
	if (od_test_tmpdir(tag, e->dir, sizeof(e->dir)) == -1)
		return -1;
	snprintf(e->config, sizeof(e->config), "%s/outreachd.yaml", e->dir);
	snprintf(e->outbox, sizeof(e->outbox), "%s/outbox", e->dir);
	if (od_test_redis_start(&e->redis, e->dir) == -1)
		return -1;
	e->rc = redisConnectWithTimeout("127.0.0.1", e->redis.port, tv);
	if (e->rc == NULL || e->rc->err)
		return -1;
	/* The rules live beside the config: link the repo's. */
	{
		char src[600], dst[600];
		snprintf(src, sizeof(src), "%s/config/jurisdictions", OD_SOURCE_DIR);
		snprintf(dst, sizeof(dst), "%s/jurisdictions", e->dir);
		if (symlink(src, dst) == -1)
			return -1;
		snprintf(src, sizeof(src), "%s/config/holidays", OD_SOURCE_DIR);
		snprintf(dst, sizeof(dst), "%s/holidays", e->dir);
		if (symlink(src, dst) == -1)
			return -1;
	}
	if ((fp = fopen(e->config, "w")) == NULL)
		return -1;
	fprintf(fp,
	    "redis: \"%s\"\n"
	    "prefix: outreach\n"
	    "policy_dir: %s/policy\n"
	    "template_dir: %s/templates\n"
	    "plugin_dir: %s/lib/outreachd/channels\n"
	    "state_dir: %s\n"
	    "default_locale: es-PE\n"
	    "log_level: info\n"
	    "company:\n"
	    "  name: \"Financiera Ejemplo S.A.C.\"\n"
	    "  phone: \"+51 1 700 0000\"\n"
	    "  email: \"cobranzas@example.pe\"\n"
	    "  hours: \"lunes a viernes de 9:00 a 18:00\"\n"
	    "  payment_url: \"https://pagos.example.pe\"\n"
	    "admin:\n"
	    "  port: 0\n"
	    "limits:\n"
	    "  retry_base: 1s\n"
	    "%s"
	    "gateways:\n"
	    "  outbox:\n"
	    "    plugin: outbox\n"
	    "    dir: \"%s\"\n"
	    "%s"
	    "channels:\n"
	    "  sms: outbox\n"
	    "  email: outbox\n"
	    "  whatsapp: outbox\n"
	    OD_TEST_PLACEMENTS_YAML,
	    e->redis.url, OD_SOURCE_DIR, OD_SOURCE_DIR, OD_BUILD_DIR, e->dir,
	    extra_limits ? extra_limits : "", e->outbox, outbox_extra ? outbox_extra : "");
	fclose(fp);
	return 0;
}

void
od_test_env_stop(struct od_test_env *e)
{
	char	cmd[400];

	if (e->rc)
		redisFree(e->rc);
	e->rc = NULL;
	od_test_redis_stop(&e->redis);
	if (e->dir[0] && getenv("OD_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", e->dir);
	}
}

pid_t
od_test_daemon_start(const struct od_test_env *e, const char *log, const char *const *args)
{
	const char	*argv[32];
	char		 path[600], logpath[600];
	pid_t		 pid;
	int		 n = 0, fd;

	snprintf(path, sizeof(path), "%s/bin/outreachd", OD_BUILD_DIR);
	snprintf(logpath, sizeof(logpath), "%s/%s", e->dir, log);
	argv[n++] = path;
	argv[n++] = "--config";
	argv[n++] = e->config;
	while (args != NULL && *args != NULL && n < 30)
		argv[n++] = *args++;
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		/* Tests run several daemons at once: each admin server on a free port. */
		setenv("OUTREACHD_ADMIN_PORT", "0", 0);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int
od_test_enqueue(const struct od_test_env *e, const char *kind, const char *body)
{
	redisReply	*r;
	int		 ok;

	r = redisCommand(e->rc, "XADD outreach:inbox * kind %s body %b", kind, body, strlen(body));
	ok = r != NULL && r->type == REDIS_REPLY_STRING;
	freeReplyObject(r);
	return ok ? 0 : -1;
}

static long long
env_vint(const struct od_test_env *e, const char *fmt, va_list ap)
{
	redisReply	*r;
	long long	 v = -1;

	r = redisvCommand(e->rc, fmt, ap);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	freeReplyObject(r);
	return v;
}

long long
od_test_int(const struct od_test_env *e, const char *fmt, ...)
{
	va_list		ap;
	long long	v;

	va_start(ap, fmt);
	v = env_vint(e, fmt, ap);
	va_end(ap);
	return v;
}

long long
od_test_wait_int(const struct od_test_env *e, long long want, int timeout_ms, const char *fmt, ...)
{
	va_list		ap;
	long long	v = -1;
	int		waited = 0;

	for (;;) {
		va_start(ap, fmt);
		v = env_vint(e, fmt, ap);
		va_end(ap);
		if (v >= want || waited >= timeout_ms)
			return v;
		env_sleep_ms(20);
		waited += 20;
	}
}

char *
od_test_read_file(const char *path)
{
	FILE	*fp;
	char	*buf = NULL;
	long	 len;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if (len >= 0 && (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else
			buf[len] = '\0';
	}
	fclose(fp);
	return buf;
}

json_t *
od_test_outbox(const struct od_test_env *e, const char *file)
{
	char	 path[600], *text, *line, *save = NULL;
	json_t	*arr = json_array(), *j;

	snprintf(path, sizeof(path), "%s/%s", e->outbox, file);
	if ((text = od_test_read_file(path)) == NULL)
		return arr;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if ((j = json_loads(line, 0, NULL)) != NULL)
			json_array_append_new(arr, j);
	free(text);
	return arr;
}

json_t *
od_test_history(const struct od_test_env *e, const char *account_id)
{
	redisReply	*r;
	json_t		*arr = json_array(), *j;
	size_t		 i;

	r = redisCommand(e->rc, "LRANGE outreach:hist:%s 0 -1", account_id);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			if ((j = json_loads(r->element[i]->str, 0, NULL)) != NULL)
				json_array_append_new(arr, j);
	freeReplyObject(r);
	return arr;
}

/* A stream's entries as JSON objects of their fields (a new reference). */
static json_t *
env_stream(const struct od_test_env *e, const char *key)
{
	redisReply	*r, *f;
	json_t		*arr = json_array(), *o;
	size_t		 i, k;

	r = redisCommand(e->rc, "XRANGE %s - +", key);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++) {
			f = r->element[i]->element[1];
			o = json_object();
			for (k = 0; k + 1 < f->elements; k += 2)
				json_object_set_new(o, f->element[k]->str,
				    json_stringn(f->element[k + 1]->str, f->element[k + 1]->len));
			json_array_append_new(arr, o);
		}
	freeReplyObject(r);
	return arr;
}

json_t *
od_test_rejected(const struct od_test_env *e)
{
	return env_stream(e, "outreach:rejected");
}

json_t *
od_test_history_at(const struct od_test_env *e, const char *account_id, size_t i)
{
	json_t	*h = od_test_history(e, account_id), *r;

	r = json_incref(json_array_get(h, i));
	json_decref(h);
	return r;
}

size_t
od_test_outbox_count(const struct od_test_env *e, const char *file)
{
	json_t	*a = od_test_outbox(e, file);
	size_t	 n = json_array_size(a);

	json_decref(a);
	return n;
}

const char *
od_test_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s ? s : "(absent)";
}

char *
od_test_account(const char *id, const char *due_date, const char *amount, const char *consent_json)
{
	char		*s;
	unsigned long	 h = 5381;

	/* each account its own person (debtor.id): they share one phone, not their caps */
	for (const char *p = id; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	if (asprintf(&s,
	    "{\"account_id\":\"%s\",\"debtor\":{\"name\":\"Rosa Huamán\",\"id\":\"T%lu\","
	    "\"phone\":\"+51987000111\","
	    "\"email\":\"rosa@example.pe\",\"whatsapp\":\"+51987000111\",\"locale\":\"es-PE\","
	    "\"timezone\":\"America/Lima\",\"country\":\"PE\"},\"debt\":{\"amount\":\"%s\","
	    "\"currency\":\"PEN\",\"due_date\":\"%s\",\"product\":\"consumer_loan\"},"
	    "\"consent\":%s}", id, h % 10000000000UL, amount, due_date,
	    consent_json ? consent_json : "{\"sms\":true,\"email\":true,\"whatsapp\":true}") < 0)
		return NULL;
	return s;
}

/* ---- added by itest -------------------------------------------------------- */

json_t *
od_test_attempts(const struct od_test_env *e)
{
	return env_stream(e, "outreach:attempts");
}

long long
od_test_utc_ms(int y, int mon, int d, int h, int min)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	return (long long)timegm(&tm) * 1000;
}

void
od_test_clock_arg(char *buf, size_t len, int y, int mon, int d, int h, int min)
{
	struct timespec	ts;
	long long	now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(buf, len, "--clock-offset=%lldms", od_test_utc_ms(y, mon, d, h, min) - now);
}

int
od_test_inbox_settled(const struct od_test_env *e)
{
	redisReply	*r, *g;
	size_t		 i, k;
	int		 settled = 0;

	r = redisCommand(e->rc, "XINFO GROUPS outreach:inbox");
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++) {
			long long pending = -1, lag = -1;
			g = r->element[i];
			for (k = 0; g->type == REDIS_REPLY_ARRAY && k + 1 < g->elements; k += 2) {
				if (strcmp(g->element[k]->str, "pending") == 0)
					pending = g->element[k + 1]->integer;
				else if (strcmp(g->element[k]->str, "lag") == 0 &&
				    g->element[k + 1]->type == REDIS_REPLY_INTEGER)
					lag = g->element[k + 1]->integer;
			}
			settled = pending == 0 && lag == 0;
		}
	freeReplyObject(r);
	return settled;
}

/* ---- superseded steps -------------------------------------------------------- */

json_t *
od_test_of_account(const json_t *records, const char *account_id)
{
	json_t	*out = json_array(), *r;
	size_t	 i;

	json_array_foreach(records, i, r)
		if (strcmp(od_test_str(r, "account_id"), account_id) == 0)
			json_array_append(out, r);
	return out;
}

json_t *
od_test_without_superseded(const json_t *records)
{
	json_t	*out = json_array(), *r;
	size_t	 i;

	json_array_foreach(records, i, r)
		if (strcmp(od_test_str(r, "status"), "superseded") != 0)
			json_array_append(out, r);
	return out;
}

size_t
od_test_count_status(const json_t *records, const char *status)
{
	json_t	*r;
	size_t	 i, n = 0;

	json_array_foreach(records, i, r)
		n += strcmp(od_test_str(r, "status"), status) == 0;
	return n;
}

const char *
od_test_superseded(const json_t *records, size_t at, const char *by, const char *const *steps)
{
	static char	 why[1024];
	const json_t	*r;
	const char	*aid, *detail;
	char		 want[256];
	size_t		 i, n, k;
	json_int_t	 last = -1;

	for (n = 0; steps[n] != NULL; n++)
		;
	for (k = 0; k < n; k++) {
		if ((r = json_array_get(records, at + k)) == NULL) {
			snprintf(why, sizeof(why), "record %zu (superseded %s) is missing: %zu records",
			    at + k, steps[k], json_array_size(records));
			return why;
		}
		aid = od_test_str(r, "action_id");
		snprintf(want, sizeof(want), ":%s", steps[k]);
		if (strcmp(od_test_str(r, "status"), "superseded") != 0 ||
		    strcmp(od_test_str(r, "reason"), "later_step_due") != 0 ||
		    strcmp(od_test_str(r, "step"), steps[k]) != 0 ||
		    json_object_get(r, "channel") != NULL || json_object_get(r, "gateway") != NULL ||
		    strlen(aid) < strlen(want) || strcmp(aid + strlen(aid) - strlen(want), want) != 0) {
			snprintf(why, sizeof(why), "record %zu: status %s, reason %s, step %s, channel "
			    "%s, action_id %s; want superseded, later_step_due, %s, no channel",
			    at + k, od_test_str(r, "status"), od_test_str(r, "reason"),
			    od_test_str(r, "step"), od_test_str(r, "channel"), aid, steps[k]);
			return why;
		}
		if (by == NULL)
			continue;
		detail = od_test_str(r, "detail");
		snprintf(want, sizeof(want), "; not sent, since step '%s' was due too when it was "
		    "claimed", by);
		if (strncmp(detail, "due ", 4) != 0 || strlen(detail) < 4 + 24 + strlen(want) ||
		    strcmp(detail + 4 + 24, want) != 0) {
			snprintf(why, sizeof(why), "record %zu (%s): detail \"%s\"; want \"due "
			    "<ISO time>%s\"", at + k, steps[k], detail, want);
			return why;
		}
		if (!json_is_integer(json_object_get(r, "step_index")) ||
		    json_integer_value(json_object_get(r, "step_index")) <= last) {
			snprintf(why, sizeof(why), "record %zu (%s): step_index %s after %lld",
			    at + k, steps[k], json_is_integer(json_object_get(r, "step_index")) ?
			    "not increasing" : "absent", (long long)last);
			return why;
		}
		last = json_integer_value(json_object_get(r, "step_index"));
	}
	for (i = 0; i < json_array_size(records); i++)
		if ((i < at || i >= at + n) &&
		    strcmp(od_test_str(json_array_get(records, i), "status"), "superseded") == 0) {
			snprintf(why, sizeof(why), "record %zu is superseded too (step %s): %zu "
			    "expected", i, od_test_str(json_array_get(records, i), "step"), n);
			return why;
		}
	return "ok";
}

long long
od_test_wait_attempts(const struct od_test_env *e, const char *status, long long want,
    int timeout_ms)
{
	json_t		*att;
	long long	 n;
	int		 waited = 0;

	for (;;) {
		att = od_test_attempts(e);
		n = (long long)od_test_count_status(att, status);
		json_decref(att);
		if (n >= want || waited >= timeout_ms)
			return n;
		env_sleep_ms(20);
		waited += 20;
	}
}

long long
od_test_wait_status(const struct od_test_env *e, const char *account_id, const char *status,
    long long want, int timeout_ms)
{
	json_t		*h;
	long long	 n;
	int		 waited = 0;

	for (;;) {
		h = od_test_history(e, account_id);
		n = (long long)od_test_count_status(h, status);
		json_decref(h);
		if (n >= want || waited >= timeout_ms)
			return n;
		env_sleep_ms(20);
		waited += 20;
	}
}

/* ---- added by peers ---------------------------------------------------------- */

int
od_test_env_start_with(struct od_test_env *e, const char *tag, const char *policy_dir,
    const char *template_dir, const char *limits_yaml, const char *gateways_yaml,
    const char *channels_yaml)
{
	FILE		*fp;
	struct timeval	 tv = { 5, 0 };
	char		 src[600], dst[600], pdir[600], tdir[600];

	memset(e, 0, sizeof(*e));
	if (od_test_tmpdir(tag, e->dir, sizeof(e->dir)) == -1)
		return -1;
	snprintf(e->config, sizeof(e->config), "%s/outreachd.yaml", e->dir);
	snprintf(e->outbox, sizeof(e->outbox), "%s/outbox", e->dir);
	if (od_test_redis_start(&e->redis, e->dir) == -1)
		return -1;
	e->rc = redisConnectWithTimeout("127.0.0.1", e->redis.port, tv);
	if (e->rc == NULL || e->rc->err)
		return -1;
	/* The rules live beside the config: link the repo's. */
	snprintf(src, sizeof(src), "%s/config/jurisdictions", OD_SOURCE_DIR);
	snprintf(dst, sizeof(dst), "%s/jurisdictions", e->dir);
	if (symlink(src, dst) == -1)
		return -1;
	snprintf(src, sizeof(src), "%s/config/holidays", OD_SOURCE_DIR);
	snprintf(dst, sizeof(dst), "%s/holidays", e->dir);
	if (symlink(src, dst) == -1)
		return -1;
	snprintf(pdir, sizeof(pdir), "%s", policy_dir ? policy_dir : OD_SOURCE_DIR "/policy");
	snprintf(tdir, sizeof(tdir), "%s", template_dir ? template_dir : OD_SOURCE_DIR "/templates");
	if ((fp = fopen(e->config, "w")) == NULL)
		return -1;
	fprintf(fp,
	    "redis: \"%s\"\n"
	    "prefix: outreach\n"
	    "policy_dir: %s\n"
	    "template_dir: %s\n"
	    "plugin_dir: %s/lib/outreachd/channels\n"
	    "state_dir: %s\n"
	    "default_locale: es-PE\n"
	    "log_level: info\n"
	    "company:\n"
	    "  name: \"Financiera Ejemplo S.A.C.\"\n"
	    "  phone: \"+51 1 700 0000\"\n"
	    "  email: \"cobranzas@example.pe\"\n"
	    "  hours: \"lunes a viernes de 9:00 a 18:00\"\n"
	    "  payment_url: \"https://pagos.example.pe\"\n"
	    "admin:\n"
	    "  port: 0\n"
	    "limits:\n"
	    "  retry_base: 1s\n"
	    "%s"
	    "gateways:\n"
	    "  outbox:\n"
	    "    plugin: outbox\n"
	    "    dir: \"%s\"\n"
	    "%s"
	    "channels:\n"
	    "%s"
	    OD_TEST_PLACEMENTS_YAML,
	    e->redis.url, pdir, tdir, OD_BUILD_DIR, e->dir, limits_yaml ? limits_yaml : "",
	    e->outbox, gateways_yaml ? gateways_yaml : "", channels_yaml ? channels_yaml : "");
	fclose(fp);
	return 0;
}

pid_t
od_test_daemon_at(const struct od_test_env *e, const char *log, long long at_ms, int once)
{
	struct timespec	 ts;
	char		 clk[64];
	const char	*args[3] = { clk, once ? "--once" : NULL, NULL };
	long long	 now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(clk, sizeof(clk), "--clock-offset=%lldms", at_ms - now);
	return od_test_daemon_start(e, log, args);
}

long long
od_test_due_of(const struct od_test_env *e, const char *id)
{
	redisReply	*r = redisCommand(e->rc, "ZSCORE outreach:due %s", id);
	long long	 v = -1;

	if (r != NULL && r->type == REDIS_REPLY_STRING)
		v = strtoll(r->str, NULL, 10);
	freeReplyObject(r);
	return v;
}

void
od_test_sleep_ms(int ms)
{
	env_sleep_ms(ms);
}

void
od_test_teardown(struct od_test_env *e, pid_t *pids, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (pids[i] > 0)
			od_test_process_stop(pids[i], SIGKILL, 5000);
		pids[i] = 0;
	}
	od_test_env_stop(e);
	memset(e, 0, sizeof(*e));
}

json_t *
od_test_state(const struct od_test_env *e, const char *id)
{
	redisReply	*r = redisCommand(e->rc, "HGET outreach:state %s", id);
	json_t		*v = NULL;

	if (r != NULL && r->type == REDIS_REPLY_STRING)
		v = json_loads(r->str, 0, NULL);
	freeReplyObject(r);
	return v;
}
