/*
 * test_sim: `outreachctl simulate`'s engine on small accounts whose every
 * send is known in advance (tests/data/sim: the repository's templates and
 * contact rules, policies sim-pe and sim-burst).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_confset.h"
#include "od_sim.h"
#include "od_time.h"

#define CONFIG	OD_TEST_DATA "/sim/outreachd.yaml"

static struct od_confset set;

/* The timeline as lines "UTC | local | step | channel | status | reason | text or detail". */
struct log {
	char	*line[64];
	size_t	 n;
};

static void
log_entry(const struct od_sim_entry *e, void *arg)
{
	struct log	*l = arg;
	char		 iso[32], loc[32] = "-", *s;
	const char	*text = e->text ? e->text : e->detail;

	if (e->has_local)
		snprintf(loc, sizeof(loc), "%04d-%02d-%02d %02d:%02d", e->local.year,
		    e->local.month, e->local.day, e->local.hour, e->local.min);
	if (asprintf(&s, "%s | %s | %s | %s | %s | %s%s%s%s | %s",
	    od_time_format_iso(e->at_ms, iso, sizeof(iso)), loc, e->step,
	    e->channel >= 0 ? od_channel_kind_name(e->channel) : "-", e->status,
	    e->reason ? e->reason : "-", e->subject ? " [" : "", e->subject ? e->subject : "",
	    e->subject ? "]" : "", text ? text : "-") < 0)
		fail_msg("out of memory");
	assert_true(l->n < 64);
	l->line[l->n++] = s;
}

static void
log_free(struct log *l)
{
	while (l->n > 0)
		free(l->line[--l->n]);
}

