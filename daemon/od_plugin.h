/*
 * od_plugin: loads channel plugins (channels/od_channel.h) and keeps one
 * gateway per configured gateway: a plugin, its settings, its context.
 *
 * The host table handed to plugins lives here, and so does the request a
 * plugin builds (URL, method, headers, body, auth, SMTP envelope): the
 * transports apply it to libcurl, or append it to a file.
 */
#ifndef OD_PLUGIN_H
#define OD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "od_buf.h"
#include "od_channel.h"
#include "od_config.h"
#include "od_error.h"

/* A request as a plugin built it. */
struct od_request {
	char		*url;
	char		*method;
	char		**headers;
	size_t		 nheaders;
	struct od_buf	 body;
	char		*user;
	char		*password;
	char		*mail_from;
	char		**rcpts;
	size_t		 nrcpts;
	char		 path[256];	/* FILE transport */
};

void	od_request_init(struct od_request *r);
void	od_request_clear(struct od_request *r);

struct od_gateway {
	char				*name;
	const struct od_gateway_conf	*conf;		/* borrowed from the config */
	const struct od_channel_plugin	*plugin;
	void				*dl;		/* dlopen handle */
	void				*ctx;		/* the plugin's */
	char				*file_dir;	/* FILE transport: where lines go */
	int				 file_fd;	/* FILE transport: the open file, or -1 */
	char				 file_name[256];
	int64_t				 file_delay_ms;	/* FILE transport: simulated gateway latency ("delay:") */
	char				*secret_cache[8];	/* values read by host->secret, freed with the gateway */
	char				*callback_secret;	/* od_hooks.c: read once per loaded set, or NULL */
	int				 callback_secret_read;
	size_t				 nsecrets;
};

struct od_gateways {
	struct od_gateway	*v;
	size_t			 n;
};

/* The host table plugins get. */
const struct od_channel_host *od_plugin_host(void);

/*
 * Opens path, checks the ABI (version and size) and returns the plugin.
 * On failure returns NULL with the reason in err.
 */
const struct od_channel_plugin *od_plugin_open(const char *path, void **dl, char *err, size_t errlen);

/*
 * Loads and initialises every gateway of cfg from plugin_dir.  Errors (a
 * missing plugin, an ABI mismatch, a plugin's init failure) are added to
 * errs at the gateway's position in the config.  0 or -1.
 */
int	od_gateways_load(const struct od_config *cfg, struct od_gateways *gws, struct od_errors *errs);
void	od_gateways_free(struct od_gateways *gws);
struct od_gateway *od_gateways_find(struct od_gateways *gws, const char *name);

/*
 * Builds msg on gw into req (through the plugin).  0, or -1 with the
 * plugin's reason in err.
 */
int	od_gateway_build(struct od_gateway *gw, const struct od_channel_message *msg,
	    struct od_request *req, char *err, size_t errlen);

/*
 * The FILE transport: appends req's body and a newline to the gateway's file
 * in one write(2), then lets the plugin classify.  Local disk; the write is
 * small and never waits on a peer.
 */
void	od_gateway_file_send(struct od_gateway *gw, const struct od_channel_message *msg,
	    struct od_request *req, struct od_channel_result *res);

const char *od_outcome_name(enum od_outcome o);

#endif /* OD_PLUGIN_H */
