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
#include "od_buf.h"
#include "od_daemon.h"
#include "od_log.h"
#include "od_metrics.h"
#include "od_person.h"
#include "od_plan.h"
#include "od_store.h"
#include "od_time.h"

/*
 * One step of a batch: a run of accounts stored by one intake script (its
 * arguments args[start, end) after "now"), or one event.  The steps of the
 * inbox are applied one after another, in stream order, across batches:
 * an event applies to the accounts read before it, and the accounts after
 * it see what it did.
 */
struct intake_op {
	size_t			 start, end;	/* accounts: b->args[start, end) */
	int			 accounts;
	struct intake_event	*ev;		/* or an event */
};

/* What one read of the inbox turned into, until the scripts answer. */
struct intake_batch {
	struct od_daemon	*d;
	struct intake_batch	*next;		/* the next batch to apply (d->intake_head) */
	struct intake_op	*ops;
	size_t			 nops, op;	/* steps, and the one being applied */
	char			**ack_ids;	/* entry ids to XACK */
	size_t			  nack;
	const char		**args;		/* the intake script's ARGV */
	size_t			 *arglens;
	size_t			  nargs;
	char			**owned;	/* strings args point into */
	size_t			  nowned;
	int			  accounts;	/* in the run of accounts being gathered */
	size_t			  start;	/* where that run begins in args */
	int			  kick;		/* something is due now */
};

struct intake_event {
	struct intake_batch	*b;
	struct od_daemon	*d;
	char			 entry[64];
	char			*body;
	size_t			 bodylen;
	char			*id;
	char			 until[16];
	struct od_state_event	 ev;
};

static void	intake_read(struct od_daemon *d);
static void	intake_step(struct intake_batch *b);

/*
 * Batches read but not yet stored, at most: reading waits for Redis to
 * store them, so a large backlog in the inbox (an import of a million
 * accounts) is taken at the pace Redis stores it, not piled up in memory.
 */
#define INTAKE_BATCHES_MAX	2

