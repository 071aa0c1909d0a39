/*
 * od_sender_limits: the generic settings of a gateway (rate, burst,
 * segment_rate, max_inflight, timeouts, TLS, breaker: od_sender.h), read
 * and checked with their defaults.  The daemon's sender applies them
 * (od_sender.c); od_sender_check only checks them, for validation without
 * a daemon (od_confset.c), so this file needs nothing of the sending
 * machinery.
 */
#include "od_sender_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_time.h"

static int
sender_num(const struct od_gateway_conf *gc, const char *key, double min, double max, double *out,
    struct od_errors *errs)
{
	const char	*v = od_gateway_setting(gc, key);
	char		*end;
	double		 d;

	if (v == NULL)
		return 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || d < min || d > max) {
		od_errors_add(errs, gc->file, gc->line, gc->col, "gateway '%s': %s '%s' must be a "
		    "number from %g to %g", gc->name, key, v, min, max);
		return -1;
	}
	*out = d;
	return 0;
}

static int
sender_dur(const struct od_gateway_conf *gc, const char *key, int64_t min, int64_t *out,
    struct od_errors *errs)
{
	const char	*v = od_gateway_setting(gc, key);
	int64_t		 ms;

	if (v == NULL)
		return 0;
	if (od_duration_parse(v, &ms) == -1 || ms < min) {
		od_errors_add(errs, gc->file, gc->line, gc->col, "gateway '%s': %s '%s' must be a "
		    "duration of at least %lldms (e.g. 10s)", gc->name, key, v, (long long)min);
		return -1;
	}
	*out = ms;
	return 0;
}

int
od_sender_limits_read(const struct od_gateway_conf *gc, struct sender_limits *l,
    struct od_errors *errs)
{
	const char	*v;
	double		 d;
	int		 rc = 0;

	memset(l, 0, sizeof(*l));
	l->max_inflight = 64;
	l->connect_ms = OD_HTTP_CONNECT_TIMEOUT_MS;
	l->total_ms = OD_HTTP_TOTAL_TIMEOUT_MS;
	l->failures = 5;
	l->cooldown_ms = 30000;
	l->cooldown_max_ms = 600000;
	l->tls_verify = 1;
	l->smtp_tls = 1;
	rc |= sender_num(gc, "rate", 0, 1e6, &l->rate, errs);
	l->burst = l->rate < 1 ? 1 : l->rate;
	rc |= sender_num(gc, "burst", 1, 1e7, &l->burst, errs);
	rc |= sender_num(gc, "segment_rate", 0, 1e6, &l->seg_rate, errs);
	d = (double)l->max_inflight;
	rc |= sender_num(gc, "max_inflight", 1, 100000, &d, errs);
	l->max_inflight = (long)d;
	d = (double)l->failures;
	rc |= sender_num(gc, "breaker_failures", 1, 1000, &d, errs);
	l->failures = (long)d;
	rc |= sender_dur(gc, "connect_timeout", 100, &l->connect_ms, errs);
	rc |= sender_dur(gc, "timeout", 100, &l->total_ms, errs);
	rc |= sender_dur(gc, "breaker_cooldown", 100, &l->cooldown_ms, errs);
	rc |= sender_dur(gc, "breaker_cooldown_max", 100, &l->cooldown_max_ms, errs);
	if ((v = od_gateway_setting(gc, "tls_verify")) != NULL) {
		if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0)
			l->tls_verify = 0;
		else if (strcasecmp(v, "true") != 0 && strcasecmp(v, "yes") != 0 && strcmp(v, "1") != 0) {
			od_errors_add(errs, gc->file, gc->line, gc->col,
			    "gateway '%s': tls_verify must be true or false", gc->name);
			rc = -1;
		}
	}
	l->ca_file = od_gateway_setting(gc, "ca_file");
	/* email-smtp's own setting: plain SMTP only where the plugin allowed it (loopback). */
	if ((v = od_gateway_setting(gc, "starttls")) != NULL && strcasecmp(v, "off") == 0)
		l->smtp_tls = 0;
	return rc ? -1 : 0;
}

int
od_sender_check(const struct od_gateways *gws, struct od_errors *errs)
{
	struct sender_limits	l;
	size_t			i;
	int			rc = 0;

	for (i = 0; i < gws->n; i++)
		if (gws->v[i].conf && od_sender_limits_read(gws->v[i].conf, &l, errs) == -1)
			rc = -1;
	return rc;
}
