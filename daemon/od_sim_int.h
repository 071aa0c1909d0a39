/*
 * od_sim's private parts: the accounts, persons and events of a run, and
 * the stand-ins for what Redis holds in the daemon (od_sim_store.c: the
 * account index for P:state, the persons for P:person, the due heap for
 * P:due).
 */
#ifndef OD_SIM_INT_H
#define OD_SIM_INT_H

#include <stdint.h>

#include "od_buf.h"
#include "od_person.h"
#include "od_sim.h"
#include "od_state.h"

#define DAY_MS		86400000LL
#define MAX_FAILURES	64

struct sim_acct {
	char			*id;
	char			*doc;		/* the account document as taken in */
	size_t			 len;
	const struct od_policy	*policy;	/* st.policy's */
	struct od_state		 st;		/* P:state */
	unsigned char		 stages;	/* bit per stage a message was sent at */
	int64_t			 due;		/* -1: nothing planned */
	long			 hpos;		/* place in the heap, or -1 */
	long			 person;	/* index into od_sim's persons, or -1 */
};

/* P:person: one debtor's contacts, across their accounts. */
struct sim_person {
	char			 id[OD_PERSON_ID_LEN + 1];
	char			*contacts;	/* the P:person value, or NULL */
};

struct sim_event {
	int64_t			 at;
	size_t			 seq;
	size_t			 acct;
	enum od_event_type	 type;
	int			 channel;	/* kind, or -1 for all */
	json_t			*doc;		/* the event, owned */
	struct od_state_event	 ev;		/* pointing into doc */
};

struct od_sim {
	const struct od_confset	*set;
	struct od_sim_options	 o;
	const struct od_policy	*forced;
	int64_t			 horizon;
	struct sim_acct		*acct;
	size_t			 n, cap;
	size_t			*hash;		/* open addressing: index + 1, 0 empty */
	size_t			 hcap;
	struct sim_event	*ev;
	size_t			 nev, capev;
	size_t			*heap;
	size_t			 nheap;
	struct od_buf		 state;		/* the state JSON handed to od_job_start */
	struct sim_person	*person;
	size_t			 nperson, capperson;
	size_t			*phash;		/* person ids: index + 1, 0 empty */
	size_t			 phcap;
	struct od_sim_summary	 sum;
	int			 ran;
};

/* The account's index, or (size_t)-1. */
size_t	od_sim_find(const struct od_sim *s, const char *id);
void	od_sim_hash_put(size_t *hash, size_t hcap, const char *id, size_t idx);
int	od_sim_hash_grow(struct od_sim *s);
/* The index of person id, added when new; -1 when out of memory. */
long	od_sim_person(struct od_sim *s, const char *id);
void	od_sim_heap_remove(struct od_sim *s, size_t ai);
/* ZADD due: plans the account at due (moving a pending action); beyond the horizon it waits. */
void	od_sim_schedule(struct od_sim *s, size_t ai, int64_t due);

#endif /* OD_SIM_INT_H */
