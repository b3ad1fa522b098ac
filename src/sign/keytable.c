/*
 * keytable.c - the OpenDKIM KeyTable, loaded with its keys.
 *
 *   keytable_load    read the data set, check each line, load each key once
 *   keytable_find    look a key name up (hashed: a table of 50,000 names
 *                    costs a message what a table of ten does)
 *   keytable_deinit  free, wiping the keys
 *
 * Line format (opendkim.conf(5) KeyTable): "name domain:selector:key".
 * A domain of "%" is replaced by the From domain when signing. Keys are
 * read here, never per message. A "%" inside a key file name (one file
 * per domain, chosen per message) cannot be honoured without reading
 * keys per message, so it is refused with a message naming the line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dkim_sig.h"
#include "core/idna.h"
#include "sign/keytable.h"
#include "sign/signkey.h"
#include "sign/tablefile.h"
#include "util/str.h"
#include "util/xmalloc.h"

bool
keytable_key_is_file(const char *s)
{
	return s[0] == '/' || strncmp(s, "./", 2) == 0 ||
	    strncmp(s, "../", 3) == 0;
}

/* resolve - path as given, or relative to the KeyTable's directory */
static char *
resolve(const char *table_path, const char *path)
{
	const char *slash = strrchr(table_path, '/');
	struct buf b = BUF_INIT;

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	buf_append(&b, table_path, (size_t)(slash - table_path) + 1);
	buf_append_str(&b, path);
	return buf_steal(&b);
}

/* key_for - the key from file (loaded once per distinct file) or from
 * inline base64; NULL with why filled */
static const struct crypto_privkey *
key_for(struct keytable *kt, const char *table_path, const char *spec,
    char *why, size_t why_size)
{
	struct crypto_privkey *k;
	char *file = NULL;
	size_t i;

	if (keytable_key_is_file(spec)) {
		char *given = resolve(table_path, spec);

		/* one load per file however it is spelt ("./k", "/d/../k") */
		if ((file = realpath(given, NULL)) == NULL)
			file = xstrdup(given);
		free(given);
		if (name_index_find(&kt->files, file, &i)) {
			free(file);
			return kt->keys[i];
		}
		k = signkey_load_file(file, why, why_size);
	} else {
		const char *err = "";
		char small[128];

		k = crypto_privkey_from_text((const unsigned char *)spec,
		    strlen(spec), &err);
		/* "keys/mail.private" (OpenDKIM reads it the same way): a
		 * "." is no base64, so this was meant as a file */
		if (k == NULL)
			(void)snprintf(why, why_size, "inline key: %s%s", err,
			    strchr(spec, '.') != NULL ? " (to name a key file, "
			    "start it with \"/\", \"./\" or \"../\")" : "");
		else if (!signkey_check(k, small, sizeof(small))) {
			(void)snprintf(why, why_size, "inline key: %s", small);
			crypto_privkey_free(&k);
		}
	}
	if (k == NULL) {
		free(file);
		return NULL;
	}
	if (kt->nkeys == kt->keys_cap) {
		kt->keys_cap = kt->keys_cap == 0 ? 16 : kt->keys_cap * 2;
		kt->keys = xreallocarray(kt->keys, kt->keys_cap,
		    sizeof(*kt->keys));
		kt->key_files = xreallocarray(kt->key_files, kt->keys_cap,
		    sizeof(*kt->key_files));
	}
	kt->keys[kt->nkeys] = k;
	kt->key_files[kt->nkeys] = file;
	if (file != NULL)
		(void)name_index_add(&kt->files, file, kt->nkeys, NULL);
	kt->nkeys++;
	return k;
}

/* keytable_domain_dup - RFC 8616 3: a domain in U-labels is its
 * A-labels wherever it meets DNS or d=; the From domain is matched in
 * that form (signing.c), so a U-label entry is kept as it, not refused
 * (SigningTable keys and the DMARC domain lists take U-labels too) */
char *
keytable_domain_dup(const char *name, const char **why_r)
{
	struct idna_name n;

	*why_r = "";
	if (str_has_non_ascii(name, strlen(name))) {
		if (idna_domain((const unsigned char *)name, strlen(name), &n,
		    why_r) != IDNA_OK)
			return NULL;
		name = n.ascii;
	}
	if (!dkim_domain_ok(name))
		return NULL;
	return str_lower(xstrdup(name));
}

