/*
 * od_account_int.h: what od_account.c (the documents) and
 * od_account_value.c (the formats of single values) share.  Not for other
 * modules: od_account.h is the interface.
 */
#ifndef OD_ACCOUNT_INT_H
#define OD_ACCOUNT_INT_H

/* An e-mail address's longest (RFC 5321's path, less the angle brackets). */
#define EMAIL_MAX_BYTES		254

#endif /* OD_ACCOUNT_INT_H */
