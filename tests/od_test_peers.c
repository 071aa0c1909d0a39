#include "od_test_peers.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "od_testenv.h"

#define PEERS_KANNEL_BIN	"/usr/sbin"
#define PEERS_FAKESMSC		"/usr/lib/kannel/test/fakesmsc"
#define PEERS_START_MS		20000	/* a peer that is not up by then will not come up */

static void
peers_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
peers_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Forks and execs argv with stdout and stderr to log (appended); envs are "NAME=value". */
static pid_t
peers_spawn(const char *const *argv, const char *log, const char *const *envs)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) != 0)
		return pid;
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, 0);
		close(fd);
	}
	for (; envs != NULL && *envs != NULL; envs++)
		putenv((char *)*envs);
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int
peers_alive(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

static int
peers_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Waits for 127.0.0.1:port to accept while pid lives.  0, or -1 (died or timed out). */
static int
peers_wait_port(pid_t pid, int port, int timeout_ms)
{
	int	waited, fd;

	for (waited = 0; waited < timeout_ms; waited += 50) {
		if ((fd = peers_connect(port)) != -1) {
			close(fd);
			return 0;
		}
		if (!peers_alive(pid))
			return -1;
		peers_sleep_ms(50);
	}
	return -1;
}

/* Waits for needle to appear in the file at path while pid lives. */
static int
peers_wait_text(pid_t pid, const char *path, const char *needle, int timeout_ms)
{
	char	*text;
	int	 waited, found;

	for (waited = 0; waited < timeout_ms; waited += 50) {
		text = od_test_slurp(path);
		found = text != NULL && strstr(text, needle) != NULL;
		free(text);
		if (found)
			return 0;
		if (!peers_alive(pid))
			return -1;
		peers_sleep_ms(50);
	}
	return -1;
}

/* The last line of a log, for a reason to skip. */
static void
peers_last_line(const char *path, char *out, size_t len)
{
	char	*text = od_test_slurp(path), *end, *start;

	snprintf(out, len, "(no output)");
	if (text == NULL)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(text, '\n');
	start = start != NULL ? start + 1 : text;
	if (*start != '\0')
		snprintf(out, len, "%s", start);
	free(text);
}

static void
peers_stop_pid(pid_t *pid)
{
	if (*pid > 0)
		od_test_process_stop(*pid, SIGTERM, 5000);
	*pid = 0;
}

/* Copies src to dst with each "@NAME@" replaced by its value from vars (NAME, value, ..., NULL). */
static int
peers_fill(const char *src, const char *dst, const char *const *vars)
{
	char		*text = od_test_slurp(src), *p;
	const char	*const *v;
	FILE		*fp;
	size_t		 n;

	if (text == NULL || (fp = fopen(dst, "w")) == NULL) {
		free(text);
		return -1;
	}
	for (p = text; *p != '\0';) {
		if (*p == '@') {
			for (v = vars; v[0] != NULL; v += 2) {
				n = strlen(v[0]);
				if (strncmp(p + 1, v[0], n) == 0 && p[1 + n] == '@') {
					fputs(v[1], fp);
					p += n + 2;
					break;
				}
			}
			if (v[0] != NULL)
				continue;
		}
		fputc(*p++, fp);
	}
	free(text);
	return fclose(fp) == 0 ? 0 : -1;
}

char *
od_test_slurp(const char *path)
{
	FILE	*fp;
	char	*buf = NULL;
	long	 len;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else
			buf[len] = '\0';
	}
	fclose(fp);
	return buf;
}

