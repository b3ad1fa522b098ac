/*
 * test_spf_results.c - SPF results kept while their DNS answers live
 * (spf_results.h) and how spf_check uses them through a pool: a second
 * evaluation with the same inputs makes no DNS lookup and gives the same
 * result; one result serves every local-part of a domain unless a record
 * or explanation reads the sender or HELO name; a different address,
 * identity or limits is evaluated again; temperrors, answers without a
 * usable TTL and %{t} are never kept; a result lives no longer than the
 * shortest TTL it read; checkers made outside a pool keep nothing.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "spf/spf.h"
#include "spf/spf_pool.h"
#include "spf/spf_results.h"

#define T DNS_T_TXT
#define A DNS_T_A
#define OK DNS_R_ANSWER

static const struct dns_fake_record zone[] = {
	{ "pass.test", T, OK, "v=spf1 ip4:192.0.2.0/24 include:inc.test -all", 0, 0 },
	{ "inc.test", T, OK, "v=spf1 ip4:203.0.113.0/24 -all", 0, 0 },
	{ "fail.test", T, OK, "v=spf1 -all exp=exp.fail.test", 0, 0 },
	{ "exp.fail.test", T, OK, "%{i} refused by %{r}", 0, 0 },
	{ "local.test", T, OK, "v=spf1 a:%{l}.ok.local.test -all", 0, 0 },
	{ "alice.ok.local.test", A, OK, "198.51.100.5", 0, 0 },
	{ "bob.ok.local.test", A, OK, "203.0.113.1", 0, 0 },
	{ "sexp.test", T, OK, "v=spf1 -all exp=exp.sexp.test", 0, 0 },
	{ "exp.sexp.test", T, OK, "%{s} may not send from %{i}", 0, 0 },
	{ "helo.test", T, OK, "v=spf1 a:%{h}.ok.helo.test -all", 0, 0 },
	{ "good.h.test.ok.helo.test", A, OK, "198.51.100.5", 0, 0 },
	{ "bad.h.test.ok.helo.test", A, OK, "203.0.113.1", 0, 0 },
	{ "time.test", T, OK, "v=spf1 -all exp=exp.time.test", 0, 0 },
	{ "exp.time.test", T, OK, "refused at %{t}", 0, 0 },
	{ "slow.test", T, OK, "v=spf1 include:gone.test -all", 0, 0 },
	{ "gone.test", T, DNS_R_TIMEOUT, NULL, 0, 0 },
	{ "short.test", T, OK, "v=spf1 include:short-inc.test -all", 0, 0 },
	{ "short-inc.test", T, OK, "v=spf1 ip4:192.0.2.0/24 -all", 0, 1 },
	{ "mx5.test", T, OK, "v=spf1 mx -all", 0, 0 },
	{ "mx5.test", DNS_T_MX, OK, "0 h0.mx5.test", 0, 0 },
	{ "mx5.test", DNS_T_MX, OK, "1 h1.mx5.test", 0, 0 },
	{ "mx5.test", DNS_T_MX, OK, "2 h2.mx5.test", 0, 0 },
	{ "h0.mx5.test", A, OK, "198.51.100.77", 0, 0 },
	{ "h1.mx5.test", A, OK, "198.51.100.77", 0, 0 },
	{ "h2.mx5.test", A, OK, "198.51.100.77", 0, 0 },
	{ "nospf.test", T, DNS_R_NODATA, NULL, 0, 600 },
	{ "nxd.test", T, DNS_R_NXDOMAIN, NULL, 0, 600 },
	{ "v6.test", T, OK, "v=spf1 include:inc.test ip6:2001:db8:1::/48 -all",
	  0, 0 },
};

struct fixture {
	struct dns_resolver *r;
	struct spf_pool *p;
};

/* eval_id - one evaluation through a checker of f's pool; returns the
 * lookups it asked of the resolver */
static uint64_t
eval_id(struct fixture *f, const struct spf_limits *lim,
    enum spf_identity id, const char *ip, const char *helo,
    const char *from, struct spf_result *res)
{
	struct spf_request req = { ip, helo, from, id, 0 };
	uint64_t before = dns_resolver_lookups(f->r);
	struct spf_checker *c = spf_pool_take(f->p, lim, "mx.us.test");

	spf_check(c, &req, res);
	spf_pool_give(f->p, &c);
	return dns_resolver_lookups(f->r) - before;
}

