/*
 * fuzz_arc.c - ARC chains (RFC 8617): a message (header fields, a blank
 * line, the body; '\n' line ends, continuation lines folded) through the
 * whole verifier - ARC-Seal / ARC-Message-Signature parsing
 * (dkim_sig_parse_arc), AAR instances, structure checks, AMS and AS
 * hashing, body hashing, judgement - every key lookup answered with one
 * fixed RSA key (the seeds are sealed with it, so the pass path runs),
 * then the trusted-sealer AAR reader on every set and the A-R result
 * reader on every field value.
 * Invariants: a pass has 1..50 sets, each with an AAR, an AS verified
 * "pass" and cv= none for i=1 and pass after; the chain is extendable
 * after a pass; the newest AMS passed.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/arc_trust.h"
#include "core/arc_verify.h"
#include "core/dkim_sig.h"
#include "fuzz.h"
#include "util/buf.h"

/* the public half of the key the seeds were sealed with (d=fuzz.example
 * s=f1, tests/arc/key.txt, written by tests/arc/gen_fixtures.py); its
 * private half was not kept */
static const char fuzz_key[] =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDrVs9xyH"
    "aWWFV0blyb00/61+sralsf1OMjOhxhqPCSO6+S8niOoTVqHnaCx2EJiCjvfOXkvi"
    "jt/KJO0wp01cH50rtoDHC8sSoMBigwP+KCo0pxqBg7IjjhEHQ8cr1jyoovyBbVu9"
    "SIrxh7F1i6wI7xrhirLLYR04oTq30KW91J0QIDAQAB";

#define FUZZ_ARC_MAX_FIELDS 400

/* split_header - fields of the header block; returns the body offset */
static size_t
split_header(const uint8_t *p, size_t n, struct dkim_header *h,
    size_t *nh)
{
	size_t i = 0;

	*nh = 0;
	while (i < n) {
		size_t e = i, colon;

		while (e < n && p[e] != '\n')
			e++;
		if (e == i)		/* blank line: the body follows */
			return e + 1 <= n ? e + 1 : n;
		if ((p[i] == ' ' || p[i] == '\t') && *nh > 0) {
			h[*nh - 1].value_len = (size_t)(p + e - h[*nh - 1].value);
		} else if (*nh < FUZZ_ARC_MAX_FIELDS) {
			for (colon = i; colon < e && p[colon] != ':'; colon++)
				;
			h[*nh].name = p + i;
			h[*nh].name_len = colon - i;
			h[*nh].value = colon < e ? p + colon + 1 : p + e;
			h[*nh].value_len = colon < e ? e - colon - 1 : 0;
			(*nh)++;
		}
		i = e + 1;
	}
	return n;
}

/* check_pass - the invariants of a chain that passed */
static void
check_pass(const struct arc_verifier *v, const struct arc_result *r)
{
	const unsigned char *chain;
	size_t k, len;
	unsigned sets;

	if (r->sets < 1 || r->sets > DKIM_ARC_MAX_INSTANCE ||
	    r->nset != r->sets ||
	    strcmp(r->set[r->nset - 1].ams_result, "pass") != 0)
		abort();
	for (k = 0; k < r->nset; k++)
		if (strcmp(r->set[k].as_result, "pass") != 0 ||
		    strcmp(r->set[k].cv, k == 0 ? "none" : "pass") != 0)
			abort();
	if (!arc_verifier_chain(v, &chain, &len, &sets) || sets != r->sets ||
	    len == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dkim_header h[FUZZ_ARC_MAX_FIELDS];
	struct arc_verify_params p;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct dns_answer a;
	struct dns_rr rr;
	size_t nh, body, i;
	const char *trusted[] = { "fuzz.example" };
	struct arc_trust t;
	char word[16];

	body = split_header(data, size, h, &nh);
	arc_verify_params_init(&p);
	p.now = 1800000000;
	p.max_header_bytes = 64 * 1024;
	v = arc_verifier_new(&p);
	memset(&a, 0, sizeof(a));
	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_TXT;
	rr.text = (char *)(uintptr_t)fuzz_key;
	rr.text_len = strlen(fuzz_key);
	a.status = DNS_R_ANSWER;
	a.count = 1;
	a.rr = &rr;
	for (i = 0; i < nh; i++) {
		int idx = arc_verifier_header(v, h[i].name, h[i].name_len,
		    h[i].value, h[i].value_len);

		if (idx >= 0 && arc_verifier_key_name(v, idx) == NULL)
			abort();
		if (idx >= 0)
			arc_verifier_key_answer(v, idx, &a);
		(void)arc_trust_result_of((const char *)h[i].value,
		    h[i].value_len, "arc", word, sizeof(word));
	}
	arc_verifier_eoh(v, h, nh, true);
	arc_verifier_body(v, data + body, size - body);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	if (r == NULL || r->reason == NULL)
		abort();
	if (r->res == ARC_RES_PASS)
		check_pass(v, r);
	else if (*r->reason == '\0' && r->res == ARC_RES_FAIL)
		abort();
	for (i = 0; i < r->nset; i++) {
		const char *what;

		(void)arc_trust_aar_vouches(r->set[i].aar, strlen(r->set[i].aar),
		    "author.example", i % 2 == 0 ? "author.example" : NULL,
		    (unsigned)i % 4, &what);
	}
	(void)arc_trust_find(r, trusted, 1, "author.example", "author.example",
	    0, &t);
	arc_verifier_free(&v);
	return 0;
}
