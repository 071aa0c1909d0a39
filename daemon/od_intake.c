/*
 * Intake: the inbox, read through the consumer group "outreachd".
 *
 * Every entry ends in exactly one place: an account stored and planned, an
 * event applied, or <prefix>:rejected with its reason and the original body.
 * Entries are acknowledged only once what they caused is in Redis; a daemon
 * that dies first leaves them pending, and reads them again on start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "od_account.h"
#include "od_env.h"
#include "od_intake.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_queue.h"
#include "od_store.h"
#include "od_time.h"

#include "od_intake_int.h"

static void	intake_read(struct od_intake *in);

/*
 * Batches read but not yet stored, at most: reading waits for Redis to
 * store them, so a large backlog in the inbox (an import of a million
 * accounts) is taken at the pace Redis stores it, not piled up in memory.
 */
#define INTAKE_BATCHES_MAX	2

char *
od_intake_own(struct intake_batch *b, const char *s, size_t len)
{
	char	*c;

	if ((c = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(c, s, len);
	c[len] = '\0';
	b->owned[b->nowned++] = c;
	return c;
}

void
od_intake_plan_clear(struct intake_acct *ia)
{
	free(ia->ver);
	free(ia->json);
	free(ia->oldph);
	free(ia->newph);
	ia->ver = ia->json = ia->oldph = ia->newph = NULL;
}

static void
batch_free(struct intake_batch *b)
{
	size_t	i;

	for (i = 0; i < b->nops; i++)
		if (b->ops[i].ev != NULL) {
			free(b->ops[i].ev->body);
			free(b->ops[i].ev->id);
			json_decref(b->ops[i].ev->doc);
			free(b->ops[i].ev);
		}
	free(b->ops);
	for (i = 0; i < b->naccts; i++)
		od_intake_plan_clear(&b->accts[i]);
	free(b->accts);
	for (i = 0; i < b->nowned; i++)
		free(b->owned[i]);
	free(b->owned);
	free(b->ack_ids);
	free(b);
}

static void
batch_ack(struct intake_batch *b)
{
	struct od_intake	*in = b->in;
	const struct od_keys	*k = od_queue_keys(in->env->q);
	const char		**argv;
	size_t			 *lens, i, n = 0;

	if (b->nack == 0)
		return;
	argv = calloc(b->nack + 3, sizeof(*argv));
	lens = calloc(b->nack + 3, sizeof(*lens));
	if (argv == NULL || lens == NULL) {
		free(argv);
		free(lens);
		return;
	}
	argv[n] = "XACK"; lens[n++] = 4;
	argv[n] = k->inbox; lens[n++] = strlen(k->inbox);
	argv[n] = "outreachd"; lens[n++] = 9;
	for (i = 0; i < b->nack; i++) {
		argv[n] = b->ack_ids[i];
		lens[n++] = strlen(b->ack_ids[i]);
	}
	od_queue_command(in->env->q, NULL, NULL, (int)n, argv, lens);
	free(argv);
	free(lens);
}

/* Every step applied: the entries are acknowledged and the next batch goes on. */
static void
batch_done(struct intake_batch *b)
{
	struct od_intake *in = b->in;

	batch_ack(b);
	in->batches--;
	if ((in->head = b->next) == NULL)
		in->tail = NULL;
	if (b->kick && in->on_due != NULL)
		in->on_due(in->cbarg);
	batch_free(b);
	if (in->head != NULL)
		od_intake_step(in->head);
	if (in->batches < INTAKE_BATCHES_MAX)
		intake_read(in);		/* it had stopped reading, or is reading already */
}

void
od_intake_reject(struct od_intake *in, const char *entry, const char *kind, size_t kindlen,
    const char *body, size_t bodylen, const char *reason)
{
	const struct od_keys	*k = od_queue_keys(in->env->q);
	const char		*argv[11];
	size_t			 lens[11];
	int			 n = 0;

	argv[n] = "XADD"; lens[n] = 4; n++;
	argv[n] = k->rejected; lens[n] = strlen(k->rejected); n++;
	argv[n] = "*"; lens[n] = 1; n++;
	argv[n] = "reason"; lens[n] = 6; n++;
	argv[n] = reason; lens[n] = strlen(reason); n++;
	argv[n] = "kind"; lens[n] = 4; n++;
	argv[n] = kind ? kind : ""; lens[n] = kind ? kindlen : 0; n++;	/* as given, NULs too */
	argv[n] = "body"; lens[n] = 4; n++;
	argv[n] = body ? body : ""; lens[n] = body ? bodylen : 0; n++;
	argv[n] = "entry"; lens[n] = 5; n++;
	argv[n] = entry; lens[n] = strlen(entry); n++;
	od_queue_command(in->env->q, NULL, NULL, n, argv, lens);
	in->env->stats.rejected++;
	od_metric_inc(in->env->m.rejected, NULL, 1);
	od_log_info("intake", "rejected entry %s: %s", entry, reason);
}

/* The lifecycle's records an event made (a promise, an agreement, a recall), by status. */
static void
intake_count_lifecycle(struct od_env *env, const json_t *records)
{
	const char	*s;
	json_t		*r;
	size_t		 i;

	json_array_foreach(records, i, r)
		if (od_state_is_life_record(r) &&
		    (s = json_string_value(json_object_get(r, "status"))) != NULL)
			od_metric_inc(env->m.lifecycle, OD_LABELS(s), 1);
}

static void
intake_event_cb(void *arg, enum od_store_result res, int conflicts, const char *err,
    const json_t *records)
{
	struct intake_event	*ev = arg;
	struct intake_batch	*b = ev->b;

	if (conflicts > 0)
		od_metric_inc(ev->in->env->m.state_conflicts, OD_LABELS("event"), conflicts);
	switch (res) {
	case OD_STORE_UNKNOWN:
		od_intake_reject(ev->in, ev->entry, "event", 5, ev->body, ev->bodylen,
		    "account_id: no such account (enqueue the account first)");
		break;
	case OD_STORE_CORRUPT:
		od_intake_reject(ev->in, ev->entry, "event", 5, ev->body, ev->bodylen,
		    "account_id: the account's stored state cannot be read (state_corrupt); "
		    "the event is not applied");
		break;
	case OD_STORE_REJECTED:
		/* it cannot apply to this account (od_state_event): nothing changed */
		od_intake_reject(ev->in, ev->entry, "event", 5, ev->body, ev->bodylen, err);
		break;
	case OD_STORE_ERROR:
		/* Not acknowledged: the batch stays pending and is read again. */
		od_log_err("intake", "event %s failed: %s; it stays pending", ev->entry, err);
		b->nack = 0;
		break;
	case OD_STORE_OK:
	case OD_STORE_DUPLICATE:
		intake_count_lifecycle(ev->in->env, records);
		ev->in->env->stats.intake_events++;
		od_metric_inc(ev->in->env->m.intake, OD_LABELS("event"), 1);
		break;
	}
	b->op++;
	od_intake_step(b);
}

/* An event: a step of its own, after the accounts read before it. */
static void
intake_event(struct intake_batch *b, const char *entry, const char *body, size_t len)
{
	struct od_intake	*in = b->in;
	struct od_event		 e;
	struct intake_event	*ev = NULL;
	char			 reason[512];

	if (od_event_parse(body, len, in->env->set->cfg.max_body, &e, reason,
	    sizeof(reason)) == -1) {
		od_intake_reject(in, entry, "event", 5, body, len, reason);
		return;
	}
	if (od_intake_close_accounts(b) == -1 || (ev = calloc(1, sizeof(*ev))) == NULL ||
	    (ev->body = malloc(len + 1)) == NULL || (ev->id = strdup(e.account_id)) == NULL) {
		if (ev != NULL)
			free(ev->body);
		free(ev);
		b->nack = 0;	/* leave the batch pending */
		od_event_clear(&e);
		return;
	}
	memcpy(ev->body, body, len);
	ev->body[len] = '\0';
	ev->bodylen = len;
	ev->b = b;
	ev->in = in;
	snprintf(ev->entry, sizeof(ev->entry), "%s", entry);
	ev->ev.type = e.type;
	ev->ev.channel = e.channel;
	ev->ev.full = e.full;
	ev->doc = json_incref(e.doc);	/* the strings below are its */
	ev->ev.doc = ev->doc;
	ev->ev.amount = e.amount;
	ev->ev.until = e.until;
	ev->ev.offer = e.offer;
	ev->ev.accept = e.accept;
	ev->ev.option = e.option;
	ev->ev.entry = ev->entry;	/* a re-delivered entry applies once */
	b->ops[b->nops].ev = ev;
	b->ops[b->nops].start = b->ops[b->nops].end = b->naccts;
	b->nops++;
	od_event_clear(&e);
}

/*
 * A reply relayed by upstream (a channel of its own, a CRM's chat): read
 * and applied as a gateway's reply for a number that is this account's
 * alone (od_store_reply, docs/replies.md).
 */
static int
intake_reply(struct intake_batch *b, struct intake_event *ev)
{
	struct od_store_reply	sr;
	char			at[32];

	memset(&sr, 0, sizeof(sr));
	sr.channel = ev->ev.channel;
	sr.text = json_string_value(json_object_get(ev->doc, "text"));
	sr.at = json_string_value(json_object_get(ev->doc, "at"));
	if (sr.at == NULL)
		sr.at = od_time_format_iso(od_now_ms(), at, sizeof(at));
	sr.payload = json_string_value(json_object_get(ev->doc, "payload"));
	sr.provider_id = json_string_value(json_object_get(ev->doc, "provider_id"));
	sr.entry = ev->entry;
	sr.shared = 1;
	sr.ack = 1;
	return od_store_reply(b->in->env->q, b->in->env->set, ev->id, &sr, od_now_ms(),
	    intake_event_cb, ev);
}

/* Applies the batch's next step, or ends it. */
void
od_intake_step(struct intake_batch *b)
{
	const struct intake_op	*op;

	if (b->op == b->nops) {
		batch_done(b);
		return;
	}
	op = &b->ops[b->op];
	if (op->ev == NULL) {
		od_intake_store_accounts(b);
		return;
	}
	if (op->ev->ev.type == OD_EV_REPLY ? intake_reply(b, op->ev) == -1 : od_store_event(b->in->env->q, b->in->env->set, op->ev->id, &op->ev->ev, od_now_ms(),
	    intake_event_cb, op->ev) == -1) {
		od_log_err("intake", "event %s failed: Redis unavailable; it stays pending",
		    op->ev->entry);
		b->nack = 0;
		b->op++;
		od_intake_step(b);
	}
}

static const redisReply *
reply_field(const redisReply *fields, const char *name)
{
	size_t	i;

	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < fields->elements; i += 2)
		if (od_reply_is(fields->element[i], name) &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING)
			return fields->element[i + 1];
	return NULL;
}

static void
intake_process(struct od_intake *in, const redisReply *entries)
{
	struct intake_batch	*b;
	const redisReply	*e, *kind, *body;
	int64_t			 now = od_now_ms();
	size_t			 i, n = entries->elements;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return;
	b->in = in;
	b->ack_ids = calloc(n, sizeof(*b->ack_ids));
	b->accts = calloc(n, sizeof(*b->accts));
	b->owned = calloc(1 + 4 * n, sizeof(*b->owned));
	b->ops = calloc(2 * n + 1, sizeof(*b->ops));	/* an event may close a run of accounts */
	if (!b->ack_ids || !b->accts || !b->owned || !b->ops) {
		batch_free(b);
		return;
	}
	in->batches++;
	for (i = 0; i < n; i++) {
		e = entries->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		b->ack_ids[b->nack++] = od_intake_own(b, e->element[0]->str, e->element[0]->len);
		if (e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;	/* deleted from the stream meanwhile: nothing to keep */
		kind = reply_field(e->element[1], "kind");
		body = reply_field(e->element[1], "body");
		if (kind == NULL || body == NULL) {
			od_intake_reject(in, e->element[0]->str, kind ? kind->str : NULL,
			    kind ? (size_t)kind->len : 0, body ? body->str : NULL,
			    body ? (size_t)body->len : 0,
			    "entry: fields 'kind' (account or event) and 'body' are required");
		} else if (od_reply_is(kind, "account"))
			od_intake_account(b, e->element[0]->str, body->str, body->len, now);
		else if (od_reply_is(kind, "event"))
			intake_event(b, e->element[0]->str, body->str, body->len);
		else	/* "account\0x" too: compared with its length */
			od_intake_reject(in, e->element[0]->str, kind ? kind->str : NULL,
			    kind ? (size_t)kind->len : 0, body ? body->str : NULL,
			    body ? (size_t)body->len : 0,
			    "kind: must be 'account' or 'event'");
	}
	od_intake_close_accounts(b);
	/* applied after the batches read before it */
	if (in->tail != NULL)
		in->tail->next = b;
	else
		in->head = b;
	in->tail = b;
	if (in->head == b)
		od_intake_step(b);
}

static void
intake_read_cb(redisReply *r, void *arg)
{
	struct od_intake	*in = arg;
	const redisReply	*entries = NULL;
	struct timeval		 tv = { 1, 0 };
	int			 got;

	in->reading = 0;
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		if (r != NULL)
			od_log_err("intake", "reading the inbox: %s", r->str);
		if (r != NULL && strncmp(r->str, "NOGROUP", 7) == 0) {
			const char *argv[] = { "XGROUP", "CREATE",
			    od_queue_keys(in->env->q)->inbox, "outreachd", "0", "MKSTREAM" };
			od_queue_command(in->env->q, NULL, NULL, 6, argv, NULL);
		}
		if (!in->env->stopping)
			evtimer_add(in->read_ev, &tv);
		return;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2)
		entries = r->element[0]->element[1];
	got = entries != NULL && entries->type == REDIS_REPLY_ARRAY && entries->elements > 0;
	if (got)
		intake_process(in, entries);
	if (!in->pending_read) {
		in->empty = !got;
		if (!got && in->on_idle != NULL)
			in->on_idle(in->cbarg);
	}
	/*
	 * Our own pending entries (left by a crash) are read once, at start-up;
	 * then new ones.  Reading pending entries again would return those whose
	 * acknowledgement is still on its way.
	 */
	in->pending_read = 0;
	if (!in->env->stopping)
		intake_read(in);
}

static void
intake_read(struct od_intake *in)
{
	const char	*argv[10];
	char		 count[16];
	int		 n = 0;

	if (in->reading || in->env->stopping || in->batches >= INTAKE_BATCHES_MAX)
		return;		/* a store answering reads again */
	snprintf(count, sizeof(count), "%d", in->pending_read ?
	    in->env->set->cfg.intake_batch * 64 : in->env->set->cfg.intake_batch);
	argv[n++] = "XREADGROUP";
	argv[n++] = "GROUP";
	argv[n++] = "outreachd";
	argv[n++] = in->env->consumer;
	argv[n++] = "COUNT";
	argv[n++] = count;
	if (!in->pending_read) {
		argv[n++] = "BLOCK";
		/* --once: the run is over when a read finds nothing; no need to wait long */
		argv[n++] = in->env->once ? "100" : "1000";
	}
	argv[n++] = "STREAMS";
	argv[n++] = od_queue_keys(in->env->q)->inbox;
	{
		const char *all[12];
		int i;
		for (i = 0; i < n; i++)
			all[i] = argv[i];
		all[n] = in->pending_read ? "0" : ">";
		if (od_queue_command_inbox(in->env->q, intake_read_cb, in, n + 1, all, NULL) == 0)
			in->reading = 1;
	}
	if (!in->reading) {
		struct timeval tv = { 1, 0 };
		evtimer_add(in->read_ev, &tv);
	}
}

static void
intake_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	intake_read(arg);
}

