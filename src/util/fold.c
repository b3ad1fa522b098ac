/* fold.c - fold a header field's long lines (see fold.h) */
#include "config.h"

#include <string.h>

#include "util/fold.h"
#include "util/str.h"

/*
 * fold_point - where a line break may go in the line s[0..n): before a
 * blank with text both before it and after it on the line (RFC 5322
 * 3.2.2: no line of blanks alone), and not right after a bare CR (the
 * LF added would make it a line end, leaving what is before it a line
 * of its own, maybe of blanks alone). The last one that leaves at most
 * room octets before it, else the first one after those; 0 for none.
 */
static size_t
fold_point(const unsigned char *s, size_t n, size_t room)
{
	size_t first = 0, last = n, b;

	while (first < n && ascii_iswsp(s[first]))
		first++;
	while (last > first && ascii_iswsp(s[last - 1]))
		last--;
	for (b = room < last ? room : last - 1; b > first; b--)
		if (ascii_iswsp(s[b]) && s[b - 1] != '\r')
			return b;
	for (b = (room > first ? room : first) + 1; b < last; b++)
		if (ascii_iswsp(s[b]) && s[b - 1] != '\r')
			return b;
	return 0;
}

void
fold_lines(const unsigned char *value, size_t len, size_t first_used,
    struct buf *out)
{
	size_t start = 0;
	size_t room = first_used < FOLD_LINE_MAX ? FOLD_LINE_MAX - first_used : 0;

	buf_reserve(out, len + len / 64 + 1);
	while (start < len) {
		const unsigned char *lf = memchr(value + start, '\n',
		    len - start);
		size_t end = lf != NULL ? (size_t)(lf - value) + 1 : len;
		/* the line's octets, without its CRLF or LF */
		size_t n = end - start - (lf != NULL ? 1 : 0);

		if (lf != NULL && n > 0 && value[start + n - 1] == '\r')
			n--;
		while (n > room) {
			size_t b = fold_point(value + start, n, room);

			if (b == 0)
				break;	/* a line with nowhere to fold stays */
			buf_append(out, value + start, b);
			buf_append_byte(out, '\n');
			start += b;
			n -= b;
			room = FOLD_LINE_MAX;
		}
		buf_append(out, value + start, end - start);
		start = end;
		room = FOLD_LINE_MAX;
	}
}
