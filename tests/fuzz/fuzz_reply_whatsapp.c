/*
 * fuzz_reply_whatsapp: the WhatsApp Cloud API plugin's classifier on any
 * status and body (Graph API errors, message ids).  Input: od_fuzz_reply.
 */

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
	if (plugin == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	od_fuzz_classify(plugin, ctx, OD_KIND_WHATSAPP, "whatsapp", data, size);
	return 0;
}
