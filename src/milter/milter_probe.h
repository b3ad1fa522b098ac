/* milter_probe.h - prove that our own milter socket still serves */
#ifndef AUTHMILTER_MILTER_PROBE_H
#define AUTHMILTER_MILTER_PROBE_H

#include <stdbool.h>

/*
 * milter_probe - connect to our own milter socket (spec: the Socket the
 * daemon opened), negotiate options as an MTA would, and say goodbye.
 * True when libmilter's listener accepted the connection and a worker
 * answered the negotiation within timeout_ms (the whole exchange);
 * false otherwise, with *why_r set to a static reason.
 */
bool milter_probe(const char *spec, int timeout_ms, const char **why_r);

#endif
