/*
 * od_state_life_json: the lifecycle's part of the stored state (od_state.h,
 * od_state_life.c): "life", the promise or agreement in force, and the
 * counters and lists around it, read back as untrusted input and written in
 * one order.
 */
#include "od_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_state_int.h"

#define LIFE_NSCHED	60	/* instalments at most (od_policy: installments 2..60) */

static int
life_read_sched(struct od_state_life *l, const json_t *v)
{
	const json_t	*c;
	size_t		 i;

	if (!json_is_array(v) || json_array_size(v) > LIFE_NSCHED)
		return -1;
	if (json_array_size(v) == 0)
		return 0;
	if ((l->sched = calloc(json_array_size(v), sizeof(*l->sched))) == NULL)
		return -1;
	json_array_foreach(v, i, c) {
		const json_t *d = json_array_get(c, 0), *a = json_array_get(c, 1);
		int64_t days;

		if (json_array_size(c) != 2 || !json_is_string(d) ||
		    od_state_date_days(json_string_value(d), &days) == -1 ||
		    !od_state_whole(a, 0, OD_STATE_MAX_WHOLE) || a == NULL)
			return -1;
		snprintf(l->sched[i].date, sizeof(l->sched[i].date), "%s", json_string_value(d));
		l->sched[i].amount = od_state_num(a);
		l->nsched++;
	}
	return 0;
}

static int
life_read(struct od_state_life *l, const json_t *o)
{
	const char	*k, *s;
	json_t		*v;
	size_t		 i;
	int64_t		 days;

	if (!json_is_object(o))
		return -1;
	json_object_foreach((json_t *)o, k, v) {
		s = json_string_value(v);
		if (strcmp(k, "k") == 0 || strcmp(k, "s") == 0) {
			const char *const *names = k[0] == 'k' ? od_state_life_kinds : od_state_life_statuses;
			size_t n = k[0] == 'k' ? 5 : 3;

			for (i = k[0] == 'k'; i < n; i++)
				if (s != NULL && strcmp(s, names[i]) == 0)
					break;
			if (i == n)
				return -1;
			if (k[0] == 'k')
				l->kind = (enum od_life_kind)i;
			else
				l->status = (enum od_life_status)i;
		} else if (strcmp(k, "n") == 0 || strcmp(k, "grace") == 0) {
			if (!od_state_whole(v, 0, 1e6))
				return -1;
			*(k[0] == 'n' ? &l->n : &l->grace) = (int)od_state_num(v);
		} else if (strcmp(k, "base") == 0 || strcmp(k, "amt") == 0 ||
		    strcmp(k, "need") == 0 || strcmp(k, "at") == 0 || strcmp(k, "end") == 0) {
			if (!od_state_whole(v, 0, OD_STATE_MAX_WHOLE))
				return -1;
			*(k[0] == 'b' ? &l->base : k[0] == 'n' ? &l->need : k[1] == 'm' ? &l->amount :
			    k[0] == 'a' ? &l->at : &l->end) = od_state_num(v);
		} else if (strcmp(k, "date") == 0) {
			if (s == NULL || od_state_date_days(s, &days) == -1)
				return -1;
			snprintf(l->date, sizeof(l->date), "%s", s);
		} else if (strcmp(k, "offer") == 0) {
			if (s == NULL || strlen(s) >= sizeof(l->offer))
				return -1;
			snprintf(l->offer, sizeof(l->offer), "%s", s);
		} else if (strcmp(k, "sched") == 0) {
			if (life_read_sched(l, v) == -1)
				return -1;
		} else if (strcmp(k, "done") == 0) {
			if (od_state_read_strs(&l->done, v) == -1)
				return -1;
		} else
			return -1;
	}
	return l->kind == OD_LIFE_NONE ? -1 : 0;
}

/* "ack": {"w": what, "ch": channel, "at": ms, "n": number} */
static int
ack_read(struct od_state_ack *a, const json_t *v)
{
	const char	*w = json_string_value(json_object_get(v, "w"));
	const char	*ch = json_string_value(json_object_get(v, "ch"));
	const json_t	*at = json_object_get(v, "at"), *n = json_object_get(v, "n");

	if (!json_is_object(v) || w == NULL || w[0] == '\0' || strlen(w) >= sizeof(a->what) ||
	    ch == NULL || od_channel_kind_parse(ch) < 0 || at == NULL || n == NULL ||
	    !od_state_whole(at, 0, OD_STATE_MAX_WHOLE) || !od_state_whole(n, 1, 1e9) ||
	    json_object_size(v) != 4)
		return -1;
	snprintf(a->what, sizeof(a->what), "%s", w);
	a->channel = od_channel_kind_parse(ch);
	a->at = od_state_num(at);
	a->n = (int)od_state_num(n);
	return 0;
}

