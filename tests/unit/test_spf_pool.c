/*
 * test_spf_pool.c - the per-process pool of SPF checkers: a checker given
 * back is taken again (no new libspf2 server), its limits follow the
 * taker, a checker built for another receiver (AuthservID before a
 * reload) is never handed out, the pool keeps at most max_idle, and
 * threads share one pool. Leaks show under ASan/valgrind (tests CI).
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dns/dns_int.h"
#include "spf/spf.h"
#include "spf/spf_pool.h"

#define T DNS_T_TXT
#define OK DNS_R_ANSWER

static const struct dns_fake_record zone[] = {
	{ "pass.test", T, OK, "v=spf1 ip4:192.0.2.0/24 -all", 0, 0 },
	{ "fail.test", T, OK, "v=spf1 -all exp=exp.fail.test", 0, 0 },
	{ "exp.fail.test", T, OK, "%{i} refused by %{r}", 0, 0 },
	{ "mx5.test", T, OK, "v=spf1 mx -all", 0, 0 },
	{ "mx5.test", DNS_T_MX, OK, "0 h0.mx5.test", 0, 0 },
	{ "mx5.test", DNS_T_MX, OK, "1 h1.mx5.test", 0, 0 },
	{ "mx5.test", DNS_T_MX, OK, "2 h2.mx5.test", 0, 0 },
	{ "h0.mx5.test", DNS_T_A, OK, "198.51.100.77", 0, 0 },
	{ "h1.mx5.test", DNS_T_A, OK, "198.51.100.77", 0, 0 },
	{ "h2.mx5.test", DNS_T_A, OK, "198.51.100.77", 0, 0 },
};

/* eval - one MAIL FROM evaluation of from for client ip */
static enum spf_res
eval(struct spf_checker *c, const char *ip, const char *from,
    struct spf_result *res)
{
	struct spf_request req = { ip, "h.test", from, SPF_ID_MAILFROM, 0 };

	spf_check(c, &req, res);
	return res->res;
}

static void
test_given_back_is_taken_again(void **state)
{
	struct spf_pool *p = spf_pool_new(*state, 4);
	struct spf_checker *a, *b;
	struct spf_result res;

	a = spf_pool_take(p, NULL, "mx.one.test");
	assert_non_null(a);
	assert_int_equal(spf_pool_idle(p), 0);
	assert_int_equal(eval(a, "192.0.2.1", "u@pass.test", &res), SPF_RES_PASS);
	spf_result_deinit(&res);
	spf_pool_give(p, &a);
	assert_null(a);
	assert_int_equal(spf_pool_idle(p), 1);
	/* while a is idle it is the one handed out, and the checker works
	 * again after an evaluation on it */
	b = spf_pool_take(p, NULL, "mx.one.test");
	assert_int_equal(spf_pool_idle(p), 0);
	assert_int_equal(eval(b, "198.51.100.1", "u@pass.test", &res), SPF_RES_FAIL);
	spf_result_deinit(&res);
	/* a second taker at the same time gets another checker */
	a = spf_pool_take(p, NULL, "mx.one.test");
	assert_ptr_not_equal(a, b);
	spf_pool_give(p, &a);
	spf_pool_give(p, &b);
	assert_int_equal(spf_pool_idle(p), 2);
	spf_pool_give(p, &b);	/* NULL: nothing */
	assert_int_equal(spf_pool_idle(p), 2);
	spf_pool_free(&p);
	assert_null(p);
}

static void
test_same_checker_new_limits(void **state)
{
	struct spf_pool *p = spf_pool_new(*state, 4);
	struct spf_limits tight = { 0, 0, 3, 0 };
	struct spf_checker *c, *first;
	struct spf_result res;

	first = c = spf_pool_take(p, &tight, "mx.one.test");
	assert_int_equal(eval(c, "192.0.2.1", "a@mx5.test", &res),
	    SPF_RES_PERMERROR);
	assert_non_null(strstr(res.reason, "too many DNS queries"));
	spf_result_deinit(&res);
	spf_pool_give(p, &c);
	/* same receiver: the same checker, now with the default limits */
	c = spf_pool_take(p, NULL, "mx.one.test");
	assert_ptr_equal(c, first);
	assert_int_equal(eval(c, "192.0.2.1", "a@mx5.test", &res), SPF_RES_FAIL);
	assert_int_equal(res.dns_queries, 5);	/* TXT, MX, 3 x A */
	spf_result_deinit(&res);
	spf_pool_give(p, &c);
	/* and tight again */
	c = spf_pool_take(p, &tight, "mx.one.test");
	assert_ptr_equal(c, first);
	assert_int_equal(eval(c, "192.0.2.1", "a@mx5.test", &res),
	    SPF_RES_PERMERROR);
	spf_result_deinit(&res);
	spf_pool_give(p, &c);
	spf_pool_free(&p);
}