static char *
batch_own(struct intake_batch *b, const char *s, size_t len)
{
	char	*c;

	if ((c = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(c, s, len);
	c[len] = '\0';
	b->owned[b->nowned++] = c;
	return c;
}

static void
batch_arg(struct intake_batch *b, const char *s, size_t len)
{
	b->args[b->nargs] = s;
	b->arglens[b->nargs++] = len;
}

static void
batch_free(struct intake_batch *b)
{
	size_t	i;

	for (i = 0; i < b->nops; i++)
		if (b->ops[i].ev != NULL) {
			free(b->ops[i].ev->body);
			free(b->ops[i].ev->id);
			free(b->ops[i].ev);
		}
	free(b->ops);
	for (i = 0; i < b->nowned; i++)
		free(b->owned[i]);
	free(b->owned);
	free(b->args);
	free(b->arglens);
	free(b->ack_ids);
	free(b);
}

static void
batch_ack(struct intake_batch *b)
{
	struct od_daemon	*d = b->d;
	const struct od_keys	*k = od_queue_keys(d->q);
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
	od_queue_command(d->q, NULL, NULL, (int)n, argv, lens);
	free(argv);
	free(lens);
}

/* Every step applied: the entries are acknowledged and the next batch goes on. */
static void
batch_done(struct intake_batch *b)
{
	struct od_daemon *d = b->d;

	batch_ack(b);
	d->intake_batches--;
	if ((d->intake_head = b->next) == NULL)
		d->intake_tail = NULL;
	if (b->kick)
		od_dispatch_kick(d);
	batch_free(b);
	if (d->intake_head != NULL)
		intake_step(d->intake_head);
	if (d->intake_batches < INTAKE_BATCHES_MAX)
		intake_read(d);		/* it had stopped reading, or is reading already */
}

static void
intake_script_cb(redisReply *r, void *arg)
{
	struct intake_batch	*b = arg;
	int			 n = b->ops[b->op].accounts;

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		/* Not acknowledged: the entries stay pending and are read again. */
		od_log_err("intake", "storing %d accounts failed: %s; they stay pending",
		    n, r ? r->str : "connection lost");
		b->nack = 0;
	} else {
		b->d->stats.intake_accounts += (uint64_t)n;
		od_metric_inc(b->d->m.intake, OD_LABELS("account"), n);
	}
	b->op++;
	intake_step(b);
}

static void
intake_reject(struct od_daemon *d, const char *entry, const char *kind, size_t kindlen,
    const char *body, size_t bodylen, const char *reason)
{
	const struct od_keys	*k = od_queue_keys(d->q);
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
	od_queue_command(d->q, NULL, NULL, n, argv, lens);
	d->stats.rejected++;
	od_metric_inc(d->m.rejected, NULL, 1);
	od_log_info("intake", "rejected entry %s: %s", entry, reason);
}

static void
intake_event_cb(void *arg, enum od_store_result res, const char *err)
{
	struct intake_event	*ev = arg;
	struct intake_batch	*b = ev->b;

	switch (res) {
	case OD_STORE_UNKNOWN:
		intake_reject(ev->d, ev->entry, "event", 5, ev->body, ev->bodylen,
		    "account_id: no such account (enqueue the account first)");
		break;
	case OD_STORE_CORRUPT:
		intake_reject(ev->d, ev->entry, "event", 5, ev->body, ev->bodylen,
		    "account_id: the account's stored state cannot be read (state_corrupt); "
		    "the event is not applied");
		break;
	case OD_STORE_ERROR:
		/* Not acknowledged: the batch stays pending and is read again. */
		od_log_err("intake", "event %s failed: %s; it stays pending", ev->entry, err);
		b->nack = 0;
		break;
	case OD_STORE_OK:
	case OD_STORE_DUPLICATE:
		ev->d->stats.intake_events++;
		od_metric_inc(ev->d->m.intake, OD_LABELS("event"), 1);
		break;
	}
	b->op++;
	intake_step(b);
}

static int	intake_close_accounts(struct intake_batch *b);

/* An event: a step of its own, after the accounts read before it. */
static void
intake_event(struct intake_batch *b, const char *entry, const char *body, size_t len)
{
	struct od_daemon	*d = b->d;
	struct od_event		 e;
	struct intake_event	*ev;
	char			 reason[512];

	if (od_event_parse(body, len, d->set->cfg.max_body, &e, reason, sizeof(reason)) == -1) {
		intake_reject(d, entry, "event", 5, body, len, reason);
		return;
	}
	if (intake_close_accounts(b) == -1 || (ev = calloc(1, sizeof(*ev))) == NULL ||
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
	ev->d = d;
	snprintf(ev->entry, sizeof(ev->entry), "%s", entry);
	ev->ev.type = e.type;
	ev->ev.channel = e.channel;
	ev->ev.full = e.full;
	ev->ev.amount = e.amount ? strtod(e.amount, NULL) : 0;
	if (e.until != NULL) {
		snprintf(ev->until, sizeof(ev->until), "%s", e.until);
		ev->ev.until = ev->until;
	}
	ev->ev.entry = ev->entry;	/* a re-delivered entry applies once */
	b->ops[b->nops].ev = ev;
	b->ops[b->nops].start = b->ops[b->nops].end = b->nargs;
	b->nops++;
	od_event_clear(&e);
}

/*
 * a's debtor.id replaced by debtor.id_hash (od_person.h), in a's document and
 * as the text to store (*out, malloc'd).  0, or -1 with a reason.
 */
static int
intake_hash_id(const struct od_daemon *d, struct od_account *a, char **out, char *reason,
    size_t rlen)
{
	char	 doc[OD_PERSON_DOC_MAX + 1], hash[OD_PERSON_HASH_LEN + 1];
	json_t	*debtor = json_object_get(a->doc, "debtor");

	if (od_person_doc_normalise(a->id_doc, doc) == -1 ||
	    od_person_doc_hash(a->country, doc, d->identity_key, strlen(d->identity_key),
	    hash) == -1 || json_object_set_new(debtor, "id_hash", json_string(hash)) == -1) {
		snprintf(reason, rlen, "debtor.id: cannot be hashed");
		return -1;
	}
	a->id_hash = json_string_value(json_object_get(debtor, "id_hash"));
	a->id_doc = NULL;
	json_object_del(debtor, "id");	/* after: a->id_doc pointed into it */
	if ((*out = json_dumps(a->doc, JSON_COMPACT)) == NULL) {
		snprintf(reason, rlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
intake_account(struct intake_batch *b, const char *entry, const char *body, size_t len,
    int64_t now)
{
	struct od_daemon	*d = b->d;
	struct od_account	 a;
	const struct od_policy	*p;
	char			 reason[512], num[3][32], pid[OD_PERSON_ID_LEN + 1];
	char			*stored = NULL;
	int64_t			 due = now;
	size_t			 skipped;
	int			 i;

	if (od_account_parse(body, len, d->set->cfg.max_body, &a, reason, sizeof(reason)) == -1) {
		intake_reject(d, entry, "account", 7, body, len, reason);
		return;
	}
	if (a.policy != NULL) {
		if ((p = od_policy_find(&d->set->policies, a.policy)) == NULL) {
			snprintf(reason, sizeof(reason), "policy: no policy named '%s' is loaded", a.policy);
			intake_reject(d, entry, "account", 7, body, len, reason);
			od_account_clear(&a);
			return;
		}
	} else if ((p = od_policy_select(&d->set->policies, &a, now)) == NULL) {
		snprintf(reason, sizeof(reason), "policy: no policy's segment takes this account "
		    "(country %s, %s %s, due %s); name one in 'policy'", a.country, a.currency,
		    a.amount, a.due_date);
		intake_reject(d, entry, "account", 7, body, len, reason);
		od_account_clear(&a);
		return;
	}
	/* The document number is not stored: its keyed hash takes its place. */
	if (a.id_doc != NULL && intake_hash_id(d, &a, &stored, reason, sizeof(reason)) == -1) {
		intake_reject(d, entry, "account", 7, body, len, reason);
		od_account_clear(&a);
		return;
	}
	if (stored != NULL) {
		body = stored;
		len = strlen(stored);
	}
	if (od_person_id(&a, d->identity_key, strlen(d->identity_key), pid) == -1)
		pid[0] = '\0';
	i = od_plan_next(&a, p, 0, now, &due, &skipped);
	if (i < 0 || due < now)
		due = now;
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)due);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)a.amount_minor);
	snprintf(num[2], sizeof(num[2]), "%d", a.minor_digits);
	batch_arg(b, batch_own(b, a.id, strlen(a.id)), strlen(a.id));
	batch_arg(b, batch_own(b, body, len), len);
	batch_arg(b, batch_own(b, p->name, strlen(p->name)), strlen(p->name));
	batch_arg(b, batch_own(b, a.due_date, strlen(a.due_date)), strlen(a.due_date));
	for (i = 0; i < 3; i++)
		batch_arg(b, batch_own(b, num[i], strlen(num[i])), strlen(num[i]));
	/* for the phone index that opt-out replies are matched by */
	batch_arg(b, batch_own(b, a.phone ? a.phone : "", a.phone ? strlen(a.phone) : 0),
	    a.phone ? strlen(a.phone) : 0);
	batch_arg(b, batch_own(b, a.whatsapp ? a.whatsapp : "", a.whatsapp ? strlen(a.whatsapp) : 0),
	    a.whatsapp ? strlen(a.whatsapp) : 0);
	batch_arg(b, batch_own(b, pid, strlen(pid)), strlen(pid));
	b->accounts++;
	if (due <= now)
		b->kick = 1;
	od_account_clear(&a);
	free(stored);
}

/* The accounts gathered since the last step become a step. */
static int
intake_close_accounts(struct intake_batch *b)
{
	if (b->accounts == 0)
		return 0;
	b->ops[b->nops].start = b->start;
	b->ops[b->nops].end = b->nargs;
	b->ops[b->nops].accounts = b->accounts;
	b->nops++;
	b->accounts = 0;
	b->start = b->nargs;
	return 0;
}

/* Stores a run of accounts in one intake script. */
static void
intake_store_accounts(struct intake_batch *b, const struct intake_op *op)
{
	const struct od_keys	*k = od_queue_keys(b->d->q);
	const char		*keys[6];

	keys[0] = k->accounts;
	keys[1] = k->state;
	keys[2] = k->due;
	keys[3] = k->inflight;
	keys[4] = k->phones;
	keys[5] = k->personof;
	/* "now" is args[0]: the run's arguments follow it */
	b->args[op->start - 1] = b->args[0];
	b->arglens[op->start - 1] = b->arglens[0];
	if (od_queue_script(b->d->q, OD_SCRIPT_INTAKE, intake_script_cb, b, 6, keys,
	    (int)(op->end - op->start + 1), b->args + op->start - 1,
	    b->arglens + op->start - 1) == -1) {
		od_log_err("intake", "storing %d accounts failed: Redis unavailable; they stay "
		    "pending", op->accounts);
		b->nack = 0;
		b->op++;
		intake_step(b);
	}
}

/* Applies the batch's next step, or ends it. */
static void
intake_step(struct intake_batch *b)
{
	const struct intake_op	*op;

	if (b->op == b->nops) {
		batch_done(b);
		return;
	}
	op = &b->ops[b->op];
	if (op->ev == NULL) {
		intake_store_accounts(b, op);
		return;
	}
	if (od_store_event(b->d->q, op->ev->id, &op->ev->ev, od_now_ms(), intake_event_cb,
	    op->ev) == -1) {
		od_log_err("intake", "event %s failed: Redis unavailable; it stays pending",
		    op->ev->entry);
		b->nack = 0;
		b->op++;
		intake_step(b);
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
intake_process(struct od_daemon *d, const redisReply *entries)
{
	struct intake_batch	*b;
	const redisReply	*e, *kind, *body;
	char			 now_s[32];
	int64_t			 now = od_now_ms();
	size_t			 i, n = entries->elements;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return;
	b->d = d;
	b->ack_ids = calloc(n, sizeof(*b->ack_ids));
	b->args = calloc(1 + 10 * n, sizeof(*b->args));
	b->arglens = calloc(1 + 10 * n, sizeof(*b->arglens));
	b->owned = calloc(1 + 11 * n, sizeof(*b->owned));
	b->ops = calloc(2 * n + 1, sizeof(*b->ops));	/* an event may close a run of accounts */
	if (!b->ack_ids || !b->args || !b->arglens || !b->owned || !b->ops) {
		batch_free(b);
		return;
	}
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	batch_arg(b, batch_own(b, now_s, strlen(now_s)), strlen(now_s));
	b->start = b->nargs;
	d->intake_batches++;
	for (i = 0; i < n; i++) {
		e = entries->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		b->ack_ids[b->nack++] = batch_own(b, e->element[0]->str, e->element[0]->len);
		if (e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;	/* deleted from the stream meanwhile: nothing to keep */
		kind = reply_field(e->element[1], "kind");
		body = reply_field(e->element[1], "body");
		if (kind == NULL || body == NULL) {
			intake_reject(d, e->element[0]->str, kind ? kind->str : NULL,
			    kind ? (size_t)kind->len : 0, body ? body->str : NULL,
			    body ? (size_t)body->len : 0,
			    "entry: fields 'kind' (account or event) and 'body' are required");
		} else if (od_reply_is(kind, "account"))
			intake_account(b, e->element[0]->str, body->str, body->len, now);
		else if (od_reply_is(kind, "event"))
			intake_event(b, e->element[0]->str, body->str, body->len);
		else	/* "account\0x" too: compared with its length */
			intake_reject(d, e->element[0]->str, kind ? kind->str : NULL,
			    kind ? (size_t)kind->len : 0, body ? body->str : NULL,
			    body ? (size_t)body->len : 0,
			    "kind: must be 'account' or 'event'");
	}
	intake_close_accounts(b);
	/* applied after the batches read before it */
	if (d->intake_tail != NULL)
		d->intake_tail->next = b;
	else
		d->intake_head = b;
	d->intake_tail = b;
	if (d->intake_head == b)
		intake_step(b);
}

static void
intake_read_cb(redisReply *r, void *arg)
{
	struct od_daemon	*d = arg;
	const redisReply	*entries = NULL;
	struct timeval		 tv = { 1, 0 };
	int			 got;

	d->reading = 0;
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		if (r != NULL)
			od_log_err("intake", "reading the inbox: %s", r->str);
		if (r != NULL && strncmp(r->str, "NOGROUP", 7) == 0) {
			const char *argv[] = { "XGROUP", "CREATE", od_queue_keys(d->q)->inbox,
			    "outreachd", "0", "MKSTREAM" };
			od_queue_command(d->q, NULL, NULL, 6, argv, NULL);
		}
		if (!d->stopping)
			evtimer_add(d->intake_ev, &tv);
		return;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2)
		entries = r->element[0]->element[1];
	got = entries != NULL && entries->type == REDIS_REPLY_ARRAY && entries->elements > 0;
	if (got)
		intake_process(d, entries);
	if (!d->intake_pending_read) {
		d->intake_empty = !got;
		if (!got) {
			od_dispatch_kick(d);
			od_daemon_check_idle(d);
		}
	}
	/*
	 * Our own pending entries (left by a crash) are read once, at start-up;
	 * then new ones.  Reading pending entries again would return those whose
	 * acknowledgement is still on its way.
	 */
	d->intake_pending_read = 0;
	if (!d->stopping)
		intake_read(d);
}

static void
intake_read(struct od_daemon *d)
{
	const char	*argv[10];
	char		 count[16];
	int		 n = 0;

	if (d->reading || d->stopping || d->intake_batches >= INTAKE_BATCHES_MAX)
		return;		/* a store answering reads again */
	snprintf(count, sizeof(count), "%d", d->intake_pending_read ?
	    d->set->cfg.intake_batch * 64 : d->set->cfg.intake_batch);
	argv[n++] = "XREADGROUP";
	argv[n++] = "GROUP";
	argv[n++] = "outreachd";
	argv[n++] = d->consumer;
	argv[n++] = "COUNT";
	argv[n++] = count;
	if (!d->intake_pending_read) {
		argv[n++] = "BLOCK";
		argv[n++] = "1000";
	}
	argv[n++] = "STREAMS";
	argv[n++] = od_queue_keys(d->q)->inbox;
	{
		const char *all[12];
		int i;
		for (i = 0; i < n; i++)
			all[i] = argv[i];
		all[n] = d->intake_pending_read ? "0" : ">";
		if (od_queue_command_inbox(d->q, intake_read_cb, d, n + 1, all, NULL) == 0)
			d->reading = 1;
	}
	if (!d->reading) {
		struct timeval tv = { 1, 0 };
		evtimer_add(d->intake_ev, &tv);
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
	struct od_daemon	*d = arg;

	d->sweeping = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return;
	if (r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements > 0) {
		od_log_info("intake", "took over %zu inbox entries left pending by a stopped daemon",
		    r->element[1]->elements);
		intake_process(d, r->element[1]);
	}
}

void
od_intake_sweep(struct od_daemon *d)
{
	char		 idle[32], count[16];
	const char	*argv[9];

	if (d->sweeping || d->stopping || !od_queue_ready(d->q))
		return;
	/* Entries another consumer read and never acknowledged for a lease's time: it died. */
	snprintf(idle, sizeof(idle), "%lld", (long long)d->set->cfg.lease_ms);
	snprintf(count, sizeof(count), "%d", d->set->cfg.intake_batch);
	argv[0] = "XAUTOCLAIM";
	argv[1] = od_queue_keys(d->q)->inbox;
	argv[2] = "outreachd";
	argv[3] = d->consumer;
	argv[4] = idle;
	argv[5] = "0-0";
	argv[6] = "COUNT";
	argv[7] = count;
	if (od_queue_command(d->q, intake_sweep_cb, d, 8, argv, NULL) == 0)
		d->sweeping = 1;
}

void
od_intake_start(struct od_daemon *d)
{
	if (d->intake_ev == NULL)
		d->intake_ev = evtimer_new(d->base, intake_timer_cb, d);
	d->intake_pending_read = 1;
	intake_read(d);
}
