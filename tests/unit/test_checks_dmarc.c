/* test_checks_dmarc.c - the milter's DMARC glue (src/milter/checks_dmarc.c)
 *
 * The evaluation itself is tested in test_dmarc_*; here what the glue
 * adds: From fields collected into author domains, the strictest of
 * several chosen, the A-R entry written, the policy input filled, and the
 * early lookups used instead of asking again. A fake resolver answers.
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

#include "milter/checks_dmarc.h"
#include "temp_file.h"

static const struct dns_fake_record zone[] = {
	{ "_dmarc.reject.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; adkim=s; aspf=s", 0, 0 },
	{ "_dmarc.quar.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=quarantine; sp=none", 0, 0 },
	{ "_dmarc.none.test", DNS_T_TXT, DNS_R_ANSWER, "v=DMARC1; p=none", 0, 0 },
	{ "_dmarc.nop.test", DNS_T_TXT, DNS_R_ANSWER, "v=DMARC1; sp=reject", 0, 0 },
	{ "_dmarc.fail.test", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "_dmarc.psd.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=y", 0, 0 },
	{ "_dmarc.own.psd.test", DNS_T_TXT, DNS_R_ANSWER,
	    "v=DMARC1; p=reject; psd=n", 0, 0 },
};

/* One message's DMARC: its state, resolver, A-R and policy input */
struct run {
	struct checks_dmarc d;
	struct dns_resolver *r;
	struct arena arena;
	struct dns_budget budget;
	struct authres ar;
	struct policy_input in;
	bool ok;
};

static int
group_setup(void **state)
{
	const char *why;

	(void)state;
	return checks_dmarc_init(NULL, &why) ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	checks_dmarc_deinit();
	return 0;
}

/* start - a fresh message; the resolver answers from zone */
static void
start(struct run *t)
{
	memset(t, 0, sizeof(*t));
	checks_dmarc_state_init(&t->d);
	t->r = dns_resolver_new_fake(zone, sizeof(zone) / sizeof(zone[0]), 0);
	arena_init(&t->arena, 4096, 4096);
	dns_budget_init(&t->budget, 0);
	authres_init(&t->ar, "mx.test");
}

/* from_want - a From field's value arrives; want: enum checks_dmarc_want */
static void
from_want(struct run *t, unsigned want, const char *value)
{
	checks_dmarc_from(&t->d, t->r, &t->arena, DMARC_MODE_RFC9989, want,
	    value);
}

static void
from(struct run *t, const char *value)
{
	from_want(t, 0, value);
}

/* finish - end of message with auth; the A-R value */
static const char *
finish(struct run *t, bool reject_multi, const struct dmarc_auth *auth)
{
	static const struct dmarc_auth none;

	t->ok = checks_dmarc_eom(&t->d, t->r, 0, &t->budget, reject_multi,
	    auth != NULL ? auth : &none, &t->ar, &t->in);
	return authres_finish(&t->ar);
}

static void
stop(struct run *t)
{
	checks_dmarc_reset(&t->d);
	authres_deinit(&t->ar);
	arena_deinit(&t->arena);
	dns_resolver_free(&t->r);
}

/* a failure under p=reject: the comment, the policy input and the
 * record's strict alignment for ARCTrustedSealers */
static void
test_one_author_fails(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "A <a@reject.test>");
	assert_string_equal(finish(&t, false, NULL), "mx.test;\n\t"
	    "dmarc=fail (p=reject dis=reject) header.from=reject.test "
	    "polrec.p=reject");
	assert_true(t.ok);
	assert_true(t.d.evaluated);
	assert_int_equal(t.in.dmarc, POLICY_DMARC_FAIL);
	assert_int_equal(t.in.dmarc_disposition, POLICY_DISP_REJECT);
	assert_string_equal(t.in.from_domain, "reject.test");
	assert_true(t.in.adkim_strict);
	assert_true(t.in.aspf_strict);
	assert_null(t.in.bad_from);
	stop(&t);
}

/* sp beside p, a quarantine disposition, no strict alignment */
static void
test_sp_and_quarantine(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "q@quar.test");
	assert_string_equal(finish(&t, false, NULL), "mx.test;\n\t"
	    "dmarc=fail (p=quarantine sp=none dis=quarantine) "
	    "header.from=quar.test polrec.p=quarantine");
	assert_int_equal(t.in.dmarc_disposition, POLICY_DISP_QUARANTINE);
	assert_false(t.in.adkim_strict);
	assert_false(t.in.aspf_strict);
	stop(&t);
}

