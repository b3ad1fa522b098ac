/*
 * test_session.c - sessions: a new one, and one taken from the pool of
 * closed connections, start in the same empty state; the pool is bounded
 * and emptied when the gate closes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "conf/conf.h"
#include "conf/conf_live.h"
#include "milter/session.h"
#include "util/buf.h"

/*
 * What a session keeps for the next connection (its text buffers, the
 * pool and its bound) shows through no function of session.h: a kept
 * buffer and a freed one give the same values. The tests of that
 * storage read it from the fields, and POOL_MAX is a copy of
 * session.c's SESSION_POOL_MAX, to follow it.
 */
/* more sessions than the pool keeps */
#define MANY 70
/* the sessions the pool keeps (session.c's SESSION_POOL_MAX) */
#define POOL_MAX 64

/* assert_fresh - s is as session_new must hand it out */
static void
assert_fresh(const struct session *s)
{
	assert_non_null(s);
	assert_string_equal(s->client_name, "unknown");
	assert_string_equal(s->client_addr, "local");
	assert_null(s->helo);
	assert_int_equal(s->report_lists.len, 0);
	assert_int_equal(s->report_line.len, 0);
	assert_false(s->leadspc);
	assert_int_equal(s->noreply, 0);
	assert_false(s->in_message);
	assert_false(s->msg_dirty);
	assert_null(s->msg.conf);
	assert_null(s->msg.queue_id);
	assert_null(s->msg.mail_from);
	assert_null(s->msg.auth_user);
	assert_false(s->msg.headers_capped);
	assert_int_equal(s->msg.ar_seen, 0);
	assert_null(s->msg.forged_ar);
	assert_int_equal(s->msg.body_bytes, 0);
	assert_int_equal(s->msg.headers.count, 0);
	assert_int_equal(s->msg.headers.bytes, 0);
	assert_false(s->msg.checks.exempt);
	assert_false(s->msg.checks.skip_verify);
	assert_false(s->msg.checks.spf_mailfrom_done);
	assert_null(s->msg.checks.dkim);
	assert_int_equal(s->msg.checks.key_count, 0);
	assert_null(s->msg.checks.arc);
	assert_int_equal(s->msg.checks.dmarc.from_count, 0);
	assert_int_equal(s->msg.checks.dmarc.author_count, 0);
	assert_null(s->msg.checks.dmarc.from_problem);
	assert_false(s->msg.checks.dmarc.evaluated);
	assert_int_equal(s->msg.signing.done.len, 0);
	assert_int_equal(s->msg.sealing.done.len, 0);
	/* what a reset keeps of the arena: set up, as the block size is
	 * (use() fills the arena from dirty memory) */
	assert_true(s->msg.arena.keep_max > 0);
}

/* use - what a connection leaves behind: client, HELO, a message with
 * strings and header fields in its arena */
static void
use(struct session *s, unsigned i)
{
	char name[32];

	(void)snprintf(name, sizeof(name), "host%u.example", i);
	session_set_client(s, name, "192.0.2.1");
	session_set_helo(s, name);
	s->leadspc = true;
	s->noreply = 1;
	assert_true(session_message_start(s));
	assert_non_null(s->msg.conf);
	s->msg.mail_from = session_msg_strdup(s, "a@example.com");
	assert_string_equal(s->msg.mail_from, "a@example.com");
	(void)headers_add(&s->msg.headers, "From",
	    (const unsigned char *)" a@example.com", 14);
	(void)headers_add(&s->msg.headers, "Subject",
	    (const unsigned char *)" hi", 3);
	assert_int_equal(s->msg.headers.count, 2);
	s->msg.checks.dmarc.from_problem = "set";
	s->msg.ar_seen = 2;
	buf_append_str(&s->msg.signing.done, "rsa-sha256:example.com/s");
	buf_append_str(&s->msg.sealing.done, "i=1 cv=none");
	/* the message's end frees it (LeakSanitizer checks) */
	s->msg.forged_ar = calloc(2, sizeof(*s->msg.forged_ar));
	assert_non_null(s->msg.forged_ar);
	s->msg.forged_ar_cap = 2;
}

