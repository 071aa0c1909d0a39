/*
 * Integration: the core pipeline, end to end.  A real redis-server, the
 * daemon as built, the shipped pe-consumer policy and es-PE templates, and
 * the outbox gateway; every test asserts what an operator or a debtor would
 * see: the message text, the attempt records, the outreachctl table.
 *
 * The clock: every daemon runs with --clock-offset so that it is Monday
 * 2026-03-09, 10:00 in Lima (15:00 UTC), inside PE's contact window
 * (config/jurisdictions/PE.yaml: Mon-Fri 07:00-20:00, Ley 29571 art. 62;
 * no holiday that week in config/holidays/PE.yaml).  Later steps move the
 * clock to Thursday 2026-03-12, 10:00 Lima (+3d, notice_overdue).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "od_testenv.h"

#define DUE		"2026-03-09"
/* reminder_due's successor, notice_overdue, falls at +3d 09:00 Lima = 14:00 UTC. */
#define NEXT_DUE_MS	1773324000000LL

static struct od_test_env	g_env;
static pid_t			g_pid;

/* Whatever a test left behind (it may have failed half-way): stopped here. */
static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

/* Starts the daemon with its clock at that UTC instant; "--once" when once. */
static pid_t
daemon_at(const struct od_test_env *e, const char *log, int y, int mon, int d, int h, int once)
{
	char		 clk[64];
	const char	*args[3] = { clk, NULL, NULL };

	od_test_clock_arg(clk, sizeof(clk), y, mon, d, h, 0);
	if (once)
		args[1] = "--once";
	return g_pid = od_test_daemon_start(e, log, args);
}

/* Polls an integer command until it equals want; returns the last value. */
static long long
wait_eq(const struct od_test_env *e, long long want, int timeout_ms, const char *fmt, ...)
{
	va_list		ap;
	long long	v = -1;
	int		waited = 0;
	redisReply	*r;

	for (;;) {
		va_start(ap, fmt);
		r = redisvCommand(e->rc, fmt, ap);
		va_end(ap);
		v = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer :
		    r != NULL && r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : -1;
		freeReplyObject(r);
		if (v == want || waited >= timeout_ms)
			return v;
		od_test_sleep_ms(20);
		waited += 20;
	}
}

static void
wait_settled(const struct od_test_env *e)
{
	int	waited;

	for (waited = 0; waited < 10000 && !od_test_inbox_settled(e); waited += 20)
		od_test_sleep_ms(20);
	assert_true(od_test_inbox_settled(e));
}

static void
enqueue_account(const struct od_test_env *e, const char *id, const char *due, const char *amount,
    const char *consent)
{
	char	*body = od_test_account(id, due, amount, consent);

	assert_non_null(body);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

static void
stop_daemon(pid_t pid)
{
	g_pid = 0;
	assert_int_equal(od_test_process_stop(pid, SIGTERM, 5000), 0);
}

static void
run_once(const struct od_test_env *e, const char *log, int y, int mon, int d, int h)
{
	pid_t	pid = daemon_at(e, log, y, mon, d, h, 1);

	assert_true(pid > 0);
	assert_int_equal(od_test_process_wait(pid, 20000), 0);
	g_pid = 0;
}

/*
 * An account due today was enqueued after reminder_upcoming's time (-3d,
 * 2026-03-06 09:00 Lima): that step is superseded by reminder_due, recorded
 * first and never sent.
 */
static const char *const sup_upcoming[] = { "reminder_upcoming", NULL };
#define SUP_UPCOMING_DETAIL	"due 2026-03-06T14:00:00.000Z; not sent, since step " \
				"'reminder_due' was due too when it was claimed"

/* The account's history is [superseded reminder_upcoming, sent reminder_due on whatsapp]. */
static void
assert_due_today_history(const struct od_test_env *e, const char *id)
{
	json_t	*hist = od_test_history(e, id);

	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "step"), "reminder_due");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "channel"), "whatsapp");
	json_decref(hist);
}

