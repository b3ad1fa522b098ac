/*
 * migrate.c - turn OpenDKIM and OpenDMARC options into authmilter options.
 *
 *   migration_new / migration_free   the collected settings
 *   migration_add                    map one program's entries
 *   migration_finish                 settings implied by defaults
 *   migration_render                 the authmilter.conf text
 *   migration_dropped                what could not be carried, and why
 *
 * One table (rules[]) names every option of opendkim.conf(5) and
 * opendmarc.conf(5) with what becomes of it: the same authmilter option,
 * a converted one (sockets, seconds, host lists, RejectFailures ...), or
 * a reason it cannot be carried. Unknown names are reported too. A value
 * is checked with authmilter's own option parser before it is written,
 * so a value authmilter would refuse is listed, not emitted. When the two
 * programs set one authmilter option differently, the first (OpenDKIM,
 * read first) wins and the other is listed: one authmilter replaces both.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_options.h"
#include "migrate/hostlist.h"
#include "migrate/migrate.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define DKIM MIGRATE_OPENDKIM
#define DMARC MIGRATE_OPENDMARC
#define BOTH (DKIM | DMARC)

/* One authmilter option as it will be written. */
struct setting {
	char *name;
	char *value;
	char *first;		/* "file:line" of the first source, or "" */
	struct buf why;		/* comment lines: where it came from */
};

struct migration {
	struct setting *s;
	size_t count;
	struct strlist internal;	/* InternalHosts networks, merged */
	struct buf internal_why;
	bool hosts_seen[3];		/* by source: its host option was read */
	struct strlist notes;		/* carried without a setting */
	struct strlist dropped;
};

struct rule;
typedef void rule_fn(struct migration *, const struct oconf_entry *,
    const struct rule *);

struct rule {
	const char *name;
	int src;		/* DKIM, DMARC or BOTH */
	rule_fn *fn;
	const char *arg;	/* authmilter option, or the reason to drop */
	const char *comment;	/* how the meaning differs, when it does */
};

/* drop - list an entry that is not carried over */
static void
drop(struct migration *m, const struct oconf_entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
drop(struct migration *m, const struct oconf_entry *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_printf(&b, "%s:%u: %s%s%s: ", e->file, e->line, e->name,
	    *e->value != '\0' ? " " : "", e->value);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	strlist_add(&m->dropped, buf_cstr(&b));
	buf_deinit(&b);
}

/* note - something carried over without a setting of its own */
static void
note(struct migration *m, const struct oconf_entry *e, const char *what)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s:%u: %s %s: %s", e->file, e->line, e->name,
	    e->value, what);
	strlist_add(&m->notes, buf_cstr(&b));
	buf_deinit(&b);
}

/* value_problem - authmilter's own parser on the value; NULL when fine */
static const char *
value_problem(const struct conf_option *opt, const char *value, char *msg,
    size_t size)
{
	struct conf scratch;
	const char *why;

	memset(&scratch, 0, sizeof(scratch));
	why = conf_option_set(&scratch, opt, value, msg, size);
	conf_option_free(&scratch, opt);
	return why;
}

/* find_setting - the setting of an authmilter option, or NULL */
static struct setting *
find_setting(struct migration *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		if (ascii_strcasecmp(m->s[i].name, name) == 0)
			return &m->s[i];
	return NULL;
}

/*
 * set - write authmilter option name = value because of entry e (NULL:
 * implied by a default, explained by origin). comment, when not NULL, is
 * one more line of explanation. Returns false when it was dropped.
 */
static bool
set_from(struct migration *m, const struct oconf_entry *e, const char *origin,
    const char *name, const char *value, const char *comment)
{
	const struct conf_option *opt = conf_option_find(name);
	struct setting *s;
	char msg[256];
	const char *why;

	if (opt == NULL) {
		if (e != NULL)
			drop(m, e, "this authmilter has no %s option", name);
		return false;
	}
	if ((why = value_problem(opt, value, msg, sizeof(msg))) != NULL) {
		if (e != NULL)
			drop(m, e, "%s %s would be refused: %s", opt->name, value, why);
		return false;
	}
	s = find_setting(m, opt->name);
	if (s != NULL && ascii_strcasecmp(s->value, value) != 0) {
		if (e != NULL)
			drop(m, e, "%s is already %s%s%s; the first value is kept "
			    "(one authmilter replaces both milters)", opt->name,
			    s->value, *s->first != '\0' ? " from " : "", s->first);
		return false;
	}
	if (s == NULL) {
		m->s = xreallocarray(m->s, m->count + 1, sizeof(*m->s));
		s = &m->s[m->count++];
		s->name = xstrdup(opt->name);
		s->value = xstrdup(value);
		if (e != NULL) {
			char where[512];

			/* truncation only shortens a message */
			(void)snprintf(where, sizeof(where), "%s:%u", e->file, e->line);
			s->first = xstrdup(where);
		} else {
			s->first = xstrdup("");
		}
		buf_init(&s->why);
	}
	if (e != NULL)
		buf_printf(&s->why, "# from %s:%u: %s %s\n", e->file, e->line,
		    e->name, e->value);
	else
		buf_printf(&s->why, "# %s\n", origin);
	if (comment != NULL)
		buf_printf(&s->why, "#   %s\n", comment);
	return true;
}

