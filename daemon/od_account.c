/*
 * od_account: account and event documents, validated once at intake.
 *
 * Every rejection is one line that starts with the field it is about
 * ("debtor.phone: not E.164"); "body:" when it is about the document as a
 * whole.  Optional fields may also be given as JSON null, which reads as
 * absent.  Unknown fields are rejected at every level but attributes.
 *
 * The formats of single values (country and currency codes, E.164, e-mail
 * addresses, locales, money) are od_account_value.c; the debtor's time
 * zones, derived from a valid account, od_account_zone.c.
 */
#include "od_account.h"
#include "od_account_int.h"
#include "od_person.h"
#include "od_policy.h"
#include "od_time.h"
#include "od_tz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_BYTES		200
#define PRODUCT_MAX_BYTES	128
#define REFERENCE_MAX_BYTES	256

/* --- validation helpers -------------------------------------------------- */

static int
fail(char *reason, size_t rlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *reason, size_t rlen, const char *fmt, ...)
{
	va_list ap;

	if (reason != NULL && rlen > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, rlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Why s is not a date: the shape, or a day the calendar does not have. */
static const char *
account_date_problem(const char *s)
{
	int	i;

	for (i = 0; i < 10; i++)
		if (s[i] == '\0' || ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
			return "not a date YYYY-MM-DD";
	return s[10] == '\0' ? "not a calendar date (no such day)" : "not a date YYYY-MM-DD";
}

/*
 * A name from the input may be quoted in a one-line reason (which is
 * logged and stored) only when it looks like an identifier,
 * [a-z_][a-z0-9_]{0,40}: a key that is anything else (a debtor's name, a
 * phone number used as a key) is not repeated.
 */
static int
name_quotable(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (i > 40 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* The first key of obj not in allowed (NULL-terminated), or NULL. */
static const char *
unknown_key(const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const char *const *a;

		(void)v;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL)
			return key;
	}
	return NULL;
}

static int
fail_unknown(char *reason, size_t rlen, const char *where, const char *key)
{
	if (!name_quotable(key))
		return fail(reason, rlen, "%s: an unknown field", where);
	return fail(reason, rlen, "%s: unknown field '%s'", where, key);
}

/* An optional member: NULL when absent or null. */
static json_t *
member(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/*
 * A string member.  Returns 0 with *out set (NULL when absent and optional),
 * or -1 with the reason.
 */
static int
get_string(const json_t *obj, const char *key, const char *path, int required,
    const char **out, char *reason, size_t rlen)
{
	json_t *v = member(obj, key);

	*out = NULL;
	if (v == NULL)
		return required ? fail(reason, rlen, "%s: required", path) : 0;
	if (!json_is_string(v))
		return fail(reason, rlen, "%s: must be a string", path);
	*out = json_string_value(v);
	return 0;
}

static int
id_valid(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return 0;
	return 1;
}

static int
check_account_id(const json_t *doc, const char **out, char *reason, size_t rlen)
{
	if (get_string(doc, "account_id", "account_id", 1, out, reason, rlen) < 0)
		return -1;
	if (!id_valid(*out, 128, "_.:@-"))
		return fail(reason, rlen,
		    "account_id: must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ -");
	return 0;
}

/* A money member: a decimal string, never a JSON number. */
static int
get_amount(const json_t *obj, const char *key, const char *path, const char **out,
    char *reason, size_t rlen)
{
	json_t *v = member(obj, key);
	int64_t minor;

	*out = NULL;
	if (v == NULL)
		return fail(reason, rlen, "%s: required", path);
	if (json_is_number(v))
		return fail(reason, rlen,
		    "%s: must be a decimal string such as \"1234.50\", not a number", path);
	if (!json_is_string(v))
		return fail(reason, rlen, "%s: must be a decimal string such as \"1234.50\"", path);
	*out = json_string_value(v);
	if (od_money_parse(*out, 9, &minor) < 0)
		return fail(reason, rlen, "%s: not a decimal amount such as \"1234.50\"", path);
	if (minor == 0)
		return fail(reason, rlen, "%s: must be greater than zero", path);
	return 0;
}

static int
check_utf8(const char *buf, size_t len, char *reason, size_t rlen)
{
	const unsigned char *p = (const unsigned char *)buf;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;

		if (c == 0)
			return fail(reason, rlen, "body: holds a NUL byte (byte %zu)", i + 1);
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			goto bad;
		if (len - i <= n)
			goto bad;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n + 1;
		continue;
bad:
		return fail(reason, rlen, "body: not valid UTF-8 (byte %zu)", i + 1);
	}
	return 0;
}

/* Size limit, UTF-8, JSON, an object.  Returns the document or NULL. */
static json_t *
load_body(const char *buf, size_t len, size_t max_len, char *reason, size_t rlen)
{
	json_error_t jerr;
	json_t *doc;

	if (max_len > 0 && len > max_len) {
		fail(reason, rlen, "body: %zu bytes is over the %zu byte limit", len, max_len);
		return NULL;
	}
	if (check_utf8(buf, len, reason, rlen) < 0)
		return NULL;
	{
		size_t i = 0;

		while (i < len && strchr(" \t\r\n", buf[i]) != NULL)
			i++;
		if (i == len) {
			fail(reason, rlen, "body: empty");
			return NULL;
		}
	}
	doc = od_account_json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (doc == NULL) {
		/* jansson quotes the token it stopped at: personal data never goes into a reason. */
		char *near = strstr(jerr.text, " near '");
		if (near != NULL)
			*near = '\0';
		fail(reason, rlen, "body: invalid JSON at line %d, column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		fail(reason, rlen, "body: must be a JSON object");
		return NULL;
	}
	return doc;
}

/* --- accounts ------------------------------------------------------------ */

static const char *const top_keys[] = {
	"account_id", "debtor", "debt", "policy", "consent", "attributes", NULL
};
static const char *const debtor_keys[] = {
	"name", "phone", "email", "whatsapp", "locale", "timezone", "country", "id", "id_hash",
	NULL
};
static const char *const debt_keys[] = {
	"amount", "currency", "due_date", "product", NULL
};

/*
 * debtor.id, the national document (od_person.h), or debtor.id_hash, what
 * intake stores in its place: one of them, or neither.
 */
static int
check_identity(const json_t *d, struct od_account *a, char *reason, size_t rlen)
{
	char	doc[OD_PERSON_DOC_MAX + 1];
	size_t	i;

	if (get_string(d, "id", "debtor.id", 0, &a->id_doc, reason, rlen) < 0 ||
	    get_string(d, "id_hash", "debtor.id_hash", 0, &a->id_hash, reason, rlen) < 0)
		return -1;
	if (a->id_doc != NULL && a->id_hash != NULL)
		return fail(reason, rlen, "debtor.id_hash: give debtor.id or debtor.id_hash, "
		    "not both");
	if (a->id_doc != NULL && od_person_doc_normalise(a->id_doc, doc) < 0)
		return fail(reason, rlen, "debtor.id: not a document number (1 to %d letters "
		    "and digits; spaces, '.', '-' and '/' are ignored)", OD_PERSON_DOC_MAX);
	if (a->id_hash != NULL) {
		for (i = 0; a->id_hash[i] != '\0'; i++)
			if (!((a->id_hash[i] >= '0' && a->id_hash[i] <= '9') ||
			    (a->id_hash[i] >= 'a' && a->id_hash[i] <= 'f')))
				break;
		if (i != OD_PERSON_HASH_LEN || a->id_hash[i] != '\0')
			return fail(reason, rlen, "debtor.id_hash: must be %d lower-case hex digits",
			    OD_PERSON_HASH_LEN);
	}
	return 0;
}

/*
 * The zone must be one of the country's in tzdata's tables (zone1970.tab,
 * zone.tab; a link counts when it is the same file as one of them): a
 * Peruvian debtor is never held to Etc/UTC's clock.  A country tzdata gives
 * no zone at all cannot be contacted at a known hour: rejected too.  The
 * reason names the country's zones, as many as fit.
 */
static int
check_zone(const struct od_account *a, char *reason, size_t rlen)
{
	const char *const *z;
	size_t	n = od_tz_country_zones(a->country, &z), i;
	char	list[224];
	int	len = 0;

	if (n == 0)
		return fail(reason, rlen, "debtor.country: tzdata has no time zone for %s",
		    a->country);
	if (a->timezone == NULL || od_tz_country_zone(a->country, a->timezone) != NULL)
		return 0;
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t want = strlen(z[i]) + (i ? 2 : 0);

		if ((size_t)len + want + 24 >= sizeof(list)) {
			snprintf(list + len, sizeof(list) - (size_t)len, ", ... %zu in all", n);
			break;
		}
		len += snprintf(list + len, sizeof(list) - (size_t)len, "%s%s", i ? ", " : "", z[i]);
	}
	/* od_tz_valid passed: the name is letters, digits and / _ + - only */
	return fail(reason, rlen, "debtor.timezone: \"%s\" is not a time zone of %s (%s)",
	    a->timezone, a->country, list);
}

static int
check_debtor(const json_t *d, struct od_account *a, char *reason, size_t rlen)
{
	const char *k;

	if ((k = unknown_key(d, debtor_keys)) != NULL)
		return fail_unknown(reason, rlen, "debtor", k);
	if (get_string(d, "name", "debtor.name", 1, &a->name, reason, rlen) < 0)
		return -1;
	if (strlen(a->name) > NAME_MAX_BYTES)
		return fail(reason, rlen, "debtor.name: %zu bytes is over the %d byte limit",
		    strlen(a->name), NAME_MAX_BYTES);
	if (strspn(a->name, " \t") == strlen(a->name))
		return fail(reason, rlen, "debtor.name: must not be empty");
	for (const char *p = a->name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(reason, rlen, "debtor.name: must not hold control characters");
	if (get_string(d, "phone", "debtor.phone", 0, &a->phone, reason, rlen) < 0)
		return -1;
	if (a->phone != NULL && !od_phone_valid(a->phone))
		return fail(reason, rlen, "debtor.phone: not E.164");
	if (get_string(d, "email", "debtor.email", 0, &a->email, reason, rlen) < 0)
		return -1;
	if (a->email != NULL && strlen(a->email) > EMAIL_MAX_BYTES)
		return fail(reason, rlen, "debtor.email: %zu bytes is over the %d byte limit",
		    strlen(a->email), EMAIL_MAX_BYTES);
	if (a->email != NULL && !od_email_valid(a->email))
		return fail(reason, rlen, "debtor.email: not a valid address");
	if (get_string(d, "whatsapp", "debtor.whatsapp", 0, &a->whatsapp, reason, rlen) < 0)
		return -1;
	if (a->whatsapp != NULL && !od_phone_valid(a->whatsapp))
		return fail(reason, rlen, "debtor.whatsapp: not E.164");
	if (a->phone == NULL && a->email == NULL && a->whatsapp == NULL)
		return fail(reason, rlen, "debtor: no phone, email or whatsapp to contact");
	if (get_string(d, "locale", "debtor.locale", 0, &a->locale, reason, rlen) < 0)
		return -1;
	if (a->locale != NULL && !od_locale_valid(a->locale))
		return fail(reason, rlen,
		    "debtor.locale: not a BCP 47 language[-REGION] tag such as es or es-PE");
	if (get_string(d, "timezone", "debtor.timezone", 0, &a->timezone, reason, rlen) < 0)
		return -1;
	if (a->timezone != NULL && !od_tz_valid(a->timezone))
		return fail(reason, rlen, "debtor.timezone: not a known IANA time zone");
	if (get_string(d, "country", "debtor.country", 1, &a->country, reason, rlen) < 0)
		return -1;
	if (!od_country_valid(a->country))
		return fail(reason, rlen, "debtor.country: not an ISO 3166-1 alpha-2 code");
	if (check_identity(d, a, reason, rlen) < 0)
		return -1;
	return check_zone(a, reason, rlen);
}

static int
check_debt(const json_t *d, struct od_account *a, char *reason, size_t rlen)
{
	const char *k;

	if ((k = unknown_key(d, debt_keys)) != NULL)
		return fail_unknown(reason, rlen, "debt", k);
	if (get_amount(d, "amount", "debt.amount", &a->amount, reason, rlen) < 0)
		return -1;
	if (get_string(d, "currency", "debt.currency", 1, &a->currency, reason, rlen) < 0)
		return -1;
	if ((a->minor_digits = od_currency_digits(a->currency)) < 0)
		return fail(reason, rlen, "debt.currency: not an active ISO 4217 code");
	if (od_money_parse(a->amount, a->minor_digits, &a->amount_minor) < 0) {
		if (a->minor_digits == 0)
			return fail(reason, rlen, "debt.amount: %s has no decimal places",
			    a->currency);
		return fail(reason, rlen, "debt.amount: %s allows at most %d decimal places",
		    a->currency, a->minor_digits);
	}
	if (get_string(d, "due_date", "debt.due_date", 1, &a->due_date, reason, rlen) < 0)
		return -1;
	if (od_date_parse(a->due_date, &a->due_y, &a->due_m, &a->due_d) < 0)
		return fail(reason, rlen, "debt.due_date: %s", account_date_problem(a->due_date));
	if (get_string(d, "product", "debt.product", 0, &a->product, reason, rlen) < 0)
		return -1;
	if (a->product != NULL && (a->product[0] == '\0' || strlen(a->product) > PRODUCT_MAX_BYTES))
		return fail(reason, rlen, "debt.product: must be 1 to %d bytes", PRODUCT_MAX_BYTES);
	return 0;
}

static int
check_consent(const json_t *c, struct od_account *a, char *reason, size_t rlen)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)c, key, v) {
		int kind = od_channel_kind_parse(key);

		if (kind < 0)
			return fail_unknown(reason, rlen, "consent", key);
		if (!json_is_boolean(v))
			return fail(reason, rlen, "consent.%s: must be true or false", key);
		a->consent[kind] = json_is_true(v);
	}
	return 0;
}

static int
account_check(json_t *doc, struct od_account *a, char *reason, size_t rlen)
{
	const json_t *v;
	const char *k;

	if ((k = unknown_key(doc, top_keys)) != NULL)
		return fail_unknown(reason, rlen, "body", k);
	if (check_account_id(doc, &a->id, reason, rlen) < 0)
		return -1;
	if ((v = member(doc, "debtor")) == NULL)
		return fail(reason, rlen, "debtor: required");
	if (!json_is_object(v))
		return fail(reason, rlen, "debtor: must be an object");
	if (check_debtor(v, a, reason, rlen) < 0)
		return -1;
	if ((v = member(doc, "debt")) == NULL)
		return fail(reason, rlen, "debt: required");
	if (!json_is_object(v))
		return fail(reason, rlen, "debt: must be an object");
	if (check_debt(v, a, reason, rlen) < 0)
		return -1;
	if (get_string(doc, "policy", "policy", 0, &a->policy, reason, rlen) < 0)
		return -1;
	if (a->policy != NULL && !id_valid(a->policy, 64, "_.-"))
		return fail(reason, rlen, "policy: must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
	if ((v = member(doc, "consent")) != NULL) {
		if (!json_is_object(v))
			return fail(reason, rlen, "consent: must be an object");
		if (check_consent(v, a, reason, rlen) < 0)
			return -1;
	}
	if ((v = member(doc, "attributes")) != NULL) {
		if (!json_is_object(v))
			return fail(reason, rlen, "attributes: must be an object");
		a->attributes = v;
	}
	return 0;
}

int
od_account_from_json(json_t *doc, struct od_account *a, char *reason, size_t rlen)
{
	memset(a, 0, sizeof(*a));
	if (!json_is_object(doc))
		return fail(reason, rlen, "body: must be a JSON object");
	if (account_check(doc, a, reason, rlen) < 0) {
		memset(a, 0, sizeof(*a));
		return -1;
	}
	a->doc = json_incref(doc);
	return 0;
}

int
od_account_parse(const char *buf, size_t len, size_t max_len, struct od_account *a,
    char *reason, size_t rlen)
{
	json_t *doc;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((doc = load_body(buf, len, max_len, reason, rlen)) == NULL)
		return -1;
	rc = od_account_from_json(doc, a, reason, rlen);
	json_decref(doc);
	return rc;
}

int
od_account_from_stored(const char *buf, size_t len, struct od_account *a, char *reason,
    size_t rlen)
{
	json_t *doc;
	int rc;

	memset(a, 0, sizeof(*a));
	doc = od_account_json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL || !json_is_object(doc) || memchr(buf, '\0', len) != NULL) {
		json_decref(doc);
		/* Not what intake stores: the whole check, for the very same reason. */
		return od_account_parse(buf, len, 0, a, reason, rlen);
	}
	rc = od_account_from_json(doc, a, reason, rlen);
	json_decref(doc);
	return rc;
}

void
od_account_clear(struct od_account *a)
{
	if (a == NULL)
		return;
	json_decref(a->doc);
	memset(a, 0, sizeof(*a));
}

/* --- events -------------------------------------------------------------- */

/*
 * The event types and their own fields (besides account_id, type, at and
 * reference); the first is required unless marked '?'.  Evidence fields
 * (docs/protocol.md, "Promises and agreements"): source, agent, channel,
 * text, token.
 */
static const struct {
	enum od_event_type	 type;
	const char		*name;
	int			 accept;	/* ACCEPT: OD_OFFER_* of the name */
	const char *const	 fields[10];
} event_types[] = {
	{ OD_EV_PAYMENT, "payment", 0, { "amount", "full", "currency", NULL } },
	{ OD_EV_CLOSE, "close", 0, { NULL } },
	{ OD_EV_OPT_OUT, "opt_out", 0, { "channel", NULL } },
	{ OD_EV_OPT_IN, "opt_in", 0, { "channel", NULL } },
	{ OD_EV_DISPUTE, "dispute", 0, { NULL } },
	{ OD_EV_DISPUTE_RESOLVED, "dispute_resolved", 0, { NULL } },
	{ OD_EV_PROMISE, "promise_to_pay", 0, { "date", "until", "amount", "currency", "source",
	    "agent", "channel", "text", "token", NULL } },
	{ OD_EV_CEASE, "cease", 0, { NULL } },
	{ OD_EV_ACCEPT, "plan_accepted", OD_OFFER_PLAN, { "offer", "option", "source", "agent",
	    "channel", "text", "token", NULL } },
	{ OD_EV_ACCEPT, "settlement_accepted", OD_OFFER_SETTLEMENT, { "offer", "source", "agent",
	    "channel", "text", "token", NULL } },
	{ OD_EV_ACCEPT, "extension_accepted", OD_OFFER_EXTENSION, { "offer", "source", "agent",
	    "channel", "text", "token", NULL } },
	{ OD_EV_RECALL, "recall", 0, { "reason", NULL } },
	{ OD_EV_AGENT, "agent_requested", 0, { "reason", "source", "agent", "channel", "text",
	    "token", NULL } },
	{ OD_EV_PAID_CLAIM, "payment_claimed", 0, { "amount", "currency", "source", "agent",
	    "channel", "text", "token", NULL } },
	{ OD_EV_WRONG_NUMBER, "wrong_number", 0, { "channel", "source", "agent", "text",
	    "token", NULL } },
	{ OD_EV_REPLY, "reply", 0, { "channel", "text", "payload", "provider_id", NULL } },
};
#define EVENT_NTYPES	(sizeof(event_types) / sizeof(event_types[0]))

static const char *const event_sources[] = { "agent", "reply", "link", "ivr", "upstream", NULL };

const char *
od_event_type_name(enum od_event_type t)
{
	for (size_t i = 0; i < EVENT_NTYPES; i++)
		if (event_types[i].type == t)
			return event_types[i].name;
	return "invalid";
}

/* The evidence of a promise or an acceptance: who, how, what the debtor said. */
static int
event_evidence(const json_t *doc, char *reason, size_t rlen)
{
	static const struct { const char *key; size_t max; } limits[] = {
		{ "agent", 128 }, { "channel", 32 }, { "text", 2000 }, { "token", 512 },
	};
	const char	*s;
	size_t		 i;

	if (get_string(doc, "source", "source", 0, &s, reason, rlen) < 0)
		return -1;
	if (s != NULL) {
		for (i = 0; event_sources[i] != NULL; i++)
			if (strcmp(event_sources[i], s) == 0)
				break;
		if (event_sources[i] == NULL)
			return fail(reason, rlen, "source: must be agent, reply, link, ivr or upstream");
	}
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (get_string(doc, limits[i].key, limits[i].key, 0, &s, reason, rlen) < 0)
			return -1;
		if (s != NULL && strlen(s) > limits[i].max)
			return fail(reason, rlen, "%s: %zu bytes is over the %zu byte limit",
			    limits[i].key, strlen(s), limits[i].max);
	}
	return 0;
}

