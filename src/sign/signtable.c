/*
 * signtable.c - the OpenDKIM SigningTable: which keys sign mail from an
 * author address.
 *
 *   signtable_load    read the data set; check every key name exists
 *   signtable_match   the matching entries, best first
 *   (signtable_glob, the refile wildcard match, is in signtable_glob.c)
 *
 * Semantics follow opendkim.conf(5) SigningTable: the value is the
 * KeyTable name and an optional signer for i=, separated by ':'; with
 * refile the keys are wildcard patterns tried in file order, otherwise
 * exact keys tried from the most to the least specific form of the
 * address. Only the first match is used unless MultipleSignatures is on
 * (the caller passes max).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idna.h"
#include "sign/signtable.h"
#include "sign/tablefile.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* key_alabel - the key with a non-ASCII domain part (after the last
 * "@", past a leading ".") in its A-label form, as the From domain it is
 * compared with always is (RFC 8616 3); NULL with why when that cannot
 * be (a wildcard in it, or not a domain). A U-label key never matched,
 * so that author's mail went out unsigned without a word. */
static char *
key_alabel(const char *key, char *why, size_t why_size)
{
	const char *at = strrchr(key, '@'), *dom = at != NULL ? at + 1 : key;
	struct idna_name name;
	struct buf b = BUF_INIT;
	const char *reason;

	if (*dom == '.')
		dom++;
	if (!str_has_non_ascii(dom, strlen(dom)))
		return xstrdup(key);
	if (strchr(dom, '*') != NULL) {
		(void)snprintf(why, why_size, "a wildcard in a non-ASCII domain "
		    "never matches: write the domain as its A-label (xn--...)");
		return NULL;
	}
	if (idna_domain((const unsigned char *)dom, strlen(dom), &name,
	    &reason) != IDNA_OK) {
		(void)snprintf(why, why_size, "\"%.64s\" is not a domain name "
		    "(%s)", dom, reason);
		return NULL;
	}
	buf_append(&b, key, (size_t)(dom - key));
	buf_append_str(&b, name.ascii);
	return buf_steal(&b);
}

/* index_key - entry i findable by name (its key, or a refile pattern's
 * domain); a name given again is chained after the earlier ones, so
 * lookups keep the file order */
static void
index_key(struct signtable *st, size_t i, const char *name)
{
	size_t first;

	if (name_index_add(&st->keys, name, i, &first))
		return;
	st->entries[st->entries[first].last].next = i + 1;
	st->entries[first].last = i;
}

/* pattern_domain - D when a refile pattern is "*@D" with no other '*'
 * (the usual hosting line "*@example.com key"): it matches exactly the
 * addresses whose domain is D, so it can be found by D instead of being
 * tried against every author; else NULL */
static const char *
pattern_domain(const char *key)
{
	const char *d = key + 2;

	if (key[0] != '*' || key[1] != '@' || *d == '\0' ||
	    strpbrk(d, "*@") != NULL)
		return NULL;
	return d;
}

/* index_pattern - a refile entry: by its domain, or among the others
 * (tried one by one, in file order) */
static void
index_pattern(struct signtable *st, size_t i)
{
	const char *d = pattern_domain(st->entries[i].key);

	if (d != NULL) {
		index_key(st, i, d);
		return;
	}
	if (st->other_count == st->other_cap) {
		st->other_cap = st->other_cap == 0 ? 16 : st->other_cap * 2;
		st->others = xreallocarray(st->others, st->other_cap,
		    sizeof(*st->others));
	}
	st->others[st->other_count++] = i;
}

