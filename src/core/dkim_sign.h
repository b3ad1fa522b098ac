/* dkim_sign.h - build a DKIM-Signature header field (RFC 6376 3.5, 5;
 * RFC 8463 for ed25519-sha256)
 *
 * Pure: header fields, a body hash and a private key in, the field value
 * out. The body hash comes from the shared streaming canonicalizer
 * (dkim_body_new with the signature's body canonicalization and SHA-256),
 * so one hash serves every signature with the same body canonicalization.
 *
 *   b = dkim_body_new(bcanon, CRYPTO_HASH_SHA256, false, 0);
 *   dkim_body_update(b, chunk, len) ...;
 *   bhlen = dkim_body_final(b, bh);
 *   dkim_sign_field(&params, hdrs, n, bh, bhlen, &value, &why);
 */
#ifndef AUTHMILTER_DKIM_SIGN_H
#define AUTHMILTER_DKIM_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dkim_canon.h"
#include "core/dkim_sig.h"
#include "crypto/crypto.h"
#include "util/buf.h"

/* Column at which the value is folded (RFC 5322 2.1.1 asks for 78). */
#define DKIM_SIGN_FOLD 76

struct dkim_sign_params {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	const char *auid;		/* i=, NULL for none */
	const struct crypto_privkey *key;	/* RSA: rsa-sha256, else ed25519-sha256 */
	enum dkim_canon hcanon, bcanon;
	/* h= is built from these: every field of a SignHeaders name present
	 * in the message, once more for an OversignHeaders name (so none
	 * can be added later, RFC 6376 8.15) unless it is a trace field
	 * added in transit (dkim_sign_transit_field), From always,
	 * Authentication-Results never (RFC 8601 5), nor ARC-Seal in an
	 * AMS (RFC 8617 4.1.2) */
	const char *const *sign_headers;
	size_t nsign;
	const char *const *oversign_headers;
	size_t noversign;
	int64_t t;			/* t= (signing time); 0 for none */
	/* x= is t= plus this (RFC 6376 3.5: x= after t=); 0, or no t=,
	 * for none. DKIM-Signature only: an AMS carries no x= */
	int64_t ttl;
	/* DKIM_SIG_KIND_ARC_AMS: an ARC-Message-Signature (RFC 8617
	 * 4.1.2): i=instance instead of v=1, no AUID */
	enum dkim_sig_kind kind;
	unsigned instance;
};

/*
 * dkim_sign_transit_field - true for a trace field hosts add in transit
 * (Received, Return-Path, Received-SPF, DKIM-Signature, the ARC fields):
 * never oversigned, whatever OversignHeaders says, as one more such
 * field above the message is expected, not tampering.
 */
bool dkim_sign_transit_field(const char *name);

/* dkim_sign_alg_name - "rsa-sha256" or "ed25519-sha256" for a key */
const char *dkim_sign_alg_name(const struct crypto_privkey *key);

/*
 * dkim_sign_hlist - the h= names for these header fields, separated by
 * ':' (appended to out). Returns the count of names, or 0 when the
 * message has no From field or the list would exceed DKIM_SIG_MAX_HNAMES.
 */
size_t dkim_sign_hlist(const struct dkim_sign_params *p,
    const struct dkim_header *hdrs, size_t nhdrs, struct buf *out);

/*
 * dkim_sign_field - append to value_r the value of a DKIM-Signature field
 * (after the colon: a leading space, folded with CRLF + TAB) for the
 * header fields hdrs (milter form: value after the colon, folded with LF
 * or CRLF) and the body hash bh. Returns false with a static *why_r when
 * nothing can be signed (no From, too many fields, key failure).
 */
bool dkim_sign_field(const struct dkim_sign_params *p,
    const struct dkim_header *hdrs, size_t nhdrs, const unsigned char *bh,
    size_t bhlen, struct buf *value_r, const char **why_r);

/*
 * dkim_sign_append_b - sign the SHA-256 digest of hashed (canonicalized
 * fields, the signing field last with b= empty) with key, and append the
 * base64 signature to v, a field value ending in "b=", folded. hdr_col is
 * the length of "Name: " of the field. False with *why_r when the key
 * cannot sign.
 */
bool dkim_sign_append_b(const struct crypto_privkey *key,
    const struct buf *hashed, size_t hdr_col, struct buf *v,
    const char **why_r);

#endif
