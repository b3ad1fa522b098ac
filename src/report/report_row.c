/*
 * report_row.c - helpers for the report row type (report_row.h).
 *
 *   report_row_copy_text  bounded copy that keeps the store's encoding safe
 */
#include "config.h"

#include <stddef.h>

#include "report/report_row.h"

void
report_row_copy_text(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	if (n == 0)
		return;
	if (src != NULL)
		for (; src[i] != '\0' && i + 1 < n; i++)
			dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ?
			    '?' : src[i];
	dst[i] = '\0';
}