static const char	 wa_reminder_due[] =
    "Hola Rosa, Financiera Ejemplo S.A.C. tiene un mensaje sobre su cuenta: su pago de "
    "S/ 1,234.50 vence hoy, 9 de marzo de 2026. Si ya lo realizó, muchas gracias. Consultas "
    "al +51 1 700 0000. Responda BAJA si no desea recibir más mensajes.";

/* An account due today gets reminder_due on whatsapp, once; a re-enqueue duplicates nothing. */
static void
test_due_today(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*out, *m, *hist, *h, *att, *p;
	pid_t			 pid;
	char			 cmd[1024], line[512], *tok[8], *save;
	FILE			*fp;
	int			 nt, found = 0, superseded = 0, header = 0;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	enqueue_account(ep, "PE-1", DUE, "1234.50", NULL);
	pid = daemon_at(ep, "d1.log", 2026, 3, 9, 15, 0);
	assert_int_equal(od_test_wait_status(ep, "PE-1", "sent", 1, 10000), 1);
	assert_int_equal(wait_eq(ep, NEXT_DUE_MS, 5000, "ZSCORE outreach:due PE-1"), NEXT_DUE_MS);

	/* Enqueued again while its next step is scheduled: re-planned, nothing new. */
	enqueue_account(ep, "PE-1", DUE, "1234.50", NULL);
	wait_settled(ep);
	assert_int_equal(wait_eq(ep, NEXT_DUE_MS, 5000, "ZSCORE outreach:due PE-1"), NEXT_DUE_MS);
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	od_test_sleep_ms(300);
	stop_daemon(pid);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), 1);
	assert_int_equal(od_test_int(ep, "HLEN outreach:accounts"), 1);

	/* The debtor's message, exactly. */
	out = od_test_outbox(ep, "whatsapp.jsonl");
	assert_int_equal(json_array_size(out), 1);
	m = json_array_get(out, 0);
	assert_string_equal(od_test_str(m, "action_id"), "PE-1:2026-03-09:reminder_due");
	assert_string_equal(od_test_str(m, "attempt_id"), "PE-1:2026-03-09:reminder_due#1");
	assert_string_equal(od_test_str(m, "to"), "+51987000111");
	assert_string_equal(od_test_str(m, "step"), "reminder_due");
	assert_string_equal(od_test_str(m, "locale"), "es-PE");
	assert_string_equal(od_test_str(m, "text"), wa_reminder_due);
	assert_string_equal(od_test_str(m, "wa_template"), "payment_due_today");
	assert_string_equal(od_test_str(m, "wa_language"), "es");
	p = json_object_get(m, "wa_params");
	assert_int_equal(json_array_size(p), 5);
	assert_string_equal(json_string_value(json_array_get(p, 0)), "Rosa");
	assert_string_equal(json_string_value(json_array_get(p, 1)), "Financiera Ejemplo S.A.C.");
	assert_string_equal(json_string_value(json_array_get(p, 2)), "S/ 1,234.50");
	assert_string_equal(json_string_value(json_array_get(p, 3)), "vence hoy, 9 de marzo de 2026");
	json_decref(out);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);

	/*
	 * The account's history: reminder_upcoming superseded (enqueued on the
	 * due date, past its -3d), then reminder_due 'sent'.
	 */
	hist = od_test_history(ep, "PE-1");
	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	h = json_array_get(hist, 0);
	assert_string_equal(od_test_str(h, "status"), "superseded");
	assert_string_equal(od_test_str(h, "reason"), "later_step_due");
	assert_string_equal(od_test_str(h, "detail"), SUP_UPCOMING_DETAIL);
	assert_string_equal(od_test_str(h, "action_id"), "PE-1:2026-03-09:reminder_upcoming");
	assert_string_equal(od_test_str(h, "policy"), "pe-consumer");
	assert_string_equal(od_test_str(h, "step"), "reminder_upcoming");
	assert_string_equal(od_test_str(h, "stage"), "reminder");
	assert_int_equal(json_integer_value(json_object_get(h, "step_index")), 0);
	assert_string_equal(od_test_str(h, "channel"), "(absent)");
	assert_string_equal(od_test_str(h, "attempt_id"), "(absent)");
	assert_true(strncmp(od_test_str(h, "ts"), "2026-03-09T15:0", 15) == 0);
	h = json_array_get(hist, 1);
	assert_string_equal(od_test_str(h, "status"), "sent");
	assert_string_equal(od_test_str(h, "action_id"), "PE-1:2026-03-09:reminder_due");
	assert_string_equal(od_test_str(h, "policy"), "pe-consumer");
	assert_string_equal(od_test_str(h, "step"), "reminder_due");
	assert_string_equal(od_test_str(h, "stage"), "reminder");
	assert_string_equal(od_test_str(h, "channel"), "whatsapp");
	assert_string_equal(od_test_str(h, "gateway"), "outbox");
	assert_string_equal(od_test_str(h, "provider_id"), "outbox:PE-1:2026-03-09:reminder_due#1");
	assert_true(strncmp(od_test_str(h, "ts"), "2026-03-09T15:0", 15) == 0);
	json_decref(hist);

	/* The attempts stream: the superseded step first, then 'sending' and 'sent', same attempt. */
	att = od_test_attempts(ep);
	assert_int_equal(json_array_size(att), 3);
	assert_string_equal(od_test_superseded(att, 0, NULL, sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(att, 0), "action_id"), "PE-1:2026-03-09:reminder_upcoming");
	assert_string_equal(od_test_str(json_array_get(att, 0), "attempt_id"), "(absent)");
	assert_string_equal(od_test_str(json_array_get(att, 1), "status"), "sending");
	assert_string_equal(od_test_str(json_array_get(att, 2), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(att, 1), "attempt_id"), "PE-1:2026-03-09:reminder_due#1");
	assert_string_equal(od_test_str(json_array_get(att, 2), "attempt_id"), "PE-1:2026-03-09:reminder_due#1");
	assert_string_equal(od_test_str(json_array_get(att, 2), "provider_id"),
	    "outbox:PE-1:2026-03-09:reminder_due#1");
	json_decref(att);

	/* What the operator reads: outreachctl attempts PE-1. */
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --redis %s attempts PE-1", OD_BUILD_DIR,
	    ep->redis.url);
	assert_non_null(fp = popen(cmd, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "TIME ", 5) == 0 && strstr(line, "STATUS") != NULL)
			header = 1;
		/* the superseded step: no channel, no gateway; its reason and detail */
		if (strstr(line, " reminder_upcoming ") != NULL) {
			assert_non_null(strstr(line, " reminder "));
			assert_non_null(strstr(line, " superseded "));
			assert_non_null(strstr(line, " later_step_due: " SUP_UPCOMING_DETAIL "\n"));
			assert_null(strstr(line, "whatsapp"));
			superseded++;
			continue;
		}
		for (nt = 0, save = NULL, tok[0] = strtok_r(line, " \n", &save); tok[nt] != NULL && nt < 7;)
			tok[++nt] = strtok_r(NULL, " \n", &save);
		if (nt == 7 && strcmp(tok[1], "reminder_due") == 0) {
			assert_string_equal(tok[2], "reminder");
			assert_string_equal(tok[3], "whatsapp");
			assert_string_equal(tok[4], "outbox");
			assert_string_equal(tok[5], "sent");
			assert_string_equal(tok[6], "outbox:PE-1:2026-03-09:reminder_due#1");
			found++;
		}
	}
	assert_int_equal(pclose(fp), 0);
	assert_true(header);
	assert_int_equal(found, 1);
	assert_int_equal(superseded, 1);

	/* Enqueued again after the send, with the daemon started afresh: still nothing new. */
	enqueue_account(ep, "PE-1", DUE, "1234.50", NULL);
	pid = daemon_at(ep, "d2.log", 2026, 3, 9, 15, 0);
	wait_settled(ep);
	assert_int_equal(wait_eq(ep, NEXT_DUE_MS, 5000, "ZSCORE outreach:due PE-1"), NEXT_DUE_MS);
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	od_test_sleep_ms(300);
	stop_daemon(pid);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 1);
	/* not superseded again either: the history is as it was */
	assert_due_today_history(ep, "PE-1");
	assert_int_equal(od_test_count_status(att = od_test_attempts(ep), "superseded"), 1);
	json_decref(att);
	}

