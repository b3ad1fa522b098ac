/*
 * dns_cache.h - answers kept in the process until their TTL runs out
 *
 * Internal to src/dns. libunbound keeps its cache in its own background
 * thread: even a cached answer costs a round trip over two pipes and three
 * threads (tens of system calls and several context switches). This table
 * in front of it answers repeated questions in the caller's thread. It
 * holds a copy of what libunbound answered and for no longer than the TTL
 * libunbound gave, so its answers are the ones libunbound would give.
 * Thread-safe; bounded by a byte budget given at creation.
 */
#ifndef AUTHMILTER_DNS_CACHE_H
#define AUTHMILTER_DNS_CACHE_H

#include <stdint.h>

#include "dns/dns.h"

/* Larger answers are not kept (a few SPF or DKIM TXT records fit). */
#define DNS_CACHE_MAX_BYTES 8192
/* Entries a question may take (one set): questions that hash alike do
 * not evict each other until more than this many share a set. */
#define DNS_CACHE_WAYS 8

struct dns_cache;

/* dns_cache_new - a table of slots entries (rounded up to whole sets of
 * DNS_CACHE_WAYS) keeping at most max_bytes */
struct dns_cache *dns_cache_new(unsigned slots, size_t max_bytes);
void dns_cache_free(struct dns_cache **cp);
/* dns_cache_get - a copy of the live answer for name/type (its ttl the
 * seconds left), or NULL; names compare without case and final dot */
struct dns_answer *dns_cache_get(struct dns_cache *c, const char *name,
    uint16_t type, uint64_t now_ms);
/* dns_cache_get_key - dns_cache_get for a name already in lower case
 * without its final dot (dns_name_key), len bytes long */
struct dns_answer *dns_cache_get_key(struct dns_cache *c, const char *key,
    size_t len, uint16_t type, uint64_t now_ms);
/* dns_cache_put - keep a copy of a for a->ttl seconds; only answers,
 * NXDOMAIN and NODATA with a TTL are kept, never failures */
void dns_cache_put(struct dns_cache *c, const char *name, uint16_t type,
    const struct dns_answer *a, uint64_t now_ms);
/* dns_cache_hits - answers given from the cache so far */
uint64_t dns_cache_hits(const struct dns_cache *c);

#endif
