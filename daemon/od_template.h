/*
 * od_template: message templates (templates/<locale>/<name>.yaml), written
 * by operations teams, rendered per channel in the debtor's locale.
 *
 * Syntax (docs/templates.md):
 *   {{ debtor.name }}                 a variable by dotted path
 *   {{ debt.amount | money }}         S/ 1,234.50 in es-PE (currency from debt.currency)
 *   {{ debt.due_date | date }}        1 de diciembre de 2026 in es-PE
 *   {{ date | short_date }}           1 dic 2026 in es-PE, Dec 1, 2026 in en (a list in an SMS)
 *   {{ debt.due_date | relative }}    hoy, mañana, el sábado 5 de diciembre, hace 2 días
 *                                     (from the context's today: the debtor's local date)
 *   {{ x | upper }} {{ x | lower }}
 *   {{ x | gsm }}                     á í ó ú without their accents (GSM-7 SMS)
 *   {{#if offer.installments}} ... {{else}} ... {{/if}}   (nested allowed)
 *   {{#unless x}} ... {{/unless}}
 *   {{#each agreement.schedule}}{{ n }}) {{ amount | money }}{{#unless @last}}; {{/unless}}
 *   {{/each}}
 *                                     once per item of a list; a name is looked up
 *                                     in the item first, then around it; @first,
 *                                     @last, @index; {{else}} for an empty list
 * A variable that is missing (or null) at render time is an error: the
 * message is never sent with a hole in it; so is an #each whose path is
 * missing or not a list.  In an email's HTML part every variable is
 * HTML-escaped; in SMS and text parts it is written raw.
 */
#ifndef OD_TEMPLATE_H
#define OD_TEMPLATE_H

#include <stddef.h>
#include <jansson.h>

#include "od_account.h"
#include "od_buf.h"
#include "od_error.h"

struct od_template;	/* one compiled text */

enum od_escape { OD_ESC_NONE = 0, OD_ESC_HTML };

/*
 * Compiles src, which stands at file:line:col (for error positions: an error
 * at the n-th line of src is reported at line + n - 1).  NULL with errors in
 * errs.
 */
struct od_template *od_template_compile(const char *src, const char *file, int line, int col,
	    struct od_errors *errs);
void	od_template_free(struct od_template *t);

/*
 * Calls fn for every variable a template uses (those of #if, #unless and
 * #each included), as written, with its position.
 */
void	od_template_foreach_var(const struct od_template *t,
	    void (*fn)(void *arg, const char *path, const char *file, int line, int col),
	    void *arg);

/* A variable as od_template_foreach_var_scoped sees it: borrowed for the call. */
struct od_template_var {
	const char		*path;		/* as written: "amount", "debt.currency", "@last" */
	const char *const	*each;		/* the paths of the #each around it, outermost
						   first, each as written */
	int			 neach;
	const char		*file;
	int			 line, col;	/* its "{{" */
};

/*
 * The same walk, with the #each blocks each variable stands in (an #each's
 * own path is outside it), for the checks that resolve a name against a
 * list's items first (od_template_set_check_vars).
 */
void	od_template_foreach_var_scoped(const struct od_template *t,
	    void (*fn)(void *arg, const struct od_template_var *v), void *arg);

/*
 * One piece of a compiled template, in the order written, for the checks
 * that read a template without rendering it (od_tmplcheck.c).
 */
struct od_template_piece {
	int		 var;		/* 0: literal text; 1: a variable */
	const char	*s;		/* the text, or the variable's path */
	size_t		 len;		/* of the text */
	int		 money;		/* a variable with the money filter */
	int		 depth;		/* #if/#unless/#each around it: 0 is always written */
	int		 line, col;	/* a variable's "{{" (0 for text) */
};

/* Calls fn for every text and variable (not the paths of #if, #unless, #each). */
void	od_template_foreach_piece(const struct od_template *t,
	    void (*fn)(void *arg, const struct od_template_piece *p), void *arg);
/* Where t's text starts, as given to od_template_compile. */
void	od_template_position(const struct od_template *t, const char **file, int *line,
	    int *col);

/*
 * Renders t with ctx (a JSON object) in locale.  Appends to out.  Returns 0,
 * or -1 with a reason in err ("missing variable 'debtor.name'").
 */
int	od_template_render(const struct od_template *t, const json_t *ctx, const char *locale,
	    enum od_escape esc, struct od_buf *out, char *err, size_t errlen);

/* A WhatsApp template's button (whatsapp.buttons[], od_template_wa.c). */
enum od_template_button_type {
	OD_TEMPLATE_BUTTON_INVALID = 0,
	OD_TEMPLATE_BUTTON_QUICK_REPLY,	/* payload: a reply intent */
	OD_TEMPLATE_BUTTON_URL,		/* param: the variable end of the approved URL */
	OD_TEMPLATE_BUTTON_STATIC,	/* fixed in the approved template: takes nothing */
};

