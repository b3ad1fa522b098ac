/* signtable.h - OpenDKIM SigningTable: sender address -> key name(s) */
#ifndef AUTHMILTER_SIGNTABLE_H
#define AUTHMILTER_SIGNTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "sign/keytable.h"
#include "util/buf.h"
#include "util/name_index.h"

struct signtable_entry {
	char *key;		/* refile: a '*' pattern; else a lookup key */
	char *keyname;		/* KeyTable name, or "%" (the From domain) */
	char *signer;		/* i= ("%" is the From domain), or NULL */
	unsigned lineno;
	size_t next;		/* 1 + the next entry with this key; 0: none */
	size_t last;		/* the first of a key: its last entry */
};

struct signtable {
	bool refile;
	struct signtable_entry *entries;
	size_t count, cap;
	/* not refile: key -> its first entry; refile: D -> the first
	 * "*@D" pattern (pattern_domain) */
	struct name_index keys;
	size_t *others;		/* refile: the other patterns, file order */
	size_t other_count, other_cap;
};

/*
 * signtable_load - read the SigningTable data set spec. Lines are
 * "key keyname[:signer]". Every key name must be in kt (or be "%").
 * Errors are appended as "file:line: why". On false the table is empty.
 */
bool signtable_load(const char *spec, const char *where,
    const struct keytable *kt, struct signtable *st, struct buf *err);

/*
 * signtable_match - the entries for the From address local@domain
 * (domain lower-case), at most max, in OpenDKIM's order:
 * refile: file order, patterns matched against "local@domain" with '*'
 * matching any text (case ignored); other files: "local@domain", then
 * "domain", then "local@.parent" and ".parent" for each parent domain
 * (nearest first), then "local@*", then "*".
 */
size_t signtable_match(const struct signtable *st, const char *local,
    const char *domain, const struct signtable_entry **out, size_t max);

/* signtable_glob - '*' wildcard match of the whole text, case ignored */
bool signtable_glob(const char *pat, const char *text);

void signtable_deinit(struct signtable *st);

#endif
