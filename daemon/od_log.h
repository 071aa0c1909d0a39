/*
 * od_log: one line per event, naming its component ("[queue] ...").
 *
 * Where lines go (decided at the first line, or again by od_log_setup()):
 *  - under systemd with stderr connected to the journal ($JOURNAL_STREAM
 *    names stderr's "device:inode"), native journal entries sent to
 *    /run/systemd/journal/socket: MESSAGE="[component] text", PRIORITY,
 *    SYSLOG_IDENTIFIER=outreachd, OD_COMPONENT and the structured fields
 *    (docs/logging.md).  When the socket cannot be reached, the line goes
 *    to stderr instead (which is the journal's stream anyway);
 *  - otherwise plain lines to stderr:
 *      2026-03-09T15:00:00.123Z info [dispatch] text account=PE-1 status=sent
 * $OUTREACHD_JOURNAL_SOCKET names another socket path (for tests).
 *
 * Personal data never reaches a line unmasked: pass phones, emails and
 * names through od_mask_*() first; never log message texts.  As a last
 * line of defence every message is scrubbed on the way out: "+" and 7 or
 * more digits, and anything shaped like an address, are masked as
 * od_mask_phone() and od_mask_email() do (names cannot be recognised).
 */
#ifndef OD_LOG_H
#define OD_LOG_H

#include <stddef.h>

enum od_log_level { OD_LOG_ERR = 3, OD_LOG_WARNING = 4, OD_LOG_NOTICE = 5, OD_LOG_INFO = 6,
	OD_LOG_DEBUG = 7 };

void	od_log_set_level(int level);
int	od_log_level(void);
void	od_log(int level, const char *component, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define od_log_err(c, ...)	od_log(OD_LOG_ERR, (c), __VA_ARGS__)
#define od_log_warn(c, ...)	od_log(OD_LOG_WARNING, (c), __VA_ARGS__)
#define od_log_info(c, ...)	od_log(OD_LOG_INFO, (c), __VA_ARGS__)
#define od_log_debug(c, ...)	do { if (od_log_level() >= OD_LOG_DEBUG) \
	od_log(OD_LOG_DEBUG, (c), __VA_ARGS__); } while (0)

/*
 * Structured fields.  key: a journal field name ([A-Z0-9_], not starting
 * with '_', at most 64 bytes; others are dropped); value: NULL skips the
 * field.  On stderr a field is appended as " name=value" (the names below
 * map to account, action, gateway, status; any other key is lowercased),
 * the value in double quotes (with \" and \\) when it holds a space, a
 * quote, a backslash or '='.  In the journal it is the native field.
 * Values are not masked: never pass personal data.
 */
struct od_log_field {
	const char	*key;
	const char	*value;
};

#define OD_LOG_ACCOUNT_ID	"ACCOUNT_ID"
#define OD_LOG_ACTION_ID	"ACTION_ID"
#define OD_LOG_GATEWAY		"GATEWAY"
#define OD_LOG_STATUS		"STATUS"

void	od_log_kv(int level, const char *component, const struct od_log_field *fields,
	    size_t nfields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Looks at the environment again ($JOURNAL_STREAM against stderr,
 * $OUTREACHD_JOURNAL_SOCKET) and picks the journal or stderr.  Called by
 * the first line; call it again after stderr is redirected.
 */
void	od_log_setup(void);
/* 1 when lines go to the journal socket, 0 when to stderr. */
int	od_log_journal(void);

/* Broken invariant: logs and aborts. */
void	od_fatal(const char *component, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Masking: the result is written to buf (always NUL-terminated).
 *   od_mask_phone("+51987654321")   -> "+51******321"
 *   od_mask_email("ana@example.pe") -> "a**@example.pe"
 *   od_mask_name("Ana Quispe")      -> "A** Q*****"
 */
const char *od_mask_phone(const char *s, char *buf, size_t len);
const char *od_mask_email(const char *s, char *buf, size_t len);
const char *od_mask_name(const char *s, char *buf, size_t len);

#endif /* OD_LOG_H */
