/*
 * Integration: the contact rules on the real daemon.  A real redis-server,
 * the daemon as built, the repo's PE preset and holidays
 * (config/jurisdictions/PE.yaml: Mon-Fri 07:00-20:00, never on public
 * holidays, Ley 29571 art. 62(b); caps 1 a local day, 3 a week, 24 h apart,
 * outreachd's default as the law sets none; config/holidays/PE.yaml: 28 and
 * 29 Jul 2026 are Fiestas Patrias), the repo's es-PE templates, and test
 * policies in tests/data/rules-it/policy whose steps fall at chosen hours.
 *
 * Each daemon runs with its clock put at a chosen instant (--clock-offset),
 * mostly with --once; what is asserted is what an operator or a debtor would
 * see: the account's records in outreach:hist:<id>, when its next action is
 * due (outreach:due), and the messages in the outbox.
 *
 * Lima is UTC-5 all year (no DST): 21:00 Lima is 02:00 UTC the next day.
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

#define POLICY_DIR	OD_TEST_DATA "/rules-it/policy"
#define CHANNELS	"  sms: outbox\n  email: outbox\n  whatsapp: outbox\n"

static struct od_test_env	g_env;
static pid_t			g_pid;

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

/* That local time in Lima (UTC-5, no DST) as UTC ms; timegm normalises h + 5 >= 24. */
static long long
lima(int y, int mon, int d, int h, int min)
{
	return od_test_utc_ms(y, mon, d, h + 5, min);
}

/* Starts the daemon with its clock at at_ms (UTC), with --once when once. */
static pid_t
daemon_at_ms(const struct od_test_env *e, const char *log, long long at_ms, int once)
{
	return g_pid = od_test_daemon_at(e, log, at_ms, once);
}

static void
run_once_at(const struct od_test_env *e, const char *log, long long at_ms)
{
	pid_t	pid = daemon_at_ms(e, log, at_ms, 1);

	assert_true(pid > 0);
	assert_int_equal(od_test_process_wait(pid, 20000), 0);
	g_pid = 0;
}

/* ZSCORE outreach:due <id> as an integer; -1 when the account has nothing due. */
/* An account naming its policy; timezone and whatsapp may be NULL (absent). */
static void
enqueue_account(const struct od_test_env *e, const char *id, const char *policy, const char *due,
    const char *phone, const char *whatsapp, const char *timezone)
{
	char	 wa[64] = "", tz[64] = "", *body;

	if (whatsapp != NULL)
		snprintf(wa, sizeof(wa), "\"whatsapp\":\"%s\",", whatsapp);
	if (timezone != NULL)
		snprintf(tz, sizeof(tz), "\"timezone\":\"%s\",", timezone);
	assert_true(asprintf(&body,
	    "{\"account_id\":\"%s\",\"policy\":\"%s\","
	    "\"debtor\":{\"name\":\"Rosa Huamán\",\"phone\":\"%s\",\"email\":\"rosa@example.pe\","
	    "%s\"locale\":\"es-PE\",%s\"country\":\"PE\"},"
	    "\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":\"%s\","
	    "\"product\":\"consumer_loan\"},"
	    "\"consent\":{\"sms\":true,\"email\":true,\"whatsapp\":true}}",
	    id, policy, phone, wa, tz, due) > 0);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

static void
start_env(struct od_test_env *e)
{
	assert_int_equal(od_test_env_start_with(e, "itrules", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
}

/* notice_overdue's SMS (templates/es-PE/notice_overdue.yaml) for a debt due that day. */
static void
expect_notice_sms(json_t *m, const char *action_id, const char *due_text)
{
	char	text[512];

	snprintf(text, sizeof(text),
	    "Financiera Ejemplo S.A.C.: Rosa, tiene un mensaje sobre su cuenta. Su pago de "
	    "S/ 1,234.50 con vencimiento el %s sigue pendiente; le pedimos regularizarlo a la "
	    "brevedad. Pague en https://pagos.example.pe o consulte al +51 1 700 0000. Responda "
	    "BAJA para no recibir SMS.", due_text);
	assert_string_equal(od_test_str(m, "action_id"), action_id);
	assert_string_equal(od_test_str(m, "to"), "+51987000111");
	assert_string_equal(od_test_str(m, "text"), text);
}

/*
 * An action due at local time (y-mon-d h:min, after 20:00) is held back by
 * the window, recorded with its detail, and due again at want_ms exactly; a
 * daemon at want_ms + 30 s sends it.
 */
static void
window_case(const char *id, const char *policy, const char *due, int y, int mon, int d, int h,
    int min, const char *detail, long long want_ms, const char *due_text)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*hist, *out;
	char			 action_id[128];

	start_env(ep);
	snprintf(action_id, sizeof(action_id), "%s:%s:late_notice", id, due);
	enqueue_account(ep, id, policy, due, "+51987000111", "+51987000111", "America/Lima");
	run_once_at(ep, "d1.log", lima(y, mon, d, h, min) + 30000);

	hist = od_test_history(ep, id);
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(od_test_str(json_array_get(hist, 0), "status"), "suppressed");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "reason"), "window");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "detail"), detail);
	assert_string_equal(od_test_str(json_array_get(hist, 0), "channel"), "sms");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "step"), "late_notice");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "action_id"), action_id);
	json_decref(hist);
	assert_int_equal(od_test_due_of(ep, id), want_ms);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);

	/* A minute before the window opens: still nothing. */
	run_once_at(ep, "d2.log", want_ms - 60000);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:%s", id), 1);
	assert_int_equal(od_test_due_of(ep, id), want_ms);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);

	/* Half a minute after it opens: sent, once. */
	run_once_at(ep, "d3.log", want_ms + 30000);
	hist = od_test_history(ep, id);
	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(od_test_str(json_array_get(hist, 1), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "channel"), "sms");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "action_id"), action_id);
	json_decref(hist);
	out = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(out), 1);
	expect_notice_sms(json_array_get(out, 0), action_id, due_text);
	json_decref(out);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);
	assert_int_equal(od_test_due_of(ep, id), -1);	/* the policy's only step is done */
}