static const char *const sup_offer[] = { "reminder_upcoming", "reminder_due", "notice_overdue",
    "notice_firm", NULL };

/* Consent for email only: offer_plan prefers whatsapp, records why not, sends email. */
static void
test_consent_fallback(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*out, *m, *hist;
	pid_t			 pid;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	/* Due 15 days ago: offer_plan (+15d, channels whatsapp, email, sms) is the step due now. */
	enqueue_account(ep, "PE-2", "2026-02-22", "1234.50",
	    "{\"sms\":false,\"email\":true,\"whatsapp\":false}");
	pid = daemon_at(ep, "d1.log", 2026, 3, 9, 15, 0);
	assert_int_equal(od_test_wait_status(ep, "PE-2", "sent", 1, 10000), 1);
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	stop_daemon(pid);

	/* The four steps before offer_plan passed unsent: superseded, in step order. */
	hist = od_test_history(ep, "PE-2");
	assert_int_equal(json_array_size(hist), 6);
	assert_string_equal(od_test_superseded(hist, 0, "offer_plan", sup_offer), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "detail"),
	    "due 2026-02-19T14:00:00.000Z; not sent, since step 'offer_plan' was due too when it "
	    "was claimed");
	assert_string_equal(od_test_str(json_array_get(hist, 3), "action_id"), "PE-2:2026-02-22:notice_firm");
	assert_string_equal(od_test_str(json_array_get(hist, 4), "status"), "suppressed");
	assert_string_equal(od_test_str(json_array_get(hist, 4), "reason"), "consent");
	assert_string_equal(od_test_str(json_array_get(hist, 4), "channel"), "whatsapp");
	assert_string_equal(od_test_str(json_array_get(hist, 4), "step"), "offer_plan");
	assert_string_equal(od_test_str(json_array_get(hist, 5), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 5), "channel"), "email");
	assert_string_equal(od_test_str(json_array_get(hist, 5), "stage"), "offer");
	assert_string_equal(od_test_str(json_array_get(hist, 5), "action_id"), "PE-2:2026-02-22:offer_plan");
	json_decref(hist);

	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	out = od_test_outbox(ep, "email.jsonl");
	assert_int_equal(json_array_size(out), 1);
	m = json_array_get(out, 0);
	assert_string_equal(od_test_str(m, "to"), "rosa@example.pe");
	assert_string_equal(od_test_str(m, "action_id"), "PE-2:2026-02-22:offer_plan");
	assert_string_equal(od_test_str(m, "subject"), "Financiera Ejemplo S.A.C.: una propuesta para su cuenta");
	assert_non_null(strstr(od_test_str(m, "text"), "Estimado(a) Rosa Huamán:\n"));
	assert_non_null(strstr(od_test_str(m, "text"), "- Pagar en 3 cuotas mensuales de S/ 411.50."));
	json_decref(out);
	}

