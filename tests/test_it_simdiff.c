/*
 * Integration, differential: the daemon and `outreachctl simulate` decide
 * alike.  One portfolio, one list of events, one clock, run through
 *   (a) outreachd itself: a private redis-server, the shipped policies,
 *       templates and contact rules, the outbox gateway; and
 *   (b) outreachctl simulate (daemon/od_sim.c), on its virtual clock,
 * and then, account by account, the attempt records of both must be the
 * same sequence of (instant, step, channel, status, reason, detail, zone), and
 * every message sent must have the same text.
 *
 * The portfolio (tests/data/simdiff-it/accounts.jsonl, events.jsonl), from
 * Monday 2026-03-16 00:00 UTC for 21 days (Lima and Bogota are UTC-5; the
 * shipped policies send at 09:00 local, 14:00 UTC):
 *   PE-BEFORE   pe-consumer, due Fri 03-20: reminded on Tue 03-17, before
 *               its due date; opts out of SMS on Sat 03-21, so notice_overdue
 *               falls back to email; pays 600 of 1500 on Wed 03-25 (the
 *               next message states the rest); offer_plan on Sat 04-04 is
 *               held by PE's window (no contact on Saturdays).
 *   PE-AFTER    pe-consumer, due Mon 03-09, a week before the run: taken
 *               in on Sunday 19:00 Lima, its first two steps superseded,
 *               notice_overdue held (Sunday) and sent Monday 09:00.
 *   PE-HOLIDAY  pe-consumer, due Thu 04-02 (Jueves Santo): reminder_due
 *               held by the holiday.
 *   PE-PROMISE  small-balance (150.00 PEN), due Wed 03-18: a promise to pay
 *               by 03-25 (recorded promise_made) holds notice_overdue on Mon
 *               03-23; unpaid, it is broken at the end of its 2 days' grace
 *               (Sat 03-28 00:00 Lima, promise_broken) and notice_overdue
 *               goes Monday 03-30 09:00.
 *   PE-PAID     pe-consumer, due Thu 03-26: paid in full on Fri 03-27;
 *               nothing more.
 *   CO-HOLIDAY  co-consumer, due Mon 03-23 (San José): reminded before it,
 *               held by the holiday to Tuesday; notice_firm on Jueves Santo
 *               goes on Saturday 04-04 (CO allows Saturdays 08:00-15:00).
 *   CO-DISPUTE  co-consumer, taken in on a Sunday 19:00 (held), a dispute on
 *               Thu 03-19 holds notice_overdue (no resolution: nothing
 *               planned); resolved on Wed 03-25 20:30 Bogota, outside CO's
 *               window (07:00-19:00): held to Thursday 09:00.
 *   MX-ZONES    mx-consumer, no time zone: every zone of Mexico must allow
 *               (records "MX:*"); its due date, Sunday 03-22, is a day MX
 *               allows (07:00-22:00 every day): sent then.
 *   US-NY       us-consumer, New York (10:00 EDT): Reg F allows Sundays too.
 * Consent decides the channels too (no WhatsApp consent: suppressed,
 * consent, and the next channel).  Every debtor is their own person.
 *
 * How the daemon is run: at a sequence of instants, the same instants at
 * which simulate's virtual clock stops (od_sim_run: the earliest pending
 * action or event).  The test reads the earliest due time from P:due (and
 * the next event's "at"), puts the inbox entries of that instant in
 * (accounts at the start, events at their "at"), runs `outreachd --once`
 * with its clock at that instant (od_test_daemon_at) and waits for it to
 * exit: --once exits only when the inbox is drained, nothing is in flight
 * and nothing is due within a second.  Then it checks that nothing due by
 * that instant is left and nothing is in flight, takes the account
 * histories' new records, and goes on to the next instant, until the
 * horizon.  State lives in Redis between runs.
 *
 * The instants, and why they are compared as they are.  simulate's records
 * carry the virtual instant of the action (its due time, or the event's).
 * The daemon runs in real time from the instant its clock was put at, so
 * its records' ts are that instant plus its start-up and processing time
 * (a few hundred ms, more under the sanitizers): they differ by
 * construction.  What both define alike is the deciding instant: the due
 * time the action was claimed for, which is the instant the daemon's run
 * was started at.  So each daemon record is given its run's instant, and
 * that is compared exactly with simulate's; the record's own ts is only
 * checked not to be earlier.  For this to hold, no action may fall due
 * while a run is under way other than those of its instant; a due time
 * computed from "now" (an account taken in late, an event's re-plan, a
 * next step already due) is due at once, in the same run, as in simulate.
 * The test checks that every account whose history grew in a run was due
 * by that instant or had an inbox entry at it.
 *
 * What the portfolio must avoid: a due time derived from the daemon's own
 * clock reading of an earlier send (a deferral by a cap or by spacing:
 * "24 h after the last contact", "a week after that channel") carries that
 * send's latency in the daemon but not in simulate, and a send exactly one
 * spacing or cap period after another is allowed or not depending on the
 * two runs' latencies.  No account here is held by a cap or by spacing
 * (test_it_person and test_property cover those); if one ever were, its
 * instants would differ here by milliseconds and this test would say so.
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

#include "od_buf.h"
#include "od_testenv.h"
#include "od_time.h"

#define RUN_DEADLINE_MS	120000			/* a hung daemon, not a slow one */

