/*
 * dkim_bodies.h - the shared body hashers of a verifier: signatures (DKIM
 * signatures, ARC-Message-Signatures) that agree on body canonicalization,
 * hash and l= share one streamed body hash (DESIGN: "Signatures that share
 * canonicalization, hash and l= share one body hash").
 *
 * Exported:
 *   struct dkim_body_slot   one shared hasher and, after final, its digest
 *   dkim_body_slot_for      the slot for a signature, made when new
 *   dkim_body_slot_shared   is there a slot for it already
 * The caller owns the array and frees each slot's b with dkim_body_free;
 * it guarantees room for one more slot than *count.
 */
#ifndef AUTHMILTER_DKIM_BODIES_H
#define AUTHMILTER_DKIM_BODIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dkim_canon.h"
#include "core/dkim_sig.h"

struct dkim_body_slot {
	enum dkim_canon canon;
	enum crypto_hash hash;
	bool limited;
	uint64_t limit;
	struct dkim_body *b;
	unsigned char digest[CRYPTO_DIGEST_MAX];	/* after dkim_body_final */
	size_t digest_len;
};

/* dkim_body_slot_for - the index of the slot hashing the body as sig's
 * (c, a, l=) asks, adding one to slots[*count] when none does yet */
size_t dkim_body_slot_for(struct dkim_body_slot *slots, size_t *count,
    const struct dkim_sig *sig);

/* dkim_body_slot_shared - one of slots[0..count) hashes the body as sig
 * asks (no new hash would be needed for it) */
bool dkim_body_slot_shared(const struct dkim_body_slot *slots, size_t count,
    const struct dkim_sig *sig);

#endif
