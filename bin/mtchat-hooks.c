/*
 * mtchat-hooks.c — the webhook sender (docs/webhooks.md,
 * docs/webhooks.md#notifications with F11, F12).
 *
 * It reads the change-log after its durable cursor ("hooks"), queues a
 * signed-to-be webhook for each event that fires one and a notification
 * check for each user message (lib/store_hooks.c, one transaction with
 * the cursor), runs the checks that are due, and delivers the outbox in
 * order, one request at a time, with libcurl. A 2xx acknowledges; no
 * answer, 408, 429 or any other non-4xx status is retried after
 * WEBHOOK_RETRY_DELAY_MS, doubled each time; after WEBHOOK_RETRIES
 * retries, or at once on another 4xx, the webhook becomes a dead letter
 * (`mtchat-admin hooks replay`) and the next one goes.
 *
 * At-least-once: a webhook leaves the outbox only when acknowledged or
 * buried, so a crash re-sends at most the one in flight, with the same
 * body and X-Webhook-Id (receivers dedupe by it). No API request waits for
 * any of this.
 *
 * --once (cron) does what is due and exits, bounded by --limit and
 * --max-seconds. --follow (daemon) is woken by the datagram mtchat.fcgi
 * sends to MTCHAT_HOOKS_SOCKET after each commit (on PostgreSQL: by the
 * NOTIFY of each change-log append, on a LISTEN connection of its own,
 * lib/wake_pg.h), and looks anyway at least every second and whenever a
 * retry or check falls due. One
 * instance delivers at a time: the others wait (--follow) or leave
 * (--once) while it holds DB-hooks (flock).
 *
 * Logs event names, ids and HTTP statuses; never bodies, the URL or the
 * secret. Exit status: 0 success (also when webhooks are off or another
 * instance delivers), 1 failure, 2 usage or configuration error.
 */
#define _DEFAULT_SOURCE		/* flock() */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "hook.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "store.h"
#include "store_hooks.h"
#include "tm.h"
#include "valid.h"
#include "wake.h"
#include "wake_pg.h"

#define TAKE_BATCH	200	/* change-log rows per transaction */
#define ONCE_LIMIT	1000	/* webhooks finished per --once run */
#define ONCE_SECONDS	50	/* --once stops starting new ones after */
#define LIMIT_MAX	10000000
#define SECONDS_MAX	86400
#define TICK_US		1000000	/* --follow looks at least this often */
#define REASON_LEN	128

struct opts {
	int		 follow;
	int		 once;		/* --once given */
	int		 bounded;	/* --limit or --max-seconds given */
	long		 limit;
	long		 max_seconds;
};

struct hooks {
	const struct cfg	*c;
	const struct opts	*o;
	struct store		*st;
	CURL			*curl;
	int			 lockfd;
	int			 wakefd;	/* --follow; -1 without */
	struct wake_pg		*pgwake;	/* --follow on PostgreSQL */
	long			 finished;	/* acknowledged or buried */
	int64_t			 deadline_us;	/* --once */
};

static volatile sig_atomic_t stop;

static int	take_opt(const struct cli *, int, const char *,
		    struct cli_opts *);

