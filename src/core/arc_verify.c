/*
 * arc_verify.c - ARC chain validation of one message (RFC 8617 5.2): the
 * public entry points
 *
 * Purpose: judge the ARC sets of a message into arc=none|pass|fail with a
 * reason, the chain's instance count and header.oldest-pass. ARC is
 * DKIM-shaped and this module is built from the DKIM core: the AMS and AS
 * are parsed by dkim_sig_parse_arc, header fields are canonicalized and
 * selected by dkim_canon, the body is streamed through dkim_body, keys are
 * parsed by dkim_key_parse (and so share the decoded-key cache) and
 * checked with crypto_verify.
 *
 * This file holds the verifier's life and its public view; reading the
 * chain's structure is in arc_verify_chain.c, judging the signatures in
 * arc_verify_sigs.c (arc_verify_internal.h says who does what).
 *
 * Exported functions:
 *   arc_verify_params_init    defaults
 *   arc_field_kind            is a field name one of the three ARC fields
 *   arc_verifier_new/free     one verifier per message
 *   arc_verifier_header       an ARC field; its key lookup can start
 *   arc_verifier_key_name     what to look up
 *   arc_verifier_eoh          structure checks, header hashes
 *   arc_verifier_body         stream a body chunk (AMS body hashes)
 *   arc_verifier_key_answer   hand over a key lookup's answer
 *   arc_verifier_eom          judge the chain
 *   arc_verifier_result, arc_res_name, arc_cv_name
 *   arc_verifier_chain        the passing chain, canonicalized, for a
 *                             sealer that adds the next set
 *
 * The validation follows RFC 8617 5.2: no sets is "none"; the newest
 * seal saying cv=fail, a set missing, duplicated or beyond max_sets, a
 * seal whose cv= does not fit its place (none for i=1, pass after), a
 * malformed field, the newest AMS not verifying or any seal not verifying
 * is "fail". Older AMSs are verified (while the max_signatures cap
 * allows) only to find header.oldest-pass (5.2 step 5).
 *
 * Bounds: at most max_sets (<= 50) sets, so at most 150 ARC fields are
 * parsed before a duplicate ends the walk; ARC field bytes are capped by
 * max_header_bytes; signature checks by max_signatures; key names by
 * ARC_VERIFY_MAX_KEYS. Hostile input yields "fail" with a reason.
 * Memory: everything hangs off the verifier; results live until free.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/arc_verify.h"
#include "core/arc_verify_internal.h"
#include "core/headers.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* arc_res_name - RFC 8601 words */
const char *
arc_res_name(enum arc_res r)
{
	switch (r) {
	case ARC_RES_PASS:
		return "pass";
	case ARC_RES_FAIL:
		return "fail";
	default:
		return "none";
	}
}

/* arc_cv_name - the cv= a sealer records for our result */
const char *
arc_cv_name(enum arc_res r)
{
	return arc_res_name(r);
}

/* arc_verify_params_init - defaults */
void
arc_verify_params_init(struct arc_verify_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_sets = ARC_VERIFY_MAX_SETS;
	p->max_signatures = ARC_VERIFY_MAX_SIGNATURES;
	p->max_header_bytes = ARC_VERIFY_MAX_HEADER_BYTES;
	p->min_rsa_bits = 1024;
	p->max_rsa_bits = 8192;
	p->clock_skew = 300;
}

/* arc_field_kind - which ARC field a name is */
enum arc_field
arc_field_kind(const unsigned char *name, size_t len)
{
	len = headers_name_len(name, len);	/* "ARC-Seal :" (RFC 5322 4.5.1) */
	if (len < 8 || !ascii_memcaseeq(name, 4, "ARC-"))
		return ARC_FIELD_NONE;
	if (ascii_memcaseeq(name, len, "ARC-Seal"))
		return ARC_FIELD_SEAL;
	if (ascii_memcaseeq(name, len, "ARC-Message-Signature"))
		return ARC_FIELD_AMS;
	if (ascii_memcaseeq(name, len, "ARC-Authentication-Results"))
		return ARC_FIELD_AAR;
	return ARC_FIELD_NONE;
}

/* arc_verifier_new - a verifier for one message */
struct arc_verifier *
arc_verifier_new(const struct arc_verify_params *p)
{
	struct arc_verifier *v = xcalloc(1, sizeof(*v));
	size_t i;

	v->p = *p;
	if (v->p.max_sets == 0 || v->p.max_sets > DKIM_ARC_MAX_INSTANCE)
		v->p.max_sets = DKIM_ARC_MAX_INSTANCE;
	for (i = 0; i < DKIM_ARC_MAX_INSTANCE; i++) {
		dkim_sig_init(&v->sets[i].as.sig);
		dkim_sig_init(&v->sets[i].ams.sig);
	}
	buf_init(&v->reason);
	buf_init(&v->chain);
	return v;
}

