/*
 * arc_seal.c - make the next ARC set (RFC 8617 5.1)
 *
 * Exported functions:
 *   arc_seal_make   AAR, AMS and AS values for instance N+1
 *
 * The AMS is a DKIM signature in all but name: dkim_sign_field with kind
 * DKIM_SIG_KIND_ARC_AMS builds it (i= instead of v=1, relaxed/relaxed),
 * over the given sign_headers less ARC-Seal and Authentication-Results
 * (RFC 8617 4.1.2; dkim_sign_hlist leaves them out).
 * The AS signs, with relaxed header canonicalization, the chain of the
 * sets before (given canonicalized by the verifier, which judged it), the
 * new AAR and AMS, then itself with b= empty and no final CRLF
 * (RFC 8617 5.1.1); dkim_sign_append_b signs and folds b=. Pure: no I/O,
 * no clock (t= is a parameter); the caller owns every buffer.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/arc_seal.h"
#include "core/dkim_sig.h"
#include "core/dkim_sign.h"
#include "util/str.h"

/* aar_value - " i=N; " and our A-R value, its line breaks in CRLF form */
static void
aar_value(const struct arc_seal_params *p, struct buf *out)
{
	buf_printf(out, " i=%u; ", p->instance);
	dkim_canon_crlf((const unsigned char *)p->authres, strlen(p->authres),
	    out);
}

/* seal_unsigned - the AS value up to "b=" */
static void
seal_unsigned(const struct arc_seal_params *p, struct buf *out)
{
	buf_printf(out, " i=%u; cv=%s; a=%s; d=%s;\r\n\ts=%s;", p->instance,
	    p->cv, dkim_sign_alg_name(p->key), p->domain, p->selector);
	if (p->t > 0)
		buf_printf(out, " t=%" PRId64 ";", p->t);
	buf_append_str(out, " b=");
}

/* arc_seal_make - the next ARC set */
bool
arc_seal_make(const struct arc_seal_params *p, const struct dkim_header *hdrs,
    size_t nhdrs, const unsigned char *bh, size_t bhlen,
    const unsigned char *chain, size_t chain_len, struct buf *aar_r,
    struct buf *ams_r, struct buf *as_r, const char **why_r)
{
	struct dkim_sign_params sp;
	struct buf aar = BUF_INIT, ams = BUF_INIT, as = BUF_INIT;
	struct buf hashed = BUF_INIT;
	bool ok = false;

	if (p->instance < 1 || p->instance > DKIM_ARC_MAX_INSTANCE) {
		*why_r = "ARC chain is full (50 sets)";
		return false;
	}
	memset(&sp, 0, sizeof(sp));
	sp.domain = p->domain;
	sp.selector = p->selector;
	sp.key = p->key;
	sp.hcanon = sp.bcanon = DKIM_CANON_RELAXED;
	sp.sign_headers = p->sign_headers;
	sp.nsign = p->nsign;
	sp.t = p->t;
	sp.kind = DKIM_SIG_KIND_ARC_AMS;
	sp.instance = p->instance;
	aar_value(p, &aar);
	if (!dkim_sign_field(&sp, hdrs, nhdrs, bh, bhlen, &ams, why_r))
		goto out;
	seal_unsigned(p, &as);
	if (chain_len > 0)
		buf_append(&hashed, chain, chain_len);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Authentication-Results", 26, aar.data,
	    aar.len, true, &hashed);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Message-Signature", 21, ams.data,
	    ams.len, true, &hashed);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Seal", 8, as.data, as.len, false,
	    &hashed);
	if (!dkim_sign_append_b(p->key, &hashed, 10, &as, why_r))
		goto out;
	buf_append(aar_r, aar.data, aar.len);
	buf_append(ams_r, ams.data, ams.len);
	buf_append(as_r, as.data, as.len);
	ok = true;
out:
	buf_deinit(&aar);
	buf_deinit(&ams);
	buf_deinit(&as);
	buf_deinit(&hashed);
	return ok;
}
