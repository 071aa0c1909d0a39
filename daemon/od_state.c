/*
 * od_state: the account state, its JSON and its transitions (od_state.h).
 */
#include "od_state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_plan.h"
#include "od_state_int.h"

static const char *const state_status_names[] = {
	NULL, "active", "paid", "closed", "ceased", "failed", "placed",
};
#define STATE_NSTATUS	(sizeof(state_status_names) / sizeof(state_status_names[0]))


void
od_state_init(struct od_state *st)
{
	memset(st, 0, sizeof(*st));
	st->digits = 2;
}

void
od_state_strs_clear(struct od_state_strs *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
od_state_clear(struct od_state *st)
{
	if (st == NULL)
		return;
	free(st->policy);
	free(st->recent);
	od_state_strs_clear(&st->phones);
	od_state_strs_clear(&st->evs);
	od_state_strs_clear(&st->offers);
	od_state_life_clear(&st->life);
	json_decref(st->extra);
	od_state_init(st);
}

const char *
od_state_status_name(enum od_state_status s)
{
	return (size_t)s < STATE_NSTATUS ? state_status_names[s] : NULL;
}

int
od_state_strs_add(struct od_state_strs *l, const char *s)
{
	char	**nv, *c;

	if ((c = strdup(s)) == NULL)
		return -1;
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(c);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = c;
	l->set = 1;
	return 0;
}

int
od_state_strs_has(const struct od_state_strs *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static int
state_recent_add(struct od_state *st, int64_t at, int kind)
{
	if (st->nrecent == st->caprecent) {
		size_t ncap = st->caprecent ? st->caprecent * 2 : 4;
		struct od_state_contact *nr = realloc(st->recent, ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		st->recent = nr;
		st->caprecent = ncap;
	}
	st->recent[st->nrecent].at = at;
	st->recent[st->nrecent++].kind = kind;
	return 0;
}

/* ---- reading ----------------------------------------------------------------- */

int
od_state_whole(const json_t *v, double lo, double hi)
{
	double	d;

	if (v == NULL)
		return 1;	/* absent: 0 */
	if (!json_is_number(v))
		return 0;
	d = json_number_value(v);
	return d >= lo && d <= hi && (double)(int64_t)d == d;	/* NaN fails the first */
}

/*
 * The stored state is read back from Redis: untrusted.  Every field the
 * job reads is checked here, once, before anything is cast or indexed:
 * numbers are finite whole numbers in range (a cast of 1.76e19 to an
 * integer is undefined), "fb" a channel index, the containers of the
 * right kind.
 */
const char *
od_state_check(const json_t *st)
{
	static const char *const strings[] = { "status", "policy", "cycle", NULL };
	const json_t	*v, *c;
	size_t		 i;

	for (i = 0; strings[i] != NULL; i++)
		if ((v = json_object_get(st, strings[i])) != NULL && !json_is_string(v))
			return strings[i];
	if (!od_state_whole(json_object_get(st, "seq"), 0, 1e9))
		return "seq";
	if (!od_state_whole(json_object_get(st, "next"), 0, 1e6))
		return "next";
	if (!od_state_whole(json_object_get(st, "fb"), 0, OD_CH_MAX))
		return "fb";
	if (!od_state_whole(json_object_get(st, "tries"), 0, 1e6))
		return "tries";
	if (!od_state_whole(json_object_get(st, "paid_minor"), 0, OD_STATE_MAX_WHOLE))
		return "paid_minor";
	if ((v = json_object_get(st, "optout")) != NULL && !json_is_object(v))
		return "optout";
	if ((v = json_object_get(st, "hold")) != NULL && (!json_is_object(v) ||
	    ((c = json_object_get(v, "promise_until")) != NULL && !json_is_string(c))))
		return "hold";
	/* cjson writes an empty Lua table as {}: an empty "recent" may be either */
	if ((v = json_object_get(st, "recent")) != NULL &&
	    !(json_is_object(v) && json_object_size(v) == 0)) {
		if (!json_is_array(v))
			return "recent";
		json_array_foreach(v, i, c)
			if (!json_is_array(c) || json_array_size(c) < 2 ||
			    !od_state_whole(json_array_get(c, 0), 0, OD_STATE_MAX_WHOLE) ||
			    json_array_get(c, 0) == NULL || !json_is_string(json_array_get(c, 1)))
				return "recent";
	}
	return NULL;
}

int64_t
od_state_num(const json_t *v)
{
	return json_is_number(v) ? (int64_t)json_number_value(v) : 0;
}

/* A list of strings, or {} (cjson's empty table). */
int
od_state_read_strs(struct od_state_strs *l, const json_t *v)
{
	const json_t	*c;
	size_t		 i;

	if (json_is_object(v) && json_object_size(v) == 0) {
		l->set = 1;
		return 0;
	}
	if (!json_is_array(v))
		return -1;
	l->set = 1;
	json_array_foreach(v, i, c)
		if (!json_is_string(c) || od_state_strs_add(l, json_string_value(c)) == -1)
			return -1;
	return 0;
}

static int
state_read_optout(struct od_state *st, const json_t *o)
{
	const char	*k;
	json_t		*v;
	int		 kind;

	json_object_foreach((json_t *)o, k, v) {
		if (json_is_false(v))
			continue;	/* not opted out, as nil */
		if (!json_is_true(v))
			return -1;
		if (strcmp(k, "all") == 0)
			st->optout |= OD_STATE_OPT_ALL;
		else if ((kind = od_channel_kind_parse(k)) >= 0)
			st->optout |= 1u << kind;
		else
			return -1;
	}
	return 0;
}

static int
state_read_hold(struct od_state *st, const json_t *o)
{
	const char	*k;
	json_t		*v;

	json_object_foreach((json_t *)o, k, v) {
		if (strcmp(k, "dispute") == 0 && json_is_boolean(v))
			st->dispute = json_is_true(v);
		else if (strcmp(k, "promise_until") == 0 && json_is_string(v) &&
		    json_string_length(v) < sizeof(st->promise_until))
			snprintf(st->promise_until, sizeof(st->promise_until), "%s",
			    json_string_value(v));
		else if (strcmp(k, "until") == 0 && od_state_whole(v, 0, OD_STATE_MAX_WHOLE))
			st->hold_until = od_state_num(v);
		else if (strcmp(k, "why") == 0 && json_is_string(v) &&
		    json_string_length(v) < sizeof(st->hold_why))
			snprintf(st->hold_why, sizeof(st->hold_why), "%s", json_string_value(v));
		else
			return -1;
	}
	return 0;
}

static int
state_read_recent(struct od_state *st, const json_t *v)
{
	const json_t	*c;
	size_t		 i;
	int		 kind;

	if (json_is_object(v))
		return 0;	/* {}: od_state_check saw it empty */
	json_array_foreach(v, i, c) {
		if (json_array_size(c) != 2 ||
		    (kind = od_channel_kind_parse(json_string_value(json_array_get(c, 1)))) < 0)
			return -1;
		if (state_recent_add(st, od_state_num(json_array_get(c, 0)), kind) == -1)
			return -1;
	}
	return 0;
}

int
od_state_from_json(struct od_state *st, const json_t *v, const char **field)
{
	const char	*k, *why = NULL;
	json_t		*c;
	size_t		 i;
	int		 rc;

	od_state_init(st);
	*field = "state";
	if (!json_is_object(v))
		return -1;
	if ((*field = od_state_check(v)) != NULL)
		return -1;
	json_object_foreach((json_t *)v, k, c) {
		why = k;
		if (strcmp(k, "v") == 0) {
			if (!od_state_whole(c, 0, OD_STATE_MAX_WHOLE))
				goto fail;
			st->version = od_state_num(c);
		} else if (strcmp(k, "policy") == 0) {
			if ((st->policy = strdup(json_string_value(c))) == NULL)
				goto fail;
		} else if (strcmp(k, "cycle") == 0) {
			if (json_string_length(c) == 0 || json_string_length(c) >= sizeof(st->cycle))
				goto fail;
			snprintf(st->cycle, sizeof(st->cycle), "%s", json_string_value(c));
		} else if (strcmp(k, "status") == 0) {
			for (i = 1; i < STATE_NSTATUS; i++)
				if (strcmp(json_string_value(c), state_status_names[i]) == 0)
					st->status = (enum od_state_status)i;
			if (st->status == OD_STATE_NONE)
				goto extra;
		} else if (strcmp(k, "next") == 0)
			st->next = (int)od_state_num(c);
		else if (strcmp(k, "fb") == 0)
			st->fb = (int)od_state_num(c);
		else if (strcmp(k, "tries") == 0)
			st->tries = (int)od_state_num(c);
		else if (strcmp(k, "seq") == 0)
			st->seq = (int)od_state_num(c);
		else if (strcmp(k, "paid_minor") == 0)
			st->paid_minor = od_state_num(c);
		else if (strcmp(k, "amount_minor") == 0) {
			if (!od_state_whole(c, -OD_STATE_MAX_WHOLE, OD_STATE_MAX_WHOLE))
				goto fail;
			st->amount_minor = od_state_num(c);
		} else if (strcmp(k, "digits") == 0) {
			if (!od_state_whole(c, 0, 18))
				goto fail;
			st->digits = (int)od_state_num(c);
		} else if (strcmp(k, "optout") == 0) {
			if (state_read_optout(st, c) == -1)
				goto fail;
		} else if (strcmp(k, "hold") == 0) {
			if (state_read_hold(st, c) == -1)
				goto fail;
		} else if (strcmp(k, "recent") == 0) {
			if (state_read_recent(st, c) == -1)
				goto fail;
		} else if (strcmp(k, "replan") == 0) {
			if (!json_is_boolean(c))
				goto fail;
			st->replan = json_is_true(c);
		} else if (strcmp(k, "phones") == 0) {
			if (od_state_read_strs(&st->phones, c) == -1)
				goto fail;
		} else if (strcmp(k, "evs") == 0) {
			if (od_state_read_strs(&st->evs, c) == -1)
				goto fail;
		} else if ((rc = od_state_life_read(st, k, c)) != 0) {
			if (rc == -1)
				goto fail;
		} else {
extra:
			if (st->extra == NULL && (st->extra = json_object()) == NULL)
				goto fail;
			if (json_object_set(st->extra, k, c) == -1)
				goto fail;
		}
	}
	*field = NULL;
	return 0;
fail:
	*field = why;
	return -1;
}

/* ---- writing ----------------------------------------------------------------- */

void
od_state_write_strs(struct od_buf *b, const char *key, const struct od_state_strs *l)
{
	size_t	i;

	if (!l->set)
		return;
	od_buf_printf(b, ",\"%s\":[", key);
	for (i = 0; i < l->n; i++) {
		if (i)
			od_buf_putc(b, ',');
		od_buf_json_string(b, l->v[i]);
	}
	od_buf_putc(b, ']');
}

int
od_state_write(const struct od_state *st, struct od_buf *b)
{
	const char	*k, *sep = "";
	json_t		*v;
	char		*s;
	size_t		 i;
	int		 kind;

	od_buf_putc(b, '{');
	if (st->version > 0) {		/* first: lib.lua's od_ver reads it there */
		od_buf_printf(b, "\"v\":%lld", (long long)st->version);
		sep = ",";
	}
	if (st->policy != NULL) {
		od_buf_printf(b, "%s\"policy\":", sep);
		od_buf_json_string(b, st->policy);
		sep = ",";
	}
	if (st->cycle[0] != '\0') {
		od_buf_printf(b, "%s\"cycle\":", sep);
		od_buf_json_string(b, st->cycle);
		sep = ",";
	}
	od_buf_printf(b, "%s\"next\":%d", sep, st->next);
	if (st->status != OD_STATE_NONE)
		od_buf_printf(b, ",\"status\":\"%s\"", od_state_status_name(st->status));
	od_buf_printf(b, ",\"amount_minor\":%lld,\"paid_minor\":%lld,\"digits\":%d,\"tries\":%d,"
	    "\"fb\":%d,\"seq\":%d,\"optout\":{", (long long)st->amount_minor,
	    (long long)st->paid_minor, st->digits, st->tries, st->fb, st->seq);
	sep = "";
	for (kind = 0; kind <= OD_CH_MAX; kind++)
		if (st->optout & (1u << kind)) {
			od_buf_printf(b, "%s\"%s\":true", sep,
			    kind == OD_CH_MAX ? "all" : od_channel_kind_name(kind));
			sep = ",";
		}
	od_buf_puts(b, "},\"hold\":{");
	if (st->dispute)
		od_buf_puts(b, "\"dispute\":true");
	if (st->promise_until[0] != '\0') {
		od_buf_printf(b, "%s\"promise_until\":", st->dispute ? "," : "");
		od_buf_json_string(b, st->promise_until);
	}
	if (st->hold_until > 0) {
		od_buf_printf(b, "%s\"until\":%lld,\"why\":", st->dispute ||
		    st->promise_until[0] != '\0' ? "," : "", (long long)st->hold_until);
		od_buf_json_string(b, st->hold_why);
	}
	od_buf_puts(b, "},\"recent\":[");
	for (i = 0; i < st->nrecent; i++)
		od_buf_printf(b, "%s[%lld,\"%s\"]", i ? "," : "", (long long)st->recent[i].at,
		    od_channel_kind_name(st->recent[i].kind));
	od_buf_putc(b, ']');
	if (st->replan)
		od_buf_puts(b, ",\"replan\":true");
	od_state_write_strs(b, "phones", &st->phones);
	od_state_write_strs(b, "evs", &st->evs);
	od_state_life_write(st, b);
	json_object_foreach(st->extra, k, v) {
		if (st->status != OD_STATE_NONE && strcmp(k, "status") == 0)
			continue;	/* an unknown status, replaced since */
		if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
			return -1;
		od_buf_putc(b, ',');
		od_buf_json_string(b, k);
		od_buf_putc(b, ':');
		od_buf_puts(b, s);
		free(s);
	}
	od_buf_putc(b, '}');
	return b->oom ? -1 : 0;
}

char *
od_state_to_json(const struct od_state *st)
{
	struct od_buf	 b;
	char		*s;

	od_buf_init(&b);
	if (od_state_write(st, &b) == -1) {
		od_buf_free(&b);
		return NULL;
	}
	s = od_buf_steal(&b);
	od_buf_free(&b);
	return s;
}

char *
od_state_commit(struct od_state *st)
{
	st->version++;
	return od_state_to_json(st);
}

/* ---- transitions ------------------------------------------------------------- */

int
od_state_intake(struct od_state *st, int known, const struct od_account *a,
    const struct od_policy *p, int64_t now, int64_t *due)
{
	char	*pol;
	size_t	 skipped;
	int	 i;

	*due = -1;
	if ((pol = strdup(p->name)) == NULL)
		return -1;
	if (!known) {
		od_state_init(st);
		snprintf(st->cycle, sizeof(st->cycle), "%s", a->due_date);
		st->status = OD_STATE_ACTIVE;
		/* od_intake.c: the first due from step 0; a step already due goes now */
		i = od_plan_next(a, p, 0, now, due, &skipped);
		if (i < 0 || *due < now)
			*due = now;
	} else {
		if (strcmp(st->cycle, a->due_date) != 0) {	/* a new cycle */
			snprintf(st->cycle, sizeof(st->cycle), "%s", a->due_date);
			st->next = st->tries = st->fb = 0;
			st->paid_minor = 0;
			if (st->status != OD_STATE_CEASED)
				st->status = OD_STATE_ACTIVE;
			st->dispute = 0;
			st->promise_until[0] = '\0';
			/* a new debt: the old one's promise, agreement and offers end with it */
			od_state_life_clear(&st->life);
			od_state_strs_clear(&st->offers);
			st->broken = 0;
			st->done_at = 0;
			st->hold_until = 0;
			st->hold_why[0] = '\0';
			st->cur[0] = '\0';
		}
		*due = now;	/* an update is re-planned at once */
	}
	free(st->policy);
	st->policy = pol;
	st->amount_minor = a->amount_minor;
	st->digits = a->minor_digits;
	if (st->status != OD_STATE_ACTIVE)
		*due = -1;
	return 0;
}

int
od_state_set_phones(struct od_state *st, const char *phone, const char *whatsapp)
{
	od_state_strs_clear(&st->phones);
	st->phones.set = 1;
	if (phone != NULL && phone[0] != '\0' && od_state_strs_add(&st->phones, phone) == -1)
		return -1;
	if (whatsapp != NULL && whatsapp[0] != '\0' &&
	    (phone == NULL || strcmp(phone, whatsapp) != 0) &&
	    od_state_strs_add(&st->phones, whatsapp) == -1)
		return -1;
	return 0;
}

int
od_state_event(struct od_state *st, const struct od_state_event *ev, struct od_state_ctx *cx,
    int *replan)
{
	unsigned	 bit = ev->channel < 0 ? OD_STATE_OPT_ALL : 1u << ev->channel;
	const char	*cur;
	int64_t		 amount = 0;
	int		 rc;

	*replan = 0;
	cx->reason[0] = '\0';
	if (ev->entry != NULL && od_state_strs_has(&st->evs, ev->entry))
		return 1;	/* a re-delivered entry is skipped */
	/* an amount in the account's currency, to its minor unit (ISO 4217) */
	cur = json_string_value(json_object_get(ev->doc, "currency"));
	if (cur != NULL && cx->acct != NULL && strcmp(cur, cx->acct->currency) != 0) {
		snprintf(cx->reason, sizeof(cx->reason), "currency: %s, but the account is in %s",
		    cur, cx->acct->currency);
		return OD_STATE_REJECTED;
	}
	if (ev->amount != NULL && od_money_parse(ev->amount, st->digits, &amount) == -1) {
		snprintf(cx->reason, sizeof(cx->reason), "amount: '%.40s' has more than the %d "
		    "decimals of %s", ev->amount, st->digits, cx->acct ? cx->acct->currency :
		    "the account's currency");
		return OD_STATE_REJECTED;
	}
	if ((rc = od_state_life_event(st, ev, cx, amount, replan)) != 0)
		return rc;	/* refused (st unchanged), or out of memory */
	if (ev->entry != NULL) {
		if (od_state_strs_add(&st->evs, ev->entry) == -1)
			return -1;
		if (st->evs.n > OD_STATE_EVS) {
			free(st->evs.v[0]);
			memmove(st->evs.v, st->evs.v + 1, --st->evs.n * sizeof(*st->evs.v));
		}
	}
	switch (ev->type) {
	case OD_EV_PAYMENT:
		/*
		 * The lifecycle counted it (a promise kept, an agreement paid); an
		 * agreement completed waits for its "completed" message first.
		 */
		if ((ev->full || st->paid_minor >= st->amount_minor) &&
		    ((st->status == OD_STATE_ACTIVE && st->life.status != OD_LIFE_COMPLETED) ||
		    st->status == OD_STATE_PLACED))
			st->status = OD_STATE_PAID;
		else
			*replan = 1;	/* the amounts in the next message change */
		break;
	case OD_EV_CLOSE:
		st->status = OD_STATE_CLOSED;
		break;
	case OD_EV_CEASE:
		st->status = OD_STATE_CEASED;
		break;
	case OD_EV_OPT_OUT:
		st->optout |= bit;
		break;
	case OD_EV_OPT_IN:
		if (ev->channel < 0)
			st->optout = 0;
		else
			st->optout &= ~bit;
		*replan = 1;
		break;
	case OD_EV_DISPUTE:
		st->dispute = 1;
		break;
	case OD_EV_DISPUTE_RESOLVED:
		st->dispute = 0;
		*replan = 1;
		break;
	default:
		break;	/* promises, acceptances, recalls: od_state_life_event */
	}
	if (st->status != OD_STATE_ACTIVE)
		*replan = 0;
	return 0;
}

int
od_state_outcome(struct od_state *st, const struct od_state_outcome *o,
    struct od_state_ctx *cx, int64_t *due)
{
	int64_t	now = cx->now;
	size_t	i, n = 0;
	int	k;

	*due = -1;
	if (o->next_step > st->next)
		st->done_at = now;	/* a handoff's wait counts from it */
	if (o->next_step >= 0)
		st->next = o->next_step;
	st->fb = o->fb;
	st->tries = o->tries;
	st->seq = o->seq;
	if (o->optout != NULL && o->optout[0] != '\0') {
		if (strcmp(o->optout, "all") == 0)
			st->optout |= OD_STATE_OPT_ALL;
		else if ((k = od_channel_kind_parse(o->optout)) >= 0)
			st->optout |= 1u << k;
	}
	for (i = 0; i < st->nrecent; i++)
		if (st->recent[i].at > now - OD_STATE_RECENT_MS)
			st->recent[n++] = st->recent[i];
	st->nrecent = n;
	/* a person's contacts are in their own list (begin.lua) */
	if (o->contact != NULL && o->contact[0] != '\0' && !o->person &&
	    (k = od_channel_kind_parse(o->contact)) >= 0 && state_recent_add(st, now, k) == -1)
		return -1;
	if (od_state_life_outcome(st, o, cx) == -1)
		return -1;
	if (st->status == OD_STATE_ACTIVE)
		*due = st->replan ? now : o->next_due;
	st->replan = 0;
	return 0;
}
