/*
 * od_sim's stand-ins for what Redis holds in the daemon: the account index
 * (P:state's keys), the persons (P:person) and the due heap (P:due).
 */
#include "od_sim_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- the account index ------------------------------------------------------- */

static size_t
sim_hash_str(const char *s)
{
	size_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The account's index, or (size_t)-1. */
size_t
od_sim_find(const struct od_sim *s, const char *id)
{
	size_t	i;

	if (s->hcap == 0)
		return (size_t)-1;
	for (i = sim_hash_str(id) & (s->hcap - 1); s->hash[i] != 0; i = (i + 1) & (s->hcap - 1))
		if (strcmp(s->acct[s->hash[i] - 1].id, id) == 0)
			return s->hash[i] - 1;
	return (size_t)-1;
}

void
od_sim_hash_put(size_t *hash, size_t hcap, const char *id, size_t idx)
{
	size_t	i;

	for (i = sim_hash_str(id) & (hcap - 1); hash[i] != 0; i = (i + 1) & (hcap - 1))
		;
	hash[i] = idx + 1;
}

int
od_sim_hash_grow(struct od_sim *s)
{
	size_t	 ncap = s->hcap ? s->hcap * 2 : 1024, i, *nh;

	if ((nh = calloc(ncap, sizeof(*nh))) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		od_sim_hash_put(nh, ncap, s->acct[i].id, i);
	free(s->hash);
	s->hash = nh;
	s->hcap = ncap;
	return 0;
}

/* The index of person id, added when new; -1 when out of memory. */
long
od_sim_person(struct od_sim *s, const char *id)
{
	size_t	i, k, ncap;

	if (s->phcap > 0)
		for (i = sim_hash_str(id) & (s->phcap - 1); s->phash[i] != 0;
		    i = (i + 1) & (s->phcap - 1))
			if (strcmp(s->person[s->phash[i] - 1].id, id) == 0)
				return (long)(s->phash[i] - 1);
	if (s->nperson == s->capperson) {
		struct sim_person *nv;

		ncap = s->capperson ? s->capperson * 2 : 1024;
		if ((nv = realloc(s->person, ncap * sizeof(*nv))) == NULL)
			return -1;
		s->person = nv;
		s->capperson = ncap;
	}
	if ((s->nperson + 1) * 2 > s->phcap) {
		size_t *nh;

		ncap = s->phcap ? s->phcap * 2 : 2048;
		if ((nh = calloc(ncap, sizeof(*nh))) == NULL)
			return -1;
		for (k = 0; k < s->nperson; k++) {
			for (i = sim_hash_str(s->person[k].id) & (ncap - 1); nh[i] != 0;
			    i = (i + 1) & (ncap - 1))
				;
			nh[i] = k + 1;
		}
		free(s->phash);
		s->phash = nh;
		s->phcap = ncap;
	}
	for (i = sim_hash_str(id) & (s->phcap - 1); s->phash[i] != 0; i = (i + 1) & (s->phcap - 1))
		;
	s->phash[i] = s->nperson + 1;
	snprintf(s->person[s->nperson].id, sizeof(s->person[s->nperson].id), "%s", id);
	s->person[s->nperson].contacts = NULL;
	return (long)s->nperson++;
}

/* ---- the due heap (P:due): a min-heap of accounts by (due, index) ------------ */

static int
sim_heap_less(const struct od_sim *s, size_t a, size_t b)
{
	const struct sim_acct *x = &s->acct[a], *y = &s->acct[b];

	return x->due < y->due || (x->due == y->due && a < b);
}

static void
sim_heap_place(struct od_sim *s, size_t pos, size_t ai)
{
	s->heap[pos] = ai;
	s->acct[ai].hpos = (long)pos;
}

static void
sim_heap_up(struct od_sim *s, size_t pos)
{
	size_t	ai = s->heap[pos], parent;

	while (pos > 0) {
		parent = (pos - 1) / 2;
		if (!sim_heap_less(s, ai, s->heap[parent]))
			break;
		sim_heap_place(s, pos, s->heap[parent]);
		pos = parent;
	}
	sim_heap_place(s, pos, ai);
}

static void
sim_heap_down(struct od_sim *s, size_t pos)
{
	size_t	ai = s->heap[pos], c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && sim_heap_less(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!sim_heap_less(s, s->heap[c], ai))
			break;
		sim_heap_place(s, pos, s->heap[c]);
		pos = c;
	}
	sim_heap_place(s, pos, ai);
}

void
od_sim_heap_remove(struct od_sim *s, size_t ai)
{
	long	pos = s->acct[ai].hpos;
	size_t	last;

	if (pos < 0)
		return;
	s->acct[ai].hpos = -1;
	last = s->heap[--s->nheap];
	if ((size_t)pos == s->nheap)
		return;
	sim_heap_place(s, (size_t)pos, last);
	sim_heap_up(s, (size_t)pos);
	sim_heap_down(s, (size_t)s->acct[last].hpos);
}

/* ZADD due: plans the account at due (moving a pending action); beyond the horizon it waits. */
void
od_sim_schedule(struct od_sim *s, size_t ai, int64_t due)
{
	struct sim_acct	*a = &s->acct[ai];

	od_sim_heap_remove(s, ai);
	a->due = due;
	if (due < 0 || due >= s->horizon)
		return;
	sim_heap_place(s, s->nheap++, ai);
	sim_heap_up(s, s->nheap - 1);
}

