/*
 * od_account: the account and event documents that upstream systems put on
 * <prefix>:inbox (docs/protocol.md), validated once at intake.
 *
 * A document that fails validation is never dropped: the caller writes it to
 * <prefix>:rejected with the reason this module gives ("debtor.phone: not
 * E.164", "body: 70000 bytes is over the 65536 byte limit").
 */
#ifndef OD_ACCOUNT_H
#define OD_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* The channel kinds a policy step names; a gateway serves one kind. */
enum od_channel_kind {
	OD_CH_SMS = 0,
	OD_CH_EMAIL,
	OD_CH_WHATSAPP,
	OD_CH_MAX
};

const char	*od_channel_kind_name(int kind);		/* "sms", "email", "whatsapp" */
int		 od_channel_kind_parse(const char *s);		/* kind, or -1 */

struct od_account {
	json_t		*doc;		/* the whole document, owned; strings below borrow from it */
	const char	*id;
	/* debtor */
	const char	*name;
	const char	*phone;		/* E.164 or NULL */
	const char	*email;		/* or NULL */
	const char	*whatsapp;	/* E.164 or NULL */
	const char	*locale;	/* BCP 47, e.g. "es-PE"; never NULL after parse ("es-PE" when absent? no: the config default is applied by the caller when NULL) */
	const char	*timezone;	/* IANA or NULL */
	const char	*country;	/* ISO 3166-1 alpha-2 */
	const char	*id_doc;	/* debtor.id, the national document as given, or NULL */
	const char	*id_hash;	/* debtor.id_hash (stored in its place: od_person.h), or NULL */
	/* debt */
	const char	*amount;	/* decimal string as given, e.g. "1234.50" */
	int64_t		 amount_minor;	/* in the currency's minor units: 123450 */
	int		 minor_digits;	/* the currency's exponent: PEN 2, CLP 0 */
	const char	*currency;	/* ISO 4217 */
	const char	*due_date;	/* "YYYY-MM-DD" */
	int		 due_y, due_m, due_d;
	const char	*product;	/* or NULL */
	const char	*policy;	/* or NULL: the policies' segment rules choose */
	int		 consent[OD_CH_MAX];	/* 1 when the debtor consented to the kind */
	const json_t	*attributes;	/* borrowed from doc, an object or NULL */
};

/*
 * Parses and validates an account document of len bytes (not necessarily
 * NUL-terminated).  max_len is the size limit (0: no limit).  On failure
 * returns -1 with a one-line reason in reason ("field: what is wrong").
 * On success a must be cleared with od_account_clear.
 */
int	od_account_parse(const char *buf, size_t len, size_t max_len,
	    struct od_account *a, char *reason, size_t rlen);
/*
 * An account as stored at intake (P:accounts), already through
 * od_account_parse there: the same result and the same reason on failure,
 * without the body checks that cannot fail for such a document (the UTF-8
 * scan); the field checks stay (a release may tighten them).
 */
int	od_account_from_stored(const char *buf, size_t len, struct od_account *a,
	    char *reason, size_t rlen);
/* Same, from a parsed document (takes a reference of its own). */
int	od_account_from_json(json_t *doc, struct od_account *a, char *reason, size_t rlen);
void	od_account_clear(struct od_account *a);

/*
 * JSON text to a value: exactly what json_loadb(buf, len, flags, err) gives
 * (the same value, or the same error), faster for the plain documents read
 * on every action (accounts, states).  See od_account_json.c.
 */
json_t	*od_account_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);
/*
 * The text json_dumps(v, JSON_COMPACT) gives (malloc'd, NULL when out of
 * memory), written directly for a object (nested objects and arrays included) of strings, integers and
 * literals (attempt records); jansson writes anything else.
 */
char	*od_account_json_dumps(const json_t *v);

/*
 * The debtor's one time zone (docs/contact-rules.md, "Time zones"): the
 * account's timezone (as tzdata's tables name it), else the country's only
 * zone when every number on the account carries the country's calling code
 * (+51 on a PE account: America/Lima), else NULL.  Intake has checked that a
 * given zone belongs to debtor.country.
 */
