/* test_log.c - the stderr sink's prefix: "TIME IDENT[PID]: LEVEL: ",
 * and control bytes of a plain line written as \xHH.
 * The time and pid are formatted once a second for the process and copied
 * per thread (src/log/log.c), so these check that the copies are right:
 * in a new thread, and in a forked child, which must show its own pid. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log/log.h"

/* capture - run fn with stderr on a temporary file; the text it wrote */
static char *
capture(void (*fn)(void *), void *arg)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	long n;
	char *text;

	assert_non_null(f);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	fn(arg);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = (long)lseek(fileno(f), 0, SEEK_END);
	assert_true(n >= 0);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(pread(fileno(f), text, (size_t)n, 0), n);
	fclose(f);
	return text;
}

/* pid_of_line - the PID in "TIME authmilter-test[PID]: LEVEL: ..." */
static long
pid_of_line(const char *line, const char *msg)
{
	const char *p = strstr(line, "authmilter-test[");
	char *end;
	long pid;

	assert_non_null(p);
	pid = strtol(p + strlen("authmilter-test["), &end, 10);
	assert_true(strncmp(end, "]: info: ", 9) == 0);
	assert_true(strncmp(end + 9, msg, strlen(msg)) == 0);
	return pid;
}

static void *
log_in_thread(void *arg)
{
	log_info("%s", (const char *)arg);
	return NULL;
}

static void
two_threads(void *arg)
{
	pthread_t th;

	(void)arg;
	log_info("from main");
	assert_int_equal(pthread_create(&th, NULL, log_in_thread, "from thread"), 0);
	pthread_join(th, NULL);
}

/* A thread started after the prefix was formatted copies it: same pid,
 * same layout. */
static void
test_prefix_in_new_thread(void **state)
{
	char *text, *second;

	(void)state;
	text = capture(two_threads, NULL);
	second = strchr(text, '\n');
	assert_non_null(second);
	assert_int_equal(pid_of_line(text, "from main"), (long)getpid());
	assert_int_equal(pid_of_line(second + 1, "from thread"), (long)getpid());
	/* the time is 2024-01-31T12:00:00+01:00 (RFC 3339), then a space */
	assert_true(strlen(text) > 26 && text[4] == '-' && text[10] == 'T' &&
	    (text[19] == '+' || text[19] == '-') && text[22] == ':' &&
	    text[25] == ' ');
	free(text);
}

static void
parent_then_child(void *arg)
{
	pid_t child;
	int status;

	(void)arg;
	log_info("parent");
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		log_info("child");
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	*(pid_t *)arg = child;
}

/* A child forked in the same second as a line of its parent shows its own
 * pid, not the parent's cached one. */
static void
test_forked_child_shows_its_pid(void **state)
{
	pid_t child = 0;
	char *text, *second;

	(void)state;
	text = capture(parent_then_child, &child);
	second = strchr(text, '\n');
	assert_non_null(second);
	assert_int_equal(pid_of_line(text, "parent"), (long)getpid());
	assert_int_equal(pid_of_line(second + 1, "child"), (long)child);
	free(text);
}

static void
hostile_lines(void *arg)
{
	(void)arg;
	log_warn("url `%s' end", "/metrics\nauthmilter[1]: info: forged\r\x01\x7f");
	log_info("after");
}

/* A free-form line with CR, LF or another control byte in its text (a
 * URL libmicrohttpd names, percent-decoded) stays one line: those bytes
 * are written as \xHH, as the per-message record writes them. */
static void
test_control_bytes_escaped(void **state)
{
	char *text, *second, *p;
	int lines = 0;

	(void)state;
	text = capture(hostile_lines, NULL);
	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 2);
	assert_non_null(strstr(text, ": warn: url `/metrics\\x0aauthmilter[1]: "
	    "info: forged\\x0d\\x01\\x7f' end\n"));
	second = strchr(text, '\n');
	assert_int_equal(pid_of_line(second + 1, "after"), (long)getpid());
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_in_new_thread),
		cmocka_unit_test(test_forked_child_shows_its_pid),
		cmocka_unit_test(test_control_bytes_escaped),
	};

	log_open("authmilter-test", LOG_SINK_STDERR, 0);
	log_set_level(LOG_LEVEL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
