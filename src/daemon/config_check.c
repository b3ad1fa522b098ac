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
 * Run as root with UserID, it also loads the file as that user, as a
 * reload (SIGHUP) after the privilege drop will, and checks that user
 * can write a sqlite: ReportStore (warnings) and read PSLFile and
 * TrustAnchorFile, which the start reads after the drop (errors).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
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

/* start_reads - why the start could not read PSLFile and TrustAnchorFile
 * (NULL: it can), checked as one user */
struct start_reads {
	const char *psl, *trust_anchor;
};

/* start_read_options - the options that name start_reads' files */
static const char *const start_read_options[] = {
	"PSLFile", "TrustAnchorFile", NULL
};

/* start_reads_check - the start's own loaders, as the current user */
static void
start_reads_check(const struct conf *c, struct start_reads *r)
{
	r->psl = c->psl_file == NULL ? NULL :
	    checks_dmarc_psl_problem(c->psl_file);
	r->trust_anchor = c->trust_anchor_file == NULL ? NULL :
	    dns_trust_anchor_problem(c->trust_anchor_file);
}

/* said_at - one error at option's file:line for what the invoking user
 * (why) and UserID (user_why, as_user) found: a file neither could read
 * gave one line each. true when there was nothing */
static bool
said_at(const struct conf *c, const char *option, const char *why,
    const char *user_why, const char *as_user)
{
	char *at;

	if (why == NULL && user_why == NULL)
		return true;
	at = conf_where(c, option);
	if (user_why == NULL)
		(void)fprintf(stderr, "%s: %s: %s\n", at, option, why);
	else if (why == NULL)
		(void)fprintf(stderr, "%s: %s: the start, which reads it as "
		    "%s after dropping privileges, would stop: %s\n", at,
		    option, as_user, user_why);
	else if (strcmp(why, user_why) == 0)
		(void)fprintf(stderr, "%s: %s: %s (as root, and as %s, who "
		    "the start reads it as after dropping privileges)\n", at,
		    option, why, as_user);
	else
		(void)fprintf(stderr, "%s: %s: %s; and as %s, who the start "
		    "reads it as after dropping privileges: %s\n", at, option,
		    why, as_user, user_why);
	free(at);
	return false;
}

/* start_reads_said - each file's problems, root's (why) and UserID's
 * (user_why, NULL when not checked as UserID), in one line per file;
 * false when the start would fail */
static bool
start_reads_said(const struct conf *c, const struct start_reads *why,
    const struct start_reads *user_why)
{
	static const struct start_reads none;
	const struct start_reads *u = user_why != NULL ? user_why : &none;
	bool ok = said_at(c, "PSLFile", why->psl, u->psl, c->user_id);

	return said_at(c, "TrustAnchorFile", why->trust_anchor,
	    u->trust_anchor, c->user_id) && ok;
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

/* store_access_as_user - in reload_as_user's child: can the daemon's
 * writer, as UserID, write a sqlite: store? Checked as root, a store in a
 * directory only root can write passed -t, and the daemon then recorded
 * nothing (one warning at start). A warning: the start succeeds */
static void
store_access_as_user(const struct conf *c)
{
	struct buf why = BUF_INIT;
	char *at, *shown;

	if (c->report_store != NULL &&
	    !report_store_access(c->report_store, true, &why)) {
		at = conf_where(c, "ReportStore");
		shown = report_store_shown(c->report_store);
		(void)fprintf(stderr, "%s: warning: ReportStore %s: as %s, the "
		    "daemon %s (it starts, but stores no report row)\n", at,
		    shown, c->user_id, buf_cstr(&why));
		free(shown);
		free(at);
	}
	buf_deinit(&why);
}

/* reload_as_user_child's exit status */
enum { AS_USER_OK, AS_USER_START_FAILS, AS_USER_NOT_CHECKED };

/* reload_warnings - in reload_as_user_child: load the file as a reload
 * would, each problem a warning (the start itself would succeed). The
 * start_reads files are start_reads_said's to say: checked here too, a
 * file UserID cannot read would be said twice, and its refusal would
 * end the load before the keys */
static void
reload_warnings(const struct conf *c, const char *config_path)
{
	struct buf err = BUF_INIT;
	struct conf *again;
	char *line, *save = NULL;

	if (conf_load_unchecked(config_path, start_read_options, &again,
	    &err))
		conf_unref(&again);
	else
		for (line = strtok_r((char *)err.data, "\n", &save);
		    line != NULL; line = strtok_r(NULL, "\n", &save))
			(void)fprintf(stderr, "%s: warning: a reload (SIGHUP) "
			    "as %s would be refused: %s\n", config_path,
			    c->user_id, line);
	buf_deinit(&err);
}

/* reload_as_user_child - in the child: become UserID, load the file as a
 * reload would, print each problem as a warning; check what the start
 * reads as UserID and say it with root's findings (why). Exits with
 * AS_USER_* */
static void
reload_as_user_child(const struct conf *c, const char *config_path,
    const struct start_reads *why)
{
	struct start_reads user_why;
	bool start_ok;

	if (!as_root_become_user(c)) {
		(void)fprintf(stderr, "%s: warning: cannot become %s to check "
		    "a reload: %s\n", config_path, c->user_id, strerror(errno));
		_exit(AS_USER_NOT_CHECKED);
	}
	if (geteuid() == 0)	/* UserID root: a reload reads as root */
		_exit(AS_USER_NOT_CHECKED);
	start_reads_check(c, &user_why);
	reload_warnings(c, config_path);
	store_access_as_user(c);
	start_ok = start_reads_said(c, why, &user_why);
	(void)fflush(stderr);
	_exit(start_ok ? AS_USER_OK : AS_USER_START_FAILS);
}

/*
 * reload_as_user - authmilter -t as root with UserID: load the file once
 * more as that user, in a child, as a reload after the drop will. The
 * daemon warns about this at start, but the unit's ExecReload runs -t as
 * root: a new key only root could read (authcheck genkey run as root
 * writes mode 0600) passed -t, and the reload that followed was refused.
 * A warning, like the daemon's: the start itself would succeed. What the
 * start reads only after the drop is an error: the start fails. The
 * child says those with root's findings (why); AS_USER_NOT_CHECKED when
 * it did not.
 */
static int
reload_as_user(const struct conf *c, const char *config_path,
    const struct start_reads *why)
{
	pid_t pid;
	int status;

	if (c->user_id == NULL || geteuid() != 0)
		return AS_USER_NOT_CHECKED;
	(void)fflush(stdout);	/* else the child would print it again */
	(void)fflush(stderr);
	if ((pid = fork()) < 0) {
		(void)fprintf(stderr, "%s: warning: cannot check a reload as "
		    "%s: fork: %s\n", config_path, c->user_id, strerror(errno));
		return AS_USER_NOT_CHECKED;
	}
	if (pid == 0)
		reload_as_user_child(c, config_path, why);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	return WIFEXITED(status) ? WEXITSTATUS(status) : AS_USER_NOT_CHECKED;
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
	struct start_reads why;
	int as_user;
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
	start_reads_check(c, &why);
	as_user = reload_as_user(c, config_path, &why);
	if (as_user == AS_USER_NOT_CHECKED)
		ok = start_reads_said(c, &why, NULL);
	else
		ok = as_user == AS_USER_OK;
	ok = socket_host_usable(c) && ok;
	ok = report_store_usable(c) && ok;
	if (!ok)
		return 1;
	if (!quiet)
		(void)fprintf(stderr, "%s: configuration OK\n", config_path);
	return 0;
}
