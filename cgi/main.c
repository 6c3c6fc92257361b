/*
 * main.c — mtchat.fcgi: a persistent FastCGI responder serving the whole
 * REST API (Chat, Management, health, polling). It opens the database once
 * and keeps its prepared statements; started outside FastCGI it serves one
 * request as plain CGI and exits.
 */
#include <fastcgi.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "hook.h"
#include "files.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "ratelimit.h"
#include "req.h"
#include "route.h"
#include "store.h"
#include "transport.h"
#include "wake.h"
#include "writer.h"

static const struct cli fcgi_cli = {
	.name = "mtchat.fcgi",
	.synopsis = "usage: mtchat.fcgi [-v] [-c file] [--check-config]",
	.about = "Run by a web server as a FastCGI application (or as a CGI\n"
	    "program); see INSTALL and mtchat.fcgi(8).",
	.verbose = "log info lines (twice: debug)",
};

static const char *
fcgi_getenv(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);
}

static long
fcgi_read(void *ctx, char *buf, size_t len)
{
	return FCGX_GetStr(buf, len > 65536 ? 65536 : (int)len,
	    ((FCGX_Request *)ctx)->in);
}

static int
fcgi_write(void *ctx, const char *buf, size_t len)
{
	return FCGX_PutStr(buf, (int)len, ((FCGX_Request *)ctx)->out) ==
	    (int)len ? 0 : -1;
}

static const char *
cgi_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static long
cgi_read(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	return (long)read(STDIN_FILENO, buf, len);
}

static int
cgi_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ?
	    0 : -1;
}

/*
 * glibc gives each thread that allocates at once an arena of its own, up
 * to eight per core, and keeps what a big request freed in its arena:
 * 30 creates of 5,000-participant dialogs left 16 threads at 1.1 GB, idle
 * (bench/mem-manage.sh). Two arenas bound that; after a request that
 * moved more than BIG_REQUEST bytes, malloc_trim() gives the free pages
 * of every arena back (a few hundred microseconds, rare requests).
 */
#define MALLOC_ARENAS	2
#define BIG_REQUEST	(256 * 1024)

static void
mem_init(void)
{
#ifdef M_ARENA_MAX
	(void)mallopt(M_ARENA_MAX, MALLOC_ARENAS);
#endif
}

static void
mem_settle(size_t moved)
{
#ifdef __GLIBC__
	if (moved > BIG_REQUEST)
		(void)malloc_trim(0);
#else
	(void)moved;
#endif
}

/* One request: in, through the router, out. */
static void
serve(struct app *app, const struct transport *t)
{
	struct req r;
	size_t moved;

	memset(&r, 0, sizeof(r));
	if (req_fill(&r, t, app->cfg->max_body) != 0)
		reply_failure(&r, MT_ENOMEM);
	else if (!r.answered)
		route_dispatch(&r, app);
	if (req_write(&r, t) != 0)
		log_debug("%s: client went away", __func__);
	log_debug("%s %s %d", r.method, r.path ? r.path : "?", r.status);
	moved = r.body_len + r.out.len;
	req_reset(&r);
	mem_settle(moved);
}

/*
 * Whether the server connects over a Unix socket. libfcgi closes each
 * connection by shutdown(), then waiting for the server to close its end:
 * on TCP that keeps unread input from turning the close into a reset that
 * could destroy the answer, but on a Unix socket what was written is already
 * in the server's queue, so the wait (a poll and a wake-up per request) is
 * skipped: the request is detached, which makes libfcgi just close().
 */
static bool unix_listener;

