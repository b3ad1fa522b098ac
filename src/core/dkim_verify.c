/*
 * dkim_verify.c - DKIM verification of one message: the collection
 *
 * Purpose: collect a message's header fields and body as the milter
 * receives them, for each DKIM-Signature (RFC 6376 6) to be judged by
 * dkim_verify_judge.c (key answers, eom, results; the files share
 * dkim_verify_internal.h).
 *
 * Exported functions:
 *   dkim_verify_params_init   defaults
 *   dkim_verifier_new/free    one verifier per message
 *   dkim_verifier_new_in      the same with its memory in the caller's arena
 *   dkim_verifier_header      a header field; signatures parsed at once so
 *                             the key lookup can start early
 *   dkim_verifier_field       the same for a field classified already
 *   dkim_verifier_field_kept  the same for a field that outlives eoh
 *   dkim_verifier_key_name    what to look up for a signature
 *   dkim_verifier_admit       before eoh: the author's signatures beyond
 *                             max_signatures are verified after all
 *   dkim_verifier_eoh         hash the signed header fields
 *   dkim_verifier_body        stream a body chunk into the shared hashers
 *   dkim_verifier_ignored/body_hashers, dkim_res_name
 *
 * Memory: the header block is kept until end of header (capped by
 * max_header_bytes and max_headers); the body is never kept, only one
 * streaming hasher per distinct (canonicalization, hash, l=), at most
 * DKIM_VERIFY_MAX_BODIES of them. The verifier itself, its header list,
 * key names and records and the result details come from an arena: the
 * message's (dkim_verifier_new_in, so a message makes no malloc/free pairs
 * for them, issue 18) or one of its own. A field the caller keeps until
 * eoh (dkim_verifier_field_kept) is referred to, not copied, unless its
 * value has line breaks to bring to CRLF form. Every string in a result is
 * owned by the verifier. Hostile input yields permerror/fail/policy
 * results, never a crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dkim_canon.h"
#include "core/dkim_verify_internal.h"
#include "core/headers.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Hard ceiling on max_signatures whatever the configuration says. */
#define DKIM_VERIFY_SIGNATURES_LIMIT 64
/* Header list entries at the first field; the list doubles in the arena
 * (a typical message has about ten fields) */
#define DKIM_VERIFY_HDRS_START 16

/* dkim_res_name - RFC 8601 result words */
const char *
dkim_res_name(enum dkim_res r)
{
	switch (r) {
	case DKIM_RES_PASS:
		return "pass";
	case DKIM_RES_FAIL:
		return "fail";
	case DKIM_RES_NEUTRAL:
		return "neutral";
	case DKIM_RES_POLICY:
		return "policy";
	case DKIM_RES_TEMPERROR:
		return "temperror";
	default:
		return "permerror";
	}
}

/* dkim_verify_params_init - defaults */
void
dkim_verify_params_init(struct dkim_verify_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_signatures = DKIM_VERIFY_MAX_SIGNATURES;
	p->allow_rsa_sha1 = false;
	p->allow_partial_body = false;
	p->min_rsa_bits = DKIM_VERIFY_MIN_RSA_BITS;
	p->max_rsa_bits = DKIM_VERIFY_MAX_RSA_BITS;
	p->clock_skew = DKIM_VERIFY_CLOCK_SKEW;
	p->max_header_bytes = DKIM_VERIFY_MAX_HEADER_BYTES;
	p->max_headers = DKIM_VERIFY_MAX_HEADERS;
	p->max_field_bytes = DKIM_VERIFY_MAX_HEADER_BYTES;
}

/* dkim_verifier_new_in - a verifier for one message in arena (NULL: an
 * arena of its own) */
