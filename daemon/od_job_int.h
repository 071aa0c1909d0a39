/*
 * od_job_int.h: od_job.c and od_job_life.c (the lifecycle's steps).
 */
#ifndef OD_JOB_INT_H
#define OD_JOB_INT_H

#include "od_job.h"
#include "od_tz.h"

enum od_job_life {
	OD_JOB_LIFE_NONE = 0,	/* no promise or agreement in force: the escalation's step */
	OD_JOB_LIFE_WAIT,	/* finished: a deadline to apply, or waiting for the next */
	OD_JOB_LIFE_SEND,	/* j->st is a lifecycle step due now: try its channels */
};

/* What the promise or agreement in force (j->sst.life) has j do now; tz may be NULL. */
enum od_job_life od_job_life(struct od_job *j, const struct od_tz *tz);

/*
 * A reply's acknowledgement due (od_job_reply.c): NONE when there is
 * none, WAIT when it is given up (recorded), SEND with j->st its step.
 */
enum od_job_life od_job_ack(struct od_job *j);

/*
 * The earliest a handoff step may go: its wait after the step before it was
 * done (od_job_life.c).
 */
int64_t	od_job_handoff_after(const struct od_job *j, const struct od_tz *tz);

/*
 * The contact rules at j->now for a send on kind (od_job_rules.c): 0 it may
 * go; 1 held back, with its record and j->next_due set (the action is
 * finished).
 */
int	od_job_rules(struct od_job *j, int kind);

/*
 * A reply's hold (hold.until: a person was asked for, a payment claimed):
 * 1 with a 'suppressed' 'hold' record and j->next_due at its end, else 0.
 */
int	od_job_held(struct od_job *j);

#endif /* OD_JOB_INT_H */
