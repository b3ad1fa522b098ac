/*
 * arc_verify_sigs.c - judging an ARC chain's signatures (RFC 8617 5.2
 * steps 4-7), part of the ARC verifier (see arc_verify_internal.h)
 *
 * Exported (to arc_verify.c only):
 *   arc_verify_sigs_want_key    a key slot for a signature seen at arrival
 *   arc_verify_sigs_key_answer  a key lookup's answer into its slot
 *   arc_verify_sigs_hash        header hashes of the AMSs and seals
 *   arc_verify_sigs_judge       verify them and decide the chain
 *
 * Keys: one slot per distinct TXT name (at most ARC_VERIFY_MAX_KEYS),
 * found again by name when a signature is judged; a name never answered,
 * a failed lookup or no usable record fails every signature using it.
 * Hashes: an AMS hashes like a DKIM signature (RFC 8617 4.1.2); a seal
 * hashes the sets up to its own, relaxed (5.1.1), and the same bytes
 * build the canonical chain a sealer extends. The number of signature
 * checks stays within max_signatures: the newest AMS and every seal
 * always, older AMSs only while room is left (they only find
 * header.oldest-pass), and only while they share one of
 * ARC_VERIFY_MAX_BODIES body hashes or make one of them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/arc_verify_internal.h"
#include "core/dkim_key_pick.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* key_index - the key slot for a name, added when new; -1 when full */
static int
key_index(struct arc_verifier *v, const char *name, bool *added_r)
{
	size_t i;

	*added_r = false;
	for (i = 0; i < v->nkeys; i++)
		if (ascii_strcasecmp(v->keys[i].name, name) == 0)
			return (int)i;
	if (v->nkeys == ARC_VERIFY_MAX_KEYS)
		return -1;
	v->keys[v->nkeys].name = xstrdup(name);
	*added_r = true;
	return (int)v->nkeys++;
}

/* key_name_of - "s._domainkey.d" of a parsed signature into out */
static void
key_name_of(const struct dkim_sig *sig, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s._domainkey.%s", sig->s, sig->d);
}

/* arc_verify_sigs_want_key - a key slot for a signature at arrival */
int
arc_verify_sigs_want_key(struct arc_verifier *v, const struct dkim_sig *sig)
{
	struct buf kn = BUF_INIT;
	bool added = false;
	int idx;

	key_name_of(sig, &kn);
	idx = key_index(v, buf_cstr(&kn), &added);
	buf_deinit(&kn);
	return added ? idx : -1;
}

/* arc_verify_sigs_key_answer - the key of the answer, by DKIM's rule */
void
arc_verify_sigs_key_answer(struct arc_verifier *v, int idx,
    const struct dns_answer *a)
{
	const struct dns_rr *rr;
	const char *why = "";
	struct akey *k;

	if (idx < 0 || (size_t)idx >= v->nkeys || a == NULL)
		return;
	k = &v->keys[idx];
	if (k->answered)
		return;
	k->answered = true;
	if (a->status != DNS_R_ANSWER) {
		k->why = dkim_key_lookup_failure(a->status);
		return;
	}
	k->ok = dkim_key_pick(a, &k->key, &why, &rr) == DKIM_KEY_OK;
	if (!k->ok)
		k->why = why;
}

/* sig_key - the answered key of a signature, or NULL with *why_r */
static const struct akey *
sig_key(const struct arc_verifier *v, const struct dkim_sig *sig,
    const char **why_r)
{
	struct buf kn = BUF_INIT;
	const struct akey *found = NULL;
	size_t i;

	key_name_of(sig, &kn);
	for (i = 0; i < v->nkeys; i++)
		if (ascii_strcasecmp(v->keys[i].name, buf_cstr(&kn)) == 0)
			found = &v->keys[i];
	buf_deinit(&kn);
	if (found == NULL || !found->answered) {
		*why_r = "no key answer";
		return NULL;
	}
	if (!found->ok) {
		*why_r = found->why;
		return NULL;
	}
	return found;
}

/* key_fits - the key's type, h= and size fit the signature and policy */
static bool
key_fits(const struct arc_verifier *v, const struct dkim_sig *sig,
    const struct dkim_key *k, const char **why_r)
{
	unsigned bits = crypto_pubkey_bits(k->pk);

	if (k->type != sig->key_type)
		*why_r = "key type mismatch";
	else if ((sig->hash == CRYPTO_HASH_SHA1 && !k->allow_sha1) ||
	    (sig->hash == CRYPTO_HASH_SHA256 && !k->allow_sha256))
		*why_r = "hash not allowed by key h=";
	else if (k->type == CRYPTO_KEY_RSA && bits < v->p.min_rsa_bits)
		*why_r = "key too small";
	else if (k->type == CRYPTO_KEY_RSA && bits > v->p.max_rsa_bits)
		*why_r = "key too large";
	else if (crypto_pubkey_exponent_too_large(k->pk))
		*why_r = "key exponent too large";
	else
		return true;
	return false;
}

/* hash_ams - the header hash of an AMS (RFC 8617 4.1.2: as DKIM 3.7) */
static void
hash_ams(struct asig *a, const struct dkim_header *hdrs, size_t n,
    struct buf *scratch)
{
	a->hdigest_len = dkim_canon_sig_hash(&a->sig, hdrs, n, a->hdr_index,
	    scratch, a->hdigest);
	a->hashed = true;
}

/* hash_seals - each AS signs, relaxed, the AAR, AMS and AS of every set
 * up to its own, in instance order, its own b= emptied and no final CRLF
 * (RFC 8617 5.1.1) */
