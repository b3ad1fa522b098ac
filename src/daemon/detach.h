/* detach.h - run in the background, and tell the shell that started us
 * whether start-up worked */
#ifndef AUTHMILTER_DETACH_H
#define AUTHMILTER_DETACH_H

/*
 * detach_start - go into the background (a new session, cwd /). The
 * process that called it stays in the foreground until the daemon says it
 * is ready (then it exits 0) or ends before that (then it exits 1: the
 * daemon's own messages are on stderr or in the log). Returns in the
 * daemon, whose stderr is still the caller's until detach_ready.
 */
void detach_start(void);

/* detach_ready - start-up worked: release the waiting process and let
 * go of the terminal (stdin, stdout and stderr to /dev/null). Nothing
 * when detach_start was not called (-f). */
void detach_ready(void);

#endif