static const struct option longopts[] = {
	{ "once", no_argument, NULL, '1' },
	{ "follow", no_argument, NULL, 'f' },
	{ "limit", required_argument, NULL, 'l' },
	{ "max-seconds", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli hooks_cli = {
	.name = "mtchat-hooks",
	.synopsis = "usage: mtchat-hooks [-v] [-c file] [--once] [--limit N] "
	    "[--max-seconds S]\n"
	    "       mtchat-hooks [-v] [-c file] --follow\n"
	    "       mtchat-hooks [-c file] --check-config",
	.about = "Delivers mtchat's signed webhooks (message.new, "
	    "participant.joined,\nparticipant.left, notification.pending) to "
	    "WEBHOOK_URL from the change-log.",
	.options =
	    "  -1, --once            deliver what is due and exit (the default;"
	    " for cron)\n"
	    "  -l, --limit N         --once: finish at most N webhooks "
	    "(default " CLI_STR(ONCE_LIMIT) ")\n"
	    "  -t, --max-seconds S   --once: start no delivery after S seconds "
	    "(default " CLI_STR(ONCE_SECONDS) ")\n"
	    "  -f, --follow          keep running: woken by MTCHAT_HOOKS_SOCKET"
	    "\n                        and every second\n",
	.verbose = "say what was delivered (twice: debug)",
	.shortopts = "1fl:t:",
	.longopts = longopts,
	.take = take_opt,
};

static int
take_opt(const struct cli *p, int ch, const char *arg, struct cli_opts *o)
{
	struct opts *ho = o->own;

	switch (ch) {
	case '1':
		ho->once = 1;
		return 0;
	case 'f':
		ho->follow = 1;
		return 0;
	case 'l':
		ho->bounded = 1;
		return cli_count(p, "--limit", arg, LIMIT_MAX, &ho->limit);
	case 't':
		ho->bounded = 1;
		if (valid_number(arg, 1, SECONDS_MAX, &ho->max_seconds,
		    NULL) == 0)
			return 0;
		return cli_usage_error(p, "--max-seconds: not a number from 1 "
		    "to " CLI_STR(SECONDS_MAX) ": %s", arg);
	default:
		return cli_usage(p);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Stop flags without SA_RESTART, so that poll() and flock() return. */
static void
signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * Takes the wake-ups that arrived on the LISTEN connection: how many, 0
 * when it broke (it is dropped, to connect again after a back-off).
 */
static int
pg_take(struct hooks *h)
{
	int64_t seq = 0;
	int n;

	if ((n = wake_pg_take(h->pgwake, &seq)) < 0) {
		wake_pg_drop(h->pgwake);
		return 0;
	}
	if (n > 0)	/* at -vv: tests/it/0810-pg-nodes.sh */
		log_debug("woken by NOTIFY (seq %lld)", (long long)seq);
	return n;
}

/*
 * The LISTEN connection before a wait: connected again if it was lost
 * (with back-off). Returns its socket, -1 without one, or -2 when there
 * is something to look at already: wake-ups that came during the turn,
 * or a new connection (what committed while nobody listened).
 */
static int
pg_ready(struct hooks *h)
{
	if (h->pgwake == NULL)
		return -1;
	if (wake_pg_connect(h->pgwake) == 1 || pg_take(h) > 0)
		return -2;
	return wake_pg_socket(h->pgwake);
}

/* Sleeps until until_us, a wake-up (datagram or NOTIFY) or a signal. */
static void
nap(struct hooks *h, int64_t until_us)
{
	struct pollfd p[2] = {
		{ .fd = h->wakefd, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	int64_t ms = (until_us - tm_now_us() + 999) / 1000, seq = 0;

	if (ms <= 0 || stop || (p[1].fd = pg_ready(h)) == -2)
		return;
	if (ms > INT_MAX)
		ms = INT_MAX;
	if (poll(p, 2, (int)ms) <= 0)
		return;
	if (h->wakefd >= 0)
		wake_drain(h->wakefd, &seq);
	if (p[1].revents != 0)
		(void)pg_take(h);
}

/*
 * Takes DB-hooks, the lock of the instance that delivers. --follow waits
 * for it; --once returns 1 when another instance holds it.
 */
static int
lock_take(struct hooks *h)
{
	char path[PATH_MAX];
	int said = 0;

	if (snprintf(path, sizeof(path), "%s-hooks", h->c->db_path) >=
	    (int)sizeof(path)) {
		log_warnx("%s: database path too long", __func__);
		return -1;
	}
	if ((h->lockfd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644))
	    == -1) {
		log_warn("%s", path);
		return -1;
	}
	while (flock(h->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			log_warn("%s: flock", path);
			return -1;
		}
		if (!h->o->follow || stop) {
			log_info("another mtchat-hooks is delivering");
			return 1;
		}
		if (!said++)
			log_info("another mtchat-hooks is delivering; waiting");
		nap(h, tm_now_us() + TICK_US);
	}
	return 0;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Ends a transfer in flight when a signal asked to stop. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stop ? 1 : 0;
}

/* The options every request shares. */
static int
curl_open(struct hooks *h)
{
	CURL *k;

	if ((k = h->curl = curl_easy_init()) == NULL)
		return -1;
	if (curl_easy_setopt(k, CURLOPT_URL, h->c->webhook_url) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_MAXREDIRS, 10L) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, h->c->webhook_timeout_ms)
	    != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_USERAGENT, "mtchat-hooks/"
	    MTCHAT_VERSION) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    curl_easy_setopt(k, CURLOPT_XFERINFOFUNCTION, on_progress) !=
	    CURLE_OK)
		return -1;
	return 0;
}

/* Appends "name: value" to *list; 0 or -1. */
static int
header_add(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *l;
	char line[256];

	if (snprintf(line, sizeof(line), "%s: %s", name, value) >=
	    (int)sizeof(line) || (l = curl_slist_append(*list, line)) == NULL)
		return -1;
	*list = l;
	return 0;
}

/*
 * One attempt at d: *status gets the final HTTP status (0: no answer)
 * and why a short reason. Returns -1 when a signal cut it short.
 */
static int
attempt(struct hooks *h, const struct hook_delivery *d, long *status,
    char *why, size_t whylen)
{
	const char *key = h->c->webhook_secret;
	struct curl_slist *hdrs = NULL;
	char sig[HOOK_SIG_BUF];
	CURLcode cc;

	*status = 0;
	if (hook_sign(key, strlen(key), d->body, d->len, sig) != 0 ||
	    header_add(&hdrs, "Content-Type", "application/json") != 0 ||
	    header_add(&hdrs, "X-Webhook-Signature", sig) != 0 ||
	    header_add(&hdrs, "X-Webhook-Event", d->event) != 0 ||
	    header_add(&hdrs, "X-Webhook-Id", d->event_id) != 0 ||
	    (hdrs = curl_slist_append(hdrs, "Expect:")) == NULL) {
		curl_slist_free_all(hdrs);
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)d->len);
	cc = curl_easy_perform(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (cc == CURLE_ABORTED_BY_CALLBACK && stop)
		return -1;
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "%s", curl_easy_strerror(cc));
		return 0;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	snprintf(why, whylen, "HTTP %ld", *status);
	return 0;
}

/* Delivers d once and records the outcome; 0 or an MT_E* of the store. */
static int
deliver(struct hooks *h, const struct hook_delivery *d)
{
	char why[REASON_LEN];
	enum hook_outcome out;
	int n = d->attempts + 1;
	int64_t wait;
	long status;

	if (attempt(h, d, &status, why, sizeof(why)) < 0)
		return 0;	/* stopping: it stays first in the outbox */
	out = status != 0 ? hook_outcome(status) : HOOK_RETRY;
	if (out == HOOK_ACK) {
		log_info("%s %s: delivered (%s, attempt %d)", d->event,
		    d->event_id, why, n);
		h->finished++;
		return store_hooks_ack(h->st, d->id);
	}
	if (out == HOOK_RETRY && n <= h->c->webhook_retries) {
		wait = hook_backoff_ms(h->c->webhook_retry_ms, n);
		log_info("%s %s: %s; retry %d in %lld ms", d->event,
		    d->event_id, why, n, (long long)wait);
		return store_hooks_retry(h->st, d->id, n,
		    tm_now_us() + wait * 1000, why);
	}
	log_warnx("%s %s: %s after %d attempt%s: kept as a dead letter "
	    "(mtchat-admin hooks replay)", d->event, d->event_id, why, n,
	    n == 1 ? "" : "s");
	h->finished++;
	return store_hooks_bury(h->st, d->id, n, why);
}

/* Queues the new change-log events and the notifications now due. */
static int
fill(struct hooks *h)
{
	struct hooks_take t = {
		.cursor = HOOKS_CURSOR, .limit = TAKE_BATCH,
		.notify = h->c->webhook_notify,
		.notify_delay_us = (int64_t)h->c->notify_delay_ms * 1000,
	};
	int rows, checks, queued, rc;

	do {
		if ((rc = store_hooks_take(h->st, &t, &rows, &queued)) != 0)
			return rc;
		if (queued > 0)
			log_debug("queued %d webhook%s from %d change-log "
			    "rows", queued, queued == 1 ? "" : "s", rows);
	} while (rows == TAKE_BATCH && !stop &&
	    (h->o->follow || tm_now_us() < h->deadline_us));
	do {
		if ((rc = store_hooks_notify(h->st, tm_now_us(), &checks,
		    &queued)) != 0)
			return rc;
		if (checks > 0)
			log_debug("%d notification check%s: %d to send",
			    checks, checks == 1 ? "" : "s", queued);
	} while (checks == HOOKS_NOTIFY_BATCH && !stop);
	return 0;
}

/* When --follow looks again: a retry or a check due, at most a tick. */
static int64_t
next_look(struct hooks *h, int64_t head_at)
{
	int64_t now = tm_now_us(), next = now + TICK_US, due;

	if (head_at < next)
		next = head_at;
	if (store_hooks_notify_next(h->st, &due) == 0 && due < next)
		next = due;
	return next;
}

/* One turn: 1 to go on at once, 0 to wait until *until, or MT_E*. */
static int
turn(struct hooks *h, int64_t *until)
{
	struct hook_delivery d;
	int rc;

	*until = INT64_MAX;
	if ((rc = fill(h)) != 0)
		return rc;
	if ((rc = store_hooks_head(h->st, &d)) == MT_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (d.next_at > tm_now_us()) {
		*until = d.next_at;
		store_hooks_delivery_reset(&d);
		return 0;
	}
	if (!h->o->follow && (h->finished >= h->o->limit ||
	    tm_now_us() >= h->deadline_us)) {
		log_info("stopped at --%s; more is due",
		    h->finished >= h->o->limit ? "limit" : "max-seconds");
		store_hooks_delivery_reset(&d);
		return 0;
	}
	rc = deliver(h, &d);
	store_hooks_delivery_reset(&d);
	return rc == 0 ? 1 : rc;
}

static int
run_loop(struct hooks *h)
{
	int64_t until;
	int rc;

	while (!stop) {
		if ((rc = turn(h, &until)) == 1)
			continue;
		if (rc == MT_EBUSY && h->o->follow) {
			nap(h, tm_now_us() + TICK_US);	/* logged already */
			continue;
		}
		if (rc != 0) {
			log_warnx("stopping: %s", mt_strerror(rc));
			return 1;
		}
		if (!h->o->follow) {
			/* --once waits only for a retry within its time. */
			if (until == INT64_MAX || until > h->deadline_us)
				break;
			nap(h, until);
			continue;
		}
		nap(h, next_look(h, until));
	}
	return 0;
}

/*
 * The database, the lock, libcurl and the wake-up socket, each undone by
 * hooks_close(). 0, 1 when another instance delivers (--once), or -1.
 */
static int
hooks_open(struct hooks *h)
{
	struct store_opts so;
	char err[STORE_ERR_LEN];
	int rc;

	store_opts_init(&so, h->c);
	if (store_open(&h->st, &so, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	if ((rc = lock_take(h)) != 0)
		return rc;
	if (curl_open(h) != 0) {
		log_warnx("cannot set up libcurl");
		return -1;
	}
	if (h->o->follow && *h->c->hooks_socket != '\0' &&
	    (h->wakefd = wake_listen(h->c->hooks_socket)) == -1)
		log_warn("wake-up socket %s (looking every second)",
		    h->c->hooks_socket);
	if (h->o->follow && *h->c->database_url != '\0') {
		if ((h->pgwake = wake_pg_new(h->c->database_url)) == NULL)
			log_warnx("LISTEN: out of memory (looking every "
			    "second)");
		else
			(void)wake_pg_connect(h->pgwake);
	}
	return 0;
}

static void
hooks_close(struct hooks *h)
{
	wake_pg_free(h->pgwake);
	if (h->wakefd >= 0) {
		close(h->wakefd);
		unlink(h->c->hooks_socket);
	}
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->lockfd >= 0)
		close(h->lockfd);
	store_close(h->st);
}

/* Whether webhooks are on; else says why not (quietly when unset). */
static bool
webhooks_on(const struct cfg *c)
{
	if (hook_enabled(c))
		return true;
	if (c->webhook_url != NULL && *c->webhook_url != '\0')
		log_warnx("WEBHOOK_URL is set but WEBHOOK_SECRET is not: "
		    "webhooks are off (set WEBHOOK_SECRET, even empty)");
	else
		log_info("WEBHOOK_URL is not set: webhooks are off");
	return false;
}

static int
run(const struct cfg *c, const struct opts *o)
{
	struct hooks h = {
		.c = c, .o = o, .lockfd = -1, .wakefd = -1,
		.deadline_us = tm_now_us() + (int64_t)o->max_seconds * 1000000,
	};
	int rc;

	if (!webhooks_on(c))
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("cannot initialise libcurl");
		return 1;
	}
	signals_init();
	if ((rc = hooks_open(&h)) == 0)
		rc = run_loop(&h);
	else
		rc = rc > 0 ? 0 : 1;	/* another instance delivers */
	hooks_close(&h);
	curl_global_cleanup();
	return rc;
}

/*
 * What a start checks beyond cfg_load(), --check-config included: whom
 * root would become (pu) and, with webhooks on, WEBHOOK_URL's scheme.
 * 0, or CLI_EXIT_USAGE after saying why.
 */
static int
check_cfg(const struct cfg *c, struct proc_user *pu)
{
	const char *url = c->webhook_url;
	char err[PROC_ERR_LEN];

	if (proc_user_get(c->run_user, c->allow_root, pu, err, sizeof(err)) !=
	    0)
		return cli_config_error(&hooks_cli, "%s", err);
	if (hook_enabled(c) && strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0)
		return cli_config_error(&hooks_cli, "WEBHOOK_URL: not an "
		    "http:// or https:// URL");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .limit = ONCE_LIMIT, .max_seconds = ONCE_SECONDS };
	struct cli_opts co = { .own = &o };
	struct proc_user pu;
	struct cfg c;
	char err[PROC_ERR_LEN];
	int status;

	if ((status = cli_parse(&hooks_cli, argc, argv, &co)) != CLI_RUN)
		return status;
	if (o.follow && (o.once || o.bounded))
		return cli_usage_error(&hooks_cli, "--follow: --once, --limit "
		    "and --max-seconds are for cron runs");
	if ((status = cli_config(&hooks_cli, &co, &c)) != CLI_RUN)
		return status;
	if ((status = check_cfg(&c, &pu)) != 0) {
		cfg_reset(&c);
		return status;
	}
	if (co.check_config)
		return cli_config_ok(&c);
	cli_log_init(&hooks_cli, &co, &c);
	/* Started as root: nothing is open yet, so root goes at once. */
	if (proc_user_drop(&pu, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		cfg_reset(&c);
		return 1;
	}
	json_init();
	status = run(&c, &o);
	cfg_reset(&c);
	return status;
}
