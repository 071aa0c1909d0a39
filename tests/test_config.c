/*
 * test_config: config/outreachd.yaml as an operator writes it: defaults,
 * the shipped file, environment and command-line precedence, relative
 * directories, and every kind of error with its exact position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "od_config.h"
#include "od_log.h"

#define CONF(name)	OD_TEST_DATA "/config/" name

static const char *const od_env_names[] = {
	"OUTREACHD_REDIS", "OUTREACHD_PREFIX", "OUTREACHD_POLICY_DIR", "OUTREACHD_TEMPLATE_DIR",
	"OUTREACHD_PLUGIN_DIR", "OUTREACHD_STATE_DIR", "OUTREACHD_OUTBOX_DIR", "OUTREACHD_CONFIG",
	"OD_TEST_STATE_DIR", "OD_TEST_SURELY_UNSET_DIR", "OD_TEST_META_TOKEN", NULL,
};

static int
clean_env(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; od_env_names[i] != NULL; i++)
		unsetenv(od_env_names[i]);
	return 0;
}

/* realpath(dir) + "/" + rest, for comparing resolved directories. */
static char *
resolved(const char *dir, const char *rest)
{
	char	*real = realpath(dir, NULL), *s;

	assert_non_null(real);
	assert_true(asprintf(&s, "%s%s", real, rest) > 0);
	free(real);
	return s;
}

