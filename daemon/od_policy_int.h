/*
 * od_policy_int.h: what od_policy.c (a policy file read and checked, its
 * steps, the sets), od_policy_segment.c (a policy's segment: read, and
 * matched against an account) and od_policy_life.c (the negotiation
 * lifecycle: offers:, promises:, plan_steps:, the anchors of their steps)
 * share.  Not for other modules: od_policy.h is the interface.
 */
#ifndef OD_POLICY_INT_H
#define OD_POLICY_INT_H

#include "od_error.h"
#include "od_policy.h"
#include "od_yaml.h"

/* The text of a scalar, or NULL with an error naming what. */
const char *od_policy_scalar(const struct od_yaml *n, const char *what, struct od_errors *errs);
/* An integer scalar in [min, max] into *out; 0, or -1 with an error naming what. */
int	od_policy_int(const struct od_yaml *n, const char *what, long min, long max, int *out,
	    struct od_errors *errs);
/* The segment: mapping into seg (od_policy_segment.c); errors into errs. */
void	od_policy_read_segment(const struct od_yaml *n, struct od_segment *seg,
	    struct od_errors *errs);
/* A decimal amount as a policy writes one: "50.00", "20000" (od_policy_segment.c). */
int	od_policy_decimal_valid(const char *s);
/*
 * The amount s (at node n, named what) written in the minor unit of every
 * currency seg takes: "20.000" is an error for CLP.  0, or -1 with an error.
 */
int	od_policy_minor_units(const struct od_yaml *n, const char *what, const char *s,
	    const struct od_segment *seg, struct od_errors *errs);

/* The list a step stands in: what its at: counts from, which keys it takes. */
enum od_step_list {
	OD_LIST_STEPS = 0,	/* steps: from the due date; kind, to, wait, offers */
	OD_LIST_PROMISES,	/* promises.steps: made, promise±Nd, broken */
	OD_LIST_PLAN,		/* plan_steps: accepted, instalment±Nd, broken, completed */
};

/* "steps", "promises.steps", "plan_steps". */
const char *od_policy_list_name(enum od_step_list list);
/*
 * A list of steps into p (steps, promises.steps or plan_steps), each
 * checked; step names are unique across the three lists (od_policy.c).
 */
void	od_policy_read_steps(const struct od_yaml *n, enum od_step_list list,
	    struct od_policy *p, struct od_errors *errs);
/* A step's at: s (node v) as list allows it into st; 0, or -1 with an error (od_policy_life.c). */
int	od_policy_read_at(const struct od_yaml *v, const char *s, enum od_step_list list,
	    struct od_step *st, struct od_errors *errs);
/* A step's offers: list, ids of p's named offers, into st (od_policy_life.c). */
void	od_policy_read_step_offers(const struct od_yaml *n, const struct od_policy *p,
	    struct od_step *st, struct od_errors *errs);
/* The top-level offers:, promises: and plan_steps: of root into p; after steps: (od_policy_life.c). */
void	od_policy_read_offers(const struct od_yaml *n, struct od_policy *p,
	    struct od_errors *errs);
void	od_policy_read_lifecycle(const struct od_yaml *root, struct od_policy *p,
	    struct od_errors *errs);
void	od_policy_step_free(struct od_step *st);
/* The offers, the promises: block and plan_steps (od_policy_life.c). */
void	od_policy_lifecycle_free(struct od_policy *p);

#endif /* OD_POLICY_INT_H */
