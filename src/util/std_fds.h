/*
 * std_fds.h - descriptors 0, 1 and 2 held open at start
 *
 * A program started with stdin, stdout or stderr closed (`prog <&-`, a
 * cron or init script that closes them, a supervisor) gets the next file
 * it opens at that number: a key file read as stdin, a report file or a
 * database connection written to by a log line or a printf, a pipe or
 * socket of ours replaced by /dev/null when the daemon detaches.
 */
#ifndef UTIL_STD_FDS_H
#define UTIL_STD_FDS_H

#include <stdbool.h>

/* std_fds_open - put /dev/null on each of 0, 1 and 2 that is closed;
 * descriptors already open are left alone. Call first thing in main,
 * before anything is opened. False (errno set) when /dev/null cannot be
 * opened: the caller should exit, as it cannot say why on a stderr that
 * may be closed. */
bool std_fds_open(void);

#endif
