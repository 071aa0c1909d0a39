/*
 * fuzz_reply_twilio: the Twilio plugin's classifier on any reply, and its
 * own scanner of 2xx replies checked DIFFERENTIALLY against jansson: for a
 * 2xx status the outcome must be what json_loadb's reading gives (the sid,
 * cut as provider_id is, or UNKNOWN with the same reason), as
 * tests/test_twilio.c asserts for its cases.  Input: see od_fuzz_reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "od_fuzz.h"

#define SID	"AC0123456789abcdef0123456789abcdef"

static const char *const settings[] = {
	"account_sid", SID, "auth_token", "f00dfeedf00dfeedf00dfeedf00dfeed",
	"from", "+15005550006", NULL,
};
static const struct od_channel_plugin	*plugin;
static void				*ctx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	plugin = od_channel_plugin_entry();
	ctx = od_fuzz_plugin_init(plugin, settings);
	return 0;
}

/* What classify gave before the scanner: jansson's reading of the 2xx reply. */
static void
check_as_jansson(const struct od_channel_reply *reply, const struct od_channel_result *res)
{
	json_t		*root = json_loadb(reply->body, reply->body_len, 0, NULL);
	const char	*sid = json_string_value(json_object_get(root, "sid"));
	char		 want[128], reason[256];

	if (sid != NULL && *sid != '\0') {
		snprintf(want, sizeof(want), "%s", sid);
		if (res->outcome != OD_OUTCOME_ACCEPTED || strcmp(res->provider_id, want) != 0)
			od_fuzz_fail("twilio %ld: jansson reads sid \"%s\", classify gave outcome %d "
			    "provider_id \"%s\"", reply->status, want, res->outcome, res->provider_id);
	} else {
		snprintf(reason, sizeof(reason), "twilio HTTP %ld: %s", reply->status,
		    root != NULL ? "2xx reply without a message sid" : "2xx reply that is not JSON");
		if (res->outcome != OD_OUTCOME_UNKNOWN || strcmp(res->reason, reason) != 0)
			od_fuzz_fail("twilio %ld: jansson reads no sid (%s), classify gave outcome %d "
			    "\"%s\" \"%s\"", reply->status, root ? "JSON" : "not JSON", res->outcome,
			    res->provider_id, res->reason);
	}
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_channel_message	m;
	struct od_channel_reply		reply;
	struct od_channel_result	res;
	char				*body;

	if (plugin == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	od_fuzz_message(OD_KIND_SMS, &m);
	od_fuzz_reply(data, size, &reply, &body);
	memset(&res, 0, sizeof(res));
	plugin->classify(ctx, &m, &reply, &res);
	if (res.outcome == OD_OUTCOME_INVALID)
		od_fuzz_fail("twilio %ld: no outcome", reply.status);
	if (reply.status >= 200 && reply.status < 300 && reply.body_len > 0)
		check_as_jansson(&reply, &res);
	/* The same body as a 201, whatever status the input chose. */
	reply.status = 201;
	memset(&res, 0, sizeof(res));
	plugin->classify(ctx, &m, &reply, &res);
	if (reply.body_len > 0)
		check_as_jansson(&reply, &res);
	free(body);
	return 0;
}
