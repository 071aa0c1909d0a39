/*
 * test_template: the template syntax, its errors at file:line:col, rendering,
 * template sets with their fallback, and the templates we ship.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "od_account.h"
#include "od_locale.h"
#include "od_plan.h"
#include "od_policy.h"
#include "od_template.h"
#include "od_time.h"
#include "od_tz.h"

#define SET_DIR		OD_TEST_DATA "/template/set"
#define SHIPPED_DIR	OD_SOURCE_DIR "/templates"

/* Helpers. */

static json_t *
ctx_parse(const char *text)
{
	json_error_t	 e;
	json_t		*j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

/* Compiling src must fail with exactly the errors in want (NULL-terminated). */
static void
expect_compile_errors(const char *src, int line, int col, const char *const *want)
{
	struct od_errors	 errs;
	struct od_template	*t;
	size_t			 i, n;

	od_errors_init(&errs);
	t = od_template_compile(src, "t.txt", line, col, &errs);
	for (n = 0; want[n] != NULL; n++)
		;
	if (t != NULL)
		fail_msg("'%s' compiled", src);
	for (i = 0; i < errs.count && i < n; i++)
		assert_string_equal(errs.msgs[i], want[i]);
	if (errs.count != n)
		fail_msg("'%s': %zu errors, want %zu (first: %s)", src, errs.count, n,
		    errs.count ? errs.msgs[0] : "none");
	od_errors_clear(&errs);
}

static void
expect_error(const char *src, const char *want)
{
	const char *const	v[] = { want, NULL };

	expect_compile_errors(src, 1, 1, v);
}

/* Renders src with ctx (JSON text) in locale. */
static void
expect_render(const char *src, const char *ctxtext, const char *locale, enum od_escape esc,
    const char *want)
{
	struct od_errors	 errs;
	struct od_template	*t;
	struct od_buf		 out;
	json_t			*ctx = ctx_parse(ctxtext);
	char			 err[256];

	od_errors_init(&errs);
	if ((t = od_template_compile(src, "t.txt", 1, 1, &errs)) == NULL)
		fail_msg("'%s': %s", src, errs.count ? errs.msgs[0] : "?");
	od_buf_init(&out);
	if (od_template_render(t, ctx, locale, esc, &out, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", src, err);
	assert_string_equal(out.data, want);
	od_buf_free(&out);
	od_template_free(t);
	json_decref(ctx);
	od_errors_clear(&errs);
}

static void
expect_render_error(const char *src, const char *ctxtext, const char *want)
{
	struct od_errors	 errs;
	struct od_template	*t;
	struct od_buf		 out;
	json_t			*ctx = ctx_parse(ctxtext);
	char			 err[256];

	od_errors_init(&errs);
	if ((t = od_template_compile(src, "t.txt", 1, 1, &errs)) == NULL)
		fail_msg("'%s': %s", src, errs.count ? errs.msgs[0] : "?");
	od_buf_init(&out);
	od_buf_puts(&out, "kept|");
	if (od_template_render(t, ctx, "es-PE", OD_ESC_NONE, &out, err, sizeof(err)) != -1)
		fail_msg("'%s' rendered: %s", src, out.data);
	assert_string_equal(err, want);
	/* what was in out before stays, and nothing half-rendered is left */
	assert_string_equal(out.data, "kept|");
	od_buf_free(&out);
	od_template_free(t);
	json_decref(ctx);
	od_errors_clear(&errs);
}

/* Compile errors. */

static void
test_compile_errors(void **state)
{
	(void)state;
	expect_error("Hola {{ debtor.name", "t.txt:1:6: unclosed '{{'");
	expect_error("{{ debtor.name | shout }}", "t.txt:1:1: unknown filter 'shout'");
	expect_error("{{ debtor.name | money | }}", "t.txt:1:1: empty filter");
	expect_error("a {{ }} b", "t.txt:1:3: empty variable");
	expect_error("a {{}} b", "t.txt:1:3: empty variable");
	expect_error("{{ | money }}", "t.txt:1:1: empty variable");
	expect_error("{{ debtor name }}", "t.txt:1:1: bad variable name 'debtor name'");
	expect_error("{{ debtor..name }}", "t.txt:1:1: bad variable name 'debtor..name'");
	expect_error("{{ .name }}", "t.txt:1:1: bad variable name '.name'");
	expect_error("{{ debtor. }}", "t.txt:1:1: bad variable name 'debtor.'");
	expect_error("{{ d\xc3\xa9""bt }}", "t.txt:1:1: bad variable name 'd\xc3\xa9""bt'");
	expect_error("{{ debt-amount }}", "t.txt:1:1: bad variable name 'debt-amount'");
	expect_error("{{#if}}x{{/if}}", "t.txt:1:1: '{{#if}}' needs a variable");
	expect_error("{{#if a b}}x{{/if}}", "t.txt:1:1: bad variable name 'a b'");
	expect_error("{{#with items}}x", "t.txt:1:1: unknown block '#with'");
	expect_error("x {{/if}}", "t.txt:1:3: '{{/if}}' without '{{#if}}'");
	expect_error("x {{/unless}}", "t.txt:1:3: '{{/unless}}' without '{{#unless}}'");
	expect_error("{{/with}}", "t.txt:1:1: unknown block end '{{/with}}'");
	expect_error("{{#if a}}x{{/if a}}", "t.txt:1:11: '{{/if}}' takes no variable");
	expect_error("x {{else}} y",
	    "t.txt:1:3: '{{else}}' outside '{{#if}}', '{{#unless}}' or '{{#each}}'");
	expect_error("ab {{#if a}}x", "t.txt:1:4: '{{#if}}' is not closed");
	expect_error("{{#if a}}x{{/unless}}",
	    "t.txt:1:11: '{{/unless}}' closes '{{#if}}' opened at 1:1");
	expect_error("{{#unless a}}x{{else}}y{{else}}z{{/unless}}",
	    "t.txt:1:24: a second '{{else}}' in '{{#unless}}' opened at 1:1");
}

static void
test_compile_each_errors(void **state)
{
	(void)state;
	expect_error("{{#each}}x{{/each}}", "t.txt:1:1: '{{#each}}' needs a variable");
	expect_error("{{#each a..b}}x{{/each}}", "t.txt:1:1: bad variable name 'a..b'");
	expect_error("{{#each @last}}x{{/each}}", "t.txt:1:1: '{{#each}}' needs a list, not '@last'");
	expect_error("ab {{#each xs}}x", "t.txt:1:4: '{{#each}}' is not closed");
	expect_error("x {{/each}}", "t.txt:1:3: '{{/each}}' without '{{#each}}'");
	expect_error("{{#each xs}}x{{/if}}", "t.txt:1:14: '{{/if}}' closes '{{#each}}' opened at 1:1");
	/* the item's own names exist only inside an #each */
	expect_error("a {{ @last }}", "t.txt:1:3: '@last' outside '{{#each}}'");
	expect_error("{{#unless @first}}x{{/unless}}", "t.txt:1:1: '@first' outside '{{#each}}'");
	expect_error("{{#each xs}}{{ @count }}{{/each}}",
	    "t.txt:1:13: bad variable name '@count' (an item has @first, @last and @index)");
	expect_error("{{#each xs}}{{ @ }}{{/each}}",
	    "t.txt:1:13: bad variable name '@' (an item has @first, @last and @index)");
	expect_error("{{#each xs}}{{ @last.x }}{{/each}}",
	    "t.txt:1:13: bad variable name '@last.x' (an item has @first, @last and @index)");
	expect_error("{{#each xs}}{{#each @index}}{{/each}}{{/each}}",
	    "t.txt:1:13: '{{#each}}' needs a list, not '@index'");
}

static void
test_compile_error_positions(void **state)
{
	static const char *const multi[] = {
		"t.txt:11:7: unknown filter 'nope'",
		"t.txt:13:3: empty variable",
		"t.txt:12:3: '{{#if}}' is not closed",
		NULL,
	};
	static const char *const utf8[] = {
		/* "Señor " is six characters, whatever its bytes */
		"t.txt:1:7: unknown filter 'y'",
		NULL,
	};
	static const char *const quoted[] = {
		/* the text of a quoted YAML scalar at 4:9 starts at 4:10 */
		"t.txt:4:15: unclosed '{{'",
		NULL,
	};

	(void)state;
	/* Every line of the source is taken to start at the given column. */
	expect_compile_errors("Hello\nbye {{ x | nope }}\n{{#if a}}\n{{}}", 10, 3, multi);
	expect_compile_errors("Se\xc3\xb1or {{ x | y }}", 1, 1, utf8);
	expect_compile_errors("Hola {{ x", 4, 10, quoted);
}

static void
count_var(void *arg, const char *path, const char *file, int line, int col)
{
	char	*out = arg;
	char	 one[128];

	snprintf(one, sizeof(one), "%s@%s:%d:%d;", path, file, line, col);
	strcat(out, one);
}

static void
test_foreach_var(void **state)
{
	struct od_errors	 errs;
	struct od_template	*t;
	char			 seen[1024] = "";

	(void)state;
	od_errors_init(&errs);
	t = od_template_compile("Hi {{ debtor.first_name }},\n{{#if offer.installments}}"
	    "{{offer.installments}}{{else}}{{ debt.amount | money }}{{/if}}", "x.yaml", 5, 3,
	    &errs);
	assert_non_null(t);
	od_template_foreach_var(t, count_var, seen);
	assert_string_equal(seen, "debtor.first_name@x.yaml:5:6;offer.installments@x.yaml:6:3;"
	    "offer.installments@x.yaml:6:29;debt.amount@x.yaml:6:59;");
	od_template_free(t);
	od_template_foreach_var(NULL, count_var, seen);
	od_errors_clear(&errs);
}

/* Rendering. */

static const char *const ctx_basic =
    "{\"debtor\": {\"name\": \"Ana Quispe\", \"first_name\": \"Ana\", \"nick\": null,"
    " \"vip\": true, \"tags\": [\"a\"]},"
    " \"debt\": {\"outstanding\": \"1234.5\", \"currency\": \"PEN\", \"due_date\": \"2026-12-01\","
    "  \"days_past_due\": 10, \"ratio\": 3.0, \"rate\": 12.5, \"bad\": \"abc\", \"when\": \"31/12\"},"
    " \"offer\": {}}";

static void
test_render_variables(void **state)
{
	(void)state;
	expect_render("Hola {{debtor.first_name}}, {{ debtor.name }}.", ctx_basic, "es-PE",
	    OD_ESC_NONE, "Hola Ana, Ana Quispe.");
	expect_render("{{ debt.days_past_due }} d\xc3\xad""as", ctx_basic, "es-PE", OD_ESC_NONE,
	    "10 d\xc3\xad""as");
	expect_render("{{ debt.ratio }} / {{ debt.rate }}", ctx_basic, "es-PE", OD_ESC_NONE,
	    "3 / 12.5");
	expect_render("no tags at all", ctx_basic, "es-PE", OD_ESC_NONE, "no tags at all");
	expect_render("", ctx_basic, "es-PE", OD_ESC_NONE, "");
	expect_render("{ not a tag } {{\n\tdebtor.first_name\n}}", ctx_basic, "es-PE", OD_ESC_NONE,
	    "{ not a tag } Ana");
}

static void
test_render_filters(void **state)
{
	const char	*co = "{\"debt\": {\"outstanding\": \"1234.5\", \"currency\": \"COP\"}}";
	const char	*cl = "{\"debt\": {\"outstanding\": 1234, \"currency\": \"CLP\"}}";

	(void)state;
	expect_render("{{ debt.outstanding | money }}", ctx_basic, "es-PE", OD_ESC_NONE,
	    "S/ 1,234.50");
	expect_render("{{ debt.outstanding|money }}", co, "es-CO", OD_ESC_NONE, "$ 1.234,50");
	expect_render("{{ debt.outstanding | money }}", cl, "es-CL", OD_ESC_NONE, "$1.234");
	expect_render("{{ debt.outstanding | money }}", ctx_basic, "en", OD_ESC_NONE,
	    "S/ 1,234.50");
	expect_render("{{ debt.due_date | date }}", ctx_basic, "es-PE", OD_ESC_NONE,
	    "1 de diciembre de 2026");
	expect_render("{{ debt.due_date | date }}", ctx_basic, "es-CL", OD_ESC_NONE,
	    "1 de diciembre de 2026");
	expect_render("{{ debt.due_date | date }}", ctx_basic, "en", OD_ESC_NONE,
	    "December 1, 2026");
	expect_render("{{ debt.due_date | short_date }}", ctx_basic, "es-CO", OD_ESC_NONE,
	    "1 dic 2026");
	expect_render("{{ debt.due_date | short_date }}", ctx_basic, "en-US", OD_ESC_NONE,
	    "Dec 1, 2026");
	/* filters chain left to right */
	expect_render("{{ debt.due_date | date | upper }}", ctx_basic, "es-PE", OD_ESC_NONE,
	    "1 DE DICIEMBRE DE 2026");
	expect_render("{{ debt.due_date | date | upper | lower }}", ctx_basic, "en",
	    OD_ESC_NONE, "december 1, 2026");
	/* UTF-8: the Latin-1 letters change case too */
	expect_render("{{ n | upper }}", "{\"n\": \"Jos\xc3\xa9 \xc3\xb1""and\xc3\xba \xc3\xbc y \xc3\xbf\"}",
	    "es-PE", OD_ESC_NONE, "JOS\xc3\x89 \xc3\x91""AND\xc3\x9a \xc3\x9c Y \xc5\xb8");
	expect_render("{{ n | lower }}", "{\"n\": \"\xc3\x81\xc3\x89\xc3\x8d\xc3\x93\xc3\x9a \xc3\x91 \xc3\x97 \xc5\xb8 ABC\"}",
	    "es-PE", OD_ESC_NONE, "\xc3\xa1\xc3\xa9\xc3\xad\xc3\xb3\xc3\xba \xc3\xb1 \xc3\x97 \xc3\xbf abc");
}

static void
test_render_conditions(void **state)
{
	static const struct {
		const char	*value;
		const char	*want;
	} truth[] = {
		{ "\"\"", "no" }, { "\"x\"", "yes" }, { "\"0\"", "yes" },
		{ "0", "no" }, { "3", "yes" }, { "0.0", "no" }, { "0.5", "yes" },
		{ "true", "yes" }, { "false", "no" }, { "null", "no" },
		{ "[]", "no" }, { "[1]", "yes" }, { "{}", "no" }, { "{\"a\": 1}", "yes" },
	};
	char	ctx[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(truth) / sizeof(truth[0]); i++) {
		snprintf(ctx, sizeof(ctx), "{\"x\": %s}", truth[i].value);
		expect_render("{{#if x}}yes{{else}}no{{/if}}", ctx, "es-PE", OD_ESC_NONE,
		    truth[i].want);
		expect_render("{{#unless x}}no{{else}}yes{{/unless}}", ctx, "es-PE", OD_ESC_NONE,
		    truth[i].want);
	}
	/* a variable that is not there is false; one inside a false branch is never looked up */
	expect_render("a{{#if offer.installments}} {{ offer.installment_amount | money }}{{/if}}b",
	    ctx_basic, "es-PE", OD_ESC_NONE, "ab");
	expect_render("{{#unless offer.x}}none{{/unless}}", ctx_basic, "es-PE", OD_ESC_NONE, "none");
	/* nesting */
	expect_render("{{#if debtor.vip}}[{{#if debt.days_past_due}}late {{debt.days_past_due}}"
	    "{{#unless debtor.nick}}, no nick{{/unless}}{{else}}on time{{/if}}]{{/if}}",
	    ctx_basic, "es-PE", OD_ESC_NONE, "[late 10, no nick]");
	/* a block tag alone on its line takes the line with it; inline ones do not */
	expect_render("a\n  {{#if debtor.vip}}\nb\n{{else}}\nc\n  {{/if}}  \nd {{#if x}}e{{/if}}\n",
	    ctx_basic, "es-PE", OD_ESC_NONE, "a\nb\nd \n");
	expect_render("{{#if debtor.vip}}\r\nyes\r\n{{/if}}\r\n", ctx_basic, "es-PE", OD_ESC_NONE,
	    "yes\r\n");
}

static const char *const ctx_schedule =
    "{\"today\": \"2026-12-07\", \"debt\": {\"currency\": \"PEN\"},"
    " \"company\": {\"phone\": \"01 615 0000\"},"
    " \"agreement\": {\"id\": \"AG-7\", \"schedule\": ["
    "  {\"n\": 1, \"date\": \"2026-12-08\", \"amount\": \"100\"},"
    "  {\"n\": 2, \"date\": \"2027-01-08\", \"amount\": \"100\", \"paid\": true},"
    "  {\"n\": 3, \"date\": \"2027-02-08\", \"amount\": \"34.5\", \"note\": \"<last> & final\"}],"
    " \"empty\": [], \"one\": [{\"n\": 1}], \"words\": [\"a\", \"b\"],"
    " \"nested\": [{\"name\": \"x\", \"parts\": [{\"n\": 1}, {\"n\": 2}]},"
    "  {\"name\": \"y\", \"parts\": []}]}}";

static void
test_render_each(void **state)
{
	(void)state;
	/* item fields, filters on them, the context around them; @last as a separator */
	expect_render("{{#each agreement.schedule}}{{ n }}) {{ amount | money }} el "
	    "{{ date | date }}{{#unless @last}}; {{/unless}}{{/each}}. Ref {{ agreement.id }}",
	    ctx_schedule, "es-PE", OD_ESC_NONE,
	    "1) S/ 100.00 el 8 de diciembre de 2026; 2) S/ 100.00 el 8 de enero de 2027; "
	    "3) S/ 34.50 el 8 de febrero de 2027. Ref AG-7");
	expect_render("{{#each agreement.schedule}}{{ date | relative }} {{ company.phone }}"
	    "{{#if @last}}.{{else}}, {{/if}}{{/each}}", ctx_schedule, "en", OD_ESC_NONE,
	    "tomorrow 01 615 0000, on Friday, January 8, 2027 01 615 0000, "
	    "on Monday, February 8, 2027 01 615 0000.");
	/* #if inside, on the item's fields and on @first; @index counts from 0 */
	expect_render("{{#each agreement.schedule}}{{#unless @first}}|{{/unless}}{{ @index }}:{{ n }}"
	    "{{#if paid}} paid{{/if}}{{#if note}} ({{ note }}){{/if}}{{/each}}",
	    ctx_schedule, "es-PE", OD_ESC_NONE, "0:1|1:2 paid|2:3 (<last> & final)");
	/* the gsm filter after relative keeps an SMS in GSM-7 */
	expect_render("{{#each agreement.schedule}}{{#if @last}}{{ date | relative | gsm }}"
	    "{{/if}}{{/each}}", "{\"today\": \"2026-12-07\", \"agreement\": {\"schedule\": "
	    "[{\"date\": \"2026-12-12\"}]}}", "es-PE", OD_ESC_NONE, "el sabado 12 de diciembre");
	expect_render("{{ a | gsm }}", "{\"a\": \"S\xc3\xa1""bado, d\xc3\xad""as, \xc3\x93""scar, "
	    "\xc3\x9a""ltima, ca\xc3\xad""da, peque\xc3\xb1""o, caf\xc3\xa9, ping\xc3\xbc""ino, "
	    "\xc3\x81""NIMO \xc3\x8d""TEM\"}", "es-PE", OD_ESC_NONE,
	    "Sabado, dias, Oscar, Ultima, caida, peque\xc3\xb1""o, caf\xc3\xa9, ping\xc3\xbc""ino, "
	    "ANIMO ITEM");
	/* HTML escaping inside as elsewhere */
	expect_render("<ul>{{#each agreement.schedule}}{{#if note}}<li>{{ note }}</li>{{/if}}"
	    "{{/each}}</ul>", ctx_schedule, "es-PE", OD_ESC_HTML,
	    "<ul><li>&lt;last&gt; &amp; final</li></ul>");
	/* an empty list writes nothing, or its {{else}} */
	expect_render("[{{#each agreement.empty}}x{{/each}}]", ctx_schedule, "es-PE", OD_ESC_NONE,
	    "[]");
	expect_render("[{{#each agreement.empty}}x{{else}}none{{/each}}]", ctx_schedule, "es-PE",
	    OD_ESC_NONE, "[none]");
	/* one item is first and last */
	expect_render("{{#each agreement.one}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}{{/each}}",
	    ctx_schedule, "es-PE", OD_ESC_NONE, "FL");
	/* items that are not objects: names are the context's */
	expect_render("{{#each agreement.words}}{{ agreement.id }}{{/each}}", ctx_schedule,
	    "es-PE", OD_ESC_NONE, "AG-7AG-7");
	/* nested: the inner item first, then the outer one, then the context */
	expect_render("{{#each agreement.nested}}{{ name }}[{{#each parts}}{{ name }}{{ n }}"
	    "{{#unless @last}},{{/unless}}{{/each}}]{{/each}}", ctx_schedule, "es-PE", OD_ESC_NONE,
	    "x[x1,x2]y[]");
	/* block tags alone on their lines take their lines with them */
	expect_render("Cuotas:\n  {{#each agreement.schedule}}\n- {{ n }}: {{ amount | money }}\n"
	    "  {{/each}}\nFin\n", ctx_schedule, "es-PE", OD_ESC_NONE,
	    "Cuotas:\n- 1: S/ 100.00\n- 2: S/ 100.00\n- 3: S/ 34.50\nFin\n");
}

static void
test_render_each_errors(void **state)
{
	(void)state;
	/* never a hole: a list that is not there, or is not a list, is an error */
	expect_render_error("a{{#each agreement.plan}}x{{/each}}", ctx_schedule,
	    "missing variable 'agreement.plan'");
	expect_render_error("a{{#each agreement.id}}x{{/each}}", ctx_schedule,
	    "variable 'agreement.id' is text, not a list");
	expect_render_error("a{{#each agreement}}x{{/each}}", ctx_schedule,
	    "variable 'agreement' is an object, not a list");
	expect_render_error("a{{#each agreement.nested}}{{#each name}}{{/each}}{{/each}}",
	    ctx_schedule, "variable 'name' is text, not a list");
	/* a field missing from one item, with no such name around it */
	expect_render_error("{{#each agreement.schedule}}{{ note }}{{/each}}", ctx_schedule,
	    "missing variable 'note'");
	/* an item's key shadows the context's from its first part on */
	expect_render_error("{{#each agreement.schedule}}{{ date.x }}{{/each}}", ctx_schedule,
	    "missing variable 'date.x'");
	expect_render_error("{{#each agreement.schedule}}{{ @last }}{{/each}}", ctx_schedule,
	    "variable '@last' is a boolean, not text");
	expect_render_error("{{#each agreement.schedule}}{{ amount | money }}{{/each}}",
	    "{\"agreement\": {\"schedule\": [{\"amount\": \"1\"}]}}",
	    "money: missing variable 'debt.currency'");
}

static void
test_render_errors(void **state)
{
	(void)state;
	expect_render_error("Hola {{ debtor.surname }}", ctx_basic,
	    "missing variable 'debtor.surname'");
	expect_render_error("Hola {{ debtor.nick }}", ctx_basic, "missing variable 'debtor.nick'");
	expect_render_error("{{ debtor.name.first }}", ctx_basic,
	    "missing variable 'debtor.name.first'");
	expect_render_error("{{ a }}{{#if debtor.vip}}{{ nope.x }}{{/if}}",
	    "{\"a\": \"x\", \"debtor\": {\"vip\": true}}",
	    "missing variable 'nope.x'");
	expect_render_error("{{ debtor.vip }}", ctx_basic,
	    "variable 'debtor.vip' is a boolean, not text");
	expect_render_error("{{ debtor }}", ctx_basic, "variable 'debtor' is an object, not text");
	expect_render_error("{{ debtor.tags }}", ctx_basic,
	    "variable 'debtor.tags' is a list, not text");
	expect_render_error("{{ debt.bad | money }}", ctx_basic, "money: 'abc' is not an amount");
	expect_render_error("{{ debt.due_date | money }}", ctx_basic,
	    "money: '2026-12-01' is not an amount");
	expect_render_error("{{ a | money }}", "{\"a\": \"1\"}",
	    "money: missing variable 'debt.currency'");
	expect_render_error("{{ a | money }}", "{\"a\": \"1\", \"debt\": {\"currency\": \"XAU\"}}",
	    "money: unknown currency 'XAU'");
	expect_render_error("{{ debt.when | date }}", ctx_basic, "date: '31/12' is not a date");
	expect_render_error("{{ debt.when | short_date }}", ctx_basic,
	    "short_date: '31/12' is not a date");
}

static void
test_render_html_escaping(void **state)
{
	const char	*ctx = "{\"debtor\": {\"name\": \"Ana <b>&</b> \\\"O'Neil\\\"\"}}";

	(void)state;
	expect_render("<p>Hola {{ debtor.name }}</p>", ctx, "es-PE", OD_ESC_HTML,
	    "<p>Hola Ana &lt;b&gt;&amp;&lt;/b&gt; &quot;O&#39;Neil&quot;</p>");
	expect_render("<p>Hola {{ debtor.name }}</p>", ctx, "es-PE", OD_ESC_NONE,
	    "<p>Hola Ana <b>&</b> \"O'Neil\"</p>");
}

/* Template sets. */

static void
test_set_bad_file(void **state)
{
	struct od_template_set	set;
	struct od_errors	errs;
	const char		*f = OD_TEST_DATA "/template/bad/es-PE/broken.yaml";
	char			want[6][256];
	size_t			i;

	(void)state;
	snprintf(want[0], sizeof(want[0]), "%s:17:3: unknown key 'colour' in whatsapp", f);
	snprintf(want[1], sizeof(want[1]), "%s:2:12: unknown filter 'shout'", f);
	/* inside the | block: the file's own lines and columns */
	snprintf(want[2], sizeof(want[2]), "%s:9:17: bad variable name 'debt..x'", f);
	snprintf(want[3], sizeof(want[3]), "%s:10:5: '{{#if}}' is not closed", f);
	snprintf(want[4], sizeof(want[4]), "%s:12:13: empty variable", f);
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load(OD_TEST_DATA "/template/bad", &set, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("  %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, 5);
	/* order: the file's keys as checked, then sms, email, whatsapp */
	assert_string_equal(errs.msgs[0], want[1]);
	assert_string_equal(errs.msgs[1], want[2]);
	assert_string_equal(errs.msgs[2], want[3]);
	assert_string_equal(errs.msgs[3], want[4]);
	assert_string_equal(errs.msgs[4], want[0]);
	assert_int_equal(set.n, 0);
	od_template_set_free(&set);
	od_template_set_free(&set);
	od_errors_clear(&errs);
}

static void
test_set_folded_block(void **state)
{
	struct od_template_set	set;
	struct od_errors	errs;
	char			want[256];

	(void)state;
	snprintf(want, sizeof(want), "%s:5:5: unknown filter 'loud'",
	    OD_TEST_DATA "/template/folded/en/note.yaml");
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load(OD_TEST_DATA "/template/folded", &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], want);
	od_errors_clear(&errs);
}

static void
test_set_bad_locale_and_dir(void **state)
{
	struct od_template_set	set;
	struct od_errors	errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load(OD_TEST_DATA "/template/badlocale", &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], OD_TEST_DATA "/template/badlocale/es_PE:1:1: "
	    "'es_PE' is not a locale (BCP 47 language[-region], as es-PE or en)");
	od_errors_clear(&errs);
	assert_int_equal(od_template_set_load(OD_TEST_DATA "/template/none", &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], OD_TEST_DATA "/template/none:1:1: "
	    "cannot read the template folder: No such file or directory");
	od_errors_clear(&errs);
}

static void
expect_found(const struct od_template_set *set, const char *name, const char *locale,
    const char *fallback, const char *want_locale)
{
	const struct od_message_tmpl	*m = od_template_set_find(set, name, locale, fallback);

	if (want_locale == NULL) {
		if (m != NULL)
			fail_msg("%s for %s found in %s", name, locale, m->locale);
		return;
	}
	if (m == NULL)
		fail_msg("%s for %s (fallback %s) not found", name, locale, fallback);
	assert_string_equal(m->name, name);
	assert_string_equal(m->locale, want_locale);
}

static void
test_set_load_and_find(void **state)
{
	struct od_template_set	set;
	struct od_errors	errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load(SET_DIR, &set, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(set.n, 6);
	assert_string_equal(set.dir, SET_DIR);
	expect_found(&set, "greet", "es-PE", "en", "es-PE");
	expect_found(&set, "greet", "es-pe", "en", "es-PE");
	expect_found(&set, "greet", "es-CO", "en", "es");	/* the language alone */
	expect_found(&set, "only_es", "es-PE", "en", "es");
	expect_found(&set, "only_mx", "es-PE", "en", "es-MX");	/* any es-* */
	expect_found(&set, "only_en", "es-PE", "en", "en");	/* the fallback */
	expect_found(&set, "greet", "pt-BR", "en-US", "en");	/* the fallback's language */
	expect_found(&set, "greet", "fr", NULL, NULL);
	expect_found(&set, "greet", NULL, "es-PE", "es-PE");
	expect_found(&set, "nope", "es-PE", "en", NULL);
	od_template_set_free(&set);
	od_errors_clear(&errs);
}

static void
test_set_render_message(void **state)
{
	struct od_template_set		 set;
	struct od_errors		 errs;
	struct od_rendered		 r;
	const struct od_message_tmpl	*m;
	json_t				*ctx;
	char				 err[256];

	(void)state;
	ctx = ctx_parse("{\"debtor\": {\"name\": \"Ana <b>&</b>\", \"first_name\": \"Ana\"},"
	    " \"debt\": {\"outstanding\": \"1500\", \"currency\": \"PEN\"}}");
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load(SET_DIR, &set, &errs), 0);

	m = od_template_set_find(&set, "greet", "es-PE", "en");
	assert_int_equal(od_message_tmpl_has(m, OD_CH_SMS), 1);
	assert_int_equal(od_message_tmpl_has(m, OD_CH_EMAIL), 1);
	assert_int_equal(od_message_tmpl_has(m, OD_CH_WHATSAPP), 0);
	assert_int_equal(od_template_render_message(m, OD_CH_SMS, ctx, "es-PE", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.kind, OD_CH_SMS);
	assert_string_equal(r.text, "es-PE: Hola Ana, debe S/ 1,500.00");
	assert_null(r.subject);
	od_rendered_clear(&r);
	/* the debtor's locale formats, even when the text comes from another */
	assert_int_equal(od_template_render_message(m, OD_CH_SMS, ctx, "es-CO", &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.text, "es-PE: Hola Ana, debe 1.500,00 PEN");
	od_rendered_clear(&r);
	/* HTML is escaped in the html part only */
	assert_int_equal(od_template_render_message(m, OD_CH_EMAIL, ctx, NULL, &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.subject, "Saldo de Ana <b>&</b>");
	assert_string_equal(r.text, "Hola Ana <b>&</b>");
	assert_string_equal(r.html, "<p>Hola Ana &lt;b&gt;&amp;&lt;/b&gt;</p>");
	od_rendered_clear(&r);
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, NULL, &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "es-PE/greet has no whatsapp text");
	od_rendered_clear(&r);

	m = od_template_set_find(&set, "greet", "en", NULL);
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, "en", &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.wa_name, "greet");
	assert_string_equal(r.wa_language, "en");
	assert_int_equal(r.wa_nparams, 2);
	assert_string_equal(r.wa_params[0], "Ana");
	assert_string_equal(r.wa_params[1], "S/ 1,500.00");
	assert_string_equal(r.text, "Hi Ana, you owe S/ 1,500.00");
	od_rendered_clear(&r);
	od_rendered_clear(&r);

	/* a render error names the template and the part */
	json_object_del(json_object_get(ctx, "debtor"), "first_name");
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, "en", &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "en/greet whatsapp.params[0]: missing variable 'debtor.first_name'");
	assert_null(r.wa_params);
	assert_null(r.wa_name);

	od_template_set_free(&set);
	od_errors_clear(&errs);
	json_decref(ctx);
}

/* What the plan's context provides (od_plan.h), for check_vars. */
static int
known_var(const char *path)
{
	static const char *const names[] = {
		"account_id", "today",
		"debtor.name", "debtor.first_name", "debtor.phone", "debtor.email",
		"debtor.whatsapp", "debtor.locale", "debtor.country", "debtor.timezone",
		"debt.amount", "debt.outstanding", "debt.paid", "debt.currency", "debt.due_date",
		"debt.product", "debt.days_past_due", "debt.days_to_due", "debt.days_overdue",
		"debt.due_today", "debt.due_tomorrow", "debt.due_future", "debt.due_past",
		"offer.installments", "offer.installment_amount", "offer.discount_percent",
		"offer.discount_amount", "offer.discounted_amount", "offer.deadline",
		"offer.payment_url",
		"step.name", "step.stage", "policy.name",
		"company.name", "company.phone", "company.email", "company.hours",
		"company.payment_url",
		/* promises, agreements, placements (od_plan_context, this round) */
		"promise.amount", "promise.date", "promise.paid", "promise.remaining",
		"agreement.id", "agreement.kind", "agreement.plan", "agreement.settlement",
		"agreement.extension", "agreement.total", "agreement.installments",
		"agreement.weekly", "agreement.biweekly", "agreement.monthly", "agreement.terms",
		"agreement.schedule", "agreement.schedule.n", "agreement.schedule.date",
		"agreement.schedule.amount", "agreement.next.n", "agreement.next.date",
		"agreement.next.amount", "agreement.remaining",
		"placement.name", "placement.display_name", "placement.phone", "placement.email",
		NULL,
	};
	/* offers.<id> (for #if) and offers.<id>.<field>, whatever the policy's ids */
	static const char *const offer_fields[] = {
		"kind", "installments", "installments_min", "installments_max",
		"installment_amount", "frequency_weekly", "frequency_biweekly",
		"frequency_monthly", "min_installment", "discount_percent", "discount_amount",
		"discounted_amount", "deadline", "terms", "new_due_date", NULL,
	};
	const char	*id, *dot;
	size_t		 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], path) == 0)
			return 1;
	if (strncmp(path, "offers.", 7) != 0 || *(id = path + 7) == '\0' || *id == '.')
		return 0;
	if ((dot = strchr(id, '.')) == NULL)
		return 1;
	for (i = 0; offer_fields[i] != NULL; i++)
		if (strcmp(offer_fields[i], dot + 1) == 0)
			return 1;
	return 0;
}

