/* checks.h - run SPF and DKIM for one message on behalf of the milter */
#ifndef AUTHMILTER_CHECKS_H
#define AUTHMILTER_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/authres.h"
#include "core/dkim_verify.h"
#include "milter/checks_arc.h"
#include "milter/checks_dmarc.h"
#include "dns/dns.h"
#include "dns/dns_budget.h"
#include "policy/policy.h"
#include "spf/spf.h"

/* the largest DKIMMaxSignatures allows, and the author's signatures
 * beyond it (dkim_verifier_admit) */
#define CHECKS_MAX_KEYS (50 + DKIM_VERIFY_EXTRA_PREFERRED)

struct session;
struct conf;

/* A DKIM key lookup started when its signature header arrived. */
struct checks_key_query {
	int sig_index;
	struct dns_query *query;
};

/* Per-message verification state; emptied (checks_state_init) at each
 * message start. */
struct checks {
	bool exempt;			/* peer, internal or auth */
	const char *exempt_why;		/* "peer", "internal", "auth" */
	bool peer;			/* PeerHosts: passed through */
	bool internal;			/* the client is in InternalHosts
					 * (also when it authenticated) */
	bool skip_verify;		/* exempt, or Mode without v */
	bool spf_mailfrom_done, spf_helo_done;	/* spf_* below are set */
	struct dkim_verifier *dkim;
	size_t key_count;
	struct checks_arc *arc;		/* NULL until an ARC field arrives */
	struct dns_budget dns_budget;	/* DNSMaxTimePerMessage */
	/* Last, not zeroed by checks_state_init (issue 18): dmarc empties
	 * itself, the SPF results (with their string storage) are filled by
	 * spf_check and read only when their _done flag says so, and keys
	 * holds nothing past key_count. */
	struct checks_dmarc dmarc;
	struct spf_result spf_mailfrom;
	struct spf_result spf_helo;
	struct checks_key_query keys[CHECKS_MAX_KEYS];
};

/* checks_set_resolver - the shared resolver (set once at start-up, NULL
 * at shutdown once no session runs); also builds (frees) the pool of SPF
 * checkers on it */
void checks_set_resolver(struct dns_resolver *r);
/* checks_build_policy_config - the site's policy choices from a config */
void checks_build_policy_config(const struct conf *c, struct policy_config *pc);

/* checks_mail_from - decide exemption, run SPF; fills the MAIL FROM
 * verdict (accept unless the site rejects or tempfails SPF there). */
void checks_mail_from(struct session *s, struct verdict *v);
/* checks_field - feed one header field, classified already
 * (headers_field_init; its value NUL-terminated too); starts DKIM key
 * lookups. stored: the copy of this field the caller keeps in
 * s->msg.headers (session_keep_field), or NULL if it keeps none (over a
 * cap). The verifier refers to the stored copy's bytes (they live in the
 * message arena) instead of copying f's. */
void checks_field(struct session *s, const struct header *f,
    const struct header *stored);
void checks_eoh(struct session *s);
void checks_body(struct session *s, const unsigned char *p, size_t len);
/* checks_eom - collect DKIM keys, finish, add results to ar, and fill the
 * end-of-message verdict */
void checks_eom(struct session *s, struct authres *ar, struct verdict *v);
/* checks_state_init - ck becomes the empty state (fresh storage, nothing
 * to free): zero but for the entry arrays, which hold nothing yet */
void checks_state_init(struct checks *ck);
/* checks_reset - free everything of the message (end or abort); ck is the
 * empty state again */
void checks_reset(struct checks *ck);

#endif