/*
 * Enqueued three days after its due date: reminder_upcoming (-3d) and
 * reminder_due (0d) passed unsent, notice_overdue (+3d, 09:00 today) is due.
 * Only the notice goes out; the two reminders are recorded superseded, in
 * step order, before it (history and stream alike), once: a second daemon
 * run records nothing more.
 */
static void
test_enqueued_late(void **state)
{
	static const char *const sup[] = { "reminder_upcoming", "reminder_due", NULL };
	struct od_test_env	*const ep = &g_env;
	json_t			*hist, *att, *out;
	pid_t			 pid;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	enqueue_account(ep, "PE-11", "2026-03-06", "1234.50", NULL);
	pid = daemon_at(ep, "d1.log", 2026, 3, 9, 15, 0);
	assert_int_equal(od_test_wait_status(ep, "PE-11", "sent", 1, 10000), 1);
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	stop_daemon(pid);

	hist = od_test_history(ep, "PE-11");
	assert_int_equal(json_array_size(hist), 3);
	assert_string_equal(od_test_superseded(hist, 0, "notice_overdue", sup), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "detail"),
	    "due 2026-03-03T14:00:00.000Z; not sent, since step 'notice_overdue' was due too when "
	    "it was claimed");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "detail"),
	    "due 2026-03-06T14:00:00.000Z; not sent, since step 'notice_overdue' was due too when "
	    "it was claimed");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "action_id"), "PE-11:2026-03-06:reminder_upcoming");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "action_id"), "PE-11:2026-03-06:reminder_due");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 0), "step_index")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 1), "step_index")), 1);
	assert_string_equal(od_test_str(json_array_get(hist, 2), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "step"), "notice_overdue");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "channel"), "sms");
	json_decref(hist);
	att = od_test_attempts(ep);
	assert_int_equal(json_array_size(att), 4);
	assert_string_equal(od_test_superseded(att, 0, NULL, sup), "ok");
	assert_string_equal(od_test_str(json_array_get(att, 2), "status"), "sending");
	assert_string_equal(od_test_str(json_array_get(att, 2), "step"), "notice_overdue");
	assert_string_equal(od_test_str(json_array_get(att, 3), "status"), "sent");
	json_decref(att);

	/* The debtor got the notice only. */
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);
	out = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(od_test_str(json_array_get(out, 0), "action_id"), "PE-11:2026-03-06:notice_overdue");
	json_decref(out);

	/* Later the same day, nothing is due: nothing more is recorded. */
	run_once(ep, "d2.log", 2026, 3, 9, 20);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:PE-11"), 3);
	assert_int_equal(od_test_int(ep, "XLEN outreach:attempts"), 4);
}

