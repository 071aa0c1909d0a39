/*
 * od_channel.h: the channel plugin ABI.
 *
 * A plugin is a shared object that exports one function,
 *
 *	const struct od_channel_plugin *od_channel_plugin_entry(void);
 *
 * returning a const struct whose first two members are the ABI version and
 * the struct's size; the loader (daemon/od_plugin.c) refuses a mismatch and
 * loads with RTLD_NOW | RTLD_LOCAL.  Plugins build with -fvisibility=hidden
 * and link against nothing of the core: what they need from it comes in the
 * host table (as RedisModule_Init hands modules their API).
 *
 * Plugins are pure.  They never open a socket or a file: build() fills in a
 * request on a handle the core gives them (a libcurl easy handle for HTTP
 * and SMTP transports, a byte buffer for the file transport), and
 * classify() turns the reply into an outcome.  Connections, timeouts,
 * retries, rate limits and the event loop belong to the core.
 *
 * Everything handed to a callback is borrowed for that call only.
 */
#ifndef OD_CHANNEL_H
#define OD_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#define OD_CHANNEL_ABI_VERSION	3	/* 2: reply.retry_after_ms, host->buf_base64;
				   3: message.wa_buttons, wa_nbuttons, wa_session */

/* Log levels for host->log, as syslog's. */
#define OD_CH_LOG_ERR		3
#define OD_CH_LOG_WARNING	4
#define OD_CH_LOG_INFO		6
#define OD_CH_LOG_DEBUG		7

/*
 * What the core offers a plugin.  Requests are built through the req_*
 * calls on the request handle the core gives build(); the core applies them
 * to its libcurl easy handle (and records them, which is what lets every
 * plugin be tested without a network).  Buffers are the core's, too.
 */
struct od_channel_host {
	uint32_t	 abi_version;
	uint32_t	 size;
	/* A line in the daemon's log, "[gateway:<name>] ...".  Never pass personal data. */
	void		(*log)(void *host_ctx, int level, const char *fmt, ...)
			    __attribute__((format(printf, 3, 4)));
	/* A gateway setting from the config (environment expanded), or NULL. */
	const char	*(*setting)(void *host_ctx, const char *key);
	/*
	 * A secret: the setting "<key>_file" names a file (relative paths are
	 * taken from $CREDENTIALS_DIRECTORY), else "<key>_env" names an
	 * environment variable.  NULL when neither gives a value.
	 */
	const char	*(*secret)(void *host_ctx, const char *key);

	/* Request building; each returns 0, or -1 (out of memory, or CR/LF/NUL in a header). */
	int		(*req_url)(void *req, const char *url);
	int		(*req_method)(void *req, const char *method);	/* "POST", "GET" */
	int		(*req_header)(void *req, const char *header);	/* "Name: value" */
	int		(*req_body)(void *req, const void *data, size_t len);	/* copied */
	int		(*req_basic_auth)(void *req, const char *user, const char *password);
	int		(*req_mail_from)(void *req, const char *addr);	/* SMTP envelope */
	int		(*req_mail_rcpt)(void *req, const char *addr);

	/* Growable byte buffers. */
	void		*(*buf_new)(void);
	void		(*buf_free)(void *buf);
	int		(*buf_append)(void *buf, const void *data, size_t len);
	int		(*buf_printf)(void *buf, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));
	int		(*buf_json_string)(void *buf, const char *s);	/* a JSON literal, quotes included */
	/*
	 * Form encoding (application/x-www-form-urlencoded): A-Z a-z 0-9
	 * - _ . ~ as they are, space as '+', every other byte as %XX.
	 */
	int		(*buf_urlencode)(void *buf, const char *s);
	const char	*(*buf_data)(void *buf, size_t *len);		/* NUL-terminated */
	int		(*buf_base64)(void *buf, const void *data, size_t len);	/* RFC 4648, padded */
};

enum od_transport {
	OD_TRANSPORT_INVALID = 0,
	OD_TRANSPORT_FILE,		/* the core appends the body as one line to a file */
	OD_TRANSPORT_HTTP,		/* the core performs the request with libcurl */
	OD_TRANSPORT_SMTP,		/* the core performs the SMTP transaction with libcurl */
};

/* The channel kinds, as od_account.h numbers them. */
#define OD_KIND_SMS		0
#define OD_KIND_EMAIL		1
#define OD_KIND_WHATSAPP	2

