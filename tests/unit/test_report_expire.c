/* test_report_expire - authmilter-report --expire on SQLite deletes the
 * old rows in transactions of at most REPORT_EXPIRE_CHUNK rows (so the
 * daemon's writer, which waits 2 s for the store's one write lock, is
 * not kept out for the whole deletion), and deletes them all and only
 * them. Each DELETE statement is its own transaction; sqlite3_step is
 * wrapped to see how many rows each one removed. */
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
#include <sqlite3.h>

#include "report/report_job.h"
#include "report/report_store.h"
#include "util/buf.h"

#include "store_dir.h"

#define OLD_ROWS (REPORT_EXPIRE_CHUNK + 1234)
#define NEW_ROWS 10

static const struct report_db_opts DB_OPTS = { 60000, "test" };
static int most_deleted;	/* most rows one DELETE FROM messages removed */

int __real_sqlite3_step(sqlite3_stmt *s);

int
__wrap_sqlite3_step(sqlite3_stmt *s)
{
	int rc = __real_sqlite3_step(s);
	const char *sql = sqlite3_sql(s);

	if (rc == SQLITE_DONE && sql != NULL &&
	    strncmp(sql, "DELETE FROM messages", 20) == 0 &&
	    sqlite3_changes(sqlite3_db_handle(s)) > most_deleted)
		most_deleted = sqlite3_changes(sqlite3_db_handle(s));
	return rc;
}

/* add_rows - n rows that arrived at t, in one statement */
static void
add_rows(struct report_db *db, int n, int64_t t)
{
	struct buf sql = BUF_INIT, why = BUF_INIT;

	buf_printf(&sql, "INSERT INTO messages WITH RECURSIVE k(i) AS"
	    " (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)"
	    " SELECT %lld, 'q' || i, '192.0.2.1', 'a.example', 'a.example',"
	    " 'a.example', 'none', '', '', 'r', 'r', 'n', 'u', '0', 100,"
	    " 'mailto:d@a.example', '', 'psl', 'pass', 1, 1, 'none', '', '',"
	    " 'a.example', 'mfrom', 'pass', '' FROM k", n, (long long)t);
	assert_true(report_db_exec(db, buf_cstr(&sql), &why));
	buf_deinit(&sql);
	buf_deinit(&why);
}

static void
test_expire_in_chunks(void **state)
{
	struct buf why = BUF_INIT, spec = BUF_INIT;
	struct report_store *st;
	struct report_db *db;
	int64_t now = 10 * 86400;

	(void)state;
	buf_printf(&spec, "sqlite:%s/e.db", store_dir);
	st = report_store_open(buf_cstr(&spec), &DB_OPTS, &why);
	assert_non_null(st);
	db = report_store_db(st);
	add_rows(db, OLD_ROWS, 1000);
	add_rows(db, NEW_ROWS, now - 3600);
	most_deleted = 0;
	assert_int_equal(report_job_expire(st, 1, now), 0);
	print_message("most rows in one DELETE: %d\n", most_deleted);
	assert_true(most_deleted > 0);
	assert_true(most_deleted <= REPORT_EXPIRE_CHUNK);
	assert_int_equal(store_value(db, "SELECT count(*) FROM messages"),
	    NEW_ROWS);
	assert_int_equal(store_value(db, "SELECT min(arrival) FROM messages"),
	    now - 3600);
	report_store_close(&st);
	buf_deinit(&spec);
	buf_deinit(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expire_in_chunks,
		    store_dir_setup, store_dir_teardown),
	};

	return cmocka_run_group_tests_name("report_expire", tests, NULL, NULL);
}
