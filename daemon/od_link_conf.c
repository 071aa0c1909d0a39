/*
 * od_link_conf: the links: section of config/outreachd.yaml (od_link.h,
 * docs/payment-links.md), every error at its node (file:line:col):
 *
 *   links:
 *     base_url: "https://pagos.example.pe"
 *     listen: "0.0.0.0:8080"          # optional: a listener for /p/ alone
 *     max_ttl: 30d
 *     keys:                           # newest first: the first signs
 *       - {id: k2, credential: link-k2}       # $CREDENTIALS_DIRECTORY/link-k2
 *       - {id: k1, file: secrets/link-k1.key} # relative to the config's directory
 *       - {id: k0, env: OUTREACHD_LINK_K0}
 *     redirect:
 *       PE: "https://checkout.example.pe/pay?ref={{ref}}&amount={{amount}}"
 *       default: "https://checkout.example.com/?ref={{ref}}"
 *
 * A key is its file's (or variable's) bytes, a trailing newline dropped:
 * at least OD_LINK_KEY_MIN of them.  Key material never reaches a message.
 */
#include "od_link.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "od_time.h"
#include "od_yaml.h"

#define LINK_TTL_MIN_S	3600
#define LINK_TTL_MAX_S	(366 * 86400)

void
od_link_conf_free(struct od_link_conf *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nkeys; i++)
		if (c->keys[i].secret != NULL) {
			OPENSSL_cleanse(c->keys[i].secret, c->keys[i].len);
			free(c->keys[i].secret);
		}
	free(c->keys);
	for (i = 0; i < c->nredirects; i++)
		free(c->redirects[i].url);
	free(c->redirects);
	free(c->base_url);
	free(c->listen);
	free(c->file);
	free(c);
}

