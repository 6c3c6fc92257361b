/*
 * check_rest_faults.c — storage faults, as SQLite tests itself: every
 * write endpoint of mtchat.fcgi (and the poll, which writes presence) is
 * served in-process (resthost.h) against a copy of one fixture database
 * while the store layer fails its N-th sqlite3_step()/prepare with
 * SQLITE_BUSY, SQLITE_IOERR or SQLITE_FULL (store_fault_set()), once or
 * from then on, for N = 1, 2, ... until the request no longer reaches an
 * N-th call. Each time:
 *   - the answer is the documented one (lib/err.c): 503 SERVICE_UNAVAILABLE
 *     with Retry-After for BUSY and IOERR, 507 INSUFFICIENT_STORAGE for
 *     FULL, in the error envelope; never a crash;
 *   - a failed request left the database exactly as it was (every row of
 *     every table), so no message is without its change-log row or the
 *     other way round; a request that succeeded anyway (a fault in a step
 *     it can do without) wrote as many rows per table as without faults.
 * The same for a few endpoints through the group-commit writer (savepoints
 * of a batch), as the threaded server runs them.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "resthost.h"
#include "store.h"
#include "testutil.h"

#define MAX_N		400	/* steps of the longest request, with room */
#define SCOPE_X		"eyJzY29wZV9sZXZlbDAiOlsieCJdfQ=="	/* {"scope_level0":["x"]} */

/* One request of a write endpoint; {D1} {D2} {M1} {UP} {KEY} are filled. */
struct fcase {
	const char	*name;
	const char	*method;
	const char	*uri;
	const char	*body;
	bool		 scope;		/* sends X-Scope-Config */
	int		 ok;		/* its status without faults */
	enum { WRITES, READS, MAY_SKIP } kind;	/* MAY_SKIP: a side write */
};

static const struct fcase cases[] = {
	{ "M1 create", "POST", "/api/v1/management/dialogs",
	  "{\"object_id\":\"o2\",\"object_type\":\"t\",\"title\":\"T\","
	  "\"participants\":[{\"user_id\":\"carol\",\"display_name\":\"C\"},"
	  "{\"user_id\":\"dave\",\"display_name\":\"D\"}],"
	  "\"access_scopes\":[{\"scope_level0\":[\"x\"]}],\"meta\":{\"k\":1}}",
	  false, 200, WRITES },
	{ "M4 delete", "DELETE", "/api/v1/management/dialogs/{D2}", NULL,
	  false, 204, WRITES },
	{ "M5 add", "POST", "/api/v1/management/dialogs/{D1}/participants",
	  "{\"user_id\":\"erin\",\"display_name\":\"E\"}", false, 201, WRITES },
	{ "M6 remove", "DELETE",
	  "/api/v1/management/dialogs/{D1}/participants/bob", NULL, false,
	  204, WRITES },
	{ "M7 scopes", "PUT", "/api/v1/management/dialogs/{D1}/access-scopes",
	  "{\"access_scopes\":[{\"scope_level0\":[\"y\"]}]}", false, 200, WRITES },
	{ "C5 join", "POST", "/api/v1/dialogs/{D1}/join?user_id=zed",
	  "{\"display_name\":\"Z\",\"company\":\"\"}", true, 200, WRITES },
	{ "C6 leave", "POST", "/api/v1/dialogs/{D1}/leave?user_id=bob", NULL,
	  false, 200, WRITES },
	{ "C7 archive", "POST", "/api/v1/dialogs/{D1}/archive?user_id=alice",
	  NULL, false, 200, WRITES },
	{ "C8 unarchive", "POST",
	  "/api/v1/dialogs/{D1}/unarchive?user_id=bob", NULL, false, 200, WRITES },
	{ "C9 pin", "POST", "/api/v1/dialogs/{D1}/pin?user_id=alice", NULL,
	  false, 200, WRITES },
	{ "C10 unpin", "POST", "/api/v1/dialogs/{D1}/unpin?user_id=bob", NULL,
	  false, 200, WRITES },
	{ "C11 notifications", "POST",
	  "/api/v1/dialogs/{D1}/notifications?user_id=alice",
	  "{\"enabled\":false}", false, 200, WRITES },
	{ "C12 read", "POST", "/api/v1/dialogs/{D1}/read?user_id=bob",
	  "{\"last_read_message_id\":\"{M1}\"}", false, 200, WRITES },
	{ "C15 send", "POST", "/api/v1/dialogs/{D1}/messages?user_id=alice",
	  "{\"content\":\"<p>hi <b>there</b></p>\",\"reply_to\":\"{M1}\"}",
	  false, 200, WRITES },
	{ "C15 send with attachment", "POST",
	  "/api/v1/dialogs/{D1}/messages?user_id=alice",
	  "{\"content\":\"\",\"attachments\":[{\"s3_key\":\"{KEY}\","
	  "\"filename\":\"x.json\",\"content_type\":\"application/json\","
	  "\"size\":2}]}", false, 200, WRITES },
	{ "C17 edit", "PUT", "/api/v1/dialogs/{D1}/messages/{M1}?user_id=alice",
	  "{\"content\":\"edited\"}", false, 200, WRITES },
	{ "C18 delete", "DELETE",
	  "/api/v1/dialogs/{D1}/messages/{M1}?user_id=alice", NULL, false,
	  204, WRITES },
	{ "C19 presign", "POST", "/api/v1/upload/presign?user_id=alice",
	  "{\"dialog_id\":\"{D1}\",\"filename\":\"y.json\","
	  "\"content_type\":\"application/json\",\"size\":2}", false, 200,
	  READS },
	{ "upload", "PUT", "{UP}", "{}", false, 200, WRITES },
	/* a poll's presence write is a side effect it answers without */
	{ "poll (presence)", "GET", "/api/v1/events?user_id=carol&timeout=0",
	  NULL, false, 200, MAY_SKIP },
};
#define NCASES	((int)(sizeof(cases) / sizeof(cases[0])))

