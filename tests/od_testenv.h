/*
 * od_testenv: what the integration tests share: a real redis-server on a
 * free loopback port, the daemon started with a config written for the test,
 * processes stopped by PID, and small readers for what a user would look at
 * (the outbox, the attempts, the rejected stream).
 */
#ifndef OD_TESTENV_H
#define OD_TESTENV_H

#include <stddef.h>
#include <sys/types.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

struct od_test_redis {
	pid_t	pid;
	int	port;
	char	url[64];
	char	dir[256];
};

struct od_test_env {
	char			 dir[256];	/* a fresh temporary directory */
	char			 config[300];	/* dir/outreachd.yaml */
	char			 outbox[300];	/* dir/outbox */
	struct od_test_redis	 redis;
	redisContext		*rc;		/* a client on that redis */
};

/*
 * The placements the shipped policies' handoff steps name (config/
 * outreachd.yaml has the same): a config written for a test that loads the
 * repo's policies needs them, or the set is refused.
 */
#define OD_TEST_PLACEMENTS_YAML						\
	"placements:\n"							\
	"  agencia_lima: {display_name: \"Cobranzas Lima SAC\", kind: agency}\n"	\
	"  legal_pe: {kind: legal}\n"					\
	"  agencia_bogota: {kind: agency}\n"				\
	"  agencia_cdmx: {kind: agency}\n"					\
	"  agencia_santiago: {kind: agency}\n"				\
	"  agency_us: {kind: agency}\n"

int	od_test_free_port(void);
/* A private temporary directory under $TMPDIR: "/tmp/od-<tag>-XXXXXX". */
int	od_test_tmpdir(const char *tag, char *out, size_t len);
int	od_test_redis_start(struct od_test_redis *r, const char *dir);
void	od_test_redis_stop(struct od_test_redis *r);

/*
 * Makes dir, starts redis, writes dir/outreachd.yaml: the repo's policies and
 * templates and rules, the build's plugins, an outbox gateway in dir/outbox
 * for every channel, and the limits given as YAML lines in extra_limits
 * (e.g. "  lease: 2s\n"), plus extra gateway settings for the outbox in
 * outbox_extra (e.g. "    delay: 300ms\n").  Returns 0 or -1.
 */
int	od_test_env_start(struct od_test_env *e, const char *tag, const char *extra_limits,
	    const char *outbox_extra);
void	od_test_env_stop(struct od_test_env *e);	/* stops redis, removes dir */

/*
 * Starts build/bin/outreachd on the env's config and redis with more
 * arguments (NULL-terminated), its stderr to dir/<log>.  Returns the pid.
 */
pid_t	od_test_daemon_start(const struct od_test_env *e, const char *log, const char *const *args);
/* Sends sig and waits up to timeout_ms; SIGKILL after that.  Returns the exit status or -1. */
int	od_test_process_stop(pid_t pid, int sig, int timeout_ms);
int	od_test_process_wait(pid_t pid, int timeout_ms);	/* exit status, or -1 on timeout */

/* XADD <prefix>:inbox * kind KIND body BODY. */
int	od_test_enqueue(const struct od_test_env *e, const char *kind, const char *body);
/* Polls a Redis integer command (e.g. "XLEN outreach:attempts") until it reaches want. */
long long od_test_wait_int(const struct od_test_env *e, long long want, int timeout_ms,
	    const char *fmt, ...);
long long od_test_int(const struct od_test_env *e, const char *fmt, ...);

/* Every JSON line of dir/outbox/<file> (an array, new reference; empty when none). */
json_t	*od_test_outbox(const struct od_test_env *e, const char *file);
/* LRANGE <prefix>:hist:<id>: the account's attempt records (array, new reference). */
json_t	*od_test_history(const struct od_test_env *e, const char *account_id);
/* XRANGE <prefix>:rejected: [{reason, kind, body, entry}] (array, new reference). */
json_t	*od_test_rejected(const struct od_test_env *e);
/* Record i of the account's history (a new reference), or NULL. */
json_t	*od_test_history_at(const struct od_test_env *e, const char *account_id, size_t i);
/* How many lines dir/outbox/<file> holds. */
size_t	 od_test_outbox_count(const struct od_test_env *e, const char *file);
/* A string member of a record, or "(absent)". */
const char *od_test_str(const json_t *o, const char *key);
/* The text of a file, or NULL. */
char	*od_test_read_file(const char *path);

