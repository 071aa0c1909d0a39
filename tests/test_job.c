/*
 * od_job: a claimed action's state as read back from Redis is untrusted.
 * Garbage in it (out-of-range numbers, a negative or too large channel
 * index "fb", containers of the wrong kind, not JSON at all) must never
 * crash or loop: the account is failed once with the reason state_corrupt,
 * nothing is scheduled, and the state written back says so and keeps what
 * was stored.  The inputs are the findings of issue 10's first fuzzing pass.
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
#include "od_error.h"
#include "od_job.h"
#include "od_plan.h"
#include "od_record.h"
#include "od_time.h"

#define CONFIG	OD_TEST_DATA "/sim/outreachd.yaml"
#define NOW	1773068400000LL		/* Monday 2026-03-09 10:00 in Lima */
#define ACCOUNT	"{\"account_id\": \"PE-J1\", \"debtor\": {\"name\": \"María Quispe\"," \
	" \"phone\": \"+51987654321\", \"email\": \"maria@example.pe\", \"country\": \"PE\"," \
	" \"timezone\": \"America/Lima\"}, \"debt\": {\"amount\": \"1234.50\", \"currency\": " \
	"\"PEN\", \"due_date\": \"2026-03-09\"}, \"policy\": \"sim-pe\", \"consent\": " \
	"{\"sms\": true, \"email\": true}}"

static struct od_confset	 g_set_storage;
static struct od_confset	*g_set = &g_set_storage;

static int
setup(void **state)
{
	struct od_errors	errs;

	(void)state;
	od_errors_init(&errs);
	if (od_confset_load(CONFIG, NULL, 0, g_set, &errs) == -1) {
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
	od_confset_free(g_set);
	return 0;
}

/* Starts a job on state; returns the records' last status and reason via out. */
static enum od_job_next
start(struct od_job *j, const char *state)
{
	return od_job_start(j, g_set, "PE-J1", ACCOUNT, strlen(ACCOUNT), state, strlen(state), NULL,
	    NOW);
}

static void
assert_corrupt(const char *state, const char *detail_has)
{
	struct od_job	 j;
	json_t		*r, *written;
	char		*out;
	int64_t		 due;

	assert_int_equal(start(&j, state), OD_JOB_FINISH);
	assert_int_equal(json_array_size(j.records), 1);
	r = json_array_get(j.records, 0);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "failed");
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "state_corrupt");
	if (strstr(json_string_value(json_object_get(r, "detail")), detail_has) == NULL)
		fail_msg("%s: detail '%s' does not name %s", state,
		    json_string_value(json_object_get(r, "detail")), detail_has);
	/* nothing scheduled: it is not tried again */
	assert_int_equal(j.next_due, -1);
	assert_int_equal(j.next_step, -1);
	/* the state written back: failed, with what was stored */
	assert_non_null(out = od_record_state(&j, NOW, &due, NULL, NULL));
	assert_int_equal(due, -1);
	assert_non_null(written = json_loads(out, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(written, "status")), "failed");
	assert_string_equal(json_string_value(json_object_get(written, "reason")), "state_corrupt");
	assert_string_equal(json_string_value(json_object_get(written, "corrupt")), state);
	json_decref(written);
	free(out);
	od_job_clear(&j);
}

static void
test_out_of_range_numbers(void **state)
{
	(void)state;
	/* the fuzzer's input: a contact time of 1.76e19 ms (UBSan float-cast-overflow) */
	assert_corrupt("{\"policy\":\"sim-pe\",\"recent\":[[17640020099E9]],\"status\":\"active\"}",
	    "recent");
	assert_corrupt("{\"policy\":\"sim-pe\",\"recent\":[[17640020099E9,\"sms\"]],"
	    "\"status\":\"active\"}", "recent");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"seq\":1e300}", "seq");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":-1}", "next");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"tries\":2.5}", "tries");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"paid_minor\":-5}",
	    "paid_minor");
}

