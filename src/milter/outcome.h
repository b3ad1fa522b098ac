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

/* outcome_stopping - a MAIL FROM tempfailed because the daemon is
 * stopping (no message began): the same line, with only the connection's
 * keys, from, verdict=tempfail and why=stopping, and the same metric, so
 * the mail deferred by a restart shows in the log and on /metrics. */
void outcome_stopping(struct session *s, const char *queue_id,
    const char *mail_from);

#endif
