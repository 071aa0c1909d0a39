/*
 * od_log: one line per event, naming its component ("[queue] ...").
 * Plain lines to stderr.  Personal data never reaches a line unmasked:
 * pass phones, emails and names through od_mask_*() first.
 */
#ifndef OD_LOG_H
#define OD_LOG_H

#include <stddef.h>

enum od_log_level { OD_LOG_ERR = 3, OD_LOG_WARNING = 4, OD_LOG_NOTICE = 5, OD_LOG_INFO = 6,
	OD_LOG_DEBUG = 7 };

void	od_log_set_level(int level);
int	od_log_level(void);
void	od_log(int level, const char *component, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define od_log_err(c, ...)	od_log(OD_LOG_ERR, (c), __VA_ARGS__)
#define od_log_warn(c, ...)	od_log(OD_LOG_WARNING, (c), __VA_ARGS__)
#define od_log_info(c, ...)	od_log(OD_LOG_INFO, (c), __VA_ARGS__)
#define od_log_debug(c, ...)	do { if (od_log_level() >= OD_LOG_DEBUG) \
	od_log(OD_LOG_DEBUG, (c), __VA_ARGS__); } while (0)

/* Broken invariant: logs and aborts. */
void	od_fatal(const char *component, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Masking: the result is written to buf (always NUL-terminated).
 *   od_mask_phone("+51987654321")   -> "+51******321"
 *   od_mask_email("ana@example.pe") -> "a**@example.pe"
 *   od_mask_name("Ana Quispe")      -> "A** Q*****"
 */
const char *od_mask_phone(const char *s, char *buf, size_t len);
const char *od_mask_email(const char *s, char *buf, size_t len);
const char *od_mask_name(const char *s, char *buf, size_t len);

#endif /* OD_LOG_H */
