/*
 * session.c - per-connection and per-message state.
 *
 * session_new/session_free bracket a connection; session_message_start
 * and session_message_end bracket each message on it. A message holds a
 * reference to the configuration that was live when it started, so a
 * reload never changes the rules under a message in flight. The count of
 * open sessions tells the daemon at exit whether it may free the shared
 * state: once it closes the gate (session_close_gate) no new session
 * starts, so a count of zero then means no callback can touch that state
 * any more. The count of messages in flight lets a stop wait for those
 * alone: idle connections the MTA keeps for its SMTP sessions would
 * otherwise hold every restart for ShutdownTimeout. Once the daemon stops
 * messages (session_stop_messages) no new one starts. The count of
 * messages started feeds the status line systemd shows.
 *
 * A message's strings and header fields live in its arena, freed all at
 * once when the message ends; the arena keeps a few blocks (and the
 * header list its entries) for the connection's next message, so a
 * reused connection allocates almost nothing per message (issue 18).
 * A closed connection's session goes to a small pool with that storage,
 * so a new connection takes it instead of allocating (see pool_take);
 * the client name and HELO buffers go with it.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_live.h"
#include "core/idna.h"
#include "milter/addr_text.h"
#include "milter/session.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The count of open sessions, with SESSIONS_CLOSED set once the gate is
 * closed: one atomic word, so no session starts after the close is seen. */
#define SESSIONS_CLOSED	(1u << 31)
static _Atomic unsigned active_sessions;
static _Atomic unsigned long messages_started;
/* The count of messages in flight (MAIL FROM to end of message, abort
 * or close), with MESSAGES_STOPPED set once the daemon stops: one atomic
 * word, so a stop either sees a message that started or refuses it. */
#define MESSAGES_STOPPED	(1u << 31)
static _Atomic unsigned messages_in_flight;

/* A message arena block holds the headers of a typical message; a reset
 * keeps up to MSG_ARENA_KEEP bytes, so one message with huge headers
 * does not pin its memory for the rest of the connection. */
#define MSG_ARENA_BLOCK	4096
#define MSG_ARENA_KEEP	16384
/* A pooled session keeps a client name or HELO buffer up to this size;
 * a longer one (a hostile HELO) is freed rather than pinned. */
#define SESSION_TEXT_KEEP 512
/* ... and the report buffers up to this (a line is 300 to 900 bytes) */
#define SESSION_REPORT_KEEP 4096

/* session_message_end zeroes the fields before `arena` and relies on the
 * groups after it being emptied by their own functions (session.h) */
_Static_assert(offsetof(struct message, arena) <
    offsetof(struct message, headers) &&
    offsetof(struct message, headers) < offsetof(struct message, checks) &&
    offsetof(struct message, checks) < offsetof(struct message, signing) &&
    offsetof(struct message, signing) < offsetof(struct message, sealing),
    "struct message groups are out of order");
/* session_alloc clears up to the checks and then each part after it: no
 * field may follow the sealing state or the message */
_Static_assert(offsetof(struct message, sealing) +
    sizeof(struct sealing) == sizeof(struct message) &&
    offsetof(struct session, msg) + sizeof(struct message) ==
    sizeof(struct session), "session_new misses a field");

/*
 * Sessions of closed connections, kept for the next ones (issue 18): a
 * pooled session still holds its arena's blocks and its header list, so
 * a connection that carries one message (as Postfix makes them) no
 * longer allocates and frees those and the 5.5 KB session itself. At
 * most SESSION_POOL_MAX are kept; once the gate is closed the pool is
 * emptied and a closing session is freed, so nothing outlives the
 * daemon. The gate flag is read under the lock, so a session cannot be
 * pooled after the drain.
 */
#define SESSION_POOL_MAX 64
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session *pool[SESSION_POOL_MAX];
static size_t pool_count;

/* session_alloc - fresh storage in the state a reset leaves */
static struct session *
session_alloc(void)
{
	struct session *s;

	/* Not xcalloc: zeroing the checks' entry arrays (~5 KB) was most of
	 * a new connection's cost; they hold nothing until used (issue 18).
	 * Everything else starts zero, as session_message_end leaves it. */
	s = xmalloc(sizeof(*s));
	memset(s, 0, offsetof(struct session, msg.checks));
	checks_state_init(&s->msg.checks);
	memset(&s->msg.signing, 0, sizeof(s->msg.signing));
	memset(&s->msg.sealing, 0, sizeof(s->msg.sealing));
	arena_init(&s->msg.arena, MSG_ARENA_BLOCK, MSG_ARENA_KEEP);
	headers_init(&s->msg.headers, &s->msg.arena);
	return s;
}