struct od_template_button {
	enum od_template_button_type	 type;
	char				*payload;	/* QUICK_REPLY */
	struct od_template		*param;		/* URL */
};

/* One template name in one locale: its text for each channel. */
struct od_message_tmpl {
	char			*name;		/* "reminder_soft" */
	char			*locale;	/* "es-PE" */
	char			*file;
	struct od_template	*sms;
	struct od_template	*email_subject;
	struct od_template	*email_text;
	struct od_template	*email_html;
	char			*wa_name;	/* the approved WhatsApp template's name */
	char			*wa_language;	/* its language code, "es" */
	struct od_template	**wa_params;	/* body parameters, in order */
	size_t			 wa_nparams;
	struct od_template	*wa_text;	/* what the approved template says, for preview and outbox */
	struct od_template_button *wa_buttons;	/* the approved template's, in its order */
	size_t			 wa_nbuttons;
};

struct od_template_set {
	struct od_message_tmpl	*v;
	size_t			 n;
	char			*dir;
};

/* Loads dir/<locale>/<name>.yaml for every locale folder.  0, or -1 with errors. */
int	od_template_set_load(const char *dir, struct od_template_set *set, struct od_errors *errs);
void	od_template_set_free(struct od_template_set *set);
/*
 * Adds one template file's text, the len bytes of buf (not NUL-terminated;
 * errors call it file), to set as template name in locale, as if read from
 * <dir>/<locale>/<name>.yaml.  set may start zeroed.  0, or -1 with errors
 * (set is unchanged).
 */
int	od_template_set_load_string(const char *file, const char *locale, const char *name,
	    const char *buf, size_t len, struct od_template_set *set, struct od_errors *errs);

/*
 * Finds name for locale, falling back from "es-PE" to "es" to any "es-*",
 * then to fallback_locale the same way.  NULL when none has it.
 */
const struct od_message_tmpl *od_template_set_find(const struct od_template_set *set,
	    const char *name, const char *locale, const char *fallback_locale);

/*
 * 1 when s may be a quick-reply button's payload: a reply intent's name
 * (accept, accept:<n> for n 1..99, promise, agent, paid_claim, opt_out,
 * wrong_number); the same names od_intent.h gives the intents.
 */
int	od_template_wa_payload_valid(const char *s);

/* Does the template have a text for this channel kind?  1 or 0. */
int	od_message_tmpl_has(const struct od_message_tmpl *m, int kind);

/* What a channel sends, rendered. */
struct od_rendered {
	int	 kind;		/* OD_CH_* */
	char	*text;		/* SMS text, email text part, WhatsApp preview text */
	char	*subject;	/* email */
	char	*html;		/* email */
	char	*wa_name;	/* WhatsApp approved template */
	char	*wa_language;
	char	**wa_params;
	size_t	 wa_nparams;
	char	**wa_buttons;	/* "quick_reply:<payload>", "url:<suffix>", "static:" */
	size_t	 wa_nbuttons;
};

int	od_template_render_message(const struct od_message_tmpl *m, int kind, const json_t *ctx,
	    const char *locale, struct od_rendered *out, char *err, size_t errlen);
void	od_rendered_clear(struct od_rendered *r);

/*
 * Validation: every variable that every template uses must be one the
 * context provides: known(path) says (the daemon passes od_plan_context_has;
 * attributes.* cannot be known in advance and is only checked at render
 * time).  Inside {{#each agreement.schedule}} a name is also one of the
 * items' when known("agreement.schedule.<name>") says so (an inner #each's
 * path is resolved the same way, against the outer list's items first);
 * @first, @last and @index always are.  Adds an error at the variable's
 * position for each unknown name; returns their number (od_tmplcheck.c).
 */
int	od_template_set_check_vars(const struct od_template_set *set,
	    int (*known)(const char *path), struct od_errors *errs);

/*
 * Checks without rendering (od_tmplcheck.c).  od_template_says: 1 when t
 * always writes phrase, ignoring ASCII case: inside one literal text outside
 * every #if and #unless (a variable's value or a branch may not be written).
 */
int	od_template_says(const struct od_template *t, const char *phrase);
/*
 * The lock-screen check: a warning (not an error) at each SMS or WhatsApp
 * text whose first 40 characters, and each email subject that, show an
 * amount (a money filter, debt.amount/outstanding/paid, the offers', the
 * promise's and the agreement's amounts) or the words deuda, mora,
 * cobranza, debt, collection.  Variables count as no characters.  Returns
 * the number of warnings.
 */
int	od_template_set_check_lockscreen(const struct od_template_set *set,
	    struct od_errors *errs);

#endif /* OD_TEMPLATE_H */
