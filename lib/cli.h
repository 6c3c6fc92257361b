/*
 * cli.h — what the main() of every mtchat program shares:
 * the common options (-c, -v, -h, -V, --check-config) parsed around the
 * program's own, the --help text around its own lines, --version, usage
 * and configuration errors, loading the configuration, logging, and the
 * exit statuses.
 */
#ifndef MT_CLI_H
#define MT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2	/* a usage or configuration error */
#define CLI_RUN		(-1)	/* not an exit status: the program goes on */

/* The text of a number macro, for help strings: CLI_STR(LIMIT). */
#define CLI_STR(x)	CLI_STR_(x)
#define CLI_STR_(x)	#x

struct cfg;
struct cli_opts;

/*
 * A program's command line. --help prints synopsis, about, the -c line,
 * options, the -v line (with verbose), --check-config, -h and -V, then
 * help_more(); option lines are indented 2 and their text starts at
 * column 24, as in cli.c.
 */
struct cli {
	const char	*name;		/* "mtchat-reaper" */
	const char	*synopsis;	/* "usage: ..." (lines) */
	const char	*about;		/* what it does, or NULL */
	const char	*options;	/* its own option lines, or NULL */
	const char	*verbose;	/* what -v adds */
	/* its own options; shortopts "+...": stop at the first operand */
	const char	*shortopts;
	const struct option *longopts;	/* a zero row last; NULL: none */
	/* Takes one of its own options: 0, or CLI_EXIT_USAGE (said why). */
	int		(*take)(const struct cli *p, int ch, const char *arg,
			    struct cli_opts *o);
	void		(*help_more)(FILE *fp);	/* or NULL */
	bool		 operands;	/* operands are its own (optind) */
};

/* What the common options say, and the program's own options. */
struct cli_opts {
	const char	*config;	/* -c: NULL for the default */
	int		 verbose;	/* -v, counted */
	bool		 check_config;	/* --check-config */
	void		*own;		/* the program's, for p->take() */
};

/*
 * Makes sure descriptors 0-2 are open (proc_std_fds()), then parses argv:
 * the common options into *o, the program's through p->take(). Returns
 * CLI_RUN, or the exit status after --help or --version (0, on stdout) or
 * a usage error (2, the synopsis on stderr). Operands are a usage error
 * unless p->operands (then they start at optind).
 */
int	cli_parse(const struct cli *p, int argc, char **argv,
	    struct cli_opts *o);
/* The --help text. */
void	cli_help(const struct cli *p, FILE *fp);
/* Prints the synopsis on stderr; returns CLI_EXIT_USAGE. */
int	cli_usage(const struct cli *p);
/* Says "NAME: why", then the synopsis, on stderr; returns CLI_EXIT_USAGE. */
int	cli_usage_error(const struct cli *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * The argument of option name (e.g. "--limit"), a whole number from 1 to
 * max: 0 with *v, or a usage error ("NAME: --limit: not a count from 1 to
 * MAX: ARG").
 */
int	cli_count(const struct cli *p, const char *name, const char *arg,
	    long max, long *v);
/* Says "NAME: why" on stderr, a configuration error; CLI_EXIT_USAGE. */
int	cli_config_error(const struct cli *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Loads the configuration o->config names (cfg_load()): CLI_RUN, or
 * CLI_EXIT_USAGE after saying why (*c is reset then).
 */
int	cli_config(const struct cli *p, const struct cli_opts *o,
	    struct cfg *c);
/*
 * --check-config, once the program has checked c as it does at start-up:
 * prints "configuration OK", frees c (cfg_reset()) and returns 0.
 */
int	cli_config_ok(struct cfg *c);
/*
 * Starts logging as p->name: to syslog if LOG_SYSLOG, at the verbosity of
 * -v (counted) or else LOG_VERBOSE.
 */
void	cli_log_init(const struct cli *p, const struct cli_opts *o,
	    const struct cfg *c);

#endif