static void
test_set_check_vars(void **state)
{
	struct od_template_set	set;
	struct od_errors	errs;

	(void)state;
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load(SET_DIR, &set, &errs), 0);
	/* attributes.* is checked at render time only */
	assert_int_equal(od_template_set_check_vars(&set, known_var, &errs), 1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], SET_DIR "/en/only_en.yaml:1:39: "
	    "unknown variable 'debtor.nickname'");
	od_template_set_free(&set);
	od_errors_clear(&errs);
}

/* What od_plan_context_has answers for the lists' items, as the lead adds them. */
static int
known_each(const char *path)
{
	static const char *const names[] = {
		"agreement.id", "agreement.schedule", "agreement.schedule.n",
		"agreement.schedule.date", "agreement.schedule.amount", "debt.currency",
		"company.phone", "groups", "groups.parts", "groups.parts.n", NULL,
	};
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], path) == 0)
			return 1;
	return 0;
}

/* Inside #each, a name is the items' (known("list.name")) or the context's. */
static void
test_set_check_vars_each(void **state)
{
	static const char text[] =
	    "sms: \"{{#each agreement.schedule}}{{ n }}) {{ amount | money }} {{ date | date }}"
	    " {{ company.phone }}{{#if @first}}!{{/if}}{{#unless @last}}; {{/unless}}"
	    "{{ amt }}{{/each}}\"\n"
	    "email:\n"
	    "  subject: \"{{ agreement.id }} {{ n }}\"\n"
	    "  text: |\n"
	    "    {{#each groups}}\n"
	    "    {{#each parts}}{{ n }}{{ @index }}{{ x }}{{/each}}\n"
	    "    {{#each agreement.schedule}}{{ n }}{{ parts }}{{ attributes.z }}{{/each}}\n"
	    "    {{else}}{{ date }}\n"
	    "    {{/each}}\n"
	    "    {{#each agreement.plan}}{{ n }}{{/each}}\n";
	struct od_template_set	set;
	struct od_errors	errs;
	size_t			i;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load_string("t/es-PE/each.yaml", "es-PE", "each", text,
	    strlen(text), &set, &errs), 0);
	i = (size_t)od_template_set_check_vars(&set, known_each, &errs);
	for (size_t k = 0; k < errs.count; k++)
		printf("  %s\n", errs.msgs[k]);
	assert_int_equal(i, 6);
	assert_int_equal(errs.count, 6);
	/* an item field that the list's items do not have */
	assert_string_equal(errs.msgs[0], "t/es-PE/each.yaml:1:154: unknown variable 'amt' in "
	    "'{{#each agreement.schedule}}' (neither its items' nor the context's)");
	/* an item's field outside its #each is the context's */
	assert_string_equal(errs.msgs[1], "t/es-PE/each.yaml:3:32: unknown variable 'n'");
	/* nested: parts is groups' field; x is neither */
	assert_string_equal(errs.msgs[2], "t/es-PE/each.yaml:6:39: unknown variable 'x' in "
	    "'{{#each parts}}' (neither its items' nor the context's)");
	/* (an outer item's field, groups' parts, is known inside an inner #each: line 7) */
	/* {{else}} of an #each is written with no item */
	assert_string_equal(errs.msgs[3], "t/es-PE/each.yaml:8:13: unknown variable 'date'");
	assert_string_equal(errs.msgs[4], "t/es-PE/each.yaml:10:5: unknown variable "
	    "'agreement.plan'");
	assert_string_equal(errs.msgs[5], "t/es-PE/each.yaml:10:29: unknown variable 'n' in "
	    "'{{#each agreement.plan}}' (neither its items' nor the context's)");
	od_errors_clear(&errs);
	od_template_set_free(&set);
}

