/*
 * test_cidr.c - networks parsed once and matched as bytes: IPv4, IPv6,
 * IPv4-mapped IPv6 clients, prefixes of every boundary kind, bad entries
 * (refused, never matched), and lists (InternalHosts): a list answers
 * as its networks one by one would, and a hosting provider's list of
 * tens of thousands is searched, not walked.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <cmocka.h>

#include "util/cidr.h"

struct match_case {
	const char *label;
	const char *net;
	const char *addr;
	bool want;
};

static const struct match_case matches[] = {
	{ "v4 host equal", "192.0.2.1", "192.0.2.1", true },
	{ "v4 host other", "192.0.2.1", "192.0.2.2", false },
	{ "v4 /8 inside", "10.0.0.0/8", "10.255.1.2", true },
	{ "v4 /8 outside", "10.0.0.0/8", "11.0.0.1", false },
	{ "v4 /0 everything", "0.0.0.0/0", "203.0.113.9", true },
	{ "v4 /1 upper half", "128.0.0.0/1", "200.1.1.1", true },
	{ "v4 /1 lower half", "128.0.0.0/1", "127.255.255.255", false },
	{ "v4 /7 inside", "10.0.0.0/7", "11.1.1.1", true },
	{ "v4 /7 outside", "10.0.0.0/7", "12.0.0.1", false },
	{ "v4 /9 inside", "10.128.0.0/9", "10.200.0.1", true },
	{ "v4 /9 outside", "10.128.0.0/9", "10.127.0.1", false },
	{ "v4 /31 pair", "192.0.2.6/31", "192.0.2.7", true },
	{ "v4 /31 next", "192.0.2.6/31", "192.0.2.8", false },
	{ "v4 /32 host", "192.0.2.6/32", "192.0.2.6", true },
	{ "v4 net host bits ignored", "10.1.2.3/8", "10.9.9.9", true },
	{ "v6 host", "::1", "::1", true },
	{ "v6 host other", "::1", "::2", false },
	{ "v6 /32 inside", "2001:db8::/32", "2001:db8:ffff::1", true },
	{ "v6 /32 outside", "2001:db8::/32", "2001:db9::1", false },
	{ "v6 /64 inside", "2001:db8:1:2::/64", "2001:db8:1:2:a:b:c:d", true },
	{ "v6 /64 outside", "2001:db8:1:2::/64", "2001:db8:1:3::1", false },
	{ "v6 /127 pair", "2001:db8::/127", "2001:db8::1", true },
	{ "v6 /127 next", "2001:db8::/127", "2001:db8::2", false },
	{ "v6 /0 everything", "::/0", "2001:db8::5", true },
	{ "v6 /0 not v4", "::/0", "192.0.2.1", false },
	{ "v4 net not v6 client", "0.0.0.0/0", "2001:db8::1", false },
	{ "mapped in v4 net", "10.0.0.0/8", "::ffff:10.1.2.3", true },
	{ "mapped outside v4 net", "10.0.0.0/8", "::ffff:11.1.2.3", false },
	{ "mapped in v4 host", "127.0.0.1", "::ffff:127.0.0.1", true },
	{ "mapped in v6 mapped net", "::ffff:0:0/96", "::ffff:192.0.2.1", true },
	{ "v4 not in v6 mapped net", "::ffff:0:0/96", "192.0.2.1", false },
	{ "compat is not mapped", "10.0.0.0/8", "::10.1.2.3", false },
	{ "local matches nothing", "0.0.0.0/0", "local", false },
	{ "empty matches nothing", "::/0", "", false },
};

static void
test_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		const struct match_case *m = &matches[i];
		struct cidr net, addr;
		bool parsed;

		assert_true(cidr_parse(m->net, &net));
		parsed = cidr_addr_parse(m->addr, &addr);
		if (!parsed)
			assert_int_equal(addr.family, 0);
		if (cidr_match(&net, &addr) != m->want)
			fail_msg("%s: %s in %s: want %d", m->label, m->addr,
			    m->net, m->want);
	}
}

static void
test_bad_entries(void **state)
{
	static const char *const bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/8x",
		"10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/ 8", "10.0.0.0/+8",
		"::1/129", "host.example", "10.0.0", "10.0.0.256", "2001:db8:::1",
		"fe80::1%eth0", " 10.0.0.1",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc/64",
		/* longer than any address: refused before it is copied */
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:"
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:"
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb/64",
	};
	struct cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_parse(bad[i], &c) || cidr_valid(bad[i]))
			fail_msg("accepted bad network \"%s\"", bad[i]);
	/* an address for a client has no prefix */
	assert_false(cidr_addr_parse("10.0.0.1/8", &c));
	assert_int_equal(c.family, 0);
	assert_true(cidr_addr_parse("2001:db8::1", &c));
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 128);
	assert_true(cidr_addr_parse("192.0.2.1", &c));
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 32);
}

