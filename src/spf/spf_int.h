/* spf_int.h - private to src/spf: the checker and its libspf2 DNS layer
 *
 * spf.c owns the public API (spf.h); spf_dns.c is the SPF_dns_server_t
 * layer that libspf2 calls back into; spf_pool.c keeps ready checkers.
 * All see struct spf_checker.
 */
#ifndef AUTHMILTER_SPF_INT_H
#define AUTHMILTER_SPF_INT_H

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <stdbool.h>
#include <stdint.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "core/idna.h"
#include "dns/dns.h"
#include "spf/spf.h"
#include "spf/spf_compiled.h"
#include "spf/spf_norm_memo.h"
#include "spf/spf_results.h"
#include "util/buf.h"
#include "util/clock.h"

/* RFC 7208 4.6.4: "ptr" considers at most 10 names */
#define SPF_MAX_PTR_NAMES 10
/* RFC 7208 4.6.4: "mx" with more address lookups than this is permerror */
#define SPF_MAX_MX_NAMES 10
/* names from the last MX/PTR answer whose address lookups are part of
 * that mechanism, not separate terms */
#define SPF_MAX_EXPANSION 16

/* the client address last parsed, and its text (spf.c parse_client) */
struct spf_client {
	int af;				/* 0: none parsed */
	struct in_addr v4;
	struct in6_addr v6;
	char text[64];			/* longer than any address text */
	size_t text_len;		/* 0: text not kept */
};

struct spf_checker {
	struct dns_resolver *dns;
	struct spf_limits lim;
	SPF_server_t *server;
	SPF_dns_server_t layer;
	char *receiver;
	struct spf_client client;	/* kept across evaluations */
	/* per-evaluation state */
	int client_af;
	uint64_t queries_at_start;
	unsigned queries, terms, voids;
	uint64_t deadline_ms;
	const char *deadline_why;	/* the reason when it is reached */
	bool aborted;
	enum spf_res abort_res;
	const char *abort_why;
	/* what the answers read allow of keeping the result (spf_dns.c
	 * note_answer, spf.c keep_result) */
	uint32_t answers_ttl;		/* smallest TTL; UINT32_MAX: none read */
	bool answers_unkeepable;	/* an error, no TTL, or %{t} */
	bool answers_use_sender;	/* %{l}, %{s} or %{h} in a TXT text */
	char *expansion[SPF_MAX_EXPANSION];
	size_t nexpansion;
	bool expansion_ptr;		/* the names came from a PTR answer */
	/* %{s} and %{h} of this check, for spf_compile_record */
	const char *macro_sender, *macro_helo;
	/* libspf2's request while it interprets a record: its cur_dom is
	 * %{d} of an explanation (spf_dns.c explanation_rr); else NULL */
	SPF_request_t *request;
	struct idna_name helo_alabels;	/* macro_helo's storage, when needed */
	struct buf *published;		/* not NULL: the next record fetched
					 * is copied here as published
					 * (spf_decisive_term) */
	struct buf fixed;		/* a record spf_macro_fix changed */
	struct buf shrunk;		/* a record spf_shrink made fit */
	struct buf norm;		/* normalised record for libspf2 */
	uint32_t norm_hash;		/* its hash_bytes (spf_norm_memo) */
	struct spf_compiled_cache compiled;	/* kept across evaluations */
	struct spf_norm_memo norm_memo;		/* kept across evaluations */
	struct spf_results *results;	/* the pool's kept results (not
					 * owned); NULL: none kept */
	struct buf results_key;		/* the key looked up or kept */
};

/* spf_checker_set_limits - replace c's limits (NULL or zero fields:
 * defaults); used when a pooled checker is taken again */
void spf_checker_set_limits(struct spf_checker *c,
    const struct spf_limits *limits);
/* spf_checker_has_receiver - was c built for receiver_host (NULL or "":
 * "localhost")? */
bool spf_checker_has_receiver(const struct spf_checker *c,
    const char *receiver_host);
/* spf_dns_reset - start a new evaluation: counters, deadline, state */
void spf_dns_reset(struct spf_checker *c);
/* spf_dns_clear - drop per-evaluation memory */
void spf_dns_clear(struct spf_checker *c);
/* spf_dns_fetch_record - find, select and check the SPF record of domain
 * (RFC 7208 4.3-4.5); SPF_RES_PASS means c->norm holds it, else NONE,
 * TEMPERROR or PERMERROR with a reason */
enum spf_res spf_dns_fetch_record(struct spf_checker *c, const char *domain,
    const char **why_r);
/* spf_compile_record - spf_compiled_get_hashed of the checked record
 * rec (hash: its hash_bytes) of domain, with the macros libspf2 would
 * expand wrongly for this check rewritten first (spf_macro_fix.h); when
 * libspf2 cannot hold all of it, without the ip4/ip6 terms that cannot
 * decide this check (spf_shrink.h) */
SPF_record_t *spf_compile_record(struct spf_checker *c, SPF_server_t *server,
    SPF_response_t *resp, const char *rec, size_t len, uint32_t hash,
    const char *domain, const char **why_r);
/* spf_dns_lookup - libspf2's lookup hook (SPF_dns_lookup_t) */
SPF_dns_rr_t *spf_dns_lookup(SPF_dns_server_t *layer, const char *domain,
    ns_type type, int should_cache);
/* spf_dns_get_spf - libspf2's hook for include: and redirect= records */
SPF_errcode_t spf_dns_get_spf(SPF_server_t *server, SPF_request_t *req,
    SPF_response_t *resp, SPF_record_t **recp);

#endif
