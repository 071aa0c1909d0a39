/*
 * test_sms: GSM-7 / UCS-2 analysis, segment counting and transliteration of
 * Spanish collection reminders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "od_buf.h"
#include "od_sms.h"

/* n copies of s (UTF-8), then tail; freed by the caller. */
static char *
rep(const char *s, size_t n, const char *tail)
{
	struct od_buf	b;
	size_t		i;

	od_buf_init(&b);
	for (i = 0; i < n; i++)
		od_buf_puts(&b, s);
	od_buf_puts(&b, tail);
	return od_buf_steal(&b);
}

static void
check(const char *text, enum od_sms_encoding enc, size_t units, size_t segments)
{
	struct od_sms_info	info;

	assert_int_equal(od_sms_analyze(text, &info), 0);
	assert_int_equal(info.encoding, enc);
	assert_int_equal(info.units, units);
	assert_int_equal(info.segments, segments);
}

static void
checkrep(const char *s, size_t n, const char *tail, enum od_sms_encoding enc, size_t units,
    size_t segments)
{
	char	*t = rep(s, n, tail);

	check(t, enc, units, segments);
	free(t);
}

static void
test_spanish_reminder(void **state)
{
	/* í in María and línea: UCS-2, 97 units, two parts of 67. */
	const char	*msg = "Hola María, su cuota de S/ 150.00 vence mañana 05/03. "
	    "Pague en línea: https://pagos.example.pe/a1";
	struct od_sms_info	info;
	struct od_buf		out;

	(void)state;
	assert_int_equal(od_sms_analyze(msg, &info), 0);
	assert_int_equal(info.encoding, OD_SMS_UCS2);
	assert_int_equal(info.chars, 97);
	assert_int_equal(info.units, 97);
	assert_int_equal(info.segments, 2);
	assert_int_equal(info.per_segment, 67);
	assert_string_equal(od_sms_encoding_name(info.encoding), "ucs2");

	od_buf_init(&out);
	assert_int_equal(od_sms_transliterate(msg, &out), 0);
	/* ñ is GSM 03.38: kept; í is not: folded. */
	assert_string_equal(out.data, "Hola Maria, su cuota de S/ 150.00 vence mañana 05/03. "
	    "Pague en linea: https://pagos.example.pe/a1");
	assert_int_equal(od_sms_analyze(out.data, &info), 0);
	assert_int_equal(info.encoding, OD_SMS_GSM7);
	assert_int_equal(info.units, 97);
	assert_int_equal(info.segments, 1);
	assert_int_equal(info.per_segment, 160);
	assert_string_equal(od_sms_encoding_name(info.encoding), "gsm7");
	od_buf_free(&out);
}

static void
test_gsm_spanish_letters_stay_gsm7(void **state)
{
	(void)state;
	/* é ñ ü ¿ ¡ Ñ É Ü and à è ì ò ù are in the basic set (providers.md). */
	check("¡Señor Müller! ¿Recibió el café?", OD_SMS_UCS2, 32, 1);	/* ó */
	check("¡Señor Müller! ¿Recibe el café? ÑÉÜ àèìòù", OD_SMS_GSM7, 41, 1);
	check("Cuota: S/ 150.00 @ 5% - vence 05/03 (hoy)", OD_SMS_GSM7, 41, 1);
	check("", OD_SMS_GSM7, 0, 1);
}

static void
test_gsm7_boundaries(void **state)
{
	(void)state;
	checkrep("a", 160, "", OD_SMS_GSM7, 160, 1);
	checkrep("a", 161, "", OD_SMS_GSM7, 161, 2);
	checkrep("a", 153 * 2, "", OD_SMS_GSM7, 306, 2);
	checkrep("a", 153 * 2 + 1, "", OD_SMS_GSM7, 307, 3);
	checkrep("a", 153 * 3, "", OD_SMS_GSM7, 459, 3);
}

static void
test_gsm7_extension_chars(void **state)
{
	(void)state;
	/* Each of € [ ] { } \ ^ ~ | costs two septets. */
	check("[]{}\\^~|€", OD_SMS_GSM7, 18, 1);
	/* 158 + € = 160 septets: one part; 159 + € = 161: two. */
	checkrep("a", 158, "€", OD_SMS_GSM7, 160, 1);
	checkrep("a", 159, "€", OD_SMS_GSM7, 161, 2);
	/* 152 + € + 152 = 306 septets = 2 x 153, but ESC + € cannot be split: 3 parts. */
	{
		char *t = rep("a", 152, "€"), *u = rep("a", 152, "");
		char *v = malloc(strlen(t) + strlen(u) + 1);

		strcpy(v, t);
		strcat(v, u);
		check(v, OD_SMS_GSM7, 306, 3);
		free(t);
		free(u);
		free(v);
	}
	/* 151 + € + 153: the € fits the first part exactly: 2 parts. */
	{
		char *t = rep("a", 151, "€"), *u = rep("a", 153, "");
		char *v = malloc(strlen(t) + strlen(u) + 1);

		strcpy(v, t);
		strcat(v, u);
		check(v, OD_SMS_GSM7, 306, 2);
		free(t);
		free(u);
		free(v);
	}
}

static void
test_ucs2_boundaries(void **state)
{
	(void)state;
	checkrep("á", 70, "", OD_SMS_UCS2, 70, 1);
	checkrep("á", 71, "", OD_SMS_UCS2, 71, 2);
	checkrep("á", 67 * 2, "", OD_SMS_UCS2, 134, 2);
	checkrep("á", 67 * 2 + 1, "", OD_SMS_UCS2, 135, 3);
	/* One á among GSM characters switches the whole message. */
	checkrep("a", 159, "á", OD_SMS_UCS2, 160, 3);
}