bool
signtable_load(const char *spec, const char *where,
    const struct keytable *kt, struct signtable *st, struct buf *err)
{
	struct tablefile t;
	struct buf option = BUF_INIT;
	bool ok;
	size_t i;

	memset(st, 0, sizeof(*st));
	name_index_init(&st->keys, true);
	/* the option's name in a message about its file, as in keytable.c */
	buf_printf(&option, "%s: SigningTable", where);
	ok = tablefile_load(spec, buf_cstr(&option), &t, err);
	st->refile = t.refile;
	for (i = 0; t.path != NULL && i < t.count; i++) {
		const struct tablefile_line *l = &t.lines[i];
		char *name = xstrdup(l->value), *signer = strchr(name, ':');
		struct signtable_entry *e;
		char why[256], *key;

		if (signer != NULL)
			*signer++ = '\0';
		if (strcmp(name, "%") != 0 && keytable_find(kt, name) == NULL) {
			buf_printf(err, "%s:%u: key name \"%s\" is not in the KeyTable\n",
			    t.path, l->lineno, name);
			ok = false;
			free(name);
			continue;
		}
		if (signer != NULL && (*signer == '\0' || strchr(signer, ':'))) {
			buf_printf(err, "%s:%u: want \"key keyname[:signer]\"\n",
			    t.path, l->lineno);
			ok = false;
			free(name);
			continue;
		}
		if ((key = key_alabel(l->key, why, sizeof(why))) == NULL) {
			buf_printf(err, "%s:%u: %s\n", t.path, l->lineno, why);
			ok = false;
			free(name);
			continue;
		}
		/* the signer's domain too: i= must lie within the A-label
		 * d= (set_auid), and is written in A-labels as d= is */
		if (signer != NULL &&
		    (signer = key_alabel(signer, why, sizeof(why))) == NULL) {
			buf_printf(err, "%s:%u: signer: %s\n", t.path, l->lineno,
			    why);
			ok = false;
			free(key);
			free(name);
			continue;
		}
		if (st->count == st->cap) {
			st->cap = st->cap == 0 ? 16 : st->cap * 2;
			st->entries = xreallocarray(st->entries, st->cap,
			    sizeof(*st->entries));
		}
		e = &st->entries[st->count];
		e->key = key;
		e->keyname = name;
		e->signer = signer;	/* key_alabel's copy */
		e->lineno = l->lineno;
		e->next = 0;
		e->last = st->count;
		if (st->refile)
			index_pattern(st, st->count);
		else
			index_key(st, st->count, e->key);
		st->count++;
	}
	if (ok && st->count == 0) {
		buf_printf(err, "%s: %s has no entries\n", buf_cstr(&option),
		    spec);
		ok = false;
	}
	buf_deinit(&option);
	tablefile_deinit(&t);
	if (!ok)
		signtable_deinit(st);
	return ok;
}

/* add_exact - every entry whose key is k (case ignored), in file order,
 * up to max: one hashed lookup, then the chain of that key's entries */
static void
add_exact(const struct signtable *st, const char *k,
    const struct signtable_entry **out, size_t *n, size_t max)
{
	size_t i;

	if (*n >= max || !name_index_find(&st->keys, k, &i))
		return;
	for (i++; i != 0 && *n < max; i = st->entries[i - 1].next)
		out[(*n)++] = &st->entries[i - 1];
}

/* next_other - 1 + the next pattern among the others, from *o on and
 * before entry limit (1-based; 0: no limit), that matches text; 0 when
 * none does. *o stops at the first other not yet tried. */
static size_t
next_other(const struct signtable *st, size_t *o, const char *text,
    size_t limit)
{
	for (; *o < st->other_count; ++*o) {
		size_t i = st->others[*o];

		if (limit != 0 && i + 1 >= limit)
			return 0;
		if (signtable_glob(st->entries[i].key, text))
			return 1 + st->others[(*o)++];
	}
	return 0;
}

/* match_patterns - refile: every pattern matching local@domain in file
 * order, up to max. The "*@domain" lines come from the index (one
 * lookup, whatever the number of hosted domains), merged by position
 * with the other patterns, which are tried one by one. */
static size_t
match_patterns(const struct signtable *st, const char *domain,
    const char *text, const struct signtable_entry **out, size_t max)
{
	size_t n = 0, o = 0, by_domain = 0, other;

	if (name_index_find(&st->keys, domain, &by_domain))
		by_domain++;
	while (n < max) {
		if ((other = next_other(st, &o, text, by_domain)) != 0)
			out[n++] = &st->entries[other - 1];
		else if (by_domain != 0) {
			out[n++] = &st->entries[by_domain - 1];
			by_domain = st->entries[by_domain - 1].next;
		} else
			break;
	}
	return n;
}

size_t
signtable_match(const struct signtable *st, const char *local,
    const char *domain, const struct signtable_entry **out, size_t max)
{
	struct buf k = BUF_INIT;
	const char *d;
	size_t n = 0;

	buf_printf(&k, "%s@%s", local, domain);
	if (st->refile) {
		n = match_patterns(st, domain, buf_cstr(&k), out, max);
		buf_deinit(&k);
		return n;
	}
	add_exact(st, buf_cstr(&k), out, &n, max);
	add_exact(st, domain, out, &n, max);
	for (d = strchr(domain, '.'); d != NULL; d = strchr(d + 1, '.')) {
		buf_reset(&k);
		buf_printf(&k, "%s@%s", local, d);
		add_exact(st, buf_cstr(&k), out, &n, max);
	}
	for (d = strchr(domain, '.'); d != NULL; d = strchr(d + 1, '.'))
		add_exact(st, d, out, &n, max);
	buf_reset(&k);
	buf_printf(&k, "%s@*", local);
	add_exact(st, buf_cstr(&k), out, &n, max);
	add_exact(st, "*", out, &n, max);
	buf_deinit(&k);
	return n;
}

void
signtable_deinit(struct signtable *st)
{
	size_t i;

	for (i = 0; i < st->count; i++) {
		free(st->entries[i].key);
		free(st->entries[i].keyname);
		free(st->entries[i].signer);
	}
	name_index_deinit(&st->keys);
	free(st->others);
	free(st->entries);
	memset(st, 0, sizeof(*st));
}