/*
 * An account document for tests, as JSON text (caller frees): debtor Rosa
 * Huamán, +51987000111 on sms and whatsapp; each account id its own person
 * (a debtor.id made from it), so that caps are not shared between them.
 */
char	*od_test_account(const char *id, const char *due_date, const char *amount,
	    const char *consent_json);


/* Added by itest (integration tests of the pipeline). */
/* XRANGE <prefix>:attempts - +: every record as an object of its fields (array, new reference). */
json_t	*od_test_attempts(const struct od_test_env *e);
/*
 * Writes "--clock-offset=<N>ms" to buf: the offset that puts the daemon's
 * clock at that UTC instant now (e.g. 2026-03-09 15:00 UTC, 10:00 in Lima).
 */
void	 od_test_clock_arg(char *buf, size_t len, int y, int mon, int d, int h, int min);
/* The UTC instant as milliseconds since the epoch. */
long long od_test_utc_ms(int y, int mon, int d, int h, int min);
/* 1 when the inbox's group has read and acknowledged every entry. */
int	 od_test_inbox_settled(const struct od_test_env *e);

/*
 * Superseded steps (docs/protocol.md): a step whose time passed while a
 * later one was due too is not sent but recorded, status 'superseded',
 * reason 'later_step_due', before the action's own records.
 */
/* The records of account_id among records (e.g. the attempts stream), in order (new reference). */
json_t	*od_test_of_account(const json_t *records, const char *account_id);
/* records without the superseded ones: what was tried or sent (new reference). */
json_t	*od_test_without_superseded(const json_t *records);
/* How many of records have that status. */
size_t	 od_test_count_status(const json_t *records, const char *status);
/*
 * Checks that records[at], records[at + 1], ... are the superseded records
 * of the steps named in steps (NULL-terminated), in that order, and that
 * no other record of records is superseded: status superseded, reason
 * later_step_due, no channel or gateway, that step, an action id ending in
 * ":<step>".  With by (history records; the stream carries no detail):
 * also a detail "due <ISO time>; not sent, since step '<by>' was due too
 * when it was claimed" and increasing step indices.  Returns "ok" or what
 * is wrong, for assert_string_equal (a static buffer).
 */
const char *od_test_superseded(const json_t *records, size_t at, const char *by,
	    const char *const *steps);
/* Polls the attempts stream until want entries have that status; returns the count. */
long long od_test_wait_attempts(const struct od_test_env *e, const char *status, long long want,
	    int timeout_ms);
/* Polls the account's history until want records have that status; returns the count. */
long long od_test_wait_status(const struct od_test_env *e, const char *account_id,
	    const char *status, long long want, int timeout_ms);

/* Added by peers (tests against real gateways). */
/*
 * Like od_test_env_start, but the config's gateways and channels are the
 * caller's: gateways_yaml is more of "gateways:" (lines indented two
 * spaces, e.g. "  kannel:\n    plugin: sms-kannel\n...") after a gateway
 * "outbox" (plugin outbox, in e->outbox), channels_yaml the whole body of
 * "channels:" (e.g. "  sms: kannel\n  email: outbox\n  whatsapp: outbox\n").  policy_dir and
 * template_dir replace the repo's policy/ and templates/ when not NULL;
 * limits_yaml as extra_limits.  Returns 0 or -1.
 */
int	od_test_env_start_with(struct od_test_env *e, const char *tag, const char *policy_dir,
	    const char *template_dir, const char *limits_yaml, const char *gateways_yaml,
	    const char *channels_yaml);

/*
 * The daemon with its clock put at at_ms (UTC ms, --clock-offset), with
 * --once when once: its pid, or -1.
 */
pid_t	od_test_daemon_at(const struct od_test_env *e, const char *log, long long at_ms,
	    int once);
/* ZSCORE <prefix>:due <id>: when the account's next action is due (ms), or -1. */
long long od_test_due_of(const struct od_test_env *e, const char *id);

/* HGET <prefix>:state <id>, parsed (a new reference), or NULL when none. */
json_t	*od_test_state(const struct od_test_env *e, const char *id);
/* Sleeps ms milliseconds (for polling loops; never as "nothing more happened"). */
void	od_test_sleep_ms(int ms);
/*
 * A test's teardown: the daemons in pids (n of them; 0 for none) killed and
 * zeroed, the env stopped and zeroed.
 */
void	od_test_teardown(struct od_test_env *e, pid_t *pids, size_t n);

#endif /* OD_TESTENV_H */
