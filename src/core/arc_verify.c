/*
 * arc_verify.c - ARC chain validation of one message (RFC 8617 5.2)
 *
 * Purpose: judge the ARC sets of a message into arc=none|pass|fail with a
 * reason, the chain's instance count and header.oldest-pass. ARC is
 * DKIM-shaped and this module is built from the DKIM core: the AMS and AS
 * are parsed by dkim_sig_parse_arc, header fields are canonicalized and
 * selected by dkim_canon, the body is streamed through dkim_body, keys are
 * parsed by dkim_key_parse (and so share the decoded-key cache) and
 * checked with crypto_verify.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arc_verify.h"
#include "core/dkim_bodies.h"
#include "core/headers.h"
#include "core/dkim_canon.h"
#include "core/dkim_key.h"
#include "core/dkim_sig.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* One AMS or AS of a set. */
struct asig {
	bool present;
	bool parsed;		/* dkim_sig_parse_arc accepted it */
	const char *why;	/* parse error */
	struct dkim_sig sig;
	size_t hdr_index;	/* its field among all header fields */
	bool hashed;
	unsigned char hdigest[CRYPTO_DIGEST_MAX];
	size_t hdigest_len;
	size_t body;		/* AMS: index into bodies */
	const char *result;	/* "pass", "fail", "" */
	const char *reason;
};

struct aset {
	struct asig as, ams;
	bool aar_present;
	size_t aar_index;
	char *aar;		/* payload after "i=N;" */
};

struct akey {
	char *name;
	bool answered;
	bool ok;
	const char *why;
	struct dkim_key key;
};

struct arc_verifier {
	struct arc_verify_params p;
	size_t header_bytes;	/* ARC field bytes seen by _header */
	struct akey keys[ARC_VERIFY_MAX_KEYS];
	size_t nkeys;
	struct aset sets[DKIM_ARC_MAX_INSTANCE];
	unsigned n;		/* highest instance */
	struct dkim_body_slot bodies[DKIM_ARC_MAX_INSTANCE];
	size_t nbodies;
	bool eoh_done, eom_done, decided;
	enum arc_res res;
	struct buf reason;
	struct buf chain;	/* every set, relaxed, instance order (5.1.1) */
	size_t verified;
	struct arc_result out;
	struct arc_set_result out_sets[DKIM_ARC_MAX_INSTANCE];
};

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

/* decide - the chain's result is known (the first reason stays) */
static void
decide(struct arc_verifier *v, enum arc_res res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
decide(struct arc_verifier *v, enum arc_res res, const char *fmt, ...)
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

/* arc_verifier_header - an ARC field at arrival: start its key lookup */
int
arc_verifier_header(struct arc_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len)
{
	enum arc_field kind = arc_field_kind(name, name_len);
	struct buf crlf = BUF_INIT, kn = BUF_INIT;
	struct dkim_sig sig;
	const char *why;
	bool added = false;
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
	    DKIM_SIG_OK && sig.instance <= v->p.max_sets) {
		key_name_of(&sig, &kn);
		idx = key_index(v, buf_cstr(&kn), &added);
	}
	dkim_sig_deinit(&sig);
	buf_deinit(&crlf);
	buf_deinit(&kn);
	return added ? idx : -1;
}

/* arc_verifier_key_name - the TXT name for key idx */
const char *
arc_verifier_key_name(const struct arc_verifier *v, int idx)
{
	if (idx < 0 || (size_t)idx >= v->nkeys)
		return NULL;
	return v->keys[idx].name;
}

/* aar_instance - "i=N;" at the start of an AAR value (RFC 8617 4.1.1);
 * 0 when malformed. *rest_r is the offset after the ';'. */
