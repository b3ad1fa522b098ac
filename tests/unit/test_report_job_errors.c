/* test_report_job_errors - a store error while authmilter-report reads
 * what to report is a failure the run's exit status shows and the next
 * run retries: the pending list, a report's state, its policy record.
 * Before, a failed policy read recorded the report as "skipped" (never
 * made again), and a failed list or state read ended the run with 0.
 * sqlite3_step is wrapped to fail the one statement under test. */
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

static const struct report_db_opts DB_OPTS = { 60000, "test" };
/* the statement to fail (its SQL begins so); NULL: none */
static const char *fail_sql;

int __real_sqlite3_step(sqlite3_stmt *s);

int
__wrap_sqlite3_step(sqlite3_stmt *s)
{
	const char *sql = sqlite3_sql(s);

	if (fail_sql != NULL && sql != NULL &&
	    strncmp(sql, fail_sql, strlen(fail_sql)) == 0)
		return SQLITE_IOERR;	/* as a disk that fails a read */
	return __real_sqlite3_step(s);
}

/* run_with_failing - one row of a.example in the first day, a run on
 * day 10 with fail_sql failing; the run's status, and the stored
 * report state (0 none, 1 sent, 2 skipped, 3 failed, 4 claimed) */
static void
run_with_failing(const char *sql, int *rc_r, int64_t *state_r)
{
	struct buf why = BUF_INIT, spec = BUF_INIT;
	struct report_job_opts o;
	struct report_store *st;
	struct conf c;

	buf_printf(&spec, "sqlite:%s/j.db", store_dir);
	st = report_store_open(buf_cstr(&spec), &DB_OPTS, &why);
	assert_non_null(st);
	assert_true(report_db_exec(report_store_db(st), "INSERT INTO messages"
	    " VALUES (1000, 'q1', '192.0.2.1', 'a.example', 'a.example',"
	    " 'a.example', 'none', '', '', 'r', 'r', 'n', 'u', '0', 100,"
	    " 'mailto:d@a.example', '', 'treewalk', 'pass', 1, 1, 'none',"
	    " '', '', 'a.example', 'mfrom', 'pass', '')", &why));
	memset(&c, 0, sizeof(c));
	c.report_contact = "dmarc@r.example";
	c.report_interval_hours = 24;
	c.report_max_bytes = 10485760;
	c.report_sendmail = "cat >/dev/null";
	memset(&o, 0, sizeof(o));
	o.conf = &c;
	o.now = 10 * 86400;
	o.claimer = "test:1";
	fail_sql = sql;
	*rc_r = report_job_run(st, &o);
	fail_sql = NULL;
	*state_r = store_value(report_store_db(st), "SELECT count(*) +"
	    " coalesce(max(CASE state WHEN 'sent' THEN 1 WHEN 'skipped' THEN 2"
	    " WHEN 'failed' THEN 3 WHEN 'claimed' THEN 4 END), 0) - count(*)"
	    " FROM reports");
	report_store_close(&st);
	buf_deinit(&spec);
	buf_deinit(&why);
}

/* the store as it is: the report is sent (the baseline) */
static void
test_no_error(void **state)
{
	int64_t st;
	int rc;

	(void)state;
	run_with_failing(NULL, &rc, &st);
	assert_int_equal(rc, 0);
	assert_int_equal(st, 1);
}

/* the policy record cannot be read: failed (retried), not skipped */
static void
test_policy_read_fails(void **state)
{
	int64_t st;
	int rc;

	(void)state;
	run_with_failing("SELECT p, sp, np", &rc, &st);
	assert_int_equal(rc, 1);
	assert_int_equal(st, 3);
}

/* what is pending cannot be read: the run fails */
static void
test_pending_read_fails(void **state)
{
	int64_t st;
	int rc;

	(void)state;
	run_with_failing("SELECT policy_domain, count(*)", &rc, &st);
	assert_int_equal(rc, 1);
	assert_int_equal(st, 0);
}

/* a report's state cannot be read: the run fails and leaves it alone
 * (a report sent to some addresses would go to them again) */
static void
test_state_read_fails(void **state)
{
	int64_t st;
	int rc;

	(void)state;
	run_with_failing("SELECT state, sent_to", &rc, &st);
	assert_int_equal(rc, 1);
	assert_int_equal(st, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_error,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_policy_read_fails,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_pending_read_fails,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_state_read_fails,
		    store_dir_setup, store_dir_teardown),
	};

	return cmocka_run_group_tests_name("report_job_errors", tests, NULL,
	    NULL);
}
