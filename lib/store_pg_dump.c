/*
 * store_pg_dump.c — `mtchat-admin backup` on PostgreSQL (store_pg.h):
 * runs pg_dump in its custom format. The connection goes to pg_dump in
 * libpq's environment variables, never on its command line, which every
 * user of the machine can read in ps.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "store_pg.h"
#include "store_pg_int.h"

extern char **environ;

/* libpq's connection keywords and their environment variables. */
static const struct {
	const char	*keyword;
	const char	*env;
} pg_envs[] = {
	{ "host", "PGHOST" },
	{ "hostaddr", "PGHOSTADDR" },
	{ "port", "PGPORT" },
	{ "dbname", "PGDATABASE" },
	{ "user", "PGUSER" },
	{ "password", "PGPASSWORD" },
	{ "passfile", "PGPASSFILE" },
	{ "require_auth", "PGREQUIREAUTH" },
	{ "channel_binding", "PGCHANNELBINDING" },
	{ "service", "PGSERVICE" },
	{ "options", "PGOPTIONS" },
	{ "application_name", "PGAPPNAME" },
	{ "client_encoding", "PGCLIENTENCODING" },
	{ "connect_timeout", "PGCONNECT_TIMEOUT" },
	{ "sslmode", "PGSSLMODE" },
	{ "sslnegotiation", "PGSSLNEGOTIATION" },
	{ "requiressl", "PGREQUIRESSL" },
	{ "sslcompression", "PGSSLCOMPRESSION" },
	{ "sslcert", "PGSSLCERT" },
	{ "sslkey", "PGSSLKEY" },
	{ "sslcertmode", "PGSSLCERTMODE" },
	{ "sslrootcert", "PGSSLROOTCERT" },
	{ "sslcrl", "PGSSLCRL" },
	{ "sslcrldir", "PGSSLCRLDIR" },
	{ "sslsni", "PGSSLSNI" },
	{ "requirepeer", "PGREQUIREPEER" },
	{ "ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION" },
	{ "ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION" },
	{ "gssencmode", "PGGSSENCMODE" },
	{ "krbsrvname", "PGKRBSRVNAME" },
	{ "gsslib", "PGGSSLIB" },
	{ "gssdelegation", "PGGSSDELEGATION" },
	{ "target_session_attrs", "PGTARGETSESSIONATTRS" },
	{ "load_balance_hosts", "PGLOADBALANCEHOSTS" },
};
#define NPGENVS	(sizeof(pg_envs) / sizeof(pg_envs[0]))

static const char *
env_of(const char *keyword)
{
	size_t i;

	for (i = 0; i < NPGENVS; i++)
		if (strcmp(pg_envs[i].keyword, keyword) == 0)
			return pg_envs[i].env;
	return NULL;
}

/* Whether the environment entry kv ("NAME=value") is one of pg_envs. */
static bool
is_pg_env(const char *kv)
{
	size_t i, n = strcspn(kv, "=");

	for (i = 0; i < NPGENVS; i++)
		if (strlen(pg_envs[i].env) == n &&
		    strncmp(pg_envs[i].env, kv, n) == 0)
			return true;
	return false;
}

static void
free_env(char **env, size_t from)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = from; env[i] != NULL; i++)
		mt_free(env[i]);
	mt_free(env);
}

/*
 * Our environment with the connection of url as libpq's variables (those
 * inherited are replaced; the ones url does not set stay, as libpq reads
 * them in this process too). *nown gets the index of the first entry made
 * here, for free_env(). NULL with err set on failure.
 */
static char **
child_env(const char *url, size_t *nown, char *err, size_t errlen)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL, **env;
	size_t n = 0, i = 0;

	if ((opts = PQconninfoParse(url, &msg)) == NULL) {
		snprintf(err, errlen, "MTCHAT_DATABASE_URL: %.*s",
		    msg ? (int)strcspn(msg, "\n") : 13,
		    msg ? msg : "out of memory");
		PQfreemem(msg);
		return NULL;
	}
	while (environ[n] != NULL)
		n++;
	if ((env = mt_calloc(n + NPGENVS + 1, sizeof(*env))) == NULL)
		goto oom;
	for (n = 0; environ[n] != NULL; n++)
		if (!is_pg_env(environ[n]))
			env[i++] = environ[n];
	*nown = i;
	for (o = opts; o->keyword != NULL; o++) {
		const char *name = env_of(o->keyword);
		size_t len;

		if (o->val == NULL || *o->val == '\0')
			continue;
		if (name == NULL) {
			log_warnx("backup: pg_dump has no environment "
			    "variable for %s of MTCHAT_DATABASE_URL; it "
			    "runs without it", o->keyword);
			continue;
		}
		len = strlen(name) + strlen(o->val) + 2;
		if ((env[i] = mt_malloc(len)) == NULL)
			goto oom;
		snprintf(env[i++], len, "%s=%s", name, o->val);
	}
	PQconninfoFree(opts);
	return env;
oom:
	PQconninfoFree(opts);
	free_env(env, *nown);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* Waits for pid; 0 when it exited with 0, else err says how it ended. */
static int
wait_dump(pid_t pid, char *err, size_t errlen)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "pg_dump: %s", strerror(errno));
			return MT_EIO;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "pg_dump failed (exit status %d)",
		    WEXITSTATUS(status));
	else
		snprintf(err, errlen, "pg_dump was killed by signal %d",
		    WTERMSIG(status));
	return MT_EIO;
}

int
store_pg_dump(const struct store_pg *pg, const char *file, char *err,
    size_t errlen)
{
	char *argv[5], **env, *fileopt;
	size_t nown = 0, len = strlen(file) + sizeof("--file=");
	pid_t pid;
	int rc;

	if ((fileopt = mt_malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return MT_ENOMEM;
	}
	snprintf(fileopt, len, "--file=%s", file);
	if ((env = child_env(pg->url, &nown, err, errlen)) == NULL) {
		mt_free(fileopt);
		return MT_EINVAL;
	}
	/* its messages go to our stderr; --no-password: never a prompt */
	argv[0] = "pg_dump";
	argv[1] = "--format=custom";
	argv[2] = "--no-password";
	argv[3] = fileopt;
	argv[4] = NULL;
	rc = posix_spawnp(&pid, "pg_dump", NULL, NULL, argv, env);
	free_env(env, nown);
	mt_free(fileopt);
	if (rc == ENOENT) {
		snprintf(err, errlen, "pg_dump: not found in PATH; install "
		    "PostgreSQL's client programs (of the server's major "
		    "version or newer)");
		return MT_ENOTFOUND;
	}
	if (rc != 0) {
		snprintf(err, errlen, "pg_dump: %s", strerror(rc));
		return MT_EIO;
	}
	return wait_dump(pid, err, errlen);
}
