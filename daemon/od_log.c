/*
 * od_log: lines to stderr, or native entries to the journal.
 *
 * The journal's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL/):
 * one datagram per entry to /run/systemd/journal/socket, each field
 * "KEY=value\n", or "KEY\n" + the value's length as a 64-bit little-endian
 * integer + the value + "\n" when the value holds a newline.  $JOURNAL_STREAM
 * is "device:inode" of the stream systemd connected to stdout/stderr
 * (systemd.exec(5), "Environment variables in spawned processes").
 */
#include "od_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LOG_JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define LOG_LINE_MAX		2048
#define LOG_FIELDS_MAX		1024
#define LOG_DGRAM_MAX		8192

static int	log_level = OD_LOG_INFO;
static int	log_ready;		/* od_log_setup() has run */
static int	log_fd = -1;		/* datagram socket to the journal, or -1: stderr */
static struct sockaddr_un log_sa;
static socklen_t log_salen;

static const char *
log_level_name(int level)
{
	switch (level) {
	case OD_LOG_ERR:	return "error";
	case OD_LOG_WARNING:	return "warning";
	case OD_LOG_NOTICE:	return "notice";
	case OD_LOG_INFO:	return "info";
	default:		return "debug";
	}
}

void
od_log_set_level(int level)
{
	log_level = level;
}

int
od_log_level(void)
{
	return log_level;
}

/* 1 when $JOURNAL_STREAM names the device and inode of fd 2. */
static int
log_stderr_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;
	char			 tail;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