/* A portfolio: its accounts and events, and the run's start and length. */
struct portfolio {
	const char	*accounts, *events;	/* JSON lines */
	const char	*from;			/* YYYY-MM-DD, 00:00 UTC */
	long long	 from_ms;
	int		 days;
};

static const struct portfolio	g_contact = {
	OD_TEST_DATA "/simdiff-it/accounts.jsonl", OD_TEST_DATA "/simdiff-it/events.jsonl",
	"2026-03-16", 1773619200000LL, 21,
};
static const struct portfolio	g_life = {
	OD_TEST_DATA "/lifecycle-it/accounts.jsonl", OD_TEST_DATA "/lifecycle-it/events.jsonl",
	"2026-03-02", 1772409600000LL, 80,
};
static const struct portfolio	*g_pf = &g_contact;
#define HORIZON_MS	(g_pf->from_ms + g_pf->days * 86400000LL)

static struct od_test_env	g_env;
static pid_t			g_pid;

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

/* The non-empty lines of a file, as parsed JSON objects (array, new reference). */
static json_t *
read_jsonl(const char *path)
{
	json_t		*arr = json_array(), *j;
	json_error_t	 jerr;
	char		*text, *line, *save = NULL;

	if ((text = od_test_read_file(path)) == NULL)
		fail_msg("%s: cannot read", path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\0')
			continue;
		if ((j = json_loads(line, 0, &jerr)) == NULL)
			fail_msg("%s: %s", path, jerr.text);
		json_array_append_new(arr, j);
	}
	free(text);
	return arr;
}

static long long
iso_ms(const char *s)
{
	int64_t	ms;

	if (s == NULL || od_time_parse_iso(s, &ms) == -1)
		fail_msg("not an ISO 8601 time: %s", s ? s : "(null)");
	return (long long)ms;
}

/*
 * One record as the comparison sees it: "instant | step | channel | status
 * | reason | detail | zone", and for a send, its text ("[subject] text" for
 * an email).
 */
static char *
record_line(long long at_ms, const char *step, const char *channel, const char *status,
    const char *reason, const char *detail, const char *zone, const char *subject,
    const char *text)
{
	char	 iso[32], *s;

	if (asprintf(&s, "%s | %s | %s | %s | %s | %s | %s%s%s%s%s%s",
	    od_time_format_iso(at_ms, iso, sizeof(iso)), step ? step : "-",
	    channel ? channel : "-", status ? status : "-", reason ? reason : "-",
	    detail ? detail : "-", zone ? zone : "-", text || subject ? " | " : "",
	    subject ? "[" : "",
	    subject ? subject : "", subject ? "] " : "", text ? text : "") < 0)
		fail_msg("out of memory");
	return s;
}

static void
push_line(json_t *by_account, const char *id, char *line)
{
	json_t	*arr = json_object_get(by_account, id);

	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(by_account, id, arr);
	}
	json_array_append_new(arr, json_string(line));
	free(line);
}

static const char *
str_or_null(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL && s[0] != '\0' ? s : NULL;	/* simulate writes "" for no step */
}

/* ---- (b) simulate --------------------------------------------------------- */

/* outreachctl simulate over the portfolio, its timeline as lines per account. */
static json_t *
simulate(const struct od_test_env *e)
{
	json_t	*by = json_object(), *j;
	char	 cmd[2048], path[400];
	json_t	*lines;
	size_t	 i;
	int	 rc;

	snprintf(path, sizeof(path), "%s/simulate.jsonl", e->dir);
	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --config '%s' simulate --accounts '%s' "
	    "--events '%s' --from %s --days %d --format json --timeline > '%s' 2> '%s/simulate.err'",
	    OD_BUILD_DIR, e->config, g_pf->accounts, g_pf->events, g_pf->from, g_pf->days, path,
	    e->dir);
	if ((rc = system(cmd)) != 0) {
		char *err;
		snprintf(path, sizeof(path), "%s/simulate.err", e->dir);
		err = od_test_read_file(path);
		fail_msg("outreachctl simulate exited with %d: %s", rc, err ? err : "");
	}
	lines = read_jsonl(path);
	json_array_foreach(lines, i, j) {
		if (strcmp(od_test_str(j, "type"), "attempt") != 0)
			continue;
		push_line(by, od_test_str(j, "account_id"), record_line(iso_ms(str_or_null(j,
		    "utc")), str_or_null(j, "step"), str_or_null(j, "channel"),
		    str_or_null(j, "status"), str_or_null(j, "reason"), str_or_null(j, "detail"),
		    str_or_null(j, "timezone"), str_or_null(j, "subject"), str_or_null(j, "text")));
	}
	json_decref(lines);
	return by;
}

