#include "od_daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <event2/event.h>

#include "od_admin.h"
#include "od_buf.h"
#include "od_hooks.h"
#include "od_http.h"
#include "od_link.h"
#include "od_link_http.h"
#include "od_log.h"
#include "od_notify.h"
#include "od_person.h"
#include "od_queue.h"
#include "od_time.h"
#include "od_tz.h"

/*
 * --once: the loop stops once the inbox is drained (od_intake_idle) and no
 * action is in flight, leased by any daemon or due within 1 s
 * (od_dispatch_idle).
 */
static void
daemon_check_idle(struct od_daemon *d)
{
	if (!d->exit_after_idle || d->env.stopping || !od_intake_idle(&d->intake) ||
	    !od_dispatch_idle(&d->dispatch))
		return;
	od_log_info("daemon", "inbox drained and nothing due: exiting (--once)");
	d->env.stopping = 1;
	event_base_loopexit(d->env.base, NULL);
}

static void
daemon_reclaim_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_daemon	*d = arg;

	(void)fd;
	(void)what;
	od_intake_sweep(&d->intake);
	daemon_check_idle(d);
}

static void
daemon_beat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_daemon	*d = arg;

	(void)fd;
	(void)what;
	od_dispatch_beat(&d->dispatch);
	od_metric_set(d->env.m.durable, NULL, od_queue_not_durable(d->env.q) == NULL &&
	    od_queue_ready(d->env.q) ? 1 : 0);
}

/* Redis is reachable (again): beat at once (outcomes it missed, leases), then claim. */
static void
daemon_queue_ready(void *arg)
{
	struct od_daemon	*d = arg;

	d->dispatch.sweep = 1;	/* claims or begins Redis never answered */
	if (!d->started)
		return;		/* daemon_ready_cb does the first */
	od_dispatch_beat(&d->dispatch);
	od_dispatch_kick(&d->dispatch);
}

/* Inbox entries a dead consumer left, now ours. */
static void
daemon_dispatch_inbox(void *arg, const struct redisReply *entries)
{
	struct od_daemon	*d = arg;

	od_intake_take(&d->intake, entries);
}

/* Intake stored an account due now: claim. */
static void
daemon_intake_due(void *arg)
{
	struct od_daemon	*d = arg;

	od_dispatch_kick(&d->dispatch);
}

/*
 * Intake's read of new entries found none: a claim all the same (what it
 * stored earlier may be due, and the claim's answer refreshes the counts of
 * leases and of what is due that --once looks at), then --once may be done.
 */
static void
daemon_intake_idle(void *arg)
{
	struct od_daemon	*d = arg;

	od_dispatch_kick(&d->dispatch);
	daemon_check_idle(d);
}

/* Dispatch's claim found nothing, or completions landed: --once may be done. */
static void
daemon_dispatch_idle(void *arg)
{
	daemon_check_idle(arg);
}

static void
daemon_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_daemon	*d = arg;
	struct timeval		 tv = { 0, 20000 };

	(void)fd;
	(void)what;
	if (!od_queue_ready(d->env.q)) {
		evtimer_add(d->ready_ev, &tv);
		return;
	}
	od_log_info("daemon", "ready: consumer %s, %zu policies, %zu templates, %zu gateways",
	    d->env.consumer, d->env.set->policies.n, d->env.set->templates.n,
	    d->env.set->gateways.n);
	/* Redis is connected and the scripts are loaded: systemd may call us started. */
	od_notify_ready();
	d->watchdog = od_notify_watchdog_start(d->env.base);
	od_intake_start(&d->intake);
	d->started = 1;
	od_dispatch_beat(&d->dispatch);
	od_dispatch_kick(&d->dispatch);
}

/*
 * SIGTERM: stop claiming and reading; let the actions in flight finish within
 * shutdown_grace; then hand the rest back (a claimed action goes back to the
 * due set at once, one caught while sending is recorded 'unknown') and exit.
 */
