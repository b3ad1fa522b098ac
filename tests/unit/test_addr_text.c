/* test_addr_text.c - client addresses as text, checked against inet_ntop */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "milter/addr_text.h"

/* check6 - addr_text_ipv6 writes what inet_ntop writes */
static void
check6(const unsigned char a[16])
{
	char want[INET6_ADDRSTRLEN], got[ADDR_TEXT_MAX];
	size_t n;

	assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
	n = addr_text_ipv6(a, got);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
}

/* check4 - addr_text_ipv4 writes what inet_ntop writes */
static void
check4(const unsigned char a[4])
{
	char want[INET_ADDRSTRLEN], got[ADDR_TEXT_MAX];
	size_t n;

	assert_non_null(inet_ntop(AF_INET, a, want, sizeof(want)));
	n = addr_text_ipv4(a, got);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
}

/* test_ipv6_edges - RFC 5952 examples, every placement of zero runs,
 * the IPv4-mapped and -compatible forms and their near misses */
static void
test_ipv6_edges(void **state)
{
	static const char *const text[] = {
		"::", "::1", "1::", "2001:db8::1", "2001:db8:0:1:1:1:1:1",
		"2001:0:0:1::1", "2001:db8::1:0:0:1", "::ffff:192.0.2.1",
		"::192.0.2.1", "::ffff:0:192.0.2.1", "::1:0:0:0:1", "fe80::",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::fffe:1.2.3.4",
		"0:0:1::", "::0.0.1.0", "::ffff:0.0.0.0", "1:0:1:0:1:0:1:0",
		"a:b:c:d:e:f:0:0", "::abcd:1.2.3.4", "1::ffff:1.2.3.4",
	};
	unsigned char a[16];
	unsigned mask;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		assert_int_equal(inet_pton(AF_INET6, text[i], a), 1);
		check6(a);
	}
	/* every pattern of zero and non-zero groups, with 1, ffff and
	 * 0x1000 in the non-zero ones */
	for (mask = 0; mask < 256; mask++) {
		static const unsigned vals[] = { 1, 0xffff, 0x1000, 0xab };

		for (i = 0; i < 4; i++) {
			unsigned g;

			for (g = 0; g < 8; g++) {
				unsigned v = (mask >> g) & 1 ? vals[(i + g) % 4] : 0;

				a[2 * g] = (unsigned char)(v >> 8);
				a[2 * g + 1] = (unsigned char)v;
			}
			check6(a);
			/* the mapped marker in group 5 */
			a[10] = a[11] = 0xff;
			check6(a);
		}
	}
}

/* test_random - random addresses, with zero bytes made common */
static void
test_random(void **state)
{
	unsigned char a[16];
	unsigned seed = 2026;
	size_t round, i;

	(void)state;
	for (round = 0; round < 100000; round++) {
		for (i = 0; i < 16; i++) {
			seed = seed * 1103515245u + 12345u;
			a[i] = (seed >> 16) % 3 == 0 ? (unsigned char)(seed >> 8) : 0;
		}
		check6(a);
		check4(a);
	}
}

/* test_ipv4_edges - one, two and three digits */
static void
test_ipv4_edges(void **state)
{
	static const unsigned char a[][4] = {
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 9, 10, 99, 100 },
		{ 127, 0, 0, 1 }, { 192, 0, 2, 1 }, { 1, 20, 200, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		check4(a[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_edges),
		cmocka_unit_test(test_ipv6_edges),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("addr_text", tests, NULL, NULL);
}
