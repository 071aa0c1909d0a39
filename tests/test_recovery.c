/*
 * The recovery scripts against a real redis-server (docs/operations.md,
 * "Heartbeats, leases and recovery"):
 *
 * - beat.lua: the heartbeat key and the consumer's run; the leases of the
 *   actions held renewed; dead consumers named only by a consumer whose
 *   own run is a ttl long; expired leases: a forgotten one of ours, a dead
 *   owner's, never a live owner's; the sweep of a start: every lease of
 *   ours held by no action;
 * - orphans.lua: a dead consumer's leases and unacknowledged inbox entries
 *   (claimed for the caller), then, once it holds nothing, its removal from
 *   the inbox group and the consumers;
 * - idle.lua: a consumer that never beat leaves the inbox group once it
 *   holds nothing;
 * - complete.lua: a completion sent again after Redis went away without
 *   answering finds its outcome stored ('done') and writes nothing twice;
 *   after a reclaim recorded the send unknown, the known outcome is still
 *   written ('lost').
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>

#include "od_queue.h"
#include "od_test_lua.h"
#include "od_testenv.h"

struct env {
	struct od_test_lua	 l;
	long long		 since, last;	/* a consumer's run, as beat.lua wrote it */
};

static long long
num(redisContext *c, const char *fmt, ...)
{
	va_list		 ap;
	redisReply	*r;
	long long	 n;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	n = r->integer;
	freeReplyObject(r);
	return n;
}

static void
run(redisContext *c, const char *fmt, ...)
{
	va_list		 ap;
	redisReply	*r;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
}

/* The strings of an array reply, space-separated, sorted as given. */
static void
strings(const redisReply *a, char *out, size_t len)
{
	size_t	i, n = 0;

	out[0] = '\0';
	assert_int_equal(a->type, REDIS_REPLY_ARRAY);
	for (i = 0; i < a->elements; i++)
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", i ? " " : "",
		    a->element[i]->str);
}

#define NOW	1773068400000LL		/* 2026-03-09T15:00:00Z */

static redisReply *
beat(struct env *e, const char *me, long long now, int sweep, const char *const *held, int nheld)
{
	char		 hb[300], ns[32];
	const char	*keys[4], *args[32];
	int		 na = 0, i;

	snprintf(hb, sizeof(hb), "%s%s", e->l.k.hb_prefix, me);
	snprintf(ns, sizeof(ns), "%lld", now);
	keys[0] = e->l.k.consumers;
	keys[1] = hb;
	keys[2] = e->l.k.inflight;
	keys[3] = e->l.k.lease;
	args[na++] = me;
	args[na++] = ns;
	args[na++] = "5000";
	args[na++] = "60000";
	args[na++] = "2048";
	args[na++] = e->l.k.hb_prefix;
	args[na++] = sweep ? "1" : "0";
	for (i = 0; i < nheld; i++)
		args[na++] = held[i];
	return od_test_eval(e->l.c, OD_SCRIPT_BEAT, 4, keys, na, args);
}

/* Redis's clock, in ms (beat.lua times a consumer's run by it). */
static long long
redis_ms(redisContext *c)
{
	redisReply	*r = redisCommand(c, "TIME");
	long long	 ms;

	assert_non_null(r);
	assert_int_equal(r->elements, 2);
	ms = atoll(r->element[0]->str) * 1000 + atoll(r->element[1]->str) / 1000;
	freeReplyObject(r);
	return ms;
}

/* A consumer's run as beat.lua keeps it: since, last (Redis's clock, ms). */
static void
set_run(struct env *e, const char *who, long long since, long long last)
{
	char	v[64];

	snprintf(v, sizeof(v), "%lld %lld", since, last);
	run(e->l.c, "HSET outreach:consumers %s %s", who, v);
}