static bool
set(struct migration *m, const struct oconf_entry *e, const char *name,
    const char *value, const char *comment)
{
	return set_from(m, e, NULL, name, value, comment);
}

/* parse_number - whole-string decimal; false when not one */
static bool
parse_number(const char *v, unsigned long *out)
{
	char *end;

	if (!ascii_isdigit((unsigned char)*v))
		return false;
	*out = strtoul(v, &end, 10);
	return *end == '\0' && *out < 100000000UL;
}

/* commas_to_spaces - "a, b,c" -> "a b c" (csl: prefix dropped) */
static char *
commas_to_spaces(const char *v)
{
	char *out, *p;

	if (strncmp(v, "csl:", 4) == 0)
		v += 4;
	out = xstrdup(v);
	for (p = out; *p != '\0'; p++)
		if (*p == ',')
			*p = ' ';
	return out;
}

/* ---- rule functions -------------------------------------------------- */

static void
r_drop(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	drop(m, e, "%s", r->arg);
}

/* r_same - the same value under authmilter's name (r->arg or the same) */
static void
r_same(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	(void)set(m, e, r->arg != NULL ? r->arg : e->name, e->value, NULL);
}

/* r_list - a comma-separated data set into a list option */
static void
r_list(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	char *v;

	if (e->value[0] == '/' || strncmp(e->value, "file:", 5) == 0 ||
	    (strchr(e->value, ':') != NULL && strncmp(e->value, "csl:", 4) != 0)) {
		drop(m, e, "only an inline list can be carried; write the "
		    "entries into %s", r->arg != NULL ? r->arg : e->name);
		return;
	}
	v = commas_to_spaces(e->value);
	(void)set(m, e, r->arg != NULL ? r->arg : e->name, v, NULL);
	free(v);
}

static void
r_bool(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	bool b;

	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	(void)set(m, e, r->arg != NULL ? r->arg : e->name, b ? "yes" : "no", NULL);
}

/* r_seconds - whole seconds into a duration, held to authmilter's range */
static void
r_seconds(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	const struct conf_option *opt = conf_option_find(r->arg);
	unsigned long n, ms;
	char v[32], why[128];

	if (!parse_number(e->value, &n)) {
		drop(m, e, "not a number of seconds");
		return;
	}
	ms = n * 1000;
	if (n == 0 && opt != NULL && opt->max != 0 && opt->min > 0) {
		/* OpenDKIM/OpenDMARC: 0 waits forever; authmilter is bounded */
		ms = opt->max;
		(void)snprintf(why, sizeof(why), "0 (no limit) is not allowed; "
		    "the longest allowed value is used");
	} else if (opt != NULL && opt->max != 0 &&
	    (ms < opt->min || ms > opt->max)) {
		ms = ms < opt->min ? opt->min : opt->max;
		(void)snprintf(why, sizeof(why), "%lus is outside authmilter's "
		    "range; the nearest allowed value is used", n);
	} else if (r->comment != NULL) {
		(void)snprintf(why, sizeof(why), "%s", r->comment);
	} else {
		why[0] = '\0';
	}
	(void)snprintf(v, sizeof(v), "%lums", ms);
	if (ms % 1000 == 0)
		(void)snprintf(v, sizeof(v), "%lus", ms / 1000);
	(void)set(m, e, r->arg, v, why[0] != '\0' ? why : NULL);
}

/* r_uint - a count, held to authmilter's range */
static void
r_uint(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	const struct conf_option *opt = conf_option_find(r->arg);
	unsigned long n;
	char v[32], why[192];

	if (!parse_number(e->value, &n)) {
		drop(m, e, "not a whole number");
		return;
	}
	(void)snprintf(why, sizeof(why), "%s", r->comment != NULL ? r->comment : "");
	if (opt != NULL && opt->max != 0 && (n < opt->min || n > opt->max)) {
		(void)snprintf(why, sizeof(why), "%lu is outside authmilter's "
		    "range %lu-%lu; the nearest is used", n, opt->min, opt->max);
		n = n < opt->min ? opt->min : opt->max;
	}
	(void)snprintf(v, sizeof(v), "%lu", n);
	(void)set(m, e, r->arg, v, why[0] != '\0' ? why : NULL);
}

