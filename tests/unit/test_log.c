/* test_log.c - the stderr sink's prefix: "TIME IDENT[PID]: LEVEL: ",
 * control bytes of a plain line written as \xHH, and a line whose text
 * would pass 4096 bytes (PIPE_BUF) cut to fit, ending in "...".
 * The time and pid are formatted once a second for the process and copied
 * per thread (src/log/log.c), so these check that the copies are right:
 * in a new thread, and in a forked child, which must show its own pid.
 * Also: level and facility names, the JSON prefix members, a cut inside
 * a character, records formatted into one reused buffer, and what
 * log_fatal and log_panic leave, stderr moved from pipe to pipe and a
 * line a full pipe drops counted. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "log/log.h"
#include "log/logrec.h"
#include "util/buf.h"

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

/* log_bare - a line of the long text alone */
static void
log_bare(void *arg)
{
	const struct long_line *l = arg;
	char *text = repeated(l->unit, l->count);

	log_warn("%s", text);
	free(text);
}

/* log_xx - "xx" then 3-byte characters, past the 2047 bytes kept */
static void
log_xx(void *arg)
{
	char *text = repeated("\xe0\xa4\x85", 700);

	(void)arg;
	log_warn("xx%s", text);
	free(text);
}
/* Level and facility names as the config file gives them, in any
 * case; an unknown one is refused and the level left as it was */
static void
test_level_and_facility_names(void **state)
{
	enum log_level level = LOG_LEVEL_INFO;

	(void)state;
	assert_true(log_level_parse("ERROR", &level));
	assert_int_equal(level, LOG_LEVEL_ERROR);
	assert_true(log_level_parse("debug", &level));
	assert_int_equal(level, LOG_LEVEL_DEBUG);
	assert_false(log_level_parse("verbose", &level));
	assert_int_equal(level, LOG_LEVEL_DEBUG);
	assert_string_equal(log_level_name(LOG_LEVEL_WARN), "warn");
	assert_int_equal(log_facility_parse("mail"), LOG_MAIL);
	assert_int_equal(log_facility_parse("Local7"), LOG_LOCAL7);
	assert_int_equal(log_facility_parse("kern"), -1);
}

static void
log_hello(void *arg)
{
	(void)arg;
	log_info("hello");
}

/* A JSON line names the daemon and its pid in members of their own,
 * then the level and the text */
static void
test_json_prefix(void **state)
{
	char *text, want[128];

	(void)state;
	log_set_format(LOG_FORMAT_JSON);
	text = capture(log_hello, NULL);
	log_set_format(LOG_FORMAT_KV);
	(void)snprintf(want, sizeof(want), "\",\"ident\":\"authmilter-test\","
	    "\"pid\":%ld,\"level\":\"info\",\"msg\":\"hello\"}\n",
	    (long)getpid());
	assert_true(strncmp(text, "{\"time\":\"", 9) == 0);
	assert_non_null(strstr(text, want));
	free(text);
}

/* A text vsnprintf cuts inside a character: the part of it left is
 * dropped, for a 4-byte character (3 bytes left) and a 3-byte one
 * led by 0xe0 (2 bytes left); what is kept is whole characters */
static void
test_cut_inside_character(void **state)
{
	struct long_line four = { "\xf0\x9f\x98\x80", 600 };
	char *text;

	(void)state;
	/* 2047 bytes of text: 511 characters and 3 bytes of one more */
	text = capture(log_bare, &four);
	assert_true(made_of(line_text(text, ": warn: "), four.unit, "...\n"));
	assert_int_equal(strlen(line_text(text, ": warn: ")), 511 * 4 + 4);
	free(text);
	/* "xx" and 2045 bytes: 681 characters and 2 bytes of one more */
	text = capture(log_xx, NULL);
	assert_true(made_of(line_text(text, ": warn: xx"), "\xe0\xa4\x85",
	    "...\n"));
	assert_int_equal(strlen(line_text(text, ": warn: xx")), 681 * 3 + 4);
	free(text);
}

/* A DEL byte is a control byte in a line cut to fit too: \x7f */
static void
test_cut_line_escapes_del(void **state)
{
	struct long_line l = { "\x7f", 2000 };
	char *text;

	(void)state;
	text = capture(log_long, &l);
	assert_true(made_of(line_text(text, ": warn: text="), "\\x7f",
	    "...\n"));
	free(text);
}

static void
log_two_records(void *arg)
{
	struct logrec r;
	struct buf out = BUF_INIT;

	(void)arg;
	logrec_init(&r);
	logrec_add(&r, "qid", "A1");
	log_record_into(LOG_LEVEL_INFO, &r, &out);
	logrec_init(&r);
	logrec_add(&r, "qid", "B2");
	log_record_into(LOG_LEVEL_INFO, &r, &out);
	buf_deinit(&out);
	log_info("%s", "");
}

/* A caller's buffer used for one record after another holds only the
 * last one; a JSON record carries the prefix members; an empty
 * free-form text is still a line */
static void
test_records_into_one_buffer(void **state)
{
	char *text;

	(void)state;
	text = capture(log_two_records, NULL);
	assert_non_null(strstr(text, ": info: qid=A1\n"));
	assert_non_null(strstr(text, ": info: qid=B2\n"));
	assert_non_null(strstr(text, ": info: \n"));
	free(text);
	log_set_format(LOG_FORMAT_JSON);
	text = capture(log_two_records, NULL);
	log_set_format(LOG_FORMAT_KV);
	assert_non_null(strstr(text, ",\"level\":\"info\",\"qid\":\"A1\"}\n{"));
	assert_non_null(strstr(text, ",\"level\":\"info\",\"qid\":\"B2\"}\n{"));
	assert_true(strncmp(text, "{\"time\":\"", 9) == 0);
	free(text);
}

