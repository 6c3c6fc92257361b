/*
 * admin-files.c — `mtchat-admin files gc`, the cron job of the local attachment
 * storage (docs/differences.md N5): removes the files of uploads never attached
 * within MTCHAT_FILES_GRACE_SECS, the files whose message or dialog was
 * deleted, and temporary files that an interrupted upload left in
 * MTCHAT_FILES_DIR/tmp. A row is forgotten (in a transaction that checks again
 * that nobody attached it meanwhile) before its file goes. Prints nothing on
 * success; -v says what it did, --dry-run what it would.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "err.h"
#include "files.h"
#include "log.h"
#include "store.h"
#include "store_files.h"
#include "tm.h"
#include "valid.h"

#define GC_LIMIT	10000	/* uploads per run by default */
#define GC_LIMIT_MAX	10000000

struct gc_run {
	struct files_cfg files;
	bool		 dry_run;
	int		 failed;	/* files that could not be removed */
	int		 removed;
};

/* Removes path; a file already gone is fine. */
static void
remove_file(struct gc_run *g, const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT) {
		g->removed++;
		return;
	}
	fprintf(stderr, "mtchat-admin: files gc: %s: %s\n", path,
	    strerror(errno));
	g->failed++;
}

/* An upload the database has forgotten (or would): its file goes. */
static void
gone(const char *key, bool released, void *arg)
{
	struct gc_run *g = arg;
	char path[FILES_PATH_MAX];
	char *slash;

	if (g->dry_run) {
		printf("would remove %s (%s)\n", key, released ?
		    "message or dialog deleted" : "never attached");
		return;
	}
	if (files_path(&g->files, key, path, sizeof(path)) != 0) {
		log_info("files gc: %s: not a key of ours, no file", key);
		return;
	}
	remove_file(g, path);
	log_debug("files gc: removed %s", key);
	/* the dialog's directory, once empty (else rmdir just fails) */
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		(void)rmdir(path);
	}
}

/* Temporary files of uploads that never finished, older than cutoff. */
static void
sweep_tmp(struct gc_run *g, time_t cutoff)
{
	char dir[FILES_PATH_MAX], path[FILES_PATH_MAX];
	struct dirent *e;
	struct stat sb;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tmp", g->files.dir);
	if ((d = opendir(dir)) == NULL)
		return;		/* no upload yet */
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "up-", 3) != 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path) ||
		    lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_mtime >= cutoff)
			continue;
		if (g->dry_run)
			printf("would remove tmp/%s (unfinished upload)\n",
			    e->d_name);
		else
			remove_file(g, path);
	}
	closedir(d);
}

static int
files_gc(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "grace", required_argument, NULL, 'g' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct gc_run g = { 0 };
	struct files_gc q = { .limit = GC_LIMIT };
	struct store *st;
	int64_t now = tm_now_us(), grace = ctx->cfg.files_grace;
	long limit;
	int ch, count, rc;

	while ((ch = getopt_long(argc, argv, "l:g:n", longopts, NULL)) != -1) {
		if (ch == 'n')
			q.dry_run = g.dry_run = true;
		else if (ch == 'l' && valid_number(optarg, 1, GC_LIMIT_MAX,
		    &limit, NULL) == 0)
			q.limit = (int)limit;
		else if (ch == 'g' && tm_parse_duration(optarg, &grace) == 0)
			continue;
		else {
			if (ch == 'l')
				fprintf(stderr, "mtchat-admin: --limit: not a "
				    "count from 1 to %d: %s\n", GC_LIMIT_MAX,
				    optarg);
			if (ch == 'g')
				fprintf(stderr, "mtchat-admin: --grace: not a "
				    "duration (e.g. 3600, 30m, 24h, 7d): %s\n",
				    optarg);
			return admin_usage("files");
		}
	}
	if (optind != argc)
		return admin_usage("files");
	files_cfg_init(&g.files, &ctx->cfg);
	if (g.files.dir == NULL) {
		log_info("files gc: MTCHAT_FILES_DIR is not set: nothing to do");
		return 0;
	}
	/* Released keys wait until no upload URL for them can be valid. */
	q.pending_before = now - grace * 1000000;
	q.released_before = now - (int64_t)ctx->cfg.upload_expiry * 1000000;
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	rc = store_files_gc(st, &q, gone, &g, &count);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: files gc: %s\n", mt_strerror(rc));
		return 1;
	}
	sweep_tmp(&g, (time_t)(q.pending_before / 1000000));
	log_info("files gc: %d upload%s forgotten, %d file%s removed", count,
	    count == 1 ? "" : "s", g.removed, g.removed == 1 ? "" : "s");
	return g.failed > 0 || fflush(stdout) != 0;
}

int
admin_files(struct admin_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return admin_usage(argv[0]);
	/* The verb's own options follow it: argv[1] is its argv[0]. */
	if (strcmp(argv[1], "gc") == 0)
		return files_gc(ctx, argc - 1, argv + 1);
	fprintf(stderr, "mtchat-admin: files %s: unknown action\n", argv[1]);
	return admin_usage(argv[0]);
}