/* eval - a MAIL FROM evaluation with default limits and HELO h.test */
static uint64_t
eval(struct fixture *f, const char *ip, const char *from,
    struct spf_result *res)
{
	return eval_id(f, NULL, SPF_ID_MAILFROM, ip, "h.test", from, res);
}

/* what copy_kept saw */
struct seen {
	struct spf_kept k;
	char reason[64], explanation[64];
	bool has_explanation;
};

/* copy_kept - spf_results_get's take for the table tests */
static void
copy_kept(void *arg, const struct spf_kept *kept)
{
	struct seen *s = arg;

	s->k = *kept;
	(void)snprintf(s->reason, sizeof(s->reason), "%s", kept->reason);
	s->has_explanation = kept->explanation != NULL;
	(void)snprintf(s->explanation, sizeof(s->explanation), "%s",
	    kept->explanation != NULL ? kept->explanation : "");
}

static void
test_table_keeps_until_expiry(void **state)
{
	struct spf_results *t = spf_results_new(4, 2);
	const struct spf_kept k = { SPF_RES_FAIL, "a mechanism matched",
	    "go away", 3, 1 };
	const struct spf_kept none = { SPF_RES_NONE, "", NULL, 0, 0 };
	struct seen s;

	(void)state;
	assert_false(spf_results_get(t, "key", 3, 1000, copy_kept, &s));
	spf_results_put(t, "key", 3, 1000, 10, &k);
	memset(&s, 0, sizeof(s));
	assert_true(spf_results_get(t, "key", 3, 10999, copy_kept, &s));
	assert_int_equal(s.k.res, SPF_RES_FAIL);
	assert_string_equal(s.reason, "a mechanism matched");
	assert_true(s.has_explanation);
	assert_string_equal(s.explanation, "go away");
	assert_int_equal(s.k.dns_terms, 3);
	assert_int_equal(s.k.void_lookups, 1);
	/* 10 s after 1000 ms: gone at 11000 */
	assert_false(spf_results_get(t, "key", 3, 11000, copy_kept, &s));
	/* other key bytes, a prefix of the key: not the same key */
	assert_false(spf_results_get(t, "kez", 3, 2000, copy_kept, &s));
	assert_false(spf_results_get(t, "ke", 2, 2000, copy_kept, &s));
	/* no explanation stays none; a put replaces */
	spf_results_put(t, "key", 3, 20000, 5, &none);
	assert_true(spf_results_get(t, "key", 3, 20001, copy_kept, &s));
	assert_int_equal(s.k.res, SPF_RES_NONE);
	assert_string_equal(s.reason, "");
	assert_false(s.has_explanation);
	assert_int_equal(spf_results_hits(t), 2);
	spf_results_free(&t);
	assert_null(t);
}

static void
test_table_bounds(void **state)
{
	struct spf_results *t = spf_results_new(1, 2);
	const struct spf_kept k = { SPF_RES_PASS, "r", NULL, 0, 0 };
	static char big[SPF_RESULTS_MAX_KEY + 1], text[SPF_RESULTS_MAX_TEXT + 2];
	struct spf_kept long_text = k;
	struct seen s;

	(void)state;
	/* no TTL: not kept; a long TTL is cut to SPF_RESULTS_MAX_TTL_S */
	spf_results_put(t, "a", 1, 0, 0, &k);
	assert_false(spf_results_get(t, "a", 1, 0, copy_kept, &s));
	spf_results_put(t, "a", 1, 0, 86400, &k);
	assert_true(spf_results_get(t, "a", 1,
	    SPF_RESULTS_MAX_TTL_S * 1000ull - 1, copy_kept, &s));
	assert_false(spf_results_get(t, "a", 1,
	    SPF_RESULTS_MAX_TTL_S * 1000ull, copy_kept, &s));
	/* oversized keys and texts are not kept */
	memset(big, 'k', sizeof(big));
	spf_results_put(t, big, sizeof(big), 0, 60, &k);
	assert_false(spf_results_get(t, big, sizeof(big), 1, copy_kept, &s));
	memset(text, 'x', sizeof(text) - 1);
	long_text.reason = text;
	spf_results_put(t, "b", 1, 0, 60, &long_text);
	assert_false(spf_results_get(t, "b", 1, 1, copy_kept, &s));
	/* one set of two ways: a third key drops the least recently used */
	spf_results_put(t, "1", 1, 0, 60, &k);
	spf_results_put(t, "2", 1, 0, 60, &k);
	assert_true(spf_results_get(t, "1", 1, 1, copy_kept, &s));
	spf_results_put(t, "3", 1, 0, 60, &k);
	assert_true(spf_results_get(t, "1", 1, 1, copy_kept, &s));
	assert_false(spf_results_get(t, "2", 1, 1, copy_kept, &s));
	assert_true(spf_results_get(t, "3", 1, 1, copy_kept, &s));
	spf_results_free(&t);
}