/* session_destroy - free the storage of a session without a message */
static void
session_destroy(struct session *s)
{
	buf_deinit(&s->client_name_buf);
	buf_deinit(&s->helo_buf);
	buf_deinit(&s->report_lists);
	buf_deinit(&s->report_line);
	headers_deinit(&s->msg.headers);
	arena_deinit(&s->msg.arena);
	free(s);
}

/* pool_take - a pooled session, or NULL */
static struct session *
pool_take(void)
{
	struct session *s = NULL;

	(void)pthread_mutex_lock(&pool_lock);
	if (pool_count > 0)
		s = pool[--pool_count];
	(void)pthread_mutex_unlock(&pool_lock);
	return s;
}

/* pool_give - keep s for a later connection; false when it must be
 * freed (pool full, or the daemon is stopping) */
static bool
pool_give(struct session *s)
{
	bool kept = false;

	(void)pthread_mutex_lock(&pool_lock);
	if ((atomic_load(&active_sessions) & SESSIONS_CLOSED) == 0 &&
	    pool_count < SESSION_POOL_MAX) {
		pool[pool_count++] = s;
		kept = true;
	}
	(void)pthread_mutex_unlock(&pool_lock);
	return kept;
}

/* pool_drain - free every pooled session */
static void
pool_drain(void)
{
	(void)pthread_mutex_lock(&pool_lock);
	while (pool_count > 0)
		session_destroy(pool[--pool_count]);
	(void)pthread_mutex_unlock(&pool_lock);
}

/* set_text - *p_r becomes a copy of text kept in b (reused storage);
 * text must not point into b */
static void
set_text(struct buf *b, char **p_r, const char *text)
{
	buf_reset(b);
	buf_append_str(b, text);
	*p_r = (char *)b->data;
}

/* trim - empty b; its storage stays for the next connection unless it
 * grew over keep bytes */
static void
trim(struct buf *b, size_t keep)
{
	if (b->cap > keep)
		buf_deinit(b);
	else
		buf_reset(b);
}

/* drop_text - forget a text, its storage trimmed */
static void
drop_text(struct buf *b, char **p_r)
{
	*p_r = NULL;
	trim(b, SESSION_TEXT_KEEP);
}

struct session *
session_new(void)
{
	unsigned n = atomic_load(&active_sessions);
	struct session *s;
	struct buf name, helo, lists, line;

	do {
		if ((n & SESSIONS_CLOSED) != 0)
			return NULL;
	} while (!atomic_compare_exchange_weak(&active_sessions, &n, n + 1));
	if ((s = pool_take()) == NULL)
		s = session_alloc();
	/* the connection's part, but for the kept text buffers (all zero
	 * in a new session: empty); the message's is empty either way */
	name = s->client_name_buf;
	helo = s->helo_buf;
	lists = s->report_lists;
	line = s->report_line;
	memset(s, 0, offsetof(struct session, msg));
	s->client_name_buf = name;
	s->helo_buf = helo;
	s->report_lists = lists;
	s->report_line = line;
	set_text(&s->client_name_buf, &s->client_name, "unknown");
	memcpy(s->client_addr, "local", sizeof("local"));
	return s;
}

/* canonical_addr - the one text of a parsed client address, so the log
 * line, Authentication-Results, Received-SPF and the DMARC report rows
 * write each client one way (rows are grouped by that text): RFC 5952
 * for IPv6, and an IPv4-mapped address (::ffff:a.b.c.d, as a dual-stack
 * listener reports an IPv4 client) as the IPv4 address it is, as SPF
 * already evaluates it (RFC 7208 5) and Postfix and Sendmail write it.
 * The parsed form is left as it is: InternalHosts still matches it. */
static void
canonical_addr(const struct cidr *ip, char out[ADDR_TEXT_MAX])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0xff, 0xff };

	if (ip->family == AF_INET)
		(void)addr_text_ipv4(ip->addr, out);
	else if (memcmp(ip->addr, mapped, sizeof(mapped)) == 0)
		(void)addr_text_ipv4(ip->addr + 12, out);
	else
		(void)addr_text_ipv6(ip->addr, out);
}

void
session_set_client(struct session *s, const char *client_name,
    const char *client_addr)
{
	const char *addr = client_addr != NULL ? client_addr : "local";
	size_t n = strnlen(addr, sizeof(s->client_addr) - 1);

	set_text(&s->client_name_buf, &s->client_name,
	    client_name != NULL ? client_name : "unknown");
	/* truncation is impossible for a printable IP; "local" fits too */
	memcpy(s->client_addr, addr, n);
	s->client_addr[n] = '\0';
	/* "local" (or any non-address) is simply in no network */
	if (cidr_addr_parse(s->client_addr, &s->client_ip))
		canonical_addr(&s->client_ip, s->client_addr);
}

