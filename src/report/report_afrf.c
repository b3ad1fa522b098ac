/*
 * report_afrf.c - DMARC failure reports: the fo= decision (RFC 9989 4.7,
 * RFC 9991) and the AFRF message (RFC 6591 as RFC 9991 "Reporting Format
 * Update" augments it); the header redaction (RFC 6590) is
 * report_redact.c's.
 *
 *   report_fo_wants       fo=0/1/d/s against what the evaluation found
 *   report_afrf_spf_dns   one SPF-DNS field, quoted and folded
 *   report_afrf_build     the report message
 *
 * Pure: no I/O. Header values come from the message (hostile): they are
 * copied with their line breaks made CRLF, bare CR/LF and NUL dropped,
 * so they cannot end the header block early or start a MIME part. Text
 * that is not ASCII keeps to the rules of a message without SMTPUTF8:
 * the Subject goes in RFC 2047 encoded-words, a part holding 8-bit bytes
 * says 8bit, and bytes that are not UTF-8 in our own fields become '?'.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_afrf.h"
#include "report/report_redact.h"
#include "report/report_mime.h"
#include "crypto/crypto.h"
#include "util/str.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

const char *
report_afrf_identity_alignment(bool dkim_aligned_pass, bool spf_aligned_pass)
{
	if (dkim_aligned_pass)
		return spf_aligned_pass ? "none" : "spf";
	return spf_aligned_pass ? "dkim" : "dkim,spf";
}

bool
report_fo_wants(const char *fo, const struct report_fo_input *in)
{
	const char *p = fo != NULL && *fo != '\0' ? fo : "0";
	bool want = false;

	while (*p != '\0') {
		while (*p == ':' || ascii_iswsp((unsigned char)*p))
			p++;
		switch (*p) {
		case '0':
			want |= !in->dkim_aligned_pass && !in->spf_aligned_pass;
			break;
		case '1':
			want |= !in->dkim_aligned_pass || !in->spf_aligned_pass;
			break;
		case 'd': case 'D':
			want |= in->dkim_any_fail;
			break;
		case 's': case 'S':
			want |= in->spf_fail;
			break;
		default:
			break;
		}
		while (*p != '\0' && *p != ':')
			p++;
	}
	return want;
}

/* clean - a value safe in a header line we write: no CR, LF or NUL
 * (a space instead), no byte that is not UTF-8 ('?' instead: a client's
 * MAIL FROM) */
static void
clean(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = s != NULL ? strlen(s) : 0, len;

	while (left > 0) {
		len = utf8_seq_len(p, left);
		if (len > 1)
			buf_append(out, p, len);
		else
			buf_append_byte(out, len == 0 ? '?' : *p < 0x20 ? ' ' : *p);
		len = len > 0 ? len : 1;
		p += len;
		left -= len;
	}
}

/* encoded_subject - "Subject: " and text, as RFC 2047 encoded-words
 * (UTF-8, base64) when it is not ASCII: a message header outside
 * SMTPUTF8 is ASCII. One word per folded line, cut where a character
 * starts; RFC 2047 2 limits such a line to 76 characters: after the
 * fold's space a word of 45 bytes (72 characters encoded), after
 * "Subject: " one of 39 (64: 45 made the first line 81). */
static void
encoded_subject(struct buf *out, const struct buf *text)
{
	size_t i = 0, n, len, max;
	struct buf b64 = BUF_INIT;

	buf_append_str(out, "Subject:");
	if (!str_has_non_ascii(text->data, text->len)) {
		buf_append_byte(out, ' ');
		buf_append(out, text->data, text->len);
		buf_append_str(out, "\r\n");
		return;
	}
	while (i < text->len) {
		max = i > 0 ? 45 : 39;
		for (n = 0; i + n < text->len; n += len) {
			len = utf8_seq_len(text->data + i + n, text->len - i - n);
			len = len > 0 ? len : 1;	/* clean() left none */
			if (n + len > max)
				break;
		}
		buf_truncate(&b64, 0);
		crypto_base64_encode(text->data + i, n, &b64);
		buf_printf(out, "%s=?utf-8?B?%s?=", i > 0 ? "\r\n " : " ",
		    buf_cstr(&b64));
		i += n;
	}
	buf_append_str(out, "\r\n");
	buf_deinit(&b64);
}

/* part_encoding - the transfer encoding that says what a part holds:
 * 8bit when any byte is above 0x7f (RFC 2045 6.2; the MTA downgrades it
 * for a 7-bit hop), else 7bit */
