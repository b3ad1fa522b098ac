/*
 * test_dns_cache.c - the in-process answer table in front of libunbound
 *
 * Checks: questions whose hashes pick the same set do not evict each other
 * (a direct-mapped table did, costing a libunbound round trip per message
 * for each such pair); a full set gives up the answer that expires first
 * and takes an expired entry before a live one; NXDOMAIN and NODATA are
 * kept for their TTL and failures never; answers that expired in other
 * sets do not hold the byte budget against new ones, from the millisecond
 * they expire; a question's new answer replaces its entry and its bytes;
 * TTLs count down rounded up; the size bounds of the table and an answer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dns/dns_cache.h"
#include "dns/dns_int.h"

#define NOW_MS 1000000u
#define BIG ((size_t)1 << 20)

/* put_status - keep an answer of status with ttl seconds under name */
static void
put_status(struct dns_cache *c, const char *name, enum dns_status status,
    uint32_t ttl, uint64_t now_ms)
{
	struct dns_answer *a = dns_answer_new(status);

	a->ttl = ttl;
	if (status == DNS_R_ANSWER) {
		struct dns_rr *rr = dns_answer_add(a, DNS_T_TXT);

		rr->text = strdup(name);
		rr->text_len = strlen(name);
	}
	dns_cache_put(c, name, DNS_T_TXT, a, now_ms);
	dns_answer_free(&a);
}

/* kept - true when name's TXT answer is live in c at now_ms */
static bool
kept(struct dns_cache *c, const char *name, uint64_t now_ms)
{
	struct dns_answer *a = dns_cache_get(c, name, DNS_T_TXT, now_ms);
	bool ok = a != NULL;

	dns_answer_free(&a);
	return ok;
}

/* name_of - the i-th test name */
static const char *
name_of(unsigned i, char *buf, size_t size)
{
	/* a name fits the buffer; truncation cannot happen */
	(void)snprintf(buf, size, "n%u.example", i);
	return buf;
}

/* One set: every question hashes to it. All DNS_CACHE_WAYS answers stay. */
static void
test_same_set_questions_all_kept(void **state)
{
	struct dns_cache *c = dns_cache_new(DNS_CACHE_WAYS, BIG);
	char buf[32];
	unsigned i;

	(void)state;
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		put_status(c, name_of(i, buf, sizeof(buf)), DNS_R_ANSWER, 300, NOW_MS);
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		assert_true(kept(c, name_of(i, buf, sizeof(buf)), NOW_MS));
	/* the same question again replaces its own entry, no other */
	put_status(c, "n0.example", DNS_R_ANSWER, 600, NOW_MS);
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		assert_true(kept(c, name_of(i, buf, sizeof(buf)), NOW_MS));
	assert_true(kept(c, "n0.example", NOW_MS + 400 * 1000u));
	dns_cache_free(&c);
}

/* A full set gives up the answer that expires first. */
static void
test_full_set_evicts_first_to_expire(void **state)
{
	struct dns_cache *c = dns_cache_new(DNS_CACHE_WAYS, BIG);
	char buf[32];
	unsigned i;

	(void)state;
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		put_status(c, name_of(i, buf, sizeof(buf)), DNS_R_ANSWER,
		    i == 3 ? 30 : 300, NOW_MS);
	put_status(c, "late.example", DNS_R_ANSWER, 300, NOW_MS);
	assert_true(kept(c, "late.example", NOW_MS));
	assert_false(kept(c, "n3.example", NOW_MS));
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		if (i != 3)
			assert_true(kept(c, name_of(i, buf, sizeof(buf)), NOW_MS));
	dns_cache_free(&c);
}

/* An expired entry is not served, and is taken before a live one. */
static void
test_expired_entry_reused_first(void **state)
{
	struct dns_cache *c = dns_cache_new(DNS_CACHE_WAYS, BIG);
	uint64_t later = NOW_MS + 60 * 1000u;
	char buf[32];
	unsigned i;

	(void)state;
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		put_status(c, name_of(i, buf, sizeof(buf)), DNS_R_ANSWER,
		    i == 5 ? 10 : 300 + i, NOW_MS);
	assert_false(kept(c, "n5.example", later));
	put_status(c, "new.example", DNS_R_ANSWER, 300, later);
	assert_true(kept(c, "new.example", later));
	for (i = 0; i < DNS_CACHE_WAYS; i++)
		if (i != 5)
			assert_true(kept(c, name_of(i, buf, sizeof(buf)), later));
	dns_cache_free(&c);
}

