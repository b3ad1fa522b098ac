/* test_dmarc_walk_answers.c - the DNS answers a DMARC evaluation is fed:
 * failed, bogus and missing ones, names in any case, and the answer
 * table that stray, repeated or long-named answers must not fill */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/dmarc_walk.h"
#include "dmarc_fakedns.h"
#include "dmarc_walk_fixtures.h"

static void
test_dns_failure_mid_walk(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_SERVFAIL, NULL);
	fake_add(f, "_dmarc.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=y");
	dwfx_run(f, "a.b.example.com", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_int_equal(r.disposition, DMARC_POLICY_UNSET);
	free(f);
}

static void
test_missing_answer_is_timeout(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	struct dmarc_result r;

	(void)state;
	dmarc_eval_result(e, &r);	/* nothing fed */
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	dmarc_eval_free(&e);
}

/* answer names beyond the eval's own name pool go to the heap and are
 * still found and freed (ASan would see a leak or a bad free) */
static void
test_many_long_answer_names(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	struct dns_answer a;
	char name[DMARC_NAME_MAX_LEN + 1];
	size_t i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.status = DNS_R_NXDOMAIN;
	for (i = 0; i < DMARC_EVAL_MAX_ANSWERS + 4; i++) {
		memset(name, 'a' + (int)(i % 26), 200);
		snprintf(name + 200, sizeof(name) - 200, ".n%zu.example", i);
		dmarc_eval_feed(e, name, DNS_T_TXT, &a);
	}
	for (i = 0; i < DMARC_EVAL_MAX_ANSWERS; i++) {
		memset(name, 'a' + (int)(i % 26), 200);
		snprintf(name + 200, sizeof(name) - 200, ".n%zu.example", i);
		assert_non_null(dmarc_walk_find(e, name, DNS_T_TXT));
	}
	dmarc_eval_free(&e);
}

static void
test_org_domain_dns_failure_with_want_org(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC9989,
	    .want_org_domain = true };
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "orgtemp.example" };
	struct dmarc_auth auth = { DMARC_AUTH_FAIL, NULL, NULL, &k, 1 };
	struct dmarc_result r;

	(void)state;
	/* the policy is at the author, its org domain cannot be walked: the
	 * failed walk made for reporting must not count as a known (empty)
	 * org domain, so relaxed alignment still ends in temperror */
	fake_add(f, "_dmarc.a.orgtemp.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_add(f, "_dmarc.orgtemp.example", DNS_T_TXT, DNS_R_SERVFAIL, NULL);
	fake_run(f, "a.orgtemp.example", &o, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_string_equal(r.org_domain, "");
	free(f);
}

static void
test_unasked_types_take_no_answer_slot(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	struct dns_answer none = { .status = DNS_R_NODATA };
	struct dmarc_result r;
	char name[64];
	size_t i;

	(void)state;
	/* answers of types the eval never asks (here MX) are not kept: a
	 * stray feed cannot fill the table and turn later needs into
	 * timeouts */
	for (i = 0; i < DMARC_EVAL_MAX_ANSWERS; i++) {
		snprintf(name, sizeof(name), "n%zu.example.com", i);
		dmarc_eval_feed(e, name, DNS_T_MX, &none);
	}
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_drive(f, e, false, NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	dmarc_eval_free(&e);
	free(f);
}

static void
test_bogus_answer_is_temporary(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	struct dns_answer bogus = { .status = DNS_R_BOGUS };
	struct dmarc_result r;

	(void)state;
	/* a DNSSEC-bogus policy answer is a DNS failure: temperror, not
	 * "no record" */
	dmarc_eval_feed(e, "_dmarc.example.com", DNS_T_TXT, &bogus);
	fake_drive(f, e, false, NULL, &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	dmarc_eval_free(&e);
	free(f);
}

static void
test_answer_names_match_in_any_case(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	static char txt[] = "v=DMARC1; p=reject";
	struct dns_rr rr = { .text = txt, .text_len = sizeof(txt) - 1 };
	struct dns_answer a = { .status = DNS_R_ANSWER, .count = 1, .rr = &rr };
	const char *q;
	uint16_t t;

	(void)state;
	/* DNS names compare without case: an answer stored under another
	 * spelling still answers the walk's question */
	dmarc_eval_feed(e, "_DMARC.Example.COM", DNS_T_TXT, &a);
	assert_false(dmarc_eval_next_query(e, &q, &t));
	dmarc_eval_free(&e);
}

static void
test_full_answer_table_asks_no_more(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	struct dns_answer nx = { .status = DNS_R_NXDOMAIN };
	struct dmarc_result r;
	char name[64];
	const char *q;
	uint16_t t;
	size_t i;

	(void)state;
	/* with DMARC_EVAL_MAX_ANSWERS kept, a missing answer is a timeout
	 * at once: the eval cannot store another, so asking would loop */
	for (i = 0; i < DMARC_EVAL_MAX_ANSWERS; i++) {
		snprintf(name, sizeof(name), "_dmarc.n%zu.example.net", i);
		dmarc_eval_feed(e, name, DNS_T_TXT, &nx);
	}
	assert_false(dmarc_eval_next_query(e, &q, &t));
	dmarc_eval_result(e, &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	dmarc_eval_free(&e);
}

static void
test_repeated_feed_takes_one_slot(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("example.com", &dwfx_opts9989);
	struct dns_answer nx = { .status = DNS_R_NXDOMAIN };
	struct dmarc_result r;
	size_t i;

	(void)state;
	/* the same (name, type) fed again is kept once: the first answer
	 * stands and repeats cannot fill the table */
	for (i = 0; i < DMARC_EVAL_MAX_ANSWERS; i++)
		dmarc_eval_feed(e, "_dmarc.other.example", DNS_T_TXT, &nx);
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_drive(f, e, false, NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	dmarc_eval_free(&e);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_failure_mid_walk),
		cmocka_unit_test(test_missing_answer_is_timeout),
		cmocka_unit_test(test_many_long_answer_names),
		cmocka_unit_test(test_org_domain_dns_failure_with_want_org),
		cmocka_unit_test(test_unasked_types_take_no_answer_slot),
		cmocka_unit_test(test_bogus_answer_is_temporary),
		cmocka_unit_test(test_answer_names_match_in_any_case),
		cmocka_unit_test(test_full_answer_table_asks_no_more),
		cmocka_unit_test(test_repeated_feed_takes_one_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