static unsigned
aar_instance(const unsigned char *p, size_t len, size_t *rest_r)
{
	size_t i = 0, digits = 0;
	unsigned n = 0;

	while (i < len && (ascii_iswsp(p[i]) || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i >= len || (p[i] != 'i' && p[i] != 'I'))
		return 0;
	for (i++; i < len && ascii_iswsp(p[i]); i++)
		;
	if (i >= len || p[i] != '=')
		return 0;
	for (i++; i < len && ascii_iswsp(p[i]); i++)
		;
	for (; i < len && ascii_isdigit(p[i]); i++, digits++)
		if (digits < DKIM_ARC_INSTANCE_DIGITS)
			n = n * 10 + (unsigned)(p[i] - '0');
	if (digits == 0 || digits > DKIM_ARC_INSTANCE_DIGITS)
		return 0;
	while (i < len && (ascii_iswsp(p[i]) || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i >= len || p[i] != ';')
		return 0;
	*rest_r = i + 1;
	return n;	/* over max_sets is the caller's "too many sets" */
}

/* aar_text - the AAR payload with each whitespace run made one space */
static char *
aar_text(const unsigned char *p, size_t len)
{
	struct buf b = BUF_INIT;
	bool space = false;
	size_t i;
	char *s;

	for (i = 0; i < len; i++) {
		if (ascii_iswsp(p[i]) || p[i] == '\r' || p[i] == '\n') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_append_byte(&b, ' ');
		space = false;
		buf_append_byte(&b, p[i]);
	}
	s = xstrndup(b.len ? (const char *)b.data : "", b.len);
	buf_deinit(&b);
	return s;
}

static const char *const field_names[] = {
	"", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"
};

/* place_field - file one ARC field under its instance; false when the
 * chain is already decided */
static bool
place_field(struct arc_verifier *v, enum arc_field kind,
    const struct dkim_header *h, size_t index)
{
	unsigned inst;
	struct asig *a;
	size_t rest = 0;

	if (kind == ARC_FIELD_AAR) {
		inst = aar_instance(h->value, h->value_len, &rest);
		if (inst == 0) {
			decide(v, ARC_RES_FAIL, "%s without a valid i=",
			    field_names[kind]);
			return false;
		}
	} else {
		struct dkim_sig sig;
		const char *why = "";
		enum dkim_sig_status st;

		dkim_sig_init(&sig);
		st = dkim_sig_parse_arc(h->value, h->value_len,
		    kind == ARC_FIELD_SEAL ? DKIM_SIG_KIND_ARC_SEAL :
		    DKIM_SIG_KIND_ARC_AMS, &sig, &why);
		inst = sig.instance;
		if (inst == 0) {
			dkim_sig_deinit(&sig);
			decide(v, ARC_RES_FAIL, "%s without a valid i=",
			    field_names[kind]);
			return false;
		}
		if (inst > v->p.max_sets) {
			dkim_sig_deinit(&sig);
			decide(v, ARC_RES_FAIL, "more than %zu ARC sets",
			    v->p.max_sets);
			return false;
		}
		a = kind == ARC_FIELD_SEAL ? &v->sets[inst - 1].as :
		    &v->sets[inst - 1].ams;
		if (a->present) {
			dkim_sig_deinit(&sig);
			decide(v, ARC_RES_FAIL, "duplicate %s i=%u",
			    field_names[kind], inst);
			return false;
		}
		dkim_sig_deinit(&a->sig);
		a->sig = sig;	/* takes ownership */
		a->present = true;
		a->parsed = st == DKIM_SIG_OK;
		a->why = why;
		a->hdr_index = index;
		a->result = "";
		a->reason = "";
	}
	if (inst > v->p.max_sets) {
		decide(v, ARC_RES_FAIL, "more than %zu ARC sets", v->p.max_sets);
		return false;
	}
	if (kind == ARC_FIELD_AAR) {
		struct aset *s = &v->sets[inst - 1];

		if (s->aar_present) {
			decide(v, ARC_RES_FAIL, "duplicate %s i=%u",
			    field_names[kind], inst);
			return false;
		}
		s->aar_present = true;
		s->aar_index = index;
		s->aar = aar_text(h->value + rest, h->value_len - rest);
	}
	if (inst > v->n)
		v->n = inst;
	return true;
}

/* collect - file every ARC field of the header under its instance */
static bool
collect(struct arc_verifier *v, const struct dkim_header *hdrs, size_t n)
{
	size_t i, bytes = 0;

	for (i = 0; i < n; i++) {
		enum arc_field kind = arc_field_kind(hdrs[i].name,
		    hdrs[i].name_len);

		if (kind == ARC_FIELD_NONE)
			continue;
		bytes += hdrs[i].value_len;
		if (bytes > v->p.max_header_bytes) {
			decide(v, ARC_RES_FAIL,
			    "ARC fields over %zu bytes", v->p.max_header_bytes);
			return false;
		}
		if (!place_field(v, kind, &hdrs[i], i))
			return false;
	}
	return true;
}

/* check_structure - RFC 8617 5.2 steps 2-3: every set 1..N complete,
 * the newest seal not cv=fail, cv= fitting each place, fields parsed */
static bool
check_structure(struct arc_verifier *v)
{
	static const char *const cvs[] = { "", "none", "pass", "fail" };
	unsigned k;

	for (k = 1; k <= v->n; k++) {
		const struct aset *s = &v->sets[k - 1];

		if (!s->as.present || !s->ams.present || !s->aar_present) {
			decide(v, ARC_RES_FAIL, "ARC set i=%u incomplete (%s)",
			    k, !s->as.present ? "no ARC-Seal" :
			    !s->ams.present ? "no ARC-Message-Signature" :
			    "no ARC-Authentication-Results");
			return false;
		}
	}
	if (v->sets[v->n - 1].as.sig.cv == DKIM_ARC_CV_FAIL) {
		decide(v, ARC_RES_FAIL, "ARC-Seal i=%u records cv=fail", v->n);
		return false;
	}
	for (k = 1; k <= v->n; k++) {
		const struct aset *s = &v->sets[k - 1];
		enum dkim_arc_cv want = k == 1 ? DKIM_ARC_CV_NONE :
		    DKIM_ARC_CV_PASS;

		if (!s->as.parsed) {
			decide(v, ARC_RES_FAIL, "ARC-Seal i=%u: %s", k,
			    s->as.why);
			return false;
		}
		if (s->as.sig.cv != want) {
			decide(v, ARC_RES_FAIL, "ARC-Seal i=%u has cv=%s",
			    k, cvs[s->as.sig.cv]);
			return false;
		}
	}
	if (!v->sets[v->n - 1].ams.parsed) {
		decide(v, ARC_RES_FAIL, "ARC-Message-Signature i=%u: %s", v->n,
		    v->sets[v->n - 1].ams.why);
		return false;
	}
	if (v->n + 1 > v->p.max_signatures) {
		decide(v, ARC_RES_FAIL, "%u ARC sets need more than %zu "
		    "signature checks", v->n, v->p.max_signatures);
		return false;
	}
	return true;
}

/* hash_ams - the header hash of an AMS (RFC 8617 4.1.2: as DKIM 3.7) */
static void
hash_ams(struct asig *a, const struct dkim_header *hdrs, size_t n,
    struct buf *scratch)
{
	const struct dkim_header *own = &hdrs[a->hdr_index];
	struct buf stripped = BUF_INIT;
	struct crypto_digest *d;

	buf_reset(scratch);
	dkim_canon_select(a->sig.hcanon, hdrs, n, a->hdr_index, a->sig.names,
	    a->sig.nnames, scratch);
	dkim_canon_strip_b(own->value, own->value_len, a->sig.b_start,
	    a->sig.b_end, &stripped);
	dkim_canon_header(a->sig.hcanon, own->name, own->name_len,
	    stripped.data, stripped.len, false, scratch);
	buf_deinit(&stripped);
	d = crypto_digest_new(a->sig.hash);
	crypto_digest_update(d, scratch->data, scratch->len);
	a->hdigest_len = crypto_digest_final(d, a->hdigest);
	crypto_digest_free(&d);
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

/* hash_all - header hashes of the newest AMS, the older AMSs the
 * signature cap leaves room for, and every seal */
static void
hash_all(struct arc_verifier *v, const struct dkim_header *hdrs, size_t n)
{
	struct buf scratch = BUF_INIT;
	size_t budget = v->p.max_signatures - (v->n + 1);
	unsigned k;

	for (k = v->n; k >= 1; k--) {
		struct asig *a = &v->sets[k - 1].ams;

		if (k < v->n) {
			if (budget == 0 || !a->parsed)
				break;
			budget--;
		}
		hash_ams(a, hdrs, n, &scratch);
		a->body = dkim_body_slot_for(v->bodies, &v->nbodies, &a->sig);
	}
	buf_deinit(&scratch);
	hash_seals(v, hdrs);
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
		decide(v, ARC_RES_FAIL, "header fields over the header caps");
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
	if (collect(v, h, nhdrs)) {
		if (v->n == 0)
			decide(v, ARC_RES_NONE, "%s", "");
		else if (check_structure(v))
			hash_all(v, h, nhdrs);
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

/* answer_reason - why a failed lookup gives no key */
static const char *
answer_reason(enum dns_status st)
{
	switch (st) {
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
		return "no key";
	case DNS_R_TIMEOUT:
		return "key lookup timed out";
	case DNS_R_SERVFAIL:
		return "key lookup failed (SERVFAIL)";
	case DNS_R_BOGUS:
		return "key lookup failed DNSSEC validation";
	default:
		return "key lookup error";
	}
}

/* arc_verifier_key_answer - the first usable TXT record is the key */
void
arc_verifier_key_answer(struct arc_verifier *v, int idx,
    const struct dns_answer *a)
{
	struct akey *k;
	const char *first_why = NULL;
	size_t i;

	if (idx < 0 || (size_t)idx >= v->nkeys || a == NULL)
		return;
	k = &v->keys[idx];
	if (k->answered)
		return;
	k->answered = true;
	if (a->status != DNS_R_ANSWER) {
		k->why = answer_reason(a->status);
		return;
	}
	for (i = 0; i < a->count; i++) {
		const char *why = "";
		enum dkim_key_status st;

		if (a->rr[i].type != DNS_T_TXT || a->rr[i].text == NULL)
			continue;
		st = dkim_key_parse((const unsigned char *)a->rr[i].text,
		    a->rr[i].text_len, &k->key, &why);
		if (st == DKIM_KEY_OK) {
			k->ok = true;
			return;
		}
		dkim_key_deinit(&k->key);
		if (first_why == NULL)
			first_why = st == DKIM_KEY_REVOKED ? "key revoked" : why;
	}
	k->why = first_why != NULL ? first_why : "no key";
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
	else
		return true;
	return false;
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

/* judge_chain - RFC 8617 5.2 steps 4-7 */
static void
judge_chain(struct arc_verifier *v)
{
	unsigned k;

	if (!judge(v, &v->sets[v->n - 1].ams, true)) {
		decide(v, ARC_RES_FAIL, "ARC-Message-Signature i=%u: %s",
		    v->n, v->sets[v->n - 1].ams.reason);
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
			decide(v, ARC_RES_FAIL, "ARC-Seal i=%u: %s", k,
			    a->reason);
			return;
		}
	}
	decide(v, ARC_RES_PASS, "%s", "");
}

/* fill_sets - the public view of each set */
static void
fill_sets(struct arc_verifier *v)
{
	static const char *const cvs[] = { "", "none", "pass", "fail" };
	unsigned k;

	for (k = 1; k <= v->n; k++) {
		const struct aset *s = &v->sets[k - 1];
		struct arc_set_result *r = &v->out_sets[k - 1];

		r->instance = k;
		r->cv = cvs[s->as.sig.cv];
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
		decide(v, ARC_RES_FAIL, "no end of header");
	for (i = 0; i < v->nbodies; i++)
		v->bodies[i].digest_len = dkim_body_final(v->bodies[i].b,
		    v->bodies[i].digest);
	if (!v->decided)
		judge_chain(v);
	fill_sets(v);
	v->out.res = v->res;
	v->out.reason = buf_cstr(&v->reason);
	v->out.sets = v->n;
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
