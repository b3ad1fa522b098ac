/* spf.h - SPF (RFC 7208) checks through libspf2 on our resolver
 *
 * The only interface to libspf2. A checker evaluates one request at a time
 * and is NOT thread-safe: one thread at a time may use a checker; all
 * checkers may share one dns_resolver, so they share its cache. Creating
 * a checker makes no DNS query but sets up a libspf2 server (several
 * thousand instructions): the milter takes ready ones from a pool
 * (spf_pool.h). A checker can be used for any number of evaluations.
 */
#ifndef AUTHMILTER_SPF_H
#define AUTHMILTER_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"

/* SPF results (RFC 7208 2.6); spf_res_name gives the RFC 8601 words. */
enum spf_res {
	SPF_RES_NONE = 0,
	SPF_RES_NEUTRAL,
	SPF_RES_PASS,
	SPF_RES_FAIL,
	SPF_RES_SOFTFAIL,
	SPF_RES_TEMPERROR,
	SPF_RES_PERMERROR
};

/* Which identity is checked (RFC 7208 2.3, 2.4). */
enum spf_identity {
	SPF_ID_MAILFROM = 0,
	SPF_ID_HELO
};

/* Limits of one evaluation. RFC 7208 4.6.4: at most 10 DNS-querying terms
 * (include, a, mx, ptr, exists, redirect) and 2 void lookups across all
 * include levels; our own caps on DNS queries and total time. */
struct spf_limits {
	unsigned max_dns_terms;		/* default 10 */
	unsigned max_void_lookups;	/* default 2 */
	unsigned max_queries;		/* default 128 */
	unsigned max_time_ms;		/* default 20000 */
};

#define SPF_DEFAULT_MAX_DNS_TERMS 10
#define SPF_DEFAULT_MAX_VOID_LOOKUPS 2
#define SPF_DEFAULT_MAX_QUERIES 128
#define SPF_DEFAULT_MAX_TIME_MS 20000

struct spf_request {
	const char *client_ip;	/* IPv4 or IPv6 text; ::ffff:a.b.c.d is IPv4 */
	const char *helo;	/* HELO/EHLO argument, may be NULL */
	const char *mail_from;	/* MAIL FROM address; "" or NULL: null sender */
	enum spf_identity identity;
	/* 0: the checker's max_time_ms; else the smaller of the two (what is
	 * left of the message's DNS time, DNSMaxTimePerMessage) */
	unsigned max_time_ms;
};

/* Bytes of a result's own string storage: the usual sender, domain,
 * reason and explanation fit, longer ones go to the heap (issue 18: five
 * allocations a check before). */
#define SPF_RESULT_TEXT 512

/* The strings point into the result itself (or heap pieces it owns), so
 * a result must not be copied by value; spf_result_deinit releases it. */
struct spf_result {
	enum spf_res res;
	char *domain;		/* the domain checked ("" if none) */
	char *sender;		/* the <sender> used, e.g. postmaster@helo */
	char *explanation;	/* on fail only, else NULL (RFC 7208 6.2) */
	const char *reason;	/* one line for logs (static text, or in the
				 * result's storage) */
	unsigned dns_queries;	/* DNS lookups made by this evaluation */
	unsigned dns_terms;	/* DNS-querying terms evaluated */
	unsigned void_lookups;
	/* storage of the strings above; spf_check sets it up, only the
	 * fields before text need to start zero */
	struct spf_result_heap *heap;	/* pieces that did not fit text */
	size_t text_used;
	char text[SPF_RESULT_TEXT];
};

struct spf_checker;

/* spf_checker_new - a checker using resolver r (not owned; it must outlive
 * the checker). limits NULL: defaults; zero fields: defaults.
 * receiver_host names us in explanations (%{r}) and Received-SPF. */
struct spf_checker *spf_checker_new(struct dns_resolver *r,
    const struct spf_limits *limits, const char *receiver_host);
/* spf_checker_free - free; NULLs *cp */
void spf_checker_free(struct spf_checker **cp);

/* spf_check - evaluate req; fills *res (release with spf_result_deinit;
 * *res need not be initialised). Always gives a result; bounded by the
 * limits. */
void spf_check(struct spf_checker *c, const struct spf_request *req,
    struct spf_result *res);
/* spf_result_deinit - free the strings of a result (the string pointers
 * become NULL) */
void spf_result_deinit(struct spf_result *res);

/* spf_decisive_term - the term of the checked domain's record that gave
 * res (a pass, fail, softfail or neutral from spf_check with the same
 * req): a mechanism as the record publishes it, such as
 * "ip4:192.0.2.0/24", "mx/0", "include:_spf.example.net" (the decision
 * was made inside it) or "-all", or "redirect=..." when the
 * redirect target decided. NULL when no term matched (the default
 * neutral) or for other results. Runs libspf2 again on prefixes of the
 * record (a few evaluations, answers from the resolver's cache); for
 * explanations (authcheck), not for the milter's hot path. Caller frees. */
char *spf_decisive_term(struct spf_checker *c, const struct spf_request *req,
    const struct spf_result *res);

/* spf_res_name - "none", "neutral", "pass", "fail", "softfail",
 * "temperror", "permerror" (RFC 8601 2.7.2) */
const char *spf_res_name(enum spf_res r);

/* spf_received_spf - the value of a Received-SPF header field for req/res
 * (RFC 7208 9.1): result, comment, key=value pairs; caller frees. */
char *spf_received_spf(const struct spf_request *req,
    const struct spf_result *res, const char *receiver_host);

#endif
