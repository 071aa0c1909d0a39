#include "od_queue.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "od_config.h"
#include "od_log.h"

extern const char od_lua_lib[], od_lua_intake[], od_lua_event[], od_lua_claim[],
    od_lua_begin[], od_lua_complete[], od_lua_reclaim[], od_lua_receipt[], od_lua_reply[],
    od_lua_load[], od_lua_lease[], od_lua_link[], od_lua_beat[], od_lua_orphans[],
    od_lua_idle[];

static const char *const queue_script_body[OD_SCRIPT_MAX] = {
	[OD_SCRIPT_INTAKE] = od_lua_intake,
	[OD_SCRIPT_EVENT] = od_lua_event,
	[OD_SCRIPT_CLAIM] = od_lua_claim,
	[OD_SCRIPT_BEGIN] = od_lua_begin,
	[OD_SCRIPT_COMPLETE] = od_lua_complete,
	[OD_SCRIPT_RECLAIM] = od_lua_reclaim,
	[OD_SCRIPT_RECEIPT] = od_lua_receipt,
	[OD_SCRIPT_REPLY] = od_lua_reply,
	[OD_SCRIPT_LOAD] = od_lua_load,
	[OD_SCRIPT_LEASE] = od_lua_lease,
	[OD_SCRIPT_LINK] = od_lua_link,
	[OD_SCRIPT_BEAT] = od_lua_beat,
	[OD_SCRIPT_ORPHANS] = od_lua_orphans,
	[OD_SCRIPT_IDLE] = od_lua_idle,
};

static char	*queue_script_full[OD_SCRIPT_MAX];	/* prelude + body, built once */

struct queue_conn {
	struct od_queue		*q;
	redisAsyncContext	*ac;
	int			 up;
	const char		*name;
};

struct od_queue {
	struct event_base	*base;
	struct od_redis_addr	 addr;
	struct od_keys		 keys;
	char			 sha[OD_SCRIPT_MAX][41];
	struct queue_conn	 main, inbox;
	struct event		*reconnect_ev;
	int			 backoff_ms;
	int			 freeing;
	/* durability: strict, and whether the server checked says it fsyncs before answering */
	int			 strict;
	int			 durable;
	char			 durable_why[256];	/* why not, as last checked */
	struct event		*durable_ev;		/* checked again every QUEUE_DURABLE_RECHECK */
	int			 checking;		/* a CONFIG GET is on its way */
	int			 loaded;		/* it answered PING: not loading its dataset */
	int			 loaded_logged;
	struct event		*loaded_ev;		/* PING again while it loads */
	int			 was_ready;
	void			(*on_ready)(void *arg);
	void			*ready_arg;
};

/* How often a running daemon reads Redis's fsync policy again (a CONFIG SET changes it). */
#define QUEUE_DURABLE_RECHECK	10

/* A script call kept until its reply, so that NOSCRIPT can be answered with the body. */
/*
 * A script call, formatted once (RESP) by od_queue_script: "EVALSHA <sha>"
 * then the rest, kept for a resend as "EVAL <source>" after NOSCRIPT.
 */
struct queue_call {
	struct od_queue	*q;
	od_queue_cb	*cb;
	void		*arg;
	enum od_script	 script;
	int		 argc;
	char		*cmd;		/* the whole EVALSHA command */
	size_t		 len;
	size_t		 rest;		/* where numkeys starts in cmd */
};

const char *
od_queue_script_source(enum od_script s)
{
	size_t	a, b;

	if (s >= OD_SCRIPT_MAX)
		return NULL;
	if (queue_script_full[s] == NULL) {
		a = strlen(od_lua_lib);
		b = strlen(queue_script_body[s]);
		if ((queue_script_full[s] = malloc(a + b + 2)) == NULL)
			return NULL;
		memcpy(queue_script_full[s], od_lua_lib, a);
		queue_script_full[s][a] = '\n';
		memcpy(queue_script_full[s] + a + 1, queue_script_body[s], b + 1);
	}
	return queue_script_full[s];
}

