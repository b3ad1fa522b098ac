/* test_policy.c - verdicts from results and site choices */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

static const char *const never[] = { "partner.example", NULL };
static const char *const always[] = { "bank.example", NULL };

static struct policy_config
defaults(void)
{
	struct policy_config pc;

	memset(&pc, 0, sizeof(pc));
	pc.never_reject = never;
	pc.always_reject = always;
	return pc;
}

static struct policy_input
input(enum policy_spf spf, enum policy_dmarc dmarc,
    enum policy_disposition disp, const char *from)
{
	struct policy_input in;

	memset(&in, 0, sizeof(in));
	in.spf = spf;
	in.spf_domain = from;
	in.dmarc = dmarc;
	in.dmarc_disposition = disp;
	in.from_domain = from;
	return in;
}

/* an SPF refusal carries the record's explanation (RFC 7208 8.4), as
 * printable ASCII, cut to the reply's room */
static void
test_spf_refusal_explained(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_NONE,
	    POLICY_DISP_NONE, "example.com");
	struct verdict v;
	char longer[600];

	(void)state;
	pc.spf_fail = POLICY_SPF_REJECT;
	in.spf_explanation = "192.0.2.1 is not ours:\tsee \xc3\xa9 100%";
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.text, "SPF check failed for example.com: "
	    "192.0.2.1 is not ours:?see ?? 100%");
	pc.spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC;
	in.dmarc = POLICY_DMARC_FAIL;
	in.spf_explanation = "why";
	policy_at_end(&pc, &in, &v);
	assert_string_equal(v.text, "SPF check failed for example.com and "
	    "DMARC did not pass: why");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	in.spf_explanation = longer;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(strlen(v.text), sizeof(v.text) - 1);
	in.spf_explanation = NULL;
	policy_at_end(&pc, &in, &v);
	assert_string_equal(v.text, "SPF check failed for example.com and "
	    "DMARC did not pass");
}

static void
test_dmarc_reject_gives_550(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL,
	    POLICY_DISP_REJECT, "example.com");
	struct verdict v;

	(void)state;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.rcode, "550");
	assert_string_equal(v.xcode, "5.7.1");
	assert_non_null(strstr(v.text, "example.com"));
	pc.reject_text = "Go away";
	policy_at_end(&pc, &in, &v);
	assert_string_equal(v.text, "Go away");
}

static void
test_reject_mapped_to_quarantine_or_mark(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_NONE, POLICY_DMARC_FAIL,
	    POLICY_DISP_REJECT, "example.com");
	struct verdict v;

	(void)state;
	pc.dmarc_reject = POLICY_REJECT_QUARANTINE;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE);
	pc.dmarc_quarantine = POLICY_QUARANTINE_HEADER;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE_HEADER);
	pc.dmarc_reject = POLICY_REJECT_MARK;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "dmarc-fail-marked");
}

static void
test_quarantine_policy(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_NONE, POLICY_DMARC_FAIL,
	    POLICY_DISP_QUARANTINE, "example.com");
	struct verdict v;

	(void)state;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE);
	assert_non_null(strstr(v.text, "quarantine"));
	pc.dmarc_quarantine = POLICY_QUARANTINE_MARK;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "dmarc-fail-marked");
}

static void
test_pass_none_and_p_none_accept(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in;
	struct verdict v;

	(void)state;
	in = input(POLICY_SPF_PASS, POLICY_DMARC_PASS, POLICY_DISP_NONE, "example.com");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "pass");
	/* accepted, but never called a pass: the why names the failure */
	in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL, POLICY_DISP_NONE, "example.com");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "dmarc-fail-policy-none");
	in = input(POLICY_SPF_NONE, POLICY_DMARC_NONE, POLICY_DISP_NONE, "example.com");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "no-dmarc-policy");
	in = input(POLICY_SPF_PASS, POLICY_DMARC_PERMERROR, POLICY_DISP_NONE, "example.com");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "dmarc-permerror");
}

static void
test_temperror_choice(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_TEMPERROR, POLICY_DMARC_TEMPERROR,
	    POLICY_DISP_NONE, "example.com");
	struct verdict v;

	(void)state;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "dmarc-temperror-accepted");
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	pc.dmarc_temperror = POLICY_TEMP_TEMPFAIL;
	pc.spf_temperror = POLICY_TEMP_TEMPFAIL;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_TEMPFAIL);
	assert_string_equal(v.rcode, "451");
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_TEMPFAIL);
	assert_string_equal(v.xcode, "4.4.3");
}

