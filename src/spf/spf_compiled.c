/*
 * spf_compiled.c - libspf2's compiled SPF records, checked and kept
 *
 * Exported (spf_compiled.h): spf_compiled_get, spf_compiled_copy,
 * spf_compiled_clear.
 *
 * spf_compiled_get is the only place a record is compiled: the
 * top-level record (spf.c) and every include:/redirect= record
 * (spf_dns.c). Each compile is checked (compile_checked below) and kept
 * in a small least-recently-used cache keyed by the exact text; callers
 * always get their own copy, so the kept records are never interpreted,
 * freed or changed by libspf2. Why caching is sound: libspf2's compiled
 * form depends only on the text (and the server, the checker's own), and
 * SPF_record_interpret, SPF_record_expand_data and SPF_i_done never write
 * to a record (read in libspf2 1.2.10: expansions go to fresh buffers,
 * results and strings to the response).
 */
#include "config.h"

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
 * never a wrong result.
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
	    "record too large for libspf2" : "libspf2 refused the record";
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

/* find - the slot holding text[0..len) (hash h), or NULL */
static struct spf_compiled_slot *
find(struct spf_compiled_cache *cc, const char *text, size_t len, uint32_t h)
{
	size_t i;

	for (i = 0; i < SPF_COMPILED_SLOTS; i++) {
		struct spf_compiled_slot *s = &cc->slot[i];

		if (s->hash == h && s->len == len && s->text != NULL &&
		    memcmp(s->text, text, len) == 0)
			return s;
	}
	return NULL;
}

/* victim - a free slot, else the least recently used one (emptied) */
static struct spf_compiled_slot *
victim(struct spf_compiled_cache *cc)
{
	struct spf_compiled_slot *v = &cc->slot[0];
	size_t i;

	for (i = 0; i < SPF_COMPILED_SLOTS && v->text != NULL; i++)
		if (cc->slot[i].text == NULL ||
		    cc->slot[i].last_use < v->last_use)
			v = &cc->slot[i];
	if (v->text != NULL) {
		free(v->text);
		SPF_record_free(v->rec);
		v->text = NULL;
		v->rec = NULL;
	}
	return v;
}

/* spf_compiled_get - an owned copy of the checked compile of rec */
SPF_record_t *
spf_compiled_get(struct spf_compiled_cache *cc, SPF_server_t *server,
    SPF_response_t *resp, const char *rec, const char **why_r)
{
	size_t len = strlen(rec);
	uint32_t h = hash_fnv1a(HASH_FNV1A_INIT, rec, len);
	struct spf_compiled_slot *s = find(cc, rec, len, h);
	SPF_record_t *r;

	if (s != NULL) {
		cc->hits++;
		s->last_use = ++cc->clock;
		return spf_compiled_copy(s->rec);
	}
	cc->misses++;
	if ((r = compile_checked(server, resp, rec, why_r)) == NULL)
		return NULL;
	s = victim(cc);
	s->text = xmalloc(len + 1);
	memcpy(s->text, rec, len + 1);
	s->len = len;
	s->hash = h;
	s->rec = r;
	s->last_use = ++cc->clock;
	return spf_compiled_copy(r);
}

/* spf_compiled_clear - free every kept record */
void
spf_compiled_clear(struct spf_compiled_cache *cc)
{
	size_t i;

	for (i = 0; i < SPF_COMPILED_SLOTS; i++) {
		free(cc->slot[i].text);
		if (cc->slot[i].rec != NULL)
			SPF_record_free(cc->slot[i].rec);
	}
	memset(cc, 0, sizeof(*cc));
}
