/*
 * od_notify: the service manager's notification protocol (sd_notify(3)),
 * spoken directly: one datagram of "KEY=VALUE\n..." to the AF_UNIX socket
 * named by $NOTIFY_SOCKET ("/path", or "@name" for the abstract namespace).
 * Without $NOTIFY_SOCKET every call is a no-op returning 0, so the daemon
 * runs the same under systemd, in a container or from a shell.
 *
 * Debian 12 has systemd 252: the unit is Type=notify; a reload (SIGHUP)
 * is announced with RELOADING=1 and ends with READY=1.
 */
#ifndef OD_NOTIFY_H
#define OD_NOTIFY_H

#include <stdint.h>

struct event_base;

/*
 * Sends state (e.g. "READY=1\nSTATUS=running") as one datagram.  1 sent,
 * 0 no $NOTIFY_SOCKET (nothing to do), -1 error with errno set (EINVAL for
 * an address that is neither "/..." nor "@...").
 */
int	od_notify(const char *state);
int	od_notify_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int	od_notify_ready(void);		/* "READY=1" */
int	od_notify_reloading(void);	/* "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC in us>" */
int	od_notify_stopping(void);	/* "STOPPING=1" */
int	od_notify_watchdog(void);	/* "WATCHDOG=1" */
/* "STATUS=<text>", the line systemctl status shows; newlines become spaces. */
int	od_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * sd_watchdog_enabled(3): 1 with *usec set when $WATCHDOG_USEC is set and
 * $WATCHDOG_PID is unset or this process's pid; 0 when not enabled (usec
 * untouched); -1 (errno EINVAL) when either variable is malformed.  With
 * unset_environment, both variables are removed (so children do not
 * inherit them) whatever the result.
 */
int	od_notify_watchdog_enabled(int unset_environment, uint64_t *usec);

/*
 * A libevent timer that sends WATCHDOG=1 every half watchdog interval,
 * so the pings stop when the loop stops turning.  NULL when the watchdog
 * is not enabled (or on error; see errno).  Free before the base.
 */
struct od_notify_watchdog;

struct od_notify_watchdog *od_notify_watchdog_start(struct event_base *base);
void	od_notify_watchdog_stop(struct od_notify_watchdog *w);

#endif /* OD_NOTIFY_H */
