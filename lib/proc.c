/* proc.c — start-up chores every mtchat program shares. */
#define _GNU_SOURCE		/* setresuid(), setresgid(), setgroups() */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

void
proc_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
proc_user_get(const char *user, bool allow_root, struct proc_user *u,
    char *err, size_t errlen)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0') {
		if (allow_root)
			return 0;
		snprintf(err, errlen, "running as root: set MTCHAT_USER to the "
		    "user to run as (or MTCHAT_ALLOW_ROOT=true, not for "
		    "production)");
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "MTCHAT_USER: %s: %s", user,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "MTCHAT_USER: %s: is root", user);
		return -1;
	}
	if (snprintf(u->name, sizeof(u->name), "%s", user) >=
	    (int)sizeof(u->name)) {
		snprintf(err, errlen, "MTCHAT_USER: name too long");
		return -1;
	}
	u->drop = true;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int
proc_user_drop(const struct proc_user *u, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (!u->drop)
		return 0;
	if (setgroups(1, &u->gid) == -1 ||
	    setresgid(u->gid, u->gid, u->gid) == -1 ||
	    setresuid(u->uid, u->uid, u->uid) == -1) {
		snprintf(err, errlen, "cannot become %s: %s", u->name,
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid ||
	    eg != u->gid || sg != u->gid || setuid(0) != -1) {
		snprintf(err, errlen, "dropping root to %s did not hold",
		    u->name);
		return -1;
	}
	return 0;
}
