/*
 * migrate_rules.c - the converters several options share (same value,
 * lists, yes/no, seconds, counts, host lists, "always on") and the table
 * of the daemon options OpenDKIM and OpenDMARC both have (Socket, UserID,
 * PidFile, UMask, Syslog, AuthservID, DNSTimeout ...).
 *
 * Exported (migrate_int.h): migrate_r_* converters, migrate_shared_rules,
 * migrate_commas_to_spaces. Each converter maps one entry with
 * migrate_set or lists it with migrate_drop; nothing here fails.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_options.h"
#include "migrate/hostlist.h"
#include "migrate/migrate_int.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define R_SYSTEMD "run authmilter under systemd (contrib/authmilter.service: Restart=on-failure)"
#define R_SANDBOX "use the sandboxing of contrib/authmilter.service instead"

/* parse_number - a whole-string integer read as OpenDKIM's and
 * OpenDMARC's config.c read one (strtol base 0: 010 is octal 8, 0x10
 * hex 16); false when not one */
static bool
parse_number(const char *v, unsigned long *out)
{
	char *end;

	if (!ascii_isdigit((unsigned char)*v))
		return false;
	*out = strtoul(v, &end, 0);
	return *end == '\0' && *out < 100000000UL;
}

/* commas_to_spaces - "a, b,c" -> "a b c" (csl: prefix dropped) */
char *
migrate_commas_to_spaces(const char *v)
{
	char *out, *p;

	if (ascii_strncasecmp(v, "csl:", 4) == 0)
		v += 4;
	out = xstrdup(v);
	for (p = out; *p != '\0'; p++)
		if (*p == ',')
			*p = ' ';
	return out;
}

/* migrate_bool - the entry's yes/no value into *b_r; false (and the
 * entry dropped as "not a yes/no value") when it is neither */
bool
migrate_bool(struct migration *m, const struct oconf_entry *e, bool *b_r)
{
	if (oconf_bool(e->value, b_r))
		return true;
	migrate_drop(m, e, "not a yes/no value");
	return false;
}

void
migrate_r_drop(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	migrate_drop(m, e, "%s", r->arg);
}

/* migrate_r_same - the same value under authmilter's name (r->arg or
 * the same) */
void
migrate_r_same(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)migrate_set(m, e, r->arg != NULL ? r->arg : e->name, e->value, NULL);
}

/* migrate_r_list - a comma-separated data set into a list option */
void
migrate_r_list(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	char *v;

	if (e->value[0] == '/' || ascii_strncasecmp(e->value, "file:", 5) == 0 ||
	    (strchr(e->value, ':') != NULL &&
	    ascii_strncasecmp(e->value, "csl:", 4) != 0)) {
		migrate_drop(m, e, "only an inline list can be carried; write the "
		    "entries into %s", r->arg != NULL ? r->arg : e->name);
		return;
	}
	v = migrate_commas_to_spaces(e->value);
	(void)migrate_set(m, e, r->arg != NULL ? r->arg : e->name, v, NULL);
	free(v);
}

void
migrate_r_bool(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	if (!migrate_bool(m, e, &b))
		return;
	(void)migrate_set(m, e, r->arg != NULL ? r->arg : e->name,
	    b ? "yes" : "no", NULL);
}

/* migrate_r_seconds - whole seconds into a duration, held to
 * authmilter's range */
