/*
 * report_mime.c - the gzip file and the MIME message of one aggregate
 * report.
 *
 *   report_gzip  zlib deflate with a gzip wrapper, into a buffer
 *   report_rfc5322_date  a Date field value (also the failure reports')
 *   report_mime  multipart/mixed: a short text part, then the report as
 *                application/gzip (RFC 6713), base64, with the RFC 9990
 *                file name
 *
 * Pure apart from zlib: no I/O, the caller passes the time.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "crypto/crypto.h"
#include "report/report_mime.h"

bool
report_gzip(const unsigned char *p, size_t len, struct buf *out)
{
	z_stream z;
	size_t start = out->len, room;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = 0;
	do {
		if (z.avail_in == 0 && len > 0) {
			size_t step = len > (1U << 30) ? (1U << 30) : len;

			z.avail_in = (uInt)step;
			len -= step;
		}
		room = deflateBound(&z, z.avail_in) + 64;
		buf_reserve(out, room);
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)room;
		rc = deflate(&z, len == 0 ? Z_FINISH : Z_NO_FLUSH);
		out->len += room - z.avail_out;
		out->data[out->len] = '\0';
	} while (rc == Z_OK || (rc == Z_BUF_ERROR && z.avail_out == 0));
	(void)deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		buf_truncate(out, start);
		return false;
	}
	return true;
}

/* report_rfc5322_date - "Tue, 01 Dec 2026 10:00:00 +0000" (UTC) */
void
report_rfc5322_date(struct buf *out, int64_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	(void)gmtime_r(&tt, &tm);
	buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
report_mime(struct buf *out, const struct report_mail *m,
    const unsigned char *gz, size_t gz_len)
{
	struct buf b64 = BUF_INIT;
	char boundary[64];
	size_t i;

	(void)snprintf(boundary, sizeof(boundary), "=_authmilter_%lld_%zu",
	    (long long)m->date, gz_len);
	buf_printf(out, "From: %s\r\nTo: ", m->from);
	for (i = 0; i < m->to_count; i++)
		buf_printf(out, "%s%s", i > 0 ? ",\r\n " : "", m->to[i]);
	buf_printf(out, "\r\nSubject: %s\r\nDate: ", m->subject);
	report_rfc5322_date(out, m->date);
	buf_printf(out, "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
	    "This is a DMARC aggregate report (RFC 9990) in MIME format.\r\n"
	    "\r\n--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n%s\r\n\r\n--%s\r\n"
	    "Content-Type: application/gzip; name=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
	    m->message_id, boundary, boundary, m->summary, boundary,
	    m->filename, m->filename);
	crypto_base64_encode(gz, gz_len, &b64);
	for (i = 0; i < b64.len; i += 76) {
		buf_append(out, b64.data + i, b64.len - i > 76 ? 76 : b64.len - i);
		buf_append_str(out, "\r\n");
	}
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_deinit(&b64);
}
