/*
 * explain_arc.c - authcheck message: the ARC chain set by set.
 *
 * Exported functions:
 *   explain_arc   the "arc" entry of the report
 *
 * Reads the result the milter glue computed (checks_arc.c, after
 * checks_eom), so it says exactly what the daemon decided: the chain's
 * arc= word and reason, header.oldest-pass, then for each set from the
 * newest down the ARC-Seal (d=, s=, a=, cv=, verified or why not), the
 * ARC-Message-Signature (the same) and the AAR text, and what each
 * result means. A trusted-sealer override of DMARC names the sealer.
 */
#include "config.h"

#include "authcheck/explain_arc.h"
#include "util/buf.h"

/* sig_text - "pass (d=x s=y a=z)" or "fail: why (d=...)" */
static void
sig_text(struct buf *b, const char *result, const char *why, const char *d,
    const char *s, const char *a)
{
	buf_printf(b, "%s%s%s (d=%s s=%s a=%s)", *result ? result :
	    "not checked", *why ? ": " : "", why, d, s, a);
}

/* meaning - what the chain's result means for a reader */
static const char *
meaning(const struct arc_result *r)
{
	switch (r->res) {
	case ARC_RES_PASS:
		return r->oldest_pass > 0 ? "every seal verified and the "
		    "newest ARC-Message-Signature covers the message as it "
		    "is; the message was changed after the set named by "
		    "oldest_pass - 1 was added (a list or forwarder at work)" :
		    "every seal verified and every ARC-Message-Signature "
		    "still covers the message: nothing changed it after the "
		    "first sealer";
	case ARC_RES_FAIL:
		return "the chain cannot be trusted: no sealer's record of "
		    "what it saw can be used";
	default:
		return "the message has no ARC set";
	}
}

void
explain_arc(struct report *rep, const struct checks_arc *a)
{
	const struct arc_result *r = checks_arc_result(a);
	struct rnode *n = rn_obj(rep->root, "arc"), *l;
	size_t k;

	if (r == NULL) {
		rn_str(n, "result", "none");
		rn_str(n, "why", "the message has no ARC fields");
		return;
	}
	rn_str(n, "result", "%s", arc_res_name(r->res));
	if (*r->reason != '\0')
		rn_str(n, "reason", "%s", r->reason);
	rn_int(n, "sets", r->sets);
	if (r->oldest_pass_known)
		rn_int(n, "oldest_pass", r->oldest_pass);
	rn_int(n, "signatures_verified", (long long)r->signatures_verified);
	rn_str(n, "why", "%s", meaning(r));
	if (r->res == ARC_RES_FAIL)
		report_fail(rep);
	l = rn_list(n, "chain");
	for (k = r->nset; k > 0; k--) {
		const struct arc_set_result *s = &r->set[k - 1];
		struct rnode *e = rn_obj(l, NULL);
		struct buf b = BUF_INIT;

		rn_int(e, "instance", s->instance);
		rn_str(e, "cv", "%s", s->cv);
		sig_text(&b, s->as_result, s->as_reason, s->as_domain,
		    s->as_selector, s->as_alg);
		rn_str(e, "seal", "%s", buf_cstr(&b));
		buf_reset(&b);
		sig_text(&b, s->ams_result, s->ams_reason, s->ams_domain,
		    s->ams_selector, s->ams_alg);
		rn_str(e, "message_signature", "%s", buf_cstr(&b));
		rn_str(e, "authentication_results", "%s", s->aar);
		buf_deinit(&b);
	}
	if (a->override_reason != NULL)
		rn_str(n, "dmarc_override", "%s: the DMARC failure is overridden "
		    "because trusted sealer %s (set i=%u) recorded %s for the "
		    "author domain", a->override_reason, a->trust.sealer,
		    a->trust.instance, a->trust.what);
}