static int
setup(void **state)
{
	struct conf *c = NULL;
	struct buf err = BUF_INIT;

	(void)state;
#ifdef M_PERTURB
	/* every block malloc hands out comes dirty, not only one it reuses:
	 * a field session_new leaves unset shows in assert_fresh whatever
	 * the allocator reuses (valgrind reports the read instead) */
	(void)mallopt(M_PERTURB, 0x5a);
#endif
	if (!conf_load("/dev/null", &c, &err))
		return -1;
	buf_deinit(&err);
	conf_live_set(c);	/* takes the reference */
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	conf_live_clear();
	return 0;
}

/* a session of a closed connection comes back empty: nothing of its
 * client, HELO or message is left */
static void
test_pooled_session_is_fresh(void **state)
{
	struct session *s, *again;

	(void)state;
	s = session_new();
	assert_fresh(s);
	use(s, 1);
	session_free(&s);
	assert_null(s);
	assert_int_equal(session_active(), 0);
	again = session_new();
	assert_fresh(again);
	assert_int_equal(session_active(), 1);
	/* the message in flight at close is dropped too */
	use(again, 2);
	session_free(&again);
	again = session_new();
	assert_fresh(again);
	session_free(&again);
}

/* more sessions than the pool holds: every one is fresh, those over the
 * bound are freed (LeakSanitizer and valgrind would see them lost) */
static void
test_many_sessions(void **state)
{
	struct session *s[MANY];
	unsigned round, i;

	(void)state;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < MANY; i++) {
			s[i] = session_new();
			assert_fresh(s[i]);
			use(s[i], i);
		}
		assert_int_equal(session_active(), MANY);
		for (i = 0; i < MANY; i++)
			session_free(&s[i]);
		assert_int_equal(session_active(), 0);
	}
}

/* the client name, HELO and report text live in storage the session
 * keeps: values are right whatever their lengths and order, a large one
 * is not kept for the next connection */
static void
test_kept_text_storage(void **state)
{
	char big[5000];
	struct session *s;
	unsigned i;

	(void)state;
	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = session_new();
	for (i = 0; i < 4; i++) {
		session_set_client(s, i % 2 ? big : "mx.example", "2001:db8::1");
		session_set_helo(s, i % 2 ? "short" : big);
		assert_string_equal(s->client_name, i % 2 ? big : "mx.example");
		assert_string_equal(s->helo, i % 2 ? "short" : big);
		assert_string_equal(s->client_addr, "2001:db8::1");
	}
	session_set_client(s, NULL, NULL);
	assert_string_equal(s->client_name, "unknown");
	assert_string_equal(s->client_addr, "local");
	buf_append(&s->report_line, big, sizeof(big));
	buf_append_str(&s->report_lists, "pass");
	session_report_done(s);
	assert_int_equal(s->report_line.len, 0);
	assert_null(s->report_line.data);	/* over the bound: freed */
	assert_int_equal(s->report_lists.len, 0);
	assert_non_null(s->report_lists.data);	/* small: kept */
	session_set_helo(s, big);
	session_free(&s);
	s = session_new();
	assert_fresh(s);
	assert_null(s->helo_buf.data);		/* the big HELO was not kept */
	session_free(&s);
}

/* the client address is kept in one text whatever form it came in: an
 * IPv4-mapped IPv6 address (a dual-stack listener's IPv4 client) as the
 * IPv4 address, other IPv6 text as RFC 5952 writes it; the parsed form
 * still matches InternalHosts' IPv4 networks */
static void
test_client_addr_canonical(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "::ffff:192.0.2.10", "192.0.2.10" },
		{ "::FFFF:198.51.100.7", "198.51.100.7" },
		{ "0:0:0:0:0:ffff:c000:20a", "192.0.2.10" },
		{ "2001:DB8:0:0:0:0:0:25", "2001:db8::25" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "::1", "::1" },
		{ "192.0.2.10", "192.0.2.10" },
		{ "local", "local" },
	};
	struct cidr_list nets;
	const char *const list[] = { "192.0.2.0/24" };
	struct session *s;
	size_t i, bad;

	(void)state;
	memset(&nets, 0, sizeof(nets));
	assert_true(cidr_list_parse(&nets, list, 1, &bad));
	s = session_new();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		session_set_client(s, NULL, cases[i].in);
		assert_string_equal(s->client_addr, cases[i].want);
	}
	session_set_client(s, NULL, "::ffff:192.0.2.10");
	assert_true(cidr_list_match(&nets, &s->client_ip));
	session_free(&s);
	cidr_list_deinit(&nets);
}

