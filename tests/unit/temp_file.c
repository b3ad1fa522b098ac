/* temp_file.c - see temp_file.h */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "temp_file.h"

/* mkstemp's template, not a placeholder: mkstemp replaces the six
 * X's (all six are required) with a unique name */
#define MKSTEMP_TEMPLATE "authmilter-test-XXXXXX"

void
temp_file_write(char *path, size_t pathsz, const char *text)
{
	const char *dir = getenv("TMPDIR");
	ssize_t w;
	int fd;

	/* a TMPDIR too long for the caller's buffer falls back to /tmp */
	if (dir == NULL || *dir == '\0' ||
	    (size_t)snprintf(path, pathsz, "%s/%s", dir, MKSTEMP_TEMPLATE) >=
	    pathsz)
		(void)snprintf(path, pathsz, "/tmp/%s", MKSTEMP_TEMPLATE);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	w = write(fd, text, strlen(text));
	(void)close(fd);
	if (w != (ssize_t)strlen(text))
		(void)unlink(path);
	assert_int_equal(w, (ssize_t)strlen(text));
}
