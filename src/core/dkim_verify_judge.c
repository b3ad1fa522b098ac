/*
 * dkim_verify_judge.c - DKIM verification of one message: the judgement
 *
 * Purpose: take each signature's key answer and, at end of message,
 * judge every signature (RFC 6376 6.1.3 body hash, then the signature;
 * RFC 8301 key sizes, RFC 8463 Ed25519) into an RFC 8601 result with a
 * reason, and give the results out. The collection of header fields,
 * signatures and body is dkim_verify.c's (see dkim_verify_internal.h).
 *
 * Exported functions:
 *   dkim_verifier_key_answer  hand over a key lookup's answer
 *   dkim_verifier_eom         judge every signature
 *   dkim_verifier_result_count/result
 *   dkim_verifier_detail      c= and body hashes of a result, on request
 */
#include "config.h"

#include <string.h>

#include "core/dkim_canon.h"
#include "core/dkim_key_pick.h"
#include "core/dkim_verify_internal.h"
#include "crypto/crypto.h"
#include "util/str.h"

/* check_key - does the key fit the signature and our policy? */
static void
check_key(const struct dkim_verifier *v, struct vsig *s)
{
	const struct dkim_key *k = &s->key;

	s->testing = k->testing;
	s->key_bits = crypto_pubkey_bits(k->pk);
	if (k->type != s->sig.key_type)
		dkim_vsig_finish(s, DKIM_RES_PERMERROR, "key type mismatch");
	else if ((s->sig.hash == CRYPTO_HASH_SHA1 && !k->allow_sha1) ||
	    (s->sig.hash == CRYPTO_HASH_SHA256 && !k->allow_sha256))
		dkim_vsig_finish(s, DKIM_RES_PERMERROR, "hash not allowed by key h=");
	else if (k->strict &&
	    ascii_strcasecmp(s->sig.i_domain, s->sig.d) != 0)
		dkim_vsig_finish(s, DKIM_RES_PERMERROR,
		    "key t=s forbids i= subdomain");
	else if (k->type == CRYPTO_KEY_RSA && s->key_bits < v->p.min_rsa_bits)
		dkim_vsig_finish(s, DKIM_RES_POLICY, "key too small");
	else if (k->type == CRYPTO_KEY_RSA && s->key_bits > v->p.max_rsa_bits)
		dkim_vsig_finish(s, DKIM_RES_POLICY, "key too large");
	else if (crypto_pubkey_exponent_too_large(k->pk))
		dkim_vsig_finish(s, DKIM_RES_POLICY, "key exponent too large");
	else
		s->have_key = true;
}

/* dkim_verifier_key_answer - the DNS answer for signature idx's key */
void
dkim_verifier_key_answer(struct dkim_verifier *v, int idx,
    const struct dns_answer *a)
{
	struct vsig *s = dkim_verifier_sig(v, idx);
	const struct dns_rr *rr = NULL;
	enum dkim_key_status st;
	const char *why = "";

	if (s == NULL || s->done || s->have_key || a == NULL)
		return;
	switch (a->status) {
	case DNS_R_ANSWER:
		break;
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
		dkim_vsig_finish(s, DKIM_RES_PERMERROR, "no key");
		return;
	default:
		dkim_vsig_finish(s, DKIM_RES_TEMPERROR, dkim_key_lookup_failure(a->status));
		return;
	}
	st = dkim_key_pick(a, &s->key, &why, &rr);
	if (rr != NULL)
		s->key_txt = arena_memdup(v->arena, rr->text, rr->text_len);
	if (st != DKIM_KEY_OK) {
		dkim_vsig_finish(s, DKIM_RES_PERMERROR, why);
		return;
	}
	check_key(v, s);
}

/* judge - body hash first (RFC 6376 6.1.3), then the signature */
static void
judge(struct dkim_verifier *v, struct vsig *s)
{
	const struct dkim_body_slot *b = &v->bodies[s->body];

	if (!s->have_key) {
		dkim_vsig_finish(s, DKIM_RES_TEMPERROR, "no key answer");
		return;
	}
	s->judged = true;
	/* a signer cannot have hashed more body than there is (3.5 l=) */
	if (s->sig.has_l && dkim_body_length(b->b) < s->sig.l) {
		dkim_vsig_finish(s, DKIM_RES_FAIL, "body shorter than l=");
		return;
	}
	if (s->sig.bh.len != b->digest_len ||
	    memcmp(s->sig.bh.data, b->digest, b->digest_len) != 0) {
		dkim_vsig_finish(s, DKIM_RES_FAIL, "body hash mismatch");
		return;
	}
	if (!crypto_verify(s->key.pk, s->sig.hash, s->hdigest, s->hdigest_len,
	    s->sig.b.data, s->sig.b.len)) {
		dkim_vsig_finish(s, DKIM_RES_FAIL, "signature did not verify");
		return;
	}
	/*
	 * RFC 6376 5.4.2 selects fields from the bottom, so a From added
	 * above a signed one leaves the hash intact while readers see the
	 * added one. RFC 5322 3.6 allows one From; RFC 6376 8.15 warns of
	 * exactly this. A From the signature does not cover is therefore
	 * not a pass: "policy" (RFC 8601 2.7.1), signers prevent it by
	 * oversigning From.
	 */
	if (s->from_uncovered) {
		dkim_vsig_finish(s, DKIM_RES_POLICY, "unsigned From field");
		return;
	}
	/* a From inside another field's value is one no h= can cover */
	if (v->hidden_from) {
		dkim_vsig_finish(s, DKIM_RES_POLICY, "From hidden after a bare CR");
		return;
	}
	dkim_vsig_finish(s, DKIM_RES_PASS, "");
}

