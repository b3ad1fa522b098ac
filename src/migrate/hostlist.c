/*
 * hostlist.c - read the host lists OpenDKIM (InternalHosts, PeerList,
 * ExternalIgnoreList: opendkim.conf(5) "DATA SETS") and OpenDMARC
 * (IgnoreHosts: a file) point to, for the migration tool.
 *
 *   hostlist_read   split a data set into networks and skipped entries
 *
 * A file has one entry per line, its first word (the rest is a value
 * OpenDKIM and OpenDMARC ignore here), "#" comments and blank lines
 * ignored. OpenDKIM reads a refile: set's lines the same way but matches
 * each as a pattern ("*" any text, "." and "+" themselves, the rest as a
 * POSIX extended regular expression, anchored at both ends) against the
 * text it looks up: a line with no other special character matched
 * exactly what the same line of a file matched, so it is read as one;
 * a real pattern ("192.168.*", "*.example.com") is listed.
 * Entries that authmilter's InternalHosts cannot hold are not dropped
 * silently: they are returned so the caller lists them.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migrate/hostcarve.h"
#include "migrate/hostlist.h"
#include "util/cidr.h"
#include "util/str.h"

/*
 * as_looked_up - the text OpenDKIM and OpenDMARC would have to find for
 * network p to match: both print the client's address (inet_ntop, lower
 * case), clear its low bits prefix by prefix, and look each "addr/n" up
 * as a string. An entry written otherwise ("10.1.2.3/8", "2001:db8:0::1")
 * never matched anything there. False when p is written that way.
 */
static bool
as_looked_up(const char *p, char *canon, size_t size)
{
	struct cidr c;
	char text[INET6_ADDRSTRLEN];
	unsigned i, bits;

	if (!cidr_parse(p, &c))
		return true;
	bits = c.family == AF_INET ? 32 : 128;
	for (i = c.prefix; i < bits; i++)
		c.addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	if (inet_ntop(c.family, c.addr, text, sizeof(text)) == NULL)
		return true;
	if (strchr(p, '/') != NULL)
		(void)snprintf(canon, size, "%s/%u", text, c.prefix);
	else
		(void)snprintf(canon, size, "%s", text);
	return ascii_strcasecmp(canon, p) == 0;
}

/* struct lists - where classify puts each entry */
struct lists {
	struct strlist *nets, *skipped;
	struct strlist exceptions;	/* "!" entries OpenDKIM could match */
};

/* exception - a "!" entry: kept for hostcarve when OpenDKIM could match
 * it, listed either way (authmilter's InternalHosts has no exceptions) */
static void
exception(const char *p, struct lists *l)
{
	char text[512], canon[INET6_ADDRSTRLEN + 8];

	if (cidr_valid(p + 1) && as_looked_up(p + 1, canon, sizeof(canon))) {
		strlist_add(&l->exceptions, p + 1);
		(void)snprintf(text, sizeof(text), "%.300s (an exception: "
		    "authmilter has none, so the networks holding it are "
		    "written as the networks around it)", p);
	} else {
		(void)snprintf(text, sizeof(text), "%.300s (an exception "
		    "OpenDKIM never matched: not an address or network in "
		    "the form it looks up)", p);
	}
	strlist_add(l->skipped, text);
}

/* classify - one entry into nets, skipped or exceptions */
static void
classify(char *entry, struct lists *l)
{
	char text[512];
	char *p = str_trim(entry);
	struct strlist *nets = l->nets, *skipped = l->skipped;
	size_t n;

	if (*p == '\0')
		return;
	if (*p == '!') {
		exception(p, l);
		return;
	}
	/* OpenDKIM writes IPv6 addresses in brackets: [2001:db8::1]/64 */
	n = strlen(p);
	if (*p == '[' && strchr(p, ']') != NULL) {
		char *close = strchr(p, ']');

		memmove(close, close + 1, strlen(close + 1) + 1);
		p++;
		n -= 2;
	}
	if (cidr_valid(p)) {
		char canon[INET6_ADDRSTRLEN + 8];

		if (as_looked_up(p, canon, sizeof(canon))) {
			strlist_add(nets, p);
			return;
		}
		(void)snprintf(text, sizeof(text), "%s (never matched: OpenDKIM "
		    "and OpenDMARC look networks up as text, this one as %s; "
		    "write that to include it)", p, canon);
		strlist_add(skipped, text);
		return;
	}
	(void)snprintf(text, sizeof(text), "%.*s (%s)", (int)(n > 300 ? 300 : n),
	    p, strchr(p, '/') != NULL ? "not a valid network" :
	    "a host name: authmilter matches addresses only");
	strlist_add(skipped, text);
}

