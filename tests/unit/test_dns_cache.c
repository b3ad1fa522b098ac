/*
 * test_dns_cache.c - the in-process answer table in front of libunbound
 *
 * Checks: questions whose hashes pick the same set do not evict each other
 * (a direct-mapped table did, costing a libunbound round trip per message
 * for each such pair); a full set gives up the answer that expires first
 * and takes an expired entry before a live one; NXDOMAIN and NODATA are
 * kept for their TTL and failures never; answers that expired in other
 * sets do not hold the byte budget against new ones.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_set_questions_all_kept),
		cmocka_unit_test(test_full_set_evicts_first_to_expire),
		cmocka_unit_test(test_expired_entry_reused_first),
		cmocka_unit_test(test_negative_answers_kept_failures_not),
		cmocka_unit_test(test_expired_bytes_given_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
