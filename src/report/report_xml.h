/* report_xml.h - the XML of one DMARC aggregate report (RFC 9990 A, or
 * RFC 7489 Appendix C in the compatibility mode)
 *
 * Build in order: report_xml_begin, report_xml_record for each record,
 * report_xml_end. Text is escaped here; callers pass stored values as
 * they are. Pure: no I/O.
 */
#ifndef AUTHMILTER_REPORT_XML_H
#define AUTHMILTER_REPORT_XML_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define REPORT_XML_MAX_DKIM	100	/* RFC 9990 2.1: per row, at most */
#define REPORT_NS_9990		"urn:ietf:params:xml:ns:dmarc-2.0"

struct report_meta {
	bool rfc7489;		/* the RFC 7489 schema instead of RFC 9990's */
	const char *org_name, *email, *report_id, *generator;
	int64_t begin, end;	/* date_range, seconds, end inclusive */
};

/* The policy record as published (strings as stored: "" when absent). */
struct report_policy {
	const char *domain, *p, *sp, *np, *adkim, *aspf, *testing, *fo;
	const char *discovery;	/* "treewalk" or "psl" */
	int pct;		/* RFC 7489 only */
};

/* One record: a group of messages with the same row and results. */
struct report_group {
	const char *source_ip;
	int64_t count;
	const char *disposition;	/* none, quarantine, reject */
	bool dkim_aligned, spf_aligned;
	const char *override_type, *override_comment;	/* "" when none */
	const char *header_from, *envelope_from;
	const char *spf_domain, *spf_scope, *spf_result;
	const char *dkim;	/* "d\ts\tresult" lines, as the store holds */
};

/* report_xml_escape - append s with & < > " ' escaped and characters XML
 * 1.0 cannot carry (controls other than tab/newline, bad UTF-8) as '?' */
void report_xml_escape(struct buf *out, const char *s);
void report_xml_begin(struct buf *out, const struct report_meta *m,
    const struct report_policy *p);
void report_xml_record(struct buf *out, const struct report_meta *m,
    const struct report_group *g);
void report_xml_end(struct buf *out);

#endif