static void
daemon_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_daemon	*d = arg;
	struct timeval		 tv = { 0, 50000 };

	(void)fd;
	(void)what;
	if (d->dispatch.inflight > 0 && od_now_ms() < d->drain_deadline_ms) {
		evtimer_add(d->drain_ev, &tv);
		return;
	}
	if (d->dispatch.inflight > 0 && !d->handing_back) {
		od_log_warn("daemon", "%d actions still in flight after the grace period: handing "
		    "them back", d->dispatch.inflight);
		d->handing_back = 1;
		od_dispatch_release(&d->dispatch);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		evtimer_add(d->drain_ev, &tv);	/* a second for the releases to land */
		return;
	}
	event_base_loopexit(d->env.base, NULL);
}

static void
daemon_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct od_daemon	*d = arg;

	(void)what;
	if (d->env.stopping)
		return;
	od_log_info("daemon", "signal %d: stopping (%d actions in flight)", (int)sig,
	    d->dispatch.inflight);
	od_notify_stopping();
	d->env.stopping = 1;
	d->drain_deadline_ms = od_now_ms() + d->env.set->cfg.shutdown_grace_ms;
	od_dispatch_stop(&d->dispatch);
	daemon_drain_cb(-1, 0, d);
}

/*
 * SIGHUP: the whole set (configuration, policies, templates, rules,
 * gateways) is loaded and checked anew; only a set that loaded whole
 * replaces the running one.  Actions in flight keep the set they started
 * under until they complete.
 */
/*
 * A reload: the whole set (configuration, policies, templates, rules,
 * gateways) is loaded and checked anew; only a set that loaded whole
 * replaces the running one.  Actions in flight keep the set they started
 * under until they complete.  The outcome is logged, and written to out when
 * out is not NULL (POST /reload).  1 when the new set runs.
 */
static int
daemon_reload(struct od_daemon *d, struct od_buf *out)
{
	struct od_confset	*set;
	struct od_errors	 errs;
	size_t			 i;

	od_log_info("daemon", "reloading %s", d->config_path);
	od_notify_reloading();
	od_errors_init(&errs);
	set = od_confset_open(d->config_path, &d->overrides, OD_CONFSET_GATEWAYS, &errs);
	if (set != NULL && od_sender_configure(&d->sender, &set->gateways, &errs) == -1) {
		od_confset_unref(set);
		set = NULL;
		/* put the running set's limits back */
		{
			struct od_errors	again;

			od_errors_init(&again);
			od_sender_configure(&d->sender, &d->env.set->gateways, &again);
			od_errors_clear(&again);
		}
	}
	for (i = 0; i < errs.count; i++) {
		od_log_err("config", "%s", errs.msgs[i]);
		if (out)
			od_buf_printf(out, "%s\n", errs.msgs[i]);
	}
	for (i = 0; i < errs.nwarns; i++) {
		od_log_warn("config", "%s", errs.warns[i]);
		if (out)
			od_buf_printf(out, "warning: %s\n", errs.warns[i]);
	}
	if (set == NULL) {
		od_log_err("daemon", "reload refused: %zu error(s); the running configuration stays",
		    errs.count);
		if (out)
			od_buf_printf(out, "reload refused: %zu error(s); the running configuration "
			    "stays\n", errs.count);
		od_errors_clear(&errs);
		d->env.stats.reloads_failed++;
		od_metric_inc(d->env.m.reloads, OD_LABELS("failed"), 1);
		od_notify_ready();
		return 0;
	}
	od_errors_clear(&errs);
	if (strcmp(set->cfg.redis_url, d->env.set->cfg.redis_url) != 0 ||
	    strcmp(set->cfg.prefix, d->env.set->cfg.prefix) != 0)
		od_log_warn("daemon", "redis and prefix changes take effect at the next start");
	od_confset_unref(d->env.set);
	d->env.set = set;
	od_log_set_level(d->env.set->cfg.log_level);
	d->env.stats.reloads_ok++;
	od_metric_inc(d->env.m.reloads, OD_LABELS("ok"), 1);
	od_notify_ready();
	od_log_info("daemon", "reloaded: %zu policies, %zu templates, %zu gateways",
	    set->policies.n, set->templates.n, set->gateways.n);
	if (out)
		od_buf_printf(out, "reloaded: %zu policies, %zu templates, %zu gateways\n",
		    set->policies.n, set->templates.n, set->gateways.n);
	od_dispatch_kick(&d->dispatch);
	return 1;
}

