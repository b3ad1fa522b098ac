/*
 * milter_listening.c - tell when libmilter's listener has started.
 *
 * smfi_main, in the milter thread, goes on starting after that thread is
 * created: its signal thread, then its worker pool (a pipe and a handful
 * of threads), and only then the listener's loop. READY=1 sent before
 * that told the service manager, and the tests that count descriptors
 * and threads once the daemon is ready, that start-up had ended while
 * libmilter was still opening and starting them.
 *
 * libmilter has no hook for it, but the first thing its loop does is
 * poll the listening socket, and it calls poll through the dynamic
 * linker, where a definition in the executable comes first (as for
 * accept in milter_accept.c). This one passes every call on to the C
 * library's poll, and the first call from the thread marked by
 * milter_listening_thread says the listener runs. Nothing else in that
 * thread polls before the loop.
 *
 * Passed on to poll itself, not rewritten as ppoll: libmilter polls
 * some 90 times a message with a timeout, and ppoll reads that timeout
 * from memory and writes the time left back on every call, which cost
 * 8-16 us of CPU a message in the benchmark (doc/performance-history).
 *
 * Linked into the authmilter executable only.
 */
#include "config.h"

#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "daemon/milter_listening.h"

enum listener_state { STARTING, LISTENING, ENDED };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static enum listener_state state = STARTING;			/* under lock */
static _Thread_local bool is_listener;	/* the thread running smfi_main */

/* set_state - from STARTING only: a listener that ended stays ended */
static void
set_state(enum listener_state to)
{
	(void)pthread_mutex_lock(&lock);
	if (state == STARTING)
		state = to;
	(void)pthread_cond_broadcast(&changed);
	(void)pthread_mutex_unlock(&lock);
}

void
milter_listening_thread(void)
{
	is_listener = true;
}

void
milter_listening_ended(void)
{
	set_state(ENDED);
}

bool
milter_listening_wait(unsigned timeout_ms)
{
	struct timespec until;
	bool started;

	/* the monotonic clock: a clock step cannot stretch the wait */
	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	(void)pthread_mutex_lock(&lock);
	while (state == STARTING &&
	    pthread_cond_clockwait(&changed, &lock, CLOCK_MONOTONIC,
	    &until) == 0)
		;
	started = state != STARTING;
	(void)pthread_mutex_unlock(&lock);
	return started;
}

typedef int poll_function(struct pollfd *, nfds_t, int);

/* poll_by_ppoll - the same wait for a C library dlsym cannot find */
static int
poll_by_ppoll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	return ppoll(fds, nfds, tsp, NULL);
}

/*
 * The C library's poll, or poll_by_ppoll when dlsym finds none; NULL
 * until the first call looks. Threads that race to look all store the
 * same answer, and the function it names was loaded before any thread
 * ran, so a relaxed load is enough: a plain load on the hot path, where
 * pthread_once cost a call into the C library every poll (some 90 a
 * message, about 700 instructions).
 */
static _Atomic(poll_function *) libc_poll;

int
poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	poll_function *f;

	if (is_listener) {
		is_listener = false;	/* once is enough */
		set_state(LISTENING);
	}
	f = atomic_load_explicit(&libc_poll, memory_order_relaxed);
	if (f == NULL) {
		if ((f = (poll_function *)dlsym(RTLD_NEXT, "poll")) == NULL)
			f = poll_by_ppoll;
		atomic_store_explicit(&libc_poll, f, memory_order_relaxed);
	}
	return f(fds, nfds, timeout_ms);
}