/* The message the core hands build(): rendered, addressed, identified. */
struct od_channel_message {
	const char	 *action_id;	/* stable across retries: "<account>:<cycle>:<step>" */
	const char	 *attempt_id;	/* unique per attempt: "<action_id>#<n>" */
	const char	 *account_id;
	int		  kind;		/* OD_KIND_* */
	const char	 *to;		/* E.164 phone or email address */
	const char	 *name;		/* the debtor's name (email display name) */
	const char	 *locale;
	const char	 *text;		/* SMS body; email text part; WhatsApp preview text */
	const char	 *subject;	/* email */
	const char	 *html;		/* email HTML part, already escaped */
	const char	 *wa_name;	/* WhatsApp approved template */
	const char	 *wa_language;
	const char *const *wa_params;
	size_t		  wa_nparams;
	const char	 *sms_coding;	/* "gsm7" or "ucs2", from the core's encoder */
	int		  sms_segments;
	const char	 *callback_url;	/* where delivery receipts go for this attempt, or NULL */
	const char	 *policy;
	const char	 *step;
	const char	 *stage;
	/*
	 * Appended in ABI 3 (new fields go at the end: a plugin reads only the
	 * fields of the version it was built for, which the version check
	 * guarantees the core fills).
	 *
	 * The approved template's buttons that take a parameter, in the
	 * template's order (index 0 first), rendered: "quick_reply:<payload>"
	 * (the payload comes back in the debtor's button reply), "url:<suffix>"
	 * (the variable end of a dynamic URL button), or "static:" (a button
	 * whose text and target are fixed in the template: nothing is sent for
	 * it, its index is skipped).  NULL and 0 when none.
	 */
	const char *const *wa_buttons;
	size_t		  wa_nbuttons;
	/*
	 * 1: a free-form (session) message, text as its body, allowed only
	 * inside the 24-hour customer-service window that the debtor's last
	 * message opened; 0: the approved template (wa_name, wa_params...).
	 */
	int		  wa_session;
};

/* The request build() fills in, through host->req_*. */
struct od_channel_request {
	void		*req;		/* the handle for host->req_* */
	void		*curl;		/* the underlying CURL * easy handle (NULL in unit tests) */
	char		 path[256];	/* FILE: the file's name inside the gateway's directory */
};

/* The reply classify() reads. */
struct od_channel_reply {
	long		 status;	/* HTTP status; SMTP final reply code; 0 for FILE */
	const char	*body;		/* reply body (NUL-terminated), may be "" */
	size_t		 body_len;
	const char	*retry_after;	/* the Retry-After header, or NULL (for messages) */
	long		 retry_after_ms;	/* the delay it asks for, parsed by the core
					   (seconds or an HTTP-date); 0 when absent or odd */
	const char	*content_type;	/* or NULL */
};

/* The outcome of one attempt.  Zero is INVALID, never a real outcome. */
enum od_outcome {
	OD_OUTCOME_INVALID = 0,
	OD_OUTCOME_ACCEPTED,		/* the provider took it: provider_id set */
	OD_OUTCOME_RETRYABLE,		/* not processed; safe to try again (retry_after_ms if known) */
	OD_OUTCOME_PERMANENT,		/* will never go through this channel: reason set */
	OD_OUTCOME_UNKNOWN,		/* may or may not have been sent: never blindly retried */
};

/* Flags a plugin may add to a result. */
#define OD_RESULT_OPT_OUT	0x01	/* the recipient opted out of this kind (Twilio 21610) */
#define OD_RESULT_FALLBACK	0x02	/* try the step's next channel */
#define OD_RESULT_CONFIG	0x04	/* a configuration error: never retried, logged loudly */
/* Set by the core only (plugins never see the network): */
#define OD_RESULT_LOCAL		0x100	/* this host's failure (no socket): retried, no try counted */

struct od_channel_result {
	enum od_outcome	 outcome;
	unsigned	 flags;
	long		 retry_after_ms;	/* RETRYABLE: the provider's delay, or 0 */
	char		 provider_id[128];
	char		 code[32];		/* the provider's error code, if any */
	char		 reason[256];
};

struct od_channel_plugin {
	uint32_t	 abi_version;	/* OD_CHANNEL_ABI_VERSION */
	uint32_t	 size;		/* sizeof(struct od_channel_plugin) */
	const char	*name;		/* "sms-twilio" */
	const char	*description;
	enum od_transport transport;
	unsigned	 kinds;		/* bit per OD_KIND_* it can send */

	/* Reads settings (host->setting/secret); 0, or -1 with err set.  *ctx is the plugin's. */
	int		(*init)(const struct od_channel_host *host, void *host_ctx, void **ctx,
			    char *err, size_t errlen);
	void		(*fini)(void *ctx);
	/* Fills req for msg.  0, or -1 with err set (a permanent failure of this attempt). */
	int		(*build)(void *ctx, const struct od_channel_message *msg,
			    struct od_channel_request *req, char *err, size_t errlen);
	/* Classifies a reply that arrived (transport failures are the core's). */
	void		(*classify)(void *ctx, const struct od_channel_message *msg,
			    const struct od_channel_reply *reply, struct od_channel_result *res);
};

#define OD_CHANNEL_ENTRY	"od_channel_plugin_entry"
/* Every plugin defines it, exported (visibility "default"). */
const struct od_channel_plugin *od_channel_plugin_entry(void);
typedef const struct od_channel_plugin *(*od_channel_entry_fn)(void);

#endif /* OD_CHANNEL_H */
