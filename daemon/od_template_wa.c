/*
 * od_template (continued): a WhatsApp template's buttons, whatsapp.buttons
 * in a template file (docs/templates.md):
 *
 *   buttons:
 *     - { type: quick_reply, payload: accept }
 *     - { type: quick_reply, payload: agent }
 *     - { type: url, param: "{{ pay.link_path }}" }
 *     - { type: static }
 *
 * one entry per button of the approved template, in its order: the n-th
 * entry is the button at index n-1.  A quick reply's payload is what the
 * debtor's tap sends back (od_callback.c: od_reply.payload), so it must be
 * one of the reply intents (od_intent.h): accept, accept:<n>, promise,
 * agent, paid_claim, opt_out, wrong_number.  A URL button's param is a
 * template text, the variable end of the approved URL; a static button
 * (fixed URL, phone number) takes nothing.  Rendered for the plugin as
 * "quick_reply:<payload>", "url:<suffix>", "static:" (od_channel.h).
 */
#include "od_template.h"
#include "od_template_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "od_buf.h"
#include "od_yaml.h"

#define TMPL_WA_MAX_BUTTONS	10	/* Meta: at most 10 buttons a template */

static const char *const tmpl_wa_intents[] = {
	"accept", "promise", "agent", "paid_claim", "opt_out", "wrong_number", NULL
};

int
od_template_wa_payload_valid(const char *s)
{
	size_t	i, n;

	if (s == NULL)
		return 0;
	for (i = 0; tmpl_wa_intents[i] != NULL; i++)
		if (strcmp(s, tmpl_wa_intents[i]) == 0)
			return 1;
	/* accept:<n>: the n-th option of the offer, 1 to 99 */
	if (strncmp(s, "accept:", 7) != 0)
		return 0;
	s += 7;
	n = strspn(s, "0123456789");
	return n >= 1 && n <= 2 && s[n] == '\0' && s[0] != '0';
}

void
od_template_wa_buttons_free(struct od_message_tmpl *m)
{
	size_t	i;

	for (i = 0; i < m->wa_nbuttons; i++) {
		free(m->wa_buttons[i].payload);
		od_template_free(m->wa_buttons[i].param);
	}
	free(m->wa_buttons);
	m->wa_buttons = NULL;
	m->wa_nbuttons = 0;
}

/* One entry of the list into b.  Returns the number of errors. */
static int
tmpl_wa_button(const struct od_yaml *e, struct od_template_button *b, struct od_errors *errs)
{
	static const char *const keys[] = { "type", "payload", "param", NULL };
	const struct od_yaml	*t, *v;
	int			 nerr;

	if (e->type != OD_YAML_MAP) {
		od_yaml_error(errs, e, "a whatsapp.buttons entry is a mapping (type, payload or "
		    "param), not %s", od_yaml_type_name(e->type));
		return 1;
	}
	nerr = od_yaml_check_keys(e, keys, "whatsapp.buttons[]", errs);
	if ((t = od_yaml_get(e, "type")) == NULL || t->type != OD_YAML_SCALAR) {
		od_yaml_error(errs, t ? t : e, "a whatsapp.buttons entry needs a type: "
		    "quick_reply, url or static");
		return nerr + 1;
	}
	if (strcmp(t->str, "quick_reply") == 0) {
		b->type = OD_TEMPLATE_BUTTON_QUICK_REPLY;
		if ((v = od_yaml_get(e, "payload")) == NULL) {
			od_yaml_error(errs, e, "a quick_reply button needs a payload (the intent "
			    "its tap means)");
			return nerr + 1;
		}
		if (v->type != OD_YAML_SCALAR || !od_template_wa_payload_valid(v->str)) {
			od_yaml_error(errs, v, "quick_reply payload '%s' is not a reply intent: "
			    "accept, accept:<n>, promise, agent, paid_claim, opt_out, wrong_number",
			    v->type == OD_YAML_SCALAR ? v->str : "");
			return nerr + 1;
		}
		if ((b->payload = strdup(v->str)) == NULL)
			return nerr + 1;
		if ((v = od_yaml_get(e, "param")) != NULL) {
			od_yaml_error(errs, v, "a quick_reply button takes a payload, not a param");
			nerr++;
		}
	} else if (strcmp(t->str, "url") == 0) {
		b->type = OD_TEMPLATE_BUTTON_URL;
		if ((v = od_yaml_get(e, "param")) == NULL) {
			od_yaml_error(errs, e, "a url button needs a param (the variable end of "
			    "the approved URL); a URL without one is type: static");
			return nerr + 1;
		}
		if (v->type != OD_YAML_SCALAR || v->block) {
			od_yaml_error(errs, v, "a url button's param is one line of text");
			return nerr + 1;
		}
		if ((b->param = od_template_compile(v->str, e->file, v->line,
		    v->col + (v->quoted ? 1 : 0), errs)) == NULL)
			return nerr + 1;
		if ((v = od_yaml_get(e, "payload")) != NULL) {
			od_yaml_error(errs, v, "a url button takes a param, not a payload");
			nerr++;
		}
	} else if (strcmp(t->str, "static") == 0) {
		b->type = OD_TEMPLATE_BUTTON_STATIC;
		if ((v = od_yaml_get(e, "payload")) != NULL ||
		    (v = od_yaml_get(e, "param")) != NULL) {
			od_yaml_error(errs, v, "a static button takes nothing: its text and target "
			    "are the approved template's");
			nerr++;
		}
	} else {
		od_yaml_error(errs, t, "button type '%s' is not quick_reply, url or static",
		    t->str);
		nerr++;
	}
	return nerr;
}