static void
test_ucs2_outside_bmp(void **state)
{
	(void)state;
	/* U+1F600 is a surrogate pair: two units. */
	checkrep("a", 68, "😀", OD_SMS_UCS2, 70, 1);
	checkrep("a", 69, "😀", OD_SMS_UCS2, 71, 2);
	/* 66 + pair + 66 = 134 units, but the pair is not split: 3 parts. */
	{
		char *t = rep("a", 66, "😀"), *u = rep("a", 66, "");
		char *v = malloc(strlen(t) + strlen(u) + 1);
		struct od_sms_info info;

		strcpy(v, t);
		strcat(v, u);
		assert_int_equal(od_sms_analyze(v, &info), 0);
		assert_int_equal(info.chars, 133);
		assert_int_equal(info.units, 134);
		assert_int_equal(info.segments, 3);
		free(t);
		free(u);
		free(v);
	}
}

static void
test_transliterate(void **state)
{
	struct od_buf		out;
	struct od_sms_info	info;

	(void)state;
	od_buf_init(&out);
	assert_int_equal(od_sms_transliterate(
	    "“Último aviso” – pague ya… Á É Í Ó Ú á é í ó ú ñ Ñ ü ¿ ¡ 1º — ‘OK’", &out), 0);
	assert_string_equal(out.data,
	    "\"Ultimo aviso\" - pague ya... A É I O U a é i o u ñ Ñ ü ¿ ¡ 1o - 'OK'");
	assert_int_equal(od_sms_analyze(out.data, &info), 0);
	assert_int_equal(info.encoding, OD_SMS_GSM7);

	/* Characters with no fold are kept (the message stays UCS-2). */
	od_buf_reset(&out);
	assert_int_equal(od_sms_transliterate("Pago 你好 ó", &out), 0);
	assert_string_equal(out.data, "Pago 你好 o");
	assert_int_equal(od_sms_analyze(out.data, &info), 0);
	assert_int_equal(info.encoding, OD_SMS_UCS2);

	od_buf_reset(&out);
	assert_int_equal(od_sms_transliterate("", &out), 0);
	assert_string_equal(out.data, "");
	od_buf_free(&out);
}

static void
test_invalid_utf8(void **state)
{
	struct od_sms_info	info;
	struct od_buf		out;

	(void)state;
	assert_int_equal(od_sms_analyze("Hola \xC3\x28", &info), -1);
	assert_int_equal(info.encoding, OD_SMS_INVALID);
	assert_int_equal(od_sms_analyze("\xC0\xAF", &info), -1);		/* overlong '/' */
	assert_int_equal(od_sms_analyze("\xED\xA0\x80", &info), -1);	/* a lone surrogate */
	assert_int_equal(od_sms_analyze("\xF4\x90\x80\x80", &info), -1);	/* > U+10FFFF */
	assert_int_equal(od_sms_analyze("abc\xE2\x82", &info), -1);	/* truncated */
	od_buf_init(&out);
	assert_int_equal(od_sms_transliterate("Pagó \xFF", &out), -1);
	od_buf_free(&out);
	assert_string_equal(od_sms_encoding_name(OD_SMS_INVALID), "invalid");
}

/*
 * Every ASCII byte alone: its encoding and septets, as GSM 03.38 has them
 * (providers.md): the extension table (FF ^ { } \\ [ ~ ] |) costs two, LF
 * and CR one, the other controls, ` and DEL are not in GSM-7.  Then an ASCII
 * run around a multi-byte character and an extension character past 160.
 */
static void
test_ascii_table(void **state)
{
	struct od_sms_info	info;
	char			text[2];
	int			c;

	(void)state;
	for (c = 1; c < 128; c++) {
		text[0] = (char)c;
		text[1] = '\0';
		assert_int_equal(od_sms_analyze(text, &info), 0);
		assert_int_equal(info.chars, 1);
		if (c == '\f' || strchr("^{}\\[~]|", c) != NULL) {
			assert_int_equal(info.encoding, OD_SMS_GSM7);
			assert_int_equal(info.units, 2);
		} else if (c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7F && c != '`')) {
			assert_int_equal(info.encoding, OD_SMS_GSM7);
			assert_int_equal(info.units, 1);
		} else {
			assert_int_equal(info.encoding, OD_SMS_UCS2);
			assert_int_equal(info.units, 1);
		}
		assert_int_equal(info.segments, 1);
	}
	check("Pague S/ 150.00 hoy, €5 de mora {ref}\r\n", OD_SMS_GSM7, 42, 1);
	assert_int_equal(od_sms_analyze("ñ`", &info), 0);
	assert_int_equal(info.encoding, OD_SMS_UCS2);
	assert_int_equal(info.chars, 2);
	assert_int_equal(info.units, 2);
	/* 159 + '[' (2) = 161 > 160: two parts of 153. */
	checkrep("a", 159, "[", OD_SMS_GSM7, 161, 2);
	checkrep("a", 159, "`", OD_SMS_UCS2, 160, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spanish_reminder),
		cmocka_unit_test(test_gsm_spanish_letters_stay_gsm7),
		cmocka_unit_test(test_gsm7_boundaries),
		cmocka_unit_test(test_gsm7_extension_chars),
		cmocka_unit_test(test_ucs2_boundaries),
		cmocka_unit_test(test_ucs2_outside_bmp),
		cmocka_unit_test(test_transliterate),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_ascii_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