/* The bytes of path into k; 0, or -1 (unreadable: the caller says so). */
static int
link_key_file(const char *path, struct od_link_key *k)
{
	unsigned char	buf[OD_LINK_KEY_MAX + 2];
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if ((k->secret = malloc(n > 0 ? n : 1)) == NULL) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(k->secret, buf, n);
	k->len = n;
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

static char *
link_join(const char *dir, const char *rel)
{
	char	*p;

	if (rel[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(rel);
	return asprintf(&p, "%s/%s", dir, rel) < 0 ? NULL : p;
}

/* One entry of keys: into k; errors at its nodes. */
static void
link_key_read(const struct od_yaml *n, const char *dir, struct od_link_key *k,
    struct od_errors *errs)
{
	static const char *const allowed[] = { "id", "file", "credential", "env", NULL };
	const struct od_yaml	*v, *src = NULL;
	const char		*how = NULL, *creds;
	char			*s = NULL, *path = NULL;
	int			 nsrc = 0, rc = -1;

	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "links.keys: each key is a mapping {id, file | credential | "
		    "env}, found %s", od_yaml_type_name(n->type));
		return;
	}
	od_yaml_check_keys(n, allowed, "links.keys[]", errs);
	if ((v = od_yaml_get(n, "id")) == NULL) {
		od_yaml_error(errs, n, "links.keys: a key without an id");
		return;
	}
	if (od_yaml_string(v, &s, errs) == -1)
		return;
	if (strlen(s) == 0 || strlen(s) > OD_LINK_KID_MAX || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(s)) {
		od_yaml_error(errs, v, "links.keys: id '%s' must be 1 to %d characters of A-Z a-z "
		    "0-9 _ . -", s, OD_LINK_KID_MAX);
		free(s);
		return;
	}
	snprintf(k->id, sizeof(k->id), "%s", s);
	free(s);
	s = NULL;
	if ((v = od_yaml_get(n, "file")) != NULL)
		nsrc++, src = v, how = "file";
	if ((v = od_yaml_get(n, "credential")) != NULL)
		nsrc++, src = v, how = "credential";
	if ((v = od_yaml_get(n, "env")) != NULL)
		nsrc++, src = v, how = "env";
	if (nsrc != 1) {
		od_yaml_error(errs, n, "links.keys: key '%s' needs exactly one of file, credential "
		    "or env", k->id);
		return;
	}
	if (od_yaml_string(src, &s, errs) == -1)
		return;
	if (strcmp(how, "file") == 0) {
		if ((path = link_join(dir, s)) != NULL)
			rc = link_key_file(path, k);
		if (rc == -1)
			od_yaml_error(errs, src, "links.keys: key '%s': cannot read the file '%s'",
			    k->id, path ? path : s);
	} else if (strcmp(how, "credential") == 0) {
		if ((creds = getenv("CREDENTIALS_DIRECTORY")) == NULL || creds[0] == '\0')
			od_yaml_error(errs, src, "links.keys: key '%s': credential '%s' but "
			    "$CREDENTIALS_DIRECTORY is not set (systemd's LoadCredential=)", k->id, s);
		else if (s[0] == '\0' || strchr(s, '/') != NULL)
			od_yaml_error(errs, src, "links.keys: key '%s': a credential is a name, not "
			    "a path", k->id);
		else if ((path = link_join(creds, s)) == NULL || (rc = link_key_file(path, k)) == -1)
			od_yaml_error(errs, src, "links.keys: key '%s': cannot read the credential "
			    "'%s'", k->id, s);
	} else {
		const char *e = getenv(s);

		if (e == NULL || e[0] == '\0')
			od_yaml_error(errs, src, "links.keys: key '%s': the environment variable "
			    "'%s' is not set", k->id, s);
		else if (strlen(e) > OD_LINK_KEY_MAX)
			od_yaml_error(errs, src, "links.keys: key '%s': over %d bytes", k->id,
			    OD_LINK_KEY_MAX);
		else if ((k->secret = (unsigned char *)strdup(e)) != NULL) {
			k->len = strlen(e);
			rc = 0;
		}
	}
	if (rc == 0 && k->len < OD_LINK_KEY_MIN)
		od_yaml_error(errs, src, "links.keys: key '%s' is %zu bytes; at least %d are "
		    "needed (e.g. openssl rand -hex 32)", k->id, k->len, OD_LINK_KEY_MIN);
	else if (rc == 0 && k->len > OD_LINK_KEY_MAX)
		od_yaml_error(errs, src, "links.keys: key '%s': over %d bytes", k->id,
		    OD_LINK_KEY_MAX);
	free(path);
	free(s);
}

static void
link_keys_read(struct od_link_conf *c, const struct od_yaml *n, const char *dir,
    struct od_errors *errs)
{
	size_t	i, j;

	if (n->type != OD_YAML_SEQ || n->nitems == 0) {
		od_yaml_error(errs, n, "links.keys: a list of at least one key, newest first");
		return;
	}
	if ((c->keys = calloc(n->nitems, sizeof(*c->keys))) == NULL) {
		od_yaml_error(errs, n, "links.keys: out of memory");
		return;
	}
	for (i = 0; i < n->nitems; i++) {
		link_key_read(n->items[i], dir, &c->keys[c->nkeys], errs);
		for (j = 0; c->keys[c->nkeys].id[0] != '\0' && j < c->nkeys; j++)
			if (strcmp(c->keys[j].id, c->keys[c->nkeys].id) == 0)
				od_yaml_error(errs, n->items[i], "links.keys: key id '%s' is listed "
				    "twice", c->keys[j].id);
		c->nkeys++;
	}
}

/* A redirect template: http(s), and only the placeholders od_link_redirect_url knows. */
static int
link_redirect_check(const struct od_yaml *v, const char *url, struct od_errors *errs)
{
	const char	*p = url, *open, *close;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		od_yaml_error(errs, v, "links.redirect: '%s' is not an http:// or https:// URL", url);
		return -1;
	}
	while ((open = strstr(p, "{{")) != NULL) {
		if ((close = strstr(open + 2, "}}")) == NULL) {
			od_yaml_error(errs, v, "links.redirect: a '{{' without its '}}'");
			return -1;
		}
		if (!od_link_redirect_var(open + 2, (size_t)(close - open - 2))) {
			od_yaml_error(errs, v, "links.redirect: unknown placeholder '{{%.*s}}' (ref, "
			    "amount, amount_minor, currency, offer, kind, attempt, expires, token, "
			    "account)", (int)(close - open - 2) > 64 ? 64 : (int)(close - open - 2),
			    open + 2);
			return -1;
		}
		p = close + 2;
	}
	return 0;
}

