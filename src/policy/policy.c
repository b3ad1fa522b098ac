/*
 * policy.c - turn check results and the site's choices into one verdict.
 *
 * policy_at_mail_from decides what can be decided at MAIL FROM (an SPF
 * fail the site rejects outright, an SPF temperror it tempfails);
 * policy_at_end decides at end of message, when DMARC is known.
 * Pure: no I/O, no libmilter; the milter layer applies the verdict.
 *
 * Order at end of message: exempt clients are accepted; a message with
 * no usable author (bad_from) follows DMARCBadFromAction; the local
 * always-reject list wins over the never-reject list, which wins over the
 * published policy; DMARC temperror follows the temperror choice; a DMARC
 * fail follows p=/sp=/np= as the site maps reject and quarantine; then SPF
 * fail in "reject unless DMARC passes" mode (a DMARC failure a trusted
 * ARC sealer rescued counts as a pass there: forwarding broke SPF).
 * Monitor-only mode computes all of that for the log but always accepts;
 * what MAIL FROM would have refused (policy_at_mail_from does nothing
 * then) comes first.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "util/str.h"

static const char *const verdict_names[] = {
	"accept", "reject", "tempfail", "quarantine", "quarantine-header"
};

const char *
verdict_name(enum verdict_kind kind)
{
	return verdict_names[kind];
}

/* set - fill a verdict; the text is cut to fit (acceptable for SMTP) */
static void
set(struct verdict *v, enum verdict_kind kind, const char *rcode,
    const char *xcode, const char *why, const char *text)
{
	v->kind = kind;
	v->intended = kind;
	v->rcode = rcode;
	v->xcode = xcode;
	v->why = why;
	(void)snprintf(v->text, sizeof(v->text), "%s", text);
}

/* domain_listed - is domain (or a parent of it) in a NULL-ended list? */
static bool
domain_listed(const char *const *list, const char *domain)
{
	size_t dlen, llen;

	if (list == NULL || domain == NULL)
		return false;
	dlen = strlen(domain);
	for (; *list != NULL; list++) {
		llen = strlen(*list);
		if (llen > dlen)
			continue;
		if (ascii_strcasecmp(domain + dlen - llen, *list) == 0 &&
		    (llen == dlen || domain[dlen - llen - 1] == '.'))
			return true;
	}
	return false;
}

/* spf_fail_text - "SPF check failed for DOMAIN[ and DMARC did not
 * pass]", then the record's explanation (RFC 7208 8.4: the reply text
 * may carry it, for the sender to learn why) as printable ASCII, cut to
 * the reply's room */
static void
spf_fail_text(const struct policy_input *in, bool dmarc_too, char *out,
    size_t size)
{
	const char *e = in->spf_explanation;
	size_t n;

	(void)snprintf(out, size, "SPF check failed for %s%s",
	    in->spf_domain ? in->spf_domain : "sender",
	    dmarc_too ? " and DMARC did not pass" : "");
	if (e == NULL || *e == '\0')
		return;
	n = strlen(out);
	if (n + 3 >= size)
		return;
	out[n++] = ':';
	out[n++] = ' ';
	for (; *e != '\0' && n + 1 < size; e++)
		out[n++] = *e >= 0x20 && *e < 0x7f ? *e : '?';
	out[n] = '\0';
}

/* mail_from_refusal - the refusal SPF alone calls for at MAIL FROM: a
 * fail the site rejects outright, a temperror it tempfails; false when
 * there is none */
