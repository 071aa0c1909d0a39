/*
 * od_test_http: the integration tests' HTTP client for the daemon's admin
 * server, and requests signed as the providers sign them (Twilio's
 * X-Twilio-Signature, Meta's X-Hub-Signature-256), computed here from the
 * providers' documented rules with libcrypto, not with the daemon's code.
 */
#ifndef OD_TEST_HTTP_H
#define OD_TEST_HTTP_H

#include <stddef.h>

struct od_test_resp {
	int	 status;
	char	*raw;		/* the whole answer, headers and body */
	char	*body;		/* points into raw */
};

struct od_test_param {
	const char	*k, *v;
};

void	od_test_resp_free(struct od_test_resp *r);
/* One request to 127.0.0.1:port on its own connection; 0, or -1 when no answer. */
int	od_test_http(int port, const char *method, const char *target, const char *headers,
	    const char *body, struct od_test_resp *r);
/* RFC 3986 percent-encoding of s into out (len bytes). */
void	od_test_pct_encode(char *out, size_t len, const char *s);
/*
 * POSTs a Twilio form (n params) to target, signed with token for the URL
 * "http://127.0.0.1:<port><target>" (token NULL: no signature).  -1: no answer.
 */
int	od_test_twilio_post(int port, const char *target, const char *token,
	    const struct od_test_param *params, size_t n, struct od_test_resp *r);
/* POSTs a WhatsApp webhook body signed with the app secret (NULL: unsigned). */
int	od_test_wa_post(int port, const char *target, const char *secret, const char *body,
	    struct od_test_resp *r);
/* The value of a metric series ("name{labels}") in /metrics, or -1 when absent. */
double	od_test_metric(int port, const char *series);

/*
 * The providers' test credentials, and the gateways that use them: twa
 * (sms-twilio at twilio_port), wab (whatsapp-cloud at meta_port), kan
 * (sms-kannel, its callbacks only: nothing listens at its base_url).
 */
#define OD_TEST_TWILIO_TOKEN	"9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"
#define OD_TEST_TWILIO_ACCOUNT	"AC0123456789abcdef0123456789abcdef"
#define OD_TEST_TWILIO_FROM	"+15005550006"
#define OD_TEST_WA_VERIFY	"vt-7Hq2xL9pQm4Rz8"
#define OD_TEST_WA_SECRET	"c0ffee00d15ea5e5b16b00b5deadbeef"
#define OD_TEST_KANNEL_INBOUND	"kannel-inbound-token-0917"
/* Sets the credentials' variables and writes the gateways' YAML into buf ("  twa: ..."). */
void	od_test_callback_gateways(char *buf, size_t len, int twilio_port, int meta_port);

struct od_test_env;
/* Adds admin.public_url "http://127.0.0.1:<port>" to e's config (the callbacks' signed URLs). */
int	od_test_config_public_url(const struct od_test_env *e, int port);
/*
 * The daemon with its admin server on port and its clock at that UTC
 * instant, once /healthz answers (generously): its pid, or -1 when it
 * stopped (a bad config) or never answered.
 */
int	od_test_daemon_admin(const struct od_test_env *e, int port, int y, int mon, int d,
	    int h, int min);

#endif /* OD_TEST_HTTP_H */
