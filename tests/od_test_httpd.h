/*
 * od_test_httpd: a small, scriptable, misbehaving HTTP/1.1 (or SMTP) server
 * for tests, on a free loopback port, run in threads of the test process.
 *
 * It answers from a script: od_httpd_script appends a reply; HTTP takes one
 * per request, SMTP one per connection, in order, the last one repeating.
 * Every request it got is recorded (before it answers), so a test can
 * assert the method, target, headers and body, or the SMTP envelope and
 * message, and which TCP connection carried each.
 *
 * SMTP: greeting (after delay_ms), EHLO/HELO, MAIL, RCPT (an address
 * starting with "unknown" gets "550 5.1.1"), DATA (dot-unstuffed, answered
 * with status, 250 when 0), RSET, NOOP, QUIT.  No TLS, no AUTH.
 */
#ifndef OD_TEST_HTTPD_H
#define OD_TEST_HTTPD_H

#include <stddef.h>

enum od_httpd_action {
	OD_HTTPD_REPLY = 0,	/* status, headers, body, after delay_ms */
	OD_HTTPD_RESET,		/* read the request (SMTP: the message), then reset */
	OD_HTTPD_CLOSE,		/* read the request, then close without a word */
	OD_HTTPD_ENDLESS,	/* 200 and headers, then a chunk every 100 ms, never the last */
	OD_HTTPD_GARBAGE,	/* answer with something that is not HTTP */
};

struct od_httpd_reply {
	enum od_httpd_action	 action;
	int			 status;	/* HTTP status; SMTP reply to the message */
	const char		*headers;	/* extra lines, each ending "\r\n", or NULL */
	const char		*body;		/* or NULL */
	int			 delay_ms;	/* before the reply (SMTP: before the greeting) */
};

struct od_httpd_request {
	int		 conn;		/* 1-based number of the connection that carried it */
	/* HTTP */
	char		*method;
	char		*target;	/* "/path?query" */
	char		**hnames;	/* in order */
	char		**hvalues;
	size_t		 nheaders;
	char		*body;		/* NUL-terminated, "" when none */
	size_t		 body_len;
	/* SMTP */
	char		*helo;		/* the EHLO/HELO argument */
	char		*mail_from;	/* what followed "MAIL FROM:" */
	char		*rcpts;		/* what followed each "RCPT TO:", one a line */
	char		*data;		/* the message, dot-unstuffed, without the final ".\r\n" */
};

struct od_httpd;

/* Listens on 127.0.0.1, on a free port.  NULL on failure. */
struct od_httpd *od_httpd_start(int smtp);
/* Stops, joins its threads, frees what it recorded.  NULL-safe. */
void	od_httpd_stop(struct od_httpd *s);
int	od_httpd_port(const struct od_httpd *s);
/* Appends r to the script (strings are copied). */
void	od_httpd_script(struct od_httpd *s, const struct od_httpd_reply *r);

size_t	od_httpd_nrequests(struct od_httpd *s);
size_t	od_httpd_nconnections(struct od_httpd *s);
/* Request i (0-based), valid until od_httpd_stop; NULL when there is none. */
const struct od_httpd_request *od_httpd_request(struct od_httpd *s, size_t i);
/* The value of the first header called name (case-insensitive), or NULL. */
const char *od_httpd_header(const struct od_httpd_request *r, const char *name);

#endif /* OD_TEST_HTTPD_H */