static void
test_spf_fail_actions(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_NONE,
	    POLICY_DISP_NONE, "example.com");
	struct verdict v;

	(void)state;
	/* default: mark only */
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	pc.spf_fail = POLICY_SPF_REJECT;
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.xcode, "5.7.23");
	pc.spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC;
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	in.dmarc = POLICY_DMARC_PASS;	/* aligned DKIM saved it */
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	/* a trusted ARC sealer vouched for the failure (checks_arc.c):
	 * forwarding broke SPF, ARCTrustedSealerAction none delivers */
	in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL, POLICY_DISP_NONE,
	    "example.com");
	in.dmarc_rescued = true;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	in = input(POLICY_SPF_SOFTFAIL, POLICY_DMARC_FAIL, POLICY_DISP_NONE, "example.com");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	pc.spf_softfail = POLICY_SPF_REJECT_UNLESS_DMARC;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
}

static void
test_local_lists(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in;
	struct verdict v;

	(void)state;
	in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL, POLICY_DISP_REJECT, "mail.partner.example");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "never-reject");
	/* a look-alike is not a subdomain */
	in.from_domain = "evilpartner.example";
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	/* authmilter.conf(5): nor quarantined, tempfailed for a DMARC
	 * temperror, or refused for an SPF failure waiting for DMARC */
	in = input(POLICY_SPF_NONE, POLICY_DMARC_FAIL, POLICY_DISP_QUARANTINE,
	    "partner.example");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "never-reject");
	pc.dmarc_temperror = POLICY_TEMP_TEMPFAIL;
	in = input(POLICY_SPF_NONE, POLICY_DMARC_TEMPERROR, POLICY_DISP_NONE,
	    "partner.example");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	pc.spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC;
	in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL, POLICY_DISP_NONE,
	    "partner.example");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	/* a bad From and several authors come first */
	in.bad_from = "no From field";
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	in.bad_from = NULL;
	in.several_authors_refused = true;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	pc = defaults();
	/* always-reject even without a published policy */
	in = input(POLICY_SPF_NONE, POLICY_DMARC_NONE, POLICY_DISP_NONE, "bank.example");
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.why, "always-reject");
	in.dmarc = POLICY_DMARC_PASS;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
}

static void
test_monitor_only_and_exempt(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL,
	    POLICY_DISP_REJECT, "example.com");
	struct verdict v;

	(void)state;
	pc.monitor_only = true;
	pc.spf_fail = POLICY_SPF_REJECT;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_int_equal(v.intended, VERDICT_REJECT);
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	/* what MAIL FROM would have refused is reported at the end: an
	 * SPF fail rejected outright, an SPF temperror tempfailed, though
	 * DMARC passes */
	in.dmarc = POLICY_DMARC_PASS;
	in.dmarc_disposition = POLICY_DISP_NONE;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_int_equal(v.intended, VERDICT_REJECT);
	assert_string_equal(v.why, "spf-fail");
	in.spf = POLICY_SPF_TEMPERROR;
	pc.spf_temperror = POLICY_TEMP_TEMPFAIL;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_int_equal(v.intended, VERDICT_TEMPFAIL);
	assert_string_equal(v.why, "spf-temperror");
	in.spf = POLICY_SPF_FAIL;
	pc.monitor_only = false;
	in.exempt = true;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(verdict_name(VERDICT_QUARANTINE), "quarantine");
}

/* no usable author (DMARCBadFrom): reject by default, before the local
 * lists; quarantine follows DMARCQuarantineAction; accept delivers */
static void
test_bad_from(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_PASS, POLICY_DMARC_PERMERROR,
	    POLICY_DISP_NONE, NULL);
	struct verdict v;

	(void)state;
	in.bad_from = "no From address";
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.rcode, "550");
	assert_string_equal(v.xcode, "5.7.1");
	assert_string_equal(v.why, "bad-from");
	assert_non_null(strstr(v.text, "no From address"));
	pc.bad_from = POLICY_BAD_FROM_QUARANTINE;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE);
	pc.dmarc_quarantine = POLICY_QUARANTINE_HEADER;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE_HEADER);
	pc.dmarc_quarantine = POLICY_QUARANTINE_MARK;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "bad-from-accepted");
	pc.bad_from = POLICY_BAD_FROM_ACCEPT;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "bad-from-accepted");
	/* monitor mode reports the refusal it would make */
	pc.bad_from = POLICY_BAD_FROM_REJECT;
	pc.monitor_only = true;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_int_equal(v.intended, VERDICT_REJECT);
	/* exempt clients are never judged */
	pc.monitor_only = false;
	in.exempt = true;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
}

/* the reply text keeps the explanation only with room for ": " and one
 * character of it; each reply is ended where its own text ends */
