/*
 * od_hooks: the gateway callbacks on the admin server (delivery receipts,
 * debtors' replies), checked by od_callback.c and applied to Redis; and the
 * callback URL an attempt gives its gateway.
 */
#ifndef OD_HOOKS_H
#define OD_HOOKS_H

#include <stddef.h>

struct od_admin_callback;
struct od_env;
struct od_gateway;

/* A request to /callbacks/<gateway>/<kind>: verified, answered, applied. */
void	od_hooks_callback(struct od_env *env, struct od_admin_callback *cb);
/* The callback URL of one attempt in buf, or NULL when its gateway is not called back. */
const char *od_hooks_callback_url(const struct od_env *env, struct od_gateway *gw,
	    const char *account_id, const char *attempt_id, char *buf, size_t len);

#endif /* OD_HOOKS_H */
