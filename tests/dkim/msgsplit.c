/*
 * msgsplit.c - test helper that splits a message like a milter would
 *
 * Exported: msg_next_field. Lines may end in CRLF or LF. Used by the unit
 * tests and by the interop check program; not part of the daemon.
 */
#include <string.h>

#include "msgsplit.h"

/* line_end - offset just past the line starting at pos, and its content
 * length in *clen (without CR LF) */
static size_t
line_end(const unsigned char *p, size_t len, size_t pos, size_t *clen)
{
	const unsigned char *nl = memchr(p + pos, '\n', len - pos);
	size_t end = nl ? (size_t)(nl - p) : len;
	size_t c = end;

	if (c > pos && p[c - 1] == '\r')
		c--;
	*clen = c - pos;
	return nl ? end + 1 : len;
}

/* msg_next_field - the next header field */
int
msg_next_field(const unsigned char *p, size_t len, size_t *pos,
    struct msg_field *f)
{
	size_t start = *pos, clen, next, colon, vend;

	if (start >= len)
		return 0;
	next = line_end(p, len, start, &clen);
	if (clen == 0) {
		*pos = next;
		return 0;
	}
	for (colon = start; colon < start + clen && p[colon] != ':'; colon++)
		;
	if (colon == start + clen)
		return -1;
	f->name = p + start;
	f->name_len = colon - start;
	f->value = p + colon + 1;
	vend = start + clen;
	/* continuation lines start with WSP */
	while (next < len && (p[next] == ' ' || p[next] == '\t')) {
		size_t n2 = line_end(p, len, next, &clen);

		vend = next + clen;
		next = n2;
	}
	f->value_len = vend - (colon + 1);
	*pos = next;
	return 1;
}