static void
test_spf_explanation_room(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_NONE,
	    POLICY_DISP_NONE, NULL);
	struct verdict v;
	char domain[240], longer[300];
	size_t prefix = strlen("SPF check failed for ");

	(void)state;
	pc.spf_fail = POLICY_SPF_REJECT;
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	in.spf_explanation = longer;
	in.spf_domain = "example.com";
	policy_at_mail_from(&pc, &in, &v);
	in.spf_explanation = "short";
	policy_at_mail_from(&pc, &in, &v);
	assert_string_equal(v.text, "SPF check failed for example.com: short");
	/* 253 bytes of text leave no room */
	memset(domain, 'd', sizeof(domain));
	domain[253 - prefix] = '\0';
	in.spf_domain = domain;
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(strlen(v.text), 253);
	assert_int_equal(v.text[252], 'd');
	/* 252 leave room for ": s" */
	domain[252 - prefix] = '\0';
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(strlen(v.text), 255);
	assert_string_equal(v.text + 252, ": s");
}

/* the verdict at MAIL FROM says what it intends, as the end one does */
static void
test_mail_from_intended(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_NONE,
	    POLICY_DISP_NONE, "example.com");
	struct verdict v;

	(void)state;
	pc.spf_fail = POLICY_SPF_REJECT;
	memset(&v, 0xff, sizeof(v));
	policy_at_mail_from(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_int_equal(v.intended, VERDICT_REJECT);
}

/* no From domain: the local lists name nobody, and no list is the same */
static void
test_lists_without_domain(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_NONE, POLICY_DMARC_NONE,
	    POLICY_DISP_NONE, NULL);
	struct verdict v;

	(void)state;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "no-dmarc-policy");
	pc.always_reject = NULL;
	pc.never_reject = NULL;
	in.from_domain = "bank.example";
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "no-dmarc-policy");
}

/* monitor mode: what MAIL FROM would refuse stands before the DMARC
 * verdict, and the reply codes are dropped with the refusal */
static void
test_monitor_mail_from_first(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL,
	    POLICY_DISP_REJECT, "example.com");
	struct verdict v;

	(void)state;
	pc.monitor_only = true;
	pc.spf_fail = POLICY_SPF_REJECT;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.intended, VERDICT_REJECT);
	assert_string_equal(v.why, "spf-fail");
	assert_null(v.rcode);
	assert_null(v.xcode);
	in.spf = POLICY_SPF_TEMPERROR;
	pc.spf_temperror = POLICY_TEMP_TEMPFAIL;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.intended, VERDICT_TEMPFAIL);
	assert_string_equal(v.why, "spf-temperror");
}

/* a DMARC verdict, or its absence, against an SPF failure that waits
 * for DMARC: the DMARC one wins; a mark-only one leaves SPF to refuse */
static void
test_dmarc_verdict_before_spf_wait(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_FAIL, POLICY_DMARC_FAIL,
	    POLICY_DISP_REJECT, "example.com");
	struct verdict v;

	(void)state;
	pc.spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.why, "dmarc-reject");
	in.dmarc_disposition = POLICY_DISP_QUARANTINE;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE);
	assert_string_equal(v.why, "dmarc-quarantine");
	pc.dmarc_quarantine = POLICY_QUARANTINE_MARK;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.why, "spf-fail");
	in.dmarc_disposition = POLICY_DISP_REJECT;
	pc.dmarc_reject = POLICY_REJECT_MARK;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_REJECT);
	assert_string_equal(v.why, "spf-fail");
}

/* why names the rule: a bad From quarantined, an exempt client */
static void
test_why_of_quarantine_and_exempt(void **state)
{
	struct policy_config pc = defaults();
	struct policy_input in = input(POLICY_SPF_PASS, POLICY_DMARC_PERMERROR,
	    POLICY_DISP_NONE, NULL);
	struct verdict v;

	(void)state;
	in.bad_from = "no From address";
	pc.bad_from = POLICY_BAD_FROM_QUARANTINE;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_QUARANTINE);
	assert_string_equal(v.why, "bad-from");
	in.exempt = true;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(v.kind, VERDICT_ACCEPT);
	assert_string_equal(v.why, "exempt");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_refusal_explained),
		cmocka_unit_test(test_dmarc_reject_gives_550),
		cmocka_unit_test(test_reject_mapped_to_quarantine_or_mark),
		cmocka_unit_test(test_quarantine_policy),
		cmocka_unit_test(test_pass_none_and_p_none_accept),
		cmocka_unit_test(test_temperror_choice),
		cmocka_unit_test(test_spf_fail_actions),
		cmocka_unit_test(test_local_lists),
		cmocka_unit_test(test_monitor_only_and_exempt),
		cmocka_unit_test(test_bad_from),
		cmocka_unit_test(test_spf_explanation_room),
		cmocka_unit_test(test_mail_from_intended),
		cmocka_unit_test(test_lists_without_domain),
		cmocka_unit_test(test_monitor_mail_from_first),
		cmocka_unit_test(test_dmarc_verdict_before_spf_wait),
		cmocka_unit_test(test_why_of_quarantine_and_exempt),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
