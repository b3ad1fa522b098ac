/* report_submit.h - hand a report message to the local MTA */
#ifndef AUTHMILTER_REPORT_SUBMIT_H
#define AUTHMILTER_REPORT_SUBMIT_H

#include <stdbool.h>

#include "util/buf.h"

/* report_submit - run cmd through the shell (ReportSendmail) and pipe it
 * msg, CRLF line ends turned into LF (local submission takes LF); true
 * when it exits 0, else false with why */
bool report_submit(const char *cmd, const struct buf *msg, struct buf *why);

#endif
