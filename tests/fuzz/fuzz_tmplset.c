/*
 * fuzz_tmplset: a template file as operators write it
 * (templates/<locale>/<name>.yaml: sms, email subject/text/html, whatsapp
 * name/language/params/text; block scalars and their positions) through
 * od_template_set_load_string, then the variable check the daemon runs at
 * load and every channel rendered from a full context.
 */
#include <string.h>
#include <jansson.h>

#include "od_fuzz.h"
#include "od_plan.h"
#include "od_template.h"

static const char ctx_text[] =
	"{\"debtor\":{\"name\":\"Mar\xc3\xad" "a Quispe\",\"first_name\":\"Mar\xc3\xad" "a\"},"
	"\"debt\":{\"amount\":\"1234.50\",\"currency\":\"PEN\",\"due_date\":\"2026-12-01\","
	"\"amount_due\":\"1234.50\",\"days_past_due\":3},"
	"\"offer\":{\"installments\":3,\"discount_percent\":10,\"discounted_amount\":\"1111.05\","
	"\"deadline\":\"2026-12-08\",\"payment_url\":\"https://pagos.example.pe/A-1\"},"
	"\"step\":{\"name\":\"reminder_due\",\"stage\":\"reminder\"},\"policy\":{\"name\":\"pe\"},"
	"\"company\":{\"name\":\"Financiera Ejemplo S.A.C.\",\"phone\":\"+51 1 700 0000\"},"
	"\"attributes\":{\"risk_score\":640}}";

static json_t	*ctx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((ctx = json_loads(ctx_text, 0, NULL)) == NULL)
		od_fuzz_fail("the built-in context is not JSON");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_template_set		 set = { 0 };
	const struct od_message_tmpl	*m;
	struct od_rendered		 r;
	struct od_errors		 errs;
	char				 err[256];

	if (ctx == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	od_errors_init(&errs);
	if (od_template_set_load_string("templates/es-PE/reminder_due.yaml", "es-PE",
	    "reminder_due", (const char *)data, size, &set, &errs) == 0) {
		if (set.n != 1 || (m = od_template_set_find(&set, "reminder_due", "es", "en")) == NULL)
			od_fuzz_fail("loaded, but not found (%zu templates)", set.n);
		(void)od_template_set_check_vars(&set, od_plan_context_has, &errs);
		for (int kind = 0; kind < 3; kind++) {
			if (!od_message_tmpl_has(m, kind))
				continue;
			memset(&r, 0, sizeof(r));
			(void)od_template_render_message(m, kind, ctx, "es-PE", &r, err, sizeof(err));
			od_rendered_clear(&r);
		}
	} else if (errs.count == 0) {
		od_fuzz_fail("refused without an error");
	}
	od_template_set_free(&set);
	od_errors_clear(&errs);
	return 0;
}