/* The templates we ship. */

static const char *const shipped_names[] = {
	"reminder_upcoming", "reminder_due", "notice_overdue", "notice_firm", "offer_plan",
	"final_notice",
};

static const char *const ctx_sample =
    "{\"account_id\": \"A-1001\", \"today\": \"2026-11-28\","
    " \"debtor\": {\"name\": \"Ana Mar\xc3\xad""a Quispe\", \"first_name\": \"Ana\","
    "  \"phone\": \"+51987654321\", \"email\": \"ana@example.pe\", \"whatsapp\": \"+51987654321\","
    "  \"locale\": \"es-PE\", \"country\": \"PE\", \"timezone\": \"America/Lima\"},"
    " \"debt\": {\"amount\": \"2500.00\", \"outstanding\": \"1234.50\", \"paid\": \"1265.50\","
    "  \"currency\": \"PEN\", \"due_date\": \"2026-12-01\", \"product\": \"Pr\xc3\xa9stamo personal\","
    "  \"days_past_due\": -3, \"days_to_due\": 3, \"days_overdue\": 0, \"due_today\": false,"
    "  \"due_tomorrow\": false, \"due_future\": true, \"due_past\": false},"
    " \"offer\": {\"installments\": 6, \"installment_amount\": \"205.75\","
    "  \"discount_percent\": 20, \"discount_amount\": \"246.90\", \"discounted_amount\": \"987.60\","
    "  \"deadline\": \"2026-12-15\", \"payment_url\": \"https://pagos.example.pe/o/A-1001\"},"
    " \"step\": {\"name\": \"d10\", \"stage\": \"notice\"}, \"policy\": {\"name\": \"retail\"},"
    " \"company\": {\"name\": \"Caja Andina\", \"phone\": \"01 615 0000\","
    "  \"email\": \"cobranzas@example.pe\", \"hours\": \"lunes a viernes, 8:00 a 18:00\","
    "  \"payment_url\": \"https://pagos.example.pe\"},"
    " \"attributes\": {}}";