static bool
mail_from_refusal(const struct policy_config *pc,
    const struct policy_input *in, struct verdict *v)
{
	char text[256];

	if (in->spf == POLICY_SPF_FAIL && pc->spf_fail == POLICY_SPF_REJECT) {
		/* RFC 7372 3.2: 5.7.23 is the code for an SPF validation failure */
		spf_fail_text(in, false, text, sizeof(text));
		set(v, VERDICT_REJECT, "550", "5.7.23", "spf-fail", text);
		return true;
	}
	if (in->spf == POLICY_SPF_TEMPERROR &&
	    pc->spf_temperror == POLICY_TEMP_TEMPFAIL) {
		set(v, VERDICT_TEMPFAIL, "451", "4.4.3", "spf-temperror",
		    "Temporary DNS error checking SPF; try again later");
		return true;
	}
	return false;
}

void
policy_at_mail_from(const struct policy_config *pc,
    const struct policy_input *in, struct verdict *v)
{
	set(v, VERDICT_ACCEPT, NULL, NULL, "pass", "");
	if (in->exempt || pc->monitor_only)
		return;	/* monitor mode reports SPF at end of message instead */
	(void)mail_from_refusal(pc, in, v);
}

/* dmarc_verdict - the verdict a DMARC failure asks for under site rules */
static bool
dmarc_verdict(const struct policy_config *pc, const struct policy_input *in,
    struct verdict *v)
{
	char text[256];
	int action;

	if (in->dmarc != POLICY_DMARC_FAIL)
		return false;
	if (in->dmarc_disposition == POLICY_DISP_REJECT)
		action = pc->dmarc_reject;
	else if (in->dmarc_disposition == POLICY_DISP_QUARANTINE)
		action = POLICY_REJECT_QUARANTINE;
	else
		return false;
	if (action == POLICY_REJECT_REJECT) {
		if (pc->reject_text != NULL)
			(void)snprintf(text, sizeof(text), "%s", pc->reject_text);
		else
			(void)snprintf(text, sizeof(text),
			    "Message rejected: DMARC policy of %s says reject "
			    "mail that fails authentication",
			    in->from_domain ? in->from_domain : "the sender");
		set(v, VERDICT_REJECT, "550", "5.7.1", "dmarc-reject", text);
		return true;
	}
	if (action == POLICY_REJECT_QUARANTINE) {
		(void)snprintf(text, sizeof(text), "DMARC %s policy of %s",
		    in->dmarc_disposition == POLICY_DISP_REJECT ? "reject" : "quarantine",
		    in->from_domain ? in->from_domain : "the sender");
		if (pc->dmarc_quarantine == POLICY_QUARANTINE_HOLD)
			set(v, VERDICT_QUARANTINE, NULL, NULL, "dmarc-quarantine", text);
		else if (pc->dmarc_quarantine == POLICY_QUARANTINE_HEADER)
			set(v, VERDICT_QUARANTINE_HEADER, NULL, NULL, "dmarc-quarantine", text);
		else
			return false;
		return true;
	}
	return false;
}

/*
 * bad_from_verdict - no single usable author address: nobody can say whose
 * policy applies, and a mail client may still show an author (or the MTA
 * may make one up from the envelope), so by default the message is
 * refused. Quarantine follows the site's quarantine choice.
 */
static bool
bad_from_verdict(const struct policy_config *pc, const struct policy_input *in,
    struct verdict *v)
{
	char text[256];

	if (pc->bad_from == POLICY_BAD_FROM_REJECT) {
		(void)snprintf(text, sizeof(text),
		    "Message rejected: From must name exactly one valid author "
		    "address (%s)", in->bad_from);
		set(v, VERDICT_REJECT, "550", "5.7.1", "bad-from", text);
		return true;
	}
	if (pc->bad_from == POLICY_BAD_FROM_QUARANTINE) {
		(void)snprintf(text, sizeof(text), "no valid author in From (%s)",
		    in->bad_from);
		if (pc->dmarc_quarantine == POLICY_QUARANTINE_HOLD)
			set(v, VERDICT_QUARANTINE, NULL, NULL, "bad-from", text);
		else if (pc->dmarc_quarantine == POLICY_QUARANTINE_HEADER)
			set(v, VERDICT_QUARANTINE_HEADER, NULL, NULL, "bad-from", text);
		else
			return false;
		return true;
	}
	return false;
}