static void
test_channel_index(void **state)
{
	(void)state;
	/* -1 used a step's stage as a channel kind; -6 crashed (SEGV) */
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,\"fb\":-1}", "fb");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,\"fb\":-6}", "fb");
	/* in range for any step, but past this step's channels */
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,\"fb\":3}", "fb");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,\"fb\":\"0\"}", "fb");
}

static void
test_wrong_kinds(void **state)
{
	(void)state;
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"recent\":[5]}", "recent");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"recent\":{\"a\":1}}",
	    "recent");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"optout\":[]}", "optout");
	assert_corrupt("{\"policy\":\"sim-pe\",\"status\":\"active\",\"hold\":"
	    "{\"promise_until\":7}}", "hold");
	assert_corrupt("{\"policy\":7,\"status\":\"active\"}", "policy");
	assert_corrupt("{\"status\":[\"active\"]}", "status");
	assert_corrupt("[1,2]", "not a JSON object");
	assert_corrupt("{\"status\":", "not a JSON object");
}

/* The checks do not refuse what the scripts write. */
static void
test_good_state(void **state)
{
	struct od_job	j;

	(void)state;
	assert_int_not_equal(start(&j, "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,"
	    "\"fb\":0,\"tries\":0,\"seq\":0,\"optout\":{},\"recent\":[[1773000000000,\"sms\"]],"
	    "\"paid_minor\":0,\"cycle\":\"2026-03-09\"}"), OD_JOB_INVALID);
	assert_int_equal(j.corrupt, 0);
	for (size_t i = 0; i < json_array_size(j.records); i++)
		assert_string_not_equal(json_string_value(json_object_get(json_array_get(j.records,
		    i), "reason")) ? json_string_value(json_object_get(json_array_get(j.records, i),
		    "reason")) : "", "state_corrupt");
	od_job_clear(&j);
	/* cjson writes an empty Lua table as {}: what intake.lua stores at first */
	assert_int_not_equal(start(&j, "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,"
	    "\"recent\":{},\"optout\":{},\"seq\":0}"), OD_JOB_INVALID);
	assert_int_equal(j.corrupt, 0);
	od_job_clear(&j);
}

/*
 * The debtor's law always applies (issue 11, item 1): a Chilean debtor on a
 * Peruvian policy is held to Chile's 48 h spacing (Ley 21.320) as well as
 * Peru's rules, in Santiago's clock, and gets the earliest instant both
 * allow: Chile's next window opening after the spacing.
 */
static void
test_debtor_country_preset(void **state)
{
	static const char	 acct[] = "{\"account_id\": \"CL-J1\", \"debtor\": {\"name\": "
	    "\"Rosa Díaz\", \"phone\": \"+56912345678\", \"country\": \"CL\", \"timezone\": "
	    "\"America/Santiago\"}, \"debt\": {\"amount\": \"123456\", \"currency\": \"CLP\", "
	    "\"due_date\": \"2026-03-09\"}, \"policy\": \"sim-pe\", \"consent\": {\"sms\": true}}";
	/* one SMS on Sunday 2026-03-08 04:00 in Santiago: 30 h before */
	static const char	 st[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,"
	    "\"recent\":[[1772953200000,\"sms\"]]}";
	/* Monday 2026-03-09 10:00 in Santiago (UTC-3): Peru's 24 h spacing allows it */
	const int64_t		 at = 1773061200000LL;
	struct od_job		 j;
	json_t			*r;

	(void)state;
	assert_int_equal(od_job_start(&j, g_set, "CL-J1", acct, strlen(acct), st, strlen(st), NULL, at),
	    OD_JOB_FINISH);
	assert_int_equal(json_array_size(j.records), 1);
	r = json_array_get(j.records, 0);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "suppressed");
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "spacing");
	/*
	 * 48 h have passed at 04:00 Tuesday, CL's window opens at 08:00, and a
	 * deferred send goes at the policy's send_at: Tuesday 09:00 in Santiago.
	 */
	assert_int_equal(j.next_due, 1773140400000LL + 3600000LL);
	od_job_clear(&j);
	assert_int_equal(od_job_start(&j, g_set, "CL-J1", acct, strlen(acct), st, strlen(st), NULL,
	    1773140400000LL), OD_JOB_SEND);
	od_job_clear(&j);
}

