/* test_policy.c - verdicts from results and site choices */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

static const char *const never[] = { "partner.example", NULL };
static const char *const always[] = { "bank.example", NULL };

/* What a verdict must be, every field of it but the text. */
struct verdict_want {
	enum verdict_kind kind, intended;
	const char *why, *rcode, *xcode;	/* NULL: none */
};

/* One judgement: site choices and results in, a verdict out. */
struct policy_case {
	const char *name;
	bool at_mail_from;		/* else at end of message */
	bool no_lists;			/* else the lists above */
	struct policy_config pc;
	struct policy_input in;		/* spf_domain: from_domain's */
	struct verdict_want want;
	const char *text;		/* the whole text, when not NULL */
	const char *text_has;		/* a part of it, when not NULL */
};

/* the verdicts the rows want most */
#define ACCEPTED(why) { VERDICT_ACCEPT, VERDICT_ACCEPT, why, NULL, NULL }
#define REFUSED(why, xcode) \
	{ VERDICT_REJECT, VERDICT_REJECT, why, "550", xcode }
#define TEMPFAILED(why) \
	{ VERDICT_TEMPFAIL, VERDICT_TEMPFAIL, why, "451", "4.4.3" }
#define HELD(kind, why) { kind, kind, why, NULL, NULL }
#define MONITORED(intended, why) { VERDICT_ACCEPT, intended, why, NULL, NULL }
/* the results the rows start from most */
#define FAIL_REJECT { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL, \
	.dmarc_disposition = POLICY_DISP_REJECT, .from_domain = "example.com" }
#define TEMPERRORS { .spf = POLICY_SPF_TEMPERROR, \
	.dmarc = POLICY_DMARC_TEMPERROR, .from_domain = "example.com" }
#define BAD_FROM { .spf = POLICY_SPF_PASS, .dmarc = POLICY_DMARC_PERMERROR, \
	.bad_from = "no From address" }

