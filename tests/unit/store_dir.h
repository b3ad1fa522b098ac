/* store_dir.h - a fresh directory for a unit test's SQLite store, and
 * one value read from a store */
#ifndef AUTHMILTER_TEST_STORE_DIR_H
#define AUTHMILTER_TEST_STORE_DIR_H

#include <stdint.h>

#include "report/report_db.h"

/* the directory: made by store_dir_setup, removed by store_dir_teardown
 * (cmocka runs a teardown when the test fails, too) */
extern char store_dir[64];

/* store_dir_setup - cmocka setup: a new /tmp/authmilter-store-XXXXXX */
int store_dir_setup(void **state);
/* store_dir_teardown - cmocka teardown: every file in it (a store, its
 * WAL, SHM and journal companions), then the directory */
int store_dir_teardown(void **state);

/* store_value - the one integer sql selects from db (a count, a min):
 * the test fails when it gives no row */
int64_t store_value(struct report_db *db, const char *sql);

#endif