/* The lifecycle's templates: promises, agreements, the agency, named offers. */
static const char *const life_names[] = {
	"promise_reminder", "promise_broken", "agreement_confirmation", "instalment_reminder",
	"plan_broken", "handoff_notice", "offer_negotiation",
};
#define NLIFE	(sizeof(life_names) / sizeof(life_names[0]))

/* The acknowledgements of a debtor's replies (od_job_reply.c): SMS and WhatsApp only. */
static const char *const reply_names[] = {
	"reply_promise", "reply_accepted", "reply_agent", "reply_paid_claim", "reply_unapplied",
};
#define NREPLY	(sizeof(reply_names) / sizeof(reply_names[0]))

/*
 * What od_plan_context adds for them (by hand: the lead writes it this
 * round), merged over ctx_sample.  Whole amounts, valid in every currency.
 * The named offers under both the Spanish ids (cuotas, pronto_pago) and the
 * English ones (installments, prompt_pay).
 */
static const char *const ctx_life =
    "{\"promise\": {\"amount\": \"300\", \"date\": \"2026-11-29\", \"paid\": \"0\","
    "  \"remaining\": \"300\"},"
    " \"agreement\": {\"id\": \"AG-1001-1\", \"kind\": \"plan\", \"plan\": true,"
    "  \"settlement\": false, \"extension\": false, \"total\": \"1200\", \"installments\": 3,"
    "  \"weekly\": false, \"biweekly\": false, \"monthly\": true,"
    "  \"terms\": \"Sin intereses ni cargos adicionales.\","
    "  \"schedule\": [{\"n\": 1, \"date\": \"2026-11-30\", \"amount\": \"400\"},"
    "   {\"n\": 2, \"date\": \"2026-12-30\", \"amount\": \"400\"},"
    "   {\"n\": 3, \"date\": \"2027-01-30\", \"amount\": \"400\"}],"
    "  \"next\": {\"n\": 1, \"date\": \"2026-11-30\", \"amount\": \"400\"},"
    "  \"remaining\": \"1200\"},"
    " \"offers\": {"
    "  \"cuotas\": {\"kind\": \"plan\", \"installments\": 6, \"installments_min\": 3,"
    "   \"installments_max\": 12, \"installment_amount\": \"206\", \"frequency_weekly\": false,"
    "   \"frequency_biweekly\": false, \"frequency_monthly\": true, \"min_installment\": \"100\","
    "   \"deadline\": \"2026-12-05\", \"terms\": \"Sin intereses.\"},"
    "  \"pronto_pago\": {\"kind\": \"settlement\", \"discount_percent\": 20,"
    "   \"discount_amount\": \"247\", \"discounted_amount\": \"988\", \"deadline\": \"2026-12-05\","
    "   \"terms\": \"\"},"
    "  \"installments\": {\"kind\": \"plan\", \"installments\": 6, \"installments_min\": 3,"
    "   \"installments_max\": 12, \"installment_amount\": \"206\", \"frequency_weekly\": false,"
    "   \"frequency_biweekly\": false, \"frequency_monthly\": true, \"min_installment\": \"100\","
    "   \"deadline\": \"2026-12-05\", \"terms\": \"No interest.\"},"
    "  \"prompt_pay\": {\"kind\": \"settlement\", \"discount_percent\": 20,"
    "   \"discount_amount\": \"247\", \"discounted_amount\": \"988\", \"deadline\": \"2026-12-05\","
    "   \"terms\": \"\"}},"
    " \"placement\": {\"name\": \"sur\", \"display_name\": \"Gestiones del Sur\","
    "  \"phone\": \"01 700 1234\", \"email\": \"contacto@gestionesdelsur.example\"}}";

enum life_variant { LIFE_PLAN, LIFE_SETTLEMENT, LIFE_EXTENSION, LIFE_BARE, LIFE_NVARIANTS };

/*
 * ctx_sample with ctx_life, its agreement of kind v; LIFE_BARE: a plan, and
 * all that may be absent is.
 */
static json_t *
life_ctx(enum life_variant v)
{
	json_t	*ctx = ctx_parse(ctx_sample), *life = ctx_parse(ctx_life), *o;

	json_object_update(ctx, life);
	json_decref(life);
	if (v == LIFE_SETTLEMENT)
		json_object_set_new(ctx, "agreement", ctx_parse("{\"id\": \"AG-1001-2\","
		    " \"kind\": \"settlement\", \"plan\": false, \"settlement\": true, \"extension\": false,"
		    " \"total\": \"988\", \"installments\": 1, \"weekly\": false, \"biweekly\": false,"
		    " \"monthly\": false, \"terms\": \"\","
		    " \"schedule\": [{\"n\": 1, \"date\": \"2026-12-05\", \"amount\": \"988\"}],"
		    " \"next\": {\"n\": 1, \"date\": \"2026-12-05\", \"amount\": \"988\"},"
		    " \"remaining\": \"988\"}"));
	if (v == LIFE_EXTENSION)
		json_object_set_new(ctx, "agreement", ctx_parse("{\"id\": \"AG-1001-3\","
		    " \"kind\": \"extension\", \"plan\": false, \"settlement\": false, \"extension\": true,"
		    " \"total\": \"1234\", \"installments\": 1, \"weekly\": false, \"biweekly\": false,"
		    " \"monthly\": false, \"terms\": \"Sin intereses.\","
		    " \"schedule\": [{\"n\": 1, \"date\": \"2026-12-28\", \"amount\": \"1234\"}],"
		    " \"next\": {\"n\": 1, \"date\": \"2026-12-28\", \"amount\": \"1234\"},"
		    " \"remaining\": \"1234\"}"));
	if (v == LIFE_BARE) {
		json_object_del(json_object_get(ctx, "debt"), "product");
		json_object_del(json_object_get(ctx, "company"), "email");
		json_object_del(json_object_get(ctx, "company"), "hours");
		json_object_del(json_object_get(ctx, "company"), "payment_url");
		json_object_del(ctx, "offer");
		json_object_set_new(json_object_get(ctx, "agreement"), "terms", json_string(""));
		json_object_set_new(json_object_get(ctx, "agreement"), "monthly", json_false());
		json_object_set_new(json_object_get(ctx, "placement"), "phone", json_string(""));
		json_object_set_new(json_object_get(ctx, "placement"), "email", json_string(""));
		/* one offer of each language's two; no minimum instalment, no terms */
		o = json_object_get(ctx, "offers");
		json_object_del(o, "pronto_pago");
		json_object_del(o, "installments");
		json_object_set_new(json_object_get(o, "cuotas"), "min_installment", json_null());
		json_object_set_new(json_object_get(o, "cuotas"), "terms", json_string(""));
	}
	return ctx;
}

/* Every amount of ctx_life's (promise, agreement, its schedule, the offers) set to amount. */
static void
life_set_amounts(json_t *ctx, const char *amount)
{
	static const char *const keys[] = { "amount", "paid", "remaining", "total",
		"installment_amount", "min_installment", "discount_amount", "discounted_amount",
		NULL };
	json_t		*ag = json_object_get(ctx, "agreement"), *o, *v;
	const char	*id;
	size_t		 i, k;

	for (k = 0; keys[k] != NULL; k++) {
		if (json_object_get(json_object_get(ctx, "promise"), keys[k]) != NULL)
			json_object_set_new(json_object_get(ctx, "promise"), keys[k],
			    json_string(amount));
		if (json_object_get(ag, keys[k]) != NULL)
			json_object_set_new(ag, keys[k], json_string(amount));
		json_object_foreach(json_object_get(ctx, "offers"), id, o)
			if (json_object_get(o, keys[k]) != NULL)
				json_object_set_new(o, keys[k], json_string(amount));
	}
	json_array_foreach(json_object_get(ag, "schedule"), i, v)
		json_object_set_new(v, "amount", json_string(amount));
	json_object_set_new(json_object_get(ag, "next"), "amount", json_string(amount));
}

static void
load_shipped(struct od_template_set *set)
{
	struct od_errors	errs;
	size_t			i;

	od_errors_init(&errs);
	if (od_template_set_load(SHIPPED_DIR, set, &errs) != 0) {
		for (i = 0; i < errs.count; i++)
			printf("  %s\n", errs.msgs[i]);
		fail_msg("the shipped templates do not load");
	}
	assert_int_equal(errs.nwarns, 0);
	od_errors_clear(&errs);
}

/* Renders every channel; appends every text to all (when not NULL). */
static void
render_all(const struct od_message_tmpl *m, const json_t *ctx, const char *locale,
    struct od_buf *all)
{
	struct od_rendered	r;
	char			err[256];
	int			kind;
	size_t			i;

