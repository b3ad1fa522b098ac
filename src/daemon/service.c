/*
 * service.c - the daemon's conversation with systemd: readiness, reload,
 * stop, a status line, and the watchdog.
 *
 * Exported:
 *   service_ready      READY=1 + STATUS=; starts the status/watchdog thread
 *   service_reloading  RELOADING=1 + MONOTONIC_USEC= (SIGHUP received)
 *   service_reloaded   READY=1 + STATUS= (reload done or refused)
 *   service_stopping   STOPPING=1, EXTEND_TIMEOUT_USEC=; the thread stops
 *   service_free       release the handle
 *
 * The watchdog. systemd restarts a unit with WatchdogSec= when WATCHDOG=1
 * stops arriving; the point is to restart a daemon that no longer serves
 * mail. libmilter serves from its own threads: smfi_main's listener
 * thread accepts, worker threads run our callbacks. The daemon's main
 * thread only handles signals, so a timer there (or anywhere) would keep
 * feeding the watchdog while the listener is wedged. Neither can we put
 * the ping in the listener itself (libmilter has no hook). So a thread of
 * ours plays MTA: before each WATCHDOG=1 it connects to our own milter
 * socket and negotiates options (milter_probe); only an answer from a
 * libmilter worker, which the listener must have accepted and handed the
 * connection to, earns the ping. A deaf daemon (listener stuck, workers
 * exhausted, socket gone) stops pinging and systemd restarts it.
 * The probe runs at half the watchdog interval (sd_watchdog_enabled(3)
 * advises that) and may take a quarter of it, so a slow answer still
 * pings in time. The probe never reaches SMFIC_CONNECT, so it is no
 * message and no client to the rest of the milter.
 *
 * The status line, refreshed on each tick (STATUS_EVERY_MS without a
 * watchdog): "serving SPEC, N messages, config loaded at TIME UTC".
 *
 * Reload: RELOADING=1 and READY=1 are understood by systemd 252 (Debian
 * 12) for Type=notify; MONOTONIC_USEC= is what systemd 253 and later
 * require with RELOADING=1 for Type=notify-reload, and older versions
 * ignore the unknown assignment, so it is always sent.
 *
 * Thread safety: the handle's mutable fields are under its mutex; the
 * calls above come from the main thread only.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/notify.h"
#include "daemon/service.h"
#include "log/log.h"
#include "milter/milter_probe.h"
#include "milter/session.h"
#include "util/xmalloc.h"

#define STATUS_EVERY_MS	10000	/* status refresh without a watchdog */
#define TICK_MIN_MS	100	/* never probe more often than this */
#define PROBE_MAX_MS	10000	/* a probe waits at most this long */
#define NOTE_MAX	512	/* one notification, status line included */
/* what a stop takes beyond ShutdownTimeout: the last replies, the
 * listener's end, the report writer's last batch */
#define STOP_MARGIN_MS	30000

struct service {
	const char *spec;		/* not owned */
	bool wanted;			/* a service manager listens */
	uint64_t watchdog_usec;		/* 0: no watchdog */
	bool thread_started;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* on the monotonic clock */
	bool stop;			/* under lock */
	time_t config_loaded;		/* under lock */
	time_t reload_refused;		/* under lock; 0: none since */
	bool deaf;			/* the last probe failed (thread only) */
};

/* format_utc - "YYYY-MM-DD HH:MM:SS UTC" into out */
static void
format_utc(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)snprintf(out, len, "%lld", (long long)t);
}

/* status_line - "STATUS=..." for the current state into out */
static void
status_line(struct service *svc, const char *why_deaf, char *out, size_t len)
{
	char loaded[40], refused[80] = "";
	time_t t_loaded, t_refused;

	(void)pthread_mutex_lock(&svc->lock);
	t_loaded = svc->config_loaded;
	t_refused = svc->reload_refused;
	(void)pthread_mutex_unlock(&svc->lock);
	format_utc(t_loaded, loaded, sizeof(loaded));
	if (t_refused != 0) {
		char when[40];

		format_utc(t_refused, when, sizeof(when));
		/* truncation only shortens the status text */
		(void)snprintf(refused, sizeof(refused),
		    ", reload refused at %s", when);
	}
	/* truncation only shortens the status text (the spec is the long part) */
	(void)snprintf(out, len, "STATUS=%s%s%s, %lu messages, config loaded at %s%s",
	    why_deaf != NULL ? "NOT serving " : "serving ", svc->spec,
	    why_deaf != NULL ? why_deaf : "", session_messages(), loaded, refused);
}

/* send_with_status - a notification (or none) followed by the status */
static void
send_with_status(struct service *svc, const char *head)
{
	char status[NOTE_MAX - 64], note[NOTE_MAX];

	if (!svc->wanted)
		return;
	status_line(svc, NULL, status, sizeof(status));
	/* truncation only shortens the status text, which comes last */
	(void)snprintf(note, sizeof(note), "%s%s%s", head, *head ? "\n" : "",
	    status);
	(void)notify_send(note);
}

/* tick_ms - how often the thread wakes */
static long
tick_ms(const struct service *svc)
{
	uint64_t ms;

	if (svc->watchdog_usec == 0)
		return STATUS_EVERY_MS;
	ms = svc->watchdog_usec / 2000;
	return ms < TICK_MIN_MS ? TICK_MIN_MS : (long)(ms > 3600000 ? 3600000 : ms);
}

