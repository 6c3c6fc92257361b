/*
 * admin-config.c — `mtchat-admin config`: the effective configuration, or
 * with --keys every key with its type, default and meaning (tab-separated).
 */
#include <stdio.h>
#include <string.h>

#include "admin.h"

int
admin_config(struct admin_ctx *ctx, int argc, char **argv)
{
	struct cfg_key_info k;
	char value[512];
	int i, keys = 0;

	if (argc == 2 && strcmp(argv[1], "--keys") == 0)
		keys = 1;
	else if (argc != 1)
		return admin_usage(argv[0]);
	for (i = 0; cfg_key(i, &k) == 0; i++) {
		if (keys) {
			printf("%s\t%s\t%s\t%s\n", k.name, k.type, k.def,
			    k.desc);
			continue;
		}
		cfg_value_text(&ctx->cfg, i, value, sizeof(value));
		printf("%s = %s\n", k.name, value);
	}
	return 0;
}
