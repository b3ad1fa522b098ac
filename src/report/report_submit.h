/* report_submit.h - hand a report message to the local MTA */
#ifndef AUTHMILTER_REPORT_SUBMIT_H
#define AUTHMILTER_REPORT_SUBMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/clock.h"

/* longest one submission may take before the command is killed */
#define REPORT_SUBMIT_MS	60000

/* report_submit - run cmd through the shell (ReportSendmail) and pipe it
 * msg, CRLF line ends turned into LF (local submission takes LF); true
 * when it exits 0, else false with why. The command is killed (its whole
 * process group) when it is not done by until_ms, or by *stop_ms when
 * stop_ms is not NULL and another thread sets it (non-zero) meanwhile:
 * a hung submission program never holds its caller. */
bool report_submit(const char *cmd, const struct buf *msg, uint64_t until_ms,
    const _Atomic uint64_t *stop_ms, struct buf *why);

#endif