void
od_keys_init(struct od_keys *k, const char *prefix)
{
	snprintf(k->inbox, sizeof(k->inbox), "%s:inbox", prefix);
	snprintf(k->rejected, sizeof(k->rejected), "%s:rejected", prefix);
	snprintf(k->accounts, sizeof(k->accounts), "%s:accounts", prefix);
	snprintf(k->state, sizeof(k->state), "%s:state", prefix);
	snprintf(k->due, sizeof(k->due), "%s:due", prefix);
	snprintf(k->inflight, sizeof(k->inflight), "%s:inflight", prefix);
	snprintf(k->lease, sizeof(k->lease), "%s:lease", prefix);
	snprintf(k->attempts, sizeof(k->attempts), "%s:attempts", prefix);
	snprintf(k->hist_prefix, sizeof(k->hist_prefix), "%s:hist:", prefix);
	snprintf(k->phones, sizeof(k->phones), "%s:phones", prefix);
	snprintf(k->personof, sizeof(k->personof), "%s:personof", prefix);
	snprintf(k->person, sizeof(k->person), "%s:person", prefix);
	snprintf(k->replies, sizeof(k->replies), "%s:replies", prefix);
	snprintf(k->agreements, sizeof(k->agreements), "%s:agreements", prefix);
	snprintf(k->agr_prefix, sizeof(k->agr_prefix), "%s:agr:", prefix);
	snprintf(k->handoff, sizeof(k->handoff), "%s:handoff", prefix);
	snprintf(k->agent, sizeof(k->agent), "%s:agent", prefix);
	snprintf(k->wamid_prefix, sizeof(k->wamid_prefix), "%s:wamid:", prefix);
	snprintf(k->consumers, sizeof(k->consumers), "%s:consumers", prefix);
	snprintf(k->hb_prefix, sizeof(k->hb_prefix), "%s:hb:", prefix);
}

const char *
od_keys_agr(const struct od_keys *k, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", k->agr_prefix, id);
	return buf;
}

const char *
od_keys_hist(const struct od_keys *k, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", k->hist_prefix, id);
	return buf;
}

