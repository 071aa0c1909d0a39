/*
 * outreachctl validate and preview: the operator's checks before a policy
 * or a template goes live.  Neither touches Redis.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "od_account.h"
#include "od_confset.h"
#include "od_link_tmpl.h"
#include "od_plan.h"
#include "od_sms.h"
#include "od_time.h"
#include "od_tz.h"

static const char *
preview_config(const struct ctl *c)
{
	return c->config_path ? c->config_path : od_config_default_path();
}

int
ctl_cmd_validate(struct ctl *c, int argc, char **argv)
{
	struct od_config_overrides	ov;
	struct od_confset		set;
	struct od_errors		errs;
	int				rc;

	(void)argv;
	if (argc > 0)
		return ctl_usage_error(c, "validate", "validate takes no arguments");
	memset(&ov, 0, sizeof(ov));
	ov.redis_url = c->opt_redis;
	ov.prefix = c->opt_prefix;
	od_errors_init(&errs);
	rc = od_confset_load(preview_config(c), &ov, OD_CONFSET_GATEWAYS, &set, &errs);
	if (rc == 0 && od_rules_check_calendars(set.rules, od_now_ms(), &errs) > 0) {
		od_confset_free(&set);
		rc = -1;
	}
	od_errors_print(&errs, stderr);
	if (rc == -1) {
		fprintf(stderr, "%zu error(s)\n", errs.count);
		od_errors_clear(&errs);
		od_tz_cache_free();
		return CTL_EXIT_FAIL;
	}
	od_errors_clear(&errs);
	od_confset_free(&set);
	od_tz_cache_free();
	printf("configuration OK\n");
	return CTL_EXIT_OK;
}

static void
preview_sms(const char *label, const char *text)
{
	struct od_sms_info	info;

	if (od_sms_analyze(text, &info) == 0)
		printf("%s (%s, %zu characters, %zu segment%s):\n", label,
		    od_sms_encoding_name(info.encoding), info.chars, info.segments,
		    info.segments == 1 ? "" : "s");
	else
		printf("%s:\n", label);
	printf("%s\n", text);
}

static int
preview_channel(const struct od_confset *set, const struct od_policy *p, const struct od_step *s,
    const struct od_account *a, int kind, const json_t *ctx)
{
	const struct od_message_tmpl	*m;
	struct od_rendered		 r;
	struct od_buf			 tl;
	const char			*locale = a->locale ? a->locale : set->cfg.default_locale;
	char				 err[512];
	size_t				 i;

	printf("== %s ==\n", od_channel_kind_name(kind));
	m = od_template_set_find(&set->templates, s->template, locale, set->cfg.default_locale);
	if (m == NULL || !od_message_tmpl_has(m, kind)) {
		printf("error: template '%s' has no %s text for %s\n\n", s->template,
		    od_channel_kind_name(kind), locale);
		return -1;
	}
	printf("template %s (%s, %s)\n", m->name, m->locale, m->file);
	if (od_template_render_message(m, kind, ctx, locale, &r, err, sizeof(err)) == -1) {
		printf("error: %s\n\n", err);
		return -1;
	}
	switch (kind) {
	case OD_CH_SMS:
		preview_sms("text", r.text);
		od_buf_init(&tl);
		if (od_sms_transliterate(r.text, &tl) == 0 && tl.data && strcmp(tl.data, r.text) != 0)
			preview_sms(p->transliterate ? "sent as (the policy transliterates to GSM-7)" :
			    "transliterated to GSM-7 (set 'transliterate: true' in the policy to send this)",
			    tl.data);
		od_buf_free(&tl);
		break;
	case OD_CH_EMAIL:
		printf("Subject: %s\n\n%s\n--- html ---\n%s\n", r.subject, r.text,
		    r.html ? r.html : "(none)");
		break;
	case OD_CH_WHATSAPP:
		printf("approved template %s (%s), parameters:\n", r.wa_name, r.wa_language);
		for (i = 0; i < r.wa_nparams; i++)
			printf("  {{%zu}} %s\n", i + 1, r.wa_params[i]);
		for (i = 0; i < r.wa_nbuttons; i++)	/* "quick_reply:accept", "url:<suffix>" */
			printf("  button %zu %s\n", i, r.wa_buttons[i]);
		printf("reads:\n%s\n", r.text);
		break;
	}
	printf("\n");
	od_rendered_clear(&r);
	return 0;
}