static void
daemon_reload_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	daemon_reload(arg, NULL);
}

static int
daemon_reload_admin(void *arg, struct od_buf *out)
{
	return daemon_reload(arg, out);
}

static int
daemon_ready(void *arg, char *why, size_t len)
{
	struct od_daemon	*d = arg;

	if (!od_queue_ready(d->env.q)) {
		const char *nd = od_queue_not_durable(d->env.q);

		if (nd != NULL)
			snprintf(why, len, "durability strict: %s", nd);
		else
			snprintf(why, len, "Redis is not reachable");
		return 0;
	}
	if (d->env.stopping) {
		snprintf(why, len, "stopping");
		return 0;
	}
	return 1;
}

/* A gateway's callback on the admin port (od_hooks.c). */
static void
daemon_callback(void *arg, struct od_admin_callback *cb)
{
	struct od_daemon	*d = arg;

	od_hooks_callback(&d->env, cb);
}

/* A payment link opened, on either listener (od_link_http.c). */
static void
daemon_link(void *arg, struct od_admin_link *l, const char *token)
{
	struct od_daemon	*d = arg;

	od_link_http_open(&d->env, l, token);
}

/*
 * links.listen: a listener for the payment links alone, the one an
 * internet-facing proxy may reach (the admin port stays private).  Bound
 * at start-up; a reload keeps it (its keys and redirects are reread).
 */
static int
daemon_links_listen(struct od_daemon *d, char *err, size_t errlen)
{
	const struct od_link_conf	*c = d->env.set->cfg.links;
	struct od_admin_config		 ac;
	char				 addr[256], *colon;

	if (c == NULL || c->listen == NULL)
		return 0;
	snprintf(addr, sizeof(addr), "%s", c->listen);
	if ((colon = strrchr(addr, ':')) == NULL) {
		snprintf(err, errlen, "links.listen: '%s' is not address:port", c->listen);
		return -1;
	}
	*colon = '\0';
	if (addr[0] == '[' && colon > addr + 1 && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(addr, addr + 1, strlen(addr + 1) + 1);
	}
	memset(&ac, 0, sizeof(ac));
	ac.address = addr;
	ac.port = atoi(colon + 1);
	ac.link = daemon_link;
	ac.links_only = 1;
	ac.arg = d;
	ac.max_connections = d->env.set->cfg.admin_max_connections;
	ac.request_timeout_ms = d->env.set->cfg.admin_request_timeout_ms;
	ac.fd_reserve = d->env.set->cfg.admin_fd_reserve;
	if ((d->links_admin = od_admin_new(d->env.base, &ac, err, errlen)) == NULL)
		return -1;
	od_log_info("daemon", "payment links (/p/) on %s:%d", addr, od_admin_port(d->links_admin));
	return 0;
}

/* Gauges read when /metrics is asked for. */
static void
daemon_collect(void *arg, struct od_metrics *m)
{
	struct od_daemon	*d = arg;
	size_t			 i;
	int			 v;

	od_metric_set(d->env.m.queue_due, NULL, (double)d->dispatch.scheduled);
	od_rules_calendar_metrics(d->env.set->rules, m, od_now_ms());
	od_metric_set(d->env.m.queue_inflight, NULL, (double)d->dispatch.leases);
	for (i = 0; i < d->sender.n; i++) {
		switch (d->sender.v[i]->breaker.state) {
		case OD_BREAKER_OPEN:		v = OD_METRIC_BREAKER_OPEN; break;
		case OD_BREAKER_HALF_OPEN:	v = OD_METRIC_BREAKER_HALF_OPEN; break;
		default:			v = OD_METRIC_BREAKER_CLOSED; break;
		}
		od_metric_set(d->env.m.breaker_state, OD_LABELS(d->sender.v[i]->name), v);
		if (d->sender.v[i]->local_failures > d->sender.v[i]->local_counted) {
			od_metric_inc(d->local_failures, OD_LABELS(d->sender.v[i]->name),
			    (double)(d->sender.v[i]->local_failures - d->sender.v[i]->local_counted));
			d->sender.v[i]->local_counted = d->sender.v[i]->local_failures;
		}
	}
}

