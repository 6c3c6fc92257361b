/*
 * check_cli.c — unit tests of lib/cli.c: the common options parsed around
 * a program's own, --help and --version, usage errors and operands, the
 * configuration step and the verbosity it starts logging at.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

struct own {
	int		 n;
	const char	*limit;
};

static int
take(const struct cli *p, int ch, const char *arg, struct cli_opts *o)
{
	struct own *w = o->own;

	switch (ch) {
	case 'n':
		w->n++;
		return 0;
	case 'l':
		if (strcmp(arg, "bad") == 0)
			return cli_usage_error(p, "--limit: %s", arg);
		w->limit = arg;
		return 0;
	default:
		return cli_usage(p);
	}
}

static void
more(FILE *fp)
{
	fprintf(fp, "MORE\n");
}

static const struct option longopts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "limit", required_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli prog = {
	.name = "prog",
	.synopsis = "usage: prog [-nv] [-c file] [--limit N] [--check-config]",
	.about = "Does things.",
	.options = "  -n, --dry-run         change nothing\n",
	.verbose = "say more",
	.shortopts = "nl:",
	.longopts = longopts,
	.take = take,
	.help_more = more,
};

/* cli_parse() of a NULL-ended argument list, with getopt reset. */
static int
parse(const struct cli *p, struct cli_opts *o, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	optind = 0;	/* GNU getopt: start afresh */
	opterr = 0;	/* no getopt lines in the test output */
	return cli_parse(p, argc, argv, o);
}

START_TEST(cli_common_and_own_options)
{
	char *argv[] = { "prog", "-c", "f.conf", "-vv", "--check-config",
	    "-n", "--dry-run", "--limit", "5", NULL };
	struct own w = { 0 };
	struct cli_opts o = { .own = &w };

	ck_assert_int_eq(parse(&prog, &o, argv), CLI_RUN);
	ck_assert_str_eq(o.config, "f.conf");
	ck_assert_int_eq(o.verbose, 2);
	ck_assert(o.check_config);
	ck_assert_int_eq(w.n, 2);
	ck_assert_str_eq(w.limit, "5");
}
END_TEST

START_TEST(cli_long_forms)
{
	char *argv[] = { "prog", "--config=g.conf", "--verbose", NULL };
	struct own w = { 0 };
	struct cli_opts o = { .own = &w };

	ck_assert_int_eq(parse(&prog, &o, argv), CLI_RUN);
	ck_assert_str_eq(o.config, "g.conf");
	ck_assert_int_eq(o.verbose, 1);
	ck_assert(!o.check_config);
}
END_TEST

START_TEST(cli_usage_errors_exit_2)
{
	char *unknown[] = { "prog", "--bogus", NULL };
	char *missing[] = { "prog", "-c", NULL };
	char *operand[] = { "prog", "extra", NULL };
	char *refused[] = { "prog", "--limit", "bad", NULL };
	struct own w = { 0 };
	struct cli_opts o = { .own = &w };

	ck_assert_int_eq(parse(&prog, &o, unknown), CLI_EXIT_USAGE);
	ck_assert_int_eq(parse(&prog, &o, missing), CLI_EXIT_USAGE);
	ck_assert_int_eq(parse(&prog, &o, operand), CLI_EXIT_USAGE);
	ck_assert_int_eq(parse(&prog, &o, refused), CLI_EXIT_USAGE);
}
END_TEST