/* an aligned DKIM pass: dis=none whatever p says */
static void
test_pass(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "reject.test" };
	struct dmarc_auth auth = { DMARC_AUTH_NONE, NULL, NULL, &k, 1 };
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@reject.test");
	assert_string_equal(finish(&t, false, &auth), "mx.test;\n\t"
	    "dmarc=pass (p=reject dis=none) header.from=reject.test "
	    "polrec.p=reject");
	assert_int_equal(t.in.dmarc, POLICY_DMARC_PASS);
	assert_int_equal(t.in.dmarc_disposition, POLICY_DISP_NONE);
	stop(&t);
}

/* a record without p=: the comment reads it as none (RFC 9989), polrec
 * gives only what was published: no polrec.p */
static void
test_record_without_p(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@nop.test");
	assert_string_equal(finish(&t, false, NULL), "mx.test;\n\t"
	    "dmarc=fail (p=none sp=reject dis=none) header.from=nop.test");
	stop(&t);
}

/* the policy found at the parent: polrec.domain names it */
static void
test_inherited_policy(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@mail.reject.test");
	assert_string_equal(finish(&t, false, NULL), "mx.test;\n\t"
	    "dmarc=fail (p=reject dis=reject) header.from=mail.reject.test "
	    "polrec.p=reject polrec.domain=reject.test");
	stop(&t);
}

/* no record: dmarc=none with its reason, nothing else */
static void
test_no_record(void **state)
{
	struct run t;
	const char *v;

	(void)state;
	start(&t);
	from(&t, "a@absent.test");
	v = finish(&t, false, NULL);
	assert_non_null(strstr(v, "dmarc=none reason="));
	assert_non_null(strstr(v, " header.from=absent.test"));
	assert_null(strchr(v, '('));
	assert_null(strstr(v, "polrec"));
	assert_int_equal(t.in.dmarc, POLICY_DMARC_NONE);
	stop(&t);
}

/* a lookup failure: temperror with its reason */
static void
test_temperror(void **state)
{
	struct run t;
	const char *v;

	(void)state;
	start(&t);
	from(&t, "a@fail.test");
	v = finish(&t, false, NULL);
	assert_non_null(strstr(v, "dmarc=temperror reason="));
	assert_int_equal(t.in.dmarc, POLICY_DMARC_TEMPERROR);
	stop(&t);
}

/* two author domains: the failing one counts, both are named; the same
 * domain again (another case, another field) is not a third */
static void
test_strictest_of_two(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "none.test" };
	struct dmarc_auth auth = { DMARC_AUTH_NONE, NULL, NULL, &k, 1 };
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@none.test, b@reject.test");
	from(&t, "c@NONE.test, d@Reject.test");
	assert_string_equal(finish(&t, false, &auth), "mx.test;\n\t"
	    "dmarc=fail (p=reject dis=reject; authors none.test reject.test) "
	    "header.from=reject.test polrec.p=reject");
	assert_true(t.ok);
	assert_true(t.d.multi_domain);
	assert_int_equal(t.in.dmarc, POLICY_DMARC_FAIL);
	assert_string_equal(t.in.from_domain, "reject.test");
	stop(&t);
}

/* the strictest as the first author, the most authors evaluated: every
 * result is compared (reject over quarantine), none read from past the
 * last */
static void
test_strictest_first_of_four(void **state)
{
	struct dmarc_dkim_id k[] = {
		{ DMARC_AUTH_PASS, "none.test" }, { DMARC_AUTH_PASS, "nop.test" },
	};
	struct dmarc_auth auth = { DMARC_AUTH_NONE, NULL, NULL, k, 2 };
	struct run t;
	const char *v;

	(void)state;
	start(&t);
	from(&t, "a@reject.test, b@none.test, c@quar.test, d@nop.test");
	v = finish(&t, false, &auth);
	assert_non_null(strstr(v, "dmarc=fail (p=reject dis=reject; authors "
	    "reject.test none.test quar.test nop.test) header.from=reject.test"));
	assert_string_equal(t.in.from_domain, "reject.test");
	stop(&t);
}