static int
queue_url_number(const char *s, size_t n, long lo, long hi, long *out)
{
	long	 v = 0;
	size_t	 i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
queue_url_copy(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

const char *
od_redis_url_redact(const char *url, char *buf, size_t len)
{
	const char	*auth, *end, *at = NULL, *colon, *p;

	if (url == NULL)
		url = "";
	if ((auth = strstr(url, "://")) == NULL) {
		snprintf(buf, len, "%s", url);
		return buf;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL) {
		snprintf(buf, len, "%s", url);
		return buf;
	}
	/* user:password@ keeps the user; a userinfo without ':' is a password (see od_queue.h) */
	colon = memchr(auth, ':', (size_t)(at - auth));
	snprintf(buf, len, "%.*s***%s", (int)((colon ? colon + 1 : auth) - url), url, at);
	return buf;
}

/* One part of u, percent-decoded, into dst ("" when absent).  1 given, 0 absent, -1 with err set. */
static int
queue_url_part(CURLU *u, CURLUPart part, const char *what, char *dst, size_t dstlen,
    const char *shown, char *err, size_t errlen)
{
	char		*v = NULL;
	CURLUcode	 rc;
	int		 ret = 0;

	dst[0] = '\0';
	rc = curl_url_get(u, part, &v, part == CURLUPART_HOST ? 0 : CURLU_URLDECODE);
	if (rc == CURLUE_OK) {
		if (strlen(v) != strcspn(v, "\r\n") || queue_url_copy(dst, dstlen, v, strlen(v)) == -1) {
			snprintf(err, errlen, "Redis URL \"%s\": %s too long or not text", shown, what);
			ret = -1;
		} else
			ret = 1;
	} else if (rc == CURLUE_OUT_OF_MEMORY) {
		snprintf(err, errlen, "Redis URL \"%s\": out of memory", shown);
		ret = -1;
	}
	if (v != NULL) {
		explicit_bzero(v, strlen(v));
		curl_free(v);
	}
	return ret;
}

/* redis://[[user]:password@]host[:port][/db], parsed by libcurl (CURLU). */
static int
queue_url_parse_tcp(const char *url, const char *shown, struct od_redis_addr *a, char *err,
    size_t errlen)
{
	CURLU		*u;
	CURLUcode	 rc;
	char		 part[256];
	size_t		 n;
	long		 v;
	int		 ret = -1, has_pw;

	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "Redis URL \"%s\": out of memory", shown);
		return -1;
	}
	if ((rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
		snprintf(err, errlen, "Redis URL \"%s\": %s", shown,
		    rc == CURLUE_NO_HOST ? "no host" : rc == CURLUE_BAD_PORT_NUMBER ?
		    "port must be 1 to 65535" : curl_url_strerror(rc));
		goto out;
	}
	if (queue_url_part(u, CURLUPART_USER, "user", a->user, sizeof(a->user), shown, err,
	    errlen) == -1 ||
	    (has_pw = queue_url_part(u, CURLUPART_PASSWORD, "password", a->password,
	    sizeof(a->password), shown, err, errlen)) == -1 ||
	    queue_url_part(u, CURLUPART_HOST, "host", part, sizeof(part), shown, err,
	    errlen) == -1)
		goto out;
	/* a userinfo without ':' is the password, as before users existed (AUTH <password>) */
	if (has_pw == 0 && a->user[0] != '\0') {
		memcpy(a->password, a->user, sizeof(a->password));
		explicit_bzero(a->user, sizeof(a->user));
	}
	n = strlen(part);
	if (n >= 2 && part[0] == '[' && part[n - 1] == ']')	/* IPv6: "[::1]" */
		queue_url_copy(a->host, sizeof(a->host), part + 1, n - 2);
	else
		memcpy(a->host, part, sizeof(a->host));
	if (a->host[0] == '\0') {
		snprintf(err, errlen, "Redis URL \"%s\": no host", shown);
		goto out;
	}
	if (queue_url_part(u, CURLUPART_PORT, "port", part, sizeof(part), shown, err,
	    errlen) == -1)
		goto out;
	if (part[0] != '\0') {
		if (queue_url_number(part, strlen(part), 1, 65535, &v) == -1) {
			snprintf(err, errlen, "Redis URL \"%s\": port must be 1 to 65535", shown);
			goto out;
		}
		a->port = (int)v;
	}
	if (queue_url_part(u, CURLUPART_QUERY, "query", part, sizeof(part), shown, err,
	    errlen) == -1 ||
	    (part[0] == '\0' && queue_url_part(u, CURLUPART_FRAGMENT, "fragment", part,
	    sizeof(part), shown, err, errlen) == -1))
		goto out;
	if (part[0] != '\0' || strpbrk(url, "?#") != NULL) {
		snprintf(err, errlen, "Redis URL \"%s\": expected redis://host:port[/db], "
		    "without a query", shown);
		goto out;
	}
	if (queue_url_part(u, CURLUPART_PATH, "database", part, sizeof(part), shown, err,
	    errlen) == -1)
		goto out;
	if (part[0] != '\0' && strcmp(part, "/") != 0) {
		if (queue_url_number(part + 1, strlen(part + 1), 0, INT_MAX, &v) == -1) {
			snprintf(err, errlen, "Redis URL \"%s\": database must be a number", shown);
			goto out;
		}
		a->db = (int)v;
	}
	ret = 0;
out:
	curl_url_cleanup(u);
	if (ret == -1)
		explicit_bzero(a->password, sizeof(a->password));
	return ret;
}

int
od_redis_url_parse(const char *url, struct od_redis_addr *a, char *err, size_t errlen)
{
	const char	*p, *q;
	char		 shown[512];
	long		 v;

	memset(a, 0, sizeof(*a));
	a->port = 6379;
	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "empty Redis URL");
		return -1;
	}
	od_redis_url_redact(url, shown, sizeof(shown));
	if (strncmp(url, "unix:", 5) == 0) {
		p = url + 5;
		if (strncmp(p, "//", 2) == 0)
			p += 2;
		q = strchr(p, '?');
		if (*p == '\0' || q == p) {
			snprintf(err, errlen, "Redis URL \"%s\": no socket path", shown);
			return -1;
		}
		if (q != NULL) {			/* unix:/path?db=N */
			if (strncmp(q, "?db=", 4) != 0 ||
			    queue_url_number(q + 4, strlen(q + 4), 0, INT_MAX, &v) == -1) {
				snprintf(err, errlen, "Redis URL \"%s\": expected ?db=N after "
				    "the socket path", shown);
				return -1;
			}
			a->db = (int)v;
		}
		if (queue_url_copy(a->path, sizeof(a->path), p, q ? (size_t)(q - p) : strlen(p)) == -1) {
			snprintf(err, errlen, "Redis URL \"%s\": socket path too long", shown);
			return -1;
		}
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen, "Redis URL \"%s\": expected redis://host:port[/db] "
		    "or unix:/path", shown);
		return -1;
	}
	return queue_url_parse_tcp(url, shown, a, err, errlen);
}