/* ---- (a) the daemon, instant by instant ------------------------------------ */

/* The earliest due time in P:due (ms), or -1 when nothing is planned. */
static long long
earliest_due(const struct od_test_env *e)
{
	redisReply	*r = redisCommand(e->rc, "ZRANGE outreach:due 0 0 WITHSCORES");
	long long	 v = -1;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
		v = strtoll(r->element[1]->str, NULL, 10);
	freeReplyObject(r);
	return v;
}

/* The accounts due by at (a set: object of id -> true, new reference). */
static json_t *
due_by(const struct od_test_env *e, long long at)
{
	redisReply	*r = redisCommand(e->rc, "ZRANGEBYSCORE outreach:due -inf %lld", at);
	json_t		*set = json_object();
	size_t		 i;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			json_object_set_new(set, r->element[i]->str, json_true());
	freeReplyObject(r);
	return set;
}

/* The daemon's texts, by attempt id, from every outbox file. */
static json_t *
outbox_texts(const struct od_test_env *e)
{
	static const char *const files[] = { "sms.jsonl", "email.jsonl", "whatsapp.jsonl" };
	json_t	*by = json_object(), *out, *m;
	size_t	 f, i;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		out = od_test_outbox(e, files[f]);
		json_array_foreach(out, i, m)
			json_object_set(by, od_test_str(m, "attempt_id"), m);
		json_decref(out);
	}
	return by;
}

/*
 * The portfolio through the daemon: the records of each account's history
 * (P:hist), each with the instant of the run that made it; 'sending' left
 * out (the daemon writes it before the send and then the outcome, 'sent';
 * simulate has only the outcome).
 */
static json_t *
run_daemon(struct od_test_env *e, const json_t *accounts, const json_t *events)
{
	json_t		*by = json_object(), *taken = json_object(), *raw = json_object();
	json_t		*due, *touched, *a, *h, *r, *texts, *m;
	const char	*id, *status;
	char		 log[32], *body;
	long long	 t = g_pf->from_ms, next_ev;
	size_t		 i, k, ev = 0, nev = json_array_size(events), runs = 0;
	int		 rc;

	/* every account is in the inbox for the first instant, the run's start */
	touched = json_object();
	json_array_foreach(accounts, i, a) {
		body = json_dumps(a, JSON_COMPACT);
		assert_int_equal(od_test_enqueue(e, "account", body), 0);
		free(body);
		json_object_set_new(touched, od_test_str(a, "account_id"), json_true());
	}
	for (;;) {
		/* the events of this instant (sorted by "at"; none before it is left) */
		due = due_by(e, t);
		while (ev < nev && iso_ms(str_or_null(json_array_get(events, ev), "at")) <= t) {
			a = json_array_get(events, ev++);
			id = od_test_str(a, "account_id");
			/*
			 * simulate applies an event before an action of the same
			 * instant; the daemon's intake and claims run side by side,
			 * so the portfolio must not ask which comes first.
			 */
			if (json_object_get(due, id) != NULL)
				fail_msg("%s: an event at %s, when an action of it is due too: "
				    "move the event", id, od_test_str(a, "at"));
			body = json_dumps(a, JSON_COMPACT);
			assert_int_equal(od_test_enqueue(e, "event", body), 0);
			free(body);
			json_object_set_new(touched, id, json_true());
		}
		snprintf(log, sizeof(log), "d%02zu.log", runs++);
		assert_true((g_pid = od_test_daemon_at(e, log, t, 1)) > 0);
		if ((rc = od_test_process_wait(g_pid, RUN_DEADLINE_MS)) != 0) {
			char iso[32];
			fail_msg("outreachd --once at %s: %s %d (see %s/%s)",
			    od_time_format_iso(t, iso, sizeof(iso)), rc == -1 ? "still running after"
			    : "exit status", rc == -1 ? RUN_DEADLINE_MS : rc, e->dir, log);
		}
		g_pid = 0;

		/* everything due by t was done, nothing is left half-way */
		assert_int_equal(od_test_int(e, "ZCARD outreach:inflight"), 0);
		assert_int_equal(od_test_int(e, "ZCOUNT outreach:due -inf %lld", t), 0);
		assert_true(od_test_inbox_settled(e));
		assert_int_equal(od_test_int(e, "XLEN outreach:rejected"), 0);

		/* the new records of each account: decided at t */
		json_array_foreach(accounts, i, a) {
			id = od_test_str(a, "account_id");
			h = od_test_history(e, id);
			k = (size_t)json_integer_value(json_object_get(taken, id));
			if (json_array_size(h) > k && json_object_get(due, id) == NULL &&
			    json_object_get(touched, id) == NULL) {
				char iso[32];
				fail_msg("%s: records made in the run at %s, but it was not due by then "
				    "and had no inbox entry: another instant fell inside that run",
				    id, od_time_format_iso(t, iso, sizeof(iso)));
			}
			for (; k < json_array_size(h); k++) {
				r = json_array_get(h, k);
				if (iso_ms(str_or_null(r, "ts")) < t)
					fail_msg("%s: a record at %s, before the daemon's clock (%lld)", id,
					    od_test_str(r, "ts"), t);
				json_object_set_new(r, "decided_ms", json_integer(t));
				if (json_object_get(raw, id) == NULL)
					json_object_set_new(raw, id, json_array());
				json_array_append(json_object_get(raw, id), r);
			}
			json_object_set_new(taken, id, json_integer((json_int_t)json_array_size(h)));
			json_decref(h);
		}
		json_decref(due);
		json_decref(touched);
		touched = json_object();

		/* the next instant: the earliest action or event */
		t = earliest_due(e);
		next_ev = ev < nev ? iso_ms(str_or_null(json_array_get(events, ev), "at")) : -1;
		if (next_ev >= 0 && (t < 0 || next_ev < t))
			t = next_ev;
		if (t < 0 || t >= HORIZON_MS)
			break;
	}
	json_decref(touched);
	print_message("simdiff: %zu daemon runs\n", runs);

	/* with the texts of what was sent */
	texts = outbox_texts(e);
	json_object_foreach(raw, id, h)
		json_array_foreach(h, i, r) {
			status = od_test_str(r, "status");
			if (strcmp(status, "sending") == 0)
				continue;
			m = strcmp(status, "sent") == 0 ?
			    json_object_get(texts, od_test_str(r, "attempt_id")) : NULL;
			if (strcmp(status, "sent") == 0 && m == NULL)
				fail_msg("%s: sent %s, but the outbox has no message for it", id,
				    od_test_str(r, "attempt_id"));
			push_line(by, id, record_line(json_integer_value(json_object_get(r,
			    "decided_ms")), str_or_null(r, "step"), str_or_null(r, "channel"), status,
			    str_or_null(r, "reason"), str_or_null(r, "detail"),
			    str_or_null(r, "timezone"), m ? str_or_null(m, "subject") : NULL,
			    m ? str_or_null(m, "text") : NULL));
		}
	json_decref(texts);
	json_decref(raw);
	json_decref(taken);
	return by;
}

