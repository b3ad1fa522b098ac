/*
 * authcheck.c - entry point of the authcheck command: picks the
 * subcommand and holds what the subcommands share (DNS options, the
 * resolver, printing and the exit code).
 *
 * Exit codes: 0 every check passed and nothing to warn about; 1 a check
 * failed or a warning was given; 2 usage or I/O error; 3 a DNS lookup
 * failed temporarily (the answer may change on retry), which outranks 1.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck/authcheck.h"
#include "core/dkim_sig.h"
#include "util/std_fds.h"
#include "util/xmalloc.h"

static void
usage(FILE *out)
{
	fputs("usage: authcheck message FILE [--ip ADDR] [--helo NAME] "
	    "[--mail-from ADDR]\n"
	    "                 [--config FILE] [--authserv-id ID] [common]\n"
	    "       authcheck domain DOMAIN [--selector S [--key FILE] ...] "
	    "[common]\n"
	    "       authcheck genkey --type rsa|ed25519 [--bits N] --domain D "
	    "--selector S\n"
	    "                 [--out FILE] [--json]\n"
	    "       authcheck keyrecord --key FILE --domain D --selector S "
	    "[--json]\n"
	    "common: [--json] [--nameserver IP[@PORT] ...] [--timeout MS]\n"
	    "exit: 0 all passed, 1 failed check or warning, 2 usage or I/O "
	    "error,\n"
	    "      3 DNS temporary failure (see authcheck(1))\n", out);
}

int
ac_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "authcheck %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(authcheck --help for usage)\n", stderr);
	return AC_EXIT_USAGE;
}

bool
ac_common_option(struct ac_common *co, int c, const char *arg)
{
	char *end;
	unsigned long v;

	switch (c) {
	case AC_OPT_JSON:
		co->json = true;
		return true;
	case AC_OPT_NS:
		if (co->nameserver_count == AC_MAX_NAMESERVERS || *arg == '\0')
			return false;
		co->nameservers[co->nameserver_count++] = (char *)arg;
		return true;
	case AC_OPT_TIMEOUT:
		v = strtoul(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || v == 0 || v > 600000)
			return false;
		co->timeout_ms = (unsigned)v;
		return true;
	default:
		return false;
	}
}

struct dns_resolver *
ac_resolver(const struct ac_common *co)
{
	struct dns_config cfg;
	struct dns_resolver *r;
	const char *err = "";

	memset(&cfg, 0, sizeof(cfg));
	cfg.nameservers = (char **)co->nameservers;
	cfg.nameserver_count = co->nameserver_count;
	cfg.timeout_ms = co->timeout_ms ? co->timeout_ms : AC_DEFAULT_TIMEOUT_MS;
	if ((r = dns_resolver_new(&cfg, &err)) == NULL)
		fprintf(stderr, "authcheck: cannot start the resolver: %s\n", err);
	return r;
}

int
ac_finish(struct report *r, const struct ac_common *co)
{
	int rc = AC_EXIT_OK;

	if (r->tempfail)
		rc = AC_EXIT_DNS;
	else if (r->nwarnings > 0 || r->nfailures > 0)
		rc = AC_EXIT_FAIL;
	rn_int(r->root, "exit_code", rc);
	report_print(r, stdout, co->json);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("authcheck: stdout");
		return AC_EXIT_USAGE;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	/* a message read from "-", a key written, with 0..2 closed at
	 * start: see util/std_fds.h */
	if (!std_fds_open()) {
		fprintf(stderr, "authcheck: /dev/null: %s\n", strerror(errno));
		return AC_EXIT_USAGE;
	}
	if (argc < 2) {
		usage(stderr);
		return AC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return AC_EXIT_OK;
	}
	if (strcmp(argv[1], "message") == 0)
		return cmd_message(argc - 1, argv + 1);
	if (strcmp(argv[1], "domain") == 0)
		return cmd_domain(argc - 1, argv + 1);
	if (strcmp(argv[1], "genkey") == 0)
		return cmd_genkey(argc - 1, argv + 1);
	if (strcmp(argv[1], "keyrecord") == 0)
		return cmd_keyrecord(argc - 1, argv + 1);
	fprintf(stderr, "authcheck: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return AC_EXIT_USAGE;
}

/* ac_domain_arg - the A-label form of a DOMAIN argument */
bool
ac_domain_arg(const char *arg, struct idna_name *out_r)
{
	return idna_domain((const unsigned char *)arg, strlen(arg), out_r,
	    NULL) == IDNA_OK && dkim_domain_ok(out_r->ascii);
}