/* Sends reminder_due to id at 2026-03-09 10:00 Lima, then leaves the daemon running. */
static pid_t
sent_due_today(struct od_test_env *e, const char *id)
{
	pid_t	pid;

	enqueue_account(e, id, DUE, "1234.50", NULL);
	pid = daemon_at(e, "d1.log", 2026, 3, 9, 15, 0);
	assert_int_equal(od_test_wait_status(e, id, "sent", 1, 10000), 1);
	assert_int_equal(wait_eq(e, NEXT_DUE_MS, 5000, "ZSCORE outreach:due %s", id), NEXT_DUE_MS);
	assert_due_today_history(e, id);
	return pid;
}

static void
test_full_payment(void **state)
{
	struct od_test_env	*const ep = &g_env;
	pid_t			 pid;
	char			 ev[200];

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	pid = sent_due_today(ep, "PE-3");
	snprintf(ev, sizeof(ev), "{\"account_id\":\"PE-3\",\"type\":\"payment\",\"amount\":\"1234.50\","
	    "\"full\":true}");
	assert_int_equal(od_test_enqueue(ep, "event", ev), 0);
	wait_settled(ep);
	/* ZSCORE answers nil: the pending notice_overdue is gone. */
	assert_int_equal(wait_eq(ep, 0, 5000, "EXISTS outreach:due"), 0);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), 0);
	stop_daemon(pid);

	/* Past notice_overdue (+3d) and final_notice (+30d): nothing more is sent. */
	run_once(ep, "d2.log", 2026, 3, 12, 15);
	run_once(ep, "d3.log", 2026, 4, 8, 15);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 1);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);
	/* and nothing more recorded: no step is superseded after a payment in full */
	assert_due_today_history(ep, "PE-3");
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), 0);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	}

