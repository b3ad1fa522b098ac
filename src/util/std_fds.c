/*
 * std_fds.c - descriptors 0, 1 and 2 held open at start (see std_fds.h)
 *
 * open() returns the lowest free number, so opening /dev/null while one
 * of 0..2 is closed fills exactly that one; when it comes back above 2
 * every one of them was open already.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "util/std_fds.h"

bool
std_fds_open(void)
{
	int fd;

	while (fcntl(STDIN_FILENO, F_GETFD) < 0 ||
	    fcntl(STDOUT_FILENO, F_GETFD) < 0 ||
	    fcntl(STDERR_FILENO, F_GETFD) < 0) {
		/* no O_CLOEXEC: a program we run (ReportSendmail) gets
		 * them as its own 0..2 too */
		if ((fd = open("/dev/null", O_RDWR | O_NOCTTY)) < 0)
			return false;
		if (fd > STDERR_FILENO) {	/* not while one is free */
			(void)close(fd);
			return true;
		}
	}
	return true;
}