/* r_socket - local:/path -> unix:/path; inet:port@[addr] -> inet:port@addr */
static void
r_socket(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char v[512];
	const char *at, *p = e->value;

	(void)r;
	if (strncmp(p, "local:", 6) == 0 || strncmp(p, "unix:", 5) == 0) {
		(void)snprintf(v, sizeof(v), "unix:%s", strchr(p, ':') + 1);
	} else if (strncmp(p, "inet:", 5) == 0 || strncmp(p, "inet6:", 6) == 0) {
		at = strchr(p, '@');
		if (at != NULL && at[1] == '[' && (strchr(at, ']') == NULL ||
		    strchr(at, ']')[1] != '\0')) {
			drop(m, e, "unbalanced [ ] around the address");
			return;
		}
		if (at != NULL && at[1] == '[')
			(void)snprintf(v, sizeof(v), "%.*s%.*s", (int)(at - p + 1), p,
			    (int)(strchr(at, ']') - at - 2), at + 2);
		else
			(void)snprintf(v, sizeof(v), "%s", p);
	} else if (p[0] == '/') {
		(void)snprintf(v, sizeof(v), "unix:%s", p);
	} else {
		drop(m, e, "socket form not understood (expected local:/path, "
		    "inet:port@host or inet6:port@host)");
		return;
	}
	(void)set(m, e, "Socket", v, strncmp(v, "unix:", 5) == 0 ?
	    "the MTA keeps connecting to the same path" : NULL);
}

/* r_umask - the file mode the program's unix socket got */
static void
r_umask(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	unsigned long u;
	char *end, v[16];

	(void)r;
	u = strtoul(e->value, &end, 8);
	if (*e->value == '\0' || *end != '\0' || u > 0777) {
		drop(m, e, "not an octal umask");
		return;
	}
	(void)snprintf(v, sizeof(v), "0%03lo", 0777UL & ~u);
	(void)set(m, e, "SocketMode", v, "a unix socket made under this umask "
	    "gets this mode; authmilter sets it directly");
}

static void
r_syslog(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	if (b)
		(void)set(m, e, "LogTo", "syslog", NULL);
	else
		drop(m, e, "authmilter always logs (LogTo syslog or stderr); "
		    "LogLevel error keeps it quiet");
}

/* r_facility - "LOG_MAIL" or "mail" -> "mail" */
static void
r_facility(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char v[64];
	const char *p = e->value;

	(void)r;
	if (ascii_strncasecmp(p, "LOG_", 4) == 0)
		p += 4;
	(void)snprintf(v, sizeof(v), "%s", p);
	(void)set(m, e, "LogFacility", str_lower(v), NULL);
}

/* r_loglevel - a yes turns on authmilter's level r->arg */
static void
r_loglevel(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	if (b)
		(void)set(m, e, "LogLevel", r->arg, NULL);
	else
		note(m, e, "nothing to set (authmilter logs one line per message "
		    "at LogLevel info; warn hides those)");
}

/* r_hosts - a host data set into InternalHosts (merged from all) */
static void
r_hosts(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	struct strlist nets = { NULL, 0 }, skipped = { NULL, 0 };
	struct buf err = BUF_INIT;
	size_t i;

	if (!hostlist_read(e->value, strcmp(r->name, "IgnoreHosts") != 0, &nets,
	    &skipped, &err)) {
		drop(m, e, "cannot read the host list: %s", buf_cstr(&err));
		buf_deinit(&err);
		return;
	}
	m->hosts_seen[r->src == DMARC ? 2 : 1] = true;
	for (i = 0; i < nets.count; i++)
		if (!strlist_has(&m->internal, nets.items[i]))
			strlist_add(&m->internal, nets.items[i]);
	for (i = 0; i < skipped.count; i++)
		drop(m, e, "entry %s", skipped.items[i]);
	buf_printf(&m->internal_why, "# from %s:%u: %s %s (%zu networks)\n",
	    e->file, e->line, e->name, e->value, nets.count);
	if (r->arg != NULL)
		buf_printf(&m->internal_why, "#   %s\n", r->arg);
	strlist_deinit(&nets);
	strlist_deinit(&skipped);
	buf_deinit(&err);
}

/* r_nameservers - OpenDKIM's comma-separated addresses (IPv6 has colons,
 * so this is not a data set) */
