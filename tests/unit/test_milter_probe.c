/*
 * test_milter_probe.c - milter_probe (the systemd watchdog's proof that
 * our milter socket serves) against listeners this test scripts: one that
 * answers the option negotiation as libmilter does, and the ways a deaf
 * or broken one fails: a socket that listens but never accepts (the
 * kernel still completes the connection), one that accepts and stays
 * silent, one that hangs up, wrong or oversized answers, no socket.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "milter/milter_probe.h"

#define NEG_TIMEOUT_MS	300	/* the failing cases wait this long */

enum script {
	S_ANSWER,	/* read OPTNEG, answer it, read QUIT */
	S_SILENT,	/* accept, read, never answer */
	S_HANGUP,	/* accept and close */
	S_WRONG_CMD,	/* answer with SMFIR_ACCEPT instead of OPTNEG */
	S_HUGE_LEN,	/* an OPTNEG answer claiming 4 GiB */
	S_NO_ACCEPT	/* listen, never accept */
};

struct listener {
	enum script script;
	int fd;
	char spec[160];
	char dir[64];
	pthread_t tid;
	unsigned char request[17];	/* what the probe sent */
	size_t request_len;
	unsigned char quit[5];
	size_t quit_len;
	bool write_failed;		/* checked after the join */
};

/* read_n - read up to len bytes (until EOF or 1 s) */
static size_t
read_n(int fd, unsigned char *p, size_t len)
{
	struct timeval tv = { 1, 0 };
	size_t got = 0;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* write_all - write len bytes or note the failure (no cmocka assert
 * outside the test's own thread) */
static void
write_all(struct listener *l, int fd, const unsigned char *p, size_t len)
{
	if (write(fd, p, len) != (ssize_t)len)
		l->write_failed = true;
}

/* serve - the listener's thread: one connection, as scripted */
static void *
serve(void *arg)
{
	struct listener *l = arg;
	unsigned char answer[17] = { 0, 0, 0, 13, 'O', 0, 0, 0, 6,
	    0, 0, 0, 0x21, 0, 0, 0, 0 };
	int c;

	if (l->script == S_NO_ACCEPT)
		return NULL;
	c = accept(l->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	if (l->script == S_HANGUP) {
		(void)close(c);
		return NULL;
	}
	l->request_len = read_n(c, l->request, sizeof(l->request));
	switch (l->script) {
	case S_ANSWER:
		write_all(l, c, answer, sizeof(answer));
		l->quit_len = read_n(c, l->quit, sizeof(l->quit));
		break;
	case S_WRONG_CMD:
		answer[3] = 1;
		answer[4] = 'a';
		write_all(l, c, answer, 5);
		break;
	case S_HUGE_LEN:
		memset(answer, 0xff, 4);
		write_all(l, c, answer, sizeof(answer));
		break;
	default:
		/* S_SILENT: wait for the probe to give up and close */
		(void)read_n(c, l->quit, sizeof(l->quit));
		break;
	}
	(void)close(c);
	return NULL;
}

/* the unix listener directory not removed yet: stop() removes it, or
 * teardown (after each test, run when the test failed too) when a failed
 * assertion left the test before stop() */
static char open_dir[64];

/* remove_dir - remove dir and the socket in it */
static void
remove_dir(const char *dir)
{
	char path[200];

	/* truncation cannot happen: dir is a short mkdtemp name */
	(void)snprintf(path, sizeof(path), "%s/s", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

/* teardown - remove the directory of a listener the test did not stop */
static int
teardown(void **state)
{
	(void)state;
	if (open_dir[0] != '\0') {
		remove_dir(open_dir);
		open_dir[0] = '\0';
	}
	return 0;
}

/* start_unix - a unix listener in a fresh directory */
static void
start_unix(struct listener *l, enum script script)
{
	struct sockaddr_un sun;

	memset(l, 0, sizeof(*l));
	l->script = script;
	(void)snprintf(l->dir, sizeof(l->dir), "/tmp/probe-test-XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	(void)snprintf(open_dir, sizeof(open_dir), "%s", l->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", l->dir);
	(void)snprintf(l->spec, sizeof(l->spec), "unix:%s", sun.sun_path);
	l->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(l->fd, 4), 0);
	assert_int_equal(pthread_create(&l->tid, NULL, serve, l), 0);
}

/* start_inet - a TCP listener on 127.0.0.1, a free port; spec_host is
 * the host the spec names (a wildcard is reached on loopback) */
static void
start_inet(struct listener *l, enum script script, const char *spec_host)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(l, 0, sizeof(*l));
	l->script = script;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l->fd, 4), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&sin, &len), 0);
	(void)snprintf(l->spec, sizeof(l->spec), "inet:%u@%s",
	    (unsigned)ntohs(sin.sin_port), spec_host);
	assert_int_equal(pthread_create(&l->tid, NULL, serve, l), 0);
}

