/* migrate_int.h - shared by the writer (migrate.c), the converters used
 * by several options (migrate_rules.c) and the per-source mappers
 * (migrate_opendkim.c, migrate_opendmarc.c); not for other modules */
#ifndef AUTHMILTER_MIGRATE_INT_H
#define AUTHMILTER_MIGRATE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "migrate/migrate.h"
#include "migrate/oconf.h"
#include "migrate/strlist.h"
#include "util/buf.h"

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
	struct strlist peers;		/* PeerHosts networks (PeerList) */
	struct buf peers_why;
	/* OpenDKIM's BaseDirectory when absolute: its relative paths */
	char *dkim_base_dir;
	bool adding_dkim;		/* entries now read are OpenDKIM's */
	bool hosts_seen[3];		/* by source: its host option was read */
	bool hosts_unread[3];		/* by source: given, but not carried */
	bool dkim_canon_seen;		/* OpenDKIM set Canonicalization */
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

/* Reasons shared by several tables. */
#define R_DEBUG "a debugging aid with no authmilter counterpart (use LogLevel debug)"
#define R_NOREPORT "authmilter sends no DKIM failure reports (RFC 6651); DMARC failure reports are its FailureReports"

/* The tables: options both programs have, then each program's own. An
 * option name is in one table only. */
extern const struct rule migrate_shared_rules[];
extern const size_t migrate_shared_rule_count;
extern const struct rule migrate_opendkim_rules[];
extern const size_t migrate_opendkim_rule_count;
extern const struct rule migrate_opendmarc_rules[];
extern const size_t migrate_opendmarc_rule_count;

/* migrate_drop - list entry e as not carried over, with the reason */
/* migrate_bool - a yes/no value, or the entry dropped and false */
bool migrate_bool(struct migration *m, const struct oconf_entry *e,
    bool *b_r);
void migrate_drop(struct migration *m, const struct oconf_entry *e,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* migrate_note - something carried over without a setting of its own */
void migrate_note(struct migration *m, const struct oconf_entry *e,
    const char *what);
/* migrate_find_setting - the setting of an authmilter option, or NULL */
struct setting *migrate_find_setting(struct migration *m, const char *name);
/* migrate_set_from / migrate_set - write authmilter option name = value
 * because of entry e (NULL: implied by a default, explained by origin);
 * false when the value was dropped */
bool migrate_set_from(struct migration *m, const struct oconf_entry *e,
    const char *origin, const char *name, const char *value,
    const char *comment);
bool migrate_set(struct migration *m, const struct oconf_entry *e,
    const char *name, const char *value, const char *comment);
/* migrate_commas_to_spaces - "a, b,c" -> "a b c" (csl: prefix dropped);
 * the caller frees */
char *migrate_commas_to_spaces(const char *v);

/* Converters used by more than one table (migrate_rules.c). */
rule_fn migrate_r_drop, migrate_r_same, migrate_r_list, migrate_r_bool,
    migrate_r_seconds, migrate_r_uint, migrate_r_always_yes, migrate_r_hosts,
    migrate_r_peers;

#endif
