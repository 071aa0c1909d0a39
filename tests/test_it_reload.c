/*
 * outreachctl reload against the running daemon's admin server: a broken
 * policy is refused with its file:line:col and the running set stays; a
 * fixed one is taken.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "od_testenv.h"

/* Runs outreachctl reload; its stdout and stderr in out; returns the exit status. */
static int
ctl_reload(int port, char *out, size_t len)
{
	char	 cmd[1024];
	FILE	*fp;
	size_t	 n;
	int	 st;

	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl reload --admin 127.0.0.1:%d 2>&1",
	    OD_BUILD_DIR, port);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	n = fread(out, 1, len - 1, fp);
	out[n] = '\0';
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
replace_in_file(const char *path, const char *from, const char *to)
{
	char	*text = od_test_read_file(path), *p;
	FILE	*fp;

	assert_non_null(text);
	p = strstr(text, from);
	assert_non_null(p);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	fclose(fp);
	free(text);
}

static void
test_reload_refused_then_taken(void **state)
{
	struct od_test_env	 e;
	char			 pol[600], cmd[1400], out[4096], port_s[16], want[800];
	const char		*args[] = { NULL };
	struct timespec		 ts = { 0, 300 * 1000000L };
	pid_t			 pid;
	int			 port, i;

	(void)state;
	/* A private copy of the shipped policies, to break and mend. */
	assert_int_equal(od_test_tmpdir("reloadpol", pol, sizeof(pol)), 0);
	snprintf(cmd, sizeof(cmd), "cp %s/policy/*.yaml %s/", OD_SOURCE_DIR, pol);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(od_test_env_start_with(&e, "itreload", pol, NULL, NULL, NULL,
	    "  sms: outbox\n  email: outbox\n  whatsapp: outbox\n"), 0);
	port = od_test_free_port();
	snprintf(port_s, sizeof(port_s), "%d", port);
	setenv("OUTREACHD_ADMIN_PORT", port_s, 1);
	pid = od_test_daemon_start(&e, "d.log", args);
	unsetenv("OUTREACHD_ADMIN_PORT");
	for (i = 0; i < 50 && ctl_reload(port, out, sizeof(out)) != 0; i++)
		nanosleep(&ts, NULL);	/* until the admin server answers */
	assert_non_null(strstr(out, "reloaded: 6 policies"));

	snprintf(cmd, sizeof(cmd), "%s/pe-consumer.yaml", pol);
	replace_in_file(cmd, "stage: offer", "stage: bogus");
	assert_int_equal(ctl_reload(port, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s/pe-consumer.yaml:", pol);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, ": stage: unknown stage 'bogus' (reminder, notice, offer, final)"));
	assert_non_null(strstr(out, "reload refused: 1 error(s); the running configuration stays"));

	replace_in_file(cmd, "stage: bogus", "stage: offer");
	assert_int_equal(ctl_reload(port, out, sizeof(out)), 0);
	assert_string_equal(out, "reloaded: 6 policies, 108 templates, 1 gateways\n");

	assert_int_equal(od_test_process_stop(pid, SIGTERM, 10000), 0);
	od_test_env_stop(&e);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pol);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_refused_then_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