/* arc_verify_decide - the chain's result is known (the first reason
 * stays) */
void
arc_verify_decide(struct arc_verifier *v, enum arc_res res, const char *fmt,
    ...)
{
	va_list ap;

	if (v->decided)
		return;
	v->decided = true;
	v->res = res;
	buf_reset(&v->reason);
	va_start(ap, fmt);
	buf_vprintf(&v->reason, fmt, ap);
	va_end(ap);
}

/* arc_verify_cv_word - a seal's cv= as written */
const char *
arc_verify_cv_word(enum dkim_arc_cv cv)
{
	switch (cv) {
	case DKIM_ARC_CV_NONE:
		return "none";
	case DKIM_ARC_CV_PASS:
		return "pass";
	case DKIM_ARC_CV_FAIL:
		return "fail";
	default:
		return "";
	}
}

/* arc_verifier_header - an ARC field at arrival: start its key lookup */
int
arc_verifier_header(struct arc_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len)
{
	enum arc_field kind = arc_field_kind(name, name_len);
	struct buf crlf = BUF_INIT;
	struct dkim_sig sig;
	const char *why;
	int idx = -1;

	if (kind == ARC_FIELD_NONE || v->eoh_done)
		return -1;
	if (value_len > v->p.max_header_bytes ||
	    v->header_bytes > v->p.max_header_bytes - value_len)
		v->header_bytes = v->p.max_header_bytes + 1;
	else
		v->header_bytes += value_len;
	if (kind == ARC_FIELD_AAR || v->header_bytes > v->p.max_header_bytes)
		return -1;
	dkim_canon_crlf(value, value_len, &crlf);
	dkim_sig_init(&sig);
	if (dkim_sig_parse_arc(crlf.data, crlf.len, kind == ARC_FIELD_SEAL ?
	    DKIM_SIG_KIND_ARC_SEAL : DKIM_SIG_KIND_ARC_AMS, &sig, &why) ==
	    DKIM_SIG_OK && sig.instance <= v->p.max_sets)
		idx = arc_verify_sigs_want_key(v, &sig);
	dkim_sig_deinit(&sig);
	buf_deinit(&crlf);
	return idx;
}

/* arc_verifier_key_name - the TXT name for key idx */
const char *
arc_verifier_key_name(const struct arc_verifier *v, int idx)
{
	if (idx < 0 || (size_t)idx >= v->nkeys)
		return NULL;
	return v->keys[idx].name;
}

/* arc_verifier_eoh - structure checks and header hashes */
void
arc_verifier_eoh(struct arc_verifier *v, const struct dkim_header *hdrs,
    size_t nhdrs, bool complete)
{
	struct dkim_header *h;
	struct buf vals = BUF_INIT;
	size_t *offs, i;

	if (v->eoh_done)
		return;
	v->eoh_done = true;
	if (!complete) {
		arc_verify_decide(v, ARC_RES_FAIL,
		    "header fields over the header caps");
		return;
	}
	/* values in CRLF form, as the DKIM canonicalizer wants them */
	h = xcalloc(nhdrs + 1, sizeof(*h));
	offs = xcalloc(nhdrs + 1, sizeof(*offs));
	for (i = 0; i < nhdrs; i++) {
		offs[i] = vals.len;
		dkim_canon_crlf(hdrs[i].value, hdrs[i].value_len, &vals);
	}
	offs[nhdrs] = vals.len;
	for (i = 0; i < nhdrs; i++) {
		h[i].name = hdrs[i].name;
		h[i].name_len = hdrs[i].name_len;
		h[i].value = vals.data + offs[i];
		h[i].value_len = offs[i + 1] - offs[i];
	}
	if (arc_verify_chain_collect(v, h, nhdrs)) {
		if (v->n == 0)
			arc_verify_decide(v, ARC_RES_NONE, "%s", "");
		else if (arc_verify_chain_check(v))
			arc_verify_sigs_hash(v, h, nhdrs);
	}
	free(offs);
	free(h);
	buf_deinit(&vals);
}

/* arc_verifier_body - the next body chunk */
void
arc_verifier_body(struct arc_verifier *v, const unsigned char *p, size_t len)
{
	size_t i;

	if (v->decided || v->eom_done)
		return;
	for (i = 0; i < v->nbodies; i++)
		dkim_body_update(v->bodies[i].b, p, len);
}

