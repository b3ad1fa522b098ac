/*
 * slow_thread_start.c - LD_PRELOAD shim for test_daemon_exit: when the
 * main thread starts a thread while it blocks SIGHUP, pthread_create
 * returns SLOW_THREAD_START_MS late (the new thread already running), and
 * the process id is appended to the file SLOW_THREAD_START_MARK first, so
 * the test can send a SIGHUP inside that moment. (The daemon
 * once blocked SIGHUP while it started libmilter's thread; a SIGHUP sent
 * then stayed pending, and libmilter's signal thread took it as a stop.)
 * For test_ready: a thread other than the main one that starts a thread
 * (libmilter's thread starting its signal thread and worker pool) waits
 * SLOW_OTHER_THREAD_START_MS first, so that libmilter's start-up
 * surely outlasts the main thread's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
    void *(*)(void *), void *);

/* mark - append our pid to the mark file */
static void
mark(const char *path)
{
	char line[32];
	int fd, n;

	if (path == NULL || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT,
	    0644)) < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	(void)!write(fd, line, (size_t)n);
	(void)close(fd);
}

int
pthread_create(pthread_t *t, const pthread_attr_t *attr,
    void *(*fn)(void *), void *arg)
{
	static create_fn real;
	const char *ms = getenv("SLOW_THREAD_START_MS");
	long v = ms != NULL ? atol(ms) : 0;
	struct timespec d;
	sigset_t cur;

	const char *other_ms = getenv("SLOW_OTHER_THREAD_START_MS");
	int rc;

	if (real == NULL)
		real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (other_ms != NULL && gettid() != getpid()) {
		v = atol(other_ms);
		d.tv_sec = v / 1000;
		d.tv_nsec = (v % 1000) * 1000000L;
		(void)nanosleep(&d, NULL);
		v = 0;
	}
	rc = real(t, attr, fn, arg);
	if (rc == 0 && v > 0 && gettid() == getpid() &&
	    pthread_sigmask(SIG_SETMASK, NULL, &cur) == 0 &&
	    sigismember(&cur, SIGHUP)) {
		/* the new thread runs on meanwhile: what it starts in turn
		 * (libmilter's signal thread) is at work before the caller
		 * unblocks SIGHUP again */
		mark(getenv("SLOW_THREAD_START_MARK"));
		d.tv_sec = v / 1000;
		d.tv_nsec = (v % 1000) * 1000000L;
		(void)nanosleep(&d, NULL);
	}
	return rc;
}
