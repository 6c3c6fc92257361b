/*
 * check_cfg.c — unit tests of lib/cfg.c: defaults, file, environment, the
 * one-line error messages, the key table and clean failure under injected
 * allocation faults. Each test starts with no mtchat variable in the
 * environment (setup clears them), so none depends on the caller's.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

static char conf[PATH_MAX];	/* tu_dir/mtchat.conf */

static void
clear_env(void)
{
	struct cfg_key_info k;
	int i;

	for (i = 0; cfg_key(i, &k) == 0; i++)
		unsetenv(k.name);
	unsetenv("MTCHAT_CONFIG");
}

static void
setup(void)
{
	tu_setup();
	clear_env();
	tu_path(conf, tu_dir, "mtchat.conf");
}

static void
teardown(void)
{
	clear_env();
	tu_teardown();
}

/* Writes text to mtchat.conf and loads it; returns cfg_load()'s result. */
static int
load_text(struct cfg *c, const char *text, char *err, size_t errlen)
{
	tu_write_file(conf, text);
	err[0] = '\0';
	return cfg_load(c, conf, err, errlen);
}

/* Asserts that text fails to load with exactly the message want. */
static void
assert_error(const char *text, const char *want)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), MT_EINVAL);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(c.db_path);	/* already reset */
}

static int
key_index(const char *name)
{
	struct cfg_key_info k;
	int i;

	for (i = 0; cfg_key(i, &k) == 0; i++)
		if (strcmp(k.name, name) == 0)
			return i;
	ck_abort_msg("no key %s", name);
	return -1;
}

static const char *
value_of(const struct cfg *c, const char *name, char *buf, size_t len)
{
	cfg_value_text(c, key_index(name), buf, len);
	return buf;
}

START_TEST(cfg_defaults)
{
	struct cfg c;
	struct cfg_key_info k;
	char err[CFG_ERR_LEN], v[512];
	int i;

	ck_assert_int_eq(load_text(&c, "", err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_path, "/var/lib/mtchat/mtchat.db");
	ck_assert_str_eq(c.database_url, "");	/* SQLite */
	ck_assert_str_eq(c.bridge_socket, "/run/mtchat/bridge.sock");
	ck_assert_str_eq(c.synchronous, "FULL");
	ck_assert_int_eq(c.busy_timeout_ms, 5000);
	ck_assert(!c.log_syslog);
	ck_assert_int_eq(c.log_verbose, 0);
	ck_assert_ptr_null(c.admin_token);
	ck_assert(!c.jwt_enabled);
	ck_assert_ptr_null(c.jwt_secret);
	ck_assert_str_eq(c.jwt_user_claim, "sub");
	ck_assert_int_eq(c.max_body, 1048576);
	ck_assert_str_eq(c.cors_origins, "*");
	ck_assert_int_eq(c.bridge_port, 8081);
	ck_assert_str_eq(c.rate_file, "");
	ck_assert_int_eq(c.archive_after, 259200);
	ck_assert_ptr_null(c.webhook_url);
	/* Every key of the table has its documented default. */
	for (i = 0; cfg_key(i, &k) == 0; i++) {
		cfg_value_text(&c, i, v, sizeof(v));
		if (*k.def == '\0' && strcmp(k.type, "string") == 0)
			ck_assert_msg(strcmp(v, "(unset)") == 0 ||
			    strcmp(v, "") == 0, "%s = %s", k.name, v);
		else
			ck_assert_msg(strcmp(v, k.def) == 0, "%s = %s, "
			    "default %s", k.name, v, k.def);
	}
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_file_overrides_default)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_eq(load_text(&c, "MTCHAT_DB = /srv/chat.db\n"
	    "BRIDGE_PORT = 9000\nLOG_SYSLOG = true\n"
	    "MTCHAT_SYNCHRONOUS = NORMAL\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_path, "/srv/chat.db");
	ck_assert_int_eq(c.bridge_port, 9000);
	ck_assert(c.log_syslog);
	ck_assert_str_eq(c.synchronous, "NORMAL");
	ck_assert_str_eq(c.jwt_user_claim, "sub");	/* untouched */
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_environment_overrides_file)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	setenv("MTCHAT_DB", "/env/chat.db", 1);
	setenv("BRIDGE_PORT", "7000", 1);
	ck_assert_int_eq(load_text(&c, "MTCHAT_DB = /srv/chat.db\n"
	    "BRIDGE_PORT = 9000\nCORS_MAX_AGE = 60\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_path, "/env/chat.db");
	ck_assert_int_eq(c.bridge_port, 7000);
	ck_assert_int_eq(c.cors_max_age, 60);	/* file, not in env */
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_mtchat_config_selects_file)
{
	struct cfg c;
	char err[CFG_ERR_LEN], other[PATH_MAX];

	tu_write_file(conf, "BRIDGE_PORT = 1234\n");
	setenv("MTCHAT_CONFIG", conf, 1);
	ck_assert_int_eq(cfg_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.bridge_port, 1234);
	cfg_reset(&c);
	/* An explicit path wins over MTCHAT_CONFIG. */
	tu_write_file(tu_path(other, tu_dir, "other.conf"),
	    "BRIDGE_PORT = 4321\n");
	ck_assert_int_eq(cfg_load(&c, other, err, sizeof(err)), 0);
	ck_assert_int_eq(c.bridge_port, 4321);
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_named_missing_file_is_error)
{
	struct cfg c;
	char err[CFG_ERR_LEN], missing[PATH_MAX];

	tu_path(missing, tu_dir, "nope.conf");
	ck_assert_int_eq(cfg_load(&c, missing, err, sizeof(err)), MT_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, missing));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_ptr_null(c.db_path);
	/* The same when MTCHAT_CONFIG names it. */
	setenv("MTCHAT_CONFIG", missing, 1);
	ck_assert_int_eq(cfg_load(&c, NULL, err, sizeof(err)), MT_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, missing));
}
END_TEST

START_TEST(cfg_default_file_may_be_missing)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	if (tu_exists(MTCHAT_SYSCONFDIR "/mtchat.conf"))
		return;	/* this host has one: nothing to learn here */
	ck_assert_int_eq(cfg_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.db_path, "/var/lib/mtchat/mtchat.db");
	cfg_reset(&c);
	/* An empty MTCHAT_CONFIG counts as unset. */
	setenv("MTCHAT_CONFIG", "", 1);
	ck_assert_int_eq(cfg_load(&c, NULL, err, sizeof(err)), 0);
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_unknown_key)
{
	assert_error("# mtchat\n\nNO_SUCH_KEY = 1\n",
	    "mtchat.conf:3: NO_SUCH_KEY: unknown key");
	/* Names are case-sensitive, as in the environment. */
	assert_error("mtchat_db = /x\n",
	    "mtchat.conf:1: mtchat_db: unknown key");
}
END_TEST

