/*
 * od_sim: the reports of a simulation (see od_sim.h): the timeline written
 * entry by entry as the run makes them (nothing is kept), and the summary.
 *
 *   table  fixed columns for people; the text last, on one line
 *   csv    RFC 4180; the timeline's table, then (after an empty line) the
 *          summary in long form: metric,key,channel,value
 *   json   JSON lines: {"type":"attempt",...} per entry, one {"type":"summary"}
 */
#include "od_sim.h"

#include <stdio.h>
#include <string.h>

#include "od_account.h"
#include "od_buf.h"
#include "od_policy.h"
#include "od_time.h"

#define DAY_MS	86400000LL

void
od_sim_writer_init(struct od_sim_writer *w, FILE *out, enum od_sim_format fmt,
    const struct od_sim *s)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->fmt = fmt;
	w->id_width = s ? od_sim_max_id_len(s) : 7;
	w->step_width = s ? od_sim_max_step_len(s) : 4;
}

/* "2026-03-06 14:00Z" */
static const char *
report_utc(int64_t ms, char *buf, size_t len)
{
	char	iso[32];

	od_time_format_iso(ms, iso, sizeof(iso));
	snprintf(buf, len, "%.10s %.5sZ", iso, iso + 11);
	return buf;
}

/* "2026-03-06 09:00 -05" ("-0330" for a zone off the hour), or "-". */
static const char *
report_local(const struct od_sim_entry *e, char *buf, size_t len)
{
	const struct od_local	*l = &e->local;
	int			 off = l->utcoff < 0 ? -l->utcoff : l->utcoff;

	if (!e->has_local)
		return "-";
	if (off % 3600 == 0)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %c%02d", l->year, l->month, l->day,
		    l->hour, l->min, l->utcoff < 0 ? '-' : '+', off / 3600);
	else
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %c%02d%02d", l->year, l->month,
		    l->day, l->hour, l->min, l->utcoff < 0 ? '-' : '+', off / 3600,
		    off % 3600 / 60);
	return buf;
}

/* What the TEXT column shows: the message, the rules' detail, or the failure. */
static void
report_text(const struct od_sim_entry *e, struct od_buf *b)
{
	if (strcmp(e->status, "sent") == 0) {
		if (e->subject != NULL)
			od_buf_printf(b, "[%s] ", e->subject);
		if (e->text != NULL)
			od_buf_puts(b, e->text);
		else if (e->wa_template != NULL)
			od_buf_printf(b, "(template %s)", e->wa_template);
	} else if (e->detail != NULL)	/* suppressed, superseded, the lifecycle's records */
		od_buf_puts(b, e->detail);
	else if (e->reason != NULL)
		od_buf_puts(b, e->reason);
}

/* Table cells are one line: runs of white space become one space. */
static void
report_one_line(FILE *out, const char *s)
{
	int	space = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t' || *s == ' ') {
			space = 1;
			continue;
		}
		if (space)
			fputc(' ', out);
		space = 0;
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, out);
	}
}

static void
report_csv_field(FILE *out, const char *s, int last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', out);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else
		fputs(s, out);
	fputc(last ? '\n' : ',', out);
}

static void
report_json_kv(struct od_buf *b, const char *key, const char *val)
{
	od_buf_printf(b, ",\"%s\":", key);
	if (val == NULL)
		od_buf_puts(b, "null");
	else
		od_buf_json_string(b, val);
}

/* The REASON column: a suppression's or a superseded step's reason (the rest is TEXT). */
static int
report_shows_reason(const struct od_sim_entry *e)
{
	return strcmp(e->status, "suppressed") == 0 || strcmp(e->status, "superseded") == 0;
}

