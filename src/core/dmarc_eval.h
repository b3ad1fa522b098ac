/* dmarc_eval.h - DMARC policy discovery, alignment and policy choice
 *
 * How the milter glue drives an evaluation (no DNS happens in here):
 *
 *   From header arrives (header callback):
 *     parse it with mailaddr_parse_list; collect all From fields; at the
 *     end of headers call dmarc_author_domains (or per header, if you start
 *     early: one eval per distinct domain). For each author domain:
 *       e = dmarc_eval_new(domain, &opts)      opts from the config snapshot
 *       n = dmarc_eval_prefetch(e, names, DMARC_WALK_MAX_QUERIES)
 *       start dns_query_start(r, names[i], DNS_T_TXT) for each name
 *   End of message (eom callback), after SPF and DKIM are known:
 *       dmarc_eval_set_auth(e, &auth)
 *       while (dmarc_eval_next_query(e, &name, &type)) {
 *           a = (a started query for name/type) ? dns_query_wait(&q, 0)
 *                                               : dns_lookup(r, name, type, ms)
 *           dmarc_eval_feed(e, name, type, a); dns_answer_free(&a);
 *       }
 *       cancel started queries never asked for (dns_query_cancel)
 *       dmarc_eval_result(e, &res)  ->  A-R, policy, logs
 *       dmarc_eval_free(&e)
 *   Prefetched answers may also be fed in any order before or after
 *   set_auth; the loop then asks only what is still missing. The loop
 *   ends after at most DMARC_EVAL_MAX_ANSWERS queries.
 */
#ifndef AUTHMILTER_DMARC_EVAL_H
#define AUTHMILTER_DMARC_EVAL_H

#include <libpsl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dmarc_record.h"
#include "core/mailaddr.h"
#include "dns/dns.h"

#define DMARC_WALK_MAX_QUERIES	8	/* RFC 9989 4.10 */
#define DMARC_EVAL_MAX_ANSWERS	48	/* distinct DNS answers per evaluation */
#define DMARC_EVAL_MAX_DKIM	16	/* signatures considered for alignment */
#define DMARC_DOMAIN_SIZE	256	/* 253 + NUL, rounded */

/* RFC 8601 2.7.1 dmarc results */
enum dmarc_res {
	DMARC_RES_NONE = 0,
	DMARC_RES_PASS,
	DMARC_RES_FAIL,
	DMARC_RES_TEMPERROR,
	DMARC_RES_PERMERROR
};

/* An authentication result as DMARC needs it: spf pass -> PASS, spf
 * temperror -> TEMPERROR, everything else -> FAIL (or NONE if not run);
 * same for dkim. */
enum dmarc_auth_res {
	DMARC_AUTH_NONE = 0,
	DMARC_AUTH_PASS,
	DMARC_AUTH_FAIL,
	DMARC_AUTH_TEMPERROR
};

struct dmarc_dkim_id {
	enum dmarc_auth_res res;
	const char *domain;	/* the signature's d= */
};

/* Identifiers of one message. Strings are copied by dmarc_eval_set_auth. */
struct dmarc_auth {
	enum dmarc_auth_res spf;
	const char *spf_mailfrom_domain;	/* NULL or "" for the null sender */
	const char *spf_helo_domain;	/* used when the sender is null */
	const struct dmarc_dkim_id *dkim;
	size_t dkim_count;
};

struct dmarc_eval_opts {
	enum dmarc_mode mode;
	const psl_ctx_t *psl;	/* RFC 7489 mode: loaded once by the caller */
	/* RFC 7489 pct sampling: a random 0..99, asked for only when a
	 * failing message meets pct < 100 (a roll costs a getrandom call);
	 * NULL rolls 0, applying the policy whenever pct > 0 */
	unsigned (*pct_roll)(void);
	bool want_org_domain;	/* find the author's org domain even when
				 * the verdict does not need it (authcheck) */
	bool align_every;	/* find each aligned identifier, not only
				 * the first that makes DMARC pass: reports
				 * give DKIM's and SPF's alignment each, and
				 * a relaxed one may cost a tree walk */
	bool org_only;		/* the org domain alone, no policy nor
				 * alignment: result org_domain, or
				 * temperror on a DNS failure (whether a
				 * report address is the policy domain's
				 * own, report_verify.c) */
};

