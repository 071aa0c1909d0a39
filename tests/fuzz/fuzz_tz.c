/*
 * fuzz_tz: a TZif image from memory (od_tz_parse: header counts, the v2+
 * 64-bit section, the POSIX TZ footer), then lookups on it: offsets and
 * civil times around its transitions and far past them (the footer's
 * rules), and local times back to UTC (gaps and overlaps).
 */
#include "od_fuzz.h"
#include "od_tz.h"

/* Instants from 1901 to 2200, and the ends of 32-bit time. */
static const int64_t instants[] = {
	-2147483648LL, -1, 0, 1000000000, 1711854000, 1773068400, 1784073600, 2147483647LL,
	4102444800LL, 7258118400LL,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_tz	*tz;
	struct od_local	 l;

	if ((tz = od_tz_parse("Fuzz/Zone", data, size)) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		int64_t	back;

		od_tz_to_local(tz, instants[i], &l);
		if (l.month < 1 || l.month > 12 || l.day < 1 || l.day > 31 || l.hour < 0 ||
		    l.hour > 23 || l.wday < 0 || l.wday > 6)
			od_fuzz_fail("to_local(%lld): %d-%d-%d %d wday %d", (long long)instants[i],
			    l.year, l.month, l.day, l.hour, l.wday);
		(void)od_tz_offset(tz, instants[i]);
		back = od_tz_from_local(tz, l.year, l.month, l.day, l.hour, l.min, l.sec);
		(void)back;
	}
	/* Spring-forward and fall-back hours of two years, as the rules ask. */
	for (int h = 0; h < 24; h++) {
		(void)od_tz_from_local(tz, 2026, 3, 8, h, 30, 0);
		(void)od_tz_from_local(tz, 2026, 11, 1, h, 30, 0);
		(void)od_tz_from_local(tz, 2150, 4, 5, h, 0, 0);
	}
	od_tz_free(tz);
	return 0;
}