struct dkim_verifier *
dkim_verifier_new_in(const struct dkim_verify_params *p, struct arena *arena)
{
	struct dkim_verifier *v;

	if (arena != NULL) {
		v = arena_alloc(arena, sizeof(*v));
		memset(v, 0, sizeof(*v));
		v->arena = arena;
	} else {
		v = xcalloc(1, sizeof(*v));
		arena_init(&v->own, 0, 0);
		v->arena = &v->own;
		v->own_arena = true;
	}
	v->p = *p;
	if (v->p.max_signatures > DKIM_VERIFY_SIGNATURES_LIMIT)
		v->p.max_signatures = DKIM_VERIFY_SIGNATURES_LIMIT;
	buf_init(&v->scratch);
	/* sigs and bodies come with the first signature (most mail carries
	 * one or two, some none): see add_field */
	return v;
}

/* dkim_verifier_new - a verifier for one message */
struct dkim_verifier *
dkim_verifier_new(const struct dkim_verify_params *p)
{
	return dkim_verifier_new_in(p, NULL);
}

/* grow_hdrs - room for one more header list entry (in the arena; the
 * old list is left there) */
static void
grow_hdrs(struct dkim_verifier *v)
{
	struct dkim_header *n;
	size_t cap = v->hdrs_cap ? v->hdrs_cap * 2 : DKIM_VERIFY_HDRS_START;

	if (cap > SIZE_MAX / 2 / sizeof(*n)) {
		(void)fprintf(stderr, "authmilter: %zu header fields\n", cap);
		abort();
	}
	n = arena_alloc(v->arena, cap * sizeof(*n));
	if (v->nhdrs > 0)
		memcpy(n, v->hdrs, v->nhdrs * sizeof(*n));
	v->hdrs = n;
	v->hdrs_cap = cap;
}

/* store_header - append a field to the header block; false on overflow.
 * kept: name and value stay valid until eoh, so they are referred to;
 * a value with a line break is copied in CRLF form all the same
 * (dkim_canon_crlf: milters fold with bare LF). */
static bool
store_header(struct dkim_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len, bool kept)
{
	struct dkim_header *h;

	if (v->overflow || v->nhdrs >= v->p.max_headers ||
	    name_len >= v->p.max_field_bytes ||
	    value_len >= v->p.max_field_bytes - name_len ||
	    name_len > v->p.max_header_bytes ||
	    value_len > v->p.max_header_bytes - name_len ||
	    v->hbytes > v->p.max_header_bytes - name_len - value_len) {
		v->overflow = true;
		return false;
	}
	if (v->nhdrs == v->hdrs_cap)
		grow_hdrs(v);
	h = &v->hdrs[v->nhdrs++];
	h->name = kept ? name : (const unsigned char *)arena_memdup(v->arena,
	    name, name_len);
	h->name_len = name_len;
	if (kept && memchr(value, '\n', value_len) == NULL) {
		h->value = value;
		h->value_len = value_len;
	} else {
		buf_reset(&v->scratch);
		dkim_canon_crlf(value, value_len, &v->scratch);
		h->value = (const unsigned char *)arena_memdup(v->arena,
		    v->scratch.data, v->scratch.len);
		h->value_len = v->scratch.len;
	}
	/* counted as given, as the milter's session counts MaxHeaderBytes:
	 * a field the session kept must not overflow here because its
	 * bare-LF folds became CRLF */
	v->hbytes += name_len + value_len;
	return true;
}

/* key_name - "selector._domainkey.domain" in the arena */
static char *
key_name(struct arena *a, const char *sel, const char *dom)
{
	static const char mid[] = "._domainkey.";
	size_t sl = strlen(sel), ml = sizeof(mid) - 1, dl = strlen(dom);
	char *n = arena_alloc(a, sl + ml + dl + 1);	/* in-memory lengths */

	memcpy(n, sel, sl);
	memcpy(n + sl, mid, ml);
	memcpy(n + sl + ml, dom, dl + 1);
	return n;
}