struct dmarc_result {
	enum dmarc_res result;
	enum dmarc_policy p, sp;	/* as published by the policy record */
	enum dmarc_policy policy;	/* chosen of p/sp/np (before t=, pct) */
	enum dmarc_policy disposition;	/* what the record asks for this message */
	bool spf_aligned, dkim_aligned;
	bool testing;		/* t=y weakened the disposition */
	bool sampled_out;	/* RFC 7489 pct weakened the disposition */
	bool author_nxdomain;	/* np applied: author domain does not exist */
	const char *reason;	/* static text for logs */
	const struct dmarc_record *record;	/* owned by the eval; NULL if none */
	/* Last: each evaluation step clears the fields above and empties
	 * these strings, not all their bytes (issue 18). */
	char header_from[DMARC_DOMAIN_SIZE];
	char policy_domain[DMARC_DOMAIN_SIZE];	/* "" when no policy */
	char org_domain[DMARC_DOMAIN_SIZE];	/* "" when not determined */
};

struct dmarc_eval;

/*
 * dmarc_eval_new - start an evaluation for one author domain (as parsed by
 * mailaddr.c: lower case, no trailing dot). Never NULL; a domain that is
 * empty or too long yields DMARC_RES_NONE at the end without queries.
 */
struct dmarc_eval *dmarc_eval_new(const char *author_domain,
    const struct dmarc_eval_opts *opts);
/*
 * dmarc_eval_new_checked - dmarc_eval_new for an author domain that is
 * already the A-label form idna_domain gave for it (struct idna_name's
 * ascii, as checks_dmarc has it): not checked and converted a second
 * time (issue 18). The same evaluation as dmarc_eval_new would start.
 */
struct dmarc_eval *dmarc_eval_new_checked(const char *ascii_domain,
    const struct dmarc_eval_opts *opts);
/* dmarc_eval_free - free; NULLs *ep */
void dmarc_eval_free(struct dmarc_eval **ep);

/*
 * dmarc_eval_prefetch - the DMARC TXT names policy discovery may ask, in
 * order (at most DMARC_WALK_MAX_QUERIES). The first is always needed; the
 * rest only if earlier ones hold no record. Names point into the eval.
 */
size_t dmarc_eval_prefetch(const struct dmarc_eval *e, const char **names_r,
    size_t max);

/*
 * dmarc_eval_next_query - the next DNS question the evaluation needs now:
 * true with *name_r (valid until the next call; it may be given to
 * dmarc_eval_feed as it is) and *type_r (DNS_T_TXT or
 * DNS_T_A); false when no more answers are needed at this stage. Before
 * dmarc_eval_set_auth only policy discovery queries are asked.
 */
bool dmarc_eval_next_query(struct dmarc_eval *e, const char **name_r,
    uint16_t *type_r);
/*
 * dmarc_eval_feed - give the answer for (name, type); the eval copies what
 * it needs (a is not kept). Answers not asked for are kept too (prefetch),
 * up to DMARC_EVAL_MAX_ANSWERS.
 */
void dmarc_eval_feed(struct dmarc_eval *e, const char *name, uint16_t type,
    const struct dns_answer *a);
/* dmarc_eval_set_auth - the SPF and DKIM results (copied) */
void dmarc_eval_set_auth(struct dmarc_eval *e, const struct dmarc_auth *auth);
/*
 * dmarc_eval_result - the verdict. An answer still missing counts as a
 * DNS timeout (temperror for discovery, no alignment for an identifier).
 */
void dmarc_eval_result(struct dmarc_eval *e, struct dmarc_result *r);

/* Multiple From handling (RFC 9989 "Extract Author Domain"). */
enum dmarc_from_status {
	DMARC_FROM_ONE = 0,	/* one header, one mailbox */
	DMARC_FROM_SAME_DOMAIN,	/* several mailboxes, all one domain */
	DMARC_FROM_MULTI_DOMAIN,	/* several domains: caller's choice */
	DMARC_FROM_NONE	/* no mailbox at all */
};
/*
 * dmarc_author_domains - the distinct author domains of all From header
 * fields (lists as parsed by mailaddr_parse_list; count lists). Writes at
 * most max (>= 1) pointers (into the lists) to domains_r, sets *n_r; the
 * status counts the domains past max too. The caller with
 * DMARC_FROM_MULTI_DOMAIN either rejects or evaluates every domain and
 * applies dmarc_result_strictest.
 */
enum dmarc_from_status dmarc_author_domains(const struct mailaddr_list *lists,
    size_t count, const char **domains_r, size_t max, size_t *n_r);
/* dmarc_result_strictest - index of the strictest of n >= 1 results */
size_t dmarc_result_strictest(const struct dmarc_result *rs, size_t n);
/* dmarc_res_name - "pass", "fail", ... (RFC 8601) */
const char *dmarc_res_name(enum dmarc_res r);

#endif