static void
link_redirects_read(struct od_link_conf *c, const struct od_yaml *n, struct od_errors *errs)
{
	const struct od_yaml	*k, *v;
	size_t			 i, np = od_yaml_map_size(n);
	char			*url;
	int			 def = 0;

	if (n->type != OD_YAML_MAP || np == 0) {
		od_yaml_error(errs, n, "links.redirect: a mapping of country codes (and default) to "
		    "checkout URLs");
		return;
	}
	if ((c->redirects = calloc(np, sizeof(*c->redirects))) == NULL)
		return;
	for (i = 0; i < np; i++) {
		k = od_yaml_map_key(n, i);
		v = od_yaml_map_value(n, i);
		if (k->type != OD_YAML_SCALAR || (strcmp(k->str, "default") != 0 &&
		    (strlen(k->str) != 2 || !isupper((unsigned char)k->str[0]) ||
		    !isupper((unsigned char)k->str[1])))) {
			od_yaml_error(errs, k, "links.redirect: a key is a country code such as PE, "
			    "or default");
			continue;
		}
		if (od_yaml_string(v, &url, errs) == -1)
			continue;
		if (link_redirect_check(v, url, errs) == -1) {
			free(url);
			continue;
		}
		def |= strcmp(k->str, "default") == 0;
		snprintf(c->redirects[c->nredirects].country, sizeof(c->redirects[0].country), "%s",
		    strcmp(k->str, "default") == 0 ? "" : k->str);
		c->redirects[c->nredirects++].url = url;
	}
	if (!def)
		od_yaml_error(errs, n, "links.redirect: a default is needed (for the countries not "
		    "listed)");
}

void
od_link_conf_read(const struct od_yaml *n, const char *dir, struct od_link_conf **out,
    struct od_errors *errs)
{
	static const char *const allowed[] = { "base_url", "listen", "max_ttl", "keys",
		"redirect", NULL };
	struct od_link_conf	*c;
	const struct od_yaml	*v;
	size_t			 before = errs->count;
	char			*s, *colon;
	int64_t			 ms;
	long			 port;

	*out = NULL;
	if (n->type != OD_YAML_MAP) {
		od_yaml_error(errs, n, "links: expected a mapping, found %s",
		    od_yaml_type_name(n->type));
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->file = strdup(n->file)) == NULL) {
		od_link_conf_free(c);
		od_yaml_error(errs, n, "links: out of memory");
		return;
	}
	c->line = n->line;
	c->col = n->col;
	c->max_ttl_s = 30 * 86400;
	od_yaml_check_keys(n, allowed, "links", errs);
	if ((v = od_yaml_get(n, "base_url")) == NULL)
		od_yaml_error(errs, n, "links: base_url is required (the links' public origin, "
		    "e.g. https://pagos.example.pe)");
	else if (od_yaml_string(v, &c->base_url, errs) == 0) {
		size_t len = strlen(c->base_url);

		while (len > 0 && c->base_url[len - 1] == '/')
			c->base_url[--len] = '\0';
		if ((strncmp(c->base_url, "https://", 8) != 0 &&
		    strncmp(c->base_url, "http://", 7) != 0) || strchr(c->base_url, '?') ||
		    strchr(c->base_url, '#') || strpbrk(c->base_url, " \t\r\n"))
			od_yaml_error(errs, v, "links.base_url: '%s' is not an http:// or https:// "
			    "URL without a query", c->base_url);
	}
	if ((v = od_yaml_get(n, "listen")) != NULL && od_yaml_string(v, &c->listen, errs) == 0) {
		colon = strrchr(c->listen, ':');
		port = colon ? strtol(colon + 1, &s, 10) : -1;
		if (colon == NULL || colon == c->listen || colon[1] == '\0' || *s != '\0' ||
		    port < 0 || port > 65535)
			od_yaml_error(errs, v, "links.listen: '%s' is not address:port (e.g. "
			    "0.0.0.0:8080)", c->listen);
	}
	if ((v = od_yaml_get(n, "max_ttl")) != NULL && od_yaml_string(v, &s, errs) == 0) {
		if (od_duration_parse(s, &ms) == -1 || ms / 1000 < LINK_TTL_MIN_S ||
		    ms / 1000 > LINK_TTL_MAX_S)
			od_yaml_error(errs, v, "links.max_ttl: '%s' is not a duration from 1h to "
			    "366d", s);
		else
			c->max_ttl_s = ms / 1000;
		free(s);
	}
	if ((v = od_yaml_get(n, "keys")) == NULL)
		od_yaml_error(errs, n, "links: keys is required (a list of {id, file | credential | "
		    "env}, newest first)");
	else
		link_keys_read(c, v, dir, errs);
	if ((v = od_yaml_get(n, "redirect")) == NULL)
		od_yaml_error(errs, n, "links: redirect is required (country code or default: the "
		    "checkout URL)");
	else
		link_redirects_read(c, v, errs);
	if (errs->count > before) {
		od_link_conf_free(c);
		return;
	}
	*out = c;
}
