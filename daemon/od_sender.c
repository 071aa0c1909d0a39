#include "od_sender.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_log.h"
#include "od_time.h"

struct sender_limits {
	double	rate, burst, seg_rate;
	long	max_inflight;
	int64_t	connect_ms, total_ms, cooldown_ms, cooldown_max_ms;
	long	failures;
	int	tls_verify;
	const char *ca_file;
	int	smtp_tls;
};

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

static int
sender_limits_read(const struct od_gateway_conf *gc, struct sender_limits *l, struct od_errors *errs)
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
		if (gws->v[i].conf && sender_limits_read(gws->v[i].conf, &l, errs) == -1)
			rc = -1;
	return rc;
}

struct od_sender_gw *
od_sender_find(struct od_sender *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->name, name) == 0)
			return s->v[i];
	return NULL;
}

int
od_sender_configure(struct od_sender *s, const struct od_gateways *gws, struct od_errors *errs)
{
	struct sender_limits	 l;
	struct od_sender_gw	*g, **nv;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < gws->n; i++) {
		const struct od_gateway_conf *gc = gws->v[i].conf;

		if (gc == NULL || sender_limits_read(gc, &l, errs) == -1) {
			rc = -1;
			continue;
		}
		if ((g = od_sender_find(s, gc->name)) == NULL) {
			if ((nv = realloc(s->v, (s->n + 1) * sizeof(*nv))) == NULL ||
			    (g = calloc(1, sizeof(*g))) == NULL) {
				if (nv != NULL)
					s->v = nv;
				return -1;
			}
			s->v = nv;
			s->v[s->n++] = g;
			snprintf(g->name, sizeof(g->name), "%s", gc->name);
			od_breaker_init(&g->breaker, (int)l.failures, l.cooldown_ms, l.cooldown_max_ms);
		} else {
			g->breaker.threshold = (int)l.failures;
			g->breaker.cooldown_base_ms = l.cooldown_ms;
			g->breaker.cooldown_max_ms = l.cooldown_max_ms;
		}
		if (g->msgs.rate != l.rate || g->msgs.burst != l.burst)
			od_bucket_init(&g->msgs, l.rate, l.burst);
		if (g->segs.rate != l.seg_rate)
			od_bucket_init(&g->segs, l.seg_rate, l.seg_rate < 1 ? 1 : l.seg_rate);
		g->max_inflight = (int)l.max_inflight;
		od_http_opts_init(&g->opts);
		g->opts.connect_timeout_ms = (long)l.connect_ms;
		g->opts.total_timeout_ms = (long)l.total_ms;
		g->opts.tls_verify = l.tls_verify;
		g->opts.ca_file = l.ca_file;	/* borrowed from the set; reset at each reload */
		g->opts.smtp_require_tls = l.smtp_tls;
		if (!l.tls_verify)
			od_log_warn("sender", "gateway %s: TLS verification is off", gc->name);
	}
	return rc;
}

void
od_sender_free(struct od_sender *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

enum od_admit
od_sender_admit(struct od_sender_gw *g, int segments, int64_t now_ms, int64_t *wait_ms)
{
	int64_t	w;

	*wait_ms = 0;
	if (!od_breaker_allow(&g->breaker, now_ms, wait_ms))
		return OD_ADMIT_OPEN;
	if (g->inflight >= g->max_inflight) {
		*wait_ms = 5;	/* a slot frees when a reply comes: look again shortly */
		g->rate_waits++;
		return OD_ADMIT_WAIT;
	}
	/* Both buckets or neither: a message waiting for segments keeps its message token. */
	if (g->segs.rate > 0 && segments > 0) {
		struct od_bucket save = g->segs;
		if ((w = od_bucket_take(&g->segs, segments, now_ms)) > 0) {
			g->segs = save;
			*wait_ms = w;
			g->rate_waits++;
			return OD_ADMIT_WAIT;
		}
		if ((w = od_bucket_take(&g->msgs, 1, now_ms)) > 0) {
			g->segs = save;
			*wait_ms = w;
			g->rate_waits++;
			return OD_ADMIT_WAIT;
		}
	} else if ((w = od_bucket_take(&g->msgs, 1, now_ms)) > 0) {
		*wait_ms = w;
		g->rate_waits++;
		return OD_ADMIT_WAIT;
	}
	g->inflight++;
	return OD_ADMIT_GO;
}

void
od_sender_done(struct od_sender_gw *g, int failed, int64_t now_ms)
{
	if (g->inflight > 0)
		g->inflight--;
	if (failed < 0) {
		g->local_failures++;
		od_breaker_release(&g->breaker, now_ms);
	} else if (failed)
		od_breaker_failure(&g->breaker, now_ms);
	else
		od_breaker_success(&g->breaker, now_ms);
}