static void
test_beat(void **state)
{
	struct env	 e;
	redisReply	*r, *s;
	char		 got[256];
	const char	*held[] = { "A-1" };
	long long	 t;

	(void)state;
	od_test_lua_start(&e.l, "recovery");
	/* me holds A-1 (claimed long ago) and forgot A-2; live holds L-1; ghost (dead) G-1 */
	run(e.l.c, "ZADD outreach:inflight %lld A-1 %lld A-2 %lld L-1 %lld G-1", NOW - 1000,
	    NOW - 1000, NOW - 1000, NOW + 50000);
	run(e.l.c, "HSET outreach:lease A-1 %s A-2 %s L-1 %s G-1 %s", "me claimed", "me claimed",
	    "live sending {}", "ghost claimed");
	run(e.l.c, "HSET outreach:consumers ghost %s", "1 1");
	run(e.l.c, "SET outreach:hb:live 1 PX 60000");
	run(e.l.c, "HSET outreach:consumers live %s", "1 1");

	/*
	 * First beat, with the sweep of a start: a new run, judges nobody; our
	 * lease held by no action is named forgotten, not expired.
	 */
	t = redis_ms(e.l.c);
	r = beat(&e, "me", NOW, 1, held, 1);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 4);
	assert_int_equal(r->element[0]->elements, 0);
	assert_int_equal(r->element[1]->elements, 0);
	strings(r->element[3], got, sizeof(got));
	assert_string_equal(got, "A-2");
	freeReplyObject(r);
	assert_true(num(e.l.c, "PTTL outreach:hb:me") > 0);
	s = redisCommand(e.l.c, "ZSCORE outreach:inflight A-1");
	assert_int_equal(atoll(s->str), NOW + 60000);	/* renewed */
	freeReplyObject(s);
	s = redisCommand(e.l.c, "HGET outreach:consumers me");	/* a new run: since = last */
	assert_non_null(s->str);
	assert_int_equal(sscanf(s->str, "%lld %lld", &e.since, &e.last), 2);
	assert_true(e.since >= t && e.since == e.last);
	freeReplyObject(s);

	/* a beat a second later: the run goes on, still shorter than the ttl */
	set_run(&e, "me", t - 4000, t - 1000);
	r = beat(&e, "me", NOW + 1000, 0, held, 1);
	assert_int_equal(r->element[0]->elements, 0);
	strings(r->element[1], got, sizeof(got));
	assert_string_equal(got, "A-2");	/* no sweep: ours, unrenewed and expired */
	freeReplyObject(r);

	/* the run is a ttl long: ghost is dead (its lease is orphans.lua's), live is not */
	set_run(&e, "me", t - 6000, t - 1000);
	r = beat(&e, "me", NOW + 2000, 0, held, 1);
	strings(r->element[0], got, sizeof(got));
	assert_string_equal(got, "ghost");
	strings(r->element[1], got, sizeof(got));
	assert_string_equal(got, "A-2");	/* L-1 expired too, but live beats */
	assert_int_equal(r->element[3]->elements, 0);
	freeReplyObject(r);

	/* a gap longer than the ttl (Redis stopped): a new run, nobody judged */
	set_run(&e, "me", t - 60000, t - 20000);
	r = beat(&e, "me", NOW + 3000, 0, held, 1);
	assert_int_equal(r->element[0]->elements, 0);
	freeReplyObject(r);
	od_test_lua_stop(&e.l);
}

static redisReply *
orphans(struct env *e, const char *dead, const char *me)
{
	char		 hb[300];
	const char	*keys[4], *args[4];

	snprintf(hb, sizeof(hb), "%s%s", e->l.k.hb_prefix, dead);
	keys[0] = e->l.k.lease;
	keys[1] = e->l.k.inbox;
	keys[2] = e->l.k.consumers;
	keys[3] = hb;
	args[0] = dead;
	args[1] = me;
	args[2] = "2048";
	args[3] = "0";
	return od_test_eval(e->l.c, OD_SCRIPT_ORPHANS, 4, keys, 4, args);
}

static void
test_orphans(void **state)
{
	struct env	 e;
	redisReply	*r;
	char		 got[256];

	(void)state;
	od_test_lua_start(&e.l, "recovery");
	run(e.l.c, "XGROUP CREATE outreach:inbox outreachd 0 MKSTREAM");
	run(e.l.c, "XADD outreach:inbox 1-1 kind account body {}");
	run(e.l.c, "XREADGROUP GROUP outreachd ghost COUNT 1 STREAMS outreach:inbox >");
	run(e.l.c, "HSET outreach:lease G-1 %s G-2 %s O-1 %s", "ghost claimed", "ghost sending {}",
	    "ghostly claimed");
	run(e.l.c, "HSET outreach:consumers ghost 1");

	r = orphans(&e, "ghost", "me");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 4);
	assert_string_equal(r->element[0]->str, "work");
	strings(r->element[1], got, sizeof(got));
	assert_true(strcmp(got, "G-1 G-2") == 0 || strcmp(got, "G-2 G-1") == 0);
	assert_int_equal(r->element[2]->elements, 1);	/* the entry, now pending for me */
	assert_string_equal(r->element[2]->element[0]->element[0]->str, "1-1");
	freeReplyObject(r);
	r = redisCommand(e.l.c, "XPENDING outreach:inbox outreachd - + 10 me");
	assert_int_equal(r->elements, 1);
	freeReplyObject(r);

	/* its heartbeat back: alive, nothing touched */
	run(e.l.c, "SET outreach:hb:ghost 1 PX 5000");
	r = orphans(&e, "ghost", "me");
	assert_string_equal(r->element[0]->str, "alive");
	freeReplyObject(r);
	run(e.l.c, "DEL outreach:hb:ghost");

	/* its leases settled: it holds nothing and leaves */
	run(e.l.c, "HDEL outreach:lease G-1 G-2");
	r = orphans(&e, "ghost", "me");
	assert_string_equal(r->element[0]->str, "gone");
	freeReplyObject(r);
	assert_int_equal(num(e.l.c, "HEXISTS outreach:consumers ghost"), 0);
	r = redisCommand(e.l.c, "XINFO CONSUMERS outreach:inbox outreachd");
	assert_int_equal(r->elements, 1);	/* me */
	freeReplyObject(r);
	assert_int_equal(num(e.l.c, "HEXISTS outreach:lease O-1"), 1);	/* another's prefix */
	od_test_lua_stop(&e.l);
}