	for (kind = OD_CH_SMS; kind < OD_CH_MAX; kind++) {
		if (!od_message_tmpl_has(m, kind))
			fail_msg("%s/%s has no %d", m->locale, m->name, kind);
		if (od_template_render_message(m, kind, ctx, locale, &r, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_non_null(r.text);
		assert_true(strstr(r.text, "{{") == NULL);
		if (kind == OD_CH_EMAIL) {
			assert_non_null(r.subject);
			assert_non_null(r.html);
			/* the company's contact is in every email */
			assert_non_null(strstr(r.text, "01 615 0000"));
			assert_non_null(strstr(r.html, "01 615 0000"));
			assert_non_null(strstr(r.text, "Caja Andina"));
		}
		if (kind == OD_CH_WHATSAPP) {
			assert_true(r.wa_nparams > 0);
			for (i = 0; i < r.wa_nparams; i++) {
				assert_true(r.wa_params[i][0] != '\0');
				assert_null(strchr(r.wa_params[i], '\n'));
			}
		}
		if (kind == OD_CH_SMS) {
			assert_non_null(strstr(r.text, "Caja Andina"));
			assert_non_null(strstr(r.text, "01 615 0000"));
		}
		if (all != NULL) {
			od_buf_puts(all, r.text);
			od_buf_putc(all, '\n');
			if (r.subject)
				od_buf_printf(all, "%s\n%s\n", r.subject, r.html);
			for (i = 0; i < r.wa_nparams; i++)
				od_buf_printf(all, "%s\n", r.wa_params[i]);
		}
		od_rendered_clear(&r);
	}
}

/* An SMS fits in two GSM-7 segments when it is GSM-7 and at most 306 characters. */
static void
assert_sms_gsm7(const struct od_message_tmpl *m, const json_t *ctx)
{
	static const char *const gsm_extra[] = {
		"\xc3\xb1", "\xc3\x91", "\xc3\xa9", "\xc3\x89", "\xc3\xbc", "\xc3\x9c", "\xc2\xbf",
		"\xc2\xa1", NULL,
	};
	struct od_rendered	 r;
	char			 err[256];
	const unsigned char	*p;
	size_t			 chars = 0, i;

	assert_int_equal(od_template_render_message(m, OD_CH_SMS, ctx, NULL, &r, err,
	    sizeof(err)), 0);
	for (p = (const unsigned char *)r.text; *p != '\0'; chars++) {
		if (*p >= 0x20 && *p < 0x7f && !strchr("`^{}[]~\\|", *p)) {
			p++;
			continue;
		}
		for (i = 0; gsm_extra[i] != NULL; i++)
			if (strncmp((const char *)p, gsm_extra[i], 2) == 0)
				break;
		if (gsm_extra[i] == NULL)
			fail_msg("%s/%s sms: not GSM-7 at '%s'", m->locale, m->name, (const char *)p);
		p += 2;
	}
	if (chars > 306)
		fail_msg("%s/%s sms: %zu characters: %s", m->locale, m->name, chars, r.text);
	od_rendered_clear(&r);
}

static const char *const shipped_locales[] = { "es-PE", "es-CO", "es-MX", "es-CL", "en-US", "en" };
#define NLOCALES	(sizeof(shipped_locales) / sizeof(shipped_locales[0]))

static void
test_shipped_render(void **state)
{
	const char *const *locales = shipped_locales;
	static const char *const offers[] = {
		NULL,
		"{\"installments\": 6, \"installment_amount\": \"205.75\"}",
		"{\"discount_percent\": 20, \"discounted_amount\": \"987.60\", \"deadline\": \"2026-12-15\"}",
	};
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	json_t				*ctx, *trimmed;
	size_t				 i, j, k;

	(void)state;
	load_shipped(&set);
	assert_int_equal(set.n, (sizeof(shipped_names) / sizeof(shipped_names[0]) + NLIFE +
	    NREPLY) * NLOCALES);
	ctx = ctx_parse(ctx_sample);
	for (i = 0; i < NLOCALES; i++) {
		for (j = 0; j < sizeof(shipped_names) / sizeof(shipped_names[0]); j++) {
			m = od_template_set_find(&set, shipped_names[j], locales[i], NULL);
			assert_non_null(m);
			assert_string_equal(m->locale, locales[i]);
			for (k = 0; k < sizeof(offers) / sizeof(offers[0]); k++) {
				trimmed = json_deep_copy(ctx);
				if (offers[k] != NULL)
					json_object_set_new(trimmed, "offer", ctx_parse(offers[k]));
				render_all(m, trimmed, locales[i], NULL);
				assert_sms_gsm7(m, trimmed);
				json_decref(trimmed);
			}
			/* the bare minimum: no offer, no product, no company extras */
			trimmed = json_deep_copy(ctx);
			json_object_del(json_object_get(trimmed, "debt"), "product");
			json_object_del(json_object_get(trimmed, "company"), "email");
			json_object_del(json_object_get(trimmed, "company"), "hours");
			json_object_del(json_object_get(trimmed, "company"), "payment_url");
			if (strcmp(shipped_names[j], "offer_plan") != 0)
				json_object_del(trimmed, "offer");
			render_all(m, trimmed, locales[i], NULL);
			json_decref(trimmed);
		}
	}
	json_decref(ctx);
	od_template_set_free(&set);
}

/* The text of one channel of m, rendered (free it). */
static char *
render_part(const struct od_message_tmpl *m, int kind, const json_t *ctx, const char *locale,
    int html)
{
	struct od_rendered	 r;
	char			 err[256], *s;

	if (od_template_render_message(m, kind, ctx, locale, &r, err, sizeof(err)) != 0)
		fail_msg("%s/%s: %s", m->locale, m->name, err);
	s = strdup(html ? r.html : r.text);
	od_rendered_clear(&r);
	return s;
}

/* No digit (an amount, a date) in the first 40 characters a lock screen shows. */
static void
assert_lock_neutral(const struct od_message_tmpl *m, const char *what, const char *text)
{
	size_t	i;

	for (i = 0; i < 40 && text[i] != '\0'; i++)
		if (text[i] >= '0' && text[i] <= '9')
			fail_msg("%s/%s %s: a digit in the first 40 characters: %s", m->locale,
			    m->name, what, text);
}

/*
 * Every lifecycle template renders in every locale, for an agreement of each
 * kind and with all that may be absent absent: no missing variable, every
 * line of the schedule, the reference, the disclosures, a neutral opening;
 * and the shipped set has no lock-screen warning.
 */
static void
test_shipped_lifecycle(void **state)
{
	static const char *const dates[] = { "2026-11-30", "2026-12-30", "2027-01-30" };
	struct od_template_set		 set;
	struct od_errors		 errs;
	const struct od_message_tmpl	*m;
	struct od_buf			 want;
	json_t				*ctx;
	char				*sms, *email, *html, *wa;
	const char			*loc, *stop;
	size_t				 i, j, k;
	int				 v, en;

	(void)state;
	load_shipped(&set);
	od_errors_init(&errs);
	assert_int_equal(od_template_set_check_lockscreen(&set, &errs), 0);
	assert_int_equal(errs.nwarns, 0);
	od_errors_clear(&errs);
	for (i = 0; i < NLOCALES; i++) {
		loc = shipped_locales[i];
		en = strncmp(loc, "en", 2) == 0;
		stop = en ? "Reply STOP" : "Responda BAJA";
		for (j = 0; j < NLIFE; j++) {
			m = od_template_set_find(&set, life_names[j], loc, NULL);
			assert_non_null(m);
			assert_string_equal(m->locale, loc);
			/* the disclosures, outside every condition */
			assert_true(od_template_says(m->sms, stop));
			assert_true(od_template_says(m->wa_text, stop));
			if (en) {
				assert_true(od_template_says(m->email_text, "To stop receiving emails from us"));
				assert_true(od_template_says(m->email_html, "To stop receiving emails from us"));
			}
			for (v = 0; v < LIFE_NVARIANTS; v++) {
				ctx = life_ctx((enum life_variant)v);
				render_all(m, ctx, loc, NULL);
				assert_sms_gsm7(m, ctx);
				sms = render_part(m, OD_CH_SMS, ctx, loc, 0);
				email = render_part(m, OD_CH_EMAIL, ctx, loc, 0);
				html = render_part(m, OD_CH_EMAIL, ctx, loc, 1);
				wa = render_part(m, OD_CH_WHATSAPP, ctx, loc, 0);
				assert_int_equal(strncmp(sms, "Caja Andina: Ana, ", 18), 0);
				assert_lock_neutral(m, "sms", sms);
				assert_lock_neutral(m, "whatsapp", wa);
				if (strcmp(m->name, "agreement_confirmation") == 0 ||
				    strcmp(m->name, "instalment_reminder") == 0 ||
				    strcmp(m->name, "plan_broken") == 0) {
					/* the agreement's reference, where the debtor can quote it */
					const char *id = json_string_value(json_object_get(
					    json_object_get(ctx, "agreement"), "id"));
					assert_non_null(strstr(email, id));
					assert_non_null(strstr(html, id));
				}
				if (strcmp(m->name, "agreement_confirmation") == 0 &&
				    (v == LIFE_PLAN || v == LIFE_BARE)) {
					/* every instalment, numbered, one SMS line joined by "; " */
					for (k = 0; k < 3; k++) {
						od_buf_init(&want);
						assert_int_equal(od_locale_date_short(loc, dates[k], &want), 0);
						if (strstr(sms, want.data) == NULL)
							fail_msg("%s/%s sms lacks %s: %s", loc, m->name,
							    want.data, sms);
						od_buf_reset(&want);
						assert_int_equal(od_locale_date(loc, dates[k], &want), 0);
						if (strstr(email, want.data) == NULL ||
						    strstr(html, want.data) == NULL ||
						    strstr(wa, want.data) == NULL)
							fail_msg("%s/%s lacks %s", loc, m->name, want.data);
						od_buf_free(&want);
						od_buf_init(&want);
						od_buf_printf(&want, "%s%zu) ", k ? "; " : ": ", k + 1);
						if (strstr(sms, want.data) == NULL || strstr(wa, want.data) == NULL)
							fail_msg("%s/%s: no '%s' in %s", loc, m->name,
							    want.data, sms);
						od_buf_free(&want);
					}
					assert_null(strstr(sms, "; ."));
					assert_null(strstr(sms, "4) "));
					/* the terms in the email when there are some */
					if (v == LIFE_PLAN)
						assert_non_null(strstr(email, "Sin intereses ni cargos"));
					else
						assert_null(strstr(email, en ? "Terms:" : "Condiciones:"));
				}
				if (strcmp(m->name, "agreement_confirmation") == 0 && v == LIFE_SETTLEMENT) {
					od_buf_init(&want);
					assert_int_equal(od_locale_date(loc, "2026-12-05", &want), 0);
					assert_non_null(strstr(email, want.data));
					assert_non_null(strstr(wa, want.data));
					assert_null(strstr(sms, "1) "));
					od_buf_free(&want);
				}
				if (strcmp(m->name, "agreement_confirmation") == 0 && v == LIFE_EXTENSION) {
					od_buf_init(&want);
					assert_int_equal(od_locale_date(loc, "2026-12-28", &want), 0);
					assert_non_null(strstr(email, want.data));
					assert_non_null(strstr(html, want.data));
					od_buf_free(&want);
				}
				if (strcmp(m->name, "handoff_notice") == 0) {
					assert_non_null(strstr(sms, "Gestiones del Sur"));
					assert_non_null(strstr(wa, "Gestiones del Sur"));
					if (v != LIFE_BARE) {
						assert_non_null(strstr(sms, "01 700 1234"));
						assert_non_null(strstr(email, "contacto@gestionesdelsur.example"));
					} else {
						assert_null(strstr(sms, "()"));
						assert_null(strstr(email, " al ."));
					}
				}
				if (strcmp(m->name, "offer_negotiation") == 0) {
					/* one offer or both, each reads whole */
					assert_true(strstr(sms, en ? "6 monthly installments" :
					    "6 cuotas mensuales") != NULL || v == LIFE_BARE);
					if (v != LIFE_BARE || en)
						assert_non_null(strstr(wa, "20%"));
					assert_null(strstr(sms, " o ."));
					assert_null(strstr(sms, " or ."));
				}
				free(sms);
				free(email);
				free(html);
				free(wa);
				json_decref(ctx);
			}
		}
	}
	od_template_set_free(&set);
}

/* What the debtor reads, word for word, for a few of the lifecycle's texts. */
static void
test_shipped_lifecycle_texts(void **state)
{
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_rendered		 r;
	json_t				*ctx;
	char				 err[256], *t;

	(void)state;
	load_shipped(&set);
	ctx = life_ctx(LIFE_PLAN);
	/* the schedule on one SMS line, "; " between the instalments, short dates */
	m = od_template_set_find(&set, "agreement_confirmation", "es-PE", NULL);
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_string_equal(t, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Confirmamos su "
	    "acuerdo AG-1001-1: plan de pagos de 3 cuotas mensuales: 1) S/ 400.00 el 30 nov 2026; "
	    "2) S/ 400.00 el 30 dic 2026; 3) S/ 400.00 el 30 ene 2027. Total: S/ 1,200.00. "
	    "Consultas al 01 615 0000. Responda BAJA para no recibir SMS.");
	free(t);
	/* the email, a line per instalment, and the terms */
	t = render_part(m, OD_CH_EMAIL, ctx, "es-PE", 0);
	assert_non_null(strstr(t, "Su n\xc3\xbamero de referencia es AG-1001-1.\n\n"
	    "Plan de pagos de 3 cuotas mensuales, por un total de S/ 1,200.00:\n\n"
	    "- Cuota 1: S/ 400.00, el 30 de noviembre de 2026.\n"
	    "- Cuota 2: S/ 400.00, el 30 de diciembre de 2026.\n"
	    "- Cuota 3: S/ 400.00, el 30 de enero de 2027.\n\n"
	    "Condiciones: Sin intereses ni cargos adicionales.\n\n"));
	free(t);
	t = render_part(m, OD_CH_EMAIL, ctx, "es-PE", 1);
	assert_non_null(strstr(t, "<ul>\n  <li>Cuota 1: <strong>S/ 400.00</strong>, el 30 de "
	    "noviembre de 2026.</li>\n  <li>Cuota 2: "));
	free(t);
	m = od_template_set_find(&set, "agreement_confirmation", "en-US", NULL);
	t = render_part(m, OD_CH_SMS, ctx, "en-US", 0);
	assert_string_equal(t, "Caja Andina: Ana, you have a message about your account. We confirm "
	    "your agreement AG-1001-1: a payment plan of 3 monthly installments: 1) S/ 400.00 on "
	    "Nov 30, 2026; 2) S/ 400.00 on Dec 30, 2026; 3) S/ 400.00 on Jan 30, 2027. Total: "
	    "S/ 1,200.00. Questions? Call 01 615 0000. Reply STOP to opt out.");
	free(t);

	/* the promise's date from the day of sending: today is 28 November, the promise the 29th */
	m = od_template_set_find(&set, "promise_reminder", "es-PE", NULL);
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_string_equal(t, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Le recordamos el "
	    "pago de S/ 300.00 que acordo realizar ma\xc3\xb1""ana. Pague en https://pagos.example.pe o "
	    "llame al 01 615 0000. Si ya hizo el pago, gracias. Responda BAJA para no recibir SMS.");
	free(t);
	/* in an SMS, gsm takes the accent off the weekday */
	json_object_set_new(json_object_get(ctx, "promise"), "date", json_string("2026-12-05"));
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_non_null(strstr(t, "que acordo realizar el sabado 5 de diciembre."));
	free(t);

	/* the next instalment; its WhatsApp parameters */
	m = od_template_set_find(&set, "instalment_reminder", "es-PE", NULL);
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, "es-PE", &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.wa_name, "instalment_reminder");
	assert_int_equal(r.wa_nparams, 6);
	assert_string_equal(r.wa_params[2], "la cuota 1 de 3 de su plan de pagos");
	assert_string_equal(r.wa_params[3], "S/ 400.00");
	assert_string_equal(r.wa_params[4], "el lunes 30 de noviembre");
	od_rendered_clear(&r);

	/* the agency and its contact */
	m = od_template_set_find(&set, "handoff_notice", "es-PE", NULL);
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_string_equal(t, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Desde ahora su "
	    "cuenta, con un saldo de S/ 1,234.50, la gestiona Gestiones del Sur (tel. 01 700 1234, "
	    "contacto@gestionesdelsur.example), empresa de cobranza externa. Consultas al "
	    "01 615 0000. Responda BAJA para no recibir SMS.");
	free(t);

	/* both named offers, or one */
	m = od_template_set_find(&set, "offer_negotiation", "es-PE", NULL);
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_string_equal(t, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Le ofrecemos "
	    "pagar en 6 cuotas mensuales de S/ 206.00 o pagar solo S/ 988.00 (20% de descuento) "
	    "hasta el 5 dic 2026. Responda 1 para aceptar, 2 y la fecha en que pagara, 3 para un "
	    "asesor, o llame al 01 615 0000. Responda BAJA para no recibir SMS.");
	free(t);
	json_object_del(json_object_get(ctx, "offers"), "cuotas");
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_non_null(strstr(t, "Le ofrecemos pagar solo S/ 988.00 (20% de descuento) hasta el "
	    "5 dic 2026. Responda 1"));
	free(t);
	json_decref(ctx);

	/* a settlement: the discounted total and the date to pay by */
	ctx = life_ctx(LIFE_SETTLEMENT);
	m = od_template_set_find(&set, "agreement_confirmation", "es-PE", NULL);
	t = render_part(m, OD_CH_SMS, ctx, "es-PE", 0);
	assert_string_equal(t, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Confirmamos su "
	    "acuerdo AG-1001-2: pago unico de S/ 988.00 hasta el 5 dic 2026, con el que su cuenta "
	    "queda saldada. Consultas al 01 615 0000. Responda BAJA para no recibir SMS.");
	free(t);
	json_decref(ctx);
	od_template_set_free(&set);
}

static void
test_shipped_exact_texts(void **state)
{
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_rendered		 r;
	json_t				*ctx;
	char				 err[256];

	(void)state;
	load_shipped(&set);
	ctx = ctx_parse(ctx_sample);
	m = od_template_set_find(&set, "reminder_upcoming", "es-PE", "en");
	assert_int_equal(od_template_render_message(m, OD_CH_SMS, ctx, "es-PE", &r, err,
	    sizeof(err)), 0);
	/* neutral first words (a lock screen shows them), then the amount and the date */
	assert_string_equal(r.text, "Caja Andina: Hola Ana, tiene un mensaje sobre su cuenta. "
	    "Su pago de S/ 1,234.50 vence el 1 de diciembre de 2026. Pague en "
	    "https://pagos.example.pe o consulte al 01 615 0000. Responda BAJA para no recibir SMS.");
	od_rendered_clear(&r);
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, "es-PE", &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.wa_name, "payment_reminder_upcoming");
	assert_string_equal(r.wa_language, "es");
	assert_int_equal(r.wa_nparams, 5);
	assert_string_equal(r.wa_params[1], "Caja Andina");
	/* today is Saturday 28 November: the due date said from it */
	assert_string_equal(r.wa_params[3], "vence el martes 1 de diciembre");
	assert_string_equal(r.text, "Hola Ana, Caja Andina tiene un mensaje sobre su cuenta. "
	    "Le recordamos que su pago de S/ 1,234.50 vence el martes 1 de diciembre. Si ya lo "
	    "realiz\xc3\xb3, no tome en cuenta este mensaje. Consultas al 01 615 0000. Responda BAJA si "
	    "no desea recibir m\xc3\xa1s mensajes.");
	od_rendered_clear(&r);

