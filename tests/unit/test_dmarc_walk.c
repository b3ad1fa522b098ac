/* test_dmarc_walk.c - RFC 9989 DNS Tree Walk, policy choice and alignment */
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

static const struct dmarc_eval_opts opts9989 = { .mode = DMARC_MODE_RFC9989 };

/* run - fake_run in RFC 9989 mode */
static size_t
run(struct fake_dns *f, const char *author, const struct dmarc_auth *auth,
    struct dmarc_result *r)
{
	return fake_run(f, author, &opts9989, auth, r);
}

static void
test_first_query_is_ready_at_once(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("Mail.Example.COM.", &opts9989);
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
	assert_int_equal(run(f, "a.b.c.d.e.f.g.h.i.j.mail.example.com", NULL, &r),
	    8);
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

		if (run(f, t[i].d, NULL, &r) != t[i].n)
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
	run(f, "dept.example.com", &auth, &r);
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
	run(f, "dept.example.com", &auth, &r);
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
	run(f, "a.mail.example.com", NULL, &r);
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
	run(f, "psd.example", &auth, &r);
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
	run(f, "x.a.mail.example.com", NULL, &r);
	assert_string_equal(r.org_domain, "example.com");
	assert_string_equal(r.policy_domain, "example.com");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);
}

static void
test_dns_failure_mid_walk(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;

	(void)state;
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_SERVFAIL, NULL);
	fake_add(f, "_dmarc.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=y");
	run(f, "a.b.example.com", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	assert_int_equal(r.disposition, DMARC_POLICY_UNSET);
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
test_missing_answer_is_timeout(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
	struct dmarc_result r;

	(void)state;
	dmarc_eval_result(e, &r);	/* nothing fed */
	assert_int_equal(r.result, DMARC_RES_TEMPERROR);
	dmarc_eval_free(&e);
}

static void
test_np_asks_existence_only_when_it_matters(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_result r;
	size_t i;

	(void)state;
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; sp=reject; np=reject");
	run(f, "ghost.example.com", NULL, &r);
	for (i = 0; i < f->nlog; i++)
		assert_string_not_equal(f->log[i], "ghost.example.com/A");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);

	f = calloc(1, sizeof(*f));
	fake_add(f, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=none; np=reject");
	fake_add(f, "real.example.com", DNS_T_A, DNS_R_ANSWER, NULL);
	fake_add(f, "empty.example.com", DNS_T_MX, DNS_R_ANSWER, NULL);
	run(f, "ghost.example.com", NULL, &r);
	assert_true(r.author_nxdomain);
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	run(f, "real.example.com", NULL, &r);
	assert_false(r.author_nxdomain);
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	run(f, "empty.example.com", NULL, &r);	/* NODATA: exists */
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	fake_add(f, "slow.example.com", DNS_T_A, DNS_R_TIMEOUT, NULL);
	run(f, "slow.example.com", NULL, &r);
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
	n = run(f, "example.com", &auth, &r);
	assert_true(n <= DMARC_EVAL_MAX_ANSWERS);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	/* the aligned signature still counts even when listed last */
	ids[39].domain = "example.com";
	run(f, "example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
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
	e = dmarc_eval_new("shop.example.co.uk", &opts9989);
	fake_drive(f, e, true, &auth, &r1);
	assert_int_equal(r1.result, DMARC_RES_PASS);
	assert_true(r1.dkim_aligned);
	dmarc_eval_free(&e);
	e = dmarc_eval_new("shop.example.co.uk", &opts9989);
	fake_drive(f, e, false, &auth, &r2);
	assert_int_equal(r2.result, r1.result);
	assert_string_equal(r2.org_domain, "example.co.uk");
	dmarc_eval_free(&e);
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
		struct dmarc_eval *e = dmarc_eval_new(bad[i], &opts9989);
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
				struct dmarc_eval_opts o = opts9989;
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

/* answer names beyond the eval's own name pool go to the heap and are
 * still found and freed (ASan would see a leak or a bad free) */
static void
test_many_long_answer_names(void **state)
{
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
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
	run(f, "nop.example", NULL, &r);
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
	run(f, "example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_false(asked(f, "_dmarc.badexample.com/TXT"));
	/* an exact match passes before any relaxed check: the relaxed
	 * candidate's walk is not asked (RFC 9989 4.10.2 shortcut) */
	f->nlog = 0;
	k[0].domain = "example.com";
	auth.dkim_count = 2;
	run(f, "example.com", &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_false(asked(f, "_dmarc.sub.example.com/TXT"));
	free(f);
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
	run(f, "treject.example", NULL, &r);
	assert_int_equal(r.disposition, DMARC_POLICY_QUARANTINE);
	assert_true(r.testing);
	run(f, "tnone.example", NULL, &r);
	assert_int_equal(r.disposition, DMARC_POLICY_NONE);
	assert_false(r.testing);
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
	    &opts9989);
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
test_unasked_types_take_no_answer_slot(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
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
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
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
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
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
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
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
test_walk_finds_each_record_once(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("a.mail.example.com", &opts9989);
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
	run(f, "x.b.c.gov.example", NULL, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_string_equal(r.policy_domain, "gov.example");
	assert_int_equal(r.disposition, DMARC_POLICY_REJECT);
	free(f);
}

static void
test_repeated_feed_takes_one_slot(void **state)
{
	struct fake_dns *f = calloc(1, sizeof(*f));
	struct dmarc_eval *e = dmarc_eval_new("example.com", &opts9989);
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
		run(f, "example.com", &auth, &r);
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
		cmocka_unit_test(test_first_query_is_ready_at_once),
		cmocka_unit_test(test_query_cap_rfc_example),
		cmocka_unit_test(test_query_count_by_depth),
		cmocka_unit_test(test_psd_n_at_start_stops),
		cmocka_unit_test(test_psd_y_org_is_one_below),
		cmocka_unit_test(test_psd_y_at_author_is_own_org),
		cmocka_unit_test(test_intermediate_record_is_not_policy),
		cmocka_unit_test(test_dns_failure_mid_walk),
		cmocka_unit_test(test_missing_answer_is_timeout),
		cmocka_unit_test(test_org_only),
		cmocka_unit_test(test_np_asks_existence_only_when_it_matters),
		cmocka_unit_test(test_many_dkim_domains_stay_bounded),
		cmocka_unit_test(test_prefetch_and_sequential_agree),
		cmocka_unit_test(test_author_domains_and_strictest),
		cmocka_unit_test(test_strictest_order),
		cmocka_unit_test(test_bad_author_domain),
		cmocka_unit_test(test_checked_start_same_as_full),
		cmocka_unit_test(test_many_long_answer_names),
		cmocka_unit_test(test_pct_roll_taken_mod_100),
		cmocka_unit_test(test_missing_p_reports_none),
		cmocka_unit_test(test_alignment_asks_no_needless_dns),
		cmocka_unit_test(test_org_domain_dns_failure_with_want_org),
		cmocka_unit_test(test_testing_flag_only_when_weakened),
		cmocka_unit_test(test_prefetch_follows_walk_order),
		cmocka_unit_test(test_unasked_types_take_no_answer_slot),
		cmocka_unit_test(test_bogus_answer_is_temporary),
		cmocka_unit_test(test_answer_names_match_in_any_case),
		cmocka_unit_test(test_full_answer_table_asks_no_more),
		cmocka_unit_test(test_walk_finds_each_record_once),
		cmocka_unit_test(test_psd_y_at_walk_start_is_own_org),
		cmocka_unit_test(test_psd_policy_over_intermediate_record),
		cmocka_unit_test(test_repeated_feed_takes_one_slot),
		cmocka_unit_test(test_near_tails_do_not_crowd_out_aligned),
		cmocka_unit_test(test_author_domains_two_fields_one_mailbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
