/* test_report_writer.c - the writer's "rows dropped" warning is timed on
 * the monotonic clock: a wall clock stepped back by hours must not
 * silence it for hours, and it still comes at most once a minute. A stop
 * that cannot join a writer held up by the store frees nothing.
 * time(), clock_gettime() and log_warn() are wrapped (-Wl,--wrap): the
 * test moves each clock by an offset and counts the warnings. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "report/report_row.h"
#include "report/report_writer.h"
#include "util/buf.h"
#include "util/xmalloc.h"
#include "store_dir.h"

static _Atomic long wall_off_s;		/* added to the wall clock */
static _Atomic long mono_off_ms;	/* added to CLOCK_MONOTONIC */
static _Atomic int drop_warnings;

time_t __real_time(time_t *t);
time_t __wrap_time(time_t *t);
int __real_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);
void __wrap_log_warn(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

time_t
__wrap_time(time_t *t)
{
	time_t v = __real_time(NULL) + atomic_load(&wall_off_s);

	if (t != NULL)
		*t = v;
	return v;
}

int
__wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	int rc = __real_clock_gettime(clk, ts);
	long ms = atomic_load(&mono_off_ms);

	if (rc != 0)
		return rc;
	if (clk == CLOCK_REALTIME)
		ts->tv_sec += atomic_load(&wall_off_s);
	else if (clk == CLOCK_MONOTONIC) {
		ts->tv_sec += ms / 1000;
		ts->tv_nsec += (ms % 1000) * 1000000L;
		if (ts->tv_nsec >= 1000000000L) {
			ts->tv_sec++;
			ts->tv_nsec -= 1000000000L;
		}
	}
	return rc;
}

void
__wrap_log_warn(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);	/* cut: fine here */
	va_end(ap);
	if (strstr(line, "report rows dropped") != NULL)
		atomic_fetch_add(&drop_warnings, 1);
}

/* submit - n rows of a.test (dropped once the queue is full) */
static void
submit(struct report_writer *w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct report_row *r = xcalloc(1, sizeof(*r));

		report_row_copy_text(r->policy_domain, sizeof(r->policy_domain),
		    "a.test");
		report_writer_submit(w, r);
	}
}

/* warnings_after - the warning count once it reaches want or 2 s pass
 * (the writer looks every 100 ms while the store is down), times
 * AUTHMILTER_TEST_TIME_SCALE (slower runs: valgrind, sanitizers) */
static int
warnings_after(int want)
{
	const char *scale = getenv("AUTHMILTER_TEST_TIME_SCALE");
	int i, n = 40 * (scale != NULL && atoi(scale) > 1 ? atoi(scale) : 1);

	for (i = 0; i < n && atomic_load(&drop_warnings) < want; i++)
		(void)usleep(50000);
	return atomic_load(&drop_warnings);
}

static void
test_drop_warning_after_wall_clock_step(void **state)
{
	struct report_writer *w;

	(void)state;
	/* a directory that does not exist: the store never opens */
	w = report_writer_start("sqlite:/nonexistent-authmilter-dir/r.db",
	    1000, 10, 24);
	submit(w, 15);			/* 10 wait in the queue, 5 dropped */
	(void)usleep(300000);
	assert_int_equal(atomic_load(&drop_warnings), 0);	/* < 1 min */
	/* 61 s pass, and meanwhile the wall clock is stepped back 2 h */
	atomic_store(&wall_off_s, -7200);
	atomic_store(&mono_off_ms, 61000);
	assert_int_equal(warnings_after(1), 1);
	/* more drops within the minute: no new warning yet */
	submit(w, 3);
	(void)usleep(300000);
	assert_int_equal(atomic_load(&drop_warnings), 1);
	/* a minute later: the next one */
	atomic_store(&mono_off_ms, 122000);
	assert_int_equal(warnings_after(2), 2);
	assert_true(report_writer_stop(&w, 2000));
}

/* A store whose write lock another connection holds: the writer waits
 * in SQLite's busy handler (2 s), so a stop given 200 ms cannot join it.
 * It must say so and free nothing: the thread still uses the writer. A
 * second stop, once the lock is gone, joins and frees it. */
static void
test_stop_not_joined(void **state)
{
	struct report_writer *w;
	struct buf spec = BUF_INIT, path = BUF_INIT;
	sqlite3 *lock;

	(void)state;
	atomic_store(&wall_off_s, 0);
	atomic_store(&mono_off_ms, 0);
	buf_printf(&path, "%s/w.db", store_dir);
	buf_printf(&spec, "sqlite:%s", buf_cstr(&path));
	w = report_writer_start(buf_cstr(&spec), 1000, 10, 24);
	submit(w, 1);
	assert_true(report_writer_stop(&w, 5000));	/* the store made */
	assert_int_equal(sqlite3_open(buf_cstr(&path), &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	w = report_writer_start(buf_cstr(&spec), 1000, 10, 24);
	submit(w, 1);
	assert_false(report_writer_stop(&w, 200));
	assert_non_null(w);
	(void)sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	(void)sqlite3_close(lock);
	assert_true(report_writer_stop(&w, 5000));
	assert_null(w);
	buf_deinit(&spec);
	buf_deinit(&path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_warning_after_wall_clock_step),
		cmocka_unit_test_setup_teardown(test_stop_not_joined,
		    store_dir_setup, store_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
