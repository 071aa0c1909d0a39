/*
 * od_config: config/outreachd.yaml.
 *
 * Every scalar option is one row of cfg_options (name, type, default,
 * bounds, offset into struct od_config, environment override,
 * description); cfg_assign() is the one place a value is checked, whether
 * it comes from the defaults, the file, the environment or the command
 * line.  company, gateways, channels and placements have shapes of their
 * own and are read by od_config_sections.c.
 */
#include "od_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "od_config_int.h"
#include "od_link.h"
#include "od_log.h"
#include "od_queue.h"
#include "od_time.h"
#include "od_yaml.h"

enum cfg_type {
	CFG_STRING = 1,		/* char * */
	CFG_DIR,		/* char *, relative to the config file's directory */
	CFG_LOGLEVEL,		/* int, OD_LOG_* */
	CFG_DURABILITY,		/* int, OD_DURABILITY_* */
	CFG_SIZE,		/* size_t */
	CFG_INT,		/* int */
	CFG_LONG,		/* long */
	CFG_BOOL,		/* int, 0 or 1 */
	CFG_DURATION,		/* int64_t, milliseconds */
};

#define CFG_EMPTY_NULL	0x01	/* "" leaves the field NULL (computed later) */
#define CFG_REDIS	0x02	/* redis://... or unix:/... */
#define CFG_PREFIX	0x04	/* a Redis key prefix */
#define CFG_LOCALE	0x08	/* BCP 47 language[-REGION] */

struct cfg_option {
	const char	*section;	/* NULL: top level */
	const char	*name;
	enum cfg_type	 type;
	const char	*def;		/* the default, as it would be written */
	long long	 min, max;	/* numbers; durations in ms */
	size_t		 off;		/* into struct od_config */
	int		 flags;
	const char	*env;		/* environment override, or NULL */
	const char	*desc;
};

#define OFF(f)	offsetof(struct od_config, f)
#define DAY_MS	86400000LL