static void
test_other_receiver_never_reused(void **state)
{
	struct spf_pool *p = spf_pool_new(*state, 4);
	struct spf_checker *c;
	struct spf_result res;

	c = spf_pool_take(p, NULL, "mx.old.test");
	assert_int_equal(eval(c, "198.51.100.9", "u@fail.test", &res), SPF_RES_FAIL);
	assert_string_equal(res.explanation, "198.51.100.9 refused by mx.old.test");
	spf_result_deinit(&res);
	spf_pool_give(p, &c);
	assert_int_equal(spf_pool_idle(p), 1);
	/* a reload changed AuthservID: the old checker is dropped, not used */
	c = spf_pool_take(p, NULL, "mx.new.test");
	assert_int_equal(spf_pool_idle(p), 0);
	assert_int_equal(eval(c, "198.51.100.9", "u@fail.test", &res), SPF_RES_FAIL);
	assert_string_equal(res.explanation, "198.51.100.9 refused by mx.new.test");
	spf_result_deinit(&res);
	spf_pool_give(p, &c);
	/* NULL and "" both mean "localhost" */
	c = spf_pool_take(p, NULL, NULL);
	spf_pool_give(p, &c);
	c = spf_pool_take(p, NULL, "");
	assert_int_equal(spf_pool_idle(p), 0);
	assert_int_equal(eval(c, "198.51.100.9", "u@fail.test", &res), SPF_RES_FAIL);
	assert_string_equal(res.explanation, "198.51.100.9 refused by localhost");
	spf_result_deinit(&res);
	spf_pool_give(p, &c);
	spf_pool_free(&p);
}

static void
test_idle_bounded(void **state)
{
	struct spf_pool *p = spf_pool_new(*state, 2);
	struct spf_checker *c[3];
	int i;

	for (i = 0; i < 3; i++)
		c[i] = spf_pool_take(p, NULL, "mx.one.test");
	for (i = 0; i < 3; i++)
		spf_pool_give(p, &c[i]);
	assert_int_equal(spf_pool_idle(p), 2);
	/* a pool that keeps none frees what is given back */
	spf_pool_free(&p);
	p = spf_pool_new(*state, 0);
	c[0] = spf_pool_take(p, NULL, "mx.one.test");
	spf_pool_give(p, &c[0]);
	assert_int_equal(spf_pool_idle(p), 0);
	spf_pool_free(&p);
	spf_pool_free(&p);	/* NULL: nothing */
}

struct thread_arg {
	struct spf_pool *p;
	int bad;
};

/* pool_thread - take, evaluate, give back, many times */
static void *
pool_thread(void *v)
{
	struct thread_arg *ta = v;
	int i;

	for (i = 0; i < 60; i++) {
		struct spf_checker *c = spf_pool_take(ta->p, NULL,
		    i % 5 ? "mx.one.test" : "mx.two.test");
		struct spf_result res;
		enum spf_res want = i % 2 ? SPF_RES_PASS : SPF_RES_FAIL;

		if (eval(c, i % 2 ? "192.0.2.1" : "198.51.100.1", "a@pass.test",
		    &res) != want)
			ta->bad++;
		spf_result_deinit(&res);
		spf_pool_give(ta->p, &c);
	}
	return NULL;
}

static void
test_threads_share_pool(void **state)
{
	struct spf_pool *p = spf_pool_new(*state, 3);
	struct thread_arg args[4];
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++) {
		args[i].p = p;
		args[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, pool_thread,
		    &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
	assert_true(spf_pool_idle(p) <= 3);
	spf_pool_free(&p);
}

static int
setup(void **state)
{
	*state = dns_resolver_new_fake(zone, sizeof(zone) / sizeof(zone[0]), 300);
	return *state != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct dns_resolver *r = *state;

	dns_resolver_free(&r);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_given_back_is_taken_again),
		cmocka_unit_test(test_same_checker_new_limits),
		cmocka_unit_test(test_other_receiver_never_reused),
		cmocka_unit_test(test_idle_bounded),
		cmocka_unit_test(test_threads_share_pool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
