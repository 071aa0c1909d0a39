/*
 * od_record: what the daemon hands the begin and complete scripts besides
 * the records' JSON: a record's stream fields, flat, and the account state
 * complete.lua writes (see daemon/lua/begin.lua, complete.lua).
 */
#ifndef OD_RECORD_H
#define OD_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "od_job.h"

/* The fields of <prefix>:attempts, in od_field_names' order (lua/lib.lua). */
extern const char *const od_record_field_names[];
#define OD_RECORD_FIELDS	16

/*
 * Appends the "name", "value" pairs of record r to args, in that order,
 * leaving out the absent and empty ones (as lib.lua's od_fields does);
 * numbers are written into num, OD_RECORD_FIELDS slots.  Returns how many
 * strings were appended (at most 2 * OD_RECORD_FIELDS); they point into r,
 * num and od_record_field_names.
 */
size_t	od_record_fields(json_t *r, const char **args, char (*num)[24]);

/*
 * The account state completion writes for the finished job j at now: the
 * outcome applied to j->state (od_state_outcome), as the next version
 * (od_state_commit), malloc'd; *due: when the account's next action is, -1
 * for none.  complete.lua stores it while the state is still the version j
 * read, else the daemon applies it again to the state it gets back.  A
 * state od_job_start found corrupt is replaced whole (failed,
 * state_corrupt).  NULL when out of memory.  j->state is not changed.
 */
char	*od_record_state(struct od_job *j, int64_t now, int64_t *due);

#endif /* OD_RECORD_H */