void
od_test_rmdir(const char *dir)
{
	char	cmd[400];

	if (dir == NULL || dir[0] != '/' || getenv("OD_TEST_KEEP") != NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- Kannel ---------------------------------------------------------------- */

int
od_test_kannel_start(struct od_test_kannel *k, const char *dir, const char *username,
    const char *password, char *why, size_t whylen)
{
	char		 ports[4][16], bblog[300], sblog[300], bbout[300], sbout[300], last[200];
	char		 dirbuf[300];
	const char	*bb[] = { PEERS_KANNEL_BIN "/bearerbox", k->conf, NULL };
	const char	*sb[] = { PEERS_KANNEL_BIN "/smsbox", k->conf, NULL };
	const char	*fs[] = { PEERS_FAKESMSC, "-H", "127.0.0.1", "-r", ports[2], "-m", "0",
	    "0 0 text unused", NULL };
	char		 src[600];

	memset(k, 0, sizeof(*k));
	if (access(bb[0], X_OK) == -1 || access(sb[0], X_OK) == -1) {
		peers_why(why, whylen, "Kannel is not installed (%s, %s: apt-get install kannel; "
		    "see .ci/peers)", bb[0], sb[0]);
		return -1;
	}
	if (access(PEERS_FAKESMSC, X_OK) == -1) {
		peers_why(why, whylen, "Kannel's fake SMSC is not installed (%s: apt-get install "
		    "kannel-extras; see .ci/peers)", PEERS_FAKESMSC);
		return -1;
	}
	k->admin_port = od_test_free_port();
	k->smsbox_port = od_test_free_port();
	k->smsc_port = od_test_free_port();
	k->sendsms_port = od_test_free_port();
	if (k->admin_port <= 0 || k->smsbox_port <= 0 || k->smsc_port <= 0 || k->sendsms_port <= 0) {
		peers_why(why, whylen, "no free loopback port");
		return -1;
	}
	snprintf(ports[0], sizeof(ports[0]), "%d", k->admin_port);
	snprintf(ports[1], sizeof(ports[1]), "%d", k->smsbox_port);
	snprintf(ports[2], sizeof(ports[2]), "%d", k->smsc_port);
	snprintf(ports[3], sizeof(ports[3]), "%d", k->sendsms_port);
	snprintf(k->username, sizeof(k->username), "%s", username);
	snprintf(k->password, sizeof(k->password), "%s", password);
	snprintf(dirbuf, sizeof(dirbuf), "%s", dir);
	snprintf(k->conf, sizeof(k->conf), "%s/kannel.conf", dir);
	snprintf(k->fakesmsc_log, sizeof(k->fakesmsc_log), "%s/fakesmsc.log", dir);
	snprintf(k->base_url, sizeof(k->base_url), "http://127.0.0.1:%d", k->sendsms_port);
	snprintf(bblog, sizeof(bblog), "%s/bearerbox.log", dir);
	snprintf(sblog, sizeof(sblog), "%s/smsbox.log", dir);
	snprintf(bbout, sizeof(bbout), "%s/bearerbox.out", dir);
	snprintf(sbout, sizeof(sbout), "%s/smsbox.out", dir);
	snprintf(src, sizeof(src), "%s/peers/kannel.conf.in", OD_TEST_DATA);
	{
		const char *vars[] = { "ADMIN_PORT", ports[0], "SMSBOX_PORT", ports[1],
		    "SMSC_PORT", ports[2], "SENDSMS_PORT", ports[3], "DIR", dirbuf,
		    "ADMIN_PASSWORD", "peers-admin", "USERNAME", username, "PASSWORD", password,
		    NULL };
		if (peers_fill(src, k->conf, vars) == -1) {
			peers_why(why, whylen, "cannot write %s from %s", k->conf, src);
			return -1;
		}
	}
	k->bearerbox = peers_spawn(bb, bbout, NULL);
	if (peers_wait_port(k->bearerbox, k->admin_port, PEERS_START_MS) == -1) {
		peers_last_line(bblog, last, sizeof(last));
		peers_why(why, whylen, "bearerbox did not start: %s", last);
		goto fail;
	}
	k->smsbox = peers_spawn(sb, sbout, NULL);
	if (peers_wait_port(k->smsbox, k->sendsms_port, PEERS_START_MS) == -1) {
		peers_last_line(sblog, last, sizeof(last));
		peers_why(why, whylen, "smsbox did not start: %s", last);
		goto fail;
	}
	k->fakesmsc = peers_spawn(fs, k->fakesmsc_log, NULL);
	if (peers_wait_text(k->bearerbox, bblog, "Fakesmsc client connected", PEERS_START_MS) == -1) {
		peers_last_line(k->fakesmsc_log, last, sizeof(last));
		peers_why(why, whylen, "fakesmsc did not connect to bearerbox: %s", last);
		goto fail;
	}
	/* smsbox is up when bearerbox has taken its connection. */
	if (peers_wait_text(k->bearerbox, bblog, "Client connected from <127.0.0.1>",
	    PEERS_START_MS) == -1) {
		peers_last_line(bblog, last, sizeof(last));
		peers_why(why, whylen, "smsbox did not connect to bearerbox: %s", last);
		goto fail;
	}
	return 0;
fail:
	od_test_kannel_stop(k);
	return -1;
}

void
od_test_kannel_stop(struct od_test_kannel *k)
{
	peers_stop_pid(&k->fakesmsc);
	peers_stop_pid(&k->smsbox);
	peers_stop_pid(&k->bearerbox);
}

/* "... Got message 3: <from to type data>" -> "from to type data". */
static size_t
peers_fakesmsc_lines(const char *log, char **out)
{
	const char	*p = log, *start, *eol;
	size_t		 n = 0, len = 0;
	char		*buf = calloc(1, strlen(log) + 1);

	if (buf == NULL)
		return 0;
	while ((p = strstr(p, "Got message ")) != NULL) {
		eol = p + strcspn(p, "\n");
		if ((start = memchr(p, '<', (size_t)(eol - p))) != NULL && eol > start + 1 &&
		    eol[-1] == '>') {
			memcpy(buf + len, start + 1, (size_t)(eol - start - 2));
			len += (size_t)(eol - start - 2);
			buf[len++] = '\n';
			n++;
		}
		p = eol;
	}
	buf[len] = '\0';
	*out = buf;
	return n;
}

char *
od_test_kannel_received(const struct od_test_kannel *k, int want, int timeout_ms)
{
	char	*log, *out = NULL;
	size_t	 n = 0;
	int	 waited;

	for (waited = 0;; waited += 50) {
		free(out);
		out = NULL;
		if ((log = od_test_slurp(k->fakesmsc_log)) != NULL) {
			n = peers_fakesmsc_lines(log, &out);
			free(log);
		}
		if ((int)n >= want || waited >= timeout_ms)
			break;
		peers_sleep_ms(50);
	}
	return out != NULL ? out : strdup("");
}

char *
od_test_ucs2_to_utf8(const char *s)
{
	size_t		 n = strlen(s), nb = 0, i, o = 0;
	unsigned char	*b = malloc(n + 1);
	char		*out = malloc(n * 2 + 1), hex[3] = { 0, 0, 0 };
	unsigned long	 cp, lo;

	if (b == NULL || out == NULL) {
		free(b);
		free(out);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n + 1 && s[i + 1] && s[i + 2]) {
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			b[nb++] = (unsigned char)strtoul(hex, NULL, 16);
			i += 2;
		} else
			b[nb++] = s[i] == '+' ? ' ' : (unsigned char)s[i];
	}
	for (i = 0; i + 1 < nb; i += 2) {
		cp = (unsigned long)b[i] << 8 | b[i + 1];
		if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < nb) {
			lo = (unsigned long)b[i + 2] << 8 | b[i + 3];
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xC0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xE0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	out[o] = '\0';
	free(b);
	return out;
}

/* ---- SMTP (aiosmtpd) ------------------------------------------------------- */

static const char *
peers_python(void)
{
	/* Debian's python3, which python3-aiosmtpd installs into (not a pyenv shim's). */
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "/bin/python3";
}

int
od_test_smtp_start(struct od_test_smtp *s, const char *dir, char *why, size_t whylen)
{
	char		 listen[64], pypath[600], cmd[700], last[200];
	const char	*py = peers_python();
	const char	*argv[] = { py, "-m", "aiosmtpd", "-n", "-l", listen, "-c",
	    "rawmaildir.RawMaildir", s->maildir, NULL };
	const char	*envs[] = { pypath, NULL };

	memset(s, 0, sizeof(*s));
	snprintf(cmd, sizeof(cmd), "%s -c 'import aiosmtpd' >/dev/null 2>&1", py);
	if (system(cmd) != 0) {
		peers_why(why, whylen, "aiosmtpd is not installed for %s (apt-get install "
		    "python3-aiosmtpd; see .ci/peers)", py);
		return -1;
	}
	if ((s->port = od_test_free_port()) <= 0) {
		peers_why(why, whylen, "no free loopback port");
		return -1;
	}
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
	snprintf(pypath, sizeof(pypath), "PYTHONPATH=%s/peers", OD_TEST_DATA);
	snprintf(s->maildir, sizeof(s->maildir), "%s/mail", dir);
	snprintf(s->log, sizeof(s->log), "%s/aiosmtpd.log", dir);
	snprintf(s->url, sizeof(s->url), "smtp://127.0.0.1:%d", s->port);
	if (mkdir(s->maildir, 0755) == -1 && errno != EEXIST) {
		peers_why(why, whylen, "mkdir %s: %s", s->maildir, strerror(errno));
		return -1;
	}
	s->pid = peers_spawn(argv, s->log, envs);
	if (peers_wait_port(s->pid, s->port, PEERS_START_MS) == -1) {
		peers_last_line(s->log, last, sizeof(last));
		peers_why(why, whylen, "aiosmtpd did not start: %s", last);
		od_test_smtp_stop(s);
		return -1;
	}
	return 0;
}

void
od_test_smtp_stop(struct od_test_smtp *s)
{
	peers_stop_pid(&s->pid);
}

int
od_test_smtp_wait(const struct od_test_smtp *s, int want, int timeout_ms)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 len;
	int		 n = 0, waited;

	for (waited = 0;; waited += 50) {
		n = 0;
		if ((d = opendir(s->maildir)) != NULL) {
			while ((de = readdir(d)) != NULL) {
				len = strlen(de->d_name);
				if (de->d_name[0] != '.' && len > 4 &&
				    strcmp(de->d_name + len - 4, ".eml") == 0)
					n++;
			}
			closedir(d);
		}
		if (n >= want || waited >= timeout_ms)
			return n;
		peers_sleep_ms(50);
	}
}

/* ---- Prism ----------------------------------------------------------------- */

int
od_test_prism_start(struct od_test_prism *p, const char *dir, const char *spec, char *why,
    size_t whylen)
{
	char		 bin[600], port[16], last[200];
	const char	*env = getenv("OD_PRISM");
	const char	*argv[] = { bin, "mock", "-h", "127.0.0.1", "-p", port, spec, NULL };

	memset(p, 0, sizeof(*p));
	snprintf(bin, sizeof(bin), "%s", env != NULL && *env != '\0' ? env :
	    OD_SOURCE_DIR "/build/prism/node_modules/.bin/prism");
	if (access(bin, X_OK) == -1) {
		peers_why(why, whylen, "Prism is not installed at %s (.ci/peers: npm install "
		    "--prefix build/prism @stoplight/prism-cli@5.16.0)", bin);
		return -1;
	}
	if (access(spec, R_OK) == -1) {
		peers_why(why, whylen, "no spec at %s", spec);
		return -1;
	}
	if ((p->port = od_test_free_port()) <= 0) {
		peers_why(why, whylen, "no free loopback port");
		return -1;
	}
	snprintf(port, sizeof(port), "%d", p->port);
	snprintf(p->log, sizeof(p->log), "%s/prism-%d.log", dir, p->port);
	snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", p->port);
	/* The bin directly (not npx): the PID is the server's, and a kill by PID stops it. */
	p->pid = peers_spawn(argv, p->log, NULL);
	if (peers_wait_port(p->pid, p->port, PEERS_START_MS) == -1 ||
	    peers_wait_text(p->pid, p->log, "Prism is listening", PEERS_START_MS) == -1) {
		peers_last_line(p->log, last, sizeof(last));
		peers_why(why, whylen, "Prism did not start on %s: %s", spec, last);
		od_test_prism_stop(p);
		return -1;
	}
	return 0;
}

void
od_test_prism_stop(struct od_test_prism *p)
{
	peers_stop_pid(&p->pid);
}

int
od_test_prism_count(const struct od_test_prism *p, const char *needle)
{
	char	*text = od_test_slurp(p->log), *line, *save = NULL;
	int	 n = 0;

	if (text == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) != NULL)
			n++;
	free(text);
	return n;
}

