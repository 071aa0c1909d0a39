/*
 * Integration: whatever upstream puts in the inbox ends in exactly one
 * place (docs/protocol.md).  Every malformed entry lands in
 * outreach:rejected with its reason, its kind and its body byte for byte,
 * and the daemon keeps serving: a good account enqueued after them all is
 * still sent.
 *
 * The clock is Monday 2026-03-09, 10:00 in Lima: PE's window is open
 * (config/jurisdictions/PE.yaml, Ley 29571 art. 62).
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

#include "od_testenv.h"

static struct od_test_env	g_env;
static pid_t			g_pid;
/* An account due today passed reminder_upcoming (-3d): superseded (docs/protocol.md). */
static const char *const	sup_upcoming[] = { "reminder_upcoming", NULL };

static int
teardown(void **state)
{
	(void)state;
	od_test_teardown(&g_env, &g_pid, 1);
	return 0;
}

struct bad {
	const char	*what;
	const char	*kind;		/* NULL: no 'kind' field */
	size_t		 kindlen;	/* 0: strlen(kind) */
	char		*body;		/* owned */
	size_t		 len;
	const char	*reason;	/* what the daemon must write */
	char		 entry[64];	/* the inbox id */
	int		 seen;
};

/* s with the first "from" replaced by "to" (new string). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char	*p = strstr(s, from);
	char		*r;

	assert_non_null(p);
	assert_true(asprintf(&r, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from)) > 0);
	return r;
}

static void
xadd(const struct od_test_env *e, struct bad *b)
{
	redisReply	*r;

	if (b->kind != NULL)
		r = redisCommand(e->rc, "XADD outreach:inbox * kind %b body %b", b->kind,
		    b->kindlen ? b->kindlen : strlen(b->kind), b->body, b->len);
	else
		r = redisCommand(e->rc, "XADD outreach:inbox * body %b", b->body, b->len);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	snprintf(b->entry, sizeof(b->entry), "%s", r->str);
	freeReplyObject(r);
}

static void
test_rejected(void **state)
{
	struct od_test_env	*const ep = &g_env;
	struct bad		 bad[20];
	char			*good, *big, clk[64], big_reason[80];
	const char		*args[2] = { clk, NULL };
	size_t			 n = 0, i, k, nrej;
	redisReply		*r, *f;
	json_t			*out, *hist;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itbad", NULL, NULL), 0);
	good = od_test_account("PE-OK", "2026-03-09", "1234.50", NULL);
	assert_non_null(good);
	memset(bad, 0, sizeof(bad));
#define BAD(w, k, b, why) do { bad[n].what = (w); bad[n].kind = (k); bad[n].body = (b); \
	bad[n].len = strlen(bad[n].body); bad[n].reason = (why); n++; } while (0)
	BAD("malformed JSON", "account", strdup("{\"account_id\":\"PE-X\","),
	    "body: invalid JSON at line 1, column 21: string or '}' expected near end of file");
	BAD("a JSON array", "account", strdup("[{\"account_id\":\"PE-X\"}]"),
	    "body: must be a JSON object");
	BAD("no account_id", "account", replace(good, "\"account_id\":\"PE-OK\",", ""),
	    "account_id: required");
	BAD("amount as a number", "account", replace(good, "\"amount\":\"1234.50\"", "\"amount\":1234.50"),
	    "debt.amount: must be a decimal string such as \"1234.50\", not a number");
	BAD("invalid phone", "account", replace(good, "\"phone\":\"+51987000111\"", "\"phone\":\"987 000 111\""),
	    "debtor.phone: not E.164");
	BAD("invalid email", "account", replace(good, "rosa@example.pe", "rosa.example.pe"),
	    "debtor.email: not a valid address");
	BAD("invalid timezone", "account", replace(good, "America/Lima", "America/Atlantis"),
	    "debtor.timezone: not a known IANA time zone");
	BAD("invalid currency", "account", replace(good, "\"PEN\"", "\"PEX\""),
	    "debt.currency: not an active ISO 4217 code");
	/* A real date is required: 2026-02-30 has the shape but is no day. */
	BAD("invalid date", "account", replace(good, "2026-03-09", "2026-02-30"),
	    "debt.due_date: not a calendar date (no such day)");
	BAD("unknown policy", "account", replace(good, "\"consent\"", "\"policy\":\"pe-gold\",\"consent\""),
	    "policy: no policy named 'pe-gold' is loaded");
	BAD("invalid UTF-8", "account", replace(good, "Huam\xc3\xa1n", "Huam\xe1n"),
	    "body: not valid UTF-8 (byte 50)");
	big = malloc(70001);
	assert_non_null(big);
	memset(big, 'a', 70000);
	big[70000] = '\0';
	BAD("a body over 64 KiB", "account", replace(good, "\"consent\"", "\"attributes\":{\"x\":\"X\"},\"consent\""),
	    big_reason);
	{
		char *t = bad[n - 1].body;
		bad[n - 1].body = replace(t, "\"X\"", big);
		bad[n - 1].len = strlen(bad[n - 1].body);
		snprintf(big_reason, sizeof(big_reason), "body: %zu bytes is over the 65536 byte "
		    "limit", bad[n - 1].len);
		free(t);
	}
	free(big);
	BAD("no kind", NULL, strdup(good),
	    "entry: fields 'kind' (account or event) and 'body' are required");
	BAD("an unknown kind", "acount", strdup(good), "kind: must be 'account' or 'event'");
	/* Redis strings carry their length: "account\0x" is not "account". */
	BAD("a kind with a NUL inside", "account\0x", strdup(good), "kind: must be 'account' or 'event'");
	bad[n - 1].kindlen = 9;
	/* A field name that is not an identifier (here a person's name) is not repeated. */
	BAD("a field named after a person", "account",
	    replace(good, "\"consent\"", "\"Rosa \xc3\x91ique\":1,\"consent\""), "body: an unknown field");
	BAD("an event for an unknown account", "event",
	    strdup("{\"account_id\":\"PE-NOBODY\",\"type\":\"close\"}"),
	    "account_id: no such account (enqueue the account first)");
	BAD("an event of an unknown type", "event",
	    strdup("{\"account_id\":\"PE-OK\",\"type\":\"refund\"}"),
	    "type: unknown event type 'refund'");
