/* arc_seal.h - make the next ARC set of a message (RFC 8617 5.1)
 *
 * Pure: the message's header fields, the AMS body hash (relaxed,
 * SHA-256, from the shared streaming canonicalizer), the canonical chain
 * of the sets already there (arc_verifier_chain; empty for instance 1)
 * and our Authentication-Results value in; three field values out.
 *
 *   b = dkim_body_new(DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256, false, 0);
 *   dkim_body_update(b, chunk, len) ...;
 *   bhlen = dkim_body_final(b, bh);
 *   arc_seal_make(&params, hdrs, n, bh, bhlen, chain, chain_len,
 *       &aar, &ams, &as, &why);
 */
#ifndef AUTHMILTER_ARC_SEAL_H
#define AUTHMILTER_ARC_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dkim_canon.h"
#include "crypto/crypto.h"
#include "util/buf.h"

struct arc_seal_params {
	const char *domain;		/* d= of AMS and AS */
	const char *selector;		/* s= */
	const struct crypto_privkey *key;	/* RSA: rsa-sha256, else ed25519 */
	unsigned instance;		/* i=, 1..50 */
	const char *cv;			/* "none" (i=1) or "pass" */
	int64_t t;			/* t= of AMS and AS; 0 for none */
	/* AMS h= (From always; ARC-Seal and Authentication-Results
	 * never, whatever the list says) */
	const char *const *sign_headers;
	size_t nsign;
	const char *authres;		/* our A-R value: "authserv-id; ..." */
};

/*
 * arc_seal_make - append to aar_r, ams_r and as_r the values (after the
 * colon: a leading space, folded with CRLF + TAB) of the next
 * ARC-Authentication-Results (i= and a copy of our A-R), the
 * ARC-Message-Signature (relaxed/relaxed, the same code as DKIM signing)
 * and the ARC-Seal (cv=, signing the chain and the new set, RFC 8617
 * 5.1.1). hdrs are in milter form (value after the colon, LF or CRLF
 * folding). False with a static *why_r when nothing can be sealed.
 */
bool arc_seal_make(const struct arc_seal_params *p,
    const struct dkim_header *hdrs, size_t nhdrs, const unsigned char *bh,
    size_t bhlen, const unsigned char *chain, size_t chain_len,
    struct buf *aar_r, struct buf *ams_r, struct buf *as_r,
    const char **why_r);

#endif
