/*
 * od_queue: the Redis side of outreachd, on the event loop.
 *
 * Two async connections through hiredis' libevent adapter: one for
 * commands and scripts, one for the blocking read of the inbox (a blocking
 * XREADGROUP would hold every command queued behind it on a shared
 * connection).  Scripts are loaded once at start-up (the only blocking
 * step) and called by SHA; a NOSCRIPT reply (Redis restarted) re-sends the
 * body.  A dropped connection is re-made with back-off; commands issued
 * meanwhile fail at once with a NULL reply.
 */
#ifndef OD_QUEUE_H
#define OD_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

struct event_base;
struct od_queue;

enum od_script {
	OD_SCRIPT_INTAKE = 0,
	OD_SCRIPT_EVENT,
	OD_SCRIPT_CLAIM,
	OD_SCRIPT_BEGIN,
	OD_SCRIPT_COMPLETE,
	OD_SCRIPT_RECLAIM,
	OD_SCRIPT_RECEIPT,	/* od_callback: a delivery receipt */
	OD_SCRIPT_REPLY,	/* od_callback: an inbound reply */
	OD_SCRIPT_LOAD,		/* od_store: states read for a change */
	OD_SCRIPT_LEASE,	/* od_reclaim: a lease read before it is settled */
	OD_SCRIPT_LINK,		/* od_link_http: a payment link's account read, its opening recorded */
	OD_SCRIPT_BEAT,		/* od_reclaim: the heartbeat, lease renewal, dead consumers, expired leases */
	OD_SCRIPT_ORPHANS,	/* od_reclaim: a dead consumer's leases and inbox entries */
	OD_SCRIPT_IDLE,		/* od_intake: idle consumers that never beat leave the inbox group */
	OD_SCRIPT_MAX
};

/* The keys, "<prefix>:<name>". */
struct od_keys {
	char	inbox[128], rejected[128], accounts[128], state[128], due[128];
	char	inflight[128], lease[128], attempts[128], hist_prefix[128];
	char	phones[128], replies[128];	/* E.164 -> account ids; inbound replies */
	char	personof[128], person[128];	/* account id -> person id; person -> contacts */
	char	agreements[128], agr_prefix[128];	/* the agreements stream; <prefix>:agr:<id> */
	char	handoff[128];			/* placements: the files agencies receive */
	char	agent[128];			/* replies people must read (agents, a CRM) */
	char	wamid_prefix[128];		/* "<prefix>:wamid:": od_wamid.h */
	char	consumers[128];			/* consumer -> "<since> <last>" heartbeat (ms) */
	char	hb_prefix[128];			/* "<prefix>:hb:": a consumer's heartbeat key */
};

void	od_keys_init(struct od_keys *k, const char *prefix);
/* "<prefix>:hist:<id>" into buf. */
const char *od_keys_hist(const struct od_keys *k, const char *id, char *buf, size_t len);
/* "<prefix>:agr:<id>" into buf: the account's agreements and their outcomes. */
const char *od_keys_agr(const struct od_keys *k, const char *id, char *buf, size_t len);

/* reply is borrowed for the call (NULL when the connection failed). */
typedef void	od_queue_cb(redisReply *reply, void *arg);

/*
 * Connects (blocking, at start-up): checks the server, loads the scripts,
 * creates the inbox's consumer group, and checks its fsync policy against
 * durability (OD_DURABILITY_*: strict refuses a server that answers before
 * its append-only file is on disk; relaxed logs the window).  Then attaches
 * the async connections to base.  NULL with err set on failure.
 */
struct od_queue *od_queue_new(struct event_base *base, const char *url, const char *prefix,
	    int durability, char *err, size_t errlen);
void	od_queue_free(struct od_queue *q);
const struct od_keys *od_queue_keys(const struct od_queue *q);
/*
 * Both connections up and, under strict durability, the server checked (at
 * every connection and every 10 s) to fsync before it answers.
 */
int	od_queue_ready(const struct od_queue *q);
/* Under strict durability, why the server connected to is not durable; else NULL. */
const char *od_queue_not_durable(const struct od_queue *q);
/* cb(arg) each time od_queue_ready becomes true (a reconnection, a durable server again). */
void	od_queue_set_onready(struct od_queue *q, void (*cb)(void *), void *arg);
/*
 * What CONFIG GET append* (r) says: 1 when Redis answers a write only once
 * its append-only file is fsynced (appendonly yes, appendfsync always),
 * 0 when not, -1 when it cannot tell (CONFIG refused); why says which.
 */
int	od_queue_durable_check(const redisReply *r, char *why, size_t len);

/*
 * 1 when r is a string or status reply equal to s, compared by length
 * (Redis strings carry their length and may hold NULs: never strcmp them).
 */
int	od_reply_is(const redisReply *r, const char *s);

/* A command, as argv (binary safe).  0, or -1 (cb is then not called). */
int	od_queue_command(struct od_queue *q, od_queue_cb *cb, void *arg, int argc,
	    const char **argv, const size_t *argvlen);
/* The same on the inbox connection (for the blocking read). */
int	od_queue_command_inbox(struct od_queue *q, od_queue_cb *cb, void *arg, int argc,
	    const char **argv, const size_t *argvlen);
/* A script, with nkeys keys then args. */
int	od_queue_script(struct od_queue *q, enum od_script s, od_queue_cb *cb, void *arg,
	    int nkeys, const char **keys, int nargs, const char **args, const size_t *arglens);

/* The script's source (with the shared prelude), for outreachctl and tests. */
const char *od_queue_script_source(enum od_script s);

struct od_redis_addr {
	char	host[256];	/* TCP host ("" for a Unix socket) */
	int	port;		/* TCP port, default 6379 */
	char	path[256];	/* Unix socket path, or "" */
	int	db;		/* SELECT db, default 0 */
	char	user[256];	/* Redis 6 ACL user (AUTH user password), or "" */
	char	password[256];	/* AUTH password, or "" */
};

/*
 * Parses "redis://[[user]:password@]host[:port][/db]" (libcurl's URL
 * parser: user and password percent-decoded, host may be "[::1]") or
 * "unix:/path/to/socket[?db=N]".  "redis://:pw@h" and, as before ACL
 * users, "redis://pw@h" send AUTH pw; "redis://user:pw@h" sends AUTH user
 * pw.  0, or -1 with a one-line reason in err, where the URL is shown
 * redacted.
 */
int	od_redis_url_parse(const char *url, struct od_redis_addr *a, char *err, size_t errlen);
/*
 * url with its password replaced by "***", for every message and log line
 * ("redis://user:***@127.0.0.1:6379/0"); works on malformed URLs too.
 * Into buf (cut to len); returns buf.
 */
const char *od_redis_url_redact(const char *url, char *buf, size_t len);
/* A blocking connection for tools (outreachctl, tests).  NULL with err set. */
redisContext *od_queue_connect_sync(const char *url, char *err, size_t errlen);

#endif /* OD_QUEUE_H */
