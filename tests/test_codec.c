/*
 * test_codec: base64, hex and percent-encoding, checked against RFC 4648's
 * vectors and the encodings the gateways expect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "od_buf.h"
#include "od_codec.h"

static void
test_base64(void **state)
{
	static const char *const v[][2] = {	/* RFC 4648 section 10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char		out[OD_CODEC_BASE64_SIZE(64)];
	struct od_buf	b;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(od_codec_base64(out, v[i][0], strlen(v[i][0])),
		    (long)strlen(v[i][1]));
		assert_string_equal(out, v[i][1]);
	}
	/* binary, and long enough that libcrypto's line-wrapping encoder would wrap */
	{
		unsigned char	bin[48];

		for (i = 0; i < sizeof(bin); i++)
			bin[i] = (unsigned char)(0xff - i);
		assert_int_equal(od_codec_base64(out, bin, sizeof(bin)), 64);
		assert_null(strchr(out, '\n'));
		assert_memory_equal(out, "//79/Pv6+fj39vX08/Lx8O/u7ezr6uno5+bl5OPi4eDf3t3c29rZ2NfW1dTT0tHQ", 64);
	}
	od_buf_init(&b);
	od_buf_puts(&b, "Basic ");
	assert_int_equal(od_codec_base64_buf(&b, "u0:pw", 5), 0);
	assert_int_equal(od_codec_base64_buf(&b, "", 0), 0);
	assert_string_equal(b.data, "Basic dTA6cHc=");
	assert_int_equal(b.len, strlen("Basic dTA6cHc="));
	od_buf_free(&b);
}

/* RFC 4648 section 5, unpadded; the decoder takes only the one text of each byte string. */
static void
test_base64url(void **state)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "\xfb\xff", "-_8" },
	};
	static const char *const bad[] = {
		"Zg==", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm v", "Zm9v\n",
	};
	char		out[OD_CODEC_BASE64_SIZE(64)];
	unsigned char	bin[64];
	size_t		i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(od_codec_base64url(out, v[i][0], strlen(v[i][0])),
		    (long)strlen(v[i][1]));
		assert_string_equal(out, v[i][1]);
		assert_int_equal(od_codec_unbase64url(v[i][1], strlen(v[i][1]), bin, sizeof(bin),
		    &n), 0);
		assert_int_equal(n, strlen(v[i][0]));
		assert_memory_equal(bin, v[i][0], n);
	}
	/* "Zh" would be "f" with a stray bit; "Zm9" is "fo" only with its low bits zero */
	assert_int_equal(od_codec_unbase64url("Zm8", 3, bin, sizeof(bin), &n), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(od_codec_unbase64url(bad[i], strlen(bad[i]), bin, sizeof(bin), &n),
		    -1);
	/* the output must fit */
	assert_int_equal(od_codec_unbase64url("Zm9vYmE", 7, bin, 4, &n), -1);
	assert_int_equal(od_codec_unbase64url("Zm9vYmE", 7, bin, 5, &n), 0);
}

static void
test_hex(void **state)
{
	unsigned char	bin[4];
	char		out[9];

	(void)state;
	od_codec_hex("\x00\x9f\xa0\xff", 4, out);
	assert_string_equal(out, "009fa0ff");
	od_codec_hex("", 0, out);
	assert_string_equal(out, "");
	assert_int_equal(od_codec_unhex("009FA0ff", 8, bin, 4), 0);
	assert_memory_equal(bin, "\x00\x9f\xa0\xff", 4);
	assert_int_equal(od_codec_unhex("009fa0f", 7, bin, 4), -1);	/* odd */
	assert_int_equal(od_codec_unhex("009fa0ff00", 10, bin, 4), -1);	/* too long */
	assert_int_equal(od_codec_unhex("009fa0fg", 8, bin, 4), -1);
	assert_int_equal(od_hexval('a'), 10);
	assert_int_equal(od_hexval('F'), 15);
	assert_int_equal(od_hexval('g'), -1);
}

static void
test_urlencode(void **state)
{
	static const char	 s[] = "Hola Ana: S/ 150.00 & m\xc3\xa1s~_-.+=%\r\n";
	struct od_buf		 b;

	(void)state;
	od_buf_init(&b);
	/* a URL's query value: a space is %20, a '+' %2B */
	assert_int_equal(od_codec_urlencode(&b, s, strlen(s), 0), 0);
	assert_string_equal(b.data, "Hola%20Ana%3A%20S%2F%20150.00%20%26%20m%C3%A1s~_-.%2B%3D%25%0D%0A");
	od_buf_reset(&b);
	/* a form: a space is '+' */
	assert_int_equal(od_codec_urlencode(&b, s, strlen(s), OD_CODEC_FORM), 0);
	assert_string_equal(b.data, "Hola+Ana%3A+S%2F+150.00+%26+m%C3%A1s~_-.%2B%3D%25%0D%0A");
	od_buf_reset(&b);
	/* the length is the input: a NUL inside is a byte like any other */
	assert_int_equal(od_codec_urlencode(&b, "a\0b", 3, 0), 0);
	assert_string_equal(b.data, "a%00b");
	od_buf_reset(&b);
	assert_int_equal(od_codec_urlencode(&b, "", 0, 0), 0);
	assert_string_equal(b.data, "");
	od_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base64url),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_urlencode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