static void
r_nameservers(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char *v = commas_to_spaces(e->value);

	(void)r;
	(void)set(m, e, "Nameservers", v, NULL);
	free(v);
}

static void
r_authservid(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)r;
	if (ascii_strcasecmp(e->value, "HOSTNAME") == 0)
		note(m, e, "authmilter's default is the host's name too");
	else
		(void)set(m, e, "AuthservID", e->value, NULL);
}

/* r_reject_failures - OpenDMARC rejects (and tempfails) only when asked */
static void
r_reject_failures(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	if (b) {
		(void)set(m, e, "DMARCRejectAction", "reject", NULL);
		(void)set(m, e, "DMARCTempErrorAction", "tempfail",
		    "OpenDMARC temp-fails when evaluation cannot complete");
	} else {
		(void)set(m, e, "DMARCRejectAction", "mark",
		    "OpenDMARC only adds its header unless RejectFailures is on");
	}
}

static void
r_hold(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	bool b;

	(void)r;
	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	(void)set(m, e, "DMARCQuarantineAction", b ? "hold" : "mark", NULL);
}

static void
r_multi_from(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	if (b)
		(void)set(m, e, "DMARCMultipleFrom", "reject", NULL);
	else
		drop(m, e, "OpenDMARC skips such messages; authmilter evaluates "
		    "every author domain and applies the strictest result");
}

/* r_always_yes - a yes/no whose one value authmilter always has (r->arg says
 * why the other cannot be carried) */
static void
r_always_yes(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	if (!oconf_bool(e->value, &b)) {
		drop(m, e, "not a yes/no value");
		return;
	}
	if (b)
		note(m, e, "authmilter always does this");
	else
		drop(m, e, "%s", r->arg);
}

static void
r_psl(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	(void)r;
	(void)set(m, e, "PSLFile", e->value, NULL);
}

static void
r_never_reject(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char *v = commas_to_spaces(e->value);

	(void)r;
	(void)set(m, e, "DMARCNeverReject", v, "close, not equal: OpenDMARC "
	    "ignores these domains; authmilter still evaluates and reports "
	    "them but never rejects them");
	free(v);
}

static void
r_sigalg(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)r;
	if (ascii_strcasecmp(e->value, "rsa-sha256") == 0)
		note(m, e, "authmilter signs rsa-sha256 with RSA keys");
	else
		drop(m, e, "authmilter picks the algorithm from the key: "
		    "rsa-sha256 for RSA, ed25519-sha256 for Ed25519");
}

/* OpenDKIM took relative names from its working directory (BaseDirectory),
 * authmilter from its configuration file's directory: the same text could
 * name another file, so it is not carried */
#define R_RELATIVE "a relative path: OpenDKIM resolved it from its working " \
	"directory, authmilter from its configuration file's; write it absolute"

/* r_table - KeyTable / SigningTable: authmilter reads OpenDKIM's files */
static void
r_table(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	const char *v = e->value;

	const char *path = strncmp(v, "file:", 5) == 0 ? v + 5 :
	    strncmp(v, "refile:", 7) == 0 ? v + 7 : v;

	(void)r;
	if (path == v && strchr(v, ':') != NULL) {
		drop(m, e, "authmilter reads flat files only (path, file: or "
		    "refile:), not databases, LDAP or Lua data sets");
		return;
	}
	if (path[0] != '/') {
		drop(m, e, "%s", R_RELATIVE);
		return;
	}
	(void)set(m, e, e->name, v, "the same file, read the OpenDKIM way");
}

/* r_keyfile - KeyFile must name the file absolutely (see R_RELATIVE) */
static void
r_keyfile(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)r;
	if (e->value[0] != '/') {
		drop(m, e, "%s", R_RELATIVE);
		return;
	}
	(void)set(m, e, "KeyFile", e->value, NULL);
}

/* ---- the table ----------------------------------------------------- */

#define R_SYSTEMD "run authmilter under systemd (contrib/authmilter.service: Restart=on-failure)"
#define R_SANDBOX "use the sandboxing of contrib/authmilter.service instead"
#define R_NOREPORT "authmilter sends no reports (failure reports, RFC 9991, are not implemented)"
#define R_NOLUA "authmilter has no scripting hooks"
#define R_NOLDAP "authmilter reads no LDAP"
#define R_DEBUG "a debugging aid with no authmilter counterpart (use LogLevel debug)"
#define R_NOAR "authmilter always adds one Authentication-Results field and removes only forged ones with its own authserv-id (RFC 8601 section 5)"
#define R_NOTEST "a test-mode option"

