/*
 * fuzz_template: template syntax (od_template_compile: variables, filters,
 * nested #if / #unless / else blocks, error positions) and rendering in
 * two locales, raw and HTML-escaped.  Input: the template text, then
 * optionally a NUL and a JSON object used as the context instead of the
 * built-in one (an account's context as od_plan_context makes it).
 */
#include <stdlib.h>
#include <jansson.h>

#include "od_buf.h"
#include "od_fuzz.h"
#include "od_template.h"

static const char default_ctx[] =
	"{\"debtor\":{\"name\":\"Mar\xc3\xad" "a Quispe\",\"first_name\":\"Mar\xc3\xad" "a\"},"
	"\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":\"2026-12-01\","
	"\"amount_due\":\"1234.50\",\"paid\":\"0.00\",\"days_past_due\":3,\"product\":null},"
	"\"offer\":{\"installments\":3,\"discount_percent\":10,\"discounted_amount\":\"1111.05\","
	"\"deadline\":\"2026-12-08\",\"payment_url\":\"https://pagos.example.pe/A-1?x=<b>&y=\\\"\"},"
	"\"step\":{\"name\":\"reminder_due\",\"stage\":\"reminder\"},\"policy\":{\"name\":\"pe\"},"
	"\"company\":{\"name\":\"Financiera Ejemplo S.A.C.\",\"phone\":\"+51 1 700 0000\"},"
	"\"attributes\":{\"risk_score\":640,\"vip\":true,\"none\":null,\"list\":[1,\"a\"],"
	"\"big\":1e300,\"neg\":-5,\"zero\":0,\"empty\":\"\",\"amount\":\"-1.5\","
	"\"date\":\"2026-02-30\",\"obj\":{\"k\":\"v\"}}}";

static json_t	*ctx0;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((ctx0 = json_loads(default_ctx, 0, NULL)) == NULL)
		od_fuzz_fail("the built-in context is not JSON");
	return 0;
}

static void
count_var(void *arg, const char *path, const char *file, int line, int col)
{
	(void)path;
	(void)file;
	if (line < 1 || col < 1)
		od_fuzz_fail("variable at %d:%d", line, col);
	(*(size_t *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const locales[] = { "es-PE", "en", "es-CL", "xx" };
	struct od_template	*t;
	struct od_errors	 errs;
	struct od_buf		 out;
	const char		*src, *rest;
	size_t			 slen, rlen, nvars = 0;
	json_t			*ctx = NULL;
	char			*text, err[256];

	if (ctx0 == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	od_fuzz_split(data, size, &src, &slen, &rest, &rlen);
	if (rest != NULL)
		ctx = json_loadb(rest, rlen, 0, NULL);
	if (!json_is_object(ctx)) {
		json_decref(ctx);
		ctx = json_incref(ctx0);
	}
	text = od_fuzz_strndup((const uint8_t *)src, slen);
	od_errors_init(&errs);
	if ((t = od_template_compile(text, "templates/es-PE/fuzz.yaml", 3, 5, &errs)) != NULL) {
		od_template_foreach_var(t, count_var, &nvars);
		od_buf_init(&out);
		for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
			od_buf_reset(&out);
			(void)od_template_render(t, ctx, locales[i], OD_ESC_NONE, &out, err, sizeof(err));
			od_buf_reset(&out);
			(void)od_template_render(t, ctx, locales[i], OD_ESC_HTML, &out, err, sizeof(err));
		}
		od_buf_free(&out);
		od_template_free(t);
	} else if (errs.count == 0) {
		od_fuzz_fail("refused without an error");
	}
	od_errors_clear(&errs);
	json_decref(ctx);
	free(text);
	return 0;
}
