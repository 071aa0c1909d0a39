/*
 * od_callback: what gateways send back — delivery receipts and debtors'
 * replies — checked and parsed, independent of the HTTP server.
 *
 * The admin server (od_admin.c) hands each callback request over as an
 * od_cb_request and answers with the status and body of the od_cb_result;
 * the receipts and replies found are then applied to Redis with
 * receipt.lua and reply.lua (od_cb_receipt_script / od_cb_reply_script).
 * Formats, settings and URLs: docs/callbacks.md.
 *
 * Every handler is strict: bodies over 64 KiB, more than 100 parameters, a
 * value over 4 KiB, a critical parameter given twice, a bad percent
 * escape, NUL or invalid UTF-8 are 400; a missing or wrong signature or
 * token is 403.  A response body is always one of a few fixed strings (or
 * the digits of a WhatsApp challenge): input is never reflected.
 */
#ifndef OD_CALLBACK_H
#define OD_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "od_queue.h"

#define OD_CB_MAX_BODY		65536	/* bytes */
#define OD_CB_MAX_PARAMS	100	/* query + form parameters together */
#define OD_CB_MAX_VALUE		4096	/* bytes of one decoded value */
#define OD_CB_MAX_ITEMS		64	/* receipts, and replies, per request (more: 413) */

struct od_cb_request {
	const char	*method;	/* "GET", "POST" */
	/* The full public URL as the provider signed it: scheme://host/path?query
	 * (the configured public base URL + the path and query as received). */
	const char	*url;
	const char	*path;
	const char	*query;		/* without '?', or NULL */
	const char	*body;		/* or NULL */
	size_t		 body_len;
	const char	*content_type;	/* or NULL */
	const char	*signature;	/* X-Twilio-Signature or X-Hub-Signature-256, or NULL */
};

struct od_receipt {
	char	 account_id[129];
	char	 attempt_id[420];
	char	 provider_id[128];
	char	 state[16];	/* delivered, failed, read, sent, queued, undelivered */
	char	 code[32];	/* the provider's error code, or the Kannel DLR value; "" */
	int64_t	 at_ms;		/* when, as the provider says (else when received) */
	/*
	 * 1: provider_id must be the one the provider gave at the send
	 * (Twilio's MessageSid, WhatsApp's message id); 0: the receipt's id is
	 * another (a Kannel DLR's %F is the SMSC's id, and its URL carries a
	 * per-attempt token instead).
	 */
	int	 match_provider;
	/*
	 * 1: a WhatsApp status that names no attempt of ours (no
	 * biz_opaque_callback_data): account_id and attempt_id are "", to be
	 * found from provider_id, the message id, through the index complete.lua
	 * keeps (od_wamid.h; od_hooks.c does the lookup).
	 */
	int	 lookup;
};

struct od_reply {
	char	 channel[16];	/* "sms", "whatsapp" */
	char	 from[32];	/* E.164 */
	char	 text[1024];	/* UTF-8, cut at a character boundary */
	int	 opt_out;	/* the whole text is an opt-out word */
	char	 provider_id[128];
	int64_t	 at_ms;
	/*
	 * WhatsApp: a tapped button's payload (a template's quick reply,
	 * button.payload) or id (an interactive reply's button_reply or
	 * list_reply), printable ASCII, else "" (text then holds the button's
	 * visible text); and the id (wamid) of our message the reply answers
	 * (message.context.id), or "".
	 */
	char	 payload[64];
	char	 context_id[128];
};

/*
 * About 135 KiB: allocate it, do not put it on the stack of a callback.
 * The handlers reset it first.
 */
struct od_cb_result {
	int			 http_status;
	char			 content_type[48];
	char			 body[512];	/* never echoes input */
	const char		*reason;	/* for the log, a fixed string; NULL when fine */
	int			 bad_signature;	/* 1: refused for its signature or token */
	int			 ignored;	/* items skipped: unknown states, non-text messages */
	int			 unmatched;	/* WhatsApp statuses without our attempt: receipts
						   with lookup set (docs/callbacks.md) */
	int			 nreceipts;
	struct od_receipt	 receipts[OD_CB_MAX_ITEMS];
	int			 nreplies;
	struct od_reply		 replies[OD_CB_MAX_ITEMS];
};

/*
 * The handlers: each fills res and returns 0 when the request was accepted
 * (2xx), -1 when refused (4xx; res->http_status, res->reason say why).
 * Twilio: a form POST signed with X-Twilio-Signature (auth_token).
 */
int	od_cb_twilio_status(const struct od_cb_request *req, const char *auth_token,
	    struct od_cb_result *res);
