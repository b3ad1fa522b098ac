/* notify.h - the service manager's notification socket (sd_notify) */
#ifndef AUTHMILTER_DAEMON_NOTIFY_H
#define AUTHMILTER_DAEMON_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * notify_send - send one notification: newline-separated VAR=value
 * assignments ("READY=1\nSTATUS=..."). Returns true when a service
 * manager listens and took it; false when none is there (NOTIFY_SOCKET
 * unset, or the daemon was built without libsystemd) or sending failed.
 */
bool notify_send(const char *assignments);

/* notify_wanted - true when a service manager asked for notifications */
bool notify_wanted(void);

/*
 * notify_watchdog_usec - the watchdog interval the service manager asked
 * for (WATCHDOG_USEC, for this process: WATCHDOG_PID), in microseconds;
 * 0 when there is no watchdog.
 */
uint64_t notify_watchdog_usec(void);

#endif
