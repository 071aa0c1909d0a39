#include "od_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int	log_level = OD_LOG_INFO;

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

static void
log_vwrite(int level, const char *component, const char *fmt, va_list ap)
{
	char		line[2048], stamp[32];
	struct timespec	ts;
	struct tm	tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s.%03ldZ %s [%s] %s\n", stamp, ts.tv_nsec / 1000000L,
	    log_level_name(level), component, line);
}

void
od_log(int level, const char *component, const char *fmt, ...)
{
	va_list	ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vwrite(level, component, fmt, ap);
	va_end(ap);
}

void
od_fatal(const char *component, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(OD_LOG_ERR, component, fmt, ap);
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