void
od_sim_write_entry(const struct od_sim_entry *e, void *arg)
{
	struct od_sim_writer	*w = arg;
	struct od_buf		 t;
	char			 utc[32], loc[40], iso[32];
	const char		*ch = e->channel >= 0 ? od_channel_kind_name(e->channel) : "";

	od_buf_init(&t);
	switch (w->fmt) {
	case OD_SIM_TABLE:
		if (!w->started++)
			fprintf(w->out, "%-17s  %-20s  %-*s  %-*s  %-8s  %-8s  %-10s  %-16s  %s\n",
			    "UTC", "LOCAL", w->id_width, "ACCOUNT", w->step_width, "STEP", "STAGE",
			    "CHANNEL", "STATUS", "REASON", "TEXT");
		report_text(e, &t);
		od_buf_printf(&t, "%s", "");	/* t.data is a string from here on */
		fprintf(w->out, "%-17s  %-20s  %-*s  %-*s  %-8s  %-8s  %-10s  %-*s",
		    report_utc(e->at_ms, utc, sizeof(utc)), report_local(e, loc, sizeof(loc)),
		    w->id_width, e->account_id, w->step_width, e->step && e->step[0] ? e->step : "-",
		    e->stage && e->stage[0] ? e->stage : "-", ch[0] ? ch : "-", e->status,
		    t.len > 0 ? 16 : 0,
		    report_shows_reason(e) && e->reason ? e->reason : "-");
		if (t.len > 0) {
			fputs("  ", w->out);
			report_one_line(w->out, t.data);
		}
		fputc('\n', w->out);
		break;
	case OD_SIM_CSV:
		if (!w->started++)
			fputs("utc,local,timezone,account_id,policy,step,stage,channel,status,reason,"
			    "detail,subject,text\n", w->out);
		report_csv_field(w->out, od_time_format_iso(e->at_ms, iso, sizeof(iso)), 0);
		report_csv_field(w->out, e->has_local ? report_local(e, loc, sizeof(loc)) : "", 0);
		report_csv_field(w->out, e->timezone, 0);
		report_csv_field(w->out, e->account_id, 0);
		report_csv_field(w->out, e->policy, 0);
		report_csv_field(w->out, e->step, 0);
		report_csv_field(w->out, e->stage, 0);
		report_csv_field(w->out, ch, 0);
		report_csv_field(w->out, e->status, 0);
		report_csv_field(w->out, e->reason, 0);
		report_csv_field(w->out, e->detail, 0);
		report_csv_field(w->out, e->subject, 0);
		report_csv_field(w->out, e->text ? e->text : e->wa_template, 1);
		break;
	case OD_SIM_JSON:
		w->started++;
		od_buf_puts(&t, "{\"type\":\"attempt\"");
		report_json_kv(&t, "utc", od_time_format_iso(e->at_ms, iso, sizeof(iso)));
		report_json_kv(&t, "local", e->has_local ? report_local(e, loc, sizeof(loc)) : NULL);
		report_json_kv(&t, "timezone", e->timezone);
		report_json_kv(&t, "account_id", e->account_id);
		report_json_kv(&t, "policy", e->policy);
		report_json_kv(&t, "step", e->step);
		report_json_kv(&t, "stage", e->stage);
		od_buf_printf(&t, ",\"step_index\":%d", e->step_index);
		report_json_kv(&t, "channel", ch[0] ? ch : NULL);
		report_json_kv(&t, "status", e->status);
		report_json_kv(&t, "reason", e->reason);
		report_json_kv(&t, "detail", e->detail);
		report_json_kv(&t, "subject", e->subject);
		report_json_kv(&t, "text", e->text);
		report_json_kv(&t, "whatsapp_template", e->wa_template);
		if (e->sms_coding != NULL) {
			report_json_kv(&t, "sms_encoding", e->sms_coding);
			od_buf_printf(&t, ",\"sms_segments\":%d", e->sms_segments);
		}
		od_buf_puts(&t, "}\n");
		fputs(t.data, w->out);
		break;
	}
	od_buf_free(&t);
}

static void
report_day(const struct od_sim_summary *sum, int i, char *buf, size_t len)
{
	char	iso[32];

	od_time_format_iso(sum->from_ms + (int64_t)i * DAY_MS, iso, sizeof(iso));
	snprintf(buf, len, "%.10s", iso);
}

static const char *const report_stages[] = { "reminder", "notice", "offer", "final" };

