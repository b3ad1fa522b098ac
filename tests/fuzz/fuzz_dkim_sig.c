/*
 * fuzz_dkim_sig.c - DKIM-Signature header field values (RFC 6376 3.5):
 * the tag list, base64 of b= and bh=, h= name lists, i=/d= relations,
 * l=/t=/x= numbers; then the b= removal the verifier hashes with.
 * Invariants: an OK signature has d=, s=, From in h= and a b= span
 * inside the value; stripping b= never grows the value.
 */
#include "config.h"

#include <stdint.h>

#include "core/dkim_canon.h"
#include "core/dkim_sig.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_sig sig;
	const char *why = NULL;
	struct buf out;

	dkim_sig_init(&sig);
	buf_init(&out);
	if (dkim_sig_parse(data, size, &sig, &why) == DKIM_SIG_OK) {
		if (sig.d == NULL || sig.s == NULL || sig.nnames == 0 ||
		    sig.b_start > sig.b_end || sig.b_end > size ||
		    sig.i_domain == NULL || !dkim_domain_ok(sig.d))
			abort();
		(void)dkim_sig_check_time(&sig, 1700000000, 300, &why);
		/* the largest skew the config allows (DKIMClockSkew 1d) */
		(void)dkim_sig_check_time(&sig, 0, 86400, &why);
		dkim_canon_strip_b(data, size, sig.b_start, sig.b_end, &out);
		if (out.len > size)
			abort();
		(void)dkim_domain_within(sig.i_domain, sig.d);
	}
	buf_deinit(&out);
	dkim_sig_deinit(&sig);
	return 0;
}
