/*
 * fuzz_account: an account document from upstream (P:inbox, kind
 * "account") through od_account_parse as intake runs it (64 KiB limit), and
 * DIFFERENTIALLY through od_account_from_stored, which reads the same
 * document back from P:accounts: for any document parse accepts, the
 * stored path must accept it with the very same fields; for any it refuses,
 * the stored path must refuse it for the same reason (only the body checks,
 * "body: ...", may be skipped).  Then the derived time zone.
 */
#include <string.h>

#include "od_account.h"
#include "od_fuzz.h"

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
same_account(const struct od_account *a, const struct od_account *b)
{
	const char	*what = NULL;

	if (!str_eq(a->id, b->id))
		what = "id";
	else if (!str_eq(a->name, b->name) || !str_eq(a->phone, b->phone) ||
	    !str_eq(a->email, b->email) || !str_eq(a->whatsapp, b->whatsapp))
		what = "debtor contact";
	else if (!str_eq(a->locale, b->locale) || !str_eq(a->timezone, b->timezone) ||
	    !str_eq(a->country, b->country))
		what = "debtor locale, timezone or country";
	else if (!str_eq(a->amount, b->amount) || a->amount_minor != b->amount_minor ||
	    a->minor_digits != b->minor_digits || !str_eq(a->currency, b->currency))
		what = "debt amount";
	else if (!str_eq(a->due_date, b->due_date) || a->due_y != b->due_y ||
	    a->due_m != b->due_m || a->due_d != b->due_d)
		what = "due date";
	else if (!str_eq(a->product, b->product) || !str_eq(a->policy, b->policy))
		what = "product or policy";
	else if (memcmp(a->consent, b->consent, sizeof(a->consent)) != 0)
		what = "consent";
	else if ((a->attributes == NULL) != (b->attributes == NULL))
		what = "attributes";
	if (what != NULL)
		od_fuzz_fail("od_account_parse and od_account_from_stored disagree on %s", what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_account	a, b;
	char			r1[256], r2[256];
	const char		*buf = (const char *)data;
	int			ok1, ok2;

	r1[0] = r2[0] = '\0';
	ok1 = od_account_parse(buf, size, 65536, &a, r1, sizeof(r1)) == 0;
	if (!ok1 && r1[0] == '\0')
		od_fuzz_fail("od_account_parse refused without a reason");
	ok2 = od_account_from_stored(buf, size, &b, r2, sizeof(r2)) == 0;
	if (ok1 && !ok2)
		od_fuzz_fail("accepted at intake, refused when read back: %s", r2);
	if (!ok1 && ok2 && size <= 65536 && strncmp(r1, "body", 4) != 0)
		od_fuzz_fail("refused at intake (%s), accepted when read back", r1);
	if (!ok1 && !ok2 && size <= 65536 && strncmp(r1, "body", 4) != 0 && strcmp(r1, r2) != 0)
		od_fuzz_fail("refused for \"%s\" at intake, for \"%s\" when read back", r1, r2);
	if (ok1 && ok2) {
		same_account(&a, &b);
		(void)od_account_timezone(&a);
	}
	if (ok1)
		od_account_clear(&a);
	if (ok2)
		od_account_clear(&b);
	return 0;
}