/*
 * A send that failed on this host (no socket: EMFILE) is retried without
 * using up a try: it is neither the debtor's nor the provider's doing.
 */
static void
test_local_failure_uses_no_try(void **state)
{
	static const char		 st[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0}";
	struct od_channel_result	 res;
	struct od_job			 j;
	json_t				*r;
	int				 k, max = g_set->cfg.max_retries;

	(void)state;
	assert_int_equal(start(&j, st), OD_JOB_SEND);
	memset(&res, 0, sizeof(res));
	res.outcome = OD_OUTCOME_RETRYABLE;
	res.flags = OD_RESULT_LOCAL;
	snprintf(res.reason, sizeof(res.reason), "connect: local_fd_exhausted: cannot create a "
	    "socket: Too many open files");
	for (k = 0; k < max + 3; k++) {
		r = od_job_attempt(&j);
		assert_int_equal(od_job_outcome(&j, &res, r), OD_JOB_FINISH);
		json_decref(r);
		assert_int_equal(j.tries, 0);
		assert_string_equal(json_string_value(json_object_get(json_array_get(j.records,
		    json_array_size(j.records) - 1), "status")), "retry");
		assert_true(j.next_due > 0);
		assert_int_equal(j.next_step, j.step);
	}
	/* the provider's own retryable failure counts */
	res.flags = 0;
	r = od_job_attempt(&j);
	od_job_outcome(&j, &res, r);
	json_decref(r);
	assert_int_equal(j.tries, 1);
	od_job_clear(&j);
}

/* A random source that answers what it is given, in turn. */
struct fixed_rand {
	const uint64_t	*v;
	size_t		 i;
};

static uint64_t
fixed_rand(void *arg)
{
	struct fixed_rand *f = arg;

	return f->v[f->i++];
}

/*
 * The back-off with a seeded random source: full jitter below
 * retry_base * 2^(tries-1), capped at retry_max; a provider's Retry-After
 * is a floor; past max_retries the channel fails and the next is tried.
 */
static void
test_backoff(void **state)
{
	static const char		 st[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0}";
	static const uint64_t		 seq[] = { 0, 999, 12345, UINT64_MAX, 7, 7, 7, 7, 7, 7 };
	const struct od_config		*c = &g_set->cfg;
	struct od_channel_result	 res;
	struct fixed_rand		 fr = { seq, 0 };
	struct od_job			 j;
	json_t				*r, *last;
	int64_t				 cap, before;
	int				 k;

	(void)state;
	assert_true(c->max_retries >= 3);
	assert_int_equal(start(&j, st), OD_JOB_SEND);
	j.rand = fixed_rand;
	j.rand_arg = &fr;
	memset(&res, 0, sizeof(res));
	res.outcome = OD_OUTCOME_RETRYABLE;
	snprintf(res.reason, sizeof(res.reason), "twilio 20429: too many requests");
	for (k = 1, cap = c->retry_base_ms; k <= 3; k++, cap *= 2) {
		if (cap > c->retry_max_ms)
			cap = c->retry_max_ms;
		r = od_job_attempt(&j);
		before = od_now_ms();
		assert_int_equal(od_job_outcome(&j, &res, r), OD_JOB_FINISH);
		json_decref(r);
		assert_int_equal(j.tries, k);
		last = json_array_get(j.records, json_array_size(j.records) - 1);
		assert_string_equal(json_string_value(json_object_get(last, "status")), "retry");
		/* due = the outcome's clock reading + seq[k-1] mod cap */
		assert_true(j.next_due >= before + (int64_t)(seq[k - 1] % (uint64_t)cap));
		assert_true(j.next_due <= od_now_ms() + (int64_t)(seq[k - 1] % (uint64_t)cap));
	}
	/* Retry-After above the jitter wins */
	res.retry_after_ms = 3 * 3600000L;
	r = od_job_attempt(&j);
	before = od_now_ms();
	od_job_outcome(&j, &res, r);
	json_decref(r);
	assert_true(j.next_due >= before + 3 * 3600000LL && j.next_due <= od_now_ms() + 3 * 3600000LL);
	/* the tries run out: the step's channel fails, the next one (email) is tried */
	res.retry_after_ms = 0;
	while (j.tries <= c->max_retries && j.kind == OD_CH_SMS) {
		r = od_job_attempt(&j);
		od_job_outcome(&j, &res, r);
		json_decref(r);
	}
	last = json_array_get(j.records, json_array_size(j.records) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "status")), "failed");
	assert_non_null(strstr(json_string_value(json_object_get(last, "reason")), "gave up after"));
	od_job_clear(&j);
}

