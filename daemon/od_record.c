/*
 * od_record: a record's stream fields and the state complete.lua writes,
 * prepared by the daemon so that the scripts need not decode and encode
 * JSON per action (od_record.h).
 */
#include "od_record.h"

#include <stdio.h>
#include <string.h>

#include "od_account.h"
#include "od_state.h"

/* The stream's fields; lib.lua's od_field_names is this list (tests/test_record.c fails otherwise). */
const char *const od_record_field_names[OD_RECORD_FIELDS] = {
	"ts", "account_id", "action_id", "attempt_id", "policy", "step", "stage", "channel",
	"gateway", "status", "provider_id", "reason", "code", "encoding", "segments", "timezone",
};

size_t
od_record_fields(json_t *r, const char **args, char (*num)[24])
{
	json_t	*v;
	size_t	 i, n = 0;

	for (i = 0; i < OD_RECORD_FIELDS; i++) {
		const char *s = NULL;

		v = json_object_get(r, od_record_field_names[i]);
		if (json_is_string(v))
			s = json_string_value(v);
		else if (json_is_integer(v)) {
			snprintf(num[i], sizeof(num[i]), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			s = num[i];
		} else if (json_is_real(v)) {
			snprintf(num[i], sizeof(num[i]), "%.14g", json_real_value(v));
			s = num[i];
		} else if (json_is_boolean(v))
			s = json_is_true(v) ? "true" : "false";
		if (s == NULL || *s == '\0')
			continue;
		args[n++] = od_record_field_names[i];
		args[n++] = s;
	}
	return n;
}

char *
od_record_state(struct od_job *j, int64_t now, int64_t *due)
{
	struct od_state		 st;
	struct od_state_outcome	 o;
	const char		*field;
	char			*out = NULL;

	*due = -1;
	if (j->corrupt)		/* the replacement od_job_start made (failed, state_corrupt) */
		return od_account_json_dumps(j->state);
	/* od_job_start took only a state od_state reads whole */
	if (od_state_from_json(&st, j->state, &field) == -1)
		goto done;
	od_job_outcome_of(j, &o);
	if (od_state_outcome(&st, &o, now, due) == 0)
		out = od_state_commit(&st);
done:
	od_state_clear(&st);
	return out;
}
