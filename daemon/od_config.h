/*
 * od_config: the daemon's configuration (config/outreachd.yaml).
 *
 * Options are declared in one table (name, type, default, bounds) and
 * validated in one place; unknown keys are errors.  What differs between
 * machines can be overridden: command line over environment over file.
 *
 *   redis		OUTREACHD_REDIS		--redis URL
 *   prefix		OUTREACHD_PREFIX	--prefix P
 *   policy_dir		OUTREACHD_POLICY_DIR
 *   template_dir	OUTREACHD_TEMPLATE_DIR
 *   plugin_dir		OUTREACHD_PLUGIN_DIR
 *   state_dir		OUTREACHD_STATE_DIR
 *
 * String values may also name the environment: "${OUTBOX_DIR:-/var/lib/x}".
 * Relative directories are taken from the config file's own directory.
 */
#ifndef OD_CONFIG_H
#define OD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "od_account.h"
#include "od_error.h"

struct od_link_conf;

/* durability: what a power loss of the Redis host may undo (od_queue_durable). */
enum {
	OD_DURABILITY_RELAXED = 0,	/* the window of Redis's fsync policy, logged */
	OD_DURABILITY_STRICT = 1,	/* nothing Redis answered: appendfsync always */
};

struct od_setting {
	char	*key;
	char	*value;		/* environment expanded */
	int	 line, col;
};

struct od_gateway_conf {
	char			*name;		/* the key under gateways: */
	char			*plugin;	/* "outbox", "sms-twilio", ... */
	struct od_setting	*settings;	/* every other key, as strings */
	size_t			 nsettings;
	char			*file;
	int			 line, col;
};

/*
 * Where a handoff step places an account (placements:): an external agency
 * or the lender's legal team.  The strings are for the handoff file and the
 * handoff_notice template (placement.*).
 */
struct od_placement {
	char		*name;			/* the key: "agencia_lima" */
	char		*display_name;		/* "Cobranzas Lima SAC"; default the name */
	char		*kind;			/* "agency" or "legal" */
	char		*phone, *email;		/* may be NULL */
	int		 line, col;
};

struct od_config {
	char		*file;			/* path it was read from */
	char		*redis_url;		/* redis://host:port[/db] or unix:/path */
	char		*prefix;		/* key prefix, default "outreach" */
	char		*consumer;		/* consumer name; default host-pid */
	char		*policy_dir;
	char		*template_dir;
	char		*plugin_dir;
	char		*state_dir;
	char		*default_locale;	/* when an account has none: "es-PE" */
	/*
	 * company.* for templates: the default creditor's strings, and under
	 * "by_country" one object per country code with the default merged
	 * under that country's own strings (od_plan_context picks the debtor's).
	 */
	json_t		*company;
	struct od_placement *placements;	/* placements:, in file order */
	size_t		 nplacements;
	int		 log_level;		/* OD_LOG_* */
	int		 durability;		/* OD_DURABILITY_*, default strict */

	/* limits: */
	size_t		 max_body;		/* bytes of one inbox body, default 65536 */
	int		 intake_batch;		/* inbox entries read at once, default 256 */
	int		 claim_batch;		/* due actions claimed at once, default 256 */
	int		 max_inflight;		/* actions claimed and not completed, default 1024 */
	int64_t		 lease_ms;		/* how long a claim holds, default 60s */
	int64_t		 reclaim_interval_ms;	/* sweep of expired leases, dead consumers, default 1s */
	int64_t		 heartbeat_interval_ms;	/* the consumer's heartbeat and lease renewal, default 1s */
	int64_t		 heartbeat_ttl_ms;	/* silence after which a consumer is dead, default 5s */
	int		 history_len;		/* attempts kept per account, default 500 */
	long		 attempts_maxlen;	/* approximate cap of <prefix>:attempts, default 10,000,000 */
	int		 resend_unknown;	/* send again after an unknown outcome, default false */
	int		 max_retries;		/* retryable failures of one step before it fails, default 5 */
	int64_t		 retry_base_ms;		/* back-off base, default 30s */
	int64_t		 retry_max_ms;		/* back-off cap, default 1h */
	int64_t		 wamid_ttl_ms;		/* a WhatsApp message id's receipts index, default 30d */
	int64_t		 shutdown_grace_ms;	/* SIGTERM: how long sends in flight may finish, default 10s */

	/* admin: the HTTP server for metrics, health and callbacks */
	int		 admin_enabled;		/* default true */
	char		*admin_address;		/* default 127.0.0.1 */
	int		 admin_port;		/* default 9464; 0: any free port */
	char		*admin_token_env;	/* bearer token from this variable, or NULL */
	char		*admin_token_file;	/* or from this file, or NULL */
	char		*admin_public_url;	/* base URL the providers call back, or NULL */
	int		 admin_max_connections;	/* served at once, default 256 */
	int64_t		 admin_request_timeout_ms; /* a whole request must arrive in it, default 10s */
	int		 admin_fd_reserve;	/* descriptors the admin port leaves, default 256 */

	/* identity: the key debtor.id is hashed with (od_person.h) */
	char		*identity_key_env;	/* from this variable, or NULL */
	char		*identity_key_file;	/* or from this file, or NULL (both NULL: a public key) */

	struct od_link_conf	*links;		/* links: (od_link.h), or NULL: none */

	struct od_gateway_conf	*gateways;
	size_t			 ngateways;
	int			 channel_gateway[OD_CH_MAX];	/* index into gateways, or -1 */
};

struct od_config_overrides {
	const char	*redis_url;	/* --redis */
	const char	*prefix;	/* --prefix */
};

/* Reads path, applies environment then overrides.  0, or -1 with every error in errs. */
int	od_config_load(const char *path, const struct od_config_overrides *ov,
	    struct od_config *cfg, struct od_errors *errs);
/*
 * The same from the len bytes of buf (not NUL-terminated), as if read from
 * path (errors name it; relative directories are taken from its directory).
 */
int	od_config_load_string(const char *path, const char *buf, size_t len,
	    const struct od_config_overrides *ov, struct od_config *cfg, struct od_errors *errs);
void	od_config_clear(struct od_config *cfg);

const struct od_gateway_conf *od_config_gateway(const struct od_config *cfg, const char *name);
const struct od_placement *od_config_placement(const struct od_config *cfg, const char *name);	/* or NULL */
const char *od_gateway_setting(const struct od_gateway_conf *gw, const char *key);

/* The default config path: $OUTREACHD_CONFIG, else /etc/outreachd/outreachd.yaml. */
const char *od_config_default_path(void);

#endif /* OD_CONFIG_H */
