/*
 * cli.c — the command line every mtchat program shares (cli.h): one
 * getopt_long() table of the common options and the program's own, one
 * --help layout, one --version line, one way to say a usage or
 * configuration error.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "log.h"
#include "proc.h"
#include "valid.h"

#define OPT_CHECK_CONFIG	0x100	/* --check-config: no letter */
#define MAX_OPTS		16	/* common and own long options */
#define MAX_SHORT		32

static void	say(const struct cli *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static const struct option common_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
#define NCOMMON	(sizeof(common_longopts) / sizeof(common_longopts[0]))
static const char common_shortopts[] = "c:vhV";

/* The common options and p's own, in one table (lo) and one string (so). */
static void
merge(const struct cli *p, struct option lo[MAX_OPTS], char so[MAX_SHORT])
{
	const char *own = p->shortopts != NULL ? p->shortopts : "";
	size_t n = 0, i;

	for (i = 0; i < NCOMMON; i++)
		lo[n++] = common_longopts[i];
	for (i = 0; p->longopts != NULL && p->longopts[i].name != NULL; i++) {
		assert(n < MAX_OPTS - 1);
		lo[n++] = p->longopts[i];
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	i = own[0] == '+';	/* "+" goes first for getopt */
	assert(strlen(own) + sizeof(common_shortopts) <= MAX_SHORT);
	snprintf(so, MAX_SHORT, "%s%s%s", i ? "+" : "", common_shortopts,
	    own + i);
}

int
cli_parse(const struct cli *p, int argc, char **argv, struct cli_opts *o)
{
	struct option lo[MAX_OPTS];
	char so[MAX_SHORT];
	int ch, rc;

	proc_std_fds();
	merge(p, lo, so);
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_CHECK_CONFIG:
			o->check_config = true;
			break;
		case 'h':
			cli_help(p, stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("%s %s\n", p->name, MTCHAT_VERSION);
			return CLI_EXIT_OK;
		case '?':	/* getopt said what */
			return cli_usage(p);
		default:
			if (p->take == NULL)
				return cli_usage(p);
			if ((rc = p->take(p, ch, optarg, o)) != 0)
				return rc;
		}
	}
	if (!p->operands && optind != argc)
		return cli_usage(p);
	return CLI_RUN;
}

void
cli_help(const struct cli *p, FILE *fp)
{
	fprintf(fp, "%s\n\n", p->synopsis);
	if (p->about != NULL)
		fprintf(fp, "%s\n\n", p->about);
	fprintf(fp,
	    "  -c, --config FILE     configuration file (default "
	    "$MTCHAT_CONFIG or\n"
	    "                        %s/mtchat.conf)\n"
	    "%s"
	    "  -v, --verbose         %s\n"
	    "      --check-config    check the configuration, print "
	    "`configuration OK'\n"
	    "  -h, --help            this help\n"
	    "  -V, --version         print the version\n",
	    MTCHAT_SYSCONFDIR, p->options != NULL ? p->options : "",
	    p->verbose);
	if (p->help_more != NULL)
		p->help_more(fp);
}

int
cli_usage(const struct cli *p)
{
	fprintf(stderr, "%s\n", p->synopsis);
	return CLI_EXIT_USAGE;
}

/* "NAME: " and the message of fmt on stderr. */
static void
say(const struct cli *p, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", p->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_usage_error(const struct cli *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(p, fmt, ap);
	va_end(ap);
	return cli_usage(p);
}

int
cli_count(const struct cli *p, const char *name, const char *arg, long max,
    long *v)
{
	if (valid_number(arg, 1, max, v, NULL) == 0)
		return 0;
	return cli_usage_error(p, "%s: not a count from 1 to %ld: %s", name,
	    max, arg);
}

int
cli_config_error(const struct cli *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(p, fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int
cli_config(const struct cli *p, const struct cli_opts *o, struct cfg *c)
{
	char err[CFG_ERR_LEN];

	if (cfg_load(c, o->config, err, sizeof(err)) != 0)
		return cli_config_error(p, "%s", err);
	return CLI_RUN;
}

int
cli_config_ok(struct cfg *c)
{
	printf("configuration OK\n");
	cfg_reset(c);
	return CLI_EXIT_OK;
}

void
cli_log_init(const struct cli *p, const struct cli_opts *o,
    const struct cfg *c)
{
	log_init(p->name, c->log_syslog, o->verbose ? o->verbose :
	    (int)c->log_verbose);
}
