/*
 * od_http_int.h: what od_http.c (the transfers on the loop) and
 * od_http_setup.c (a request put on an easy handle) share.  Not for other
 * modules: od_http.h is the interface.
 */
#ifndef OD_HTTP_INT_H
#define OD_HTTP_INT_H

#include <curl/curl.h>
#include <event2/event.h>

#include "od_buf.h"
#include "od_http.h"

/* A socket libcurl asked us to watch. */
struct http_sock {
	struct od_http		*h;
	curl_socket_t		 fd;
	struct event		*ev;
	short			 kind;		/* EV_READ | EV_WRITE */
	struct http_sock	*prev, *next;
};

/*
 * An HTTP request's header list as libcurl gets it: the plugin's headers,
 * then "Expect:", User-Agent and the Basic Authorization line (base64)
 * when the plugin did not give its own.  Built once per distinct set of
 * headers and credentials, shared by the transfers that use it (a
 * gateway's headers are the same for every message) and kept in a small
 * cache; freed when the cache dropped it and no transfer uses it.
 */
struct http_hdrs {
	struct curl_slist	*list;
	char			**src;		/* the request's headers, as given */
	size_t			 nsrc;
	char			*user, *password;	/* or NULL */
	unsigned		 refs;		/* transfers, and 1 while cached */
	struct http_hdrs	*next;		/* in the cache, most recent first */
};

#define HTTP_HDRS_MAX	8

/*
 * What an easy handle was set up for: a handle that ran a plain HTTP POST
 * with these options keeps them for the next such POST (no curl_easy_reset,
 * only the per-transfer options set again).  Anything else is reset first.
 */
struct http_profile {
	int			 post;		/* set up for a plain HTTP POST */
	long			 connect_timeout_ms, total_timeout_ms;
	int			 tls_verify;
	char			*ca_file;	/* a copy, or NULL */
};

struct http_idle {
	CURL			*easy;
	struct http_profile	 prof;
};

/* One transfer: what libcurl reads from us, and what comes back. */
struct http_xfer {
	struct od_http		*h;
	CURL			*easy;
	struct http_profile	 prof;
	int			 smtp;
	struct http_hdrs	*hdrs;		/* HTTP: shared, counted */
	struct curl_slist	*rcpts;
	char			*body;		/* the request's, copied */
	size_t			 body_len;
	size_t			 body_off;	/* read so far by libcurl */
	int			 body_done;	/* SMTP: all of it handed to libcurl */
	struct od_buf		 reply;
	size_t			 reply_seen;
	size_t			 max_reply;
	char			 errbuf[CURL_ERROR_SIZE];
	int			 sock_errno;	/* the last socket() failure for this transfer, or 0 */
	od_http_done		*cb;
	void			*arg;
	struct http_xfer	*prev, *next;
};

/*
 * Finished easy handles kept for the next transfers: a handle costs an
 * allocation of several KiB and its set-up per request (with 64 kept, a
 * burst of 512 in flight created and destroyed three handles in four,
 * 9 k instructions per action).  The idle ones never outnumber the most
 * transfers in flight at once, and those unused for 5 s are freed
 * (od_http_trim), so memory follows the recent load.
 */
#define HTTP_IDLE_MAX	512

struct od_http {
	struct event_base	*base;
	CURLM			*multi;
	struct http_idle	 idle[HTTP_IDLE_MAX];
	size_t			 nidle;
	size_t			 idle_low;	/* the fewest idle since od_http_trim */
	struct http_hdrs	*hdrs;		/* the cache */
	size_t			 nhdrs;
	struct event		*timer;
	struct http_sock	*socks;
	struct http_xfer	*xfers;
	size_t			 npending;
	int			 depth;		/* inside http_check (user callbacks) */
	int			 freeing;
	char			 err[256];
};

/* Frees what p holds (its ca_file) and clears it. */
void	od_http_profile_clear(struct http_profile *p);
/* Drops a transfer's (or the cache's) reference; frees the list with the last. */
void	od_http_hdrs_unref(struct http_hdrs *e);
/* 0 for http(s):// (*smtp = 0) and smtp(s):// (*smtp = 1), -1 for anything else. */
int	od_http_scheme(const char *url, int *smtp);
/* Two optional strings alike (both NULL, or equal). */
int	od_http_str_eq(const char *a, const char *b);
/* Whether req is an HTTP POST (the method, or none with a body). */
int	od_http_is_post(const struct od_request *req);
/*
 * Puts req on x->easy: everything when keep is 0 (a new or reset handle),
 * only what changes per transfer when keep is 1 (a handle that ran the same
 * kind of POST with the same options).
 */
CURLcode od_http_setup(struct http_xfer *x, const struct od_request *req,
	    const struct od_http_opts *o, int keep);

#endif /* OD_HTTP_INT_H */
