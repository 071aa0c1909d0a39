/*
 * od_callback_url: what the daemon needs around the callbacks — the
 * callback URL and token of an attempt, the callback secret from a
 * gateway's settings, and the arguments of receipt.lua and reply.lua.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "od_buf.h"
#include "od_callback.h"
#include "od_codec.h"
#include "od_config.h"
#include "od_log.h"
#include "od_time.h"

void
od_cb_token(const char *secret, const char *account_id, const char *attempt_id, char out[65])
{
	struct od_buf	b;
	unsigned char	mac[32];

	od_buf_init(&b);
	od_buf_printf(&b, "%s\n%s", account_id, attempt_id);
	od_cb_hmac_sha256(secret, strlen(secret), b.data ? b.data : "", b.len, mac);
	od_buf_free(&b);
	od_codec_hex(mac, sizeof(mac), out);
}

int
od_cb_callback_url(char *buf, size_t len, const char *base, const char *account_id,
    const char *attempt_id, const char *secret)
{
	struct od_buf	b;
	char		tok[65];
	int		rc = -1;

	od_buf_init(&b);
	od_buf_printf(&b, "%s%caccount=", base, strchr(base, '?') != NULL ? '&' : '?');
	od_codec_urlencode(&b, account_id, strlen(account_id), 0);
	od_buf_puts(&b, "&attempt=");
	od_codec_urlencode(&b, attempt_id, strlen(attempt_id), 0);
	if (secret != NULL && *secret != '\0') {
		od_cb_token(secret, account_id, attempt_id, tok);
		od_buf_printf(&b, "&token=%s", tok);
	}
	if (!b.oom && b.len < len) {
		memcpy(buf, b.data, b.len + 1);
		rc = 0;
	}
	od_buf_free(&b);
	return rc;
}

int
od_cb_secret(const struct od_gateway_conf *gw, const char *key, char *buf, size_t len)
{
	const char	*file, *env, *creds, *val;
	char		 k[128], path[1024];
	ssize_t		 n;
	int		 fd;

	snprintf(k, sizeof(k), "%s_file", key);
	if ((file = od_gateway_setting(gw, k)) != NULL) {
		creds = getenv("CREDENTIALS_DIRECTORY");
		if (file[0] != '/' && creds != NULL)
			snprintf(path, sizeof(path), "%s/%s", creds, file);
		else
			snprintf(path, sizeof(path), "%s", file);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			od_log_err("callback", "gateway %s: cannot read secret %s from %s: %s",
			    gw->name, key, path, strerror(errno));
			return -1;
		}
		n = read(fd, buf, len - 1);
		close(fd);
		if (n < 0)
			return -1;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		buf[n] = '\0';
		return n > 0 ? 0 : -1;
	}
	snprintf(k, sizeof(k), "%s_env", key);
	if ((env = od_gateway_setting(gw, k)) != NULL && (val = getenv(env)) != NULL && *val &&
	    strlen(val) < len) {
		memcpy(buf, val, strlen(val) + 1);
		return 0;
	}
	return -1;
}

void
od_cb_receipt_script(const struct od_keys *k, const struct od_receipt *r, long attempts_maxlen,
    int history_len, struct od_cb_script *a)
{
	int i;

	a->nkeys = 2;
	a->keys[0] = od_keys_hist(k, r->account_id, a->hist, sizeof(a->hist));
	a->keys[1] = k->attempts;
	od_time_format_iso(r->at_ms, a->ts, sizeof(a->ts));
	snprintf(a->n1, sizeof(a->n1), "%ld", attempts_maxlen);
	snprintf(a->n2, sizeof(a->n2), "%d", history_len);
	a->nargs = 9;
	a->args[0] = a->ts;
	a->args[1] = r->account_id;
	a->args[2] = r->attempt_id;
	a->args[3] = r->state;
	a->args[4] = r->provider_id;
	a->args[5] = r->code;
	a->args[6] = a->n1;
	a->args[7] = a->n2;
	a->args[8] = r->match_provider ? "1" : "0";
	for (i = 0; i < a->nargs; i++)
		a->arglens[i] = strlen(a->args[i]);
}

void
od_cb_reply_script(const struct od_keys *k, const struct od_reply *r, long replies_maxlen,
    struct od_cb_script *a)
{
	int i;

	a->nkeys = 2;
	a->keys[0] = k->phones;
	a->keys[1] = k->replies;
	od_time_format_iso(r->at_ms, a->ts, sizeof(a->ts));
	snprintf(a->n1, sizeof(a->n1), "%ld", replies_maxlen);
	a->nargs = 7;
	a->args[0] = a->ts;
	a->args[1] = r->channel;
	a->args[2] = r->from;
	a->args[3] = r->text;
	a->args[4] = r->opt_out ? "1" : "0";
	a->args[5] = r->provider_id;
	a->args[6] = a->n1;
	for (i = 0; i < a->nargs; i++)
		a->arglens[i] = strlen(a->args[i]);
}