/* ---- the comparison -------------------------------------------------------- */

/* One side's records, the first one that differs (at) marked. */
static void
print_side(const char *side, const json_t *lines, size_t at)
{
	const json_t	*l;
	size_t		 i;

	print_error("  %s (%zu records):\n", side, json_array_size(lines));
	json_array_foreach(lines, i, l)
		print_error("  %s %s\n", i == at ? "!" : " ", json_string_value(l));
}

/* Account by account, record by record; every difference is printed before failing. */
static void
compare(const json_t *accounts, const json_t *daemon, const json_t *sim)
{
	const json_t	*a, *dl, *sl;
	const char	*id;
	size_t		 i, k, n, bad = 0;

	json_array_foreach(accounts, i, a) {
		id = od_test_str(a, "account_id");
		dl = json_object_get(daemon, id);
		sl = json_object_get(sim, id);
		n = json_array_size(dl) > json_array_size(sl) ? json_array_size(dl) :
		    json_array_size(sl);
		for (k = 0; k < n; k++)
			if (json_array_get(dl, k) == NULL || json_array_get(sl, k) == NULL ||
			    strcmp(json_string_value(json_array_get(dl, k)),
			    json_string_value(json_array_get(sl, k))) != 0)
				break;
		if (k == n && n > 0)
			continue;
		print_error("%s: the daemon and simulate disagree at record %zu\n", id, k);
		print_side("daemon", dl, k);
		print_side("simulate", sl, k);
		bad++;
	}
	if (bad > 0)
		fail_msg("%zu of %zu accounts decided differently", bad, json_array_size(accounts));
}

