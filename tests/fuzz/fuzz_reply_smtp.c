/*
 * fuzz_reply_smtp: the SMTP plugin's classifier on any final reply code
 * and text (multi-line replies, enhanced codes).  Input: od_fuzz_reply.
 */

#include "od_fuzz.h"

static const char *const settings[] = {
	"url", "smtp://mail.financiera.example.pe:587", "from", "cobranzas@financiera.example.pe",
	"from_name", "Financiera Andina — Cobranzas", NULL,
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
	od_fuzz_classify(plugin, ctx, OD_KIND_EMAIL, "smtp", data, size);
	return 0;
}
