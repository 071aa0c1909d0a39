/*
 * od_sim: the simulation engine (see od_sim.h).
 *
 * The state an account has in Redis (P:state) is kept here as a struct
 * od_state and written out as its JSON whenever od_job_start reads it; it
 * changes through od_state's transitions, as the daemon's does:
 *   intake     -> od_state_intake (sim_intake; od_intake.c)
 *   an event   -> od_state_event (sim_event_apply; od_store.c)
 *   an outcome -> od_state_outcome (sim_complete; od_record.c)
 * A compare-and-set has nothing to compare on one thread and one clock: a
 * claimed action is decided and completed at the same virtual instant, so
 * nothing can arrive in between; begin.lua's one write that matters, the
 * send added to the person's contacts (P:person, od_person.h), is made in
 * sim_action.  The duplicate-entry list (evs) is not kept: every simulated
 * event is a distinct entry.
 */
#include "od_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_buf.h"
#include "od_intent.h"
#include "od_job.h"
#include "od_person.h"
#include "od_plan.h"
#include "od_state.h"
#include "od_sim_int.h"
#include "od_time.h"

const char *
od_sim_end_name(enum od_sim_end e)
{
	static const char *const names[] = { "active", "finished", "paid", "closed", "ceased",
	    "stopped", "placed" };

	return (int)e >= 0 && e < OD_SIM_END_MAX ? names[e] : "invalid";
}

/* ---- set-up ------------------------------------------------------------------ */

