/* proc.h — start-up chores every mtchat program shares. */
#ifndef MT_PROC_H
#define MT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Makes sure descriptors 0, 1 and 2 are open (on /dev/null if not), so that
 * no file or socket we open later is taken for stdout or stderr — slowcgi
 * does this first thing.
 */
void	proc_std_fds(void);

/* Who a daemon started as root becomes (proc_user_get()). */
struct proc_user {
	bool	 drop;		/* started as root: become uid/gid */
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];
};

#define PROC_ERR_LEN	160

/*
 * Decides, before anything is opened, whether and to whom a daemon
 * drops root (MTCHAT_USER, MTCHAT_ALLOW_ROOT): not root, nothing to
 * drop; root with user, that user (not root itself) and its primary
 * group; root without user, refused unless allow_root. 0, or -1 with one
 * line in err (a configuration error: exit 2).
 */
int	proc_user_get(const char *user, bool allow_root, struct proc_user *u,
	    char *err, size_t errlen);

/*
 * Drops root for u once the daemon's sockets are bound, in slowcgi's
 * order: setgroups() to u's group alone, setresgid(), setresuid(); then
 * checks that root cannot be had back. Nothing to do unless u->drop.
 * 0, or -1 with one line in err (then the daemon must exit).
 */
int	proc_user_drop(const struct proc_user *u, char *err, size_t errlen);

#endif