/* after the gate closes no session starts, and one still open is freed
 * when it ends (the pool was emptied at the close) */
static void
test_gate_closes(void **state)
{
	struct session *open;

	(void)state;
	open = session_new();	/* no message: test_messages_stop stopped them */
	session_set_client(open, "host.example", "192.0.2.1");
	session_set_helo(open, "host.example");
	assert_int_equal(session_close_gate(), 1);
	assert_null(session_new());
	session_free(&open);
	assert_int_equal(session_active(), 0);
}

/* a session allocated on dirty memory (setup's M_PERTURB) is as fresh
 * as one from the pool; once the pool is empty, the session a closed
 * connection gives back is the next one handed out, with its storage */
static void
test_fresh_on_dirty_memory(void **state)
{
	struct session *held[MANY], *s, *again;
	unsigned i;

	(void)state;
	for (i = 0; i < MANY; i++)	/* the pool holds fewer: empty now */
		held[i] = session_new();
	s = session_new();
	assert_fresh(s);
	session_set_helo(s, "mx.example");
	session_free(&s);
	again = session_new();
	assert_fresh(again);
	assert_non_null(again->helo_buf.data);	/* kept: it was pooled */
	session_free(&again);
	/* every slot of the emptied pool is used, every one is handed out */
	for (i = 0; i < POOL_MAX; i++) {
		session_set_helo(held[i], "mx.example");
		session_free(&held[i]);
	}
	for (i = 0; i < POOL_MAX; i++) {
		held[i] = session_new();
		assert_non_null(held[i]->helo_buf.data);
	}
	for (i = 0; i < MANY; i++)
		session_free(&held[i]);
}

/* a client address text longer than the field (not an address) is cut
 * to the field's 63 bytes; a closing connection gives up a big client
 * name and report line rather than pool them */
static void
test_long_client_text(void **state)
{
	char big[5000];
	struct session *s;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = session_new();
	session_set_client(s, big, big);
	assert_int_equal(strlen(s->client_addr), sizeof(s->client_addr) - 1);
	assert_string_equal(s->client_name, big);
	buf_append(&s->report_line, big, sizeof(big));
	session_free(&s);
	s = session_new();
	assert_fresh(s);
	assert_true(s->client_name_buf.cap < sizeof(big));
	assert_null(s->report_line.data);
	session_free(&s);
}

/* a field is kept while the message has fewer than MaxHeaders fields,
 * its value fits in MaxHeaderBytes and the field itself in
 * MaxHeaderFieldBytes (name, colon, value); the first one refused marks
 * the message */
static void
test_field_caps(void **state)
{
	struct session *s;
	struct conf *live, c;
	struct header f;

	(void)state;
	s = session_new();
	use(s, 1);
	assert_int_equal(s->msg.headers.count, 2);
	assert_int_equal(s->msg.headers.bytes, 28);
	live = s->msg.conf;
	c = *live;
	s->msg.conf = &c;
	memset(&f, 0, sizeof(f));
	f.name = "X";
	f.name_len = 1;
	f.value = (unsigned char *)"0123456789";
	f.value_len = 10;
	c.max_headers = 3;
	c.max_header_bytes = 1000;
	c.max_header_field_bytes = 1000;
	assert_non_null(session_keep_field(s, &f));
	assert_false(s->msg.headers_capped);
	assert_null(session_keep_field(s, &f));
	assert_true(s->msg.headers_capped);
	s->msg.headers_capped = false;
	c.max_headers = 100;
	/* 39 bytes so far: the field's name counts as the total does
	 * (names plus values), so 39 + 11 does not fit in 49 */
	c.max_header_bytes = 49;
	assert_null(session_keep_field(s, &f));
	c.max_header_bytes = 50;
	assert_non_null(session_keep_field(s, &f));
	assert_null(session_keep_field(s, &f));
	c.max_header_bytes = 1000;
	c.max_header_field_bytes = 12;
	assert_non_null(session_keep_field(s, &f));
	c.max_header_field_bytes = 11;
	assert_null(session_keep_field(s, &f));
	s->msg.conf = live;
	session_free(&s);
}

