/* authcheck.h - the authcheck command: shared options and helpers
 *
 * authcheck message FILE   run the daemon's checks over a message file
 * authcheck domain DOMAIN  explain a domain's MX, SPF, DMARC, DKIM keys
 * authcheck genkey         make a DKIM key pair and its DNS record
 *
 * Each command fills a struct report (report.h) and returns an exit code.
 */
#ifndef AUTHCHECK_AUTHCHECK_H
#define AUTHCHECK_AUTHCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "authcheck/report.h"
#include "core/idna.h"
#include "dns/dns.h"

/* Exit codes (documented in authcheck(1)). */
#define AC_EXIT_OK	0	/* every check passed, no warnings */
#define AC_EXIT_FAIL	1	/* a check failed or a warning was given */
#define AC_EXIT_USAGE	2	/* bad arguments, unreadable file, I/O error */
#define AC_EXIT_DNS	3	/* a DNS lookup failed temporarily */

#define AC_MAX_NAMESERVERS 8
#define AC_DEFAULT_TIMEOUT_MS 5000

/* Options every command that uses DNS understands. */
struct ac_common {
	bool json;				/* --json */
	char *nameservers[AC_MAX_NAMESERVERS];	/* --nameserver ip[@port] */
	size_t nameserver_count;
	unsigned timeout_ms;			/* --timeout MS */
};

/* ac_common_option - handle one of the shared options (getopt_long value
 * c, argument arg); false when c is not one of them or arg is bad */
bool ac_common_option(struct ac_common *co, int c, const char *arg);
/* AC_COMMON_LONGOPTS - the shared entries of a getopt_long table */
#define AC_OPT_JSON	1001
#define AC_OPT_NS	1002
#define AC_OPT_TIMEOUT	1003
#define AC_COMMON_LONGOPTS \
	{ "json", no_argument, NULL, AC_OPT_JSON }, \
	{ "nameserver", required_argument, NULL, AC_OPT_NS }, \
	{ "timeout", required_argument, NULL, AC_OPT_TIMEOUT }

/* ac_resolver - our DNS module with the --nameserver choice (resolv.conf
 * when none); NULL with a message on stderr when it cannot start */
struct dns_resolver *ac_resolver(const struct ac_common *co);
/* ac_finish - print the report and return the exit code it deserves */
int ac_finish(struct report *r, const struct ac_common *co);
/* ac_usage_error - print "authcheck CMD: text" and the usage hint;
 * returns AC_EXIT_USAGE */
int ac_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ac_domain_arg - a DOMAIN argument in its lower-case A-label form
 * (U-labels converted with IDNA2008, as the config and DMARC do), which
 * must also be a valid DNS host name (dkim_domain_ok); false when not */
bool ac_domain_arg(const char *arg, struct idna_name *out_r);

int cmd_message(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_genkey(int argc, char **argv);
int cmd_keyrecord(int argc, char **argv);

#endif
