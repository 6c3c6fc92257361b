/* admin-init.c — `mtchat-admin init`, `migrate` and `version`. */
#include <stdio.h>

#include "admin.h"
#include "store.h"

static int
run_migrate(struct admin_ctx *ctx, bool create)
{
	struct store *st;
	char err[STORE_ERR_LEN];
	int applied, version;

	if (admin_open(ctx, &st, create, true) != 0)
		return 1;
	if (store_migrate(st, &applied, err, sizeof(err)) != 0) {
		fprintf(stderr, "mtchat-admin: %s\n", err);
		store_close(st);
		return 1;
	}
	store_schema_version(st, &version);
	if (applied > 0)
		printf("%s: applied %d migration%s, schema version %d\n",
		    store_path(st), applied, applied == 1 ? "" : "s", version);
	else
		printf("%s: schema version %d, up to date\n", store_path(st),
		    version);
	store_close(st);
	return 0;
}

int
admin_init(struct admin_ctx *ctx, int argc, char **argv)
{
	if (argc != 1)
		return admin_usage(argv[0]);
	return run_migrate(ctx, true);
}

int
admin_migrate(struct admin_ctx *ctx, int argc, char **argv)
{
	if (argc != 1)
		return admin_usage(argv[0]);
	return run_migrate(ctx, false);
}

int
admin_version(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store_opts o;
	struct store *st;
	char err[STORE_ERR_LEN];
	int version;

	if (argc != 1)
		return admin_usage(argv[0]);
	store_opts_init(&o, &ctx->cfg);
	o.allow_old = true;
	printf("mtchat %s\nschema version (program) %d\n", MTCHAT_VERSION,
	    store_code_version());
	if (store_open(&st, &o, err, sizeof(err)) != 0) {
		printf("schema version (database) unknown: %s\n", err);
		return 0;
	}
	store_schema_version(st, &version);
	printf("schema version (database) %d\n", version);
	store_close(st);
	return 0;
}
