/*
 * od_fuzz: what the libFuzzer harnesses of tests/fuzz/ share.  Each
 * fuzz_<target>.c defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize); the same file links either with libFuzzer
 * (-DOD_FUZZ=ON, clang) or with replay.c, which feeds it the corpus in
 * every normal build.
 *
 * A harness never writes files, opens sockets or logs; a disagreement in a
 * differential harness is od_fuzz_fail, which aborts (a finding).
 */
#ifndef OD_FUZZ_H
#define OD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "od_channel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Prints what disagreed (printf-style) and aborts. */
void	od_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A NUL-terminated malloc'd copy of data (aborts when out of memory). */
char	*od_fuzz_strndup(const uint8_t *data, size_t size);

/*
 * Splits data at its first NUL: *a is what comes before (alen bytes), *b
 * what comes after (blen), or NULL when there is no NUL.
 */
void	od_fuzz_split(const uint8_t *data, size_t size, const char **a, size_t *alen,
	    const char **b, size_t *blen);

/* Quiets the daemon's log (od_log) for the process. */
void	od_fuzz_quiet(void);

/*
 * A plugin host for the reply classifiers: the core's host table with
 * settings and secrets from kv, a NULL-terminated list "key", "value", ...,
 * and a log that only formats its line (the format is exercised, nothing is
 * printed).  host_ctx is kv.
 */
const struct od_channel_host *od_fuzz_host(void);

/*
 * Initialises plugin p with settings kv; returns its context, or aborts
 * when the fixed settings are refused (the harness is wrong).
 */
void	*od_fuzz_plugin_init(const struct od_channel_plugin *p, const char *const *kv);

/*
 * A reply for a classifier from fuzzed bytes: two bytes of status (100..599,
 * or 0), one that picks a Retry-After header, the rest the body (copied and
 * NUL-terminated into *body, which the caller frees).
 */
void	od_fuzz_reply(const uint8_t *data, size_t size, struct od_channel_reply *reply,
	    char **body);

/* A message for build/classify: an SMS, an email or a WhatsApp template. */
void	od_fuzz_message(int kind, struct od_channel_message *m);

/*
 * One reply classifier harness: a reply made from data (od_fuzz_reply)
 * for a message of kind, classified by p; a finding when it gives no
 * outcome, or accepts a reply outside 2xx.  name is for the message.
 */
void	od_fuzz_classify(const struct od_channel_plugin *p, void *ctx, int kind,
	    const char *name, const uint8_t *data, size_t size);

#endif /* OD_FUZZ_H */