START_TEST(cfg_malformed_line)
{
	assert_error("MTCHAT_DB = /x\nMTCHAT_DB /y\n",
	    "mtchat.conf:2: expected key = value");
	assert_error("= 5\n", "mtchat.conf:1: missing key before '='");
}
END_TEST

START_TEST(cfg_bad_number)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	assert_error("\nARCHIVE_AFTER_SECS = 12x\n",
	    "mtchat.conf:2: ARCHIVE_AFTER_SECS: not a number");
	assert_error("BRIDGE_PORT =\n",
	    "mtchat.conf:1: BRIDGE_PORT: not a number");
	assert_error("BRIDGE_PORT = 0x50\n",
	    "mtchat.conf:1: BRIDGE_PORT: not a number");
	assert_error("BRIDGE_PORT = 80.5\n",
	    "mtchat.conf:1: BRIDGE_PORT: not a number");
	assert_error("CORS_MAX_AGE = 99999999999999999999999\n",
	    "mtchat.conf:1: CORS_MAX_AGE: not a number");
	setenv("BRIDGE_PORT", "eighty", 1);
	ck_assert_int_eq(load_text(&c, "", err, sizeof(err)), MT_EINVAL);
	ck_assert_str_eq(err, "environment: BRIDGE_PORT: not a number");
}
END_TEST

