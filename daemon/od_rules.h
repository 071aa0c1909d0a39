/*
 * od_rules: the contact rules checked at the moment of sending (and by the
 * simulator): per jurisdiction, the hours a debtor may be contacted on each
 * weekday, the public holidays, and the caps on how often.  Everything is
 * evaluated in the DEBTOR's IANA time zone, never in UTC or the server's.
 *
 * The rules are data (docs/contact-rules.md): config/jurisdictions/<CC>.yaml
 * holds one preset per country, citing its law, and config/holidays/<CC>.yaml
 * the country's public holidays.  A policy may only tighten its preset
 * (od_rules_tighten).
 */
#ifndef OD_RULES_H
#define OD_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "od_account.h"
#include "od_error.h"
#include "od_yaml.h"

#define OD_RULES_MAX_SPANS	8	/* windows on one weekday */

/* Minutes after local midnight, end exclusive: 07:00-20:00 is {420, 1200}. */
struct od_rules_span {
	int	start, end;		/* 0 <= start < end <= 1440 */
};

/*
 * The rules of a preset, and of a policy's tightening of it.  A cap of 0 is
 * no cap.  Contacts are counted across every channel and policy of the
 * account, whatever the kind being sent (except the per-channel caps).
 */
struct od_rules_limits {
	struct od_rules_span	 win[7][OD_RULES_MAX_SPANS];	/* [wday], 0 = Sunday; sorted, disjoint */
	int			 nwin[7];	/* 0: no contact that weekday */
	int			 holidays;	/* 1: no contact on the country's public holidays */
	int			 per_day;	/* contacts on one local calendar day */
	int			 per_week;	/* contacts in the rolling 7 * 24 h */
	int			 per_channel_per_day[OD_CH_MAX];
	int			 per_channel_per_week[OD_CH_MAX];
	int			 channels_per_week;	/* distinct kinds in the rolling 7 * 24 h */
	int64_t			 min_spacing_ms;	/* from the latest contact, any kind */
};

/* One disclosure's phrase in one language: opt_out, es, "Responda BAJA". */
struct od_rules_phrase {
	char	*name;
	char	*lang;		/* "es", "en" */
	char	*text;		/* what the message must say, case aside */
};

struct od_rules_preset {
	char			 jurisdiction[3];	/* "PE"; also the holidays' country */
	char			*name;		/* "Peru" */
	char			*law;		/* short citation for messages: "Ley 29571 art. 62" */
	char			*caps_basis;	/* what the caps rest on (caps.basis, else law) */
	/*
	 * caps.answers: exempt: the acknowledgement of a debtor's own reply
	 * (od_job_reply.c) is not held back by the caps and the spacing (the
	 * window, holidays and consent still hold); counted (the default):
	 * it is, like every message.  Only where the caps are not the law's.
	 */
	int			 answers_exempt;
	char		       **sources;	/* references, for docs */
	size_t			 nsources;
	char		       **timezones;	/* zones where the country is unambiguous */
	size_t			 ntimezones;
	struct od_rules_limits	 lim;
	/*
	 * disclosures: the names every text of a kind must carry
	 * (disclose[OD_CH_SMS] = {"opt_out"}), and each name's phrase per language.
	 */
	char		       **disclose[OD_CH_MAX];
	size_t			 ndisclose[OD_CH_MAX];
	struct od_rules_phrase	*phrases;
	size_t			 nphrases;
	const char		*file;		/* where it was read */
	int			 line, col;
};

struct od_rules;

/*
 * Reads every dir/jurisdictions/<CC>.yaml and dir/holidays/<CC>.yaml (the
 * file name is the country).  Every problem is collected as
 * "file:line:col: message" (unknown keys are errors); on any error returns
 * -1 and *out is NULL.  Free with od_rules_free (NULL-safe).
 */
int	od_rules_load(const char *dir, struct od_rules **out, struct od_errors *errs);
/*
 * The same from memory, for one country cc ("PE"): its jurisdiction file
 * (jur, jlen bytes) and, hol not NULL, its holidays file (hlen bytes), as
 * if read from dir/jurisdictions/<cc>.yaml and dir/holidays/<cc>.yaml
 * (which is what errors call them).
 */
int	od_rules_load_string(const char *dir, const char *cc, const char *jur, size_t jlen,
	    const char *hol, size_t hlen, struct od_rules **out, struct od_errors *errs);
void	od_rules_free(struct od_rules *r);

/* The preset of a jurisdiction ("PE", case-insensitive), or NULL if unknown. */
const struct od_rules_preset *od_rules_preset(const struct od_rules *r, const char *jurisdiction);
/*
 * The phrase that carries disclosure name in a text written in locale (its
 * language: "en-US" -> "en"), or NULL when the preset gives none.
 */
const char *od_rules_phrase(const struct od_rules_preset *p, const char *name, const char *locale);

/* The presets in jurisdiction order, for listing: index i < count, or NULL. */
size_t	od_rules_preset_count(const struct od_rules *r);
const struct od_rules_preset *od_rules_preset_at(const struct od_rules *r, size_t i);

/*
 * The name of country's public holiday on that date ("Fiestas Patrias"), or
 * NULL when it is none or the country has no holidays file.
 */
const char *od_rules_holiday(const struct od_rules *r, const char *country, int y, int m, int d);
/*
 * 1 when country's calendar covers that date (its covers: range), 0 when it
 * does not or the country has no holidays file.  Outside the range a date
 * not listed is unknown, not a working day.
 */
