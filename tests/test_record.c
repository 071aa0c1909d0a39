/*
 * od_record: the stream fields of an attempt record exactly as the scripts
 * XADD them, and complete.lua's state update done by the daemon.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_record.h"

#define DAY_MS	86400000LL
#define NOW	1773068400000LL		/* 2026-03-09T15:00:00Z */

static void
test_fields_in_order(void **state)
{
	const char	*args[2 * OD_RECORD_FIELDS];
	char		 num[OD_RECORD_FIELDS][24];
	json_t		*r;
	size_t		 n;
	static const char *const want[] = {
		"ts", "2026-03-09T15:00:00.012Z", "account_id", "PE-1",
		"action_id", "PE-1:2026-03-09:reminder_due",
		"attempt_id", "PE-1:2026-03-09:reminder_due#1", "policy", "pe-consumer",
		"step", "reminder_due", "stage", "reminder", "channel", "sms", "gateway", "twilio",
		"status", "sent", "provider_id", "SM0123", "encoding", "gsm7", "segments", "2",
	};

	(void)state;
	/* keys in another order, an empty reason, a field the stream does not carry */
	r = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}",
	    "segments", 2, "status", "sent", "reason", "", "ts", "2026-03-09T15:00:00.012Z",
	    "account_id", "PE-1", "action_id", "PE-1:2026-03-09:reminder_due",
	    "attempt_id", "PE-1:2026-03-09:reminder_due#1", "policy", "pe-consumer",
	    "step", "reminder_due", "stage", "reminder", "channel", "sms", "gateway", "twilio",
	    "provider_id", "SM0123", "step_index", 0, "encoding", "gsm7");
	assert_non_null(r);
	n = od_record_fields(r, args, num);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(args[i], want[i]);
	json_decref(r);
}

static void
test_fields_suppressed(void **state)
{
	const char	*args[2 * OD_RECORD_FIELDS];
	char		 num[OD_RECORD_FIELDS][24];
	json_t		*r;

	(void)state;
	r = json_pack("{s:s, s:s, s:s, s:s}", "ts", "2026-03-09T15:00:00.000Z",
	    "account_id", "PE-2", "status", "suppressed", "reason", "quiet_hours");
	assert_int_equal(od_record_fields(r, args, num), 8);
	assert_string_equal(args[4], "status");
	assert_string_equal(args[5], "suppressed");
	assert_string_equal(args[6], "reason");
	assert_string_equal(args[7], "quiet_hours");
	json_decref(r);
}

static void
job_with_state(struct od_job *j, const char *state_json)
{
	json_error_t	err;

	memset(j, 0, sizeof(*j));
	j->state = json_loads(state_json, 0, &err);
	assert_non_null(j->state);
	j->next_step = -1;
	j->contact = "";
	j->optout = "";
}

/* What complete.lua writes after a sent SMS: the step advanced, the contact counted. */
static void
test_state_after_send(void **state)
{
	struct od_job	 j;
	char		*out, buf[512];
	json_t		*s, *recent;
	int64_t		 due;

	(void)state;
	snprintf(buf, sizeof(buf), "{\"policy\":\"pe-consumer\",\"cycle\":\"2026-03-09\","
	    "\"next\":0,\"status\":\"active\",\"amount_minor\":123450,\"paid_minor\":0,"
	    "\"digits\":2,\"tries\":1,\"fb\":1,\"seq\":2,\"optout\":{},\"hold\":{},"
	    "\"recent\":[[%lld,\"email\"],[%lld,\"whatsapp\"]],\"phones\":[\"+51987000111\"],"
	    "\"evs\":[\"1700000000000-0\"],\"note\":\"kept\"}",
	    NOW - 9 * DAY_MS, NOW - DAY_MS);
	job_with_state(&j, buf);
	j.next_step = 1;
	j.ci = 0;
	j.tries = 0;
	j.seq = 3;
	j.contact = "sms";
	j.optout = "whatsapp";
	j.next_due = NOW + DAY_MS;
	out = od_record_state(&j, NOW, &due, NULL, NULL);
	assert_non_null(out);
	assert_int_equal(due, NOW + DAY_MS);
	/* the next version, first: complete.lua compares it without decoding */
	assert_memory_equal(out, "{\"v\":1,", 7);
	s = json_loads(out, 0, NULL);
	assert_non_null(s);
	assert_int_equal(json_integer_value(json_object_get(s, "next")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "fb")), 0);
	assert_int_equal(json_integer_value(json_object_get(s, "tries")), 0);
	assert_int_equal(json_integer_value(json_object_get(s, "seq")), 3);
	assert_true(json_is_true(json_object_get(json_object_get(s, "optout"), "whatsapp")));
	assert_string_equal(json_string_value(json_object_get(s, "cycle")), "2026-03-09");
	assert_int_equal(json_integer_value(json_object_get(s, "amount_minor")), 123450);
	/* the email of 9 days ago is past the caps' 8 days: dropped */
	recent = json_object_get(s, "recent");
	assert_int_equal(json_array_size(recent), 2);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(recent, 0), 0)),
	    NOW - DAY_MS);
	assert_string_equal(json_string_value(json_array_get(json_array_get(recent, 0), 1)),
	    "whatsapp");
	assert_int_equal(json_integer_value(json_array_get(json_array_get(recent, 1), 0)), NOW);
	assert_string_equal(json_string_value(json_array_get(json_array_get(recent, 1), 1)), "sms");
	/* what intake.lua and event.lua keep comes back unchanged */
	assert_string_equal(json_string_value(json_array_get(json_object_get(s, "phones"), 0)),
	    "+51987000111");
	assert_string_equal(json_string_value(json_array_get(json_object_get(s, "evs"), 0)),
	    "1700000000000-0");
	assert_string_equal(json_string_value(json_object_get(s, "note")), "kept");
	json_decref(s);
	free(out);
	od_job_clear(&j);
}