/* UTC ms of y-m-d h:mi UTC. */
static int64_t
utc(int y, int m, int d, int h, int mi)
{
	return od_days_from_civil(y, m, d) * 86400000LL + (h * 60 + mi) * 60000LL;
}

static const char *
rec_str(const json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

#define US_ACCOUNT "{\"account_id\": \"US-J1\", \"debtor\": {\"name\": \"Ann Lee\"," \
	" \"phone\": \"+12125550100\", \"country\": \"US\"}, \"debt\": {\"amount\": \"100.00\"," \
	" \"currency\": \"USD\", \"due_date\": \"2026-01-14\"}, \"policy\": \"prop-us\"," \
	" \"consent\": {\"sms\": true}}"
#define US_STATE "{\"policy\":\"prop-us\",\"status\":\"active\",\"next\":1}"

/*
 * A US debtor with no zone: Reg F's 08:00-21:00 must hold in every US zone
 * (12 CFR 1006.6(b)(1)(i), "both candidate zones").  Wed 2026-01-14 09:00 in
 * New York (14:00 UTC) is 07:00 in Denver: held back, until 08:00 in
 * Honolulu and Adak (18:00 UTC); 21:00 in New York (02:00 UTC) ends it.
 */
static void
test_zone_set_us(void **state)
{
	struct od_job	 j;
	json_t		*r;

	(void)state;
	assert_int_equal(od_job_start(&j, g_set, "US-J1", US_ACCOUNT, strlen(US_ACCOUNT), US_STATE,
	    strlen(US_STATE), NULL, utc(2026, 1, 14, 14, 0)), OD_JOB_FINISH);
	r = json_array_get(j.records, json_array_size(j.records) - 1);
	assert_string_equal(rec_str(r, "status"), "suppressed");
	assert_string_equal(rec_str(r, "reason"), "window");
	assert_string_equal(rec_str(r, "channel"), "sms");
	assert_string_equal(rec_str(r, "detail"), "America/Denver: 07:00 wed is outside US's window "
	    "08:00-21:00 (Reg F, 12 CFR 1006.6(b)(1)(i))");
	assert_string_equal(rec_str(r, "timezone"), "US:*");
	/* send_at (09:00 New York) is past by then: the first instant every zone allows */
	assert_int_equal(j.next_due, utc(2026, 1, 14, 18, 0));
	od_job_clear(&j);

	assert_int_equal(od_job_start(&j, g_set, "US-J1", US_ACCOUNT, strlen(US_ACCOUNT), US_STATE,
	    strlen(US_STATE), NULL, utc(2026, 1, 14, 18, 0)), OD_JOB_SEND);
	r = od_job_attempt(&j);
	assert_string_equal(rec_str(r, "timezone"), "US:*");
	json_decref(r);
	od_job_clear(&j);

	assert_int_equal(od_job_start(&j, g_set, "US-J1", US_ACCOUNT, strlen(US_ACCOUNT), US_STATE,
	    strlen(US_STATE), NULL, utc(2026, 1, 15, 1, 59)), OD_JOB_SEND);
	od_job_clear(&j);
	assert_int_equal(od_job_start(&j, g_set, "US-J1", US_ACCOUNT, strlen(US_ACCOUNT), US_STATE,
	    strlen(US_STATE), NULL, utc(2026, 1, 15, 2, 0)), OD_JOB_FINISH);
	r = json_array_get(j.records, json_array_size(j.records) - 1);
	assert_string_equal(rec_str(r, "detail"), "America/New_York: 21:00 wed is outside US's "
	    "window 08:00-21:00 (Reg F, 12 CFR 1006.6(b)(1)(i))");
	assert_int_equal(j.next_due, utc(2026, 1, 15, 18, 0));
	od_job_clear(&j);
}

/* sim-pe's next_day step of a debt due Friday 2026-03-13: Saturday 09:00 Lima. */
#define FRI_ACCOUNT "{\"account_id\": \"PE-J2\", \"debtor\": {\"name\": \"María Quispe\"," \
	" \"phone\": \"+51987654321\", \"country\": \"PE\"}, \"debt\": {\"amount\": \"1234.50\"," \
	" \"currency\": \"PEN\", \"due_date\": \"2026-03-13\"}, \"policy\": \"sim-pe\"," \
	" \"consent\": {\"sms\": true}}"
#define FRI_STATE "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":1}"

static int64_t
deferred_due(void)
{
	struct od_job	j;
	int64_t		due;

	/* Sunday 2026-03-15 12:00 Lima (UTC-5): the step is due, and held back */
	assert_int_equal(od_job_start(&j, g_set, "PE-J2", FRI_ACCOUNT, strlen(FRI_ACCOUNT),
	    FRI_STATE, strlen(FRI_STATE), NULL, utc(2026, 3, 15, 17, 0)), OD_JOB_FINISH);
	assert_string_equal(rec_str(json_array_get(j.records, 0), "reason"), "window");
	assert_string_equal(rec_str(json_array_get(j.records, 0), "timezone"), "America/Lima");
	due = j.next_due;
	od_job_clear(&j);
	return due;
}

/*
 * A step pushed past the weekend goes at the policy's send_at on Monday
 * (09:00 Lima), not at the window's opening (07:00); with spread, at a
 * stable offset of the account's own; a send_at the window never allows
 * that day falls back to the opening.
 */
static void
test_deferred_goes_at_send_at(void **state)
{
	struct od_policy	*p = (struct od_policy *)od_policy_find(&g_set->policies, "sim-pe");
	struct od_account	 a;
	char			 reason[256];
	int64_t			 off;

	(void)state;
	assert_non_null(p);
	assert_int_equal(deferred_due(), utc(2026, 3, 16, 14, 0));

	assert_int_equal(od_account_parse(FRI_ACCOUNT, strlen(FRI_ACCOUNT), 0, &a, reason,
	    sizeof(reason)), 0);
	p->spread_ms = 2 * 3600000LL;
	off = od_plan_spread(&a, p);
	assert_true(off >= 0 && off < p->spread_ms);
	assert_int_equal(od_plan_spread(&a, p), off);		/* the same every time */
	assert_int_equal(deferred_due(), utc(2026, 3, 16, 14, 0) + off);

	/* 19:30 + the offset may pass 20:00, when PE's window closes: then 19:30 itself */
	p->send_at_min = 19 * 60 + 30;
	assert_int_equal(deferred_due(), utc(2026, 3, 17, 0, 30) + (off < 1800000 ? off : 0));
	/* 21:00 is never allowed: Monday's opening, 07:00 */
	p->send_at_min = 21 * 60;
	assert_int_equal(deferred_due(), utc(2026, 3, 16, 12, 0));
	p->spread_ms = 0;
	od_account_clear(&a);
	p->send_at_min = 9 * 60;
}

/*
 * An account stored before zones were checked against the country: at
 * dispatch it fails with the intake's reason, nothing is sent or scheduled.
 */
static void
test_stored_foreign_zone(void **state)
{
	static const char acct[] = "{\"account_id\": \"PE-J3\", \"debtor\": {\"name\": \"Rosa\","
	    " \"phone\": \"+51987654321\", \"country\": \"PE\", \"timezone\": \"Etc/UTC\"},"
	    " \"debt\": {\"amount\": \"10.00\", \"currency\": \"PEN\", \"due_date\": \"2026-03-09\"},"
	    " \"policy\": \"sim-pe\", \"consent\": {\"sms\": true}}";
	static const char st[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0}";
	struct od_job	 j;
	json_t		*r;

	(void)state;
	assert_int_equal(od_job_start(&j, g_set, "PE-J3", acct, strlen(acct), st, strlen(st), NULL,
	    utc(2026, 3, 9, 14, 0)), OD_JOB_FINISH);
	assert_int_equal(json_array_size(j.records), 1);
	r = json_array_get(j.records, 0);
	assert_string_equal(rec_str(r, "status"), "failed");
	assert_string_equal(rec_str(r, "reason"),
	    "debtor.timezone: \"Etc/UTC\" is not a time zone of PE (America/Lima)");
	assert_int_equal(j.next_due, -1);
	od_job_clear(&j);
}


/*
 * Superseded steps: an account whose state still says next=0 (no daemon ran
 * for a week, or it was enqueued late) on Monday 2026-03-16 10:00 Lima,
 * when sim-pe's step 2 ('week', +7d) is due: steps 0 ('due') and 1
 * ('next_day') are recorded superseded, in order, with their own names,
 * stages, indices and action ids and their due times, and 'week' is sent.
 * When the state's step is the one due, nothing is superseded.
 */
#define WEEK_NOW	(NOW + 7 * 86400000LL)

static void
assert_superseded(const json_t *r, const char *step, const char *stage, int index,
    const char *action_id, const char *due)
{
	char	detail[256];

	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "superseded");
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "later_step_due");
	assert_string_equal(json_string_value(json_object_get(r, "step")), step);
	assert_string_equal(json_string_value(json_object_get(r, "stage")), stage);
	assert_int_equal(json_integer_value(json_object_get(r, "step_index")), index);
	assert_string_equal(json_string_value(json_object_get(r, "action_id")), action_id);
	assert_string_equal(json_string_value(json_object_get(r, "account_id")), "PE-J1");
	assert_string_equal(json_string_value(json_object_get(r, "policy")), "sim-pe");
	assert_null(json_object_get(r, "channel"));
	assert_null(json_object_get(r, "gateway"));
	assert_null(json_object_get(r, "attempt_id"));
	snprintf(detail, sizeof(detail), "due %s; not sent, since step 'week' was due too when it "
	    "was claimed", due);
	assert_string_equal(json_string_value(json_object_get(r, "detail")), detail);
}

