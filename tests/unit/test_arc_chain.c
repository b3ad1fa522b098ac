/* test_arc_chain.c - ARC verification of whole chains (RFC 8617 5.2):
 * the chains dkimpy sealed (tests/arc, made by tests/arc/gen_fixtures.py)
 * with canned key answers, chains written in short hand that fail before
 * any signature is checked, the caps, and the key lookups and answers */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arc_fixtures.h"
#include "core/arc_verify_internal.h"

struct chain_case {
	const char *label, *file;
	enum dns_status st;
	size_t max_sets, max_sigs, max_bytes;
	enum arc_res want;
	const char *reason;		/* substring */
	unsigned sets, oldest_pass;
	bool oldest_pass_known;
};

static const struct chain_case chain_cases[] = {
	{ "1 set", "chain1.eml", DNS_R_ANSWER, 0, 0, 0, ARC_RES_PASS, "", 1, 0,
	  true },
	{ "2 sets", "chain2.eml", DNS_R_ANSWER, 0, 0, 0, ARC_RES_PASS, "", 2, 0,
	  true },
	{ "footer after the last seal", "chain3-footer.eml", DNS_R_ANSWER,
	  0, 0, 0, ARC_RES_FAIL, "ARC-Message-Signature i=3: body hash "
	  "mismatch", 3, 0, false },
	{ "changed before set 2", "list-mod.eml", DNS_R_ANSWER, 0, 0, 0,
	  ARC_RES_PASS, "", 2, 2, true },
	{ "no key", "chain2.eml", DNS_R_NXDOMAIN, 0, 0, 0, ARC_RES_FAIL,
	  "i=2: no key", 2, 0, false },
	{ "key timeout", "chain1.eml", DNS_R_TIMEOUT, 0, 0, 0, ARC_RES_FAIL,
	  "key lookup timed out", 1, 0, false },
	{ "ARCMaxSets 1", "chain2.eml", DNS_R_ANSWER, 1, 0, 0, ARC_RES_FAIL,
	  "more than 1 ARC sets", 2, 0, false },
	{ "ARCMaxSets 2", "chain2.eml", DNS_R_ANSWER, 2, 0, 0, ARC_RES_PASS,
	  "", 2, 0, true },
	/* beyond what RFC 8617 allows: 50 */
	{ "ARCMaxSets 100", "chain2.eml", DNS_R_ANSWER, 100, 0, 0,
	  ARC_RES_PASS, "", 2, 0, true },
	{ "ARCMaxSignatures 2", "chain2.eml", DNS_R_ANSWER, 0, 2, 0,
	  ARC_RES_FAIL, "need more than 2 signature checks", 2, 0, false },
	/* the newest AMS and both seals: no room left for set 1's AMS,
	 * so header.oldest-pass is not known */
	{ "ARCMaxSignatures 3", "chain2.eml", DNS_R_ANSWER, 0, 3, 0,
	  ARC_RES_PASS, "", 2, 0, false },
	{ "ARCMaxSignatures 3, changed before set 2", "list-mod.eml",
	  DNS_R_ANSWER, 0, 3, 0, ARC_RES_PASS, "", 2, 0, false },
	{ "ARCMaxSignatures 4", "list-mod.eml", DNS_R_ANSWER, 0, 4, 0,
	  ARC_RES_PASS, "", 2, 2, true },
	{ "ARCMaxHeaderBytes", "chain2.eml", DNS_R_ANSWER, 0, 0, 1000,
	  ARC_RES_FAIL, "ARC fields over 1000 bytes", 2, 0, false },
};

static void
test_chains(void **state)
{
	char *rec = arcfx_key_record();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(chain_cases) / sizeof(chain_cases[0]); i++) {
		const struct chain_case *c = &chain_cases[i];
		struct arc_verifier *v = arcfx_verifier(c->max_sets,
		    c->max_sigs, c->max_bytes);
		const struct arc_result *r;
		struct arcfx_msg m;

		arcfx_load(&m, c->file);
		r = arcfx_judge(v, &m, c->st, rec);
		print_message("%s: arc=%s (%s)\n", c->label,
		    arc_res_name(r->res), r->reason);
		assert_int_equal(r->res, c->want);
		assert_non_null(strstr(r->reason, c->reason));
		assert_int_equal(r->sets, c->sets);
		assert_int_equal(r->oldest_pass, c->oldest_pass);
		assert_int_equal(r->oldest_pass_known, c->oldest_pass_known);
		arc_verifier_free(&v);
		assert_null(v);
		free(m.data);
	}
	free(rec);
}

