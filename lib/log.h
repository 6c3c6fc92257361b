/* log.h — stderr or syslog logging, after OpenBSD httpd's log.c. */
#ifndef MT_LOG_H
#define MT_LOG_H

#include <stdarg.h>

/*
 * verbosity: 0 warnings only, 1 adds info (-v), 2 adds debug (-vv); -1
 * not even warnings (fatal() still logs), for test programs whose inputs
 * make warnings by the million.
 */
void	log_init(const char *progname, int use_syslog, int verbosity);
int	log_verbosity(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only: log and exit(1). */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