static const struct rule rules[] = {
	/* shared daemon options */
	{ "Socket", BOTH, r_socket, NULL, NULL },
	{ "UserID", BOTH, r_same, NULL, NULL },
	{ "PidFile", BOTH, r_same, NULL, NULL },
	{ "UMask", BOTH, r_umask, NULL, NULL },
	{ "Syslog", BOTH, r_syslog, NULL, NULL },
	{ "SyslogFacility", BOTH, r_facility, NULL, NULL },
	{ "AuthservID", BOTH, r_authservid, NULL, NULL },
	{ "DNSTimeout", BOTH, r_seconds, "DNSTimeout", NULL },
	{ "AuthservIDWithJobID", BOTH, r_drop, "authmilter's authserv-id is the name alone; the queue id is in its log line", NULL },
	{ "AutoRestart", BOTH, r_drop, R_SYSTEMD, NULL },
	{ "AutoRestartCount", BOTH, r_drop, R_SYSTEMD, NULL },
	{ "AutoRestartRate", BOTH, r_drop, R_SYSTEMD, NULL },
	{ "Background", BOTH, r_drop, "authmilter detaches unless started with -f", NULL },
	{ "BaseDirectory", BOTH, r_drop, "authmilter keeps / as its directory; write absolute paths", NULL },
	{ "ChangeRootDirectory", BOTH, r_drop, R_SANDBOX, NULL },
	{ "EnableCoredumps", BOTH, r_drop, "set with ulimit or systemd LimitCORE", NULL },
	{ "MilterDebug", BOTH, r_drop, R_DEBUG, NULL },
	{ "SoftwareHeader", BOTH, r_drop, "authmilter adds no software header", NULL },
	{ "RequiredHeaders", BOTH, r_drop, "authmilter does not reject on RFC 5322 header counts; DMARC handles a missing or multiple From", NULL },
	/* OpenDKIM */
	{ "Mode", DKIM, r_same, NULL, NULL },
	{ "Canonicalization", DKIM, r_same, NULL, NULL },
	{ "Domain", DKIM, r_list, NULL, NULL },
	{ "Selector", DKIM, r_same, NULL, NULL },
	{ "KeyFile", DKIM, r_keyfile, NULL, NULL },
	{ "KeyTable", DKIM, r_table, NULL, NULL },
	{ "SigningTable", DKIM, r_table, NULL, NULL },
	{ "MultipleSignatures", DKIM, r_bool, NULL, NULL },
	{ "SignHeaders", DKIM, r_list, NULL, NULL },
	{ "OversignHeaders", DKIM, r_list, NULL, NULL },
	{ "InternalHosts", DKIM, r_hosts, NULL, NULL },
	{ "TrustAnchorFile", DKIM, r_same, NULL, NULL },
	{ "Nameservers", DKIM, r_nameservers, NULL, NULL },
	{ "SyslogSuccess", DKIM, r_loglevel, "info", NULL },
	{ "LogWhy", DKIM, r_loglevel, "debug", NULL },
	{ "LogResults", DKIM, r_loglevel, "debug", NULL },
	{ "MinimumKeyBits", DKIM, r_uint, "DKIMMinKeyBits", NULL },
	{ "MaximumSignaturesToVerify", DKIM, r_uint, "DKIMMaxSignatures", NULL },
	{ "MaximumHeaders", DKIM, r_uint, "MaxHeaderBytes", "OpenDKIM rejected bigger header blocks; authmilter keeps fields up to this cap and still checks the rest" },
	{ "ClockDrift", DKIM, r_seconds, "DKIMClockSkew", NULL },
	{ "SignatureAlgorithm", DKIM, r_sigalg, NULL, NULL },
	{ "QueryCache", DKIM, r_always_yes, "authmilter always caches DNS answers (libunbound)", NULL },
	{ "AlwaysAddARHeader", DKIM, r_drop, R_NOAR, NULL },
	{ "KeepAuthResults", DKIM, r_drop, R_NOAR, NULL },
	{ "RemoveARAll", DKIM, r_drop, R_NOAR, NULL },
	{ "RemoveARFrom", DKIM, r_drop, R_NOAR, NULL },
	{ "ExternalIgnoreList", DKIM, r_drop, "only silences OpenDKIM's \"external host tried to send as\" log line; authmilter has no such line", NULL },
	{ "PeerList", DKIM, r_drop, "authmilter has no per-client bypass: such clients are verified (or signed, when listed in InternalHosts)", NULL },
	{ "ExemptDomains", DKIM, r_drop, "authmilter has no per-domain bypass", NULL },
	{ "DontSignMailTo", DKIM, r_drop, "authmilter signs by author, never by recipient", NULL },
	{ "ResignAll", DKIM, r_drop, "authmilter signs internal and authenticated mail only", NULL },
	{ "ResignMailTo", DKIM, r_drop, "authmilter signs internal and authenticated mail only", NULL },
	{ "SubDomains", DKIM, r_drop, "write refile: SigningTable patterns such as *@*.example.com", NULL },
	{ "SenderHeaders", DKIM, r_drop, "authmilter picks the signing domain from From", NULL },
	{ "SenderMacro", DKIM, r_drop, "authmilter picks the signing domain from From", NULL },
	{ "BodyLengthDB", DKIM, r_drop, "authmilter never signs with l=", NULL },
	{ "SignatureTTL", DKIM, r_drop, "authmilter writes no x= expiry", NULL },
	{ "OmitHeaders", DKIM, r_drop, "list the fields to sign in SignHeaders instead", NULL },
	{ "MustBeSigned", DKIM, r_drop, "no counterpart", NULL },
	{ "MaximumSignedBytes", DKIM, r_drop, "authmilter always signs the whole body", NULL },
	{ "Minimum", DKIM, r_drop, "no counterpart for l= coverage thresholds", NULL },
	{ "RequireSafeKeys", DKIM, r_drop, "authmilter always refuses key files readable by group or others", NULL },
	{ "UnprotectedKey", DKIM, r_drop, "DNSSEC status is reported, not policed per key", NULL },
	{ "BogusKey", DKIM, r_drop, "DNSSEC-bogus keys always fail (temperror)", NULL },
	{ "Quarantine", DKIM, r_drop, "authmilter quarantines on DMARC policy only (DMARCQuarantineAction)", NULL },
	{ "RedirectFailuresTo", DKIM, r_drop, "authmilter never redirects mail", NULL },
	{ "ReportAddress", DKIM, r_drop, R_NOREPORT, NULL },
	{ "ReportBccAddress", DKIM, r_drop, R_NOREPORT, NULL },
	{ "RequestReports", DKIM, r_drop, R_NOREPORT, NULL },
	{ "SendReports", DKIM, r_drop, R_NOREPORT, NULL },
	{ "ResolverConfiguration", DKIM, r_drop, "set the resolver with Nameservers, TrustAnchorFile and DNSTimeout", NULL },
	{ "ResolverTracing", DKIM, r_drop, R_DEBUG, NULL },
	{ "DNSConnect", DKIM, r_drop, "libunbound chooses the transport", NULL },
	{ "TrustSignaturesFrom", DKIM, r_drop, "DMARC alignment decides which signatures count", NULL },
	{ "DomainKeysCompat", DKIM, r_drop, "DomainKeys is obsolete; authmilter verifies DKIM only", NULL },
	{ "Diagnostics", DKIM, r_drop, "authmilter writes no z= copied headers", NULL },
	{ "DiagnosticDirectory", DKIM, r_drop, R_DEBUG, NULL },
	{ "CaptureUnknownErrors", DKIM, r_drop, R_DEBUG, NULL },
	{ "KeepTemporaryFiles", DKIM, r_drop, "authmilter streams the body and writes no temporary files", NULL },
	{ "TemporaryDirectory", DKIM, r_drop, "authmilter streams the body and writes no temporary files", NULL },
	{ "DisableCryptoInit", DKIM, r_drop, "no counterpart", NULL },
	{ "FixCRLF", DKIM, r_drop, "authmilter canonicalizes line ends as RFC 6376 says", NULL },
	{ "StrictHeaders", DKIM, r_drop, "authmilter's parsers are always strict where RFC 6376 asks", NULL },
	{ "WeakSyntaxChecks", DKIM, r_drop, "authmilter's parsers are always strict where RFC 6376 asks", NULL },
	{ "IgnoreMalformedMail", DKIM, r_drop, "malformed mail gets a permerror result", NULL },
	{ "IdentityHeader", DKIM, r_drop, "authmilter sets no i= from a header", NULL },
	{ "IdentityHeaderRemove", DKIM, r_drop, "authmilter sets no i= from a header", NULL },
	{ "MacroList", DKIM, r_drop, "authmilter signs clients in InternalHosts and SMTP-authenticated ones", NULL },
	{ "MTA", DKIM, r_drop, "authmilter signs clients in InternalHosts and SMTP-authenticated ones", NULL },
	{ "MTACommand", DKIM, r_drop, R_NOREPORT, NULL },
	{ "NoHeaderB", DKIM, r_drop, "header.b is always written", NULL },
	{ "ReplaceHeaders", DKIM, r_drop, "authmilter does not rewrite headers", NULL },
	{ "ReplaceRules", DKIM, r_drop, "authmilter does not rewrite headers", NULL },
	{ "SelectCanonicalizationHeader", DKIM, r_drop, "set Canonicalization", NULL },
	{ "SetupPolicyScript", DKIM, r_drop, R_NOLUA, NULL },
	{ "ScreenPolicyScript", DKIM, r_drop, R_NOLUA, NULL },
	{ "FinalPolicyScript", DKIM, r_drop, R_NOLUA, NULL },
	{ "StatisticsPolicyScript", DKIM, r_drop, R_NOLUA, NULL },
	{ "Statistics", DKIM, r_drop, "authmilter keeps no statistics file", NULL },
	{ "StatisticsName", DKIM, r_drop, "authmilter keeps no statistics file", NULL },
	{ "StatisticsPrefix", DKIM, r_drop, "authmilter keeps no statistics file", NULL },
	{ "POPDBFile", DKIM, r_drop, "use SMTP AUTH or InternalHosts", NULL },
	{ "SMTPURI", DKIM, r_drop, R_NOREPORT, NULL },
	{ "SoftStart", DKIM, r_drop, "authmilter refuses to start on a config error", NULL },
	{ "SyslogName", DKIM, r_drop, "authmilter logs as authmilter", NULL },
	{ "LDAPAuthMechanism", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPAuthName", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPAuthRealm", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPAuthUser", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPBindPassword", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPBindUser", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPDisableCache", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPKeepaliveIdle", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPKeepaliveInterval", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPKeepaliveProbes", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPTimeout", DKIM, r_drop, R_NOLDAP, NULL },
	{ "LDAPUseTLS", DKIM, r_drop, R_NOLDAP, NULL },
	{ "StrictTestMode", DKIM, r_drop, R_NOTEST, NULL },
	{ "TestDNSData", DKIM, r_drop, R_NOTEST, NULL },
	{ "TestPublicKeys", DKIM, r_drop, R_NOTEST, NULL },
	/* OpenDMARC */
	{ "IgnoreHosts", DMARC, r_hosts, "OpenDMARC ignored these clients; authmilter does not verify InternalHosts either (and signs their mail when signing is set up)", NULL },
	{ "RejectFailures", DMARC, r_reject_failures, NULL, NULL },
	{ "HoldQuarantinedMessages", DMARC, r_hold, NULL, NULL },
	{ "RejectMultiValueFrom", DMARC, r_multi_from, NULL, NULL },
	{ "IgnoreAuthenticatedClients", DMARC, r_always_yes, "authmilter never verifies SMTP-authenticated clients (it signs their mail)", NULL },
	{ "SPFSelfValidate", DMARC, r_always_yes, "authmilter always checks SPF itself and never reads other hosts' SPF results", NULL },
	{ "SPFIgnoreResults", DMARC, r_always_yes, "authmilter always checks SPF itself and never reads other hosts' SPF results", NULL },
	{ "PublicSuffixList", DMARC, r_psl, NULL, NULL },
	{ "IgnoreMailFrom", DMARC, r_never_reject, NULL, NULL },
	{ "TrustedAuthservIDs", DMARC, r_drop, "authmilter never trusts Authentication-Results from other hosts: it checks SPF and DKIM itself", NULL },
	{ "RejectString", DMARC, r_drop, "RejectText is fixed text (no %s); the built-in reply names the domain", NULL },
	{ "FailureReports", DMARC, r_drop, R_NOREPORT, NULL },
	{ "FailureReportsBcc", DMARC, r_drop, R_NOREPORT, NULL },
	{ "FailureReportsOnNone", DMARC, r_drop, R_NOREPORT, NULL },
	{ "FailureReportsSentBy", DMARC, r_drop, R_NOREPORT, NULL },
	{ "CopyFailuresTo", DMARC, r_drop, R_NOREPORT, NULL },
	{ "ReportCommand", DMARC, r_drop, R_NOREPORT, NULL },
	{ "HistoryFile", DMARC, r_drop, "aggregate reports (RFC 9990) are not implemented, so there is no history to write", NULL },
	{ "RecordAllMessages", DMARC, r_drop, "aggregate reports (RFC 9990) are not implemented, so there is no history to write", NULL },
	{ "IgnoreMailTo", DMARC, r_drop, "aggregate reports (RFC 9990) are not implemented, so there is no history to write", NULL },
	{ "DomainWhitelist", DMARC, r_drop, "no counterpart", NULL },
	{ "DomainWhitelistFile", DMARC, r_drop, "no counterpart", NULL },
	{ "DomainWhitelistSize", DMARC, r_drop, "no counterpart", NULL },
};

