/*
 * config_check.c - authmilter -t: check a configuration as the start
 * would, without starting.
 *
 * Beyond what loading the file checks (conf/), the start opens or loads
 * what the options name: ReportStore, PSLFile, TrustAnchorFile, Socket's
 * host name. Each is tried here with the code the start uses, so a
 * configuration -t calls OK does not then fail the start or a reload;
 * each problem is said at its option's file:line, all of them in one
 * run. Warnings (conf_warn.c) go to stderr with their file:line too.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/conf_warn.h"
#include "daemon/as_root.h"
#include "daemon/config_check.h"
#include "daemon/socket_host.h"
#include "dns/dns.h"
#include "milter/checks_dmarc.h"
#include "report/report_shown.h"
#include "report/report_store.h"
#include "util/buf.h"

/* report_store_usable - for -t: can ReportStore be opened? Says why not,
 * at the option's file:line like every other configuration error */
static bool
report_store_usable(const struct conf *c)
{
	struct report_db_opts db_opts = { c->report_store_timeout_ms,
		"authmilter" };
	struct buf why = BUF_INIT;
	bool ok;

	if (c->report_store == NULL)
		return true;
	ok = report_store_check(c->report_store, &db_opts, &why);
	if (!ok) {
		char *shown = report_store_shown(c->report_store);
		char *at = conf_where(c, "ReportStore");

		(void)fprintf(stderr, "%s: ReportStore %s cannot be opened: %s\n",
		    at, shown, buf_cstr(&why));
		free(at);
		free(shown);
	}
	buf_deinit(&why);
	return ok;
}

/* said_at - why (NULL: nothing to say) at option's file:line on stderr;
 * true when there was nothing */
static bool
said_at(const struct conf *c, const char *option, const char *why)
{
	char *at;

	if (why == NULL)
		return true;
	at = conf_where(c, option);
	(void)fprintf(stderr, "%s: %s: %s\n", at, option, why);
	free(at);
	return false;
}

/* psl_usable - would the start load PSLFile? The same loader */
static bool
psl_usable(const struct conf *c)
{
	return c->psl_file == NULL || said_at(c, "PSLFile",
	    checks_dmarc_psl_problem(c->psl_file));
}

/* trust_anchor_usable - would the start's resolver load TrustAnchorFile?
 * libunbound reads it only then: a file it cannot parse let the daemon
 * run with every lookup failing */
static bool
trust_anchor_usable(const struct conf *c)
{
	return c->trust_anchor_file == NULL || said_at(c, "TrustAnchorFile",
	    dns_trust_anchor_problem(c->trust_anchor_file));
}

/* socket_host_usable - for -t: can libmilter find Socket's host name?
 * A name that has no address is an error at Socket's line; a look-up
 * that fails for now only a warning (the start may find it) */
static bool
socket_host_usable(const struct conf *c)
{
	struct buf why = BUF_INIT;
	enum socket_host_r r = socket_host_check(c->socket, &why);
	char *at;

	if (r != SOCKET_HOST_OK) {
		at = conf_where(c, "Socket");
		(void)fprintf(stderr, "%s: %sSocket: %s\n", at,
		    r == SOCKET_HOST_UNKNOWN ? "warning: " : "", buf_cstr(&why));
		free(at);
	}
	buf_deinit(&why);
	return r != SOCKET_HOST_NONE;
}

/* print_warning - authmilter -t: a warning on stderr */
static void
print_warning(const char *where, const char *text, void *ctx)
{
	(void)ctx;
	(void)fprintf(stderr, "%s: warning: %s\n", where, text);
}

int
config_check(const struct conf *c, const char *config_path, bool quiet)
{
	bool ok;

	/* -q: for ExecReload and the like, whose output the journal keeps;
	 * the whole configuration there each time is noise */
	if (!quiet)
		conf_print(c, stdout);
	(void)conf_warnings(c, print_warning, NULL);
	if (as_root_refused(c) != NULL)
		(void)fprintf(stderr, "%s: warning: started as root now, the "
		    "daemon would stop: %s\n", config_path, as_root_refused(c));
	/* every check, so each problem is said in one run */
	ok = psl_usable(c);
	ok = trust_anchor_usable(c) && ok;
	ok = socket_host_usable(c) && ok;
	ok = report_store_usable(c) && ok;
	if (!ok)
		return 1;
	if (!quiet)
		(void)fprintf(stderr, "%s: configuration OK\n", config_path);
	return 0;
}
