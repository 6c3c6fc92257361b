/*
 * admin.c — mtchat-admin, the administrators' CLI: global options, the table
 * of subcommands (one bin/admin-<verb>.c each) and what they share.
 *
 * Exit status: 0 success, 1 failure, 2 usage or configuration error.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "cli.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"

const struct admin_cmd admin_cmds[] = {
	{ "init", "",
	  "Creates the database (MTCHAT_DB) and applies the schema. Safe to\n"
	  "run again: an existing, current database is left as it is.\n",
	  admin_init },
	{ "migrate", "",
	  "Applies the schema migrations this program knows and the database\n"
	  "lacks, each in one transaction. Safe to run concurrently.\n",
	  admin_migrate },
	{ "version", "",
	  "Prints the program version, the schema version it needs and, when\n"
	  "the database exists, the database's schema version.\n",
	  admin_version },
	{ "stats", "[--json]",
	  "Prints counts of dialogs, messages, participants, change-log rows\n"
	  "and presence rows, the change-log seq range, the database size, and\n"
	  "mtchat-hooks' queue: webhooks waiting, notification checks not run\n"
	  "yet and dead letters.\n"
	  "  --json   one JSON object instead of `name value` lines\n",
	  admin_stats },
	{ "check", "",
	  "Runs SQLite's integrity check and foreign-key check (PostgreSQL\n"
	  "checks its own) and checks the counts kept beside what they count.\n"
	  "Prints `ok`, or one line per problem and exits 1.\n",
	  admin_check },
	{ "backup", "FILE",
	  "Writes a consistent copy of the database to FILE (which must not\n"
	  "exist) while writers keep running: SQLite's online backup, or on\n"
	  "PostgreSQL pg_dump's custom format (restore it with pg_restore\n"
	  "into an empty database, then run mtchat-admin migrate).\n",
	  admin_backup },
	{ "migrate-to-postgres", "[--from FILE] [--to URL]",
	  "Copies the SQLite database (MTCHAT_DB) into the empty PostgreSQL\n"
	  "database of MTCHAT_DATABASE_URL: applies PostgreSQL's migrations,\n"
	  "copies every table but presence in one transaction, keeping ids and\n"
	  "change-log seqs, moves the change-log's sequence to SQLite's head,\n"
	  "prints the rows copied per table and runs check on the copy. Refused\n"
	  "when the target holds dialogs, messages or change-log rows. Stop the\n"
	  "programs first: what they write after the copy began is not copied.\n"
	  "  --from FILE   the SQLite database instead of MTCHAT_DB\n"
	  "  --to URL      the PostgreSQL database instead of\n"
	  "                MTCHAT_DATABASE_URL\n",
	  admin_migrate_to_postgres },
	{ "events", "tail [--since SEQ] [--follow] | prune --keep DURATION "
	  "[--force] | cursors [--delete NAME]",
	  "tail    prints change-log rows after SEQ (default: from the start) as\n"
	  "        JSON lines; --follow keeps waiting for new ones.\n"
	  "prune   deletes rows older than DURATION (e.g. 90s, 30m, 24h, 7d, 2w)\n"
	  "        that every registered consumer has passed; --force deletes\n"
	  "        them even if a consumer has not.\n"
	  "cursors lists the registered consumers (name, seq, last update);\n"
	  "        --delete forgets one, e.g. an uninstalled webhook sender.\n",
	  admin_events },
	{ "config", "[--keys]",
	  "Prints every configuration key with its effective value (secrets\n"
	  "shown as (set)); exits 2 if the configuration is invalid.\n"
	  "  --keys   every key with its type, default and meaning instead\n",
	  admin_config },
	{ "archive-inactive", "[--limit N] [--dry-run]",
	  "Archives dialogs inactive for longer than ARCHIVE_AFTER_SECS for\n"
	  "their participants (inactive: no message since, nor the participant's\n"
	  "own unarchive), with one dialog.archived event per dialog to exactly\n"
	  "those users. Run it from cron every 5 minutes; prints nothing.\n"
	  "  --limit N   at most N dialogs per run (default 1000)\n"
	  "  --dry-run   list what would be archived; change nothing\n",
	  admin_archive_inactive },
	{ "hooks", "dead | replay (EVENT_ID ... | --all)",
	  "dead    lists the webhooks mtchat-hooks gave up on (refused with a\n"
	  "        4xx, or failed after the last retry): id, event, attempts,\n"
	  "        when, last error, tab-separated.\n"
	  "replay  puts those dead letters (--all: every one) back at the end\n"
	  "        of the queue, with the same body and X-Webhook-Id, and wakes\n"
	  "        mtchat-hooks.\n",
	  admin_hooks },
	{ "files", "gc [--limit N] [--grace DURATION] [--dry-run]",
	  "gc   removes attachment files nobody can reach any more: uploads\n"
	  "     never attached to a message within MTCHAT_FILES_GRACE_SECS, the\n"
	  "     files of deleted messages and dialogs, and temporary files of\n"
	  "     uploads that never finished. Run it from cron; prints nothing.\n"
	  "  --limit N          at most N uploads per run (default 10000)\n"
	  "  --grace DURATION   instead of MTCHAT_FILES_GRACE_SECS (e.g. 2h)\n"
	  "  --dry-run          list what would be removed; change nothing\n",
	  admin_files },
	{ "demo-seed", "",
	  "Creates the demo dialog \"Welcome to mtchat\" (object demo/welcome)\n"
	  "with the users alice and bob, findable and joinable by any user of\n"
	  "the scope \"demo\". Prints its id, then `created`, or `exists` if\n"
	  "an earlier run made it (nothing is written then).\n",
	  admin_demo_seed },
	{ NULL, NULL, NULL, NULL }
};

static const struct admin_cmd *
cmd_find(const char *name)
{
	const struct admin_cmd *c;

	for (c = admin_cmds; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* --help, after the options: the commands. */