START_TEST(cli_count_bounds)
{
	long v = 0;

	ck_assert_int_eq(cli_count(&prog, "--limit", "7", 10, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(cli_count(&prog, "--limit", "10", 10, &v), 0);
	ck_assert_int_eq(cli_count(&prog, "--limit", "0", 10, &v),
	    CLI_EXIT_USAGE);
	ck_assert_int_eq(cli_count(&prog, "--limit", "11", 10, &v),
	    CLI_EXIT_USAGE);
	ck_assert_int_eq(cli_count(&prog, "--limit", "x", 10, &v),
	    CLI_EXIT_USAGE);
}
END_TEST

/* "+": options stop at the first operand, which the program takes. */
START_TEST(cli_operands_stop_options)
{
	struct cli p = prog;
	char *argv[] = { "prog", "-v", "cmd", "-n", NULL };
	struct own w = { 0 };
	struct cli_opts o = { .own = &w };

	p.shortopts = "+nl:";
	p.operands = true;
	ck_assert_int_eq(parse(&p, &o, argv), CLI_RUN);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_int_eq(w.n, 0);
	ck_assert_int_eq(optind, 2);
	ck_assert_str_eq(argv[optind], "cmd");
}
END_TEST

START_TEST(cli_help_and_version_exit_0)
{
	char *help[] = { "prog", "--help", NULL };
	char *version[] = { "prog", "-V", NULL };
	struct cli_opts o = { 0 };

	ck_assert_int_eq(parse(&prog, &o, help), CLI_EXIT_OK);
	ck_assert_int_eq(parse(&prog, &o, version), CLI_EXIT_OK);
}
END_TEST

START_TEST(cli_help_layout)
{
	static const char head[] = "usage: prog [-nv] [-c file] [--limit N]"
	    " [--check-config]\n\nDoes things.\n\n  -c, --config FILE ";
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(fp);
	cli_help(&prog, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_msg(strncmp(text, head, sizeof(head) - 1) == 0, "%s", text);
	/* the program's lines between -c and -v, then the common ones */
	ck_assert_ptr_nonnull(strstr(text, "mtchat.conf)\n"
	    "  -n, --dry-run         change nothing\n"
	    "  -v, --verbose         say more\n"
	    "      --check-config    "));
	ck_assert_ptr_nonnull(strstr(text, "  -V, --version         print the "
	    "version\nMORE\n"));
	free(text);
}
END_TEST

START_TEST(cli_config_loads_or_says_why)
{
	char path[PATH_MAX];
	struct cli_opts o = { 0 };
	struct cfg c;

	tu_path(path, tu_dir, "m.conf");
	tu_write_file(path, "LOG_VERBOSE = 2\n");
	o.config = path;
	ck_assert_int_eq(cli_config(&prog, &o, &c), CLI_RUN);
	ck_assert_int_eq(c.log_verbose, 2);
	ck_assert_int_eq(cli_config_ok(&c), CLI_EXIT_OK);
	ck_assert_ptr_null(c.db_path);		/* reset */
	tu_write_file(path, "LOG_VERBOSE = lots\n");
	ck_assert_int_eq(cli_config(&prog, &o, &c), CLI_EXIT_USAGE);
}
END_TEST

/* -v counts; without it LOG_VERBOSE. */
START_TEST(cli_log_verbosity)
{
	struct cli_opts o = { 0 };
	struct cfg c = { .log_verbose = 1 };

	cli_log_init(&prog, &o, &c);
	ck_assert_int_eq(log_verbosity(), 1);
	o.verbose = 2;
	cli_log_init(&prog, &o, &c);
	ck_assert_int_eq(log_verbosity(), 2);
	c.log_verbose = 2;
	o.verbose = 1;
	cli_log_init(&prog, &o, &c);
	ck_assert_int_eq(log_verbosity(), 1);
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
	tcase_add_test(tc, cli_common_and_own_options);
	tcase_add_test(tc, cli_long_forms);
	tcase_add_test(tc, cli_usage_errors_exit_2);
	tcase_add_test(tc, cli_count_bounds);
	tcase_add_test(tc, cli_operands_stop_options);
	tcase_add_test(tc, cli_help_and_version_exit_0);
	tcase_add_test(tc, cli_help_layout);
	tcase_add_test(tc, cli_config_loads_or_says_why);
	tcase_add_test(tc, cli_log_verbosity);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(cli_suite());
}
