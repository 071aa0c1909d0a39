/*
 * fuzz_event: an event document from upstream (P:inbox, kind "event":
 * payment, close, opt_out/opt_in, dispute, promise_to_pay, cease) through
 * od_event_parse as intake runs it (64 KiB limit).
 */
#include <string.h>

#include "od_account.h"
#include "od_fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_event	ev;
	char		reason[256];

	reason[0] = '\0';
	if (od_event_parse((const char *)data, size, 65536, &ev, reason, sizeof(reason)) == 0) {
		if (ev.type == OD_EV_INVALID || ev.account_id == NULL)
			od_fuzz_fail("accepted an event without a type or an account");
		if (ev.type == OD_EV_PAYMENT && ev.amount == NULL)
			od_fuzz_fail("a payment without an amount");
		if (ev.type == OD_EV_PROMISE && ev.until == NULL)
			od_fuzz_fail("a promise without a date");
		(void)od_event_type_name(ev.type);
		od_event_clear(&ev);
	} else if (reason[0] == '\0') {
		od_fuzz_fail("refused without a reason");
	}
	return 0;
}
