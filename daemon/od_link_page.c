/*
 * od_link_page: the link pages (see od_link_page.h).
 */
#include "od_link_page.h"

#include <string.h>
#include <strings.h>

#define PAGE(lang, title, text)						\
	"<!doctype html>\n<html lang=\"" lang "\"><head><meta charset=\"utf-8\">"	\
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"	\
	"<title>" title "</title></head>\n<body><h1>" title "</h1><p>" text "</p></body></html>\n"

/* Those that know no account: both languages, one page. */
#define PAGE2(title_es, text_es, title_en, text_en)			\
	"<!doctype html>\n<html><head><meta charset=\"utf-8\">"		\
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"	\
	"<title>" title_es " / " title_en "</title></head>\n<body>"	\
	"<h1 lang=\"es\">" title_es "</h1><p lang=\"es\">" text_es "</p>"	\
	"<h1 lang=\"en\">" title_en "</h1><p lang=\"en\">" text_en "</p></body></html>\n"

static const struct {
	const char	*name;
	int		 status;
	const char	*es, *en;	/* both NULL: the page is in both[] */
} link_pages[OD_LINK_RESULT_MAX] = {
	[OD_LINK_RESULT_OK] = { "ok", 302,
	    PAGE("es", "Redirigiendo", "Le estamos llevando a la p&aacute;gina de pago."),
	    PAGE("en", "Redirecting", "Taking you to the payment page.") },
	[OD_LINK_RESULT_BAD] = { "bad", 400, NULL, NULL },
	[OD_LINK_RESULT_EXPIRED] = { "expired", 410, NULL, NULL },
	[OD_LINK_RESULT_UNKNOWN_KEY] = { "unknown_key", 410, NULL, NULL },
	[OD_LINK_RESULT_UNKNOWN_ACCOUNT] = { "unknown_account", 410, NULL, NULL },
	[OD_LINK_RESULT_PAID] = { "paid", 200,
	    PAGE("es", "Cuenta pagada", "Esta cuenta ya est&aacute; pagada. Gracias; no tiene "
		"nada pendiente."),
	    PAGE("en", "Account paid", "This account is already paid. Thank you; nothing is "
		"due.") },
	[OD_LINK_RESULT_CLOSED] = { "closed", 200,
	    PAGE("es", "Cuenta cerrada", "Esta cuenta est&aacute; cerrada: no hay pagos "
		"pendientes por este medio."),
	    PAGE("en", "Account closed", "This account is closed: there is nothing to pay "
		"here.") },
	[OD_LINK_RESULT_CEASED] = { "ceased", 200,
	    PAGE("es", "Sin comunicaciones", "Usted pidi&oacute; no ser contactado sobre esta "
		"cuenta; este enlace ya no se usa. Si desea pagar, comun&iacute;quese con la "
		"empresa."),
	    PAGE("en", "No further contact", "You asked not to be contacted about this account; "
		"this link is no longer used. To pay, please contact the company.") },
	[OD_LINK_RESULT_DISPUTE] = { "dispute", 200,
	    PAGE("es", "Cuenta en revisi&oacute;n", "Esta cuenta tiene un reclamo en revisi&oacute;n; "
		"no es necesario pagar por este enlace mientras tanto."),
	    PAGE("en", "Account under review", "This account has a dispute under review; no "
		"payment is needed through this link meanwhile.") },
	[OD_LINK_RESULT_PLACED] = { "placed", 200,
	    PAGE("es", "Cuenta derivada", "Esta cuenta est&aacute; a cargo de otra entidad; "
		"comun&iacute;quese con ella o con la empresa para pagar."),
	    PAGE("en", "Account referred", "This account is now handled by another party; "
		"please contact them or the company to pay.") },
	[OD_LINK_RESULT_OFFER_EXPIRED] = { "offer_expired", 410,
	    PAGE("es", "Oferta vencida", "Esta oferta ya no est&aacute; vigente. Comun&iacute;quese "
		"con la empresa para conocer sus opciones."),
	    PAGE("en", "Offer expired", "This offer is no longer available. Please contact the "
		"company for your options.") },
	[OD_LINK_RESULT_ERROR] = { "error", 503, NULL, NULL },
	[OD_LINK_RESULT_DISABLED] = { "disabled", 404, NULL, NULL },
};

static const char link_page_bad[] = PAGE2("Enlace no v&aacute;lido",
    "Este enlace no es v&aacute;lido.", "Invalid link", "This link is not valid.");
static const char link_page_gone[] = PAGE2("Enlace vencido",
    "Este enlace ya no es v&aacute;lido. Pida uno nuevo a la empresa.", "Link expired",
    "This link is no longer valid. Please ask the company for a new one.");
static const char link_page_error[] = PAGE2("No disponible",
    "No podemos atenderle ahora. Int&eacute;ntelo de nuevo en unos minutos.",
    "Unavailable", "We cannot serve you right now. Please try again in a few minutes.");
static const char link_page_none[] = PAGE2("No encontrado", "No hay nada aqu&iacute;.",
    "Not found", "There is nothing here.");

const char *
od_link_result_name(enum od_link_result r)
{
	if ((unsigned)r >= OD_LINK_RESULT_MAX || link_pages[r].name == NULL)
		return "invalid";
	return link_pages[r].name;
}

/* 1 when locale's language (the tag's first subtag) is lang. */
static int
link_page_lang(const char *locale, const char *lang)
{
	size_t	n = strlen(lang);

	return locale != NULL && strncasecmp(locale, lang, n) == 0 &&
	    (locale[n] == '\0' || locale[n] == '-' || locale[n] == '_');
}

const char *
od_link_page(enum od_link_result r, const char *locale, const char *fallback, int *status)
{
	if ((unsigned)r >= OD_LINK_RESULT_MAX || link_pages[r].name == NULL)
		r = OD_LINK_RESULT_ERROR;
	*status = link_pages[r].status;
	if (link_pages[r].es == NULL) {
		switch (r) {
		case OD_LINK_RESULT_BAD:	return link_page_bad;
		case OD_LINK_RESULT_ERROR:	return link_page_error;
		case OD_LINK_RESULT_DISABLED:	return link_page_none;
		default:			return link_page_gone;
		}
	}
	if (link_page_lang(locale, "es"))
		return link_pages[r].es;
	if (link_page_lang(locale, "en"))
		return link_pages[r].en;
	return link_page_lang(fallback, "es") ? link_pages[r].es : link_pages[r].en;
}