/*
 * Every second: the heap's free pages back to the system (glibc keeps them
 * otherwise), so that RSS follows the actions in flight now, not the
 * largest backlog so far.  Every 5 s: the figures systemd shows in
 * `systemctl status`, and the libcurl handles unused for 5 s freed.
 */
static void
daemon_status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct od_daemon	*d = arg;
	uint64_t		 minute_ago;

	(void)fd;
	(void)what;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	if (++d->status_tick % 5 != 0)
		return;
	d->ring_pos = (d->ring_pos + 1) % 12;
	minute_ago = d->sent_ring[d->ring_pos];
	d->sent_ring[d->ring_pos] = d->env.stats.sent;
	od_notify_status("%lld scheduled, %lld in flight, %llu sent in the last minute, "
	    "%llu rejected", d->dispatch.scheduled, d->dispatch.leases,
	    (unsigned long long)(d->env.stats.sent - minute_ago),
	    (unsigned long long)d->env.stats.rejected);
	od_http_trim(d->http);
}

/*
 * Descriptors: the soft RLIMIT_NOFILE up to the hard one (at most
 * DAEMON_NOFILE_MAX).  The default soft limit, 1024, is what let a flood
 * of admin connections starve Redis and the gateways; the admin port
 * keeps admin.fd_reserve of whatever is allowed.  Under the shipped unit
 * LimitNOFILE= sets both and setrlimit is filtered (@resources): nothing
 * to do then.
 */
#define DAEMON_NOFILE_MAX	65536

static void
daemon_raise_nofile(void)
{
	struct rlimit	rl;
	rlim_t		want, was;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > DAEMON_NOFILE_MAX ?
	    DAEMON_NOFILE_MAX : rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		od_log_warn("daemon", "cannot raise the descriptor limit from %llu to %llu: %s",
		    (unsigned long long)was, (unsigned long long)want, strerror(errno));
	else
		od_log_info("daemon", "descriptor limit raised from %llu to %llu",
		    (unsigned long long)was, (unsigned long long)want);
}

/*
 * A secret from file (relative to $CREDENTIALS_DIRECTORY when systemd gives
 * one), else from the environment variable env: malloc'd, without a final
 * newline; NULL when neither is set or it cannot be read.
 */
static char *
daemon_secret(const char *file, const char *env)
{
	const char	*v, *creds;
	char		 path[1024], buf[512];
	FILE		*fp;
	size_t		 n;

	if (file != NULL) {
		creds = getenv("CREDENTIALS_DIRECTORY");
		snprintf(path, sizeof(path), "%s%s%s", file[0] != '/' && creds ?
		    creds : "", file[0] != '/' && creds ? "/" : "", file);
		if ((fp = fopen(path, "r")) == NULL)
			return NULL;
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		buf[n] = '\0';
		return strdup(buf);
	}
	if (env != NULL && (v = getenv(env)) != NULL && *v)
		return strdup(v);
	return NULL;
}

