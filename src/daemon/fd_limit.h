/* fd_limit.h - the daemon's limit on open files */
#ifndef AUTHMILTER_FD_LIMIT_H
#define AUTHMILTER_FD_LIMIT_H

/*
 * fd_limit_raise - raise the soft limit on open files (RLIMIT_NOFILE) to
 * the hard one; a warning when that fails, and one when the limit left
 * is too low to serve (under 64). Each MTA connection holds a
 * descriptor, and at the soft limit (often 1024) new connections wait
 * unanswered until one closes.
 */
void fd_limit_raise(void);

#endif