int	od_rules_calendar_covers(const struct od_rules *r, const char *country, int y, int m,
	    int d);
/* The holidays file of country, as it is reported ("/etc/outreachd/holidays/PE.yaml"), or NULL. */
const char *od_rules_calendar_file(const struct od_rules *r, const char *country);

/*
 * The calendars against the date of now_ms (UTC): a warning at a file's
 * covers: when it ends within 90 days, an error naming the file and its
 * end once that date is past.  For --check and validate; a pure function
 * of r and now_ms.  Returns the number of errors added.
 */
#define OD_RULES_CALENDAR_WARN_DAYS	90
int	od_rules_check_calendars(const struct od_rules *r, int64_t now_ms, struct od_errors *errs);

struct od_metrics;
/*
 * Sets outreachd_holiday_calendar_days_left{country} (registered on first
 * use): the days from now_ms's date (UTC) to each calendar's last covered
 * date, negative once past it.
 */
void	od_rules_calendar_metrics(const struct od_rules *r, struct od_metrics *m, int64_t now_ms);

/*
 * A policy's "rules:" mapping applied to base: the same keys as a preset's
 * windows, holidays and caps, each optional.  A policy may only tighten:
 * where a value loosens the preset, a warning naming the rule and the law is
 * added ("policy rules: window mon 06:00-21:00 is wider than PE's
 * 07:00-20:00 (Ley 29571 art. 62)") and the preset's value is kept.  node may
 * be NULL (out is base).  Wrong types and unknown keys are errors: returns -1.
 * out borrows base's strings: it lives as long as the rules base came from.
 */
int	od_rules_tighten(const struct od_rules_preset *base, const struct od_yaml *node,
	    struct od_rules_preset *out, struct od_errors *errs);

/* Why a send is held back.  The zero value is "allowed". */
enum od_block {
	OD_BLOCK_NONE = 0,
	OD_BLOCK_WINDOW,
	OD_BLOCK_HOLIDAY,
	OD_BLOCK_CAP,
	OD_BLOCK_SPACING,
	OD_BLOCK_TIMEZONE_UNKNOWN,
	OD_BLOCK_NO_PRESET,
	OD_BLOCK_CALENDAR_MISSING,	/* the date is outside the holiday calendar's covers: */
};

/*
 * "none", "window", "holiday", "cap", "spacing", "timezone_unknown",
 * "no_preset", "calendar_missing".
 */
const char *od_block_name(enum od_block b);

/* One earlier send to the account (any channel, any policy). */
struct od_contact {
	int64_t	at_ms;
	int	kind;		/* enum od_channel_kind; -1 if unknown: counts in the totals only */
};

struct od_verdict {
	enum od_block	block;
	/*
	 * The earliest instant >= now at which every rule allows this send
	 * (now itself when allowed); -1 when none within 400 days, or when the
	 * time zone or the preset is unknown.
	 */
	int64_t		next_ms;
	char		detail[256];	/* for people: "20:00 fri is outside PE's window 07:00-20:00 (Ley 29571 art. 62)" */
};

/*
 * May a message of kind go now to a debtor in timezone (IANA, or NULL when
 * unknown) under preset p (NULL: no preset)?  recent holds the account's
 * sends of the last 8 days (or more), any order.  per_day counts the sends on
 * the same local day, per_week those in the 7 * 24 h before, min_spacing
 * runs from the latest.  The first blocking reason in the order
 * calendar_missing (holidays: true and the local date outside the
 * country's calendar), holiday, window, spacing, cap is reported.  Returns 0 when allowed now, 1 when
 * blocked, -1 when out is NULL, recent is NULL with nrecent > 0, or kind is
 * not a channel kind.
 */
int	od_rules_check(const struct od_rules *r, const struct od_rules_preset *p,
	    const char *timezone, int kind, const struct od_contact *recent, size_t nrecent,
	    int64_t now_ms, struct od_verdict *out);

/*
 * The same under every preset of ps (n of them; a NULL one is no_preset):
 * allowed only when each allows.  Blocked: out has the first blocking
 * preset's reason, and next_ms the earliest instant all of them allow (-1
 * when none within reach).  The debtor's country's preset and a policy's
 * jurisdiction's are checked together this way.
 */
int	od_rules_check_all(const struct od_rules *r, const struct od_rules_preset *const *ps,
	    size_t n, const char *timezone, int kind, const struct od_contact *recent,
	    size_t nrecent, int64_t now_ms, struct od_verdict *out);

/*
 * The same in every zone of zones (nzones of them; 0: the zone is unknown):
 * allowed only when allowed in each, as for a debtor who may be in any of
 * a country's zones.  A blocked verdict's detail names the zone first when
 * there are several ("America/Los_Angeles: 06:00 sun is outside US's
 * window 08:00-21:00 (...)").
 */
int	od_rules_check_zones(const struct od_rules *r, const struct od_rules_preset *const *ps,
	    size_t n, const char *const *zones, size_t nzones, int kind,
	    const struct od_contact *recent, size_t nrecent, int64_t now_ms,
	    struct od_verdict *out);

/* "07:00-20:00", "07:00-12:00, 14:00-20:00" or "none": the windows of wday (0 = Sunday). */
void	od_rules_format_day(const struct od_rules_limits *l, int wday, char *buf, size_t len);

#endif /* OD_RULES_H */