/* The decisions the portfolio is there to exercise, as simulate made them. */
static void
expect_paths(const json_t *sim)
{
	static const char *const want[] = {
		"PE-BEFORE", "2026-03-17T14:00:00.000Z | reminder_upcoming | sms | sent",
		"PE-BEFORE", "| notice_overdue | sms | suppressed | opt_out",
		"PE-BEFORE", "| notice_overdue | email | sent",
		"PE-BEFORE", "| offer_plan | whatsapp | suppressed | window",
		"PE-AFTER", "| reminder_due | - | superseded | later_step_due",
		"PE-AFTER", "2026-03-16T00:00:00.000Z | notice_overdue | sms | suppressed | window",
		"PE-AFTER", "2026-03-16T14:00:00.000Z | notice_overdue | sms | sent",
		"PE-HOLIDAY", "| reminder_due | sms | suppressed | holiday",
		"PE-PROMISE", "| - | - | promise_made",
		"PE-PROMISE", "| - | - | promise_broken",
		"PE-PROMISE", "2026-03-30T14:00:00.000Z | notice_overdue | sms | sent",
		"CO-HOLIDAY", "| reminder_due | sms | suppressed | holiday",
		"CO-HOLIDAY", "2026-04-04T14:00:00.000Z | notice_firm | email | sent",
		"CO-DISPUTE", "| notice_overdue | - | suppressed | hold",
		"CO-DISPUTE", "2026-03-26T01:30:00.000Z | notice_overdue | sms | suppressed | window",
		"CO-DISPUTE", "| reminder_due | whatsapp | suppressed | consent",
		"MX-ZONES", "2026-03-22T15:00:00.000Z | reminder_due | sms | sent | - | - | MX:* |",
		"US-NY", "2026-03-22T14:00:00.000Z | reminder_upcoming | sms | sent | - | - | "
		    "America/New_York |",
	};
	const json_t	*lines, *l;
	size_t		 i, k;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i += 2) {
		lines = json_object_get(sim, want[i]);
		json_array_foreach(lines, k, l)
			if (strstr(json_string_value(l), want[i + 1]) != NULL)
				break;
		if (k == json_array_size(lines))
			fail_msg("%s: simulate has no record \"%s\": the portfolio no longer "
			    "exercises it", want[i], want[i + 1]);
	}
	/* paid in full on 03-27: reminder_upcoming and reminder_due, nothing after */
	lines = json_object_get(sim, "PE-PAID");
	assert_int_equal(json_array_size(lines), 2);
	/* the partial payment shows in the next message: 900.00 of 1500.00 still owed */
	lines = json_object_get(sim, "PE-BEFORE");
	l = NULL;
	json_array_foreach(lines, k, l)
		if (strstr(json_string_value(l), "| notice_firm | email | sent") != NULL)
			break;
	assert_true(k < json_array_size(lines));
	if (strstr(json_string_value(l), "900") == NULL)
		fail_msg("PE-BEFORE's notice_firm does not state what is still owed: %s",
		    json_string_value(l));
}

/* The events in the order of "at", those of one instant as in the file (as simulate). */
static json_t *
events_by_at(const json_t *events)
{
	json_t	*sorted = json_array(), *ev;
	size_t	 i, k;

	json_array_foreach(events, i, ev) {
		for (k = json_array_size(sorted); k > 0; k--)
			if (iso_ms(str_or_null(json_array_get(sorted, k - 1), "at")) <=
			    iso_ms(str_or_null(ev, "at")))
				break;
		json_array_insert(sorted, k, ev);
	}
	return sorted;
}

static void
test_daemon_and_simulate_agree(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*accounts, *events, *sorted, *sim, *daemon;

	(void)state;
	g_pf = &g_contact;
	accounts = read_jsonl(g_pf->accounts);
	events = read_jsonl(g_pf->events);
	sorted = events_by_at(events);	/* the daemon gets them in the order simulate applies them */

	assert_int_equal(od_test_env_start(ep, "itsimdiff", NULL, NULL), 0);
	sim = simulate(ep);
	daemon = run_daemon(ep, accounts, sorted);
	compare(accounts, daemon, sim);
	expect_paths(sim);

	json_decref(daemon);
	json_decref(sim);
	json_decref(sorted);
	json_decref(events);
	json_decref(accounts);
}

/* The lines a lifecycle account's timeline must have, in this order. */
static void
expect_in_order(const json_t *sim, const char *id, const char *const *want)
{
	const json_t	*lines = json_object_get(sim, id);
	size_t		 k = 0, w;

	for (w = 0; want[w] != NULL; w++) {
		for (; k < json_array_size(lines); k++)
			if (strstr(json_string_value(json_array_get(lines, k)), want[w]) != NULL)
				break;
		if (k == json_array_size(lines))
			fail_msg("%s: no record \"%s\" (after the ones before it)", id, want[w]);
		k++;
	}
}

/* What a step sent of account id (the timeline's line), or fails. */
static const char *
sent_line(const json_t *sim, const char *id, const char *what)
{
	const json_t	*lines = json_object_get(sim, id);
	size_t		 k;

	for (k = 0; k < json_array_size(lines); k++)
		if (strstr(json_string_value(json_array_get(lines, k)), what) != NULL)
			return json_string_value(json_array_get(lines, k));
	fail_msg("%s: no record \"%s\"", id, what);
	return NULL;
}

/* The number of lines of account id's timeline with what in them. */
static size_t
count_lines(const json_t *sim, const char *id, const char *what)
{
	const json_t	*lines = json_object_get(sim, id);
	size_t		 k, n = 0;

	for (k = 0; k < json_array_size(lines); k++)
		n += strstr(json_string_value(json_array_get(lines, k)), what) != NULL;
	return n;
}

