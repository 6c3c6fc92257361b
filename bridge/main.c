/*
 * main.c — mtchat-bridge: the WebSocket endpoint /api/v1/ws and the held
 * long-poll /api/v1/events, fed by the change-log (docs/events.md). Reads top
 * to bottom: options, configuration, logging, the listening sockets, root
 * dropped (MTCHAT_USER), descriptors, store, membership, the libwebsockets
 * context, signals, the loop, the tear-down.
 *
 * Exit status: 0 after a clean stop, 1 on a failure, 2 on a usage or
 * configuration error.
 */
#define _DEFAULT_SOURCE		/* daemon(3) */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include "auth.h"
#include "bridge.h"
#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "evloop.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "ratelimit.h"
#include "mem.h"
#include "presence.h"
#include "store.h"
#include "tm.h"
#include "valid.h"
#include "wake.h"

#define STOP_GRACE_US	(2 * LWS_US_PER_SEC)	/* for close frames */
#define HEADER_SLACK	512	/* header bytes accept.c may add */

volatile sig_atomic_t bridge_signalled;

struct opts {
	bool		 daemon;	/* detach, log to syslog */
};

static const lws_retry_bo_t no_validity;	/* no lws keep-alive timers */

static int	wake_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static struct lws_protocols protocols[] = {
	{ "mtchat", ws_callback, sizeof(struct conn), 1024, 0, NULL, 1 << 20 },
	{ "mtchat-wake", wake_callback, 0, 0, 0, NULL, 0 },
	{ "mtchat-listen", accept_listen_callback, 0, 0, 0, NULL, 0 },
	{ "mtchat-pre", accept_pre_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

struct bridge *
bridge_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static int	take_opt(const struct cli *, int, const char *,
		    struct cli_opts *);

static const struct option longopts[] = {
	{ "daemon", no_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli bridge_cli = {
	.name = "mtchat-bridge",
	.synopsis = "usage: mtchat-bridge [-dv] [-c file] [--check-config]",
	.about = "Serves WebSockets (/api/v1/ws) and held long-polls "
	    "(/api/v1/events) from\nthe mtchat change-log.",
	.options =
	    "  -d, --daemon          detach and log to syslog (for hosts with "
	    "no\n"
	    "                        supervisor; systemd or runit want the "
	    "default)\n",
	.verbose = "info lines (connect, disconnect); -vv debug",
	.shortopts = "d",
	.longopts = longopts,
	.take = take_opt,
};

static int
take_opt(const struct cli *p, int ch, const char *arg, struct cli_opts *o)
{
	struct opts *bo = o->own;

	(void)arg;
	if (ch != 'd')
		return cli_usage(p);
	bo->daemon = true;
	return 0;
}

/*
 * What a start checks beyond cfg_load(), --check-config included: an
 * address to listen on, the presence instance (into instance), the JWT
 * keys (*keys) and whom root would become (pu). 0, or CLI_EXIT_USAGE after
 * saying why.
 */
static int
check_cfg(const struct cfg *c, struct auth_keys **keys,
    struct proc_user *pu, char *instance, size_t len)
{
	char err[PROC_ERR_LEN];

	if ((c->bridge_listen == NULL || *c->bridge_listen == '\0') &&
	    (c->bridge_unix_listen == NULL ||
	    *c->bridge_unix_listen == '\0'))
		return cli_config_error(&bridge_cli, "neither BRIDGE_LISTEN "
		    "nor BRIDGE_UNIX_LISTEN is set");
	if (presence_instance(c, instance, len) != 0)
		return cli_config_error(&bridge_cli, "BRIDGE_INSTANCE: more "
		    "than %d bytes", BRIDGE_INSTANCE_MAX);
	if (auth_keys_new(c, keys) != 0)
		return cli_config_error(&bridge_cli, "JWT_AUTH_ENABLED needs "
		    "JWT_SECRET or JWT_SECRETS");
	if (proc_user_get(c->run_user, c->allow_root, pu, err, sizeof(err)) !=
	    0)
		return cli_config_error(&bridge_cli, "%s", err);
	return 0;
}

/* As many descriptors as allowed: connections are descriptors. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("setrlimit");
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	bridge_signalled = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
open_store(struct bridge *b, const struct cfg *c)
{
	struct store_opts o;
	char err[STORE_ERR_LEN];
	int rc;

	store_opts_init(&o, c);
	if (store_open(&b->st, &o, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	if ((rc = members_load(b)) != 0) {
		log_warnx("loading participants: %s", mt_strerror(rc));
		return -1;
	}
	if (ratelimit_open_cfg(c, &b->rl, err, sizeof(err)) != 0) {
		log_warnx("rate limiting: %s", err);
		return -1;
	}
	if (ratelimit_open_authfail(c, &b->authfail, err, sizeof(err)) != 0)
		log_warnx("AUTH_FAILURES_PER_MINUTE: %s: failed token checks "
		    "are not limited", err);
	return 0;
}

static int
wake_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bridge *b = bridge_of(wsi);
	int64_t seq = 0;

	(void)user;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_RAW_RX_FILE) {
		if (wake_drain(b->wake_fd, &seq) > 0 && !b->stopping)
			tail_run(b);
	}
	return 0;
}

/*
 * The one vhost: it listens on nothing itself, accept.c hands it every
 * connection once the request header is read.
 */
static struct lws_vhost *
make_vhost(struct bridge *b)
{
	struct lws_context_creation_info i;
	struct lws_vhost *vh;

	memset(&i, 0, sizeof(i));
	i.vhost_name = "mtchat";
	i.protocols = protocols;
	i.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	i.retry_and_idle_policy = &no_validity;
	i.timeout_secs = (unsigned int)b->cfg->bridge_handshake;
	if ((vh = lws_create_vhost(b->ctx, &i)) == NULL)
		log_warnx("cannot create the libwebsockets vhost");
	return vh;
}

/*
 * The context on an epoll loop of libev (lws's evlib-ev plugin): lws's own
 * poll() loop scans every descriptor on every wake-up, O(connections) per
 * event. Without the plugin, the poll() loop.
 */
static struct lws_context *
create_on_libev(struct bridge *b, struct lws_context_creation_info *i)
{
	void *foreign[1];
	struct lws_context *ctx;

	if ((b->loop = evloop_new()) == NULL)
		return NULL;
	foreign[0] = b->loop;
	i->foreign_loops = foreign;
	i->options |= LWS_SERVER_OPTION_LIBEV;
	ctx = lws_create_context(i);
	i->foreign_loops = NULL;
	i->options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
	if (ctx == NULL) {
		evloop_free(b->loop);
		b->loop = NULL;
		log_warnx("no libev event loop (libwebsockets-evlib-ev):"
		    " using poll()");
	}
	return ctx;
}

static int
make_context(struct bridge *b)
{
	struct lws_context_creation_info i;
	const struct cfg *c = b->cfg;
	long hdr = c->bridge_max_header + HEADER_SLACK;

	memset(&i, 0, sizeof(i));
	i.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_DISABLE_IPV6;
	i.user = b;
	/* accept.c bounds the header; libwebsockets must take what it took */
	i.max_http_header_data = (unsigned short)(hdr > 65535 ? 65535 : hdr);
	/* Held polls give their header table back; this only bounds requests
	 * being parsed at once (tables are allocated on demand). */
	i.max_http_header_pool = (unsigned short)(c->bridge_max_conns > 65535 ?
	    65535 : c->bridge_max_conns);
	i.timeout_secs = (unsigned int)c->bridge_handshake;
	i.retry_and_idle_policy = &no_validity;
	i.pt_serv_buf_size = 32768;
	if ((b->ctx = create_on_libev(b, &i)) == NULL &&
	    (b->ctx = lws_create_context(&i)) == NULL) {
		log_warnx("cannot create the libwebsockets context");
		return -1;
	}
	if ((b->vh = make_vhost(b)) == NULL || accept_watch(b) != 0)
		return -1;
	return 0;
}

/* The writers' wake-up datagrams; without them the timer still tails. */
static void
adopt_wake(struct bridge *b)
{
	lws_sock_file_fd_type fd;

	b->wake_fd = -1;
	if (b->cfg->bridge_socket == NULL || *b->cfg->bridge_socket == '\0')
		return;
	if ((b->wake_fd = wake_listen(b->cfg->bridge_socket)) == -1) {
		log_warn("wake-up socket %s (tailing every second)",
		    b->cfg->bridge_socket);
		return;
	}
	fd.filefd = b->wake_fd;
	if (lws_adopt_descriptor_vhost(b->vh, LWS_ADOPT_RAW_FILE_DESC, fd,
	    "mtchat-wake", NULL) == NULL) {
		log_warnx("cannot watch the wake-up socket");
		close(b->wake_fd);
		b->wake_fd = -1;
	}
}

/* The presence tick's period: a second, or a third of the TTL if less. */
static lws_usec_t
tick_every(const struct bridge *b)
{
	lws_usec_t third = presence_ttl_us(b->cfg) / 3;

	return third < LWS_US_PER_SEC ? third : LWS_US_PER_SEC;
}

static void
tick_timer(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, sul_tick);

	presence_tick(b);
	lws_sul_schedule(b->ctx, 0, &b->sul_tick, tick_timer, tick_every(b));
}

/* Stop: everybody offline, a close frame on every socket, polls answered. */
static void
stop_begin(struct bridge *b)
{
	struct conn *c;

	log_info("stopping: %d connections", b->nconns);
	presence_flush(b);
	b->stopping = true;
	presence_all_offline(b);
	for (c = b->conns; c != NULL; c = c->anext) {
		c->closing = true;
		if (c->kind == CONN_POLL)
			poll_wake(b, c);
		else
			lws_callback_on_writable(c->wsi);
	}
	poll_flush(b);
}

static void
run(struct bridge *b)
{
	int64_t deadline = 0;

	tail_schedule(b, 1);
	lws_sul_schedule(b->ctx, 0, &b->sul_tick, tick_timer, tick_every(b));
	for (;;) {
		if (bridge_signalled && !b->stopping) {
			stop_begin(b);
			deadline = tm_now_us() + STOP_GRACE_US;
		}
		if (b->stopping && (b->nconns == 0 || tm_now_us() > deadline))
			break;
		if (b->loop != NULL)
			evloop_run_once(b->loop);
		else if (lws_service(b->ctx, 0) < 0)
			break;
	}
}

/*
 * libwebsockets' lines, through our log. Its adoption of a socket with
 * bytes already read (every connection, accept.c) logs at error level;
 * those lines are dropped.
 */
static void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	if (strstr(line, "adopt_socket_readbuf") != NULL)
		return;
	while (n > 0 && line[n - 1] == '\n')
		n--;
	if (level & LLL_ERR)
		log_warnx("libwebsockets: %.*s", (int)n, line);
	else
		log_info("libwebsockets: %.*s", (int)n, line);
}

/*
 * One bridge per wake-up socket (a lock file beside it) and per listening
 * address: 0 when this one may run, 1 when another already does (an
 * idempotent `--daemon` from cron then exits 0), -1 on a failure.
 */
static int
claim(struct bridge *b)
{
	const char *sock = b->cfg->bridge_socket;
	char path[4096];
	bool in_use;

	if (sock != NULL && *sock != '\0' &&
	    (size_t)snprintf(path, sizeof(path), "%s.lock", sock) <
	    sizeof(path) && (b->lock_fd = open(path, O_RDWR | O_CREAT |
	    O_CLOEXEC, 0600)) != -1 && flock(b->lock_fd, LOCK_EX | LOCK_NB)) {
		log_info("another mtchat-bridge holds %s", path);
		return 1;
	}
	if (accept_open(b, &in_use) != 0) {
		if (in_use)
			log_info("another server listens on the bridge's "
			    "address");
		return in_use ? 1 : -1;
	}
	return 0;
}

/*
 * Tests only: MTCHAT_TEST_STORE_FAULTS ("IOERR:every:3", store.h) makes
 * the store calls fail from here on, start-up done, so that a test can
 * see the tail retry its reads and skip nothing. Never set in production.
 */
static void
test_faults(void)
{
	const char *spec = getenv("MTCHAT_TEST_STORE_FAULTS");

	if (spec == NULL || *spec == '\0')
		return;
	if (store_fault_parse(spec) != 0)
		log_warnx("MTCHAT_TEST_STORE_FAULTS: %s: not KIND:MODE:N",
		    spec);
	else
		log_warnx("storage faults injected: %s (tests only)", spec);
}

/*
 * Tests only: MTCHAT_TEST_TAIL_SECS (1 to 3600) stretches the fallback
 * tail's period, so that a test sees events come by wake-ups alone
 * (tests/it/0810-pg-nodes.sh). Never set in production.
 */
static void
test_tail(struct bridge *b)
{
	const char *secs = getenv("MTCHAT_TEST_TAIL_SECS");
	long n;

	if (secs == NULL || *secs == '\0')
		return;
	if (valid_number(secs, 1, 3600, &n, NULL) != 0) {
		log_warnx("MTCHAT_TEST_TAIL_SECS: %s: not 1 to 3600", secs);
		return;
	}
	b->tail_every = (lws_usec_t)n * LWS_US_PER_SEC;
	log_warnx("tailing every %ld s (tests only)", n);
}

/*
 * Started as root: root is dropped once the sockets are bound. The lock
 * file and a Unix listening socket made as root are given to the user
 * first, so that a later start as that user can take them.
 */
static int
drop_root(struct bridge *b, const struct proc_user *pu)
{
	const char *ul = b->cfg->bridge_unix_listen;
	char err[PROC_ERR_LEN];

	if (!pu->drop)
		return 0;
	if (b->lock_fd != -1 && fchown(b->lock_fd, pu->uid, pu->gid) == -1)
		log_warn("lock file");
	if (b->unix_bound && chown(ul, pu->uid, pu->gid) == -1)
		log_warn("%s", ul);
	if (proc_user_drop(pu, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	log_info("running as %s", pu->name);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cli_opts co = { .own = &o };
	struct proc_user pu;
	struct cfg c;
	struct bridge b;
	int status;

	if ((status = cli_parse(&bridge_cli, argc, argv, &co)) != CLI_RUN)
		return status;
	json_init();
	if ((status = cli_config(&bridge_cli, &co, &c)) != CLI_RUN)
		return status;
	memset(&b, 0, sizeof(b));
	b.cfg = &c;
	b.tail_every = LWS_US_PER_SEC;
	b.wake_fd = b.lock_fd = b.spare_fd = -1;
	if ((status = check_cfg(&c, &b.keys, &pu, b.instance,
	    sizeof(b.instance))) != 0 || co.check_config) {
		auth_keys_free(b.keys);
		if (status == 0)
			return cli_config_ok(&c);
		cfg_reset(&c);
		return status;
	}
	status = 1;
	/* the larger of -v and LOG_VERBOSE; --daemon logs to syslog */
	log_init(bridge_cli.name, c.log_syslog || o.daemon,
	    co.verbose > c.log_verbose ? co.verbose : (int)c.log_verbose);
	switch (claim(&b)) {
	case 0:
		break;
	case 1:		/* already running: what a cron --daemon wants */
		if (!o.daemon)
			log_warnx("another mtchat-bridge is running");
		status = o.daemon ? 0 : 1;
		goto out;
	default:
		goto out;
	}
	/* Keeps the working directory: relative paths in the config hold. */
	if (o.daemon && daemon(1, 0) == -1)
		fatal("daemon");
	if (drop_root(&b, &pu) != 0)
		goto out;
	lws_set_log_level(LLL_ERR | (co.verbose > 1 ? LLL_WARN : 0), lws_log);
	raise_nofile();
	signals();
	if (open_store(&b, &c) == 0 && make_context(&b) == 0 &&
	    btimer_init(&b, &b.t_flush, presence_flush) == 0 &&
	    btimer_init(&b, &b.t_pump, presq_pump) == 0) {
		adopt_wake(&b);
		listen_start(&b);
		presence_start(&b);
		test_faults();
		test_tail(&b);
		log_info("listening as %s (cursor %lld)", b.instance,
		    (long long)b.cursor);
		run(&b);
		status = 0;
	}
out:
	listen_stop(&b);
	btimer_fini(&b.t_flush);
	btimer_fini(&b.t_pump);
	if (b.ctx != NULL)
		lws_context_destroy(b.ctx);
	evloop_free(b.loop);
	poll_fini(&b);
	presq_fini(&b);
	accept_fini(&b);
	if (b.lock_fd != -1)
		close(b.lock_fd);
	ratelimit_close(b.authfail);
	ratelimit_close(b.rl);
	members_free(&b);
	auth_keys_free(b.keys);
	store_close(b.st);
	cfg_reset(&c);
	return status;
}
