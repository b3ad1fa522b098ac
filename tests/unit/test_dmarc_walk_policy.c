/* test_dmarc_walk_policy.c - DMARC policy choice and alignment: np= and
 * the author's existence, the author domains and the strictest result,
 * pct= and t=, a record without p=, and the DKIM domains checked for
 * alignment (bounded, aligned first, no needless queries) */
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
#include "core/idna.h"
#include "dmarc_fakedns.h"
#include "dmarc_walk_fixtures.h"

static void
test_np_asks_existence_only_when_it_matters(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;
	size_t i;

	(void)state;
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; sp=reject; np=reject");
	dwfx_run(f, "ghost.example.com", NULL, &r);
	for (i = 0; i < f->nlog; i++)
		assert_string_not_equal(f->log[i], "ghost.example.com/A");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);

	f = calloc(1, sizeof(*f));
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; np=reject");
	fake_add(f, "real.example.com", DNS_T_A, DNS_R_ANSWER, NULL);
	fake_add(f, "empty.example.com", DNS_T_MX, DNS_R_ANSWER, NULL);
	dwfx_run(f, "ghost.example.com", NULL, &r);
	assert_true(r.author_nxdomain);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	dwfx_run(f, "real.example.com", NULL, &r);
	assert_false(r.author_nxdomain);
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	dwfx_run(f, "empty.example.com", NULL, &r);	/* NODATA: exists */
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	fake_add(f, "slow.example.com", DNS_T_A, DNS_R_TIMEOUT, NULL);
	dwfx_run(f, "slow.example.com", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	free(f);
}

static void
test_many_dkim_domains_stay_bounded(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_dkim_id ids[40];
	char names[40][64];
	struct dmarc_auth auth = { DMARC_AUTH_FAIL, NULL, NULL, ids, 40 };
	struct dmarc_result r;
	size_t i, n;

	(void)state;
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "a.b.c.d.e.f.g.h.x%zu.evil", i);
		ids[i].res = DMARC_AUTH_PASS;
		ids[i].domain = names[i];
	}
	n = dwfx_run(f, "example.com", &auth, &r);
	assert_true(n <= DMARC_EVAL_MAX_ANSWERS);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	/* the aligned signature still counts even when listed last */
	ids[39].domain = "example.com";
	dwfx_run(f, "example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	free(f);
}

static void
test_author_domains_and_strictest(void **state)
{
	struct mailaddr_list l[2];
	const char *why, *doms[4];
	size_t n;
	struct dmarc_result rs[3];

	(void)state;
	assert_int_equal(mailaddr_parse_list((const unsigned char *)
	    "a@x.example, b@x.example", 24, &l[0], &why), MAILADDR_OK);
	assert_int_equal(mailaddr_parse_list((const unsigned char *)
	    "c@y.example", 11, &l[1], &why), MAILADDR_OK);
	assert_int_equal(dmarc_author_domains(l, 1, doms, 4, &n),
	    DMARC_FROM_SAME_DOMAIN);
	assert_int_equal(n, 1);
	assert_int_equal(dmarc_author_domains(l, 2, doms, 4, &n),
	    DMARC_FROM_MULTI_DOMAIN);
	assert_int_equal(n, 2);
	assert_int_equal(dmarc_author_domains(&l[1], 1, doms, 4, &n),
	    DMARC_FROM_ONE);
	assert_int_equal(dmarc_author_domains(l, 0, doms, 4, &n),
	    DMARC_FROM_NONE);
	mailaddr_list_free(&l[0]);
	mailaddr_list_free(&l[1]);

	memset(rs, 0, sizeof(rs));
	rs[0].result = DMARC_RES_PASS;
	rs[1].result = DMARC_RES_FAIL;
	rs[1].disposition = DMARC_POLICY_QUARANTINE;
	rs[2].result = DMARC_RES_TEMPERROR;
	assert_int_equal(dmarc_result_strictest(rs, 3), 1);
	rs[1].disposition = DMARC_POLICY_NONE;
	assert_int_equal(dmarc_result_strictest(rs, 3), 2);
}