static const struct policy_case cases[] = {
	/* an SPF refusal carries the record's explanation (RFC 7208 8.4),
	 * as printable ASCII */
	{ "spf-refusal-explained", .at_mail_from = true,
	    .pc = { .spf_fail = POLICY_SPF_REJECT },
	    .in = { .spf = POLICY_SPF_FAIL, .from_domain = "example.com",
	    .spf_explanation = "192.0.2.1 is not ours:\tsee \xc3\xa9 100%" },
	    .want = REFUSED("spf-fail", "5.7.23"),
	    .text = "SPF check failed for example.com: "
	    "192.0.2.1 is not ours:?see ?? 100%" },
	{ "spf-refusal-explained-at-end",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "example.com", .spf_explanation = "why" },
	    .want = REFUSED("spf-fail", "5.7.23"),
	    .text = "SPF check failed for example.com and DMARC did not pass: "
	    "why" },
	{ "spf-refusal-unexplained-at-end",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "example.com" },
	    .want = REFUSED("spf-fail", "5.7.23"),
	    .text = "SPF check failed for example.com and DMARC did not pass" },

	/* DMARC p=reject, and what the site maps it to */
	{ "dmarc-reject-550", .in = FAIL_REJECT,
	    .want = REFUSED("dmarc-reject", "5.7.1"),
	    .text_has = "example.com" },
	{ "dmarc-reject-own-text", .pc = { .reject_text = "Go away" },
	    .in = FAIL_REJECT,
	    .want = REFUSED("dmarc-reject", "5.7.1"), .text = "Go away" },
	{ "dmarc-reject-as-quarantine",
	    .pc = { .dmarc_reject = POLICY_REJECT_QUARANTINE },
	    .in = { .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_REJECT,
	    .from_domain = "example.com" },
	    .want = HELD(VERDICT_QUARANTINE, "dmarc-quarantine") },
	{ "dmarc-reject-as-quarantine-header",
	    .pc = { .dmarc_reject = POLICY_REJECT_QUARANTINE,
	    .dmarc_quarantine = POLICY_QUARANTINE_HEADER },
	    .in = { .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_REJECT,
	    .from_domain = "example.com" },
	    .want = HELD(VERDICT_QUARANTINE_HEADER, "dmarc-quarantine") },
	{ "dmarc-reject-marked", .pc = { .dmarc_reject = POLICY_REJECT_MARK,
	    .dmarc_quarantine = POLICY_QUARANTINE_HEADER },
	    .in = { .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_REJECT,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("dmarc-fail-marked") },

	/* DMARC p=quarantine */
	{ "dmarc-quarantine-held",
	    .in = { .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_QUARANTINE,
	    .from_domain = "example.com" },
	    .want = HELD(VERDICT_QUARANTINE, "dmarc-quarantine"),
	    .text_has = "quarantine" },
	{ "dmarc-quarantine-marked",
	    .pc = { .dmarc_quarantine = POLICY_QUARANTINE_MARK },
	    .in = { .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_QUARANTINE,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("dmarc-fail-marked") },

	/* accepted, but only a DMARC pass is called a pass */
	{ "dmarc-pass",
	    .in = { .spf = POLICY_SPF_PASS, .dmarc = POLICY_DMARC_PASS,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("pass") },
	{ "dmarc-fail-p-none",
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("dmarc-fail-policy-none") },
	{ "no-dmarc-record", .in = { .from_domain = "example.com" },
	    .want = ACCEPTED("no-dmarc-policy") },
	{ "dmarc-permerror",
	    .in = { .spf = POLICY_SPF_PASS, .dmarc = POLICY_DMARC_PERMERROR,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("dmarc-permerror") },

	/* temperrors: accepted, or tempfailed as the site chooses */
	{ "temperror-accepted-at-end",
	    .in = TEMPERRORS,
	    .want = ACCEPTED("dmarc-temperror-accepted") },
	{ "temperror-accepted-at-mail-from", .at_mail_from = true,
	    .in = TEMPERRORS,
	    .want = ACCEPTED("pass") },
	{ "dmarc-temperror-tempfailed",
	    .pc = { .dmarc_temperror = POLICY_TEMP_TEMPFAIL,
	    .spf_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = TEMPERRORS,
	    .want = TEMPFAILED("dmarc-temperror") },
	{ "spf-temperror-tempfailed", .at_mail_from = true,
	    .pc = { .dmarc_temperror = POLICY_TEMP_TEMPFAIL,
	    .spf_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = TEMPERRORS,
	    .want = TEMPFAILED("spf-temperror") },

	/* SPF fail and softfail: marked by default, refused at MAIL FROM or
	 * at the end unless DMARC passes */
	{ "spf-fail-marked-at-mail-from", .at_mail_from = true,
	    .in = { .spf = POLICY_SPF_FAIL, .from_domain = "example.com" },
	    .want = ACCEPTED("pass") },
	{ "spf-fail-marked-at-end",
	    .in = { .spf = POLICY_SPF_FAIL, .from_domain = "example.com" },
	    .want = ACCEPTED("no-dmarc-policy") },
	{ "spf-fail-rejected-at-mail-from", .at_mail_from = true,
	    .pc = { .spf_fail = POLICY_SPF_REJECT },
	    .in = { .spf = POLICY_SPF_FAIL, .from_domain = "example.com" },
	    .want = REFUSED("spf-fail", "5.7.23") },
	{ "spf-fail-waits-at-mail-from", .at_mail_from = true,
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .from_domain = "example.com" },
	    .want = ACCEPTED("pass") },
	{ "spf-fail-rejected-at-end-without-dmarc",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .from_domain = "example.com" },
	    .want = REFUSED("spf-fail", "5.7.23") },
	{ "spf-fail-saved-by-dmarc-pass",	/* aligned DKIM saved it */
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_PASS,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("pass") },
	/* a trusted ARC sealer vouched for the failure (checks_arc.c):
	 * forwarding broke SPF, ARCTrustedSealerAction none delivers */
	{ "spf-fail-saved-by-arc-sealer",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "example.com", .dmarc_rescued = true },
	    .want = ACCEPTED("dmarc-fail-policy-none") },
	{ "spf-softfail-marked",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_SOFTFAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "example.com" },
	    .want = ACCEPTED("dmarc-fail-policy-none") },
	{ "spf-softfail-rejected-without-dmarc",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC,
	    .spf_softfail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_SOFTFAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "example.com" },
	    .want = REFUSED("spf-fail", "5.7.23") },

	/* the local lists */
	{ "never-reject-subdomain",
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_REJECT,
	    .from_domain = "mail.partner.example" },
	    .want = ACCEPTED("never-reject") },
	{ "never-reject-not-a-look-alike",	/* not a subdomain */
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_REJECT,
	    .from_domain = "evilpartner.example" },
	    .want = REFUSED("dmarc-reject", "5.7.1") },
	/* authmilter.conf(5): nor quarantined, tempfailed for a DMARC
	 * temperror, or refused for an SPF failure waiting for DMARC */
	{ "never-reject-nor-quarantine",
	    .in = { .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_QUARANTINE,
	    .from_domain = "partner.example" },
	    .want = ACCEPTED("never-reject") },
	{ "never-reject-nor-tempfail",
	    .pc = { .dmarc_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = { .dmarc = POLICY_DMARC_TEMPERROR,
	    .from_domain = "partner.example" },
	    .want = ACCEPTED("never-reject") },
	{ "never-reject-nor-spf-wait",
	    .pc = { .dmarc_temperror = POLICY_TEMP_TEMPFAIL,
	    .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "partner.example" },
	    .want = ACCEPTED("never-reject") },
	/* a bad From and several authors come first */
	{ "bad-from-before-never-reject",
	    .pc = { .dmarc_temperror = POLICY_TEMP_TEMPFAIL,
	    .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "partner.example", .bad_from = "no From field" },
	    .want = REFUSED("bad-from", "5.7.1") },
	{ "several-authors-before-never-reject",
	    .pc = { .dmarc_temperror = POLICY_TEMP_TEMPFAIL,
	    .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .from_domain = "partner.example",
	    .several_authors_refused = true },
	    .want = REFUSED("multiple-from", "5.7.1") },
	/* always-reject even without a published policy */
	{ "always-reject-without-policy",
	    .in = { .from_domain = "bank.example" },
	    .want = REFUSED("always-reject", "5.7.1") },
	{ "always-reject-but-dmarc-pass",
	    .in = { .dmarc = POLICY_DMARC_PASS, .from_domain = "bank.example" },
	    .want = ACCEPTED("pass") },
	/* no From domain: the local lists name nobody */
	{ "lists-without-domain",
	    .want = ACCEPTED("no-dmarc-policy") },
	{ "no-lists", .no_lists = true, .in = { .from_domain = "bank.example" },
	    .want = ACCEPTED("no-dmarc-policy") },

	/* monitor mode: what MAIL FROM would refuse is reported at the end,
	 * before the DMARC verdict, without reply codes; nothing is done */
	{ "monitor-spf-fail-at-end",
	    .pc = { .monitor_only = true, .spf_fail = POLICY_SPF_REJECT },
	    .in = FAIL_REJECT,
	    .want = MONITORED(VERDICT_REJECT, "spf-fail") },
	{ "monitor-spf-fail-at-mail-from", .at_mail_from = true,
	    .pc = { .monitor_only = true, .spf_fail = POLICY_SPF_REJECT },
	    .in = FAIL_REJECT,
	    .want = ACCEPTED("pass") },
	{ "monitor-spf-fail-though-dmarc-pass",
	    .pc = { .monitor_only = true, .spf_fail = POLICY_SPF_REJECT },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_PASS,
	    .from_domain = "example.com" },
	    .want = MONITORED(VERDICT_REJECT, "spf-fail") },
	{ "monitor-spf-temperror-though-dmarc-pass",
	    .pc = { .monitor_only = true, .spf_fail = POLICY_SPF_REJECT,
	    .spf_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = { .spf = POLICY_SPF_TEMPERROR, .dmarc = POLICY_DMARC_PASS,
	    .from_domain = "example.com" },
	    .want = MONITORED(VERDICT_TEMPFAIL, "spf-temperror") },
	{ "monitor-spf-temperror-before-dmarc",
	    .pc = { .monitor_only = true, .spf_fail = POLICY_SPF_REJECT,
	    .spf_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = { .spf = POLICY_SPF_TEMPERROR, .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_REJECT,
	    .from_domain = "example.com" },
	    .want = MONITORED(VERDICT_TEMPFAIL, "spf-temperror") },
	/* exempt clients are never judged */
	{ "exempt-at-end", .pc = { .spf_fail = POLICY_SPF_REJECT,
	    .spf_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = { .exempt = true, .spf = POLICY_SPF_FAIL,
	    .dmarc = POLICY_DMARC_PASS, .from_domain = "example.com" },
	    .want = ACCEPTED("exempt") },
	{ "exempt-at-mail-from", .at_mail_from = true,
	    .pc = { .spf_fail = POLICY_SPF_REJECT,
	    .spf_temperror = POLICY_TEMP_TEMPFAIL },
	    .in = { .exempt = true, .spf = POLICY_SPF_FAIL,
	    .dmarc = POLICY_DMARC_PASS, .from_domain = "example.com" },
	    .want = ACCEPTED("pass") },

	/* no usable author (DMARCBadFrom): reject by default, before the
	 * local lists; quarantine follows DMARCQuarantineAction; accept
	 * delivers */
	{ "bad-from-rejected", .in = BAD_FROM,
	    .want = REFUSED("bad-from", "5.7.1"),
	    .text_has = "no From address" },
	{ "bad-from-held", .pc = { .bad_from = POLICY_BAD_FROM_QUARANTINE },
	    .in = BAD_FROM,
	    .want = HELD(VERDICT_QUARANTINE, "bad-from") },
	{ "bad-from-quarantine-header",
	    .pc = { .bad_from = POLICY_BAD_FROM_QUARANTINE,
	    .dmarc_quarantine = POLICY_QUARANTINE_HEADER },
	    .in = BAD_FROM,
	    .want = HELD(VERDICT_QUARANTINE_HEADER, "bad-from") },
	{ "bad-from-quarantine-marked",
	    .pc = { .bad_from = POLICY_BAD_FROM_QUARANTINE,
	    .dmarc_quarantine = POLICY_QUARANTINE_MARK },
	    .in = BAD_FROM,
	    .want = ACCEPTED("bad-from-accepted") },
	{ "bad-from-accepted", .pc = { .bad_from = POLICY_BAD_FROM_ACCEPT,
	    .dmarc_quarantine = POLICY_QUARANTINE_MARK },
	    .in = BAD_FROM,
	    .want = ACCEPTED("bad-from-accepted") },
	/* monitor mode reports the refusal it would make */
	{ "bad-from-monitored", .pc = { .monitor_only = true,
	    .dmarc_quarantine = POLICY_QUARANTINE_MARK },
	    .in = BAD_FROM,
	    .want = MONITORED(VERDICT_REJECT, "bad-from") },
	{ "bad-from-exempt",
	    .pc = { .dmarc_quarantine = POLICY_QUARANTINE_MARK },
	    .in = { .exempt = true, .spf = POLICY_SPF_PASS,
	    .dmarc = POLICY_DMARC_PERMERROR, .bad_from = "no From address" },
	    .want = ACCEPTED("exempt") },
	{ "bad-from-held-but-exempt",
	    .pc = { .bad_from = POLICY_BAD_FROM_QUARANTINE },
	    .in = { .exempt = true, .spf = POLICY_SPF_PASS,
	    .dmarc = POLICY_DMARC_PERMERROR, .bad_from = "no From address" },
	    .want = ACCEPTED("exempt") },

	/* a DMARC verdict, or its absence, against an SPF failure that waits
	 * for DMARC: the DMARC one wins; a mark-only one leaves SPF to
	 * refuse */
	{ "dmarc-reject-before-spf-wait",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = FAIL_REJECT,
	    .want = REFUSED("dmarc-reject", "5.7.1") },
	{ "dmarc-quarantine-before-spf-wait",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_QUARANTINE,
	    .from_domain = "example.com" },
	    .want = HELD(VERDICT_QUARANTINE, "dmarc-quarantine") },
	{ "dmarc-quarantine-marked-then-spf-wait",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC,
	    .dmarc_quarantine = POLICY_QUARANTINE_MARK },
	    .in = { .spf = POLICY_SPF_FAIL, .dmarc = POLICY_DMARC_FAIL,
	    .dmarc_disposition = POLICY_DISP_QUARANTINE,
	    .from_domain = "example.com" },
	    .want = REFUSED("spf-fail", "5.7.23") },
	{ "dmarc-reject-marked-then-spf-wait",
	    .pc = { .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC,
	    .dmarc_quarantine = POLICY_QUARANTINE_MARK,
	    .dmarc_reject = POLICY_REJECT_MARK },
	    .in = FAIL_REJECT,
	    .want = REFUSED("spf-fail", "5.7.23") },
};

