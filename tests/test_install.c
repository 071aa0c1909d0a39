/*
 * The install layout (cmake --install with DESTDIR) and the Debian package
 * (cpack): where every file lands, that the installed configuration passes
 * --check, and the package's Depends, contents and conffiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "od_buf.h"

static char	 root[64];	/* the DESTDIR */

/* Runs cmd through sh; its stdout and stderr in *out (malloc'd); the exit status. */
static int
run(const char *cmd, char **out)
{
	struct od_buf	 b;
	char		 chunk[4096], full[4096];
	size_t		 n;
	FILE		*fp;
	int		 st;

	snprintf(full, sizeof(full), "(%s) 2>&1", cmd);
	od_buf_init(&b);
	fp = popen(full, "r");
	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		od_buf_append(&b, chunk, n);
	st = pclose(fp);
	od_buf_putc(&b, '\0');
	*out = od_buf_steal(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
installed(const char *path, int mode_bits)
{
	struct stat	st;
	char		full[1024];

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
		print_error("not installed: %s\n", path);
		return 0;
	}
	if (mode_bits && (st.st_mode & (mode_t)mode_bits) != (mode_t)mode_bits) {
		print_error("%s: mode %o lacks %o\n", path, (unsigned)st.st_mode & 07777,
		    (unsigned)mode_bits);
		return 0;
	}
	return 1;
}

/* Whether the top CMakeLists.txt includes cmake/install.cmake yet. */
static int
layout_wired(void)
{
	FILE	*fp = fopen(OD_BUILD_DIR "/cmake_install.cmake", "r");
	char	 line[2048];
	int	 found = 0;

	if (fp == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, "outreachd.service") != NULL;
	fclose(fp);
	return found;
}

static int
setup(void **state)
{
	char	*out, cmd[1024];
	int	 rc;

	(void)state;
	if (!layout_wired())
		return 0;
	snprintf(root, sizeof(root), "/tmp/od-test-install-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "DESTDIR=%s cmake --install %s --prefix /usr", root,
	    OD_BUILD_DIR);
	rc = run(cmd, &out);
	if (rc != 0)
		print_error("%s: exit %d\n%s", cmd, rc, out);
	free(out);
	return rc == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char	cmd[128], *out;

	(void)state;
	if (root[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		run(cmd, &out);
		free(out);
	}
	return 0;
}

static void
test_layout(void **state)
{
	static const char *const files[] = {
		"/etc/outreachd/outreachd.yaml",
		"/etc/outreachd/policy/pe-consumer.yaml",
		"/etc/outreachd/policy/small-balance.yaml",
		"/etc/outreachd/jurisdictions/PE.yaml",
		"/etc/outreachd/holidays/PE.yaml",
		"/lib/systemd/system/outreachd.service",
		"/usr/lib/tmpfiles.d/outreachd.conf",
		"/usr/share/man/man8/outreachd.8",
		"/usr/share/man/man1/outreachctl.1",
		"/usr/share/man/man5/outreachd.yaml.5",
		"/usr/share/doc/outreachd/operations.md",
		"/usr/share/doc/outreachd/configuration.md",
		"/usr/share/doc/outreachd/grafana-dashboard.json",
	};
	static const char *const plugins[] = { "outbox", "sms-twilio", "sms-kannel",
	    "whatsapp-cloud", "email-smtp" };
	char	path[1024], *out, cmd[1024];
	int	ok = 1;
	size_t	i;

	(void)state;
	if (!layout_wired()) {
		print_message("cmake/install.cmake is not included by CMakeLists.txt yet: "
		    "layout not checked\n");
		skip();
	}
	ok &= installed("/usr/sbin/outreachd", 0111);
	ok &= installed("/usr/bin/outreachctl", 0111);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ok &= installed(files[i], 0444);
	for (i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.so", OD_PLUGIN_INSTALL_DIR, plugins[i]);
		ok &= installed(path, 0);
	}
	/* Every locale's templates, as in the source tree. */
	snprintf(cmd, sizeof(cmd), "cd %s/templates && find . -type f | sort > %s/src.lst && "
	    "cd %s/etc/outreachd/templates && find . -type f | sort | diff %s/src.lst -",
	    OD_SOURCE_DIR, root, root, root);
	if (run(cmd, &out) != 0) {
		print_error("templates differ:\n%s", out);
		ok = 0;
	}
	free(out);
	assert_true(ok);
}

static void
test_installed_config_checks(void **state)
{
	char	cmd[2048], *out;
	int	rc;

	(void)state;
	if (!layout_wired())
		skip();
	/* The production config's relative directories resolve under DESTDIR/etc. */
	snprintf(cmd, sizeof(cmd), "env -u OUTREACHD_CONFIG -u OUTREACHD_POLICY_DIR "
	    "-u OUTREACHD_TEMPLATE_DIR -u OUTREACHD_PLUGIN_DIR -u OUTREACHD_STATE_DIR "
	    "-u OUTREACHD_REDIS -u OUTREACHD_PREFIX "
	    "%s/usr/sbin/outreachd --check --config %s/etc/outreachd/outreachd.yaml",
	    root, root);
	rc = run(cmd, &out);
	if (rc != 0)
		print_error("%s", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "configuration OK\n"));
	free(out);
}

static void
test_deb(void **state)
{
	char	cmd[2048], deb[1024], *out, *nl;
	int	rc;

	(void)state;
	if (!layout_wired())
		skip();
	if (system("command -v cpack >/dev/null && command -v dpkg-deb >/dev/null") != 0) {
		print_message("cpack or dpkg-deb missing: the package is not checked\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd), "cpack -G DEB --config %s/CPackConfig.cmake -B %s/pkg",
	    OD_BUILD_DIR, root);
	rc = run(cmd, &out);
	if (rc != 0)
		print_error("%s", out);
	assert_int_equal(rc, 0);
	free(out);
	snprintf(cmd, sizeof(cmd), "ls %s/pkg/*.deb", root);
	assert_int_equal(run(cmd, &out), 0);
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	snprintf(deb, sizeof(deb), "%s", out);
	free(out);

	snprintf(cmd, sizeof(cmd), "dpkg-deb -f %s Package Depends Recommends", deb);
	assert_int_equal(run(cmd, &out), 0);
	assert_string_equal(out,
	    "Package: outreachd\n"
	    "Depends: libc6 (>= 2.34), libevent-2.1-7 (>= 2.1.12), libhiredis0.14 (>= 0.14.1), "
	    "libcurl4 (>= 7.74.0), libyaml-0-2, libjansson4 (>= 2.14), libssl3 (>= 3.0.0)\n"
	    "Recommends: redis-server\n");
	free(out);

	snprintf(cmd, sizeof(cmd), "dpkg-deb -c %s", deb);
	assert_int_equal(run(cmd, &out), 0);
	assert_non_null(strstr(out, " ./usr/sbin/outreachd\n"));
	assert_non_null(strstr(out, " ./usr/bin/outreachctl\n"));
	assert_non_null(strstr(out, " ./etc/outreachd/outreachd.yaml\n"));
	assert_non_null(strstr(out, " ./etc/outreachd/jurisdictions/PE.yaml\n"));
	assert_non_null(strstr(out, " ./lib/systemd/system/outreachd.service\n"));
	assert_non_null(strstr(out, " ./usr/lib/tmpfiles.d/outreachd.conf\n"));
	assert_non_null(strstr(out, " ./usr/share/man/man8/outreachd.8\n"));
	assert_non_null(strstr(out, " ." OD_PLUGIN_INSTALL_DIR "/outbox.so\n"));
	free(out);

	/* /etc files are conffiles: an upgrade keeps the administrator's edits. */
	snprintf(cmd, sizeof(cmd), "dpkg-deb -I %s conffiles", deb);
	assert_int_equal(run(cmd, &out), 0);
	assert_non_null(strstr(out, "/etc/outreachd/outreachd.yaml\n"));
	assert_non_null(strstr(out, "/etc/outreachd/policy/pe-consumer.yaml\n"));
	assert_non_null(strstr(out, "/etc/outreachd/holidays/PE.yaml\n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_installed_config_checks),
		cmocka_unit_test(test_deb),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
