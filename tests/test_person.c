/*
 * od_person: document numbers, person ids and the per-person contact list
 * (daemon/od_person.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "od_buf.h"
#include "od_person.h"

#define NOW	1773072000000LL		/* 2026-03-09T16:00:00Z */
#define DAY	86400000LL

static void
test_doc_normalise(void **state)
{
	char	out[OD_PERSON_DOC_MAX + 1];

	(void)state;
	assert_int_equal(od_person_doc_normalise("12.345.678-5", out), 0);	/* a RUT */
	assert_string_equal(out, "123456785");
	assert_int_equal(od_person_doc_normalise(" 1234 5678 ", out), 0);
	assert_string_equal(out, "12345678");
	assert_int_equal(od_person_doc_normalise("goma800101hdfxyz09", out), 0);	/* a CURP */
	assert_string_equal(out, "GOMA800101HDFXYZ09");
	assert_int_equal(od_person_doc_normalise("DNI:1234", out), -1);
	assert_int_equal(od_person_doc_normalise(" .-/", out), -1);
	assert_int_equal(od_person_doc_normalise("", out), -1);
	assert_int_equal(od_person_doc_normalise("1234567890123456789012345678901234", out), -1);
	assert_int_equal(od_person_doc_normalise("12345678\xc3\xb1", out), -1);
}

static void
test_doc_hash(void **state)
{
	char	a[OD_PERSON_HASH_LEN + 1], b[OD_PERSON_HASH_LEN + 1];

	(void)state;
	assert_int_equal(od_person_doc_hash("PE", "12345678", "key-one-0123456789", 18, a), 0);
	assert_int_equal(strlen(a), OD_PERSON_HASH_LEN);
	assert_int_equal(od_person_doc_hash("PE", "12345678", "key-one-0123456789", 18, b), 0);
	assert_string_equal(a, b);
	/* the same number in another country is another person; another key, another hash */
	assert_int_equal(od_person_doc_hash("CO", "12345678", "key-one-0123456789", 18, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(od_person_doc_hash("PE", "12345678", "key-two-0123456789", 18, b), 0);
	assert_string_not_equal(a, b);
	assert_null(strstr(a, "12345678"));
}

static void
test_person_id(void **state)
{
	struct od_account	x, y;
	char			a[OD_PERSON_ID_LEN + 1], b[OD_PERSON_ID_LEN + 1];
	static const char	hash[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)state;
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.phone = "+51987000111";
	x.email = "Rosa@Example.pe";
	y.whatsapp = "+51987000111";		/* the same number, on whatsapp only */
	assert_int_equal(od_person_id(&x, "k", 1, a), 0);
	assert_int_equal(od_person_id(&y, "k", 1, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(a[0], 'p');
	assert_int_equal(strlen(a), OD_PERSON_ID_LEN);
	/* by email, case-insensitively */
	x.phone = NULL;
	y.whatsapp = NULL;
	y.email = "rosa@example.PE";
	assert_int_equal(od_person_id(&x, "k", 1, a), 0);
	assert_int_equal(od_person_id(&y, "k", 1, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(a[0], 'm');
	/* the document wins over the rest */
	x.id_hash = hash;
	assert_int_equal(od_person_id(&x, "k", 1, a), 0);
	assert_string_equal(a, "i0123456789abcdef0123456789abcdef");
	x.id_hash = NULL;
	x.email = NULL;
	assert_int_equal(od_person_id(&x, "k", 1, a), -1);
}

static void
test_contacts(void **state)
{
	struct od_contact	c[8];
	struct od_buf		b, b2;

	(void)state;
	od_buf_init(&b);
	od_buf_init(&b2);
	/* an old contact (9 days ago) and a malformed one fall out when a contact is added */
	od_buf_puts(&b, "1772294400000 sms A:2026-03-09:x#1;garbage;1773000000000 email A:c:s#2;");
	od_person_add(&b2, b.data, b.len, NOW, 0, "B:2026-03-09:due#1", 0);
	assert_string_equal(b2.data,
	    "1773000000000 email A:c:s#2;1773072000000 sms B:2026-03-09:due#1;");
	assert_int_equal(od_person_contacts(b2.data, b2.len, NOW, NULL, 0, c, 8, NULL), 2);
	assert_int_equal(c[0].at_ms, 1773000000000LL);
	assert_int_equal(c[0].kind, 1);
	assert_int_equal(c[1].kind, 0);
	/* an action's own attempts (that reached nobody) are left out */
	assert_int_equal(od_person_contacts(b2.data, b2.len, NOW, "B:2026-03-09:due", 0, c, 8, NULL), 1);
	assert_int_equal(c[0].kind, 1);
	/* a prefix of another action's id is not that action */
	assert_int_equal(od_person_contacts(b2.data, b2.len, NOW, "B:2026-03-09:du", 0, c, 8, NULL), 2);
	/* at most max */
	assert_int_equal(od_person_contacts(b2.data, b2.len, NOW, NULL, 0, c, 1, NULL), 1);
	/* eight days on, nothing is left */
	assert_int_equal(od_person_contacts(b2.data, b2.len, NOW + 8 * DAY, NULL, 0, c, 8, NULL), 0);
	assert_int_equal(od_person_contacts("", 0, NOW, NULL, 0, c, 8, NULL), 0);
	assert_int_equal(od_person_contacts(NULL, 0, NOW, NULL, 0, c, 8, NULL), 0);
	{
		static const char bad[] = "12 fax x#1;1 sms ;x sms a#1; sms a#1";

		assert_int_equal(od_person_contacts(bad, strlen(bad), NOW, NULL, 0, c, 8, NULL), 0);
	}
	od_buf_free(&b);
	od_buf_free(&b2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_normalise),
		cmocka_unit_test(test_doc_hash),
		cmocka_unit_test(test_person_id),
		cmocka_unit_test(test_contacts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
