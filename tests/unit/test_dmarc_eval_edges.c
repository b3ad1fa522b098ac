/* test_dmarc_eval_edges.c - the evaluation at its bounds and on reuse
 *
 * The DKIM signatures it keeps (DMARC_EVAL_MAX_DKIM, those near the
 * author first), identifiers replaced by a second dmarc_eval_set_auth,
 * evaluations taken back from the spares, the author domain checked or
 * taken as given, the prefetch list cut to the caller's room, and the
 * choice among several authors' results.
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
static const struct dmarc_eval_opts rfc9989 = { .mode = DMARC_MODE_RFC9989 };

/* evaluate - author with opts and auth against the zone below */
static void
evaluate(const char *author, const struct dmarc_eval_opts *o,
    const struct dmarc_auth *auth, struct dmarc_result *r)
{
	(void)fake_run(&fake, author, o, auth, r);
}

/* the signatures kept: up to DMARC_EVAL_MAX_DKIM beside SPF, those that
 * share the author's last two labels taken before third parties */
static void
test_dkim_cap(void **state)
{
	struct dmarc_dkim_id k[DMARC_EVAL_MAX_DKIM + 1];
	char names[DMARC_EVAL_MAX_DKIM + 1][32];
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "other.example.net", NULL,
	    k, 0 };
	struct dmarc_result r;
	size_t i;

	(void)state;
	/* strict.example.com asks adkim=s: only d=strict.example.com
	 * aligns, here the last of the cap */
	for (i = 0; i < DMARC_EVAL_MAX_DKIM + 1; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "s%zu.example.com", i);
		k[i].res = DMARC_AUTH_PASS;
		k[i].domain = names[i];
	}
	k[DMARC_EVAL_MAX_DKIM - 1].domain = "strict.example.com";
	auth.dkim_count = DMARC_EVAL_MAX_DKIM;
	evaluate("strict.example.com", &rfc9989, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	/* one past the cap is not looked at */
	k[DMARC_EVAL_MAX_DKIM - 1].domain = names[DMARC_EVAL_MAX_DKIM - 1];
	k[DMARC_EVAL_MAX_DKIM].domain = "strict.example.com";
	auth.dkim_count = DMARC_EVAL_MAX_DKIM + 1;
	evaluate("strict.example.com", &rfc9989, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	/* third parties first, the relaxed-aligned one after them: it
	 * shares the author's last two labels, so it is kept */
	for (i = 0; i < DMARC_EVAL_MAX_DKIM; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "t%zu.example.net", i);
		k[i].domain = names[i];
	}
	k[DMARC_EVAL_MAX_DKIM].domain = "b.example.com";
	evaluate("a.example.com", &rfc9989, &auth, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	assert_true(r.dkim_aligned);
}

/* a second dmarc_eval_set_auth replaces the identifiers of the first */
static void
test_auth_replaced(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "example.com" };
	struct dmarc_auth pass = { DMARC_AUTH_NONE, NULL, NULL, &k, 1 };
	struct dmarc_auth none = { DMARC_AUTH_NONE, NULL, NULL, NULL, 0 };
	struct dmarc_eval *e = dmarc_eval_new("example.com", &rfc9989);
	struct dmarc_result r;

	(void)state;
	(void)fake_drive(&fake, e, false, &pass, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	(void)fake_drive(&fake, e, false, &none, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	dmarc_eval_free(&e);
}

/* an evaluation taken back from the spares keeps nothing of the last:
 * an SPF identifier alone is the only one */
static void
test_spare_reused_clean(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "example.com" };
	struct dmarc_auth dkim = { DMARC_AUTH_NONE, NULL, NULL, &k, 1 };
	struct dmarc_auth spf = { DMARC_AUTH_PASS, "other.example.net", NULL,
	    NULL, 0 };
	struct dmarc_result r;

	(void)state;
	evaluate("example.com", &rfc9989, &dkim, &r);
	assert_int_equal(r.result, DMARC_RES_PASS);
	evaluate("example.com", &rfc9989, &spf, &r);
	assert_int_equal(r.result, DMARC_RES_FAIL);
}

/* no author, an empty or over-long checked one: no usable author */
static void
test_unusable_authors(void **state)
{
	char longer[300];
	struct dmarc_eval *e;
	struct dmarc_result r;

	(void)state;
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	e = dmarc_eval_new(NULL, &rfc9989);
	(void)fake_drive(&fake, e, false, NULL, &r);
	assert_string_equal(r.reason, "no usable author domain");
	assert_string_equal(r.header_from, "");
	dmarc_eval_free(&e);
	e = dmarc_eval_new_checked("", &rfc9989);
	(void)fake_drive(&fake, e, false, NULL, &r);
	assert_string_equal(r.reason, "no usable author domain");
	dmarc_eval_free(&e);
	e = dmarc_eval_new_checked(longer, &rfc9989);
	(void)fake_drive(&fake, e, false, NULL, &r);
	assert_string_equal(r.reason, "no usable author domain");
	dmarc_eval_free(&e);
	/* one label is a domain the lookups can ask about */
	e = dmarc_eval_new_checked("x", &rfc9989);
	(void)fake_drive(&fake, e, false, NULL, &r);
	assert_int_equal(r.result, DMARC_RES_NONE);
	assert_string_equal(r.header_from, "x");
	dmarc_eval_free(&e);
}

/* RFC 7489 prefetches the author's name and its PSL org domain's when
 * they differ; the list is cut to the caller's room */
static void
test_prefetch_7489(void **state)
{
	struct dmarc_eval_opts o = { .mode = DMARC_MODE_RFC7489 };
	const char *names[3] = { NULL, NULL, NULL };
	struct dmarc_eval *e;

	(void)state;
	o.psl = psl_builtin();
	assert_non_null(o.psl);
	e = dmarc_eval_new("mail.example.com", &o);
	assert_int_equal(dmarc_eval_prefetch(e, names, 3), 2);
	assert_string_equal(names[0], "_dmarc.mail.example.com");
	assert_string_equal(names[1], "_dmarc.example.com");
	names[1] = NULL;
	assert_int_equal(dmarc_eval_prefetch(e, names, 1), 1);
	assert_null(names[1]);
	dmarc_eval_free(&e);
	e = dmarc_eval_new("example.com", &o);
	assert_int_equal(dmarc_eval_prefetch(e, names, 3), 1);
	dmarc_eval_free(&e);
}

/* among equally strict results the first author's counts */
static void
test_strictest_tie(void **state)
{
	struct dmarc_result rs[2];

	(void)state;
	memset(rs, 0, sizeof(rs));
	rs[0].result = rs[1].result = DMARC_RES_FAIL;
	rs[0].disposition = rs[1].disposition = DMARC_POLICY_REJECT;
	assert_int_equal(dmarc_result_strictest(rs, 2), 0);
	rs[1].disposition = DMARC_POLICY_QUARANTINE;
	assert_int_equal(dmarc_result_strictest(rs, 2), 0);
	rs[0].result = DMARC_RES_PASS;
	rs[0].disposition = DMARC_POLICY_NONE;
	assert_int_equal(dmarc_result_strictest(rs, 2), 1);
}

/* more distinct author domains than the caller's room: the first ones */
static void
test_author_domains_room(void **state)
{
	struct mailaddr a[3] = { { "x", "one.example" }, { "y", "two.example" },
	    { "z", "three.example" } };
	struct mailaddr_list l = { 3, a };
	const char *d[3] = { NULL, NULL, NULL };
	size_t n;

	(void)state;
	assert_int_equal(dmarc_author_domains(&l, 1, d, 2, &n),
	    DMARC_FROM_MULTI_DOMAIN);
	assert_int_equal(n, 2);
	assert_string_equal(d[0], "one.example");
	assert_string_equal(d[1], "two.example");
	assert_null(d[2]);
}

/* room for one domain: a second, different one still makes the answer
 * "several domains" (it said "same domain"), in one field or two */
static void
test_author_domains_room_one(void **state)
{
	struct mailaddr a[2] = { { "x", "one.example" }, { "y", "two.example" } };
	struct mailaddr b[2] = { { "x", "one.example" }, { "y", "one.example" } };
	struct mailaddr_list two_doms = { 2, a }, one_dom = { 2, b };
	struct mailaddr_list fields[2] = { { 1, &a[0] }, { 1, &a[1] } };
	const char *d[1];
	size_t n;

	(void)state;
	assert_int_equal(dmarc_author_domains(&two_doms, 1, d, 1, &n),
	    DMARC_FROM_MULTI_DOMAIN);
	assert_int_equal(n, 1);
	assert_string_equal(d[0], "one.example");
	assert_int_equal(dmarc_author_domains(fields, 2, d, 1, &n),
	    DMARC_FROM_MULTI_DOMAIN);
	assert_int_equal(dmarc_author_domains(&one_dom, 1, d, 1, &n),
	    DMARC_FROM_SAME_DOMAIN);
	assert_int_equal(n, 1);
}

static int
setup(void **state)
{
	(void)state;
	fake_add(&fake, "_dmarc.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject");
	fake_add(&fake, "_dmarc.strict.example.com", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; adkim=s");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dkim_cap),
		cmocka_unit_test(test_auth_replaced),
		cmocka_unit_test(test_spare_reused_clean),
		cmocka_unit_test(test_unusable_authors),
		cmocka_unit_test(test_prefetch_7489),
		cmocka_unit_test(test_strictest_tie),
		cmocka_unit_test(test_author_domains_room),
		cmocka_unit_test(test_author_domains_room_one),
	};

	return cmocka_run_group_tests_name("dmarc_eval_edges", tests, setup,
	    NULL);
}
