/* report_mime.h - gzip and the MIME message that carries one aggregate
 * report (RFC 9990 "Email": application/gzip attachment, file name and
 * Subject as report_name.h makes them) */
#ifndef AUTHMILTER_REPORT_MIME_H
#define AUTHMILTER_REPORT_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* report_gzip - RFC 1952 gzip of (p, len) appended to out; false (out
 * unchanged) when zlib fails */
bool report_gzip(const unsigned char *p, size_t len, struct buf *out);
/* report_rfc5322_date - append t (Unix time) as an RFC 5322 date in UTC,
 * "Tue, 01 Dec 2026 10:00:00 +0000" */
void report_rfc5322_date(struct buf *out, int64_t t);

struct report_mail {
	const char *from;		/* ReportContact */
	const char *const *to;		/* addresses, count of them */
	size_t to_count;
	const char *subject;		/* as report_subject made it */
	const char *message_id;		/* without <> */
	int64_t date;			/* Unix time for the Date field */
	const char *filename;		/* attachment name (.xml.gz) */
	const char *summary;		/* text/plain part */
};

/* report_mime - the whole message (CRLF line ends) with the gzip data
 * base64-encoded in an application/gzip part */
void report_mime(struct buf *out, const struct report_mail *m,
    const unsigned char *gz, size_t gz_len);

#endif
