/*
 * od_http: the core's transport for real gateways.  One libcurl multi
 * handle driven by the daemon's libevent base (the multi socket API, as
 * curl's docs/examples/hiperfifo.c), so connections are kept alive and
 * reused, and nothing ever blocks the loop.  HTTP(S) and SMTP(S) requests,
 * as a plugin built them (struct od_request), go through the same multi.
 *
 * HTTP: the request's method, URL, headers, body and basic auth; HTTP/1.1,
 * no redirects followed, no "Expect: 100-continue".  Method NULL means POST
 * when there is a body, else GET.
 * SMTP: an smtp:// or smtps:// URL, mail_from, rcpts and the body (the
 * whole message, headers included, lines ending in CRLF) uploaded as DATA;
 * user/password, when set, are SMTP AUTH.  The final SMTP reply code comes
 * back as status, also when the server refused MAIL, RCPT or the message
 * (a 4xx/5xx status with error OD_HTTP_OK: the server's verdict is the
 * plugin's to classify).
 *
 * Transport failures (error != OD_HTTP_OK, status 0) are classified here,
 * by whether the request may have reached the peer:
 *   - HTTP: the request "may have gone out" once libcurl handed any of its
 *     bytes to the socket (CURLINFO_REQUEST_SIZE > 0).
 *   - SMTP: once the whole message was handed to libcurl for DATA (the
 *     read callback reached its end).  A connection lost before that
 *     leaves no message at the server (it discards an unfinished DATA).
 * Then:
 *   - may have gone out and no complete reply (timeout, reset, the peer
 *     closed, a reply that never ends, a reply that is not HTTP):
 *     OD_HTTP_SENT_NO_REPLY.  Never blindly retried.
 *   - else DNS failure, connection refused or unreachable, a timeout before
 *     the TCP connection was up, a peer that closed before the request:
 *     OD_HTTP_CONNECT;
 *   - else a timeout with the connection up (a TLS handshake or an SMTP
 *     greeting that never came): OD_HTTP_TIMEOUT_BEFORE_SEND;
 *   - else TLS failures (handshake, certificate, STARTTLS refused while
 *     required): OD_HTTP_TLS;
 *   - else a URL or scheme libcurl refuses, a peer that does not speak the
 *     protocol: OD_HTTP_PROTOCOL;
 *   - else OD_HTTP_INTERNAL (out of memory, libcurl misuse).
 * CONNECT, TIMEOUT_BEFORE_SEND and TLS are safe to retry; PROTOCOL is
 * usually a configuration error.
 *
 * Whose failure it is (res->fault): a socket this host could not create
 * (socket() failed with EMFILE, ENFILE, ENOBUFS or ENOMEM: descriptors or
 * memory exhausted here) is OD_HTTP_FAULT_LOCAL, reported as
 * OD_HTTP_CONNECT (the request never left: safe to retry) with an errstr
 * that starts "local_fd_exhausted: ".  It says nothing about the gateway
 * and never counts against its breaker (od_http_gateway_failed).
 *
 * libcurl's own rule still applies on a reused keep-alive connection that
 * turns out dead before any reply byte: it resends the request once on a
 * fresh connection (the peer closed it idle, so it did not process it).
 */
#ifndef OD_HTTP_H
#define OD_HTTP_H

#include <stddef.h>

#include "od_plugin.h"

struct event_base;
struct od_http;

struct od_http_opts {
	long		 connect_timeout_ms;	/* TCP connect and TLS handshake */
	long		 total_timeout_ms;	/* the whole transfer */
	int		 tls_verify;		/* peer and host name; 1 by od_http_opts_init */
	const char	*ca_file;		/* or NULL: the system's CAs */
	int		 smtp_require_tls;	/* CURLUSESSL_ALL, else plain SMTP (CURLUSESSL_NONE) */
	size_t		 max_reply;		/* body bytes kept; the rest is read and dropped */
};

#define OD_HTTP_CONNECT_TIMEOUT_MS	10000
#define OD_HTTP_TOTAL_TIMEOUT_MS	30000
#define OD_HTTP_RETRY_AFTER_MAX_S	86400	/* a longer Retry-After is taken as none */
#define OD_HTTP_MAX_REPLY		(64 * 1024)

