/* spf_norm_memo.h - spf_record_check with a memory of recent records
 *
 * spf_record_check is a pure function of (record text, client family):
 * a checker that meets the same TXT record again (every message from a
 * domain, every include of a common provider) gets the verdict and the
 * normalised text it got last time instead of checking the record again
 * (~4,500 instructions per message in the bench corpus). One memo per
 * checker, so one thread at a time (no lock).
 */
#ifndef AUTHMILTER_SPF_NORM_MEMO_H
#define AUTHMILTER_SPF_NORM_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/lru_table.h"

/* records remembered per checker (as many as spf_compiled.h keeps) */
#define SPF_NORM_MEMO_SETS 32
#define SPF_NORM_MEMO_WAYS 8
/* longer records are checked every time (spf_record_check refuses
 * anything over SPF_RECORD_MAX_LEN; no need to remember a long refusal) */
#define SPF_NORM_MEMO_MAX_RAW 4096

struct spf_norm_memo {
	struct lru_table table;		/* of verdicts (spf_norm_memo.c) */
	uint64_t hits, misses;		/* for tests */
};

/* spf_norm_memo_init - an empty memo */
void spf_norm_memo_init(struct spf_norm_memo *m);

/* spf_norm_memo_deinit - forget every record, free the memo's memory */
void spf_norm_memo_deinit(struct spf_norm_memo *m);

/* spf_norm_memo_check - what spf_record_check(rec, len, client_af,
 * out_r, why_r) returns and writes, remembered by m for the same bytes
 * and family (least recently used record of a set replaced). On true,
 * *norm_hash_r (unless NULL) is hash_bytes of the normalised record in
 * out_r, remembered too: the compiled-record cache is keyed by it, and
 * hashing the same text again cost ~300 instructions a record */
bool spf_norm_memo_check(struct spf_norm_memo *m, const unsigned char *rec,
    size_t len, int client_af, struct buf *out_r, const char **why_r,
    uint32_t *norm_hash_r);

/* spf_norm_memo_clear - forget every record; counters back to 0 */
void spf_norm_memo_clear(struct spf_norm_memo *m);

#endif