/* expect_kind - a verdict kind as the row wants it, or the row named */
static void
expect_kind(const char *row, const char *what, enum verdict_kind got,
    enum verdict_kind want)
{
	if (got != want)
		print_message("row %s: %s %d, want %d\n", row, what, (int)got,
		    (int)want);
	assert_int_equal(got, want);
}

/* expect_text - a text as the row wants it (NULL: none), or the row
 * named */
static void
expect_text(const char *row, const char *what, const char *got,
    const char *want)
{
	if (want == NULL) {
		if (got != NULL)
			print_message("row %s: %s \"%s\", want none\n", row,
			    what, got);
		assert_null(got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		print_message("row %s: %s \"%s\", want \"%s\"\n", row, what,
		    got ? got : "(none)", want);
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void
check_case(const struct policy_case *c)
{
	struct policy_config pc = c->pc;
	struct policy_input in = c->in;
	struct verdict v;

	if (!c->no_lists) {
		pc.never_reject = never;
		pc.always_reject = always;
	}
	in.spf_domain = in.from_domain;
	/* every field the verdict has must be set by the call */
	memset(&v, 0xff, sizeof(v));
	if (c->at_mail_from)
		policy_at_mail_from(&pc, &in, &v);
	else
		policy_at_end(&pc, &in, &v);
	expect_kind(c->name, "kind", v.kind, c->want.kind);
	expect_kind(c->name, "intended", v.intended, c->want.intended);
	expect_text(c->name, "why", v.why, c->want.why);
	expect_text(c->name, "rcode", v.rcode, c->want.rcode);
	expect_text(c->name, "xcode", v.xcode, c->want.xcode);
	if (c->text != NULL)
		expect_text(c->name, "text", v.text, c->text);
	if (c->text_has != NULL && strstr(v.text, c->text_has) == NULL)
		fail_msg("row %s: text \"%s\" lacks \"%s\"", c->name, v.text,
		    c->text_has);
}

static void
test_verdicts(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* the reply text keeps the explanation only with room for ": " and one
 * character of it, cut to the reply's room; each reply is ended where
 * its own text ends */
static void
test_spf_explanation_room(void **state)
{
	struct policy_config pc = {
	    .spf_fail = POLICY_SPF_REJECT_UNLESS_DMARC };
	struct policy_input in = { .spf = POLICY_SPF_FAIL,
	    .dmarc = POLICY_DMARC_FAIL, .spf_domain = "example.com" };
	struct verdict v;
	char domain[240], longer[600];
	size_t prefix = strlen("SPF check failed for ");

	(void)state;
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	in.spf_explanation = longer;
	policy_at_end(&pc, &in, &v);
	assert_int_equal(strlen(v.text), sizeof(v.text) - 1);
	pc.spf_fail = POLICY_SPF_REJECT;
	in.dmarc = POLICY_DMARC_NONE;
	longer[300 - 1] = '\0';
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

/* verdict_name - the names the log line uses */
static void
test_verdict_name(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_QUARANTINE), "quarantine");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_spf_explanation_room),
		cmocka_unit_test(test_verdict_name),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
