/* arc_verify_internal.h - what the files of the ARC verifier share; not
 * for callers, who use arc_verify.h.
 *
 * The verifier is one module in three files, one per responsibility:
 *   arc_verify.c        the public entry points: the verifier's life
 *                       (new, header, eoh, body, eom, free), the key
 *                       names to look up, the result and the chain a
 *                       sealer extends
 *   arc_verify_chain.c  reading the chain's structure: ARC fields filed
 *                       by instance, AAR i=, gaps, duplicates, too many
 *                       sets, the cv= rules (RFC 8617 5.2 steps 1-3)
 *   arc_verify_sigs.c   judging the signatures: key slots and their DNS
 *                       answers, header hashes of the AMSs and seals,
 *                       verification and the chain's result (steps 4-7)
 *
 * Everything hangs off struct arc_verifier and lives until
 * arc_verifier_free; no function here blocks, logs or reads a global.
 */
#ifndef AUTHMILTER_ARC_VERIFY_INTERNAL_H
#define AUTHMILTER_ARC_VERIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arc_verify.h"
#include "core/dkim_bodies.h"
#include "core/dkim_canon.h"
#include "core/dkim_key.h"
#include "core/dkim_sig.h"
#include "util/buf.h"

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

/* One key the chain needs, by TXT name, and what its lookup gave. */
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
	unsigned past_max;	/* the instance over max_sets that ended the
				 * walk, 0 if none */
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

/* arc_verify.c */

/* arc_verify_decide - the chain's result is known; the first decision
 * and its reason stay, later calls do nothing */
void arc_verify_decide(struct arc_verifier *v, enum arc_res res,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* arc_verify_cv_word - a seal's cv= as written: "none", "pass", "fail",
 * "" when absent */
const char *arc_verify_cv_word(enum dkim_arc_cv cv);

/* arc_verify_chain.c */

/* arc_verify_chain_collect - file every ARC field of hdrs (CRLF values)
 * under its instance, noting the highest in v->n; false when that
 * decided the chain (malformed i=, duplicate, too many sets or bytes) */
bool arc_verify_chain_collect(struct arc_verifier *v,
    const struct dkim_header *hdrs, size_t n);
/* arc_verify_chain_check - RFC 8617 5.2 steps 2-3 on sets 1..v->n
 * (v->n >= 1): every set complete, cv= fitting each place, the newest
 * seal not cv=fail, the seals and the newest AMS parsed, the signatures
 * within max_signatures; false when that decided the chain */
bool arc_verify_chain_check(struct arc_verifier *v);

/* arc_verify_sigs.c */

/* arc_verify_sigs_want_key - a key slot for a parsed AMS or AS at
 * arrival: the new slot's index when the name is new (a lookup should
 * start), else -1 (known already, or ARC_VERIFY_MAX_KEYS reached) */
int arc_verify_sigs_want_key(struct arc_verifier *v,
    const struct dkim_sig *sig);
/* arc_verify_sigs_key_answer - parse the answer for key idx into its
 * slot (the key dkim_key_pick finds); a second answer is ignored */
void arc_verify_sigs_key_answer(struct arc_verifier *v, int idx,
    const struct dns_answer *a);
/* arc_verify_sigs_hash - after a sound structure: the header hashes of
 * the newest AMS, of the older AMSs max_signatures leaves room for, and
 * of every seal; the body hashers those AMSs need; the canonical chain */
void arc_verify_sigs_hash(struct arc_verifier *v,
    const struct dkim_header *hdrs, size_t n);
/* arc_verify_sigs_judge - after the body: verify the newest AMS, the
 * older ones for header.oldest-pass, then every seal, and decide */
void arc_verify_sigs_judge(struct arc_verifier *v);

#endif
