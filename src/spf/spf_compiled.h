/* spf_compiled.h - libspf2's compiled SPF records, checked and kept
 *
 * A checker compiles the same few records again and again (the bench
 * corpus: ~4,500 instructions per compile, one or more per message). The
 * cache keeps the records compiled last (least recently used replaced
 * within a set of its table, util/lru_table.h), keyed by the
 * exact normalised text libspf2 was given: equal text compiles to equal
 * bytes, and SPF_record_interpret only reads a record (macros are expanded
 * into the request and response, never into the record).
 *
 * Copying a kept record (three allocations) costs a fraction of
 * compiling it again. One cache per checker, so one thread at a time (no
 * lock); kept records name the checker's SPF_server_t.
 */
#ifndef AUTHMILTER_SPF_COMPILED_H
#define AUTHMILTER_SPF_COMPILED_H

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <stddef.h>
#include <stdint.h>

#include <spf2/spf.h>

#include "util/lru_table.h"

/* records kept per checker: a message needs its top-level record and
 * those of its includes. The bench corpus has 85 SPF records; 16 slots
 * found almost nothing (least recently used replacement on a cycle
 * longer than the cache). SETS x WAYS entries: a lookup compares within
 * one set of WAYS, and 256 entries for 85 records leave few sets where
 * more records hash than there are ways. Each kept record takes a few
 * hundred bytes, only when used */
#define SPF_COMPILED_SETS 32
#define SPF_COMPILED_WAYS 8

struct spf_compiled_cache {
	struct lru_table table;		/* of struct spf_compiled_entry */
	uint64_t hits, misses;		/* for tests and curious readers */
};

/* the reason spf_compiled_get gives when libspf2 compiled only part of
 * a record (spf_shrink.h says what can still be done) */
#define SPF_COMPILED_TOO_LARGE "record too large for libspf2"

/* spf_compiled_init - an empty cache */
void spf_compiled_init(struct spf_compiled_cache *cc);

/* spf_compiled_deinit - free every kept record and the cache's memory */
void spf_compiled_deinit(struct spf_compiled_cache *cc);

/* spf_compiled_get - the record libspf2 compiles from rec (normalised by
 * spf_record_check), copied from the cache or compiled now with server
 * (compile messages go to resp) and kept. The caller owns the result
 * (SPF_record_free; libspf2 frees include: and redirect= records itself),
 * so nothing the caller or libspf2 does can touch a kept record, and a
 * replacement in the cache during an evaluation (an include compiled
 * while the top-level record is interpreted) frees nothing in use.
 * NULL with *why_r set (static text) when libspf2 refused the record
 * or kept fewer terms than rec has (SPF_COMPILED_TOO_LARGE, which is
 * kept too, so the next call answers it without compiling). */
SPF_record_t *spf_compiled_get(struct spf_compiled_cache *cc,
    SPF_server_t *server, SPF_response_t *resp, const char *rec,
    const char **why_r);

/* spf_compiled_get_hashed - spf_compiled_get of rec[0..len) (NUL at
 * rec[len]) whose hash_bytes the caller has already (spf_norm_memo
 * remembers it with the normalised record) */
SPF_record_t *spf_compiled_get_hashed(struct spf_compiled_cache *cc,
    SPF_server_t *server, SPF_response_t *resp, const char *rec, size_t len,
    uint32_t hash, const char **why_r);

/* spf_compiled_copy - a copy of rec that the caller owns */
SPF_record_t *spf_compiled_copy(const SPF_record_t *rec);

/* spf_compiled_clear - free every kept record; counters back to 0 */
void spf_compiled_clear(struct spf_compiled_cache *cc);

#endif