	/* the same account, read in English; the symbol follows the currency */
	m = od_template_set_find(&set, "reminder_upcoming", "en-GB", "es-PE");
	assert_string_equal(m->locale, "en");
	assert_int_equal(od_template_render_message(m, OD_CH_EMAIL, ctx, "en-GB", &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.subject, "A reminder from Caja Andina about your account");
	assert_string_equal(r.text,
	    "Dear Ana Mar\xc3\xad""a Quispe,\n"
	    "\n"
	    "This is a friendly reminder that your payment of S/ 1,234.50 (Pr\xc3\xa9stamo personal) "
	    "is due on Tuesday, December 1.\n"
	    "You can pay online at https://pagos.example.pe.\n"
	    "\n"
	    "If you have already paid, thank you, and please disregard this message.\n"
	    "\n"
	    "If you have any questions, call us at 01 615 0000 or write to cobranzas@example.pe "
	    "(lunes a viernes, 8:00 a 18:00).\n"
	    "\n"
	    "To stop receiving emails from us, call 01 615 0000 or write to cobranzas@example.pe "
	    "and say so.\n"
	    "\n"
	    "Kind regards,\n"
	    "Caja Andina\n");
	od_rendered_clear(&r);

	/* the offer reads well with either alternative, or both */
	m = od_template_set_find(&set, "offer_plan", "es-PE", NULL);
	assert_int_equal(od_template_render_message(m, OD_CH_SMS, ctx, NULL, &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.text, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Puede "
	    "pagar su saldo en 6 cuotas de S/ 205.75 o solo S/ 987.60 hasta el "
	    "15 de diciembre de 2026 (20% de descuento). Acepte en "
	    "https://pagos.example.pe/o/A-1001 o llame al 01 615 0000. Responda BAJA para no "
	    "recibir SMS.");
	od_rendered_clear(&r);
	json_object_set_new(ctx, "offer", ctx_parse("{\"installments\": 6, "
	    "\"installment_amount\": \"205.75\"}"));
	assert_int_equal(od_template_render_message(m, OD_CH_SMS, ctx, NULL, &r, err,
	    sizeof(err)), 0);
	assert_string_equal(r.text, "Caja Andina: Ana, tiene un mensaje sobre su cuenta. Puede "
	    "pagar su saldo en 6 cuotas de S/ 205.75. Llame al 01 615 0000. "
	    "Responda BAJA para no recibir SMS.");
	od_rendered_clear(&r);
	json_object_set_new(ctx, "offer", ctx_parse("{\"discount_percent\": 20, "
	    "\"discounted_amount\": \"987.60\", \"deadline\": \"2026-12-15\"}"));
	assert_int_equal(od_template_render_message(m, OD_CH_EMAIL, ctx, NULL, &r, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(r.text, "(Pr\xc3\xa9stamo personal):\n\n"
	    "- Pagar solo S/ 987.60 (20% de descuento) hasta el 15 de diciembre de 2026.\n\n"
	    "Para aceptar, ll\xc3\xa1menos al 01 615 0000.\n\n"));
	od_rendered_clear(&r);

	json_decref(ctx);
	od_template_set_free(&set);
}

static void
test_shipped_es_wording(void **state)
{
	/*
	 * Peru (Ley 29571 art. 62), Colombia (Ley 2300), Mexico (CONDUSEF) and
	 * Chile (Ley 21.320): nothing that reads like court papers, no threats,
	 * no third parties.
	 */
	static const char *const forbidden[] = {
		"demanda", "embargo", "orden judicial", "juzgado", "notificaci\xc3\xb3n judicial",
		"notificacion judicial", "judicial", "juez", "abogado", "familia", "empleador",
		"centro de trabajo", "referencias", "bur\xc3\xb3", "lista negra", "procuradur",
		"fiscal",
		NULL,
	};
	static const char *const es[] = { "es-PE", "es-CO", "es-MX", "es-CL" };
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_buf			 all;
	json_t				*ctx, *life;
	size_t				 j, i, l;
	char				*p;
	int				 v;

	(void)state;
	load_shipped(&set);
	ctx = ctx_parse(ctx_sample);
	for (l = 0; l < sizeof(es) / sizeof(es[0]); l++) {
		od_buf_init(&all);
		for (j = 0; j < sizeof(shipped_names) / sizeof(shipped_names[0]); j++) {
			m = od_template_set_find(&set, shipped_names[j], es[l], NULL);
			assert_string_equal(m->locale, es[l]);
			render_all(m, ctx, es[l], &all);
		}
		for (j = 0; j < NLIFE; j++) {
			m = od_template_set_find(&set, life_names[j], es[l], NULL);
			assert_string_equal(m->locale, es[l]);
			for (v = 0; v < LIFE_NVARIANTS; v++) {
				life = life_ctx((enum life_variant)v);
				render_all(m, life, es[l], &all);
				json_decref(life);
			}
		}
		for (p = all.data; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		for (i = 0; forbidden[i] != NULL; i++)
			if (strstr(all.data, forbidden[i]) != NULL)
				fail_msg("%s templates say '%s'", es[l], forbidden[i]);
		/* usted, never tú */
		assert_null(strstr(all.data, " tu "));
		assert_null(strstr(all.data, " tienes "));
		assert_non_null(strstr(all.data, "empresa de cobranza"));
		od_buf_free(&all);
	}
	json_decref(ctx);
	od_template_set_free(&set);
}

/* ITEM 8: each country's texts, in its money, with its opt-out words. */
static void
test_shipped_countries(void **state)
{
	static const struct {
		const char *locale, *currency, *amount, *money, *optout, *wa_language;
	} c[] = {
		{ "es-PE", "PEN", "1234.50", "S/ 1,234.50", "Responda BAJA", "es" },
		{ "es-CO", "COP", "1234567.00", "$ 1.234.567", "Responda BAJA", "es" },
		{ "es-MX", "MXN", "1234.50", "$1,234.50", "Responda BAJA", "es_MX" },
		{ "es-CL", "CLP", "1234567", "$1.234.567", "Responda BAJA", "es" },
		{ "en-US", "USD", "1234.50", "$1,234.50", "Reply STOP to opt out", "en_US" },
	};
	static const size_t nold = sizeof(shipped_names) / sizeof(shipped_names[0]);
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_rendered		 r;
	json_t				*ctx, *debt, *life;
	char				 err[256];
	const char			*name;
	size_t				 i, j;

	(void)state;
	load_shipped(&set);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ctx = ctx_parse(ctx_sample);
		debt = json_object_get(ctx, "debt");
		json_object_set_new(debt, "currency", json_string(c[i].currency));
		json_object_set_new(debt, "outstanding", json_string(c[i].amount));
		/* the lifecycle's: every amount the country's, so that each text shows it */
		life = life_ctx(LIFE_PLAN);
		json_object_set(life, "debt", debt);
		life_set_amounts(life, c[i].amount);
		for (j = 0; j < nold + NLIFE; j++) {
			name = j < nold ? shipped_names[j] : life_names[j - nold];
			if (strcmp(name, "offer_plan") == 0)
				continue;	/* the sample's offer is in soles */
			m = od_template_set_find(&set, name, c[i].locale, "en");
			assert_string_equal(m->locale, c[i].locale);
			assert_int_equal(od_template_render_message(m, OD_CH_SMS, j < nold ? ctx : life,
			    c[i].locale, &r, err, sizeof(err)), 0);
			if (strstr(r.text, c[i].money) == NULL || strstr(r.text, c[i].optout) == NULL)
				fail_msg("%s/%s sms: %s", m->locale, m->name, r.text);
			/* the company first, the amount after the first 40 characters */
			assert_int_equal(strncmp(r.text, "Caja Andina: ", 13), 0);
			assert_true(strstr(r.text, c[i].money) - r.text > 40);
			od_rendered_clear(&r);
			assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP,
			    j < nold ? ctx : life, c[i].locale, &r, err, sizeof(err)), 0);
			assert_string_equal(r.wa_language, c[i].wa_language);
			assert_non_null(strstr(r.text, strncmp(c[i].locale, "en", 2) == 0 ?
			    "Reply STOP" : "Responda BAJA"));
			od_rendered_clear(&r);
			assert_int_equal(od_template_render_message(m, OD_CH_EMAIL,
			    j < nold ? ctx : life, c[i].locale, &r, err, sizeof(err)), 0);
			assert_null(strstr(r.subject, c[i].money));
			assert_non_null(strstr(r.subject, "Caja Andina"));
			/* Reg F 12 CFR 1006.6(e): the US emails say how to stop them */
			if (strcmp(c[i].locale, "en-US") == 0) {
				assert_non_null(strstr(r.text, "To stop receiving emails from us"));
				assert_non_null(strstr(r.html, "To stop receiving emails from us"));
			}
			od_rendered_clear(&r);
		}
		json_decref(life);
		json_decref(ctx);
	}
	od_template_set_free(&set);
}

/* Is word in s (ASCII case aside) with no letter just before or after it? */
static int
has_word(const char *s, const char *word)
{
	size_t		 n = strlen(word);
	const char	*p;

	for (p = s; (p = strcasestr(p, word)) != NULL; p++) {
		unsigned char before = p > s ? (unsigned char)p[-1] : ' ';
		unsigned char after = (unsigned char)p[n];

		if (!((before | 32) >= 'a' && (before | 32) <= 'z') && before < 0x80 &&
		    !((after | 32) >= 'a' && (after | 32) <= 'z') && after < 0x80)
			return 1;
	}
	return 0;
}

/* Every text of a rendered message, one a line. */
static void
render_texts(const struct od_message_tmpl *m, const json_t *ctx, const char *locale,
    struct od_buf *all)
{
	struct od_rendered	r;
	char			err[256];
	size_t			i;
	int			kind;