int	od_cb_twilio_inbound(const struct od_cb_request *req, const char *auth_token,
	    struct od_cb_result *res);
/*
 * WhatsApp Cloud API webhook.  GET: the subscription handshake (200 with
 * the challenge, digits only, else 400; 403 on a wrong verify_token).
 * POST: signed with X-Hub-Signature-256 (app_secret); statuses[] become
 * receipts, text and button messages[] replies (a button's payload and
 * the message it answers in od_reply.payload and context_id).
 */
int	od_cb_whatsapp(const struct od_cb_request *req, const char *verify_token,
	    const char *app_secret, struct od_cb_result *res);
/* Kannel DLR (GET or POST): account, attempt, token, status, smsc_id; secret: the callback secret. */
int	od_cb_kannel_dlr(const struct od_cb_request *req, const char *secret,
	    struct od_cb_result *res);
/* Kannel sms-service get-url: from (%p), text (%a), token (shared, compared as is). */
int	od_cb_kannel_inbound(const struct od_cb_request *req, const char *token,
	    struct od_cb_result *res);

/*
 * The callback URL of one attempt, for msg->callback_url:
 * "<base>?account=<id>&attempt=<attempt_id>&token=<t>" ('&' instead of '?'
 * when base has a query), values percent-encoded, t the lowercase hex of
 * HMAC-SHA256(secret, account_id "\n" attempt_id).  secret NULL or "":
 * no token (fine for Twilio, whose signature covers the URL).  0, or -1
 * when it does not fit.
 */
int	od_cb_callback_url(char *buf, size_t len, const char *base, const char *account_id,
	    const char *attempt_id, const char *secret);
/* The token above, 64 hex digits and a NUL. */
void	od_cb_token(const char *secret, const char *account_id, const char *attempt_id,
	    char out[65]);

/*
 * A callback secret from a gateway's settings, as plugins read theirs:
 * "<key>_file" (relative to $CREDENTIALS_DIRECTORY), else "<key>_env".
 * Copied to buf; 0, or -1 when neither gives a value.
 */
struct od_gateway_conf;
int	od_cb_secret(const struct od_gateway_conf *gw, const char *key, char *buf, size_t len);

/*
 * Opt-out words.  A reply opts out when the whole text, trimmed of spaces
 * and surrounding punctuation (". , ; : ! ? ¡ ¿" and quotes), with inner
 * spaces collapsed, compares equal to a word ignoring case and accents:
 * "STOP", " baja ", "Cancelar", "no", "ALTO." and "¡Baja!" opt out;
 * "no puedo pagar hoy" does not.  Defaults: es: STOP BAJA ALTO CANCELAR NO
 * UNSUBSCRIBE; en: STOP QUIT END REVOKE OPT OUT CANCEL UNSUBSCRIBE NO (TCPA
 * list, ../shared/reference/contact-rules.md).
 * words: NULL-terminated; NULL restores the defaults (or removes a locale
 * that has none).  Up to 16 locales, 64 words each, 63 bytes a word.
 */
int	od_cb_optout_words_set(const char *locale, const char *const *words);
/* 1 when text opts out under locale's list; locale NULL: under any list. */
int	od_cb_optout_match(const char *text, const char *locale);

/*
 * The KEYS and ARGV of receipt.lua and reply.lua for one item, ready for
 * od_queue_script(q, OD_SCRIPT_RECEIPT, cb, arg, a.nkeys, a.keys, a.nargs,
 * a.args, a.arglens).  Everything points into a (or into the item).
 */
struct od_cb_script {
	int		 nkeys, nargs;
	const char	*keys[3];
	const char	*args[9];
	size_t		 arglens[9];
	char		 hist[600];
	char		 ts[32], n1[24], n2[24];
};
void	od_cb_receipt_script(const struct od_keys *k, const struct od_receipt *r,
	    long attempts_maxlen, int history_len, struct od_cb_script *a);
void	od_cb_reply_script(const struct od_keys *k, const struct od_reply *r, long replies_maxlen,
	    struct od_cb_script *a);

/* HMACs (libcrypto), for the handlers and tests: out is 20 / 32 bytes. */
void	od_cb_hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen,
	    unsigned char out[20]);
void	od_cb_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
	    unsigned char out[32]);
/*
 * 1 when a[0..alen) equals b[0..blen): a signature, token or password
 * compared in constant time (CRYPTO_memcmp over their SHA-256 digests, so
 * neither a common prefix nor the lengths show in the time taken).
 */
int	od_cb_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif /* OD_CALLBACK_H */