/* fatal_and_panic - a child that calls log_fatal, one that calls
 * log_panic; their wait statuses in arg */
static void
fatal_and_panic(void *arg)
{
	int *status = arg;
	pid_t child;

	fflush(NULL);
	if ((child = fork()) == 0)
		log_fatal("fatal %d", 1);
	assert_int_equal(waitpid(child, &status[0], 0), child);
	if ((child = fork()) == 0) {
		struct rlimit none = { 0, 0 };

		(void)setrlimit(RLIMIT_CORE, &none);	/* no core file */
		(void)signal(SIGABRT, SIG_DFL);
		log_panic("panic %d", 2);
	}
	assert_int_equal(waitpid(child, &status[1], 0), child);
}

/* log_fatal logs and exits with status 1; log_panic logs and aborts */
static void
test_fatal_and_panic(void **state)
{
	int status[2];
	char *text;

	(void)state;
	text = capture(fatal_and_panic, status);
	assert_true(WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 1);
	assert_true(WIFSIGNALED(status[1]) && WTERMSIG(status[1]) == SIGABRT);
	assert_non_null(strstr(text, ": error: fatal 1\n"));
	assert_non_null(strstr(text, ": error: panic 2\n"));
	free(text);
}

/* read_pipe - what the read end fd holds now (it must not block) */
static char *
read_pipe(int fd)
{
	char *text = calloc(1, 8192);
	ssize_t n;
	size_t got = 0;
	int i;

	assert_non_null(text);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 64 && got < 8191; i++) {
		if ((n = read(fd, text + got, 8191 - got)) <= 0)
			break;
		got += (size_t)n;
	}
	return text;
}

/* drain_pipe - read fd (non-blocking) until the pipe is empty */
static void
drain_pipe(int fd)
{
	char page[4096];
	int i;

	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 1024 && read(fd, page, sizeof(page)) > 0; i++)
		;
}

/* fill_pipe - write to fd (non-blocking) until the pipe takes no byte */
static void
fill_pipe(int fd)
{
	char page[4096];
	int i;

	memset(page, '.', sizeof(page));
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 1024 && write(fd, page, sizeof(page)) > 0; i++)
		;
	for (i = 0; i < 8192 && write(fd, page, 1) > 0; i++)
		;
	assert_int_equal(write(fd, page, 1), -1);
}

/* stderr a pipe, then another: a line goes to the pipe stderr is now.
 * A line the full pipe cannot take is dropped, and the first line
 * after the pipe is read again is followed by the count, one too. */
static void
test_stderr_pipes(void **state)
{
	int a[2], b[2], saved = dup(STDERR_FILENO);
	char *text;

	(void)state;
	assert_true(saved >= 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_true(dup2(a[1], STDERR_FILENO) >= 0);
	log_stderr_changed();
	log_info("to a");
	assert_true(dup2(b[1], STDERR_FILENO) >= 0);
	log_stderr_changed();
	log_info("to b");
	fill_pipe(b[1]);
	log_info("dropped");
	drain_pipe(b[0]);
	log_info("after");
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	log_stderr_changed();
	(void)close(saved);
	(void)close(a[1]);
	(void)close(b[1]);
	text = read_pipe(a[0]);
	assert_non_null(strstr(text, ": info: to a\n"));
	assert_null(strstr(text, "to b"));
	free(text);
	text = read_pipe(b[0]);
	assert_null(strstr(text, "dropped\n"));
	assert_non_null(strstr(text, ": info: after\n"));
	assert_non_null(strstr(text, ": warn: 1 log lines were dropped"));
	free(text);
	(void)close(a[0]);
	(void)close(b[0]);
}

/* log_text - arg as the whole text of a line */
static void
log_text(void *arg)
{
	log_warn("%s", (const char *)arg);
}

/* The text a line keeps is 4017 bytes: 4096 less the newline and the
 * longest prefix for this ident (a 31-byte time, 20 pid digits,
 * "error"). Escaped text of just that length is kept whole; longer, it
 * is cut where a last escape still just fits before "..." */
static void
test_escaped_line_at_the_limit(void **state)
{
	char raw[2048], *text;

	(void)state;
	memset(raw, '\x01', 1004);
	(void)strcpy(raw + 1004, "z");
	text = capture(log_text, raw);
	assert_true(made_of(line_text(text, ": warn: "), "\\x01", "z\n"));
	assert_int_equal(strlen(line_text(text, ": warn: ")), 4017 + 1);
	free(text);
	/* 2 + 1003 * 4 + 3 = 4017 */
	memcpy(raw, "ab", 2);
	memset(raw + 2, '\x01', 1100);
	raw[1102] = '\0';
	text = capture(log_text, raw);
	assert_true(made_of(line_text(text, ": warn: ab"), "\\x01", "...\n"));
	assert_int_equal(strlen(line_text(text, ": warn: ")), 4017 + 1);
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
		cmocka_unit_test(test_level_and_facility_names),
		cmocka_unit_test(test_json_prefix),
		cmocka_unit_test(test_cut_inside_character),
		cmocka_unit_test(test_cut_line_escapes_del),
		cmocka_unit_test(test_records_into_one_buffer),
		cmocka_unit_test(test_fatal_and_panic),
		cmocka_unit_test(test_stderr_pipes),
		cmocka_unit_test(test_escaped_line_at_the_limit),
	};

	log_open("authmilter-test", LOG_SINK_STDERR, 0);
	log_set_level(LOG_LEVEL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