static int
event_check(const json_t *doc, struct od_event *ev, char *reason, size_t rlen)
{
	static const char *const common[] = { "account_id", "type", "at", "reference", NULL };
	const char *key, *s;
	json_t *v;
	size_t i;
	int64_t ms;

	if (check_account_id(doc, &ev->account_id, reason, rlen) < 0)
		return -1;
	if (get_string(doc, "type", "type", 1, &ev->type_name, reason, rlen) < 0)
		return -1;
	for (i = 0; i < EVENT_NTYPES; i++)
		if (strcmp(event_types[i].name, ev->type_name) == 0)
			break;
	if (i == EVENT_NTYPES)
		return name_quotable(ev->type_name) ?
		    fail(reason, rlen, "type: unknown event type '%s'", ev->type_name) :
		    fail(reason, rlen, "type: an unknown event type");
	ev->type = event_types[i].type;
	ev->accept = event_types[i].accept;
	json_object_foreach((json_t *)doc, key, v) {
		const char *const *c;

		(void)v;
		for (c = common; *c != NULL; c++)
			if (strcmp(*c, key) == 0)
				break;
		if (*c != NULL)
			continue;
		for (c = event_types[i].fields; *c != NULL; c++)
			if (strcmp(*c, key) == 0)
				break;
		if (*c != NULL)
			continue;
		return name_quotable(key) ?
		    fail(reason, rlen, "body: unknown field '%s' for a %s event", key, ev->type_name) :
		    fail(reason, rlen, "body: an unknown field for a %s event", ev->type_name);
	}
	ev->channel = -1;
	switch (ev->type) {
	case OD_EV_PAYMENT:
		if (get_amount(doc, "amount", "amount", &ev->amount, reason, rlen) < 0)
			return -1;
		if ((v = member(doc, "full")) != NULL) {
			if (!json_is_boolean(v))
				return fail(reason, rlen, "full: must be true or false");
			ev->full = json_is_true(v);
		}
		break;
	case OD_EV_OPT_OUT:
	case OD_EV_OPT_IN:
		if (get_string(doc, "channel", "channel", 1, &s, reason, rlen) < 0)
			return -1;
		if (strcmp(s, "all") != 0 && (ev->channel = od_channel_kind_parse(s)) < 0)
			return fail(reason, rlen, "channel: must be sms, email, whatsapp or all");
		break;
	case OD_EV_PROMISE: {
		const char	*date, *until;
		int		 y, m, d;

		if (get_string(doc, "date", "date", 0, &date, reason, rlen) < 0 ||
		    get_string(doc, "until", "until", 0, &until, reason, rlen) < 0)
			return -1;
		if (date != NULL && until != NULL)
			return fail(reason, rlen, "date: give date or until (its older name), not both");
		if (date == NULL && until == NULL)
			return fail(reason, rlen, "date: required");
		ev->until = date != NULL ? date : until;
		if (od_date_parse(ev->until, &y, &m, &d) < 0)
			return fail(reason, rlen, "%s: %s", date ? "date" : "until",
			    account_date_problem(ev->until));
		if (member(doc, "amount") != NULL &&
		    get_amount(doc, "amount", "amount", &ev->amount, reason, rlen) < 0)
			return -1;
		if (event_evidence(doc, reason, rlen) < 0)
			return -1;
		break;
	}
	case OD_EV_ACCEPT:
		if (get_string(doc, "offer", "offer", 1, &ev->offer, reason, rlen) < 0)
			return -1;
		if (!id_valid(ev->offer, 32, "_"))
			return fail(reason, rlen, "offer: not an offer id (a-z 0-9 _, at most 32)");
		if ((v = member(doc, "option")) != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 60)
				return fail(reason, rlen, "option: must be a number of instalments, "
				    "1 to 60");
			ev->option = (int)json_integer_value(v);
		}
		if (event_evidence(doc, reason, rlen) < 0)
			return -1;
		break;
	case OD_EV_AGENT:
	case OD_EV_PAID_CLAIM:
	case OD_EV_WRONG_NUMBER:
		if (ev->type == OD_EV_PAID_CLAIM && member(doc, "amount") != NULL &&
		    get_amount(doc, "amount", "amount", &ev->amount, reason, rlen) < 0)
			return -1;
		if (ev->type == OD_EV_WRONG_NUMBER) {
			/* the address that reached someone else: phone (sms and whatsapp) or email */
			if (get_string(doc, "channel", "channel", 1, &s, reason, rlen) < 0)
				return -1;
			if ((ev->channel = od_channel_kind_parse(s)) < 0)
				return fail(reason, rlen, "channel: must be sms, email or whatsapp");
		}
		if (event_evidence(doc, reason, rlen) < 0)
			return -1;
		/* FALLTHROUGH */
	case OD_EV_RECALL:
		if (get_string(doc, "reason", "reason", 0, &s, reason, rlen) < 0)
			return -1;
		if (s != NULL && strlen(s) > 500)
			return fail(reason, rlen, "reason: %zu bytes is over the 500 byte limit",
			    strlen(s));
		break;
	case OD_EV_REPLY:
		/* read and applied as a gateway's reply is (od_state_reply, docs/replies.md) */
		if (get_string(doc, "channel", "channel", 1, &s, reason, rlen) < 0)
			return -1;
		if ((ev->channel = od_channel_kind_parse(s)) < 0 || ev->channel == OD_CH_EMAIL)
			return fail(reason, rlen, "channel: must be sms or whatsapp");
		if (get_string(doc, "text", "text", 1, &s, reason, rlen) < 0)
			return -1;
		if (strlen(s) > 2000)
			return fail(reason, rlen, "text: %zu bytes is over the 2000 byte limit",
			    strlen(s));
		if (get_string(doc, "payload", "payload", 0, &s, reason, rlen) < 0 ||
		    (s != NULL && strlen(s) > 63))
			return s != NULL ? fail(reason, rlen, "payload: over 63 bytes") : -1;
		if (get_string(doc, "provider_id", "provider_id", 0, &s, reason, rlen) < 0 ||
		    (s != NULL && strlen(s) > 127))
			return s != NULL ? fail(reason, rlen, "provider_id: over 127 bytes") : -1;
		break;
	default:
		break;
	}
	if (get_string(doc, "currency", "currency", 0, &s, reason, rlen) < 0)
		return -1;
	if (s != NULL && od_currency_digits(s) < 0)
		return fail(reason, rlen, "currency: not an ISO 4217 code");
	if (get_string(doc, "at", "at", 0, &s, reason, rlen) < 0)
		return -1;
	if (s != NULL && od_time_parse_iso(s, &ms) < 0)
		return fail(reason, rlen,
		    "at: not an ISO 8601 time such as \"2026-12-02T10:00:00Z\"");
	if (get_string(doc, "reference", "reference", 0, &s, reason, rlen) < 0)
		return -1;
	if (s != NULL && strlen(s) > REFERENCE_MAX_BYTES)
		return fail(reason, rlen, "reference: %zu bytes is over the %d byte limit",
		    strlen(s), REFERENCE_MAX_BYTES);
	return 0;
}

int
od_event_parse(const char *buf, size_t len, size_t max_len, struct od_event *ev,
    char *reason, size_t rlen)
{
	json_t *doc;

	memset(ev, 0, sizeof(*ev));
	if ((doc = load_body(buf, len, max_len, reason, rlen)) == NULL)
		return -1;
	if (event_check(doc, ev, reason, rlen) < 0) {
		json_decref(doc);
		memset(ev, 0, sizeof(*ev));
		return -1;
	}
	ev->doc = doc;
	return 0;
}

void
od_event_clear(struct od_event *ev)
{
	if (ev == NULL)
		return;
	json_decref(ev->doc);
	memset(ev, 0, sizeof(*ev));
}