static void
test_list(void **state)
{
	static const char *const good[] = { "127.0.0.0/8", "::1", "10.9.0.0/16" };
	static const char *const bad[] = { "127.0.0.0/8", "10.9.0.0/99", "::1" };
	struct cidr_list l = { 0 };
	struct cidr a;
	size_t where = 99;

	(void)state;
	assert_true(cidr_list_parse(&l, good, 3, &where));
	assert_int_equal(l.count, 3);
	assert_true(cidr_addr_parse("10.9.200.1", &a));
	assert_true(cidr_list_match(&l, &a));
	assert_true(cidr_addr_parse("::ffff:127.0.0.1", &a));
	assert_true(cidr_list_match(&l, &a));
	assert_true(cidr_addr_parse("::1", &a));
	assert_true(cidr_list_match(&l, &a));
	assert_true(cidr_addr_parse("10.8.0.1", &a));
	assert_false(cidr_list_match(&l, &a));
	assert_false(cidr_addr_parse("local", &a));
	assert_false(cidr_list_match(&l, &a));
	/* a bad entry: its index, and the list is left empty (parsing
	 * again over a parsed list frees the old networks) */
	assert_false(cidr_list_parse(&l, bad, 3, &where));
	assert_int_equal(where, 1);
	assert_int_equal(l.count, 0);
	assert_null(l.nets);
	assert_true(cidr_addr_parse("127.0.0.1", &a));
	assert_false(cidr_list_match(&l, &a));
	/* an empty list matches nothing */
	assert_true(cidr_list_parse(&l, NULL, 0, &where));
	assert_false(cidr_list_match(&l, &a));
	cidr_list_deinit(&l);
	cidr_list_deinit(&l);
}

/* rnd - a fixed pseudo-random sequence (the same on every run) */
static uint32_t
rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* random_text - a v4 or v6 network or address in a small space, so that
 * networks overlap, nest and sit next to each other */
static void
random_text(uint32_t *seed, bool with_prefix, char *out, size_t size)
{
	unsigned a = rnd(seed) % 4, b = rnd(seed) % 8, c = rnd(seed) % 256;

	if (rnd(seed) % 2)
		(void)snprintf(out, size, "10.%u.%u.%u", a, b, c);
	else
		(void)snprintf(out, size, "2001:db8:%x:%x::%x", a, b, c);
	if (with_prefix)
		(void)snprintf(out + strlen(out), size - strlen(out), "/%u",
		    strchr(out, ':') ? 24 + rnd(seed) % 105 : 6 + rnd(seed) % 27);
}

static void
test_list_same_as_each_net(void **state)
{
	char text[300][64], addr[64];
	const char *items[300];
	struct cidr_list l = { 0 };
	struct cidr a;
	uint32_t seed = 1;
	size_t i, j, where, n, hits = 0;

	(void)state;
	for (n = 1; n <= 300; n += 299 / 6) {	/* 7 list lengths */
		for (i = 0; i < n; i++) {
			random_text(&seed, true, text[i], sizeof(text[i]));
			items[i] = text[i];
		}
		assert_true(cidr_list_parse(&l, items, n, &where));
		for (j = 0; j < 3000; j++) {
			bool want = false, got;

			random_text(&seed, false, addr, sizeof(addr));
			if (j % 3 == 0 && strchr(addr, ':') == NULL) {
				/* the form a dual-stack socket reports */
				memmove(addr + 7, addr, strlen(addr) + 1);
				memcpy(addr, "::ffff:", 7);
			}
			assert_true(cidr_addr_parse(addr, &a));
			for (i = 0; i < n && !want; i++)
				want = cidr_match(&l.nets[i], &a);
			got = cidr_list_match(&l, &a);
			if (got != want)
				fail_msg("%s in %zu networks: %d, one by one %d",
				    addr, n, got, want);
			hits += want;
		}
	}
	/* both answers were tried often */
	assert_true(hits > 100 && hits + 100 < 3000 * 7);
	cidr_list_deinit(&l);
}

