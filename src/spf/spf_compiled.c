/*
 * spf_compiled.c - libspf2's compiled SPF records, checked and kept
 *
 * Exported (spf_compiled.h): spf_compiled_init, spf_compiled_get,
 * spf_compiled_get_hashed, spf_compiled_copy, spf_compiled_clear, spf_compiled_deinit.
 *
 * spf_compiled_get is the only place a record is compiled: the
 * top-level record (spf.c) and every include:/redirect= record
 * (spf_dns.c). Each compile is checked (compile_checked below) and kept
 * in a small table (util/lru_table.h) keyed by the exact text, and so
 * is the finding that a record is too large for libspf2 (it comes back
 * with each message from its domain, and spf_dns.c then shrinks it for
 * the client: the failed compile is done once); callers
 * always get their own copy, so the kept records are never interpreted,
 * freed or changed by libspf2. Why caching is sound: libspf2's compiled
 * form depends only on the text (and the server, the checker's own), and
 * SPF_record_interpret, SPF_record_expand_data and SPF_i_done never write
 * to a record (read in libspf2 1.2.10: expansions go to fresh buffers,
 * results and strings to the response).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_compiled.h"
#include "util/hash.h"
#include "util/xmalloc.h"

/*
 * compile_checked - libspf2 1.2.10 drops a mechanism or modifier without
 * any error once the compiled record passes SPF_MAX_MECH_LEN (or
 * SPF_MAX_MOD_LEN) bytes (SPF_c_mech_add returns SPF_E_BIG_MECH, which
 * SPF_record_compile ignores). A valid record of ~70 ip4 terms then lost
 * its tail, "-all" included, and evaluated to neutral instead of fail
 * (found reading libspf2's compiler while fuzzing). So count the terms
 * of the normalised record - every token is a mechanism (libspf2
 * compiles redirect= as one) except exp=, the only modifier
 * normalisation keeps - and refuse a compile that kept fewer: permerror,
 * never a wrong result (spf_compile_record then tries the record without
 * the ip4/ip6 terms that cannot decide the check, spf_shrink.h).
 */
static SPF_record_t *
compile_checked(SPF_server_t *server, SPF_response_t *resp, const char *rec,
    const char **why_r)
{
	const char *p = rec;
	unsigned mechs = 0, mods = 0;
	SPF_record_t *r = NULL;
	SPF_errcode_t err;

	while ((p = strchr(p, ' ')) != NULL) {
		p++;
		if (strncmp(p, "exp=", 4) == 0)
			mods++;
		else
			mechs++;
	}
	err = SPF_record_compile(server, resp, &r, rec);
	if (err == SPF_E_SUCCESS && r != NULL &&
	    r->num_mech == mechs && r->num_mod == mods)
		return r;
	*why_r = err == SPF_E_SUCCESS && r != NULL ?
	    SPF_COMPILED_TOO_LARGE : "libspf2 refused the record";
	if (r != NULL)
		SPF_record_free(r);
	return NULL;
}

/* copy_bytes - malloc'ed copy of len bytes at p (NULL stays NULL);
 * libspf2 frees it with free() */
static void *
copy_bytes(const void *p, size_t len)
{
	void *q;

	if (p == NULL)
		return NULL;
	q = xmalloc(len > 0 ? len : 1);
	memcpy(q, p, len);
	return q;
}

/* spf_compiled_copy - a copy of rec that the caller owns: the header and
 * the two buffers of mechanisms and modifiers (used bytes only) */
SPF_record_t *
spf_compiled_copy(const SPF_record_t *rec)
{
	SPF_record_t *r = xmalloc(sizeof(*r));

	*r = *rec;
	r->mech_first = copy_bytes(rec->mech_first, rec->mech_len);
	r->mech_size = r->mech_first != NULL ? rec->mech_len : 0;
	r->mod_first = copy_bytes(rec->mod_first, rec->mod_len);
	r->mod_size = r->mod_first != NULL ? rec->mod_len : 0;
	return r;
}

/* a kept record (or why there is none) and the text it was compiled
 * from */
struct compiled_entry {
	SPF_record_t *rec;	/* NULL: refused, for why */
	const char *why;	/* static text */
	size_t len;
	char text[];			/* NUL-terminated */
};

/* the key of a lookup: the normalised text */
struct compiled_key {
	const char *text;
	size_t len;
};

/* entry_matches - lru_table_ops.matches: is value compiled from key? */
static bool
entry_matches(const void *value, const void *key)
{
	const struct compiled_entry *e = value;
	const struct compiled_key *k = key;

	return e->len == k->len && memcmp(e->text, k->text, k->len) == 0;
}

/* entry_free - lru_table_ops.free_value */
static void
entry_free(void *value)
{
	struct compiled_entry *e = value;

	if (e->rec != NULL)
		SPF_record_free(e->rec);
	free(e);
}

static const struct lru_table_ops compiled_ops = {
	.matches = entry_matches,
	.free_value = entry_free,
};

/* spf_compiled_init - an empty cache */
void
spf_compiled_init(struct spf_compiled_cache *cc)
{
	memset(cc, 0, sizeof(*cc));
	lru_table_init(&cc->table, SPF_COMPILED_SETS, SPF_COMPILED_WAYS,
	    &compiled_ops);
}

/* spf_compiled_get_hashed - spf_compiled_get with the text's hash known */
SPF_record_t *
spf_compiled_get_hashed(struct spf_compiled_cache *cc, SPF_server_t *server,
    SPF_response_t *resp, const char *rec, size_t len, uint32_t hash,
    const char **why_r)
{
	struct compiled_key k = { rec, len };
	struct compiled_entry *e = lru_table_get(&cc->table, hash, &k);
	SPF_record_t *r;

	if (e != NULL) {
		cc->hits++;
		if (e->rec == NULL) {
			*why_r = e->why;
			return NULL;
		}
		return spf_compiled_copy(e->rec);
	}
	cc->misses++;
	r = compile_checked(server, resp, rec, why_r);
	/* any other refusal is left uncached: one is only libspf2 out of
	 * memory (the texts it gets are checked) */
	if (r == NULL && strcmp(*why_r, SPF_COMPILED_TOO_LARGE) != 0)
		return NULL;
	e = xmalloc(sizeof(*e) + len + 1);
	e->rec = r;
	e->why = r == NULL ? *why_r : NULL;
	e->len = len;
	memcpy(e->text, rec, len);
	e->text[len] = '\0';
	lru_table_put(&cc->table, hash, &k, e);
	return r != NULL ? spf_compiled_copy(r) : NULL;
}

/* spf_compiled_get - an owned copy of the checked compile of rec */
SPF_record_t *
spf_compiled_get(struct spf_compiled_cache *cc, SPF_server_t *server,
    SPF_response_t *resp, const char *rec, const char **why_r)
{
	size_t len = strlen(rec);

	return spf_compiled_get_hashed(cc, server, resp, rec, len,
	    hash_bytes(HASH_BYTES_INIT, rec, len), why_r);
}

/* spf_compiled_clear - free every kept record */
void
spf_compiled_clear(struct spf_compiled_cache *cc)
{
	lru_table_clear(&cc->table);
	cc->hits = cc->misses = 0;
}

/* spf_compiled_deinit - free every kept record and the table */
void
spf_compiled_deinit(struct spf_compiled_cache *cc)
{
	lru_table_deinit(&cc->table);
	cc->hits = cc->misses = 0;
}