/*
 * Tue 2026-03-10 21:00 Lima -> Wed at the policy's send_at, 09:00 Lima (the
 * window opens at 07:00; a deferred send does not burst there).
 */
static void
test_window_next_morning(void **state)
{
	(void)state;
	window_case("R-1", "rit-late", "2026-03-10", 2026, 3, 10, 21, 0,
	    "21:00 tue is outside PE's window 07:00-20:00 (Ley 29571 art. 62)",
	    lima(2026, 3, 11, 9, 0), "10 de marzo de 2026");
}

/*
 * Fri 2026-03-13 20:30 Lima -> Mon 2026-03-16 at send_at, 09:00 (no contact
 * Sat, Sun), not at 07:00 when the window opens.
 */
static void
test_window_friday_to_monday(void **state)
{
	(void)state;
	window_case("R-2", "rit-late2030", "2026-03-13", 2026, 3, 13, 20, 30,
	    "20:30 fri is outside PE's window 07:00-20:00 (Ley 29571 art. 62)",
	    lima(2026, 3, 16, 9, 0), "13 de marzo de 2026");
}

/* Mon 2026-07-27 21:00 Lima -> Thu 30 Jul 09:00 (send_at): 28 and 29 Jul are Fiestas Patrias. */
static void
test_window_before_holidays(void **state)
{
	(void)state;
	window_case("R-3", "rit-late", "2026-07-27", 2026, 7, 27, 21, 0,
	    "21:00 mon is outside PE's window 07:00-20:00 (Ley 29571 art. 62)",
	    lima(2026, 7, 30, 9, 0), "27 de julio de 2026");
}

/* Country PE, no timezone, a +1 phone: the zone cannot be derived; nothing goes out. */
static void
test_timezone_unknown(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*hist;

	(void)state;
	start_env(ep);
	enqueue_account(ep, "R-4", "rit-late", "2026-03-10", "+12125550100", NULL, NULL);
	run_once_at(ep, "d1.log", lima(2026, 3, 10, 21, 0) + 30000);

	hist = od_test_history(ep, "R-4");
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(od_test_str(json_array_get(hist, 0), "status"), "suppressed");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "reason"), "timezone_unknown");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "policy"), "rit-late");
	json_decref(hist);
	assert_int_equal(od_test_due_of(ep, "R-4"), -1);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:due"), 0);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "whatsapp.jsonl"), 0);

	/* A day later nothing has woken it up. */
	run_once_at(ep, "d2.log", lima(2026, 3, 11, 10, 0));
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:R-4"), 1);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);
}

/*
 * A Peruvian debtor given Etc/UTC: refused at intake, the reason naming
 * Peru's zone (tzdata's zone1970.tab); nothing stored, nothing sent.
 */
