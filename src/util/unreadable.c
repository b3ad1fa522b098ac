/*
 * unreadable.c - why a file cannot be read (see unreadable.h)
 *
 * Exported: file_unreadable.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util/unreadable.h"

const char *
file_unreadable(const char *path)
{
	if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0)
		return NULL;
	switch (errno) {
	case EACCES:
		return "cannot be read (permission denied)";
	case ENOENT:
		return "no such file";
	default:
		return "cannot be opened";
	}
}
