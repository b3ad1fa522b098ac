/*
 * test_spf_shrink.c - a normalised record without the ip4/ip6 terms that
 * cannot decide a check: those of the other family or not covering the
 * client, and every term after the first that covers it except exp=;
 * other terms, terms it cannot read and the order stay.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "spf/spf_shrink.h"
#include "util/buf.h"

/* client - the host network of an address text */
static struct cidr
client(const char *ip)
{
	struct cidr cl;

	if (!cidr_addr_parse(ip, &cl))
		fail_msg("bad address %s", ip);
	return cl;
}

/* shrink - spf_shrink_record of rec for ip: the new record, or "" when
 * nothing was dropped */
static const char *
shrink(const char *rec, const char *ip, struct buf *out)
{
	struct cidr cl = client(ip);
	bool dropped = spf_shrink_record(rec, strlen(rec), &cl, out);

	assert_int_equal(dropped, out->len > 0);
	return dropped ? buf_cstr(out) : "";
}

static const char *const rec4 =
    "v=spf1 a ip4:198.51.100.0/24 -ip4:192.0.2.128/25 mx:mx.example.test "
    "ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.test -all "
    "exp=why.example.test";

/* an IPv4 client that no network covers: every ip4/ip6 term goes */
static void
test_v4_no_match(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_string_equal(shrink(rec4, "203.0.113.5", &out),
	    "v=spf1 a mx:mx.example.test include:_spf.example.test -all "
	    "exp=why.example.test");
	buf_deinit(&out);
}

/* the first network that covers the client decides: it stays with its
 * qualifier, and only exp= after it */
static void
test_v4_first_match_ends(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_string_equal(shrink(rec4, "192.0.2.200", &out),
	    "v=spf1 a -ip4:192.0.2.128/25 exp=why.example.test");
	/* 192.0.2.127 is outside the /25, inside the /24 */
	assert_string_equal(shrink(rec4, "192.0.2.127", &out),
	    "v=spf1 a mx:mx.example.test ip4:192.0.2.0/24 "
	    "exp=why.example.test");
	assert_string_equal(shrink(rec4, "198.51.100.255", &out),
	    "v=spf1 a ip4:198.51.100.0/24 exp=why.example.test");
	assert_string_equal(shrink("v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.1",
	    &out), "v=spf1 ip4:192.0.2.0/24");
	buf_deinit(&out);
}

/* prefix lengths that are not a whole number of octets, and none */
static void
test_v4_prefix_bits(void **state)
{
	struct buf out = BUF_INIT;
	const char *rec = "v=spf1 ip4:10.0.0.4/30 ip4:10.0.0.9 ip4:10.0.0.0/29 "
	    "?all";

	(void)state;
	assert_string_equal(shrink(rec, "10.0.0.7", &out),
	    "v=spf1 ip4:10.0.0.4/30");
	assert_string_equal(shrink(rec, "10.0.0.9", &out),
	    "v=spf1 ip4:10.0.0.9");
	assert_string_equal(shrink(rec, "10.0.0.3", &out),
	    "v=spf1 ip4:10.0.0.0/29");
	assert_string_equal(shrink(rec, "10.0.0.10", &out), "v=spf1 ?all");
	/* the network's own host bits do not matter, as in libspf2 */
	assert_string_equal(shrink("v=spf1 ip4:10.1.2.3/8 -all", "10.200.0.1",
	    &out), "v=spf1 ip4:10.1.2.3/8");
	buf_deinit(&out);
}

/* an IPv6 client: ip4 terms never match it; ip6 ones by prefix */
static void
test_v6(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_string_equal(shrink(rec4, "2001:db8:ffff::1", &out),
	    "v=spf1 a mx:mx.example.test ip6:2001:db8::/32 "
	    "exp=why.example.test");
	assert_string_equal(shrink(rec4, "2001:db9::1", &out),
	    "v=spf1 a mx:mx.example.test include:_spf.example.test -all "
	    "exp=why.example.test");
	assert_string_equal(shrink("v=spf1 ~ip6:2001:db8:0:80::/57 "
	    "ip6:2001:db8::1 -all", "2001:db8:0:ff::1", &out),
	    "v=spf1 ~ip6:2001:db8:0:80::/57");
	assert_string_equal(shrink("v=spf1 ~ip6:2001:db8:0:80::/57 "
	    "ip6:2001:db8::1 -all", "2001:db8::1", &out),
	    "v=spf1 ip6:2001:db8::1");
	buf_deinit(&out);
}

/* networks written out at length: an ip6 network of 24 characters or
 * more (most of them with four or more groups before "::") is read like
 * a short one, not kept as unreadable */
static void
test_v6_long_networks(void **state)
{
	struct buf out = BUF_INIT;
	const char *rec = "v=spf1 ip6:2001:db8:1234:5678:9abc:def0::/96 "
	    "ip6:2001:db8:aaaa:bbbb:cccc:dddd::/96 "
	    "ip6:2001:0db8:0000:0000:0000:0000:0000:0001 "
	    "ip6:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 -all";

	(void)state;
	assert_string_equal(shrink(rec, "2001:db8:aaaa:bbbb:cccc:dddd::1",
	    &out), "v=spf1 ip6:2001:db8:aaaa:bbbb:cccc:dddd::/96");
	assert_string_equal(shrink(rec, "2001:db8::1", &out),
	    "v=spf1 ip6:2001:0db8:0000:0000:0000:0000:0000:0001");
	assert_string_equal(shrink(rec, "2001:db8::2", &out), "v=spf1 -all");
	buf_deinit(&out);
}

/* nothing to drop: false, out empty */
static void
test_nothing_dropped(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_string_equal(shrink("v=spf1 a mx -all", "192.0.2.1", &out), "");
	assert_string_equal(shrink("v=spf1", "192.0.2.1", &out), "");
	assert_string_equal(shrink("v=spf1 ip4:192.0.2.1", "192.0.2.1", &out),
	    "");
	buf_deinit(&out);
}

/* terms it cannot read stay where they are; a redirect= after the
 * match goes (RFC 7208 6.1: not used once a mechanism matched) */
static void
test_unreadable_kept(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_string_equal(shrink("v=spf1 ip4:192.0.2.0/33 ip4:192.0.2.0/0 "
	    "ip4:192.0.2.0/ ip4:300.0.2.0 ip6:zz:: ip4:10.0.0.0/8 "
	    "redirect=_spf.example.test", "192.0.2.1", &out),
	    "v=spf1 ip4:192.0.2.0/33 ip4:192.0.2.0/0 ip4:192.0.2.0/ "
	    "ip4:300.0.2.0 ip6:zz:: redirect=_spf.example.test");
	assert_string_equal(shrink("v=spf1 ip4:10.0.0.0/8 "
	    "redirect=_spf.example.test", "10.9.9.9", &out),
	    "v=spf1 ip4:10.0.0.0/8");
	buf_deinit(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_no_match),
		cmocka_unit_test(test_v4_first_match_ends),
		cmocka_unit_test(test_v4_prefix_bits),
		cmocka_unit_test(test_v6),
		cmocka_unit_test(test_v6_long_networks),
		cmocka_unit_test(test_nothing_dropped),
		cmocka_unit_test(test_unreadable_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