/* stop - join the thread, close, remove the unix socket and its
 * directory */
static void
stop(struct listener *l)
{
	(void)close(l->fd);
	(void)pthread_join(l->tid, NULL);
	if (l->dir[0] != '\0') {
		remove_dir(l->dir);
		open_dir[0] = '\0';
	}
	assert_false(l->write_failed);
}

/* elapsed_ms - since *t0 */
static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void
test_answer_unix(void **state)
{
	static const unsigned char want[17] = { 0, 0, 0, 13, 'O', 0, 0, 0, 6,
	    0, 0, 0x01, 0xff, 0, 0x1f, 0xff, 0xff };
	static const unsigned char quit[5] = { 0, 0, 0, 1, 'Q' };
	struct listener l;
	const char *why = NULL;

	(void)state;
	start_unix(&l, S_ANSWER);
	assert_true(milter_probe(l.spec, 2000, &why));
	stop(&l);
	/* an MTA's OPTNEG: version 6, every action, every step; then QUIT */
	assert_int_equal(l.request_len, sizeof(want));
	assert_memory_equal(l.request, want, sizeof(want));
	assert_int_equal(l.quit_len, sizeof(quit));
	assert_memory_equal(l.quit, quit, sizeof(quit));
}

static void
test_answer_inet_wildcard(void **state)
{
	struct listener l;
	const char *why = NULL;

	(void)state;
	start_inet(&l, S_ANSWER, "0.0.0.0");
	assert_true(milter_probe(l.spec, 2000, &why));
	stop(&l);
	assert_int_equal(l.quit_len, 5);
}

/* expect_fail - the scripted listener fails the probe, in time, saying
 * why_part */
static void
expect_fail(struct listener *l, const char *why_part)
{
	struct timespec t0;
	const char *why = NULL;
	long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_false(milter_probe(l->spec, NEG_TIMEOUT_MS, &why));
	ms = elapsed_ms(&t0);
	stop(l);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
	assert_true(ms <= NEG_TIMEOUT_MS + 500);
}

static void
test_listening_but_not_accepting(void **state)
{
	struct listener l;

	(void)state;
	start_unix(&l, S_NO_ACCEPT);
	expect_fail(&l, "no answer");
	start_inet(&l, S_NO_ACCEPT, "127.0.0.1");
	expect_fail(&l, "no answer");
}

static void
test_silent(void **state)
{
	struct listener l;

	(void)state;
	start_unix(&l, S_SILENT);
	expect_fail(&l, "no answer");
}

static void
test_hangup(void **state)
{
	struct listener l;

	(void)state;
	start_unix(&l, S_HANGUP);
	expect_fail(&l, "option negotiation");
}

static void
test_wrong_answers(void **state)
{
	struct listener l;

	(void)state;
	start_unix(&l, S_WRONG_CMD);
	expect_fail(&l, "refused");
	start_unix(&l, S_HUGE_LEN);
	expect_fail(&l, "refused");
}

static void
test_nothing_there(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_false(milter_probe("unix:/nonexistent/authmilter.sock", 200, &why));
	assert_string_equal(why, "cannot connect to the milter socket");
	why = NULL;
	assert_false(milter_probe("bogus:spec", 200, &why));
	assert_string_equal(why, "cannot connect to the milter socket");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_answer_unix, teardown),
		cmocka_unit_test(test_answer_inet_wildcard),
		cmocka_unit_test_teardown(test_listening_but_not_accepting,
		    teardown),
		cmocka_unit_test_teardown(test_silent, teardown),
		cmocka_unit_test_teardown(test_hangup, teardown),
		cmocka_unit_test_teardown(test_wrong_answers, teardown),
		cmocka_unit_test(test_nothing_there),
	};

	/* a scripted write to a probe that already left must not kill us */
	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