/* is_space - the white space both programs split a line at */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\v' || c == '\f';
}

/* is_pattern - does OpenDKIM's refile: reading of entry p match more
 * than its own text? (see the top of this file) */
static bool
is_pattern(const char *p)
{
	return strpbrk(p, "*?[](){}|^$\\") != NULL;
}

/* read_hostfile - one entry per line; patterns: a refile: set */
static bool
read_hostfile(const char *path, bool patterns, struct lists *l,
    struct buf *err)
{
	char line[1024];
	unsigned lineno = 0, count = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *hash = strchr(line, '#'), *p = line, *end;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			buf_printf(err, "%s:%u: line too long", path, lineno);
			(void)fclose(f);
			return false;
		}
		if (hash != NULL)
			*hash = '\0';
		/* the entry is the line's first word: OpenDKIM's file data
		 * sets keep the rest as a value, OpenDMARC's IgnoreHosts
		 * reader drops it ("10.0.0.0/8 office" is 10.0.0.0/8) */
		while (is_space(*p))
			p++;
		for (end = p; *end != '\0' && !is_space(*end); end++)
			continue;
		*end = '\0';
		if (++count > HOSTLIST_MAX_ENTRIES) {
			buf_printf(err, "%s:%u: more than %d entries", path,
			    lineno, HOSTLIST_MAX_ENTRIES);
			(void)fclose(f);
			return false;
		}
		if (patterns && is_pattern(p)) {
			char text[512];

			(void)snprintf(text, sizeof(text), "%.300s (a refile: "
			    "pattern: authmilter matches addresses and "
			    "networks only)", p);
			strlist_add(l->skipped, text);
			continue;
		}
		classify(p, l);
	}
	(void)fclose(f);
	return true;
}

/* other_kind - spec names a data set kind we cannot read (opendkim.conf(5)
 * "DATA SETS": databases, directories, scripts, regular-expression files) */
static bool
other_kind(const char *spec)
{
	static const char *const kinds[] = { "db:", "dsn:", "ldap:",
	    "ldaps:", "ldapi:", "lua:", "memcache:", "redis:", "mdb:",
	    "erlang:", "socket:" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (ascii_strncasecmp(spec, kinds[i], strlen(kinds[i])) == 0)
			return true;
	return false;
}

/* read_spec - the entries of a file or comma-separated list */
static bool
read_spec(const char *spec, bool lists_ok, struct lists *l, struct buf *err)
{
	char list[OCONF_LIST_MAX];
	char *p, *comma;

	if (ascii_strncasecmp(spec, "file:", 5) == 0)
		return read_hostfile(spec + 5, false, l, err);
	if (spec[0] == '/')
		return read_hostfile(spec, false, l, err);
	if (!lists_ok) {
		buf_printf(err, "%s: expected the path of a file", spec);
		return false;
	}
	if (ascii_strncasecmp(spec, "refile:", 7) == 0)
		return read_hostfile(spec + 7, true, l, err);
	if (ascii_strncasecmp(spec, "csl:", 4) == 0) {
		spec += 4;
	} else if (other_kind(spec)) {
		buf_printf(err, "%s: data set kind not supported (use a file "
		    "or a comma-separated list)", spec);
		return false;
	}
	if (strlen(spec) >= sizeof(list)) {
		buf_printf(err, "list longer than %d bytes", OCONF_LIST_MAX);
		return false;
	}
	(void)snprintf(list, sizeof(list), "%s", spec);
	for (p = list; p != NULL; p = comma) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma++ = '\0';
		classify(p, l);
	}
	return true;
}

bool
hostlist_read(const char *spec, bool lists_ok, struct strlist *nets,
    struct strlist *skipped, struct buf *err)
{
	struct lists l = { nets, skipped, { NULL, 0 } };
	bool ok = read_spec(spec, lists_ok, &l, err);

	if (ok)
		(void)hostcarve_apply(nets, &l.exceptions);
	strlist_deinit(&l.exceptions);
	return ok;
}