/* What outreachctl prints for args, against the env's Redis (malloc'd). */
static char *
ctl_output(const struct od_test_env *e, const char *args)
{
	struct od_buf	 b;
	char		 cmd[1024], buf[4096];
	FILE		*fp;
	size_t		 n;

	snprintf(cmd, sizeof(cmd), "%s/bin/outreachctl --redis %s %s", OD_BUILD_DIR,
	    e->redis.url, args);
	od_buf_init(&b);
	assert_non_null(fp = popen(cmd, "r"));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		od_buf_append(&b, buf, n);
	pclose(fp);
	od_buf_putc(&b, '\0');
	return od_buf_steal(&b);
}

/*
 * The lifecycle portfolio's story, account by account (tests/data/
 * lifecycle-it; pe-consumer, due Mon 03-09, 09:00 Lima is 14:00 UTC):
 *   LC-KEPT     a promise of 100.00 by 03-20 (threshold 100%), paid exactly:
 *               kept; escalation goes on where it was (notice_firm, on the
 *               balance left).
 *   LC-GRACE    a promise by Wed 03-18, paid in full on Fri 03-20, within its
 *               2 days' grace: kept late.
 *   LC-CENT     a promise of 100.00, 99.99 paid: broken by one cent at the end
 *               of the grace (Sat 00:00: its message waits for Monday); then
 *               the step it had reached, superseded by offer_plan, now due.
 *   LC-TWICE    two promises broken: on to final_notice (after_max_broken);
 *               a third, by SMS reply, refused; handed off to agencia_lima
 *               after the final notice, and recalled.
 *   LC-PLAN     offer_plan makes the offers; 3 instalments accepted by reply;
 *               confirmation with the schedule, a reminder before each, the
 *               first paid, the second missed: broken, and escalation resumes
 *               at the final notice, then the handoff.
 *   LC-DONE     2 instalments accepted by link, both paid: completed, paid.
 *   LC-RENEG    a plan, renegotiated into the prompt-payment settlement (10%
 *               off): the first superseded, the second paid: completed.
 *   LC-PARTIAL  150.00 of 400.00 paid before any promise: the next step is
 *               not skipped and states 250.00; the promise is for the new
 *               balance, and kept.  (Kill Bill's overdue checks were not
 *               re-anchored when a partial payment moved their anchor, and a
 *               configured state was passed over: killbill/killbill#2297.
 *               Here steps keep their times from the due date, a payment
 *               re-plans the account at once, and what depends on the
 *               balance, the texts and a promise's amount, reads it then.)
 */
