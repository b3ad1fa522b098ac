/* test_report_submit.c - ReportSendmail: what the command reads, what a
 * failure says (with and without no_new_privs), and the time limit: a
 * command that hangs, reads nothing or leaves a child behind is killed
 * (its process group) at the limit or at a stop set meanwhile */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <cmocka.h>

#include "report/report_submit.h"
#include "util/buf.h"

#define LATER	(clock_mono_ms() + 30000)

/* Where a test's command writes what the test reads back. mkstemp fills
 * in the trailing six characters of its template. */
#define OUT_TEMPLATE	"/tmp/authmilter-submit-XXXXXX"

/* out_new - an empty file for the command's output, its name in path */
static void
out_new(char path[sizeof(OUT_TEMPLATE)])
{
	int fd;

	memcpy(path, OUT_TEMPLATE, sizeof(OUT_TEMPLATE));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	(void)close(fd);
}

/* out_take - what the command wrote to path (at most size - 1 bytes),
 * then the file is removed */
static void
out_take(const char *path, char *got, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(got, 1, size - 1, f);
	got[n] = '\0';
	(void)fclose(f);
	(void)unlink(path);
}

/* big - a message larger than a pipe holds */
static void
big(struct buf *msg)
{
	size_t i;

	buf_append_str(msg, "To: a@b.example\r\n\r\n");
	for (i = 0; i < 20000; i++)
		buf_append_str(msg, "0123456789012345678901234567890123456789\r\n");
}

/* dead - true when pid is gone or a zombie (nothing runs any more) */
static bool
dead(pid_t pid)
{
	char path[64], st[256];
	FILE *f;
	bool gone;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	gone = fgets(st, sizeof(st), f) != NULL &&
	    strstr(st, ") Z ") != NULL;
	(void)fclose(f);
	return gone;
}

/* A command that never ends, and leaves a child of its own (the shell's
 * background job), is killed at the limit, child and all; one that reads
 * nothing of a large message does not hold the writer past the limit. */
static void
test_time_limit(void **state)
{
	char path[sizeof(OUT_TEMPLATE)], cmd[160], got[32];
	struct buf msg = BUF_INIT, why = BUF_INIT;
	uint64_t t0;
	long child;
	int i;

	(void)state;
	out_new(path);
	(void)snprintf(cmd, sizeof(cmd),
	    "cat >/dev/null; sleep 30 & echo $! > %s; wait", path);
	buf_append_str(&msg, "To: a@b.example\r\n\r\nx\r\n");
	t0 = clock_mono_ms();
	assert_false(report_submit(cmd, &msg, t0 + 300, NULL, &why));
	assert_true(clock_mono_ms() - t0 < 3000);
	assert_non_null(strstr(buf_cstr(&why), ": not done after "));
	assert_non_null(strstr(buf_cstr(&why), " ms: killed"));
	out_take(path, got, sizeof(got));
	child = strtol(got, NULL, 10);
	assert_true(child > 0);
	for (i = 0; i < 100 && !dead((pid_t)child); i++)
		(void)usleep(10000);
	assert_true(dead((pid_t)child));

	buf_reset(&msg);
	buf_reset(&why);
	big(&msg);
	t0 = clock_mono_ms();
	assert_false(report_submit("sleep 30", &msg, t0 + 300, NULL, &why));
	assert_true(clock_mono_ms() - t0 < 3000);
	assert_non_null(strstr(buf_cstr(&why), "sleep 30: not done after "));
	buf_deinit(&msg);
	buf_deinit(&why);
}

/* A command that exits without reading a large message: its exit status
 * decides, and the write to the closed pipe does not end this process
 * (SIGPIPE is taken, not delivered: this test runs with its default) */
static void
test_no_reader(void **state)
{
	struct buf msg = BUF_INIT, why = BUF_INIT;

	(void)state;
	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	big(&msg);
	assert_false(report_submit("exit 3", &msg, LATER, NULL, &why));
	assert_string_equal(buf_cstr(&why), "exit 3: exit status 3");
	assert_true(report_submit("exit 0", &msg, LATER, NULL, &why));
	buf_deinit(&msg);
	buf_deinit(&why);
}

static _Atomic uint64_t stop_at;

/* set_stop - another thread's stop, 200 ms from now */
static void *
set_stop(void *arg)
{
	(void)arg;
	(void)usleep(200000);
	atomic_store(&stop_at, clock_mono_ms());
	return NULL;
}

