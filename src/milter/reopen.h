/*
 * reopen.h - what was negotiated for a milter connection, kept past the
 * close callback for a session that SMFIC_QUIT_NC reopens.
 *
 * libmilter negotiates once per milter connection. On SMFIC_QUIT_NC (an
 * SMTP session ends, another follows on the same milter connection) it
 * calls the close callback and then the connect callback again, without
 * negotiating; the new session must keep the old one's header format and
 * no-reply steps. The close callback cannot tell QUIT_NC from the end of
 * the connection, and libmilter warns in syslog when a connection ends
 * with its private pointer set, so close remembers the options here, by
 * context, in a ring of the last REOPEN_RING closes, and connect recalls
 * them when it finds no session.
 *
 * Exported:
 *   reopen_remember()   at close: ctx's options
 *   reopen_recall()     at connect without a session: ctx's options
 */
#ifndef AUTHMILTER_REOPEN_H
#define AUTHMILTER_REOPEN_H

#include <stdbool.h>

/* Closes remembered. One is forgotten when this many others closed
 * between it and its connection's next CONNECT. */
#define REOPEN_RING 1024

/* reopen_remember - the options of connection ctx, whose session closes */
void reopen_remember(const void *ctx, bool leadspc, unsigned long noreply);

/* reopen_recall - true and the options remembered last for ctx, which are
 * forgotten; false when there are none (no close, or too long ago) */
bool reopen_recall(const void *ctx, bool *leadspc, unsigned long *noreply);

#endif
