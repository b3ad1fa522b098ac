/*
 * slow_signal_write.c - LD_PRELOAD shim for test_daemon_exit: the first
 * time the main thread writes a SIGHUP's number to a pipe (the daemon's
 * signal handler handing the signal to its main loop), the write waits
 * SLOW_SIGNAL_WRITE_MS first, and the process id is appended to the file
 * SLOW_SIGNAL_WRITE_MARK, so the test can send a second SIGHUP while the
 * first one's handler runs. (The handler once ran with SIGHUP blocked;
 * the second SIGHUP then went to libmilter's signal thread, a stop.)
 * Only async-signal-safe calls here: this runs inside a signal handler.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long delay_ms;
static const char *mark_path;
static volatile sig_atomic_t slept;

/* resolve the settings before any handler can run: getenv is not
 * async-signal-safe */
__attribute__((constructor)) static void
setup(void)
{
	const char *ms = getenv("SLOW_SIGNAL_WRITE_MS");

	delay_ms = ms != NULL ? atol(ms) : 0;
	mark_path = getenv("SLOW_SIGNAL_WRITE_MARK");
}

/* mark - append our pid to the mark file, by raw system calls */
static void
mark(void)
{
	char line[24], *p = line + sizeof(line);
	long pid = (long)getpid();
	int fd;

	if (mark_path == NULL || (fd = open(mark_path, O_WRONLY | O_APPEND |
	    O_CREAT, 0644)) < 0)
		return;
	*--p = '\n';
	do {
		*--p = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	(void)syscall(SYS_write, fd, p, (size_t)(line + sizeof(line) - p));
	(void)close(fd);
}

ssize_t
write(int fd, const void *buf, size_t count)
{
	struct stat st;
	struct timespec d;

	if (delay_ms > 0 && !slept && count == 1 &&
	    *(const unsigned char *)buf == SIGHUP && gettid() == getpid() &&
	    fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		slept = 1;
		mark();
		d.tv_sec = delay_ms / 1000;
		d.tv_nsec = (delay_ms % 1000) * 1000000L;
		/* a signal handled meanwhile ends the wait early: the test
		 * has sent its second SIGHUP by then */
		(void)nanosleep(&d, NULL);
	}
	return syscall(SYS_write, fd, buf, count);
}
