/*
 * od_test_http: see od_test_http.h.
 */
#include "od_test_http.h"

#include <signal.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "od_testenv.h"

void
od_test_resp_free(struct od_test_resp *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

int
od_test_http(int port, const char *method, const char *target, const char *headers,
    const char *body, struct od_test_resp *r)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 10, 0 };
	char			*req, buf[4096], *sp, *nraw;
	size_t			 len = 0, cap = 0;
	ssize_t			 n;
	int			 fd, reqlen;

	memset(r, 0, sizeof(*r));
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	reqlen = asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
	    "%sContent-Length: %zu\r\n\r\n%s", method, target, port, headers ? headers : "",
	    body ? strlen(body) : 0, body ? body : "");
	if (reqlen < 0 || write(fd, req, (size_t)reqlen) != reqlen) {
		if (reqlen >= 0)
			free(req);
		close(fd);
		return -1;
	}
	free(req);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			if ((nraw = realloc(r->raw, cap)) == NULL)
				break;
			r->raw = nraw;
		}
		memcpy(r->raw + len, buf, (size_t)n);
		len += (size_t)n;
		r->raw[len] = '\0';
	}
	close(fd);
	if (r->raw == NULL || sscanf(r->raw, "HTTP/1.%*d %d", &r->status) != 1) {
		od_test_resp_free(r);
		return -1;
	}
	sp = strstr(r->raw, "\r\n\r\n");
	r->body = sp ? sp + 4 : r->raw + len;
	return 0;
}

void
od_test_pct_encode(char *out, size_t len, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct od_test_param *)a)->k, ((const struct od_test_param *)b)->k);
}

int
od_test_twilio_post(int port, const char *target, const char *token,
    const struct od_test_param *params, size_t n, struct od_test_resp *r)
{
	struct od_test_param	 sorted[16];
	char			 url[2048], body[4096], enc[1024], hdr[256], sig[64];
	char			*msg;
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0;
	size_t			 i, blen = 0, mlen;
	int			 rc;

	if (n > 16)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, target);
	body[0] = '\0';
	for (i = 0; i < n; i++) {
		od_test_pct_encode(enc, sizeof(enc), params[i].v);
		blen += (size_t)snprintf(body + blen, sizeof(body) - blen, "%s%s=%s",
		    i ? "&" : "", params[i].k, enc);
		if (blen >= sizeof(body))
			return -1;
	}
	/* Twilio signs the URL, then each parameter's name and value, sorted by name */
	memcpy(sorted, params, n * sizeof(*params));
	qsort(sorted, n, sizeof(*sorted), kv_cmp);
	mlen = strlen(url);
	for (i = 0; i < n; i++)
		mlen += strlen(sorted[i].k) + strlen(sorted[i].v);
	if ((msg = calloc(1, mlen + 1)) == NULL)
		return -1;
	strcpy(msg, url);
	for (i = 0; i < n; i++) {
		strcat(msg, sorted[i].k);
		strcat(msg, sorted[i].v);
	}
	snprintf(hdr, sizeof(hdr), "Content-Type: application/x-www-form-urlencoded\r\n");
	if (token != NULL) {
		HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)msg, strlen(msg),
		    mac, &maclen);
		EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
		snprintf(hdr, sizeof(hdr), "Content-Type: application/x-www-form-urlencoded\r\n"
		    "X-Twilio-Signature: %s\r\n", sig);
	}
	free(msg);
	rc = od_test_http(port, "POST", target, hdr, body, r);
	return rc;
}

int
od_test_wa_post(int port, const char *target, const char *secret, const char *body,
    struct od_test_resp *r)
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen = 0, i;
	char		hdr[256], hex[2 * EVP_MAX_MD_SIZE + 1];

	snprintf(hdr, sizeof(hdr), "Content-Type: application/json\r\n");
	if (secret != NULL) {
		/* X-Hub-Signature-256: sha256=<hex of HMAC-SHA256(app secret, raw body)> */
		HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body,
		    strlen(body), mac, &maclen);
		for (i = 0; i < maclen; i++)
			snprintf(hex + 2 * i, 3, "%02x", mac[i]);
		snprintf(hdr, sizeof(hdr), "Content-Type: application/json\r\n"
		    "X-Hub-Signature-256: sha256=%s\r\n", hex);
	}
	return od_test_http(port, "POST", target, hdr, body, r);
}