/* The fixture's ids, filled by make_fixture(). */
static struct {
	char	d1[64], d2[64], m1[64], key[256], up[1024];
} fx;

static char tmpl[PATH_MAX], db[PATH_MAX], files[PATH_MAX];

/* s with the fixture's placeholders replaced, in buf. */
static const char *
fill(const char *s, char *buf, size_t len)
{
	static const char *const names[] = { "{D1}", "{D2}", "{M1}", "{KEY}",
	    "{UP}" };
	const char *vals[] = { fx.d1, fx.d2, fx.m1, fx.key, fx.up };
	size_t o = 0, i;

	if (s == NULL)
		return NULL;
	while (*s != '\0') {
		for (i = 0; i < 5; i++)
			if (strncmp(s, names[i], strlen(names[i])) == 0)
				break;
		if (i < 5) {
			ck_assert_uint_lt(o + strlen(vals[i]), len);
			memcpy(buf + o, vals[i], strlen(vals[i]));
			o += strlen(vals[i]);
			s += strlen(names[i]);
		} else {
			ck_assert_uint_lt(o + 1, len);
			buf[o++] = *s++;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Serves one request on h; the answer is in c (rh_call_reset() it). */
static void
call(struct rh *h, struct rh_call *c, const char *method, const char *uri,
    const char *body, bool scope)
{
	static char env[8][1200];
	const char *q = strchr(uri, '?');

	memset(c, 0, sizeof(*c));
	snprintf(env[0], sizeof(env[0]), "REQUEST_METHOD=%s", method);
	snprintf(env[1], sizeof(env[1]), "REQUEST_URI=%s", uri);
	snprintf(env[2], sizeof(env[2]), "QUERY_STRING=%s", q ? q + 1 : "");
	snprintf(env[3], sizeof(env[3]), "CONTENT_LENGTH=%zu",
	    body ? strlen(body) : 0);
	snprintf(env[4], sizeof(env[4]), "CONTENT_TYPE=application/json");
	snprintf(env[5], sizeof(env[5]), "REMOTE_ADDR=127.0.0.1");
	snprintf(env[6], sizeof(env[6]), "HTTP_X_SCOPE_CONFIG=%s", SCOPE_X);
	rh_env(c, env[0]);
	rh_env(c, env[1]);
	rh_env(c, env[2]);
	rh_env(c, env[3]);
	rh_env(c, env[4]);
	rh_env(c, env[5]);
	if (scope)
		rh_env(c, env[6]);
	c->body = body;
	c->len = body ? strlen(body) : 0;
	rh_serve(h, c);
}

static void
open_host(struct rh *h, const char *path, bool writer)
{
	char err[256];

	ck_assert_int_eq(setenv("MTCHAT_DB", path, 1), 0);
	ck_assert_msg(rh_open(h, writer, err, sizeof(err)) == 0, "%s", err);
}

/* The string member key of data in the answer c, copied to out. */
static void
answer_str(const struct rh_call *c, const char *key, char *out, size_t len)
{
	char err[64];
	json_t *o = json_parse(c->resp, c->resplen, err, sizeof(err));
	const char *v;

	ck_assert_msg(o != NULL, "not JSON: %s", c->resp);
	v = json_get_str(json_object_get(o, "data"), key);
	ck_assert_msg(v != NULL, "no %s in %s", key, c->resp);
	ck_assert_uint_lt(strlen(v), len);
	snprintf(out, len, "%s", v);
	json_decref(o);
}

/*
 * The fixture: dialog D1 (alice, bob; scope x) with alice's message M1, an
 * upload attached to nothing yet ({KEY}), a presigned upload URL not used
 * yet ({UP}), bob's D1 archived and pinned (so C8 and C10 change
 * something), and a second dialog D2.
 */
static void
make_fixture(void)
{
	struct store_opts o = { .create = true, .allow_old = true,
	    .busy_timeout_ms = 5000 };
	char err[STORE_ERR_LEN], uri[1200];
	struct store *st;
	struct rh h;
	struct rh_call c;
	int applied;

	o.path = tmpl;
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_migrate(st, &applied, err, sizeof(err)), 0);
	store_close(st);
	open_host(&h, tmpl, false);
	call(&h, &c, "POST", "/api/v1/management/dialogs",
	    "{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":["
	    "{\"user_id\":\"alice\",\"display_name\":\"A\"},{\"user_id\":"
	    "\"bob\",\"display_name\":\"B\",\"company\":\"C\"}],"
	    "\"access_scopes\":[{\"scope_level0\":[\"x\"]}]}", false);
	ck_assert_int_eq(c.status, 200);
	answer_str(&c, "id", fx.d1, sizeof(fx.d1));
	rh_call_reset(&c);
	call(&h, &c, "POST", "/api/v1/management/dialogs",
	    "{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":["
	    "{\"user_id\":\"alice\",\"display_name\":\"A\"}]}", false);
	ck_assert_int_eq(c.status, 200);
	answer_str(&c, "id", fx.d2, sizeof(fx.d2));
	rh_call_reset(&c);
	snprintf(uri, sizeof(uri), "/api/v1/dialogs/%s/messages?user_id=alice",
	    fx.d1);
	call(&h, &c, "POST", uri, "{\"content\":\"first\"}", false);
	ck_assert_int_eq(c.status, 200);
	answer_str(&c, "id", fx.m1, sizeof(fx.m1));
	rh_call_reset(&c);
	snprintf(uri, sizeof(uri), "/api/v1/dialogs/%s/archive?user_id=bob",
	    fx.d1);
	call(&h, &c, "POST", uri, NULL, false);
	ck_assert_int_eq(c.status, 200);
	rh_call_reset(&c);
	snprintf(uri, sizeof(uri), "/api/v1/dialogs/%s/pin?user_id=bob", fx.d1);
	call(&h, &c, "POST", uri, NULL, false);
	ck_assert_int_eq(c.status, 200);
	rh_call_reset(&c);
	/* an upload, done: {KEY}; and one presigned only: {UP} */
	fill("{\"dialog_id\":\"{D1}\",\"filename\":\"x.json\",\"content_type\":"
	    "\"application/json\",\"size\":2}", uri, sizeof(uri));
	call(&h, &c, "POST", "/api/v1/upload/presign?user_id=alice", uri,
	    false);
	ck_assert_msg(c.status == 200, "%d %s", c.status, c.resp);
	answer_str(&c, "s3_key", fx.key, sizeof(fx.key));
	answer_str(&c, "upload_url", fx.up, sizeof(fx.up));
	rh_call_reset(&c);
	call(&h, &c, "PUT", fx.up, "{}", false);
	ck_assert_msg(c.status == 200, "%d %s", c.status, c.resp);
	rh_call_reset(&c);
	fill("{\"dialog_id\":\"{D1}\",\"filename\":\"x.json\",\"content_type\":"
	    "\"application/json\",\"size\":2}", uri, sizeof(uri));
	call(&h, &c, "POST", "/api/v1/upload/presign?user_id=alice", uri,
	    false);
	ck_assert_int_eq(c.status, 200);
	answer_str(&c, "upload_url", fx.up, sizeof(fx.up));
	rh_call_reset(&c);
	rh_close(&h);
}

/* --- the database, table by table --- */

struct dump {
	char	*text;		/* every row of every table */
	size_t	 len, cap;
	char	 counts[1024];	/* "table:rows " for each table */
};

static void
dump_add(struct dump *d, const char *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		d->text = realloc(d->text, d->cap);
		ck_assert_ptr_nonnull(d->text);
	}
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

static void
dump_table(sqlite3 *h, const char *name, struct dump *d)
{
	char sql[256];
	sqlite3_stmt *s;
	long rows = 0;
	int i, n;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", name);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	dump_add(d, name, strlen(name));
	dump_add(d, "\n", 1);
	n = sqlite3_column_count(s);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			const void *v = sqlite3_column_blob(s, i);

			dump_add(d, "|", 1);
			if (v != NULL)
				dump_add(d, v, (size_t)sqlite3_column_bytes(s,
				    i));
			else if (sqlite3_column_type(s, i) == SQLITE_NULL)
				dump_add(d, "\\N", 2);
		}
		dump_add(d, "\n", 1);
		rows++;
	}
	sqlite3_finalize(s);
	n = (int)strlen(d->counts);
	snprintf(d->counts + n, sizeof(d->counts) - (size_t)n, "%s:%ld ",
	    name, rows);
}

static void
dump_db(const char *path, struct dump *d)
{
	sqlite3 *h;
	sqlite3_stmt *s;

	memset(d, 0, sizeof(*d));
	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master"
	    " WHERE type = 'table' ORDER BY name", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		dump_table(h, (const char *)sqlite3_column_text(s, 0), d);
	sqlite3_finalize(s);
	sqlite3_close(h);
}

static void
dump_free(struct dump *d)
{
	free(d->text);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	ck_assert_int_ge(in, 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void
fresh_copy(void)
{
	char side[PATH_MAX + 8];

	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	copy_file(tmpl, db);
}

/* --- the test --- */

static const char *const kind_names[] = { "", "BUSY", "IOERR", "FULL" };

/* Whether c is the documented answer to a fault of kind k. */
static bool
documented(const struct rh_call *c, enum store_fault_kind k)
{
	const char *want = k == STORE_FAULT_FULL ?
	    "{\"error\":{\"code\":\"INSUFFICIENT_STORAGE\"," :
	    "{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\",";

	return c->status == (k == STORE_FAULT_FULL ? 507 : 503) &&
	    strstr(c->headers, "Retry-After: ") != NULL &&
	    strncmp(c->resp, want, strlen(want)) == 0;
}

struct outcome {
	long	 runs, failed, succeeded;
};

/*
 * Runs case fc with the n-th call failing as kind/mode; false once the
 * request no longer reaches an n-th call (then it succeeded, unharmed).
 */
static bool
run_one(const struct fcase *fc, long n, enum store_fault_kind kind,
    enum store_fault_mode mode, bool writer, const struct dump *before,
    const struct dump *clean, struct outcome *out)
{
	char uri[1200], body[1200];
	struct dump after;
	struct rh h;
	struct rh_call c;
	long hits;
	int saved, quiet;

	fresh_copy();
	open_host(&h, db, writer);
	fflush(stderr);
	saved = dup(2);
	quiet = open("/dev/null", O_WRONLY);	/* the faults' log lines */
	dup2(quiet, 2);
	close(quiet);
	store_fault_set(n, kind, mode);
	call(&h, &c, fc->method, fill(fc->uri, uri, sizeof(uri)),
	    fill(fc->body, body, sizeof(body)), fc->scope);
	hits = store_fault_count();
	store_fault_set(0, 0, 0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rh_close(&h);
	dump_db(db, &after);
	out->runs++;
	if (c.status == fc->ok) {
		/* a fault it can do without, or none reached: a whole write */
		ck_assert_msg(strcmp(after.counts, clean->counts) == 0 ||
		    (fc->kind == MAY_SKIP && after.len == before->len &&
		    memcmp(after.text, before->text, after.len) == 0),
		    "%s, %s %s at call %ld: %d, but rows %s, not %s",
		    fc->name, kind_names[kind], mode ? "on" : "once", n,
		    c.status, after.counts, clean->counts);
		out->succeeded++;
	} else if (fc->kind == MAY_SKIP && strcmp(after.counts,
	    clean->counts) == 0) {
		/* the side write was done, what came after it failed */
		ck_assert_msg(documented(&c, kind), "%s, %s %s at call %ld: "
		    "%d %s", fc->name, kind_names[kind], mode ? "on" : "once",
		    n, c.status, c.resp);
		out->failed++;
	} else {
		ck_assert_msg(hits > 0, "%s: %d without a fault: %s",
		    fc->name, c.status, c.resp);
		ck_assert_msg(documented(&c, kind),
		    "%s, %s %s at call %ld: %d %s %s", fc->name,
		    kind_names[kind], mode ? "on" : "once", n, c.status,
		    c.headers, c.resp);
		ck_assert_msg(after.len == before->len &&
		    memcmp(after.text, before->text, after.len) == 0,
		    "%s, %s %s at call %ld: %d, and the database changed: "
		    "rows %s, were %s", fc->name, kind_names[kind],
		    mode ? "on" : "once", n, c.status, after.counts,
		    before->counts);
		out->failed++;
	}
	dump_free(&after);
	rh_call_reset(&c);
	return hits > 0;
}

static void
fault_case(int i, bool writer)
{
	const struct fcase *fc = &cases[i];
	char uri[1200], body[1200];
	struct dump before, clean;
	struct outcome o = { 0 };
	struct rh h;
	struct rh_call c;
	int k, m;
	long n;

	tu_path(tmpl, tu_dir, "template.db");
	tu_path(db, tu_dir, "m.db");
	tu_path(files, tu_dir, "files");
	ck_assert_int_eq(setenv("MTCHAT_FILES_DIR", files, 1), 0);
	make_fixture();
	dump_db(tmpl, &before);
	/* without faults: the status it gives, the rows it writes */
	fresh_copy();
	open_host(&h, db, writer);
	call(&h, &c, fc->method, fill(fc->uri, uri, sizeof(uri)),
	    fill(fc->body, body, sizeof(body)), fc->scope);
	ck_assert_msg(c.status == fc->ok, "%s: %d %s", fc->name, c.status,
	    c.resp);
	rh_call_reset(&c);
	rh_close(&h);
	dump_db(db, &clean);
	ck_assert_msg((strcmp(clean.text, before.text) != 0) ==
	    (fc->kind != READS), "%s: wrote %s, before %s", fc->name,
	    clean.counts, before.counts);
	for (k = STORE_FAULT_BUSY; k <= STORE_FAULT_FULL; k++)
		for (m = STORE_FAULT_ONCE; m <= STORE_FAULT_PERSIST; m++)
			for (n = 1; n <= MAX_N; n++)
				if (!run_one(fc, n, (enum store_fault_kind)k,
				    (enum store_fault_mode)m, writer, &before,
				    &clean, &o))
					break;
	ck_assert_msg(o.failed > 0, "%s: no fault was seen", fc->name);
	fprintf(stderr, "%-26s %s %4ld runs: %4ld refused, %4ld done\n",
	    fc->name, writer ? "writer" : "direct", o.runs, o.failed,
	    o.succeeded);
	dump_free(&before);
	dump_free(&clean);
}

START_TEST(test_direct)
{
	fault_case(_i, false);
}
END_TEST

/* The threaded server's path: a write is a savepoint of a batch. */
static const int writer_cases[] = { 0, 5, 13, 14, 18 };

START_TEST(test_writer)
{
	fault_case(writer_cases[_i], true);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rest_faults");
	TCase *tc = tcase_create("faults");

	tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
	tu_timeout(tc, 300);
	tcase_add_loop_test(tc, test_direct, 0, NCASES);
	tcase_add_loop_test(tc, test_writer, 0,
	    (int)(sizeof(writer_cases) / sizeof(writer_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("check_rest_faults", 0, 0);
	setenv("MTCHAT_CONFIG", "/dev/null", 1);
	setenv("MTCHAT_BRIDGE_SOCKET", "", 1);
	setenv("MTCHAT_FILES_SECRET", "fault-test-secret-0123456789", 1);
	setenv("MTCHAT_SYNCHRONOUS", "NORMAL", 1);
	unsetenv("ADMIN_API_TOKEN");
	unsetenv("JWT_AUTH_ENABLED");
	unsetenv("MTCHAT_TEST_CLOCK");
	return tu_run(suite());
}
