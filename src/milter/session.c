/*
 * session.c - per-connection and per-message state.
 *
 * session_new/session_free bracket a connection; session_message_start
 * and session_message_end bracket each message on it. A message holds a
 * reference to the configuration that was live when it started, so a
 * reload never changes the rules under a message in flight. The count of
 * open sessions lets the daemon wait for them at shutdown; once the daemon
 * closes the gate (session_close_gate) no new session starts, so a count
 * of zero then means no callback can touch the shared state any more. The
 * count of messages started feeds the status line systemd shows.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_live.h"
#include "milter/session.h"
#include "util/xmalloc.h"

/* The count of open sessions, with SESSIONS_CLOSED set once the gate is
 * closed: one atomic word, so no session starts after the close is seen. */
#define SESSIONS_CLOSED	(1u << 31)
static _Atomic unsigned active_sessions;
static _Atomic unsigned long messages_started;

struct session *
session_new(void)
{
	unsigned n = atomic_load(&active_sessions);
	struct session *s;

	do {
		if ((n & SESSIONS_CLOSED) != 0)
			return NULL;
	} while (!atomic_compare_exchange_weak(&active_sessions, &n, n + 1));
	s = xcalloc(1, sizeof(*s));

	s->client_name = xstrdup("unknown");
	(void)snprintf(s->client_addr, sizeof(s->client_addr), "local");
	headers_init(&s->msg.headers);
	return s;
}

void
session_set_client(struct session *s, const char *client_name,
    const char *client_addr)
{
	free(s->client_name);
	s->client_name = xstrdup(client_name != NULL ? client_name : "unknown");
	/* truncation is impossible for a printable IP; "local" fits too */
	(void)snprintf(s->client_addr, sizeof(s->client_addr), "%s",
	    client_addr != NULL ? client_addr : "local");
	/* "local" (or any non-address) is simply in no network */
	(void)cidr_addr_parse(s->client_addr, &s->client_ip);
}

void
session_free(struct session **sp)
{
	struct session *s = *sp;

	if (s == NULL)
		return;
	*sp = NULL;
	session_message_end(s);
	free(s->client_name);
	free(s->helo);
	free(s);
	atomic_fetch_sub(&active_sessions, 1);
}

void
session_message_start(struct session *s)
{
	session_message_end(s);
	s->msg_dirty = true;
	s->msg.conf = conf_live_get();
	(void)clock_gettime(CLOCK_MONOTONIC, &s->msg.started);
	s->in_message = true;
	atomic_fetch_add_explicit(&messages_started, 1, memory_order_relaxed);
}

void
session_message_end(struct session *s)
{
	struct message *m = &s->msg;

	/* called at MAIL FROM, end of message, abort and close: only the
	 * first after a message clears it (struct message is ~12 KB) */
	if (!s->msg_dirty)
		return;
	s->msg_dirty = false;
	checks_reset(&m->checks);
	signing_reset(&m->signing);
	sealing_reset(&m->sealing);
	free(m->forged_ar);
	conf_unref(&m->conf);
	free(m->queue_id);
	free(m->mail_from);
	free(m->auth_user);
	headers_deinit(&m->headers);
	memset(m, 0, sizeof(*m));
	headers_init(&m->headers);
	s->in_message = false;
}

void
session_set_helo(struct session *s, const char *helo)
{
	free(s->helo);
	s->helo = xstrdup(helo);
}

unsigned long
session_elapsed_ms(const struct session *s)
{
	struct timespec now;
	long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - s->msg.started.tv_sec) * 1000L +
	    (now.tv_nsec - s->msg.started.tv_nsec) / 1000000L;
	return ms < 0 ? 0 : (unsigned long)ms;
}

unsigned
session_active(void)
{
	return atomic_load(&active_sessions) & ~SESSIONS_CLOSED;
}

unsigned
session_close_gate(void)
{
	return atomic_fetch_or(&active_sessions, SESSIONS_CLOSED) &
	    ~SESSIONS_CLOSED;
}

unsigned long
session_messages(void)
{
	return atomic_load_explicit(&messages_started, memory_order_relaxed);
}