/* parse_entry - one line into an entry; false with why */
static bool
parse_entry(struct keytable *kt, const char *table_path,
    const struct tablefile_line *l, char *why, size_t why_size)
{
	char *v = xstrdup(l->value), *sel, *key, *dom = NULL;
	const char *reason;
	struct keytable_entry *e;
	const struct keytable_entry *first;
	const struct crypto_privkey *k;
	bool ok = false;

	if ((sel = strchr(v, ':')) == NULL ||
	    (key = strchr(sel + 1, ':')) == NULL) {
		(void)snprintf(why, why_size, "want \"name domain:selector:key\"");
		goto out;
	}
	*sel++ = '\0';
	*key++ = '\0';
	dom = strcmp(v, "%") == 0 ? xstrdup(v) :
	    keytable_domain_dup(v, &reason);
	if (dom == NULL) {
		(void)snprintf(why, why_size, "bad domain \"%s\"%s%s%s", v,
		    *reason != '\0' ? " (" : "", reason,
		    *reason != '\0' ? ")" : "");
		goto out;
	}
	if (!dkim_domain_ok(sel)) {
		(void)snprintf(why, why_size, "bad selector \"%s\"", sel);
		goto out;
	}
	if (strchr(key, '%') != NULL) {
		(void)snprintf(why, why_size, "\"%%\" in the key is not supported: "
		    "keys are loaded once at start; give one line per domain");
		goto out;
	}
	/* in a table of thousands, say where the other one is */
	if ((first = keytable_find(kt, l->key)) != NULL) {
		(void)snprintf(why, why_size, "key name \"%s\" given twice "
		    "(first at line %u)", l->key, first->lineno);
		goto out;
	}
	if ((k = key_for(kt, table_path, key, why, why_size)) == NULL)
		goto out;
	if (kt->count == kt->cap) {
		kt->cap = kt->cap == 0 ? 16 : kt->cap * 2;
		kt->entries = xreallocarray(kt->entries, kt->cap,
		    sizeof(*kt->entries));
	}
	e = &kt->entries[kt->count];
	e->name = xstrdup(l->key);
	e->domain = dom;
	dom = NULL;
	e->selector = xstrdup(sel);
	e->key = k;
	e->lineno = l->lineno;
	(void)name_index_add(&kt->names, e->name, kt->count++, NULL);
	ok = true;
out:
	free(dom);
	free(v);
	return ok;
}

bool
keytable_load(const char *spec, const char *where, struct keytable *kt,
    struct buf *err)
{
	struct tablefile t;
	struct buf option = BUF_INIT;
	bool ok;
	size_t i;

	memset(kt, 0, sizeof(*kt));
	name_index_init(&kt->names, true);
	name_index_init(&kt->files, false);
	/* a message about the file names the option, as every config
	 * message does (a reload's warning was "conf:2: cannot open ...") */
	buf_printf(&option, "%s: KeyTable", where);
	ok = tablefile_load(spec, buf_cstr(&option), &t, err);
	/* every bad line is reported, not only the first */
	for (i = 0; t.path != NULL && i < t.count; i++) {
		char why[512];

		if (!parse_entry(kt, t.path, &t.lines[i], why, sizeof(why))) {
			buf_printf(err, "%s:%u: %s\n", t.path, t.lines[i].lineno, why);
			ok = false;
		}
	}
	if (ok && kt->count == 0) {
		buf_printf(err, "%s: %s has no entries\n", buf_cstr(&option),
		    spec);
		ok = false;
	}
	buf_deinit(&option);
	tablefile_deinit(&t);
	if (!ok)
		keytable_deinit(kt);
	return ok;
}

const struct keytable_entry *
keytable_find(const struct keytable *kt, const char *name)
{
	size_t i;

	return name_index_find(&kt->names, name, &i) ? &kt->entries[i] : NULL;
}

void
keytable_deinit(struct keytable *kt)
{
	size_t i;

	for (i = 0; i < kt->count; i++) {
		free(kt->entries[i].name);
		free(kt->entries[i].domain);
		free(kt->entries[i].selector);
	}
	for (i = 0; i < kt->nkeys; i++) {
		crypto_privkey_free(&kt->keys[i]);
		free(kt->key_files[i]);
	}
	name_index_deinit(&kt->names);
	name_index_deinit(&kt->files);
	free(kt->entries);
	free(kt->keys);
	free(kt->key_files);
	memset(kt, 0, sizeof(*kt));
}