/*
 * accepted_why - why a message is accepted when no rule refused it. Only a
 * DMARC pass is a "pass": a failure the domain asks nothing for (p=none),
 * or that site rules only mark, says so, so a postmaster reading the
 * verdict (authcheck) never sees "pass" for mail that failed DMARC.
 */
static const char *
accepted_why(const struct policy_input *in)
{
	switch (in->dmarc) {
	case POLICY_DMARC_PASS:
		return "pass";
	case POLICY_DMARC_FAIL:
		if (in->dmarc_disposition == POLICY_DISP_NONE)
			return "dmarc-fail-policy-none";
		return "dmarc-fail-marked";
	case POLICY_DMARC_TEMPERROR:	/* DMARCTemperror tempfail sets its own */
		return "dmarc-temperror-accepted";
	case POLICY_DMARC_PERMERROR:
		return "dmarc-permerror";
	case POLICY_DMARC_NONE:
	default:
		return "no-dmarc-policy";
	}
}

/* policy_spf_awaits_dmarc - an SPF fail or softfail the site refuses
 * unless DMARC passes */
bool
policy_spf_awaits_dmarc(const struct policy_config *pc,
    const struct policy_input *in)
{
	return (in->spf == POLICY_SPF_FAIL &&
	    pc->spf_fail == POLICY_SPF_REJECT_UNLESS_DMARC) ||
	    (in->spf == POLICY_SPF_SOFTFAIL &&
	    pc->spf_softfail == POLICY_SPF_REJECT_UNLESS_DMARC);
}

void
policy_at_end(const struct policy_config *pc, const struct policy_input *in,
    struct verdict *v)
{
	char text[256];

	set(v, VERDICT_ACCEPT, NULL, NULL, accepted_why(in), "");
	if (in->exempt) {
		v->why = "exempt";
		return;
	}
	if (pc->monitor_only && mail_from_refusal(pc, in, v)) {
		/* what MAIL FROM would have refused, before any of the rest:
		 * policy_at_mail_from leaves it to us in monitor mode */
	} else if (in->several_authors_refused) {
		set(v, VERDICT_REJECT, "550", "5.7.1", "multiple-from",
		    "Message rejected: From names several author domains");
	} else if (in->bad_from != NULL) {
		if (!bad_from_verdict(pc, in, v))
			v->why = "bad-from-accepted";
	} else if (domain_listed(pc->always_reject, in->from_domain) &&
	    in->dmarc != POLICY_DMARC_PASS) {
		(void)snprintf(text, sizeof(text),
		    "Message rejected: mail from %s must pass DMARC here",
		    in->from_domain);
		set(v, VERDICT_REJECT, "550", "5.7.1", "always-reject", text);
	} else if (domain_listed(pc->never_reject, in->from_domain)) {
		v->why = "never-reject";
	} else if (in->dmarc == POLICY_DMARC_TEMPERROR &&
	    pc->dmarc_temperror == POLICY_TEMP_TEMPFAIL) {
		set(v, VERDICT_TEMPFAIL, "451", "4.4.3", "dmarc-temperror",
		    "Temporary DNS error checking DMARC; try again later");
	} else if (dmarc_verdict(pc, in, v)) {
		/* v filled */
	} else if (in->dmarc != POLICY_DMARC_PASS && !in->dmarc_rescued &&
	    policy_spf_awaits_dmarc(pc, in)) {
		spf_fail_text(in, true, text, sizeof(text));
		set(v, VERDICT_REJECT, "550", "5.7.23", "spf-fail", text);
	}
	v->intended = v->kind;
	if (pc->monitor_only && v->kind != VERDICT_ACCEPT) {
		/* report what would have happened, do nothing */
		v->kind = VERDICT_ACCEPT;
		v->rcode = v->xcode = NULL;
	}
}
