/*
 * od_notify: a datagram socket standing in for systemd receives exactly
 * what the daemon sends, on a path and on an abstract ("@") name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "od_notify.h"

struct listener {
	int	fd;
	char	env[108];	/* the value for $NOTIFY_SOCKET */
	char	path[108];	/* a file to unlink, or "" */
};

static void
listener_open(struct listener *l, int abstract)
{
	struct sockaddr_un	sa;
	socklen_t		salen;
	struct timeval		tv = { 2, 0 };

	memset(l, 0, sizeof(*l));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	l->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(l->fd >= 0);
	if (abstract) {
		snprintf(l->env, sizeof(l->env), "@od-test-notify-%ld", (long)getpid());
		memcpy(sa.sun_path, l->env, strlen(l->env));
		sa.sun_path[0] = '\0';
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(l->env));
	} else {
		snprintf(l->path, sizeof(l->path), "/tmp/od-test-notify-%ld.sock", (long)getpid());
		unlink(l->path);
		snprintf(l->env, sizeof(l->env), "%s", l->path);
		memcpy(sa.sun_path, l->path, strlen(l->path) + 1);
		salen = sizeof(sa);
	}
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, salen), 0);
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	setenv("NOTIFY_SOCKET", l->env, 1);
}

static void
listener_close(struct listener *l)
{
	close(l->fd);
	if (l->path[0] != '\0')
		unlink(l->path);
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram, NUL-terminated, in buf. */
static void
listener_recv(struct listener *l, char *buf, size_t len)
{
	ssize_t	n = recv(l->fd, buf, len - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
}

/* Nothing more is waiting. */
static void
listener_empty(struct listener *l)
{
	char	buf[16];

	assert_int_equal(recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void
check_messages(int abstract)
{
	struct listener	l;
	char		buf[512];
	unsigned long long us;

	listener_open(&l, abstract);
	assert_int_equal(od_notify_ready(), 1);
	listener_recv(&l, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");

	assert_int_equal(od_notify_status("running: %d gateways, %s", 3, "redis ok"), 1);
	listener_recv(&l, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS=running: 3 gateways, redis ok");

	assert_int_equal(od_notify_reloading(), 1);
	listener_recv(&l, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &us), 1);
	assert_true(us > 0);
	assert_null(strchr(strchr(buf, '\n') + 1, '\n'));

	assert_int_equal(od_notify_watchdog(), 1);
	listener_recv(&l, buf, sizeof(buf));
	assert_string_equal(buf, "WATCHDOG=1");

	assert_int_equal(od_notify_stopping(), 1);
	listener_recv(&l, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");

	assert_int_equal(od_notify("READY=1\nSTATUS=two fields"), 1);
	listener_recv(&l, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1\nSTATUS=two fields");
	listener_empty(&l);
	listener_close(&l);
}

static void
test_path_socket(void **state)
{
	(void)state;
	check_messages(0);
}

static void
test_abstract_socket(void **state)
{
	(void)state;
	check_messages(1);
}

static void
test_status_is_one_line(void **state)
{
	struct listener	l;
	char		buf[512];

	(void)state;
	listener_open(&l, 0);
	assert_int_equal(od_notify_status("a\nREADY=1\rb"), 1);
	listener_recv(&l, buf, sizeof(buf));
	/* A newline in the text must not smuggle in another field. */
	assert_string_equal(buf, "STATUS=a READY=1 b");
	listener_close(&l);
}

static void
test_without_socket(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(od_notify_ready(), 0);
	assert_int_equal(od_notify_status("x"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(od_notify_ready(), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_bad_addresses(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "relative/path.sock", 1);
	errno = 0;
	assert_int_equal(od_notify_ready(), -1);
	assert_int_equal(errno, EINVAL);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(od_notify_ready(), -1);
	assert_int_equal(errno, EINVAL);
	/* Nobody listening there. */
	setenv("NOTIFY_SOCKET", "/nonexistent/od-test-notify.sock", 1);
	assert_int_equal(od_notify_ready(), -1);
	assert_int_equal(errno, ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_watchdog_enabled(void **state)
{
	uint64_t	usec = 7;
	char		pid[32];

	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), 0);
	assert_int_equal(usec, 7);

	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), 1);
	assert_int_equal(usec, 30000000);

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	usec = 0;
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), 1);
	assert_int_equal(usec, 30000000);

	/* Meant for another process (our parent, say): not ours. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	usec = 7;
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), 0);
	assert_int_equal(usec, 7);

	setenv("WATCHDOG_PID", "12x", 1);
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), -1);
	assert_int_equal(errno, EINVAL);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), -1);
	setenv("WATCHDOG_USEC", "-5", 1);
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), -1);
	setenv("WATCHDOG_USEC", "", 1);
	assert_int_equal(od_notify_watchdog_enabled(0, &usec), -1);

	/* unset_environment removes both, whatever the answer. */
	setenv("WATCHDOG_USEC", "1000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(od_notify_watchdog_enabled(1, &usec), getpid() == 1 ? 1 : 0);
	assert_null(getenv("WATCHDOG_USEC"));
	assert_null(getenv("WATCHDOG_PID"));
	assert_int_equal(od_notify_watchdog_enabled(1, &usec), 0);
}

static void
stop_loop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void
test_watchdog_timer(void **state)
{
	struct listener			 l;
	struct event_base		*base = event_base_new();
	struct od_notify_watchdog	*w;
	struct event			*stop;
	struct timeval			 tv = { 0, 130000 };
	char				 buf[64];
	int				 pings = 0;

	(void)state;
	assert_non_null(base);
	unsetenv("WATCHDOG_USEC");
	assert_null(od_notify_watchdog_start(base));	/* not enabled: no timer */

	listener_open(&l, 1);
	setenv("WATCHDOG_USEC", "50000", 1);		/* 50 ms: a ping every 25 ms */
	w = od_notify_watchdog_start(base);
	assert_non_null(w);
	stop = evtimer_new(base, stop_loop, base);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);
	while (recv(l.fd, buf, sizeof(buf) - 1, MSG_DONTWAIT) > 0) {
		buf[9] = '\0';
		assert_string_equal(buf, "WATCHDOG=");
		pings++;
	}
	/* One at start, then every 25 ms for 130 ms: about 6. */
	assert_true(pings >= 3);	/* slack for valgrind */
	assert_true(pings <= 7);
	od_notify_watchdog_stop(w);
	od_notify_watchdog_stop(NULL);
	event_free(stop);
	event_base_free(base);
	unsetenv("WATCHDOG_USEC");
	listener_close(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_status_is_one_line),
		cmocka_unit_test(test_without_socket),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_watchdog_enabled),
		cmocka_unit_test(test_watchdog_timer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
