/*
 * unreadable.h - why a file named in the configuration cannot be read
 *
 * Libraries that load a file by name (libpsl, libunbound) say only that
 * it loaded nothing; after the privilege drop the usual cause is a file
 * only root may read, which their message hides.
 */
#ifndef UTIL_UNREADABLE_H
#define UTIL_UNREADABLE_H

/* file_unreadable - NULL when this process (its effective ids) may read
 * path, else a static reason ("cannot be read (permission denied)") */
const char *file_unreadable(const char *path);

#endif