/* ---- public -------------------------------------------------------- */

struct migration *
migration_new(void)
{
	struct migration *m = xcalloc(1, sizeof(*m));

	buf_init(&m->internal_why);
	return m;
}

void
migration_free(struct migration **mp)
{
	struct migration *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->count; i++) {
		free(m->s[i].name);
		free(m->s[i].value);
		free(m->s[i].first);
		buf_deinit(&m->s[i].why);
	}
	free(m->s);
	strlist_deinit(&m->internal);
	buf_deinit(&m->internal_why);
	strlist_deinit(&m->notes);
	strlist_deinit(&m->dropped);
	free(m);
	*mp = NULL;
}

void
migration_add(struct migration *m, enum migrate_source src,
    const struct oconf *oc)
{
	size_t i, k;

	for (i = 0; i < oc->count; i++) {
		const struct oconf_entry *e = &oc->e[i];
		const struct rule *r = NULL;

		for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
			if ((rules[k].src & (int)src) != 0 &&
			    ascii_strcasecmp(rules[k].name, e->name) == 0) {
				r = &rules[k];
				break;
			}
		}
		if (r == NULL)
			drop(m, e, "not an option %s documents",
			    src == MIGRATE_OPENDKIM ? "opendkim.conf(5)" :
			    "opendmarc.conf(5)");
		else
			r->fn(m, e, r);
	}
}

