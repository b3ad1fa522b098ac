/* dkim_verify.h - DKIM verification of one message (RFC 6376 6, RFC 8301,
 * RFC 8463), driven by the milter glue
 *
 * Call order for one message (one verifier per message, one thread):
 *
 *   v = dkim_verifier_new(&params);
 *   for each header field, in arrival order:
 *       idx = dkim_verifier_header(v, name, nlen, value, vlen);
 *       if (idx >= 0 && (q = dkim_verifier_key_name(v, idx)) != NULL)
 *           start an async TXT lookup of q, remember it with idx
 *   if dkim_verifier_ignored(v) > 0: dkim_verifier_admit(v, ...), and
 *       the same lookups for the indices it gives
 *   dkim_verifier_eoh(v);
 *   for each body chunk: dkim_verifier_body(v, chunk, len);
 *   for each lookup started: dkim_verifier_key_answer(v, idx, answer);
 *   dkim_verifier_eom(v);
 *   n = dkim_verifier_result_count(v);   (0: report dkim=none)
 *   for i < n: r = dkim_verifier_result(v, i);
 *   dkim_verifier_free(&v);
 *
 * Header values are given as the milter sees them: the value after the
 * colon including its leading whitespace, folded with "\n" or "\r\n".
 * dkim_verifier_key_answer may also come before eoh or between body chunks
 * as answers arrive. No function blocks, does I/O or reads the clock.
 */
#ifndef AUTHMILTER_DKIM_VERIFY_H
#define AUTHMILTER_DKIM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/headers.h"
#include "dns/dns.h"
#include "util/arena.h"
#include "util/buf.h"

/* Defaults (see struct dkim_verify_params). */
#define DKIM_VERIFY_MAX_SIGNATURES 5
#define DKIM_VERIFY_MIN_RSA_BITS 1024	/* RFC 8301 3.2 */
#define DKIM_VERIFY_MAX_RSA_BITS 8192
#define DKIM_VERIFY_CLOCK_SKEW 300
#define DKIM_VERIFY_MAX_HEADER_BYTES (1024 * 1024)
#define DKIM_VERIFY_MAX_HEADERS 1000

/* Fixed: distinct body hashes (c=, a=, l=) made per message, each a pass
 * over the whole body. A signature that would need one more gets
 * "policy" (too many body hashes). */
#define DKIM_VERIFY_MAX_BODIES 8

/* Fixed: signatures beyond max_signatures that dkim_verifier_admit may
 * still take (an author signing with RSA and Ed25519 has two). */
#define DKIM_VERIFY_EXTRA_PREFERRED 2

struct dkim_verify_params {
	size_t max_signatures;	/* signatures verified; more are ignored */
	bool allow_rsa_sha1;	/* false: rsa-sha1 is "policy" (RFC 8301) */
	bool allow_partial_body;	/* false: a pass whose l= leaves body
					 * content unsigned is "policy" */
	unsigned min_rsa_bits;	/* smaller RSA keys are "policy" */
	unsigned max_rsa_bits;	/* larger ones too (CPU protection) */
	int64_t clock_skew;	/* seconds of tolerance for t= and x= */
	int64_t now;		/* current time, seconds since the epoch */
	size_t max_header_bytes;	/* header block larger: permerror */
	size_t max_headers;		/* more fields: permerror */
	size_t max_field_bytes;	/* one field (name:value) larger: permerror */
};

/* RFC 8601 2.7.1 words for a signature's result. */
enum dkim_res {
	DKIM_RES_PASS,
	DKIM_RES_FAIL,
	DKIM_RES_NEUTRAL,
	DKIM_RES_POLICY,
	DKIM_RES_TEMPERROR,
	DKIM_RES_PERMERROR
};

/* One signature's outcome; strings are owned by the verifier and live
 * until dkim_verifier_free. Missing values are "" (never NULL), except
 * auid which is NULL when the signature had no i=. */
struct dkim_result {
	enum dkim_res result;
	const char *reason;	/* e.g. "body hash mismatch"; "" on pass */
	const char *domain;	/* d= (header.d) */
	const char *selector;	/* s= (header.s) */
	const char *algorithm;	/* a= (header.a), "" when unknown */
	const char *b8;		/* first 8 chars of b= (header.b) */
	const char *auid;	/* i= (header.i), NULL when absent */
	bool l_used;		/* signature has l= */
	bool l_partial;		/* l= left body content unsigned */
	bool testing;		/* key says t=y */
	unsigned key_bits;	/* key size, 0 when no key was read */
	/* Detail for explanations (authcheck); "" when not known. The
	 * body hashes are in struct dkim_detail. */
	const char *key_name;	/* the TXT name looked up for the key */
	const char *key_record;	/* the key TXT record that was judged */
	const char *signed_headers;	/* h= as given */
};

/* The strings an explanation adds to a result, made on request
 * (dkim_verifier_detail); "" when not known. */