static void
test_foreign_zone_rejected(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*rej;
	size_t			 i;
	int			 found = 0;

	(void)state;
	start_env(ep);
	enqueue_account(ep, "R-7", "rit-late", "2026-03-10", "+51987000111", NULL, "Etc/UTC");
	run_once_at(ep, "d1.log", lima(2026, 3, 10, 21, 0) + 30000);
	rej = od_test_rejected(ep);
	for (i = 0; i < json_array_size(rej); i++)
		if (od_test_str(json_array_get(rej, i), "reason") != NULL &&
		    strcmp(od_test_str(json_array_get(rej, i), "reason"),
		    "debtor.timezone: \"Etc/UTC\" is not a time zone of PE (America/Lima)") == 0)
			found++;
	json_decref(rej);
	assert_int_equal(found, 1);
	assert_int_equal(od_test_int(ep, "HLEN outreach:accounts"), 0);
	assert_int_equal(od_test_due_of(ep, "R-7"), -1);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:R-7"), 0);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
}

/* The record's string field, or "" (the history entry i of id). */
static void
expect_hist(const struct od_test_env *e, const char *id, size_t i, const char *status,
    const char *reason, const char *timezone)
{
	json_t	*r = od_test_history_at(e, id, i);

	assert_non_null(r);
	assert_string_equal(od_test_str(r, "status"), status);
	if (reason != NULL)
		assert_string_equal(od_test_str(r, "reason"), reason);
	assert_string_equal(od_test_str(r, "timezone"), timezone);
	json_decref(r);
}

/*
 * A US debtor with a +1 phone and no zone: sent only when 08:00-21:00 holds
 * in every US zone (Reg F, 12 CFR 1006.6(b)(1)(i)).  Wed 2026-01-14 09:00 in
 * New York (14:00 UTC) is 07:00 in Denver: held back until 08:00 in
 * Honolulu (18:00 UTC), and sent then; the records say "US:*".
 */
static void
test_us_zone_set(void **state)
{
	struct od_test_env	*const ep = &g_env;
	const long long		 open_ms = od_test_utc_ms(2026, 1, 14, 18, 0);
	json_t			*r, *att;
	size_t			 i;
	char			*body;

	(void)state;
	start_env(ep);
	assert_true(asprintf(&body,
	    "{\"account_id\":\"R-8\",\"policy\":\"rit-us\","
	    "\"debtor\":{\"name\":\"Ann Lee\",\"phone\":\"+12125550100\",\"locale\":\"en\","
	    "\"country\":\"US\"},"
	    "\"debt\":{\"amount\":\"250.00\",\"currency\":\"USD\",\"due_date\":\"2026-01-14\"},"
	    "\"consent\":{\"sms\":true}}") > 0);
	assert_int_equal(od_test_enqueue(ep, "account", body), 0);
	free(body);
	run_once_at(ep, "d1.log", od_test_utc_ms(2026, 1, 14, 14, 0) + 30000);
	expect_hist(ep, "R-8", 0, "suppressed", "window", "US:*");
	r = od_test_history_at(ep, "R-8", 0);
	assert_string_equal(od_test_str(r, "detail"), "America/Denver: 07:00 wed is outside US's "
	    "window 08:00-21:00 (Reg F, 12 CFR 1006.6(b)(1)(i))");
	json_decref(r);
	assert_int_equal(od_test_due_of(ep, "R-8"), open_ms);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);

	/* 07:59 in Honolulu: still nothing */
	run_once_at(ep, "d2.log", open_ms - 60000);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:R-8"), 1);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);

	run_once_at(ep, "d3.log", open_ms + 30000);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:R-8"), 2);
	expect_hist(ep, "R-8", 1, "sent", NULL, "US:*");
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);
	/* suppressed, sending, sent: each stream entry names the zone set too */
	att = od_test_attempts(ep);
	assert_int_equal(json_array_size(att), 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(od_test_str(json_array_get(att, i), "timezone"), "US:*");
	json_decref(att);
}

/*
 * The at_ms of the latest confirmed contact with the account's person
 * (P:personof -> P:person, "<ms> <kind> <attempt id>;" each, a pending one
 * with a leading '?'), or -1.
 */
static long long
last_contact_ms(const struct od_test_env *e, const char *id)
{
	redisReply	*r = redisCommand(e->rc, "HGET outreach:personof %s", id), *c;
	long long	 v = -1;
	const char	*p;

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	c = redisCommand(e->rc, "HGET outreach:person %s", r->str);
	freeReplyObject(r);
	if (c != NULL && c->type == REDIS_REPLY_STRING)
		for (p = c->str; *p != '\0'; p = strchr(p, ';') + 1) {
			if (*p != '?')
				v = strtoll(p, NULL, 10);
			if (strchr(p, ';') == NULL)
				break;
		}
	freeReplyObject(c);
	return v;
}