/* DMARCMultipleFrom reject: refused, nothing evaluated */
static void
test_several_refused(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@none.test");
	from(&t, "b@reject.test");
	assert_string_equal(finish(&t, true, NULL), "mx.test;\n\t"
	    "dmarc=permerror reason=\"several author domains in From\"");
	assert_false(t.ok);
	assert_int_equal(t.in.dmarc, POLICY_DMARC_PERMERROR);
	stop(&t);
}

/* refused after a message that was evaluated: the authors' results,
 * which the log line reads (outcome.c), hold nothing of the last one */
static void
test_refused_after_evaluated(void **state)
{
	struct run t;
	const struct dmarc_result *res;

	(void)state;
	start(&t);
	from_want(&t, CHECKS_DMARC_WANT_ORG, "a@reject.test");
	(void)finish(&t, false, NULL);
	assert_string_equal(t.d.authors[0].res.org_domain, "reject.test");
	checks_dmarc_reset(&t.d);
	from(&t, "a@reject.test, b@none.test");
	(void)finish(&t, true, NULL);
	assert_false(t.ok);
	res = &t.d.authors[0].res;
	assert_int_equal(res->result, DMARC_RES_NONE);
	assert_int_equal(res->p, DMARC_POLICY_UNSET);
	assert_null(res->record);
	assert_string_equal(res->header_from, "");
	assert_string_equal(res->policy_domain, "");
	assert_string_equal(res->org_domain, "");
	stop(&t);
}

/* what is asked beyond the verdict: the organizational domain, and
 * SPF's relaxed alignment beside DKIM's exact pass (the reports') */
static void
test_wants(void **state)
{
	struct dmarc_dkim_id k = { DMARC_AUTH_PASS, "quar.test" };
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "mail.quar.test", NULL,
	    &k, 1 };
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@quar.test");
	(void)finish(&t, false, &auth);
	assert_string_equal(t.in.from_org_domain, "");
	assert_false(t.d.authors[0].res.spf_aligned);
	stop(&t);
	start(&t);
	from_want(&t, CHECKS_DMARC_WANT_ORG | CHECKS_DMARC_ALIGN_EVERY,
	    "a@quar.test");
	(void)finish(&t, false, &auth);
	assert_string_equal(t.in.from_org_domain, "quar.test");
	assert_true(t.d.authors[0].res.spf_aligned);
	assert_true(t.d.authors[0].res.dkim_aligned);
	stop(&t);
}

/* one author domain under reject: evaluated as usual */
static void
test_one_domain_not_refused(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@reject.test, b@reject.test");
	(void)finish(&t, true, NULL);
	assert_true(t.ok);
	assert_false(t.d.multi_domain);
	assert_int_equal(t.in.dmarc, POLICY_DMARC_FAIL);
	stop(&t);
}

/* expect_bad_from - the From problem's permerror and policy input */
static void
expect_bad_from(struct run *t, const char *why)
{
	char want[256];

	(void)snprintf(want, sizeof(want),
	    "mx.test;\n\tdmarc=permerror reason=\"%s\"", why);
	assert_string_equal(finish(t, false, NULL), want);
	assert_true(t->ok);
	assert_int_equal(t->in.dmarc, POLICY_DMARC_PERMERROR);
	assert_string_equal(t->in.bad_from, why);
}

static void
test_no_from(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	expect_bad_from(&t, "no From address");
	stop(&t);
}

/* a From that does not parse spoils the good one beside it */
static void
test_unparsable_from(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@none.test");
	from(&t, "<<<");
	expect_bad_from(&t, "From field cannot be parsed");
	stop(&t);
}

/* CHECKS_MAX_FROM fields are kept, one more is a problem */
static void
test_from_fields_cap(void **state)
{
	struct run t;
	int i;

	(void)state;
	start(&t);
	for (i = 0; i < CHECKS_MAX_FROM; i++)
		from(&t, "a@none.test");
	assert_null(t.d.from_problem);
	from(&t, "a@none.test");
	expect_bad_from(&t, "too many From fields");
	stop(&t);
}

/* CHECKS_MAX_AUTHORS domains are evaluated, one more is a problem */
static void
test_author_domains_cap(void **state)
{
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@a.test, b@b.test, c@c.test, d@d.test");
	assert_int_equal(t.d.author_count, CHECKS_MAX_AUTHORS);
	assert_null(t.d.from_problem);
	from(&t, "e@e.test");
	expect_bad_from(&t, "too many author domains");
	stop(&t);
}