static void
hash_seals(struct arc_verifier *v, const struct dkim_header *hdrs)
{
	struct buf *chain = &v->chain, stripped = BUF_INIT, own = BUF_INIT;
	unsigned k;

	for (k = 1; k <= v->n; k++) {
		struct aset *s = &v->sets[k - 1];
		const struct dkim_header *aar = &hdrs[s->aar_index];
		const struct dkim_header *ams = &hdrs[s->ams.hdr_index];
		const struct dkim_header *as = &hdrs[s->as.hdr_index];
		struct crypto_digest *d;

		dkim_canon_header(DKIM_CANON_RELAXED, aar->name, aar->name_len,
		    aar->value, aar->value_len, true, chain);
		dkim_canon_header(DKIM_CANON_RELAXED, ams->name, ams->name_len,
		    ams->value, ams->value_len, true, chain);
		buf_reset(&stripped);
		buf_reset(&own);
		dkim_canon_strip_b(as->value, as->value_len, s->as.sig.b_start,
		    s->as.sig.b_end, &stripped);
		dkim_canon_header(DKIM_CANON_RELAXED, as->name, as->name_len,
		    stripped.data, stripped.len, false, &own);
		d = crypto_digest_new(s->as.sig.hash);
		crypto_digest_update(d, chain->data, chain->len);
		crypto_digest_update(d, own.data, own.len);
		s->as.hdigest_len = crypto_digest_final(d, s->as.hdigest);
		crypto_digest_free(&d);
		s->as.hashed = true;
		dkim_canon_header(DKIM_CANON_RELAXED, as->name, as->name_len,
		    as->value, as->value_len, true, chain);
	}
	buf_deinit(&stripped);
	buf_deinit(&own);
}

/* arc_verify_sigs_hash - header hashes of the newest AMS, the older
 * AMSs the signature cap leaves room for, and every seal */
void
arc_verify_sigs_hash(struct arc_verifier *v, const struct dkim_header *hdrs,
    size_t n)
{
	struct buf scratch = BUF_INIT;
	size_t budget = v->p.max_signatures - (v->n + 1);
	unsigned k;

	for (k = v->n; k >= 1; k--) {
		struct asig *a = &v->sets[k - 1].ams;

		if (k < v->n) {
			if (budget == 0 || !a->parsed)
				break;
			/* each distinct (c, a, l=) is a pass over the whole
			 * body: a chain of 50 sets with 50 of them would hash
			 * it 50 times for header.oldest-pass alone */
			if (v->nbodies >= ARC_VERIFY_MAX_BODIES &&
			    !dkim_body_slot_shared(v->bodies, v->nbodies, &a->sig))
				break;
			budget--;
		}
		hash_ams(a, hdrs, n, &scratch);
		a->body = dkim_body_slot_for(v->bodies, &v->nbodies, &a->sig);
	}
	buf_deinit(&scratch);
	hash_seals(v, hdrs);
}

/* judge - verify one AMS (with its body hash) or AS */
static bool
judge(struct arc_verifier *v, struct asig *a, bool ams)
{
	const struct akey *k;
	const char *why = "";

	if (!a->hashed) {
		a->result = "";
		return false;
	}
	if (a->sig.alg == DKIM_ALG_RSA_SHA1 && !v->p.allow_rsa_sha1)
		why = "rsa-sha1 not accepted (RFC 8301)";
	else if (!dkim_sig_check_time(&a->sig, v->p.now, v->p.clock_skew,
	    &why))
		;
	else if ((k = sig_key(v, &a->sig, &why)) == NULL ||
	    !key_fits(v, &a->sig, &k->key, &why))
		;
	else if (ams && (a->sig.bh.len != v->bodies[a->body].digest_len ||
	    memcmp(a->sig.bh.data, v->bodies[a->body].digest,
	    a->sig.bh.len) != 0))
		why = "body hash mismatch";
	else if (ams && a->sig.has_l &&
	    dkim_body_length(v->bodies[a->body].b) < a->sig.l)
		why = "body shorter than l=";
	else {
		v->verified++;
		if (crypto_verify(k->key.pk, a->sig.hash, a->hdigest,
		    a->hdigest_len, a->sig.b.data, a->sig.b.len)) {
			a->result = "pass";
			a->reason = "";
			return true;
		}
		why = "signature did not verify";
	}
	a->result = "fail";
	a->reason = why;
	return false;
}

/* arc_verify_sigs_judge - RFC 8617 5.2 steps 4-7 */
void
arc_verify_sigs_judge(struct arc_verifier *v)
{
	unsigned k;

	if (!judge(v, &v->sets[v->n - 1].ams, true)) {
		arc_verify_decide(v, ARC_RES_FAIL,
		    "ARC-Message-Signature i=%u: %s", v->n,
		    v->sets[v->n - 1].ams.reason);
		return;
	}
	/* step 5: the oldest AMS that still validates */
	v->out.oldest_pass_known = true;
	v->out.oldest_pass = 0;
	for (k = v->n - 1; k >= 1; k--) {
		struct asig *a = &v->sets[k - 1].ams;

		if (!a->hashed && a->parsed) {
			v->out.oldest_pass_known = false;
			break;
		}
		if (!judge(v, a, true)) {
			if (!a->parsed) {
				a->result = "fail";
				a->reason = a->why;
			}
			v->out.oldest_pass = k + 1;
			break;
		}
	}
	for (k = v->n; k >= 1; k--) {
		struct asig *a = &v->sets[k - 1].as;

		if (!judge(v, a, false)) {
			arc_verify_decide(v, ARC_RES_FAIL, "ARC-Seal i=%u: %s",
			    k, a->reason);
			return;
		}
	}
	arc_verify_decide(v, ARC_RES_PASS, "%s", "");
}
