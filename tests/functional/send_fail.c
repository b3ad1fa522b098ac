/*
 * send_fail.c - LD_PRELOAD shim for test_metrics: a send() or sendmsg()
 * whose data begins with SEND_FAIL_PREFIX fails with ECONNRESET, as when
 * the client reset the connection just before the answer went out. The
 * daemon's HTTP server (libmicrohttpd) then says which request it could
 * not answer, naming its URL: the test sees that message every time,
 * where a real reset wins that race only now and then.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);

/* fails - the data begins with the prefix */
static int
fails(const void *buf, size_t len)
{
	const char *p = getenv("SEND_FAIL_PREFIX");
	size_t n = p != NULL ? strlen(p) : 0;

	return n > 0 && len >= n && memcmp(buf, p, n) == 0;
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	static send_fn real;

	if (fails(buf, len)) {
		errno = ECONNRESET;
		return -1;
	}
	if (real == NULL)
		real = (send_fn)dlsym(RTLD_NEXT, "send");
	return real(fd, buf, len, flags);
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static sendmsg_fn real;

	if (msg->msg_iovlen > 0 && fails(msg->msg_iov[0].iov_base,
	    msg->msg_iov[0].iov_len)) {
		errno = ECONNRESET;
		return -1;
	}
	if (real == NULL)
		real = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
	return real(fd, msg, flags);
}