static int
setup(void **state)
{
	struct od_errors errs;

	(void)state;
	od_errors_init(&errs);
	if (od_confset_load(CONFIG, NULL, 0, &set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		od_errors_clear(&errs);
		return -1;
	}
	od_errors_clear(&errs);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	od_confset_free(&set);
	return 0;
}

static int64_t
day_ms(const char *date)
{
	int	y, m, d;

	assert_int_equal(od_date_parse(date, &y, &m, &d), 0);
	return od_days_from_civil(y, m, d) * 86400000LL;
}

/* A Peruvian account on policy, due on due, with consent to sms and email. */
static void
add_account(struct od_sim *s, const char *id, const char *policy, const char *due,
    const char *extra_debtor)
{
	char	doc[1024], reason[256];

	snprintf(doc, sizeof(doc), "{\"account_id\": \"%s\", \"debtor\": {\"name\": \"María Quispe\","
	    " \"phone\": \"+51987654321\", \"email\": \"maria@example.pe\", \"country\": \"PE\"%s},"
	    " \"debt\": {\"amount\": \"1234.50\", \"currency\": \"PEN\", \"due_date\": \"%s\"},"
	    " \"policy\": \"%s\", \"consent\": {\"sms\": true, \"email\": true}}", id,
	    extra_debtor ? extra_debtor : ", \"timezone\": \"America/Lima\"", due, policy);
	if (od_sim_add_account(s, doc, strlen(doc), reason, sizeof(reason)) != 0)
		fail_msg("%s", reason);
}

static void
add_event(struct od_sim *s, const char *json)
{
	char	reason[256];

	if (od_sim_add_event(s, json, strlen(json), reason, sizeof(reason)) != 0)
		fail_msg("%s", reason);
}

static struct od_sim *
new_sim(const char *from, int days)
{
	struct od_sim_options	 o;
	struct od_sim		*s;
	char			 err[256];

	memset(&o, 0, sizeof(o));
	o.from_ms = day_ms(from);
	o.days = days;
	if ((s = od_sim_new(&set, &o, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return s;
}

#define DUE_SMS	"Financiera Ejemplo S.A.C.: Hola María, tiene un mensaje sobre su cuenta. Su " \
		"pago de S/ 1,234.50 vence hoy, 6 de marzo de 2026. Consultas al +51 1 700 0000. " \
		"Si ya hizo el pago, gracias. Responda BAJA para no recibir SMS."
#define LATE_SMS "Financiera Ejemplo S.A.C.: María, tiene un mensaje sobre su cuenta. Su pago " \
		"de S/ 1,234.50 con vencimiento el 6 de marzo de 2026 sigue pendiente; le pedimos " \
		"regularizarlo a la brevedad. Consultas al +51 1 700 0000. Responda BAJA para no " \
		"recibir SMS."

/*
 * Due on a Friday: the +1d step falls on Saturday and goes on Monday at the
 * policy's send_at, 09:00 Lima, not at the window's opening (07:00).
 */
static void
test_friday_moves_to_monday(void **state)
{
	struct od_sim			*s = new_sim("2026-03-01", 10);
	const struct od_sim_summary	*sum;
	struct log			 l = { .n = 0 };

	(void)state;
	add_account(s, "A-FRI", "sim-pe", "2026-03-06", NULL);
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.line[0], "2026-03-06T14:00:00.000Z | 2026-03-06 09:00 | due | sms | "
	    "sent | - | " DUE_SMS);
	assert_string_equal(l.line[1], "2026-03-07T14:00:00.000Z | 2026-03-07 09:00 | next_day | "
	    "sms | suppressed | window | no contact on sat in PE (Ley 29571 art. 62)");
	assert_string_equal(l.line[2], "2026-03-09T14:00:00.000Z | 2026-03-09 09:00 | next_day | "
	    "sms | sent | - | " LATE_SMS);
	sum = od_sim_summary(s);
	assert_int_equal(sum->sent, 2);
	assert_int_equal(sum->sends[5][OD_CH_SMS], 1);		/* 2026-03-06 */
	assert_int_equal(sum->sends[8][OD_CH_SMS], 1);		/* 2026-03-09 */
	assert_int_equal(sum->nsuppressions, 1);
	assert_string_equal(sum->suppressions[0].name, "window");
	assert_int_equal(sum->stage_reached[OD_STAGE_REMINDER], 1);
	assert_int_equal(sum->stage_reached[OD_STAGE_NOTICE], 1);
	assert_int_equal(sum->stage_reached[OD_STAGE_FINAL], 0);	/* +7d is past the horizon */
	assert_int_equal(sum->end[OD_SIM_END_ACTIVE], 1);
	log_free(&l);
	od_sim_free(s);
}

/* Fiestas Patrias, 28 and 29 July: the step waits for Thursday at send_at, 09:00. */
static void
test_holiday(void **state)
{
	struct od_sim	*s = new_sim("2026-07-20", 11);
	struct log	 l = { .n = 0 };

	(void)state;
	add_account(s, "A-HOL", "sim-pe", "2026-07-27", NULL);
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_true(strncmp(l.line[0], "2026-07-27T14:00:00.000Z | 2026-07-27 09:00 | due | sms | "
	    "sent | - | ", 61) == 0);
	assert_string_equal(l.line[1], "2026-07-28T14:00:00.000Z | 2026-07-28 09:00 | next_day | "
	    "sms | suppressed | holiday | 2026-07-28 is a public holiday in PE: Fiestas Patrias "
	    "(Ley 29571 art. 62)");
	assert_true(strncmp(l.line[2], "2026-07-30T14:00:00.000Z | 2026-07-30 09:00 | next_day | "
	    "sms | sent | - | ", 66) == 0);
	log_free(&l);
	od_sim_free(s);
}

/* A payment in full after the first message: nothing more, and the account ends paid. */
static void
test_payment_stops(void **state)
{
	struct od_sim			*s = new_sim("2026-03-01", 30);
	const struct od_sim_summary	*sum;
	struct log			 l = { .n = 0 };

	(void)state;
	add_account(s, "A-PAY", "sim-pe", "2026-03-06", NULL);
	add_event(s, "{\"account_id\": \"A-PAY\", \"type\": \"payment\", \"amount\": \"1234.50\","
	    " \"at\": \"2026-03-06T20:00:00Z\"}");
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.line[0], "2026-03-06T14:00:00.000Z | 2026-03-06 09:00 | due | sms | "
	    "sent | - | " DUE_SMS);
	sum = od_sim_summary(s);
	assert_int_equal(sum->events, 1);
	assert_int_equal(sum->end[OD_SIM_END_PAID], 1);
	assert_int_equal(sum->end[OD_SIM_END_ACTIVE], 0);
	log_free(&l);
	od_sim_free(s);
}

/* A partial payment re-plans at once; the next message shows what is left. */
static void
test_partial_payment(void **state)
{
	struct od_sim	*s = new_sim("2026-03-01", 10);
	struct log	 l = { .n = 0 };

	(void)state;
	add_account(s, "A-PART", "sim-pe", "2026-03-06", NULL);
	add_event(s, "{\"account_id\": \"A-PART\", \"type\": \"payment\", \"amount\": \"234.50\","
	    " \"at\": \"2026-03-06T20:00:00Z\"}");
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_non_null(strstr(l.line[2], "Su pago de S/ 1,000.00 con vencimiento"));
	assert_int_equal(od_sim_summary(s)->actions, 4);	/* due, the re-plan, Sat, Mon */
	log_free(&l);
	od_sim_free(s);
}

/* Opted out of SMS: the step falls back to email, which waits for Monday. */
static void
test_opt_out_falls_back(void **state)
{
	struct od_sim	*s = new_sim("2026-03-01", 10);
	struct log	 l = { .n = 0 };

	(void)state;
	add_account(s, "A-OPT", "sim-pe", "2026-03-06", NULL);
	add_event(s, "{\"account_id\": \"A-OPT\", \"type\": \"opt_out\", \"channel\": \"sms\","
	    " \"at\": \"2026-03-06T18:00:00Z\"}");
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.line[1], "2026-03-07T14:00:00.000Z | 2026-03-07 09:00 | next_day | "
	    "sms | suppressed | opt_out | -");
	assert_string_equal(l.line[2], "2026-03-07T14:00:00.000Z | 2026-03-07 09:00 | next_day | "
	    "email | suppressed | window | no contact on sat in PE (Ley 29571 art. 62)");
	assert_true(strncmp(l.line[3], "2026-03-09T14:00:00.000Z | 2026-03-09 09:00 | next_day | "
	    "email | sent | - [Financiera Ejemplo S.A.C.: información importante sobre su cuenta] "
	    "| Estimado(a) María Quispe:", 163) == 0);
	log_free(&l);
	od_sim_free(s);
}

/*
 * Four days in a row meet PE's cap of three in 7 x 24 h: the fourth waits a
 * week, to the start of the minute after the cap allows it (od_job.c).
 */
static void
test_cap(void **state)
{
	struct od_sim	*s = new_sim("2026-03-01", 10);
	struct log	 l = { .n = 0 };

	(void)state;
	add_account(s, "A-CAP", "sim-burst", "2026-03-02", NULL);
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 5);
	assert_true(strncmp(l.line[0], "2026-03-02T14:00:00.000Z | 2026-03-02 09:00 | d0 | sms | sent", 61) == 0);
	assert_true(strncmp(l.line[1], "2026-03-03T14:00:00.000Z | 2026-03-03 09:00 | d1 | sms | sent", 61) == 0);
	assert_true(strncmp(l.line[2], "2026-03-04T14:00:00.000Z | 2026-03-04 09:00 | d2 | sms | sent", 61) == 0);
	assert_string_equal(l.line[3], "2026-03-05T14:00:00.000Z | 2026-03-05 09:00 | d3 | sms | "
	    "suppressed | cap | per_week cap of 3 reached in the last 7 days (outreachd default; "
	    "Ley 29571 sets no cap)");
	assert_true(strncmp(l.line[4], "2026-03-09T14:01:00.000Z | 2026-03-09 09:01 | d3 | sms | sent", 61) == 0);
	assert_int_equal(od_sim_summary(s)->end[OD_SIM_END_FINISHED], 1);
	log_free(&l);
	od_sim_free(s);
}

