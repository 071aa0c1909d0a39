/*
 * Integration: the debtor as one person.  Contact caps and spacing count
 * every contact with a person across all of their accounts (Colombia's Ley
 * 2300 de 2023 limits contact per consumer, not per loan; PE's caps here are
 * outreachd's default, config/jurisdictions/PE.yaml: one a local day, 24 h
 * apart).  A person is their debtor.id (hashed before it is stored), else
 * their phone, else their email (daemon/od_person.h).
 *
 * A real redis-server and daemon, the repo's PE preset and es-PE templates,
 * and tests/data/person-it/policy/pit-one.yaml: one SMS at 10:00 Lima on the
 * due date.  2026-03-09 is a Monday; Lima is UTC-5 all year.
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

#define POLICY_DIR	OD_TEST_DATA "/person-it/policy"
#define CHANNELS	"  sms: outbox\n  email: outbox\n  whatsapp: outbox\n"
#define DAY_MS		86400000LL

static struct od_test_env	g_env;
static pid_t			g_pid;

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

static long long
lima(int y, int mon, int d, int h, int min)
{
	return od_test_utc_ms(y, mon, d, h + 5, min);
}

static void
run_once_at(const struct od_test_env *e, const char *log, long long at_ms)
{
	assert_true((g_pid = od_test_daemon_at(e, log, at_ms, 1)) > 0);
	assert_int_equal(od_test_process_wait(g_pid, 20000), 0);
	g_pid = 0;
}

/* A PE account on pit-one due 2026-03-09; doc_id (debtor.id) may be NULL. */
static void
enqueue(const struct od_test_env *e, const char *id, const char *phone, const char *doc_id)
{
	char	 idj[80] = "", *body;

	if (doc_id != NULL)
		snprintf(idj, sizeof(idj), "\"id\":\"%s\",", doc_id);
	assert_true(asprintf(&body,
	    "{\"account_id\":\"%s\",\"policy\":\"pit-one\","
	    "\"debtor\":{\"name\":\"Rosa Huamán\",%s\"phone\":\"%s\",\"locale\":\"es-PE\","
	    "\"timezone\":\"America/Lima\",\"country\":\"PE\"},"
	    "\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":\"2026-03-09\"},"
	    "\"consent\":{\"sms\":true}}", id, idj, phone) > 0);
	assert_int_equal(od_test_enqueue(e, "account", body), 0);
	free(body);
}

/* The one record of id's history: its status, and its reason in reason (or ""). */
static const char *
only_status(const struct od_test_env *e, const char *id, char *reason, size_t rlen,
    long long *at_ms)
{
	static char	 status[32];
	json_t		*h = od_test_history(e, id), *r;
	const char	*ts;
	struct tm	 tm;

	assert_int_equal(json_array_size(h), 1);
	r = json_array_get(h, 0);
	snprintf(status, sizeof(status), "%s", od_test_str(r, "status"));
	snprintf(reason, rlen, "%s", od_test_str(r, "reason"));
	ts = od_test_str(r, "ts");
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm));
	*at_ms = (long long)timegm(&tm) * 1000;
	json_decref(h);
	return status;
}

/*
 * Two loans, one person: the first SMS goes, the second account waits for
 * the person's spacing (24 h from the first), then goes.  Run with the two
 * accounts known by their shared phone (id NULL) or by a document number
 * written two ways.
 */
