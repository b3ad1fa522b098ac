/* report_job.h - the work of authmilter-report: aggregate the store into
 * RFC 9990 reports and send them, expire old rows, print statistics */
#ifndef AUTHMILTER_REPORT_JOB_H
#define AUTHMILTER_REPORT_JOB_H

#include <libpsl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "dns/dns.h"
#include "report/report_store.h"

struct report_job_opts {
	const struct conf *conf;
	struct dns_resolver *resolver;	/* for destination verification */
	const psl_ctx_t *psl;		/* organisational domains */
	bool dry_run;			/* write to out_dir, send nothing */
	const char *out_dir;
	bool have_period;		/* --period: only [begin, end) */
	int64_t begin, end;
	int64_t now;			/* Unix time of this run */
	const char *claimer;		/* "host:pid", names our claims */
};

/* the queries that find what to report (for the tests of their plans):
 * --period's rows, ?1 <= arrival < ?2; all complete periods before ?1,
 * cut every ?2 seconds */
extern const char report_job_period_sql[];
extern const char report_job_pending_sql[];

/*
 * report_job_run - one report per policy domain and complete period not
 * yet reported (or the one --period), to every authorised rua address.
 * Logs one line per report. Returns 0 when every report was sent or
 * skipped for good, 1 when some failed or the store did (they are
 * retried next run).
 */
int report_job_run(struct report_store *st, const struct report_job_opts *o);
/* report_job_expire - delete rows (and report states) older than days,
 * on SQLite at most REPORT_EXPIRE_CHUNK rows a transaction (the daemon's
 * writer gets the lock between them); returns 0, or 1 on a store error
 * (logged) */
#define REPORT_EXPIRE_CHUNK 50000
int report_job_expire(struct report_store *st, unsigned days, int64_t now);
/* report_job_stats - rows per policy domain, to out */
int report_job_stats(struct report_store *st, FILE *out);

#endif
