/*
 * fd_fill.c - LD_PRELOAD shim for test_metrics: at start, descriptors 3
 * up to FD_FILL - 1 that are free are taken (copies of /dev/null, closed
 * on exec), raising the soft RLIMIT_NOFILE first where the hard one
 * allows, so every descriptor the daemon opens afterwards is numbered
 * FD_FILL or more, as in a busy daemon whose LimitNOFILE was raised.
 * (select() cannot watch a descriptor of FD_SETSIZE, 1024, or more.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

__attribute__((constructor)) static void
fill(void)
{
	const char *v = getenv("FD_FILL");
	struct rlimit rl;
	long n = v != NULL ? atol(v) : 0;
	int fd, null;

	if (n <= 3 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < (rlim_t)n + 512) {
		rl.rlim_cur = (rlim_t)n + 512;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	for (fd = 3; fd < n; fd++)
		if (fd != null && fcntl(fd, F_GETFD) < 0)
			(void)dup3(null, fd, O_CLOEXEC);
}
