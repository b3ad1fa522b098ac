/* test_dmarc_walk_tree.c - RFC 9989 DNS Tree Walk: the names asked and
 * in which order, the query cap, PSD records, and which record found on
 * the way is the policy and which name the organizational domain */
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
test_first_query_is_ready_at_once(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("Mail.Example.COM.",
	    &dwfx_opts9989);
	const char *q, *names[8];
	uint16_t t;

	(void)state;
	assert_true(dmarc_eval_next_query(e, &q, &t));
	assert_string_equal(q, "_dmarc.mail.example.com");
	assert_int_equal(t, DNS_T_TXT);
	assert_int_equal(dmarc_eval_prefetch(e, names, 8), 3);
	assert_string_equal(names[1], "_dmarc.example.com");
	assert_string_equal(names[2], "_dmarc.com");
	dmarc_eval_free(&e);
}

static void
test_query_cap_rfc_example(void **state)
{
	/* RFC 9989 4.10: the eight queries of its own example */
	static const char *const want[] = {
		"_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com/TXT",
		"_dmarc.g.h.i.j.mail.example.com/TXT",
		"_dmarc.h.i.j.mail.example.com/TXT",
		"_dmarc.i.j.mail.example.com/TXT",
		"_dmarc.j.mail.example.com/TXT",
		"_dmarc.mail.example.com/TXT",
		"_dmarc.example.com/TXT",
		"_dmarc.com/TXT",
	};
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;
	size_t i;

	(void)state;
	assert_int_equal(dwfx_run(f, "a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    NULL, &r), 8);
	assert_int_equal(f->nlog, 8);
	for (i = 0; i < 8; i++)
		assert_string_equal(f->log[i], want[i]);
	assert_int_equal(r.result, DMARC_RES_NONE);
	free(f);
}

static void
test_query_count_by_depth(void **state)
{
	static const struct { const char *d; size_t n; } t[] = {
		{ "com", 1 }, { "example.com", 2 }, { "a.b.c.d.e.f.g", 7 },
		{ "a.b.c.d.e.f.g.h", 8 }, { "a.b.c.d.e.f.g.h.i", 8 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fake_dns *f = calloc(1, sizeof(*f));
		struct dmarc_result r;

		if (dwfx_run(f, t[i].d, NULL, &r) != t[i].n)
			fail_msg("%s: %zu queries", t[i].d, f->nlog);
		free(f);
	}
}

static void
test_psd_n_at_start_stops(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "b.dept.example.com", NULL,
	    NULL, 0 };
	struct dmarc_result r;

	(void)state;
	fake_add(f, "_dmarc.dept.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=n");
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none");
	/* author dept.example.com: its own org domain; SPF from a subdomain
	 * aligns relaxed (org of b.dept.example.com is dept.example.com) */
	dwfx_run(f, "dept.example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_string_equal(r.org_domain, "dept.example.com");
	/* the author walk never asked _dmarc.example.com or _dmarc.com ... */
	{
		size_t i;

		for (i = 0; i < f->nlog; i++)
			assert_string_not_equal(f->log[i], "_dmarc.com/TXT");
	}
	/* ... and example.com mail does not align with dept.example.com */
	auth.spf_mailfrom_domain = "example.com";
	dwfx_run(f, "dept.example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);
}

static void
test_psd_y_org_is_one_below(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	fake_add(f, "_dmarc.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; sp=quarantine; psd=y");
	fake_add(f, "a.mail.example.com", DNS_T_A, DNS_R_ANSWER, NULL);
	dwfx_run(f, "a.mail.example.com", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_string_equal(r.org_domain, "example.com");
	assert_string_equal(r.policy_domain, "com");	/* PSD policy */
	assert_int_equal(r.policy, DMARC_POLICY_QUARANTINE);	/* sp */
	free(f);
}

static void
test_psd_y_at_author_is_own_org(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "psd.example", NULL, NULL, 0 };
	struct dmarc_result r;

	(void)state;
	fake_add(f, "_dmarc.psd.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=y");
	dwfx_run(f, "psd.example", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_int_equal(f->nlog, 1);
	free(f);
}

static void
test_intermediate_record_is_not_policy(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	/* RFC 9989 4.10.1: policy from author, org domain or PSD only */
	fake_add(f, "_dmarc.mail.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none");
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_add(f, "x.a.mail.example.com", DNS_T_A, DNS_R_ANSWER, NULL);
	dwfx_run(f, "x.a.mail.example.com", NULL, &r);
	assert_string_equal(r.org_domain, "example.com");
	assert_string_equal(r.policy_domain, "example.com");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);
}

/* org_of - the org_only evaluation of name (report addresses) */
static void
org_of(struct fake_dns *f, const char *name, struct dmarc_result *r)
{
	static const struct dmarc_eval_opts org_only = {
		.mode = DMARC_MODE_RFC9989, .org_only = true };

	(void)fake_run(f, name, &org_only, NULL, r);
}

static void
test_org_only(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;
	size_t i;

	(void)state;
	/* a record that is no valid policy still names the organisation
	 * (RFC 9989 4.10.2), and np= asks nothing: TXT queries only */
	fake_add(f, "_dmarc.corp.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=bogus; np=reject");
	org_of(f, "mail.corp.example", &r);
	assert_string_equal(r.org_domain, "corp.example");
	assert_int_not_equal(r.result, DMARC_RES_TEMPERROR);
	for (i = 0; i < f->nlog; i++)
		assert_non_null(strstr(f->log[i], "/TXT"));
	/* below a psd=y record: one label below it */
	fake_add(f, "_dmarc.psd.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; psd=y");
	org_of(f, "a.b.psd.example", &r);
	assert_string_equal(r.org_domain, "b.psd.example");
	/* no record on the way: the name itself */
	org_of(f, "host.nowhere.example", &r);
	assert_string_equal(r.org_domain, "host.nowhere.example");
	/* a DNS failure on the way: temperror, no organisation */
	fake_add(f, "_dmarc.broken.example", DNS_T_TXT, DNS_R_SERVFAIL, NULL);
	org_of(f, "mx.broken.example", &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_string_equal(r.org_domain, "");
	free(f);
}

static void
test_prefetch_and_sequential_agree(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "news.example.co.uk" };
	struct dmarc_auth auth = { DMARC_AUTH_FAIL, "x.example", NULL, &k, 1 };
	struct dmarc_result r1, r2;
	struct dmarc_eval *e;

	(void)state;
	fake_add(f, "_dmarc.example.co.uk", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=quarantine");
	e = dmarc_eval_new("shop.example.co.uk", &dwfx_opts9989);
	fake_drive(f, e, true, &auth, &r1);
	assert_int_equal(r1.result, DMARC_RES_PASS);
	assert_true(r1.dkim_aligned);
	dmarc_eval_free(&e);
	e = dmarc_eval_new("shop.example.co.uk", &dwfx_opts9989);
	fake_drive(f, e, false, &auth, &r2);
	assert_int_equal(r2.result, r1.result);
	assert_string_equal(r2.org_domain, "example.co.uk");
	dmarc_eval_free(&e);
	free(f);
}

static void
test_prefetch_follows_walk_order(void **state)
{
	/* RFC 9989 4.10: after the author, at most 7 labels, then shorter */
	static const char *const want[] = {
		"_dmarc.a.b.c.d.e.f.g.h.i.example.com",
		"_dmarc.e.f.g.h.i.example.com",
		"_dmarc.f.g.h.i.example.com",
	};
	struct dmarc_eval *e = dmarc_eval_new("a.b.c.d.e.f.g.h.i.example.com",
	    &dwfx_opts9989);
	const char *names[DMARC_WALK_MAX_QUERIES];
	size_t i;

	(void)state;
	assert_int_equal(dmarc_eval_prefetch(e, names, DMARC_WALK_MAX_QUERIES),
	    8);
	for (i = 0; i < 3; i++)
		assert_string_equal(names[i], want[i]);
	assert_string_equal(names[7], "_dmarc.com");
	dmarc_eval_free(&e);
}

static void
test_walk_finds_each_record_once(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("a.mail.example.com",
	    &dwfx_opts9989);
	struct dmarc_ctx c = { e, true };
	struct dmarc_walk w;
	struct dmarc_result r;

	(void)state;
	/* RFC 9989 4.10: each shorter name is asked once; a record found
	 * on the way is listed once, longest name first */
	fake_add(f, "_dmarc.mail.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none");
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_drive(f, e, false, NULL, &r);
	assert_int_equal(dmarc_walk_run(&c, "a.mail.example.com", &w), W_DONE);
	assert_int_equal(w.nfound, 2);
	assert_int_equal(w.f[0].labels, 3);
	assert_int_equal(w.f[1].labels, 2);
	dmarc_eval_free(&e);
	free(f);
}

static void
test_psd_y_at_walk_start_is_own_org(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	/* RFC 9989 4.10.2: a psd=y record at the name the walk starts from
	 * makes that name its own organizational domain (not one label
	 * more, which it does not have) */
	fake_add(f, "_dmarc.psd.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; psd=y");
	org_of(f, "psd.example", &r);
	assert_string_equal(r.org_domain, "psd.example");
	free(f);
}

static void
test_psd_policy_over_intermediate_record(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	/* RFC 9989 4.10.1: no record at the author nor at the org domain
	 * (c.gov.example, one below the PSD): the PSD's policy applies, not
	 * a record met on the way */
	fake_add(f, "_dmarc.gov.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=y");
	fake_add(f, "_dmarc.b.c.gov.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none");
	dwfx_run(f, "x.b.c.gov.example", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_string_equal(r.policy_domain, "gov.example");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_query_is_ready_at_once),
		cmocka_unit_test(test_query_cap_rfc_example),
		cmocka_unit_test(test_query_count_by_depth),
		cmocka_unit_test(test_psd_n_at_start_stops),
		cmocka_unit_test(test_psd_y_org_is_one_below),
		cmocka_unit_test(test_psd_y_at_author_is_own_org),
		cmocka_unit_test(test_intermediate_record_is_not_policy),
		cmocka_unit_test(test_org_only),
		cmocka_unit_test(test_prefetch_and_sequential_agree),
		cmocka_unit_test(test_prefetch_follows_walk_order),
		cmocka_unit_test(test_walk_finds_each_record_once),
		cmocka_unit_test(test_psd_y_at_walk_start_is_own_org),
		cmocka_unit_test(test_psd_policy_over_intermediate_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