/* arc_verifier_key_answer - the answer for a key lookup (the key slots
 * live in arc_verify_sigs.c) */
void
arc_verifier_key_answer(struct arc_verifier *v, int idx,
    const struct dns_answer *a)
{
	arc_verify_sigs_key_answer(v, idx, a);
}

/* fill_sets - the public view of each set */
static void
fill_sets(struct arc_verifier *v)
{
	unsigned k;

	for (k = 1; k <= v->n; k++) {
		const struct aset *s = &v->sets[k - 1];
		struct arc_set_result *r = &v->out_sets[k - 1];

		r->instance = k;
		r->cv = arc_verify_cv_word(s->as.sig.cv);
		r->as_domain = s->as.sig.d ? s->as.sig.d : "";
		r->as_selector = s->as.sig.s ? s->as.sig.s : "";
		r->as_alg = s->as.sig.alg == DKIM_ALG_UNKNOWN ? "" :
		    dkim_alg_name(s->as.sig.alg);
		r->ams_domain = s->ams.sig.d ? s->ams.sig.d : "";
		r->ams_selector = s->ams.sig.s ? s->ams.sig.s : "";
		r->ams_alg = s->ams.sig.alg == DKIM_ALG_UNKNOWN ? "" :
		    dkim_alg_name(s->ams.sig.alg);
		r->as_result = s->as.result ? s->as.result : "";
		r->as_reason = s->as.present && !s->as.parsed ? s->as.why :
		    s->as.reason ? s->as.reason : "";
		r->ams_result = s->ams.result ? s->ams.result : "";
		r->ams_reason = s->ams.present && !s->ams.parsed ? s->ams.why :
		    s->ams.reason ? s->ams.reason : "";
		r->ams_partial = strcmp(r->ams_result, "pass") == 0 &&
		    s->ams.sig.has_l &&
		    dkim_body_length(v->bodies[s->ams.body].b) > s->ams.sig.l;
		r->aar = s->aar ? s->aar : "";
	}
}

/* arc_verifier_eom - judge the chain */
void
arc_verifier_eom(struct arc_verifier *v)
{
	size_t i;

	if (v->eom_done)
		return;
	v->eom_done = true;
	if (!v->eoh_done)
		arc_verify_decide(v, ARC_RES_FAIL, "no end of header");
	for (i = 0; i < v->nbodies; i++)
		v->bodies[i].digest_len = dkim_body_final(v->bodies[i].b,
		    v->bodies[i].digest);
	if (!v->decided)
		arc_verify_sigs_judge(v);
	fill_sets(v);
	v->out.res = v->res;
	v->out.reason = buf_cstr(&v->reason);
	/* a chain refused for too many sets has at least that many: not
	 * the 0 sets the walk placed before it met the instance */
	v->out.sets = v->past_max > v->n ? v->past_max : v->n;
	v->out.signatures_verified = v->verified;
	v->out.set = v->out_sets;
	v->out.nset = v->n;
	if (v->res != ARC_RES_PASS) {
		v->out.oldest_pass = 0;
		v->out.oldest_pass_known = false;
	}
}

/* arc_verifier_result - the chain's result after eom */
const struct arc_result *
arc_verifier_result(const struct arc_verifier *v)
{
	return v->eom_done ? &v->out : NULL;
}

/* arc_verifier_chain - the canonical chain a sealer extends */
bool
arc_verifier_chain(const struct arc_verifier *v, const unsigned char **chain_r,
    size_t *len_r, unsigned *sets_r)
{
	*chain_r = v->chain.data;
	*len_r = v->chain.len;
	*sets_r = v->n;
	if (!v->eoh_done)
		return false;
	if (v->eom_done)
		return v->res == ARC_RES_PASS || v->res == ARC_RES_NONE;
	return !v->decided || v->res == ARC_RES_NONE;
}

/* arc_verifier_free - free everything */
void
arc_verifier_free(struct arc_verifier **vp)
{
	struct arc_verifier *v = *vp;
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nkeys; i++) {
		free(v->keys[i].name);
		dkim_key_deinit(&v->keys[i].key);
	}
	for (i = 0; i < DKIM_ARC_MAX_INSTANCE; i++) {
		dkim_sig_deinit(&v->sets[i].as.sig);
		dkim_sig_deinit(&v->sets[i].ams.sig);
		free(v->sets[i].aar);
	}
	for (i = 0; i < v->nbodies; i++)
		dkim_body_free(&v->bodies[i].b);
	buf_deinit(&v->reason);
	buf_deinit(&v->chain);
	xfree(vp);
}