/*
 * The one result several authors get (issue 17): from strictest down, a
 * fail whose policy asks for reject, for quarantine, a temperror (a site
 * may answer 451 and the sender retry), a fail with p=none, permerror,
 * none, pass. Whatever the order of the authors, the pick is the same,
 * and it is a pass only when every author passes.
 */
static void
test_strictest_order(void **state)
{
	struct dmarc_result ranked[7];
	size_t i, j;

	(void)state;
	memset(ranked, 0, sizeof(ranked));
	ranked[0].result = DMARC_RES_FAIL;
	ranked[0].disposition = DMARC_POLICY_REJECT;
	ranked[1].result = DMARC_RES_FAIL;
	ranked[1].disposition = DMARC_POLICY_QUARANTINE;
	ranked[2].result = DMARC_RES_TEMPERROR;
	ranked[3].result = DMARC_RES_FAIL;
	ranked[3].disposition = DMARC_POLICY_NONE;
	ranked[4].result = DMARC_RES_PERMERROR;
	ranked[5].result = DMARC_RES_NONE;
	ranked[6].result = DMARC_RES_PASS;
	for (i = 0; i < 7; i++)
		for (j = 0; j < 7; j++) {
			struct dmarc_result pair[2];
			size_t want = i < j ? 0 : 1;

			pair[0] = ranked[i];
			pair[1] = ranked[j];
			if (i == j)
				continue;
			assert_int_equal(dmarc_result_strictest(pair, 2), want);
			if (i != 6 || j != 6)
				assert_int_not_equal(pair[dmarc_result_strictest(
				    pair, 2)].result, DMARC_RES_PASS);
		}
}

static void
test_bad_author_domain(void **state)
{
	static const char *const bad[] = { "", ".", "a..b", "a b.example",
	    ".example.com" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dmarc_eval *e = dmarc_eval_new(bad[i], &dwfx_opts9989);
		struct dmarc_result r;
		const char *q;
		uint16_t t;

		assert_false(dmarc_eval_next_query(e, &q, &t));
		dmarc_eval_result(e, &r);
		assert_int_equal(r.result, DMARC_RES_NONE);
		dmarc_eval_free(&e);
	}
}

/* same_result - two evaluations decided alike in every reported field */
static void
same_result(const struct dmarc_result *a, const struct dmarc_result *b)
{
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->p, b->p);
	assert_int_equal(a->sp, b->sp);
	assert_int_equal(a->policy, b->policy);
	assert_int_equal(a->disposition, b->disposition);
	assert_int_equal(a->spf_aligned, b->spf_aligned);
	assert_int_equal(a->dkim_aligned, b->dkim_aligned);
	assert_int_equal(a->testing, b->testing);
	assert_int_equal(a->author_nxdomain, b->author_nxdomain);
	assert_string_equal(a->header_from, b->header_from);
	assert_string_equal(a->policy_domain, b->policy_domain);
	assert_string_equal(a->org_domain, b->org_domain);
	assert_string_equal(a->reason, b->reason);
}

/*
 * The shortcuts of issue 18 against the full checks: a name in the form
 * idna_domain gives checks to itself (so dmarc_eval_new_checked and an
 * identifier equal to the author skip IDNA), and an evaluation started
 * either way, with identifiers given raw or checked, decides the same.
 */