/* AUTH [user] password, as argv (the password never goes through a format string). */
static int
queue_auth_argv(const struct od_redis_addr *a, const char **argv, size_t *lens)
{
	int	n = 0;

	argv[n++] = "AUTH";
	if (a->user[0] != '\0')
		argv[n++] = a->user;
	argv[n++] = a->password;
	for (int i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	return n;
}

redisContext *
od_queue_connect_sync(const char *url, char *err, size_t errlen)
{
	struct od_redis_addr	 a;
	redisContext		*c;
	redisReply		*r = NULL;
	struct timeval		 tv = { 5, 0 };

	const char		*argv[3];
	size_t			 lens[3];
	char			 shown[512];

	if (od_redis_url_parse(url, &a, err, errlen) == -1)
		return NULL;
	c = a.path[0] ? redisConnectUnixWithTimeout(a.path, tv) :
	    redisConnectWithTimeout(a.host, a.port, tv);
	if (c == NULL || c->err) {
		snprintf(err, errlen, "cannot connect to Redis at %s: %s",
		    od_redis_url_redact(url, shown, sizeof(shown)), c ? c->errstr : "out of memory");
		redisFree(c);
		explicit_bzero(&a, sizeof(a));
		return NULL;
	}
	if (a.password[0] != '\0' &&
	    ((r = redisCommandArgv(c, queue_auth_argv(&a, argv, lens), argv, lens)) == NULL ||
	    r->type == REDIS_REPLY_ERROR)) {
		snprintf(err, errlen, "Redis at %s: AUTH: %s",
		    od_redis_url_redact(url, shown, sizeof(shown)), r ? r->str : c->errstr);
		explicit_bzero(&a, sizeof(a));
		goto fail;
	}
	explicit_bzero(&a, sizeof(a));
	freeReplyObject(r);
	r = NULL;
	if (a.db != 0 &&
	    ((r = redisCommand(c, "SELECT %d", a.db)) == NULL || r->type == REDIS_REPLY_ERROR)) {
		snprintf(err, errlen, "SELECT %d: %s", a.db, r ? r->str : c->errstr);
		goto fail;
	}
	freeReplyObject(r);
	return c;
fail:
	freeReplyObject(r);
	redisFree(c);
	return NULL;
}

static void queue_connect_async(struct od_queue *q, struct queue_conn *c);

int
od_queue_durable_check(const redisReply *r, char *why, size_t len)
{
	const char	*aof = NULL, *fsync = NULL;
	size_t		 i;

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		snprintf(why, len, "Redis's fsync policy cannot be read (CONFIG GET: %s)",
		    r ? r->str : "no answer");
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY) {
		snprintf(why, len, "Redis's fsync policy cannot be read (CONFIG GET: not an array)");
		return -1;
	}
	for (i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "appendonly") == 0)
			aof = v->str;
		else if (strcmp(k->str, "appendfsync") == 0)
			fsync = v->str;
	}
	if (aof == NULL || fsync == NULL) {
		snprintf(why, len, "Redis's fsync policy cannot be read (CONFIG GET append* "
		    "names no appendonly or appendfsync)");
		return -1;
	}
	if (strcmp(aof, "yes") != 0) {
		snprintf(why, len, "Redis keeps no append-only file (appendonly %s): a restart "
		    "loses everything since its last snapshot", aof);
		return 0;
	}
	if (strcmp(fsync, "always") != 0) {
		snprintf(why, len, "Redis answers before its append-only file is on disk "
		    "(appendfsync %s): a power loss undoes up to %s of answered writes", fsync,
		    strcmp(fsync, "everysec") == 0 ? "about 2 s" : "30 s (the kernel's flush)");
		return 0;
	}
	why[0] = '\0';
	return 1;
}

