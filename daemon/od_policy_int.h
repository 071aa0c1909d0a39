/*
 * od_policy_int.h: what od_policy.c (a policy file read and checked, the
 * sets) and od_policy_segment.c (a policy's segment: read, and matched
 * against an account) share.  Not for other modules: od_policy.h is the
 * interface.
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

#endif /* OD_POLICY_INT_H */