/*
 * Two loans of one person (the same phone): the caps and spacing are the
 * person's, as in the daemon (tests/test_it_person.c).  Both accounts' d0
 * falls at 09:00 on 2 March: one is sent, the other waits 24 h (PE's
 * spacing, outreachd's default); with two other phones both go at 09:00.
 */
static void
test_person_shares_caps(void **state)
{
	struct od_sim	*s = new_sim("2026-03-01", 2);
	struct log	 l = { .n = 0 };
	size_t		 i, sent = 0, waited = 0;

	(void)state;
	add_account(s, "A-P1", "sim-burst", "2026-03-02", NULL);
	add_account(s, "A-P2", "sim-burst", "2026-03-02", NULL);
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	for (i = 0; i < l.n; i++) {
		if (strncmp(l.line[i], "2026-03-02T14:00:00.000Z | 2026-03-02 09:00 | d0 | sms | sent",
		    61) == 0)
			sent++;
		if (strcmp(l.line[i], "2026-03-02T14:00:00.000Z | 2026-03-02 09:00 | d0 | sms | "
		    "suppressed | spacing | last contact 0s ago; PE requires 24h between contacts "
		    "(outreachd default; Ley 29571 sets no cap)") == 0)
			waited++;
	}
	assert_int_equal(sent, 1);
	assert_int_equal(waited, 1);
	log_free(&l);
	od_sim_free(s);

	s = new_sim("2026-03-01", 2);
	add_account(s, "A-P1", "sim-burst", "2026-03-02", NULL);
	add_account(s, "A-P2", "sim-burst", "2026-03-02", ", \"timezone\": \"America/Lima\", "
	    "\"whatsapp\": \"+51987000999\", \"id\": \"40000001\"");
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	for (i = 0, sent = 0; i < l.n; i++)
		if (strncmp(l.line[i], "2026-03-02T14:00:00.000Z | 2026-03-02 09:00 | d0 | sms | sent",
		    61) == 0)
			sent++;
	assert_int_equal(sent, 2);	/* a document number: another person, same phone or not */
	log_free(&l);
	od_sim_free(s);
}