struct od_sim *
od_sim_new(const struct od_confset *set, const struct od_sim_options *o, char *err, size_t errlen)
{
	struct od_sim	*s;

	if (o->days < 1 || o->days > 3660) {
		snprintf(err, errlen, "days: %d is not between 1 and 3660", o->days);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->set = set;
	s->o = *o;
	s->o.policy = NULL;
	if (o->policy != NULL && (s->forced = od_policy_find(&set->policies, o->policy)) == NULL) {
		snprintf(err, errlen, "policy: no policy named '%s' is loaded", o->policy);
		free(s);
		return NULL;
	}
	s->horizon = o->from_ms + (int64_t)o->days * DAY_MS;
	s->sum.from_ms = o->from_ms;
	s->sum.days = o->days;
	if ((s->sum.sends = calloc((size_t)o->days, sizeof(*s->sum.sends))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	od_buf_init(&s->state);
	return s;
}

static void
sim_counts_free(struct od_sim_count *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}

void
od_sim_free(struct od_sim *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->acct[i].id);
		free(s->acct[i].doc);
		od_state_clear(&s->acct[i].st);
	}
	for (i = 0; i < s->nperson; i++)
		free(s->person[i].contacts);
	free(s->person);
	free(s->phash);
	free(s->acct);
	free(s->hash);
	for (i = 0; i < s->nev; i++)
		json_decref(s->ev[i].doc);
	free(s->ev);
	free(s->heap);
	od_buf_free(&s->state);
	free(s->sum.sends);
	sim_counts_free(s->sum.suppressions, s->sum.nsuppressions);
	sim_counts_free(s->sum.failures, s->sum.nfailures);
	sim_counts_free(s->sum.lifecycle, s->sum.nlifecycle);
	free(s);
}

/* Intake of one account: a new state, or an update of the known one. */
static int
sim_intake(struct od_sim *s, const struct od_account *a, const struct od_policy *p,
    const char *json, size_t len)
{
	struct sim_acct	*x;
	char		*doc, pid[OD_PERSON_ID_LEN + 1];
	int64_t		 now = s->o.from_ms, due;
	size_t		 idx;
	long		 person = -1;

	/* intake: any key will do, the ids only have to agree within the run */
	if (od_person_id(a, OD_PERSON_DEFAULT_KEY, strlen(OD_PERSON_DEFAULT_KEY), pid) == 0 &&
	    (person = od_sim_person(s, pid)) == -1)
		return -1;

	if ((doc = malloc(len + 1)) == NULL)
		return -1;
	memcpy(doc, json, len);
	doc[len] = '\0';
	if ((idx = od_sim_find(s, a->id)) != (size_t)-1) {
		x = &s->acct[idx];
		if (od_state_intake(&x->st, 1, a, p, now, &due) == -1) {
			free(doc);
			return -1;
		}
		free(x->doc);
		x->doc = doc;
		x->len = len;
		x->policy = p;
		x->person = person;
		if (due >= 0)
			od_sim_schedule(s, idx, due);	/* an update is re-planned at once */
		return 0;
	}
	if (s->o.limit_accounts > 0 && s->n >= s->o.limit_accounts) {
		free(doc);
		return 1;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		struct sim_acct *nv = realloc(s->acct, ncap * sizeof(*nv));
		size_t *nh = realloc(s->heap, ncap * sizeof(*nh));

		if (nv != NULL)
			s->acct = nv;
		if (nh != NULL)
			s->heap = nh;
		if (nv == NULL || nh == NULL) {
			free(doc);
			return -1;
		}
		s->cap = ncap;
	}
	if ((s->n + 1) * 2 > s->hcap && od_sim_hash_grow(s) == -1) {
		free(doc);
		return -1;
	}
	x = &s->acct[s->n];
	memset(x, 0, sizeof(*x));
	if ((x->id = strdup(a->id)) == NULL ||
	    od_state_intake(&x->st, 0, a, p, now, &due) == -1) {
		free(x->id);
		od_state_clear(&x->st);
		free(doc);
		return -1;
	}
	x->doc = doc;
	x->len = len;
	x->policy = p;
	x->due = -1;
	x->hpos = -1;
	x->person = person;
	od_sim_hash_put(s->hash, s->hcap, x->id, s->n);
	idx = s->n++;
	s->sum.accounts++;
	od_sim_schedule(s, idx, due);
	return 0;
}

int
od_sim_add_account(struct od_sim *s, const char *json, size_t len, char *reason, size_t rlen)
{
	struct od_account	 a;
	const struct od_policy	*p;
	int			 rc;

	if (od_account_parse(json, len, s->set->cfg.max_body, &a, reason, rlen) == -1) {
		s->sum.accounts_rejected++;
		return -1;
	}
	if (s->forced != NULL)
		p = s->forced;
	else if (a.policy != NULL) {
		if ((p = od_policy_find(&s->set->policies, a.policy)) == NULL) {
			snprintf(reason, rlen, "policy: no policy named '%s' is loaded", a.policy);
			goto reject;
		}
	} else if ((p = od_policy_select(&s->set->policies, &a, s->o.from_ms)) == NULL) {
		snprintf(reason, rlen, "policy: no policy's segment takes this account "
		    "(country %s, %s %s, due %s); name one in 'policy'", a.country, a.currency,
		    a.amount, a.due_date);
		goto reject;
	}
	rc = sim_intake(s, &a, p, json, len);
	od_account_clear(&a);
	if (rc == -1)
		snprintf(reason, rlen, "out of memory");
	return rc;
reject:
	od_account_clear(&a);
	s->sum.accounts_rejected++;
	return -1;
}

int
od_sim_add_event(struct od_sim *s, const char *json, size_t len, char *reason, size_t rlen)
{
	struct od_event		 e;
	struct sim_event	*x;
	const char		*at;
	size_t			 idx;
	int64_t			 ms;

	if (od_event_parse(json, len, s->set->cfg.max_body, &e, reason, rlen) == -1)
		goto reject;
	at = json_string_value(json_object_get(e.doc, "at"));
	if (at == NULL || od_time_parse_iso(at, &ms) == -1) {
		snprintf(reason, rlen, "at: required to simulate an event (\"2026-12-02T10:00:00Z\")");
		goto reject_clear;
	}
	if ((idx = od_sim_find(s, e.account_id)) == (size_t)-1) {
		snprintf(reason, rlen, "account_id: no such account (enqueue the account first)");
		goto reject_clear;
	}
	if (s->nev == s->capev) {
		size_t ncap = s->capev ? s->capev * 2 : 256;
		struct sim_event *nv = realloc(s->ev, ncap * sizeof(*nv));

		if (nv == NULL) {
			snprintf(reason, rlen, "out of memory");
			goto reject_clear;
		}
		s->ev = nv;
		s->capev = ncap;
	}
	x = &s->ev[s->nev];
	memset(x, 0, sizeof(*x));
	x->at = ms < s->o.from_ms ? s->o.from_ms : ms;
	x->seq = s->nev++;
	x->acct = idx;
	x->ev.type = e.type;
	x->ev.channel = e.channel;
	x->ev.full = e.full;
	x->ev.amount = e.amount;	/* these point into doc, kept with the event */
	x->ev.until = e.until;
	x->ev.offer = e.offer;
	x->ev.accept = e.accept;
	x->ev.option = e.option;
	x->ev.doc = x->doc = json_incref(e.doc);
	od_event_clear(&e);
	return 0;
reject_clear:
	od_event_clear(&e);
reject:
	s->sum.events_rejected++;
	return -1;
}

/* ---- the scripts' state changes -------------------------------------------- */

static void	sim_emit_records(struct od_sim *, struct sim_acct *, json_t *, const struct od_job *,
		    int64_t, od_sim_entry_fn, void *);

/*
 * A reply event ({"type":"reply","channel":..,"text":..,"payload":..}), as
 * od_store_reply applies it for a number that is this account's alone.
 */
static int
sim_reply_apply(struct od_sim *s, struct sim_acct *a, const struct sim_event *ev,
    const struct od_account *acct, struct od_state_ctx *cx, int *replan)
{
	struct od_intent_match	 m;
	struct od_state_reply	 r;
	char			 agent[300];

	memset(&r, 0, sizeof(r));
	r.channel = ev->ev.channel;
	r.text = json_string_value(json_object_get(ev->doc, "text"));
	r.at = json_string_value(json_object_get(ev->doc, "at"));
	r.provider_id = json_string_value(json_object_get(ev->doc, "provider_id"));
	r.shared = 1;
	r.ack = 1;
	r.intent = &m;
	od_intent_read(&s->set->intents, acct && acct->locale ? acct->locale :
	    s->set->cfg.default_locale, r.text, json_string_value(json_object_get(ev->doc,
	    "payload")), cx->today, &m);
	return od_state_reply(&a->st, &r, cx, replan, agent, sizeof(agent));
}

/* An event at now (as od_store.c applies it); its records and a refusal go to fn. */
static int
sim_event_apply(struct od_sim *s, const struct sim_event *ev, int64_t now, od_sim_entry_fn fn,
    void *arg)
{
	struct sim_acct		*a = &s->acct[ev->acct];
	struct od_account	 acct;
	struct od_state_ctx	 cx;
	char			 reason[512];
	int			 replan = 0, rc, ok;
	json_t			*recs = json_array(), *r;

	ok = od_account_from_stored(a->doc, a->len, &acct, reason, sizeof(reason)) == 0;
	od_state_ctx_init(&cx, a->id, ok ? &acct : NULL, a->policy, now);
	cx.records = recs;
	if (ev->ev.type == OD_EV_REPLY)
		rc = sim_reply_apply(s, a, ev, ok ? &acct : NULL, &cx, &replan);
	else
		rc = od_state_event(&a->st, &ev->ev, &cx, &replan);	/* no entry: nothing allocated */
	if (rc == OD_STATE_REJECTED) {
		/* as intake: <prefix>:rejected, with its reason */
		s->sum.events_rejected++;
		r = json_pack("{s:s, s:s, s:s}", "account_id", a->id, "status", "rejected",
		    "reason", cx.reason);
		json_array_append_new(recs, r);
	} else if (rc == 0)
		s->sum.events++;
	sim_emit_records(s, a, recs, NULL, now, fn, arg);
	json_decref(recs);
	if (ok)
		od_account_clear(&acct);
	if (rc == -1)
		return -1;
	if (a->st.status != OD_STATE_ACTIVE) {
		od_sim_heap_remove(s, ev->acct);
		a->due = -1;
	} else if (replan)
		od_sim_schedule(s, ev->acct, now);
	return 0;
}

/* The state as P:state holds it, for od_job_start. */
static int
sim_state_json(struct od_sim *s, const struct sim_acct *a)
{
	od_buf_reset(&s->state);
	return od_state_write(&a->st, &s->state);
}

/* An action's outcome at now (as od_record.c makes it). */
static int
sim_complete(struct od_sim *s, size_t ai, const struct od_job *j, int64_t now, json_t *recs)
{
	struct sim_acct		*a = &s->acct[ai];
	struct od_state_outcome	 o;
	struct od_state_ctx	 cx;
	int64_t			 due;

	od_job_outcome_of(j, &o);	/* a person's contacts: in their list (sim_action) */
	od_job_ctx(j, &cx, now);
	cx.records = recs;
	if (od_state_outcome(&a->st, &o, &cx, &due) == -1)
		return -1;
	a->due = -1;
	if (due >= 0)
		od_sim_schedule(s, ai, due);
	return 0;
}

/* ---- one action -------------------------------------------------------------- */

static int
sim_count(struct od_sim_count **v, size_t *n, size_t max, const char *name)
{
	struct od_sim_count	*nv;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0) {
			(*v)[i].n++;
			return 0;
		}
	if (*n >= max)
		name = "other";
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0) {
			(*v)[i].n++;
			return 0;
		}
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n].name = strdup(name)) == NULL)
		return -1;
	nv[(*n)++].n = 1;
	return 0;
}