static void
summary_table(FILE *out, const struct od_sim_summary *sum)
{
	uint64_t	tot[3] = { 0, 0, 0 }, n;
	char		day[16], from[32];
	size_t		i;
	int		d, k;

	fprintf(out, "simulated %s + %d days: %llu accounts (%llu rejected), %llu events "
	    "(%llu rejected, %llu after the horizon), %llu actions\n",
	    report_utc(sum->from_ms, from, sizeof(from)), sum->days,
	    (unsigned long long)sum->accounts, (unsigned long long)sum->accounts_rejected,
	    (unsigned long long)sum->events, (unsigned long long)sum->events_rejected,
	    (unsigned long long)sum->events_outside, (unsigned long long)sum->actions);
	fprintf(out, "\nsends per day (UTC; days without sends left out)\n");
	fprintf(out, "%-10s  %8s  %8s  %8s  %8s\n", "DAY", "SMS", "EMAIL", "WHATSAPP", "TOTAL");
	for (d = 0; d < sum->days; d++) {
		n = sum->sends[d][0] + sum->sends[d][1] + sum->sends[d][2];
		for (k = 0; k < 3; k++)
			tot[k] += sum->sends[d][k];
		if (n == 0)
			continue;
		report_day(sum, d, day, sizeof(day));
		fprintf(out, "%-10s  %8llu  %8llu  %8llu  %8llu\n", day,
		    (unsigned long long)sum->sends[d][0], (unsigned long long)sum->sends[d][1],
		    (unsigned long long)sum->sends[d][2], (unsigned long long)n);
	}
	fprintf(out, "%-10s  %8llu  %8llu  %8llu  %8llu\n", "total", (unsigned long long)tot[0],
	    (unsigned long long)tot[1], (unsigned long long)tot[2],
	    (unsigned long long)(tot[0] + tot[1] + tot[2]));
	fprintf(out, "\nsuppressed (by reason)\n%-20s  %8s\n", "REASON", "COUNT");
	for (i = 0; i < sum->nsuppressions; i++)
		fprintf(out, "%-20s  %8llu\n", sum->suppressions[i].name,
		    (unsigned long long)sum->suppressions[i].n);
	fprintf(out, "%-20s  %8llu\n", "total", (unsigned long long)sum->suppressed);
	if (sum->superseded > 0)
		fprintf(out, "\nsuperseded (not sent: a later step was due too)\n%-20s  %8llu\n",
		    "total", (unsigned long long)sum->superseded);
	if (sum->nlifecycle > 0) {
		fprintf(out, "\npromises, agreements and handoffs\n%-20s  %8s\n", "RECORD", "COUNT");
		for (i = 0; i < sum->nlifecycle; i++)
			fprintf(out, "%-20s  %8llu\n", sum->lifecycle[i].name,
			    (unsigned long long)sum->lifecycle[i].n);
	}
	if (sum->nfailures > 0) {
		fprintf(out, "\nfailed (by reason)\n%8s  %s\n", "COUNT", "REASON");
		for (i = 0; i < sum->nfailures; i++)
			fprintf(out, "%8llu  %s\n", (unsigned long long)sum->failures[i].n,
			    sum->failures[i].name);
	}
	fprintf(out, "\naccounts sent a message at each stage\n%-10s  %8s\n", "STAGE", "ACCOUNTS");
	for (k = 0; k < 4; k++)
		fprintf(out, "%-10s  %8llu\n", report_stages[k],
		    (unsigned long long)sum->stage_reached[k + 1]);
	fprintf(out, "\naccounts at the end\n%-10s  %8s\n", "STATE", "ACCOUNTS");
	for (k = 0; k < OD_SIM_END_MAX; k++)
		fprintf(out, "%-10s  %8llu\n", od_sim_end_name((enum od_sim_end)k),
		    (unsigned long long)sum->end[k]);
}

static void
summary_csv_row(FILE *out, const char *metric, const char *key, const char *ch, uint64_t v)
{
	char	num[32];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	report_csv_field(out, metric, 0);
	report_csv_field(out, key, 0);
	report_csv_field(out, ch, 0);
	report_csv_field(out, num, 1);
}

static void
summary_csv(FILE *out, const struct od_sim_summary *sum)
{
	char	day[16];
	size_t	i;
	int	d, k;

	fputs("metric,key,channel,value\n", out);
	summary_csv_row(out, "accounts", "taken", "", sum->accounts);
	summary_csv_row(out, "accounts", "rejected", "", sum->accounts_rejected);
	summary_csv_row(out, "events", "applied", "", sum->events);
	summary_csv_row(out, "events", "rejected", "", sum->events_rejected);
	summary_csv_row(out, "events", "after_horizon", "", sum->events_outside);
	summary_csv_row(out, "actions", "", "", sum->actions);
	for (d = 0; d < sum->days; d++) {
		report_day(sum, d, day, sizeof(day));
		for (k = 0; k < 3; k++)
			if (sum->sends[d][k] > 0)
				summary_csv_row(out, "sends", day, od_channel_kind_name(k),
				    sum->sends[d][k]);
	}
	summary_csv_row(out, "sent", "", "", sum->sent);
	for (i = 0; i < sum->nsuppressions; i++)
		summary_csv_row(out, "suppressed", sum->suppressions[i].name, "",
		    sum->suppressions[i].n);
	summary_csv_row(out, "superseded", "", "", sum->superseded);
	for (i = 0; i < sum->nfailures; i++)
		summary_csv_row(out, "failed", sum->failures[i].name, "", sum->failures[i].n);
	for (i = 0; i < sum->nlifecycle; i++)
		summary_csv_row(out, "lifecycle", sum->lifecycle[i].name, "", sum->lifecycle[i].n);
	for (k = 0; k < 4; k++)
		summary_csv_row(out, "stage", report_stages[k], "", sum->stage_reached[k + 1]);
	for (k = 0; k < OD_SIM_END_MAX; k++)
		summary_csv_row(out, "end", od_sim_end_name((enum od_sim_end)k), "", sum->end[k]);
}