static void
test_checked_start_same_as_full(void **state)
{
	static const char *const raw[] = {
		"example.com", "Mail.Example.COM.", "bücher.example",
		"XN--BCHER-KVA.example", "a.b.c.d.e.f.g.h.i.j.example.com",
		"host--name.example", "_x.example", "123.example",
		"sub.bücher.example", "example", "xn--nxasmq6b.example",
		"a..b", "", ".", "x\x01y.example", "xn--zz.example",
	};
	struct fake_dns *f = calloc(1, sizeof(*f));
	static const bool want_org[2] = { false, true };
	size_t i, j, k;

	(void)state;
	assert_non_null(f);
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; sp=quarantine");
	fake_add(f, "_dmarc.xn--bcher-kva.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=quarantine; adkim=s");
	fake_add(f, "_dmarc.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; psd=y");
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		struct idna_name n;
		char out[DMARC_DOMAIN_SIZE];

		if (idna_domain((const unsigned char *)raw[i], strlen(raw[i]),
		    &n, NULL) != IDNA_OK) {
			assert_false(dmarc_walk_valid_domain(raw[i], out));
			continue;
		}
		/* the fixed point */
		assert_true(dmarc_walk_valid_domain(n.ascii, out));
		assert_string_equal(out, n.ascii);
		for (j = 0; j < 2; j++) {
			for (k = 0; k < 4; k++) {
				struct dmarc_eval_opts o = dwfx_opts9989;
				/* identifiers: the raw name, the checked one,
				 * a subdomain, another domain */
				char sub[300];
				struct dmarc_dkim_id ids[2];
				struct dmarc_auth auth;
				struct dmarc_result r1, r2;
				struct dmarc_eval *e1, *e2;

				snprintf(sub, sizeof(sub), "mx.%s", n.ascii);
				memset(&auth, 0, sizeof(auth));
				auth.spf = k % 2 ? DMARC_AUTH_PASS : DMARC_AUTH_FAIL;
				auth.spf_mailfrom_domain = k < 2 ? raw[i] : sub;
				ids[0].res = DMARC_AUTH_PASS;
				ids[0].domain = k < 2 ? n.ascii : "other.example.com";
				ids[1].res = k == 3 ? DMARC_AUTH_TEMPERROR :
				    DMARC_AUTH_PASS;
				ids[1].domain = k == 3 ? n.ascii : sub;
				auth.dkim = ids;
				auth.dkim_count = 2;
				o.want_org_domain = want_org[j];
				e1 = dmarc_eval_new(raw[i], &o);
				e2 = dmarc_eval_new_checked(n.ascii, &o);
				assert_int_equal(fake_drive(f, e1, k % 2, &auth, &r1),
				    fake_drive(f, e2, k % 2, &auth, &r2));
				same_result(&r1, &r2);
				dmarc_eval_free(&e1);
				dmarc_eval_free(&e2);
			}
		}
	}
	free(f);
}

/* roll_100, roll_199 - pct rolls outside 0..99: the eval takes them mod 100 */
static unsigned
roll_100(void)
{
	return 100;
}

static unsigned
roll_199(void)
{
	return 199;
}

static void
test_pct_roll_taken_mod_100(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC7489 };
	struct dmarc_result r;

	(void)state;
	/* RFC 7489 6.6.4: the policy applies when the 0..99 roll is below
	 * pct; a roll of 100 is 0 (applies at pct=50), 199 is 99 (sampled
	 * out at pct=99) */
	fake_add(f, "_dmarc.pct50.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; pct=50");
	fake_add(f, "_dmarc.pct99.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; pct=99");
	o.pct_roll = roll_100;
	fake_run(f, "pct50.example", &o, NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	assert_false(r.sampled_out);
	o.pct_roll = roll_199;
	fake_run(f, "pct99.example", &o, NULL, &r);
	assert_int_equal(r.disposition, DMARC_POLICY_QUARANTINE);
	assert_true(r.sampled_out);
	free(f);
}

