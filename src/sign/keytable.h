/* keytable.h - OpenDKIM KeyTable: key name -> domain:selector:key */
#ifndef AUTHMILTER_KEYTABLE_H
#define AUTHMILTER_KEYTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/crypto.h"
#include "util/buf.h"
#include "util/name_index.h"

struct keytable_entry {
	char *name;			/* the key name SigningTable refers to */
	char *domain;			/* d=; "%" means the From domain */
	char *selector;			/* s= */
	const struct crypto_privkey *key;	/* owned by the table */
	unsigned lineno;		/* its line in the KeyTable */
};

struct keytable {
	struct keytable_entry *entries;
	size_t count, cap;
	struct name_index names;	/* entry name -> its position */
	struct crypto_privkey **keys;	/* each distinct key once */
	char **key_files;		/* the file each came from, or NULL */
	size_t nkeys, keys_cap;
	struct name_index files;	/* key file -> its position in keys */
};

/*
 * keytable_load - read the KeyTable data set spec (file:, refile: or an
 * absolute path; opendkim.conf(5) KeyTable). Each line is
 * "name domain:selector:key" where key is a file (starting with "/",
 * "./" or "../"; relative names are taken from the KeyTable's directory)
 * or the key itself in base64. Every key is loaded now; a key file that
 * group or others can read is refused. Errors are appended to err as
 * "file:line: why"; where names the config line for errors about the
 * spec itself. On false the table holds nothing.
 */
bool keytable_load(const char *spec, const char *where, struct keytable *kt,
    struct buf *err);
/* keytable_key_is_file - whether a KeyTable line's key part names a file
 * ("/", "./" or "../" first) rather than holding the key in base64 */
bool keytable_key_is_file(const char *key);
/* keytable_domain_dup - a signing domain (KeyTable, Domain) as the
 * lower-case copy it is matched and signed in: U-labels as A-labels.
 * NULL when it is no domain name; *why_r then says why (static text,
 * "" when there is nothing more to say than that) */
char *keytable_domain_dup(const char *name, const char **why_r);
/* keytable_find - the entry named name (case ignored), or NULL */
const struct keytable_entry *keytable_find(const struct keytable *kt,
    const char *name);
/* keytable_deinit - free entries and keys (keys are wiped) */
void keytable_deinit(struct keytable *kt);

#endif
