/*
 * od_time: the daemon's clock and civil-date arithmetic.
 *
 * All instants are UTC milliseconds since the epoch.  The clock may be
 * shifted by a fixed offset (--clock-offset, OUTREACHD_CLOCK_OFFSET) so that
 * tests can put the daemon at 20:59 in Lima without sleeping for hours.
 */
#ifndef OD_TIME_H
#define OD_TIME_H

#include <stdint.h>

int64_t	od_now_ms(void);			/* wall clock + offset */
void	od_clock_set_offset_ms(int64_t off);
int64_t	od_clock_offset_ms(void);
/* Sets the offset so that od_now_ms() reads at_ms now.  For tests and simulate. */
void	od_clock_set_now_ms(int64_t at_ms);
int64_t	od_monotonic_ms(void);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t	od_days_from_civil(int y, int m, int d);
void	od_civil_from_days(int64_t days, int *y, int *m, int *d);
int	od_weekday(int64_t days);		/* 0 = Sunday */
int	od_days_in_month(int y, int m);

/* "YYYY-MM-DD", a real calendar date.  Returns 0 or -1. */
int	od_date_parse(const char *s, int *y, int *m, int *d);

/*
 * Durations as written by operators: "30s", "5m", "2h", "3d", "-3d", "+1d",
 * "0d", "1d12h", "500ms".  Returns 0 and sets *ms, or -1.
 */
int	od_duration_parse(const char *s, int64_t *ms);

/* ISO 8601 UTC with milliseconds: "2026-12-01T14:00:00.000Z"; buf >= 25. */
const char *od_time_format_iso(int64_t ms, char *buf, unsigned long len);
/* Parses "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)" to UTC ms; 0 or -1. */
int	od_time_parse_iso(const char *s, int64_t *ms);

#endif /* OD_TIME_H */