static void
test_missing_p_reports_none(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	/* RFC 9989 4.7: a record without p= is taken as p=none, and that
	 * is what the result reports as published */
	fake_add(f, "_dmarc.nop.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; rua=mailto:r@nop.example");
	dwfx_run(f, "nop.example", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	assert_int_equal(r.policy, DMARC_POLICY_NONE);
	free(f);
}

/* asked - whether the fake DNS was asked name/type ("name/TXT") */
static bool
asked(const struct fake_dns *f, const char *what)
{
	size_t i;

	for (i = 0; i < f->nlog; i++)
		if (strcmp(f->log[i], what) == 0)
			return true;
	return false;
}

static void
test_alignment_asks_no_needless_dns(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_dkim_id k[2] = { { DMARC_AUTH_PASS, "badexample.com" },
	    { DMARC_AUTH_PASS, "sub.example.com" } };
	struct dmarc_auth auth = { DMARC_AUTH_FAIL, NULL, NULL, k, 2 };
	struct dmarc_result r;

	(void)state;
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	/* a d= that does not end in "." + the author's org domain cannot
	 * share it: its own tree walk is never asked */
	auth.dkim_count = 1;
	dwfx_run(f, "example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_false(asked(f, "_dmarc.badexample.com/TXT"));
	/* an exact match passes before any relaxed check: the relaxed
	 * candidate's walk is not asked (RFC 9989 4.10.2 shortcut) */
	f->nlog = 0;
	k[0].domain = "example.com";
	auth.dkim_count = 2;
	dwfx_run(f, "example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_false(asked(f, "_dmarc.sub.example.com/TXT"));
	free(f);
}

static void
test_testing_flag_only_when_weakened(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	/* RFC 9989 4.7 t=y: reject becomes quarantine and says so; p=none
	 * has nothing to weaken, so the flag stays off */
	fake_add(f, "_dmarc.treject.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; t=y");
	fake_add(f, "_dmarc.tnone.example", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; t=y");
	dwfx_run(f, "treject.example", NULL, &r);
	assert_int_equal(r.disposition, DMARC_POLICY_QUARANTINE);
	assert_true(r.testing);
	dwfx_run(f, "tnone.example", NULL, &r);
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	assert_false(r.testing);
	free(f);
}

static void
test_near_tails_do_not_crowd_out_aligned(void **state)
{
	static const char *const near[] = { "x.com", "ample.com" };
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_dkim_id ids[DMARC_EVAL_MAX_DKIM + 4];
	struct dmarc_auth auth = { DMARC_AUTH_FAIL, NULL, NULL, ids,
	    DMARC_EVAL_MAX_DKIM + 4 };
	struct dmarc_result r;
	size_t i, k;

	(void)state;
	/* only the signatures whose d= ends in the author's last two
	 * labels go first: one shared label (x.com) or a tail that is no
	 * label boundary (ample.com in example.com) is third-party, and a
	 * pile of those must not push the aligned one out */
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	for (k = 0; k < 2; k++) {
		for (i = 0; i + 1 < DMARC_EVAL_MAX_DKIM + 4; i++) {
			ids[i].res = DMARC_AUTH_PASS;
			ids[i].domain = near[k];
		}
		ids[i].res = DMARC_AUTH_PASS;
		ids[i].domain = "mail.example.com";
		dwfx_run(f, "example.com", &auth, &r);
		if (r.result != DMARC_RES_PASS)
			fail_msg("%s: aligned signature dropped", near[k]);
	}
	free(f);
}

static void
test_author_domains_two_fields_one_mailbox(void **state)
{
	struct mailaddr_list l[2] = { { 0, NULL } };
	const char *why, *doms[4];
	size_t n;

	(void)state;
	/* two From fields are never "one header, one mailbox", even when
	 * the first holds only an empty group */
	assert_int_equal(mailaddr_parse_list((const unsigned char *)
	    "c@y.example", 11, &l[1], &why), MAILADDR_OK);
	assert_int_equal(dmarc_author_domains(l, 2, doms, 4, &n),
	    DMARC_FROM_SAME_DOMAIN);
	assert_int_equal(n, 1);
	mailaddr_list_free(&l[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_np_asks_existence_only_when_it_matters),
		cmocka_unit_test(test_many_dkim_domains_stay_bounded),
		cmocka_unit_test(test_author_domains_and_strictest),
		cmocka_unit_test(test_strictest_order),
		cmocka_unit_test(test_bad_author_domain),
		cmocka_unit_test(test_checked_start_same_as_full),
		cmocka_unit_test(test_pct_roll_taken_mod_100),
		cmocka_unit_test(test_missing_p_reports_none),
		cmocka_unit_test(test_alignment_asks_no_needless_dns),
		cmocka_unit_test(test_testing_flag_only_when_weakened),
		cmocka_unit_test(test_near_tails_do_not_crowd_out_aligned),
		cmocka_unit_test(test_author_domains_two_fields_one_mailbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
