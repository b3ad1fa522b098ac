/* outfile.h - authmilter-migrate's output, written whole or not at all */
#ifndef AUTHMILTER_OUTFILE_H
#define AUTHMILTER_OUTFILE_H

#include <stdbool.h>

#include "util/buf.h"

/* outfile_write - text to path ("-" or NULL: standard output); false on
 * error, said on stderr. A regular file (new, or one a symlink names) is
 * replaced only once the whole text is on disk: a failed write leaves
 * the old file as it was. */
bool outfile_write(const char *path, const struct buf *text);
/* outfile_write_all - all of text to fd; false with errno set */
bool outfile_write_all(int fd, const struct buf *text);

#endif
