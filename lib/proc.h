/* proc.h — start-up chores every mtchat program shares. */
#ifndef MT_PROC_H
#define MT_PROC_H

/*
 * Makes sure descriptors 0, 1 and 2 are open (on /dev/null if not), so that
 * no file or socket we open later is taken for stdout or stderr — slowcgi
 * does this first thing.
 */
void	proc_std_fds(void);

#endif
