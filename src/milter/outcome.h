/* outcome.h - the per-message log line and metrics, from one place */
#ifndef AUTHMILTER_OUTCOME_H
#define AUTHMILTER_OUTCOME_H

#include "metrics/metrics.h"
#include "policy/policy.h"

struct session;

/* outcome_report - a message got its verdict at stage: log the one info
 * line (keys documented in authmilter(8), README "Logging") and count it
 * in the metrics. Call once per message, before session_message_end.
 * The text is built in storage the session keeps (report_lists,
 * report_line). */
void outcome_report(struct session *s, const struct verdict *v,
    enum metrics_stage stage);

#endif
