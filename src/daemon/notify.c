/*
 * notify.c - talk to the service manager through libsystemd's sd_notify.
 *
 * Exported:
 *   notify_send           one notification ("READY=1", "STATUS=...")
 *   notify_wanted         does a service manager listen (NOTIFY_SOCKET)?
 *   notify_watchdog_usec  the watchdog interval asked for, or 0
 *
 * libsystemd is optional at configure time (--without-systemd). This is
 * the only file that knows: without it the three functions say "nobody
 * listens", so the rest of the daemon calls them unconditionally.
 * Nothing here keeps state; every function may be called from any
 * thread (sd_notify opens, sends on and closes its own socket).
 */
#include "config.h"

#include <stdlib.h>

#if HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "daemon/notify.h"

#if HAVE_SYSTEMD

/* notify_send - sd_notify, keeping NOTIFY_SOCKET for the next call */
bool
notify_send(const char *assignments)
{
	return sd_notify(0, assignments) > 0;
}

/* notify_wanted - NOTIFY_SOCKET is what sd_notify sends to */
bool
notify_wanted(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s != NULL && *s != '\0';
}

/* notify_watchdog_usec - sd_watchdog_enabled checks WATCHDOG_PID too */
uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

#else

/* notify_send - built without libsystemd: nobody listens */
bool
notify_send(const char *assignments)
{
	(void)assignments;
	return false;
}

/* notify_wanted - built without libsystemd: never */
bool
notify_wanted(void)
{
	return false;
}

/* notify_watchdog_usec - built without libsystemd: no watchdog */
uint64_t
notify_watchdog_usec(void)
{
	return 0;
}

#endif
