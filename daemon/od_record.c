/*
 * od_record: a record's stream fields and the state complete.lua writes,
 * prepared by the daemon so that the scripts need not decode and encode
 * JSON per action (od_record.h).
 */
#include "od_record.h"

#include <stdio.h>
#include <string.h>

#include "od_account.h"
#include "od_config.h"
#include "od_time.h"
#include "od_state.h"

/* The stream's fields; lib.lua's od_field_names is this list (tests/test_record.c fails otherwise). */
const char *const od_record_field_names[OD_RECORD_FIELDS] = {
	"ts", "account_id", "action_id", "attempt_id", "policy", "step", "stage", "channel",
	"gateway", "status", "provider_id", "reason", "code", "encoding", "segments", "timezone",
	"agreement_id",
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
od_record_state(struct od_job *j, int64_t now, int64_t *due, json_t *recs, json_t *docs)
{
	struct od_state		 st;
	struct od_state_outcome	 o;
	struct od_state_ctx	 cx;
	const char		*field;
	char			*out = NULL;

	*due = -1;
	if (j->corrupt)		/* the replacement od_job_start made (failed, state_corrupt) */
		return od_account_json_dumps(j->state);
	/* od_job_start took only a state od_state reads whole */
	if (od_state_from_json(&st, j->state, &field) == -1)
		goto done;
	od_job_outcome_of(j, &o);
	od_job_ctx(j, &cx, now);
	cx.records = recs;
	cx.docs = docs;
	if (od_state_outcome(&st, &o, &cx, due) == 0)
		out = od_state_commit(&st);
done:
	od_state_clear(&st);
	return out;
}

size_t
od_record_args(json_t *rec, const char **args, char (*num)[24], char (*nf)[8])
{
	size_t	f = od_record_fields(rec, args + 1, num);

	snprintf(*nf, sizeof(*nf), "%zu", f);
	args[0] = *nf;
	return 1 + f;
}

size_t
od_record_doc_args(json_t *doc, const char **args, char (*nf)[8])
{
	size_t	f = od_record_doc_fields(doc, args + 1);

	snprintf(*nf, sizeof(*nf), "%zu", f);
	args[0] = *nf;
	return 1 + f;
}

size_t
od_record_doc_fields(json_t *d, const char **args)
{
	static const char *const names[] = { "account_id", "agreement_id", "type", "kind" };
	const char	*v[4];
	size_t		 i, n = 0;

	v[0] = json_string_value(json_object_get(d, "account_id"));
	v[1] = json_string_value(json_object_get(d, "id"));
	v[2] = json_string_value(json_object_get(d, "type"));
	v[3] = json_string_value(json_object_get(d, v[2] && strcmp(v[2], "outcome") == 0 ?
	    "status" : "kind"));
	for (i = 0; i < 4; i++)
		if (v[i] != NULL) {
			args[n++] = names[i];
			args[n++] = v[i];
		}
	return n;
}

size_t
od_record_handoff_fields(const struct od_job *j, int64_t now, const char **args, char *buf,
    size_t len)
{
	const struct od_state		*st = &j->sst;
	size_t				 n = 0, off = 0;
	char				 m[32];
	int				 w;

#define PUT(name, ...)	do {							\
	w = snprintf(buf + off, len - off, __VA_ARGS__);			\
	if (w < 0 || (size_t)w >= len - off)					\
		return n;							\
	args[n++] = name;							\
	args[n++] = buf + off;							\
	off += (size_t)w + 1;							\
} while (0)
	PUT("placement", "%s", j->placed);
	od_time_format_iso(now, m, sizeof(m));
	PUT("ts", "%s", m);
	PUT("balance", "%s", od_money_format(st->amount_minor - st->paid_minor, st->digits, m,
	    sizeof(m)));
	PUT("currency", "%s", j->acct_ok ? j->acct.currency : "");
	PUT("reason", "step '%s' of policy '%s' after %s%s%s; %d promise%s or plan%s broken",
	    j->st ? j->st->name : "", j->policy ? j->policy->name : "",
	    j->policy && j->step > 0 ? "step '" : "the first step",
	    j->policy && j->step > 0 ? j->policy->steps[j->step - 1].name : "",
	    j->policy && j->step > 0 ? "'" : "", st->broken, st->broken == 1 ? "" : "s",
	    st->broken == 1 ? "" : "s");
#undef PUT
	return n;
}