static void
summary_json_counts(struct od_buf *b, const char *key, const struct od_sim_count *c, size_t n)
{
	size_t	i;

	od_buf_printf(b, ",\"%s\":{", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			od_buf_putc(b, ',');
		od_buf_json_string(b, c[i].name);
		od_buf_printf(b, ":%llu", (unsigned long long)c[i].n);
	}
	od_buf_putc(b, '}');
}

static void
summary_json(FILE *out, const struct od_sim_summary *sum)
{
	struct od_buf	b;
	char		day[16], iso[32];
	int		d, k, first = 1;

	od_buf_init(&b);
	od_buf_printf(&b, "{\"type\":\"summary\",\"from\":\"%s\",\"days\":%d,\"accounts\":%llu,"
	    "\"accounts_rejected\":%llu,\"events\":%llu,\"events_rejected\":%llu,"
	    "\"events_after_horizon\":%llu,\"actions\":%llu,\"sent\":%llu,\"suppressed\":%llu,"
	    "\"superseded\":%llu,\"failed\":%llu,\"sends_per_day\":{", od_time_format_iso(sum->from_ms, iso,
	    sizeof(iso)), sum->days, (unsigned long long)sum->accounts,
	    (unsigned long long)sum->accounts_rejected, (unsigned long long)sum->events,
	    (unsigned long long)sum->events_rejected, (unsigned long long)sum->events_outside,
	    (unsigned long long)sum->actions, (unsigned long long)sum->sent,
	    (unsigned long long)sum->suppressed, (unsigned long long)sum->superseded,
	    (unsigned long long)sum->failed);
	for (d = 0; d < sum->days; d++) {
		if (sum->sends[d][0] + sum->sends[d][1] + sum->sends[d][2] == 0)
			continue;
		report_day(sum, d, day, sizeof(day));
		od_buf_printf(&b, "%s\"%s\":{\"sms\":%llu,\"email\":%llu,\"whatsapp\":%llu}",
		    first ? "" : ",", day, (unsigned long long)sum->sends[d][0],
		    (unsigned long long)sum->sends[d][1], (unsigned long long)sum->sends[d][2]);
		first = 0;
	}
	od_buf_putc(&b, '}');
	summary_json_counts(&b, "suppressions", sum->suppressions, sum->nsuppressions);
	summary_json_counts(&b, "failures", sum->failures, sum->nfailures);
	summary_json_counts(&b, "lifecycle", sum->lifecycle, sum->nlifecycle);
	od_buf_puts(&b, ",\"stage_reached\":{");
	for (k = 0; k < 4; k++)
		od_buf_printf(&b, "%s\"%s\":%llu", k ? "," : "", report_stages[k],
		    (unsigned long long)sum->stage_reached[k + 1]);
	od_buf_puts(&b, "},\"end\":{");
	for (k = 0; k < OD_SIM_END_MAX; k++)
		od_buf_printf(&b, "%s\"%s\":%llu", k ? "," : "", od_sim_end_name((enum od_sim_end)k),
		    (unsigned long long)sum->end[k]);
	od_buf_puts(&b, "}}\n");
	if (b.data != NULL)
		fputs(b.data, out);
	od_buf_free(&b);
}

void
od_sim_write_summary(struct od_sim_writer *w, const struct od_sim_summary *sum)
{
	switch (w->fmt) {
	case OD_SIM_TABLE:
		if (w->started)
			fputc('\n', w->out);
		summary_table(w->out, sum);
		break;
	case OD_SIM_CSV:
		if (w->started)
			fputc('\n', w->out);
		summary_csv(w->out, sum);
		break;
	case OD_SIM_JSON:
		summary_json(w->out, sum);
		break;
	}
}
