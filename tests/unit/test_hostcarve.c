/*
 * test_hostcarve.c - OpenDKIM "!" exceptions carved out of networks for
 * authmilter-migrate (src/migrate/hostcarve.c): the pieces cover the
 * network without the excepted part, exactly; an exception equal to a
 * network removes it; one broader than a network, outside it or of the
 * other family leaves it.
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

#include "migrate/hostcarve.h"

/* run - nets (space-separated) carved by exceptions; the result joined
 * by spaces into out, the count of carved networks returned */
static size_t
run(const char *nets, const char *exceptions, char *out, size_t size)
{
	struct strlist n = { NULL, 0 }, e = { NULL, 0 };
	char copy[512], *tok, *save = NULL;
	size_t i, carved, len = 0;

	(void)snprintf(copy, sizeof(copy), "%s", nets);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strlist_add(&n, tok);
	(void)snprintf(copy, sizeof(copy), "%s", exceptions);
	save = NULL;
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strlist_add(&e, tok);
	carved = hostcarve_apply(&n, &e);
	out[0] = '\0';
	for (i = 0; i < n.count && len + 1 < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    i ? " " : "", n.items[i]);
	strlist_deinit(&n);
	strlist_deinit(&e);
	return carved;
}

static void
test_host_out_of_a_24(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(run("192.0.2.0/24", "192.0.2.5", out, sizeof(out)), 1);
	/* .5 = 00000101: the /25 .128, /26 .64, /27 .32, /28 .16, /29 .8,
	 * /30 .0, /31 .6, /32 .4 around it */
	assert_string_equal(out, "192.0.2.128/25 192.0.2.64/26 192.0.2.32/27 "
	    "192.0.2.16/28 192.0.2.8/29 192.0.2.0/30 192.0.2.6/31 "
	    "192.0.2.4/32");
}

static void
test_equal_broader_outside_family(void **state)
{
	char out[512];

	(void)state;
	/* equal: OpenDKIM asks for "!" first, so the network is gone */
	assert_int_equal(run("10.0.0.0/8 192.0.2.1", "10.0.0.0/8", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "192.0.2.1");
	/* broader: the network is the more specific entry and wins */
	assert_int_equal(run("10.1.0.0/16", "10.0.0.0/8", out, sizeof(out)), 0);
	assert_string_equal(out, "10.1.0.0/16");
	/* outside, and the other family */
	assert_int_equal(run("10.1.0.0/16 2001:db8::/32", "10.2.0.1 ::1", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "10.1.0.0/16 2001:db8::/32");
}

static void
test_two_exceptions_and_v6(void **state)
{
	char out[512];

	(void)state;
	/* the second exception falls in a piece the first one left */
	assert_int_equal(run("192.0.2.0/30", "192.0.2.0 192.0.2.3", out,
	    sizeof(out)), 2);
	assert_string_equal(out, "192.0.2.2/32 192.0.2.1/32");
	assert_int_equal(run("2001:db8::/126", "2001:db8::1", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "2001:db8::2/127 2001:db8::/128");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_out_of_a_24),
		cmocka_unit_test(test_equal_broader_outside_family),
		cmocka_unit_test(test_two_exceptions_and_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
