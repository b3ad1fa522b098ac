/*
 * detach.c - run in the background, and tell the shell that started us
 * whether start-up worked.
 *
 * A plain double fork exits the starting process at once, before the
 * socket is open, the PSL read or the resolver started: an init script
 * saw status 0 and no daemon when the socket was in use, and with
 * stderr already on /dev/null the reason was lost too. So the starting
 * process waits on a pipe whose write end only the daemon holds: one byte
 * means ready, end of file means the daemon died while starting.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/detach.h"
#include "log/log.h"

static int ready_fd = -1;	/* the daemon's end of the pipe */

/* wait_for_daemon - in the starting process: exit 0 once the daemon is
 * ready, 1 when it ended before */
static void
wait_for_daemon(int fd)
{
	char b;
	ssize_t n;

	while ((n = read(fd, &b, 1)) < 0 && errno == EINTR)
		continue;
	if (n == 1)
		_exit(0);
	(void)fprintf(stderr, "authmilter: the daemon stopped while starting "
	    "(its messages are above, or in the log)\n");
	_exit(1);
}

void
detach_start(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p) != 0)
		log_fatal("pipe: %s", strerror(errno));
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0) {
		/* the daemon's handlers would keep a Ctrl-C from ending
		 * the wait; the daemon keeps them */
		(void)signal(SIGINT, SIG_DFL);
		(void)signal(SIGTERM, SIG_DFL);
		(void)signal(SIGHUP, SIG_DFL);
		(void)close(p[1]);
		wait_for_daemon(p[0]);
	}
	(void)close(p[0]);
	if (setsid() < 0)
		log_fatal("setsid: %s", strerror(errno));
	/* a second fork: not a session leader, so never given a terminal */
	pid = fork();
	if (pid < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		log_fatal("chdir /: %s", strerror(errno));
	ready_fd = p[1];
}

void
detach_ready(void)
{
	int fd;

	if (ready_fd < 0)
		return;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
		log_stderr_changed();
	}
	(void)!write(ready_fd, "R", 1);
	(void)close(ready_fd);
	ready_fd = -1;
}
