/*
 * od_tz: IANA time zones read from the system's TZif files
 * (/usr/share/zoneinfo, or $OUTREACHD_ZONEINFO), with the POSIX TZ footer
 * for instants past the last transition.  Never falls back to UTC or to the
 * server's zone: an unknown name is an error.
 *
 * Zones are loaded once and cached for the life of the process (there are a
 * few hundred at most, so the cache is bounded by the tz database, not by the
 * number of accounts).  Lookups do no I/O after the first.  Names that are
 * no zone are remembered too, the last 64 of them, so an upstream sending
 * unknown names does not cost an open() each time and cannot grow the cache
 * (a zone file installed meanwhile is seen once its name was forgotten, or
 * after od_tz_cache_free).
 */
#ifndef OD_TZ_H
#define OD_TZ_H

#include <stddef.h>
#include <stdint.h>

struct od_tz;

struct od_local {
	int	year, month, day;	/* month 1..12, day 1..31 */
	int	hour, min, sec;
	int	wday;			/* 0 = Sunday */
	int	utcoff;			/* seconds east of UTC */
	int	isdst;
};

/* Returns the zone, loading it on first use; NULL when the name is unknown or unsafe. */
const struct od_tz *od_tz_get(const char *name);
int		 od_tz_valid(const char *name);		/* 1 or 0 */
const char	*od_tz_name(const struct od_tz *tz);

/* UTC seconds to local civil time. */
void		 od_tz_to_local(const struct od_tz *tz, int64_t utc, struct od_local *out);
int		 od_tz_offset(const struct od_tz *tz, int64_t utc);	/* seconds east */

/*
 * Local civil time to UTC seconds.  A wall time that does not exist (the
 * spring-forward gap) maps to the first instant after the gap; one that
 * exists twice (fall back) maps to the earlier instant.
 */
int64_t		 od_tz_from_local(const struct od_tz *tz, int y, int mo, int d, int h, int mi, int s);

/* Forgets every zone and every miss, and the country tables; zones handed out before are freed. */
void		 od_tz_cache_free(void);

/*
 * The countries' zones, from tzdata's zone1970.tab and zone.tab in the same
 * directory (od_tz_country.c says how they are merged): read on first use.
 * od_tz_countries_load reads them now (start-up, --check): 0, or -1 with
 * the reason in err ("/usr/share/zoneinfo/zone1970.tab: cannot be read").
 */
int		 od_tz_countries_load(char *err, size_t len);
/*
 * The zones of country cc ("PE"), most populous first (America/Lima; for US
 * America/New_York, America/Detroit, ...): the count, with *zones borrowed
 * until od_tz_cache_free; 0 when tzdata has none for cc (or the tables
 * cannot be read).
 */
size_t		 od_tz_country_zones(const char *cc, const char *const **zones);
/*
 * name as a zone of cc: the zone's name as the tables list it when name is
 * one of cc's zones or a link to one of them (the same file: US/Eastern is
 * America/New_York); NULL otherwise (Etc/UTC for PE).  Borrowed as above.
 */
const char	*od_tz_country_zone(const char *cc, const char *name);
void		 od_tz_countries_free(void);

/*
 * Reads a TZif image (RFC 8536) of len bytes from memory, calling the zone
 * name; outside the cache: the caller owns the zone and frees it with
 * od_tz_free (NULL-safe).  NULL when buf is not a valid TZif file.
 */
struct od_tz	*od_tz_parse(const char *name, const void *buf, size_t len);
void		 od_tz_free(struct od_tz *tz);

#endif /* OD_TZ_H */