void
session_addr_shown(const char *client_addr, char *out, size_t n)
{
	struct cidr ip;
	char text[ADDR_TEXT_MAX];

	if (cidr_addr_parse(client_addr, &ip)) {
		canonical_addr(&ip, text);
		client_addr = text;
	}
	(void)snprintf(out, n, "%s", client_addr);
}

void
session_free(struct session **sp)
{
	struct session *s = *sp;

	if (s == NULL)
		return;
	*sp = NULL;
	session_message_end(s);
	drop_text(&s->client_name_buf, &s->client_name);
	drop_text(&s->helo_buf, &s->helo);
	session_report_done(s);
	if (!pool_give(s))
		session_destroy(s);
	atomic_fetch_sub(&active_sessions, 1);
}

bool
session_message_start(struct session *s)
{
	unsigned n;

	session_message_end(s);
	n = atomic_load(&messages_in_flight);
	do {
		if ((n & MESSAGES_STOPPED) != 0)
			return false;
	} while (!atomic_compare_exchange_weak(&messages_in_flight, &n, n + 1));
	s->msg_dirty = true;
	s->msg.conf = conf_live_get();
	(void)clock_gettime(CLOCK_MONOTONIC, &s->msg.started);
	s->in_message = true;
	atomic_fetch_add_explicit(&messages_started, 1, memory_order_relaxed);
	return true;
}

void
session_message_end(struct session *s)
{
	struct message *m = &s->msg;

	/* called at MAIL FROM, end of message, abort and close: only the
	 * first after a message clears it */
	if (!s->msg_dirty)
		return;
	s->msg_dirty = false;
	if (s->in_message)
		atomic_fetch_sub(&messages_in_flight, 1);
	/* group 3: each reset leaves its struct all zero */
	checks_reset(&m->checks);
	signing_reset(&m->signing);
	sealing_reset(&m->sealing);
	/* group 2: emptied, storage kept; nothing may point into the arena
	 * any more (the resets above dropped every user) */
	headers_clear(&m->headers);
	arena_reset(&m->arena);
	/* group 1: zeroed. Not the whole struct: groups 2 and 3 are empty
	 * already, and zeroing their ~5 KB a second time per message was
	 * pure cost. */
	free(m->forged_ar);
	conf_unref(&m->conf);
	memset(m, 0, offsetof(struct message, arena));
	s->in_message = false;
}

void
session_report_done(struct session *s)
{
	trim(&s->report_lists, SESSION_REPORT_KEEP);
	trim(&s->report_line, SESSION_REPORT_KEEP);
}

char *
session_msg_strdup(struct session *s, const char *str)
{
	return arena_strdup(&s->msg.arena, str);
}

char *
session_msg_strndup(struct session *s, const char *p, size_t len)
{
	return arena_memdup(&s->msg.arena, p, len);
}

const struct header *
session_keep_field(struct session *s, const struct header *f)
{
	struct message *m = &s->msg;

	/* the total counts names and values, as the DKIM verifier's does
	 * under the same cap: a field kept here must not overflow it */
	if (m->headers.count >= m->conf->max_headers ||
	    m->headers.bytes + f->name_len + f->value_len >
	    m->conf->max_header_bytes ||
	    f->name_len + 1 + f->value_len > m->conf->max_header_field_bytes) {
		m->headers_capped = true;
		return NULL;
	}
	return headers_add_field(&m->headers, f);
}

/* session_set_helo - a name in U-labels is kept as its A-labels: RFC
 * 8616 4 asks for A-labels in EHLO (it comes before the server offers
 * SMTPUTF8), SPF checks that form, and the A-R and Received-SPF fields
 * that name it must stay ASCII in mail without SMTPUTF8. helo is never
 * NULL: libmilter refuses a HELO without its NUL before calling cb_helo,
 * authcheck calls only with --helo */
void
session_set_helo(struct session *s, const char *helo)
{
	struct idna_name n;

	if (str_has_non_ascii(helo, strlen(helo)) &&
	    idna_domain((const unsigned char *)helo, strlen(helo), &n,
	    NULL) == IDNA_OK)
		helo = n.ascii;
	set_text(&s->helo_buf, &s->helo, helo);
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
	unsigned open = atomic_fetch_or(&active_sessions, SESSIONS_CLOSED) &
	    ~SESSIONS_CLOSED;

	pool_drain();
	return open;
}

unsigned
session_stop_messages(void)
{
	return atomic_fetch_or(&messages_in_flight, MESSAGES_STOPPED) &
	    ~MESSAGES_STOPPED;
}

bool
session_messages_stopped(void)
{
	return (atomic_load(&messages_in_flight) & MESSAGES_STOPPED) != 0;
}

unsigned
session_in_flight(void)
{
	return atomic_load(&messages_in_flight) & ~MESSAGES_STOPPED;
}

unsigned long
session_messages(void)
{
	return atomic_load_explicit(&messages_started, memory_order_relaxed);
}
