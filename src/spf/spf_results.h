/* spf_results.h - SPF results kept while the DNS answers they came from live
 *
 * An SPF evaluation is a function of its inputs (client address, identity,
 * HELO name, receiver name, limits) and of the DNS answers it read. While
 * every one of those answers is still within its TTL, evaluating again
 * reads the same answers from the DNS cache and must give the same
 * result, so the result itself can be kept until the first of them
 * expires. That skips libspf2 entirely for the next message from the same
 * sender (its evaluation formats comment and header texts with snprintf
 * for every record: ~30,000 instructions a message in the bench corpus).
 * spf.c decides what may be kept and under which key (see spf_check);
 * this table only keeps entries, bounded in number, each until its own
 * expiry. One table per process (the SPF pool's), shared by every
 * checker: thread-safe, one mutex.
 */
#ifndef AUTHMILTER_SPF_RESULTS_H
#define AUTHMILTER_SPF_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spf/spf.h"

/* results kept per process: SETS x WAYS (an entry is ~200-600 bytes) */
#define SPF_RESULTS_SETS 1024
#define SPF_RESULTS_WAYS 4
/* no result is kept longer than this, whatever the TTLs */
#define SPF_RESULTS_MAX_TTL_S 3600
/* longer keys or texts are not kept (evaluated every time) */
#define SPF_RESULTS_MAX_KEY 1024
#define SPF_RESULTS_MAX_TEXT 2048

/* what is kept of a result (the rest of struct spf_result comes from the
 * request: domain and sender) */
struct spf_kept {
	enum spf_res res;
	const char *reason;		/* "" allowed, never NULL */
	const char *explanation;	/* NULL: none */
	unsigned dns_terms;
	unsigned void_lookups;
};

struct spf_results;

/* spf_results_new - an empty table of sets x ways entries */
struct spf_results *spf_results_new(unsigned sets, unsigned ways);
/* spf_results_free - free the table and what it keeps; NULLs *tp */
void spf_results_free(struct spf_results **tp);

/* spf_results_get - when a result is kept for key[0..len) and not expired
 * at now_ms, call take(arg, kept) with it (under the table's lock: take
 * copies what it needs and returns) and return true; else false */
bool spf_results_get(struct spf_results *t, const void *key, size_t len,
    uint64_t now_ms, void (*take)(void *arg, const struct spf_kept *kept),
    void *arg);

/* spf_results_put - keep k for key[0..len) until now_ms + ttl_s seconds
 * (ttl_s capped at SPF_RESULTS_MAX_TTL_S; 0: nothing kept), replacing
 * what was kept for it; an oversized key or text is not kept */
void spf_results_put(struct spf_results *t, const void *key, size_t len,
    uint64_t now_ms, uint32_t ttl_s, const struct spf_kept *k);

/* spf_results_hits - lookups answered from the table (tests, metrics) */
uint64_t spf_results_hits(struct spf_results *t);

#endif