/* 50,000 networks and 50,000 clients that are in none (the walk's worst
 * case). Walking the list took 2.5 billion compares, over 5 s of CPU;
 * a binary search takes a few milliseconds. The bound is the generous
 * 2 s of CPU time, so a slow or loaded machine (or valgrind) passes,
 * and only a walk per lookup fails. */
#define SCALE_NETS 50000

static void
test_list_scale(void **state)
{
	static char text[SCALE_NETS][32];
	static const char *items[SCALE_NETS];
	struct cidr_list l = { 0 };
	struct cidr a;
	char addr[64];
	size_t i, where, hits = 0;
	clock_t t0;
	double cpu;

	(void)state;
	for (i = 0; i < SCALE_NETS; i++) {
		if (i % 2)
			(void)snprintf(text[i], sizeof(text[i]),
			    "2001:db8:%zx:%zx::/64", i / 65536, i % 65536);
		else
			(void)snprintf(text[i], sizeof(text[i]), "10.%zu.%zu.0/24",
			    i / 256 % 256, i % 256);
		items[i] = text[i];
	}
	assert_true(cidr_list_parse(&l, items, SCALE_NETS, &where));
	t0 = clock();
	for (i = 0; i < SCALE_NETS; i++) {
		(void)snprintf(addr, sizeof(addr), i % 2 ? "2001:db8:ffff::%zx" :
		    "192.0.%zu.%zu", i / 256 % 256, i % 256);
		assert_true(cidr_addr_parse(addr, &a));
		hits += cidr_list_match(&l, &a);
	}
	cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_int_equal(hits, 0);
	assert_true(cidr_addr_parse("10.169.168.9", &a));	/* entry 43432 */
	assert_true(cidr_list_match(&l, &a));
	if (cpu > 2.0)
		fail_msg("%d lookups in %d networks took %.2f s of CPU",
		    SCALE_NETS, SCALE_NETS, cpu);
	cidr_list_deinit(&l);
}

/* the reason a configuration error gives for each kind of bad entry,
 * and none for a good one */
