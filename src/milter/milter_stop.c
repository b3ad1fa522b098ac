/*
 * milter_stop.c - smfi_stop without waiting for libmilter's listener to
 * time out. libmilter's listener thread selects on the listening socket
 * with a 5 s timeout while holding the lock smfi_stop needs to close that
 * socket, so a plain smfi_stop takes up to 5 s (every restart of the
 * daemon). A connection to our own socket ends the select at once; a
 * helper thread makes them, every POKE_EVERY_MS, until smfi_stop returns
 * (a poke made before the stop flag is set only starts a session that
 * reads end-of-file and ends; the next poke does the job).
 *
 * milter_socket_connect, the connection it pokes with, is shared with
 * milter_probe (the watchdog's proof that the listener still serves);
 * milter_socket_accepts makes one such connection as the health check
 * of GET /healthz.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "milter/milter_stop.h"

#define POKE_WAIT_MS	200	/* bound on one connect */
#define POKE_EVERY_MS	50
#define POKES_MAX	200	/* 10 s: twice libmilter's own timeout */

struct poker {
	const char *spec;
	atomic_bool done;
};

/* connect_addr - non-blocking connect to sa, waiting up to wait_ms;
 * the connected (still non-blocking) socket, or -1 */
static int
connect_addr(int family, const struct sockaddr *sa, socklen_t len, int wait_ms)
{
	struct pollfd pfd;
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, sa, len) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		(void)close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	if (poll(&pfd, 1, wait_ms) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* connect_unix - connect to a unix-domain socket path */
static int
connect_unix(const char *path, int wait_ms)
{
	struct sockaddr_un sun;
	size_t n = strlen(path);

	if (n >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n + 1);
	return connect_addr(AF_UNIX, (const struct sockaddr *)&sun, sizeof(sun),
	    wait_ms);
}

/*
 * connect_inet - connect to PORT@HOST; a wildcard or empty host (the
 * socket listens on every address) is reached on loopback. HOST was
 * resolved once already when the socket was opened.
 */
static int
connect_inet(int family, const char *portat, int wait_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	char *copy = strdup(portat), *at;
	const char *host;
	int fd = -1;

	if (copy == NULL)
		return -1;
	at = strchr(copy, '@');
	host = at != NULL ? at + 1 : "";
	if (at != NULL)
		*at = '\0';
	if (*host == '\0' || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0 || strcmp(host, "[::]") == 0)
		host = family == AF_INET6 ? "::1" : "127.0.0.1";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, copy, &hints, &res) == 0) {
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
			fd = connect_addr(ai->ai_family, ai->ai_addr,
			    ai->ai_addrlen, wait_ms);
		freeaddrinfo(res);
	}
	free(copy);
	return fd;
}

int
milter_socket_connect(const char *spec, int wait_ms)
{
	const char *path = milter_socket_unix_path(spec);

	if (path != NULL)
		return connect_unix(path, wait_ms);
	if (strncmp(spec, "inet:", 5) == 0)
		return connect_inet(AF_INET, spec + 5, wait_ms);
	if (strncmp(spec, "inet6:", 6) == 0)
		return connect_inet(AF_INET6, spec + 6, wait_ms);
	return -1;
}

const char *
milter_socket_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

/* poke - one throw-away connection that ends libmilter's select */
static bool
poke(const char *spec)
{
	int fd = milter_socket_connect(spec, POKE_WAIT_MS);

	if (fd < 0)
		return false;
	(void)close(fd);
	return true;
}

/* milter_socket_accepts - true when a connection to the milter socket
 * spec is made within POKE_WAIT_MS (the health check of GET /healthz) */
bool
milter_socket_accepts(const char *spec)
{
	return poke(spec);
}

static void *
poker_thread(void *arg)
{
	struct poker *p = arg;
	struct timespec ts = { 0, POKE_EVERY_MS * 1000000L };
	int i;

	for (i = 0; i < POKES_MAX && !atomic_load(&p->done); i++) {
		(void)nanosleep(&ts, NULL);
		if (!atomic_load(&p->done))
			(void)poke(p->spec);
	}
	return NULL;
}

void
milter_stop(const char *spec)
{
	struct poker p = { .spec = spec };
	pthread_t tid;
	bool started;

	atomic_init(&p.done, false);
	started = pthread_create(&tid, NULL, poker_thread, &p) == 0;
	(void)smfi_stop();
	atomic_store(&p.done, true);
	if (started)
		(void)pthread_join(tid, NULL);
}
