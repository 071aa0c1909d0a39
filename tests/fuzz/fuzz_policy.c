/*
 * fuzz_policy: a policy file (policy/<name>.yaml: segment rules, offsets,
 * stages, channels, offers, a "rules:" tightening) through
 * od_policy_load_string; a policy that loads is matched against a real
 * account at several instants, and its rules: mapping tightens the shipped
 * preset of its jurisdiction as od_confset.c does.
 */
#include <string.h>

#include "od_fuzz.h"
#include "od_policy.h"
#include "od_rules.h"
#include "od_yaml.h"

static const char account[] =
	"{\"account_id\": \"A-1001\", \"debtor\": {\"name\": \"Mar\xc3\xad" "a Quispe\", "
	"\"phone\": \"+51987654321\", \"email\": \"maria@example.pe\", \"locale\": \"es-PE\", "
	"\"timezone\": \"America/Lima\", \"country\": \"PE\"}, \"debt\": {\"amount\": \"1234.50\", "
	"\"currency\": \"PEN\", \"due_date\": \"2026-12-01\", \"product\": \"consumer_loan\"}, "
	"\"consent\": {\"sms\": true, \"email\": true, \"whatsapp\": false}, "
	"\"attributes\": {\"days_past_due\": 0, \"risk_score\": 640, \"segment\": \"retail\"}}";

static struct od_account	 acct;
static struct od_rules		*rules;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct od_errors	errs;
	char			reason[256];

	(void)argc;
	(void)argv;
	od_fuzz_quiet();
	od_errors_init(&errs);
	if (od_account_parse(account, sizeof(account) - 1, 0, &acct, reason, sizeof(reason)) != 0)
		od_fuzz_fail("the built-in account: %s", reason);
	if (od_rules_load(OD_SOURCE_DIR "/config", &rules, &errs) != 0)
		od_fuzz_fail("the shipped contact rules do not load");
	od_errors_clear(&errs);
	return 0;
}

static void
tighten(const struct od_policy *p, const char *buf, size_t len)
{
	const struct od_rules_preset	*base;
	struct od_rules_preset		 out;
	struct od_yaml_doc		 doc;
	struct od_errors		 errs;
	const struct od_yaml		*node;

	od_errors_init(&errs);
	if (od_yaml_load_string(p->file, buf, len, &doc, &errs) == 0) {
		node = od_yaml_get(doc.root, "rules");
		base = od_rules_preset(rules, p->jurisdiction ? p->jurisdiction : "PE");
		if (node != NULL && base != NULL)
			(void)od_rules_tighten(base, node, &out, &errs);
		od_yaml_doc_free(&doc);
	}
	od_errors_clear(&errs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t	 at[] = { 1764547200000LL, 1773068400000LL, 1893456000000LL };
	struct od_policy_set	 set = { NULL, 0 };
	struct od_errors	 errs;

	if (rules == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	od_errors_init(&errs);
	if (od_policy_load_string("policy/fuzz.yaml", (const char *)data, size, &set, &errs) == 0) {
		if (set.n != 1)
			od_fuzz_fail("loaded %zu policies from one file", set.n);
		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			(void)od_policy_select(&set, &acct, at[i]);
			(void)od_policy_matches(&set.v[0], &acct, at[i]);
		}
		if (od_policy_find(&set, set.v[0].name) != &set.v[0])
			od_fuzz_fail("policy '%s' not found by name", set.v[0].name);
		for (size_t i = 0; i < set.v[0].nsteps; i++)
			if (od_policy_step_index(&set.v[0], set.v[0].steps[i].name) != (int)i)
				od_fuzz_fail("step '%s' not at %zu", set.v[0].steps[i].name, i);
		tighten(&set.v[0], (const char *)data, size);
	} else if (errs.count == 0) {
		od_fuzz_fail("refused without an error");
	}
	od_policy_set_free(&set);
	od_errors_clear(&errs);
	return 0;
}
