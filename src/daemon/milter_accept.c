/*
 * milter_accept.c - keep libmilter's listener from spinning when it
 * cannot accept a connection for want of descriptors or memory.
 *
 * libmilter's listener polls its socket, then calls accept(). A failure
 * with EMFILE, ENFILE, ENOBUFS or ENOMEM it retries at once, without a
 * pause, a count or a word in the log. The connection it could not take
 * stays in the listen queue, so the socket stays readable: at the
 * open-files limit the listener spun at a whole core until a descriptor
 * came free, stealing it from the messages in flight, and the log said
 * nothing about the MTA's connections that went unanswered.
 *
 * libmilter calls accept through the dynamic linker, and a definition in
 * the executable comes first (as sigwait does in milter_sigwait.c). This
 * one calls accept4 and, after such a failure, sleeps ACCEPT_PAUSE_MS
 * before returning it: the listener tries ten times a second, and a
 * connection waiting in the queue is served within that once a
 * descriptor is free. The first failure of a run is logged with the
 * reason, and the first success after it says how long the run lasted
 * and how many attempts failed: two lines, not one per attempt.
 *
 * Linked into the authmilter executable only. Nothing else in the
 * process calls accept (libmicrohttpd and libunbound call accept4).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log/log.h"
#include "util/clock.h"

#define ACCEPT_PAUSE_MS	100	/* between two failed attempts */

/* The run of failures; only libmilter's listener thread calls accept. */
static _Thread_local unsigned long long failed;
static _Thread_local uint64_t failing_since_ms;

/* out_of_resources - an accept failure that the next attempt would
 * repeat at once: the process or system is out of something */
static bool
out_of_resources(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM;
}

/* pause_ms - sleep ms milliseconds (a signal may end it early) */
static void
pause_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

int
accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	int conn = accept4(fd, addr, addrlen, 0);
	int err = errno;

	if (conn >= 0) {
		if (failed > 0)
			log_info("milter socket: accepting connections again "
			    "after %llu failed attempts in %.1f s", failed,
			    (double)(clock_mono_ms() - failing_since_ms) /
			    1000.0);
		failed = 0;
		return conn;
	}
	if (!out_of_resources(err))
		return conn;
	if (failed++ == 0) {
		failing_since_ms = clock_mono_ms();
		log_error("milter socket: cannot accept a connection: %s; "
		    "new connections wait in the listen queue and are "
		    "retried every %d ms", strerror(err), ACCEPT_PAUSE_MS);
	}
	pause_ms(ACCEPT_PAUSE_MS);
	errno = err;
	return conn;
}