struct dkim_detail {
	const char *canon;	/* "relaxed/simple" (c=) */
	const char *body_hash;	/* bh= of the signature, base64 */
	const char *body_hash_computed;	/* what the body hashed to, base64;
					 * "" when the body was not judged */
};

struct dkim_verifier;

/* dkim_verify_params_init - fill the defaults above; now is 0 and must be
 * set by the caller */
void dkim_verify_params_init(struct dkim_verify_params *p);

/* dkim_verifier_new - a verifier for one message; params are copied */
struct dkim_verifier *dkim_verifier_new(const struct dkim_verify_params *p);
/* dkim_verifier_new_in - the same with the verifier's own memory (itself,
 * its header list, key names and records, result strings) taken from
 * arena, which must not be reset before dkim_verifier_free; that must
 * still be called (it frees what signature and key parsing and body
 * hashing allocated). arena NULL: dkim_verifier_new. */
struct dkim_verifier *dkim_verifier_new_in(const struct dkim_verify_params *p,
    struct arena *arena);

/* dkim_verifier_header - one header field in arrival order. Returns the
 * signature index (>= 0) when the field is a DKIM-Signature within the
 * cap, else -1. */
int dkim_verifier_header(struct dkim_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len);
/* dkim_verifier_field - dkim_verifier_header for a field whose name was
 * classified already (headers_field_init): f->name[0..f->name_len),
 * f->value[0..f->value_len), f->kind */
int dkim_verifier_field(struct dkim_verifier *v, const struct header *f);
/* dkim_verifier_field_kept - dkim_verifier_field for a field whose
 * f->name and f->value stay valid and unchanged until dkim_verifier_eoh
 * (or free): the verifier refers to them instead of copying them (a
 * value with a line break is still copied, in CRLF form) */
int dkim_verifier_field_kept(struct dkim_verifier *v, const struct header *f);

/* dkim_verifier_key_name - the TXT name to look up for signature idx
 * ("selector._domainkey.domain"), or NULL when no lookup is needed (the
 * signature already has its result, e.g. a syntax error). */
const char *dkim_verifier_key_name(const struct dkim_verifier *v, int idx);

/* dkim_verifier_admit - before eoh, for a message with more signatures
 * than max_signatures: the bottom-most (up to DKIM_VERIFY_EXTRA_PREFERRED)
 * of those left out whose d= prefer(d, arg) accepts (the author's
 * organization) are verified after all, so signatures added above the
 * author's cannot push it out of the count. Their indices go to idx
 * (room for DKIM_VERIFY_EXTRA_PREFERRED), after every index given
 * before; returns how many. They count as ignored no more. */
size_t dkim_verifier_admit(struct dkim_verifier *v,
    bool (*prefer)(const char *d, void *arg), void *arg, int *idx);

/* dkim_verifier_eoh - end of header: hashes the selected header fields
 * and lets go of the header block (kept fields may go after this) */
void dkim_verifier_eoh(struct dkim_verifier *v);

/* dkim_verifier_body - the next body chunk, exactly as received */
void dkim_verifier_body(struct dkim_verifier *v, const unsigned char *p,
    size_t len);

/* dkim_verifier_key_answer - the DNS answer for signature idx's key.
 * NXDOMAIN/NODATA: permerror "no key"; TIMEOUT/SERVFAIL/BOGUS/ERROR:
 * temperror; a record that does not parse: permerror. The answer is only
 * read during the call. */
void dkim_verifier_key_answer(struct dkim_verifier *v, int idx,
    const struct dns_answer *a);

/* dkim_verifier_eom - end of message: finish body hashes and judge every
 * signature. A signature whose key answer never came gets temperror. */
void dkim_verifier_eom(struct dkim_verifier *v);

/* dkim_verifier_result_count - signatures judged (0: dkim=none) */
size_t dkim_verifier_result_count(const struct dkim_verifier *v);
/* dkim_verifier_result - result i (< result_count), after eom */
const struct dkim_result *dkim_verifier_result(const struct dkim_verifier *v,
    size_t i);
/* dkim_verifier_detail - for explanations (authcheck): result i's c=
 * and body hashes, written to store (reset first); d's strings point
 * into store and live until it changes. Made only when asked, not for
 * every message (issue 18). i must be < result_count. */
void dkim_verifier_detail(const struct dkim_verifier *v, size_t i,
    struct buf *store, struct dkim_detail *d);
/* dkim_verifier_ignored - DKIM-Signature fields beyond max_signatures */
size_t dkim_verifier_ignored(const struct dkim_verifier *v);

/* dkim_verifier_body_hashers - streaming body hashers in use: one per
 * distinct (body canonicalization, hash, l=) among the signatures */
size_t dkim_verifier_body_hashers(const struct dkim_verifier *v);

/* dkim_res_name - "pass", "fail", ... (RFC 8601) */
const char *dkim_res_name(enum dkim_res r);

/* dkim_verifier_free - free everything; NULLs *vp */
void dkim_verifier_free(struct dkim_verifier **vp);

#endif