const char *od_account_timezone(const struct od_account *a);
/*
 * The zones the contact rules must allow a send in: that one zone (1), or,
 * when the account gives none and the country has several in tzdata (US,
 * MX, CL), all of the country's zones (Reg F's "both candidate zones",
 * 12 CFR 1006.6(b)(1)(i)); 0 when unknown (a one-zone country with no
 * number of its own: timezone_unknown).  *zones is borrowed from a or from
 * the tz tables.
 */
size_t	od_account_zones(const struct od_account *a, const char *const **zones);
/*
 * The zone a's steps are planned in (the local day and send_at): its one
 * zone, else the first of its zones (tzdata lists the most populous first:
 * America/New_York for US), else NULL.
 */
const char *od_account_plan_zone(const struct od_account *a);

enum od_event_type {
	OD_EV_INVALID = 0,
	OD_EV_PAYMENT,		/* amount, optional "full": true */
	OD_EV_CLOSE,
	OD_EV_OPT_OUT,		/* channel: "sms" | "email" | "whatsapp" | "all" */
	OD_EV_OPT_IN,		/* channel, as opt_out */
	OD_EV_DISPUTE,		/* hold until dispute_resolved */
	OD_EV_DISPUTE_RESOLVED,
	OD_EV_PROMISE,		/* "promise_to_pay": date (or until), amount, evidence */
	OD_EV_CEASE,		/* cease communication: stops outreach for good */
	OD_EV_ACCEPT,		/* plan_accepted, settlement_accepted, extension_accepted: offer, option */
	OD_EV_RECALL,		/* a placed account comes back to outreach */
	OD_EV_AGENT,		/* "agent_requested": the debtor asked for a person */
	OD_EV_PAID_CLAIM,	/* "payment_claimed": the debtor says they paid (unverified) */
	OD_EV_WRONG_NUMBER,	/* "wrong_number": the address reached someone else */
	OD_EV_REPLY,		/* "reply": a debtor's answer relayed by upstream: channel, text (payload) */
};

struct od_event {
	json_t			*doc;		/* owned */
	const char		*account_id;
	enum od_event_type	 type;
	const char		*type_name;	/* as written */
	const char		*amount;	/* PAYMENT: decimal string */
	int			 full;		/* PAYMENT: says it settles the debt */
	int			 channel;	/* OPT_OUT/OPT_IN: kind, or -1 for all */
	const char		*until;		/* PROMISE: "YYYY-MM-DD" (date, or the older until) */
	const char		*offer;		/* ACCEPT: the offer's id */
	int			 accept;	/* ACCEPT: the offer kind its name says (OD_OFFER_*) */
	int			 option;	/* ACCEPT: the instalments chosen; 0: the offer's default */
};

int	od_event_parse(const char *buf, size_t len, size_t max_len,
	    struct od_event *ev, char *reason, size_t rlen);
void	od_event_clear(struct od_event *ev);
const char *od_event_type_name(enum od_event_type t);	/* "payment", "promise_to_pay", ... */

/*
 * Decimal money strings: "1234.5", "1234.50", "0.99"; no sign, no exponent,
 * at most digits fractional digits.  Sets *minor (1234.5 with 2 digits ->
 * 123450).  Returns 0 or -1.
 */
int	od_money_parse(const char *s, int digits, int64_t *minor);
/* pct percent of minor units, rounded half up, without overflowing: a discount. */
int64_t	od_money_percent(int64_t minor, int pct);
/* Minor units as a decimal string with digits fractional digits: 123450, 2 -> "1234.50". */
const char *od_money_format(int64_t minor, int digits, char *buf, size_t len);
/* The ISO 4217 exponent of code (2 for PEN, 0 for CLP), or -1 when unknown. */
int	od_currency_digits(const char *code);
int	od_country_valid(const char *code);	/* ISO 3166-1 alpha-2: 1 or 0 */
int	od_phone_valid(const char *s);		/* E.164: 1 or 0 */
int	od_email_valid(const char *s);		/* 1 or 0 */
int	od_locale_valid(const char *s);		/* BCP 47 language[-region]: 1 or 0 */

#endif /* OD_ACCOUNT_H */