	for (kind = OD_CH_SMS; kind < OD_CH_MAX; kind++) {
		if (od_template_render_message(m, kind, ctx, locale, &r, err, sizeof(err)) != 0)
			fail_msg("%s/%s: %s", m->locale, m->name, err);
		od_buf_printf(all, "%s\n", r.text);
		if (r.subject != NULL)
			od_buf_printf(all, "%s\n%s\n", r.subject, r.html);
		for (i = 0; i < r.wa_nparams; i++)
			od_buf_printf(all, "%s\n", r.wa_params[i]);
		od_rendered_clear(&r);
	}
}

/*
 * ITEM 6: a deferred message never states a false date.  Every shipped
 * template of every locale, rendered with the plan's own context for due
 * dates on a Saturday, a Sunday and a holiday (Peru's 8 December), sent from
 * 10 days before to 10 days after: "hoy"/"today" only on the due date,
 * "mañana"/"tomorrow" only the day before, and no "vence"/"is due" once it
 * has passed (nor "venció"/"was due" before).
 */
static void
test_shipped_deferred_dates(void **state)
{
	static const char *const dues[] = { "2026-12-05", "2026-12-06", "2026-12-08" };
	static const struct {
		const char	*locale, *country, *tz, *currency, *amount;
	} who[] = {
		{ "es-PE", "PE", "America/Lima", "PEN", "1234.50" },
		{ "es-CO", "CO", "America/Bogota", "COP", "1234567" },
		{ "es-MX", "MX", "America/Mexico_City", "MXN", "1234.50" },
		{ "es-CL", "CL", "America/Santiago", "CLP", "1234567" },
		{ "en-US", "US", "America/New_York", "USD", "1234.50" },
		{ "en", "PE", "America/Lima", "PEN", "1234.50" },
	};
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_account		 a;
	struct od_policy		 p;
	struct od_buf			 all;
	json_t				*ctx, *company, *debt;
	char				 body[1024], reason[256];
	size_t				 w, d, j;
	int				 off, y, mo, day, checked = 0;
	int64_t				 due_day, now;

	(void)state;
	load_shipped(&set);
	memset(&p, 0, sizeof(p));
	p.name = "deferred";
	p.offer.installments = 3;
	p.offer.discount_percent = 10;
	p.offer.valid_days = 7;
	company = ctx_parse("{\"name\": \"Caja Andina\", \"phone\": \"01 615 0000\","
	    " \"email\": \"cobranzas@example.pe\", \"payment_url\": \"https://pagos.example.pe\"}");
	for (w = 0; w < sizeof(who) / sizeof(who[0]); w++) {
		for (d = 0; d < sizeof(dues) / sizeof(dues[0]); d++) {
			snprintf(body, sizeof(body), "{\"account_id\": \"D-1\", \"debtor\": {\"name\":"
			    " \"Carla Rojas\", \"phone\": \"+51987654321\", \"email\": \"c@example.pe\","
			    " \"locale\": \"%s\", \"country\": \"%s\", \"timezone\": \"%s\"},"
			    " \"debt\": {\"amount\": \"%s\", \"currency\": \"%s\", \"due_date\": \"%s\"}}",
			    who[w].locale, who[w].country, who[w].tz, who[w].amount, who[w].currency,
			    dues[d]);
			if (od_account_parse(body, strlen(body), 0, &a, reason, sizeof(reason)) != 0)
				fail_msg("%s", reason);
			due_day = od_days_from_civil(a.due_y, a.due_m, a.due_d);
			for (off = -10; off <= 10; off++) {
				/* 15:00 UTC: 09:00 to 12:00 in every zone above */
				od_civil_from_days(due_day + off, &y, &mo, &day);
				snprintf(reason, sizeof(reason), "%04d-%02d-%02dT15:00:00Z", y, mo, day);
				assert_int_equal(od_time_parse_iso(reason, &now), 0);
				ctx = od_plan_context(&a, &p, NULL, 0, company, now, reason, sizeof(reason));
				assert_non_null(ctx);
				debt = json_object_get(ctx, "debt");
				assert_int_equal(json_integer_value(json_object_get(debt, "days_to_due")),
				    -off);
				for (j = 0; j < sizeof(shipped_names) / sizeof(shipped_names[0]); j++) {
					m = od_template_set_find(&set, shipped_names[j], who[w].locale, NULL);
					assert_string_equal(m->locale, who[w].locale);
					od_buf_init(&all);
					render_texts(m, ctx, who[w].locale, &all);
					if (off != 0 && (has_word(all.data, "hoy") ||
					    has_word(all.data, "today")))
						fail_msg("%s/%s due %s sent %s says today:\n%s", m->locale,
						    m->name, dues[d], reason, all.data);
					if (off != -1 && (has_word(all.data, "ma\xc3\xb1""ana") ||
					    has_word(all.data, "manana") || has_word(all.data, "tomorrow")))
						fail_msg("%s/%s due %s sent %s says tomorrow:\n%s", m->locale,
						    m->name, dues[d], reason, all.data);
					if (off > 0 && (has_word(all.data, "vence") ||
					    strcasestr(all.data, "is due") != NULL ||
					    has_word(all.data, "vencer\xc3\xa1")))
						fail_msg("%s/%s due %s sent %s says it is still due:\n%s",
						    m->locale, m->name, dues[d], reason, all.data);
					if (off <= 0 && (has_word(all.data, "venci\xc3\xb3") ||
					    has_word(all.data, "vencio") ||
					    strcasestr(all.data, "was due") != NULL))
						fail_msg("%s/%s due %s sent %s says it was due:\n%s",
						    m->locale, m->name, dues[d], reason, all.data);
					/* the reminders say the day as it is at sending */
					if (strncmp(m->name, "reminder", 8) == 0 && off == 0 &&
					    !has_word(all.data, "hoy") && !has_word(all.data, "today"))
						fail_msg("%s/%s on the due date does not say today:\n%s",
						    m->locale, m->name, all.data);
					if (strcmp(m->name, "reminder_due") == 0 && off == 2 &&
					    strstr(all.data, "hace 2 d\xc3\xad""as") == NULL &&
					    strstr(all.data, "2 days ago") == NULL)
						fail_msg("%s/%s two days late does not say so:\n%s",
						    m->locale, m->name, all.data);
					od_buf_free(&all);
					checked++;
				}
				json_decref(ctx);
			}
			od_account_clear(&a);
		}
	}
	assert_int_equal(checked, 6 * 3 * 21 * 6);
	json_decref(company);
	od_template_set_free(&set);
	od_tz_cache_free();
}

/*
 * The lifecycle's dates are said from the day of sending too: the promise's
 * and the next instalment's date on a Saturday, a Sunday and a holiday, sent
 * from 10 days before to 10 days after.  "hoy"/"today" only on the day,
 * "mañana"/"tomorrow" only the day before; the reminders say so then.
 */
static void
test_shipped_lifecycle_dates(void **state)
{
	static const char *const dues[] = { "2026-12-05", "2026-12-06", "2026-12-08" };
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_buf			 all;
	json_t				*ctx, *ag;
	char				 today[16];
	size_t				 l, d, j;
	int				 off, y, mo, day, checked = 0, reminder;
	int64_t				 due_day;

	(void)state;
	load_shipped(&set);
	for (d = 0; d < sizeof(dues) / sizeof(dues[0]); d++) {
		ctx = life_ctx(LIFE_PLAN);
		ag = json_object_get(ctx, "agreement");
		json_object_set_new(json_object_get(ctx, "promise"), "date", json_string(dues[d]));
		json_object_set_new(json_object_get(ag, "next"), "date", json_string(dues[d]));
		json_object_set_new(json_array_get(json_object_get(ag, "schedule"), 0), "date",
		    json_string(dues[d]));
		assert_int_equal(sscanf(dues[d], "%d-%d-%d", &y, &mo, &day), 3);
		due_day = od_days_from_civil(y, mo, day);
		for (off = -10; off <= 10; off++) {
			od_civil_from_days(due_day + off, &y, &mo, &day);
			snprintf(today, sizeof(today), "%04d-%02d-%02d", y, mo, day);
			json_object_set_new(ctx, "today", json_string(today));
			for (l = 0; l < NLOCALES; l++) {
				for (j = 0; j < NLIFE; j++) {
					m = od_template_set_find(&set, life_names[j], shipped_locales[l],
					    NULL);
					reminder = strcmp(m->name, "promise_reminder") == 0 ||
					    strcmp(m->name, "instalment_reminder") == 0;
					od_buf_init(&all);
					render_texts(m, ctx, shipped_locales[l], &all);
					if (off != 0 && (has_word(all.data, "hoy") ||
					    has_word(all.data, "today")))
						fail_msg("%s/%s for %s sent %s says today:\n%s", m->locale,
						    m->name, dues[d], today, all.data);
					if (off != -1 && (has_word(all.data, "ma\xc3\xb1""ana") ||
					    has_word(all.data, "manana") || has_word(all.data, "tomorrow")))
						fail_msg("%s/%s for %s sent %s says tomorrow:\n%s",
						    m->locale, m->name, dues[d], today, all.data);
					/* the lifecycle's texts do not speak of the debt's due date */
					if (has_word(all.data, "vence") || has_word(all.data, "venci\xc3\xb3") ||
					    has_word(all.data, "vencio") || strcasestr(all.data, "is due") ||
					    strcasestr(all.data, "was due"))
						fail_msg("%s/%s speaks of a due date:\n%s", m->locale,
						    m->name, all.data);
					if (reminder && off == 0 && !has_word(all.data, "hoy") &&
					    !has_word(all.data, "today"))
						fail_msg("%s/%s on the day does not say today:\n%s",
						    m->locale, m->name, all.data);
					if (reminder && off == -1 && !has_word(all.data, "ma\xc3\xb1""ana") &&
					    !has_word(all.data, "tomorrow"))
						fail_msg("%s/%s the day before does not say tomorrow:\n%s",
						    m->locale, m->name, all.data);
					if (reminder && off == 2 &&
					    strstr(all.data, "hace 2 d\xc3\xad""as") == NULL &&
					    strstr(all.data, "hace 2 dias") == NULL &&
					    strstr(all.data, "2 days ago") == NULL)
						fail_msg("%s/%s two days after does not say so:\n%s",
						    m->locale, m->name, all.data);
					od_buf_free(&all);
					checked++;
				}
			}
		}
		json_decref(ctx);
	}
	assert_int_equal(checked, 3 * 21 * NLOCALES * NLIFE);
	od_template_set_free(&set);
}

/* ITEM 10: amounts and telling words in the first 40 characters are warned about. */
static void
test_lockscreen_warnings(void **state)
{
	static const char bad[] =
	    "sms: \"{{ company.name }} - Aviso final: {{ debtor.first_name }}, su deuda de {{ debt.outstanding | money }}.\"\n"
	    "email:\n"
	    "  subject: \"Pago pendiente de {{ debt.outstanding | money }}\"\n"
	    "  text: \"x\"\n"
	    "whatsapp:\n"
	    "  template: t\n"
	    "  language: es\n"
	    "  params: [\"{{ debt.amount }}\"]\n"
	    "  text: \"Monto: {{ debt.amount }}\"\n";
	static const char late[] =
	    "sms: \"{{ company.name }}: {{ debtor.first_name }}, tiene un mensaje sobre su cuenta. Su deuda es de {{ debt.outstanding | money }}.\"\n"
	    "email:\n"
	    "  subject: \"{{ company.name }}: Collection notice\"\n"
	    "  text: \"{{ debt.outstanding | money }}\"\n";
	/* the promise's, the agreement's and the named offers' amounts; inside an #each too */
	static const char plan[] =
	    "sms: \"{{ company.name }}: {{#each agreement.schedule}}{{ n }}) "
	    "{{ amount | money }}{{/each}}\"\n"
	    "email:\n"
	    "  subject: \"{{ company.name }}: {{ offers.cuotas.installment_amount }} al mes\"\n"
	    "  text: \"x\"\n"
	    "whatsapp:\n"
	    "  template: t\n"
	    "  language: es\n"
	    "  params: [\"{{ promise.remaining }}\"]\n"
	    "  text: \"Hola, {{ promise.remaining }}\"\n";
	struct od_template_set	set;
	struct od_errors	errs;
	size_t			i;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load_string("t/es-PE/bad.yaml", "es-PE", "bad", bad,
	    strlen(bad), &set, &errs), 0);
	assert_int_equal(od_template_set_load_string("t/en/late.yaml", "en", "late", late,
	    strlen(late), &set, &errs), 0);
	assert_int_equal(od_template_set_load_string("t/es-PE/plan.yaml", "es-PE", "plan", plan,
	    strlen(plan), &set, &errs), 0);
	assert_int_equal(od_template_set_check_lockscreen(&set, &errs), 7);
	assert_int_equal(errs.count, 0);	/* warnings, never errors */
	assert_int_equal(errs.nwarns, 7);
	for (i = 0; i < errs.nwarns; i++)
		printf("  %s\n", errs.warns[i]);
	/* the word, at the text's position; the amount at its own {{ */
	assert_non_null(strstr(errs.warns[0], "t/es-PE/bad.yaml:1:7: es-PE/bad: the sms text "
	    "says 'deuda' in its first 40 characters"));
	assert_non_null(strstr(errs.warns[1], "t/es-PE/bad.yaml:9:17: es-PE/bad: the whatsapp "
	    "text shows the amount ({{ debt.amount }}) in its first 40 characters"));
	assert_non_null(strstr(errs.warns[2], "t/es-PE/bad.yaml:3:31: es-PE/bad: the email "
	    "subject shows the amount ({{ debt.outstanding }}) in the subject"));
	/* past the first 40 characters the sms is fine; a subject is checked whole */
	assert_non_null(strstr(errs.warns[3], "t/en/late.yaml:3:13: en/late: the email subject "
	    "says 'collection' in the subject"));
	assert_non_null(strstr(errs.warns[4], "t/es-PE/plan.yaml:1:64: es-PE/plan: the sms text "
	    "shows the amount ({{ amount }}) in its first 40 characters"));
	assert_non_null(strstr(errs.warns[5], "t/es-PE/plan.yaml:9:16: es-PE/plan: the whatsapp "
	    "text shows the amount ({{ promise.remaining }}) in its first 40 characters"));
	assert_non_null(strstr(errs.warns[6], "t/es-PE/plan.yaml:3:33: es-PE/plan: the email "
	    "subject shows the amount ({{ offers.cuotas.installment_amount }}) in the subject"));
	od_errors_clear(&errs);
	od_template_set_free(&set);
}

