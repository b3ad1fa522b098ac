/*
 * report_name.c - periods, Report-ID, file name and Subject of a DMARC
 * aggregate report (RFC 9990 "Definition of Report-ID" and "Email").
 *
 *   report_period_of / report_complete_before  UTC period arithmetic
 *   report_name_ok     domain safe to put in a name
 *   report_id / report_filename / report_subject
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

void
report_id(struct buf *out, const char *receiver, const char *policy_domain,
    int64_t begin)
{
	buf_printf(out, "%lld.%s@%s", (long long)begin, policy_domain, receiver);
}

void
report_filename(struct buf *out, const char *receiver,
    const char *policy_domain, int64_t begin, int64_t end)
{
	buf_printf(out, "%s!%s!%lld!%lld.xml.gz", receiver, policy_domain,
	    (long long)begin, (long long)end);
}

void
report_subject(struct buf *out, const char *policy_domain,
    const char *receiver, const char *rid)
{
	buf_printf(out, "Report Domain: %s\r\n Submitter: %s\r\n Report-ID: <%s>",
	    policy_domain, receiver, rid);
}
