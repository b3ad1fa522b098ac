/* checks_arc.h - ARC chain validation for one message on behalf of the
 * milter (RFC 8617 5.2) */
#ifndef AUTHMILTER_CHECKS_ARC_H
#define AUTHMILTER_CHECKS_ARC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arc_trust.h"
#include "core/arc_verify.h"
#include "core/authres.h"
#include "core/headers.h"
#include "dns/dns.h"
#include "dns/dns_budget.h"
#include "policy/policy.h"
#include "util/buf.h"

struct conf;
struct headers;

/* Per-message ARC state, allocated when the first ARC field arrives:
 * ARC-free mail has a NULL pointer and no other cost. */
struct checks_arc {
	struct arc_verifier *v;
	struct {
		int key_index;
		struct dns_query *query;
	} keys[ARC_VERIFY_MAX_KEYS];
	size_t key_count;
	const struct arc_result *res;	/* after checks_arc_eom */
	/* set by checks_arc_override when a trusted sealer rescued a DMARC
	 * failure (for the log, A-R and the reports): reason
	 * "trusted_forwarder", the sealer's d= and set, what it recorded */
	const char *override_reason;	/* NULL: no override */
	struct arc_trust trust;
};

/* checks_arc_header - feed one header field (classified by
 * headers_field_init); an ARC field creates the state (*ap) on first
 * sight and starts its key lookup on r */
void checks_arc_header(struct checks_arc **ap, struct dns_resolver *r,
    const struct conf *c, const struct header *f);
/* checks_arc_eoh - end of header: all fields the session kept; complete
 * false when some were not kept */
void checks_arc_eoh(struct checks_arc *a, const struct headers *h,
    bool complete);
/* checks_arc_body - the next body chunk */
void checks_arc_body(struct checks_arc *a, const unsigned char *p,
    size_t len);
/* checks_arc_eom - collect the keys within budget, judge the chain and
 * add "arc=..." to ar; arc=none when a is NULL (no ARC field came, and
 * nothing was allocated or computed for ARC). client_ip NULL or "local":
 * no smtp.remote-ip. Not called with ARCVerify no. */
void checks_arc_eom(struct checks_arc *a, struct dns_budget *budget,
    struct authres *ar, const char *client_ip);
/* checks_arc_override - after DMARC: when it failed for a single author
 * domain with a disposition above ARCTrustedSealerAction, or of none
 * with spf_awaits (an SPF failure the site refuses unless DMARC passes),
 * the chain passed and a sealer in ARCTrustedSealers recorded a pass for
 * that domain (arc_trust_find): lower in->dmarc_disposition to
 * ARCTrustedSealerAction, set in->dmarc_rescued and say so in ar
 * (policy.override on the dmarc result, a comment naming the sealer).
 * Returns true when it did. */
bool checks_arc_override(struct checks_arc *a, const struct conf *c,
    bool single_author, bool spf_awaits, struct policy_input *in,
    struct authres *ar);
/* checks_arc_result - the chain's result, NULL when no ARC field came */
const struct arc_result *checks_arc_result(const struct checks_arc *a);
struct logrec;
/* checks_arc_log - arc, arc_sets, arc_reason and, when a trusted sealer
 * rescued DMARC, dmarc_override and the sealer: to the log record; the
 * arc result to the metrics. Nothing for ARC-free mail. */
void checks_arc_log(const struct checks_arc *a, struct logrec *rec);
/* checks_arc_free - cancel lookups, free everything; NULLs *ap */
void checks_arc_free(struct checks_arc **ap);

#endif