/* add_signature - parse a just-stored DKIM-Signature field */
static void
add_signature(struct dkim_verifier *v, struct vsig *s, size_t hdr_index)
{
	const struct dkim_header *h = &v->hdrs[hdr_index];
	const char *why = "";

	/* the arrays are not zeroed: each entry is when it comes into use */
	memset(s, 0, sizeof(*s));
	dkim_sig_init(&s->sig);
	s->hdr_index = hdr_index;
	if (dkim_sig_parse(h->value, h->value_len, &s->sig,
	    &why) != DKIM_SIG_OK) {
		dkim_vsig_finish(s, DKIM_RES_PERMERROR, why);
		return;
	}
	if (s->sig.alg == DKIM_ALG_RSA_SHA1 && !v->p.allow_rsa_sha1) {
		dkim_vsig_finish(s, DKIM_RES_POLICY, "rsa-sha1 not accepted (RFC 8301)");
		return;
	}
	if (!dkim_sig_check_time(&s->sig, v->p.now, v->p.clock_skew, &why)) {
		dkim_vsig_finish(s, DKIM_RES_PERMERROR, why);
		return;
	}
	s->key_name = key_name(v->arena, s->sig.s, s->sig.d);
}

/* sig_room - signatures the arrays hold: max_signatures and the
 * author's ones dkim_verifier_admit may add */
static size_t
sig_room(const struct dkim_verifier *v)
{
	return v->p.max_signatures + DKIM_VERIFY_EXTRA_PREFERRED;
}

/* take_sig - a new signature entry, below limit; NULL when full */
static struct vsig *
take_sig(struct dkim_verifier *v, size_t limit)
{
	struct vsig *s;

	if (v->nsigs >= limit)
		return NULL;
	if (v->sigs == NULL) {
		/* bodies: dkim_body_slot_for wants room for one more slot
		 * than in use, and fills each slot it adds */
		v->sigs = arena_alloc(v->arena, (sig_room(v) + 1) *
		    sizeof(*v->sigs));
		v->bodies = arena_alloc(v->arena, (sig_room(v) + 1) *
		    sizeof(*v->bodies));
	}
	/* one at a time: the whole array would exceed what the arena
	 * serves from its blocks */
	s = arena_alloc(v->arena, sizeof(*s));
	v->sigs[v->nsigs] = s;
	return s;
}

/* new_sig - room for one more signature; NULL (and counted as ignored)
 * beyond max_signatures */
static struct vsig *
new_sig(struct dkim_verifier *v)
{
	struct vsig *s = take_sig(v, v->p.max_signatures);

	if (s == NULL)
		v->ignored++;
	return s;
}

/* note_beyond - remember stored field hdr_index, a signature over the
 * cap, for dkim_verifier_admit (bounded by max_headers) */
static void
note_beyond(struct dkim_verifier *v, size_t hdr_index)
{
	if (v->nbeyond == v->beyond_cap) {
		size_t cap = v->beyond_cap ? v->beyond_cap * 2 : 8;
		size_t *n = arena_alloc(v->arena, cap * sizeof(*n));

		if (v->nbeyond > 0)
			memcpy(n, v->beyond, v->nbeyond * sizeof(*n));
		v->beyond = n;
		v->beyond_cap = cap;
	}
	v->beyond[v->nbeyond++] = hdr_index;
}

/*
 * add_over_cap - a DKIM-Signature field that did not fit the header
 * caps: permerror "header too large", as every signature is once the
 * block overflowed (eoh), named by its d= and s= when they parse. It was
 * dropped before, so a signed message whose cap tripped above its
 * signatures (fields added in transit go on top) read dkim=none, "not
 * signed" (RFC 8601 2.7.1). The value is only parsed, never stored or
 * hashed.
 */
static int
add_over_cap(struct dkim_verifier *v, const unsigned char *value,
    size_t value_len)
{
	struct vsig *s = new_sig(v);
	const char *why;

	if (s == NULL)
		return -1;
	memset(s, 0, sizeof(*s));
	dkim_sig_init(&s->sig);
	(void)dkim_sig_parse(value, value_len, &s->sig, &why);
	dkim_vsig_finish(s, DKIM_RES_PERMERROR, "header too large");
	return (int)v->nsigs++;
}

