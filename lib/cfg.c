/*
 * cfg.c — the configuration table and its loader.
 *
 * One row per key (the same name in the file and in the environment), as
 * redis declares its options; values are applied in order: default, file,
 * environment. The file is `key = value` lines with `#` comments.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "mem.h"

#ifndef MTCHAT_SYSCONFDIR
#define MTCHAT_SYSCONFDIR "/etc"
#endif

enum cfg_type { CFG_STR, CFG_INT, CFG_BOOL, CFG_ENUM };

struct cfg_row {
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;		/* offset in struct cfg */
	const char	*def;		/* NULL: unset */
	long		 min, max;	/* CFG_INT only */
	const char	*choices;	/* CFG_ENUM: "A|B" */
	int		 secret;
	const char	*desc;
};

#define S(f)	CFG_STR, offsetof(struct cfg, f)
#define I(f)	CFG_INT, offsetof(struct cfg, f)
#define B(f)	CFG_BOOL, offsetof(struct cfg, f)
#define E(f)	CFG_ENUM, offsetof(struct cfg, f)

static const struct cfg_row rows[] = {
	{ "MTCHAT_DB", S(db_path), "/var/lib/mtchat/mtchat.db", 0, 0, NULL, 0,
	  "path of the SQLite database" },
	{ "MTCHAT_DATABASE_URL", S(database_url), "", 0, 0, NULL, 1,
	  "PostgreSQL libpq URL or key=value string (unset: SQLite at "
	  "MTCHAT_DB)" },
	{ "MTCHAT_BRIDGE_SOCKET", S(bridge_socket), "/run/mtchat/bridge.sock",
	  0, 0, NULL, 0,
	  "Unix datagram socket on which writers wake the bridge" },
	{ "MTCHAT_SYNCHRONOUS", E(synchronous), "FULL", 0, 0, "FULL|NORMAL", 0,
	  "SQLite synchronous mode: FULL survives power loss, NORMAL is faster" },
	{ "MTCHAT_BUSY_TIMEOUT_MS", I(busy_timeout_ms), "5000", 0, 600000,
	  NULL, 0, "how long a writer waits for the database lock" },
	{ "MTCHAT_FCGI_THREADS", I(fcgi_threads), "8", 1, 256, NULL, 0,
	  "requests one mtchat.fcgi process serves at once (group commit)" },
	{ "MTCHAT_USER", S(run_user), NULL, 0, 0, NULL, 0,
	  "user the daemons switch to when started as root" },
	{ "MTCHAT_ALLOW_ROOT", B(allow_root), "false", 0, 0, NULL, 0,
	  "let them keep root without MTCHAT_USER (tests, not production)" },
	{ "LOG_SYSLOG", B(log_syslog), "false", 0, 0, NULL, 0,
	  "log to syslog instead of stderr" },
	{ "LOG_VERBOSE", I(log_verbose), "0", 0, 2, NULL, 0,
	  "0 warnings, 1 adds info lines, 2 adds debug lines" },
	{ "ADMIN_API_TOKEN", S(admin_token), NULL, 0, 0, NULL, 1,
	  "bearer token of the Management API (unset: API open)" },
	{ "JWT_AUTH_ENABLED", B(jwt_enabled), "false", 0, 0, NULL, 0,
	  "require HS256 bearer tokens on the Chat API and WebSocket" },
	{ "JWT_SECRETS", S(jwt_secrets), NULL, 0, 0, NULL, 1,
	  "comma-separated HS256 secrets (wins over JWT_SECRET)" },
	{ "JWT_SECRET", S(jwt_secret), NULL, 0, 0, NULL, 1,
	  "single HS256 secret" },
	{ "JWT_USER_ID_CLAIM", S(jwt_user_claim), "sub", 0, 0, NULL, 0,
	  "claim holding the user id" },
	{ "JWT_SCOPE_CLAIM", S(jwt_scope_claim), "mtchat_scope", 0, 0, NULL, 0,
	  "claim holding the user's scope object" },
	{ "MTCHAT_MAX_BODY", I(max_body), "1048576", 1024, 104857600, NULL, 0,
	  "largest accepted JSON request body, bytes" },
	{ "CORS_ALLOWED_ORIGINS", S(cors_origins), "*", 0, 0, NULL, 0,
	  "* or a comma-separated list of origins" },
	{ "CORS_ALLOWED_METHODS", S(cors_methods), "GET,POST,PUT,DELETE,OPTIONS",
	  0, 0, NULL, 0, "* or a comma-separated list of methods" },
	{ "CORS_ALLOWED_HEADERS", S(cors_headers), "*", 0, 0, NULL, 0,
	  "* (any, Authorization included) or a comma-separated list" },
	{ "CORS_ALLOW_CREDENTIALS", B(cors_credentials), "false", 0, 0, NULL, 0,
	  "send Access-Control-Allow-Credentials: true" },
	{ "CORS_MAX_AGE", I(cors_max_age), "3600", 0, 86400, NULL, 0,
	  "preflight cache lifetime, seconds" },
	{ "RATE_LIMIT_ENABLED", B(rate_limit), "false", 0, 0, NULL, 0,
	  "per-user token buckets shared by mtchat.fcgi and the bridge" },
	{ "RATE_LIMIT_RPS", I(rate_rps), "100", 1, 1000000, NULL, 0,
	  "tokens refilled per second" },
	{ "RATE_LIMIT_BURST", I(rate_burst), "50", 1, 1000000, NULL, 0,
	  "bucket capacity" },
	{ "RATE_LIMIT_FILE", S(rate_file), "", 0, 0, NULL, 0,
	  "shared bucket file (default: next to the database)" },
	{ "AUTH_FAILURES_PER_MINUTE", I(auth_fail_limit), "20", 0, 1000000,
	  NULL, 0, "failed token checks allowed per client address per minute"
	  " before 429 (0: no limit)" },
	{ "TRUSTED_PROXIES", S(trusted_proxies), "127.0.0.1,::1", 0, 0, NULL,
	  0, "peers whose X-Forwarded-For names the client (bridge)" },
	{ "POLL_MAX_WAIT_SECS", I(poll_max_wait), "0", 0, 60, NULL, 0,
	  "longest a poll is held by mtchat.fcgi (0: answer at once)" },
	{ "PRESENCE_TTL_SECS", I(presence_ttl), "60", 2, 86400, NULL, 0,
	  "a user without a ping for this long goes offline" },
	{ "PRESENCE_FANOUT_MAX_DIALOG", I(presence_max_dialog), "1000", 2,
	  1000000, NULL, 0, "dialogs with more members push presence only to "
	  "connections subscribed to them (bridge)" },
	{ "PRESENCE_FANOUT_SHARE", I(presence_share), "25", 1, 100, NULL, 0,
	  "most of the bridge's time, in percent, a presence storm may take" },
	{ "ARCHIVE_AFTER_SECS", I(archive_after), "259200", 1, 315360000, NULL,
	  0, "inactivity after which a dialog is archived" },
	{ "BRIDGE_LISTEN", S(bridge_listen), "127.0.0.1", 0, 0, NULL, 0,
	  "bridge TCP address (empty: no TCP listener)" },
	{ "BRIDGE_PORT", I(bridge_port), "8081", 0, 65535, NULL, 0,
	  "bridge TCP port" },
	{ "BRIDGE_UNIX_LISTEN", S(bridge_unix_listen), "", 0, 0, NULL, 0,
	  "bridge HTTP/WebSocket Unix socket (empty: none)" },
	{ "BRIDGE_INSTANCE", S(bridge_instance), "", 0, 0, NULL, 0,
	  "this bridge's name on its presence rows, unique among the bridges "
	  "of one database (empty: host name:BRIDGE_PORT)" },
	{ "BRIDGE_MAX_CONNECTIONS", I(bridge_max_conns), "15000", 1, 1000000,
	  NULL, 0, "most simultaneous bridge connections" },
	{ "BRIDGE_MAX_CONNECTIONS_PER_USER", I(bridge_max_per_user), "20", 1,
	  1000000, NULL, 0,
	  "most WebSockets and held polls of one user on the bridge" },
	{ "BRIDGE_MAX_FRAME", I(bridge_max_frame), "65536", 128, 16777216,
	  NULL, 0, "largest client frame; larger ones close the connection" },
	{ "BRIDGE_QUEUE_LIMIT", I(bridge_queue_limit), "1024", 16, 1000000,
	  NULL, 0, "events queued per connection before it is cut off" },
	{ "BRIDGE_POLL_MAX_SECS", I(bridge_poll_max), "60", 0, 3600, NULL, 0,
	  "longest a long-poll is held by the bridge" },
	{ "BRIDGE_MAX_HEADER", I(bridge_max_header), "8192", 1024, 65535,
	  NULL, 0, "largest bridge request header block, bytes" },
	{ "BRIDGE_HANDSHAKE_SECS", I(bridge_handshake), "10", 1, 3600, NULL, 0,
	  "time a client has to finish its HTTP or WebSocket handshake" },
	{ "WEBHOOK_URL", S(webhook_url), NULL, 0, 0, NULL, 0,
	  "webhook endpoint (needs WEBHOOK_SECRET too)" },
	{ "WEBHOOK_SECRET", S(webhook_secret), NULL, 0, 0, NULL, 1,
	  "HMAC-SHA256 key of webhook signatures" },
	{ "WEBHOOK_TIMEOUT_MS", I(webhook_timeout_ms), "10000", 100, 600000,
	  NULL, 0, "time one webhook attempt may take, redirects included" },
	{ "WEBHOOK_RETRIES", I(webhook_retries), "3", 0, 20, NULL, 0,
	  "retries of a failed webhook before it becomes a dead letter" },
	{ "WEBHOOK_RETRY_DELAY_MS", I(webhook_retry_ms), "1000", 10, 3600000,
	  NULL, 0, "wait before the first retry, doubled before each next one" },
	{ "WEBHOOK_NOTIFICATIONS", B(webhook_notify), "true", 0, 0, NULL, 0,
	  "send notification.pending for messages left unread" },
	{ "NOTIFICATION_DELAY_MS", I(notify_delay_ms), "1000", 0, 86400000,
	  NULL, 0, "how long a message stays unread before notification.pending" },
	{ "MTCHAT_HOOKS_SOCKET", S(hooks_socket), "/run/mtchat/hooks.sock", 0,
	  0, NULL, 0,
	  "Unix datagram socket on which mtchat.fcgi wakes mtchat-hooks" },
	{ "MTCHAT_FILES_DIR", S(files_dir), NULL, 0, 0, NULL, 0,
	  "local attachment storage directory" },
	{ "MTCHAT_FILES_SECRET", S(files_secret), NULL, 0, 0, NULL, 1,
	  "HMAC key of upload/download URLs" },
	{ "MTCHAT_FILES_MAX_SIZE", I(files_max_size), "104857600", 1, 104857600,
	  NULL, 0, "largest attachment accepted, bytes" },
	{ "MTCHAT_FILES_GRACE_SECS", I(files_grace), "86400", 60, 31536000, NULL,
	  0, "files gc removes uploads not attached for this long" },
	{ "MTCHAT_FILES_SENDFILE", E(files_sendfile), "off", 0, 0,
	  "off|X-Sendfile|X-LIGHTTPD-send-file|X-Accel-Redirect", 0,
	  "header that hands downloads to the web server (off: mtchat.fcgi)" },
	{ "MTCHAT_PUBLIC_URL", S(public_url), NULL, 0, 0, NULL, 0,
	  "base of upload/download URLs (unset: paths on the API's origin)" },
	{ "S3_PRESIGN_UPLOAD_EXPIRY", I(upload_expiry), "300", 1, 604800, NULL,
	  0, "lifetime of upload URLs, seconds" },
	{ "S3_PRESIGN_DOWNLOAD_EXPIRY", I(download_expiry), "3600", 1, 604800,
	  NULL, 0, "lifetime of download URLs, seconds" },
};