/* a d= of the author's organization, in any case and with the root's
 * dot, is one; another's, an empty or an overlong one is not (256
 * octets: cut to fit, it would be a name under example.com) */
static void
test_author_org(void **state)
{
	static const char tail[] = ".example.com.";
	char longname[DMARC_DOMAIN_SIZE + 1];
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@mail.example.com");
	assert_true(checks_dmarc_author_org(&t.d, "Example.COM."));
	assert_true(checks_dmarc_author_org(&t.d, "other.example.com"));
	assert_false(checks_dmarc_author_org(&t.d, "example.net"));
	assert_false(checks_dmarc_author_org(&t.d, ""));
	memset(longname, 'a', sizeof(longname) - sizeof(tail));
	memcpy(longname + sizeof(longname) - sizeof(tail), tail, sizeof(tail));
	assert_int_equal(strlen(longname), DMARC_DOMAIN_SIZE);
	assert_false(checks_dmarc_author_org(&t.d, longname));
	stop(&t);
}

/* a name the author's walk did not start early (the SPF domain's walk
 * here) is asked, not answered by an early lookup still waiting (the
 * PSD's record, which own.psd.test's psd=n left unused) */
static void
test_prefetch_other_name(void **state)
{
	struct dmarc_auth auth = { DMARC_AUTH_PASS, "mail.own.psd.test", NULL,
	    NULL, 0 };
	struct run t;

	(void)state;
	start(&t);
	from(&t, "a@own.psd.test");
	(void)finish(&t, false, &auth);
	assert_int_equal(t.in.dmarc, POLICY_DMARC_PASS);
	stop(&t);
}

/* the lookups started at the From field, every one the walk may need,
 * are the ones used: none asked again at the end */
static void
test_prefetch_used(void **state)
{
	struct run t;
	uint64_t started;

	(void)state;
	start(&t);
	from(&t, "a@mail.reject.test");
	started = dns_resolver_lookups(t.r);
	assert_true(started > 1);
	(void)finish(&t, false, NULL);
	assert_int_equal(dns_resolver_lookups(t.r), started);
	stop(&t);
}

/* PSLFile: its list decides the organizations, -t tells a usable one
 * from an unusable one, and after deinit no list is used at all */
static void
test_psl_file(void **state)
{
	char path[256];
	const char *why = "unset";
	struct run t;

	(void)state;
	temp_file_write(path, sizeof(path), "com\nexample.com\n");
	assert_null(checks_dmarc_psl_problem(path));
	assert_non_null(checks_dmarc_psl_problem("/nonexistent/psl.dat"));
	checks_dmarc_deinit();
	assert_false(checks_dmarc_init("/nonexistent/psl.dat", &why));
	assert_non_null(why);
	assert_true(checks_dmarc_init(path, &why));
	assert_null(why);
	start(&t);
	/* example.com is a public suffix in this list */
	from(&t, "a@mail.example.com");
	assert_true(checks_dmarc_author_org(&t.d, "x.mail.example.com"));
	assert_false(checks_dmarc_author_org(&t.d, "other.example.com"));
	checks_dmarc_deinit();
	assert_false(checks_dmarc_author_org(&t.d, "mail.example.com"));
	checks_dmarc_deinit();
	stop(&t);
	(void)remove(path);
	assert_true(checks_dmarc_init(NULL, &why));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_author_fails),
		cmocka_unit_test(test_sp_and_quarantine),
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_record_without_p),
		cmocka_unit_test(test_inherited_policy),
		cmocka_unit_test(test_no_record),
		cmocka_unit_test(test_temperror),
		cmocka_unit_test(test_strictest_of_two),
		cmocka_unit_test(test_strictest_first_of_four),
		cmocka_unit_test(test_several_refused),
		cmocka_unit_test(test_refused_after_evaluated),
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_one_domain_not_refused),
		cmocka_unit_test(test_no_from),
		cmocka_unit_test(test_unparsable_from),
		cmocka_unit_test(test_from_fields_cap),
		cmocka_unit_test(test_author_domains_cap),
		cmocka_unit_test(test_author_org),
		cmocka_unit_test(test_prefetch_other_name),
		cmocka_unit_test(test_prefetch_used),
		cmocka_unit_test(test_psl_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