/* add_default_hosts - a program read without its host option kept its
 * default (127.0.0.1 for both); once the merged list replaces
 * authmilter's default, that address must be in it */
static void
add_default_hosts(struct migration *m, bool had, int idx, const char *what)
{
	if (!had || m->hosts_seen[idx] || m->internal.count == 0)
		return;
	if (!strlist_has(&m->internal, "127.0.0.1"))
		strlist_add(&m->internal, "127.0.0.1");
	buf_printf(&m->internal_why, "# 127.0.0.1: %s\n", what);
}

void
migration_finish(struct migration *m, bool had_opendkim, bool had_opendmarc)
{
	const char *why = had_opendmarc ?
	    "OpenDMARC's default: RejectFailures false" :
	    "no OpenDMARC configuration: DMARC was not enforced";

	add_default_hosts(m, had_opendkim, 1, "OpenDKIM's default InternalHosts");
	add_default_hosts(m, had_opendmarc, 2, "OpenDMARC's default IgnoreHosts");
	if (find_setting(m, "DMARCRejectAction") == NULL)
		(void)set_from(m, NULL, why, "DMARCRejectAction", "mark", NULL);
	if (find_setting(m, "DMARCQuarantineAction") == NULL)
		(void)set_from(m, NULL, had_opendmarc ?
		    "OpenDMARC's default: HoldQuarantinedMessages false" : why,
		    "DMARCQuarantineAction", "mark", NULL);
	if (had_opendmarc && find_setting(m, "DMARCMode") == NULL)
		(void)set_from(m, NULL, "OpenDMARC implements RFC 7489 (Public "
		    "Suffix List); authmilter's default, rfc9989, uses the DNS "
		    "Tree Walk", "DMARCMode", "rfc7489", NULL);
}

