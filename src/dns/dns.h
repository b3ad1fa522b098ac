/* dns.h - the one resolver interface used by SPF, DKIM and DMARC */
#ifndef AUTHMILTER_DNS_H
#define AUTHMILTER_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record types we ask for (numeric values as on the wire). */
#define DNS_T_A     1
#define DNS_T_NS    2
#define DNS_T_CNAME 5
#define DNS_T_PTR   12
#define DNS_T_MX    15
#define DNS_T_TXT   16
#define DNS_T_AAAA  28
#define DNS_T_SPF   99

/*
 * What a lookup came to. Callers map these to their own results:
 * NXDOMAIN and NODATA usually to none/permerror, SERVFAIL and TIMEOUT to
 * temperror. BOGUS means DNSSEC validation failed (treat as temperror).
 */
enum dns_status {
	DNS_R_ANSWER = 0,	/* at least one record of the type asked */
	DNS_R_NXDOMAIN,		/* the name does not exist */
	DNS_R_NODATA,		/* the name exists, no record of that type */
	DNS_R_SERVFAIL,		/* server failure, refused, or unusable answer */
	DNS_R_TIMEOUT,		/* no answer within the time allowed */
	DNS_R_BOGUS,		/* DNSSEC validation failed */
	DNS_R_ERROR		/* bad query (name too long, ...) or local error */
};

/*
 * One record of an answer. For TXT the character-strings are joined with
 * nothing between them (RFC 7208 3.3, RFC 6376 3.6.2.2) and text holds the
 * result, NUL-terminated (text_len excludes the NUL; embedded NULs are
 * possible, so trust text_len). For A and AAAA, addr holds 4 or 16 bytes.
 * For MX, pref and text (the exchange host name, no trailing dot); for
 * PTR, CNAME and NS, text is the target host name without trailing dot.
 */
struct dns_rr {
	uint16_t type;
	uint16_t pref;
	unsigned char addr[16];
	char *text;
	size_t text_len;
};

struct dns_answer {
	enum dns_status status;
	bool secure;		/* DNSSEC validated (only with a trust anchor) */
	uint32_t ttl;
	size_t count;
	struct dns_rr *rr;	/* count records, all of the type asked */
	/* private to src/dns: rr and the texts live in the answer's own
	 * allocation (a copy from the in-process cache); false in an
	 * answer built elsewhere */
	bool packed;
};

/* Resolver settings; the config module fills this. */
struct dns_config {
	char **nameservers;	/* "ip" or "ip@port"; NULL or empty: resolv.conf */
	size_t nameserver_count;
	unsigned timeout_ms;	/* per query */
	const char *trust_anchor_file;	/* NULL: no DNSSEC validation */
};

struct dns_resolver;
struct dns_query;

/* dns_resolver_new - one shared, thread-safe, caching resolver.
 * Returns NULL and sets *err_r (static text) when it cannot be set up. */
struct dns_resolver *dns_resolver_new(const struct dns_config *cfg,
    const char **err_r);
/* dns_trust_anchor_problem - why dns_resolver_new would fail with file
 * as trust_anchor_file (static text), or NULL; for authmilter -t */
const char *dns_trust_anchor_problem(const char *file);
/* dns_resolver_free - stop the resolver's threads, cancel what libunbound
 * still has in flight, and free; NULLs *rp. Every dns_query must have been
 * collected (dns_query_wait or dns_query_cancel) before. */
void dns_resolver_free(struct dns_resolver **rp);

/* dns_lookup_cached - the live answer kept in the process (the libunbound
 * backend's cache), or NULL: no query is sent and nothing waits */
struct dns_answer *dns_lookup_cached(struct dns_resolver *r,
    const char *name, uint16_t type);
/* dns_lookup - synchronous lookup, bounded by the per-query timeout and by
 * timeout_ms if that is non-zero and shorter. Never returns NULL. */
struct dns_answer *dns_lookup(struct dns_resolver *r, const char *name,
    uint16_t type, unsigned timeout_ms);

/* dns_lookup_until - dns_lookup that also gives up (TIMEOUT) once
 * *give_up_ms (clock_mono_ms; 0: no limit yet) has passed, even when it
 * is set while the lookup waits (looked at every DNS_GIVE_UP_POLL_MS):
 * for a thread whose stop must not wait out a lookup. give_up_ms NULL:
 * dns_lookup. */
#define DNS_GIVE_UP_POLL_MS 50
struct dns_answer *dns_lookup_until(struct dns_resolver *r, const char *name,
    uint16_t type, unsigned timeout_ms, const _Atomic uint64_t *give_up_ms);

/* dns_query_start - begin an asynchronous lookup; collect it with
 * dns_query_wait or drop it with dns_query_cancel. Never returns NULL. */
struct dns_query *dns_query_start(struct dns_resolver *r, const char *name,
    uint16_t type);
/* dns_query_wait - wait for the answer at most timeout_ms (0: the
 * resolver's per-query timeout, counted from dns_query_start); frees the
 * query, NULLs *qp, and returns the answer (TIMEOUT if none came). */
struct dns_answer *dns_query_wait(struct dns_query **qp, unsigned timeout_ms);
/* dns_query_cancel - abandon the query and free it; NULLs *qp */
void dns_query_cancel(struct dns_query **qp);

/* dns_answer_new - an answer with a status and no records (for tests and
 * for callers that synthesise results) */
struct dns_answer *dns_answer_new(enum dns_status status);
void dns_answer_free(struct dns_answer **ap);
/* dns_status_name - "answer", "nxdomain", ... for logs */
const char *dns_status_name(enum dns_status status);

/*
 * The test fake: a resolver that answers from a table, for unit tests of
 * the modules above dns/. One row per record. A row whose status is not
 * DNS_R_ANSWER makes every lookup of that name and type give that status
 * (DNS_R_TIMEOUT: no answer ever comes, the caller's deadline decides).
 * A name present with other types only gives DNS_R_NODATA; an absent name
 * DNS_R_NXDOMAIN. Names compare without case and without a trailing dot.
 * data: A/AAAA address text, TXT text (already joined), MX "pref host",
 * PTR/CNAME/NS host name. delay_ms delays the answer (the longest delay of
 * the matching rows applies). An answer's TTL is the smallest ttl_s of its
 * rows, 300 for a row that leaves it 0. A negative answer has the ttl_s
 * of the row that forces it, as a real one carries the zone's SOA
 * minimum; with 0 there, or for an absent name or type, it has none.
 */
struct dns_fake_record {
	const char *name;
	uint16_t type;
	enum dns_status status;
	const char *data;
	unsigned delay_ms;
	unsigned ttl_s;
};

/* dns_resolver_new_fake - a resolver answering from a copy of table[0..n);
 * timeout_ms is the per-query timeout (0: 5000). Thread-safe. */
struct dns_resolver *dns_resolver_new_fake(const struct dns_fake_record *table,
    size_t n, unsigned timeout_ms);

/* Statistics for tests and logs: queries sent to the upstream resolver is
 * not observable through libunbound, so the test DNS server counts those;
 * this counts lookups asked of this module. */
uint64_t dns_resolver_lookups(const struct dns_resolver *r);

#endif
