/* policy.h - results plus configuration give one verdict */
#ifndef AUTHMILTER_POLICY_H
#define AUTHMILTER_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* What the checks found, in the words of RFC 8601. */
enum policy_spf {
	POLICY_SPF_NONE = 0, POLICY_SPF_PASS, POLICY_SPF_FAIL,
	POLICY_SPF_SOFTFAIL, POLICY_SPF_NEUTRAL, POLICY_SPF_TEMPERROR,
	POLICY_SPF_PERMERROR
};

enum policy_dmarc {
	POLICY_DMARC_NONE = 0, POLICY_DMARC_PASS, POLICY_DMARC_FAIL,
	POLICY_DMARC_TEMPERROR, POLICY_DMARC_PERMERROR
};

/* The disposition the domain owner's DMARC policy asks for. */
enum policy_disposition {
	POLICY_DISP_NONE = 0, POLICY_DISP_QUARANTINE, POLICY_DISP_REJECT
};

/* Site choices, from the config file. */
enum policy_spf_fail_action {
	POLICY_SPF_MARK = 0,		/* only report it */
	POLICY_SPF_REJECT,		/* 550 5.7.23 at MAIL FROM */
	POLICY_SPF_REJECT_UNLESS_DMARC	/* at end of message, if DMARC did not pass */
};
enum policy_temp_action { POLICY_TEMP_ACCEPT = 0, POLICY_TEMP_TEMPFAIL };
enum policy_reject_action {
	POLICY_REJECT_REJECT = 0, POLICY_REJECT_QUARANTINE, POLICY_REJECT_MARK
};
/* A message without exactly one usable author: no From, a From that
 * cannot be parsed, more From fields or author domains than are checked */
enum policy_bad_from_action {
	POLICY_BAD_FROM_REJECT = 0,	/* 550 5.7.1 */
	POLICY_BAD_FROM_QUARANTINE,	/* as DMARCQuarantineAction says */
	POLICY_BAD_FROM_ACCEPT		/* dmarc=permerror, delivered */
};
enum policy_quarantine_action {
	POLICY_QUARANTINE_HOLD = 0,	/* smfi_quarantine: Postfix hold queue */
	POLICY_QUARANTINE_HEADER,	/* add a header, deliver */
	POLICY_QUARANTINE_MARK		/* only report it */
};

struct policy_config {
	int spf_fail;			/* enum policy_spf_fail_action */
	int spf_softfail;		/* same choices, REJECT excluded */
	int spf_temperror;		/* enum policy_temp_action */
	int dmarc_reject;		/* enum policy_reject_action */
	int dmarc_quarantine;		/* enum policy_quarantine_action */
	int dmarc_temperror;		/* enum policy_temp_action */
	int bad_from;			/* enum policy_bad_from_action */
	bool monitor_only;		/* evaluate and report, never act */
	const char *const *never_reject;	/* domains, NULL-ended or NULL */
	const char *const *always_reject;	/* domains, NULL-ended or NULL */
	const char *reject_text;	/* NULL: a built-in text */
};

struct policy_input {
	bool exempt;			/* internal host or authenticated client */
	enum policy_spf spf;
	const char *spf_domain;
	const char *spf_explanation;	/* a fail's explanation (RFC 7208
					 * 6.2), NULL when none */
	enum policy_dmarc dmarc;
	enum policy_disposition dmarc_disposition;
	const char *from_domain;	/* RFC5322.From domain, or NULL */
	const char *from_org_domain;	/* its organizational domain when the
					 * evaluation found it, else NULL or "" */
	bool adkim_strict, aspf_strict;	/* its record's adkim=s, aspf=s (for
					 * ARCTrustedSealers) */
	const char *bad_from;		/* why there is no usable author
					 * (static text), NULL when there is */
	bool several_authors_refused;	/* DMARCMultipleFrom reject and From
					 * names several author domains */
	/* a DMARC failure a trusted ARC sealer vouched for
	 * (ARCTrustedSealers): no SPF reject-unless-dmarc-pass either */
	bool dmarc_rescued;
};

enum verdict_kind {
	VERDICT_ACCEPT = 0,
	VERDICT_REJECT,
	VERDICT_TEMPFAIL,
	VERDICT_QUARANTINE,		/* hold the message */
	VERDICT_QUARANTINE_HEADER	/* deliver with a quarantine header */
};

struct verdict {
	enum verdict_kind kind;		/* what to do */
	enum verdict_kind intended;	/* what policy asked (differs in monitor mode) */
	const char *rcode;		/* "550", "451" */
	const char *xcode;		/* "5.7.1", ... */
	char text[256];			/* SMTP reply text or quarantine reason */
	const char *why;		/* short reason for the log line */
};

/* policy_at_mail_from - the verdict possible at MAIL FROM (SPF only) */
void policy_at_mail_from(const struct policy_config *pc,
    const struct policy_input *in, struct verdict *v);
/* policy_spf_awaits_dmarc - the SPF result is one the site refuses at
 * end of message unless DMARC passes (reject-unless-dmarc-pass) */
bool policy_spf_awaits_dmarc(const struct policy_config *pc,
    const struct policy_input *in);
/* policy_at_end - the verdict at end of message, all results known */
void policy_at_end(const struct policy_config *pc,
    const struct policy_input *in, struct verdict *v);
/* verdict_name - "accept", "reject", ... for logs */
const char *verdict_name(enum verdict_kind kind);

#endif
