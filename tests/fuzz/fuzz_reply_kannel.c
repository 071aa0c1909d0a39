/*
 * fuzz_reply_kannel: the Kannel sendsms plugin's classifier on any status
 * and body ("0: Accepted for delivery", "3: Queued", errors).  Input: od_fuzz_reply.
 */

#include "od_fuzz.h"

static const char *const settings[] = {
	"base_url", "http://127.0.0.1:13013/", "username", "outreach", "password", "s3cr&t=1",
	"from", "Cobranzas", NULL,
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
	od_fuzz_classify(plugin, ctx, OD_KIND_SMS, "kannel", data, size);
	return 0;
}