/*
 * Two steps on one local day (09:00 and 15:00): the second is held back by
 * the preset's 24 h spacing (reported before the per-day cap) until 24 h
 * after the first send, on the next day.  Never two sends in one local day.
 */
static void
test_cap_same_day(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*hist, *out;
	long long		 first, again;
	char			 detail[160];

	(void)state;
	start_env(ep);
	enqueue_account(ep, "R-5", "rit-sameday", "2026-03-10", "+51987000111", "+51987000111",
	    "America/Lima");
	run_once_at(ep, "d1.log", lima(2026, 3, 10, 9, 0) + 30000);
	hist = od_test_history(ep, "R-5");
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(od_test_str(json_array_get(hist, 0), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 0), "step"), "morning");
	json_decref(hist);
	assert_int_equal(od_test_due_of(ep, "R-5"), lima(2026, 3, 10, 15, 0));
	first = last_contact_ms(ep, "R-5");
	assert_true(first >= lima(2026, 3, 10, 9, 0) + 30000 && first < lima(2026, 3, 10, 9, 1) + 30000);

	/* 15:00:10: 5 h 59 min 40 s after the first send (09:00:30), whatever the start-up time. */
	run_once_at(ep, "d2.log", lima(2026, 3, 10, 15, 0) + 10000);
	hist = od_test_history(ep, "R-5");
	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(od_test_str(json_array_get(hist, 1), "status"), "suppressed");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "reason"), "spacing");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "step"), "afternoon");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "channel"), "sms");
	snprintf(detail, sizeof(detail), "%s", od_test_str(json_array_get(hist, 1), "detail"));
	json_decref(hist);
	assert_string_equal(detail, 
	    "last contact 6h ago; PE requires 24h between contacts "
	    "(outreachd default; Ley 29571 sets no cap)");
	/*
	 * The next instant every rule allows, 24 h after the first send (Wed
	 * 09:00:30 Lima), to the start of the next minute: 09:01.
	 */
	again = od_test_due_of(ep, "R-5");
	assert_int_equal(again, ((first + 86400000LL) / 60000 + 1) * 60000);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);

	/* Later the same day: still held back, still one send. */
	run_once_at(ep, "d3.log", lima(2026, 3, 10, 19, 0));
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);
	assert_int_equal(od_test_due_of(ep, "R-5"), again);

	run_once_at(ep, "d4.log", again + 1000);
	hist = od_test_history(ep, "R-5");
	assert_true(json_array_size(hist) >= 3);
	assert_string_equal(od_test_str(json_array_get(hist, json_array_size(hist) - 1), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, json_array_size(hist) - 1), "step"), "afternoon");
	json_decref(hist);
	out = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(out), 2);
	assert_string_equal(od_test_str(json_array_get(out, 0), "action_id"), "R-5:2026-03-10:morning");
	expect_notice_sms(json_array_get(out, 1), "R-5:2026-03-10:afternoon", "10 de marzo de 2026");
	json_decref(out);
	/* The two contacts, on two local days. */
	assert_true(last_contact_ms(ep, "R-5") >= lima(2026, 3, 11, 0, 0));
	assert_int_equal(od_test_due_of(ep, "R-5"), -1);
}

/*
 * An opt-out that arrives after the claim, while the action waits for the
 * gateway: the outbox has one slot (max_inflight: 1) and each send holds it
 * for 2 s (delay), so of two accounts due together one sends and the other
 * waits in admission, claimed but not yet begun.  The opt-out for the
 * waiting one's first channel (whatsapp) is applied in those 2 s; when it is
 * admitted, begin finds it and cancels: 'suppressed' 'opt_out', then its
 * next channel (sms).  Which of the two goes first is read off the attempts
 * stream, not assumed.
 */