static void
help_commands(FILE *fp)
{
	const struct admin_cmd *c;

	fprintf(fp, "\ncommands:\n");
	for (c = admin_cmds; c->name != NULL; c++)
		fprintf(fp, "  %s %s\n", c->name, c->synopsis);
}

struct opts {
	const char	*database;	/* -d */
};

static int	take_opt(const struct cli *, int, const char *,
		    struct cli_opts *);

static const struct option longopts[] = {
	{ "database", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli admin_cli = {
	.name = "mtchat-admin",
	.synopsis = "usage: mtchat-admin [-v] [-c file] [-d database] command "
	    "[args]\n"
	    "       mtchat-admin [-c file] --check-config",
	.about = "Creates, migrates, inspects, backs up and maintains the "
	    "mtchat database;\n`mtchat-admin COMMAND --help` describes one "
	    "command.",
	.options = "  -d, --database FILE   database, overriding MTCHAT_DB\n",
	.verbose = "more log lines (twice: debug)",
	.shortopts = "+d:",	/* "+": the command's options are its own */
	.longopts = longopts,
	.take = take_opt,
	.help_more = help_commands,
	.operands = true,
};

static int
take_opt(const struct cli *p, int ch, const char *arg, struct cli_opts *o)
{
	struct opts *ao = o->own;

	if (ch != 'd')
		return cli_usage(p);
	ao->database = arg;
	return 0;
}

int
admin_usage(const char *name)
{
	const struct admin_cmd *c = cmd_find(name);

	fprintf(stderr, "usage: mtchat-admin %s %s\n", name,
	    c ? c->synopsis : "");
	return EXIT_USAGE;
}

bool
admin_help_requested(int argc, char **argv)
{
	const struct admin_cmd *c = cmd_find(argv[0]);
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf("usage: mtchat-admin %s %s\n\n%s", argv[0],
			    c ? c->synopsis : "", c ? c->help : "");
			return true;
		}
	}
	return false;
}

int
admin_open(struct admin_ctx *ctx, struct store **st, bool create,
    bool allow_old)
{
	struct store_opts o;
	char err[STORE_ERR_LEN];

	store_opts_init(&o, &ctx->cfg);
	o.create = create;
	o.allow_old = allow_old;
	if (store_open(st, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "mtchat-admin: %s\n", err);
		return 1;
	}
	return 0;
}

/*
 * The command argv names, *cmd, or the exit status: its --help was asked
 * for (0), or there is none or no such command (2, the help on stderr).
 */
static int
find_command(int argc, char **argv, const struct admin_cmd **cmd)
{
	if (argc == 0) {
		cli_help(&admin_cli, stderr);
		return CLI_EXIT_USAGE;
	}
	if ((*cmd = cmd_find(argv[0])) == NULL) {
		fprintf(stderr, "mtchat-admin: %s: unknown command\n", argv[0]);
		cli_help(&admin_cli, stderr);
		return CLI_EXIT_USAGE;
	}
	return admin_help_requested(argc, argv) ? CLI_EXIT_OK : CLI_RUN;
}

/* -d: the database instead of MTCHAT_DB; 0, or 1 out of memory. */
static int
use_database(struct cfg *c, const char *dbfile)
{
	char *p;

	if (dbfile == NULL)
		return 0;
	if ((p = mt_strdup(dbfile)) == NULL)
		return 1;
	mt_free(c->db_path);
	c->db_path = p;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct admin_ctx ctx = { .progname = "mtchat-admin" };
	const struct admin_cmd *cmd = NULL;
	struct opts o = { NULL };
	struct cli_opts co = { .own = &o };
	int status;

	if ((status = cli_parse(&admin_cli, argc, argv, &co)) != CLI_RUN)
		return status;
	argc -= optind;
	argv += optind;
	if (co.check_config && argc > 0)
		return cli_usage_error(&admin_cli, "--check-config takes no "
		    "command");
	if (!co.check_config &&
	    (status = find_command(argc, argv, &cmd)) != CLI_RUN)
		return status;
	if ((status = cli_config(&admin_cli, &co, &ctx.cfg)) != CLI_RUN)
		return status;
	if (co.check_config)
		return cli_config_ok(&ctx.cfg);
	if (use_database(&ctx.cfg, o.database) != 0) {
		cfg_reset(&ctx.cfg);
		return 1;
	}
	cli_log_init(&admin_cli, &co, &ctx.cfg);
	json_init();
	optind = 0;	/* GNU getopt: reinitialise for the command */
	status = cmd->run(&ctx, argc, argv);
	cfg_reset(&ctx.cfg);
	return status;
}