/* A stop set while the command runs ends it then, not at its own limit */
static void
test_stop_meanwhile(void **state)
{
	struct buf msg = BUF_INIT, why = BUF_INIT;
	pthread_t th;
	uint64_t t0;

	(void)state;
	buf_append_str(&msg, "To: a@b.example\r\n\r\nx\r\n");
	assert_int_equal(pthread_create(&th, NULL, set_stop, NULL), 0);
	t0 = clock_mono_ms();
	assert_false(report_submit("cat >/dev/null; sleep 30", &msg, t0 + 30000,
	    &stop_at, &why));
	assert_true(clock_mono_ms() - t0 < 3000);
	assert_non_null(strstr(buf_cstr(&why), " ms: killed"));
	(void)pthread_join(th, NULL);
	buf_deinit(&msg);
	buf_deinit(&why);
}

/* The command starts as from a shell although the calling thread blocks
 * signals and the process ignores SIGPIPE (as the daemon's threads do):
 * no signal blocked, SIGPIPE at its default */
static void
test_child_signals(void **state)
{
	char path[sizeof(OUT_TEMPLATE)], cmd[160], got[128];
	struct buf msg = BUF_INIT, why = BUF_INIT;
	const char *blk, *ign;
	sigset_t set, old;

	(void)state;
	out_new(path);
	(void)snprintf(cmd, sizeof(cmd),
	    "cat >/dev/null; grep -E '^Sig(Blk|Ign)' /proc/self/status > %s", path);
	buf_append_str(&msg, "To: a@b.example\r\n\r\nx\r\n");
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGTERM);
	(void)sigaddset(&set, SIGHUP);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	assert_true(report_submit(cmd, &msg, LATER, NULL, &why));
	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	out_take(path, got, sizeof(got));
	blk = strstr(got, "SigBlk:");
	ign = strstr(got, "SigIgn:");
	assert_non_null(blk);
	assert_non_null(ign);
	assert_int_equal(strtoull(blk + 7, NULL, 16), 0);
	assert_int_equal(strtoull(ign + 7, NULL, 16) & (1ULL << (SIGPIPE - 1)), 0);
	buf_deinit(&msg);
	buf_deinit(&why);
}

/* The command reads the message with LF line ends; a lone CR stays. */
static void
test_lf_line_ends(void **state)
{
	char path[sizeof(OUT_TEMPLATE)], cmd[128], got[64];
	struct buf msg = BUF_INIT, why = BUF_INIT;

	(void)state;
	out_new(path);
	(void)snprintf(cmd, sizeof(cmd), "cat > %s", path);
	buf_append_str(&msg, "To: a@b.example\r\nX: 1\r2\r\n\r\nbody\r\n");
	assert_true(report_submit(cmd, &msg, LATER, NULL, &why));
	assert_int_equal(why.len, 0);
	out_take(path, got, sizeof(got));
	assert_string_equal(got, "To: a@b.example\nX: 1\r2\n\nbody\n");
	buf_deinit(&msg);
	buf_deinit(&why);
}

/* A failing command: its exit status, or its signal as 128 + n. Then,
 * with no_new_privs set (irreversibly, so last), the hint that a setgid
 * submission program cannot work. */
static void
test_failure_says_why(void **state)
{
	struct buf msg = BUF_INIT, why = BUF_INIT;

	(void)state;
	buf_append_str(&msg, "To: a@b.example\r\n\r\nx\r\n");
	assert_false(report_submit("cat >/dev/null; exit 3", &msg, LATER, NULL, &why));
	assert_string_equal(buf_cstr(&why), "cat >/dev/null; exit 3: exit status 3");
	buf_reset(&why);
	assert_false(report_submit("cat >/dev/null; kill -9 $$", &msg, LATER,
	    NULL, &why));
	assert_non_null(strstr(buf_cstr(&why), "exit status 137"));
	assert_null(strstr(buf_cstr(&why), "no_new_privs"));
	buf_reset(&why);
	assert_int_equal(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	assert_false(report_submit("cat >/dev/null; exit 75", &msg, LATER, NULL,
	    &why));
	assert_non_null(strstr(buf_cstr(&why), "exit status 75 (this process "
	    "runs with no_new_privs"));
	assert_non_null(strstr(buf_cstr(&why), "postdrop"));
	buf_deinit(&msg);
	buf_deinit(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lf_line_ends),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_no_reader),
		cmocka_unit_test(test_stop_meanwhile),
		cmocka_unit_test(test_child_signals),
		cmocka_unit_test(test_failure_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
