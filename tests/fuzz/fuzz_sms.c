/*
 * fuzz_sms: SMS analysis (GSM-7 or UCS-2, septets, segments) and the
 * transliteration towards GSM-7 on any bytes, with the invariants the
 * module promises: valid UTF-8 folds to valid UTF-8; folding never turns a
 * GSM-7 text into UCS-2 nor makes it cost more segments; a body always has
 * at least one segment; the capacity matches the encoding.
 */
#include <stdlib.h>

#include "od_buf.h"
#include "od_fuzz.h"
#include "od_sms.h"

static void
check_info(const struct od_sms_info *in, const char *what)
{
	size_t	want1 = in->encoding == OD_SMS_GSM7 ? 160 : 70;
	size_t	wantn = in->encoding == OD_SMS_GSM7 ? 153 : 67;

	if (in->segments < 1 || (in->per_segment != want1 && in->per_segment != wantn) ||
	    (in->units <= want1 && in->segments != 1) || (in->units > want1 && in->segments < 2))
		od_fuzz_fail("%s: encoding %d, %zu units, %zu segments of %zu", what,
		    in->encoding, in->units, in->segments, in->per_segment);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_sms_info	 a, b;
	struct od_buf		 out;
	char			*s = od_fuzz_strndup(data, size);

	od_buf_init(&out);
	if (od_sms_analyze(s, &a) == 0) {
		check_info(&a, "analyze");
		if (od_sms_transliterate(s, &out) != 0)
			od_fuzz_fail("valid UTF-8 refused by od_sms_transliterate");
		if (od_sms_analyze(out.data != NULL ? out.data : "", &b) != 0)
			od_fuzz_fail("transliteration gave invalid UTF-8");
		check_info(&b, "analyze(transliterated)");
		if (a.encoding == OD_SMS_GSM7 && (b.encoding != OD_SMS_GSM7 || b.segments > a.segments))
			od_fuzz_fail("a GSM-7 text of %zu segments folded to encoding %d, %zu segments",
			    a.segments, b.encoding, b.segments);
	} else {
		(void)od_sms_transliterate(s, &out);
	}
	(void)od_sms_encoding_name(a.encoding);
	od_buf_free(&out);
	free(s);
	return 0;
}
