/*
 * test_reopen.c - the negotiated options kept past close for a session
 * that QUIT_NC reopens: recalled as remembered, once; the newest close of
 * a context wins; forgotten after REOPEN_RING other closes, kept after
 * one fewer; never found for an unknown context.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "milter/reopen.h"

/* contexts are only compared: any distinct addresses do */
static char ctx_a, ctx_b, others[REOPEN_RING];

static void
test_recalled_once(void **state)
{
	bool lead = false;
	unsigned long nr = 0;

	(void)state;
	reopen_remember(&ctx_a, true, 0x1080);
	reopen_remember(&ctx_b, false, 0x80);
	assert_true(reopen_recall(&ctx_a, &lead, &nr));
	assert_true(lead);
	assert_int_equal(nr, 0x1080);
	assert_false(reopen_recall(&ctx_a, &lead, &nr));	/* taken */
	assert_true(reopen_recall(&ctx_b, &lead, &nr));
	assert_false(lead);
	assert_int_equal(nr, 0x80);
	assert_false(reopen_recall(others, &lead, &nr));	/* never closed */
	assert_false(reopen_recall(NULL, &lead, &nr));
}

/* a context address reused: its newest close is the one recalled */
static void
test_newest_wins(void **state)
{
	bool lead = false;
	unsigned long nr = 0;

	(void)state;
	reopen_remember(&ctx_a, false, 0);
	reopen_remember(&ctx_a, true, 0x2000);
	assert_true(reopen_recall(&ctx_a, &lead, &nr));
	assert_true(lead);
	assert_int_equal(nr, 0x2000);
}

/* REOPEN_RING - 1 other closes in between: kept; REOPEN_RING: gone */
static void
test_ring_bound(void **state)
{
	bool lead = false;
	unsigned long nr = 0;
	size_t i;

	(void)state;
	reopen_remember(&ctx_a, true, 0x40000);
	for (i = 0; i + 1 < REOPEN_RING; i++)
		reopen_remember(&others[i], false, 0);
	assert_true(reopen_recall(&ctx_a, &lead, &nr));
	assert_int_equal(nr, 0x40000);

	reopen_remember(&ctx_b, true, 0x40000);
	for (i = 0; i < REOPEN_RING; i++)
		reopen_remember(&others[i], false, 0);
	assert_false(reopen_recall(&ctx_b, &lead, &nr));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recalled_once),
		cmocka_unit_test(test_newest_wins),
		cmocka_unit_test(test_ring_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
