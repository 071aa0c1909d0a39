/*
 * od_sender: each gateway's sending state, kept across reloads: its token
 * buckets, in-flight cap and breaker (od_sender_configure), and the
 * admission of each send (od_sender_admit; od_sender_done or
 * od_sender_release after it): a gateway's in-flight count changes here
 * and nowhere else.  The generic gateway settings are read and checked by
 * od_sender_limits.c, which validation without a daemon uses too.
 */
#include "od_sender.h"

#include <stdlib.h>
#include <string.h>

#include "od_log.h"
#include "od_sender_int.h"

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

		if (gc == NULL || od_sender_limits_read(gc, &l, errs) == -1) {
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

void
od_sender_release(struct od_sender_gw *g)
{
	if (g->inflight > 0)
		g->inflight--;
}
