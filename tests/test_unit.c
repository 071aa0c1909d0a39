/*
 * systemd/outreachd.service: what the service manager will do with it, and
 * its exposure as "systemd-analyze security" rates it (<= 1.5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIT	OD_SOURCE_DIR "/systemd/outreachd.service"

static char *
slurp(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*s;
	long	 n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	return s;
}

/* line is present as a whole line (not commented out). */
static void
has_line(const char *text, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
		p += n;
	}
	fail_msg("%s: no line \"%s\"", UNIT, line);
}

static void
test_unit_directives(void **state)
{
	static const char *const lines[] = {
		"Type=notify",
		"ExecStart=/usr/sbin/outreachd --config /etc/outreachd/outreachd.yaml",
		"ExecReload=/bin/kill -HUP $MAINPID",
		"WatchdogSec=30s",
		"Restart=on-failure",
		"DynamicUser=yes",
		"StateDirectory=outreachd",
		"ConfigurationDirectory=outreachd",
		"IPAddressDeny=any",
		"IPAddressAllow=localhost",
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
		"SystemCallFilter=@system-service",
		"SystemCallArchitectures=native",
		"CapabilityBoundingSet=",
		"AmbientCapabilities=",
		"UMask=0077",
		"ProtectSystem=strict",
		"PrivateUsers=yes",
		"MemoryDenyWriteExecute=yes",
		"#LoadCredential=twilio_auth_token:/etc/outreachd/credentials/twilio_auth_token",
		"WantedBy=multi-user.target",
	};
	char	*text = slurp(UNIT);
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		has_line(text, lines[i]);
	/* systemd 252 (Debian 12) does not know notify-reload. */
	assert_null(strstr(text, "\nType=notify-reload"));
	free(text);
}

static void
test_unit_exposure(void **state)
{
	char	 line[1024], cmd[512];
	FILE	*fp;
	double	 exposure = -1;
	int	 rc;

	(void)state;
	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
		print_message("systemd-analyze is not installed (apt-get install systemd): "
		    "exposure not checked\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd), "systemd-analyze security --offline=yes --no-pager %s 2>&1",
	    UNIT);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char	*p = strstr(line, "Overall exposure level for outreachd.service: ");

		if (p != NULL)
			exposure = strtod(p + strlen("Overall exposure level for outreachd.service: "),
			    NULL);
	}
	rc = pclose(fp);
	assert_int_equal(rc, 0);
	if (exposure < 0)
		fail_msg("no \"Overall exposure level\" line from: %s", cmd);
	print_message("exposure %.1f\n", exposure);
	assert_true(exposure <= 1.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_directives),
		cmocka_unit_test(test_unit_exposure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