int
od_daemon_init(struct od_daemon *d, const char *config_path, const struct od_config_overrides *ov,
    char *err, size_t errlen)
{
	struct od_errors	errs;
	struct timeval		tv;
	char			host[64];
	static const int	sigs[] = { SIGTERM, SIGINT };
	size_t			i;

	memset(d, 0, sizeof(*d));
	d->config_path = config_path;
	if (ov)
		d->overrides = *ov;
	od_errors_init(&errs);
	if ((d->env.set = od_confset_open(config_path, ov, OD_CONFSET_GATEWAYS, &errs)) == NULL) {
		od_errors_print(&errs, stderr);
		snprintf(err, errlen, "%zu error(s) in the configuration; not started", errs.count);
		od_errors_clear(&errs);
		return -1;
	}
	for (i = 0; i < errs.nwarns; i++)
		od_log_warn("config", "%s", errs.warns[i]);
	od_errors_clear(&errs);
	od_log_set_level(d->env.set->cfg.log_level);
	if (d->env.set->cfg.consumer != NULL && d->env.set->cfg.consumer[0] != '\0')
		snprintf(d->env.consumer, sizeof(d->env.consumer), "%s", d->env.set->cfg.consumer);
	else {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		snprintf(d->env.consumer, sizeof(d->env.consumer), "%s-%ld", host, (long)getpid());
	}
	signal(SIGPIPE, SIG_IGN);
	daemon_raise_nofile();
	srandom((unsigned)(getpid() ^ time(NULL)));
	if ((d->env.base = event_base_new()) == NULL) {
		snprintf(err, errlen, "cannot create the event loop");
		return -1;
	}
	d->env.q = od_queue_new(d->env.base, d->env.set->cfg.redis_url, d->env.set->cfg.prefix,
	    d->env.set->cfg.durability, err, errlen);
	if (d->env.q == NULL)
		return -1;
	if ((d->http = od_http_new(d->env.base, err, errlen)) == NULL)
		return -1;
	if ((d->env.metrics = od_metrics_new()) == NULL ||
	    od_metrics_register_std(d->env.metrics, &d->env.m) == -1 ||
	    (d->local_failures = od_metrics_counter(d->env.metrics,
	    "outreachd_gateway_local_failures_total",
	    "Sends that failed on this host (no descriptor for a socket), not at the gateway: "
	    "retried, never counted against its breaker.", OD_LABELS("gateway"))) == NULL) {
		snprintf(err, errlen, "cannot set up the metrics");
		return -1;
	}
	/* The key debtor ids are hashed with: read once, kept for the daemon's life. */
	if (d->env.set->cfg.identity_key_file || d->env.set->cfg.identity_key_env) {
		if ((d->identity_key = daemon_secret(d->env.set->cfg.identity_key_file,
		    d->env.set->cfg.identity_key_env)) == NULL || strlen(d->identity_key) < 16) {
			snprintf(err, errlen, "identity: the key (identity.key_file or "
			    "identity.key_env) cannot be read, or is under 16 bytes");
			return -1;
		}
	} else {
		od_log_warn("daemon", "identity.key_file is not set: debtor ids are hashed with "
		    "a public key, which hides a document number only from a casual look");
		d->identity_key = strdup(OD_PERSON_DEFAULT_KEY);
	}
	if (d->env.set->cfg.admin_enabled) {
		struct od_admin_config ac;
		char *token = daemon_secret(d->env.set->cfg.admin_token_file,
		    d->env.set->cfg.admin_token_env);

		if (token == NULL && (d->env.set->cfg.admin_token_env ||
		    d->env.set->cfg.admin_token_file)) {
			snprintf(err, errlen, "admin: the bearer token (admin.token_env or "
			    "admin.token_file) cannot be read");
			return -1;
		}
		memset(&ac, 0, sizeof(ac));
		ac.address = d->env.set->cfg.admin_address;
		ac.port = d->env.set->cfg.admin_port;
		ac.token = token;
		ac.metrics = d->env.metrics;
		ac.ready = daemon_ready;
		ac.collect = daemon_collect;
		ac.callback = daemon_callback;
		ac.reload = daemon_reload_admin;
		ac.link = daemon_link;
		ac.arg = d;
		ac.max_connections = d->env.set->cfg.admin_max_connections;
		ac.request_timeout_ms = d->env.set->cfg.admin_request_timeout_ms;
		ac.fd_reserve = d->env.set->cfg.admin_fd_reserve;
		d->admin = od_admin_new(d->env.base, &ac, err, errlen);
		free(token);
		if (d->admin == NULL)
			return -1;
		od_log_info("daemon", "admin server on %s:%d (/metrics, /healthz, /readyz)",
		    d->env.set->cfg.admin_address, od_admin_port(d->admin));
	}
	if (daemon_links_listen(d, err, errlen) == -1)
		return -1;
	od_errors_init(&errs);
	if (od_sender_configure(&d->sender, &d->env.set->gateways, &errs) == -1) {
		od_errors_print(&errs, stderr);
		snprintf(err, errlen, "%zu error(s) in the gateways' settings; not started", errs.count);
		od_errors_clear(&errs);
		return -1;
	}
	od_errors_clear(&errs);
	d->reclaim_ev = event_new(d->env.base, -1, EV_PERSIST, daemon_reclaim_cb, d);
	d->beat_ev = event_new(d->env.base, -1, EV_PERSIST, daemon_beat_cb, d);
	d->ready_ev = evtimer_new(d->env.base, daemon_ready_cb, d);
	d->drain_ev = evtimer_new(d->env.base, daemon_drain_cb, d);
	d->status_ev = event_new(d->env.base, -1, EV_PERSIST, daemon_status_cb, d);
	{
		struct timeval st = { 1, 0 };
		event_add(d->status_ev, &st);
	}
	od_intake_init(&d->intake, &d->env, d->identity_key);
	od_intake_setcb(&d->intake, daemon_intake_due, daemon_intake_idle, d);
	od_dispatch_init(&d->dispatch, &d->env, &d->sender, d->http);
	od_dispatch_setcb(&d->dispatch, daemon_dispatch_idle, daemon_dispatch_inbox, d);
	od_queue_set_onready(d->env.q, daemon_queue_ready, d);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->sig_ev[i] = evsignal_new(d->env.base, sigs[i], daemon_stop_cb, d);
		event_add(d->sig_ev[i], NULL);
	}
	d->sig_ev[i] = evsignal_new(d->env.base, SIGHUP, daemon_reload_cb, d);
	event_add(d->sig_ev[i], NULL);
	tv.tv_sec = d->env.set->cfg.reclaim_interval_ms / 1000;
	tv.tv_usec = (d->env.set->cfg.reclaim_interval_ms % 1000) * 1000;
	event_add(d->reclaim_ev, &tv);
	tv.tv_sec = d->env.set->cfg.heartbeat_interval_ms / 1000;
	tv.tv_usec = (d->env.set->cfg.heartbeat_interval_ms % 1000) * 1000;
	event_add(d->beat_ev, &tv);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	evtimer_add(d->ready_ev, &tv);
	return 0;
}