/* fill_detail - the explanation strings of a result that cost nothing
 * to give (the key name and record, h=) */
static void
fill_detail(struct vsig *s)
{
	struct dkim_result *r = &s->out;

	r->key_name = s->key_name != NULL ? s->key_name : "";
	r->key_record = s->key_txt != NULL ? s->key_txt : "";
	r->signed_headers = s->sig.h != NULL ? s->sig.h : "";
}

/* fill_result - the public view of a signature */
static void
fill_result(struct dkim_verifier *v, struct vsig *s)
{
	struct dkim_result *r = &s->out;

	r->result = s->res;
	r->reason = s->reason;
	r->domain = s->sig.d ? s->sig.d : "";
	r->selector = s->sig.s ? s->sig.s : "";
	r->algorithm = s->sig.alg == DKIM_ALG_UNKNOWN ? "" :
	    dkim_alg_name(s->sig.alg);
	r->b8 = s->sig.b8;
	r->auid = s->sig.i;
	r->l_used = s->sig.has_l;
	r->l_partial = s->sig.has_l && v->eoh_done && !v->overflow &&
	    s->body < v->nbodies &&
	    dkim_body_length(v->bodies[s->body].b) > s->sig.l;
	r->testing = s->testing;
	r->key_bits = s->key_bits;
	fill_detail(s);
}

/*
 * partial_body_policy - a signature that verifies but whose l= leaves
 * body content unsigned becomes "policy" (unless the caller allows it).
 * RFC 6376 8.2: an attacker may append content, e.g. a whole new MIME
 * part, after the signed length, and the signature still verifies; the
 * verifier may ignore such signatures. RFC 8601 2.7.1 "policy" says what
 * happened: the signature is valid but not acceptable to this ADMD. A
 * downstream filter (Sieve, a spam filter) that trusts "dkim=pass" then
 * does not trust this one, and DMARC, which counts only pass, does not
 * align on it. A comment-only note beside "pass" would be missed by
 * every filter that matches the result word.
 */
static void
partial_body_policy(const struct dkim_verifier *v, struct vsig *s)
{
	if (v->p.allow_partial_body || !s->out.l_partial ||
	    s->out.result != DKIM_RES_PASS)
		return;
	s->out.result = DKIM_RES_POLICY;
	s->out.reason = "l= leaves body content unsigned";
}

/* dkim_verifier_eom - judge every signature */
void
dkim_verifier_eom(struct dkim_verifier *v)
{
	size_t i;

	if (v->eom_done)
		return;
	dkim_verifier_eoh(v);
	v->eom_done = true;
	for (i = 0; i < v->nbodies; i++)
		v->bodies[i].digest_len = dkim_body_final(v->bodies[i].b,
		    v->bodies[i].digest);
	for (i = 0; i < v->nsigs; i++) {
		struct vsig *s = v->sigs[i];
		bool was_done = s->done;

		if (!s->done)
			judge(v, s);
		fill_result(v, s);
		if (was_done && s->sig.has_l)
			s->out.l_partial = false;	/* body not judged */
		partial_body_policy(v, s);
	}
}

/* dkim_verifier_result_count - signatures judged */
size_t
dkim_verifier_result_count(const struct dkim_verifier *v)
{
	return v->eom_done ? v->nsigs : 0;
}

/* dkim_verifier_result - result i */
const struct dkim_result *
dkim_verifier_result(const struct dkim_verifier *v, size_t i)
{
	if (!v->eom_done || i >= v->nsigs)
		return NULL;
	return &v->sigs[i]->out;
}

/* dkim_verifier_detail - c= and the body hashes of result i, base64;
 * the milter never shows them, so they are not made for every message */
void
dkim_verifier_detail(const struct dkim_verifier *v, size_t i,
    struct buf *store, struct dkim_detail *d)
{
	const struct vsig *s = v->sigs[i];
	size_t bh_off, bhc_off;

	buf_reset(store);
	if (s->sig.alg != DKIM_ALG_UNKNOWN) {
		buf_append_str(store, dkim_canon_name(s->sig.hcanon));
		buf_append_byte(store, '/');
		buf_append_str(store, dkim_canon_name(s->sig.bcanon));
	}
	buf_append_byte(store, '\0');
	bh_off = store->len;
	crypto_base64_encode(s->sig.bh.data, s->sig.bh.len, store);
	buf_append_byte(store, '\0');
	bhc_off = store->len;
	/* a signature decided before its body was hashed has no digest */
	if (s->judged)
		crypto_base64_encode(v->bodies[s->body].digest,
		    v->bodies[s->body].digest_len, store);
	buf_append_byte(store, '\0');
	d->canon = (const char *)store->data;
	d->body_hash = d->canon + bh_off;
	d->body_hash_computed = d->canon + bhc_off;
}
