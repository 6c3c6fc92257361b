/*
 * send-load.c — the send-rate client of bench/pg.sh: CLIENTS threads, each
 * with one keep-alive connection to lighttpd + mtchat.fcgi, POST messages
 * as fast as answers come until COUNT messages in all have been sent.
 * Client i sends as user u(i % 10) into DIALOG number i % (number of
 * dialogs given): one dialog for all, or one each.
 *
 *   send-load HOST RPORT CLIENTS COUNT DIALOG...
 *
 * Prints one line: messages, seconds, messages/s, the p50 and p99 of a
 * send's answer time, and the answers that were not 200 (counted, not
 * retried). Not part of make check.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wsclient.h"

static const char *host;
static int rport, nclients, count, ndialogs;
static char **dialogs;
static int64_t *lat;		/* answer time of every send */
static volatile int next;	/* sends handed out so far */
static volatile int failed;	/* answers other than 200 */

#define send_all(fd, p, n)	wsc_send_all((fd), (p), (n), 1)

/* Reads one whole answer (headers and a Content-Length body); its status. */
static int
read_answer(int fd, char *resp, size_t cap)
{
	size_t got = 0;

	for (;;) {
		char *eoh, *cl;
		ssize_t r = read(fd, resp + got, cap - 1 - got);

		if (r <= 0) {
			fprintf(stderr, "send-load: connection lost\n");
			exit(1);
		}
		got += (size_t)r;
		resp[got] = '\0';
		if ((eoh = strstr(resp, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(resp, "content-length:");
		if (cl == NULL || got >= (size_t)(eoh + 4 - resp) +
		    strtoul(cl + 15, NULL, 10))
			return atoi(resp + 9);
	}
}

static void *
client(void *arg)
{
	int id = (int)(intptr_t)arg, fd = bench_connect(host, rport, 0), i;
	const char *dialog = dialogs[id % ndialogs];
	char req[1024], body[128], resp[16384];

	if (fd == -1) {
		perror("connect");
		exit(1);
	}
	while ((i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED)) < count) {
		int64_t t;
		int bl, n;

		bl = snprintf(body, sizeof(body), "{\"content\":\"<p>Send %d of"
		    " client %d, a benchmark message.</p>\"}", i, id);
		n = snprintf(req, sizeof(req), "POST /api/v1/dialogs/%s/messages"
		    "?user_id=u%d HTTP/1.1\r\nHost: r\r\nContent-Type: "
		    "application/json\r\nContent-Length: %d\r\n\r\n%s",
		    dialog, id % 10, bl, body);
		t = now_ns();
		send_all(fd, req, (size_t)n);
		if (read_answer(fd, resp, sizeof(resp)) != 200) {
			if (__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED)
			    == 0)
				fprintf(stderr, "send-load: %.80s\n", resp);
		}
		lat[i] = now_ns() - t;
	}
	close(fd);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	pthread_t *th;
	int64_t t0;
	double secs;
	int i;

	if (argc < 6) {
		fprintf(stderr, "usage: send-load HOST RPORT CLIENTS COUNT "
		    "DIALOG...\n");
		return 2;
	}
	host = argv[1];
	rport = atoi(argv[2]);
	nclients = atoi(argv[3]);
	count = atoi(argv[4]);
	dialogs = argv + 5;
	ndialogs = argc - 5;
	if (nclients < 1 || count < 1)
		return 2;
	lat = calloc((size_t)count, sizeof(*lat));
	th = calloc((size_t)nclients, sizeof(*th));
	if (lat == NULL || th == NULL)
		return 1;
	t0 = now_ns();
	for (i = 0; i < nclients; i++)
		pthread_create(&th[i], NULL, client, (void *)(intptr_t)i);
	for (i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	secs = (double)(now_ns() - t0) / 1e9;
	qsort(lat, (size_t)count, sizeof(*lat), cmp64);
	printf("sent %d in %.2f s: %.1f msg/s  p50 %.2f ms  p99 %.2f ms  "
	    "failed %d\n", count, secs, count / secs, lat[count / 2] / 1e6,
	    lat[count * 99 / 100] / 1e6, failed);
	return 0;
}
