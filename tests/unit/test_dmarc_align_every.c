/* test_dmarc_align_every.c - the reports' alignment of each identifier
 *
 * DMARC passes on the first aligned identifier, and without reports the
 * evaluation stops there: an exact match asks no tree walk for a relaxed
 * one (RFC 9989 4.10.2). The aggregate report's policy_evaluated and a
 * failure report's Identity-Alignment give DKIM's and SPF's alignment
 * each, so with align_every a relaxed SPF (or DKIM) identifier is found
 * aligned beside an exact DKIM (or SPF) one, at the cost of its walk.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc_fakedns.h"

/* evaluate - example.com (p=reject, relaxed alignment) with auth */
static void
evaluate(bool align_every, const struct dmarc_auth *auth,
    struct dmarc_result *r)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC9989,
	    .align_every = align_every };

	assert_non_null(f);
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_add(f, "_dmarc.mail.example.com", DNS_T_TXT, DNS_R_NXDOMAIN, NULL);
	(void)fake_run(f, "example.com", &o, auth, r);
	free(f);
}

/* DKIM d=example.com exact, SPF for mail.example.com relaxed */
static void
test_relaxed_spf_beside_exact_dkim(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "example.com" };
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "mail.example.com", NULL,
	    &k, 1 };
	struct dmarc_result r;

	(void)state;
	evaluate(false, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_true(r.dkim_aligned);
	assert_false(r.spf_aligned);	/* the shortcut: not looked at */
	evaluate(true, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_true(r.dkim_aligned);
	assert_true(r.spf_aligned);
}

/* SPF example.com exact, DKIM d=mail.example.com relaxed */
static void
test_relaxed_dkim_beside_exact_spf(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "mail.example.com" };
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "example.com", NULL,
	    &k, 1 };
	struct dmarc_result r;

	(void)state;
	evaluate(false, &auth, &r);
	assert_true(r.spf_aligned);
	assert_false(r.dkim_aligned);
	evaluate(true, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_true(r.spf_aligned);
	assert_true(r.dkim_aligned);
}

/* what does not align stays so: another organization's d= and a failed
 * SPF are not made aligned by looking further */
static void
test_unaligned_stays_unaligned(void **state)
{
	struct dmarc_dkim_id k[2] = { { DMARC_AUTH_PASS, "example.com" },
	    { DMARC_AUTH_PASS, "example.net" } };
	struct dmarc_auth auth = { DMARC_AUTH_FAIL, "mail.example.com", NULL,
	    k, 2 };
	struct dmarc_result r;

	(void)state;
	evaluate(true, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_true(r.dkim_aligned);
	assert_false(r.spf_aligned);
	k[0].domain = "example.net";
	auth.spf = DMARC_AUTH_PASS;
	auth.spf_mailfrom_domain = "example.org";
	evaluate(true, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_false(r.dkim_aligned);
	assert_false(r.spf_aligned);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relaxed_spf_beside_exact_dkim),
		cmocka_unit_test(test_relaxed_dkim_beside_exact_spf),
		cmocka_unit_test(test_unaligned_stays_unaligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
