/*
 * od_notify: sd_notify's datagram protocol without libsystemd
 * (https://www.freedesktop.org/software/systemd/man/sd_notify.html).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "od_buf.h"
#include "od_notify.h"

int
od_notify(const char *state)
{
	struct sockaddr_un	 sa;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 salen;
	size_t			 len;
	ssize_t			 n;
	int			 fd, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (state == NULL) {
		errno = EINVAL;
		return -1;
	}
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 || len >= sizeof(sa.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@') {
		/* Abstract: a leading NUL, and the length says where the name ends. */
		sa.sun_path[0] = '\0';
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved;
		return -1;
	}
	if ((size_t)n != strlen(state)) {
		errno = EMSGSIZE;
		return -1;
	}
	return 1;
}

static int
notify_vprintf(const char *prefix, int oneline, const char *fmt, va_list ap)
{
	struct od_buf	 b;
	char		*text;
	size_t		 start;
	int		 rc, n;
	va_list		 cp;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	od_buf_init(&b);
	od_buf_puts(&b, prefix);
	start = b.len;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || (text = malloc((size_t)n + 1)) == NULL) {
		od_buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	od_buf_puts(&b, text);
	free(text);
	if (b.oom) {
		od_buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	if (oneline)
		for (size_t i = start; i < b.len; i++)
			if (b.data[i] == '\n' || b.data[i] == '\r')
				b.data[i] = ' ';
	rc = od_notify(b.data);
	od_buf_free(&b);
	return rc;
}

int
od_notify_printf(const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = notify_vprintf("", 0, fmt, ap);
	va_end(ap);
	return rc;
}

int
od_notify_status(const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = notify_vprintf("STATUS=", 1, fmt, ap);
	va_end(ap);
	return rc;
}

int
od_notify_ready(void)
{
	return od_notify("READY=1");
}

int
od_notify_reloading(void)
{
	struct timespec	ts;

	/* MONOTONIC_USEC: required by Type=notify-reload (systemd 253+), ignored by 252. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return od_notify_printf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
}

int
od_notify_stopping(void)
{
	return od_notify("STOPPING=1");
}

int
od_notify_watchdog(void)
{
	return od_notify("WATCHDOG=1");
}

/* A positive decimal that fits: 0, or -1. */
static int
notify_parse_u64(const char *s, unsigned long long *out)
{
	char	*end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

int
od_notify_watchdog_enabled(int unset_environment, uint64_t *usec)
{
	const char		*us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long	 u, p;
	int			 rc;

	if (us == NULL) {
		rc = 0;
		goto out;
	}
	if (notify_parse_u64(us, &u) == -1 || u == 0) {
		rc = -1;
		goto out;
	}
	if (pid != NULL) {
		if (notify_parse_u64(pid, &p) == -1 || p == 0) {
			rc = -1;
			goto out;
		}
		if (p != (unsigned long long)getpid()) {
			rc = 0;
			goto out;
		}
	}
	if (usec != NULL)
		*usec = u;
	rc = 1;
out:
	if (unset_environment) {
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
	}
	if (rc == -1)
		errno = EINVAL;
	return rc;
}

struct od_notify_watchdog {
	struct event	*ev;
};

static void
notify_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	od_notify_watchdog();
}

struct od_notify_watchdog *
od_notify_watchdog_start(struct event_base *base)
{
	struct od_notify_watchdog	*w;
	struct timeval			 tv;
	uint64_t			 usec, half;

	if (base == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (od_notify_watchdog_enabled(0, &usec) != 1)
		return NULL;
	half = usec / 2;
	if (half == 0)
		half = 1;
	tv.tv_sec = (time_t)(half / 1000000);
	tv.tv_usec = (suseconds_t)(half % 1000000);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if ((w->ev = event_new(base, -1, EV_PERSIST, notify_watchdog_cb, w)) == NULL ||
	    event_add(w->ev, &tv) == -1) {
		od_notify_watchdog_stop(w);
		errno = ENOMEM;
		return NULL;
	}
	od_notify_watchdog();
	return w;
}

void
od_notify_watchdog_stop(struct od_notify_watchdog *w)
{
	if (w == NULL)
		return;
	if (w->ev != NULL)
		event_free(w->ev);
	free(w);
}