void
migrate_r_seconds(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	const struct conf_option *opt = conf_option_find(r->arg);
	unsigned long n, ms;
	char v[32], why[128];

	if (!parse_number(e->value, &n)) {
		migrate_drop(m, e, "not a number of seconds");
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
	(void)migrate_set(m, e, r->arg, v, why[0] != '\0' ? why : NULL);
}

/* migrate_r_uint - a count, held to authmilter's range */
void
migrate_r_uint(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	const struct conf_option *opt = conf_option_find(r->arg);
	unsigned long n;
	char v[32], why[192];

	if (!parse_number(e->value, &n)) {
		migrate_drop(m, e, "not a whole number");
		return;
	}
	(void)snprintf(why, sizeof(why), "%s", r->comment != NULL ? r->comment : "");
	if (opt != NULL && opt->max != 0 && (n < opt->min || n > opt->max)) {
		(void)snprintf(why, sizeof(why), "%lu is outside authmilter's "
		    "range %lu-%lu; the nearest is used", n, opt->min, opt->max);
		n = n < opt->min ? opt->min : opt->max;
	}
	(void)snprintf(v, sizeof(v), "%lu", n);
	(void)migrate_set(m, e, r->arg, v, why[0] != '\0' ? why : NULL);
}

/* migrate_r_always_yes - a yes/no whose one value authmilter always has
 * (r->arg says why the other cannot be carried) */
void
migrate_r_always_yes(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	if (!migrate_bool(m, e, &b))
		return;
	if (b)
		migrate_note(m, e, "authmilter always does this");
	else
		migrate_drop(m, e, "%s", r->arg);
}

/* merge_hosts - a host data set into a merged list (into, why) */
static bool
merge_hosts(struct migration *m, const struct oconf_entry *e,
    const struct rule *r, struct strlist *into, struct buf *why)
{
	struct strlist nets = { NULL, 0 }, skipped = { NULL, 0 };
	struct buf err = BUF_INIT, spec = BUF_INIT;
	size_t i, kind = ascii_strncasecmp(e->value, "file:", 5) == 0 ? 5 :
	    ascii_strncasecmp(e->value, "refile:", 7) == 0 ? 7 : 0;

	/* a relative file: (or refile:) name was opened from the program's
	 * working directory, not ours: only OpenDKIM's absolute
	 * BaseDirectory says which that was */
	if (kind != 0 && e->value[kind] != '/') {
		if (!m->adding_dkim || m->dkim_base_dir == NULL) {
			migrate_drop(m, e, "a relative path: the program read it "
			    "from its working directory; write it absolute (or "
			    "set an absolute BaseDirectory)");
			return false;
		}
		buf_printf(&spec, "%.*s%s/%s", (int)kind, e->value,
		    m->dkim_base_dir, e->value + kind);
	} else {
		buf_printf(&spec, "%s", e->value);
	}
	if (!hostlist_read(buf_cstr(&spec), strcmp(r->name, "IgnoreHosts") != 0,
	    &nets, &skipped, &err)) {
		migrate_drop(m, e, "cannot read the host list: %s", buf_cstr(&err));
		buf_deinit(&err);
		buf_deinit(&spec);
		return false;
	}
	buf_deinit(&spec);
	for (i = 0; i < nets.count; i++)
		if (!strlist_has(into, nets.items[i]))
			strlist_add(into, nets.items[i]);
	for (i = 0; i < skipped.count; i++)
		migrate_drop(m, e, "entry %s", skipped.items[i]);
	buf_printf(why, "# from %s:%u: %s %s (%zu networks)\n",
	    e->file, e->line, e->name, e->value, nets.count);
	if (r->arg != NULL)
		buf_printf(why, "#   %s\n", r->arg);
	strlist_deinit(&nets);
	strlist_deinit(&skipped);
	buf_deinit(&err);
	return true;
}

/* migrate_r_hosts - a host data set into InternalHosts (merged from all) */
void
migrate_r_hosts(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	int idx = r->src == DMARC ? 2 : 1;

	if (merge_hosts(m, e, r, &m->internal, &m->internal_why))
		m->hosts_seen[idx] = true;
	else
		m->hosts_unread[idx] = true;
}

/* migrate_r_peers - OpenDKIM's PeerList into PeerHosts */
void
migrate_r_peers(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)merge_hosts(m, e, r, &m->peers, &m->peers_why);
}

/* r_base_dir - OpenDKIM's absolute BaseDirectory makes its relative
 * paths absolute (migrate_opendkim.c); anything else is dropped */
static void
r_base_dir(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	if (m->adding_dkim && m->dkim_base_dir != NULL &&
	    strcmp(e->value, m->dkim_base_dir) == 0)
		migrate_note(m, e, "OpenDKIM's relative KeyTable, SigningTable "
		    "and KeyFile paths are written absolute against it");
	else
		migrate_drop(m, e, "%s", r->arg);
}

/* r_socket - local:/path -> unix:/path; inet:port@[addr] -> inet:port@addr */
static void
r_socket(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	struct buf v = BUF_INIT;
	const char *at, *p = e->value;

	(void)r;
	/* any length: a cut path or host would name another socket */
	if (strncmp(p, "local:", 6) == 0 || strncmp(p, "unix:", 5) == 0) {
		buf_printf(&v, "unix:%s", strchr(p, ':') + 1);
	} else if (strncmp(p, "inet:", 5) == 0 || strncmp(p, "inet6:", 6) == 0) {
		at = strchr(p, '@');
		if (at != NULL && at[1] == '[' && (strchr(at, ']') == NULL ||
		    strchr(at, ']')[1] != '\0')) {
			migrate_drop(m, e, "unbalanced [ ] around the address");
			return;
		}
		if (at != NULL && at[1] == '[')
			buf_printf(&v, "%.*s%.*s", (int)(at - p + 1), p,
			    (int)(strchr(at, ']') - at - 2), at + 2);
		else
			buf_printf(&v, "%s", p);
	} else if (p[0] == '/') {
		buf_printf(&v, "unix:%s", p);
	} else {
		migrate_drop(m, e, "socket form not understood (expected local:/path, "
		    "inet:port@host or inet6:port@host)");
		return;
	}
	(void)migrate_set(m, e, "Socket", buf_cstr(&v),
	    strncmp(buf_cstr(&v), "unix:", 5) == 0 ?
	    "the MTA keeps connecting to the same path" : NULL);
	buf_deinit(&v);
}