static const struct cfg_option cfg_options[] = {
	{ NULL, "redis", CFG_STRING, "redis://127.0.0.1:6379/0", 0, 0, OFF(redis_url),
	  CFG_REDIS, "OUTREACHD_REDIS", "Redis server: redis://host:port[/db] or unix:/path" },
	{ NULL, "prefix", CFG_STRING, "outreach", 0, 0, OFF(prefix),
	  CFG_PREFIX, "OUTREACHD_PREFIX", "prefix of every Redis key" },
	{ NULL, "consumer", CFG_STRING, "", 0, 0, OFF(consumer),
	  CFG_EMPTY_NULL, NULL, "consumer name in the inbox group; empty: hostname-pid" },
	{ NULL, "policy_dir", CFG_DIR, "policy", 0, 0, OFF(policy_dir),
	  0, "OUTREACHD_POLICY_DIR", "directory of policy/*.yaml" },
	{ NULL, "template_dir", CFG_DIR, "templates", 0, 0, OFF(template_dir),
	  0, "OUTREACHD_TEMPLATE_DIR", "directory of templates/<locale>/" },
	{ NULL, "plugin_dir", CFG_DIR, "", 0, 0, OFF(plugin_dir),
	  CFG_EMPTY_NULL, "OUTREACHD_PLUGIN_DIR", "channel plugins; empty: the build's, else the installed" },
	{ NULL, "state_dir", CFG_DIR, "/var/lib/outreachd", 0, 0, OFF(state_dir),
	  0, "OUTREACHD_STATE_DIR", "the daemon's own files" },
	{ NULL, "default_locale", CFG_STRING, "es-PE", 0, 0, OFF(default_locale),
	  CFG_LOCALE, NULL, "locale of an account that names none" },
	{ NULL, "durability", CFG_DURABILITY, "strict", 0, 0, OFF(durability),
	  0, NULL, "strict: Redis must fsync every write before it answers (appendfsync "
	  "always), so no 'sending' record a power loss could undo; relaxed: accepts the "
	  "window of its fsync policy (docs/operations.md)" },
	{ NULL, "log_level", CFG_LOGLEVEL, "info", 0, 0, OFF(log_level),
	  0, NULL, "error, warning, notice, info or debug" },
	{ "limits", "max_body", CFG_SIZE, "65536", 1024, 16777216, OFF(max_body),
	  0, NULL, "bytes of one inbox body" },
	{ "limits", "intake_batch", CFG_INT, "256", 1, 10000, OFF(intake_batch),
	  0, NULL, "inbox entries read at once" },
	{ "limits", "claim_batch", CFG_INT, "256", 1, 10000, OFF(claim_batch),
	  0, NULL, "due actions claimed at once" },
	{ "limits", "max_inflight", CFG_INT, "1024", 1, 1000000, OFF(max_inflight),
	  0, NULL, "actions claimed and not completed" },
	{ "limits", "lease", CFG_DURATION, "60s", 1000, DAY_MS, OFF(lease_ms),
	  0, NULL, "how long a claim holds" },
	{ "limits", "reclaim_interval", CFG_DURATION, "1s", 100, 3600000, OFF(reclaim_interval_ms),
	  0, NULL, "period of the sweep of expired leases and of dead consumers' work" },
	{ "limits", "heartbeat_interval", CFG_DURATION, "1s", 100, 60000, OFF(heartbeat_interval_ms),
	  0, NULL, "how often the daemon says it is alive and renews its leases" },
	{ "limits", "heartbeat_ttl", CFG_DURATION, "5s", 1000, 600000, OFF(heartbeat_ttl_ms),
	  0, NULL, "silence after which a daemon is dead and its work is settled" },
	{ "limits", "history", CFG_INT, "500", 1, 100000, OFF(history_len),
	  0, NULL, "attempt records kept per account" },
	{ "limits", "attempts_maxlen", CFG_LONG, "10000000", 1000, 1000000000, OFF(attempts_maxlen),
	  0, NULL, "approximate cap of <prefix>:attempts" },
	{ "limits", "resend_unknown", CFG_BOOL, "false", 0, 1, OFF(resend_unknown),
	  0, NULL, "send again after an unknown outcome" },
	{ "limits", "max_retries", CFG_INT, "5", 0, 100, OFF(max_retries),
	  0, NULL, "retryable failures of one step before it fails" },
	{ "limits", "retry_base", CFG_DURATION, "30s", 1000, DAY_MS, OFF(retry_base_ms),
	  0, NULL, "back-off base" },
	{ "limits", "retry_max", CFG_DURATION, "1h", 1000, 7 * DAY_MS, OFF(retry_max_ms),
	  0, NULL, "back-off cap" },
	{ "limits", "wamid_ttl", CFG_DURATION, "30d", 3600000, 90 * DAY_MS, OFF(wamid_ttl_ms),
	  0, NULL, "how long a sent WhatsApp message's id still finds its attempt (receipts)" },
	{ "limits", "shutdown_grace", CFG_DURATION, "10s", 0, 3600000, OFF(shutdown_grace_ms),
	  0, NULL, "how long a stopping daemon lets sends in flight finish" },
	{ "admin", "enabled", CFG_BOOL, "true", 0, 1, OFF(admin_enabled),
	  0, NULL, "serve /metrics, /healthz, /readyz and the gateways' callbacks" },
	{ "admin", "address", CFG_STRING, "127.0.0.1", 0, 0, OFF(admin_address),
	  0, "OUTREACHD_ADMIN_ADDRESS", "address the admin server listens on" },
	{ "admin", "port", CFG_INT, "9464", 0, 65535, OFF(admin_port),
	  0, "OUTREACHD_ADMIN_PORT", "its port (0: any free port, logged)" },
	{ "admin", "token_env", CFG_STRING, "", 0, 0, OFF(admin_token_env),
	  CFG_EMPTY_NULL, NULL, "environment variable holding the bearer token" },
	{ "admin", "token_file", CFG_STRING, "", 0, 0, OFF(admin_token_file),
	  CFG_EMPTY_NULL, NULL, "file holding the bearer token ($CREDENTIALS_DIRECTORY-relative)" },
	{ "identity", "key_env", CFG_STRING, "", 0, 0, OFF(identity_key_env),
	  CFG_EMPTY_NULL, NULL, "environment variable holding the key debtor ids are hashed with" },
	{ "identity", "key_file", CFG_STRING, "", 0, 0, OFF(identity_key_file),
	  CFG_EMPTY_NULL, NULL, "file holding that key ($CREDENTIALS_DIRECTORY-relative)" },
	{ "admin", "public_url", CFG_STRING, "", 0, 0, OFF(admin_public_url),
	  CFG_EMPTY_NULL, NULL, "the public base URL providers call back (behind a proxy)" },
	{ "admin", "max_connections", CFG_INT, "256", 1, 65536, OFF(admin_max_connections),
	  0, NULL, "admin connections served at once; more are answered 503" },
	{ "admin", "request_timeout", CFG_DURATION, "10s", 100, 3600000,
	  OFF(admin_request_timeout_ms), 0, NULL,
	  "a request's headers and body must arrive within it (not extended per byte)" },
	{ "admin", "fd_reserve", CFG_INT, "256", 0, 65536, OFF(admin_fd_reserve),
	  0, NULL, "descriptors the admin port never takes (kept for Redis and the gateways)" },
};
#define NOPTIONS	(sizeof(cfg_options) / sizeof(cfg_options[0]))