/* Nothing reached the debtor (a retry later): next unchanged, no contact. */
static void
test_state_retry(void **state)
{
	struct od_job	 j;
	char		*out;
	json_t		*s;
	int64_t		 due;

	(void)state;
	job_with_state(&j, "{\"status\":\"active\",\"next\":2,\"tries\":0,\"fb\":0,\"seq\":4,"
	    "\"recent\":{},\"optout\":{\"email\":true}}");
	j.tries = 1;
	j.seq = 5;
	out = od_record_state(&j, NOW, &due, NULL, NULL);
	assert_non_null(out);
	s = json_loads(out, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(s, "next")), 2);
	assert_int_equal(json_integer_value(json_object_get(s, "tries")), 1);
	assert_int_equal(json_integer_value(json_object_get(s, "seq")), 5);
	assert_int_equal(json_array_size(json_object_get(s, "recent")), 0);
	assert_true(json_is_true(json_object_get(json_object_get(s, "optout"), "email")));
	json_decref(s);
	free(out);
	od_job_clear(&j);
}

/*
 * Paid, or a re-plan pending (an event while in flight): the state is still
 * od_state's to write; a state it cannot read whole is not written at all
 * (od_job_start fails such a state as corrupt before it gets here).
 */
static void
test_state_paid_replan(void **state)
{
	struct od_job	 j;
	char		*out;
	json_t		*s;
	int64_t		 due;

	(void)state;
	job_with_state(&j, "{\"v\":7,\"status\":\"paid\",\"next\":1}");
	j.next_step = 2;
	j.next_due = NOW + DAY_MS;
	assert_non_null(out = od_record_state(&j, NOW, &due, NULL, NULL));
	assert_int_equal(due, -1);		/* paid: nothing more */
	assert_memory_equal(out, "{\"v\":8,", 7);
	s = json_loads(out, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(s, "status")), "paid");
	assert_int_equal(json_integer_value(json_object_get(s, "next")), 2);
	json_decref(s);
	free(out);
	od_job_clear(&j);

	job_with_state(&j, "{\"status\":\"active\",\"next\":1,\"replan\":true}");
	j.next_due = NOW + DAY_MS;
	assert_non_null(out = od_record_state(&j, NOW, &due, NULL, NULL));
	assert_int_equal(due, NOW);		/* re-planned at once */
	s = json_loads(out, 0, NULL);
	assert_null(json_object_get(s, "replan"));
	json_decref(s);
	free(out);
	od_job_clear(&j);

	job_with_state(&j, "{\"status\":\"active\",\"next\":1,\"optout\":{\"voice\":true}}");
	assert_null(od_record_state(&j, NOW, &due, NULL, NULL));
	od_job_clear(&j);
}

/* lib.lua's od_field_names (reclaim and receipt write with it) is od_record_field_names. */
static void
test_lua_field_names(void **state)
{
	FILE	*fp;
	char	 buf[8192], *p, *end, name[32];
	size_t	 n, i = 0;

	(void)state;
	assert_non_null(fp = fopen(OD_SOURCE_DIR "/daemon/lua/lib.lua", "r"));
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_non_null(p = strstr(buf, "local od_field_names = {"));
	assert_non_null(end = strchr(p, '}'));
	for (p = strchr(p, '{'); (p = strchr(p, '\'')) != NULL && p < end; p = strchr(p + 1, '\'') + 1) {
		size_t len = (size_t)(strchr(p + 1, '\'') - p - 1);

		assert_true(len < sizeof(name));
		memcpy(name, p + 1, len);
		name[len] = '\0';
		assert_true(i < OD_RECORD_FIELDS);
		assert_string_equal(name, od_record_field_names[i]);
		i++;
	}
	assert_int_equal(i, OD_RECORD_FIELDS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_in_order),
		cmocka_unit_test(test_lua_field_names),
		cmocka_unit_test(test_fields_suppressed),
		cmocka_unit_test(test_state_after_send),
		cmocka_unit_test(test_state_retry),
		cmocka_unit_test(test_state_paid_replan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
