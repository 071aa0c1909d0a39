/*
 * od_config_int.h: what od_config.c (the option table, the file, the
 * environment and the command line) and od_config_sections.c (company,
 * gateways, channels and placements) share.  Not for other modules: od_config.h is the
 * interface.
 */
#ifndef OD_CONFIG_INT_H
#define OD_CONFIG_INT_H

#include "od_config.h"
#include "od_error.h"
#include "od_yaml.h"

/* 1 when n is a mapping; else 0, with an error naming what. */
int	od_config_is_map(const struct od_yaml *n, const char *what, struct od_errors *errs);
/* company: (and company.by_country:) into cfg->company; errors into errs. */
void	od_config_read_company(struct od_config *cfg, const struct od_yaml *map,
	    struct od_errors *errs);
/* gateways: into cfg->gateways; errors into errs. */
void	od_config_read_gateways(struct od_config *cfg, const struct od_yaml *map,
	    struct od_errors *errs);
/* channels: into cfg->channel_gateway (after the gateways); errors into errs. */
void	od_config_read_channels(struct od_config *cfg, const struct od_yaml *map,
	    struct od_errors *errs);
/* placements: into cfg->placements; errors into errs. */
void	od_config_read_placements(struct od_config *cfg, const struct od_yaml *map,
	    struct od_errors *errs);

#endif /* OD_CONFIG_INT_H */
