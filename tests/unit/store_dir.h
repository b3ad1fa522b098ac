/* store_dir.h - a fresh directory for a unit test's SQLite store */
#ifndef AUTHMILTER_TEST_STORE_DIR_H
#define AUTHMILTER_TEST_STORE_DIR_H

/* the directory: made by store_dir_setup, removed by store_dir_teardown
 * (cmocka runs a teardown when the test fails, too) */
extern char store_dir[64];

/* store_dir_setup - cmocka setup: a new /tmp/authmilter-store-XXXXXX */
int store_dir_setup(void **state);
/* store_dir_teardown - cmocka teardown: every file in it (a store, its
 * WAL, SHM and journal companions), then the directory */
int store_dir_teardown(void **state);

#endif