START_TEST(cfg_out_of_range)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	assert_error("BRIDGE_PORT = 65536\n",
	    "mtchat.conf:1: BRIDGE_PORT: out of range (0..65535)");
	assert_error("BRIDGE_PORT = -1\n",
	    "mtchat.conf:1: BRIDGE_PORT: out of range (0..65535)");
	assert_error("PRESENCE_TTL_SECS = 1\n",
	    "mtchat.conf:1: PRESENCE_TTL_SECS: out of range (2..86400)");
	/* The bounds themselves are allowed. */
	ck_assert_int_eq(load_text(&c, "BRIDGE_PORT = 65535\n"
	    "PRESENCE_TTL_SECS = 2\nLOG_VERBOSE = 2\n", err, sizeof(err)), 0);
	ck_assert_int_eq(c.bridge_port, 65535);
	ck_assert_int_eq(c.presence_ttl, 2);
	cfg_reset(&c);
	ck_assert_int_eq(load_text(&c, "BRIDGE_PORT = 0\n", err, sizeof(err)),
	    0);
	ck_assert_int_eq(c.bridge_port, 0);
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_bad_boolean)
{
	static const struct {
		const char	*text;
		bool		 want;
	} ok[] = {
		{ "true", true }, { "1", true }, { "false", false },
		{ "0", false }, { "", false },
	};
	struct cfg c;
	char err[CFG_ERR_LEN], line[64];
	size_t i;

	assert_error("LOG_SYSLOG = yes\n", "mtchat.conf:1: LOG_SYSLOG: not a "
	    "boolean (true, false, 1 or 0)");
	assert_error("LOG_SYSLOG = TRUE\n", "mtchat.conf:1: LOG_SYSLOG: not a "
	    "boolean (true, false, 1 or 0)");
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "LOG_SYSLOG = %s\n", ok[i].text);
		ck_assert_int_eq(load_text(&c, line, err, sizeof(err)), 0);
		ck_assert_msg(c.log_syslog == ok[i].want, "%s", ok[i].text);
		cfg_reset(&c);
	}
}
END_TEST

START_TEST(cfg_enum_synchronous)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_eq(load_text(&c, "MTCHAT_SYNCHRONOUS = NORMAL\n", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.synchronous, "NORMAL");
	cfg_reset(&c);
	ck_assert_int_eq(load_text(&c, "MTCHAT_SYNCHRONOUS = FULL\n", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.synchronous, "FULL");
	cfg_reset(&c);
	assert_error("MTCHAT_SYNCHRONOUS = OFF\n", "mtchat.conf:1: "
	    "MTCHAT_SYNCHRONOUS: must be one of FULL|NORMAL");
	assert_error("MTCHAT_SYNCHRONOUS = normal\n", "mtchat.conf:1: "
	    "MTCHAT_SYNCHRONOUS: must be one of FULL|NORMAL");
	assert_error("MTCHAT_SYNCHRONOUS = FUL\n", "mtchat.conf:1: "
	    "MTCHAT_SYNCHRONOUS: must be one of FULL|NORMAL");
	assert_error("MTCHAT_SYNCHRONOUS = FULL|NORMAL\n", "mtchat.conf:1: "
	    "MTCHAT_SYNCHRONOUS: must be one of FULL|NORMAL");
	setenv("MTCHAT_SYNCHRONOUS", "NORMAL", 1);
	ck_assert_int_eq(load_text(&c, "MTCHAT_SYNCHRONOUS = FULL\n", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.synchronous, "NORMAL");
	cfg_reset(&c);
	setenv("MTCHAT_SYNCHRONOUS", "", 1);
	ck_assert_int_eq(load_text(&c, "", err, sizeof(err)), MT_EINVAL);
	ck_assert_str_eq(err, "environment: MTCHAT_SYNCHRONOUS: must be one "
	    "of FULL|NORMAL");
}
END_TEST

START_TEST(cfg_comments_and_blank_lines)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_eq(load_text(&c,
	    "# mtchat.conf\n"
	    "\n"
	    "   \n"
	    "\t\n"
	    "   # indented comment = with an equals sign\n"
	    "MTCHAT_DB=/a.db\n"
	    "\tBRIDGE_LISTEN   =   ::1   \n"
	    "JWT_USER_ID_CLAIM = uid\r\n"
	    "JWT_SECRET = a=b#c\n"
	    "WEBHOOK_URL = http://h/x # not a comment\n"
	    "CORS_MAX_AGE = 10", err, sizeof(err)), 0);	/* no final \n */
	ck_assert_str_eq(c.db_path, "/a.db");
	ck_assert_str_eq(c.bridge_listen, "::1");
	ck_assert_str_eq(c.jwt_user_claim, "uid");
	ck_assert_str_eq(c.jwt_secret, "a=b#c");
	ck_assert_str_eq(c.webhook_url, "http://h/x # not a comment");
	ck_assert_int_eq(c.cors_max_age, 10);
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_last_assignment_wins)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_eq(load_text(&c, "MTCHAT_DB = /one\nMTCHAT_DB = /two\n"
	    "ADMIN_API_TOKEN = a\nADMIN_API_TOKEN = b\n", err, sizeof(err)),
	    0);
	ck_assert_str_eq(c.db_path, "/two");
	ck_assert_str_eq(c.admin_token, "b");
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_empty_string_value)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_eq(load_text(&c, "BRIDGE_LISTEN =\n", err, sizeof(err)),
	    0);
	ck_assert_str_eq(c.bridge_listen, "");
	cfg_reset(&c);
	assert_error("MTCHAT_DB =\n", "MTCHAT_DB: must not be empty");
}
END_TEST