/* same_result - two results that must not differ */
static void
same_result(const struct spf_result *a, const struct spf_result *b)
{
	assert_int_equal(a->res, b->res);
	assert_string_equal(a->domain, b->domain);
	assert_string_equal(a->sender, b->sender);
	assert_string_equal(a->reason, b->reason);
	if (a->explanation == NULL)
		assert_null(b->explanation);
	else
		assert_string_equal(a->explanation, b->explanation);
	assert_int_equal(a->dns_terms, b->dns_terms);
	assert_int_equal(a->void_lookups, b->void_lookups);
}

static void
test_second_evaluation_answered_kept(void **state)
{
	struct fixture *f = *state;
	struct spf_result a, b;

	/* pass through an include: 2 lookups, then none */
	assert_int_equal(eval(f, "203.0.113.9", "u@pass.test", &a), 2);
	assert_int_equal(a.res, SPF_RES_PASS);
	assert_int_equal(eval(f, "203.0.113.9", "u@pass.test", &b), 0);
	same_result(&a, &b);
	assert_int_equal(b.dns_queries, 0);
	assert_int_equal(a.dns_queries, 2);
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	/* a fail keeps its explanation (which names the client and us) */
	assert_int_equal(eval(f, "198.51.100.1", "u@fail.test", &a), 2);
	assert_int_equal(a.res, SPF_RES_FAIL);
	assert_string_equal(a.explanation, "198.51.100.1 refused by mx.us.test");
	assert_int_equal(eval(f, "198.51.100.1", "u@fail.test", &b), 0);
	same_result(&a, &b);
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	assert_int_equal(spf_pool_kept_hits(f->p), 2);
	/* after a reload with another AuthservID (%{r}) the kept
	 * explanation, which names us, is not served */
	{
		struct spf_request req = { "198.51.100.1", "h.test",
		    "u@fail.test", SPF_ID_MAILFROM, 0 };
		struct spf_checker *c = spf_pool_take(f->p, NULL,
		    "mx.other.test");
		uint64_t before = dns_resolver_lookups(f->r);

		spf_check(c, &req, &a);
		spf_pool_give(f->p, &c);
		assert_int_equal(dns_resolver_lookups(f->r) - before, 2);
		assert_string_equal(a.explanation,
		    "198.51.100.1 refused by mx.other.test");
		spf_result_deinit(&a);
	}
}