static const char *const durability_names[] = { "relaxed", "strict" };
static const char *const log_level_names[] = { "error", "warning", "notice", "info", "debug" };
static const int log_level_values[] = { OD_LOG_ERR, OD_LOG_WARNING, OD_LOG_NOTICE,
	OD_LOG_INFO, OD_LOG_DEBUG };

/* Where a value came from, for its error: a node, the environment, the command line. */
struct cfg_site {
	const char	*file;
	int		 line, col;
};

/* "dir" + "/" + "rel", with "." and ".." folded; rel alone when absolute. */
static char *
cfg_path_join(const char *dir, const char *rel)
{
	char	*full, *out, *seg, *save = NULL;
	size_t	 len, olen = 0;
	int	 abs;

	if (rel[0] == '/' || dir == NULL || dir[0] == '\0') {
		if ((full = strdup(rel)) == NULL)
			return NULL;
	} else if (asprintf(&full, "%s/%s", dir, rel) < 0)
		return NULL;
	abs = full[0] == '/';
	len = strlen(full);
	if ((out = malloc(len + 2)) == NULL) {
		free(full);
		return NULL;
	}
	out[0] = '\0';
	for (seg = strtok_r(full, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *slash = strrchr(out, '/');
			const char *last = slash ? slash + 1 : out;
			if (olen > 0 && strcmp(last, "..") != 0) {
				olen = slash ? (size_t)(slash - out) : 0;
				out[olen] = '\0';
				continue;
			}
			if (abs)
				continue;	/* "/.." is "/" */
		}
		if (olen > 0 || abs)
			out[olen++] = '/';
		memcpy(out + olen, seg, strlen(seg) + 1);
		olen += strlen(seg);
	}
	if (olen == 0) {
		strcpy(out, abs ? "/" : ".");
	}
	free(full);
	return out;
}

/* The directory holding path, absolute when it can be resolved. */
static char *
cfg_file_dir(const char *path)
{
	char	*copy, *slash, *real;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	if ((slash = strrchr(copy, '/')) == NULL) {
		free(copy);
		copy = strdup(".");
	} else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (copy != NULL && (real = realpath(copy, NULL)) != NULL) {
		free(copy);
		return real;
	}
	return copy;
}

