/*
 * od_state_int.h: what od_state.c and od_state_life.c (the lifecycle:
 * promises, agreements, placement) share.
 */
#ifndef OD_STATE_INT_H
#define OD_STATE_INT_H

#include "od_buf.h"
#include "od_state.h"

#define OD_STATE_MAX_WHOLE	9007199254740992.0	/* 2^53: exact in a double, and in Lua */

void	od_state_strs_clear(struct od_state_strs *l);
int	od_state_strs_add(struct od_state_strs *l, const char *s);
int	od_state_whole(const json_t *v, double lo, double hi);	/* absent counts */
int64_t	od_state_num(const json_t *v);
int	od_state_read_strs(struct od_state_strs *l, const json_t *v);
void	od_state_write_strs(struct od_buf *b, const char *key, const struct od_state_strs *l);

/* The lifecycle's names: "promise", "plan", ...; "open", "broken", "completed". */
extern const char *const od_state_life_kinds[];
extern const char *const od_state_life_statuses[];
/* A YYYY-MM-DD date's days since the epoch: 0, or -1 when it is not a date. */
int	od_state_date_days(const char *date, int64_t *days);

/* The lifecycle's keys: 1 when key was one (read), 0 when not, -1 when bad. */
int	od_state_life_read(struct od_state *st, const char *key, const json_t *v);
void	od_state_life_write(const struct od_state *st, struct od_buf *b);
void	od_state_life_clear(struct od_state_life *l);
/* The lifecycle's part of od_state_event, of od_state_outcome. */
int	od_state_life_event(struct od_state *st, const struct od_state_event *ev,
	    struct od_state_ctx *cx, int64_t amount, int *replan);
int	od_state_life_outcome(struct od_state *st, const struct od_state_outcome *o,
	    struct od_state_ctx *cx);

#endif /* OD_STATE_INT_H */