/* Ready: both connections up and, under strict durability, the server checked durable. */
static void
queue_ready_changed(struct od_queue *q)
{
	int	now = od_queue_ready(q);

	if (now == q->was_ready)
		return;
	q->was_ready = now;
	if (now && q->on_ready != NULL && !q->freeing)
		q->on_ready(q->ready_arg);
}

static void
queue_durable_cb(redisAsyncContext *ac, void *reply, void *arg)
{
	struct od_queue	*q = arg;
	char		 why[256];
	int		 d;

	(void)ac;
	q->checking = 0;
	if (reply == NULL)
		return;		/* the connection went: asked again when it is back */
	d = od_queue_durable_check(reply, why, sizeof(why));
	if (q->strict && d != 1 && (q->durable || strcmp(why, q->durable_why) != 0))
		od_log_err("queue", "durability strict: %s; nothing is claimed or sent until "
		    "Redis fsyncs before it answers (appendonly yes, appendfsync always)", why);
	else if (q->strict && d == 1 && !q->durable && q->durable_why[0] != '\0')
		od_log_info("queue", "durability strict: Redis fsyncs before it answers again");
	else if (!q->strict && d != 1 && strcmp(why, q->durable_why) != 0)
		od_log_warn("queue", "durability relaxed: %s; a send in that window may be "
		    "repeated after such a loss", why);
	snprintf(q->durable_why, sizeof(q->durable_why), "%s", d == 1 ? "" : why);
	q->durable = d == 1;
	queue_ready_changed(q);
}

/* CONFIG GET append*, on the command connection; the answer sets q->durable. */
static void
queue_durable_ask(struct od_queue *q)
{
	if (q->checking || q->main.ac == NULL || !q->main.up)
		return;
	if (redisAsyncCommand(q->main.ac, queue_durable_cb, q, "CONFIG GET append*") == REDIS_OK)
		q->checking = 1;
}

/*
 * A Redis that restarts answers every command LOADING until its dataset is
 * read: nothing is sent to it as ready until it answers PING.
 */
static void
queue_loaded_cb(redisAsyncContext *ac, void *reply, void *arg)
{
	struct od_queue		*q = arg;
	const redisReply	*r = reply;
	struct timeval		 tv = { 0, 100000 };

	(void)ac;
	if (r == NULL)
		return;		/* the connection went: asked again when it is back */
	if (r->type == REDIS_REPLY_ERROR) {
		if (!q->loaded_logged)
			od_log_warn("queue", "Redis: %s; waiting", r->str);
		q->loaded_logged = 1;
		evtimer_add(q->loaded_ev, &tv);
		return;
	}
	q->loaded = 1;
	q->loaded_logged = 0;
	queue_durable_ask(q);
	queue_ready_changed(q);
}

static void
queue_loaded_ask(struct od_queue *q)
{
	if (q->main.ac != NULL && q->main.up)
		redisAsyncCommand(q->main.ac, queue_loaded_cb, q, "PING");
}

static void
queue_loaded_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	queue_loaded_ask(arg);
}

static void
queue_durable_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	queue_durable_ask(arg);
}

static void
queue_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_queue	*q = arg;

	(void)fd;
	(void)what;
	if (q->main.ac == NULL)
		queue_connect_async(q, &q->main);
	if (q->inbox.ac == NULL)
		queue_connect_async(q, &q->inbox);
}

static void
queue_schedule_reconnect(struct od_queue *q)
{
	struct timeval	tv;

	if (q->freeing || evtimer_pending(q->reconnect_ev, NULL))
		return;
	/*
	 * At most a second: a daemon back later than its heartbeat's ttl after
	 * a Redis restart would find its work settled by the others.
	 */
	q->backoff_ms = q->backoff_ms ? q->backoff_ms * 2 : 100;
	if (q->backoff_ms > 1000)
		q->backoff_ms = 1000;
	tv.tv_sec = q->backoff_ms / 1000;
	tv.tv_usec = (q->backoff_ms % 1000) * 1000;
	evtimer_add(q->reconnect_ev, &tv);
}