/* Writes ms as the largest exact unit: "1d", "5s", "100ms". */
static const char *
cfg_duration_text(int64_t ms, char *buf, size_t len)
{
	static const struct { int64_t ms; const char *unit; } units[] = {
		{ DAY_MS, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
	};
	size_t	i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms != 0 && ms % units[i].ms == 0) {
			snprintf(buf, len, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
			return buf;
		}
	snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

static int
cfg_prefix_valid(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.:-", s[i]) == NULL)
			return 0;
	return 1;
}

static int
cfg_redis_valid(const char *s)
{
	struct od_redis_addr	a;
	char			err[256];

	return od_redis_url_parse(s, &a, err, sizeof(err)) == 0;
}


static void
cfg_qualified(const struct cfg_option *o, char *buf, size_t len)
{
	if (o->section != NULL)
		snprintf(buf, len, "%s.%s", o->section, o->name);
	else
		snprintf(buf, len, "%s", o->name);
}

/*
 * Sets option o from text (already environment expanded).  dir is the
 * config file's directory for relative directories, or NULL to take them
 * as given.  Errors go to errs at site.  0 or -1.
 */
static int
cfg_assign(struct od_config *cfg, const struct cfg_option *o, const char *text,
    const char *dir, const struct cfg_site *at, struct od_errors *errs)
{
	char		*field = (char *)cfg + o->off;
	char		 name[64], lo[32], hi[32], *end, *v;
	long long	 n;
	int64_t		 ms;
	size_t		 i;

	cfg_qualified(o, name, sizeof(name));
	switch (o->type) {
	case CFG_STRING:
	case CFG_DIR:
		if (text[0] == '\0' && !(o->flags & CFG_EMPTY_NULL)) {
			od_errors_add(errs, at->file, at->line, at->col, "%s: must not be empty", name);
			return -1;
		}
		if ((o->flags & CFG_REDIS) && !cfg_redis_valid(text)) {
			char shown[512];

			/* the password never reaches the message: it may be the bad part */
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: '%s' is not a Redis URL (redis://host:port[/db] or unix:/path)",
			    name, od_redis_url_redact(text, shown, sizeof(shown)));
			return -1;
		}
		if ((o->flags & CFG_PREFIX) && !cfg_prefix_valid(text)) {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: '%s' must be 1 to 64 characters of A-Z a-z 0-9 _ . : -", name, text);
			return -1;
		}
		if ((o->flags & CFG_LOCALE) && !od_locale_valid(text)) {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: '%s' is not a locale such as es-PE or en", name, text);
			return -1;
		}
		if (text[0] == '\0')
			v = NULL;
		else if (o->type == CFG_DIR && dir != NULL)
			v = cfg_path_join(dir, text);
		else
			v = strdup(text);
		free(*(char **)field);
		*(char **)field = v;
		return 0;
	case CFG_LOGLEVEL:
		for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++)
			if (strcmp(text, log_level_names[i]) == 0) {
				*(int *)field = log_level_values[i];
				return 0;
			}
		od_errors_add(errs, at->file, at->line, at->col,
		    "%s: unknown level '%s' (error, warning, notice, info, debug)", name, text);
		return -1;
	case CFG_DURABILITY:
		for (i = 0; i < sizeof(durability_names) / sizeof(durability_names[0]); i++)
			if (strcmp(text, durability_names[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		od_errors_add(errs, at->file, at->line, at->col,
		    "%s: '%s' is neither strict nor relaxed", name, text);
		return -1;
	case CFG_SIZE:
	case CFG_INT:
	case CFG_LONG:
		errno = 0;
		n = strtoll(text, &end, 10);
		if (text[0] == '\0' || *end != '\0' || errno != 0) {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: expected an integer, found '%s'", name, text);
			return -1;
		}
		if (n < o->min || n > o->max) {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: %lld is out of range (%lld to %lld)", name, n, o->min, o->max);
			return -1;
		}
		if (o->type == CFG_SIZE)
			*(size_t *)field = (size_t)n;
		else if (o->type == CFG_INT)
			*(int *)field = (int)n;
		else
			*(long *)field = (long)n;
		return 0;
	case CFG_BOOL:
		if (strcasecmp(text, "true") == 0 || strcasecmp(text, "yes") == 0 ||
		    strcasecmp(text, "on") == 0)
			*(int *)field = 1;
		else if (strcasecmp(text, "false") == 0 || strcasecmp(text, "no") == 0 ||
		    strcasecmp(text, "off") == 0)
			*(int *)field = 0;
		else {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: expected true or false, found '%s'", name, text);
			return -1;
		}
		return 0;
	case CFG_DURATION:
		if (od_duration_parse(text, &ms) == -1) {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: expected a duration such as 30s, 5m or 1h, found '%s'", name, text);
			return -1;
		}
		if (ms < o->min || ms > o->max) {
			od_errors_add(errs, at->file, at->line, at->col,
			    "%s: '%s' is out of range (%s to %s)", name, text,
			    cfg_duration_text(o->min, lo, sizeof(lo)),
			    cfg_duration_text(o->max, hi, sizeof(hi)));
			return -1;
		}
		*(int64_t *)field = ms;
		return 0;
	}
	return -1;
}

/* Reads node n (environment expanded) into option o. */
static void
cfg_assign_node(struct od_config *cfg, const struct cfg_option *o, const struct od_yaml *n,
    const char *dir, struct od_errors *errs)
{
	struct cfg_site	 at = { n->file, n->line, n->col };
	char		 name[64], *text;

	if (n->type != OD_YAML_SCALAR) {
		cfg_qualified(o, name, sizeof(name));
		od_yaml_error(errs, n, "%s: expected a single value, found %s", name,
		    od_yaml_type_name(n->type));
		return;
	}
	if (od_yaml_string(n, &text, errs) == -1)
		return;
	cfg_assign(cfg, o, text, dir, &at, errs);
	free(text);
}

static void
cfg_read_section(struct od_config *cfg, const struct od_yaml *map, const char *section,
    const char *dir, struct od_errors *errs)
{
	const char	*allowed[NOPTIONS + 8];
	size_t		 i, j, n = 0;

	for (i = 0; i < NOPTIONS; i++) {
		const char *s = cfg_options[i].section;
		if ((section == NULL) == (s == NULL) && (section == NULL || strcmp(section, s) == 0))
			allowed[n++] = cfg_options[i].name;
	}
	if (section == NULL) {
		allowed[n++] = "limits";
		allowed[n++] = "admin";
		allowed[n++] = "identity";
		allowed[n++] = "company";
		allowed[n++] = "gateways";
		allowed[n++] = "channels";
		allowed[n++] = "placements";
		allowed[n++] = "links";
	}
	allowed[n] = NULL;
	od_yaml_check_keys(map, allowed, section ? section : "the configuration", errs);
	/* In the file's order, so that errors read top to bottom. */
	for (j = 0; j < od_yaml_map_size(map); j++) {
		const struct od_yaml *k = od_yaml_map_key(map, j);
		for (i = 0; k->type == OD_YAML_SCALAR && i < NOPTIONS; i++) {
			const char *s = cfg_options[i].section;
			if ((section == NULL) != (s == NULL) || (section && strcmp(section, s) != 0) ||
			    strcmp(cfg_options[i].name, k->str) != 0)
				continue;
			cfg_assign_node(cfg, &cfg_options[i], od_yaml_map_value(map, j), dir, errs);
		}
	}
}

static const struct cfg_option *
cfg_option(const char *name)
{
	size_t	i;

	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(cfg_options[i].name, name) == 0)
			return &cfg_options[i];
	return NULL;
}

static void
cfg_defaults(struct od_config *cfg, const char *dir, struct od_errors *errs)
{
	struct cfg_site	at = { "<defaults>", 1, 1 };
	size_t		i;
	int		k;

	for (i = 0; i < NOPTIONS; i++)
		cfg_assign(cfg, &cfg_options[i], cfg_options[i].def, dir, &at, errs);
	for (k = 0; k < OD_CH_MAX; k++)
		cfg->channel_gateway[k] = -1;
	cfg->company = json_object();
}

static void
cfg_environment(struct od_config *cfg, struct od_errors *errs)
{
	struct cfg_site	 at;
	char		 label[64];
	const char	*v;
	size_t		 i;

	for (i = 0; i < NOPTIONS; i++) {
		if (cfg_options[i].env == NULL || (v = getenv(cfg_options[i].env)) == NULL ||
		    v[0] == '\0')
			continue;
		snprintf(label, sizeof(label), "$%s", cfg_options[i].env);
		at.file = label;
		at.line = 1;
		at.col = 1;
		/* A relative directory from the environment is the working directory's. */
		cfg_assign(cfg, &cfg_options[i], v, NULL, &at, errs);
	}
}

/* od_config_load's work: path, or (buf not NULL) the len bytes of buf called path. */
static int
cfg_load(const char *path, const char *buf, size_t len, const struct od_config_overrides *ov,
    struct od_config *cfg, struct od_errors *errs)
{
	struct od_yaml_doc	 doc;
	struct od_yaml		*root, *n;
	struct cfg_site		 at;
	struct stat		 st;
	size_t			 before = errs->count;
	char			*dir;

	memset(cfg, 0, sizeof(*cfg));
	if ((cfg->file = strdup(path)) == NULL || (dir = cfg_file_dir(path)) == NULL) {
		od_errors_add(errs, path, 1, 1, "out of memory");
		od_config_clear(cfg);
		return -1;
	}
	cfg_defaults(cfg, dir, errs);
	if ((buf != NULL ? od_yaml_load_string(path, buf, len, &doc, errs) :
	    od_yaml_load_file(path, &doc, errs)) == -1) {
		free(dir);
		od_config_clear(cfg);
		return -1;
	}
	if ((root = doc.root) != NULL && od_config_is_map(root, "the configuration", errs)) {
		cfg_read_section(cfg, root, NULL, dir, errs);
		if ((n = od_yaml_get(root, "limits")) != NULL && od_config_is_map(n, "limits", errs)) {
			cfg_read_section(cfg, n, "limits", dir, errs);
			if (cfg->retry_max_ms < cfg->retry_base_ms) {
				const struct od_yaml *m = od_yaml_get(n, "retry_max");
				od_yaml_error(errs, m ? m : n, "limits.retry_max: must not be less "
				    "than limits.retry_base");
			}
			/* a live daemon's leases and heartbeat are renewed well before they lapse */
			if (cfg->heartbeat_ttl_ms < 2 * cfg->heartbeat_interval_ms) {
				const struct od_yaml *m = od_yaml_get(n, "heartbeat_ttl");
				od_yaml_error(errs, m ? m : n, "limits.heartbeat_ttl: must be at least "
				    "twice limits.heartbeat_interval");
			}
			if (cfg->lease_ms < 2 * cfg->heartbeat_interval_ms) {
				const struct od_yaml *m = od_yaml_get(n, "lease");
				od_yaml_error(errs, m ? m : n, "limits.lease: must be at least twice "
				    "limits.heartbeat_interval (the lease is renewed at each heartbeat)");
			}
		}
		if ((n = od_yaml_get(root, "admin")) != NULL && od_config_is_map(n, "admin", errs))
			cfg_read_section(cfg, n, "admin", dir, errs);
		if ((n = od_yaml_get(root, "identity")) != NULL &&
		    od_config_is_map(n, "identity", errs))
			cfg_read_section(cfg, n, "identity", dir, errs);
		if ((n = od_yaml_get(root, "company")) != NULL)
			od_config_read_company(cfg, n, errs);
		if ((n = od_yaml_get(root, "gateways")) != NULL)
			od_config_read_gateways(cfg, n, errs);
		if ((n = od_yaml_get(root, "channels")) != NULL)
			od_config_read_channels(cfg, n, errs);
		if ((n = od_yaml_get(root, "placements")) != NULL)
			od_config_read_placements(cfg, n, errs);
		if ((n = od_yaml_get(root, "links")) != NULL)
			od_link_conf_read(n, dir, &cfg->links, errs);
	}
	od_yaml_doc_free(&doc);
	free(dir);

	cfg_environment(cfg, errs);
	at.line = at.col = 1;
	if (ov != NULL && ov->redis_url != NULL) {
		at.file = "--redis";
		cfg_assign(cfg, cfg_option("redis"), ov->redis_url, NULL, &at, errs);
	}
	if (ov != NULL && ov->prefix != NULL) {
		at.file = "--prefix";
		cfg_assign(cfg, cfg_option("prefix"), ov->prefix, NULL, &at, errs);
	}
	if (cfg->plugin_dir == NULL) {
		if (stat(OD_PLUGIN_BUILD_DIR, &st) == 0 && S_ISDIR(st.st_mode))
			cfg->plugin_dir = strdup(OD_PLUGIN_BUILD_DIR);
		else
			cfg->plugin_dir = strdup(OD_PLUGIN_INSTALL_DIR);
	}
	if (errs->count > before) {
		od_config_clear(cfg);
		return -1;
	}
	return 0;
}

int
od_config_load(const char *path, const struct od_config_overrides *ov,
    struct od_config *cfg, struct od_errors *errs)
{
	return cfg_load(path, NULL, 0, ov, cfg, errs);
}

int
od_config_load_string(const char *path, const char *buf, size_t len,
    const struct od_config_overrides *ov, struct od_config *cfg, struct od_errors *errs)
{
	return cfg_load(path, buf != NULL ? buf : "", len, ov, cfg, errs);
}

void
od_config_clear(struct od_config *cfg)
{
	size_t	i, j;

	if (cfg == NULL)
		return;
	free(cfg->file);
	free(cfg->redis_url);
	free(cfg->prefix);
	free(cfg->admin_address);
	free(cfg->admin_token_env);
	free(cfg->admin_token_file);
	free(cfg->identity_key_env);
	free(cfg->identity_key_file);
	free(cfg->admin_public_url);
	free(cfg->consumer);
	free(cfg->policy_dir);
	free(cfg->template_dir);
	free(cfg->plugin_dir);
	free(cfg->state_dir);
	free(cfg->default_locale);
	json_decref(cfg->company);
	for (i = 0; i < cfg->ngateways; i++) {
		struct od_gateway_conf *gw = &cfg->gateways[i];
		for (j = 0; j < gw->nsettings; j++) {
			free(gw->settings[j].key);
			free(gw->settings[j].value);
		}
		free(gw->settings);
		free(gw->name);
		free(gw->plugin);
		free(gw->file);
	}
	free(cfg->gateways);
	for (i = 0; i < cfg->nplacements; i++) {
		struct od_placement *pl = &cfg->placements[i];
		free(pl->name);
		free(pl->display_name);
		free(pl->kind);
		free(pl->phone);
		free(pl->email);
	}
	free(cfg->placements);
	od_link_conf_free(cfg->links);
	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < OD_CH_MAX; i++)
		cfg->channel_gateway[i] = -1;
}

const char *
od_config_default_path(void)
{
	const char	*p = getenv("OUTREACHD_CONFIG");

	return p != NULL && p[0] != '\0' ? p : "/etc/outreachd/outreachd.yaml";
}
