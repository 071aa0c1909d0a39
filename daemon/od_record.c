/*
 * od_record: a record's stream fields and the state complete.lua writes,
 * prepared by the daemon so that the scripts need not decode and encode
 * JSON per action (od_record.h).
 */
#include "od_record.h"

#include <stdio.h>
#include <string.h>

#include "od_account.h"

/* lib.lua's od_field_names: keep the two alike (tests/test_record.c compares them). */
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

/* complete.lua keeps the contacts of the last 8 days, for the caps. */
#define RECORD_RECENT_MS	(8 * 86400000LL)

char *
od_record_state(struct od_job *j, int64_t now)
{
	json_t		*s = j->state, *o, *old, *recent, *c;
	const char	*st = json_string_value(json_object_get(s, "status"));
	size_t		 i;

	if (j->corrupt)		/* the replacement od_job_start made (failed, state_corrupt) */
		return od_account_json_dumps(s);
	if (st == NULL || strcmp(st, "active") != 0 || json_object_get(s, "replan") != NULL)
		return NULL;
	if (j->next_step >= 0)
		json_object_set_new(s, "next", json_integer(j->next_step));
	json_object_set_new(s, "fb", json_integer(j->ci));
	json_object_set_new(s, "tries", json_integer(j->tries));
	json_object_set_new(s, "seq", json_integer(j->seq));
	if (!json_is_object(o = json_object_get(s, "optout")))
		json_object_set_new(s, "optout", (o = json_object()));
	if (j->optout[0] != '\0')
		json_object_set_new(o, j->optout, json_true());
	if ((recent = json_array()) == NULL)
		return NULL;
	old = json_object_get(s, "recent");
	json_array_foreach(old, i, c) {
		json_t *at = json_array_get(c, 0);

		if (json_is_number(at) && json_number_value(at) > (double)(now - RECORD_RECENT_MS))
			json_array_append(recent, c);
	}
	if (j->contact[0] != '\0' && j->pid[0] == '\0')	/* else in the person's list */
		json_array_append_new(recent, json_pack("[I,s]", (json_int_t)now, j->contact));
	json_object_set_new(s, "recent", recent);
	return od_account_json_dumps(s);
}