/* The fixture key (tests/arc/key.txt) with a longer public exponent:
 * 64 bits (2^63+1) is verified and the seal fails; 65 bits (2^64+1) is
 * refused before any work, as each exponent bit costs a multiplication */
#define FIXTURE_E_REC(e) "v=DKIM1; k=rsa; p=MIGlMA0GCSqGSIb3DQEBAQUAA4GTADCBj" \
    "wKBgQDrVs9xyHaWWFV0blyb00/61+sralsf1OMjOhxhqPCSO6+S8niOoTVqHnaCx2EJiC" \
    "jvfOXkvijt/KJO0wp01cH50rtoDHC8sSoMBigwP+KCo0pxqBg7IjjhEHQ8cr1jyoovyBb" \
    "Vu9SIrxh7F1i6wI7xrhirLLYR04oTq30KW91J0QIJA" e "AAAAAAAAAB"

static void
test_key_exponent(void **state)
{
	static const struct {
		const char *rec, *reason;
	} cases[] = {
		{ FIXTURE_E_REC("I"), "did not verify" },
		{ FIXTURE_E_REC("Q"), "key exponent too large" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc_verifier *v = arcfx_verifier(0, 0, 0);
		const struct arc_result *r;
		struct arcfx_msg m;

		arcfx_load(&m, "chain1.eml");
		r = arcfx_judge(v, &m, DNS_R_ANSWER, cases[i].rec);
		print_message("e case %zu: arc=%s (%s)\n", i,
		    arc_res_name(r->res), r->reason);
		assert_int_equal(r->res, ARC_RES_FAIL);
		assert_non_null(strstr(r->reason, cases[i].reason));
		arc_verifier_free(&v);
		free(m.data);
	}
}

/* an incomplete header (a cap hit) fails whatever the chain */
static void
test_incomplete(void **state)
{
	struct arc_verifier *v = arcfx_verifier(0, 0, 0);
	struct arcfx_msg m;

	(void)state;
	arcfx_load(&m, "chain1.eml");
	assert_true(arc_verifier_header(v, m.h[0].name, m.h[0].name_len,
	    m.h[0].value, m.h[0].value_len) >= 0);
	arc_verifier_eoh(v, m.h, m.nh, false);
	arc_verifier_eom(v);
	assert_int_equal(arc_verifier_result(v)->res, ARC_RES_FAIL);
	assert_string_equal(arc_verifier_result(v)->reason,
	    "header fields over the header caps");
	assert_int_equal(arc_verifier_result(v)->sets, 0);
	arc_verifier_free(&v);
	free(m.data);
}

/* test_field_names - ARC field names as MTAs hand them: any case, and
 * with the obsolete white space before the colon (RFC 5322 4.5.1) */
static void
test_field_names(void **state)
{
	static const struct {
		const char *name;
		enum arc_field kind;
	} cases[] = {
		{ "ARC-Seal", ARC_FIELD_SEAL },
		{ "arc-seal", ARC_FIELD_SEAL },
		{ "ARC-Seal ", ARC_FIELD_SEAL },
		{ "ARC-Seal \t ", ARC_FIELD_SEAL },
		{ "ARC-Message-Signature ", ARC_FIELD_AMS },
		{ "ARC-Authentication-Results\t", ARC_FIELD_AAR },
		{ " ARC-Seal", ARC_FIELD_NONE },
		{ "ARC-Seals", ARC_FIELD_NONE },
		{ "ARC-", ARC_FIELD_NONE },
		{ "", ARC_FIELD_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(arc_field_kind((const unsigned char *)cases[i].name,
		    strlen(cases[i].name)), cases[i].kind);
}

/* a chain whose older AMSs each ask another l= makes no more than
 * ARC_VERIFY_MAX_BODIES body hashes: each is a pass over the whole
 * body, and 25 of them would hash a large message 25 times only for
 * header.oldest-pass; those left unhashed leave it unknown */
static void
test_older_bodies_bounded(void **state)
{
	struct arc_verifier *v = arcfx_verifier(0, 0, 0);
	struct buf text = BUF_INIT;
	const struct arc_result *r;
	struct arcfx_msg m;
	unsigned k, sets = 25;

	(void)state;
	for (k = sets; k >= 1; k--) {
		buf_printf(&text, "ARC-Seal: i=%u; cv=%s; a=rsa-sha256; "
		    "d=fuzz.example; s=f1; t=1796177127; b=AAAA\n", k,
		    k == 1 ? "none" : "pass");
		buf_printf(&text, "ARC-Message-Signature: i=%u; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=fuzz.example; s=f1; t=1796177127; "
		    "h=from; l=%u; bh=AAAA; b=AAAA\n", k, k);
		buf_printf(&text, "ARC-Authentication-Results: i=%u; "
		    "fuzz.example; arc=%s\n", k, k == 1 ? "none" : "pass");
	}
	buf_printf(&text, "From: a@fuzz.example\n\n");
	for (k = 0; k < 64; k++)
		buf_printf(&text, "line %u of a body longer than every l=\n", k);
	memset(&m, 0, sizeof(m));
	m.len = text.len;
	m.data = buf_steal(&text);
	arcfx_split(&m);
	r = arcfx_judge(v, &m, DNS_R_NXDOMAIN, NULL);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_true(v->nbodies >= 1);
	assert_true(v->nbodies <= ARC_VERIFY_MAX_BODIES);
	arc_verifier_free(&v);
	free(m.data);
}

/* test_names_and_defaults - the result words and the documented
 * defaults of arc_verify_params_init */
static void
test_names_and_defaults(void **state)
{
	struct arc_verify_params p;

	(void)state;
	assert_string_equal(arc_res_name(ARC_RES_NONE), "none");
	assert_string_equal(arc_res_name(ARC_RES_PASS), "pass");
	assert_string_equal(arc_res_name(ARC_RES_FAIL), "fail");
	assert_string_equal(arc_cv_name(ARC_RES_NONE), "none");
	assert_string_equal(arc_cv_name(ARC_RES_PASS), "pass");
	assert_string_equal(arc_cv_name(ARC_RES_FAIL), "fail");
	memset(&p, 0xa5, sizeof(p));
	arc_verify_params_init(&p);
	assert_int_equal(p.max_sets, ARC_VERIFY_MAX_SETS);
	assert_int_equal(p.max_signatures, ARC_VERIFY_MAX_SIGNATURES);
	assert_int_equal(p.max_header_bytes, ARC_VERIFY_MAX_HEADER_BYTES);
	assert_false(p.allow_rsa_sha1);
	assert_int_equal(p.min_rsa_bits, 1024);
	assert_int_equal(p.max_rsa_bits, 8192);
	assert_int_equal(p.clock_skew, 300);
	assert_int_equal(p.now, 0);
}

/* text_msg - a message of ARC fields written in a short hand, with dummy
 * signatures (the chain's structure is judged before any signature):
 * tokens separated by spaces, each a kind letter, an instance and for a
 * seal its cv= letter (n none, p pass, f fail):
 *   S<i><cv>  ARC-Seal           s<i><cv>  ARC-Seal that does not parse
 *   M<i>      AMS                m<i>      AMS that does not parse
 *   A<i>      AAR
 * then From, a blank line and a body. */
static void
text_msg(struct arcfx_msg *m, const char *spec)
{
	struct buf text = BUF_INIT;
	const char *p = spec;

	while (*p != '\0') {
		char kind = *p++;
		unsigned inst = (unsigned)strtoul(p, (char **)&p, 10);
		const char *cv = "";

		if (kind == 'S' || kind == 's') {
			cv = *p == 'n' ? "none" : *p == 'p' ? "pass" : "fail";
			p++;
		}
		switch (kind) {
		case 'S':
		case 's':
			buf_printf(&text, "ARC-Seal: i=%u; cv=%s; a=%s; "
			    "d=fuzz.example; s=f1; t=1796177127; b=AAAA\n",
			    inst, cv, kind == 'S' ? "rsa-sha256" : "rsa-md5");
			break;
		case 'M':
		case 'm':
			buf_printf(&text, "ARC-Message-Signature: i=%u; "
			    "a=rsa-sha256; c=relaxed/relaxed; d=fuzz.example; "
			    "s=f1; t=1796177127; h=from;%s b=AAAA\n", inst,
			    kind == 'M' ? " bh=AAAA;" : "");
			break;
		case 'A':
			buf_printf(&text, "ARC-Authentication-Results: i=%u; "
			    "fuzz.example; arc=none\n", inst);
			break;
		default:
			fail_msg("bad spec %s", spec);
		}
		while (*p == ' ')
			p++;
	}
	buf_append_str(&text, "From: a@fuzz.example\n\nbody\n");
	memset(m, 0, sizeof(*m));
	m->len = text.len;
	m->data = buf_steal(&text);
	arcfx_split(m);
}

/* RFC 8617 5.2 steps 1-3: what fails the chain before any signature is
 * checked, with its reason, and N as far as the walk went (an instance
 * over the cap that stopped it counts: the chain has that many) */
static void
test_structure(void **state)
{
	static const struct {
		const char *spec;
		size_t max_sets;
		const char *reason;	/* the whole reason */
		unsigned sets;
		unsigned nset;		/* in set[]: not one over the cap */
	} cases[] = {
		{ "S2n M2 A2 S1n M1 A1", 0, "ARC-Seal i=2 has cv=none", 2, 2 },
		{ "S2p M2 A2 S1p M1 A1", 0, "ARC-Seal i=1 has cv=pass", 2, 2 },
		{ "S2p M2 A2 S1f M1 A1", 0, "ARC-Seal i=1 has cv=fail", 2, 2 },
		{ "S2f M2 A2 S1n M1 A1", 0, "ARC-Seal i=2 records cv=fail", 2, 2 },
		{ "S1f M1 A1", 0, "ARC-Seal i=1 records cv=fail", 1, 1 },
		{ "M2 A2 S1n M1 A1", 0,
		  "ARC set i=2 incomplete (no ARC-Seal)", 2, 2 },
		{ "S2p A2 S1n M1 A1", 0,
		  "ARC set i=2 incomplete (no ARC-Message-Signature)", 2, 2 },
		{ "S2p M2 S1n M1 A1", 0,
		  "ARC set i=2 incomplete (no ARC-Authentication-Results)", 2, 2 },
		{ "S2p M2 A2 S1n M1", 0,
		  "ARC set i=1 incomplete (no ARC-Authentication-Results)", 2, 2 },
		{ "S2p M2 A2", 0, "ARC set i=1 incomplete (no ARC-Seal)", 2, 2 },
		{ "S1n S1n M1 A1", 0, "duplicate ARC-Seal i=1", 1, 1 },
		{ "S1n M1 M1 A1", 0, "duplicate ARC-Message-Signature i=1", 1, 1 },
		{ "S1n M1 A1 A1", 0,
		  "duplicate ARC-Authentication-Results i=1", 1, 1 },
		/* a duplicate ends the walk: what follows is not read */
		{ "S1n S1n M2 A2 S2p", 0, "duplicate ARC-Seal i=1", 1, 1 },
		{ "A1 A1 S3p", 0,
		  "duplicate ARC-Authentication-Results i=1", 1, 1 },
		{ "S0n M1 A1", 0, "ARC-Seal without a valid i=", 0, 0 },
		{ "S1n M0 A1", 0,
		  "ARC-Message-Signature without a valid i=", 1, 1 },
		{ "S1n M1 A0", 0,
		  "ARC-Authentication-Results without a valid i=", 1, 1 },
		{ "A0 S2p M2 A2", 0,
		  "ARC-Authentication-Results without a valid i=", 0, 0 },
		/* an instance beyond the array, whatever max_sets says */
		{ "S9999p M1 A1", 0, "more than 50 ARC sets", 9999, 0 },
		{ "S51p M1 A1", 100, "more than 50 ARC sets", 51, 0 },
		{ "M51 S1n M1 A1", 0, "more than 50 ARC sets", 51, 0 },
		{ "S1n M1 A3", 2, "more than 2 ARC sets", 3, 1 },
		{ "A3 S1n M1 A1", 2, "more than 2 ARC sets", 3, 0 },
		/* the seals and the newest AMS must parse; an older AMS
		 * need not (5.2 steps 4-5 only verify the newest) */
		{ "s1n M1 A1", 0, "ARC-Seal i=1: unsupported algorithm", 1, 1 },
		{ "S2p M2 A2 s1n M1 A1", 0,
		  "ARC-Seal i=1: unsupported algorithm", 2, 2 },
		{ "S1n m1 A1", 0, "ARC-Message-Signature i=1: missing bh=", 1, 1 },
		{ "S2p m2 A2 S1n M1 A1", 0,
		  "ARC-Message-Signature i=2: missing bh=", 2, 2 },
		{ "S2p M2 A2 S1n m1 A1", 0,
		  "ARC-Message-Signature i=2: no key answer", 2, 2 },
	};
	const unsigned char *chain;
	size_t i, chain_len;
	unsigned sets;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc_verifier *v = arcfx_verifier(cases[i].max_sets, 0,
		    0);
		const struct arc_result *r;
		struct arcfx_msg m;

		text_msg(&m, cases[i].spec);
		arc_verifier_eoh(v, m.h, m.nh, true);
		/* decided at end of header but for the last case (an older
		 * AMS need not parse): no chain to extend */
		assert_int_equal(arc_verifier_chain(v, &chain, &chain_len,
		    &sets), i + 1 == sizeof(cases) / sizeof(cases[0]));
		arc_verifier_body(v, m.body, m.body_len);
		arc_verifier_eom(v);
		r = arc_verifier_result(v);
		print_message("%s: arc=%s (%s) sets %u\n", cases[i].spec,
		    arc_res_name(r->res), r->reason, r->sets);
		assert_int_equal(r->res, ARC_RES_FAIL);
		assert_string_equal(r->reason, cases[i].reason);
		assert_int_equal(r->sets, cases[i].sets);
		assert_int_equal(r->nset, cases[i].nset);
		assert_false(r->oldest_pass_known);
		arc_verifier_free(&v);
		free(m.data);
	}
}

/* arc_lengths - the ARC fields' value bytes in CRLF form (what the
 * ARCMaxHeaderBytes cap counts at end of header) */
static size_t
arc_lengths(const struct arcfx_msg *m)
{
	size_t i, k, n = 0;

	for (i = 0; i < m->nh; i++) {
		if (arc_field_kind(m->h[i].name, m->h[i].name_len) ==
		    ARC_FIELD_NONE)
			continue;
		n += m->h[i].value_len;
		for (k = 0; k < m->h[i].value_len; k++)
			n += m->h[i].value[k] == '\n';
	}
	return n;
}

/* ARCMaxHeaderBytes: a chain of exactly that many bytes passes, one more
 * fails; over the cap at arrival, no key lookup starts; the walk stops
 * at the field that crosses it */
static void
test_header_bytes(void **state)
{
	char *rec = arcfx_key_record();
	struct arc_verifier *v;
	const struct arc_result *r;
	struct arcfx_msg m, t;
	size_t total, i;
	char want[64];

	(void)state;
	arcfx_load(&m, "chain2.eml");
	total = arc_lengths(&m);
	v = arcfx_verifier(0, 0, total);
	r = arcfx_judge(v, &m, DNS_R_ANSWER, rec);
	assert_int_equal(r->res, ARC_RES_PASS);
	arc_verifier_free(&v);
	v = arcfx_verifier(0, 0, total - 1);
	r = arcfx_judge(v, &m, DNS_R_ANSWER, rec);
	assert_int_equal(r->res, ARC_RES_FAIL);
	snprintf(want, sizeof(want), "ARC fields over %zu bytes", total - 1);
	assert_string_equal(r->reason, want);
	arc_verifier_free(&v);
	/* at arrival: the first field (the seal, about 300 bytes) is over
	 * a 200-byte cap already, and so is every field after it */
	v = arcfx_verifier(0, 0, 200);
	for (i = 0; i < m.nh; i++)
		assert_int_equal(arc_verifier_header(v, m.h[i].name,
		    m.h[i].name_len, m.h[i].value, m.h[i].value_len), -1);
	arc_verifier_free(&v);
	v = arcfx_verifier(0, 0, m.h[0].value_len);
	assert_int_equal(arc_verifier_header(v, m.h[0].name, m.h[0].name_len,
	    m.h[0].value, m.h[0].value_len), 0);
	arc_verifier_free(&v);
	free(m.data);
	/* two fields of two keys: the second starts its lookup while the
	 * two together are within the cap */
	m.data = strdup("ARC-Seal: i=1; cv=none; a=rsa-sha256; "
	    "d=fuzz.example; s=a1; b=AAAA\nARC-Message-Signature: i=1; "
	    "a=rsa-sha256; d=fuzz.example; s=a2; h=from; bh=AAAA; b=AAAA\n"
	    "\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	arcfx_split(&m);
	for (i = 0; i < 2; i++) {
		v = arcfx_verifier(0, 0,
		    m.h[0].value_len + m.h[1].value_len - i);
		assert_int_equal(arc_verifier_header(v, m.h[0].name,
		    m.h[0].name_len, m.h[0].value, m.h[0].value_len), 0);
		assert_int_equal(arc_verifier_header(v, m.h[1].name,
		    m.h[1].name_len, m.h[1].value, m.h[1].value_len),
		    i == 0 ? 1 : -1);
		arc_verifier_free(&v);
	}
	free(m.data);
	/* set 1 written above set 2: the cap trips within set 2 and the
	 * walk ends there, N is 1 */
	text_msg(&t, "S1n M1 A1 S2p M2 A2");
	v = arcfx_verifier(0, 0, t.h[0].value_len + t.h[1].value_len +
	    t.h[2].value_len + 1);
	arc_verifier_eoh(v, t.h, t.nh, true);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_non_null(strstr(r->reason, "ARC fields over"));
	assert_int_equal(r->sets, 1);
	arc_verifier_free(&v);
	free(t.data);
	free(rec);
}

/* seal_field - arc_verifier_header for an ARC-Seal of value text */
static int
seal_field(struct arc_verifier *v, const char *text)
{
	return arc_verifier_header(v, (const unsigned char *)"ARC-Seal", 8,
	    (const unsigned char *)text, strlen(text));
}

/* key lookups: one per distinct key name (chain2 signs all four with
 * one key), -1 for every other field; a second answer, an answer for no
 * lookup and a missing answer */
static void
test_key_lookups(void **state)
{
	char *rec = arcfx_key_record();
	struct arc_verifier *v;
	const struct arc_result *r;
	struct arcfx_msg m;
	size_t i;
	int started = 0;

	(void)state;
	arcfx_load(&m, "chain2.eml");
	v = arcfx_verifier(0, 0, 0);
	for (i = 0; i < m.nh; i++) {
		int idx = arc_verifier_header(v, m.h[i].name, m.h[i].name_len,
		    m.h[i].value, m.h[i].value_len);

		if (i == 0)
			assert_int_equal(idx, 0);
		else
			assert_int_equal(idx, -1);
		started += idx >= 0;
	}
	assert_int_equal(started, 1);
	assert_string_equal(arc_verifier_key_name(v, 0),
	    "f1._domainkey.fuzz.example");
	assert_null(arc_verifier_key_name(v, 1));
	assert_null(arc_verifier_key_name(v, -1));
	/* the first answer counts; no lookup 1 or -1 was started */
	arcfx_answer(v, 0, DNS_R_NXDOMAIN, NULL, NULL);
	arcfx_answer(v, 0, DNS_R_ANSWER, rec, NULL);
	arcfx_answer(v, 1, DNS_R_ANSWER, rec, NULL);
	arcfx_answer(v, -1, DNS_R_ANSWER, rec, NULL);
	arc_verifier_eoh(v, m.h, m.nh, true);
	arc_verifier_body(v, m.body, m.body_len);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason, "ARC-Message-Signature i=2: no key");
	arc_verifier_free(&v);
	/* never answered (or answered with nothing) */
	v = arcfx_verifier(0, 0, 0);
	for (i = 0; i < m.nh; i++)
		(void)arc_verifier_header(v, m.h[i].name, m.h[i].name_len,
		    m.h[i].value, m.h[i].value_len);
	arc_verifier_key_answer(v, 0, NULL);
	arc_verifier_eoh(v, m.h, m.nh, true);
	arc_verifier_body(v, m.body, m.body_len);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason,
	    "ARC-Message-Signature i=2: no key answer");
	arc_verifier_free(&v);
	free(m.data);
	/* key names compare without case: one lookup for d=FUZZ.example
	 * and d=fuzz.example; an AAR starts none */
	m.data = strdup("ARC-Seal: i=1; cv=none; a=rsa-sha256; "
	    "d=FUZZ.example; s=F1; b=AAAA\nARC-Message-Signature: i=1; "
	    "a=rsa-sha256; d=fuzz.example; s=f1; h=from; bh=AAAA; b=AAAA\n"
	    "ARC-Authentication-Results: i=1; x; arc=none\n"
	    "ARC-Message-Signature: i=2; a=rsa-sha256; d=fuzz.example; "
	    "s=f2; h=from; bh=AAAA; b=AAAA\n\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	arcfx_split(&m);
	v = arcfx_verifier(0, 0, 0);
	assert_int_equal(arc_verifier_header(v, m.h[0].name, m.h[0].name_len,
	    m.h[0].value, m.h[0].value_len), 0);
	assert_int_equal(arc_verifier_header(v, m.h[1].name, m.h[1].name_len,
	    m.h[1].value, m.h[1].value_len), -1);
	assert_int_equal(arc_verifier_header(v, m.h[2].name, m.h[2].name_len,
	    m.h[2].value, m.h[2].value_len), -1);
	assert_int_equal(arc_verifier_header(v, m.h[3].name, m.h[3].name_len,
	    m.h[3].value, m.h[3].value_len), 1);
	assert_string_equal(arc_verifier_key_name(v, 1),
	    "f2._domainkey.fuzz.example");
	assert_null(arc_verifier_key_name(v, 2));
	assert_null(arc_verifier_key_name(v, INT_MIN));
	assert_null(arc_verifier_key_name(v, INT_MAX));
	/* after end of header, no lookup starts */
	arc_verifier_eoh(v, m.h, m.nh, true);
	assert_int_equal(seal_field(v, " i=2; cv=pass; a=rsa-sha256; "
	    "d=fuzz.example; s=f9; b=AAAA"), -1);
	arc_verifier_free(&v);
	free(m.data);
	/* a field that does not parse starts none; nor does one beyond
	 * max_sets, while one at max_sets does */
	v = arcfx_verifier(2, 0, 0);
	assert_int_equal(seal_field(v, " i=1; cv=none; a=rsa-md5; "
	    "d=fuzz.example; s=f1; b=AAAA"), -1);
	assert_int_equal(seal_field(v, " i=3; cv=pass; a=rsa-sha256; "
	    "d=fuzz.example; s=f1; b=AAAA"), -1);
	assert_int_equal(seal_field(v, " i=2; cv=pass; a=rsa-sha256; "
	    "d=fuzz.example; s=f1; b=AAAA"), 0);
	arc_verifier_free(&v);
	free(rec);
}

/* what a key answer gives: the first usable TXT record is the key,
 * unless one is revoked; the reason of a failed lookup, a revoked key, an unusable record, a key
 * that does not fit the signature or the size policy */
static void
test_key_answers(void **state)
{
	static const char ed_rec[] = "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	char *rec = arcfx_key_record();
	char *sha1_only = malloc(strlen(rec) + 16);
	char *sha256_only = malloc(strlen(rec) + 16);
	char *cname = malloc(strlen(rec) + 8);
	const struct {
		enum dns_status st;
		const char *rec0, *rec1;
		unsigned min_bits, max_bits;
		const char *reason;	/* "" for a pass */
	} cases[] = {
		{ DNS_R_ANSWER, rec, NULL, 0, 0, "" },
		{ DNS_R_ANSWER, "A", rec, 0, 0, "" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=!!", rec, 0, 0, "" },
		/* a revoked record revokes the key whatever its place (RFC
		 * 6376 6.1.2 leaves the choice among several records open:
		 * dkim_key_pick, as DKIM verification does) */
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=", rec, 0, 0, "key revoked" },
		{ DNS_R_ANSWER, rec, "v=DKIM1; k=rsa; p=", 0, 0, "key revoked" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=", NULL, 0, 0,
		  "key revoked" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=", "v=DKIM1; k=rsa; p=!!", 0,
		  0, "key revoked" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=!!", NULL, 0, 0,
		  "bad base64 in key p=" },
		{ DNS_R_ANSWER, "A", NULL, 0, 0, "no key" },
		{ DNS_R_ANSWER, NULL, NULL, 0, 0, "no key" },
		{ DNS_R_NODATA, NULL, NULL, 0, 0, "no key" },
		{ DNS_R_NXDOMAIN, NULL, NULL, 0, 0, "no key" },
		{ DNS_R_SERVFAIL, NULL, NULL, 0, 0,
		  "key lookup failed (SERVFAIL)" },
		{ DNS_R_BOGUS, NULL, NULL, 0, 0,
		  "key lookup failed DNSSEC validation" },
		{ DNS_R_TIMEOUT, NULL, NULL, 0, 0, "key lookup timed out" },
		{ DNS_R_ERROR, NULL, NULL, 0, 0, "key lookup error" },
		{ DNS_R_ANSWER, ed_rec, NULL, 0, 0, "key type mismatch" },
		{ DNS_R_ANSWER, sha1_only, NULL, 0, 0,
		  "hash not allowed by key h=" },
		{ DNS_R_ANSWER, sha256_only, NULL, 0, 0, "" },
		/* only TXT records are read */
		{ DNS_R_ANSWER, cname, NULL, 0, 0, "no key" },
		{ DNS_R_ANSWER, cname, rec, 0, 0, "" },
		/* the fixture key has 1024 bits */
		{ DNS_R_ANSWER, rec, NULL, 1024, 1024, "" },
		{ DNS_R_ANSWER, rec, NULL, 1025, 0, "key too small" },
		{ DNS_R_ANSWER, rec, NULL, 0, 1023, "key too large" },
	};
	size_t i;

	(void)state;
	assert_non_null(sha1_only);
	assert_non_null(sha256_only);
	assert_non_null(cname);
	strcpy(sha1_only, "v=DKIM1; h=sha1;");
	strcat(sha1_only, rec + strlen("v=DKIM1;"));
	strcpy(sha256_only, "v=DKIM1; h=sha256;");
	strcat(sha256_only, rec + strlen("v=DKIM1;"));
	strcpy(cname, "CNAME:");
	strcat(cname, rec);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc_verify_params p;
		struct arc_verifier *v;
		const struct arc_result *r;
			struct arcfx_msg m;
		size_t k;
		char want[128];

		arc_verify_params_init(&p);
		p.now = ARCFX_NOW;
		if (cases[i].min_bits)
			p.min_rsa_bits = cases[i].min_bits;
		if (cases[i].max_bits)
			p.max_rsa_bits = cases[i].max_bits;
		v = arc_verifier_new(&p);
		arcfx_load(&m, "chain1.eml");
		for (k = 0; k < m.nh; k++) {
			int idx = arc_verifier_header(v, m.h[k].name,
			    m.h[k].name_len, m.h[k].value, m.h[k].value_len);

			if (idx >= 0)
				arcfx_answer(v, idx, cases[i].st, cases[i].rec0,
				    cases[i].rec1);
		}
		arc_verifier_eoh(v, m.h, m.nh, true);
		arc_verifier_body(v, m.body, m.body_len);
		arc_verifier_eom(v);
		r = arc_verifier_result(v);
		print_message("case %zu: arc=%s (%s)\n", i,
		    arc_res_name(r->res), r->reason);
		if (*cases[i].reason == '\0') {
			assert_int_equal(r->res, ARC_RES_PASS);
			assert_string_equal(r->reason, "");
		} else {
			assert_int_equal(r->res, ARC_RES_FAIL);
			snprintf(want, sizeof(want),
			    "ARC-Message-Signature i=1: %s", cases[i].reason);
			assert_string_equal(r->reason, want);
		}
		arc_verifier_free(&v);
		free(m.data);
	}
	free(sha1_only);
	free(sha256_only);
	free(cname);
	free(rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_defaults),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_key_lookups),
		cmocka_unit_test(test_key_answers),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_key_exponent),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_older_bodies_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