double
od_test_metric(int port, const char *series)
{
	struct od_test_resp	 r;
	const char		*p;
	double			 v = -1;
	size_t			 n = strlen(series);

	if (od_test_http(port, "GET", "/metrics", NULL, NULL, &r) == -1)
		return -1;
	for (p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			v = strtod(p + n + 1, NULL);
			break;
		}
	od_test_resp_free(&r);
	return v;
}

int
od_test_config_public_url(const struct od_test_env *e, int port)
{
	static const char	 anchor[] = "admin:\n  port: 0\n";
	char			*text, *at;
	FILE			*fp;

	if ((text = od_test_read_file(e->config)) == NULL || (at = strstr(text, anchor)) == NULL ||
	    (fp = fopen(e->config, "w")) == NULL) {
		free(text);
		return -1;
	}
	at += strlen(anchor);
	fprintf(fp, "%.*s  public_url: \"http://127.0.0.1:%d\"\n%s", (int)(at - text), text,
	    port, at);
	fclose(fp);
	free(text);
	return 0;
}

int
od_test_daemon_admin(const struct od_test_env *e, int port, int y, int mon, int d, int h,
    int min)
{
	struct od_test_resp	 r;
	char			 clk[64], ps[16];
	const char		*args[2] = { clk, NULL };
	pid_t			 pid;
	int			 i;

	snprintf(ps, sizeof(ps), "%d", port);
	setenv("OUTREACHD_ADMIN_PORT", ps, 1);	/* the child keeps it */
	od_test_clock_arg(clk, sizeof(clk), y, mon, d, h, min);
	if ((pid = od_test_daemon_start(e, "d.log", args)) <= 0)
		return -1;
	for (i = 0; i < 4000; i++) {
		if (od_test_http(port, "GET", "/healthz", NULL, NULL, &r) == 0) {
			i = r.status;
			od_test_resp_free(&r);
			return i == 200 ? (int)pid : -1;
		}
		if (kill(pid, 0) != 0)
			return -1;	/* a bad config stopped it */
		od_test_sleep_ms(20);
	}
	od_test_process_stop(pid, SIGKILL, 5000);
	return -1;
}

void
od_test_callback_gateways(char *buf, size_t len, int twilio_port, int meta_port)
{
	setenv("OD_TEST_TWILIO_TOKEN", OD_TEST_TWILIO_TOKEN, 1);
	setenv("OD_TEST_META_TOKEN", "EAAGm0PX4ZCpsBAtesttoken", 1);
	setenv("OD_TEST_WA_VERIFY", OD_TEST_WA_VERIFY, 1);
	setenv("OD_TEST_WA_SECRET", OD_TEST_WA_SECRET, 1);
	setenv("OD_TEST_KANNEL_PASSWORD", "kannel-test-pw", 1);
	setenv("OD_TEST_KANNEL_SECRET", "kannel-dlr-secret-5521", 1);
	setenv("OD_TEST_KANNEL_INBOUND", OD_TEST_KANNEL_INBOUND, 1);
	snprintf(buf, len,
	    "  twa:\n"
	    "    plugin: sms-twilio\n"
	    "    base_url: \"http://127.0.0.1:%d\"\n"
	    "    account_sid: " OD_TEST_TWILIO_ACCOUNT "\n"
	    "    auth_token_env: OD_TEST_TWILIO_TOKEN\n"
	    "    from: \"" OD_TEST_TWILIO_FROM "\"\n"
	    "  wab:\n"
	    "    plugin: whatsapp-cloud\n"
	    "    base_url: \"http://127.0.0.1:%d\"\n"
	    "    phone_number_id: \"106540352242922\"\n"
	    "    access_token_env: OD_TEST_META_TOKEN\n"
	    "    verify_token_env: OD_TEST_WA_VERIFY\n"
	    "    app_secret_env: OD_TEST_WA_SECRET\n"
	    "  kan:\n"
	    "    plugin: sms-kannel\n"
	    "    base_url: \"http://127.0.0.1:%d\"\n"
	    "    username: tester\n"
	    "    password_env: OD_TEST_KANNEL_PASSWORD\n"
	    "    from: FINANCIERA\n"
	    "    callback_secret_env: OD_TEST_KANNEL_SECRET\n"
	    "    inbound_token_env: OD_TEST_KANNEL_INBOUND\n",
	    twilio_port, meta_port, od_test_free_port());
}