/* probe_and_ping - prove the socket serves; then WATCHDOG=1 and status */
static void
probe_and_ping(struct service *svc, long tick)
{
	char status[NOTE_MAX - 64], note[NOTE_MAX];
	const char *why = NULL, *deaf_why = NULL;
	long wait = tick / 2 > PROBE_MAX_MS ? PROBE_MAX_MS : tick / 2;
	char why_text[128];

	if (svc->watchdog_usec > 0 && !milter_probe(svc->spec, (int)wait, &why)) {
		if (!svc->deaf)
			log_warn("watchdog: the milter socket %s does not serve "
			    "(%s); systemd's watchdog is no longer fed",
			    svc->spec, why);
		svc->deaf = true;
		(void)snprintf(why_text, sizeof(why_text), " (%s)", why);
		deaf_why = why_text;
	} else if (svc->deaf) {
		log_info("watchdog: the milter socket %s serves again", svc->spec);
		svc->deaf = false;
	}
	status_line(svc, deaf_why, status, sizeof(status));
	/* truncation only shortens the status text, which comes last */
	(void)snprintf(note, sizeof(note), "%s%s",
	    svc->watchdog_usec > 0 && deaf_why == NULL ? "WATCHDOG=1\n" : "",
	    status);
	/* under the lock, and not once told to stop: service_stopping sets
	 * stop (under it) before STOPPING=1, so no ping can follow that */
	(void)pthread_mutex_lock(&svc->lock);
	if (!svc->stop)
		(void)notify_send(note);
	(void)pthread_mutex_unlock(&svc->lock);
}

/* service_thread - tick until told to stop */
static void *
service_thread(void *arg)
{
	struct service *svc = arg;
	long tick = tick_ms(svc);
	struct timespec until;
	bool stop;

	for (;;) {
		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += tick / 1000;
		until.tv_nsec += (tick % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_mutex_lock(&svc->lock);
		while (!svc->stop &&
		    pthread_cond_timedwait(&svc->wake, &svc->lock, &until) == 0)
			;
		stop = svc->stop;
		(void)pthread_mutex_unlock(&svc->lock);
		if (stop)
			return NULL;
		probe_and_ping(svc, tick);
	}
}

/* start_thread - the status/watchdog thread, with our signals blocked */
static void
start_thread(struct service *svc)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &set, &old);
	svc->thread_started = pthread_create(&svc->tid, NULL, service_thread,
	    svc) == 0;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!svc->thread_started)
		log_warn("cannot start the systemd status/watchdog thread");
}

struct service *
service_ready(const char *spec)
{
	struct service *svc = xcalloc(1, sizeof(*svc));
	pthread_condattr_t attr;

	svc->spec = spec;
	svc->wanted = notify_wanted();
	svc->watchdog_usec = svc->wanted ? notify_watchdog_usec() : 0;
	svc->config_loaded = time(NULL);
	(void)pthread_mutex_init(&svc->lock, NULL);
	(void)pthread_condattr_init(&attr);
	(void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&svc->wake, &attr);
	(void)pthread_condattr_destroy(&attr);
	if (!svc->wanted)
		return svc;
	/* the thread before READY=1: once ready, start-up has ended (its
	 * first tick is a whole interval away) */
	if (svc->watchdog_usec > 0)
		log_info("watchdog: proving %s serves every %ld ms",
		    spec, tick_ms(svc));
	start_thread(svc);
	send_with_status(svc, "READY=1");
	return svc;
}

void
service_reloading(struct service *svc)
{
	struct timespec now;
	char head[80];

	if (!svc->wanted)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	/* cannot truncate: two fixed words and one number */
	(void)snprintf(head, sizeof(head), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u);
	(void)notify_send(head);
}

void
service_reloaded(struct service *svc, bool ok)
{
	(void)pthread_mutex_lock(&svc->lock);
	if (ok) {
		svc->config_loaded = time(NULL);
		svc->reload_refused = 0;
	} else {
		svc->reload_refused = time(NULL);
	}
	(void)pthread_mutex_unlock(&svc->lock);
	send_with_status(svc, "READY=1");
}

/* tell_thread_to_stop - it sends nothing more and ends at its next check */
static void
tell_thread_to_stop(struct service *svc)
{
	(void)pthread_mutex_lock(&svc->lock);
	svc->stop = true;
	(void)pthread_cond_signal(&svc->wake);
	(void)pthread_mutex_unlock(&svc->lock);
}

/* stop_thread - wake the thread and wait for it */
static void
stop_thread(struct service *svc)
{
	tell_thread_to_stop(svc);
	if (svc->thread_started)
		(void)pthread_join(svc->tid, NULL);
	svc->thread_started = false;
}

void
service_stopping(struct service *svc, unsigned drain_ms)
{
	char text[NOTE_MAX];

	/* systemd kills a unit still stopping after TimeoutStopSec (90 s by
	 * default), shorter than ShutdownTimeout may be: ask for the drain
	 * and a margin for the rest of the exit */
	(void)snprintf(text, sizeof(text), "STOPPING=1\nEXTEND_TIMEOUT_USEC="
	    "%llu\nSTATUS=stopping: finishing the messages in flight",
	    ((unsigned long long)drain_ms + STOP_MARGIN_MS) * 1000ULL);
	/* first: a ping the thread was about to send (after a probe) came
	 * after STOPPING=1, which must be the last word */
	tell_thread_to_stop(svc);
	if (svc->wanted)
		(void)notify_send(text);
	stop_thread(svc);
}

void
service_free(struct service **svcp)
{
	struct service *svc = *svcp;

	if (svc == NULL)
		return;
	stop_thread(svc);
	(void)pthread_cond_destroy(&svc->wake);
	(void)pthread_mutex_destroy(&svc->lock);
	free(svc);
	*svcp = NULL;
}
