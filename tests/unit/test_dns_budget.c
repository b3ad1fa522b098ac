/* test_dns_budget.c - the per-message DNS time budget on the table fake */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dns/dns_budget.h"

static const struct dns_fake_record table[] = {
	{ "fast.test", DNS_T_TXT, DNS_R_ANSWER, "v=DKIM1; p=", 0, 0 },
	{ "slow.test", DNS_T_TXT, DNS_R_ANSWER, "late", 300, 0 },
	{ "silent.test", DNS_T_TXT, DNS_R_TIMEOUT, NULL, 0, 0 },
};

static struct dns_resolver *
fake(void)
{
	return dns_resolver_new_fake(table, sizeof(table) / sizeof(table[0]),
	    2000);
}

/* the account: left, charge, spent; 0 is unlimited */
static void
test_account(void **state)
{
	struct dns_budget b;

	(void)state;
	dns_budget_init(&b, 1000);
	assert_int_equal(dns_budget_left(&b), 1000);
	dns_budget_charge(&b, 400);
	assert_int_equal(dns_budget_left(&b), 600);
	assert_false(dns_budget_spent(&b));
	dns_budget_charge(&b, 900);
	assert_int_equal(dns_budget_left(&b), 0);
	assert_true(dns_budget_spent(&b));
	dns_budget_init(&b, 0);
	dns_budget_charge(&b, 1000000);
	assert_int_equal(dns_budget_left(&b), UINT32_MAX);
}

/* silent lookups share one budget: the second gets only what is left,
 * the third none at all; all three are TIMEOUT, in about the budget */
static void
test_silent_lookups_share_the_budget(void **state)
{
	struct dns_resolver *r = fake();
	struct dns_budget b;
	struct dns_query *q[3];
	uint64_t t0;
	size_t i;

	(void)state;
	dns_budget_init(&b, 250);
	for (i = 0; i < 3; i++)
		q[i] = dns_query_start(r, "silent.test", DNS_T_TXT);
	t0 = clock_mono_ms();
	for (i = 0; i < 3; i++) {
		struct dns_answer *a = dns_budget_wait(&b, &q[i]);

		assert_null(q[i]);
		assert_int_equal(a->status, DNS_R_TIMEOUT);
		dns_answer_free(&a);
	}
	assert_true(clock_mono_ms() - t0 < 1000);	/* not 3 x 2000 */
	assert_true(dns_budget_spent(&b));
	dns_resolver_free(&r);
}

/* an answer slower than what is left is a TIMEOUT; a synchronous lookup
 * after that costs nothing and is a TIMEOUT too */
static void
test_lookup_cut_short(void **state)
{
	struct dns_resolver *r = fake();
	struct dns_budget b;
	struct dns_answer *a;

	(void)state;
	dns_budget_init(&b, 100);
	a = dns_budget_lookup(&b, r, "slow.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	dns_answer_free(&a);
	assert_true(dns_budget_spent(&b));
	a = dns_budget_lookup(&b, r, "fast.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

/* within the budget answers come through and are charged */
static void
test_answers_within_budget(void **state)
{
	struct dns_resolver *r = fake();
	struct dns_budget b;
	struct dns_answer *a;
	struct dns_query *q;

	(void)state;
	dns_budget_init(&b, 5000);
	a = dns_budget_lookup(&b, r, "slow.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_string_equal(a->rr[0].text, "late");
	dns_answer_free(&a);
	assert_true(dns_budget_left(&b) <= 5000 - 250);
	q = dns_query_start(r, "fast.test", DNS_T_TXT);
	a = dns_budget_wait(&b, &q);
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

/* spent: an answer that is already in is still taken */
static void
test_spent_takes_answers_already_in(void **state)
{
	struct dns_resolver *r = fake();
	struct dns_budget b;
	struct dns_answer *a;
	struct dns_query *q;

	(void)state;
	dns_budget_init(&b, 100);
	dns_budget_charge(&b, 100);
	q = dns_query_start(r, "fast.test", DNS_T_TXT);
	a = dns_lookup(r, "fast.test", DNS_T_TXT, 0);	/* let it arrive */
	dns_answer_free(&a);
	a = dns_budget_wait(&b, &q);
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

/* unlimited: a wait lasts as long as the resolver's own deadline, so a
 * slow answer still comes in */
static void
test_unlimited_waits_for_slow_answer(void **state)
{
	struct dns_resolver *r = fake();
	struct dns_budget b;
	struct dns_answer *a;
	struct dns_query *q;

	(void)state;
	dns_budget_init(&b, 0);
	q = dns_query_start(r, "slow.test", DNS_T_TXT);
	a = dns_budget_wait(&b, &q);
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

/* a lookup's own timeout shorter than what is left is kept: a silent
 * name gives up after it, not after the budget or the resolver's 2 s */
static void
test_lookup_timeout_shorter_than_budget(void **state)
{
	struct dns_resolver *r = fake();
	struct dns_budget b;
	struct dns_answer *a;
	uint64_t t0;

	(void)state;
	dns_budget_init(&b, 5000);
	t0 = clock_mono_ms();
	a = dns_budget_lookup(&b, r, "silent.test", DNS_T_TXT, 100);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_true(clock_mono_ms() - t0 < 1000);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_silent_lookups_share_the_budget),
		cmocka_unit_test(test_lookup_cut_short),
		cmocka_unit_test(test_answers_within_budget),
		cmocka_unit_test(test_spent_takes_answers_already_in),
		cmocka_unit_test(test_unlimited_waits_for_slow_answer),
		cmocka_unit_test(test_lookup_timeout_shorter_than_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
