/* arc_trust.h - trusted ARC sealers: does a sealer we trust vouch for
 * the author domain? (RFC 8617 7.2, local policy over DMARC) */
#ifndef AUTHMILTER_ARC_TRUST_H
#define AUTHMILTER_ARC_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arc_verify.h"

/* Most resinfos read from one AAR; more are ignored. */
#define ARC_TRUST_MAX_RESINFO 32

/* strict flags: the author's DMARC record asks strict alignment */
#define ARC_TRUST_STRICT_DKIM 1u	/* adkim=s */
#define ARC_TRUST_STRICT_SPF 2u		/* aspf=s */

struct arc_trust {
	unsigned instance;	/* the set that vouched */
	const char *sealer;	/* its ARC-Seal d= (owned by the result) */
	const char *what;	/* static: "dmarc=pass", "dkim=pass", "spf=pass" */
};

/*
 * arc_trust_find - for a chain that passed, the newest set whose ARC-Seal
 * d= is one of trusted[0..ntrusted) (ASCII case ignored) and whose AAR
 * recorded, for author_domain: dmarc=pass with that header.from, or
 * dkim=pass with an aligned header.d (header.i's domain when the AAR
 * has no header.d), or spf=pass with an aligned smtp.mailfrom domain,
 * and no dmarc=fail with that header.from. Aligned: the domain is
 * author_org (the author's organizational domain as the DMARC
 * evaluation found it) or under it, as relaxed alignment has it without
 * a tree walk of the identifier: siblings such as a.example.com and
 * b.example.com align, a public suffix above the author (d=co.uk for
 * bank.co.uk) does not. author_org NULL or "" (not found): the author
 * domain itself or a subdomain of it. With ARC_TRUST_STRICT_DKIM or
 * _SPF in strict (adkim=s, aspf=s), that identifier aligns only when it
 * is the author domain itself. The set counts only when its AMS
 * verified ("pass") or every newer set is by a trusted sealer: an
 * untrusted sealer above may have rewritten the message. False for any
 * other chain; untrusted sealers never count.
 */
bool arc_trust_find(const struct arc_result *r, const char *const *trusted,
    size_t ntrusted, const char *author_domain, const char *author_org,
    unsigned strict, struct arc_trust *out);

/* arc_trust_aar_vouches - the AAR payload (after "i=N;": authserv-id,
 * then resinfos) records one of the passes above for author_domain
 * (author_org and strict as above) and no dmarc=fail for it; *what_r
 * says which.
 * Quoted strings and comments are skipped; never reads past len. */
bool arc_trust_aar_vouches(const char *aar, size_t len,
    const char *author_domain, const char *author_org, unsigned strict,
    const char **what_r);

/* arc_trust_result_of - the result word (e.g. "pass") of the first
 * resinfo of method in an A-R value (authserv-id first), copied into
 * out (out_size bytes); false when there is none or it does not fit */
bool arc_trust_result_of(const char *ar, size_t len, const char *method,
    char *out, size_t out_size);

#endif
