/* temp_file.h - a fresh file holding given text, for unit tests that
 * read configuration or lists from a path */
#ifndef AUTHMILTER_TEST_TEMP_FILE_H
#define AUTHMILTER_TEST_TEMP_FILE_H

#include <stddef.h>

/* temp_file_write - a new file holding text, in $TMPDIR (in /tmp when
 * that is unset or too long for path); its name in path (pathsz bytes).
 * A failed write is a test failure and leaves no file. */
void temp_file_write(char *path, size_t pathsz, const char *text);

#endif
