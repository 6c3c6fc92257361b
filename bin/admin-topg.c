/*
 * admin-topg.c — `mtchat-admin migrate-to-postgres`: moves an installation
 * from SQLite to PostgreSQL (docs/postgresql.md#moving-from-sqlite). Applies
 * PostgreSQL's migrations to the empty target, copies everything in one
 * transaction (lib/store_pg_copy.c), then runs `check` on the copy.
 */
#include <getopt.h>
#include <stdio.h>

#include "admin.h"
#include "err.h"
#include "store.h"
#include "store_copy.h"

struct topg_args {
	const char	*from;		/* SQLite file */
	const char	*to;		/* PostgreSQL URL */
};

static int
parse_args(const struct cfg *c, int argc, char **argv, struct topg_args *a)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	a->from = c->db_path;
	a->to = c->database_url;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'f')
			a->from = optarg;
		else if (ch == 't')
			a->to = optarg;
		else
			return admin_usage(argv[0]);
	}
	if (optind != argc)
		return admin_usage(argv[0]);
	if (a->to == NULL || *a->to == '\0') {
		fprintf(stderr, "mtchat-admin: no PostgreSQL database: set "
		    "MTCHAT_DATABASE_URL or give --to URL\n");
		return EXIT_USAGE;
	}
	if (a->from == NULL || *a->from == '\0') {
		fprintf(stderr, "mtchat-admin: no SQLite database: set "
		    "MTCHAT_DB or give --from FILE\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* Opens one of the two stores: SQLite at path, or PostgreSQL at url. */
static int
open_one(struct admin_ctx *ctx, struct store **st, const char *path,
    const char *url)
{
	struct store_opts o;
	char err[STORE_ERR_LEN];

	store_opts_init(&o, &ctx->cfg);
	o.path = path;
	o.url = url;
	o.allow_old = url != NULL;	/* SQLite: migrate it first */
	if (store_open(st, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "mtchat-admin: %s\n", err);
		return 1;
	}
	return 0;
}

static void
print_table(const char *name, int64_t rows, void *arg)
{
	(void)arg;
	printf("%-20s %lld\n", name, (long long)rows);
}

static void
print_problem(const char *line, void *arg)
{
	(void)arg;
	printf("%s\n", line);
}

/* The copy into dst, migrated first, and its check; the exit status. */
static int
copy(struct store *src, struct store *dst)
{
	struct store_copy_report rep = { .table = print_table };
	char err[STORE_ERR_LEN];
	int applied, problems, rc;

	if (store_migrate(dst, &applied, err, sizeof(err)) != 0) {
		fprintf(stderr, "mtchat-admin: %s\n", err);
		return 1;
	}
	if ((rc = store_copy_to_pg(src, dst, &rep, err, sizeof(err))) != 0) {
		fprintf(stderr, "mtchat-admin: %s%s\n", err,
		    rc == MT_ECONFLICT ? "" : "; nothing was copied");
		return 1;
	}
	printf("changelog head %lld, pruned through %lld\n",
	    (long long)rep.head, (long long)rep.pruned);
	if (rep.recounted > 0)
		printf("participants_count was wrong in %lld dialog%s of the "
		    "SQLite database; the copy has the right count\n",
		    (long long)rep.recounted, rep.recounted == 1 ? "" : "s");
	if (store_check(dst, print_problem, NULL, &problems) != 0) {
		fprintf(stderr, "mtchat-admin: check could not run\n");
		return 1;
	}
	if (problems > 0) {
		fprintf(stderr, "mtchat-admin: copied, but check found %d "
		    "problem%s\n", problems, problems == 1 ? "" : "s");
		return 1;
	}
	printf("%s: copied from %s, check ok\n", store_path(dst),
	    store_path(src));
	return 0;
}

int
admin_migrate_to_postgres(struct admin_ctx *ctx, int argc, char **argv)
{
	struct topg_args a;
	struct store *src = NULL, *dst = NULL;
	int status;

	if ((status = parse_args(&ctx->cfg, argc, argv, &a)) != 0)
		return status;
	if (open_one(ctx, &src, a.from, NULL) != 0)
		return 1;
	if (open_one(ctx, &dst, NULL, a.to) != 0) {
		store_close(src);
		return 1;
	}
	status = copy(src, dst);
	store_close(dst);
	store_close(src);
	return status;
}