/* NXDOMAIN and NODATA are kept for their TTL (counting down); SERVFAIL,
 * timeouts and answers without a TTL never are. */
static void
test_negative_answers_kept_failures_not(void **state)
{
	static const struct {
		const char *name;
		enum dns_status status;
		uint32_t ttl;
		bool kept;
	} t[] = {
		{ "nx.example", DNS_R_NXDOMAIN, 300, true },
		{ "nodata.example", DNS_R_NODATA, 300, true },
		{ "answer.example", DNS_R_ANSWER, 300, true },
		{ "zero-ttl.example", DNS_R_NXDOMAIN, 0, false },
		{ "servfail.example", DNS_R_SERVFAIL, 300, false },
		{ "timeout.example", DNS_R_TIMEOUT, 300, false },
		{ "error.example", DNS_R_ERROR, 300, false },
	};
	struct dns_cache *c = dns_cache_new(1024, BIG);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dns_answer *a;

		print_message("# %s\n", t[i].name);
		put_status(c, t[i].name, t[i].status, t[i].ttl, NOW_MS);
		a = dns_cache_get(c, t[i].name, DNS_T_TXT, NOW_MS + 100 * 1000u);
		assert_int_equal(a != NULL, t[i].kept);
		if (a != NULL) {
			assert_int_equal(a->status, t[i].status);
			assert_int_equal(a->ttl, t[i].ttl - 100);
		}
		dns_answer_free(&a);
		assert_false(kept(c, t[i].name, NOW_MS + t[i].ttl * 1000u));
	}
	dns_cache_free(&c);
}

/* wide_name - the i-th test name, all of one length (i < 1000) */
static const char *
wide_name(unsigned i, char *buf, size_t size)
{
	/* a name fits the buffer; truncation cannot happen */
	(void)snprintf(buf, size, "w%03u.example", i);
	return buf;
}

/* A table whose byte budget is taken by answers that have all expired
 * still takes new answers: the expired ones in other sets give their
 * bytes back (they used to hold them until a question of their own set
 * came, so a full table refused every new answer for good). */
static void
test_expired_bytes_given_back(void **state)
{
	struct dns_cache *c;
	uint64_t later = NOW_MS + 60 * 1000u;
	char buf[32];
	size_t one;
	unsigned i, n = 16, kept_n = 0;

	(void)state;
	/* the budget of n answers as put_status makes them (one record
	 * whose text is the name), in a roomy table */
	one = sizeof(struct dns_answer) + sizeof(struct dns_rr) +
	    strlen(wide_name(0, buf, sizeof(buf))) + 1;
	c = dns_cache_new(4096, n * one);
	for (i = 0; i < n; i++)
		put_status(c, wide_name(i, buf, sizeof(buf)), DNS_R_ANSWER, 10,
		    NOW_MS);
	for (i = 0; i < n; i++)
		assert_true(kept(c, wide_name(i, buf, sizeof(buf)), NOW_MS));
	/* full now; one more is refused while the others live */
	put_status(c, wide_name(999, buf, sizeof(buf)), DNS_R_ANSWER, 300,
	    NOW_MS);
	assert_false(kept(c, wide_name(999, buf, sizeof(buf)), NOW_MS));
	/* all expired: new answers (other names, other sets) are kept */
	for (i = 100; i < 100 + n; i++)
		put_status(c, wide_name(i, buf, sizeof(buf)), DNS_R_ANSWER, 300,
		    later);
	for (i = 100; i < 100 + n; i++)
		if (kept(c, wide_name(i, buf, sizeof(buf)), later))
			kept_n++;
	assert_int_equal(kept_n, n);
	dns_cache_free(&c);
}

