/* report_hook.h - hand what DMARC evaluated for a message to the report
 * writer (the one call the milter makes for aggregate reports) */
#ifndef AUTHMILTER_REPORT_HOOK_H
#define AUTHMILTER_REPORT_HOOK_H

#include "policy/policy.h"
#include "report/report_failure.h"
#include "report/report_writer.h"

struct session;

/* report_hook_set_writer - the writer (set once at start-up; NULL: off) */
void report_hook_set_writer(struct report_writer *w);
/* report_hook_set_failures - the failure-report thread (NULL: off) */
void report_hook_set_failures(struct report_failures *f);
/* report_hook_eom - one row per author domain with a DMARC policy record,
 * queued without waiting; v is the verdict applied to the message */
void report_hook_eom(const struct session *s, const struct verdict *v);

#endif