static void
test_opt_out_in_flight(void **state)
{
	static const char *const sup_upcoming[] = { "reminder_upcoming", NULL };
	struct od_test_env	*const ep = &g_env;
	json_t			*att, *hist, *wa, *sms;
	const char		*ids[2] = { "R-6A", "R-6B" }, *first, *other;
	char			 ev[160];
	pid_t			 pid;
	int			 waited;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itrules", "  lease: 10s\n",
	    "    delay: 2000ms\n    max_inflight: 1\n"), 0);
	/* pe-consumer, due today: reminder_due, channels whatsapp then sms. */
	enqueue_account(ep, ids[0], "pe-consumer", "2026-03-09", "+51987000111", "+51987000111",
	    "America/Lima");
	enqueue_account(ep, ids[1], "pe-consumer", "2026-03-09", "+51987000222", "+51987000222",
	    "America/Lima");
	pid = daemon_at_ms(ep, "d1.log", lima(2026, 3, 9, 10, 0), 0);
	assert_true(pid > 0);
	/*
	 * Both are due today, past reminder_upcoming (-3d): begin records that
	 * step superseded just before the 'sending' of reminder_due.
	 */
	assert_int_equal(od_test_wait_int(ep, 2, 10000, "XLEN outreach:attempts"), 2);
	att = od_test_attempts(ep);
	assert_int_equal(json_array_size(att), 2);
	assert_string_equal(od_test_superseded(att, 0, NULL, sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(att, 1), "status"), "sending");
	first = strcmp(od_test_str(json_array_get(att, 1), "account_id"), ids[0]) == 0 ? ids[0] : ids[1];
	other = first == ids[0] ? ids[1] : ids[0];
	assert_string_equal(od_test_str(json_array_get(att, 0), "account_id"), first);
	json_decref(att);
	/* The other is claimed (in flight) and has not begun: it waits for the slot, nothing recorded. */
	assert_true(od_test_due_of(ep, other) == -1);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 2);
	assert_int_equal(od_test_int(ep, "XLEN outreach:attempts"), 2);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:%s", other), 0);

	snprintf(ev, sizeof(ev), "{\"account_id\":\"%s\",\"type\":\"opt_out\",\"channel\":\"whatsapp\"}",
	    other);
	assert_int_equal(od_test_enqueue(ep, "event", ev), 0);
	for (waited = 0; waited < 5000 && !od_test_inbox_settled(ep); waited += 20)
		od_test_sleep_ms(20);
	assert_true(od_test_inbox_settled(ep));
	/*
	 * Applied while the first send still held the slot (else the test proves
	 * nothing): the first has its superseded record and no outcome yet.
	 */
	hist = od_test_history(ep, first);
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	json_decref(hist);

	assert_int_equal(od_test_wait_status(ep, other, "sent", 1, 15000), 1);
	assert_int_equal(od_test_wait_status(ep, first, "sent", 1, 5000), 1);
	g_pid = 0;
	assert_int_equal(od_test_process_stop(pid, SIGTERM, 10000), 0);

	/*
	 * The cancelled whatsapp begin wrote nothing; the sms one wrote the
	 * superseded step and the suppression before its send, once each.
	 */
	hist = od_test_history(ep, other);
	assert_int_equal(json_array_size(hist), 3);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "status"), "suppressed");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "reason"), "opt_out");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "channel"), "whatsapp");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "step"), "reminder_due");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 2), "channel"), "sms");
	json_decref(hist);
	hist = od_test_history(ep, first);
	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "status"), "sent");
	assert_string_equal(od_test_str(json_array_get(hist, 1), "channel"), "whatsapp");
	json_decref(hist);
	/* The stream: each account's superseded record once, ahead of its 'sending'. */
	att = od_test_attempts(ep);
	for (size_t k = 0; k < 2; k++) {
		json_t *mine = od_test_of_account(att, ids[k]);

		assert_string_equal(od_test_superseded(mine, 0, NULL, sup_upcoming), "ok");
		assert_string_equal(od_test_str(json_array_get(mine, ids[k] == other ? 2 : 1),
		    "status"), "sending");
		json_decref(mine);
	}
	json_decref(att);

	/* WhatsApp went to the first only; the other got its SMS. */
	wa = od_test_outbox(ep, "whatsapp.jsonl");
	assert_int_equal(json_array_size(wa), 1);
	assert_string_equal(od_test_str(json_array_get(wa, 0), "account_id"), first);
	json_decref(wa);
	sms = od_test_outbox(ep, "sms.jsonl");
	assert_int_equal(json_array_size(sms), 1);
	assert_string_equal(od_test_str(json_array_get(sms, 0), "account_id"), other);
	assert_string_equal(od_test_str(json_array_get(sms, 0), "to"),
	    other == ids[0] ? "+51987000111" : "+51987000222");
	json_decref(sms);
	assert_int_equal(od_test_outbox_count(ep, "email.jsonl"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_window_next_morning, teardown),
		cmocka_unit_test_teardown(test_window_friday_to_monday, teardown),
		cmocka_unit_test_teardown(test_window_before_holidays, teardown),
		cmocka_unit_test_teardown(test_timezone_unknown, teardown),
		cmocka_unit_test_teardown(test_foreign_zone_rejected, teardown),
		cmocka_unit_test_teardown(test_us_zone_set, teardown),
		cmocka_unit_test_teardown(test_cap_same_day, teardown),
		cmocka_unit_test_teardown(test_opt_out_in_flight, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
