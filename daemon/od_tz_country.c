/*
 * od_tz: which zones belong to which country, from tzdata's own tables
 * (zone1970.tab and zone.tab in the zoneinfo directory: /usr/share/zoneinfo
 * or $OUTREACHD_ZONEINFO, as the zones themselves).
 *
 * A country's zones are, in this order: every zone1970.tab line that lists
 * the country among its codes ("AE,OM,RE,SC,TF Asia/Dubai" belongs to each
 * of the five), then every zone.tab line for it whose zone is not already
 * listed, by name or as the same file (a link: same device and inode once
 * symbolic links are followed).  zone.tab gives the countries zone1970.tab
 * folds into another's zone their own entry, so every code tzdata knows has
 * its zones.  The tables sort each country's zones most populous first.
 *
 * Read once, on first use (od_tz_countries_load at start-up reports a
 * missing table), kept until od_tz_cache_free.
 */
#include "od_tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tzc_zone {
	char		cc[3];
	char	       *name;
	dev_t		dev;
	ino_t		ino;
	int		has_id;		/* dev and ino are known */
	size_t		seq;		/* read order */
};

static struct tzc_zone	*tzc;		/* grouped by country, in the tables' order */
static const char	**tzc_names;	/* tzc[i].name, for od_tz_country_zones */
static size_t		 ntzc, captzc;
static int		 tzc_state;	/* 0 not read, 1 read, -1 unreadable */
static char		 tzc_err[256];
static pthread_mutex_t	 tzc_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
tzc_dir(void)
{
	const char *dir = getenv("OUTREACHD_ZONEINFO");

	return dir != NULL && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

/* The file of zone name: its identity, following links.  0 or -1. */
static int
tzc_stat(const char *name, dev_t *dev, ino_t *ino)
{
	char		path[4096];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", tzc_dir(), name) >= sizeof(path) ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/* Is (cc, name) listed, or a zone of cc the same file?  Called locked. */
static int
tzc_has(const char *cc, const char *name, int has_id, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < ntzc; i++)
		if (strcmp(tzc[i].cc, cc) == 0 && (strcmp(tzc[i].name, name) == 0 ||
		    (has_id && tzc[i].has_id && tzc[i].dev == dev && tzc[i].ino == ino)))
			return 1;
	return 0;
}

static int
tzc_add(const char *cc, const char *name)
{
	struct tzc_zone	z;

	memset(&z, 0, sizeof(z));
	memcpy(z.cc, cc, 2);
	z.seq = ntzc;
	z.has_id = tzc_stat(name, &z.dev, &z.ino) == 0;
	if (tzc_has(z.cc, name, z.has_id, z.dev, z.ino))
		return 0;
	if (ntzc == captzc) {
		size_t		 ncap = captzc ? captzc * 2 : 512;
		struct tzc_zone	*nv = realloc(tzc, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		tzc = nv;
		captzc = ncap;
	}
	if ((z.name = strdup(name)) == NULL)
		return -1;
	tzc[ntzc++] = z;
	return 0;
}

/*
 * One table: "codes<TAB>coordinates<TAB>zone[<TAB>comments]", '#' comments.
 * codes is one or more two-letter codes separated by commas.
 */
static int
tzc_read(const char *file)
{
	char	 path[4096], line[1024], *codes, *zone, *save, *cc;
	FILE	*f;
	int	 rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", tzc_dir(), file) >= sizeof(path) ||
	    (f = fopen(path, "re")) == NULL) {
		snprintf(tzc_err, sizeof(tzc_err), "%.200s: cannot be read", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		if ((codes = strtok_r(line, "\t", &save)) == NULL || strtok_r(NULL, "\t", &save) == NULL ||
		    (zone = strtok_r(NULL, "\t", &save)) == NULL)
			continue;
		for (cc = strtok_r(codes, ",", &save); cc != NULL && rc == 0;
		    cc = strtok_r(NULL, ",", &save))
			if (strlen(cc) == 2)
				rc = tzc_add(cc, zone);
	}
	fclose(f);
	if (rc != 0)
		snprintf(tzc_err, sizeof(tzc_err), "%.200s: out of memory", path);
	return rc;
}

/* Groups the zones by country, keeping the tables' order within each.  Called locked. */
static int
tzc_cmp(const void *a, const void *b)
{
	const struct tzc_zone *x = a, *y = b;
	int c = strcmp(x->cc, y->cc);

	return c != 0 ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static void
tzc_free_locked(void)
{
	for (size_t i = 0; i < ntzc; i++)
		free(tzc[i].name);
	free(tzc);
	free(tzc_names);
	tzc = NULL;
	tzc_names = NULL;
	ntzc = captzc = 0;
	tzc_state = 0;
}

static int
tzc_load_locked(void)
{
	if (tzc_state != 0)
		return tzc_state;
	if (tzc_read("zone1970.tab") != 0 || tzc_read("zone.tab") != 0)
		goto fail;
	/* qsort is not stable: seq keeps the read order within a country. */
	qsort(tzc, ntzc, sizeof(*tzc), tzc_cmp);
	if ((tzc_names = calloc(ntzc ? ntzc : 1, sizeof(*tzc_names))) == NULL)
		goto fail;
	for (size_t i = 0; i < ntzc; i++)
		tzc_names[i] = tzc[i].name;
	return tzc_state = 1;
fail:
	tzc_free_locked();
	return tzc_state = -1;
}

int
od_tz_countries_load(char *err, size_t len)
{
	int rc;

	pthread_mutex_lock(&tzc_lock);
	rc = tzc_load_locked();
	if (rc < 0 && err != NULL)
		snprintf(err, len, "%s", tzc_err);
	pthread_mutex_unlock(&tzc_lock);
	return rc < 0 ? -1 : 0;
}

size_t
od_tz_country_zones(const char *cc, const char *const **zones)
{
	size_t i, n = 0;

	*zones = NULL;
	if (cc == NULL || strlen(cc) != 2)
		return 0;
	pthread_mutex_lock(&tzc_lock);
	if (tzc_load_locked() == 1) {
		for (i = 0; i < ntzc && strcmp(tzc[i].cc, cc) < 0; i++)
			;
		for (; i + n < ntzc && strcmp(tzc[i + n].cc, cc) == 0; n++)
			;
		if (n > 0)
			*zones = tzc_names + i;
	}
	pthread_mutex_unlock(&tzc_lock);
	return n;
}

/*
 * One of cc's zones by name, or a link to one (US/Eastern is
 * America/New_York's file): the zone's own name, borrowed; else NULL.
 */
const char *
od_tz_country_zone(const char *cc, const char *name)
{
	const char *const *z;
	size_t	n = od_tz_country_zones(cc, &z), i;
	dev_t	dev;
	ino_t	ino;

	if (n == 0 || od_tz_get(name) == NULL)	/* a safe name of a real zone file */
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(z[i], name) == 0)
			return z[i];
	if (tzc_stat(name, &dev, &ino) != 0)
		return NULL;
	pthread_mutex_lock(&tzc_lock);
	for (i = 0; i < ntzc; i++)
		if (strcmp(tzc[i].cc, cc) == 0 && tzc[i].has_id && tzc[i].dev == dev &&
		    tzc[i].ino == ino)
			break;
	pthread_mutex_unlock(&tzc_lock);
	return i < ntzc ? tzc_names[i] : NULL;
}

void
od_tz_countries_free(void)
{
	pthread_mutex_lock(&tzc_lock);
	tzc_free_locked();
	pthread_mutex_unlock(&tzc_lock);
}
