/*
 * socket_host.c - for authmilter -t, the look-up libmilter makes at start
 * for Socket inet:PORT@HOST when HOST is a name.
 *
 * libmilter resolves the name for the socket's family only (inet: IPv4,
 * inet6: IPv6) and, when that fails, the start stopped with "cannot open
 * milter socket (in use, or no permission?)" after -t had said OK. This
 * asks the system resolver the same question. A name that does not exist,
 * or has no address of that family, is certain to fail the start; a
 * look-up that fails for now (no DNS answer) may not, so the caller warns.
 * Address literals need no look-up; nothing is looked up during a load or
 * a reload (a slow DNS server would hold the signal loop).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "daemon/socket_host.h"

enum socket_host_r
socket_host_check(const char *spec, struct buf *why)
{
	struct addrinfo hints, *res = NULL;
	unsigned char addr[16];
	char literal[INET6_ADDRSTRLEN + 2];
	const char *host = strchr(spec, '@');
	bool v6 = strncmp(spec, "inet6:", 6) == 0;
	size_t len;
	int rc;

	if ((!v6 && strncmp(spec, "inet:", 5) != 0) || host == NULL)
		return SOCKET_HOST_OK;
	host++;
	/* libmilter takes an IPv6 literal in brackets too ([::1]) */
	len = strlen(host);
	if (v6 && len > 2 && len < sizeof(literal) && host[0] == '[' &&
	    host[len - 1] == ']') {
		memcpy(literal, host + 1, len - 2);
		literal[len - 2] = '\0';
		if (inet_pton(AF_INET6, literal, addr) == 1)
			return SOCKET_HOST_OK;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) == 1)
		return SOCKET_HOST_OK;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = v6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	/* POSIX leaves freeaddrinfo(NULL) undefined (glibc takes it, musl
	 * does not), and a failed lookup leaves res NULL */
	if (res != NULL)
		freeaddrinfo(res);
	switch (rc) {
	case 0:
		return SOCKET_HOST_OK;
	case EAI_NONAME:
		buf_printf(why, "no such host %s: the start cannot listen there",
		    host);
		return SOCKET_HOST_NONE;
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		buf_printf(why, "%s has no %s address (%s listens on %s "
		    "only): the start cannot listen there", host, v6 ? "IPv6" :
		    "IPv4", v6 ? "inet6:" : "inet:", v6 ? "IPv6" : "IPv4");
		return SOCKET_HOST_NONE;
	default:
		buf_printf(why, "cannot look up %s now (%s): the start fails "
		    "if it still cannot", host, gai_strerror(rc));
		return SOCKET_HOST_UNKNOWN;
	}
}