static void
test_partial_payment(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*out, *hist;
	pid_t			 pid;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	pid = sent_due_today(ep, "PE-4");
	assert_int_equal(od_test_enqueue(ep, "event",
	    "{\"account_id\":\"PE-4\",\"type\":\"payment\",\"amount\":\"200.00\"}"), 0);
	wait_settled(ep);
	/* Re-planned: notice_overdue stays where it was. */
	assert_int_equal(wait_eq(ep, NEXT_DUE_MS, 5000, "ZSCORE outreach:due PE-4"), NEXT_DUE_MS);
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	stop_daemon(pid);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);

	run_once(ep, "d2.log", 2026, 3, 12, 15);
	out = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(od_test_str(json_array_get(out, 0), "action_id"), "PE-4:2026-03-09:notice_overdue");
	assert_string_equal(od_test_str(json_array_get(out, 0), "to"), "+51987000111");
	assert_string_equal(od_test_str(json_array_get(out, 0), "text"),
	    "Financiera Ejemplo S.A.C.: Rosa, tiene un mensaje sobre su cuenta. Su pago de "
	    "S/ 1,034.50 con vencimiento el 9 de marzo de 2026 sigue pendiente; le pedimos "
	    "regularizarlo a la brevedad. Pague en https://pagos.example.pe o consulte al "
	    "+51 1 700 0000. Responda BAJA para no recibir SMS.");
	json_decref(out);
	/* [superseded reminder_upcoming, sent reminder_due, sent notice_overdue]: nothing skipped */
	hist = od_test_history(ep, "PE-4");
	assert_int_equal(json_array_size(hist), 3);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "step"), "reminder_due");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "step"), "notice_overdue");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "channel"), "sms");
	json_decref(hist);
	}

static void
test_opt_out(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*out, *hist;
	pid_t			 pid;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	pid = sent_due_today(ep, "PE-5");
	assert_int_equal(od_test_enqueue(ep, "event",
	    "{\"account_id\":\"PE-5\",\"type\":\"opt_out\",\"channel\":\"sms\"}"), 0);
	wait_settled(ep);
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	stop_daemon(pid);

	/* notice_overdue prefers sms: opted out, so email. */
	run_once(ep, "d2.log", 2026, 3, 12, 15);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	out = od_test_outbox(ep, "email.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(od_test_str(json_array_get(out, 0), "action_id"), "PE-5:2026-03-09:notice_overdue");
	assert_string_equal(od_test_str(json_array_get(out, 0), "to"), "rosa@example.pe");
	assert_string_equal(od_test_str(json_array_get(out, 0), "subject"),
	    "Financiera Ejemplo S.A.C.: información importante sobre su cuenta");
	json_decref(out);
	/* [superseded reminder_upcoming, sent reminder_due, suppressed sms, sent email] */
	hist = od_test_history(ep, "PE-5");
	assert_int_equal(json_array_size(hist), 4);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "step"), "reminder_due");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "status"), "suppressed");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "reason"), "opt_out");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "channel"), "sms");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "step"), "notice_overdue");
	assert_string_equal(od_test_str(json_array_get(hist, 3), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 3), "channel"), "email");
	json_decref(hist);
	}

/*
 * Events that arrive while a message is being sent win over what the send's
 * completion writes: an opt-out from SMS is kept (the next notice goes by
 * email), a payment in full leaves nothing scheduled.  The outbox takes 1.5 s
 * per send, so both events land between 'sending' and 'sent'.
 */
