/* test_util_std_fds.c - std_fds_open in a child process: each closed one
 * of 0, 1, 2 gets /dev/null, open ones are left alone, nothing else stays
 * open, and a /dev/null that cannot be opened gives false */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "util/std_fds.h"

/* the child's exit codes */
enum { CHILD_OK, CHILD_RESULT, CHILD_NOT_OPEN, CHILD_NOT_NULL,
	CHILD_MOVED, CHILD_LEAK, CHILD_SETUP };

/* lowest_free - the number the next open would get */
static int
lowest_free(void)
{
	int fd = dup(STDOUT_FILENO);

	if (fd >= 0)
		(void)close(fd);
	return fd;
}

/* is_dev_null - fd is open on /dev/null */
static bool
is_dev_null(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 &&
	    S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev;
}

/* check_child - in the child: close the descriptors of mask (bit n for
 * n), with no descriptor left to open when starved, call std_fds_open;
 * the exit code says what went wrong */
static int
check_child(unsigned mask, bool starved)
{
	struct rlimit none = { 0, 0 };
	struct stat before;
	int fd, first_free = lowest_free();
	bool ok;

	/* descriptor 1 is cmocka's: a copy of it shows it was left alone */
	if (fstat(STDOUT_FILENO, &before) != 0)
		return CHILD_SETUP;
	for (fd = 0; fd <= 2; fd++)
		if ((mask & (1u << fd)) != 0)
			(void)close(fd);
	if (starved && setrlimit(RLIMIT_NOFILE, &none) != 0)
		return CHILD_SETUP;
	ok = std_fds_open();
	if (ok != !starved)
		return CHILD_RESULT;
	if (starved)
		return CHILD_OK;
	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			return CHILD_NOT_OPEN;
		if ((mask & (1u << fd)) != 0 && !is_dev_null(fd))
			return CHILD_NOT_NULL;
	}
	if ((mask & 2u) == 0) {
		struct stat now;

		if (fstat(STDOUT_FILENO, &now) != 0 ||
		    now.st_ino != before.st_ino || now.st_dev != before.st_dev)
			return CHILD_MOVED;
	}
	/* the /dev/null opened above 2 is closed again */
	return lowest_free() == first_free ? CHILD_OK : CHILD_LEAK;
}

/* run_child - check_child's exit code */
static int
run_child(unsigned mask, bool starved)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(check_child(mask, starved));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Every combination of closed descriptors is filled with /dev/null */
static void
test_fills_closed_ones(void **state)
{
	unsigned mask;

	(void)state;
	for (mask = 0; mask < 8; mask++)
		assert_int_equal(run_child(mask, false), CHILD_OK);
}

/* No descriptor to spare: false, when one of them needs filling */
static void
test_cannot_open(void **state)
{
	(void)state;
	assert_int_equal(run_child(1u, true), CHILD_OK);
	assert_int_equal(run_child(4u, true), CHILD_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_closed_ones),
		cmocka_unit_test(test_cannot_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