#undef S
#undef I
#undef B
#undef E

#define NROWS	((int)(sizeof(rows) / sizeof(rows[0])))

/* One cfg_load() under way: the values so far, where its error goes. */
struct load {
	struct cfg	*c;
	char		*err;		/* the caller's, errlen bytes */
	size_t		 errlen;
};

static const struct cfg_row	*row_find(const char *, size_t);
static int	 row_set(const struct load *, const struct cfg_row *,
		    const char *, const char *);
static int	 load_file(const struct load *, const char *, int);
static int	 load_env(const struct load *);

static const struct cfg_row *
row_find(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NROWS; i++)
		if (strlen(rows[i].name) == len &&
		    memcmp(rows[i].name, name, len) == 0)
			return &rows[i];
	return NULL;
}

static int
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

/* Applies `value` to the key of row r; where says where it came from. */
static int
row_set(const struct load *l, const struct cfg_row *r, const char *value,
    const char *where)
{
	char *base = (char *)l->c;
	long v;
	char *s;

	switch (r->type) {
	case CFG_INT:
		if (parse_long(value, &v) != 0) {
			snprintf(l->err, l->errlen, "%s: %s: not a number",
			    where, r->name);
			return MT_EINVAL;
		}
		if (v < r->min || v > r->max) {
			snprintf(l->err, l->errlen, "%s: %s: out of range "
			    "(%ld..%ld)", where, r->name, r->min, r->max);
			return MT_EINVAL;
		}
		*(long *)(void *)(base + r->off) = v;
		return 0;
	case CFG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
			*(bool *)(base + r->off) = true;
		else if (strcmp(value, "false") == 0 ||
		    strcmp(value, "0") == 0 || *value == '\0')
			*(bool *)(base + r->off) = false;
		else {
			snprintf(l->err, l->errlen, "%s: %s: not a boolean "
			    "(true, false, 1 or 0)", where, r->name);
			return MT_EINVAL;
		}
		return 0;
	case CFG_ENUM:
		if (!enum_has(r->choices, value)) {
			snprintf(l->err, l->errlen, "%s: %s: must be one of "
			    "%s", where, r->name, r->choices);
			return MT_EINVAL;
		}
		/* FALLTHROUGH */
	case CFG_STR:
		if ((s = mt_strdup(value)) == NULL) {
			snprintf(l->err, l->errlen, "%s: out of memory",
			    where);
			return MT_ENOMEM;
		}
		mt_free(*(char **)(void *)(base + r->off));
		*(char **)(void *)(base + r->off) = s;
		return 0;
	}
	return MT_EINVAL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static const char *
basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Parses one `key = value` line; where ("mtchat.conf:12") for messages. */
static int
load_line(const struct load *l, char *line, const char *where)
{
	const struct cfg_row *r;
	char *key, *eq, *value;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(l->err, l->errlen, "%s: expected key = value", where);
		return MT_EINVAL;
	}
	*eq = '\0';
	value = trim(eq + 1);
	key = trim(key);
	if (*key == '\0') {
		snprintf(l->err, l->errlen, "%s: missing key before '='",
		    where);
		return MT_EINVAL;
	}
	if ((r = row_find(key, strlen(key))) == NULL) {
		snprintf(l->err, l->errlen, "%s: %.64s: unknown key", where,
		    key);
		return MT_EINVAL;
	}
	return row_set(l, r, value, where);
}