static void
test_problem_reasons(void **state)
{
	static const struct {
		const char *text, *why;	/* NULL: the entry is good */
	} cases[] = {
		{ "10.0.0.0/8", NULL },
		{ "2001:db8::/32", NULL },
		{ "/8", "no address before the /" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001",
		  "not an IP address (too long)" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:"
		  "2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:"
		  "2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1",
		  "not an IP address (too long)" },
		{ "[2001:db8::]/32", "no brackets: write an IPv6 network as "
		  "2001:db8::/32" },
		{ "2001:db8::]", "no brackets: write an IPv6 network as "
		  "2001:db8::/32" },
		{ "fe80::1%eth0", "an address with a zone (%...) is not supported" },
		{ "2001:db8:::1/64", "not an IPv6 address" },
		{ "10.0.0.256", "not an IPv4 address" },
		{ "mx.example/24", "not an IP address (host names are not looked up)" },
		{ "10.0.0.0/", "the prefix length after / must be a number" },
		{ "10.0.0.0/x", "the prefix length after / must be a number" },
		{ "10.0.0.0/8x", "the prefix length after / must be a number" },
		{ "10.0.0.0/33", "prefix length over 32 for an IPv4 network" },
		{ "::1/129", "prefix length over 128 for an IPv6 network" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = cidr_problem(cases[i].text);

		if (cases[i].why == NULL ? why != NULL : why == NULL ||
		    strcmp(why, cases[i].why) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"",
			    cases[i].text, why ? why : "(none)",
			    cases[i].why ? cases[i].why : "(none)");
	}
}

/* cidr_host_bits names the network an entry with host bits stands for,
 * at every bit past the prefix, and stays quiet for a clean network */
static void
test_host_bits(void **state)
{
	static const struct {
		const char *text, *net;	/* net NULL: no host bits */
	} cases[] = {
		{ "10.0.0.0/8", NULL },
		{ "192.0.2.1", NULL },
		{ "0.0.0.0/0", NULL },
		{ "10.1.2.3/8", "10.0.0.0/8" },
		{ "10.255.255.255/8", "10.0.0.0/8" },
		{ "192.0.2.7/31", "192.0.2.6/31" },
		{ "255.255.255.255/0", "0.0.0.0/0" },
		{ "2001:db8::/32", NULL },
		{ "::1", NULL },
		{ "2001:db8::1/64", "2001:db8::/64" },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/33", "2001:db8:8000::/33" },
		{ "2001:db8::1/127", "2001:db8::/127" },
	};
	char text[CIDR_TEXT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cidr net;
		bool has;

		assert_true(cidr_parse(cases[i].text, &net));
		has = cidr_host_bits(&net, text, sizeof(text));
		if (has != (cases[i].net != NULL) ||
		    (has && strcmp(text, cases[i].net) != 0))
			fail_msg("%s: got %s, want %s", cases[i].text,
			    has ? text : "(none)",
			    cases[i].net ? cases[i].net : "(none)");
	}
}

/* a list's ranges end exactly where its networks do, for prefixes that
 * end inside a byte, for nested networks (an address past the inner one
 * is still in the outer one) and for a family the list has no network of */
static void
test_list_range_edges(void **state)
{
	static const char *const v4[] = { "10.1.0.0/16", "10.0.0.0/8",
	    "192.0.2.64/27", "198.51.100.0/22" };
	static const char *const v6[] = { "2001:db8:8000::/33",
	    "2001:db8::40/122" };
	static const struct {
		const char *addr;
		bool in_v4, in_v6;
	} cases[] = {
		{ "10.2.0.1", true, false },
		{ "10.255.255.255", true, false },
		{ "11.0.0.0", false, false },
		{ "192.0.2.63", false, false },
		{ "192.0.2.64", true, false },
		{ "192.0.2.95", true, false },
		{ "192.0.2.96", false, false },
		{ "198.51.99.255", false, false },
		{ "198.51.103.255", true, false },
		{ "198.51.104.0", false, false },
		{ "::ffff:192.0.2.95", true, false },
		{ "::ffff:192.0.2.96", false, false },
		{ "0.0.0.0", false, false },
		{ "::", false, false },
		{ "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", false, false },
		{ "2001:db8:8000::", false, true },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false, true },
		{ "2001:db9::", false, false },
		{ "2001:db8::3f", false, false },
		{ "2001:db8::40", false, true },
		{ "2001:db8::7f", false, true },
		{ "2001:db8::80", false, false },
	};
	struct cidr_list l4 = { 0 }, l6 = { 0 };
	struct cidr a;
	size_t i, where;

	(void)state;
	assert_true(cidr_list_parse(&l4, v4, sizeof(v4) / sizeof(v4[0]),
	    &where));
	assert_true(cidr_list_parse(&l6, v6, sizeof(v6) / sizeof(v6[0]),
	    &where));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(cidr_addr_parse(cases[i].addr, &a));
		if (cidr_list_match(&l4, &a) != cases[i].in_v4 ||
		    cidr_list_match(&l6, &a) != cases[i].in_v6)
			fail_msg("%s: want %d in the IPv4 list, %d in the IPv6 one",
			    cases[i].addr, cases[i].in_v4, cases[i].in_v6);
	}
	cidr_list_deinit(&l4);
	cidr_list_deinit(&l6);
}

/* merging sorted ranges joins only those that overlap: a range that
 * starts just past the previous one's end stays apart, and a wider one
 * with the same start extends it (bytes that differ by one are the edge
 * cases of a byte comparison) */
static void
test_list_merge_edges(void **state)
{
	static const char *const nets[] = { "203.0.113.0/24",
	    "203.0.114.128/25", "10.0.0.0/24", "10.0.0.0/23" };
	static const struct {
		const char *addr;
		bool in;
	} cases[] = {
		{ "203.0.113.255", true },
		{ "203.0.114.0", false },
		{ "203.0.114.127", false },
		{ "203.0.114.128", true },
		{ "10.0.0.255", true },
		{ "10.0.1.0", true },
		{ "10.0.1.255", true },
		{ "10.0.2.0", false },
	};
	struct cidr_list l = { 0 };
	struct cidr a;
	size_t i, where;

	(void)state;
	assert_true(cidr_list_parse(&l, nets, sizeof(nets) / sizeof(nets[0]),
	    &where));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(cidr_addr_parse(cases[i].addr, &a));
		if (cidr_list_match(&l, &a) != cases[i].in)
			fail_msg("%s: want %d", cases[i].addr, cases[i].in);
	}
	cidr_list_deinit(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_problem_reasons),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_list_same_as_each_net),
		cmocka_unit_test(test_list_range_edges),
		cmocka_unit_test(test_list_merge_edges),
		cmocka_unit_test(test_list_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