/* Rejections read as the daemon's; an unknown zone is a suppression, never UTC. */
static void
test_rejections_and_unknown_zone(void **state)
{
	struct od_sim			*s = new_sim("2026-03-01", 10);
	const struct od_sim_summary	*sum;
	struct log			 l = { .n = 0 };
	char				 reason[256];
	const char			*bad = "{\"account_id\": \"A-BAD\", \"debtor\": {\"name\": \"X\", "
	    "\"phone\": \"12\", \"country\": \"PE\"}, \"debt\": {\"amount\": \"10\", \"currency\": "
	    "\"PEN\", \"due_date\": \"2026-03-06\"}}";
	const char			*noat = "{\"account_id\": \"A-TZ\", \"type\": \"close\"}";
	const char			*nobody = "{\"account_id\": \"A-NONE\", \"type\": \"close\", "
	    "\"at\": \"2026-03-02T00:00:00Z\"}";

	(void)state;
	assert_int_equal(od_sim_add_account(s, bad, strlen(bad), reason, sizeof(reason)), -1);
	assert_string_equal(reason, "debtor.phone: not E.164");
	/* A Mexican number and no zone: +52 does not tell which of Mexico's zones. */
	add_account(s, "A-TZ", "sim-pe", "2026-03-06", "");
	{
		char doc[512];

		snprintf(doc, sizeof(doc), "{\"account_id\": \"A-TZ2\", \"debtor\": {\"name\": \"Ana\","
		    " \"phone\": \"+525512345678\", \"country\": \"PE\"}, \"debt\": {\"amount\": \"10\","
		    " \"currency\": \"PEN\", \"due_date\": \"2026-03-06\"}, \"policy\": \"sim-pe\","
		    " \"consent\": {\"sms\": true}}");
		assert_int_equal(od_sim_add_account(s, doc, strlen(doc), reason, sizeof(reason)), 0);
	}
	assert_int_equal(od_sim_add_event(s, noat, strlen(noat), reason, sizeof(reason)), -1);
	assert_string_equal(reason, "at: required to simulate an event (\"2026-12-02T10:00:00Z\")");
	assert_int_equal(od_sim_add_event(s, nobody, strlen(nobody), reason, sizeof(reason)), -1);
	assert_string_equal(reason, "account_id: no such account (enqueue the account first)");
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	/* A-TZ derives America/Lima from +51; A-TZ2 cannot. */
	assert_string_equal(l.line[0], "2026-03-01T00:00:00.000Z | - |  | - | suppressed | "
	    "timezone_unknown | -");
	sum = od_sim_summary(s);
	assert_int_equal(sum->accounts, 2);
	assert_int_equal(sum->accounts_rejected, 1);
	assert_int_equal(sum->events_rejected, 2);
	assert_int_equal(sum->end[OD_SIM_END_STOPPED], 1);
	assert_string_equal(l.line[1], "2026-03-06T14:00:00.000Z | 2026-03-06 09:00 | due | sms | "
	    "sent | - | " DUE_SMS);
	log_free(&l);
	od_sim_free(s);
}

