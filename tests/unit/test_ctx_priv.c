/*
 * test_ctx_priv.c - the private pointer across libmilter's close callback:
 * every combination of header format and no-reply steps we negotiate
 * comes back from ctx_parked_options as it went in; a parked pointer is
 * never taken for a session; parking twice or with nothing attached
 * changes nothing. smfi_getpriv/smfi_setpriv are replaced by a fake
 * context here, so no MTA is needed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libmilter/mfapi.h>

#include "milter/ctx_priv.h"
#include "milter/negotiate.h"
#include "milter/session.h"

/* the fake libmilter context: only its private pointer */
static void *fake_priv;
static char fake_ctx;
#define CTX ((SMFICTX *)(void *)&fake_ctx)

int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	assert_ptr_equal(ctx, CTX);
	fake_priv = priv;
	return MI_SUCCESS;
}

void *
smfi_getpriv(SMFICTX *ctx)
{
	assert_ptr_equal(ctx, CTX);
	return fake_priv;
}

/* attach - a new session with these options as ctx's private data */
static struct session *
attach(bool leadspc, unsigned long noreply)
{
	struct session *s = session_new();

	assert_non_null(s);
	s->leadspc = leadspc;
	s->noreply = noreply;
	fake_priv = s;
	return s;
}

/* every subset of the no-reply steps, with and without leading space */
static void
test_round_trip(void **state)
{
	const unsigned long all = NEGOTIATE_NOREPLY_STEPS;
	unsigned long sub = 0;
	int n = 0, lead;

	(void)state;
	do {
		for (lead = 0; lead < 2; lead++) {
			bool got_lead = !lead;
			unsigned long got_nr = ~0ul;

			attach(lead != 0, sub);
			ctx_park_options(CTX);
			assert_non_null(fake_priv);
			assert_null(ctx_session(CTX));
			assert_true(ctx_parked_options(CTX, &got_lead, &got_nr));
			assert_int_equal(got_lead, lead != 0);
			assert_int_equal(got_nr, sub);
			assert_null(fake_priv);
			n++;
		}
		sub = (sub - all) & all;	/* the next subset of all */
	} while (sub != 0);
	assert_int_equal(n, 2 << __builtin_popcountl(all));
}

/* a session is a session; a parked pointer or none is not */
static void
test_session_or_not(void **state)
{
	struct session *s;
	bool lead;
	unsigned long nr;

	(void)state;
	fake_priv = NULL;
	assert_null(ctx_session(CTX));
	assert_false(ctx_parked_options(CTX, &lead, &nr));
	ctx_park_options(CTX);			/* nothing attached: no-op */
	assert_null(fake_priv);

	s = attach(true, SMFIP_NR_HDR);
	assert_ptr_equal(ctx_session(CTX), s);
	assert_false(ctx_parked_options(CTX, &lead, &nr));
	assert_ptr_equal(fake_priv, s);		/* a session stays */

	ctx_park_options(CTX);
	ctx_park_options(CTX);			/* close after QUIT_NC's close */
	assert_null(ctx_session(CTX));
	assert_true(ctx_parked_options(CTX, &lead, &nr));
	assert_true(lead);
	assert_int_equal(nr, SMFIP_NR_HDR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_session_or_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