static void
test_superseded_steps(void **state)
{
	static const char	 st0[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,"
	    "\"cycle\":\"2026-03-09\",\"seq\":0}";
	static const char	 st1[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":1,"
	    "\"cycle\":\"2026-03-09\"}";
	static const char	 st2[] = "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":2,"
	    "\"cycle\":\"2026-03-09\"}";
	struct od_channel_result res;
	struct od_job		 j;
	json_t			*r;

	(void)state;
	assert_int_equal(od_job_start(&j, g_set, "PE-J1", ACCOUNT, strlen(ACCOUNT), st0,
	    strlen(st0), NULL, WEEK_NOW), OD_JOB_SEND);
	assert_int_equal(j.step, 2);
	assert_string_equal(j.action_id, "PE-J1:2026-03-09:week");
	assert_int_equal(json_array_size(j.records), 2);
	assert_superseded(json_array_get(j.records, 0), "due", "reminder", 0,
	    "PE-J1:2026-03-09:due", "2026-03-09T14:00:00.000Z");
	assert_superseded(json_array_get(j.records, 1), "next_day", "notice", 1,
	    "PE-J1:2026-03-09:next_day", "2026-03-10T14:00:00.000Z");
	/* The step sent is 'week', after them; they are not attempts (the seq is the send's). */
	assert_non_null(r = od_job_attempt(&j));
	assert_string_equal(json_string_value(json_object_get(r, "attempt_id")),
	    "PE-J1:2026-03-09:week#1");
	memset(&res, 0, sizeof(res));
	res.outcome = OD_OUTCOME_ACCEPTED;
	assert_int_equal(od_job_outcome(&j, &res, r), OD_JOB_FINISH);
	json_decref(r);
	assert_int_equal(json_array_size(j.records), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j.records, 2),
	    "status")), "sent");
	assert_string_equal(json_string_value(json_object_get(json_array_get(j.records, 2),
	    "step")), "week");
	assert_int_equal(j.next_step, 3);
	od_job_clear(&j);

	/* From step 1: only 'next_day' is superseded. */
	assert_int_equal(od_job_start(&j, g_set, "PE-J1", ACCOUNT, strlen(ACCOUNT), st1,
	    strlen(st1), NULL, WEEK_NOW), OD_JOB_SEND);
	assert_int_equal(j.step, 2);
	assert_int_equal(json_array_size(j.records), 1);
	assert_superseded(json_array_get(j.records, 0), "next_day", "notice", 1,
	    "PE-J1:2026-03-09:next_day", "2026-03-10T14:00:00.000Z");
	od_job_clear(&j);

	/* The state's step is the one due: nothing superseded, at +7d or on the due date. */
	assert_int_equal(od_job_start(&j, g_set, "PE-J1", ACCOUNT, strlen(ACCOUNT), st2,
	    strlen(st2), NULL, WEEK_NOW), OD_JOB_SEND);
	assert_int_equal(j.step, 2);
	assert_int_equal(json_array_size(j.records), 0);
	od_job_clear(&j);
	assert_int_equal(start(&j, st0), OD_JOB_SEND);
	assert_int_equal(j.step, 0);
	assert_int_equal(json_array_size(j.records), 0);
	od_job_clear(&j);
	/* 18:00, step 1 (next day 09:00) not yet come: step 0 is sent late, not superseded. */
	assert_int_equal(od_job_start(&j, g_set, "PE-J1", ACCOUNT, strlen(ACCOUNT), st0,
	    strlen(st0), NULL, NOW + 8 * 3600000LL), OD_JOB_SEND);
	assert_int_equal(j.step, 0);
	assert_int_equal(json_array_size(j.records), 0);
	od_job_clear(&j);
}

