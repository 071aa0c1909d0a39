/*
 * od_test_peers: real gateway peers for the integration tests, each started
 * on free loopback ports in a test's directory and stopped by PID:
 *
 *   - Kannel: bearerbox + smsbox from tests/data/peers/kannel.conf.in, and
 *     /usr/lib/kannel/test/fakesmsc as the SMSC (Debian: kannel,
 *     kannel-extras).  fakesmsc logs every message it receives.
 *   - SMTP: aiosmtpd (Debian: python3-aiosmtpd) with the handler in
 *     tests/data/peers/rawmaildir.py, which keeps each message's bytes as
 *     they came off the wire.
 *   - Prism (npm @stoplight/prism-cli, installed by .ci/peers under
 *     build/prism) serving one of the trimmed specs in ../shared/contracts/.
 *   - A header-adding HTTP/1.1 proxy, in threads of the test process, to put
 *     e.g. "Prefer: code=429" on every request a gateway sends to Prism.
 *
 * Every start function returns 0, or -1 with the reason in why (a missing
 * package, a peer that did not come up) for the test to print and skip.
 */
#ifndef OD_TEST_PEERS_H
#define OD_TEST_PEERS_H

#include <stddef.h>
#include <sys/types.h>

struct od_test_kannel {
	pid_t	bearerbox, smsbox, fakesmsc;
	int	admin_port, smsbox_port, smsc_port, sendsms_port;
	char	conf[300];		/* dir/kannel.conf */
	char	fakesmsc_log[300];	/* what fakesmsc printed (its stdout and stderr) */
	char	base_url[64];		/* "http://127.0.0.1:<sendsms_port>" */
	char	username[32];
	char	password[32];
};

struct od_test_smtp {
	pid_t	pid;
	int	port;
	char	maildir[300];		/* dir/mail: <n>.eml (raw) and <n>.json (envelope) */
	char	log[300];
	char	url[64];		/* "smtp://127.0.0.1:<port>" */
};

struct od_test_prism {
	pid_t	pid;
	int	port;
	char	log[300];
	char	url[64];		/* "http://127.0.0.1:<port>" */
};

struct od_test_proxy;

/* Starts Kannel in dir with a sendsms-user (username, password).  0 or -1 (why). */
int	od_test_kannel_start(struct od_test_kannel *k, const char *dir, const char *username,
	    const char *password, char *why, size_t whylen);
void	od_test_kannel_stop(struct od_test_kannel *k);
/*
 * The messages fakesmsc got so far, waiting up to timeout_ms for at least
 * want: each "<from> <to> <type> <data>" as fakesmsc printed it, one a line
 * (caller frees; "" when none).
 */
char	*od_test_kannel_received(const struct od_test_kannel *k, int want, int timeout_ms);

/* Starts aiosmtpd on 127.0.0.1, storing into dir/mail.  0 or -1 (why). */
int	od_test_smtp_start(struct od_test_smtp *s, const char *dir, char *why, size_t whylen);
void	od_test_smtp_stop(struct od_test_smtp *s);
/* Waits up to timeout_ms for want messages; returns how many there are. */
int	od_test_smtp_wait(const struct od_test_smtp *s, int want, int timeout_ms);

/* Starts Prism on spec (a path); ready when it answers.  0 or -1 (why). */
int	od_test_prism_start(struct od_test_prism *p, const char *dir, const char *spec,
	    char *why, size_t whylen);
void	od_test_prism_stop(struct od_test_prism *p);
/* How many lines of the Prism log contain needle. */
int	od_test_prism_count(const struct od_test_prism *p, const char *needle);

/*
 * An HTTP/1.1 proxy on a free loopback port that forwards every request to
 * 127.0.0.1:upstream_port with header ("Name: value") added, and the reply
 * back, keep-alive and all (Content-Length bodies only).  NULL on failure.
 */
struct od_test_proxy *od_test_proxy_start(int upstream_port, const char *header);
int	od_test_proxy_port(const struct od_test_proxy *x);
int	od_test_proxy_requests(struct od_test_proxy *x);	/* forwarded so far */
void	od_test_proxy_stop(struct od_test_proxy *x);		/* NULL-safe; joins its threads */

/*
 * The bytes of a file, NUL-terminated (caller frees), or NULL.  (Not
 * od_test_read_file: od_testenv.c and od_test_host.c each define one, with
 * different signatures, and a test must not link both.)
 */
char	*od_test_slurp(const char *path);
/* rm -rf dir, unless $OD_TEST_KEEP is set or dir is "".  NULL-safe. */
void	od_test_rmdir(const char *dir);

/* URL-decodes s (fakesmsc's "ucs-2" data) and converts UTF-16BE to UTF-8 (caller frees). */
char	*od_test_ucs2_to_utf8(const char *urlencoded);

/*
 * A peer (Kannel, SMTP, Prism, node) cannot run: under CI=true that is a
 * failure (fail_msg, naming test and why); elsewhere the cmocka test is
 * skipped, saying why, and od_test_exit_code makes the binary exit 77, so
 * that ctest reports it skipped (SKIP_RETURN_CODE), never passed.  Call it
 * from a cmocka test.
 */
void	od_test_peer_missing(const char *test, const char *why);
/* main's exit status: rc, or 77 when rc is 0 and a peer was missing. */
int	od_test_exit_code(int rc);

#endif /* OD_TEST_PEERS_H */