static int
load_file(const struct load *l, const char *path, int must_exist)
{
	FILE *fp;
	char line[4096], where[128];
	int lineno = 0, rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(l->err, l->errlen, "%s: %s", path, strerror(errno));
		return MT_EINVAL;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(l->err, l->errlen, "%s:%d: line too long",
			    basename_of(path), lineno);
			rc = MT_EINVAL;
			break;
		}
		snprintf(where, sizeof(where), "%s:%d", basename_of(path),
		    lineno);
		if ((rc = load_line(l, line, where)) != 0)
			break;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(l->err, l->errlen, "%s: read error", path);
		rc = MT_EINVAL;
	}
	fclose(fp);
	return rc;
}

static int
load_env(const struct load *l)
{
	const char *v;
	int i, rc;

	for (i = 0; i < NROWS; i++) {
		if ((v = getenv(rows[i].name)) == NULL)
			continue;
		if ((rc = row_set(l, &rows[i], v, "environment")) != 0)
			return rc;
	}
	return 0;
}

static int
load_defaults(const struct load *l)
{
	int i, rc;

	for (i = 0; i < NROWS; i++) {
		if (rows[i].def == NULL)
			continue;
		if ((rc = row_set(l, &rows[i], rows[i].def, "default")) != 0)
			return rc;
	}
	return 0;
}

