/*
 * listener_fault.c - LD_PRELOAD shim for test_daemon_exit.py: makes
 * libmilter's listener give up, as it does after 16 failed accept() calls
 * in a row (its MAX_FAILS_A), without its back-off.
 *
 * Once the file named by $LISTENER_FAULT_FILE exists, accept() and
 * accept4() fail with EINVAL (the socket no longer listens; libmilter
 * retries EMFILE, ENFILE, ENOBUFS and the like without counting them),
 * and sleep() returns at once: libmilter sleeps 1, 2, ...
 * 16 s between the failures (136 s in all), which the test need not
 * wait for. Before that file exists both behave as usual, so the daemon
 * starts and serves normally. Built by the test with the system compiler.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* fault_on - has the test asked for the fault yet? */
static int
fault_on(void)
{
	const char *f = getenv("LISTENER_FAULT_FILE");

	return f != NULL && access(f, F_OK) == 0;
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int (*real)(int, struct sockaddr *, socklen_t *);

	if (fault_on()) {
		errno = EINVAL;
		return -1;
	}
	real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT,
	    "accept");
	return real(fd, sa, len);
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int (*real)(int, struct sockaddr *, socklen_t *, int);

	if (fault_on()) {
		errno = EINVAL;
		return -1;
	}
	real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(
	    RTLD_NEXT, "accept4");
	return real(fd, sa, len, flags);
}

unsigned int
sleep(unsigned int s)
{
	unsigned int (*real)(unsigned int);

	if (fault_on())
		return 0;
	real = (unsigned int (*)(unsigned int))dlsym(RTLD_NEXT, "sleep");
	return real(s);
}
