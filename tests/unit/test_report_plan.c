/* test_report_plan - the plans SQLite makes for authmilter-report's
 * queries that find what to report: the run over every complete period
 * reads all the rows the store keeps, so it must read only the index
 * (policy_domain, arrival) and never fetch rows from the table; --period
 * must use the index on arrival (its rows, not the whole store); the
 * writer's once-a-batch look at the reports table must use its index on
 * period_end. Judged by EXPLAIN QUERY PLAN, not by time. */
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

#include "report/report_job.h"
#include "report/report_store.h"
#include "util/buf.h"

#include "store_dir.h"

static const struct report_db_opts DB_OPTS = { 60000, "test" };

/* plan_of - the EXPLAIN QUERY PLAN lines of sql, one per line, into out */
static void
plan_of(struct report_db *db, const char *sql, struct buf *out)
{
	struct buf q = BUF_INIT;
	struct report_query *qq;
	int rc;

	buf_printf(&q, "EXPLAIN QUERY PLAN %s", sql);
	qq = report_query_new(db, buf_cstr(&q));
	while ((rc = report_query_step(qq)) > 0)
		buf_printf(out, "%s\n", report_query_col(qq, 3));
	assert_int_equal(rc, 0);
	report_query_free(&qq);
	buf_deinit(&q);
}

static void
test_pending_plans(void **state)
{
	struct buf why = BUF_INIT, plan = BUF_INIT, spec = BUF_INIT;
	struct report_store *st;

	(void)state;
	buf_printf(&spec, "sqlite:%s/p.db", store_dir);
	st = report_store_open(buf_cstr(&spec), &DB_OPTS, &why);
	assert_non_null(st);
	plan_of(report_store_db(st), report_job_pending_sql, &plan);
	print_message("all periods:\n%s", buf_cstr(&plan));
	assert_non_null(strstr(buf_cstr(&plan),
	    "COVERING INDEX messages_period"));
	assert_null(strstr(buf_cstr(&plan), "messages_arrival"));
	buf_truncate(&plan, 0);
	plan_of(report_store_db(st), report_job_period_sql, &plan);
	print_message("--period:\n%s", buf_cstr(&plan));
	assert_non_null(strstr(buf_cstr(&plan), "INDEX messages_arrival"));
	/* the writer's question at every batch, not a scan of reports */
	buf_truncate(&plan, 0);
	plan_of(report_store_db(st), report_store_ahead_sql, &plan);
	print_message("ahead:\n%s", buf_cstr(&plan));
	assert_non_null(strstr(buf_cstr(&plan), "INDEX reports_end"));
	report_store_close(&st);
	buf_deinit(&plan);
	buf_deinit(&spec);
	buf_deinit(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pending_plans,
		    store_dir_setup, store_dir_teardown),
	};

	return cmocka_run_group_tests_name("report_plan", tests, NULL, NULL);
}
