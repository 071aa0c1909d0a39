/*
 * outreachctl reload: asks the running daemon to reload its configuration
 * set, through its admin server (POST /reload), and prints what it answered:
 * "reloaded ..." or every error as file:line:col with "reload refused".
 * Under systemd, `systemctl reload outreachd` does the same (SIGHUP), with
 * the outcome in the journal.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "od_config.h"

static int
reload_connect(const char *host, int port)
{
	struct addrinfo	 hints, *res, *ai;
	char		 p[16];
	int		 fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(p, sizeof(p), "%d", port);
	if (getaddrinfo(host, p, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
ctl_cmd_reload(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 opts[] = { { "admin", 1, 0, NULL } };
	struct od_config	 cfg;
	struct od_errors	 errs;
	struct od_buf		 ans;
	const char		*admin, *token = getenv("OUTREACHD_ADMIN_TOKEN"), *body;
	char			 host[256] = "127.0.0.1", req[1024], buf[4096], err[256];
	int			 port = 9464, npos, fd, status = 0;
	ssize_t			 n;

	if (ctl_args_scan(argc, argv, opts, 1, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "reload", "reload: %s", err);
	if (npos != 0)
		return ctl_usage_error(c, "reload", "reload: no arguments expected");
	if ((admin = opts[0].value) != NULL) {
		if (sscanf(admin, "%255[^:]:%d", host, &port) != 2 || port <= 0 || port > 65535)
			return ctl_usage_error(c, "reload", "reload: --admin wants HOST:PORT");
	} else {
		od_errors_init(&errs);
		if (od_config_load(c->config_path ? c->config_path : od_config_default_path(),
		    NULL, &cfg, &errs) == 0) {
			if (!cfg.admin_enabled || cfg.admin_port == 0) {
				ctl_errx(c, "the configuration has no fixed admin port: give --admin "
				    "HOST:PORT, or use systemctl reload outreachd");
				od_config_clear(&cfg);
				od_errors_clear(&errs);
				return CTL_EXIT_FAIL;
			}
			snprintf(host, sizeof(host), "%s", cfg.admin_address);
			port = cfg.admin_port;
			od_config_clear(&cfg);
		}
		od_errors_clear(&errs);
	}
	if ((fd = reload_connect(host, port)) == -1) {
		ctl_errx(c, "cannot reach the daemon's admin server at %s:%d", host, port);
		return CTL_EXIT_FAIL;
	}
	snprintf(req, sizeof(req), "POST /reload HTTP/1.0\r\nHost: %s\r\nContent-Length: 0\r\n"
	    "%s%s%s\r\n", host, token ? "Authorization: Bearer " : "", token ? token : "",
	    token ? "\r\n" : "");
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		ctl_errx(c, "cannot send the request to %s:%d", host, port);
		return CTL_EXIT_FAIL;
	}
	od_buf_init(&ans);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		od_buf_append(&ans, buf, (size_t)n);
	close(fd);
	if (ans.data == NULL || sscanf(ans.data, "HTTP/1.%*d %d", &status) != 1) {
		od_buf_free(&ans);
		ctl_errx(c, "no answer from %s:%d", host, port);
		return CTL_EXIT_FAIL;
	}
	body = strstr(ans.data, "\r\n\r\n");
	body = body ? body + 4 : "";
	if (status == 401)
		ctl_errx(c, "the admin server wants a bearer token: set OUTREACHD_ADMIN_TOKEN");
	else if (status == 404)
		ctl_errx(c, "this daemon does not offer /reload: use systemctl reload outreachd");
	else
		fputs(body, status == 200 ? stdout : stderr);
	od_buf_free(&ans);
	return status == 200 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}
