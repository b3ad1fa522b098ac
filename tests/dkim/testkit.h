/* testkit.h - helpers shared by the DKIM unit tests and the interop check
 * program: run a whole message through the verifier with keys from a
 * table, feed a body to the streamed body canonicalizer in chosen
 * chunks, generate keys, and make signatures with the core's own
 * canonicalization (the way the signing module will) */
#ifndef AUTHMILTER_TESTS_TESTKIT_H
#define AUTHMILTER_TESTS_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dkim_canon.h"
#include "core/dkim_verify.h"
#include "crypto/crypto.h"
#include "dns/dns.h"
#include "util/buf.h"

/* One key table entry: the answer for a TXT name. */
struct tk_key {
	const char *name;	/* selector._domainkey.domain */
	enum dns_status status;	/* DNS_R_ANSWER: txt holds the record */
	const char *txt;
};

/* Most results tk_verify reports. */
#define TK_MAX_RESULTS 16

struct tk_outcome {
	int parse_error;	/* message could not be split */
	size_t count;
	size_t ignored;
	struct dkim_result r[TK_MAX_RESULTS];
	char reason[TK_MAX_RESULTS][80];
	char domain[TK_MAX_RESULTS][256];
	char key_name[TK_MAX_RESULTS][300];
};

/* tk_verify - feed msg[0..len) to a verifier built from params, with
 * body chunks of chunk bytes (0: one chunk), keys looked up in keys[]
 * (names not there are NXDOMAIN). Strings in out are copies. */
void tk_verify(const unsigned char *msg, size_t len,
    const struct dkim_verify_params *params, size_t chunk,
    const struct tk_key *keys, size_t nkeys, struct tk_outcome *out);

/* tk_body_digest - feed in[0..len) to a new dkim_body (SHA-256; l= limit
 * when limited), in one update call per piece: the body is cut before
 * each offset in cuts[] (ascending, each within 0..len; none: one
 * piece). Writes the digest to out and the whole canonical body length to
 * *total_r; returns the digest length. */
size_t tk_body_digest(enum dkim_canon c, const unsigned char *in, size_t len,
    const size_t *cuts, size_t ncuts, bool limited, uint64_t limit,
    unsigned char out[CRYPTO_DIGEST_MAX], uint64_t *total_r);

/* tk_body_digest_chunked - tk_body_digest in pieces of chunk bytes, the
 * last one the rest (0: one piece) */
size_t tk_body_digest_chunked(enum dkim_canon c, const unsigned char *in,
    size_t len, size_t chunk, bool limited, uint64_t limit,
    unsigned char out[CRYPTO_DIGEST_MAX], uint64_t *total_r);

/* tk_keygen - a fresh private key ("rsa" with bits, or "ed25519") */
struct crypto_privkey *tk_keygen(const char *type, unsigned bits);
/* tk_key_record - "v=DKIM1; k=..; p=.." for a private key's public half */
void tk_key_record(const struct crypto_privkey *k, struct buf *out);

/* What tk_sign puts in the signature. */
struct tk_sign_opts {
	const char *domain, *selector;
	const char *auid;		/* NULL: no i= */
	const char *headers;		/* h= value, e.g. "from:to:subject" */
	enum dkim_canon hcanon, bcanon;
	enum crypto_hash hash;
	bool use_l;			/* l= the whole canonical body */
	int64_t t;			/* t= (0: none) */
	int64_t x;			/* x= (0: none) */
};

/* tk_sign_field - append the DKIM-Signature field (with CRLF) for the
 * header block hdr (fields, CRLF) and a body hash bh of a canonical body
 * of blen bytes computed by the caller (streamed, for large bodies) */
bool tk_sign_field(const unsigned char *hdr, size_t hlen,
    const unsigned char *bh, size_t bhlen, uint64_t blen,
    const struct crypto_privkey *k, const struct tk_sign_opts *o,
    struct buf *out);

/* tk_sign - sign msg (whole message, CRLF) and append the message with
 * the new DKIM-Signature field on top to out; false on failure */
bool tk_sign(const unsigned char *msg, size_t len,
    const struct crypto_privkey *k, const struct tk_sign_opts *o,
    struct buf *out);

#endif