/* AUTH on a new connection: a refusal is logged (the commands behind it then fail NOAUTH). */
static void
queue_on_auth(redisAsyncContext *ac, void *reply, void *arg)
{
	const redisReply	*r = reply;
	const struct queue_conn	*c = arg;

	(void)ac;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		od_log_err("queue", "%s connection: AUTH refused: %s", c->name, r->str);
}

static void
queue_on_connect(const redisAsyncContext *ac, int status)
{
	struct queue_conn	*c = ac->data;

	if (status != REDIS_OK) {
		od_log_err("queue", "%s connection to Redis failed: %s", c->name, ac->errstr);
		c->ac = NULL;	/* hiredis frees it */
		queue_schedule_reconnect(c->q);
		return;
	}
	c->up = 1;
	c->q->backoff_ms = 0;
	od_log_info("queue", "%s connection to Redis up", c->name);
	if (c == &c->q->main)
		queue_loaded_ask(c->q);
	queue_ready_changed(c->q);
}

static void
queue_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct queue_conn	*c = ac->data;

	c->up = 0;
	c->ac = NULL;
	if (c == &c->q->main)
		c->q->durable = c->q->loaded = 0;	/* the server that comes back: checked again */
	c->q->checking = c == &c->q->main ? 0 : c->q->checking;
	queue_ready_changed(c->q);
	if (status != REDIS_OK && !c->q->freeing) {
		od_log_err("queue", "%s connection to Redis lost: %s", c->name, ac->errstr);
		queue_schedule_reconnect(c->q);
	}
}

