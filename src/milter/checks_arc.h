/* checks_arc.h - ARC chain validation for one message on behalf of the
 * milter (RFC 8617 5.2) */
#ifndef AUTHMILTER_CHECKS_ARC_H
#define AUTHMILTER_CHECKS_ARC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arc_verify.h"
#include "core/authres.h"
#include "dns/dns.h"
#include "dns/dns_budget.h"
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
};

/* checks_arc_header - feed one header field; an ARC field creates the
 * state (*ap) on first sight and starts its key lookup on r */
void checks_arc_header(struct checks_arc **ap, struct dns_resolver *r,
    const struct conf *c, const char *name, const char *value);
/* checks_arc_eoh - end of header: all fields the session kept; complete
 * false when some were not kept */
void checks_arc_eoh(struct checks_arc *a, const struct headers *h,
    bool complete);
/* checks_arc_body - the next body chunk */
void checks_arc_body(struct checks_arc *a, const unsigned char *p,
    size_t len);
/* checks_arc_eom - collect the keys within budget, judge the chain and
 * add "arc=..." to ar; nothing when a is NULL (no ARC field: ARC-free
 * mail carries no arc= result). client_ip NULL or "local": no
 * smtp.remote-ip. */
void checks_arc_eom(struct checks_arc *a, struct dns_budget *budget,
    struct authres *ar, const char *client_ip);
/* checks_arc_result - the chain's result, NULL when no ARC field came */
const struct arc_result *checks_arc_result(const struct checks_arc *a);
/* checks_arc_summary - " arc=pass(sets=2)" for the log line */
void checks_arc_summary(const struct checks_arc *a, struct buf *out);
/* checks_arc_free - cancel lookups, free everything; NULLs *ap */
void checks_arc_free(struct checks_arc **ap);

#endif