/* r_umask - the file mode the program's unix socket got. UMask is an
 * integer option: 007 and 0x7 are read as in C, and 22 is decimal (026),
 * not octal 022 */
static void
r_umask(struct migration *m, const struct oconf_entry *e, const struct rule *r)
{
	unsigned long u;
	char v[16];

	(void)r;
	if (!parse_number(e->value, &u) || u > 0777) {
		migrate_drop(m, e, "not a umask (an integer up to 0777)");
		return;
	}
	(void)snprintf(v, sizeof(v), "0%03lo", 0777UL & ~u);
	if (e->value[0] != '0' && u > 7) {
		char why[160];

		(void)snprintf(why, sizeof(why), "%s has no leading 0: it was "
		    "read as decimal, umask 0%03lo; a unix socket made under "
		    "it gets this mode", e->value, u);
		(void)migrate_set(m, e, "SocketMode", v, why);
		return;
	}
	(void)migrate_set(m, e, "SocketMode", v, "a unix socket made under this umask "
	    "gets this mode; authmilter sets it directly");
}

static void
r_syslog(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!migrate_bool(m, e, &b))
		return;
	if (b)
		(void)migrate_set(m, e, "LogTo", "syslog", NULL);
	else
		migrate_drop(m, e, "authmilter always logs (LogTo syslog or stderr); "
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
	(void)migrate_set(m, e, "LogFacility", str_lower(v), NULL);
}

static void
r_authservid(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	(void)r;
	if (ascii_strcasecmp(e->value, "HOSTNAME") == 0)
		migrate_note(m, e, "authmilter's default is the host's name too");
	else
		(void)migrate_set(m, e, "AuthservID", e->value, NULL);
}

/* r_required_headers - on, the program rejected a message without one
 * usable From (and other RFC 5322 header-count errors); off, it passed
 * such mail on, which migration_finish writes when nothing else says */
static void
r_required_headers(struct migration *m, const struct oconf_entry *e,
    const struct rule *r)
{
	bool b;

	(void)r;
	if (!migrate_bool(m, e, &b))
		return;
	if (b)
		(void)migrate_set(m, e, "DMARCBadFrom", "reject", "it also "
		    "rejected other RFC 5322 header-count errors (no Date, two "
		    "Subject fields ...); authmilter judges only the From");
	else
		migrate_note(m, e, "mail without a usable From is delivered "
		    "(DMARCBadFrom accept, unless the other program rejected it)");
}

const struct rule migrate_shared_rules[] = {
	{ "Socket", BOTH, r_socket, NULL, NULL },
	{ "UserID", BOTH, migrate_r_same, NULL, NULL },
	{ "PidFile", BOTH, migrate_r_same, NULL, NULL },
	{ "UMask", BOTH, r_umask, NULL, NULL },
	{ "Syslog", BOTH, r_syslog, NULL, NULL },
	{ "SyslogFacility", BOTH, r_facility, NULL, NULL },
	{ "AuthservID", BOTH, r_authservid, NULL, NULL },
	{ "DNSTimeout", BOTH, migrate_r_seconds, "DNSTimeout", NULL },
	{ "AuthservIDWithJobID", BOTH, migrate_r_drop, "authmilter's authserv-id is the name alone; the queue id is in its log line", NULL },
	{ "AutoRestart", BOTH, migrate_r_drop, R_SYSTEMD, NULL },
	{ "AutoRestartCount", BOTH, migrate_r_drop, R_SYSTEMD, NULL },
	{ "AutoRestartRate", BOTH, migrate_r_drop, R_SYSTEMD, NULL },
	{ "Background", BOTH, migrate_r_drop, "authmilter detaches unless started with -f", NULL },
	{ "BaseDirectory", BOTH, r_base_dir, "authmilter keeps / as its directory; write absolute paths", NULL },
	{ "ChangeRootDirectory", BOTH, migrate_r_drop, R_SANDBOX, NULL },
	{ "EnableCoredumps", BOTH, migrate_r_drop, "set with ulimit or systemd LimitCORE", NULL },
	{ "MilterDebug", BOTH, migrate_r_drop, R_DEBUG, NULL },
	{ "SoftwareHeader", BOTH, migrate_r_drop, "authmilter adds no software header", NULL },
	{ "RequiredHeaders", BOTH, r_required_headers, NULL, NULL },
};
const size_t migrate_shared_rule_count =
    sizeof(migrate_shared_rules) / sizeof(migrate_shared_rules[0]);
