/* dkim_verify_internal.h - what the files of the DKIM verifier share;
 * not for callers, who use dkim_verify.h.
 *
 * The verifier is one module in two files, one per phase:
 *   dkim_verify.c        collecting the message: the verifier's life
 *                        (new, free), header fields and signatures as
 *                        they come, the key names to look up, the
 *                        header hashes at eoh, body chunks
 *   dkim_verify_judge.c  judging it: key answers, each signature's
 *                        result at eom, the results and their details
 *
 * Everything hangs off struct dkim_verifier and lives until
 * dkim_verifier_free; no function here blocks, logs or reads a global.
 */
#ifndef AUTHMILTER_DKIM_VERIFY_INTERNAL_H
#define AUTHMILTER_DKIM_VERIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/dkim_bodies.h"
#include "core/dkim_key.h"
#include "core/dkim_sig.h"
#include "core/dkim_verify.h"
#include "util/arena.h"
#include "util/buf.h"

struct vsig {
	struct dkim_sig sig;
	bool done;		/* result decided */
	enum dkim_res res;
	const char *reason;
	size_t hdr_index;	/* the signature's own field */
	char *key_name;		/* in the arena */
	struct dkim_key key;
	char *key_txt;		/* the key record judged, for explanations
				 * (in the arena) */
	bool have_key;
	bool judged;		/* body hash compared at end of message */
	bool testing;
	unsigned key_bits;
	unsigned char hdigest[CRYPTO_DIGEST_MAX];
	size_t hdigest_len;
	size_t body;		/* index into bodies */
	bool from_uncovered;	/* a From field h= does not cover */
	struct dkim_result out;
};

struct dkim_verifier {
	struct dkim_verify_params p;
	struct arena *arena;	/* where the verifier's memory comes from */
	struct arena own;	/* that arena when the caller gave none */
	bool own_arena;		/* the verifier is xcalloc'ed, not in arena */
	struct buf scratch;	/* header hashing, CRLF copies, details */
	struct dkim_header *hdrs;	/* the header block until eoh; values
					 * in CRLF form */
	size_t nhdrs, hdrs_cap;
	size_t hbytes;		/* names plus values as given, for the cap */
	size_t from_fields;	/* stored fields named From */
	bool hidden_from;	/* a From line after a bare CR in a field */
	bool overflow;
	bool eoh_done, eom_done;
	struct vsig **sigs;	/* each in the arena */
	size_t nsigs;
	size_t ignored;
	size_t *beyond;		/* header indices of stored DKIM-Signature
				 * fields beyond max_signatures, in order */
	size_t nbeyond, beyond_cap;
	struct dkim_body_slot *bodies;
	size_t nbodies;
};

/* dkim_vsig_finish - decide a signature's result */
static inline void
dkim_vsig_finish(struct vsig *s, enum dkim_res res, const char *reason)
{
	s->done = true;
	s->res = res;
	s->reason = reason;
}

/* dkim_verifier_sig - signature idx or NULL when out of range */
static inline struct vsig *
dkim_verifier_sig(const struct dkim_verifier *v, int idx)
{
	if (idx < 0 || (size_t)idx >= v->nsigs)
		return NULL;
	return v->sigs[idx];
}

#endif
