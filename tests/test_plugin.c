/*
 * test_plugin: the host table's buffers, byte for byte, as plugins get
 * them (od_plugin_host()): form encoding, printf, JSON strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_plugin.h"

static void
test_buf_urlencode(void **state)
{
	const struct od_channel_host	*h = od_plugin_host();
	void				*b = h->buf_new();
	size_t				 len;
	char				 all[256];
	const char			*d;
	int				 i;

	(void)state;
	assert_int_equal(h->buf_urlencode(b, ""), 0);
	assert_string_equal(h->buf_data(b, &len), "");
	assert_int_equal(len, 0);
	assert_int_equal(h->buf_append(b, "Body=", 5), 0);
	assert_int_equal(h->buf_urlencode(b, "Hola Ana: S/ 150.00 & m\xc3\xa1s~_-.+=%\r\n"), 0);
	assert_string_equal(h->buf_data(b, &len),
	    "Body=Hola+Ana%3A+S%2F+150.00+%26+m%C3%A1s~_-.%2B%3D%25%0D%0A");
	assert_int_equal(len, strlen(h->buf_data(b, NULL)));
	h->buf_free(b);

	/* every byte: unreserved kept, space '+', the rest %XX upper case */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	b = h->buf_new();
	assert_int_equal(h->buf_urlencode(b, all), 0);
	d = h->buf_data(b, &len);
	for (i = 1; i < 256; i++) {
		char want[4];

		if ((i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z') || (i >= '0' && i <= '9') ||
		    i == '-' || i == '_' || i == '.' || i == '~') {
			assert_int_equal(*d, i);
			d++;
		} else if (i == ' ') {
			assert_int_equal(*d, '+');
			d++;
		} else {
			snprintf(want, sizeof(want), "%%%02X", i);
			assert_memory_equal(d, want, 3);
			d += 3;
		}
	}
	assert_int_equal(*d, '\0');
	assert_int_equal(len, (size_t)(d - h->buf_data(b, NULL)));
	h->buf_free(b);
}

static void
test_buf_printf(void **state)
{
	const struct od_channel_host	*h = od_plugin_host();
	void				*b = h->buf_new();
	char				 big[1001];
	size_t				 len;

	(void)state;
	assert_int_equal(h->buf_printf(b, "%s=%ld", "ValidityPeriod", 3600L), 0);
	memset(big, 'x', 1000);
	big[1000] = '\0';
	assert_int_equal(h->buf_printf(b, "&%s|%d", big, 7), 0);	/* longer than 256 */
	h->buf_data(b, &len);
	assert_int_equal(len, 19 + 1 + 1000 + 2);
	assert_memory_equal(h->buf_data(b, NULL), "ValidityPeriod=3600&xxx", 23);
	assert_string_equal(h->buf_data(b, NULL) + len - 3, "x|7");
	h->buf_free(b);
}

static void
test_buf_json_string(void **state)
{
	const struct od_channel_host	*h = od_plugin_host();
	void				*b = h->buf_new();

	(void)state;
	assert_int_equal(h->buf_json_string(b, ""), 0);
	assert_int_equal(h->buf_json_string(b, "Pr\xc3\xa9stamo \"5\" \\ a\nb\rc\td\x01\x1f\x7f/"), 0);
	assert_string_equal(h->buf_data(b, NULL),
	    "\"\"\"Pr\xc3\xa9stamo \\\"5\\\" \\\\ a\\nb\\rc\\td\\u0001\\u001f\x7f/\"");
	h->buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_urlencode),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_json_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
