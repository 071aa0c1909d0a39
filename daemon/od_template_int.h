/*
 * od_template_int.h: the compiled form of a template, shared by
 * od_template.c (compiling, walking) and od_template_render.c (rendering).
 * Not for other modules: od_template.h is the interface.
 */
#ifndef OD_TEMPLATE_INT_H
#define OD_TEMPLATE_INT_H

#include <stddef.h>

#include "od_template.h"

#define TMPL_MAX_FILTERS	8
#define TMPL_MAX_DEPTH		32
#define TMPL_MAX_PATH		256

enum tmpl_node_type {
	TN_TEXT = 1,
	TN_VAR,
	TN_IF,
	TN_UNLESS,
	TN_EACH,
};

enum tmpl_filter {
	TF_MONEY = 1,
	TF_DATE,
	TF_UPPER,
	TF_LOWER,
	TF_RELATIVE,
	TF_GSM,
	TF_SHORT_DATE,
};

struct tmpl_node;

struct tmpl_list {
	struct tmpl_node	*v;
	size_t			 n;
	size_t			 cap;
};

struct tmpl_node {
	enum tmpl_node_type	 type;
	char			*s;		/* TEXT: the text; others: the variable's path
						   (or @first, @last, @index inside an EACH) */
	size_t			 len;
	int			 filters[TMPL_MAX_FILTERS];
	int			 nfilters;
	int			 line;		/* of the "{{", in the file */
	int			 col;
	struct tmpl_list	 body;		/* IF/UNLESS; EACH: written once per item */
	struct tmpl_list	 alt;		/* after {{else}}; EACH: for an empty list */
	int			 has_else;
};

struct od_template {
	char			*file;
	int			 line, col;	/* where its text starts */
	struct tmpl_list	 root;
};

/*
 * A WhatsApp template's buttons (od_template_wa.c), for od_tmplset.c:
 * loading whatsapp.buttons (the number of errors, each at its file:line:col),
 * freeing them, and rendering them into out->wa_buttons (0, or -1 with err).
 */
struct od_yaml;
int	od_template_wa_buttons_load(const struct od_yaml *seq, struct od_message_tmpl *m,
	    struct od_errors *errs);
void	od_template_wa_buttons_free(struct od_message_tmpl *m);
int	od_template_wa_buttons_render(const struct od_message_tmpl *m, const json_t *ctx,
	    const char *locale, struct od_rendered *out, char *err, size_t errlen);

#endif /* OD_TEMPLATE_INT_H */