/* ttl_of - the TTL the cache reports for name's TXT answer at now_ms, 0
 * when it has none */
static uint32_t
ttl_of(struct dns_cache *c, const char *name, uint64_t now_ms)
{
	struct dns_answer *a = dns_cache_get(c, name, DNS_T_TXT, now_ms);
	uint32_t ttl = a != NULL ? a->ttl : 0;

	dns_answer_free(&a);
	return ttl;
}

/* answer_size - what the byte budget counts for put_status's answer to
 * name (one record whose text is the name) */
static size_t
answer_size(const char *name)
{
	return sizeof(struct dns_answer) + sizeof(struct dns_rr) +
	    strlen(name) + 1;
}

/* A new answer to a question replaces its own entry, with its bytes
 * counted once: in a budget of two answers, the question put twice
 * leaves room for another. */
static void
test_same_question_replaced_in_place(void **state)
{
	struct dns_cache *c = dns_cache_new(DNS_CACHE_WAYS,
	    2 * answer_size("x.example"));

	(void)state;
	put_status(c, "x.example", DNS_R_ANSWER, 300, NOW_MS);
	put_status(c, "x.example", DNS_R_ANSWER, 600, NOW_MS);
	assert_int_equal(ttl_of(c, "x.example", NOW_MS), 600);
	put_status(c, "y.example", DNS_R_ANSWER, 300, NOW_MS);
	assert_true(kept(c, "y.example", NOW_MS));
	assert_int_equal(ttl_of(c, "x.example", NOW_MS), 600);
	dns_cache_free(&c);
	assert_null(c);
	dns_cache_free(&c);	/* freeing nothing is allowed */
}

/* The TTL counts down in whole seconds, rounded up, to the last
 * millisecond; a TTL of one second is kept; hits count answers given. */
static void
test_ttl_counts_down(void **state)
{
	struct dns_cache *c = dns_cache_new(64, BIG);
	uint64_t day = 86400u * 1000u;

	(void)state;
	put_status(c, "day.example", DNS_R_ANSWER, 86400, NOW_MS);
	put_status(c, "one.example", DNS_R_ANSWER, 1, NOW_MS);
	assert_int_equal(ttl_of(c, "day.example", NOW_MS), 86400);
	assert_int_equal(ttl_of(c, "day.example", NOW_MS + day - 1), 1);
	assert_int_equal(ttl_of(c, "day.example", NOW_MS + day), 0);
	assert_int_equal(ttl_of(c, "one.example", NOW_MS + 999), 1);
	assert_int_equal(ttl_of(c, "one.example", NOW_MS + 1000), 0);
	assert_int_equal(ttl_of(c, "none.example", NOW_MS), 0);
	assert_int_equal(ttl_of(c, "one.example", NOW_MS), 1);
	assert_int_equal(dns_cache_hits(c), 4);
	dns_cache_free(&c);
}

/* A budget one byte short of two answers, half taken by one that
 * expires: at the millisecond it expires a new answer is kept, whichever
 * set either falls in, and the freed entry's bytes are not given back
 * twice, nor even one byte of them (the first answer put again is
 * refused while the new one lives). Eight names each way, so every pair
 * of sets and places in them comes up. */
static void
test_expired_swept_at_its_expiry(void **state)
{
	uint64_t expiry = NOW_MS + 10 * 1000u;
	char a[32], b[32];
	unsigned i, j;

	(void)state;
	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++) {
			struct dns_cache *c;

			if (i == j)
				continue;
			(void)name_of(i, a, sizeof(a));
			(void)name_of(j, b, sizeof(b));
			c = dns_cache_new(2 * DNS_CACHE_WAYS,
			    2 * answer_size(a) - 1);
			put_status(c, a, DNS_R_ANSWER, 10, NOW_MS);
			put_status(c, b, DNS_R_ANSWER, 300, expiry);
			assert_true(kept(c, b, expiry));
			put_status(c, a, DNS_R_ANSWER, 300, expiry);
			assert_false(kept(c, a, expiry));
			dns_cache_free(&c);
		}
}

