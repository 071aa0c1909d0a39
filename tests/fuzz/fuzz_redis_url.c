/*
 * fuzz_redis_url: od_redis_url_parse on any string (from the config file,
 * OUTREACHD_REDIS or --redis): redis://[user:password@]host[:port][/db]
 * (libcurl's CURLU), unix:/path; every result NUL-terminated and in range,
 * or a reason.
 */
#include <stdlib.h>
#include <string.h>

#include "od_fuzz.h"
#include "od_queue.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_redis_addr	a;
	char			err[256], *url = od_fuzz_strndup(data, size);

	memset(&a, 0x5a, sizeof(a));
	err[0] = '\0';
	if (od_redis_url_parse(url, &a, err, sizeof(err)) == 0) {
		if (memchr(a.host, '\0', sizeof(a.host)) == NULL ||
		    memchr(a.path, '\0', sizeof(a.path)) == NULL ||
		    memchr(a.user, '\0', sizeof(a.user)) == NULL ||
		    memchr(a.password, '\0', sizeof(a.password)) == NULL)
			od_fuzz_fail("a field of the address is not NUL-terminated");
		if ((a.host[0] == '\0') == (a.path[0] == '\0'))
			od_fuzz_fail("neither or both of host and path: \"%s\" \"%s\"", a.host, a.path);
		if (a.host[0] != '\0' && (a.port < 1 || a.port > 65535))
			od_fuzz_fail("port %d", a.port);
		if (a.db < 0)
			od_fuzz_fail("db %d", a.db);
	} else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0') {
		od_fuzz_fail("refused without a reason");
	}
	free(url);
	return 0;
}