START_TEST(cfg_line_too_long)
{
	struct cfg c;
	char err[CFG_ERR_LEN], *text = mt_malloc(6000);

	ck_assert_ptr_nonnull(text);
	memcpy(text, "# ok\nMTCHAT_DB = /", 18);
	memset(text + 18, 'x', 5000);
	strcpy(text + 5018, "\n");
	ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), MT_EINVAL);
	ck_assert_str_eq(err, "mtchat.conf:2: line too long");
	mt_free(text);
}
END_TEST

START_TEST(cfg_directory_as_file_is_error)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	ck_assert_int_ne(cfg_load(&c, tu_dir, err, sizeof(err)), 0);
	ck_assert_str_ne(err, "");
	ck_assert_ptr_null(c.db_path);
}
END_TEST

START_TEST(cfg_jwt_enabled_needs_secret)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	assert_error("JWT_AUTH_ENABLED = true\n", "JWT_AUTH_ENABLED needs "
	    "JWT_SECRETS or JWT_SECRET with a non-empty secret");
	assert_error("JWT_AUTH_ENABLED = true\nJWT_SECRET =\n",
	    "JWT_AUTH_ENABLED needs JWT_SECRETS or JWT_SECRET with a "
	    "non-empty secret");
	/* JWT_SECRETS wins, so one of only commas and blanks is no secret. */
	assert_error("JWT_AUTH_ENABLED = 1\nJWT_SECRETS = , ,\t,\n"
	    "JWT_SECRET = s\n", "JWT_AUTH_ENABLED needs JWT_SECRETS or "
	    "JWT_SECRET with a non-empty secret");
	ck_assert_int_eq(load_text(&c, "JWT_AUTH_ENABLED = true\n"
	    "JWT_SECRET = s3cret\n", err, sizeof(err)), 0);
	ck_assert(c.jwt_enabled);
	cfg_reset(&c);
	ck_assert_int_eq(load_text(&c, "JWT_AUTH_ENABLED = true\n"
	    "JWT_SECRETS = new,old\n", err, sizeof(err)), 0);
	cfg_reset(&c);
	/* The secret may come from the environment. */
	setenv("JWT_SECRET", "from-env", 1);
	ck_assert_int_eq(load_text(&c, "JWT_AUTH_ENABLED = true\n", err,
	    sizeof(err)), 0);
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_cors_credentials_need_explicit_lists)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	assert_error("CORS_ALLOW_CREDENTIALS = true\n",
	    "CORS_ALLOW_CREDENTIALS cannot be combined with a * origin or "
	    "method list");
	ck_assert_int_eq(load_text(&c, "CORS_ALLOW_CREDENTIALS = true\n"
	    "CORS_ALLOWED_ORIGINS = https://a.example\n", err, sizeof(err)),
	    0);
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_files_rules)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	assert_error("MTCHAT_FILES_DIR = files\n",
	    "MTCHAT_FILES_DIR: must be an absolute path");
	assert_error("MTCHAT_FILES_DIR = /srv/files\n",
	    "MTCHAT_FILES_DIR needs MTCHAT_FILES_SECRET of at least 16 "
	    "characters");
	assert_error("MTCHAT_FILES_DIR = /srv/files\n"
	    "MTCHAT_FILES_SECRET = 0123456789abcde\n",
	    "MTCHAT_FILES_DIR needs MTCHAT_FILES_SECRET of at least 16 "
	    "characters");
	assert_error("MTCHAT_PUBLIC_URL = chat.example\n",
	    "MTCHAT_PUBLIC_URL: not an http:// or https:// URL without query");
	assert_error("MTCHAT_PUBLIC_URL = https://c.example/?x=1\n",
	    "MTCHAT_PUBLIC_URL: not an http:// or https:// URL without query");
	assert_error("MTCHAT_FILES_SENDFILE = X-Accel\n",
	    "mtchat.conf:1: MTCHAT_FILES_SENDFILE: must be one of "
	    "off|X-Sendfile|X-LIGHTTPD-send-file|X-Accel-Redirect");
	assert_error("MTCHAT_FILES_MAX_SIZE = 104857601\n",
	    "mtchat.conf:1: MTCHAT_FILES_MAX_SIZE: out of range "
	    "(1..104857600)");
	/* a secret alone (or an empty directory) is no storage, and fine */
	ck_assert_int_eq(load_text(&c, "MTCHAT_FILES_SECRET = x\n"
	    "MTCHAT_FILES_DIR =\nMTCHAT_PUBLIC_URL = http://h:8080/chat/\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(c.upload_expiry, 300);
	ck_assert_int_eq(c.download_expiry, 3600);
	ck_assert_int_eq(c.files_grace, 86400);
	ck_assert_str_eq(c.files_sendfile, "off");
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_database_url)
{
	static const char *const ok[] = {
		"", "postgresql://mtchat@db.example/mtchat",
		"postgresql://mtchat:pw@127.0.0.1:5432/m?sslmode=require",
		"postgres://db.example/mtchat", "postgresql://",
		"host=/run/postgresql dbname=mtchat",
		"dbname=mtchat", "service=mtchat",
	};
	static const char *const bad[] = {
		"mtchat", "/var/lib/mtchat/mtchat.db", "mysql://h/m",
		"pg://h/m", "PostgreSQL://h/m", "http://h/m", " ",
		"postgresql:/h/m", "sqlite:///var/lib/mtchat/mtchat.db",
	};
	struct cfg c;
	char err[CFG_ERR_LEN], line[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "MTCHAT_DATABASE_URL = %s\n",
		    ok[i]);
		ck_assert_msg(load_text(&c, line, err, sizeof(err)) == 0,
		    "%s: %s", ok[i], err);
		ck_assert_str_eq(c.database_url, ok[i]);
		ck_assert_str_eq(c.db_path, "/var/lib/mtchat/mtchat.db");
		cfg_reset(&c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "MTCHAT_DATABASE_URL = %s\n",
		    bad[i]);
		/* " " is trimmed to "" in the file: only the environment
		 * can give it */
		if (strcmp(bad[i], " ") == 0)
			continue;
		assert_error(line, "MTCHAT_DATABASE_URL: not a postgresql:// "
		    "or postgres:// URL or a libpq key=value string");
	}
	/* From the environment too, and the message never shows the value
	 * (it may hold a password). */
	setenv("MTCHAT_DATABASE_URL", "mysql://u:hunter2@h/m", 1);
	ck_assert_int_eq(load_text(&c, "", err, sizeof(err)), MT_EINVAL);
	ck_assert_str_eq(err, "MTCHAT_DATABASE_URL: not a postgresql:// or "
	    "postgres:// URL or a libpq key=value string");
	ck_assert_ptr_null(strstr(err, "hunter2"));
	setenv("MTCHAT_DATABASE_URL", " ", 1);
	ck_assert_int_eq(load_text(&c, "", err, sizeof(err)), MT_EINVAL);
	setenv("MTCHAT_DATABASE_URL", "postgresql://u:pw@h/env", 1);
	ck_assert_int_eq(load_text(&c, "MTCHAT_DATABASE_URL = dbname=file\n",
	    err, sizeof(err)), 0);
	ck_assert_str_eq(c.database_url, "postgresql://u:pw@h/env");
	cfg_reset(&c);
	/* An empty value in the environment keeps SQLite. */
	setenv("MTCHAT_DATABASE_URL", "", 1);
	ck_assert_int_eq(load_text(&c, "MTCHAT_DATABASE_URL = dbname=file\n",
	    err, sizeof(err)), 0);
	ck_assert_str_eq(c.database_url, "");
	cfg_reset(&c);
}
END_TEST