static void
intake_sweep_cb(redisReply *r, void *arg)
{
	struct od_intake	*in = arg;

	in->sweeping = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return;
	if (r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements > 0) {
		od_log_info("intake", "took over %zu inbox entries left pending by a stopped daemon",
		    r->element[1]->elements);
		intake_process(in, r->element[1]);
	}
}

static void
intake_idle_cb(redisReply *r, void *arg)
{
	size_t	i;

	(void)arg;
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			od_log_info("intake", "consumer %s removed from the inbox group: it never beat, "
			    "holds nothing and was idle for two leases", r->element[i]->str);
}

/* Consumers that never beat (an older outreachd), idle for two leases and holding nothing. */
static void
intake_idle_consumers(struct od_intake *in)
{
	const struct od_keys	*k = od_queue_keys(in->env->q);
	const char		*keys[2], *args[2];
	char			 idle[32];

	snprintf(idle, sizeof(idle), "%lld", (long long)(2 * in->env->set->cfg.lease_ms));
	keys[0] = k->inbox;
	keys[1] = k->consumers;
	args[0] = in->env->consumer;
	args[1] = idle;
	od_queue_script(in->env->q, OD_SCRIPT_IDLE, intake_idle_cb, in, 2, keys, 2, args, NULL);
}

void
od_intake_sweep(struct od_intake *in)
{
	char		 idle[32], count[16];
	const char	*argv[9];

	if (in->sweeping || in->env->stopping || !od_queue_ready(in->env->q))
		return;
	/* Entries another consumer read and never acknowledged for a lease's time: it died. */
	snprintf(idle, sizeof(idle), "%lld", (long long)in->env->set->cfg.lease_ms);
	snprintf(count, sizeof(count), "%d", in->env->set->cfg.intake_batch);
	argv[0] = "XAUTOCLAIM";
	argv[1] = od_queue_keys(in->env->q)->inbox;
	argv[2] = "outreachd";
	argv[3] = in->env->consumer;
	argv[4] = idle;
	argv[5] = "0-0";
	argv[6] = "COUNT";
	argv[7] = count;
	if (od_queue_command(in->env->q, intake_sweep_cb, in, 8, argv, NULL) == 0)
		in->sweeping = 1;
	intake_idle_consumers(in);
}

void
od_intake_take(struct od_intake *in, const redisReply *entries)
{
	if (entries->type == REDIS_REPLY_ARRAY && entries->elements > 0 && !in->env->stopping)
		intake_process(in, entries);
}

void
od_intake_init(struct od_intake *in, struct od_env *env, const char *identity_key)
{
	memset(in, 0, sizeof(*in));
	in->env = env;
	in->identity_key = identity_key;
}

void
od_intake_setcb(struct od_intake *in, void (*on_due)(void *), void (*on_idle)(void *), void *arg)
{
	in->on_due = on_due;
	in->on_idle = on_idle;
	in->cbarg = arg;
}

void
od_intake_start(struct od_intake *in)
{
	if (in->read_ev == NULL)
		in->read_ev = evtimer_new(in->env->base, intake_timer_cb, in);
	in->pending_read = 1;
	intake_read(in);
}

/* --once: our reads of new entries found none, and every batch read is stored. */
int
od_intake_idle(const struct od_intake *in)
{
	return in->batches == 0 && in->empty && !in->pending_read;
}

void
od_intake_free(struct od_intake *in)
{
	if (in == NULL)
		return;
	if (in->read_ev != NULL)
		event_free(in->read_ev);
	in->read_ev = NULL;
}