static void
test_idle(void **state)
{
	struct env	 e;
	redisReply	*r;
	const char	*keys[2], *args[2] = { "me", "-1" };

	(void)state;
	od_test_lua_start(&e.l, "recovery");
	keys[0] = e.l.k.inbox;
	keys[1] = e.l.k.consumers;
	run(e.l.c, "XGROUP CREATE outreach:inbox outreachd 0 MKSTREAM");
	run(e.l.c, "XADD outreach:inbox 1-1 kind account body {}");
	run(e.l.c, "XREADGROUP GROUP outreachd busy COUNT 1 STREAMS outreach:inbox >");
	run(e.l.c, "XGROUP CREATECONSUMER outreach:inbox outreachd old");
	run(e.l.c, "XGROUP CREATECONSUMER outreach:inbox outreachd beating");
	run(e.l.c, "XGROUP CREATECONSUMER outreach:inbox outreachd me");
	run(e.l.c, "HSET outreach:consumers beating 1");
	/* idle for more than -1 ms: only the one that never beat and holds nothing goes */
	r = od_test_eval(e.l.c, OD_SCRIPT_IDLE, 2, keys, 2, args);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 1);
	assert_string_equal(r->element[0]->str, "old");
	freeReplyObject(r);
	r = redisCommand(e.l.c, "XINFO CONSUMERS outreach:inbox outreachd");
	assert_int_equal(r->elements, 3);
	freeReplyObject(r);
	od_test_lua_stop(&e.l);
}

/* complete.lua for one action of "me" with one record (JSON rec). */
static redisReply *
complete(struct env *e, const char *ver, const char *rec)
{
	const char	*keys[11], *args[32];
	int		 na = 0;

	keys[0] = e->l.k.inflight;
	keys[1] = e->l.k.lease;
	keys[2] = e->l.k.state;
	keys[3] = e->l.k.due;
	keys[4] = e->l.k.attempts;
	keys[5] = e->l.k.person;
	keys[6] = e->l.k.agreements;
	keys[7] = e->l.k.handoff;
	keys[8] = e->l.k.accounts;
	keys[9] = "outreach:hist:C-1";
	keys[10] = "outreach:agr:C-1";
	args[na++] = "me";
	args[na++] = "1000";
	args[na++] = "500";
	args[na++] = "C-1";		/* id */
	args[na++] = ver;		/* the version it was computed from */
	args[na++] = "{\"v\":2}";	/* the new state */
	args[na++] = "-1";		/* nothing due */
	args[na++] = "";		/* no person */
	args[na++] = "";
	args[na++] = "";
	args[na++] = "C-1:c:s#1";	/* the send's attempt id */
	args[na++] = "1";		/* one record, two stream fields */
	args[na++] = rec;
	args[na++] = "2";
	args[na++] = "account_id";
	args[na++] = "C-1";
	args[na++] = "0";		/* no documents */
	args[na++] = "0";		/* no handoff */
	args[na++] = "0";		/* no message id */
	return od_test_eval(e->l.c, OD_SCRIPT_COMPLETE, 11, keys, na, args);
}

static void
test_complete_again(void **state)
{
	struct env	 e;
	redisReply	*r;
	static const char sent[] = "{\"attempt_id\":\"C-1:c:s#1\",\"status\":\"sent\"}";

	(void)state;
	od_test_lua_start(&e.l, "recovery");
	run(e.l.c, "HSET outreach:state C-1 {\"v\":1}");
	run(e.l.c, "ZADD outreach:inflight 1 C-1");
	run(e.l.c, "HSET outreach:lease C-1 %s", "me sending {}");
	run(e.l.c, "RPUSH outreach:hist:C-1 %s",
	    "{\"attempt_id\":\"C-1:c:s#1\",\"status\":\"sending\"}");

	r = complete(&e, "1", sent);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_string_equal(r->element[0]->str, "ok");
	freeReplyObject(r);
	assert_int_equal(num(e.l.c, "LLEN outreach:hist:C-1"), 2);
	assert_int_equal(num(e.l.c, "XLEN outreach:attempts"), 1);

	/* the answer was lost with the connection: sent again, it writes nothing */
	r = complete(&e, "1", sent);
	assert_string_equal(r->element[0]->str, "done");
	freeReplyObject(r);
	assert_int_equal(num(e.l.c, "LLEN outreach:hist:C-1"), 2);
	assert_int_equal(num(e.l.c, "XLEN outreach:attempts"), 1);

	/* recorded unknown by a reclaim meanwhile: the known outcome is written after it */
	run(e.l.c, "DEL outreach:hist:C-1");
	run(e.l.c, "RPUSH outreach:hist:C-1 %s %s",
	    "{\"attempt_id\":\"C-1:c:s#1\",\"status\":\"sending\"}",
	    "{\"attempt_id\":\"C-1:c:s#1\",\"status\":\"unknown\"}");
	r = complete(&e, "1", sent);
	assert_string_equal(r->element[0]->str, "lost");
	freeReplyObject(r);
	assert_int_equal(num(e.l.c, "LLEN outreach:hist:C-1"), 3);
	od_test_lua_stop(&e.l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beat),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_complete_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