static void
expect_lifecycle(const struct od_test_env *e, const json_t *sim)
{
	static const char *const kept[] = { "| promise_made | - | 100.00 by 2026-03-20",
		"| promise_reminder | sms | sent", "2026-03-20T16:00:00.000Z | - | - | promise_kept",
		"2026-03-20T16:00:00.000Z | notice_firm | email | sent", NULL };
	static const char *const grace[] = { "| promise_made | - | 300.00 by 2026-03-18",
		"2026-03-20T15:00:00.000Z | - | - | promise_kept", NULL };
	static const char *const cent[] = { "| promise_made",
		"2026-03-21T05:00:00.000Z | - | - | promise_broken | - | paid 99.99 of the 100.00",
		"2026-03-23T14:00:00.000Z | promise_broken | sms | sent",
		"| notice_firm | - | superseded | later_step_due",
		"2026-03-24T14:01:00.000Z | offer_plan | whatsapp | sent", NULL };
	static const char *const twice[] = { "| promise_made", "| promise_broken",
		"| promise_made", "2026-03-28T05:00:00.000Z | - | - | promise_broken",
		"| escalated | - | 2 promises or plans broken (promises.max_broken 2): on to step "
		"'final_notice'", "2026-04-01T15:00:00.000Z | - | - | promise_refused",
		"2026-04-08T14:00:00.000Z | final_notice | email | sent",
		"2026-04-23T14:00:00.000Z | handoff | email | sent",
		"| handoff | - | placed with 'agencia_lima'",
		"2026-04-28T15:00:00.000Z | - | - | recall", NULL };
	static const char *const plan[] = { "2026-03-24T14:00:00.000Z | offer_plan | whatsapp | sent",
		"| agreement | - | plan 'cuotas': 300.00 in 3 instalments, the last on 2026-06-02",
		"2026-03-26T15:00:00.000Z | agreement_confirmation | email | sent",
		"2026-03-31T14:00:00.000Z | instalment_reminder | sms | sent",
		"2026-04-30T14:00:00.000Z | instalment_reminder | sms | sent",
		"2026-05-05T05:00:00.000Z | - | - | plan_broken | - | instalment 2 of 3, 100.00 due "
		"2026-05-02", "2026-05-05T14:00:00.000Z | plan_broken | sms | sent",
		"2026-05-06T14:01:00.000Z | final_notice | email | sent",
		"2026-05-18T14:00:00.000Z | handoff | email | sent", NULL };
	static const char *const done[] = { "| agreement | - | plan 'cuotas': 200.00 in 2",
		"| instalment_reminder | sms | sent", "| instalment_reminder | sms | sent",
		"2026-04-30T16:00:00.000Z | - | - | plan_completed", NULL };
	static const char *const reneg[] = { "| agreement | - | plan 'cuotas'",
		"| agreement | - | settlement 'pronto_pago': 270.00 in 1 instalment",
		"2026-03-30T15:00:00.000Z | agreement_confirmation | email | sent",
		"2026-04-02T15:00:00.000Z | - | - | plan_completed", NULL };
	static const char *const partial[] = {
		"2026-03-12T14:00:00.000Z | notice_overdue | sms | sent",
		"| promise_made | - | 250.00 by 2026-03-20", "| promise_kept", NULL };
	static const char *const rask[] = { "| - | sms | reply | - | agent ('quiero hablar')",
		"| agent_requested |", "| reply_agent | sms | sent", NULL };
	static const char *const rply[] = { "| - | whatsapp | reply | - | accept ('1')",
		"| agreement | - | plan 'cuotas'", "| reply_accepted | whatsapp | sent",
		"| - | sms | reply | - | paid_claim", "| payment_claimed |",
		/* Holy Thursday, Good Friday, the weekend: past replies.acknowledge_within */
		"2026-04-06T14:00:00.000Z | reply_paid_claim | sms | suppressed | ack_expired", NULL };
	json_t		*st, *docs, *h;
	char		*out;
	const char	*l;
	redisReply	*r;
	size_t		 i;

	expect_in_order(sim, "LC-KEPT", kept);
	expect_in_order(sim, "LC-GRACE", grace);
	expect_in_order(sim, "LC-CENT", cent);
	expect_in_order(sim, "LC-TWICE", twice);
	expect_in_order(sim, "LC-PLAN", plan);
	expect_in_order(sim, "LC-DONE", done);
	expect_in_order(sim, "LC-RENEG", reneg);
	expect_in_order(sim, "LC-PARTIAL", partial);
	expect_in_order(sim, "LC-RASK", rask);
	expect_in_order(sim, "LC-RPLY", rply);

	/* never from the first reminder again; kept promises' next message on the new balance */
	assert_int_equal(count_lines(sim, "LC-CENT", "| reminder_upcoming |"), 1);
	assert_int_equal(count_lines(sim, "LC-TWICE", "| reminder_upcoming |"), 1);
	assert_non_null(strstr(sent_line(sim, "LC-KEPT", "| notice_firm | email | sent"),
	    "S/ 200.00"));
	assert_non_null(strstr(sent_line(sim, "LC-PARTIAL", "| notice_overdue | sms | sent"),
	    "S/ 250.00"));
	assert_int_equal(count_lines(sim, "LC-PARTIAL", "| superseded |"), 0);
	/* the confirmation carries the schedule; the reminders the instalment they are for */
	l = sent_line(sim, "LC-PLAN", "| agreement_confirmation | email | sent");
	assert_non_null(strstr(l, "Cuota 1: S/ 100.00, el 2 de abril de 2026."));
	assert_non_null(strstr(l, "Cuota 3: S/ 100.00, el 2 de junio de 2026."));
	assert_non_null(strstr(l, "LC-PLAN:A1"));
	assert_non_null(strstr(sent_line(sim, "LC-PLAN", "2026-04-30T14:00:00.000Z | "
	    "instalment_reminder"), "cuota 2 de 3"));
	/* nothing more once paid */
	assert_int_equal(count_lines(sim, "LC-GRACE", "| sent |") + count_lines(sim, "LC-GRACE",
	    "promise_kept"), 5);

	/* What the daemon left in Redis: the states */
	st = od_test_state(e, "LC-DONE");
	assert_string_equal(od_test_str(st, "status"), "paid");
	json_decref(st);
	st = od_test_state(e, "LC-TWICE");
	assert_string_equal(od_test_str(st, "status"), "active");	/* recalled */
	json_decref(st);
	st = od_test_state(e, "LC-PLAN");
	assert_string_equal(od_test_str(st, "status"), "placed");
	assert_string_equal(od_test_str(st, "placement"), "agencia_lima");
	json_decref(st);

	/* the agreements, documented one by one, with their evidence */
	r = redisCommand(e->rc, "LRANGE outreach:agr:LC-RENEG 0 -1");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 4);	/* A1, A1 superseded, A2, A2 completed */
	docs = json_array();
	for (i = 0; i < r->elements; i++)
		json_array_append_new(docs, json_loads(r->element[i]->str, 0, NULL));
	freeReplyObject(r);
	assert_string_equal(od_test_str(json_array_get(docs, 1), "status"), "superseded");
	assert_string_equal(od_test_str(json_array_get(docs, 2), "replaces"), "LC-RENEG:A1");
	assert_string_equal(od_test_str(json_array_get(docs, 2), "total"), "270.00");
	assert_string_equal(od_test_str(json_array_get(docs, 3), "status"), "completed");
	assert_string_equal(od_test_str(json_object_get(json_array_get(docs, 0), "evidence"),
	    "agent"), "lucia.r");
	assert_non_null(strstr(od_test_str(json_array_get(docs, 0), "offer_attempt"),
	    "LC-RENEG:2026-03-09:offer_plan#"));
	json_decref(docs);
	assert_int_equal(od_test_int(e, "XLEN outreach:agreements"), od_test_int(e,
	    "LLEN outreach:agr:LC-KEPT") + od_test_int(e, "LLEN outreach:agr:LC-GRACE") +
	    od_test_int(e, "LLEN outreach:agr:LC-CENT") + od_test_int(e,
	    "LLEN outreach:agr:LC-TWICE") + od_test_int(e, "LLEN outreach:agr:LC-PLAN") +
	    od_test_int(e, "LLEN outreach:agr:LC-DONE") + 4 + od_test_int(e,
	    "LLEN outreach:agr:LC-PARTIAL") + od_test_int(e, "LLEN outreach:agr:LC-RPLY"));
	out = ctl_output(e, "agreements LC-TWICE");
	assert_non_null(strstr(out, "LC-TWICE:A1  promise  broken"));
	assert_non_null(strstr(out, "LC-TWICE:A2  promise  broken"));
	assert_non_null(strstr(out, "LC-TWICE:A3  promise  refused"));
	assert_non_null(strstr(out, "\"PAGO EL 25\""));
	if (getenv("OD_TEST_SHOW") != NULL) {
		char *att = ctl_output(e, "attempts LC-TWICE");

		printf("$ outreachctl attempts LC-TWICE\n%s\n$ outreachctl agreements "
		    "LC-TWICE\n%s", att, out);	/* whole: print_message cuts long texts */
		free(att);
	}
	free(out);

	/* the handoffs: four placed, one recalled since; the whole file went */
	assert_int_equal(od_test_int(e, "XLEN outreach:handoff"), 6);	/* LC-RASK, LC-RPLY too */
	out = ctl_output(e, "handoff list");
	assert_non_null(strstr(out, "LC-PLAN"));
	assert_non_null(strstr(out, "LC-KEPT"));
	assert_null(strstr(out, "LC-TWICE"));
	free(out);
	out = ctl_output(e, "handoff export --format jsonl");
	for (l = out, i = 0; (l = strstr(l, "\"account_id\"")) != NULL; l++)
		i++;
	(void)i;
	h = NULL;
	{
		char	*line, *save = NULL;

		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			json_t *j = json_loads(line, 0, NULL);

			assert_non_null(j);
			if (strcmp(od_test_str(j, "account_id"), "LC-PLAN") == 0)
				h = j;
			else
				json_decref(j);
		}
	}
	assert_non_null(h);
	assert_string_equal(od_test_str(h, "placement"), "agencia_lima");
	assert_string_equal(od_test_str(h, "balance"), "200.00");
	assert_int_equal(json_array_size(json_object_get(h, "agreements")), 2);	/* A1, broken */
	assert_true(json_array_size(json_object_get(h, "attempts")) >= 15);
	assert_string_equal(od_test_str(json_object_get(json_object_get(h, "account"), "debtor"),
	    "name"), "Elena Ch\xc3\xa1vez");
	json_decref(h);
	free(out);
}

static void
test_lifecycle_agrees(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*accounts, *events, *sorted, *sim, *daemon, *l;
	const char		*id;
	size_t			 i;

	(void)state;
	g_pf = &g_life;
	accounts = read_jsonl(g_pf->accounts);
	events = read_jsonl(g_pf->events);
	sorted = events_by_at(events);

	assert_int_equal(od_test_env_start(ep, "itlife", NULL, NULL), 0);
	sim = simulate(ep);
	daemon = run_daemon(ep, accounts, sorted);
	if (getenv("OD_TEST_SHOW") != NULL)
		json_object_foreach(sim, id, l)
			for (i = 0; i < json_array_size(l); i++)
				print_message("%s %s\n", id, json_string_value(json_array_get(l, i)));
	compare(accounts, daemon, sim);
	expect_lifecycle(ep, sim);

	json_decref(daemon);
	json_decref(sim);
	json_decref(sorted);
	json_decref(events);
	json_decref(accounts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_daemon_and_simulate_agree, teardown),
		cmocka_unit_test_teardown(test_lifecycle_agrees, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