int
od_state_life_read(struct od_state *st, const char *k, const json_t *v)
{
	const char	*s = json_string_value(v);

	if (strcmp(k, "life") == 0)
		return life_read(&st->life, v) == -1 ? -1 : 1;
	if (strcmp(k, "nagr") == 0 || strcmp(k, "broken") == 0) {
		if (!od_state_whole(v, 0, 1e6))
			return -1;
		*(k[0] == 'n' ? &st->nagr : &st->broken) = (int)od_state_num(v);
		return 1;
	}
	if (strcmp(k, "done_at") == 0) {
		if (!od_state_whole(v, 0, OD_STATE_MAX_WHOLE))
			return -1;
		st->done_at = od_state_num(v);
		return 1;
	}
	if (strcmp(k, "placement") == 0 || strcmp(k, "cur") == 0) {
		char	*dst = k[0] == 'p' ? st->placement : st->cur;
		size_t	 len = k[0] == 'p' ? sizeof(st->placement) : sizeof(st->cur);

		if (s == NULL || strlen(s) >= len)
			return -1;
		snprintf(dst, len, "%s", s);
		return 1;
	}
	if (strcmp(k, "offers") == 0)
		return od_state_read_strs(&st->offers, v) == -1 ? -1 : 1;
	if (strcmp(k, "nack") == 0) {
		if (!od_state_whole(v, 0, 1e9))
			return -1;
		st->nack = (int)od_state_num(v);
		return 1;
	}
	if (strcmp(k, "ack") == 0)
		return ack_read(&st->ack, v) == -1 ? -1 : 1;
	return 0;
}

void
od_state_life_write(const struct od_state *st, struct od_buf *b)
{
	const struct od_state_life	*l = &st->life;
	size_t				 i;

	if (st->nagr > 0)
		od_buf_printf(b, ",\"nagr\":%d", st->nagr);
	if (st->broken > 0)
		od_buf_printf(b, ",\"broken\":%d", st->broken);
	if (st->done_at > 0)
		od_buf_printf(b, ",\"done_at\":%lld", (long long)st->done_at);
	if (st->placement[0] != '\0') {
		od_buf_puts(b, ",\"placement\":");
		od_buf_json_string(b, st->placement);
	}
	if (st->cur[0] != '\0') {
		od_buf_puts(b, ",\"cur\":");
		od_buf_json_string(b, st->cur);
	}
	if (st->offers.n > 0)
		od_state_write_strs(b, "offers", &st->offers);
	if (st->nack > 0)
		od_buf_printf(b, ",\"nack\":%d", st->nack);
	if (st->ack.what[0] != '\0') {
		od_buf_puts(b, ",\"ack\":{\"w\":");
		od_buf_json_string(b, st->ack.what);
		od_buf_printf(b, ",\"ch\":\"%s\",\"at\":%lld,\"n\":%d}",
		    od_channel_kind_name(st->ack.channel), (long long)st->ack.at, st->ack.n);
	}
	if (l->kind == OD_LIFE_NONE)
		return;
	od_buf_printf(b, ",\"life\":{\"k\":\"%s\",\"s\":\"%s\",\"n\":%d,\"base\":%lld,"
	    "\"amt\":%lld,\"need\":%lld,\"grace\":%d,\"at\":%lld,\"end\":%lld",
	    od_state_life_kinds[l->kind], od_state_life_statuses[l->status], l->n, (long long)l->base,
	    (long long)l->amount, (long long)l->need, l->grace, (long long)l->at,
	    (long long)l->end);
	if (l->date[0] != '\0')
		od_buf_printf(b, ",\"date\":\"%s\"", l->date);
	if (l->offer[0] != '\0') {
		od_buf_puts(b, ",\"offer\":");
		od_buf_json_string(b, l->offer);
	}
	if (l->nsched > 0) {
		od_buf_puts(b, ",\"sched\":[");
		for (i = 0; i < l->nsched; i++)
			od_buf_printf(b, "%s[\"%s\",%lld]", i ? "," : "", l->sched[i].date,
			    (long long)l->sched[i].amount);
		od_buf_putc(b, ']');
	}
	if (l->done.n > 0)
		od_state_write_strs(b, "done", &l->done);
	od_buf_putc(b, '}');
}

