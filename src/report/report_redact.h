/* report_redact.h - RFC 6590 redaction of addresses in failure reports */
#ifndef AUTHMILTER_REPORT_REDACT_H
#define AUTHMILTER_REPORT_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* report_redact_header - append name ": " value to out as one header
 * field with CRLF line ends (folds kept, bare CR/LF and NUL dropped);
 * with redact, the local-part of every address in it, dot-atom or
 * quoted-string, becomes "redacted" (RFC 6590) and the domain stays.
 * Msg-ids in Message-ID, References, In-Reply-To ... stay, and so does
 * the "name=" before a value in A-R, DKIM, ARC and Received-SPF fields. */
void report_redact_header(struct buf *out, const char *name,
    const unsigned char *value, size_t len, bool redact);

/* report_redact_text - append v with the local-part of every address in
 * it replaced by "redacted", as report_redact_header does for a field
 * that is neither of those kinds */
void report_redact_text(struct buf *out, const unsigned char *v,
    size_t len);

#endif