/* Hands records to fn and counts them: an action's (j), or an event's (j NULL). */
static void
sim_emit_records(struct od_sim *s, struct sim_acct *a, json_t *records, const struct od_job *j,
    int64_t now, od_sim_entry_fn fn, void *arg)
{
	struct od_sim_entry	 e;
	const struct od_tz	*tz = NULL;
	json_t			*r;
	const char		*ch;
	size_t			 i;
	int64_t			 day;
	enum od_stage		 stage;

	memset(&e, 0, sizeof(e));
	e.at_ms = now;
	e.account_id = a->id;
	if (j != NULL && j->acct_ok && j->tzlabel[0] != '\0')
		e.timezone = j->tzlabel;	/* "America/Lima", or "US:*" for all of US's zones */
	if (j != NULL && j->acct_ok && (tz = od_tz_get(od_account_plan_zone(&j->acct))) != NULL) {
		od_tz_to_local(tz, now / 1000, &e.local);
		e.has_local = 1;
	}
	json_array_foreach(records, i, r) {
		if (j == NULL || e.timezone == NULL) {
			const char *z = json_string_value(json_object_get(r, "timezone"));

			if (z != NULL && (tz = od_tz_get(z)) != NULL) {
				e.timezone = z;
				od_tz_to_local(tz, now / 1000, &e.local);
				e.has_local = 1;
			}
		}
		e.policy = json_string_value(json_object_get(r, "policy"));
		e.step = json_string_value(json_object_get(r, "step"));
		e.stage = json_string_value(json_object_get(r, "stage"));
		e.step_index = (int)json_integer_value(json_object_get(r, "step_index"));
		ch = json_string_value(json_object_get(r, "channel"));
		e.channel = ch ? od_channel_kind_parse(ch) : -1;
		e.status = json_string_value(json_object_get(r, "status"));
		e.reason = json_string_value(json_object_get(r, "reason"));
		e.detail = json_string_value(json_object_get(r, "detail"));
		e.subject = e.text = e.wa_template = e.sms_coding = NULL;
		e.sms_segments = 0;
		if (e.status == NULL)
			continue;
		if (e.step == NULL)
			e.step = e.stage = "";
		if (od_state_is_life_record(r)) {
			/* the lifecycle's (od_state_life.c), and an event refused: no step */
			sim_count(&s->sum.lifecycle, &s->sum.nlifecycle, (size_t)-1, e.status);
		} else if (strcmp(e.status, "sent") == 0) {
			e.reason = NULL;
			e.subject = j->r.subject;
			e.text = j->r.text;
			e.wa_template = j->r.wa_name;
			e.sms_coding = j->coding[0] ? j->coding : NULL;
			e.sms_segments = j->segments;
			s->sum.sent++;
			day = (now - s->o.from_ms) / DAY_MS;
			if (day >= 0 && day < s->o.days && e.channel >= 0)
				s->sum.sends[day][e.channel]++;
			stage = od_stage_parse(e.stage);
			if (stage != OD_STAGE_INVALID && !(a->stages & (1u << stage))) {
				a->stages |= 1u << stage;
				s->sum.stage_reached[stage]++;
			}
		} else if (strcmp(e.status, "suppressed") == 0) {
			s->sum.suppressed++;
			sim_count(&s->sum.suppressions, &s->sum.nsuppressions, (size_t)-1,
			    e.reason ? e.reason : "unknown");
		} else if (strcmp(e.status, "superseded") == 0) {
			/* never sent, and no failure: a later step was due too (od_job.c) */
			s->sum.superseded++;
		} else {
			s->sum.failed++;
			sim_count(&s->sum.failures, &s->sum.nfailures, MAX_FAILURES,
			    e.reason ? e.reason : e.status);
		}
		if (fn != NULL)
			fn(&e, arg);
	}
}

