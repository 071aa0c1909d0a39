/*
 * fuzz_json_diff: the fast JSON reader and writer of od_account_json.c
 * DIFFERENTIALLY against jansson, as tests/test_account_json.c checks its
 * cases: od_account_json_loadb must give what json_loadb gives (the same
 * value in the same key order, or the same error text at the same line,
 * column and position), and od_account_json_dumps what json_dumps(v,
 * JSON_COMPACT) writes.  Any disagreement aborts.  Input: one byte of flags
 * (JSON_REJECT_DUPLICATES, JSON_DECODE_ANY), then the text.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "od_account.h"
#include "od_fuzz.h"

static void
same_dump(const json_t *v)
{
	char	*a = od_account_json_dumps(v), *b = json_dumps(v, JSON_COMPACT);

	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		od_fuzz_fail("dumps: fast \"%s\", jansson \"%s\"", a ? a : "(null)",
		    b ? b : "(null)");
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 flagset[] = { 0, JSON_REJECT_DUPLICATES, JSON_DECODE_ANY,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY };
	json_error_t		 e1, e2;
	json_t			*a, *b;
	const char		*text;
	char			*da, *db;
	size_t			 flags, len;

	if (size < 1)
		return 0;
	flags = flagset[data[0] % 4];
	text = (const char *)data + 1;
	len = size - 1;
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	a = od_account_json_loadb(text, len, flags, &e1);
	b = json_loadb(text, len, flags, &e2);
	if (b == NULL) {
		if (a != NULL)
			od_fuzz_fail("loadb: fast read a value, jansson: %d:%d %s", e2.line, e2.column,
			    e2.text);
		if (strcmp(e1.text, e2.text) != 0 || e1.line != e2.line || e1.column != e2.column ||
		    e1.position != e2.position)
			od_fuzz_fail("loadb errors: fast %d:%d@%d \"%s\", jansson %d:%d@%d \"%s\"",
			    e1.line, e1.column, e1.position, e1.text, e2.line, e2.column, e2.position,
			    e2.text);
		return 0;
	}
	if (a == NULL)
		od_fuzz_fail("loadb: fast refused (%d:%d %s), jansson read a value", e1.line,
		    e1.column, e1.text);
	if (!json_equal(a, b))
		od_fuzz_fail("loadb: different values");
	/* Key order too: the records and the states are written in it. */
	da = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	db = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
	if ((da == NULL) != (db == NULL) || (da != NULL && strcmp(da, db) != 0))
		od_fuzz_fail("loadb: \"%s\" and \"%s\"", da ? da : "(null)", db ? db : "(null)");
	free(da);
	free(db);
	if (json_is_object(b))
		same_dump(b);
	json_decref(a);
	json_decref(b);
	return 0;
}
