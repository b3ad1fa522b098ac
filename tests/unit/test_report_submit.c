/* test_report_submit.c - ReportSendmail: what the command reads, and
 * what a failure says (with and without no_new_privs) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <cmocka.h>

#include "report/report_submit.h"
#include "util/buf.h"

/* The command reads the message with LF line ends; a lone CR stays. */
static void
test_lf_line_ends(void **state)
{
	char path[] = "/tmp/authmilter-submit-XXXXXX", cmd[128], got[64];
	struct buf msg = BUF_INIT, why = BUF_INIT;
	FILE *f;
	size_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	(void)close(fd);
	(void)snprintf(cmd, sizeof(cmd), "cat > %s", path);
	buf_append_str(&msg, "To: a@b.example\r\nX: 1\r2\r\n\r\nbody\r\n");
	assert_true(report_submit(cmd, &msg, &why));
	assert_int_equal(why.len, 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	(void)fclose(f);
	(void)unlink(path);
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
	assert_false(report_submit("cat >/dev/null; exit 3", &msg, &why));
	assert_string_equal(buf_cstr(&why), "cat >/dev/null; exit 3: exit status 3");
	buf_reset(&why);
	assert_false(report_submit("cat >/dev/null; kill -9 $$", &msg, &why));
	assert_non_null(strstr(buf_cstr(&why), "exit status 137"));
	assert_null(strstr(buf_cstr(&why), "no_new_privs"));
	buf_reset(&why);
	assert_int_equal(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	assert_false(report_submit("cat >/dev/null; exit 75", &msg, &why));
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
		cmocka_unit_test(test_failure_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
