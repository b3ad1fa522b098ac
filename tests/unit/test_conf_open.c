/* test_conf_open - the config file opened where a daemon may be: with
 * stdin closed, or a terminal that has not yet been typed into */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "util/buf.h"
#include "temp_file.h"

/* Started with stdin closed, the file opens as descriptor 0, and so
 * does a PSLFile checked after it is closed: files like any other, not
 * failed opens */
static void
test_stdin_closed(void **state)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;
	char path[64];
	int saved = dup(0);
	bool ok;

	(void)state;
	assert_true(saved > 0);
	temp_file_write(path, sizeof(path),
	    "LogLevel debug\nPSLFile /dev/null\n");
	(void)close(0);
	ok = conf_load(path, &c, &err);
	assert_int_equal(dup2(saved, 0), 0);
	(void)close(saved);
	(void)unlink(path);
	if (!ok)
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(c->log_level, 3);
	conf_unref(&c);
	buf_deinit(&err);
}

/* A terminal is read blocking once open (only the open is not, for a
 * FIFO's sake): lines typed a moment later load, then ^D ends them.
 * SIGALRM ends the test if it waits for ever. */
static void
test_terminal_waited_on(void **state)
{
	static const char typed[] = "LogLevel debug\n\x04";
	struct buf err = BUF_INIT;
	struct conf *c = NULL;
	int master, status;
	const char *slave;
	pid_t typist;
	bool ok;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
	    (slave = ptsname(master)) == NULL)
		skip();
	typist = fork();
	assert_true(typist >= 0);
	if (typist == 0) {
		(void)usleep(200000);
		_exit(write(master, typed, sizeof(typed) - 1) ==
		    (ssize_t)sizeof(typed) - 1 ? 0 : 1);
	}
	(void)alarm(10);
	ok = conf_load(slave, &c, &err);
	(void)alarm(0);
	assert_int_equal(waitpid(typist, &status, 0), typist);
	(void)close(master);
	if (!ok)
		fail_msg("%s", buf_cstr(&err));
	assert_int_equal(c->log_level, 3);
	conf_unref(&c);
	buf_deinit(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdin_closed),
		cmocka_unit_test(test_terminal_waited_on),
	};

	return cmocka_run_group_tests_name("conf_open", tests, NULL, NULL);
}