static void
one_person_case(const char *phone_a, const char *phone_b, const char *id_a, const char *id_b)
{
	struct od_test_env	*const ep = &g_env;
	char			 ra[64], rb[64];
	const char		*sa, *sb, *waited;
	json_t			*last;
	long long		 ta, tb, sent_at, due;

	assert_int_equal(od_test_env_start_with(ep, "itperson", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
	enqueue(ep, "L-1", phone_a, id_a);
	enqueue(ep, "L-2", phone_b, id_b);
	run_once_at(ep, "d1.log", lima(2026, 3, 9, 10, 30));

	/* One message reached the person that day, not two. */
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);
	sa = strcmp(only_status(ep, "L-1", ra, sizeof(ra), &ta), "sent") == 0 ? "sent" : "suppressed";
	sb = only_status(ep, "L-2", rb, sizeof(rb), &tb);
	assert_true((strcmp(sa, "sent") == 0) != (strcmp(sb, "sent") == 0));
	waited = strcmp(sa, "sent") == 0 ? "L-2" : "L-1";
	sent_at = strcmp(sa, "sent") == 0 ? ta : tb;
	assert_string_equal(strcmp(sa, "sent") == 0 ? sb : sa, "suppressed");
	/* spacing (24 h) or the day cap: both are the person's */
	assert_true(strcmp(strcmp(sa, "sent") == 0 ? rb : ra, "spacing") == 0 ||
	    strcmp(strcmp(sa, "sent") == 0 ? rb : ra, "cap") == 0);
	due = od_test_due_of(ep, waited);
	assert_true(due >= sent_at + DAY_MS);
	assert_int_equal(od_test_int(ep, "HLEN outreach:person"), 1);

	/* The next morning, still inside the 24 h: nothing. */
	run_once_at(ep, "d2.log", lima(2026, 3, 10, 8, 0));
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 1);

	/* Once due, the waiting account's message goes. */
	run_once_at(ep, "d3.log", due + 60000);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 2);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:%s", waited), 2);
	last = od_test_history_at(ep, waited, 1);
	assert_string_equal(od_test_str(last, "status"), "sent");
	json_decref(last);
}

static void
test_shared_phone(void **state)
{
	(void)state;
	one_person_case("+51987000111", "+51987000111", NULL, NULL);
}

/* The same DNI written two ways, different phones: one person. */
static void
test_shared_document(void **state)
{
	struct od_test_env	*const ep = &g_env;
	redisReply		*r;
	size_t			 i;

	(void)state;
	one_person_case("+51987000111", "+51987000222", "12.345.678", "12345678");
	/* At rest the document number is a keyed hash, never the number. */
	r = redisCommand(ep->rc, "HVALS outreach:accounts");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 2);
	for (i = 0; i < r->elements; i++) {
		assert_null(strstr(r->element[i]->str, "12345678"));
		assert_null(strstr(r->element[i]->str, "12.345.678"));
		assert_null(strstr(r->element[i]->str, "\"id\":"));
		assert_non_null(strstr(r->element[i]->str, "\"id_hash\":\""));
	}
	freeReplyObject(r);
}

/* Two people (different phones, no document): each gets their message the same day. */
static void
test_two_people(void **state)
{
	struct od_test_env	*const ep = &g_env;
	char			 reason[64];
	long long		 at;

	(void)state;
	assert_int_equal(od_test_env_start_with(ep, "itperson", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
	enqueue(ep, "L-1", "+51987000111", NULL);
	enqueue(ep, "L-2", "+51987000222", NULL);
	run_once_at(ep, "d1.log", lima(2026, 3, 9, 10, 30));
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 2);
	assert_string_equal(only_status(ep, "L-1", reason, sizeof(reason), &at), "sent");
	assert_string_equal(only_status(ep, "L-2", reason, sizeof(reason), &at), "sent");
	assert_int_equal(od_test_int(ep, "HLEN outreach:person"), 2);
}

/* A debtor.id that is no document number is rejected with its reason. */
static void
test_bad_document(void **state)
{
	struct od_test_env	*const ep = &g_env;
	json_t			*rej;
	int			 i;

	(void)state;
	assert_int_equal(od_test_env_start_with(ep, "itperson", POLICY_DIR, NULL, NULL, NULL,
	    CHANNELS), 0);
	enqueue(ep, "L-1", "+51987000111", "DNI:1234");
	run_once_at(ep, "d1.log", lima(2026, 3, 9, 10, 30));
	for (i = 0; i < 100 && json_array_size(rej = od_test_rejected(ep)) == 0; i++) {
		json_decref(rej);
		rej = NULL;
		usleep(50000);
	}
	assert_non_null(rej);
	assert_int_equal(json_array_size(rej), 1);
	assert_non_null(strstr(od_test_str(json_array_get(rej, 0), "reason"),
	    "debtor.id: not a document number"));
	json_decref(rej);
	assert_int_equal(od_test_outbox_count(ep, "sms.jsonl"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_shared_phone, teardown),
		cmocka_unit_test_teardown(test_shared_document, teardown),
		cmocka_unit_test_teardown(test_two_people, teardown),
		cmocka_unit_test_teardown(test_bad_document, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