enum od_http_error {
	OD_HTTP_OK = 0,
	OD_HTTP_CONNECT,		/* never reached the peer: safe to retry */
	OD_HTTP_TIMEOUT_BEFORE_SEND,	/* connected, timed out before the request: safe to retry */
	OD_HTTP_SENT_NO_REPLY,		/* the request went out (or may have): outcome unknown */
	OD_HTTP_TLS,			/* TLS failed before the request: safe to retry, check config */
	OD_HTTP_PROTOCOL,		/* bad URL/scheme, or the peer speaks something else */
	OD_HTTP_INTERNAL,		/* out of memory, libcurl misuse */
};

/* Whose a transport failure is.  Zero is INVALID, never a real value. */
enum od_http_fault {
	OD_HTTP_FAULT_INVALID = 0,
	OD_HTTP_FAULT_NONE,		/* the transfer completed: the reply is the plugin's */
	OD_HTTP_FAULT_REMOTE,		/* the network or the peer (or a shutdown cut it short) */
	OD_HTTP_FAULT_LOCAL,		/* no socket could be made here */
};

/* The errstr prefix of an OD_HTTP_FAULT_LOCAL failure, as attempt records show it. */
#define OD_HTTP_LOCAL_FD_EXHAUSTED	"local_fd_exhausted"

struct od_http_result {
	enum od_http_error	 error;
	enum od_http_fault	 fault;
	char			 errstr[256];	/* "" when the transfer completed; else libcurl's words
						   (also for an SMTP refusal: "RCPT failed: 550") */
	long			 status;	/* HTTP status or final SMTP code; 0 on a transport error */
	const char		*body;		/* NUL-terminated, "" when none */
	size_t			 body_len;
	int			 body_truncated; /* more than max_reply came; body has the first max_reply */
	const char		*retry_after;	/* the Retry-After header's value, or NULL */
	long			 retry_after_ms;	/* the delay it asks for (libcurl's
						   CURLINFO_RETRY_AFTER: seconds or an
						   HTTP-date); 0 absent, past or over a day */
	const char		*content_type;	/* or NULL */
	double			 total_s;	/* latency, seconds */
	int			 smtp;		/* it was an SMTP transaction */
};

/* The result is borrowed for the call. */
typedef void od_http_done(void *arg, const struct od_http_result *res);

/* The defaults: the timeouts and max_reply above, tls_verify and smtp_require_tls 1. */
void	od_http_opts_init(struct od_http_opts *o);

/* Attaches to base (which must outlive it).  NULL with the reason in err. */
struct od_http *od_http_new(struct event_base *base, char *err, size_t errlen);

/*
 * Ends every pending transfer, calling its callback with a transport error
 * (SENT_NO_REPLY or CONNECT, by the rule above; one that had finished gets
 * its real result), then frees h.  NULL-safe.
 * Called from inside a callback, it takes effect once that callback returns
 * (and then no further callbacks of h run, but for those ending transfers).
 */
void	od_http_free(struct od_http *h);
/* Frees the handles kept for reuse that went unused since the last call. */
void	od_http_trim(struct od_http *h);

/*
 * Starts req with o (NULL: the defaults), copying what it needs, so req may
 * be cleared at once.  0, or -1 (an unsupported URL scheme, out of memory,
 * h being freed) with the reason in od_http_errstr(h): then cb is never
 * called.  Never blocks; cb is called exactly once, later, from the loop,
 * never from inside od_http_perform.
 */
int	od_http_perform(struct od_http *h, const struct od_request *req,
	    const struct od_http_opts *o, od_http_done *cb, void *arg);

/* Why the last od_http_perform failed. */
const char *od_http_errstr(const struct od_http *h);
/* Transfers started and not yet called back. */
size_t	 od_http_pending(const struct od_http *h);

/* "ok", "connect", "timeout-before-send", "sent-no-reply", "tls", "protocol", "internal". */
const char *od_http_error_name(enum od_http_error e);
/* "none", "remote", "local". */
const char *od_http_fault_name(enum od_http_fault f);

/*
 * Whether res counts against the gateway's circuit breaker: 1 for a
 * transport error, an HTTP 5xx, or an SMTP 421 (service not available);
 * 0 when the gateway answered otherwise (other 4xx/5xx SMTP codes are about
 * one message or recipient, not the gateway); -1 when res says nothing
 * about the gateway (OD_HTTP_FAULT_LOCAL): neither a failure nor a success
 * (od_sender_done takes these three values).
 */
int	od_http_gateway_failed(const struct od_http_result *res);

#endif /* OD_HTTP_H */
