/*
 * od_test_host: a recording host table for channel plugin tests.
 *
 * The host_ctx a plugin gets is a struct od_test_host: its settings and
 * secrets are what the test put there, its log lines are kept.  The request
 * handle (struct od_channel_request.req) is a struct od_test_req that keeps
 * every req_* call, so a test can check the exact URL, method, headers,
 * body, credentials and SMTP envelope a plugin built.  Like the core's host,
 * req_header, req_url, req_mail_from and req_mail_rcpt refuse CR and LF.
 */
#ifndef OD_TEST_HOST_H
#define OD_TEST_HOST_H

#include <stddef.h>

#include "od_buf.h"
#include "od_channel.h"

struct od_test_kv {
	char	*key;
	char	*value;
};

struct od_test_host {
	struct od_test_kv	*settings;
	size_t			 nsettings;
	struct od_test_kv	*secrets;
	size_t			 nsecrets;
	struct od_buf		 log;		/* "<level> <line>\n" per host->log call */
};

struct od_test_req {
	char		*url;
	char		*method;
	char		**headers;	/* "Name: value", in order */
	size_t		 nheaders;
	struct od_buf	 body;
	int		 has_body;
	char		*user;
	char		*password;
	char		*mail_from;
	char		**rcpts;
	size_t		 nrcpts;
	int		 refused;	/* a req_* call was refused (CR/LF) */
};

/* The host table; its host_ctx is a struct od_test_host *. */
const struct od_channel_host *od_test_host_table(void);

void	od_test_host_init(struct od_test_host *h);
void	od_test_host_clear(struct od_test_host *h);
/* Sets (or with value NULL removes) a setting / a secret. */
void	od_test_host_set(struct od_test_host *h, const char *key, const char *value);
void	od_test_host_secret(struct od_test_host *h, const char *key, const char *value);
/* All log lines so far ("" when none). */
const char *od_test_host_log(const struct od_test_host *h);

void	od_test_req_init(struct od_test_req *r);
void	od_test_req_clear(struct od_test_req *r);
/* The value of the first header called name (case-insensitive), or NULL. */
const char *od_test_req_header(const struct od_test_req *r, const char *name);

/*
 * The value of key in an application/x-www-form-urlencoded string (a body,
 * or the query of a URL: anything up to '?' is skipped), decoded; malloc'd,
 * or NULL when absent.  od_test_form_count counts the occurrences of key.
 */
char	*od_test_form_get(const char *form, const char *key);
size_t	 od_test_form_count(const char *form, const char *key);
/* Decodes %XX and '+' (form encoding); malloc'd. */
char	*od_test_urldecode(const char *s, size_t len);

/*
 * dlopens OD_BUILD_DIR "/lib/outreachd/channels/<name>.so" with RTLD_NOW |
 * RTLD_LOCAL and returns its plugin (NULL with the reason in err).  The
 * handle goes to *dl; close it with dlclose.
 */
const struct od_channel_plugin *od_test_plugin_open(const char *name, void **dl, char *err,
	    size_t errlen);

/* Reads a fixture under OD_TEST_DATA; malloc'd and NUL-terminated, or NULL. */
char	*od_test_fixture_read(const char *relpath, size_t *len);

/*
 * Hands the canned reply tests/data/<fixture> with status (and a Retry-After
 * header, or NULL) to p->classify; res is zeroed first.  0, or -1 when the
 * fixture cannot be read.
 */
int	od_test_classify(const struct od_channel_plugin *p, void *ctx,
	    const struct od_channel_message *m, const char *fixture, long status,
	    const char *retry_after, struct od_channel_result *res);

#endif /* OD_TEST_HOST_H */