const struct strlist *
migration_dropped(const struct migration *m)
{
	return &m->dropped;
}

void
migration_render(const struct migration *m, const char *title,
    struct buf *out)
{
	size_t i;

	buf_printf(out, "# authmilter.conf written by authmilter-migrate %s\n",
	    PACKAGE_VERSION);
	buf_printf(out, "# %s\n", title);
	buf_append_str(out, "# Check it with: authmilter -t -c FILE. Options not "
	    "set here keep\n# their defaults (authmilter.conf(5)).\n");
	for (i = 0; i < m->count; i++) {
		buf_append_str(out, "\n");
		buf_append_str(out, buf_cstr(&m->s[i].why));
		buf_printf(out, "%s %s\n", m->s[i].name, m->s[i].value);
	}
	if (m->internal.count > 0) {
		buf_append_str(out, "\n");
		buf_append_str(out, buf_cstr(&m->internal_why));
		buf_append_str(out, "InternalHosts");
		for (i = 0; i < m->internal.count; i++)
			buf_printf(out, " %s", m->internal.items[i]);
		buf_append_str(out, "\n");
	}
	if (m->notes.count > 0) {
		buf_append_str(out, "\n# Carried over without a setting:\n");
		for (i = 0; i < m->notes.count; i++)
			buf_printf(out, "#   %s\n", m->notes.items[i]);
	}
	buf_append_str(out, "\n# Not carried over:\n");
	if (m->dropped.count == 0)
		buf_append_str(out, "#   (nothing)\n");
	for (i = 0; i < m->dropped.count; i++)
		buf_printf(out, "#   %s\n", m->dropped.items[i]);
}
