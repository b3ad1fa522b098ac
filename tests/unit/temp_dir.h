/* temp_dir.h - a fresh directory of files for a unit test (key files,
 * key and signing tables) */
#ifndef AUTHMILTER_TEST_TEMP_DIR_H
#define AUTHMILTER_TEST_TEMP_DIR_H

#include <stddef.h>
#include <sys/types.h>

/* the directory: made by temp_dir_setup, removed by temp_dir_teardown
 * (cmocka runs a group's teardown when a test fails, too) */
extern char temp_dir[64];

/* temp_dir_setup - cmocka setup: a new directory in /tmp, made by
 * mkdtemp(3) (mode 0700) */
int temp_dir_setup(void **state);
/* temp_dir_teardown - cmocka teardown: the directory and all in it */
int temp_dir_teardown(void **state);

/* temp_dir_path - temp_dir/name, in one of four buffers used in turn
 * (so a call may take up to four paths at once) */
const char *temp_dir_path(const char *name);
/* temp_dir_put - a file of the directory holding text, chmod to mode
 * (fopen's mode follows the umask); its path, as temp_dir_path */
const char *temp_dir_put(const char *name, const char *text, mode_t mode);
/* temp_dir_put_bytes - the same for len bytes that may hold a NUL */
const char *temp_dir_put_bytes(const char *name, const void *bytes,
    size_t len, mode_t mode);

#endif