START_TEST(cfg_reset_frees_everything)
{
	struct cfg c;
	struct cfg_key_info k;
	char err[CFG_ERR_LEN], v[64];
	int i;

	/* Every string key set twice (file and environment). */
	setenv("ADMIN_API_TOKEN", "env-token", 1);
	setenv("WEBHOOK_SECRET", "env-secret", 1);
	setenv("MTCHAT_FILES_DIR", "/env/files", 1);
	ck_assert_int_eq(load_text(&c, "ADMIN_API_TOKEN = t\n"
	    "WEBHOOK_URL = http://x/\nWEBHOOK_SECRET = w\n"
	    "MTCHAT_FILES_DIR = /f\nMTCHAT_FILES_SECRET = 0123456789abcdef\n"
	    "MTCHAT_PUBLIC_URL = https://c.example\n"
	    "MTCHAT_FILES_SENDFILE = X-Sendfile\n"
	    "JWT_SECRETS = a,b\nRATE_LIMIT_FILE = /r\n"
	    "MTCHAT_DATABASE_URL = dbname=m\n", err, sizeof(err)), 0);
	cfg_reset(&c);
	for (i = 0; cfg_key(i, &k) == 0; i++) {
		cfg_value_text(&c, i, v, sizeof(v));
		if (strcmp(k.type, "string") == 0 ||
		    strcmp(k.type, "enum") == 0)
			ck_assert_msg(strcmp(v, "(unset)") == 0, "%s: %s",
			    k.name, v);
	}
	cfg_reset(&c);	/* twice is harmless */
	/* Leaks, if any, are reported by LeakSanitizer at exit. */
}
END_TEST

