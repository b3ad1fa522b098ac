#ifndef AUTHMILTER_SOCKET_HOST_H
#define AUTHMILTER_SOCKET_HOST_H

#include "util/buf.h"

enum socket_host_r {
	SOCKET_HOST_OK,		/* a literal, no host part, or it resolves */
	SOCKET_HOST_NONE,	/* the name has no address of the family */
	SOCKET_HOST_UNKNOWN	/* the lookup failed for now (no answer) */
};

/* socket_host_check - for authmilter -t: does Socket inet:PORT@HOST or
 * inet6:PORT@HOST name a host libmilter can find? Appends why not to why
 * (one line, no newline). Spec must already pass the option's check. */
enum socket_host_r socket_host_check(const char *spec, struct buf *why);

#endif