/* ---- the header-adding proxy ------------------------------------------------ */

#define PROXY_MAX_CONNS	64
#define PROXY_MAX_MSG	(1024 * 1024)

struct od_test_proxy {
	int		 lfd, upstream;
	char		 header[256];
	pthread_t	 accept_thread;
	pthread_mutex_t	 lock;
	int		 stopping, nconns, requests;
	int		 fds[PROXY_MAX_CONNS][2];	/* client, upstream */
	pthread_t	 threads[PROXY_MAX_CONNS];
	int		 port;
};

struct proxy_conn {
	struct od_test_proxy	*x;
	int			 slot;
};

/* Reads one HTTP message (head and Content-Length body) into *buf; its length, or -1. */
static ssize_t
proxy_read_msg(int fd, char **buf, size_t *head_len)
{
	size_t		 len = 0, cap = 8192, want = 0;
	char		*b = malloc(cap), *end, *cl, *p;
	ssize_t		 r;
	int		 have_head = 0;

	if (b == NULL)
		return -1;
	for (;;) {
		if (have_head && len >= want)
			break;
		if (len + 1 >= cap) {
			if (cap >= PROXY_MAX_MSG || (p = realloc(b, cap * 2)) == NULL)
				goto fail;
			b = p;
			cap *= 2;
		}
		if ((r = read(fd, b + len, cap - len - 1)) <= 0)
			goto fail;
		len += (size_t)r;
		b[len] = '\0';
		if (!have_head && (end = strstr(b, "\r\n\r\n")) != NULL) {
			have_head = 1;
			*head_len = (size_t)(end - b) + 4;
			want = *head_len;
			for (cl = b; (cl = strcasestr(cl, "\r\ncontent-length:")) != NULL &&
			    cl < end; cl++) {
				want += strtoul(cl + 17, NULL, 10);
				break;
			}
		}
	}
	*buf = b;
	return (ssize_t)want;
fail:
	free(b);
	return -1;
}