/* add_field - one header field in arrival order, of kind (headers_kind);
 * hides_from: headers_hides_from of its value */
static int
add_field(struct dkim_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len,
    enum header_kind kind, bool hides_from, bool kept)
{
	struct vsig *s;

	if (v->eoh_done)
		return -1;
	if (!store_header(v, name, name_len, value, value_len, kept))
		return kind == HEADER_DKIM_SIGNATURE ?
		    add_over_cap(v, value, value_len) : -1;
	if (kind == HEADER_FROM)
		v->from_fields++;
	if (hides_from)
		v->hidden_from = true;
	if (kind != HEADER_DKIM_SIGNATURE)
		return -1;
	if ((s = new_sig(v)) == NULL) {
		note_beyond(v, v->nhdrs - 1);
		return -1;
	}
	add_signature(v, s, v->nhdrs - 1);
	return (int)v->nsigs++;
}

/* dkim_verifier_header - one header field in arrival order */
int
dkim_verifier_header(struct dkim_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len)
{
	return add_field(v, name, name_len, value, value_len,
	    headers_kind(name, name_len),
	    headers_hides_from(value, value_len), false);
}

/* dkim_verifier_field - the same with the name classified already */
int
dkim_verifier_field(struct dkim_verifier *v, const struct header *f)
{
	return add_field(v, (const unsigned char *)f->name, f->name_len,
	    f->value, f->value_len, f->kind, f->hides_from, false);
}

/* dkim_verifier_field_kept - the same for a field valid until eoh */
int
dkim_verifier_field_kept(struct dkim_verifier *v, const struct header *f)
{
	return add_field(v, (const unsigned char *)f->name, f->name_len,
	    f->value, f->value_len, f->kind, f->hides_from, true);
}

/* dkim_verifier_key_name - the TXT name to look up, or NULL */
const char *
dkim_verifier_key_name(const struct dkim_verifier *v, int idx)
{
	const struct vsig *s = dkim_verifier_sig(v, idx);

	if (s == NULL || s->done)
		return NULL;
	return s->key_name;
}

/*
 * dkim_verifier_admit - see dkim_verify.h. Signatures added in transit
 * go on top, so from the bottom up: junk fields above the author's (or
 * naming its domain) cannot take its place. Only the bottom
 * DKIM_VERIFY_SIGNATURES_LIMIT are looked at, each parsed once more.
 */
size_t
dkim_verifier_admit(struct dkim_verifier *v,
    bool (*prefer)(const char *d, void *arg), void *arg, int *idx)
{
	size_t i, looked = 0, n = 0;

	if (v->eoh_done || v->overflow)
		return 0;
	for (i = v->nbeyond; i-- > 0 && n < DKIM_VERIFY_EXTRA_PREFERRED &&
	    looked < DKIM_VERIFY_SIGNATURES_LIMIT; looked++) {
		const struct dkim_header *h = &v->hdrs[v->beyond[i]];
		struct dkim_sig sig;
		const char *why;
		struct vsig *s;
		bool wanted;

		dkim_sig_init(&sig);
		wanted = dkim_sig_parse(h->value, h->value_len, &sig, &why) ==
		    DKIM_SIG_OK && prefer(sig.d, arg);
		dkim_sig_deinit(&sig);
		if (!wanted || (s = take_sig(v, sig_room(v))) == NULL)
			continue;
		add_signature(v, s, v->beyond[i]);
		v->ignored--;
		idx[n++] = (int)v->nsigs++;
	}
	return n;
}

/* hash_headers - the header hash of one signature (RFC 6376 3.7) */
static void
hash_headers(struct dkim_verifier *v, struct vsig *s)
{
	s->hdigest_len = dkim_canon_sig_hash(&s->sig, v->hdrs, v->nhdrs,
	    s->hdr_index, &v->scratch, s->hdigest);
}

/* check_from_coverage - does h= name From as often as the header has it?
 * The From fields were counted as they were stored: their kind is
 * HEADER_FROM exactly when dkim_canon_name_is would match "from". */
