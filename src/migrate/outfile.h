/* outfile.h - authmilter-migrate's output, written whole or not at all */
#ifndef AUTHMILTER_OUTFILE_H
#define AUTHMILTER_OUTFILE_H

#include <stdbool.h>

#include "util/buf.h"

/* outfile_write - text to path ("-" or NULL: standard output); false on
 * error, said on stderr. A regular file (new, or one a symlink names) is
 * replaced only once the whole text is on disk: a failed write leaves
 * the old file as it was. A symbolic link to nothing is refused (not
 * written through). *file_r: path is a regular file holding the
 * text (a device or standard output cannot be read back) */
bool outfile_write(const char *path, const struct buf *text, bool *file_r);
/* outfile_temp_copy - text in a new file under $TMPDIR (/tmp when that
 * is unset or empty); its name in *path_r, for the caller to unlink and
 * free. False with errno set, nothing left behind */
bool outfile_temp_copy(const struct buf *text, char **path_r);

#endif
