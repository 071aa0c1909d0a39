/*
 * od_policy: escalation policies (policy/<name>.yaml), written by operations
 * teams.  A policy says which accounts it takes (segment rules) and the
 * ordered steps it sends them: when (an offset from the due date), at which
 * stage, over which channels (in order of preference; the next one is the
 * fallback) and with which template.
 *
 * See docs/policies.md for the format; every error is collected as
 * "file:line:col: message" and the whole set is refused.
 */
#ifndef OD_POLICY_H
#define OD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "od_account.h"
#include "od_error.h"

enum od_stage {
	OD_STAGE_INVALID = 0,
	OD_STAGE_REMINDER,	/* courteous, before the due date */
	OD_STAGE_NOTICE,	/* firm, after it */
	OD_STAGE_OFFER,		/* negotiation: instalments, discount, payment link */
	OD_STAGE_FINAL,		/* the last formal notice before handoff */
};

const char	*od_stage_name(enum od_stage s);
enum od_stage	 od_stage_parse(const char *s);

struct od_step {
	char		*name;
	int64_t		 offset_ms;	/* from the due date's local midnight + send_at: "-3d" */
	int		 day_offset;	/* 1 when the offset is whole days: the step goes at send_at */
	enum od_stage	 stage;
	int		 channels[OD_CH_MAX];	/* kinds, in order of preference */
	size_t		 nchannels;
	char		*template;	/* template name, looked up per locale */
	int		 line, col;	/* where the step stands */
};

enum od_cmp_op { OD_OP_EQ = 1, OD_OP_NE, OD_OP_LT, OD_OP_LE, OD_OP_GT, OD_OP_GE, OD_OP_IN };

/* One comparison on an account attribute: "risk_score >= 600". */
struct od_attr_cond {
	char		*attr;
	enum od_cmp_op	 op;
	int		 is_number;	/* compare as numbers; else as strings */
	double		 num;
	char		*str;
	char		**list;		/* OD_OP_IN */
	size_t		 nlist;
};

struct od_segment {
	int		 has_amount_min, has_amount_max;
	char		*amount_min, *amount_max;	/* decimal strings, inclusive */
	int		 has_dpd_min, has_dpd_max;
	int		 dpd_min, dpd_max;		/* days past due, inclusive; negative before due */
	char		**products;	size_t nproducts;
	char		**countries;	size_t ncountries;
	char		**currencies;	size_t ncurrencies;
	struct od_attr_cond *attrs;	size_t nattrs;
};

struct od_offer {
	int		 installments;		/* 0: no instalment plan */
	int		 discount_percent;	/* 0: no prompt-payment discount */
	int		 valid_days;		/* the discount's deadline, from the send day */
	char		*payment_url;		/* may hold {{account_id}}; may be NULL */
};

struct od_policy {
	char		*name;
	char		*description;
	char		*file;
	int		 line, col;
	int		 priority;		/* higher wins when several match; then name order */
	char		*jurisdiction;		/* "PE", or NULL: the account's country */
	int		 send_at_min;		/* minutes after local midnight for whole-day offsets; default 09:00 */
	int64_t		 spread_ms;		/* 0, or deferred sends spread over [0, spread) per account */
	int		 transliterate;		/* SMS: fold to GSM-7 where possible */
	struct od_segment segment;
	struct od_offer	 offer;
	struct od_step	*steps;
	size_t		 nsteps;
};

struct od_policy_set {
	struct od_policy *v;		/* sorted by priority (desc), then name */
	size_t		  n;
};

/* Loads every *.yaml in dir (in name order).  Returns 0, or -1 with errors in errs. */
int	od_policy_load_dir(const char *dir, struct od_policy_set *set, struct od_errors *errs);
/* Loads one file into set (appends).  For tests and `validate FILE`. */
int	od_policy_load_file(const char *path, struct od_policy_set *set, struct od_errors *errs);
/* Same, from the len bytes of buf (not NUL-terminated); errors call it name. */
int	od_policy_load_string(const char *name, const char *buf, size_t len,
	    struct od_policy_set *set, struct od_errors *errs);
void	od_policy_set_free(struct od_policy_set *set);

const struct od_policy *od_policy_find(const struct od_policy_set *set, const char *name);
/* The first policy whose segment takes the account at now (UTC ms), or NULL. */
const struct od_policy *od_policy_select(const struct od_policy_set *set,
	    const struct od_account *a, int64_t now_ms);
int	od_policy_matches(const struct od_policy *p, const struct od_account *a, int64_t now_ms);
int	od_policy_step_index(const struct od_policy *p, const char *step);	/* index or -1 */

#endif /* OD_POLICY_H */
