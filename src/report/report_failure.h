/* report_failure.h - the daemon's failure-report thread (RFC 9991)
 *
 * Milter threads hand a prepared report (report_failure_job) over without
 * waiting; the thread checks the rate limit, verifies each ruf
 * destination over DNS and submits one message per destination through
 * ReportSendmail. A full queue drops the job (counted, logged).
 */
#ifndef AUTHMILTER_REPORT_FAILURE_H
#define AUTHMILTER_REPORT_FAILURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dmarc_record.h"
#include "dns/dns.h"
#include "report/report_afrf.h"
#include "util/buf.h"

#define REPORT_FAILURE_QUEUE	64	/* jobs waiting for the thread */
#define REPORT_SPF_DNS_RECORDS	4	/* SPF-DNS fields in one report */

/* One report to make: every string owned by the job. */
struct report_failure_job {
	char *policy_domain;
	char *ruf;
	char *spf_domain;		/* SPF-DNS wanted: its records are
					 * read here (NULL: no field) */
	const char *spf_records[REPORT_SPF_DNS_RECORDS];	/* in strings */
	struct report_afrf afrf;	/* from/to/message_id/date filled late */
	struct buf strings;		/* backing store of afrf's strings */
	enum dmarc_mode mode;		/* DMARCMode: in rfc7489 a ruf URI's
					 * !size limits the report (RFC 9989
					 * made it obsolete) and the PSL says
					 * which hosts are the policy domain's
					 * organisation (the tree walk in
					 * rfc9989) */
	struct report_failure_job *next;
};

struct report_failure_config {
	const char *contact;		/* From */
	const char *sendmail;		/* ReportSendmail */
	unsigned per_hour;		/* reports per policy domain and hour */
	const char *psl_file;		/* NULL: the system list */
};

struct report_failures;

/* report_failures_start - copies cfg; r must outlive the thread */
struct report_failures *report_failures_start(
    const struct report_failure_config *cfg, struct dns_resolver *r);
/* report_failures_submit - takes ownership of job (freed when dropped) */
void report_failures_submit(struct report_failures *f,
    struct report_failure_job *job);
/* report_failures_stop - send the queued reports for up to ms (a
 * submission still running then is killed, the rest are not sent), stop
 * the thread, free; NULLs *fp */
void report_failures_stop(struct report_failures **fp, unsigned ms);

/* report_failures_close - the same, freeing nothing: for an exit that
 * leaves milter threads running (they may still submit; their jobs are
 * dropped and counted) */
void report_failures_close(struct report_failures *f, unsigned ms);

/* report_failure_job_new - an empty job; _set copies a string into the
 * job and returns the copy; _free frees it all */
struct report_failure_job *report_failure_job_new(void);
const char *report_failure_job_set(struct report_failure_job *j,
    const char *s);
void report_failure_job_free(struct report_failure_job **jp);

#endif
