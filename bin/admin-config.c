/* admin-config.c — `mtchat-admin config`: the effective configuration. */
#include <stdio.h>

#include "admin.h"

int
admin_config(struct admin_ctx *ctx, int argc, char **argv)
{
	struct cfg_key_info k;
	char value[512];
	int i;

	if (argc != 1)
		return admin_usage(argv[0]);
	for (i = 0; cfg_key(i, &k) == 0; i++) {
		cfg_value_text(&ctx->cfg, i, value, sizeof(value));
		printf("%s = %s\n", k.name, value);
	}
	return 0;
}