static void
check_from_coverage(const struct dkim_verifier *v, struct vsig *s)
{
	size_t fields = v->from_fields, names = 0, i;

	for (i = 0; i < s->sig.nnames; i++)
		if (ascii_memcaseeq(s->sig.names[i].p, s->sig.names[i].len,
		    "from"))
			names++;
	s->from_uncovered = fields > names;
}

/* dkim_verifier_eoh - hash the signed header fields */
void
dkim_verifier_eoh(struct dkim_verifier *v)
{
	size_t i;

	if (v->eoh_done)
		return;
	v->eoh_done = true;
	/* From the bottom up: the body hashes go first to the oldest
	 * signatures (the author's, below), so fields added above them in
	 * transit cannot take every hash and leave the author's unchecked */
	for (i = v->nsigs; i-- > 0;) {
		struct vsig *s = v->sigs[i];

		if (s->done)
			continue;
		if (v->overflow) {
			dkim_vsig_finish(s, DKIM_RES_PERMERROR, "header too large");
			continue;
		}
		/* Each distinct (c, a, l=) is a pass over the whole body, of
		 * some 5 ns a byte when the body is a storm of bare CRs and
		 * LFs: 50 signatures asking 50 of them took 4.6 s of CPU
		 * for a 16 MB message. Mail that is not built for that
		 * needs two or three. */
		if (v->nbodies >= DKIM_VERIFY_MAX_BODIES &&
		    !dkim_body_slot_shared(v->bodies, v->nbodies, &s->sig)) {
			s->body = SIZE_MAX;	/* none: fill_result reads no slot */
			dkim_vsig_finish(s, DKIM_RES_POLICY, "too many body hashes");
			continue;
		}
		hash_headers(v, s);
		check_from_coverage(v, s);
		s->body = dkim_body_slot_for(v->bodies, &v->nbodies, &s->sig);
	}
	/* the parsed signatures hold copies of all they need, and a kept
	 * field may be gone after eoh */
	v->hdrs = NULL;
	v->hdrs_cap = 0;
}

/* slot_live - some undecided signature still needs body slot i */
static bool
slot_live(const struct dkim_verifier *v, size_t i)
{
	size_t j;

	for (j = 0; j < v->nsigs; j++)
		if (!v->sigs[j]->done && v->sigs[j]->body == i)
			return true;
	return false;
}

/* dkim_verifier_body - the next body chunk */
void
dkim_verifier_body(struct dkim_verifier *v, const unsigned char *p,
    size_t len)
{
	size_t i;

	if (v->eom_done)
		return;
	dkim_verifier_eoh(v);
	for (i = 0; i < v->nbodies; i++)
		if (slot_live(v, i))
			dkim_body_update(v->bodies[i].b, p, len);
}

/* dkim_verifier_ignored - signatures beyond the cap */
size_t
dkim_verifier_ignored(const struct dkim_verifier *v)
{
	return v->ignored;
}

/* dkim_verifier_body_hashers - body hashers in use (shared per
 * canonicalization, hash and l=) */
size_t
dkim_verifier_body_hashers(const struct dkim_verifier *v)
{
	return v->nbodies;
}

/* dkim_verifier_free - free everything */
void
dkim_verifier_free(struct dkim_verifier **vp)
{
	struct dkim_verifier *v = *vp;
	size_t i;

	if (v == NULL)
		return;
	*vp = NULL;
	/* what parsing, keys and hashing allocated; the rest is arena */
	for (i = 0; i < v->nsigs; i++) {
		dkim_sig_deinit(&v->sigs[i]->sig);
		dkim_key_deinit(&v->sigs[i]->key);
	}
	for (i = 0; i < v->nbodies; i++)
		dkim_body_free(&v->bodies[i].b);
	buf_deinit(&v->scratch);
	if (v->own_arena) {
		arena_deinit(&v->own);
		free(v);
	}
}