static void
queue_connect_async(struct od_queue *q, struct queue_conn *c)
{
	redisAsyncContext	*ac;
	char			 db[16];

	ac = q->addr.path[0] ? redisAsyncConnectUnix(q->addr.path) :
	    redisAsyncConnect(q->addr.host, q->addr.port);
	if (ac == NULL || ac->err) {
		od_log_err("queue", "%s connection: %s", c->name, ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		queue_schedule_reconnect(q);
		return;
	}
	ac->data = c;
	c->ac = ac;
	redisLibeventAttach(ac, q->base);
	redisAsyncSetConnectCallback(ac, queue_on_connect);
	redisAsyncSetDisconnectCallback(ac, queue_on_disconnect);
	/* Commands queue behind these: AUTH and SELECT go first on every connection. */
	if (q->addr.password[0] != '\0') {
		const char	*argv[3];
		size_t		 lens[3];

		redisAsyncCommandArgv(ac, queue_on_auth, c, queue_auth_argv(&q->addr, argv, lens),
		    argv, lens);
	}
	if (q->addr.db != 0) {
		snprintf(db, sizeof(db), "%d", q->addr.db);
		redisAsyncCommand(ac, NULL, NULL, "SELECT %s", db);
	}
}

struct od_queue *
od_queue_new(struct event_base *base, const char *url, const char *prefix, int durability,
    char *err, size_t errlen)
{
	struct od_queue	*q;
	redisContext	*c;
	redisReply	*r;
	int		 i;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->base = base;
	od_keys_init(&q->keys, prefix);
	if (od_redis_url_parse(url, &q->addr, err, errlen) == -1) {
		free(q);
		return NULL;
	}
	if ((c = od_queue_connect_sync(url, err, errlen)) == NULL) {
		free(q);
		return NULL;
	}
	for (i = 0; i < OD_SCRIPT_MAX; i++) {
		r = redisCommand(c, "SCRIPT LOAD %s", od_queue_script_source(i));
		if (r == NULL || r->type != REDIS_REPLY_STRING || r->len != 40) {
			snprintf(err, errlen, "loading script %d: %s", i,
			    r ? (r->str ? r->str : "unexpected reply") : c->errstr);
			freeReplyObject(r);
			redisFree(c);
			free(q);
			return NULL;
		}
		memcpy(q->sha[i], r->str, 40);
		q->sha[i][40] = '\0';
		freeReplyObject(r);
	}
	r = redisCommand(c, "XGROUP CREATE %s outreachd 0 MKSTREAM", q->keys.inbox);
	if (r == NULL || (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0)) {
		snprintf(err, errlen, "creating the inbox group: %s", r ? r->str : c->errstr);
		freeReplyObject(r);
		redisFree(c);
		free(q);
		return NULL;
	}
	freeReplyObject(r);
	/* Durability, before anything is claimed: refused at start-up, logged when relaxed. */
	q->strict = durability == OD_DURABILITY_STRICT;
	r = redisCommand(c, "CONFIG GET append*");
	q->durable = od_queue_durable_check(r, q->durable_why, sizeof(q->durable_why)) == 1;
	freeReplyObject(r);
	redisFree(c);
	if (q->strict && !q->durable) {
		snprintf(err, errlen, "durability strict: %s.  Set appendonly yes and appendfsync "
		    "always in redis.conf (or CONFIG SET both, and CONFIG REWRITE), or "
		    "durability: relaxed to accept that window (docs/operations.md)",
		    q->durable_why);
		free(q);
		return NULL;
	}
	if (!q->strict && !q->durable)
		od_log_warn("queue", "durability relaxed: %s; a send in that window may be repeated "
		    "after such a loss", q->durable_why);
	q->durable = 0;		/* until the async connection's own check */

	q->reconnect_ev = evtimer_new(base, queue_reconnect_cb, q);
	q->durable_ev = event_new(base, -1, EV_PERSIST, queue_durable_timer_cb, q);
	q->loaded_ev = evtimer_new(base, queue_loaded_timer_cb, q);
	{
		struct timeval tv = { QUEUE_DURABLE_RECHECK, 0 };
		event_add(q->durable_ev, &tv);
	}
	q->main.q = q->inbox.q = q;
	q->main.name = "command";
	q->inbox.name = "inbox";
	queue_connect_async(q, &q->main);
	queue_connect_async(q, &q->inbox);
	return q;
}

void
od_queue_free(struct od_queue *q)
{
	if (q == NULL)
		return;
	q->freeing = 1;
	if (q->main.ac)
		redisAsyncFree(q->main.ac);
	if (q->inbox.ac)
		redisAsyncFree(q->inbox.ac);
	if (q->reconnect_ev)
		event_free(q->reconnect_ev);
	if (q->durable_ev)
		event_free(q->durable_ev);
	if (q->loaded_ev)
		event_free(q->loaded_ev);
	free(q);
}

int
od_reply_is(const redisReply *r, const char *s)
{
	size_t n = strlen(s);

	return r != NULL && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
	    r->str != NULL && (size_t)r->len == n && memcmp(r->str, s, n) == 0;
}

const struct od_keys *
od_queue_keys(const struct od_queue *q)
{
	return &q->keys;
}

int
od_queue_ready(const struct od_queue *q)
{
	return q->main.up && q->inbox.up && q->loaded && (!q->strict || q->durable);
}

const char *
od_queue_not_durable(const struct od_queue *q)
{
	return q->strict && q->main.up && !q->durable && !q->checking && q->durable_why[0] ?
	    q->durable_why : NULL;
}

void
od_queue_set_onready(struct od_queue *q, void (*cb)(void *), void *arg)
{
	q->on_ready = cb;
	q->ready_arg = arg;
}

struct queue_plain {
	od_queue_cb	*cb;
	void		*arg;
};

static void
queue_plain_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct queue_plain	*p = privdata;

	(void)ac;
	if (p->cb)
		p->cb(r, p->arg);
	free(p);
}

static int
queue_send(struct queue_conn *c, od_queue_cb *cb, void *arg, int argc, const char **argv,
    const size_t *argvlen)
{
	struct queue_plain	*p;

	if (c->ac == NULL || !c->up)
		return -1;
	if ((p = malloc(sizeof(*p))) == NULL)
		return -1;
	p->cb = cb;
	p->arg = arg;
	if (redisAsyncCommandArgv(c->ac, queue_plain_cb, p, argc, argv, argvlen) != REDIS_OK) {
		free(p);
		return -1;
	}
	return 0;
}

int
od_queue_command(struct od_queue *q, od_queue_cb *cb, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	return queue_send(&q->main, cb, arg, argc, argv, argvlen);
}

int
od_queue_command_inbox(struct od_queue *q, od_queue_cb *cb, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	return queue_send(&q->inbox, cb, arg, argc, argv, argvlen);
}