START_TEST(cfg_key_table)
{
	static const char *const secrets[] = {
		"ADMIN_API_TOKEN", "JWT_SECRETS", "JWT_SECRET",
		"WEBHOOK_SECRET", "MTCHAT_FILES_SECRET", "MTCHAT_DATABASE_URL",
	};
	struct cfg_key_info k, k2;
	int i, j, n = cfg_key_count(), nsecret = 0;

	ck_assert_int_gt(n, 30);
	ck_assert_int_eq(cfg_key(-1, &k), MT_ENOTFOUND);
	ck_assert_int_eq(cfg_key(n, &k), MT_ENOTFOUND);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(cfg_key(i, &k), 0);
		ck_assert_ptr_nonnull(k.name);
		ck_assert_ptr_nonnull(k.def);
		ck_assert_msg(k.desc != NULL && *k.desc != '\0', "%s", k.name);
		ck_assert_msg(strcmp(k.type, "string") == 0 ||
		    strcmp(k.type, "integer") == 0 ||
		    strcmp(k.type, "boolean") == 0 ||
		    strcmp(k.type, "enum") == 0, "%s: %s", k.name, k.type);
		for (j = 0; j < i; j++) {
			cfg_key(j, &k2);
			ck_assert_str_ne(k.name, k2.name);
		}
		nsecret += k.secret;
	}
	ck_assert_int_eq(nsecret, (int)(sizeof(secrets) / sizeof(secrets[0])));
	for (i = 0; i < (int)(sizeof(secrets) / sizeof(secrets[0])); i++) {
		cfg_key(key_index(secrets[i]), &k);
		ck_assert_msg(k.secret, "%s is not secret", secrets[i]);
	}
}
END_TEST