od_log_setup(void)
{
	const char	*path = getenv("OUTREACHD_JOURNAL_SOCKET");
	size_t		 len;

	log_ready = 1;
	if (log_fd != -1) {
		close(log_fd);
		log_fd = -1;
	}
	if (!log_stderr_is_journal())
		return;
	if (path == NULL || path[0] == '\0')
		path = LOG_JOURNAL_SOCKET;
	len = strlen(path);
	if (len >= sizeof(log_sa.sun_path))
		return;
	memset(&log_sa, 0, sizeof(log_sa));
	log_sa.sun_family = AF_UNIX;
	memcpy(log_sa.sun_path, path, len);
	log_salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	if (access(path, F_OK) == -1)
		return;		/* no journal here: stderr */
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

int
od_log_journal(void)
{
	if (!log_ready)
		od_log_setup();
	return log_fd != -1;
}

/* A journal field name: [A-Z0-9_], not starting with '_', 1 to 64 bytes. */
static int
log_key_ok(const char *k)
{
	size_t	i;

	if (k == NULL || k[0] == '\0' || k[0] == '_')
		return 0;
	for (i = 0; k[i] != '\0'; i++)
		if (i >= 64 || !((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') ||
		    k[i] == '_'))
			return 0;
	return 1;
}

struct log_dgram {
	char	data[LOG_DGRAM_MAX];
	size_t	len;
	int	full;
};

static void
log_dgram_put(struct log_dgram *g, const char *key, const char *val)
{
	size_t		klen = strlen(key), vlen = strlen(val), i;
	uint64_t	n = vlen;

	if (strchr(val, '\n') == NULL) {
		if (g->len + klen + vlen + 2 > sizeof(g->data)) {
			g->full = 1;
			return;
		}
		memcpy(g->data + g->len, key, klen);
		g->data[g->len + klen] = '=';
		memcpy(g->data + g->len + klen + 1, val, vlen);
		g->data[g->len + klen + 1 + vlen] = '\n';
		g->len += klen + vlen + 2;
		return;
	}
	if (g->len + klen + 1 + 8 + vlen + 1 > sizeof(g->data)) {
		g->full = 1;
		return;
	}
	memcpy(g->data + g->len, key, klen);
	g->len += klen;
	g->data[g->len++] = '\n';
	for (i = 0; i < 8; i++)
		g->data[g->len++] = (char)((n >> (8 * i)) & 0xff);
	memcpy(g->data + g->len, val, vlen);
	g->len += vlen;
	g->data[g->len++] = '\n';
}

/* 0 sent, -1 not (the caller writes to stderr). */
static int
log_journal_send(int level, const char *component, const char *text,
    const struct od_log_field *fields, size_t n)
{
	struct log_dgram	*g;
	char			 msg[LOG_LINE_MAX + 128], prio[4];
	size_t			 i;
	ssize_t			 w;
	int			 rc = -1;

	if ((g = malloc(sizeof(*g))) == NULL)
		return -1;
	g->len = 0;
	g->full = 0;
	snprintf(msg, sizeof(msg), "[%s] %s", component, text);
	snprintf(prio, sizeof(prio), "%d", level >= 0 && level <= 7 ? level : OD_LOG_DEBUG);
	log_dgram_put(g, "MESSAGE", msg);
	log_dgram_put(g, "PRIORITY", prio);
	log_dgram_put(g, "SYSLOG_IDENTIFIER", "outreachd");
	log_dgram_put(g, "OD_COMPONENT", component);
	for (i = 0; i < n; i++)
		if (log_key_ok(fields[i].key) && fields[i].value != NULL)
			log_dgram_put(g, fields[i].key, fields[i].value);
	if (!g->full) {
		w = sendto(log_fd, g->data, g->len, MSG_NOSIGNAL, (struct sockaddr *)&log_sa,
		    log_salen);
		rc = w == (ssize_t)g->len ? 0 : -1;
	}
	free(g);
	return rc;
}

/* The name a field has on stderr: account, action, gateway, status, or the key lowercased. */
static void
log_field_name(const char *key, char *out, size_t len)
{
	static const char *const map[][2] = {
		{ OD_LOG_ACCOUNT_ID, "account" }, { OD_LOG_ACTION_ID, "action" },
		{ OD_LOG_GATEWAY, "gateway" }, { OD_LOG_STATUS, "status" },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(key, map[i][0]) == 0) {
			snprintf(out, len, "%s", map[i][1]);
			return;
		}
	for (i = 0; key[i] != '\0' && i + 1 < len; i++)
		out[i] = (key[i] >= 'A' && key[i] <= 'Z') ? (char)(key[i] - 'A' + 'a') : key[i];
	out[i] = '\0';
}

/* " name=value" for each field, quoted when it must be. */
static void
log_fields_text(const struct od_log_field *fields, size_t n, char *out, size_t len)
{
	char	name[72];
	size_t	i, o = 0, k;
	int	quote;

	out[0] = '\0';
	for (i = 0; i < n && o + 1 < len; i++) {
		const char *v = fields[i].value;
		if (!log_key_ok(fields[i].key) || v == NULL)
			continue;
		log_field_name(fields[i].key, name, sizeof(name));
		quote = v[0] == '\0' || strpbrk(v, " \t\"\\=\n") != NULL;
		o += (size_t)snprintf(out + o, len - o, " %s=%s", name, quote ? "\"" : "");
		for (k = 0; v[k] != '\0' && o + 3 < len; k++) {
			if (v[k] == '"' || v[k] == '\\')
				out[o++] = '\\';
			out[o++] = v[k] == '\n' ? ' ' : v[k];
		}
		if (quote && o + 1 < len)
			out[o++] = '"';
		if (o >= len)
			o = len - 1;
		out[o] = '\0';
	}
}

static int
log_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
log_is_local(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || log_is_digit(c) ||
	    strchr("._%+-", c) != NULL;
}

static int
log_is_domain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || log_is_digit(c) ||
	    c == '.' || c == '-';
}

/*
 * A last line of defence, in place and length-preserving: what looks like
 * an E.164 number ('+' and 7 or more digits) or an email address is masked
 * as od_mask_phone() and od_mask_email() would, whoever forgot to.
 */
static void
log_scrub(char *line)
{
	size_t	i, j, k, n = strlen(line), start;
	int	dot;

	for (i = 0; i < n; i++) {
		if (line[i] == '+' && (i == 0 || !log_is_digit(line[i - 1]))) {
			for (j = i + 1; j < n && log_is_digit(line[j]); j++)
				;
			if (j - i - 1 >= 7)
				for (k = i + 3; k + 3 < j; k++)
					line[k] = '*';
			i = j - 1;
		} else if (line[i] == '@' && i > 0 && log_is_local(line[i - 1])) {
			for (j = i + 1, dot = 0; j < n && log_is_domain(line[j]); j++)
				dot |= line[j] == '.';
			if (!dot || j == i + 1)
				continue;
			for (start = i; start > 0 && log_is_local(line[start - 1]); start--)
				;
			for (k = start + 1; k < i; k++)
				line[k] = '*';
			i = j - 1;
		}
	}
}

static void
log_vwrite(int level, const char *component, const struct od_log_field *fields, size_t n,
    const char *fmt, va_list ap)
{
	char		line[LOG_LINE_MAX], kv[LOG_FIELDS_MAX], stamp[32];
	struct timespec	ts;
	struct tm	tm;

	if (!log_ready)
		od_log_setup();
	if (component == NULL)
		component = "-";
	vsnprintf(line, sizeof(line), fmt, ap);
	log_scrub(line);
	if (log_fd != -1 && log_journal_send(level, component, line, fields, n) == 0)
		return;
	log_fields_text(fields, n, kv, sizeof(kv));
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s [%s] %s%s\n", stamp, ts.tv_nsec / 1000000L,
	    log_level_name(level), component, line, kv);
}

