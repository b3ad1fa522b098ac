/* spf_pool.h - ready SPF checkers kept for the life of the process
 *
 * Building a checker sets up a libspf2 server (its DNS layer, receiver
 * name, compiled default explanation): too much to do for every SMTP
 * connection. The pool keeps idle checkers; a caller takes one for an
 * evaluation (or a few, e.g. MAIL FROM and HELO of one message) and gives
 * it back. A taken checker belongs to its taker alone (libspf2 servers
 * are not shared between threads). The pool's checkers also share one
 * table of kept results (spf_results.h): a result found by one serves
 * the next message with the same inputs on any thread while its DNS
 * answers live. Thread-safe: a mutex guards the list of idle checkers,
 * the results table has its own.
 */
#ifndef AUTHMILTER_SPF_POOL_H
#define AUTHMILTER_SPF_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "spf/spf.h"

struct spf_pool;

/* spf_pool_new - a pool of checkers on resolver r (not owned; it must
 * outlive the pool) that keeps at most max_idle idle checkers (more
 * given back are freed) */
struct spf_pool *spf_pool_new(struct dns_resolver *r, size_t max_idle);
/* spf_pool_free - free the pool and its idle checkers; every taken
 * checker must have been given back. NULLs *pp. */
void spf_pool_free(struct spf_pool **pp);

/* spf_pool_take - a checker with these limits (NULL or zero fields:
 * defaults) naming receiver_host (as spf_checker_new). An idle checker
 * built for the same receiver is reused with its limits reset; one built
 * for another receiver (a configuration since reloaded) is freed. Never
 * NULL. Give it back with spf_pool_give. */
struct spf_checker *spf_pool_take(struct spf_pool *p,
    const struct spf_limits *limits, const char *receiver_host);
/* spf_pool_give - give back a taken checker (kept idle, or freed when
 * the pool is full); NULLs *cp. NULL *cp: nothing. */
void spf_pool_give(struct spf_pool *p, struct spf_checker **cp);
/* spf_pool_idle - idle checkers now (for tests and diagnostics) */
size_t spf_pool_idle(struct spf_pool *p);
/* spf_pool_kept_hits - evaluations of the pool's checkers answered from
 * the results they keep together (spf_results.h), since the pool was
 * made */
uint64_t spf_pool_kept_hits(struct spf_pool *p);

#endif
