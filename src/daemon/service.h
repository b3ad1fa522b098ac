/* service.h - what the service manager (systemd) is told, and the watchdog */
#ifndef AUTHMILTER_DAEMON_SERVICE_H
#define AUTHMILTER_DAEMON_SERVICE_H

#include <stdbool.h>

struct service;

/*
 * service_ready - the milter socket (spec, kept by reference: it must
 * outlive the handle) is open, privileges are dropped and libmilter runs:
 * start the thread that refreshes the status and, when the manager asked
 * for a watchdog, proves the socket serves before each WATCHDOG=1; then
 * tell the service manager READY=1 with a STATUS= line. Call from
 * the thread that handles signals, with them unblocked (the new thread
 * blocks SIGHUP, SIGTERM and SIGINT). Without a service manager it
 * returns a handle that does nothing.
 */
struct service *service_ready(const char *spec);

/* service_reloading - RELOADING=1 (with MONOTONIC_USEC) before a reload */
void service_reloading(struct service *svc);

/* service_reloaded - READY=1 after a reload; ok: the new config is live */
void service_reloaded(struct service *svc, bool ok);

/* service_stopping - STOPPING=1, and EXTEND_TIMEOUT_USEC= asking
 * systemd for drain_ms (ShutdownTimeout) and a margin before it kills
 * the unit; stops the status/watchdog thread */
void service_stopping(struct service *svc, unsigned drain_ms);

/* service_free - stop the thread if still running, free, NULL *svcp */
void service_free(struct service **svcp);

#endif
