/* hostlist.h - read an OpenDKIM/OpenDMARC list of hosts */
#ifndef AUTHMILTER_HOSTLIST_H
#define AUTHMILTER_HOSTLIST_H

#include <stdbool.h>

#include "migrate/strlist.h"
#include "util/buf.h"

#define HOSTLIST_MAX_ENTRIES 100000
#define OCONF_LIST_MAX 4096

/* hostlist_read - the entries of a host data set. spec is a file (an
 * absolute path or "file:path") or, when lists_ok, a comma-separated list
 * ("csl:a,b" or plain "a,b"). Addresses and networks go to nets (IPv6
 * brackets removed); what authmilter's InternalHosts cannot hold (host
 * names, "!" exceptions) goes to skipped as "entry (why)"; a network
 * holding an exception OpenDKIM could match is carved around it
 * (hostcarve.h). False when
 * the data set cannot be read (other kinds: db:, ldap:, refile: ...),
 * with the reason in err. */
bool hostlist_read(const char *spec, bool lists_ok, struct strlist *nets,
    struct strlist *skipped, struct buf *err);

#endif