static int
sim_action(struct od_sim *s, size_t ai, int64_t now, od_sim_entry_fn fn, void *arg)
{
	struct sim_acct			*a = &s->acct[ai];
	struct sim_person		*p = a->person >= 0 ? &s->person[a->person] : NULL;
	struct od_channel_result	 res;
	struct od_job_person		 jp;
	struct od_job			 j;
	struct od_buf			 b;
	enum od_job_next		 next;
	json_t				*rec, *recs;
	int				 rc;

	od_clock_set_now_ms(now);
	if (sim_state_json(s, a) == -1)
		return -1;
	s->sum.actions++;
	memset(&jp, 0, sizeof(jp));
	if (p != NULL) {
		jp.id = p->id;
		jp.contacts = p->contacts;
		jp.len = p->contacts ? strlen(p->contacts) : 0;
	}
	next = od_job_start(&j, s->set, a->id, a->doc, a->len, s->state.data, s->state.len,
	    &jp, now);
	while (next == OD_JOB_SEND) {
		/* The gateway takes it: what the daemon does on an accepted send. */
		if ((rec = od_job_attempt(&j)) == NULL) {
			od_job_clear(&j);
			return -1;
		}
		if (p != NULL) {	/* begin.lua: the person's contacts get this send */
			od_buf_init(&b);
			od_person_add(&b, j.contacts, j.ncontacts, now, j.kind, j.attempt_id, 0);
			if (b.oom) {
				od_buf_free(&b);
				json_decref(rec);
				od_job_clear(&j);
				return -1;
			}
			free(p->contacts);
			p->contacts = od_buf_steal(&b);
			od_buf_free(&b);
			free(j.contacts);
			j.contacts = strdup(p->contacts);
			j.ncontacts = j.contacts ? strlen(j.contacts) : 0;
		}
		memset(&res, 0, sizeof(res));
		res.outcome = OD_OUTCOME_ACCEPTED;
		snprintf(res.provider_id, sizeof(res.provider_id), "sim");
		next = od_job_outcome(&j, &res, rec);
		json_decref(rec);
	}
	recs = json_array();
	rc = sim_complete(s, ai, &j, now, recs);	/* the lifecycle's, after the action's */
	sim_emit_records(s, a, j.records, &j, now, fn, arg);
	sim_emit_records(s, a, recs, &j, now, fn, arg);
	json_decref(recs);
	od_job_clear(&j);
	return rc;
}

