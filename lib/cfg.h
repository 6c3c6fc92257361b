/*
 * cfg.h — mtchat's configuration: one table of keys shared by every program.
 * Built-in defaults, then the `key = value` file, then the environment.
 */
#ifndef MT_CFG_H
#define MT_CFG_H

#include <stdbool.h>
#include <stddef.h>

#define CFG_ERR_LEN	256

struct cfg {
	/* storage */
	char	*db_path;		/* MTCHAT_DB */
	char	*database_url;		/* MTCHAT_DATABASE_URL, "" when unset */
	char	*bridge_socket;		/* MTCHAT_BRIDGE_SOCKET */
	char	*synchronous;		/* MTCHAT_SYNCHRONOUS: FULL or NORMAL */
	long	 busy_timeout_ms;	/* MTCHAT_BUSY_TIMEOUT_MS */
	long	 fcgi_threads;		/* MTCHAT_FCGI_THREADS */
	/* processes */
	char	*run_user;		/* MTCHAT_USER */
	bool	 allow_root;		/* MTCHAT_ALLOW_ROOT */
	/* logging */
	bool	 log_syslog;		/* LOG_SYSLOG */
	long	 log_verbose;		/* LOG_VERBOSE */
	/* identity */
	char	*admin_token;		/* ADMIN_API_TOKEN */
	bool	 jwt_enabled;		/* JWT_AUTH_ENABLED */
	char	*jwt_secrets;		/* JWT_SECRETS */
	char	*jwt_secret;		/* JWT_SECRET */
	char	*jwt_user_claim;	/* JWT_USER_ID_CLAIM */
	char	*jwt_scope_claim;	/* JWT_SCOPE_CLAIM */
	/* HTTP */
	long	 max_body;		/* MTCHAT_MAX_BODY */
	char	*cors_origins;		/* CORS_ALLOWED_ORIGINS */
	char	*cors_methods;		/* CORS_ALLOWED_METHODS */
	char	*cors_headers;		/* CORS_ALLOWED_HEADERS */
	bool	 cors_credentials;	/* CORS_ALLOW_CREDENTIALS */
	long	 cors_max_age;		/* CORS_MAX_AGE */
	bool	 rate_limit;		/* RATE_LIMIT_ENABLED */
	long	 rate_rps;		/* RATE_LIMIT_RPS */
	long	 rate_burst;		/* RATE_LIMIT_BURST */
	char	*rate_file;		/* RATE_LIMIT_FILE */
	long	 auth_fail_limit;	/* AUTH_FAILURES_PER_MINUTE */
	char	*trusted_proxies;	/* TRUSTED_PROXIES */
	long	 poll_max_wait;		/* POLL_MAX_WAIT_SECS (mtchat.fcgi) */
	/* presence, jobs, retention */
	long	 presence_ttl;		/* PRESENCE_TTL_SECS */
	long	 presence_max_dialog;	/* PRESENCE_FANOUT_MAX_DIALOG */
	long	 presence_share;	/* PRESENCE_FANOUT_SHARE */
	long	 archive_after;		/* ARCHIVE_AFTER_SECS */
	/* bridge */
	char	*bridge_listen;		/* BRIDGE_LISTEN */
	long	 bridge_port;		/* BRIDGE_PORT */
	char	*bridge_unix_listen;	/* BRIDGE_UNIX_LISTEN */
	char	*bridge_instance;	/* BRIDGE_INSTANCE */
	long	 bridge_max_conns;	/* BRIDGE_MAX_CONNECTIONS */
	long	 bridge_max_per_user;	/* BRIDGE_MAX_CONNECTIONS_PER_USER */
	long	 bridge_max_frame;	/* BRIDGE_MAX_FRAME */
	long	 bridge_queue_limit;	/* BRIDGE_QUEUE_LIMIT */
	long	 bridge_poll_max;	/* BRIDGE_POLL_MAX_SECS */
	long	 bridge_max_header;	/* BRIDGE_MAX_HEADER */
	long	 bridge_handshake;	/* BRIDGE_HANDSHAKE_SECS */
	/* webhooks and files */
	char	*webhook_url;		/* WEBHOOK_URL */
	char	*webhook_secret;	/* WEBHOOK_SECRET */
	long	 webhook_timeout_ms;	/* WEBHOOK_TIMEOUT_MS */
	long	 webhook_retries;	/* WEBHOOK_RETRIES */
	long	 webhook_retry_ms;	/* WEBHOOK_RETRY_DELAY_MS */
	bool	 webhook_notify;	/* WEBHOOK_NOTIFICATIONS */
	long	 notify_delay_ms;	/* NOTIFICATION_DELAY_MS */
	char	*hooks_socket;		/* MTCHAT_HOOKS_SOCKET */
	char	*files_dir;		/* MTCHAT_FILES_DIR */
	char	*files_secret;		/* MTCHAT_FILES_SECRET */
	long	 files_max_size;	/* MTCHAT_FILES_MAX_SIZE */
	long	 files_grace;		/* MTCHAT_FILES_GRACE_SECS */
	char	*files_sendfile;	/* MTCHAT_FILES_SENDFILE */
	char	*public_url;		/* MTCHAT_PUBLIC_URL */
	long	 upload_expiry;		/* S3_PRESIGN_UPLOAD_EXPIRY */
	long	 download_expiry;	/* S3_PRESIGN_DOWNLOAD_EXPIRY */
};

/*
 * Loads the configuration into *c: defaults, then the file `path` (NULL:
 * $MTCHAT_CONFIG, else SYSCONFDIR/mtchat.conf if it exists), then the
 * environment. On error returns MT_EINVAL (or MT_ENOMEM) with one line in
 * err, e.g. "mtchat.conf:12: ARCHIVE_AFTER_SECS: not a number"; *c is then
 * already reset. Free with cfg_reset().
 */
int	 cfg_load(struct cfg *c, const char *path, char *err, size_t errlen);
/* Frees every string of *c and zeroes it. */
void	 cfg_reset(struct cfg *c);

/* The configuration table, for `mtchat-admin config` and documentation. */
struct cfg_key_info {
	const char	*name;
	const char	*type;		/* "string", "integer", "boolean", ... */
	const char	*def;		/* default as text, "" when unset */
	const char	*desc;
	bool		 secret;
};
int	 cfg_key_count(void);
/* Fills *info for key i (0 .. cfg_key_count()-1); MT_ENOTFOUND past it. */
int	 cfg_key(int i, struct cfg_key_info *info);
/* Writes the current value of key i as text into buf (secrets masked). */
void	 cfg_value_text(const struct cfg *c, int i, char *buf, size_t len);

#endif
