/*
 * testutil.h — what the Check unit tests share: scratch directories under one
 * base directory per test program (removed by main() even when a forked test
 * died before its teardown), small file helpers and the suite runner.
 * Header-only (static inline) because the Makefile links each
 * tests/unit/check_*.c on its own with libmtchat.a.
 * SPDX-License-Identifier: MIT
 */
#ifndef MT_TESTUTIL_H
#define MT_TESTUTIL_H

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tu_base[PATH_MAX];	/* per program, made by tu_main() */
static char tu_dir[PATH_MAX];	/* per test, made by tu_setup() */

/* Removes path and everything below it; never follows symbolic links. */
static inline void
tu_rmtree(const char *path)
{
	struct stat sb;
	struct dirent *de;
	char sub[PATH_MAX];
	DIR *d;

	if (lstat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);	/* a test may have made it read-only */
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", path,
			    de->d_name) < (int)sizeof(sub))
				tu_rmtree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Writes dir/name into buf (PATH_MAX bytes) and returns buf. */
static inline char *
tu_path(char *buf, const char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(buf, PATH_MAX, "%s/%s", dir, name),
	    PATH_MAX);
	return buf;
}

/* Creates (or truncates) path with text as its content. */
static inline void
tu_write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

static inline int
tu_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* Checked fixture: a fresh empty directory tu_dir for each test. */
static inline void
tu_setup(void)
{
	ck_assert_int_lt(snprintf(tu_dir, sizeof(tu_dir), "%s/t.XXXXXX",
	    tu_base), (int)sizeof(tu_dir));
	ck_assert_ptr_nonnull(mkdtemp(tu_dir));
}

static inline void
tu_teardown(void)
{
	tu_rmtree(tu_dir);
}

/*
 * Gives the tests of tc up to secs seconds, unless the runner chose a
 * timeout (tests/run.sh sets CK_DEFAULT_TIMEOUT); Check's own is 4 s.
 */
static inline void
tu_timeout(TCase *tc, double secs)
{
	if (getenv("CK_DEFAULT_TIMEOUT") == NULL)
		tcase_set_timeout(tc, secs);
}

/*
 * Runs suite s for main() (after json_init() and log_init()) inside a base
 * scratch directory that is removed afterwards. Returns the exit status:
 * non-zero if any test failed.
 */
static inline int
tu_run(Suite *s)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int nfail;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(tu_base, sizeof(tu_base), "%s/mtchat-unit.XXXXXX",
	    tmp) >= (int)sizeof(tu_base) || mkdtemp(tu_base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_rmtree(tu_base);
	return nfail == 0 ? 0 : 1;
}

#endif
