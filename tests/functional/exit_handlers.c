/*
 * exit_handlers.c - LD_PRELOAD shim for test_daemon_exit: every exit
 * handler registered (__cxa_atexit, which atexit calls) is appended to the
 * file EXIT_HANDLERS_MARK as the name of the library its function lives
 * in, one per line, and then registered as usual. The test checks that
 * OpenSSL registers none in the daemon: its cleanup at exit deleted the
 * thread-local keys while connection threads were still ending, and the
 * error state of such a thread was lost (LeakSanitizer's 904 bytes).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*cxa_atexit_fn)(void (*)(void *), void *, void *);

int
__cxa_atexit(void (*fn)(void *), void *arg, void *dso)
{
	static cxa_atexit_fn real;
	const char *path = getenv("EXIT_HANDLERS_MARK");
	Dl_info info;
	int fd;

	if (real == NULL)
		real = (cxa_atexit_fn)dlsym(RTLD_NEXT, "__cxa_atexit");
	if (path != NULL && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT,
	    0644)) >= 0) {
		const char *name = dladdr((void *)fn, &info) != 0 &&
		    info.dli_fname != NULL ? info.dli_fname : "?";
		const char *slash = strrchr(name, '/');

		name = slash != NULL ? slash + 1 : name;
		(void)write(fd, name, strlen(name));
		(void)write(fd, "\n", 1);
		(void)close(fd);
	}
	return real != NULL ? real(fn, arg, dso) : -1;
}
