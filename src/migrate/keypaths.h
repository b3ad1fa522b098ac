/* keypaths.h - a KeyTable's relative key file names, which OpenDKIM and
 * authmilter resolve from different directories */
#ifndef AUTHMILTER_MIGRATE_KEYPATHS_H
#define AUTHMILTER_MIGRATE_KEYPATHS_H

#include <stddef.h>

#include "util/buf.h"

/* How many moved names the message lists before "and N more". */
#define KEYPATHS_LISTED 3

/*
 * keypaths_moved - read the KeyTable data set spec (table_path is its
 * file, absolute) and count the lines whose key is a relative file name
 * ("./", "../") that OpenDKIM, working in base_dir (NULL: not known,
 * there was no absolute BaseDirectory), would read from another file
 * than authmilter, which reads it next to the KeyTable. The first
 * KEYPATHS_LISTED are appended to list as "line N: name". A table that
 * cannot be read counts 0: authmilter's own check of the result says why.
 */
size_t keypaths_moved(const char *spec, const char *table_path,
    const char *base_dir, struct buf *list);

#endif
