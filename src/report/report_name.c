/*
 * report_name.c - periods, Report-ID, file name and Subject of a DMARC
 * aggregate report (RFC 9990 "Definition of Report-ID" and "Email").
 *
 *   report_period_of / report_complete_before  UTC period arithmetic
 *   report_name_ok     domain safe to put in a name
 *   report_unique_ok   store identity safe to put in a name
 *   report_id / report_filename / report_subject
 *
 * The names carry the store's identity (report_store_id) because the
 * rest of them is the same for every host that reports for the same
 * receiver domain: two MX hosts, each with its own store, would send
 * different reports under one Report-ID and file name, and a receiver
 * that drops duplicates (RFC 9990 "Handling of Duplicates") keeps one.
 * RFC 9990 wants the Report-ID unique among reports to a domain and
 * gives the file name an optional "!" unique-id for reports made by
 * different sources; both stay the same on a resend from the same store.
 *
 * Pure: no I/O, no clock (callers pass the time).
 */
#include "config.h"

#include "report/report_name.h"
#include "util/str.h"

void
report_period_of(int64_t t, unsigned hours, int64_t *begin_r, int64_t *end_r)
{
	int64_t len = (int64_t)(hours == 0 ? 24 : hours) * 3600;
	int64_t b = t / len * len;

	if (t < 0 && b != t)
		b -= len;	/* floor, not truncation, before 1970 */
	*begin_r = b;
	*end_r = b + len;
}

int64_t
report_complete_before(int64_t now, unsigned hours)
{
	int64_t b, e;

	report_period_of(now, hours, &b, &e);
	return b;
}

bool
report_name_ok(const char *domain)
{
	const unsigned char *p = (const unsigned char *)domain;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

bool
report_unique_ok(const char *unique)
{
	size_t n;

	for (n = 0; unique[n] != '\0'; n++)
		if (!ascii_isalnum((unsigned char)unique[n]))
			return false;
	return n > 0 && n <= REPORT_UNIQUE_MAX;
}

void
report_id(struct buf *out, const char *receiver, const char *policy_domain,
    int64_t begin, const char *unique)
{
	buf_printf(out, "%lld.%s", (long long)begin, policy_domain);
	if (unique != NULL && *unique != '\0')
		buf_printf(out, ".%s", unique);
	buf_printf(out, "@%s", receiver);
}

void
report_filename(struct buf *out, const char *receiver,
    const char *policy_domain, int64_t begin, int64_t end, const char *unique)
{
	buf_printf(out, "%s!%s!%lld!%lld", receiver, policy_domain,
	    (long long)begin, (long long)end);
	if (unique != NULL && *unique != '\0')
		buf_printf(out, "!%s", unique);
	buf_append_str(out, ".xml.gz");
}

void
report_subject(struct buf *out, const char *policy_domain,
    const char *receiver, const char *rid)
{
	buf_printf(out, "Report Domain: %s\r\n Submitter: %s\r\n Report-ID: <%s>",
	    policy_domain, receiver, rid);
}
