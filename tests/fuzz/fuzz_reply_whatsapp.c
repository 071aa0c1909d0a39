/*
 * fuzz_reply_whatsapp: the WhatsApp Cloud API plugin's classifier on any
 * status and body (Graph API errors, message ids).  Input: od_fuzz_reply.
 */
#include <stdlib.h>
#include <string.h>

#include "od_fuzz.h"

static const char *const settings[] = {
	"phone_number_id", "106540352242922", "access_token", "EAAGm0PX4ZCpsBAKZBZCtest0token",
	NULL,
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct od_channel_message	m;
	struct od_channel_reply		reply;
	struct od_channel_result	res;
	char				*body;

	if (plugin == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	od_fuzz_message(OD_KIND_WHATSAPP, &m);
	od_fuzz_reply(data, size, &reply, &body);
	memset(&res, 0, sizeof(res));
	plugin->classify(ctx, &m, &reply, &res);
	if (res.outcome == OD_OUTCOME_INVALID)
		od_fuzz_fail("whatsapp %ld: no outcome", reply.status);
	if (res.outcome == OD_OUTCOME_ACCEPTED && (reply.status < 200 || reply.status >= 300))
		od_fuzz_fail("whatsapp %ld: accepted", reply.status);
	free(body);
	return 0;
}