/*
 * begin.lua found the state changed between the claim and the send (an
 * event came in): the send is checked again on the state as it is now.
 * The debtor's local date is 2026-03-09 (NOW in Lima).
 */
static void
recheck_is(const char *now_state, const char *want)
{
	static const char	 st[] = "{\"v\":3,\"policy\":\"sim-pe\",\"status\":\"active\","
	    "\"next\":0}";
	struct od_job		 j;
	const char		*got;

	assert_int_equal(start(&j, st), OD_JOB_SEND);
	assert_int_equal(j.kind, OD_CH_SMS);
	got = od_job_recheck(&j, now_state, strlen(now_state));
	if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: '%s', not '%s'", now_state, got ? got : "(send)", want ? want : "(send)");
	if (want == NULL || strcmp(want, "state_corrupt") != 0) {
		/* the job goes on with the state as it is now (completion writes on it) */
		assert_int_equal(json_integer_value(json_object_get(j.state, "v")), 4);
	} else {
		assert_true(j.corrupt);
		assert_string_equal(json_string_value(json_object_get(json_array_get(j.records,
		    json_array_size(j.records) - 1), "reason")), "state_corrupt");
	}
	od_job_clear(&j);
}

static void
test_recheck(void **state)
{
	(void)state;
	/* a partial payment (a re-plan asked for): still sent */
	recheck_is("{\"v\":4,\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,"
	    "\"paid_minor\":100,\"replan\":true}", NULL);
	recheck_is("{\"v\":4,\"status\":\"paid\"}", "paid");
	recheck_is("{\"v\":4,\"status\":\"closed\"}", "paid");
	recheck_is("{\"v\":4,\"status\":\"ceased\"}", "hold");
	recheck_is("{\"v\":4,\"status\":\"active\",\"optout\":{\"sms\":true}}", "opt_out");
	recheck_is("{\"v\":4,\"status\":\"active\",\"optout\":{\"all\":true}}", "opt_out");
	/* another channel's opt-out does not hold this one back */
	recheck_is("{\"v\":4,\"status\":\"active\",\"optout\":{\"email\":true}}", NULL);
	recheck_is("{\"v\":4,\"status\":\"active\",\"hold\":{\"dispute\":true}}", "hold");
	recheck_is("{\"v\":4,\"status\":\"active\",\"hold\":{\"promise_until\":"
	    "\"2026-03-09\"}}", "hold");
	recheck_is("{\"v\":4,\"status\":\"active\",\"hold\":{\"promise_until\":"
	    "\"2026-03-08\"}}", NULL);	/* a promise that ran out yesterday */
	/* a person asked for, a payment claimed: held until hold.until */
	recheck_is("{\"v\":4,\"status\":\"active\",\"hold\":{\"until\":1999999999999,"
	    "\"why\":\"agent\"}}", "hold");
	recheck_is("{\"v\":4,\"status\":\"active\",\"hold\":{\"until\":1000,"
	    "\"why\":\"agent\"}}", NULL);	/* over */
	recheck_is("{\"v\":4,\"status\":", "state_corrupt");
	recheck_is("{\"v\":-4,\"status\":\"active\"}", "state_corrupt");
	recheck_is("{\"v\":4,\"optout\":{\"fax\":true}}", "state_corrupt");
}

