/*
 * milter_stop.c - smfi_stop without waiting for libmilter's listener to
 * time out. libmilter's listener thread selects on the listening socket
 * with a 5 s timeout while holding the lock smfi_stop needs to close that
 * socket, so a plain smfi_stop takes up to 5 s (every restart of the
 * daemon). A connection to our own socket ends the select at once; a
 * helper thread makes them, every POKE_EVERY_MS, until smfi_stop returns
 * (a poke made before the stop flag is set only starts a session that
 * reads end-of-file and ends; the next poke does the job).
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

/* poke_addr - non-blocking connect to sa, waiting a little; then close */
static void
poke_addr(int family, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd pfd;
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, sa, len) != 0 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		(void)poll(&pfd, 1, POKE_WAIT_MS);
	}
	(void)close(fd);
}

/* poke_unix - connect to a unix-domain socket path */
static void
poke_unix(const char *path)
{
	struct sockaddr_un sun;
	size_t n = strlen(path);

	if (n >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n + 1);
	poke_addr(AF_UNIX, (const struct sockaddr *)&sun, sizeof(sun));
}

/*
 * poke_inet - connect to PORT@HOST; a wildcard or empty host (the socket
 * listens on every address) is reached on loopback. HOST was resolved
 * once already when the socket was opened.
 */
static void
poke_inet(int family, const char *portat)
{
	struct addrinfo hints, *res = NULL, *ai;
	char *copy = strdup(portat), *at;
	const char *host;

	if (copy == NULL)
		return;
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
		for (ai = res; ai != NULL; ai = ai->ai_next)
			poke_addr(ai->ai_family, ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(res);
	}
	free(copy);
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

static void
poke(const char *spec)
{
	const char *path = milter_socket_unix_path(spec);

	if (path != NULL)
		poke_unix(path);
	else if (strncmp(spec, "inet:", 5) == 0)
		poke_inet(AF_INET, spec + 5);
	else if (strncmp(spec, "inet6:", 6) == 0)
		poke_inet(AF_INET6, spec + 6);
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
			poke(p->spec);
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
