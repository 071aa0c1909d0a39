/*
 * od_dispatch_int.h: what od_dispatch.c (the claim, the batches of begins
 * and completions) and od_reclaim.c (expired and handed-back leases)
 * share.  Not for other modules: od_dispatch.h is the interface.
 */
#ifndef OD_DISPATCH_INT_H
#define OD_DISPATCH_INT_H

#include "od_dispatch.h"

/* Settles account id's lease (lease.lua, reclaim.lua); force: ours, handed back at stop. */
void	od_reclaim_one(struct od_dispatch *dp, const char *id, int force, const char *why);

#endif /* OD_DISPATCH_INT_H */
