/* sign_setup.h - what to sign with: the KeyTable/SigningTable pair or the
 * inline Domain/Selector/KeyFile form, with every key loaded */
#ifndef AUTHMILTER_SIGN_SETUP_H
#define AUTHMILTER_SIGN_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/crypto.h"
#include "sign/keytable.h"
#include "util/buf.h"

/* Most signatures one message gets (dual signing needs 2). */
#define SIGN_MAX_SIGNATURES 8
/* Most Selector/KeyFile pairs in the inline form. */
#define SIGN_MAX_INLINE 4

/* What the config file said; where_* are "file:line" texts for errors.
 * Relative file names (KeyFile, the table data sets) are taken from
 * base_dir, the config file's directory, so a reload after the daemon
 * changed to "/" finds the same files. */
struct sign_setup_input {
	const char *base_dir;			/* NULL: the current directory */
	const char *key_table, *where_key_table;	/* NULL: not set */
	const char *signing_table, *where_signing_table;
	bool multiple_signatures;
	const char *const *domains;		/* Domain */
	size_t ndomains;
	const char *const *selectors;		/* Selector */
	size_t nselectors;
	const char *const *key_files;		/* KeyFile */
	size_t nkey_files;
	const char *where_inline;		/* one of those lines */
	/* each option's own line, for an error in one entry */
	const char *where_domain, *where_selector, *where_key_file;
};

/* One signature to make. */
struct sign_choice {
	char domain[254];		/* d= */
	const char *selector;		/* s= (owned by the setup) */
	const struct crypto_privkey *key;	/* owned by the setup */
	char auid[600];			/* i=, "" for none */
};

struct sign_setup;

/* sign_setup_load - check and load; *out is NULL (and true returned)
 * when no signing is configured. On false, err has "file:line: why"
 * lines and *out is NULL. */
bool sign_setup_load(const struct sign_setup_input *in,
    struct sign_setup **out, struct buf *err);

/* sign_setup_select - the signatures for author local@domain (domain
 * lower-case ASCII), at most max; 0 when this author is not ours */
size_t sign_setup_select(const struct sign_setup *s, const char *local,
    const char *domain, struct sign_choice *out, size_t max);

/* sign_setup_key_entry - the KeyTable entry called name (case ignored),
 * or NULL when there is no KeyTable or no such entry; owned by the setup
 * (ARCSealKeyName seals with it) */
const struct keytable_entry *sign_setup_key_entry(const struct sign_setup *s,
    const char *name);

/* sign_setup_describe - "KeyTable file (N keys)" or "Domain ..." for
 * the start-up log, appended to out */
void sign_setup_describe(const struct sign_setup *s, struct buf *out);

/* sign_setup_free - free everything, wiping keys; NULLs *sp */
void sign_setup_free(struct sign_setup **sp);

#endif