/* The size is rounded up to whole sets, and a size of 0 still makes a
 * working table of one set. */
static void
test_sizes(void **state)
{
	struct dns_cache *c = dns_cache_new(0, BIG);
	char buf[32];
	unsigned i;

	(void)state;
	put_status(c, "zero.example", DNS_R_ANSWER, 300, NOW_MS);
	assert_true(kept(c, "zero.example", NOW_MS));
	dns_cache_free(&c);
	c = dns_cache_new(DNS_CACHE_WAYS + 1, BIG);
	for (i = 0; i <= DNS_CACHE_WAYS; i++)
		put_status(c, name_of(i, buf, sizeof(buf)), DNS_R_ANSWER, 300,
		    NOW_MS);
	for (i = 0; i <= DNS_CACHE_WAYS; i++)
		assert_true(kept(c, name_of(i, buf, sizeof(buf)), NOW_MS));
	dns_cache_free(&c);
}

/* An answer of exactly DNS_CACHE_MAX_BYTES is kept, one byte more not. */
static void
test_largest_answer(void **state)
{
	struct dns_cache *c = dns_cache_new(64, BIG);
	size_t text = DNS_CACHE_MAX_BYTES - sizeof(struct dns_answer) -
	    sizeof(struct dns_rr) - 1;
	size_t k;

	(void)state;
	for (k = 0; k < 2; k++) {
		const char *name = k == 0 ? "fits.example" : "over.example";
		struct dns_answer *a = dns_answer_new(DNS_R_ANSWER);
		struct dns_rr *rr = dns_answer_add(a, DNS_T_TXT);

		a->ttl = 300;
		rr->text_len = text + k;
		rr->text = malloc(rr->text_len + 1);
		assert_non_null(rr->text);
		memset(rr->text, 't', rr->text_len);
		rr->text[rr->text_len] = '\0';
		dns_cache_put(c, name, DNS_T_TXT, a, NOW_MS);
		dns_answer_free(&a);
		assert_int_equal(kept(c, name, NOW_MS), k == 0);
	}
	dns_cache_free(&c);
}

/* A sweep notes when the first of the answers it leaves expires, so the
 * next one is made then: a budget of three answers (n0 expiring at 10 s,
 * n1 at 20 s, n2 at 30 s), a new answer at 10 s that needs n0's bytes,
 * then one at 20 s that needs n1's. Several names for the two new
 * answers, so that some fall in a set other than the expired one's. */
static void
test_sweep_notes_first_expiry(void **state)
{
	char buf[32];
	unsigned i, j;

	(void)state;
	for (i = 3; i < 7; i++)
		for (j = 7; j < 15; j++) {
			struct dns_cache *c = dns_cache_new(2 * DNS_CACHE_WAYS,
			    3 * answer_size(wide_name(0, buf, sizeof(buf))));
			unsigned k;

			for (k = 0; k < 3; k++)
				put_status(c, wide_name(k, buf, sizeof(buf)),
				    DNS_R_ANSWER, 10 * (k + 1), NOW_MS);
			put_status(c, wide_name(i, buf, sizeof(buf)), DNS_R_ANSWER,
			    300, NOW_MS + 10 * 1000u);
			assert_true(kept(c, buf, NOW_MS + 10 * 1000u));
			put_status(c, wide_name(j, buf, sizeof(buf)), DNS_R_ANSWER,
			    300, NOW_MS + 20 * 1000u);
			assert_true(kept(c, buf, NOW_MS + 20 * 1000u));
			dns_cache_free(&c);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_set_questions_all_kept),
		cmocka_unit_test(test_full_set_evicts_first_to_expire),
		cmocka_unit_test(test_expired_entry_reused_first),
		cmocka_unit_test(test_negative_answers_kept_failures_not),
		cmocka_unit_test(test_expired_bytes_given_back),
		cmocka_unit_test(test_same_question_replaced_in_place),
		cmocka_unit_test(test_ttl_counts_down),
		cmocka_unit_test(test_expired_swept_at_its_expiry),
		cmocka_unit_test(test_sweep_notes_first_expiry),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_largest_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