#undef BAD
	for (i = 0; i < n; i++)
		xadd(ep, &bad[i]);
	assert_int_equal(od_test_enqueue(ep, "account", good), 0);

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_pid = od_test_daemon_start(ep, "d.log", args);
	assert_int_equal(od_test_wait_int(ep, (long long)n, 10000, "XLEN outreach:rejected"), (long long)n);
	assert_int_equal(od_test_wait_status(ep, "PE-OK", "sent", 1, 10000), 1);
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;

	/* Each rejection: reason, kind and body as given, and the inbox entry's id. */
	r = redisCommand(ep->rc, "XRANGE outreach:rejected - +");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	nrej = r->elements;
	assert_int_equal(nrej, n);
	for (i = 0; i < nrej; i++) {
		const redisReply *reason = NULL, *kind = NULL, *body = NULL, *entry = NULL;
		f = r->element[i]->element[1];
		for (k = 0; k + 1 < f->elements; k += 2) {
			if (strcmp(f->element[k]->str, "reason") == 0)
				reason = f->element[k + 1];
			else if (strcmp(f->element[k]->str, "kind") == 0)
				kind = f->element[k + 1];
			else if (strcmp(f->element[k]->str, "body") == 0)
				body = f->element[k + 1];
			else if (strcmp(f->element[k]->str, "entry") == 0)
				entry = f->element[k + 1];
		}
		assert_non_null(reason);
		assert_non_null(kind);
		assert_non_null(body);
		assert_non_null(entry);
		for (k = 0; k < n; k++)
			if (strcmp(bad[k].entry, entry->str) == 0)
				break;
		assert_true(k < n);
		print_message("%-32s -> %s\n", bad[k].what, reason->str);
		bad[k].seen++;
		assert_string_equal(reason->str, bad[k].reason);
		assert_int_equal(kind->len, bad[k].kind ? (bad[k].kindlen ? bad[k].kindlen :
		    strlen(bad[k].kind)) : 0);
		assert_memory_equal(kind->str, bad[k].kind ? bad[k].kind : "", kind->len);
		assert_int_equal(body->len, bad[k].len);
		assert_memory_equal(body->str, bad[k].body, bad[k].len);
	}
	freeReplyObject(r);
	for (k = 0; k < n; k++) {
		assert_int_equal(bad[k].seen, 1);
		free(bad[k].body);
	}

	/* The daemon kept serving: the good account was stored and sent, once. */
	assert_int_equal(od_test_int(ep, "HLEN outreach:accounts"), 1);
	out = od_test_outbox(ep, "whatsapp.jsonl");
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "action_id")),
	    "PE-OK:2026-03-09:reminder_due");
	json_decref(out);
	/* due today: its reminder_upcoming superseded, then reminder_due sent */
	hist = od_test_history(ep, "PE-OK");
	assert_int_equal(json_array_size(hist), 2);
	assert_string_equal(od_test_superseded(hist, 0, "reminder_due", sup_upcoming), "ok");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 1), "status")), "sent");
	json_decref(hist);
	assert_true(od_test_inbox_settled(ep));
	free(good);
}