static int
proxy_write(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *
proxy_conn_main(void *arg)
{
	struct proxy_conn	*c = arg;
	struct od_test_proxy	*x = c->x;
	int			 cfd = x->fds[c->slot][0], ufd = x->fds[c->slot][1];
	char			*req, *rep, *eol;
	size_t			 head, rhead;
	ssize_t			 n, rn;

	free(c);
	while ((n = proxy_read_msg(cfd, &req, &head)) > 0) {
		eol = strstr(req, "\r\n");
		if (proxy_write(ufd, req, (size_t)(eol - req) + 2) == -1 ||
		    proxy_write(ufd, x->header, strlen(x->header)) == -1 ||
		    proxy_write(ufd, eol + 2, (size_t)n - (size_t)(eol + 2 - req)) == -1) {
			free(req);
			break;
		}
		free(req);
		pthread_mutex_lock(&x->lock);
		x->requests++;
		pthread_mutex_unlock(&x->lock);
		if ((rn = proxy_read_msg(ufd, &rep, &rhead)) <= 0)
			break;
		if (proxy_write(cfd, rep, (size_t)rn) == -1) {
			free(rep);
			break;
		}
		free(rep);
	}
	shutdown(cfd, SHUT_RDWR);
	shutdown(ufd, SHUT_RDWR);
	return NULL;
}

static void *
proxy_accept_main(void *arg)
{
	struct od_test_proxy	*x = arg;
	struct proxy_conn	*c;
	int			 cfd, ufd;

	while ((cfd = accept4(x->lfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		pthread_mutex_lock(&x->lock);
		if (x->stopping || x->nconns >= PROXY_MAX_CONNS ||
		    (ufd = peers_connect(x->upstream)) == -1 ||
		    (c = malloc(sizeof(*c))) == NULL) {
			pthread_mutex_unlock(&x->lock);
			close(cfd);
			continue;
		}
		c->x = x;
		c->slot = x->nconns;
		x->fds[c->slot][0] = cfd;
		x->fds[c->slot][1] = ufd;
		if (pthread_create(&x->threads[c->slot], NULL, proxy_conn_main, c) != 0) {
			free(c);
			close(cfd);
			close(ufd);
		} else
			x->nconns++;
		pthread_mutex_unlock(&x->lock);
	}
	return NULL;
}

struct od_test_proxy *
od_test_proxy_start(int upstream_port, const char *header)
{
	struct od_test_proxy	*x;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->upstream = upstream_port;
	snprintf(x->header, sizeof(x->header), "%s\r\n", header);
	pthread_mutex_init(&x->lock, NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((x->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(x->lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(x->lfd, 16) == -1 ||
	    getsockname(x->lfd, (struct sockaddr *)&sin, &slen) == -1 ||
	    pthread_create(&x->accept_thread, NULL, proxy_accept_main, x) != 0) {
		if (x->lfd != -1)
			close(x->lfd);
		pthread_mutex_destroy(&x->lock);
		free(x);
		return NULL;
	}
	x->port = ntohs(sin.sin_port);
	return x;
}

int
od_test_proxy_port(const struct od_test_proxy *x)
{
	return x->port;
}

int
od_test_proxy_requests(struct od_test_proxy *x)
{
	int	n;

	pthread_mutex_lock(&x->lock);
	n = x->requests;
	pthread_mutex_unlock(&x->lock);
	return n;
}

void
od_test_proxy_stop(struct od_test_proxy *x)
{
	int	i;

	if (x == NULL)
		return;
	pthread_mutex_lock(&x->lock);
	x->stopping = 1;
	for (i = 0; i < x->nconns; i++) {
		shutdown(x->fds[i][0], SHUT_RDWR);
		shutdown(x->fds[i][1], SHUT_RDWR);
	}
	pthread_mutex_unlock(&x->lock);
	shutdown(x->lfd, SHUT_RDWR);
	pthread_join(x->accept_thread, NULL);
	close(x->lfd);
	for (i = 0; i < x->nconns; i++) {
		pthread_join(x->threads[i], NULL);
		close(x->fds[i][0]);
		close(x->fds[i][1]);
	}
	pthread_mutex_destroy(&x->lock);
	free(x);
}

static int	peer_skipped;

void
od_test_peer_missing(const char *test, const char *why)
{
	const char	*ci = getenv("CI");

	if (ci != NULL && strcmp(ci, "true") == 0)
		fail_msg("CI=true: %s cannot run its peer: %s (run .ci/install)", test, why);
	print_message("SKIP %s: %s\n", test, why);
	peer_skipped = 1;
	skip();
}

int
od_test_exit_code(int rc)
{
	return rc == 0 && peer_skipped ? 77 : rc;
}
