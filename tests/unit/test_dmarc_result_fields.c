/* test_dmarc_result_fields.c - what a DMARC result says besides its word
 * and disposition
 *
 * test_dmarc_cases checks result/disposition (an unset disposition read
 * as none). The rest is read too: the log line's dmarc_reason and
 * dmarc_policy, A-R's header.from and policy.published-domain-policy, the
 * aggregate report's p, sp and policy domain. Each case here pins one of
 * those for one path through the evaluation.
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

static struct fake_dns fake;

/* evaluate - author with opts and auth against the zone below; whether
 * the result pointed at a record is kept in *had_record */
static void
evaluate(const char *author, const struct dmarc_eval_opts *o,
    const struct dmarc_auth *auth, struct dmarc_result *r, bool *had_record)
{
	struct dmarc_eval *e = dmarc_eval_new(author, o);

	(void)fake_drive(&fake, e, false, auth, r);
	if (had_record != NULL)
		*had_record = r->record != NULL;
	r->record = NULL;
	dmarc_eval_free(&e);
}

static const struct dmarc_eval_opts rfc9989 = { .mode = DMARC_MODE_RFC9989 };

/* a pass: the published p and sp, the record, the author, no disposition */
static void
test_pass_fields(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "example.com" };
	struct dmarc_auth auth = { DMARC_AUTH_NONE, NULL, NULL, &k, 1 };
	struct dmarc_result r;
	bool had_record;

	(void)state;
	evaluate("example.com", &rfc9989, &auth, &r, &had_record);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_string_equal(r.reason, "aligned identifier passed");
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	assert_true(had_record);
	assert_string_equal(r.header_from, "example.com");
	assert_string_equal(r.policy_domain, "example.com");
}

/* a fail and an aligned temperror: their reasons; a temperror asks
 * for no disposition */
static void
test_fail_and_temperror_fields(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_TEMPERROR, "example.com" };
	struct dmarc_auth auth = { DMARC_AUTH_NONE, NULL, NULL, &k, 1 };
	struct dmarc_result r;

	(void)state;
	evaluate("example.com", &rfc9989, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_string_equal(r.reason, "no aligned identifier passed");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	evaluate("example.com", &rfc9989, &auth, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_string_equal(r.reason, "aligned identifier had a temporary error");
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
}

/* a bad p= with a valid rua acts as p=none; without one it is a
 * permerror that says why */
static void
test_bad_policy_fields(void **state)
{
	struct dmarc_result r;

	(void)state;
	evaluate("badprua.example.org", &rfc9989, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.policy, DMARC_POLICY_NONE);
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	evaluate("badp.example.org", &rfc9989, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_PERMERROR);
	assert_string_equal(r.reason, "invalid p, sp or np tag and no valid rua");
}

/* np= needs to know whether the author exists: a DNS failure there is
 * a temperror that says so */
static void
test_np_lookup_failure_reason(void **state)
{
	struct dmarc_result r;

	(void)state;
	evaluate("slow.ghost.example.org", &rfc9989, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_string_equal(r.reason,
	    "DNS failure checking whether author domain exists");
}

/* no record, and no usable author: each says so, and a result that had
 * a policy domain before (the same storage reused) has none now */
static void
test_no_record_fields(void **state)
{
	struct dmarc_result r;

	(void)state;
	evaluate("example.com", &rfc9989, NULL, &r, NULL);
	assert_string_equal(r.policy_domain, "example.com");
	evaluate("nothing.example", &rfc9989, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_NONE);
	assert_string_equal(r.reason, "no DMARC record");
	assert_string_equal(r.policy_domain, "");
	assert_string_equal(r.header_from, "nothing.example");
	evaluate("", &rfc9989, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_NONE);
	assert_string_equal(r.reason, "no usable author domain");
	assert_string_equal(r.header_from, "");
}

/* org_only: the org domain and its reason, or a DNS failure's */
static void
test_org_only_reasons(void **state)
{
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC9989,
	    .org_only = true };
	struct dmarc_result r;

	(void)state;
	evaluate("mail.example.com", &o, NULL, &r, NULL);
	assert_string_equal(r.reason, "organizational domain only");
	assert_string_equal(r.org_domain, "example.com");
	evaluate("a.broken.example.net", &o, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_string_equal(r.reason,
	    "DNS failure during organizational domain discovery");
}

/* RFC 7489 pct without a roll: the roll is 0, so pct=1 applies */
static void
test_pct_without_roll(void **state)
{
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC7489 };
	struct dmarc_result r;

	(void)state;
	o.psl = psl_builtin();
	assert_non_null(o.psl);
	evaluate("pct1.example.org", &o, NULL, &r, NULL);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	assert_false(r.sampled_out);
}

static int
setup(void **state)
{
	(void)state;
	fake_add(&fake, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; sp=quarantine");
	fake_add(&fake, "_dmarc.badprua.example.org", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=bogus; rua=mailto:r@badprua.example.org");
	fake_add(&fake, "_dmarc.badp.example.org", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=bogus");
	fake_add(&fake, "_dmarc.ghost.example.org", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; np=reject");
	fake_add(&fake, "slow.ghost.example.org", DNS_T_A, DNS_R_TIMEOUT, NULL);
	fake_add(&fake, "_dmarc.broken.example.net", DNS_T_TXT,
	    DNS_R_SERVFAIL, NULL);
	fake_add(&fake, "_dmarc.pct1.example.org", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; pct=1");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_fields),
		cmocka_unit_test(test_fail_and_temperror_fields),
		cmocka_unit_test(test_bad_policy_fields),
		cmocka_unit_test(test_np_lookup_failure_reason),
		cmocka_unit_test(test_no_record_fields),
		cmocka_unit_test(test_org_only_reasons),
		cmocka_unit_test(test_pct_without_roll),
	};

	return cmocka_run_group_tests_name("dmarc_result_fields", tests, setup,
	    NULL);
}