/*
 * Events that cannot apply to the account they name (docs/protocol.md,
 * "Promises, agreements and handoff"): each lands in outreach:rejected with
 * its reason, and the account's state and agreements are as they were.
 */
static void
test_rejected_lifecycle(void **state)
{
	static const struct { const char *body, *reason; } cases[] = {
		{ "{\"account_id\":\"PE-L\",\"type\":\"promise_to_pay\",\"date\":\"2026-03-08\"}",
		  "date: 2026-03-08 is in the past (the debtor's date is 2026-03-09)" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"promise_to_pay\",\"amount\":\"50.00\"}",
		  "date: required" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"plan_accepted\",\"offer\":\"cuotas\"}",
		  "offer: 'cuotas' was never made to this account" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"settlement_accepted\",\"offer\":\"nada\"}",
		  "offer: 'nada' is not an offer of policy 'pe-consumer'" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"promise_to_pay\",\"date\":\"2026-03-12\","
		  "\"amount\":\"10.00\",\"currency\":\"USD\"}",
		  "currency: USD, but the account is in PEN" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"promise_to_pay\",\"date\":\"2026-03-12\","
		  "\"amount\":\"10.001\"}", "amount: '10.001' has more than the 2 decimals of PEN" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"payment\",\"amount\":\"10.005\"}",
		  "amount: '10.005' has more than the 2 decimals of PEN" },
		{ "{\"account_id\":\"PE-L\",\"type\":\"recall\"}",
		  "the account is not placed (it is active)" },
		{ "{\"account_id\":\"PE-C\",\"type\":\"plan_accepted\",\"offer\":\"cuotas\"}",
		  "the account is closed: no agreement applies" },
	};
	struct od_test_env	*const ep = &g_env;
	const size_t		 n = sizeof(cases) / sizeof(cases[0]);
	char			*acct, clk[64];
	const char		*args[2] = { clk, NULL };
	json_t			*rej, *st, *hist, *r;
	size_t			 i, k;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itbadlife", NULL, NULL), 0);
	assert_non_null(acct = od_test_account("PE-L", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(ep, "account", acct), 0);
	free(acct);
	assert_non_null(acct = od_test_account("PE-C", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(ep, "account", acct), 0);
	free(acct);
	assert_int_equal(od_test_enqueue(ep, "event", "{\"account_id\":\"PE-C\",\"type\":"
	    "\"close\"}"), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(od_test_enqueue(ep, "event", cases[i].body), 0);

	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);	/* Monday 10:00 in Lima */
	g_pid = od_test_daemon_start(ep, "d.log", args);
	assert_int_equal(od_test_wait_int(ep, (long long)n, 10000, "XLEN outreach:rejected"),
	    (long long)n);
	assert_int_equal(od_test_wait_status(ep, "PE-L", "sent", 1, 10000), 1);
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;

	rej = od_test_rejected(ep);
	assert_int_equal(json_array_size(rej), n);
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(od_test_str(json_array_get(rej, k), "body"), cases[i].body) == 0)
				break;
		assert_true(k < n);
		r = json_array_get(rej, k);
		print_message("%-.70s -> %s\n", cases[i].body, od_test_str(r, "reason"));
		assert_string_equal(od_test_str(r, "reason"), cases[i].reason);
		assert_string_equal(od_test_str(r, "kind"), "event");
	}
	json_decref(rej);

	/* Nothing changed: no promise, no agreement, no record of one, no payment. */
	st = od_test_state(ep, "PE-L");
	assert_non_null(st);
	assert_null(json_object_get(st, "life"));
	assert_null(json_object_get(st, "nagr"));
	assert_int_equal(json_integer_value(json_object_get(st, "paid_minor")), 0);
	assert_string_equal(od_test_str(st, "status"), "active");
	json_decref(st);
	st = od_test_state(ep, "PE-C");
	assert_string_equal(od_test_str(st, "status"), "closed");
	json_decref(st);
	assert_int_equal(od_test_int(ep, "EXISTS outreach:agr:PE-L"), 0);
	assert_int_equal(od_test_int(ep, "EXISTS outreach:agreements"), 0);
	hist = od_test_history(ep, "PE-L");
	json_array_foreach(hist, i, r)
		assert_null(strstr(od_test_str(r, "status"), "promise"));
	json_decref(hist);
}

/*
 * A state that is garbage when read back (issue 10's fuzzing findings: a
 * contact time of 1.76e19 ms, a channel index of -6 that crashed the
 * daemon on every claim, looping through lease expiry forever), and an
 * account id with a NUL inside: each is failed once, with its reason, never
 * claimed again, and the daemon keeps serving.
 */