/* a HELO in U-labels is kept as its A-labels; one IDNA refuses as sent */
static void
test_helo_a_labels(void **state)
{
	struct session *s = session_new();

	(void)state;
	session_set_helo(s, "b\xc3\xbc" "cher.example");
	assert_string_equal(s->helo, "xn--bcher-kva.example");
	session_set_helo(s, "b\xff" "cher.example");
	assert_string_equal(s->helo, "b\xff" "cher.example");
	session_free(&s);
}

/* elapsed time counts from the message's start, never below zero; each
 * message started is counted */
static void
test_elapsed_and_count(void **state)
{
	struct session *s = session_new();
	struct timespec now;
	unsigned long before = session_messages(), ms;

	(void)state;
	use(s, 1);
	assert_int_equal(session_messages(), before + 1);
	assert_true(session_elapsed_ms(s) < 10000);
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	/* 100.5 s ago */
	s->msg.started.tv_sec = now.tv_sec - 100;
	s->msg.started.tv_nsec = now.tv_nsec - 500000000L;
	if (s->msg.started.tv_nsec < 0) {
		s->msg.started.tv_sec--;
		s->msg.started.tv_nsec += 1000000000L;
	}
	ms = session_elapsed_ms(s);
	assert_true(ms >= 100500 && ms < 100600);
	s->msg.started.tv_sec = now.tv_sec + 100;	/* clock oddity */
	assert_int_equal(session_elapsed_ms(s), 0);
	session_free(&s);
}

/* messages in flight are counted from MAIL FROM to their end, however
 * it comes (end of message, a new MAIL FROM, abort, close), once each;
 * after the stop a new one is refused and leaves the session without a
 * message, while one in flight goes on to its end */
static void
test_messages_stop(void **state)
{
	struct session *a, *b;

	(void)state;
	a = session_new();
	b = session_new();
	assert_int_equal(session_in_flight(), 0);
	use(a, 1);
	use(b, 2);
	assert_int_equal(session_in_flight(), 2);
	use(a, 3);				/* a second MAIL FROM on a */
	assert_int_equal(session_in_flight(), 2);
	session_message_end(b);
	assert_false(b->msg_dirty);
	session_message_end(b);			/* end, then abort: once */
	assert_int_equal(session_in_flight(), 1);
	assert_false(session_messages_stopped());
	assert_int_equal(session_stop_messages(), 1);
	assert_true(session_messages_stopped());
	assert_false(session_message_start(b));
	assert_false(b->in_message);
	assert_null(b->msg.conf);
	assert_int_equal(session_in_flight(), 1);
	assert_true(a->in_message);		/* a's message goes on */
	session_free(&a);			/* closed mid-message */
	assert_int_equal(session_in_flight(), 0);
	assert_false(session_message_start(b));
	assert_int_equal(session_in_flight(), 0);
	session_free(&b);
}

/* session_addr_shown - the text a log line without a session writes:
 * the one session_set_client keeps (cb_connect's error lines wrote an
 * IPv4-mapped client raw) */
static void
test_addr_shown(void **state)
{
	static const char *const cases[][2] = {
		{ "::ffff:192.0.2.1", "192.0.2.1" },
		{ "::FFFF:C000:201", "192.0.2.1" },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "192.0.2.1", "192.0.2.1" },
		{ "local", "local" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		session_addr_shown(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	session_addr_shown("::ffff:192.0.2.1", out, 4);	/* cut, ended */
	assert_string_equal(out, "192");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pooled_session_is_fresh),
		cmocka_unit_test(test_many_sessions),
		cmocka_unit_test(test_kept_text_storage),
		cmocka_unit_test(test_client_addr_canonical),
		cmocka_unit_test(test_fresh_on_dirty_memory),
		cmocka_unit_test(test_long_client_text),
		cmocka_unit_test(test_field_caps),
		cmocka_unit_test(test_helo_a_labels),
		cmocka_unit_test(test_elapsed_and_count),
		/* last: the stop and the gate stay closed */
		cmocka_unit_test(test_messages_stop),
		cmocka_unit_test(test_gate_closes),
		cmocka_unit_test(test_addr_shown),
	};

	return cmocka_run_group_tests_name("session", tests, setup, teardown);
}
