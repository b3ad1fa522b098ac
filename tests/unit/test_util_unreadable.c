/* test_util_unreadable.c - file_unreadable's reasons: none for a file
 * that may be read, each errno it names, the rest as one. Root may read
 * any file: run as root, the test asks as nobody, in a child. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "util/unreadable.h"

#include "temp_dir.h"

#define NOBODY 65534

static char file[256];

/* setup - a temp dir others may enter, holding the file "f" */
static int
setup(void **state)
{
	if (temp_dir_setup(state) != 0 || chmod(temp_dir, 0755) != 0)
		return -1;
	(void)snprintf(file, sizeof(file), "%s",
	    temp_dir_put("f", "x\n", 0644));
	return 0;
}

/* A readable file has no reason; a missing one or one under a file
 * has the one named for it */
static void
test_reasons(void **state)
{
	char under[sizeof(file) + 4];

	(void)state;
	assert_int_equal(chmod(file, 0644), 0);
	assert_null(file_unreadable(file));
	assert_string_equal(file_unreadable("/nonexistent/authmilter"),
	    "no such file");
	(void)snprintf(under, sizeof(under), "%s/x", file);
	assert_string_equal(file_unreadable(under), "cannot be opened");
}

/* the reason as seen by a user who does not own the file, as the
 * daemon after its privilege drop */
static const char *
reason_as_other(void)
{
	static const char *const reasons[] = {
		"cannot be read (permission denied)", "no such file",
		"cannot be opened",
	};
	pid_t pid;
	int status;
	size_t k;

	if (geteuid() != 0)
		return file_unreadable(file);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *why;

		if (setegid(NOBODY) != 0 || seteuid(NOBODY) != 0)
			_exit(100);
		why = file_unreadable(file);
		for (k = 0; why != NULL && k < 3; k++)
			if (strcmp(why, reasons[k]) == 0)
				_exit((int)k + 1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) <= 3);
	return WEXITSTATUS(status) == 0 ? NULL :
	    reasons[WEXITSTATUS(status) - 1];
}

/* A file nobody may read but root: denied */
static void
test_permission_denied(void **state)
{
	(void)state;
	assert_int_equal(chmod(file, 0200), 0);
	assert_string_equal(reason_as_other(),
	    "cannot be read (permission denied)");
	assert_int_equal(chmod(file, 0644), 0);
	assert_null(reason_as_other());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_permission_denied),
	};

	return cmocka_run_group_tests(tests, setup, temp_dir_teardown);
}
