/*
 * sessions.h - which corpus message goes on which milter connection when
 * milterload reuses connections (-m N).
 *
 * A real SMTP session has one client: CONNECT and HELO are sent once per
 * connection, so every message on it must come from that client, or the
 * milter checks SPF against another message's address. The corpus is
 * grouped by client (address, name, HELO from the sidecars); session S
 * belongs to the client of a message spread over the corpus by S, and
 * message number I of the run is that client's message I modulo its
 * message count (a client with fewer than N messages sends them again).
 * milterload numbers session S's messages S x N to S x N + N - 1,
 * whichever worker runs it, so a run bounded by a message count sends the
 * same messages every time.
 * Over many sessions every message is sent equally often, so the mixture
 * equals the fresh-connection mode's; a corpus of one client is sent in
 * corpus order, exactly as without grouping.
 *
 * When no client has two messages or more (a corpus from before clients
 * repeated), grouping would only repeat messages: sessions_by_client()
 * is then false and milterload keeps its old behaviour (the corpus in
 * order, messages of several clients on one connection).
 *
 * Exported: sessions_new, sessions_free, sessions_by_client,
 * sessions_clients, sessions_single, sessions_pick.
 * Ownership: sessions_new copies nothing it keeps but indexes; the caller
 * keeps the key strings. Thread safety: read-only after sessions_new.
 */
#ifndef BENCH_SESSIONS_H
#define BENCH_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

struct sessions;

/* sessions_new - group N messages by CLIENT_KEYS[i] (equal strings: one
 * client) for sessions of PER_CONN messages; never NULL (aborts on
 * allocation failure) */
struct sessions *sessions_new(const char *const *client_keys, size_t n, long per_conn);

/* sessions_free - release S and NULL the caller's pointer */
void sessions_free(struct sessions **s);

/* sessions_by_client - true when sessions follow clients (some client
 * has two messages or more), false for the old order */
bool sessions_by_client(const struct sessions *s);

/* sessions_clients - number of distinct clients */
size_t sessions_clients(const struct sessions *s);

/* sessions_single - clients with one message only (their sessions repeat it) */
size_t sessions_single(const struct sessions *s);

/* sessions_pick - corpus index of message number I (0-based, counted
 * over the whole run) when it goes on session SESSION */
size_t sessions_pick(const struct sessions *s, unsigned long session, long i);

#endif
