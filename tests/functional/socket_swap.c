/*
 * socket_swap.c - LD_PRELOAD shim for test_security: right after the
 * daemon binds the unix socket SOCKET_SWAP_PATH, the socket's name is
 * replaced by a symbolic link to SOCKET_SWAP_TARGET, as a process of
 * UserID could do in a socket directory UserID may write to. The daemon,
 * still root, then sets the socket's mode and owner: those must not go
 * through the link to its target.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	static bind_fn real;
	const char *path = getenv("SOCKET_SWAP_PATH");
	const char *target = getenv("SOCKET_SWAP_TARGET");
	const struct sockaddr_un *sun = (const struct sockaddr_un *)addr;
	char tmp[sizeof(sun->sun_path) + 8];
	int rc;

	if (real == NULL)
		real = (bind_fn)dlsym(RTLD_NEXT, "bind");
	rc = real(fd, addr, len);
	if (rc != 0 || addr->sa_family != AF_UNIX || path == NULL ||
	    target == NULL || strcmp(sun->sun_path, path) != 0)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s.swap", path) >= (int)sizeof(tmp))
		return rc;
	(void)unlink(tmp);
	if (symlink(target, tmp) == 0)
		(void)rename(tmp, path);
	return rc;
}
