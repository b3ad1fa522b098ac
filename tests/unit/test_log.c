/* test_log.c - the stderr sink's prefix: "TIME IDENT[PID]: LEVEL: ",
 * control bytes of a plain line written as \xHH, and a line whose text
 * would pass 4096 bytes (PIPE_BUF) cut to fit, ending in "...".
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
	/* the log writes a pipe through a description of its own */
	log_stderr_changed();
	fn(arg);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	log_stderr_changed();
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

/* PIPE_BUF: the longest line, its newline included */
#define LINE_LIMIT 4096

/* A text for a free-form line: count copies of unit, NUL-terminated */
static char *
repeated(const char *unit, size_t count)
{
	size_t ulen = strlen(unit), i;
	char *s = malloc(ulen * count + 1);

	assert_non_null(s);
	for (i = 0; i < count; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[ulen * count] = '\0';
	return s;
}

/* line_text - what the one line in text carries after "prefix", up to
 * its newline (which must end text): the text must be one line within
 * LINE_LIMIT */
static const char *
line_text(const char *text, const char *prefix)
{
	const char *nl = strchr(text, '\n'), *p = strstr(text, prefix);

	assert_non_null(nl);
	assert_true(nl[1] == '\0');
	if ((size_t)(nl - text) + 1 > LINE_LIMIT)
		fail_msg("a line of %zu bytes", (size_t)(nl - text) + 1);
	assert_non_null(p);
	return p + strlen(prefix);
}

/* made_of - s[0..n) is copies of unit, then "...", then end */
static bool
made_of(const char *s, const char *unit, const char *end)
{
	size_t ulen = strlen(unit), elen = strlen(end), n = strlen(s);

	if (n < elen || strcmp(s + n - elen, end) != 0)
		return false;
	n -= elen;
	if (n % ulen != 0)
		return false;
	for (; n > 0; n -= ulen, s += ulen)
		if (memcmp(s, unit, ulen) != 0)
			return false;
	return true;
}

struct long_line {
	const char *unit;	/* repeated in the text */
	size_t count;
};

static void
log_long(void *arg)
{
	const struct long_line *l = arg;
	char *text = repeated(l->unit, l->count);

	log_warn("text=%s", text);
	free(text);
}

/* A free-form line of control bytes from outside, 4 bytes each once
 * escaped (8 KB): cut to fit with its prefix and newline, ending in
 * "..." after a whole \x01 */
static void
test_escaped_line_fits(void **state)
{
	struct long_line l = { "\x01", 2000 };
	char *text;

	(void)state;
	text = capture(log_long, &l);
	assert_true(made_of(line_text(text, ": warn: text="), "\\x01",
	    "...\n"));
	assert_true(strlen(text) > LINE_LIMIT - 90);
	free(text);
}

/* A text past the 2047 bytes a free-form line keeps: marked with "...",
 * and the 2-byte character the cut splits left out whole */
static void
test_cut_text_marked(void **state)
{
	struct long_line l = { "\xc3\xa9", 1500 };
	char *text;

	(void)state;
	text = capture(log_long, &l);
	/* "text=" and 1021 whole characters fit in 2047 bytes */
	assert_true(made_of(line_text(text, ": warn: text="), "\xc3\xa9",
	    "...\n"));
	assert_int_equal(strlen(strstr(text, "text=")), strlen("text=") +
	    1021 * 2 + strlen("...\n"));
	free(text);
}

/* JSON: a control byte is \u0001 (6 bytes) and a character kept as it
 * is; a text of both that would pass the limit is cut before a whole
 * escape or character, the object still closed */
static void
test_json_line_fits(void **state)
{
	struct long_line l = { "\x01\xe2\x82\xac", 500 };
	char *text;

	(void)state;
	log_set_format(LOG_FORMAT_JSON);
	text = capture(log_long, &l);
	log_set_format(LOG_FORMAT_KV);
	assert_true(made_of(line_text(text, "\"msg\":\"text="),
	    "\\u0001\xe2\x82\xac", "...\"}\n") ||
	    made_of(line_text(text, "\"msg\":\"text=\\u0001"),
	    "\xe2\x82\xac\\u0001", "...\"}\n"));
	assert_true(strncmp(text, "{\"time\":", 8) == 0);
	assert_true(strlen(text) > LINE_LIMIT - 12);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_in_new_thread),
		cmocka_unit_test(test_forked_child_shows_its_pid),
		cmocka_unit_test(test_control_bytes_escaped),
		cmocka_unit_test(test_escaped_line_fits),
		cmocka_unit_test(test_cut_text_marked),
		cmocka_unit_test(test_json_line_fits),
	};

	log_open("authmilter-test", LOG_SINK_STDERR, 0);
	log_set_level(LOG_LEVEL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
