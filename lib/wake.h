/*
 * wake.h — the best-effort wake-up datagram from writers to the bridge (and
 * to mtchat-hooks). A lost datagram delays an event by at most the
 * receiver's fallback timer; the change-log, not the datagram, is the truth.
 */
#ifndef MT_WAKE_H
#define MT_WAKE_H

#include <stdint.h>

struct wake;

/*
 * Prepares a sender for the bridge's socket at path. NULL when path is empty
 * or too long, or no socket could be made (then wake_send() is a no-op).
 */
struct wake	*wake_open(const char *path);
#define WAKE_MAX	4
/*
 * As wake_open() for up to WAKE_MAX sockets at once (NULL or empty paths
 * are skipped): each wake_send() then reaches every one. NULL when none
 * is usable.
 */
struct wake	*wake_open_all(const char *const *paths, int n);
/*
 * Sends "seq" to each socket without blocking; a missing or full socket is
 * not an error.
 */
void		 wake_send(struct wake *w, int64_t seq);
void		 wake_close(struct wake *w);

/*
 * Receiver side (the bridge, mtchat-hooks): binds a non-blocking datagram socket at path,
 * replacing a stale one. Returns the descriptor or -1 (errno set).
 */
int		 wake_listen(const char *path);
/*
 * Reads every pending datagram; returns how many arrived and writes the
 * highest seq they named to *seq (left alone when none).
 */
int		 wake_drain(int fd, int64_t *seq);

#endif