static void
queue_call_free(struct queue_call *call)
{
	free(call->cmd);
	free(call);
}

/* Writes a RESP bulk string ("$<len>\r\n<s>\r\n") at p; returns its end. */
static char *
resp_bulk(char *p, const char *s, size_t len)
{
	char	digits[24];
	int	n = 0;
	size_t	v = len;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	*p++ = '$';
	while (n > 0)
		*p++ = digits[--n];
	*p++ = '\r';
	*p++ = '\n';
	memcpy(p, s, len);
	p += len;
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* The command as EVAL with the script's source, for a resend after NOSCRIPT. */
static int
queue_call_eval(struct queue_call *call)
{
	const char	*src = od_queue_script_source(call->script);
	size_t		 slen, tail = call->len - call->rest;
	char		*cmd, *p;

	if (src == NULL)
		return -1;
	slen = strlen(src);
	if ((cmd = malloc(32 + 10 + slen + 24 + tail)) == NULL)
		return -1;
	p = cmd + sprintf(cmd, "*%d\r\n", call->argc);
	p = resp_bulk(p, "EVAL", 4);
	p = resp_bulk(p, src, slen);
	memcpy(p, call->cmd + call->rest, tail);
	free(call->cmd);
	call->cmd = cmd;
	call->len = (size_t)(p - cmd) + tail;
	call->rest = (size_t)(p - cmd);
	return 0;
}

static void
queue_script_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct queue_call	*call = privdata;
	redisReply		*reply = r;

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0 && call->q->main.ac != NULL) {
		/* Redis lost its script cache: send the body this once (EVAL caches it). */
		if (queue_call_eval(call) == 0 && redisAsyncFormattedCommand(call->q->main.ac,
		    queue_script_cb, call, call->cmd, call->len) == REDIS_OK)
			return;
		reply = NULL;
	}
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		od_log_err("queue", "script %d: %s", (int)call->script, reply->str);
	if (call->cb)
		call->cb(reply, call->arg);
	queue_call_free(call);
}

int
od_queue_script(struct od_queue *q, enum od_script s, od_queue_cb *cb, void *arg,
    int nkeys, const char **keys, int nargs, const char **args, const size_t *arglens)
{
	struct queue_call	*call;
	char			 nk[16], *p;
	size_t			*lens, size;
	int			 i;

	if (q->main.ac == NULL || !q->main.up)
		return -1;
	if ((call = calloc(1, sizeof(*call))) == NULL)
		return -1;
	if ((lens = malloc(((size_t)nkeys + (size_t)nargs + 1) * sizeof(*lens))) == NULL) {
		free(call);
		return -1;
	}
	call->q = q;
	call->cb = cb;
	call->arg = arg;
	call->script = s;
	call->argc = 3 + nkeys + nargs;
	snprintf(nk, sizeof(nk), "%d", nkeys);
	/* One buffer, formatted here: each bulk string is at most its length + 26. */
	size = 32 + 26 + 7 + 26 + 40 + 26 + strlen(nk);
	for (i = 0; i < nkeys; i++)
		size += (lens[i] = strlen(keys[i])) + 26;
	for (i = 0; i < nargs; i++)
		size += (lens[nkeys + i] = arglens ? arglens[i] : strlen(args[i])) + 26;
	if ((call->cmd = malloc(size)) == NULL) {
		free(lens);
		queue_call_free(call);
		return -1;
	}
	p = call->cmd + sprintf(call->cmd, "*%d\r\n", call->argc);
	p = resp_bulk(p, "EVALSHA", 7);
	p = resp_bulk(p, q->sha[s], 40);
	call->rest = (size_t)(p - call->cmd);
	p = resp_bulk(p, nk, strlen(nk));
	for (i = 0; i < nkeys; i++)
		p = resp_bulk(p, keys[i], lens[i]);
	for (i = 0; i < nargs; i++)
		p = resp_bulk(p, args[i], lens[nkeys + i]);
	call->len = (size_t)(p - call->cmd);
	free(lens);
	if (redisAsyncFormattedCommand(q->main.ac, queue_script_cb, call, call->cmd,
	    call->len) != REDIS_OK) {
		queue_call_free(call);
		return -1;
	}
	return 0;
}
