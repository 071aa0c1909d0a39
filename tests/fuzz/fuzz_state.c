/*
 * fuzz_state: an account's state and account as read back from Redis
 * (P:state, P:accounts: claim.lua hands them to the daemon) through
 * od_job_start, which decodes the state (policy, cycle, next step, tries,
 * fallback index, holds, opt-outs, recent contacts, payments), then the
 * whole decision without I/O as the simulator drives it: every send
 * accepted, refused or failed in turn, the attempt records' stream fields
 * (od_record_fields) and the state complete.lua would write
 * (od_record_state).  The configuration is tests/data/sim's (no gateways).
 *
 * Input: the state JSON, then optionally a NUL and the account JSON (else
 * a valid account of the policy sim-pe).  The instant is one of three,
 * picked by the input's length.
 */
#include <stdlib.h>
#include <string.h>

#include "od_confset.h"
#include "od_fuzz.h"
#include "od_job.h"
#include "od_record.h"
#include "od_time.h"

#define CONFIG	OD_SOURCE_DIR "/tests/data/sim/outreachd.yaml"
#define ACCOUNT	"{\"account_id\": \"PE-J1\", \"debtor\": {\"name\": \"Mar\xc3\xad" "a Quispe\"," \
	" \"phone\": \"+51987654321\", \"email\": \"maria@example.pe\", \"country\": \"PE\"," \
	" \"timezone\": \"America/Lima\"}, \"debt\": {\"amount\": \"1234.50\", \"currency\": " \
	"\"PEN\", \"due_date\": \"2026-03-09\"}, \"policy\": \"sim-pe\", \"consent\": " \
	"{\"sms\": true, \"email\": true, \"whatsapp\": true}}"

static struct od_confset	set;
static int			loaded;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct od_errors	errs;

	(void)argc;
	(void)argv;
	od_fuzz_quiet();
	od_errors_init(&errs);
	if (od_confset_load(CONFIG, NULL, 0, &set, &errs) == -1) {
		od_errors_print(&errs, stderr);
		od_fuzz_fail("%s does not load", CONFIG);
	}
	od_errors_clear(&errs);
	loaded = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t		 nows[] = { 1773068400000LL, 1773111600000LL,
	    1775800800000LL };
	static const enum od_outcome	 outcomes[] = { OD_OUTCOME_ACCEPTED, OD_OUTCOME_RETRYABLE,
	    OD_OUTCOME_PERMANENT, OD_OUTCOME_UNKNOWN };
	struct od_channel_message	 msg;
	struct od_channel_result	 res;
	const char			*args[2 * OD_RECORD_FIELDS];
	char				 num[OD_RECORD_FIELDS][24];
	struct od_job			 j;
	struct od_job_person		 person;
	enum od_job_next		 next;
	const char			*st, *acct;
	size_t				 stlen, alen;
	char				*state, *account, *out;
	int64_t				 now = nows[size % 3];
	int64_t				 due;
	json_t				*rec;

	if (!loaded)
		LLVMFuzzerInitialize(NULL, NULL);
	od_fuzz_split(data, size, &st, &stlen, &acct, &alen);
	if (acct == NULL) {
		acct = ACCOUNT;
		alen = strlen(ACCOUNT);
	}
	/* Exactly the bytes Redis gave: ASan sees a read past them. */
	state = malloc(stlen ? stlen : 1);
	account = malloc(alen ? alen : 1);
	if (state == NULL || account == NULL)
		abort();
	memcpy(state, st, stlen);
	memcpy(account, acct, alen);

	od_clock_set_now_ms(now);
	/* the same bytes as the person's contacts (P:person): their reader is fuzzed too */
	person.id = "p0123456789abcdef0123456789abcdef";
	person.contacts = state;
	person.len = stlen;
	next = od_job_start(&j, &set, "PE-J1", account, alen, state, stlen, &person, now);
	for (int n = 0; next == OD_JOB_SEND && n < 12; n++) {
		if ((rec = od_job_attempt(&j)) == NULL)
			break;
		od_job_message(&j, &msg);
		memset(&res, 0, sizeof(res));
		res.outcome = outcomes[(size + (size_t)n) % 4];
		if (res.outcome == OD_OUTCOME_ACCEPTED)
			strcpy(res.provider_id, "SMfuzz");
		else if (res.outcome == OD_OUTCOME_PERMANENT && n % 2 == 0)
			res.flags = OD_RESULT_FALLBACK | (n % 4 == 0 ? OD_RESULT_OPT_OUT : 0);
		else if (res.outcome == OD_OUTCOME_RETRYABLE)
			res.retry_after_ms = 30000;
		strcpy(res.reason, "fuzz");
		next = od_job_outcome(&j, &res, rec);
		json_decref(rec);
	}
	for (size_t i = 0; i < json_array_size(j.records); i++)
		if (od_record_fields(json_array_get(j.records, i), args, num) > 2 * OD_RECORD_FIELDS)
			od_fuzz_fail("od_record_fields: too many fields");
	if (next == OD_JOB_FINISH && (out = od_record_state(&j, now, &due, NULL, NULL)) != NULL) {
		json_t *v = json_loads(out, 0, NULL);

		if (!json_is_object(v))
			od_fuzz_fail("od_record_state wrote no JSON object: %s", out);
		/* complete.lua's od_ver finds the version without decoding */
		if (!j.corrupt && strncmp(out, "{\"v\":", 5) != 0)
			od_fuzz_fail("od_record_state wrote no version first: %s", out);
		json_decref(v);
		free(out);
	}
	od_job_clear(&j);
	free(state);
	free(account);
	return 0;
}