/* A reply's hold: the step due now waits until hold.until, recorded with why. */
static void
test_reply_hold(void **state)
{
	struct od_job	 j;
	char		 st[256];
	json_t		*r;

	(void)state;
	snprintf(st, sizeof(st), "{\"policy\":\"sim-pe\",\"status\":\"active\",\"next\":0,"
	    "\"hold\":{\"until\":%lld,\"why\":\"agent\"}}", (long long)(NOW + 86400000LL));
	assert_int_equal(start(&j, st), OD_JOB_FINISH);
	assert_int_equal(j.next_due, NOW + 86400000LL);
	r = json_array_get(j.records, json_array_size(j.records) - 1);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "suppressed");
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "hold");
	assert_non_null(strstr(json_string_value(json_object_get(r, "detail")),
	    "a person was asked for"));
	od_job_clear(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_range_numbers),
		cmocka_unit_test(test_channel_index),
		cmocka_unit_test(test_wrong_kinds),
		cmocka_unit_test(test_good_state),
		cmocka_unit_test(test_debtor_country_preset),
		cmocka_unit_test(test_local_failure_uses_no_try),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_zone_set_us),
		cmocka_unit_test(test_deferred_goes_at_send_at),
		cmocka_unit_test(test_stored_foreign_zone),
		cmocka_unit_test(test_superseded_steps),
		cmocka_unit_test(test_recheck),
		cmocka_unit_test(test_reply_hold),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
