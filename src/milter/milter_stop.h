/* milter_stop.h - stop libmilter's listener without its 5 s delay */
#ifndef AUTHMILTER_MILTER_STOP_H
#define AUTHMILTER_MILTER_STOP_H

#include <stdbool.h>

/*
 * milter_stop - smfi_stop, promptly. libmilter's listener holds its lock
 * across a select() on the listening socket that times out every 5 s,
 * and smfi_stop waits for that lock; so while smfi_stop waits, this pokes
 * the socket (spec: the Socket the daemon opened: unix:/path,
 * local:/path, inet:PORT@HOST, inet6:PORT@HOST) with throw-away
 * connections until it returns. Each poke carries no milter command.
 */
void milter_stop(const char *spec);

/* milter_socket_unix_path - the path of a unix:/local: Socket spec, or
 * NULL for inet:/inet6: */
const char *milter_socket_unix_path(const char *spec);

/* milter_socket_accepts - true when one connection (carrying no milter
 * command) to the Socket spec is made within 200 ms; a wildcard address
 * is tried on loopback */
bool milter_socket_accepts(const char *spec);

/*
 * milter_socket_connect - a connection to our own milter socket (spec as
 * for milter_stop; a wildcard inet host is reached on loopback), waiting
 * up to wait_ms for it to complete. Returns a connected non-blocking
 * socket the caller closes, or -1.
 */
int milter_socket_connect(const char *spec, int wait_ms);

#endif