/*
 * Local storage: an absolute directory needs a secret to sign its URLs;
 * a public URL is an http(s) origin, with an optional path prefix.
 */
static int
check_files(const struct cfg *c, char *err, size_t errlen)
{
	const char *u = c->public_url;

	if (c->files_dir != NULL && *c->files_dir != '\0') {
		if (*c->files_dir != '/') {
			snprintf(err, errlen, "MTCHAT_FILES_DIR: must be an "
			    "absolute path");
			return MT_EINVAL;
		}
		if (c->files_secret == NULL || strlen(c->files_secret) < 16) {
			snprintf(err, errlen, "MTCHAT_FILES_DIR needs "
			    "MTCHAT_FILES_SECRET of at least 16 characters");
			return MT_EINVAL;
		}
	}
	if (u != NULL && *u != '\0' && ((strncmp(u, "http://", 7) != 0 &&
	    strncmp(u, "https://", 8) != 0) || strpbrk(u, "?#\"' <>\\") !=
	    NULL || strlen(u) > 200)) {
		snprintf(err, errlen, "MTCHAT_PUBLIC_URL: not an http:// or "
		    "https:// URL without query");
		return MT_EINVAL;
	}
	return 0;
}

/*
 * MTCHAT_DATABASE_URL, checked lightly (libpq parses it): empty, a
 * postgresql:// or postgres:// URL, or a key=value connection string.
 */