int
od_daemon_run(struct od_daemon *d)
{
	struct od_dispatch	*dp = &d->dispatch;
	long long		 left;
	char			 end[256];

	event_base_dispatch(d->env.base);
	/* What became of the actions still in flight at the end (daemon_drain_cb). */
	left = dp->inflight - dp->handed_requeued - dp->handed_unknown;
	if (dp->inflight == 0)
		snprintf(end, sizeof(end), "nothing was left in flight");
	else
		snprintf(end, sizeof(end), "%d in flight at the end: %lld handed back due again "
		    "(only claimed), %lld recorded unknown (caught sending, not sent again), %lld "
		    "left to their leases (Redis did not answer)", dp->inflight,
		    dp->handed_requeued, dp->handed_unknown, left < 0 ? 0 : left);
	od_log_info("daemon", "stopped: %llu claimed, %llu sent, %llu failed, %llu retried, "
	    "%llu suppressed, %llu unknown, %llu rejected; %s",
	    (unsigned long long)d->env.stats.claimed, (unsigned long long)d->env.stats.sent,
	    (unsigned long long)d->env.stats.failed, (unsigned long long)d->env.stats.retried,
	    (unsigned long long)d->env.stats.suppressed, (unsigned long long)d->env.stats.unknown,
	    (unsigned long long)d->env.stats.rejected, end);
	return 0;
}

void
od_daemon_free(struct od_daemon *d)
{
	size_t	i;

	if (d == NULL)
		return;
	od_notify_watchdog_stop(d->watchdog);
	od_admin_free(d->admin);
	od_admin_free(d->links_admin);
	free(d->identity_key);
	od_http_free(d->http);		/* its callbacks still reach the queue */
	od_queue_free(d->env.q);
	od_sender_free(&d->sender);
	if (d->reclaim_ev)
		event_free(d->reclaim_ev);
	if (d->beat_ev)
		event_free(d->beat_ev);
	if (d->ready_ev)
		event_free(d->ready_ev);
	if (d->drain_ev)
		event_free(d->drain_ev);
	if (d->status_ev)
		event_free(d->status_ev);
	od_dispatch_free(&d->dispatch);
	od_intake_free(&d->intake);
	for (i = 0; i < sizeof(d->sig_ev) / sizeof(d->sig_ev[0]); i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->env.base)
		event_base_free(d->env.base);
	od_confset_unref(d->env.set);
	od_metrics_free(d->env.metrics);
	od_tz_cache_free();
}
