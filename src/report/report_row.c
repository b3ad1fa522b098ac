/*
 * report_row.c - helpers for the report row type (report_row.h).
 *
 *   report_row_copy_text  bounded copy that keeps the store's encoding safe
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "report/report_row.h"
#include "util/utf8.h"

void
report_row_copy_text(char *dst, size_t n, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t i = 0, left, len;

	if (n == 0)
		return;
	left = src != NULL ? strlen(src) : 0;
	while (left > 0 && i + 1 < n) {
		len = utf8_seq_len(p, left);
		if (len == 0 || *p < 0x20 || *p == 0x7f) {
			dst[i++] = '?';	/* a byte the store would refuse */
			p++;
			left--;
			continue;
		}
		if (i + len >= n)
			break;		/* never half a character */
		memcpy(dst + i, p, len);
		i += len;
		p += len;
		left -= len;
	}
	dst[i] = '\0';
}