static const char *
part_encoding(const void *p, size_t n)
{
	return str_has_non_ascii(p, n) ? "8bit" : "7bit";
}

/* field - "Name: value" CRLF with the value cleaned */
static void
field(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, "%s: ", name);
	clean(out, value);
	buf_append_str(out, "\r\n");
}

/* fold_at_spaces - append line to out folded before its spaces so lines
 * stay within 78 characters where a run without spaces allows; false
 * (out unchanged) when a line would still pass 998 */
static bool
fold_at_spaces(struct buf *out, const char *line, size_t len)
{
	size_t start = out->len, col = 0, i = 0, seg;

	while (i <= len) {
		seg = 0;
		while (i + seg < len && line[i + seg] != ' ')
			seg++;
		if (i > 0) {	/* line[i - 1] is a space */
			if (col + 1 + seg > 78 && seg > 0) {
				buf_append_str(out, "\r\n");
				col = 0;
			}
			buf_append_byte(out, ' ');
			col++;
		}
		buf_append(out, line + i, seg);
		col += seg;
		if (col > 998) {
			buf_truncate(out, start);
			return false;
		}
		i += seg + 1;
	}
	return true;
}

bool
report_afrf_spf_dns(struct buf *out, const char *domain, const char *record)
{
	struct buf line = BUF_INIT;
	const unsigned char *p;
	bool ok;

	if (strlen(record) > REPORT_SPF_DNS_MAX)
		return false;
	buf_append_str(&line, "SPF-DNS: txt : ");
	clean(&line, domain);
	buf_append_str(&line, " : \"");
	for (p = (const unsigned char *)record; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_append_byte(&line, '\\');
		buf_append_byte(&line, *p < 0x20 || *p >= 0x7f ? '?' : *p);
	}
	buf_append_byte(&line, '"');
	ok = fold_at_spaces(out, (const char *)line.data, line.len);
	if (ok)
		buf_append_str(out, "\r\n");
	buf_deinit(&line);
	return ok;
}

/* redacted_field - field() for a value that may hold an address of the
 * message: its local-parts hidden when redact is on */
static void
redacted_field(struct buf *out, const char *name, const char *value,
    bool redact)
{
	struct buf v = BUF_INIT;

	if (!redact) {
		field(out, name, value);
		return;
	}
	clean(&v, value);
	buf_printf(out, "%s: ", name);
	report_redact_text(out, v.data, v.len);
	buf_append_str(out, "\r\n");
	buf_deinit(&v);
}

/* feedback_fields - the machine-readable part's fields (RFC 6591 3.1) */
static void
feedback_fields(struct buf *out, const struct report_afrf *r,
    const char *date)
{
	size_t i;

	buf_append_str(out, "Feedback-Type: auth-failure\r\nVersion: 1\r\n");
	field(out, "User-Agent", r->user_agent);
	buf_append_str(out, "Auth-Failure: dmarc\r\n");
	field(out, "Authentication-Results", r->auth_results);
	field(out, "Identity-Alignment", r->identity_alignment);
	if (r->dkim_domain != NULL) {
		field(out, "DKIM-Domain", r->dkim_domain);
		buf_append_str(out, "DKIM-Identity: @");
		clean(out, r->dkim_domain);
		buf_append_str(out, "\r\n");
		field(out, "DKIM-Selector", r->dkim_selector);
	}
	for (i = 0; i < r->spf_record_count; i++)
		(void)report_afrf_spf_dns(out, r->spf_domain, r->spf_records[i]);
	if (r->delivery_result != NULL)
		field(out, "Delivery-Result", r->delivery_result);
	/* the sender's own identifier of the message (RFC 5965 3.2, RFC
	 * 3461's ENVID), redacted as the sender address is: not our queue
	 * id, which means nothing to the domain owner */
	if (*r->envelope_id != '\0')
		redacted_field(out, "Original-Envelope-Id", r->envelope_id,
		    !r->keep_local_parts);
	/* a VERP or SRS sender carries a recipient's address: redacted like
	 * the header fields. No Original-Rcpt-To is written (the job has no
	 * recipients); one would need redacting the same way. */
	redacted_field(out, "Original-Mail-From", *r->mail_from != '\0' ?
	    r->mail_from : "<>", !r->keep_local_parts);
	field(out, "Arrival-Date", date);
	field(out, "Source-IP", r->source_ip);
	field(out, "Reported-Domain", r->reported_domain);
}