void
od_log(int level, const char *component, const char *fmt, ...)
{
	va_list	ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vwrite(level, component, NULL, 0, fmt, ap);
	va_end(ap);
}

void
od_log_kv(int level, const char *component, const struct od_log_field *fields, size_t nfields,
    const char *fmt, ...)
{
	va_list	ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vwrite(level, component, fields, fields ? nfields : 0, fmt, ap);
	va_end(ap);
}

void
od_fatal(const char *component, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(OD_LOG_ERR, component, NULL, 0, fmt, ap);
	va_end(ap);
	abort();
}

const char *
od_mask_phone(const char *s, char *buf, size_t len)
{
	size_t	n, i, keep_head, keep_tail;

	if (len == 0)
		return buf;
	if (s == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	n = strlen(s);
	keep_head = n > 6 ? 3 : 0;
	keep_tail = n > 6 ? 3 : 0;
	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = (i < keep_head || i >= n - keep_tail) ? s[i] : '*';
	buf[i] = '\0';
	return buf;
}

const char *
od_mask_email(const char *s, char *buf, size_t len)
{
	const char	*at;
	size_t		 i, o = 0;

	if (len == 0)
		return buf;
	if (s == NULL || (at = strchr(s, '@')) == NULL)
		return od_mask_name(s, buf, len);
	for (i = 0; s + i < at && o + 1 < len; i++)
		buf[o++] = i == 0 ? s[i] : '*';
	for (i = 0; at[i] != '\0' && o + 1 < len; i++)
		buf[o++] = at[i];
	buf[o] = '\0';
	return buf;
}

const char *
od_mask_name(const char *s, char *buf, size_t len)
{
	size_t	i, o = 0;
	int	word_start = 1;

	if (len == 0)
		return buf;
	if (s == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	for (i = 0; s[i] != '\0' && o + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ') {
			buf[o++] = ' ';
			word_start = 1;
		} else if ((c & 0xC0) == 0x80) {
			continue;	/* UTF-8 continuation: one star per character */
		} else if (word_start && c < 0x80) {
			buf[o++] = (char)c;
			word_start = 0;
		} else {
			buf[o++] = '*';
			word_start = 0;
		}
	}
	buf[o] = '\0';
	return buf;
}