int
od_template_wa_buttons_load(const struct od_yaml *seq, struct od_message_tmpl *m,
    struct od_errors *errs)
{
	size_t	i;
	int	nerr = 0;

	if (seq->type != OD_YAML_SEQ) {
		od_yaml_error(errs, seq, "whatsapp.buttons must be a list, not %s",
		    od_yaml_type_name(seq->type));
		return 1;
	}
	if (seq->nitems > TMPL_WA_MAX_BUTTONS) {
		od_yaml_error(errs, seq, "whatsapp.buttons: %zu buttons, a WhatsApp template has "
		    "at most %d", seq->nitems, TMPL_WA_MAX_BUTTONS);
		return 1;
	}
	if (seq->nitems == 0)
		return 0;
	if ((m->wa_buttons = calloc(seq->nitems, sizeof(*m->wa_buttons))) == NULL)
		return 1;
	m->wa_nbuttons = seq->nitems;
	for (i = 0; i < seq->nitems; i++)
		nerr += tmpl_wa_button(seq->items[i], &m->wa_buttons[i], errs);
	return nerr;
}

/* A URL's end: printable, no spaces (Meta appends it to the approved URL as is). */
static int
tmpl_wa_suffix_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

int
od_template_wa_buttons_render(const struct od_message_tmpl *m, const json_t *ctx,
    const char *locale, struct od_rendered *out, char *err, size_t errlen)
{
	const struct od_template_button	*b;
	struct od_buf			 buf;
	char				 why[256];
	size_t				 i;

	if (m->wa_nbuttons == 0)
		return 0;
	if ((out->wa_buttons = calloc(m->wa_nbuttons, sizeof(char *))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < m->wa_nbuttons; i++) {
		b = &m->wa_buttons[i];
		od_buf_init(&buf);
		switch (b->type) {
		case OD_TEMPLATE_BUTTON_QUICK_REPLY:
			od_buf_printf(&buf, "quick_reply:%s", b->payload);
			break;
		case OD_TEMPLATE_BUTTON_URL:
			od_buf_puts(&buf, "url:");
			if (od_template_render(b->param, ctx, locale, OD_ESC_NONE, &buf, why,
			    sizeof(why)) == -1) {
				od_buf_free(&buf);
				snprintf(err, errlen, "%s/%s whatsapp.buttons[%zu]: %s", m->locale,
				    m->name, i, why);
				return -1;
			}
			if (!tmpl_wa_suffix_ok(buf.data ? buf.data + 4 : "")) {
				od_buf_free(&buf);
				snprintf(err, errlen, "%s/%s whatsapp.buttons[%zu]: the URL's end is "
				    "empty or has spaces or control characters", m->locale, m->name, i);
				return -1;
			}
			break;
		default:
			od_buf_puts(&buf, "static:");
			break;
		}
		if ((out->wa_buttons[i] = od_buf_steal(&buf)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		out->wa_nbuttons = i + 1;
	}
	return 0;
}