#define AFRF_BOUNDARY "=_authmilter_afrf_"
#define AFRF_DELIM "--" AFRF_BOUNDARY	/* a part's delimiter, less <n> */

/* count_delims - how often AFRF_DELIM occurs in text */
static size_t
count_delims(const char *text)
{
	const char *p = text;
	size_t n = 0;

	while ((p = strstr(p, AFRF_DELIM)) != NULL) {
		n++;
		p += sizeof(AFRF_DELIM) - 1;
	}
	return n;
}

/* mark_taken - taken[n] for each n below size whose delimiter occurs in
 * text. The digits after one occurrence hold every n they start with
 * ("_12" holds "_1" too); "%u" writes no leading zero, so "_01" holds
 * only 0 */
static void
mark_taken(const char *text, bool *taken, size_t size)
{
	const char *p = text;
	size_t v;

	while ((p = strstr(p, AFRF_DELIM)) != NULL) {
		p += sizeof(AFRF_DELIM) - 1;
		if (*p == '0') {
			taken[0] = true;
			continue;
		}
		for (v = 0; ascii_isdigit((unsigned char)*p); p++) {
			v = v * 10 + (size_t)(*p - '0');
			if (v >= size)
				break;
			taken[v] = true;
		}
	}
}

/* pick_boundary - AFRF_BOUNDARY "<n>" with the smallest n whose
 * delimiter ("--" and the boundary) is nowhere in the parts' text. The
 * copied header block is the sender's: a field name may start with any
 * fixed delimiter, and a MIME reader takes a line that starts with it as
 * the end of a part (RFC 2046 5.1.1). Looking for it anywhere, not only
 * at line starts, also catches a longer boundary it is a prefix of.
 * One pass over the text finds the n in use: trying n = 0, 1, ... with a
 * search each was quadratic in a message holding many of them. Each
 * occurrence rules out at most one n per count of digits, so some n
 * below ten per occurrence is free (no text here is 10^9 of them). */
static void
pick_boundary(char *b, size_t n, const char *headers, const char *part)
{
	size_t size = (count_delims(headers) + count_delims(part)) * 10 + 1;
	bool *taken = xcalloc(size, sizeof(*taken));
	size_t k;

	mark_taken(headers, taken, size);
	mark_taken(part, taken, size);
	for (k = 0; k < size - 1 && taken[k]; k++)
		continue;
	free(taken);
	(void)snprintf(b, n, AFRF_BOUNDARY "%zu", k);  /* fits: 48 bytes */
}

void
report_afrf_build(struct buf *out, const struct report_afrf *r)
{
	char boundary[48];
	struct buf date = BUF_INIT, subj = BUF_INIT, part = BUF_INIT;
	struct buf text = BUF_INIT;

	report_rfc5322_date(&date, r->date);
	buf_append_str(&subj, "FW: ");
	clean(&text, r->subject);
	/* the Subject may name a person too (the human-readable part holds
	 * only the source IP and date, no address) */
	if (!r->keep_local_parts)
		report_redact_text(&subj, text.data, text.len);
	else
		buf_append(&subj, text.data, text.len);
	buf_deinit(&text);
	field(out, "From", r->from);
	field(out, "To", r->to);
	field(out, "Date", buf_cstr(&date));
	encoded_subject(out, &subj);
	feedback_fields(&part, r, buf_cstr(&date));
	pick_boundary(boundary, sizeof(boundary), r->headers, buf_cstr(&part));
	buf_printf(out, "Message-ID: <");
	clean(out, r->message_id);
	buf_printf(out, ">\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report;"
	    " report-type=feedback-report;\r\n boundary=\"%s\"\r\n\r\n"
	    "This is a MIME-formatted message.\r\n\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n"
	    "This is an authentication failure report for an email message\r\n"
	    "received from IP ", boundary, boundary);
	clean(out, r->source_ip);
	buf_printf(out, " on %s.\r\n\r\n--%s\r\n"
	    "Content-Type: message/feedback-report\r\n", buf_cstr(&date),
	    boundary);
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
	    part_encoding(part.data, part.len));
	buf_append(out, part.data, part.len);
	buf_printf(out, "\r\n--%s\r\nContent-Type: text/rfc822-headers\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", boundary,
	    part_encoding(r->headers, strlen(r->headers)));
	buf_append_str(out, r->headers);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_deinit(&date);
	buf_deinit(&subj);
	buf_deinit(&part);
}
