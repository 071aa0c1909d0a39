/*
 * fuzz_config: config/outreachd.yaml as an operator writes it, through
 * od_config_load_string: the option table (types, bounds, durations,
 * sizes), limits, admin, company, gateways and channels, ${ENV:-default}
 * expansion; then the gateway lookups the daemon makes.
 */
#include <string.h>

#include "od_config.h"
#include "od_fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_config	cfg;
	struct od_errors	errs;

	od_errors_init(&errs);
	if (od_config_load_string("/etc/outreachd/outreachd.yaml", (const char *)data, size, NULL,
	    &cfg, &errs) == 0) {
		if (cfg.redis_url == NULL || cfg.prefix == NULL || cfg.policy_dir == NULL)
			od_fuzz_fail("loaded without redis, prefix or policy_dir");
		for (size_t i = 0; i < cfg.ngateways; i++) {
			const struct od_gateway_conf *gw = &cfg.gateways[i];

			if (od_config_gateway(&cfg, gw->name) == NULL)
				od_fuzz_fail("gateway '%s' not found by name", gw->name);
			(void)od_gateway_setting(gw, "url");
			(void)od_gateway_setting(gw, "auth_token_env");
		}
		for (int k = 0; k < OD_CH_MAX; k++)
			if (cfg.channel_gateway[k] >= (int)cfg.ngateways)
				od_fuzz_fail("channel %d: gateway %d of %zu", k, cfg.channel_gateway[k],
				    cfg.ngateways);
		od_config_clear(&cfg);
	} else if (errs.count == 0) {
		od_fuzz_fail("refused without an error");
	}
	od_errors_clear(&errs);
	return 0;
}
