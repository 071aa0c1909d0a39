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
#define OD_RECORD_FIELDS	17

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
 * state_corrupt).  The lifecycle's records and documents that outcome made
 * (a deadline broke a promise, the account was placed) are appended to
 * recs and docs (either may be NULL).  NULL when out of memory.  j->state
 * is not changed.
 */
char	*od_record_state(struct od_job *j, int64_t now, int64_t *due, json_t *recs, json_t *docs);

/*
 * A record's stream fields as script arguments at args: their count F
 * (written into nf), then the F "name", "value" strings (numbers into num,
 * OD_RECORD_FIELDS slots).  Returns how many arguments were added, 1 + F.
 * What lib.lua's od_records reads after each record's JSON.
 */
size_t	od_record_args(json_t *rec, const char **args, char (*num)[24], char (*nf)[8]);
/* The same for an agreement document (od_record_doc_fields; lib.lua's od_docs). */
size_t	od_record_doc_args(json_t *doc, const char **args, char (*nf)[8]);

/*
 * The agreements stream's fields of document d (od_state_life.c):
 * account_id, agreement_id, type and kind (an agreement's kind, an
 * outcome's status), "name", "value" each; the script adds the document as
 * "doc".  Returns how many strings (8 at most), pointing into d.
 */
size_t	od_record_doc_fields(json_t *d, const char **args);

/*
 * The handoff's stream fields (placement, ts, balance, currency, reason)
 * for job j, placed at now (the balance of the state it read): into args (10 at most), the
 * strings in buf (len bytes).  complete.lua adds account_id and the file.
 */
size_t	od_record_handoff_fields(const struct od_job *j, int64_t now, const char **args,
	    char *buf, size_t len);

#endif /* OD_RECORD_H */
