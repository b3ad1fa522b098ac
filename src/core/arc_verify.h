/* arc_verify.h - ARC chain validation of one message (RFC 8617 5.2),
 * built on the DKIM core (tag parsing, canonicalization, keys, crypto)
 *
 * Call order for one message (one verifier per message, one thread); the
 * milter creates the verifier only when the first ARC field arrives, so
 * ARC-free mail costs nothing:
 *
 *   v = arc_verifier_new(&params);
 *   for each ARC-Seal / ARC-Message-Signature / ARC-Authentication-Results
 *   field, in arrival order:
 *       idx = arc_verifier_header(v, name, nlen, value, vlen);
 *       if (idx >= 0) start an async TXT lookup of arc_verifier_key_name(v, idx)
 *   arc_verifier_eoh(v, all_fields, n, complete);
 *   for each body chunk: arc_verifier_body(v, chunk, len);
 *   for each lookup started: arc_verifier_key_answer(v, idx, answer);
 *   arc_verifier_eom(v);
 *   r = arc_verifier_result(v);
 *   arc_verifier_free(&v);
 *
 * Field values are given as the milter sees them (value after the colon,
 * folded with LF or CRLF). No function blocks, does I/O or reads the clock.
 */
#ifndef AUTHMILTER_ARC_VERIFY_H
#define AUTHMILTER_ARC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dkim_canon.h"
#include "dns/dns.h"

/* Defaults (see struct arc_verify_params). */
#define ARC_VERIFY_MAX_SETS 50		/* RFC 8617 4.2.1 allows 50 */
/* every seal of a 50-set chain plus the newest AMS; older AMSs (for
 * header.oldest-pass) are checked with what is left */
#define ARC_VERIFY_MAX_SIGNATURES 51
#define ARC_VERIFY_MAX_HEADER_BYTES (256 * 1024)	/* all ARC fields */
/* body hashes one chain may make: the newest AMS's and the older AMSs'
 * (header.oldest-pass) with another c=, a= or l=; a real chain needs one
 * or two, each is a pass over the whole body */
#define ARC_VERIFY_MAX_BODIES 4
/* distinct key names one chain may need (a seal and an AMS per set) */
#define ARC_VERIFY_MAX_KEYS 100

struct arc_verify_params {
	size_t max_sets;	/* more sets: fail */
	size_t max_signatures;	/* signatures verified per message */
	size_t max_header_bytes;	/* ARC fields together; more: fail */
	bool allow_rsa_sha1;	/* false: rsa-sha1 fails (RFC 8301) */
	unsigned min_rsa_bits, max_rsa_bits;
	int64_t clock_skew;	/* seconds of tolerance for t= and x= */
	int64_t now;		/* current time, seconds since the epoch */
};

/* RFC 8617 / RFC 8601 words for the chain (arc=). */
enum arc_res {
	ARC_RES_NONE,
	ARC_RES_PASS,
	ARC_RES_FAIL
};

/* Kinds of ARC header fields */
enum arc_field {
	ARC_FIELD_NONE = 0,
	ARC_FIELD_SEAL,		/* ARC-Seal */
	ARC_FIELD_AMS,		/* ARC-Message-Signature */
	ARC_FIELD_AAR		/* ARC-Authentication-Results */
};

/* One ARC set as judged; strings owned by the verifier, "" when not
 * known (never NULL). */
struct arc_set_result {
	unsigned instance;
	const char *cv;			/* the seal's cv=: none, pass, fail */
	const char *as_domain, *as_selector, *as_alg;
	const char *ams_domain, *ams_selector, *ams_alg;
	const char *as_result;		/* pass, fail, "" (not checked) */
	const char *as_reason;
	const char *ams_result;		/* pass, fail, "" (not checked) */
	const char *ams_reason;
	/* the AMS passed with an l= that leaves body content after it
	 * unsigned: what follows may have been appended since */
	bool ams_partial;
	const char *aar;		/* AAR payload after "i=N;", trimmed */
};

struct arc_result {
	enum arc_res res;
	const char *reason;		/* why fail; "" otherwise */
	unsigned sets;			/* N, the highest instance seen (one
					 * over max_sets ends the walk) */
	/* RFC 8617 5.2 step 5: the oldest instance whose AMS still
	 * validates when an older one does not; 0 when every AMS validated
	 * or it was not determined (oldest_pass_known false) */
	unsigned oldest_pass;
	bool oldest_pass_known;
	size_t signatures_verified;
	const struct arc_set_result *set;	/* set[i-1] is instance i */
	size_t nset;
};

struct arc_verifier;

/* arc_verify_params_init - the defaults above; now must be set */
void arc_verify_params_init(struct arc_verify_params *p);

/* arc_field_kind - which ARC field a name is (trailing WSP ignored,
 * ASCII case ignored); ARC_FIELD_NONE for any other name */
enum arc_field arc_field_kind(const unsigned char *name, size_t len);

/* arc_verifier_new - a verifier for one message; params are copied */
struct arc_verifier *arc_verifier_new(const struct arc_verify_params *p);

/* arc_verifier_header - one ARC field in arrival order (others are
 * ignored). Returns a key index (>= 0) when a new key lookup should start,
 * else -1. */
int arc_verifier_header(struct arc_verifier *v, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len);

/* arc_verifier_key_name - the TXT name for key idx, or NULL */
const char *arc_verifier_key_name(const struct arc_verifier *v, int idx);

/* arc_verifier_eoh - end of header: every header field of the message in
 * arrival order (not only the ARC ones; the AMS signs others). complete
 * false means some fields were not kept (a header cap): the chain then
 * fails. Checks the chain's structure and hashes the signed fields; the
 * array need not outlive the call. */
void arc_verifier_eoh(struct arc_verifier *v, const struct dkim_header *hdrs,
    size_t nhdrs, bool complete);

/* arc_verifier_body - the next body chunk, exactly as received */
void arc_verifier_body(struct arc_verifier *v, const unsigned char *p,
    size_t len);

/* arc_verifier_key_answer - the answer for key idx (read during the call
 * only); NULL or a failed lookup makes every signature using it fail */
void arc_verifier_key_answer(struct arc_verifier *v, int idx,
    const struct dns_answer *a);

/* arc_verifier_eom - judge the chain (RFC 8617 5.2) */
void arc_verifier_eom(struct arc_verifier *v);

/* arc_verifier_result - the chain's result, after eom (else NULL) */
const struct arc_result *arc_verifier_result(const struct arc_verifier *v);

/* arc_verifier_chain - every ARC field of sets 1..N in instance order
 * (AAR, AMS, AS per set), relaxed canonicalization, each ending in CRLF:
 * what the next ARC-Seal signs before its own set (RFC 8617 5.1.1);
 * *sets_r is N. True when the chain can be extended: after eoh, its
 * structure is sound (or there is none); after eom, it passed (or there
 * is none). The bytes are owned by the verifier. */
bool arc_verifier_chain(const struct arc_verifier *v,
    const unsigned char **chain_r, size_t *len_r, unsigned *sets_r);

/* arc_res_name - "none", "pass", "fail" */
const char *arc_res_name(enum arc_res r);

/* arc_cv_name - the cv= word for the chain result a sealer records */
const char *arc_cv_name(enum arc_res r);

/* arc_verifier_free - free everything; NULLs *vp */
void arc_verifier_free(struct arc_verifier **vp);

#endif