/*
 * Taken in eight days after its due date: 'due' and 'next_day' passed
 * unsent and 'week' is due.  The timeline shows the two superseded, in step
 * order, with their due time, then the one send; the summary counts them
 * as superseded, not as failures.
 */
static void
test_superseded(void **state)
{
	struct od_sim			*s = new_sim("2026-03-10", 3);
	const struct od_sim_summary	*sum;
	struct log			 l = { .n = 0 };

	(void)state;
	add_account(s, "A-LATE", "sim-pe", "2026-03-02", NULL);
	assert_int_equal(od_sim_run(s, log_entry, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.line[0], "2026-03-10T00:00:00.000Z | 2026-03-09 19:00 | due | - | "
	    "superseded | later_step_due | due 2026-03-02T14:00:00.000Z; not sent, since step "
	    "'week' was due too when it was claimed");
	assert_string_equal(l.line[1], "2026-03-10T00:00:00.000Z | 2026-03-09 19:00 | next_day | "
	    "- | superseded | later_step_due | due 2026-03-03T14:00:00.000Z; not sent, since step "
	    "'week' was due too when it was claimed");
	assert_true(strncmp(l.line[2], "2026-03-10T00:00:00.000Z | 2026-03-09 19:00 | week | "
	    "email | sent | - [", 70) == 0);
	sum = od_sim_summary(s);
	assert_int_equal(sum->sent, 1);
	assert_int_equal(sum->superseded, 2);
	assert_int_equal(sum->failed, 0);
	assert_int_equal(sum->nfailures, 0);
	assert_int_equal(sum->suppressed, 0);
	assert_int_equal(sum->end[OD_SIM_END_FINISHED], 1);
	log_free(&l);
	od_sim_free(s);
}

/* The superseded steps in the three report formats. */
static void
test_reports_superseded(void **state)
{
	struct od_sim		*s;
	struct od_sim_writer	 w;
	char			*buf;
	size_t			 len;
	FILE			*f;
	int			 fmt;

	(void)state;
	for (fmt = OD_SIM_TABLE; fmt <= OD_SIM_JSON; fmt++) {
		s = new_sim("2026-03-10", 3);
		add_account(s, "A-LATE", "sim-pe", "2026-03-02", NULL);
		assert_non_null(f = open_memstream(&buf, &len));
		od_sim_writer_init(&w, f, (enum od_sim_format)fmt, s);
		assert_int_equal(od_sim_run(s, od_sim_write_entry, &w, NULL, NULL), 0);
		od_sim_write_summary(&w, od_sim_summary(s));
		fclose(f);
		switch (fmt) {
		case OD_SIM_TABLE:
			assert_non_null(strstr(buf, "2026-03-10 00:00Z  2026-03-09 19:00 -05  A-LATE   "
			    "due       reminder  -         superseded  later_step_due    due "
			    "2026-03-02T14:00:00.000Z; not sent, since step 'week' was due too when it "
			    "was claimed\n"));
			assert_non_null(strstr(buf, "\nsuperseded (not sent: a later step was due too)\n"
			    "total                        2\n"));
			assert_null(strstr(buf, "failed (by reason)"));
			break;
		case OD_SIM_CSV:
			assert_non_null(strstr(buf, "2026-03-10T00:00:00.000Z,2026-03-09 19:00 -05,"
			    "America/Lima,A-LATE,sim-pe,next_day,notice,,superseded,later_step_due,"
			    "\"due 2026-03-03T14:00:00.000Z; not sent, since step 'week' was due too when "
			    "it was claimed\",,\n"));
			assert_non_null(strstr(buf, "\nsuperseded,,,2\n"));
			assert_null(strstr(buf, "\nfailed,"));
			break;
		case OD_SIM_JSON:
			assert_non_null(strstr(buf, "\"step\":\"due\",\"stage\":\"reminder\","
			    "\"step_index\":0,\"channel\":null,\"status\":\"superseded\","
			    "\"reason\":\"later_step_due\",\"detail\":\"due 2026-03-02T14:00:00.000Z; "
			    "not sent, since step 'week' was due too when it was claimed\""));
			assert_non_null(strstr(buf, "\"sent\":1,\"suppressed\":0,\"superseded\":2,"
			    "\"failed\":0,"));
			assert_non_null(strstr(buf, "\"failures\":{}"));
			break;
		}
		free(buf);
		od_sim_free(s);
	}
}

/* The three report formats, as a user reads them. */
static void
test_reports(void **state)
{
	struct od_sim		*s;
	struct od_sim_writer	 w;
	char			*buf;
	size_t			 len;
	FILE			*f;
	int			 fmt;

	(void)state;
	for (fmt = OD_SIM_TABLE; fmt <= OD_SIM_JSON; fmt++) {
		s = new_sim("2026-03-01", 8);
		add_account(s, "A-FRI", "sim-pe", "2026-03-06", NULL);
		assert_non_null(f = open_memstream(&buf, &len));
		od_sim_writer_init(&w, f, (enum od_sim_format)fmt, s);
		assert_int_equal(od_sim_run(s, od_sim_write_entry, &w, NULL, NULL), 0);
		od_sim_write_summary(&w, od_sim_summary(s));
		fclose(f);
		switch (fmt) {
		case OD_SIM_TABLE:
			assert_non_null(strstr(buf, "UTC                LOCAL                 ACCOUNT  "
			    "STEP      STAGE     CHANNEL   STATUS      REASON            TEXT\n"
			    "2026-03-06 14:00Z  2026-03-06 09:00 -05  A-FRI    due       reminder  "
			    "sms       sent        -                 " DUE_SMS "\n"
			    "2026-03-07 14:00Z  2026-03-07 09:00 -05  A-FRI    next_day  notice    "
			    "sms       suppressed  window            no contact on sat in PE (Ley "
			    "29571 art. 62)\n"));
			assert_non_null(strstr(buf, "\nsends per day (UTC; days without sends left out)\n"
			    "DAY              SMS     EMAIL  WHATSAPP     TOTAL\n"
			    "2026-03-06         1         0         0         1\n"
			    "total              1         0         0         1\n"));
			assert_non_null(strstr(buf, "window                       1\n"));
			break;
		case OD_SIM_CSV:
			assert_non_null(strstr(buf, "utc,local,timezone,account_id,policy,step,stage,"
			    "channel,status,reason,detail,subject,text\n2026-03-06T14:00:00.000Z,"
			    "2026-03-06 09:00 -05,America/Lima,A-FRI,sim-pe,due,reminder,sms,sent,,,,"
			    "\"Financiera Ejemplo S.A.C.: Hola María, tiene un mensaje sobre su cuenta. "
			    "Su pago de S/ 1,234.50 vence hoy, 6 de marzo de 2026."));
			assert_non_null(strstr(buf, "\n\nmetric,key,channel,value\naccounts,taken,,1\n"));
			assert_non_null(strstr(buf, "sends,2026-03-06,sms,1\n"));
			assert_non_null(strstr(buf, "suppressed,window,,1\n"));
			break;
		case OD_SIM_JSON:
			assert_non_null(strstr(buf, "\"status\":\"suppressed\",\"reason\":\"window\","
			    "\"detail\":\"no contact on sat in PE (Ley 29571 art. 62)\""));
			assert_non_null(strstr(buf, "{\"type\":\"summary\",\"from\":"
			    "\"2026-03-01T00:00:00.000Z\",\"days\":8,\"accounts\":1,"));
			assert_non_null(strstr(buf, "\"suppressions\":{\"window\":1}"));
			break;
		}
		free(buf);
		od_sim_free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_friday_moves_to_monday),
		cmocka_unit_test(test_holiday),
		cmocka_unit_test(test_payment_stops),
		cmocka_unit_test(test_partial_payment),
		cmocka_unit_test(test_opt_out_falls_back),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_person_shares_caps),
		cmocka_unit_test(test_rejections_and_unknown_zone),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_superseded),
		cmocka_unit_test(test_reports_superseded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
