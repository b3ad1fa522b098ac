/* checks_dmarc.h - DMARC for one message on behalf of the milter */
#ifndef AUTHMILTER_CHECKS_DMARC_H
#define AUTHMILTER_CHECKS_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/authres.h"
#include "core/dmarc_eval.h"
#include "core/mailaddr.h"
#include "dns/dns.h"
#include "dns/dns_budget.h"
#include "policy/policy.h"
#include "util/arena.h"

#define CHECKS_MAX_FROM 8	/* From fields kept; more is "bad From" */
#define CHECKS_MAX_AUTHORS 4	/* distinct author domains evaluated */

/* The strings below live in the message's arena (checks_dmarc_from);
 * a prefetch name in the author's eval. */
struct checks_dmarc_query {
	const char *name;
	struct dns_query *query;
};

struct checks_dmarc_author {
	char *domain;		/* A-label form */
	char *unicode;		/* U-label form, NULL when all ASCII labels */
	struct dmarc_eval *eval;
	struct checks_dmarc_query prefetch[DMARC_WALK_MAX_QUERIES];
	size_t prefetch_count;
	struct dmarc_result res;
};

struct checks_dmarc {
	size_t from_count;
	const char *from_problem;	/* static text when From is unusable:
					 * the message has no usable author */
	size_t author_count;
	bool evaluated;
	bool multi_domain;
	size_t chosen;			/* index of the result that counts */
	/* Entries past from_count and author_count hold nothing: each is
	 * set up when it is taken, so an empty state clears only the fields
	 * above (zeroing these ~4 KB for every connection and message was
	 * most of session_new's cost, issue 18). Keep them last. */
	struct mailaddr_list from[CHECKS_MAX_FROM];
	struct checks_dmarc_author authors[CHECKS_MAX_AUTHORS];
};

/* checks_dmarc_init - load the Public Suffix List (RFC 7489 mode) once;
 * psl_file NULL: the system list, else libpsl's built-in copy. False
 * with *why_r saying why PSLFile cannot be used */
bool checks_dmarc_init(const char *psl_file, const char **why_r);
/* checks_dmarc_psl_problem - for -t: why checks_dmarc_init would refuse
 * psl_file, or NULL */
const char *checks_dmarc_psl_problem(const char *psl_file);
void checks_dmarc_deinit(void);

/* What an evaluation finds beyond the verdict (checks_dmarc_from) */
enum checks_dmarc_want {
	/* each author's organizational domain even when the verdict does
	 * not need it (trusted ARC sealers align against it) */
	CHECKS_DMARC_WANT_ORG = 1,
	/* DKIM's and SPF's alignment each, not only the first that passes
	 * (the reports give both) */
	CHECKS_DMARC_ALIGN_EVERY = 2,
};

/* checks_dmarc_from - a From field arrived: parse it and start the DMARC
 * record lookups for its author domain(s) right away. The author names
 * are copied into arena, which must outlive d's next reset. want:
 * enum checks_dmarc_want bits. */
void checks_dmarc_from(struct checks_dmarc *d, struct dns_resolver *r,
    struct arena *arena, int mode, unsigned want, const char *value);
/* checks_dmarc_author_org - domain (as in d=, any case) has the
 * organizational domain of one of the author domains seen so far, by
 * the PSL (the DNS walk of RFC 9989 has not answered yet when this is
 * asked, at end of header) */
bool checks_dmarc_author_org(const struct checks_dmarc *d,
    const char *domain);
/* checks_dmarc_eom - finish: set the identifiers, ask what is missing
 * (each lookup within timeout_ms, 0 for the resolver's own, and what is
 * left of budget), add "dmarc=..." to ar, and fill the DMARC part of in.
 * Returns false when the message must be refused for several author
 * domains. */
bool checks_dmarc_eom(struct checks_dmarc *d, struct dns_resolver *r,
    unsigned timeout_ms, struct dns_budget *budget, bool reject_multi,
    const struct dmarc_auth *auth, struct authres *ar,
    struct policy_input *in);
/* checks_dmarc_state_init - d becomes the empty state (fresh storage,
 * nothing to free) */
void checks_dmarc_state_init(struct checks_dmarc *d);
/* checks_dmarc_reset - free what d holds; d is the empty state again */
void checks_dmarc_reset(struct checks_dmarc *d);

#endif