static void
test_events_while_sending(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*out, *hist;
	pid_t			 pid;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, "    delay: 1500ms\n"), 0);
	enqueue_account(ep, "PE-7", DUE, "1234.50", NULL);
	enqueue_account(ep, "PE-8", DUE, "1234.50", NULL);
	pid = daemon_at(ep, "d1.log", 2026, 3, 9, 15, 0);
	assert_int_equal(od_test_wait_attempts(ep, "sending", 2, 10000), 2);
	/*
	 * Both are being sent: their superseded reminder_upcoming is already
	 * recorded (begin writes it before the send), their outcome is not.
	 */
	hist = od_test_history(ep, "PE-7");
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	json_decref(hist);
	assert_int_equal(od_test_enqueue(ep, "event",
	    "{\"account_id\":\"PE-7\",\"type\":\"opt_out\",\"channel\":\"sms\"}"), 0);
	assert_int_equal(od_test_enqueue(ep, "event", "{\"account_id\":\"PE-8\",\"type\":\"payment\","
	    "\"amount\":\"1234.50\",\"full\":true}"), 0);
	wait_settled(ep);
	assert_int_equal(od_test_wait_status(ep, "PE-7", "sent", 1, 10000), 1);
	assert_int_equal(od_test_wait_status(ep, "PE-8", "sent", 1, 10000), 1);
	assert_due_today_history(ep, "PE-7");
	assert_due_today_history(ep, "PE-8");
	assert_int_equal(wait_eq(ep, 0, 5000, "ZCARD outreach:inflight"), 0);
	assert_int_equal(wait_eq(ep, NEXT_DUE_MS, 5000, "ZSCORE outreach:due PE-7"), NEXT_DUE_MS);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), 1);	/* PE-8: nothing */
	stop_daemon(pid);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 2);

	/* notice_overdue prefers sms: PE-7 left it while its reminder was on its way. */
	run_once(ep, "d2.log", 2026, 3, 12, 15);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	out = od_test_outbox(ep, "email.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(od_test_str(json_array_get(out, 0), "action_id"),
	    "PE-7:2026-03-09:notice_overdue");
	json_decref(out);
	assert_due_today_history(ep, "PE-8");	/* paid in full: nothing after reminder_due */
}

/*
 * Redis forgets its scripts (SCRIPT FLUSH, or a restart without the
 * daemon noticing): the next calls come back NOSCRIPT and are sent again
 * with the script's source; nothing is lost.
 */
static void
test_script_cache_flushed(void **state)
{
	struct od_test_env	*const ep = &g_env;
	redisReply		*r;
	pid_t			 pid;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	enqueue_account(ep, "PE-9", DUE, "1234.50", NULL);
	pid = daemon_at(ep, "d1.log", 2026, 3, 9, 15, 0);
	assert_int_equal(od_test_wait_status(ep, "PE-9", "sent", 1, 10000), 1);
	r = redisCommand(ep->rc, "SCRIPT FLUSH");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	enqueue_account(ep, "PE-10", DUE, "1234.50", NULL);
	assert_int_equal(od_test_wait_status(ep, "PE-10", "sent", 1, 10000), 1);
	assert_int_equal(wait_eq(ep, NEXT_DUE_MS, 5000, "ZSCORE outreach:due PE-10"), NEXT_DUE_MS);
	stop_daemon(pid);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 2);
	/* begin.lua, loaded again after the flush, wrote the superseded record as before */
	assert_due_today_history(ep, "PE-9");
	assert_due_today_history(ep, "PE-10");
}

/*
 * --once on a fresh Redis with the accounts already in the inbox (a batch
 * run): it must send before it exits, every time (a daemon that took its
 * start-up read of its own pending entries for an empty inbox once exited
 * with the entries unread).
 */
static void
test_once_fresh(void **state)
{
	struct od_test_env	*const ep = &g_env;
	int			 i, misses = 0;
	char			 id[16];
	json_t			*hist;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itpipe", NULL, NULL), 0);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "PE-6%d", i);
		enqueue_account(ep, id, DUE, "1234.50", NULL);
		run_once(ep, "d.log", 2026, 3, 9, 15);
		/* sent before it exited: [superseded reminder_upcoming, sent reminder_due] */
		hist = od_test_history(ep, id);
		if (json_array_size(hist) != 2 || od_test_count_status(hist, "sent") != 1 ||
		    strcmp(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok") != 0)
			misses++;
		json_decref(hist);
	}
	assert_int_equal(misses, 0);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_due_today, teardown),
		cmocka_unit_test_teardown(test_consent_fallback, teardown),
		cmocka_unit_test_teardown(test_enqueued_late, teardown),
		cmocka_unit_test_teardown(test_full_payment, teardown),
		cmocka_unit_test_teardown(test_partial_payment, teardown),
		cmocka_unit_test_teardown(test_opt_out, teardown),
		cmocka_unit_test_teardown(test_events_while_sending, teardown),
		cmocka_unit_test_teardown(test_script_cache_flushed, teardown),
		cmocka_unit_test_teardown(test_once_fresh, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
