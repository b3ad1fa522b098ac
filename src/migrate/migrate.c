/*
 * migrate.c - turn OpenDKIM and OpenDMARC options into authmilter options:
 * the collected settings and the authmilter.conf writer.
 *
 *   migration_new / migration_free   the collected settings
 *   migration_add                    map one program's entries
 *   migration_finish                 settings implied by defaults
 *   migration_render                 the authmilter.conf text
 *   migration_dropped                what could not be carried, and why
 *   migrate_set, migrate_drop, ...   for the mappers (migrate_int.h)
 *
 * Three tables name every option of opendkim.conf(5) and
 * opendmarc.conf(5) with what becomes of it (migrate_rules.c: the options
 * both have; migrate_opendkim.c, migrate_opendmarc.c: each one's own):
 * the same authmilter option, a converted one (sockets, seconds, host
 * lists, RejectFailures ...), or a reason it cannot be carried. Unknown
 * names are reported too. An option a program's file sets more than once
 * is carried from its last line, the one that program used; the earlier
 * lines are listed. A value is checked with authmilter's own option
 * parser before it is written, so a value authmilter would refuse is
 * listed, not emitted. When the two programs set one authmilter option
 * differently, the first (OpenDKIM, read first) wins and the other is
 * listed: one authmilter replaces both.
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

/* drop - list an entry that is not carried over */
void
migrate_drop(struct migration *m, const struct oconf_entry *e,
    const char *fmt, ...)
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
void
migrate_note(struct migration *m, const struct oconf_entry *e, const char *what)
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
struct setting *
migrate_find_setting(struct migration *m, const char *name)
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
bool
migrate_set_from(struct migration *m, const struct oconf_entry *e,
    const char *origin, const char *name, const char *value,
    const char *comment)
{
	const struct conf_option *opt = conf_option_find(name);
	struct setting *s;
	char msg[256];
	const char *why;

	if (opt == NULL) {
		if (e != NULL)
			migrate_drop(m, e, "this authmilter has no %s option", name);
		return false;
	}
	if ((why = value_problem(opt, value, msg, sizeof(msg))) != NULL) {
		if (e != NULL)
			migrate_drop(m, e, "%s %s would be refused: %s", opt->name, value, why);
		return false;
	}
	s = migrate_find_setting(m, opt->name);
	if (s != NULL && ascii_strcasecmp(s->value, value) != 0) {
		if (e != NULL)
			migrate_drop(m, e, "%s is already %s%s%s; the first value is kept "
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

bool
migrate_set(struct migration *m, const struct oconf_entry *e, const char *name,
    const char *value, const char *comment)
{
	return migrate_set_from(m, e, NULL, name, value, comment);
}

/* ---- public -------------------------------------------------------- */

struct migration *
migration_new(void)
{
	struct migration *m = xcalloc(1, sizeof(*m));

	buf_init(&m->internal_why);
	buf_init(&m->peers_why);
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
	strlist_deinit(&m->peers);
	buf_deinit(&m->peers_why);
	free(m->dkim_base_dir);
	strlist_deinit(&m->notes);
	strlist_deinit(&m->dropped);
	free(m);
	*mp = NULL;
}

/* later_entry - the last entry after e[i] naming the same option, or
 * NULL. OpenDKIM and OpenDMARC keep every line but look an option up
 * from the newest one, so the last value is the one they ran with. */
static const struct oconf_entry *
later_entry(const struct oconf *oc, size_t i)
{
	size_t j;

	for (j = oc->count; j-- > i + 1;)
		if (ascii_strcasecmp(oc->e[j].name, oc->e[i].name) == 0)
			return &oc->e[j];
	return NULL;
}

/* find_rule - the rule of table t for option name from src, or NULL */
static const struct rule *
find_rule(const struct rule *t, size_t n, enum migrate_source src,
    const char *name)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((t[k].src & (int)src) != 0 &&
		    ascii_strcasecmp(t[k].name, name) == 0)
			return &t[k];
	return NULL;
}

void
migration_add(struct migration *m, enum migrate_source src,
    const struct oconf *oc)
{
	size_t i;

	/* OpenDKIM resolved relative paths from BaseDirectory wherever it
	 * stands in the file: known before any path is read */
	m->adding_dkim = src == MIGRATE_OPENDKIM;
	for (i = 0; m->adding_dkim && i < oc->count; i++)
		if (ascii_strcasecmp(oc->e[i].name, "BaseDirectory") == 0) {
			free(m->dkim_base_dir);
			m->dkim_base_dir = oc->e[i].value[0] == '/' ?
			    xstrdup(oc->e[i].value) : NULL;
		} else if (ascii_strcasecmp(oc->e[i].name,
		    "Canonicalization") == 0) {
			m->dkim_canon_seen = true;
		}
	for (i = 0; i < oc->count; i++) {
		const struct oconf_entry *e = &oc->e[i], *last;
		const struct rule *r = NULL;

		if ((last = later_entry(oc, i)) != NULL) {
			migrate_drop(m, e, "replaced by %s:%u (%s used an "
			    "option's last value)", last->file, last->line,
			    src == MIGRATE_OPENDKIM ? "OpenDKIM" : "OpenDMARC");
			continue;
		}
		r = find_rule(migrate_shared_rules, migrate_shared_rule_count,
		    src, e->name);
		if (r == NULL && src == MIGRATE_OPENDKIM)
			r = find_rule(migrate_opendkim_rules,
			    migrate_opendkim_rule_count, src, e->name);
		if (r == NULL && src == MIGRATE_OPENDMARC)
			r = find_rule(migrate_opendmarc_rules,
			    migrate_opendmarc_rule_count, src, e->name);
		if (r == NULL)
			migrate_drop(m, e, "not an option %s documents",
			    src == MIGRATE_OPENDKIM ? "opendkim.conf(5)" :
			    "opendmarc.conf(5)");
		else
			r->fn(m, e, r);
	}
}

/* add_default_hosts - a program read without its host option kept its
 * default (127.0.0.1 for both); once the merged list replaces
 * authmilter's default, that address must be in it. A host option that
 * was given but could not be read (db:, ldap:) was no default: loopback
 * is still kept, and the comment says why rather than calling it one */
static void
add_default_hosts(struct migration *m, bool had, int idx, const char *what,
    const char *option)
{
	if (!had || m->hosts_seen[idx] || m->internal.count == 0)
		return;
	if (!strlist_has(&m->internal, "127.0.0.1"))
		strlist_add(&m->internal, "127.0.0.1");
	if (m->hosts_unread[idx])
		buf_printf(&m->internal_why, "# 127.0.0.1: loopback, kept "
		    "because %s could not be carried (see below)\n", option);
	else
		buf_printf(&m->internal_why, "# 127.0.0.1: %s\n", what);
}

void
migration_finish(struct migration *m, bool had_opendkim, bool had_opendmarc)
{
	const char *why = had_opendmarc ?
	    "OpenDMARC's default: RejectFailures false" :
	    "no OpenDMARC configuration: DMARC was not enforced";

	add_default_hosts(m, had_opendkim, 1, "OpenDKIM's default InternalHosts",
	    "OpenDKIM's InternalHosts");
	add_default_hosts(m, had_opendmarc, 2, "OpenDMARC's default IgnoreHosts",
	    "OpenDMARC's IgnoreHosts");
	if (migrate_find_setting(m, "DMARCRejectAction") == NULL)
		(void)migrate_set_from(m, NULL, why, "DMARCRejectAction", "mark", NULL);
	if (migrate_find_setting(m, "DMARCQuarantineAction") == NULL)
		(void)migrate_set_from(m, NULL, had_opendmarc ?
		    "OpenDMARC's default: HoldQuarantinedMessages false" : why,
		    "DMARCQuarantineAction", "mark", NULL);
	if (migrate_find_setting(m, "DMARCBadFrom") == NULL)
		(void)migrate_set_from(m, NULL, had_opendmarc ?
		    "OpenDMARC's default: RequiredHeaders false delivers mail "
		    "without a From, or with one it cannot parse" : why,
		    "DMARCBadFrom", "accept", NULL);
	/* not when OpenDKIM's own value was listed: that is no default */
	if (had_opendkim && !m->dkim_canon_seen &&
	    migrate_find_setting(m, "Canonicalization") == NULL)
		(void)migrate_set_from(m, NULL, "OpenDKIM's default: "
		    "Canonicalization simple (simple/simple); authmilter's is "
		    "relaxed/relaxed", "Canonicalization", "simple/simple", NULL);
	if (had_opendmarc && migrate_find_setting(m, "DMARCMode") == NULL)
		(void)migrate_set_from(m, NULL, "OpenDMARC implements RFC 7489 (Public "
		    "Suffix List); authmilter's default, rfc9989, uses the DNS "
		    "Tree Walk", "DMARCMode", "rfc7489", NULL);
}

const struct strlist *
migration_dropped(const struct migration *m)
{
	return &m->dropped;
}

/* render_hosts - a merged host list with where it came from */
static void
render_hosts(struct buf *out, const char *name, const struct strlist *nets,
    const struct buf *why)
{
	size_t i;

	if (nets->count == 0)
		return;
	buf_append_str(out, "\n");
	buf_append_str(out, buf_cstr(why));
	buf_append_str(out, name);
	for (i = 0; i < nets->count; i++)
		buf_printf(out, " %s", nets->items[i]);
	buf_append_str(out, "\n");
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
	render_hosts(out, "InternalHosts", &m->internal, &m->internal_why);
	render_hosts(out, "PeerHosts", &m->peers, &m->peers_why);
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