/* Loads path expecting failure with exactly the n messages given. */
static void
expect_errors(const char *path, const struct od_config_overrides *ov, size_t n, ...)
{
	struct od_config	cfg;
	struct od_errors	errs;
	va_list			ap;
	size_t			i;

	od_errors_init(&errs);
	assert_int_equal(od_config_load(path, ov, &cfg, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("# %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(errs.msgs[i], va_arg(ap, const char *));
	va_end(ap);
	/* Refused whole: nothing is left behind. */
	assert_null(cfg.redis_url);
	assert_int_equal(cfg.ngateways, 0);
	od_config_clear(&cfg);
	od_errors_clear(&errs);
}

static void
load_ok(const char *path, const struct od_config_overrides *ov, struct od_config *cfg)
{
	struct od_errors	errs;

	od_errors_init(&errs);
	if (od_config_load(path, ov, cfg, &errs) != 0)
		od_errors_print(&errs, stdout);
	assert_int_equal(errs.count, 0);
	od_errors_clear(&errs);
}

static void
test_defaults(void **state)
{
	struct od_config	 cfg;
	struct stat		 st;
	char			*dir;

	(void)state;
	load_ok(CONF("empty.yaml"), NULL, &cfg);
	assert_string_equal(cfg.file, CONF("empty.yaml"));
	assert_string_equal(cfg.redis_url, "redis://127.0.0.1:6379/0");
	assert_string_equal(cfg.prefix, "outreach");
	assert_null(cfg.consumer);		/* the daemon makes hostname-pid */
	dir = resolved(OD_TEST_DATA "/config", "/policy");
	assert_string_equal(cfg.policy_dir, dir);
	free(dir);
	dir = resolved(OD_TEST_DATA "/config", "/templates");
	assert_string_equal(cfg.template_dir, dir);
	free(dir);
	if (stat(OD_PLUGIN_BUILD_DIR, &st) == 0 && S_ISDIR(st.st_mode))
		assert_string_equal(cfg.plugin_dir, OD_PLUGIN_BUILD_DIR);
	else
		assert_string_equal(cfg.plugin_dir, OD_PLUGIN_INSTALL_DIR);
	assert_string_equal(cfg.state_dir, "/var/lib/outreachd");
	assert_string_equal(cfg.default_locale, "es-PE");
	assert_int_equal(cfg.log_level, OD_LOG_INFO);
	assert_true(json_is_object(cfg.company));
	assert_int_equal(json_object_size(cfg.company), 0);
	assert_int_equal(cfg.max_body, 65536);
	assert_int_equal(cfg.intake_batch, 256);
	assert_int_equal(cfg.claim_batch, 256);
	assert_int_equal(cfg.max_inflight, 1024);
	assert_int_equal(cfg.lease_ms, 60000);
	assert_int_equal(cfg.reclaim_interval_ms, 1000);
	assert_int_equal(cfg.heartbeat_interval_ms, 1000);
	assert_int_equal(cfg.heartbeat_ttl_ms, 5000);
	assert_int_equal(cfg.durability, OD_DURABILITY_STRICT);
	assert_int_equal(cfg.history_len, 500);
	assert_int_equal(cfg.attempts_maxlen, 10000000L);
	assert_int_equal(cfg.resend_unknown, 0);
	assert_int_equal(cfg.max_retries, 5);
	assert_int_equal(cfg.retry_base_ms, 30000);
	assert_int_equal(cfg.retry_max_ms, 3600000);
	assert_int_equal(cfg.ngateways, 0);
	assert_int_equal(cfg.channel_gateway[OD_CH_SMS], -1);
	assert_int_equal(cfg.channel_gateway[OD_CH_EMAIL], -1);
	assert_int_equal(cfg.channel_gateway[OD_CH_WHATSAPP], -1);
	od_config_clear(&cfg);
	od_config_clear(&cfg);		/* idempotent */
	od_config_clear(NULL);
}

/* The 1-based line where text first starts a line of path. */
static int
line_of(const char *path, const char *text)
{
	char	 buf[1024];
	FILE	*fp = fopen(path, "r");
	int	 n = 0;

	assert_non_null(fp);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		n++;
		if (strncmp(buf, text, strlen(text)) == 0) {
			fclose(fp);
			return n;
		}
	}
	fclose(fp);
	return -1;
}

static void
test_shipped_config(void **state)
{
	struct od_config		 cfg;
	const struct od_gateway_conf	*gw;
	char				*dir;

	(void)state;
	load_ok(OD_SOURCE_DIR "/config/outreachd.yaml", NULL, &cfg);
	dir = resolved(OD_SOURCE_DIR, "/policy");
	assert_string_equal(cfg.policy_dir, dir);
	free(dir);
	dir = resolved(OD_SOURCE_DIR, "/templates");
	assert_string_equal(cfg.template_dir, dir);
	free(dir);
	assert_null(cfg.consumer);
	assert_string_equal(json_string_value(json_object_get(cfg.company, "name")),
	    "Financiera Ejemplo S.A.C.");
	assert_string_equal(json_string_value(json_object_get(cfg.company, "hours")),
	    "lunes a viernes de 9:00 a 18:00");
	assert_string_equal(json_string_value(json_object_get(cfg.company, "payment_url")),
	    "https://pagos.example.pe");
	/* each country's company: its own strings over the default */
	{
		const json_t *by = json_object_get(cfg.company, "by_country"), *co;
		const char *const cc[] = { "CO", "MX", "CL", "US" };

		assert_int_equal(json_object_size(by), 4);
		for (size_t i = 0; i < 4; i++) {
			co = json_object_get(by, cc[i]);
			assert_non_null(co);
			assert_null(json_object_get(co, "by_country"));
			assert_string_not_equal(json_string_value(json_object_get(co, "phone")),
			    "+51 1 700 0000");
			assert_null(strstr(json_string_value(json_object_get(co, "payment_url")),
			    ".pe"));
		}
		co = json_object_get(by, "CO");
		assert_string_equal(json_string_value(json_object_get(co, "phone")),
		    "+57 601 700 0000");
		assert_string_equal(json_string_value(json_object_get(co, "payment_url")),
		    "https://pagos.example.com.co");
	}
	assert_int_equal(cfg.ngateways, 1);
	gw = od_config_gateway(&cfg, "outbox");
	assert_ptr_equal(gw, &cfg.gateways[0]);
	assert_null(od_config_gateway(&cfg, "twilio"));
	assert_string_equal(gw->plugin, "outbox");
	assert_int_equal(gw->nsettings, 1);
	assert_string_equal(od_gateway_setting(gw, "dir"), "/var/lib/outreachd/outbox");
	assert_null(od_gateway_setting(gw, "plugin"));
	assert_null(od_gateway_setting(gw, "url"));
	assert_int_equal(gw->line, line_of(gw->file, "  outbox:"));	/* where the gateway stands */
	assert_int_equal(gw->col, 3);
	assert_int_equal(cfg.channel_gateway[OD_CH_SMS], 0);
	assert_int_equal(cfg.channel_gateway[OD_CH_EMAIL], 0);
	assert_int_equal(cfg.channel_gateway[OD_CH_WHATSAPP], 0);
	/* a placement for every handoff of the shipped policies */
	{
		static const char *const names[] = { "agencia_lima", "legal_pe", "agencia_bogota",
			"agencia_cdmx", "agencia_santiago", "agency_us" };
		const struct od_placement *pl;

		assert_int_equal(cfg.nplacements, 6);
		for (size_t i = 0; i < 6; i++) {
			pl = od_config_placement(&cfg, names[i]);
			assert_non_null(pl);
			assert_string_equal(pl->kind, strcmp(names[i], "legal_pe") == 0 ? "legal" :
			    "agency");
			assert_non_null(pl->email);
		}
		pl = od_config_placement(&cfg, "agencia_lima");
		assert_string_equal(pl->display_name, "Cobranzas Lima SAC");
		assert_string_equal(pl->phone, "+5114000000");
		assert_string_equal(pl->email, "cobranzas@agencia.example.pe");
		assert_int_equal(pl->line, line_of(cfg.file, "  agencia_lima:"));
	}
	od_config_clear(&cfg);

	/* The demo's outbox directory comes from the environment when set. */
	setenv("OUTREACHD_OUTBOX_DIR", "/tmp/od-demo-outbox", 1);
	load_ok(OD_SOURCE_DIR "/config/outreachd.yaml", NULL, &cfg);
	assert_string_equal(od_gateway_setting(od_config_gateway(&cfg, "outbox"), "dir"),
	    "/tmp/od-demo-outbox");
	od_config_clear(&cfg);
}

static void
test_env_then_overrides(void **state)
{
	struct od_config		cfg;
	struct od_config_overrides	ov = { "unix:/run/redis/redis.sock", "cli" };
	char				*dir;

	(void)state;
	/* The file alone. */
	load_ok(CONF("precedence.yaml"), NULL, &cfg);
	assert_string_equal(cfg.redis_url, "redis://10.0.0.1:6379/2");
	assert_string_equal(cfg.prefix, "filepfx");
	dir = resolved(OD_TEST_DATA "/config", "/from-file");
	assert_string_equal(cfg.policy_dir, dir);
	free(dir);
	od_config_clear(&cfg);

	/* The environment over the file; its relative paths are the working directory's. */
	setenv("OUTREACHD_REDIS", "redis://127.0.0.1:7000/1", 1);
	setenv("OUTREACHD_PREFIX", "envpfx", 1);
	setenv("OUTREACHD_POLICY_DIR", "rel/policies", 1);
	setenv("OUTREACHD_TEMPLATE_DIR", "/srv/tpl", 1);
	setenv("OUTREACHD_PLUGIN_DIR", "/srv/plugins", 1);
	setenv("OUTREACHD_STATE_DIR", "/srv/state", 1);
	load_ok(CONF("precedence.yaml"), NULL, &cfg);
	assert_string_equal(cfg.redis_url, "redis://127.0.0.1:7000/1");
	assert_string_equal(cfg.prefix, "envpfx");
	assert_string_equal(cfg.policy_dir, "rel/policies");
	assert_string_equal(cfg.template_dir, "/srv/tpl");
	assert_string_equal(cfg.plugin_dir, "/srv/plugins");
	assert_string_equal(cfg.state_dir, "/srv/state");
	od_config_clear(&cfg);

	/* The command line over both. */
	load_ok(CONF("precedence.yaml"), &ov, &cfg);
	assert_string_equal(cfg.redis_url, "unix:/run/redis/redis.sock");
	assert_string_equal(cfg.prefix, "cli");
	assert_string_equal(cfg.policy_dir, "rel/policies");
	od_config_clear(&cfg);

	/* An empty variable is no override. */
	setenv("OUTREACHD_REDIS", "", 1);
	load_ok(CONF("precedence.yaml"), NULL, &cfg);
	assert_string_equal(cfg.redis_url, "redis://10.0.0.1:6379/2");
	od_config_clear(&cfg);
}

static void
test_env_and_override_errors(void **state)
{
	struct od_config_overrides	ov = { "localhost:6379", "a{b}" };

	(void)state;
	setenv("OUTREACHD_PREFIX", "bad prefix", 1);
	expect_errors(CONF("precedence.yaml"), NULL, 1,
	    "$OUTREACHD_PREFIX:1:1: prefix: 'bad prefix' must be 1 to 64 characters of "
	    "A-Z a-z 0-9 _ . : -");
	unsetenv("OUTREACHD_PREFIX");
	expect_errors(CONF("precedence.yaml"), &ov, 2,
	    "--redis:1:1: redis: 'localhost:6379' is not a Redis URL "
	    "(redis://host:port[/db] or unix:/path)",
	    "--prefix:1:1: prefix: 'a{b}' must be 1 to 64 characters of A-Z a-z 0-9 _ . : -");
	/* a bad URL's password is never printed */
	ov.redis_url = "redis://outreach:hunter2@db.internal:70000/0";
	ov.prefix = NULL;
	expect_errors(CONF("precedence.yaml"), &ov, 1,
	    "--redis:1:1: redis: 'redis://outreach:***@db.internal:70000/0' is not a Redis URL "
	    "(redis://host:port[/db] or unix:/path)");
}

static void
test_relative_dirs(void **state)
{
	struct od_config	 cfg;
	char			*dir;

	(void)state;
	load_ok(CONF("relative.yaml"), NULL, &cfg);
	dir = resolved(OD_TEST_DATA "/config", "/pol");
	assert_string_equal(cfg.policy_dir, dir);
	free(dir);
	dir = resolved(OD_TEST_DATA, "/tpl/es");
	assert_string_equal(cfg.template_dir, dir);
	free(dir);
	dir = resolved(OD_TEST_DATA "/config", "/state");
	assert_string_equal(cfg.state_dir, dir);
	free(dir);
	assert_string_equal(cfg.plugin_dir, "/opt/plugins");
	od_config_clear(&cfg);
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_errors(CONF("unknown_key.yaml"), NULL, 2,
	    CONF("unknown_key.yaml") ":2:1: unknown key 'prefx' in the configuration",
	    CONF("unknown_key.yaml") ":5:3: unknown key 'max_inflght' in limits");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_errors(CONF("wrong_type.yaml"), NULL, 6,
	    CONF("wrong_type.yaml") ":1:9: prefix: expected a single value, found a list",
	    CONF("wrong_type.yaml") ":2:12: log_level: unknown level 'loud' "
	    "(error, warning, notice, info, debug)",
	    CONF("wrong_type.yaml") ":4:17: limits.max_inflight: expected an integer, found 'many'",
	    CONF("wrong_type.yaml") ":5:10: limits.lease: expected a duration such as 30s, 5m or "
	    "1h, found 'soon'",
	    CONF("wrong_type.yaml") ":6:19: limits.resend_unknown: expected true or false, "
	    "found 'maybe'",
	    CONF("wrong_type.yaml") ":7:10: company: expected a mapping, found a scalar");
}

/* company.by_country: country codes, mappings of strings, one level. */
static void
test_company_by_country_errors(void **state)
{
	(void)state;
	expect_errors(CONF("company_by_country.yaml"), NULL, 4,
	    CONF("company_by_country.yaml") ":4:5: company.by_country: 'co' is not a country code "
	    "(ISO 3166-1 alpha-2 in capitals: CO, MX, CL, US)",
	    CONF("company_by_country.yaml") ":6:9: company.by_country.MX: expected a mapping, "
	    "found a scalar",
	    CONF("company_by_country.yaml") ":8:14: company.by_country.CL.phone: expected a "
	    "string, found a list",
	    CONF("company_by_country.yaml") ":9:7: company.by_country.CL: by_country is only "
	    "allowed under company");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_errors(CONF("out_of_range.yaml"), NULL, 5,
	    CONF("out_of_range.yaml") ":1:8: redis: 'http://127.0.0.1:6379' is not a Redis URL "
	    "(redis://host:port[/db] or unix:/path)",
	    CONF("out_of_range.yaml") ":3:17: limits.max_inflight: 0 is out of range "
	    "(1 to 1000000)",
	    CONF("out_of_range.yaml") ":4:13: limits.max_body: 99999999 is out of range "
	    "(1024 to 16777216)",
	    CONF("out_of_range.yaml") ":5:10: limits.lease: '0s' is out of range (1s to 1d)",
	    CONF("out_of_range.yaml") ":7:14: limits.retry_max: must not be less than "
	    "limits.retry_base");
}

static void
test_unknown_gateway_in_channels(void **state)
{
	(void)state;
	expect_errors(CONF("unknown_gateway.yaml"), NULL, 2,
	    CONF("unknown_gateway.yaml") ":7:10: channel 'email': no gateway named 'mailgun'",
	    CONF("unknown_gateway.yaml") ":8:3: unknown channel 'fax' in channels "
	    "(sms, email, whatsapp)");
}

static void
test_missing_plugin(void **state)
{
	(void)state;
	expect_errors(CONF("missing_plugin.yaml"), NULL, 1,
	    CONF("missing_plugin.yaml") ":2:3: gateway 'outbox': missing required key 'plugin'");
}

static void
test_inline_secret(void **state)
{
	(void)state;
	/* auth_token_env, password_file and an environment reference are all fine. */
	expect_errors(CONF("inline_secret.yaml"), NULL, 2,
	    CONF("inline_secret.yaml") ":5:17: gateway 'twilio': secret 'auth_token' must not be "
	    "written inline; use auth_token_env or auth_token_file",
	    CONF("inline_secret.yaml") ":10:15: gateway 'smtp': secret 'password' must not be "
	    "written inline; use password_env or password_file");
}

static void
test_unset_env_var(void **state)
{
	struct od_config	cfg;

	(void)state;
	expect_errors(CONF("unset_env.yaml"), NULL, 1,
	    CONF("unset_env.yaml") ":5:10: environment variable OD_TEST_SURELY_UNSET_DIR is "
	    "not set");
	setenv("OD_TEST_SURELY_UNSET_DIR", "/srv/od", 1);
	setenv("OD_TEST_STATE_DIR", "/srv/state-from-env", 1);
	load_ok(CONF("unset_env.yaml"), NULL, &cfg);
	assert_string_equal(od_gateway_setting(od_config_gateway(&cfg, "outbox"), "dir"),
	    "/srv/od/outbox");
	assert_string_equal(cfg.state_dir, "/srv/state-from-env");
	od_config_clear(&cfg);
	unsetenv("OD_TEST_STATE_DIR");
	load_ok(CONF("unset_env.yaml"), NULL, &cfg);
	assert_string_equal(cfg.state_dir, "/srv/outreachd");	/* the ${...:-default} */
	od_config_clear(&cfg);
}

static void
test_unreadable_file(void **state)
{
	(void)state;
	expect_errors(CONF("no-such-file.yaml"), NULL, 1,
	    CONF("no-such-file.yaml") ":1:1: cannot open: No such file or directory");
	/* An unclosed quote: libyaml reports where the stream ran out. */
	expect_errors(CONF("broken_syntax.yaml"), NULL, 1,
	    CONF("broken_syntax.yaml") ":3:1: YAML syntax error: found unexpected end of stream "
	    "while scanning a quoted scalar");
}

static void
test_default_path(void **state)
{
	(void)state;
	assert_string_equal(od_config_default_path(), "/etc/outreachd/outreachd.yaml");
	setenv("OUTREACHD_CONFIG", "/srv/od/outreachd.yaml", 1);
	assert_string_equal(od_config_default_path(), "/srv/od/outreachd.yaml");
}

/* Loads the inline config y as "p.yaml" expecting it refused with exactly the n messages given. */
static void
expect_string_errors(const char *y, size_t n, ...)
{
	struct od_config	cfg;
	struct od_errors	errs;
	va_list			ap;
	size_t			i;

	od_errors_init(&errs);
	assert_int_equal(od_config_load_string("p.yaml", y, strlen(y), NULL, &cfg, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("# %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(errs.msgs[i], va_arg(ap, const char *));
	va_end(ap);
	assert_int_equal(cfg.nplacements, 0);
	od_config_clear(&cfg);
	od_errors_clear(&errs);
}

/* durability and the heartbeat: a word, and a ttl and lease well above the interval. */
static void
test_durability_heartbeat(void **state)
{
	struct od_config	cfg;
	struct od_errors	errs;
	static const char	ok[] = "durability: relaxed\nlimits:\n  heartbeat_interval: 500ms\n"
	    "  heartbeat_ttl: 2s\n  lease: 1s\n";

	(void)state;
	expect_string_errors("durability: maybe\nlimits:\n  heartbeat_interval: 2s\n"
	    "  heartbeat_ttl: 3s\n  lease: 3s\n", 3,
	    "p.yaml:1:13: durability: 'maybe' is neither strict nor relaxed",
	    "p.yaml:4:18: limits.heartbeat_ttl: must be at least twice limits.heartbeat_interval",
	    "p.yaml:5:10: limits.lease: must be at least twice limits.heartbeat_interval (the "
	    "lease is renewed at each heartbeat)");
	od_errors_init(&errs);
	assert_int_equal(od_config_load_string("p.yaml", ok, strlen(ok), NULL, &cfg, &errs), 0);
	assert_int_equal(cfg.durability, OD_DURABILITY_RELAXED);
	assert_int_equal(cfg.heartbeat_interval_ms, 500);
	assert_int_equal(cfg.heartbeat_ttl_ms, 2000);
	assert_int_equal(cfg.lease_ms, 1000);
	od_config_clear(&cfg);
	od_errors_clear(&errs);
}

/* placements: where a policy's handoff step places an account. */
static void
test_placements(void **state)
{
	static const char		 y[] =
	    "placements:\n"
	    "  agencia_lima:\n"
	    "    display_name: \"Cobranzas Lima SAC\"\n"
	    "    kind: agency\n"
	    "    phone: \"+5114000000\"\n"
	    "    email: \"cobranzas@agencia.example.pe\"\n"
	    "  legal_pe: {kind: legal}\n";
	struct od_config		 cfg;
	struct od_errors		 errs;
	const struct od_placement	*pl;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_config_load_string("p.yaml", y, strlen(y), NULL, &cfg, &errs), 0);
	assert_int_equal(cfg.nplacements, 2);
	pl = od_config_placement(&cfg, "agencia_lima");
	assert_ptr_equal(pl, &cfg.placements[0]);
	assert_string_equal(pl->name, "agencia_lima");
	assert_string_equal(pl->display_name, "Cobranzas Lima SAC");
	assert_string_equal(pl->kind, "agency");
	assert_string_equal(pl->phone, "+5114000000");
	assert_string_equal(pl->email, "cobranzas@agencia.example.pe");
	assert_int_equal(pl->line, 2);
	assert_int_equal(pl->col, 3);
	pl = od_config_placement(&cfg, "legal_pe");
	assert_ptr_equal(pl, &cfg.placements[1]);
	assert_string_equal(pl->display_name, "legal_pe");	/* the name, when none is given */
	assert_string_equal(pl->kind, "legal");
	assert_null(pl->phone);
	assert_null(pl->email);
	assert_null(od_config_placement(&cfg, "agencia_bogota"));
	assert_null(od_config_placement(&cfg, NULL));
	od_config_clear(&cfg);
	assert_int_equal(cfg.nplacements, 0);
	assert_null(cfg.placements);
	od_errors_clear(&errs);

	/* none configured: no placements, and a lookup finds none */
	load_ok(CONF("empty.yaml"), NULL, &cfg);
	assert_int_equal(cfg.nplacements, 0);
	assert_null(od_config_placement(&cfg, "agencia_lima"));
	od_config_clear(&cfg);
}

static void
test_placement_errors(void **state)
{
	static const char	 y[] =
	    "placements:\n"
	    "  agencia_lima:\n"
	    "    display_name: \"Cobranzas Lima SAC\"\n"
	    "    phone: \"01 400 0000\"\n"
	    "    email: \"cobranzas at agencia\"\n"
	    "    fax: \"+5114000001\"\n"
	    "  Agencia_Bogota: {kind: agency}\n"
	    "  legal_mx: {kind: lawyers, display_name: [Despacho]}\n"
	    "  empty: agency\n";

	(void)state;
	expect_string_errors(y, 8,
	    "p.yaml:6:5: unknown key 'fax' in placement 'agencia_lima'",
	    "p.yaml:2:3: placement 'agencia_lima': missing required key 'kind' (agency or legal)",
	    "p.yaml:4:12: placements.agencia_lima.phone: '01 400 0000' is not an E.164 number "
	    "such as +5114000000",
	    "p.yaml:5:12: placements.agencia_lima.email: 'cobranzas at agencia' is not an email "
	    "address",
	    "p.yaml:7:3: placement name 'Agencia_Bogota' must be 1 to 64 characters of "
	    "a-z 0-9 _ -",
	    "p.yaml:8:43: placements.legal_mx.display_name: expected a single value, found a list",
	    "p.yaml:8:20: placements.legal_mx.kind: 'lawyers' is not a kind of placement "
	    "(agency, legal)",
	    "p.yaml:9:10: placement 'empty': expected a mapping, found a scalar");
	expect_string_errors("placements: [agencia_lima]\n", 1,
	    "p.yaml:1:13: placements: expected a mapping, found a list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_shipped_config, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_env_then_overrides, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_env_and_override_errors, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_relative_dirs, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_unknown_key, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_wrong_type, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_company_by_country_errors, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_out_of_range, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_unknown_gateway_in_channels, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_missing_plugin, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_inline_secret, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_unset_env_var, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_unreadable_file, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_default_path, clean_env, clean_env),
		cmocka_unit_test(test_durability_heartbeat),
		cmocka_unit_test_setup_teardown(test_placements, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_placement_errors, clean_env, clean_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
