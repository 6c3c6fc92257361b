/* admin.h — what the mtchat-admin subcommands (bin/admin-*.c) share. */
#ifndef MT_ADMIN_H
#define MT_ADMIN_H

#include <stdbool.h>

#include "cfg.h"
#include "cli.h"

#define EXIT_USAGE	CLI_EXIT_USAGE

struct store;

struct admin_ctx {
	struct cfg	 cfg;
	const char	*progname;
};

struct admin_cmd {
	const char	*name;
	const char	*synopsis;	/* arguments after the name */
	const char	*help;		/* what it does, and its options */
	int		(*run)(struct admin_ctx *, int, char **);
};

/*
 * Opens the configured database for a subcommand; on failure prints one
 * line and returns 1 (the exit status), else 0 with *st set.
 */
int	admin_open(struct admin_ctx *ctx, struct store **st, bool create,
	    bool allow_old);
/* Prints "usage: mtchat-admin NAME SYNOPSIS" to stderr; returns 2. */
int	admin_usage(const char *name);
/*
 * If argv (a subcommand's arguments, argv[0] its name) asks for -h or
 * --help, prints the subcommand's help on stdout and returns true.
 */
bool	admin_help_requested(int argc, char **argv);

int	admin_init(struct admin_ctx *, int, char **);
int	admin_migrate(struct admin_ctx *, int, char **);
int	admin_version(struct admin_ctx *, int, char **);
int	admin_stats(struct admin_ctx *, int, char **);
int	admin_check(struct admin_ctx *, int, char **);
int	admin_backup(struct admin_ctx *, int, char **);
int	admin_events(struct admin_ctx *, int, char **);
int	admin_config(struct admin_ctx *, int, char **);
int	admin_archive_inactive(struct admin_ctx *, int, char **);
int	admin_hooks(struct admin_ctx *, int, char **);
int	admin_files(struct admin_ctx *, int, char **);
int	admin_demo_seed(struct admin_ctx *, int, char **);
int	admin_migrate_to_postgres(struct admin_ctx *, int, char **);

extern const struct admin_cmd admin_cmds[];

#endif