static int
check_database_url(const char *u)
{
	if (u == NULL || *u == '\0')
		return 0;
	if (strncmp(u, "postgresql://", 13) == 0 ||
	    strncmp(u, "postgres://", 11) == 0 || strchr(u, '=') != NULL)
		return 0;
	return -1;
}

/* Rules that involve more than one key. */
static int
check_combined(const struct cfg *c, char *err, size_t errlen)
{
	if (c->jwt_enabled) {
		const char *s = c->jwt_secrets && *c->jwt_secrets ?
		    c->jwt_secrets : c->jwt_secret;
		const char *p;
		int has = 0;

		for (p = s ? s : ""; *p; p++)
			if (*p != ',' && *p != ' ' && *p != '\t')
				has = 1;
		if (!has) {
			snprintf(err, errlen, "JWT_AUTH_ENABLED needs "
			    "JWT_SECRETS or JWT_SECRET with a non-empty secret");
			return MT_EINVAL;
		}
	}
	if (c->cors_credentials && (strcmp(c->cors_origins, "*") == 0 ||
	    strcmp(c->cors_methods, "*") == 0)) {
		snprintf(err, errlen, "CORS_ALLOW_CREDENTIALS cannot be "
		    "combined with a * origin or method list");
		return MT_EINVAL;
	}
	if (*c->db_path == '\0') {
		snprintf(err, errlen, "MTCHAT_DB: must not be empty");
		return MT_EINVAL;
	}
	if (check_database_url(c->database_url) != 0) {
		/* never the value: it may hold a password */
		snprintf(err, errlen, "MTCHAT_DATABASE_URL: not a postgresql:// "
		    "or postgres:// URL or a libpq key=value string");
		return MT_EINVAL;
	}
	return check_files(c, err, errlen);
}

int
cfg_load(struct cfg *c, const char *path, char *err, size_t errlen)
{
	const char *env_path = getenv("MTCHAT_CONFIG");
	const struct load l = { c, err, errlen };
	int rc, must_exist = 1;

	memset(c, 0, sizeof(*c));
	if (path == NULL && env_path != NULL && *env_path != '\0')
		path = env_path;
	if (path == NULL) {
		path = MTCHAT_SYSCONFDIR "/mtchat.conf";
		must_exist = 0;
	}
	if ((rc = load_defaults(&l)) != 0 ||
	    (rc = load_file(&l, path, must_exist)) != 0 ||
	    (rc = load_env(&l)) != 0 ||
	    (rc = check_combined(c, err, errlen)) != 0) {
		cfg_reset(c);
		return rc;
	}
	return 0;
}

void
cfg_reset(struct cfg *c)
{
	int i;

	for (i = 0; i < NROWS; i++) {
		if (rows[i].type == CFG_STR || rows[i].type == CFG_ENUM) {
			char **p = (char **)(void *)((char *)c + rows[i].off);

			mt_free(*p);
			*p = NULL;
		}
	}
	memset(c, 0, sizeof(*c));
}

int
cfg_key_count(void)
{
	return NROWS;
}

int
cfg_key(int i, struct cfg_key_info *info)
{
	static const char *const types[] = {
		"string", "integer", "boolean", "enum"
	};

	if (i < 0 || i >= NROWS)
		return MT_ENOTFOUND;
	info->name = rows[i].name;
	info->type = types[rows[i].type];
	info->def = rows[i].def ? rows[i].def : "";
	info->desc = rows[i].desc;
	info->secret = rows[i].secret != 0;
	return 0;
}

void
cfg_value_text(const struct cfg *c, int i, char *buf, size_t len)
{
	const char *base = (const char *)c;
	const char *s;

	if (i < 0 || i >= NROWS) {
		snprintf(buf, len, "?");
		return;
	}
	switch (rows[i].type) {
	case CFG_INT:
		snprintf(buf, len, "%ld",
		    *(const long *)(const void *)(base + rows[i].off));
		break;
	case CFG_BOOL:
		snprintf(buf, len, "%s",
		    *(const bool *)(base + rows[i].off) ? "true" : "false");
		break;
	default:
		s = *(char *const *)(const void *)(base + rows[i].off);
		if (s == NULL)
			snprintf(buf, len, "(unset)");
		else if (rows[i].secret && *s)
			snprintf(buf, len, "(set)");
		else
			snprintf(buf, len, "%s", s);
	}
}