static void
test_other_local_part_same_result(void **state)
{
	struct fixture *f = *state;
	struct spf_result a, b;

	/* VERP senders: no record reads the local-part, one result */
	assert_int_equal(eval(f, "192.0.2.7", "bounce-1@pass.test", &a), 1);
	assert_int_equal(eval(f, "192.0.2.7", "bounce-2@pass.test", &b), 0);
	assert_int_equal(b.res, SPF_RES_PASS);
	assert_string_equal(b.sender, "bounce-2@pass.test");
	assert_string_equal(b.domain, "pass.test");
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	/* another HELO name does not matter either */
	assert_int_equal(eval_id(f, NULL, SPF_ID_MAILFROM, "192.0.2.7",
	    "other.test", "x@pass.test", &a), 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	spf_result_deinit(&a);
}

static void
test_sender_macros_keyed_by_sender(void **state)
{
	struct fixture *f = *state;
	struct spf_result a, b;

	/* a:%{l}...: alice passes, bob fails; each kept for itself */
	assert_true(eval(f, "198.51.100.5", "alice@local.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	assert_true(eval(f, "198.51.100.5", "bob@local.test", &b) > 0);
	assert_int_equal(b.res, SPF_RES_FAIL);
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	assert_int_equal(eval(f, "198.51.100.5", "alice@local.test", &a), 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	assert_int_equal(eval(f, "198.51.100.5", "bob@local.test", &b), 0);
	assert_int_equal(b.res, SPF_RES_FAIL);
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	/* the explanation names the sender: not shared between senders */
	assert_true(eval(f, "198.51.100.5", "carol@sexp.test", &a) > 0);
	assert_true(eval(f, "198.51.100.5", "dave@sexp.test", &b) > 0);
	assert_string_equal(a.explanation,
	    "carol@sexp.test may not send from 198.51.100.5");
	assert_string_equal(b.explanation,
	    "dave@sexp.test may not send from 198.51.100.5");
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	/* %{h}: the HELO name decides */
	assert_true(eval_id(f, NULL, SPF_ID_MAILFROM, "198.51.100.5",
	    "good.h.test", "u@helo.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	assert_true(eval_id(f, NULL, SPF_ID_MAILFROM, "198.51.100.5",
	    "bad.h.test", "u@helo.test", &b) > 0);
	assert_int_equal(b.res, SPF_RES_FAIL);
	spf_result_deinit(&a);
	spf_result_deinit(&b);
	/* ... all of it: one that differs in its last octet only */
	assert_true(eval_id(f, NULL, SPF_ID_MAILFROM, "198.51.100.5",
	    "good.h.tesu", "u@helo.test", &b) > 0);
	assert_int_equal(b.res, SPF_RES_FAIL);
	spf_result_deinit(&b);
}

static void
test_other_inputs_evaluated_again(void **state)
{
	struct fixture *f = *state;
	const struct spf_limits tight = { 0, 0, 3, 0 };
	struct spf_result a;

	assert_true(eval(f, "192.0.2.8", "u@mx5.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_FAIL);
	spf_result_deinit(&a);
	/* another client address */
	assert_true(eval(f, "198.51.100.77", "u@mx5.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	spf_result_deinit(&a);
	/* other limits: a miss of mx needs 5 queries, 3 allowed (cut
	 * short by a limit, so not kept either); the default's result
	 * still is */
	assert_true(eval_id(f, &tight, SPF_ID_MAILFROM, "192.0.2.8",
	    "h.test", "u@mx5.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_PERMERROR);
	spf_result_deinit(&a);
	assert_true(eval_id(f, &tight, SPF_ID_MAILFROM, "192.0.2.8",
	    "h.test", "u@mx5.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_PERMERROR);
	spf_result_deinit(&a);
	assert_int_equal(eval(f, "192.0.2.8", "u@mx5.test", &a), 0);
	assert_int_equal(a.res, SPF_RES_FAIL);
	spf_result_deinit(&a);
	assert_int_equal(eval(f, "198.51.100.77", "u@mx5.test", &a), 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	spf_result_deinit(&a);
	/* the HELO identity is its own evaluation */
	assert_true(eval_id(f, NULL, SPF_ID_HELO, "198.51.100.77",
	    "mx5.test", "u@mx5.test", &a) > 0);
	assert_int_equal(a.res, SPF_RES_PASS);
	assert_string_equal(a.sender, "postmaster@mx5.test");
	spf_result_deinit(&a);
}

/* IPv6 clients: the whole address is in the key (two clients that share
 * their first four bytes get their own results), and a v6 client whose
 * first four bytes are a kept v4 client's is evaluated on its own */
static void
test_ipv6_clients_keyed_by_whole_address(void **state)
{
	static const struct {
		const char *ip, *from;
		bool asks_dns;		/* false: answered from the kept results */
		enum spf_res res;
	} steps[] = {
		{ "2001:db8:1::5", "u@v6.test", true, SPF_RES_PASS },
		{ "2001:db8:2::5", "u@v6.test", true, SPF_RES_FAIL },
		{ "2001:db8:1::5", "u@v6.test", false, SPF_RES_PASS },
		{ "2001:db8:2::5", "u@v6.test", false, SPF_RES_FAIL },
		{ "192.0.2.8", "u@pass.test", true, SPF_RES_PASS },
		{ "c000:208::", "u@pass.test", true, SPF_RES_FAIL },
		{ "c000:208::", "u@pass.test", false, SPF_RES_FAIL },
	};
	struct fixture *f = *state;
	struct spf_result a;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		print_message("# step %zu: %s %s\n", i, steps[i].ip,
		    steps[i].from);
		assert_int_equal(eval(f, steps[i].ip, steps[i].from, &a) > 0,
		    steps[i].asks_dns);
		assert_int_equal(a.res, steps[i].res);
		spf_result_deinit(&a);
	}
}

/* "none" read from a negative answer that has a TTL (a real one carries
 * the zone's SOA minimum) is kept like any other result */
static void
test_none_kept_from_negative_answers(void **state)
{
	struct fixture *f = *state;
	static const char *const domains[] = { "u@nospf.test", "u@nxd.test" };
	struct spf_result a, b;
	size_t i;

	for (i = 0; i < 2; i++) {
		assert_true(eval(f, "192.0.2.3", domains[i], &a) > 0);
		assert_int_equal(a.res, SPF_RES_NONE);
		assert_int_equal(eval(f, "192.0.2.3", domains[i], &b), 0);
		same_result(&a, &b);
		spf_result_deinit(&a);
		spf_result_deinit(&b);
	}
	assert_int_equal(spf_pool_kept_hits(f->p), 2);
}

static void
test_never_kept(void **state)
{
	struct fixture *f = *state;
	struct spf_result a;
	struct spf_checker *c;
	struct spf_request req = { "192.0.2.1", "h.test", "u@pass.test",
	    SPF_ID_MAILFROM, 0 };
	uint64_t before;
	int i;

	for (i = 0; i < 2; i++) {
		/* a timeout: temperror, asked again */
		assert_true(eval(f, "192.0.2.1", "u@slow.test", &a) > 0);
		assert_int_equal(a.res, SPF_RES_TEMPERROR);
		spf_result_deinit(&a);
		/* %{t} in the explanation */
		assert_true(eval(f, "192.0.2.1", "u@time.test", &a) > 0);
		assert_int_equal(a.res, SPF_RES_FAIL);
		spf_result_deinit(&a);
		/* no record: NXDOMAIN without a TTL here */
		assert_true(eval(f, "192.0.2.1", "u@absent.test", &a) > 0);
		assert_int_equal(a.res, SPF_RES_NONE);
		spf_result_deinit(&a);
	}
	/* a checker made outside a pool keeps nothing */
	c = spf_checker_new(f->r, NULL, "mx.us.test");
	for (i = 0; i < 2; i++) {
		before = dns_resolver_lookups(f->r);
		spf_check(c, &req, &a);
		assert_int_equal(a.res, SPF_RES_PASS);
		assert_int_equal(dns_resolver_lookups(f->r) - before, 1);
		spf_result_deinit(&a);
	}
	spf_checker_free(&c);
	assert_int_equal(spf_pool_kept_hits(f->p), 0);
}

static void
test_lives_as_long_as_shortest_ttl(void **state)
{
	struct fixture *f = *state;
	struct timespec pause = { 1, 200 * 1000 * 1000 };
	struct spf_result a;

	/* short-inc.test has a TTL of 1 s, its parent 300 s */
	assert_int_equal(eval(f, "192.0.2.9", "u@short.test", &a), 2);
	assert_int_equal(a.res, SPF_RES_PASS);
	spf_result_deinit(&a);
	assert_int_equal(eval(f, "192.0.2.9", "u@short.test", &a), 0);
	spf_result_deinit(&a);
	(void)nanosleep(&pause, NULL);
	assert_int_equal(eval(f, "192.0.2.9", "u@short.test", &a), 2);
	assert_int_equal(a.res, SPF_RES_PASS);
	spf_result_deinit(&a);
}

/* one thread of test_threads_share_results */
static void *
share_thread(void *arg)
{
	struct fixture *f = arg;
	struct spf_result a;
	long bad = 0;
	int i;

	for (i = 0; i < 200; i++) {
		(void)eval(f, "203.0.113.5", i % 2 ? "a@pass.test" :
		    "b@fail.test", &a);
		if (a.res != (i % 2 ? SPF_RES_PASS : SPF_RES_FAIL))
			bad++;
		spf_result_deinit(&a);
	}
	return (void *)bad;
}

static void
test_threads_share_results(void **state)
{
	struct fixture *f = *state;
	pthread_t th[4];
	void *bad;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, share_thread, f), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_null(bad);
	}
	/* at most a first evaluation per key and thread missed */
	assert_true(spf_pool_kept_hits(f->p) >= 800 - 8);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->r = dns_resolver_new_fake(zone, sizeof(zone) / sizeof(zone[0]), 300);
	f->p = spf_pool_new(f->r, 4);
	*state = f;
	return f->r != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	spf_pool_free(&f->p);
	dns_resolver_free(&f->r);
	free(f);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_keeps_until_expiry),
		cmocka_unit_test(test_table_bounds),
		cmocka_unit_test_setup_teardown(test_second_evaluation_answered_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_local_part_same_result,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_macros_keyed_by_sender,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_inputs_evaluated_again,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ipv6_clients_keyed_by_whole_address, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_none_kept_from_negative_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lives_as_long_as_shortest_ttl,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_results,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
