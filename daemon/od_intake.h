/*
 * od_intake: the inbox, read through the consumer group "outreachd".  Each
 * entry is validated, accounts are planned and stored, events applied, in
 * stream order; what cannot be accepted goes to <prefix>:rejected with the
 * reason.  Entries are acknowledged once their scripts answered.
 *
 * Intake keeps its own state here; what the daemon shares with it (the
 * loop, the queue, the running set, the counters) it reaches through env
 * (od_env.h).  It knows nothing of dispatch: it says what happened through
 * the callbacks the daemon set with od_intake_setcb, as libevent's
 * bufferevent_setcb does, each called with the arg given there.
 */
#ifndef OD_INTAKE_H
#define OD_INTAKE_H

struct event;
struct intake_batch;
struct od_env;
struct redisReply;

struct od_intake {
	struct od_env		*env;		/* the daemon's, borrowed */
	const char		*identity_key;	/* debtor ids are hashed with it; borrowed */
	void			(*on_due)(void *arg);	/* an account just stored is due now */
	void			(*on_idle)(void *arg);	/* a read of new entries found none */
	void			*cbarg;
	struct event		*read_ev;	/* restarts the inbox read after an error */
	int			 reading;	/* an inbox read is on its way */
	int			 sweeping;	/* an XAUTOCLAIM of the inbox is on its way */
	int			 pending_read;	/* first read: our own pending entries */
	int			 batches;	/* inbox batches whose scripts have not answered */
	struct intake_batch	*head, *tail;	/* those batches, applied in order */
	int			 empty;		/* the last read of new inbox entries found nothing */
};

/* in is cleared; env and identity_key are borrowed, and must outlive it. */
void	od_intake_init(struct od_intake *in, struct od_env *env, const char *identity_key);
/* Either callback may be NULL. */
void	od_intake_setcb(struct od_intake *in, void (*on_due)(void *), void (*on_idle)(void *),
	    void *arg);
/* Reads our own pending entries (left by a crash), then new ones, until env->stopping. */
void	od_intake_start(struct od_intake *in);
/* Takes over the entries a dead consumer left pending. */
void	od_intake_sweep(struct od_intake *in);
/* Inbox entries now pending for this consumer (XCLAIM's answer: a dead one's), taken in. */
void	od_intake_take(struct od_intake *in, const struct redisReply *entries);
/* 1 when the inbox is drained: nothing new read, every batch read stored (--once). */
int	od_intake_idle(const struct od_intake *in);
/* Frees its timer, after the queue: the queue's last answers may still arm it.  NULL-safe. */
void	od_intake_free(struct od_intake *in);

#endif /* OD_INTAKE_H */
