/*
 * od_test_host: the host table and fixture of the channel plugin tests.
 *
 * The host table is the core's own (od_plugin_host()) for everything a
 * plugin builds: the request handle (struct od_channel_request.req) is a
 * struct od_request that records the exact URL, method, headers, body,
 * credentials and SMTP envelope, refusing CR and LF as the daemon does, and
 * the buffers are the core's.  Only the gateway side differs: the host_ctx a
 * plugin gets is a struct od_test_host, whose settings and secrets are what
 * the test put there and whose log lines are kept.
 *
 * struct od_test_fx is what every plugin test works on: the plugin loaded
 * from its .so, a host, the request of the last build, the plugin's context.
 */
#ifndef OD_TEST_HOST_H
#define OD_TEST_HOST_H

#include <stddef.h>

#include "od_buf.h"
#include "od_channel.h"
#include "od_plugin.h"

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

/* The host table; its host_ctx is a struct od_test_host *. */
const struct od_channel_host *od_test_host_table(void);

void	od_test_host_init(struct od_test_host *h);
void	od_test_host_clear(struct od_test_host *h);
/* Sets (or with value NULL removes) a setting / a secret. */
void	od_test_host_set(struct od_test_host *h, const char *key, const char *value);
void	od_test_host_secret(struct od_test_host *h, const char *key, const char *value);
/* All log lines so far ("" when none). */
const char *od_test_host_log(const struct od_test_host *h);

/* The value of the first header called name (case-insensitive), or NULL. */
const char *od_test_req_header(const struct od_request *r, const char *name);
/* Whether the plugin called req_body since the request was (re)initialised. */
int	od_test_req_has_body(const struct od_request *r);

/*
 * The value of key in an application/x-www-form-urlencoded string (a body,
 * or the query of a URL: anything up to '?' is skipped), decoded; malloc'd,
 * or NULL when absent.  od_test_form_count counts the occurrences of key.
 */
char	*od_test_form_get(const char *form, const char *key);
size_t	 od_test_form_count(const char *form, const char *key);
/* Decodes %XX and '+' (form encoding); malloc'd. */
char	*od_test_urldecode(const char *s, size_t len);
/* Asserts key occurs once in form with the value want, or (want NULL) not at all. */
void	od_test_assert_form(const char *form, const char *key, const char *want);

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

/* One plugin under test. */
struct od_test_fx {
	void				*dl;
	const struct od_channel_plugin	*p;
	struct od_test_host		 host;
	struct od_request		 req;	/* what the last od_test_fx_build built */
	void				*ctx;	/* the plugin's, after a successful init */
	char				 err[256];
};

/* Loads plugin name; NULL (the reason on stderr) when it cannot. */
struct od_test_fx *od_test_fx_open(const char *name);
/* Finishes the plugin's context, frees everything, closes the .so.  NULL-safe. */
void	od_test_fx_close(struct od_test_fx *f);
/* A cmocka teardown for a fixture in *state. */
int	od_test_fx_teardown(void **state);
/* (Re)initialises the plugin on f's host: a previous context is finished first. */
int	od_test_fx_init(struct od_test_fx *f);
/* Builds m into a fresh f->req. */
int	od_test_fx_build(struct od_test_fx *f, const struct od_channel_message *m);

/*
 * Asserts the plugin's ABI header: version and size, its name, transport
 * and kinds, and that hidden_symbol (an internal function) is not exported.
 */
void	od_test_assert_abi(const struct od_test_fx *f, const char *name,
	    enum od_transport transport, unsigned kinds, const char *hidden_symbol);

/* A canned gateway reply and the result classify must give it. */
struct od_test_expect {
	const char	*fixture;	/* under the directory given to od_test_assert_classify */
	long		 status;
	const char	*retry_after;	/* the Retry-After header, or NULL */
	enum od_outcome	 outcome;
	unsigned	 flags;
	long		 retry_ms;
	const char	*code;
	const char	*reason;
	const char	*provider_id;
};

/*
 * Classifies each case's fixture (tests/data/<dir>/<fixture>) for m and
 * asserts every field of the result.
 */
void	od_test_assert_classify(struct od_test_fx *f, const struct od_channel_message *m,
	    const char *dir, const struct od_test_expect *cases, size_t ncases);

#endif /* OD_TEST_HOST_H */
