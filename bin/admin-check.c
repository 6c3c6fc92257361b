/* admin-check.c — `mtchat-admin check` and `backup FILE`. */
#include <stdio.h>

#include "admin.h"
#include "store.h"

static void
print_problem(const char *line, void *arg)
{
	(void)arg;
	printf("%s\n", line);
}

int
admin_check(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store *st;
	int problems, rc;

	if (argc != 1)
		return admin_usage(argv[0]);
	if (admin_open(ctx, &st, false, true) != 0)
		return 1;
	rc = store_check(st, print_problem, NULL, &problems);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: check could not run\n");
		return 1;
	}
	if (problems > 0)
		return 1;
	printf("ok\n");
	return 0;
}

int
admin_backup(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store *st;
	char err[STORE_ERR_LEN];
	int rc;

	if (argc != 2)
		return admin_usage(argv[0]);
	if (admin_open(ctx, &st, false, true) != 0)
		return 1;
	rc = store_backup(st, argv[1], err, sizeof(err));
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: %s\n", err);
		return 1;
	}
	return 0;
}