static void
test_corrupt_state(void **state)
{
	static const char	 corrupt[] = "{\"policy\":\"pe-consumer\",\"recent\":"
	    "[[17640020099E9]],\"status\":\"active\",\"next\":1,\"fb\":-6}";
	struct od_test_env	*const ep = &g_env;
	char			*good, *other, clk[64];
	const char		*args[2] = { clk, NULL };
	json_t			*rec, *st;
	redisReply		*r;

	(void)state;
	assert_int_equal(od_test_env_start(ep, "itcorrupt", NULL, NULL), 0);
	assert_non_null(good = od_test_account("PE-CS", "2026-03-09", "1234.50", NULL));
	assert_int_equal(od_test_enqueue(ep, "account", good), 0);
	od_test_clock_arg(clk, sizeof(clk), 2026, 3, 9, 15, 0);
	g_pid = od_test_daemon_start(ep, "d.log", args);
	assert_int_equal(od_test_wait_status(ep, "PE-CS", "sent", 1, 10000), 1);
	assert_int_equal(od_test_process_stop(g_pid, SIGTERM, 5000), 0);
	g_pid = 0;

	/* Garbage in its state, due now; and an id "PE-N\0x" due now. */
	freeReplyObject(redisCommand(ep->rc, "HSET outreach:state PE-CS %s", corrupt));
	freeReplyObject(redisCommand(ep->rc, "ZADD outreach:due 0 PE-CS"));
	freeReplyObject(redisCommand(ep->rc, "ZADD outreach:due 0 %b", "PE-N\0x", (size_t)6));
	assert_non_null(other = od_test_account("PE-OK2", "2026-03-09", "99.00", NULL));
	assert_int_equal(od_test_enqueue(ep, "account", other), 0);
	g_pid = od_test_daemon_start(ep, "d2.log", args);
	assert_int_equal(od_test_wait_status(ep, "PE-CS", "failed", 1, 10000), 1);
	assert_int_equal(od_test_wait_int(ep, 1, 10000, "XLEN outreach:rejected"), 1);
	/* the daemon kept serving */
	assert_int_equal(od_test_wait_status(ep, "PE-OK2", "sent", 1, 10000), 1);
	assert_int_equal(kill(g_pid, 0), 0);

	/* [superseded reminder_upcoming, sent reminder_due, failed state_corrupt] */
	rec = od_test_history_at(ep, "PE-CS", 0);
	assert_non_null(rec);
	assert_string_equal(od_test_str(rec, "status"), "superseded");
	json_decref(rec);
	rec = od_test_history_at(ep, "PE-CS", 2);
	assert_non_null(rec);
	assert_string_equal(od_test_str(rec, "status"), "failed");
	assert_string_equal(od_test_str(rec, "reason"), "state_corrupt");
	json_decref(rec);
	r = redisCommand(ep->rc, "HGET outreach:state PE-CS");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_non_null(st = json_loads(r->str, 0, NULL));
	freeReplyObject(r);
	assert_string_equal(od_test_str(st, "status"), "failed");
	assert_string_equal(od_test_str(st, "reason"), "state_corrupt");
	assert_string_equal(od_test_str(st, "corrupt"), corrupt);
	json_decref(st);
	/* nothing left to claim or reclaim: neither is tried again */
	/* (od_test_wait_int waits for a value to grow: this one has to drain) */
	for (int i = 0; i < 1500 && od_test_int(ep, "ZCARD outreach:inflight") != 0; i++)
		nanosleep(&(struct timespec){ 0, 20000000L }, NULL);
	assert_int_equal(od_test_int(ep, "ZCARD outreach:inflight"), 0);
	r = redisCommand(ep->rc, "ZSCORE outreach:due PE-CS");
	assert_int_equal(r->type, REDIS_REPLY_NIL);
	freeReplyObject(r);
	r = redisCommand(ep->rc, "ZSCORE outreach:due %b", "PE-N\0x", (size_t)6);
	assert_int_equal(r->type, REDIS_REPLY_NIL);
	freeReplyObject(r);
	r = redisCommand(ep->rc, "XRANGE outreach:rejected - +");
	assert_int_equal(r->elements, 1);
	{
		const redisReply *f = r->element[0]->element[1];
		int found = 0;

		for (size_t k = 0; k + 1 < f->elements; k += 2)
			if (strcmp(f->element[k]->str, "body") == 0) {
				assert_int_equal(f->element[k + 1]->len, 6);
				assert_memory_equal(f->element[k + 1]->str, "PE-N\0x", 6);
				found = 1;
			}
		assert_true(found);
	}
	freeReplyObject(r);
	assert_int_equal(od_test_int(ep, "LLEN outreach:hist:PE-CS"), 3);
	free(good);
	free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rejected, teardown),
		cmocka_unit_test_teardown(test_rejected_lifecycle, teardown),
		cmocka_unit_test_teardown(test_corrupt_state, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
