/* proc.c — start-up chores every mtchat program shares. */
#include <fcntl.h>
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