/* ---- the run ------------------------------------------------------------------ */

static int
sim_event_cmp(const void *x, const void *y)
{
	const struct sim_event *a = x, *b = y;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int
od_sim_run(struct od_sim *s, od_sim_entry_fn fn, void *arg, od_sim_progress_fn progress,
    void *parg)
{
	struct sim_acct	*a;
	size_t		 ei = 0, ai, i;
	int64_t		 te, th, span = s->horizon - s->o.from_ms;
	uint64_t	 steps = 0;

	if (s->ran)
		return 0;
	s->ran = 1;
	if (s->nev > 0)
		qsort(s->ev, s->nev, sizeof(*s->ev), sim_event_cmp);
	if (progress != NULL)
		progress(0, span, parg);
	for (;;) {
		te = ei < s->nev ? s->ev[ei].at : INT64_MAX;
		th = s->nheap > 0 ? s->acct[s->heap[0]].due : INT64_MAX;
		if (te >= s->horizon && th >= s->horizon)
			break;
		if (te <= th) {		/* an event at the same instant comes first */
			od_clock_set_now_ms(te);
			if (sim_event_apply(s, &s->ev[ei++], te, fn, arg) == -1)
				return -1;
			continue;
		}
		ai = s->heap[0];
		od_sim_heap_remove(s, ai);		/* claimed */
		s->acct[ai].due = -1;
		if (sim_action(s, ai, th, fn, arg) == -1)
			return -1;
		if (progress != NULL && (++steps & 4095) == 0)
			progress(th - s->o.from_ms, span, parg);
	}
	s->sum.events_outside = s->nev - ei;
	od_clock_set_now_ms(s->horizon);
	for (i = 0; i < s->n; i++) {
		a = &s->acct[i];
		if (a->st.status == OD_STATE_PAID)
			s->sum.end[OD_SIM_END_PAID]++;
		else if (a->st.status == OD_STATE_CLOSED)
			s->sum.end[OD_SIM_END_CLOSED]++;
		else if (a->st.status == OD_STATE_CEASED)
			s->sum.end[OD_SIM_END_CEASED]++;
		else if (a->st.status == OD_STATE_PLACED)
			s->sum.end[OD_SIM_END_PLACED]++;
		else if ((size_t)a->st.next >= a->policy->nsteps)
			s->sum.end[OD_SIM_END_FINISHED]++;
		else if (a->due >= 0)
			s->sum.end[OD_SIM_END_ACTIVE]++;
		else
			s->sum.end[OD_SIM_END_STOPPED]++;
	}
	if (progress != NULL)
		progress(span, span, parg);
	return 0;
}

const struct od_sim_summary *
od_sim_summary(const struct od_sim *s)
{
	return &s->sum;
}

int
od_sim_max_id_len(const struct od_sim *s)
{
	size_t	i, m = 7;

	for (i = 0; i < s->n; i++)
		if (strlen(s->acct[i].id) > m)
			m = strlen(s->acct[i].id);
	return (int)m;
}

int
od_sim_max_step_len(const struct od_sim *s)
{
	const struct od_policy_set	*ps = &s->set->policies;
	size_t				 i, k, m = 4;

	for (i = 0; i < ps->n; i++)
		for (k = 0; k < ps->v[i].nsteps; k++)
			if (strlen(ps->v[i].steps[k].name) > m)
				m = strlen(ps->v[i].steps[k].name);
	return (int)m;
}
