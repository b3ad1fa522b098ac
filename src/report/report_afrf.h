/* report_afrf.h - DMARC failure reports (RFC 9991, RFC 6591 AFRF): when
 * fo= asks for one, and the report message itself. Pure: no I/O. */
#ifndef AUTHMILTER_REPORT_AFRF_H
#define AUTHMILTER_REPORT_AFRF_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/* What the evaluation of one message found, for fo= (RFC 9989 4.7). */
struct report_fo_input {
	bool dkim_aligned_pass;		/* an aligned DKIM signature passed */
	bool spf_aligned_pass;		/* SPF passed for an aligned domain */
	bool dkim_any_fail;		/* some signature failed to verify */
	bool spf_fail;			/* SPF did not pass */
};

/*
 * report_fo_wants - does fo= ask for a failure report? fo is the tag as
 * published ("" or NULL: the default 0), a colon-separated list of
 * 0 (all mechanisms failed to give an aligned pass), 1 (any one failed
 * to), d (a DKIM signature failed, aligned or not), s (SPF failed,
 * aligned or not). Unknown options are ignored.
 */
bool report_fo_wants(const char *fo, const struct report_fo_input *in);

struct report_afrf {
	const char *from, *to;		/* ReportContact, the ruf address */
	const char *message_id;		/* of the report, without <> */
	int64_t date;			/* Unix time, for Date and Arrival-Date */
	const char *user_agent;		/* "authmilter/1.0" */
	const char *source_ip;
	const char *envelope_id;	/* Original-Envelope-Id: MAIL FROM's
					 * ENVID, decoded ("" if none) */
	const char *mail_from;		/* Original-Mail-From ("" null sender) */
	const char *reported_domain;	/* the RFC5322.From domain */
	const char *auth_results;	/* A-R value (after "Name:") */
	const char *identity_alignment;	/* "none", "dkim", "spf", "dkim,spf" */
	const char *dkim_domain, *dkim_selector;	/* NULL: not a DKIM case */
	/* SPF-DNS: the SPF records retrieved at spf_domain, spf_record_count
	 * of them (0: not an SPF case, no field) */
	const char *spf_domain;
	const char *const *spf_records;
	size_t spf_record_count;
	const char *delivery_result;	/* delivered, spam, policy, reject */
	const char *subject;		/* of the original, "" if none */
	const char *headers;		/* the original header block, CRLF */
	/* FailureReportRedact no: mail_from and subject as they came. The
	 * zero value redacts, so a caller that forgets it leaks nothing. */
	bool keep_local_parts;
};

/* report_afrf_identity_alignment - the Identity-Alignment value: the
 * mechanisms that failed to authenticate an aligned identity, or "none"
 * when both did (RFC 9991 3.2; fo=d can ask for a report then) */
const char *report_afrf_identity_alignment(bool dkim_aligned_pass,
    bool spf_aligned_pass);

/* report_afrf_build - the whole report message (CRLF line ends):
 * multipart/report; report-type=feedback-report with a text part, a
 * message/feedback-report part (Feedback-Type: auth-failure,
 * Auth-Failure: dmarc, Identity-Alignment ...) and text/rfc822-headers */
void report_afrf_build(struct buf *out, const struct report_afrf *r);

/* Longest SPF record an SPF-DNS field carries: the longest one our
 * checker accepts (SPF_RECORD_MAX_LEN), so any record that was evaluated */
#define REPORT_SPF_DNS_MAX 2048

/* report_afrf_spf_dns - append one SPF-DNS field (RFC 6591 3.1):
 * "SPF-DNS: txt : " domain " : " and the record as a quoted-string,
 * folded at its spaces into lines of at most 78 characters where it can
 * be (unfolding gives the record back). Bytes a quoted-string cannot
 * hold (controls, 8-bit) become '?'. Writes nothing and returns false
 * when the record is longer than REPORT_SPF_DNS_MAX or a run without
 * spaces would make a line longer than RFC 5322's 998. */
bool report_afrf_spf_dns(struct buf *out, const char *domain,
    const char *record);

#endif
