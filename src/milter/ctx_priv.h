/*
 * ctx_priv.h - what libmilter's private pointer of a connection holds:
 * the session, or, after the close callback, the options negotiated for
 * the connection.
 *
 * libmilter negotiates once per milter connection. On SMFIC_QUIT_NC (an
 * SMTP session ends, another follows on the same milter connection) it
 * calls the close callback and then the connect callback again, without
 * negotiating; the new session must keep the old one's header format and
 * no-reply steps. The close callback cannot tell QUIT_NC from the end of
 * the connection, and nothing is called after the end, so it may leave no
 * memory behind: the options are kept as the address of a static slot.
 *
 * Exported:
 *   ctx_session()          the connection's session, or NULL
 *   ctx_park_options()     free the session, keep its options
 *   ctx_parked_options()   the options kept by ctx_park_options
 */
#ifndef AUTHMILTER_CTX_PRIV_H
#define AUTHMILTER_CTX_PRIV_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

struct session;

/* ctx_session - the session of ctx, or NULL (none yet, or closed) */
struct session *ctx_session(SMFICTX *ctx);

/* ctx_park_options - free ctx's session (if any) and keep its leadspc
 * and noreply in the private pointer; a no-op when nothing is attached */
void ctx_park_options(SMFICTX *ctx);

/* ctx_parked_options - true and *leadspc, *noreply when ctx's session
 * was closed by ctx_park_options; the private pointer is cleared */
bool ctx_parked_options(SMFICTX *ctx, bool *leadspc, unsigned long *noreply);

#endif
