/* dns_int.h - private interface between dns.c and its backends
 *
 * dns.c owns the public API of dns.h; each backend (dns_unbound.c,
 * dns_fake.c) fills one struct dns_ops and embeds struct dns_resolver and
 * struct dns_query at the start of its own resolver and query structs.
 * Not for use outside src/dns/.
 */
#ifndef AUTHMILTER_DNS_INT_H
#define AUTHMILTER_DNS_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/clock.h"

struct dns_ops {
	const char *name;
	/* start - begin a lookup of a validated name; never NULL */
	struct dns_query *(*start)(struct dns_resolver *r, const char *name,
	    uint16_t type);
	/* wait - wait until deadline_ms (clock_mono_ms clock); returns the
	 * answer (TIMEOUT if none) and frees q */
	struct dns_answer *(*wait)(struct dns_query *q, uint64_t deadline_ms);
	/* cancel - abandon q and free it */
	void (*cancel)(struct dns_query *q);
	/* destroy - free the backend resolver (queries are all collected) */
	void (*destroy)(struct dns_resolver *r);
	/* cached - the live answer the backend keeps in the process for a
	 * question (key: the name as dns_name_key makes it, len bytes), a
	 * copy the caller owns; NULL when none. Optional (NULL). */
	struct dns_answer *(*cached)(struct dns_resolver *r, const char *key,
	    size_t len, uint16_t type);
	/* ready - wait until q's answer is there (true) or deadline_ms
	 * passes (false); q stays the caller's, to wait or cancel */
	bool (*ready)(struct dns_query *q, uint64_t deadline_ms);
};

struct dns_resolver {
	const struct dns_ops *ops;
	unsigned timeout_ms;		/* per query */
	atomic_uint_least64_t lookups;	/* lookups asked of this module */
};

struct dns_query {
	struct dns_resolver *r;
	uint64_t deadline_ms;		/* start + per-query timeout */
	uint64_t started_us;		/* for the answer-time metric */
	struct dns_answer *early;	/* bad name: answered by dns.c */
};

/* dns_name_ok - true when name is usable as a query name (RFC 1035 2.3.4
 * lengths: 253 text octets, 63 per label, no empty label) */
bool dns_name_ok(const char *name);
/* Room for a name as dns_name_key makes it (253 bytes and the NUL; a
 * normalised cache key may be up to 255). */
#define DNS_NAME_KEY_MAX 256
/* dns_name_key - when name is usable (dns_name_ok), write it in lower
 * case without its final dot to key (NUL-terminated), its length to
 * *len_r, and return true; one pass over the name */
bool dns_name_key(const char *name, char key[DNS_NAME_KEY_MAX],
    size_t *len_r);
/* dns_answer_copy - a deep copy of a in one allocation (packed), freed
 * by dns_answer_free like any answer */
struct dns_answer *dns_answer_copy(const struct dns_answer *a);
/* dns_answer_add - append one record to a (not packed); returns it
 * zeroed */
struct dns_rr *dns_answer_add(struct dns_answer *a, uint16_t type);
/* dns_answer_from_rdata - decode one wire rdata of type into a; false
 * when malformed (the record is then skipped) */
bool dns_answer_from_rdata(struct dns_answer *a, uint16_t type,
    const unsigned char *rd, size_t len);

/* dns_resolver_cache_hits - answers the libunbound resolver gave from its
 * in-process cache (dns_cache.c); 0 for other backends */
uint64_t dns_resolver_cache_hits(const struct dns_resolver *r);

#define DNS_DEFAULT_TIMEOUT_MS 5000
#define DNS_MAX_TIMEOUT_MS 120000

#endif
