/* report_name.h - names of a DMARC aggregate report and its periods
 * (RFC 9990 "Email": file name, Subject, Report-ID). Pure: no I/O. */
#ifndef AUTHMILTER_REPORT_NAME_H
#define AUTHMILTER_REPORT_NAME_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/* report_period_of - the period holding t: [*begin_r, *end_r) with
 * hours-long periods starting on UTC hour boundaries (hours divides 24) */
void report_period_of(int64_t t, unsigned hours, int64_t *begin_r,
    int64_t *end_r);
/* report_complete_before - the end of the last period complete at now */
int64_t report_complete_before(int64_t now, unsigned hours);

/* report_name_ok - a domain name usable in file names and Subjects:
 * letters, digits, '-', '.', '_' only, not empty */
bool report_name_ok(const char *domain);

/* the longest store identity (report_store_id) taken into a name */
#define REPORT_UNIQUE_MAX 64

/* report_unique_ok - a store identity usable as RFC 9990's unique-id
 * (1*(ALPHA / DIGIT)) and in a dot-atom: letters and digits, 1 to
 * REPORT_UNIQUE_MAX of them */
bool report_unique_ok(const char *unique);

/* report_id - "<begin>.<policy-domain>.<unique>@<receiver>" (an RFC 9990
 * ridfmt: dot-atom-text "@" dot-atom-text), the same for every send of
 * it; unique is the store's identity (NULL or "": left out, the names
 * of a report claimed before stores had one) */
void report_id(struct buf *out, const char *receiver,
    const char *policy_domain, int64_t begin, const char *unique);
/* report_filename - receiver "!" policy-domain "!" begin "!" end
 * ["!" unique] ".xml.gz" (end: the last second of the period, as in
 * date_range; unique as for report_id) */
void report_filename(struct buf *out, const char *receiver,
    const char *policy_domain, int64_t begin, int64_t end,
    const char *unique);
/* report_subject - "Report Domain: D Submitter: R Report-ID: <ID>",
 * folded before Submitter: and Report-ID: (RFC 5322 FWS) */
void report_subject(struct buf *out, const char *policy_domain,
    const char *receiver, const char *report_id);

#endif