static void
check_listener(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	unix_listener = getsockname(FCGI_LISTENSOCK_FILENO,
	    (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX;
}

/* FCGX_Accept_r() is not safe to call from two threads at once. */
static pthread_mutex_t accept_mu = PTHREAD_MUTEX_INITIALIZER;

/* A thread's loop: accept, serve, finish, until the server goes away. */
static void *
serve_fastcgi_loop(void *arg)
{
	struct app *app = arg;
	FCGX_Request fr;
	struct transport t = { fcgi_getenv, fcgi_read, fcgi_write, &fr };
	int rc;

	if (FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_warnx("cannot initialise a FastCGI request");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&accept_mu);
		rc = FCGX_Accept_r(&fr);
		pthread_mutex_unlock(&accept_mu);
		if (rc < 0)
			break;
		serve(app, &t);
		if (unix_listener)	/* no lingering close: see unix_listener */
			FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	if (app->writer != NULL)	/* the socket failed: stop them all */
		kill(getpid(), SIGTERM);
	return NULL;
}

/* Another connection to app's database, or NULL (logged). */
static struct store *
open_connection(const struct app *app)
{
	char err[STORE_ERR_LEN];
	struct store *st;

	if (store_open(&st, &app->store_opts, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return NULL;
	}
	return st;
}

/* A thread's own app: the shared parts, its own connection for reads. */
static int
worker_open(struct app *w, const struct app *app, struct writer *writer)
{
	*w = *app;
	w->writer = writer;
	return (w->store = open_connection(app)) != NULL ? 0 : -1;
}

/*
 * The main thread waits for the server's SIGTERM (or SIGINT, or SIGUSR1:
 * libfcgi's graceful stop), then shuts the listening socket, which wakes
 * the threads blocked in accept(); requests in progress are finished.
 */
static void
wait_for_stop(const sigset_t *stop)
{
	int sig;

	while (sigwait(stop, &sig) != 0)
		;
	log_info("signal %d: finishing the requests in progress", sig);
	FCGX_ShutdownPending();
	shutdown(FCGI_LISTENSOCK_FILENO, SHUT_RDWR);
}

/*
 * MTCHAT_FCGI_THREADS threads, each with its own connection for reads;
 * their writes share app's connection through a writer (group commit),
 * which checkpoints SQLite's WAL on a connection of its own.
 */
static int
serve_threads(struct app *app, size_t n)
{
	struct app *apps = mt_calloc(n, sizeof(*apps));
	pthread_t *tids = mt_calloc(n, sizeof(*tids));
	/* SQLite's WAL only: PostgreSQL checkpoints by itself */
	struct store *ck = *app->cfg->database_url == '\0' ?
	    open_connection(app) : NULL;	/* NULL: the database's own */
	struct writer *writer = writer_new(app->store, ck);
	struct writer_stats ws;
	size_t i, started = 0;
	sigset_t stop, blocked;

	if (apps == NULL || tids == NULL || writer == NULL)
		fatalx("out of memory");
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGUSR1);
	blocked = stop;		/* SIGALRM: the writer's lock wait (store.c) */
	sigaddset(&blocked, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	for (i = 0; i < n; i++) {
		if (worker_open(&apps[i], app, writer) != 0)
			break;
		if (pthread_create(&tids[i], NULL, serve_fastcgi_loop,
		    &apps[i]) != 0) {
			log_warnx("cannot start a thread");
			store_close(apps[i].store);
			break;
		}
		started++;
	}
	if (started > 0)
		wait_for_stop(&stop);
	for (i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		store_close(apps[i].store);
	}
	writer_stats(writer, &ws);
	log_info("%lu writes in %lu commits, %lu checkpoints", ws.writes,
	    ws.commits, ws.checkpoints);
	writer_free(writer);
	store_close(ck);
	mt_free(tids);
	mt_free(apps);
	return started == n ? 0 : 1;
}

static int
serve_fastcgi(struct app *app)
{
	if (FCGX_Init() != 0) {
		log_warnx("cannot initialise FastCGI");
		return 1;
	}
	check_listener();
	if (app->cfg->fcgi_threads > 1)
		return serve_threads(app, (size_t)app->cfg->fcgi_threads);
	serve_fastcgi_loop(app);
	return 0;
}

/* Opens what lives for the whole process; exits with one line on failure. */
static void
app_open(struct app *app, const struct cfg *c, struct files_cfg *files)
{
	char err[STORE_ERR_LEN];

	app->cfg = c;
	files_cfg_init(files, c);
	app->files = files;
	store_opts_init(&app->store_opts, c);
	app->store_opts.files = files;
	if (store_open(&app->store, &app->store_opts, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (c->jwt_enabled && auth_keys_new(c, &app->keys) != 0)
		fatalx("JWT_AUTH_ENABLED needs a non-empty JWT secret");
	/*
	 * Commits wake the bridge, and mtchat-hooks when webhooks are on; on
	 * PostgreSQL the NOTIFY of the transaction does (app->wake NULL).
	 */
	if (*c->database_url == '\0')
		app->wake = wake_open_all((const char *const []){
		    c->bridge_socket, hook_enabled(c) ? c->hooks_socket : NULL },
		    2);
	if (ratelimit_open_cfg(c, &app->rl, err, sizeof(err)) != 0)
		fatalx("rate limiting: %s", err);
	/* A courtesy limit: without its file, serve and say so. */
	if (ratelimit_open_authfail(c, &app->authfail, err, sizeof(err)) != 0)
		log_warnx("AUTH_FAILURES_PER_MINUTE: %s: failed token checks "
		    "are not limited", err);
	if (c->admin_token == NULL || *c->admin_token == '\0')
		log_warnx("ADMIN_API_TOKEN is not set: the Management API is "
		    "open to anyone who can reach it");
}

static void
app_close(struct app *app)
{
	ratelimit_close(app->authfail);
	ratelimit_close(app->rl);
	wake_close(app->wake);
	auth_keys_free(app->keys);
	store_close(app->store);
}

int
main(int argc, char *argv[])
{
	struct transport cgi = { cgi_getenv, cgi_read, cgi_write, NULL };
	struct cli_opts co = { 0 };
	struct app app = { 0 };
	struct files_cfg files;
	struct cfg c;
	int status;

	if ((status = cli_parse(&fcgi_cli, argc, argv, &co)) != CLI_RUN ||
	    (status = cli_config(&fcgi_cli, &co, &c)) != CLI_RUN)
		return status;
	if (co.check_config)
		return cli_config_ok(&c);
	cli_log_init(&fcgi_cli, &co, &c);
	json_init();
	mem_init();
	store_threads_init();
	signal(SIGPIPE, SIG_IGN);
	app_open(&app, &c, &files);
	if (FCGX_IsCGI()) {
		serve(&app, &cgi);
		status = 0;
	} else
		status = serve_fastcgi(&app);
	app_close(&app);
	cfg_reset(&c);
	return status;
}
