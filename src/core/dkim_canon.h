/* dkim_canon.h - DKIM canonicalization and hashing (RFC 6376 3.4, 3.7)
 *
 * Shared by verification and signing. Header fields are handled as the
 * milter sees them: the field name, and the value after the colon with its
 * leading whitespace and folded line breaks (CRLF, or bare LF which is
 * read as CRLF). The body is streamed in chunks of any size.
 */
#ifndef AUTHMILTER_DKIM_CANON_H
#define AUTHMILTER_DKIM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "util/buf.h"

enum dkim_canon {
	DKIM_CANON_SIMPLE,
	DKIM_CANON_RELAXED
};

/* One header field. value is in CRLF form (see dkim_canon_crlf). */
struct dkim_header {
	const unsigned char *name;
	size_t name_len;
	const unsigned char *value;
	size_t value_len;
};

/* A header field name, as listed in h= */
struct dkim_name {
	const unsigned char *p;
	size_t len;
};

/* dkim_canon_name - "simple" / "relaxed" */
const char *dkim_canon_name(enum dkim_canon c);

/* dkim_canon_crlf - append p with every LF not preceded by CR turned into
 * CRLF (milters may deliver folded values with bare LF) */
void dkim_canon_crlf(const unsigned char *p, size_t len, struct buf *out);

/* dkim_canon_header - append one canonicalized header field (RFC 6376
 * 3.4.1 simple: "name:value" unchanged; 3.4.2 relaxed: name lower-cased,
 * value unfolded, WSP runs to one SP, WSP at both ends removed). The value
 * must be in CRLF form. With crlf, the field ends in CRLF; the signature's
 * own field is hashed without it (RFC 6376 3.7). */
void dkim_canon_header(enum dkim_canon c, const unsigned char *name,
    size_t name_len, const unsigned char *value, size_t value_len, bool crlf,
    struct buf *out);

/* dkim_canon_name_is - the field's name (trailing WSP ignored) equals an
 * h= name, ignoring ASCII case */
bool dkim_canon_name_is(const struct dkim_header *h,
    const struct dkim_name *n);

/*
 * dkim_canon_select - pick the header fields h= names, each from the
 * bottom up (RFC 6376 5.4.2): the n-th occurrence of a name in h= takes
 * the n-th field of that name counted from the bottom; names with no field
 * left select nothing (oversigning). Field skip (the signature itself, or
 * SIZE_MAX) is never selected. Appends the canonicalized fields to out.
 */
void dkim_canon_select(enum dkim_canon c, const struct dkim_header *hdrs,
    size_t nhdrs, size_t skip, const struct dkim_name *names, size_t nnames,
    struct buf *out);

/* dkim_canon_strip_b - append value with the b= tag's value and its
 * surrounding whitespace removed (RFC 6376 3.7); b_start/b_end are the
 * offsets of that raw value within value (struct tagvalue raw_start and
 * raw_end) */
void dkim_canon_strip_b(const unsigned char *value, size_t value_len,
    size_t b_start, size_t b_end, struct buf *out);

/*
 * dkim_canon_sig_hash - the header hash of one signature (RFC 6376 3.7;
 * an ARC-Message-Signature's too, RFC 8617 4.1.2): the fields sig's h=
 * selects from hdrs[0..nhdrs), then the signature's own field hdrs[own]
 * with its b= value removed and no CRLF, through sig's hash. scratch is
 * the caller's, reused across calls. Returns the digest length in out.
 */
struct dkim_sig;
size_t dkim_canon_sig_hash(const struct dkim_sig *sig,
    const struct dkim_header *hdrs, size_t nhdrs, size_t own,
    struct buf *scratch, unsigned char out[CRYPTO_DIGEST_MAX]);

/* Streaming body canonicalizer and hasher (RFC 6376 3.4.3, 3.4.4). */
struct dkim_body;

/* dkim_body_new - limit is the l= value when limited is true */
struct dkim_body *dkim_body_new(enum dkim_canon c, enum crypto_hash hash,
    bool limited, uint64_t limit);
/* dkim_body_update - feed the next chunk of the raw body, any size */
void dkim_body_update(struct dkim_body *b, const unsigned char *p,
    size_t len);
/* dkim_body_final - finish, write the hash, return its length */
size_t dkim_body_final(struct dkim_body *b,
    unsigned char out[CRYPTO_DIGEST_MAX]);
/* dkim_body_length - canonical body length seen so far (all of it, not
 * only the l= part); after dkim_body_final it is the final length */
uint64_t dkim_body_length(const struct dkim_body *b);
void dkim_body_free(struct dkim_body **bp);

#endif