START_TEST(cfg_value_text_masks_secrets)
{
	struct cfg c;
	char err[CFG_ERR_LEN], v[512], small[4];
	struct cfg_key_info k;
	int i;

	ck_assert_int_eq(load_text(&c, "ADMIN_API_TOKEN = hunter2\n"
	    "JWT_SECRETS = hunter2\nWEBHOOK_SECRET = hunter2\n"
	    "MTCHAT_FILES_SECRET = hunter2\nWEBHOOK_URL = http://h/\n"
	    "MTCHAT_DATABASE_URL = postgresql://u:hunter2@h/m\n"
	    "JWT_SECRET =\n", err, sizeof(err)), 0);
	for (i = 0; cfg_key(i, &k) == 0; i++) {
		cfg_value_text(&c, i, v, sizeof(v));
		ck_assert_msg(strstr(v, "hunter2") == NULL, "%s shows %s",
		    k.name, v);
	}
	ck_assert_str_eq(value_of(&c, "ADMIN_API_TOKEN", v, sizeof(v)),
	    "(set)");
	ck_assert_str_eq(value_of(&c, "JWT_SECRET", v, sizeof(v)), "");
	ck_assert_str_eq(value_of(&c, "MTCHAT_DATABASE_URL", v, sizeof(v)),
	    "(set)");
	ck_assert_str_eq(value_of(&c, "WEBHOOK_URL", v, sizeof(v)),
	    "http://h/");
	ck_assert_str_eq(value_of(&c, "BRIDGE_PORT", v, sizeof(v)), "8081");
	ck_assert_str_eq(value_of(&c, "LOG_SYSLOG", v, sizeof(v)), "false");
	ck_assert_str_eq(value_of(&c, "MTCHAT_SYNCHRONOUS", v, sizeof(v)),
	    "FULL");
	cfg_value_text(&c, -1, v, sizeof(v));
	ck_assert_str_eq(v, "?");
	cfg_value_text(&c, cfg_key_count(), v, sizeof(v));
	ck_assert_str_eq(v, "?");
	/* Truncated, never overflowed. */
	cfg_value_text(&c, key_index("MTCHAT_DB"), small, sizeof(small));
	ck_assert_str_eq(small, "/va");
	cfg_reset(&c);
	ck_assert_str_eq(value_of(&c, "ADMIN_API_TOKEN", v, sizeof(v)),
	    "(unset)");
}
END_TEST

START_TEST(cfg_load_fault_injection)
{
	struct cfg c;
	char err[CFG_ERR_LEN];
	long n;
	int rc = -1;

	tu_write_file(conf, "MTCHAT_DB = /f.db\nADMIN_API_TOKEN = t\n"
	    "WEBHOOK_URL = http://h/\nMTCHAT_SYNCHRONOUS = NORMAL\n");
	setenv("JWT_SECRET", "s", 1);
	setenv("MTCHAT_DB", "/e.db", 1);
	for (n = 1; n < 1000 && rc != 0; n++) {
		err[0] = '\0';
		mem_fail_after(n);
		rc = cfg_load(&c, conf, err, sizeof(err));
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_msg(rc == MT_ENOMEM, "n=%ld: rc %d (%s)", n, rc,
		    err);
		ck_assert_msg(strstr(err, "out of memory") != NULL,
		    "n=%ld: %s", n, err);
		ck_assert_ptr_null(c.db_path);
		ck_assert_ptr_null(c.admin_token);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(n, 5);	/* some allocations were failed */
	ck_assert_str_eq(c.db_path, "/e.db");
	ck_assert_str_eq(c.admin_token, "t");
	cfg_reset(&c);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *load = tcase_create("load");
	TCase *errors = tcase_create("errors");
	TCase *table = tcase_create("table");

	tcase_add_checked_fixture(load, setup, teardown);
	tcase_add_test(load, cfg_defaults);
	tcase_add_test(load, cfg_file_overrides_default);
	tcase_add_test(load, cfg_environment_overrides_file);
	tcase_add_test(load, cfg_mtchat_config_selects_file);
	tcase_add_test(load, cfg_default_file_may_be_missing);
	tcase_add_test(load, cfg_comments_and_blank_lines);
	tcase_add_test(load, cfg_last_assignment_wins);
	tcase_add_test(load, cfg_reset_frees_everything);
	tcase_add_test(load, cfg_load_fault_injection);
	suite_add_tcase(s, load);

	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(errors, cfg_named_missing_file_is_error);
	tcase_add_test(errors, cfg_unknown_key);
	tcase_add_test(errors, cfg_malformed_line);
	tcase_add_test(errors, cfg_bad_number);
	tcase_add_test(errors, cfg_out_of_range);
	tcase_add_test(errors, cfg_bad_boolean);
	tcase_add_test(errors, cfg_enum_synchronous);
	tcase_add_test(errors, cfg_empty_string_value);
	tcase_add_test(errors, cfg_line_too_long);
	tcase_add_test(errors, cfg_directory_as_file_is_error);
	tcase_add_test(errors, cfg_jwt_enabled_needs_secret);
	tcase_add_test(errors, cfg_cors_credentials_need_explicit_lists);
	tcase_add_test(errors, cfg_files_rules);
	tcase_add_test(errors, cfg_database_url);
	suite_add_tcase(s, errors);

	tcase_add_checked_fixture(table, setup, teardown);
	tcase_add_test(table, cfg_key_table);
	tcase_add_test(table, cfg_value_text_masks_secrets);
	suite_add_tcase(s, table);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(cfg_suite());
}
