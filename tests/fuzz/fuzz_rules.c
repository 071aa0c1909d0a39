/*
 * fuzz_rules: the contact-rules data (config/jurisdictions/<CC>.yaml:
 * windows, holidays, caps, spacing; config/holidays/<CC>.yaml: fixed and
 * moving dates) through od_rules_load_string; rules that load are checked
 * as the dispatcher does (od_rules_check at several instants and zones,
 * with recent contacts) and formatted.  Input: the jurisdiction file, then
 * optionally a NUL and the holidays file.
 */
#include <string.h>

#include "od_fuzz.h"
#include "od_rules.h"

#define HOUR_MS	3600000LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = { "America/Lima", "America/Santiago", "UTC", NULL };
	static const int64_t	 at[] = { 1773068400000LL, 1773068400000LL + 14 * HOUR_MS,
	    1785542400000LL, 1767225600000LL };
	const struct od_rules_preset	*p;
	struct od_contact		 recent[4];
	struct od_verdict		 v;
	struct od_errors		 errs;
	struct od_rules			*r = NULL;
	const char			*jur, *hol;
	size_t				 jlen, hlen;
	char				 day[128];

	od_fuzz_split(data, size, &jur, &jlen, &hol, &hlen);
	od_errors_init(&errs);
	if (od_rules_load_string("/etc/outreachd", "PE", jur, jlen, hol, hlen, &r, &errs) == 0) {
		if ((p = od_rules_preset(r, "pe")) == NULL || od_rules_preset_count(r) != 1)
			od_fuzz_fail("loaded, but no preset PE");
		for (int d = 0; d < 7; d++)
			od_rules_format_day(&p->lim, d, day, sizeof(day));
		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			for (size_t k = 0; k < 4; k++) {
				recent[k].at_ms = at[i] - (int64_t)(k * 7 + 1) * HOUR_MS;
				recent[k].kind = (int)k % 4 - 1;
			}
			for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
				if (od_rules_check(r, p, zones[z], (int)(i % 3), recent, i, at[i],
				    &v) == -1)
					od_fuzz_fail("od_rules_check refused its arguments");
				if (v.block == OD_BLOCK_NONE && v.next_ms != at[i])
					od_fuzz_fail("allowed, but next_ms is not now");
				if (v.block != OD_BLOCK_NONE && v.next_ms != -1 && v.next_ms < at[i])
					od_fuzz_fail("next_ms before now");
			}
			(void)od_rules_holiday(r, "PE", 2026, 1 + (int)i * 3, 1 + (int)i * 7);
		}
		od_rules_free(r);
	} else if (errs.count == 0) {
		od_fuzz_fail("refused without an error");
	}
	od_errors_clear(&errs);
	return 0;
}
