/*
 * wake_pg.h — the receivers' wake-ups on PostgreSQL
 * (docs/postgresql.md#wake-ups-listennotify): a connection of their own
 * that LISTENs to the change-log's channel, dropped when it breaks and
 * opened again with back-off. What the datagram (wake.h) is on SQLite, for
 * the bridge and mtchat-hooks --follow, and, like it, a hint: the
 * change-log is the truth and the receiver keeps its timed look.
 */
#ifndef MT_WAKE_PG_H
#define MT_WAKE_PG_H

#include <stdint.h>

/* Longest wait between two attempts to connect, in microseconds. */
#define WAKE_PG_BACKOFF_MAX_US	5000000

struct wake_pg;

/* A listener of the database url names, not connected yet; NULL: ENOMEM. */
struct wake_pg	*wake_pg_new(const char *url);
/* Closes the connection, if any, and frees w. NULL is ok. */
void		 wake_pg_free(struct wake_pg *w);
/*
 * Connects and LISTENs, unless connected or waiting out the back-off
 * after a failure (1 s, doubled each time up to WAKE_PG_BACKOFF_MAX_US).
 * Blocks while connecting. Returns 1 when it has just connected: the
 * caller watches wake_pg_socket() and reads the change-log once, for what
 * committed while nobody listened; 0 otherwise. The first failure after a
 * success is logged, and the next success.
 */
int		 wake_pg_connect(struct wake_pg *w);
/* The socket to watch for reading; -1 while not connected. */
int		 wake_pg_socket(const struct wake_pg *w);
/*
 * Takes the wake-ups that arrived, raising *seq to the highest seq
 * announced: returns how many, 0 when not connected, or -1 when the
 * connection broke. Then the caller stops watching the socket and calls
 * wake_pg_drop().
 */
int		 wake_pg_take(struct wake_pg *w, int64_t *seq);
/* Closes a broken connection; wake_pg_connect() tries again later. */
void		 wake_pg_drop(struct wake_pg *w);

#endif
