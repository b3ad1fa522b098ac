/*
 * report_submit.c - hand a report message to the local MTA through
 * ReportSendmail: the aggregate report job (report_job.c) and the
 * daemon's failure-report thread (report_failure.c) both submit this way.
 *
 * The command gets a time limit: a submission program that hangs (a
 * stuck queue, a server that never answers) would otherwise hold the
 * failure-report thread, and with it the daemon's stop, for ever. It runs
 * in its own process group, so the kill reaches what the shell started.
 *
 * Under systemd's NoNewPrivileges (the shipped unit sets it) a setgid
 * program cannot gain its group: Postfix's sendmail then fails in
 * postdrop. A failure says so when this process runs that way, so the
 * log points at the cause and not only at an exit status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "report/report_submit.h"

extern char **environ;

#define WAIT_STEP_MS	10	/* how often an exit is looked for */

/* no_new_privs - true when set-id programs we start cannot gain ids */
static bool
no_new_privs(void)
{
#ifdef PR_GET_NO_NEW_PRIVS
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
#else
	return false;
#endif
}

/* left_ms - milliseconds to the nearer of until_ms and a set *stop_ms */
static int64_t
left_ms(uint64_t until_ms, const _Atomic uint64_t *stop_ms)
{
	uint64_t end = until_ms, stop = stop_ms != NULL ? atomic_load(stop_ms) : 0;

	if (stop != 0 && stop < end)
		end = stop;
	return (int64_t)end - (int64_t)clock_mono_ms();
}

/* spawn - sh -c cmd in a process group of its own, reading a pipe; the
 * child's pid, or -1 with errno; *to the pipe's end for writing */
static pid_t
spawn(const char *cmd, int *to)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	sigset_t none, dfl;
	int p[2], err;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	(void)posix_spawnattr_init(&attr);
	(void)posix_spawnattr_setpgroup(&attr, 0);
	/* the command starts as from a shell: no signal blocked (this thread
	 * blocks the daemon's and SIGPIPE), SIGPIPE not ignored (the daemon
	 * ignores it, and exec keeps that) */
	(void)sigemptyset(&none);
	(void)posix_spawnattr_setsigmask(&attr, &none);
	(void)sigemptyset(&dfl);
	(void)sigaddset(&dfl, SIGPIPE);
	(void)posix_spawnattr_setsigdefault(&attr, &dfl);
	(void)posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	(void)posix_spawnattr_destroy(&attr);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)close(p[0]);
	if (err != 0) {
		(void)close(p[1]);
		errno = err;
		return -1;
	}
	*to = p[1];
	return pid;
}

/* feed - write text to fd (non-blocking) within the limit: 0 when all of
 * it went, 1 when the command stopped reading (it exited: its status
 * tells), -1 when the limit passed */
static int
feed(int fd, const struct buf *text, uint64_t until_ms,
    const _Atomic uint64_t *stop_ms)
{
	size_t off = 0;
	ssize_t n;
	int64_t left;
	struct pollfd pfd = { fd, POLLOUT, 0 };

	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	while (off < text->len) {
		n = write(fd, text->data + off, text->len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return 1;	/* EPIPE: SIGPIPE is blocked here */
		if ((left = left_ms(until_ms, stop_ms)) <= 0)
			return -1;
		/* short slices: a stop set meanwhile is seen soon */
		(void)poll(&pfd, 1, left < 100 ? (int)left : 100);
	}
	return 0;
}

/* kill_group - end the command and all it started, reap it; -1 */
static int
kill_group(pid_t pid)
{
	(void)kill(-pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return -1;
}

/* reap - the command's wait status within the limit; at the limit
 * kill_group's -1 */
static int
reap(pid_t pid, uint64_t until_ms, const _Atomic uint64_t *stop_ms)
{
	struct timespec step = { 0, WAIT_STEP_MS * 1000000L };
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -2;
		if (left_ms(until_ms, stop_ms) <= 0)
			return kill_group(pid);
		(void)nanosleep(&step, NULL);
	}
}

bool
report_submit(const char *cmd, const struct buf *msg, uint64_t until_ms,
    const _Atomic uint64_t *stop_ms, struct buf *why)
{
	struct buf text = BUF_INIT;
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	int fd = -1, fed, st;
	uint64_t started = clock_mono_ms();
	size_t i;
	pid_t pid;

	for (i = 0; i < msg->len; i++)
		if (msg->data[i] != '\r' || i + 1 >= msg->len ||
		    msg->data[i + 1] != '\n')
			buf_append_byte(&text, msg->data[i]);
	/* a command that exits without reading must not end this process:
	 * block SIGPIPE here and take the one a write raised, if any */
	(void)sigemptyset(&pipe_set);
	(void)sigaddset(&pipe_set, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	if ((pid = spawn(cmd, &fd)) < 0) {
		buf_printf(why, "%s: %s", cmd, strerror(errno));
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
		buf_deinit(&text);
		return false;
	}
	fed = feed(fd, &text, until_ms, stop_ms);
	(void)close(fd);
	st = fed < 0 ? kill_group(pid) : reap(pid, until_ms, stop_ms);
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	buf_deinit(&text);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (st == -1)
		buf_printf(why, "%s: not done after %lld ms: killed", cmd,
		    (long long)(clock_mono_ms() - started));
	else
		buf_printf(why, "%s: exit status %d", cmd, st < 0 ? -1 :
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	if (st != -1 && no_new_privs())
		buf_printf(why, " (this process runs with no_new_privs, as "
		    "NoNewPrivileges=yes sets it: a setgid submission program "
		    "such as Postfix's postdrop cannot work; see ReportSendmail "
		    "in authmilter.conf(5))");
	return false;
}