/* The checks' building block: a phrase always written, outside any condition. */
static void
test_says(void **state)
{
	struct od_errors	 errs;
	struct od_template	*t;

	(void)state;
	od_errors_init(&errs);
	t = od_template_compile("Hola. Responda BAJA para no recibir SMS.", "f", 1, 1, &errs);
	assert_true(od_template_says(t, "Responda BAJA"));
	assert_true(od_template_says(t, "responda baja"));
	assert_false(od_template_says(t, "Reply STOP"));
	od_template_free(t);
	t = od_template_compile("Hola.{{#if x}} Responda BAJA.{{/if}}", "f", 1, 1, &errs);
	assert_false(od_template_says(t, "Responda BAJA"));
	od_template_free(t);
	/* an #each may write nothing (an empty list) */
	t = od_template_compile("Hola.{{#each xs}} Responda BAJA.{{/each}}", "f", 1, 1, &errs);
	assert_false(od_template_says(t, "Responda BAJA"));
	od_template_free(t);
	t = od_template_compile("Responda {{ x }} BAJA", "f", 1, 1, &errs);
	assert_false(od_template_says(t, "Responda BAJA"));
	od_template_free(t);
	assert_false(od_template_says(NULL, "x"));
	od_errors_clear(&errs);
}

static void
collect_path(void *arg, const char *path, const char *file, int line, int col)
{
	(void)file;
	(void)line;
	(void)col;
	strcat(arg, path);
	strcat(arg, " ");
}

static void
test_shipped_check(void **state)
{
	struct od_template_set	set;
	struct od_errors	errs;
	char			params[4096], text[4096];
	size_t			i, k;

	(void)state;
	load_shipped(&set);
	od_errors_init(&errs);
	assert_int_equal(od_template_set_check_vars(&set, known_var, &errs), 0);
	assert_int_equal(errs.count, 0);
	/* the WhatsApp preview uses the parameters' variables, in their order */
	for (i = 0; i < set.n; i++) {
		params[0] = text[0] = '\0';
		for (k = 0; k < set.v[i].wa_nparams; k++)
			od_template_foreach_var(set.v[i].wa_params[k], collect_path, params);
		od_template_foreach_var(set.v[i].wa_text, collect_path, text);
		if (strcmp(params, text) != 0)
			fail_msg("%s/%s: params use %s, text uses %s", set.v[i].locale,
			    set.v[i].name, params, text);
	}
	od_errors_clear(&errs);
	od_template_set_free(&set);
}

/*
 * Every locale acknowledges every kind of reply in its own file: the
 * disclosure outside every condition, GSM-7 SMS of at most two segments,
 * the lock screen neutral, on a promise and on each kind of agreement.
 */
static void
test_shipped_replies(void **state)
{
	struct od_template_set		 set;
	const struct od_message_tmpl	*m;
	struct od_rendered		 r;
	json_t				*ctx;
	char				*sms, err[256];
	const char			*loc;
	size_t				 i, j, k;
	int				 v;

	(void)state;
	load_shipped(&set);
	for (i = 0; i < NLOCALES; i++) {
		loc = shipped_locales[i];
		for (j = 0; j < NREPLY; j++) {
			m = od_template_set_find(&set, reply_names[j], loc, NULL);
			assert_non_null(m);
			assert_string_equal(m->locale, loc);
			assert_true(od_template_says(m->sms, strncmp(loc, "en", 2) == 0 ?
			    "Reply STOP" : "Responda BAJA"));
			assert_true(od_template_says(m->wa_text, strncmp(loc, "en", 2) == 0 ?
			    "Reply STOP" : "Responda BAJA"));
			assert_non_null(m->wa_name);
			for (v = 0; v < LIFE_NVARIANTS; v++) {
				ctx = life_ctx((enum life_variant)v);
				assert_sms_gsm7(m, ctx);
				sms = render_part(m, OD_CH_SMS, ctx, loc, 0);
				assert_int_equal(strncmp(sms, "Caja Andina: Ana, ", 18), 0);
				assert_lock_neutral(m, "sms", sms);
				free(sms);
				assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, loc,
				    &r, err, sizeof(err)), 0);
				for (k = 0; k < r.wa_nparams; k++)
					assert_true(r.wa_params[k][0] != '\0' &&
					    strchr(r.wa_params[k], '\n') == NULL);
				assert_non_null(strstr(r.text, "Caja Andina"));
				od_rendered_clear(&r);
				json_decref(ctx);
			}
		}
	}
	od_template_set_free(&set);
}

/* WhatsApp buttons (od_template_wa.c): loaded in the approved template's order, rendered for the plugin. */
static void
test_set_wa_buttons(void **state)
{
	static const char yaml[] =
	    "whatsapp:\n"
	    "  template: oferta\n"
	    "  language: es\n"
	    "  text: \"Hola {{ debtor.first_name }}\"\n"
	    "  buttons:\n"
	    "    - { type: static }\n"
	    "    - { type: quick_reply, payload: accept }\n"
	    "    - type: quick_reply\n"
	    "      payload: \"accept:2\"\n"
	    "    - { type: url, param: \"{{ account_id }}/{{ debtor.first_name | lower }}\" }\n";
	struct od_template_set		 set;
	struct od_errors		 errs;
	struct od_rendered		 r;
	const struct od_message_tmpl	*m;
	json_t				*ctx;
	char				 err[256];

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load_string("b.yaml", "es-PE", "oferta", yaml,
	    strlen(yaml), &set, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_non_null(m = od_template_set_find(&set, "oferta", "es-PE", NULL));
	assert_int_equal(m->wa_nbuttons, 4);
	assert_int_equal(m->wa_buttons[0].type, OD_TEMPLATE_BUTTON_STATIC);
	assert_int_equal(m->wa_buttons[1].type, OD_TEMPLATE_BUTTON_QUICK_REPLY);
	assert_string_equal(m->wa_buttons[2].payload, "accept:2");
	assert_int_equal(m->wa_buttons[3].type, OD_TEMPLATE_BUTTON_URL);

	ctx = ctx_parse("{\"account_id\": \"PE-1\", \"debtor\": {\"first_name\": \"Ana\"}}");
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, NULL, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.wa_nbuttons, 4);
	assert_string_equal(r.wa_buttons[0], "static:");
	assert_string_equal(r.wa_buttons[1], "quick_reply:accept");
	assert_string_equal(r.wa_buttons[2], "quick_reply:accept:2");
	assert_string_equal(r.wa_buttons[3], "url:PE-1/ana");
	od_rendered_clear(&r);

	/* The URL's end is never sent with a hole or a space in it. */
	json_object_set_new(json_object_get(ctx, "debtor"), "first_name", json_string("Ana María"));
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, NULL, &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "es-PE/oferta whatsapp.buttons[3]: the URL's end is empty or has "
	    "spaces or control characters");
	assert_null(r.wa_buttons);
	json_object_del(ctx, "account_id");
	assert_int_equal(od_template_render_message(m, OD_CH_WHATSAPP, ctx, NULL, &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "es-PE/oferta whatsapp.buttons[3]: missing variable 'account_id'");
	od_rendered_clear(&r);
	json_decref(ctx);
	od_template_set_free(&set);
	od_errors_clear(&errs);
}

/* Every button error at its file:line:col, all of them collected. */
static void
test_set_wa_button_errors(void **state)
{
	static const char yaml[] =
	    "whatsapp:\n"
	    "  template: oferta\n"
	    "  language: es\n"
	    "  text: Hola\n"
	    "  buttons:\n"
	    "    - { type: quick_reply, payload: yes }\n"
	    "    - { type: quick_reply, payload: \"accept:0\" }\n"
	    "    - { type: quick_reply }\n"
	    "    - { type: url }\n"
	    "    - { type: url, param: \"{{ pay. }}\" }\n"
	    "    - { type: phone_number }\n"
	    "    - { type: static, payload: agent }\n"
	    "    - { type: quick_reply, payload: agent, colour: red }\n"
	    "    - accept\n";
	static const char *const want[] = {
	    "b.yaml:6:37: quick_reply payload 'yes' is not a reply intent: accept, accept:<n>, "
	    "promise, agent, paid_claim, opt_out, wrong_number",
	    "b.yaml:7:37: quick_reply payload 'accept:0' is not a reply intent: accept, "
	    "accept:<n>, promise, agent, paid_claim, opt_out, wrong_number",
	    "b.yaml:8:7: a quick_reply button needs a payload (the intent its tap means)",
	    "b.yaml:9:7: a url button needs a param (the variable end of the approved URL); a "
	    "URL without one is type: static",
	    "b.yaml:10:28: bad variable name 'pay.'",
	    "b.yaml:11:15: button type 'phone_number' is not quick_reply, url or static",
	    "b.yaml:12:32: a static button takes nothing: its text and target are the approved "
	    "template's",
	    "b.yaml:13:44: unknown key 'colour' in whatsapp.buttons[]",
	    "b.yaml:14:7: a whatsapp.buttons entry is a mapping (type, payload or param), not a "
	    "scalar",
	};
	static const char eleven[] =
	    "whatsapp: {template: t, language: es, text: x, buttons: [{type: static}, "
	    "{type: static}, {type: static}, {type: static}, {type: static}, {type: static}, "
	    "{type: static}, {type: static}, {type: static}, {type: static}, {type: static}]}\n";
	struct od_template_set	set;
	struct od_errors	errs;
	size_t			i;

	(void)state;
	memset(&set, 0, sizeof(set));
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load_string("b.yaml", "es-PE", "oferta", yaml,
	    strlen(yaml), &set, &errs), -1);
	for (i = 0; i < errs.count; i++)
		printf("  %s\n", errs.msgs[i]);
	assert_int_equal(errs.count, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < errs.count; i++)
		assert_string_equal(errs.msgs[i], want[i]);
	assert_int_equal(set.n, 0);
	od_errors_clear(&errs);

	/* Eleven buttons: more than a template has. */
	od_errors_init(&errs);
	assert_int_equal(od_template_set_load_string("c.yaml", "es-PE", "oferta", eleven,
	    strlen(eleven), &set, &errs), -1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msgs[0], "c.yaml:1:57: whatsapp.buttons: 11 buttons, a WhatsApp "
	    "template has at most 10");
	od_errors_clear(&errs);
	od_template_set_free(&set);

	assert_int_equal(od_template_wa_payload_valid("accept:12"), 1);
	assert_int_equal(od_template_wa_payload_valid("accept:123"), 0);
	assert_int_equal(od_template_wa_payload_valid("accept:"), 0);
	assert_int_equal(od_template_wa_payload_valid("wrong_number"), 1);
	assert_int_equal(od_template_wa_payload_valid("ACCEPT"), 0);
	assert_int_equal(od_template_wa_payload_valid(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_compile_each_errors),
		cmocka_unit_test(test_compile_error_positions),
		cmocka_unit_test(test_foreach_var),
		cmocka_unit_test(test_render_variables),
		cmocka_unit_test(test_render_filters),
		cmocka_unit_test(test_render_conditions),
		cmocka_unit_test(test_render_each),
		cmocka_unit_test(test_render_each_errors),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_render_html_escaping),
		cmocka_unit_test(test_set_bad_file),
		cmocka_unit_test(test_set_folded_block),
		cmocka_unit_test(test_set_bad_locale_and_dir),
		cmocka_unit_test(test_set_load_and_find),
		cmocka_unit_test(test_set_render_message),
		cmocka_unit_test(test_set_check_vars),
		cmocka_unit_test(test_set_check_vars_each),
		cmocka_unit_test(test_shipped_render),
		cmocka_unit_test(test_shipped_exact_texts),
		cmocka_unit_test(test_shipped_lifecycle),
		cmocka_unit_test(test_shipped_lifecycle_texts),
		cmocka_unit_test(test_shipped_replies),
		cmocka_unit_test(test_shipped_es_wording),
		cmocka_unit_test(test_shipped_deferred_dates),
		cmocka_unit_test(test_shipped_countries),
		cmocka_unit_test(test_shipped_lifecycle_dates),
		cmocka_unit_test(test_lockscreen_warnings),
		cmocka_unit_test(test_says),
		cmocka_unit_test(test_shipped_check),
		cmocka_unit_test(test_set_wa_buttons),
		cmocka_unit_test(test_set_wa_button_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