int
ctl_cmd_preview(struct ctl *c, int argc, char **argv)
{
	struct ctl_opt		 opts[] = {
		{ "account", 1, 0, NULL }, { "step", 1, 0, NULL }, { "policy", 1, 0, NULL },
		{ "at", 1, 0, NULL },
	};
	struct od_config_overrides ov;
	struct od_confset	 set;
	struct od_errors	 errs;
	struct od_account	 a;
	const struct od_policy	*p;
	const struct od_step	*s;
	struct od_buf		 doc;
	json_t			*ctx;
	FILE			*fp;
	char			 err[512], buf[4096];
	const char		*path, *step, *pname, *at;
	int64_t			 now = od_now_ms();
	size_t			 n, k;
	int			 npos, rc = CTL_EXIT_OK, idx;

	if (ctl_args_scan(argc, argv, opts, 4, &npos, err, sizeof(err)) == -1)
		return ctl_usage_error(c, "preview", "%s", err);
	path = ctl_opt_find(opts, 4, "account")->value;
	step = ctl_opt_find(opts, 4, "step")->value;
	pname = ctl_opt_find(opts, 4, "policy")->value;
	at = ctl_opt_find(opts, 4, "at")->value;
	if (path == NULL || step == NULL || npos != 0)
		return ctl_usage_error(c, "preview", "preview needs --account FILE and --step NAME");
	if (at != NULL && od_time_parse_iso(at, &now) == -1)
		return ctl_usage_error(c, "preview", "--at wants an ISO 8601 instant, e.g. 2026-12-01T10:00:00-05:00");
	if ((fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		ctl_errx(c, "cannot open %s", path);
		return CTL_EXIT_FAIL;
	}
	od_buf_init(&doc);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		od_buf_append(&doc, buf, n);
	if (fp != stdin)
		fclose(fp);
	if (od_account_parse(doc.data ? doc.data : "", doc.len, 0, &a, err, sizeof(err)) == -1) {
		ctl_errx(c, "%s: %s", path, err);
		od_buf_free(&doc);
		return CTL_EXIT_FAIL;
	}
	od_buf_free(&doc);
	memset(&ov, 0, sizeof(ov));
	od_errors_init(&errs);
	if (od_confset_load(preview_config(c), &ov, 0, &set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		od_errors_clear(&errs);
		od_account_clear(&a);
		return CTL_EXIT_FAIL;
	}
	od_errors_clear(&errs);
	if (pname == NULL)
		pname = a.policy;
	p = pname ? od_policy_find(&set.policies, pname) : od_policy_select(&set.policies, &a, now);
	if (p == NULL) {
		ctl_errx(c, pname ? "no policy named '%s'" : "no policy's segment takes this account%s",
		    pname ? pname : "");
		rc = CTL_EXIT_FAIL;
		goto out;
	}
	if ((idx = od_policy_step_index(p, step)) < 0) {
		ctl_errx(c, "policy %s has no step '%s'", p->name, step);
		rc = CTL_EXIT_FAIL;
		goto out;
	}
	s = &p->steps[idx];
	{
		int64_t due;
		char when[32];
		printf("account %s, policy %s, step %s (%s)", a.id, p->name, s->name,
		    od_stage_name(s->stage));
		if (od_plan_step_time(&a, p, (size_t)idx, &due) == 0)
			printf(", due %s", od_time_format_iso(due, when, sizeof(when)));
		printf("\n\n");
	}
	if ((ctx = od_plan_context(&a, p, s, 0, set.cfg.company, now, err, sizeof(err))) == NULL) {
		ctl_errx(c, "%s", err);
		rc = CTL_EXIT_FAIL;
		goto out;
	}
	if (set.cfg.links != NULL) {
		/* payment links as the daemon would sign them (no ref is stored: they resolve to nothing) */
		struct od_link_tmpl_in li = { &a, p, s, 0, now, NULL };

		if (od_link_tmpl_context(ctx, set.cfg.links, &li, err, sizeof(err)) == -1) {
			ctl_errx(c, "%s", err);
			json_decref(ctx);
			rc = CTL_EXIT_FAIL;
			goto out;
		}
	}
	for (k = 0; k < s->nchannels; k++)
		if (preview_channel(&set, p, s, &a, s->channels[k], ctx) == -1)
			rc = CTL_EXIT_FAIL;
	json_decref(ctx);
out:
	od_account_clear(&a);
	od_confset_free(&set);
	od_tz_cache_free();
	return rc;
}
