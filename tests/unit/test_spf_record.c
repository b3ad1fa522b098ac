/* test_spf_record.c - RFC 7208 record validation and normalisation */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <spf2/spf.h>

#include "spf/spf_macro_fix.h"
#include "spf/spf_record.h"
#include "util/buf.h"

#define V4 AF_INET
#define V6 AF_INET6

/* label, record, client family, valid, normalised form (NULL: invalid) */
struct rec_case {
	const char *label;
	const char *rec;
	int af;
	const char *norm;
};

static const struct rec_case cases[] = {
	/* valid records */
	{ "empty record", "v=spf1", V4, "v=spf1" },
	{ "trailing spaces", "v=spf1 -all   ", V4, "v=spf1 -all" },
	{ "double spaces", "v=spf1  a  -all", V4, "v=spf1 a -all" },
	{ "case folded mechanisms", "V=SPF1 +A MX:Example.COM ~ALL", V4,
	  "v=spf1 +a mx:Example.COM ~all" },
	{ "ip4 and ip6", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", V4,
	  "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all" },
	{ "dual cidr keeps client family", "v=spf1 a:example.com/24//64 -all", V4,
	  "v=spf1 a:example.com/24 -all" },
	{ "dual cidr ipv6 client", "v=spf1 a:example.com/24//64 -all", V6,
	  "v=spf1 a:example.com//64 -all" },
	{ "redirect moved last", "v=spf1 redirect=_spf.example.com a", V4,
	  "v=spf1 a redirect=_spf.example.com" },
	{ "redirect dropped with all", "v=spf1 redirect=x.example.com -all", V4,
	  "v=spf1 -all" },
	{ "unknown modifier dropped", "v=spf1 foo=bar.%{d} -all", V4, "v=spf1 -all" },
	{ "exp kept", "v=spf1 -all exp=explain.%{d}", V4,
	  "v=spf1 -all exp=explain.%{d}" },
	{ "ip4 /0 is all for ipv4", "v=spf1 -ip4:1.2.3.4/0 +all", V4, "v=spf1 -all +all" },
	{ "ip4 /0 ignored for ipv6", "v=spf1 -ip4:1.2.3.4/0 +all", V6, "v=spf1 +all" },
	{ "ip6 ::/0 is all for ipv6", "v=spf1 ip6:::/0", V6, "v=spf1 all" },
	{ "a/0 is exists for ipv4", "v=spf1 a/0 -all", V4, "v=spf1 exists:%{d} -all" },
	{ "a//0 marked for ipv6", "v=spf1 a:x.example//0 -all", V6,
	  "v=spf1 exists:x.example.%{v}." SPF_MARK_ANY_AAAA " -all" },
	{ "mx/0 marked for ipv4", "v=spf1 mx/0 -all", V4,
	  "v=spf1 exists:%{d}.%{v}." SPF_MARK_MX_A " -all" },
	{ "macro digits clamped", "v=spf1 exists:%{d999999999999}.example.com", V4,
	  "v=spf1 exists:%{d127}.example.com" },
	{ "macro with delimiters", "v=spf1 exists:%{l2r-+}.user.%{d2}", V4,
	  "v=spf1 exists:%{l2r-+}.user.%{d2}" },
	{ "upper-case reversal", "v=spf1 exists:%{iR}.%{L1R-}.x.example", V4,
	  "v=spf1 exists:%{ir}.%{L1r-}.x.example" },
	{ "escapes in domain", "v=spf1 exists:%%%_%-.%{d}", V4,
	  "v=spf1 exists:%%%_%-.%{d}" },
	{ "domain ending in macro", "v=spf1 include:%{d}", V4, "v=spf1 include:%{d}" },
	{ "toplabel with hyphen", "v=spf1 a:foo.1-2", V4, "v=spf1 a:foo.1-2" },
	{ "trailing dot dropped", "v=spf1 a:example.com. mx:example.net./24 "
	  "ptr:example.org. include:%{d}.x. -all", V4,
	  "v=spf1 a:example.com mx:example.net/24 ptr:example.org "
	  "include:%{d}.x -all" },
	{ "crt in exp only modifiers ok", "v=spf1 -all moo=%{s}", V4, "v=spf1 -all" },
	/* RFC 7208 7.1 macro-literal is %x21-24 / %x26-7E: "!" and "~",
	 * the range's ends, are literals */
	{ "bang and tilde are literals", "v=spf1 exists:!a~b.example.com", V4,
	  "v=spf1 exists:!a~b.example.com" },
	/* RFC 7208 7.1 domain-end = ( "." toplabel [ "." ] ) / macro-expand,
	 * and "%_" is a macro-expand */
	{ "domain ending in %_", "v=spf1 exists:x.example%_", V4,
	  "v=spf1 exists:x.example%_" },
	/* every transformer digit count over the cap is clamped, not only
	 * those over the parser's own limit */
	{ "macro digits 200 clamped", "v=spf1 exists:%{d200}.example.com", V4,
	  "v=spf1 exists:%{d127}.example.com" },
	/* RFC 7208 5.6 ip6-network is RFC 4291 2.2 text, dotted tail too */
	{ "ip6 with dotted ipv4 tail", "v=spf1 ip6:::ffff:192.0.2.1 -all", V6,
	  "v=spf1 ip6:::ffff:192.0.2.1 -all" },
	/* RFC 7208 6 / 12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	{ "modifier name with a dot", "v=spf1 -all foo.bar=baz", V4, "v=spf1 -all" },
	{ "modifier name with a hyphen", "v=spf1 -all foo-bar=baz", V4,
	  "v=spf1 -all" },
	{ "modifier name with an underscore", "v=spf1 -all foo_bar=baz", V4,
	  "v=spf1 -all" },
	/* the longest cidr lengths, and ip6 texts past 38 octets: 39, and
	 * 45, the longest there is */
	{ "cidr /32 and /128", "v=spf1 ip4:192.0.2.1/32 ip6:2001:db8::1/128",
	  V6, "v=spf1 ip4:192.0.2.1/32 ip6:2001:db8::1/128" },
	{ "ip6 of 39 octets", "v=spf1 ip6:2001:db8:1111:2222:3333:4444:5555:6666",
	  V6, "v=spf1 ip6:2001:db8:1111:2222:3333:4444:5555:6666" },
	{ "ip6 of 45 octets",
	  "v=spf1 ip6:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", V6,
	  "v=spf1 ip6:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" },
	/* invalid records (permerror) */
	{ "not spf1", "v=spf10", V4, NULL },
	{ "tab separator", "v=spf1\t-all", V4, NULL },
	{ "tab inside", "v=spf1 a\t-all", V4, NULL },
	{ "unknown mechanism", "v=spf1 foo -all", V4, NULL },
	{ "unknown mechanism with arg", "v=spf1 foo:bar.com", V4, NULL },
	{ "all with argument", "v=spf1 all:foo", V4, NULL },
	{ "include without domain", "v=spf1 include", V4, NULL },
	{ "include empty domain", "v=spf1 include:", V4, NULL },
	{ "a empty domain", "v=spf1 a:", V4, NULL },
	{ "numeric toplabel", "v=spf1 a:1.2.3.4", V4, NULL },
	{ "no dot in domain", "v=spf1 a:foo", V4, NULL },
	{ "colon in toplabel", "v=spf1 a:foo.bar:baz", V4, NULL },
	{ "cidr too long", "v=spf1 a/33", V4, NULL },
	{ "ip6 cidr too long", "v=spf1 a//129", V4, NULL },
	{ "cidr leading zero", "v=spf1 ip4:1.2.3.4/024", V4, NULL },
	{ "ptr with cidr", "v=spf1 ptr/0 -all", V4, NULL },
	{ "ip4 leading zero", "v=spf1 ip4:01.2.3.4", V4, NULL },
	{ "ip4 too few octets", "v=spf1 ip4:1.2.3", V4, NULL },
	{ "ip4 with a letter for a dot", "v=spf1 ip4:1.2.3x4", V4, NULL },
	{ "ip4 octet 256", "v=spf1 ip4:1.2.3.256", V4, NULL },
	{ "ip4 empty", "v=spf1 ip4:", V4, NULL },
	{ "ip6 bad", "v=spf1 ip6:2001:db8::zz", V4, NULL },
	{ "ip6 with zone", "v=spf1 ip6:fe80::1%eth0", V4, NULL },
	{ "redirect twice", "v=spf1 redirect=a.example redirect=b.example", V4, NULL },
	{ "exp twice", "v=spf1 exp=a.example exp=b.example -all", V4, NULL },
	{ "empty exp", "v=spf1 exp= -all", V4, NULL },
	{ "empty redirect", "v=spf1 redirect=", V4, NULL },
	{ "modifier name starts with digit", "v=spf1 1foo=bar", V4, NULL },
	{ "empty modifier name", "v=spf1 =bar", V4, NULL },
	{ "bad macro letter", "v=spf1 a:%{x}.example.com", V4, NULL },
	{ "c macro outside exp", "v=spf1 a:%{c}.example.com", V4, NULL },
	{ "zero digits", "v=spf1 a:%{d0}.example.com", V4, NULL },
	{ "unclosed macro", "v=spf1 a:%{d.example.com", V4, NULL },
	{ "lone percent", "v=spf1 a:foo%.example.com", V4, NULL },
	{ "percent at end", "v=spf1 exists:foo.com%", V4, NULL },
	{ "bad macro in unknown modifier", "v=spf1 foo=%{q}", V4, NULL },
	{ "control char", "v=spf1 a:ctrl.example.com\rptr -all", V4, NULL },
	{ "high bit byte", "v=spf1 \x80" "a:example.net -all", V4, NULL },
	{ "utf-8 bom in domain", "v=spf1 a:\xEF\xBB\xBFgarbage.example.net", V4, NULL },
	{ "newline", "v=spf1 ip4:192.0.2.5\n include:x.example", V4, NULL },
	{ "qualifier alone", "v=spf1 -", V4, NULL },
	{ "double qualifier", "v=spf1 +-all", V4, NULL },
	/* a DNS label is at most 63 octets (RFC 1035 2.3.4) */
	{ "toplabel of 64 octets", "v=spf1 a:x.abcdefghijklmnopqrstuvwxyz"
	  "abcdefghijklmnopqrstuvwxyzabcdefghijkl", V4, NULL },
	/* RFC 7208 7.1 toplabel ends in an alphanumeric */
	{ "toplabel ending in hyphen", "v=spf1 a:foo.bar-", V4, NULL },
	/* RFC 7208 5.6 ip4-cidr-length = "/" ( "0" / %x31-39 0*1DIGIT ) */
	{ "cidr /01", "v=spf1 ip4:192.0.2.1/01", V4, NULL },
	{ "ip4 cidr /33", "v=spf1 ip4:192.0.2.0/33", V4, NULL },
	{ "ip6 cidr /129", "v=spf1 ip6:2001:db8::/129", V6, NULL },
	{ "ip6 cidr with a letter", "v=spf1 ip6:2001:db8::/1a", V6, NULL },
	{ "all with a bare slash", "v=spf1 -all/", V4, NULL },
	/* RFC 7208 7.1: c, r and t only in exp text, not in an unknown
	 * modifier's macro-string */
	{ "c macro in unknown modifier", "v=spf1 -all foo=%{c}", V4, NULL },
};

static void
test_record_table(void **state)
{
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rec_case *c = &cases[i];
		const char *why = NULL;
		bool ok = spf_record_check((const unsigned char *)c->rec,
		    strlen(c->rec), c->af, &out, &why);

		print_message("# %s\n", c->label);
		if (c->norm != NULL) {
			assert_true(ok);
			assert_string_equal(buf_cstr(&out), c->norm);
		} else {
			assert_false(ok);
			assert_non_null(why);
			assert_int_equal(out.len, 0);
		}
	}
	buf_deinit(&out);
}

/* a term of 44 octets that normalises as it is */
#define IP6_TERM " ip6:2001:db8:1111:2222:3333:4444:5555:6666"

static void
test_hostile_lengths_refused(void **state)
{
	struct buf rec = BUF_INIT, out = BUF_INIT;
	const char *why = NULL;
	int i;

	(void)state;
	/* long multi-string record: over SPF_RECORD_MAX_LEN */
	buf_append_str(&rec, "v=spf1");
	while (rec.len <= SPF_RECORD_MAX_LEN)
		buf_append_str(&rec, " ip4:192.0.2.1");
	assert_false(spf_record_check(rec.data, rec.len, AF_INET, &out, &why));
	assert_string_equal(why, "record too long");
	/* the cap exactly: SPF_RECORD_MAX_LEN octets pass, one more not */
	buf_reset(&rec);
	buf_append_str(&rec, "v=spf1 -all");
	while (rec.len < SPF_RECORD_MAX_LEN)
		buf_append_byte(&rec, ' ');
	assert_true(spf_record_check(rec.data, rec.len, AF_INET, &out, &why));
	buf_append_byte(&rec, ' ');
	assert_false(spf_record_check(rec.data, rec.len, AF_INET, &out, &why));
	assert_string_equal(why, "record too long");
	/* terms that normalise as they are, SPF_RECORD_MAX_LEN octets of
	 * them: the cap after normalisation holds exactly too */
	buf_reset(&rec);
	buf_append_str(&rec, "v=spf1");
	while (rec.len + sizeof(IP6_TERM) - 1 + 9 <= SPF_RECORD_MAX_LEN)
		buf_append_str(&rec, IP6_TERM);
	buf_append_str(&rec, " a:");
	while (rec.len + sizeof(".test") - 1 < SPF_RECORD_MAX_LEN)
		buf_append_byte(&rec, 'x');
	buf_append_str(&rec, ".test");
	assert_int_equal(rec.len, SPF_RECORD_MAX_LEN);
	assert_true(spf_record_check(rec.data, rec.len, AF_INET, &out, &why));
	assert_int_equal(out.len, SPF_RECORD_MAX_LEN);
	/* many short terms: SPF_RECORD_MAX_TERMS pass, one more not */
	buf_reset(&rec);
	buf_append_str(&rec, "v=spf1");
	for (i = 0; i < SPF_RECORD_MAX_TERMS; i++)
		buf_append_str(&rec, " a");
	assert_true(spf_record_check(rec.data, rec.len, AF_INET, &out, &why));
	buf_append_str(&rec, " a");
	assert_false(spf_record_check(rec.data, rec.len, AF_INET, &out, &why));
	assert_string_equal(why, "too many terms");
	/* short, but the /0 rewrites would grow it past the cap (fuzzer
	 * reproducer: tests/fuzz/regress/spf_record) */
	buf_reset(&rec);
	buf_append_str(&rec, "v=spf1");
	for (i = 0; i < 64; i++)
		buf_append_str(&rec, " a//0");
	assert_true(rec.len < SPF_RECORD_MAX_LEN / 4);
	assert_false(spf_record_check(rec.data, rec.len, AF_INET6, &out, &why));
	assert_string_equal(why, "record too long after normalisation");
	assert_int_equal(out.len, 0);
	/* embedded NUL: the length is trusted, the NUL is invalid */
	assert_false(spf_record_check((const unsigned char *)"v=spf1 a\0 -all",
	    14, AF_INET, &out, &why));
	/* a NUL where a qualifier may stand is no qualifier (strchr finds
	 * a string's terminator too): "\0all" is no "all" */
	assert_false(spf_record_check((const unsigned char *)"v=spf1 \0all",
	    11, AF_INET, &out, &why));
	assert_false(spf_record_check((const unsigned char *)"v=spf1 a \0-all",
	    14, AF_INET, &out, &why));
	buf_deinit(&rec);
	buf_deinit(&out);
}

static void
test_selection(void **state)
{
	(void)state;
	assert_true(spf_record_is_spf((const unsigned char *)"v=spf1", 6));
	assert_true(spf_record_is_spf((const unsigned char *)"V=SpF1 -all", 11));
	assert_false(spf_record_is_spf((const unsigned char *)"v=spf10", 7));
	assert_false(spf_record_is_spf((const unsigned char *)"v=spf1\t-all", 11));
	assert_false(spf_record_is_spf((const unsigned char *)"v=spf", 5));
	assert_false(spf_record_is_spf((const unsigned char *)" v=spf1", 7));
}

static void
test_identity_domains(void **state)
{
	(void)state;
	assert_true(spf_domain_ok("example.com"));
	assert_true(spf_domain_ok("example.com."));
	assert_false(spf_domain_ok("A2345678"));
	assert_false(spf_domain_ok("[1.2.3.5]"));
	assert_false(spf_domain_ok("A...example.com"));
	assert_false(spf_domain_ok(""));
	assert_false(spf_domain_ok("1.2.3.4"));
	assert_false(spf_domain_ok(
	    "A1234567890123456789012345678901234567890123456789012345678901234.example.com"));
	assert_true(spf_domain_ok(
	    "A12345678901234567890123456789012345678901234567890123456789012.example.com"));
	/* the limits exactly: a label of 64 octets, a name of 254 */
	assert_false(spf_domain_ok(
	    "A123456789012345678901234567890123456789012345678901234567890123.example.com"));
	{
		char name[256];

		/* 63 x "abc." is 252 octets; with "d" 253, with "de" 254 */
		memset(name, 0, sizeof(name));
		for (int i = 0; i < 63; i++)
			memcpy(name + 4 * i, "abc.", 4);
		memcpy(name + 252, "d", 1);
		assert_true(spf_domain_ok(name));
		memcpy(name + 252, "de", 2);
		assert_false(spf_domain_ok(name));
		/* a trailing dot does not count */
		memcpy(name + 252, "d.", 2);
		assert_true(spf_domain_ok(name));
	}
}

static void
test_macro_strings(void **state)
{
	(void)state;
	assert_true(spf_macro_string_ok((const unsigned char *)"%{c}", 4, true));
	assert_false(spf_macro_string_ok((const unsigned char *)"%{c}", 4, false));
	assert_true(spf_macro_string_ok((const unsigned char *)"%{ir}.%{v}._spf", 15, false));
	assert_false(spf_macro_string_ok((const unsigned char *)"%{", 2, false));
	assert_false(spf_macro_string_ok((const unsigned char *)"%{}", 3, false));
	assert_true(spf_domain_spec_ok((const unsigned char *)"%{d}", 4));
	assert_false(spf_domain_spec_ok((const unsigned char *)"", 0));
	/* the length is trusted: a '%' that ends the string is alone even
	 * when the byte after it (not part of the string) is another '%' */
	assert_false(spf_macro_string_ok((const unsigned char *)"ab%%", 3, false));
	assert_false(spf_domain_spec_ok((const unsigned char *)"x.example.com%%",
	    14));
}

/* compiled_len - libspf2's own compiled size of a macro-string, through
 * the call that compiles explanations; -1 when it refuses the string */
static long
compiled_len(SPF_server_t *server, const char *text)
{
	SPF_response_t *resp = SPF_response_new(NULL);
	SPF_macro_t *m = NULL;
	long n = -1;

	if (SPF_record_compile_macro(server, resp, &m, text) == SPF_E_SUCCESS &&
	    m != NULL)
		n = (long)m->macro_len;
	SPF_macro_free(m);
	SPF_response_free(resp);
	return n;
}

/* test_macro_compiled_len - spf_macro_compiled_len gives exactly what
 * libspf2 compiles, for random explanation-strings of every block shape
 * (literal runs of each length and padding, "%%" "%_" "%-", macros with
 * digits, r and delimiters); only strings within our bound are handed
 * to libspf2 (past it 1.2.10 may overrun its stack buffer) */
static void
test_macro_compiled_len(void **state)
{
	static const char *const pieces[] = {
		"a", "bc", "def", "ghij", "%%", "%_", "%-", "%{i}", "%{d2}",
		"%{ir}", "%{l1r+-}", "%{c}", "%{t}", "example.com", "%{s}.x",
	};
	SPF_server_t *server = SPF_server_new(SPF_DNS_CACHE, 0);
	unsigned seed = 7;
	int i, j, compared = 0;

	(void)state;
	assert_non_null(server);
	assert_int_equal(spf_macro_compiled_len((const unsigned char *)"", 0), 0);
	/* a literal block: 4 + bytes, padded to 4 */
	assert_int_equal(spf_macro_compiled_len((const unsigned char *)"a", 1), 8);
	assert_int_equal(spf_macro_compiled_len((const unsigned char *)"abcd", 4), 8);
	assert_int_equal(spf_macro_compiled_len((const unsigned char *)"abcde", 5), 12);
	assert_int_equal(spf_macro_compiled_len((const unsigned char *)"%-", 2), 8);
	assert_int_equal(spf_macro_compiled_len((const unsigned char *)"%{i}x%{d}", 9), 16);
	for (i = 0; i < 3000; i++) {
		char text[1200] = "";
		size_t len;
		long want;

		seed = seed * 1103515245u + 12345u;
		for (j = (int)((seed >> 16) % 160); j > 0; j--) {
			seed = seed * 1103515245u + 12345u;
			strcat(text, pieces[(seed >> 16) %
			    (sizeof(pieces) / sizeof(pieces[0]))]);
		}
		len = strlen(text);
		assert_true(spf_macro_string_ok((const unsigned char *)text, len,
		    true));
		if (spf_macro_compiled_len((const unsigned char *)text, len) >
		    SPF_MACRO_COMPILED_MAX)
			continue;
		want = compiled_len(server, text);
		if (want < 0)
			continue;	/* a literal run over 255 bytes */
		assert_int_equal(spf_macro_compiled_len(
		    (const unsigned char *)text, len), want);
		compared++;
	}
	assert_true(compared > 1000);
	SPF_server_free(server);
}

/* test_random_records_never_crash - mutated and random records always get
 * a verdict, and every accepted record's normal form is accepted again */
static void
test_random_records_never_crash(void **state)
{
	static const char *const seeds[] = {
		"v=spf1 a:%{d1r-}.x.example mx//64 ip6:2001:db8::/32 redirect=%{o}",
		"v=spf1 exists:%{ir}.%{v}._spf.%{d2} -include:a.example ~all exp=%{d}",
		"v=spf1 ip4:192.0.2.0/24 a/0 mx/0//0 ptr:%{p}.example ?all",
	};
	const char alphabet[] = "v=spf1 %{}:/.-+~?alxdimp0123456789\t\r\x80";
	struct buf out = BUF_INIT, again = BUF_INIT;
	unsigned seed = 12345;
	int i, j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		char rec[160];
		size_t len;
		const char *why = NULL;

		strcpy(rec, seeds[i % 3]);
		len = strlen(rec);
		for (j = 0; j < 1 + i % 6; j++) {
			seed = seed * 1103515245u + 12345u;
			rec[(seed >> 8) % len] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if (spf_record_check((const unsigned char *)rec, len,
		    i % 2 ? AF_INET : AF_INET6, &out, &why)) {
			assert_true(spf_record_check(out.data, out.len,
			    i % 2 ? AF_INET : AF_INET6, &again, &why));
		} else {
			assert_non_null(why);
		}
	}
	buf_deinit(&out);
	buf_deinit(&again);
}

/* spf_macro_fix_record: a digit at least the value's number of parts
 * goes (libspf2 would drop the value's first character); a smaller one,
 * %{p} and escapes stay; the macros libspf2 would split or refuse
 * wrongly are expanded */
static void
test_macro_fix_record(void **state)
{
	static const struct {
		const char *in, *out;	/* out NULL: unchanged */
		int af;
		const char *sender, *domain, *helo;
	} t[] = {
		{ "v=spf1 exists:%{d2}.x -all", "v=spf1 exists:%{d}.x -all",
		  AF_INET, "u@example.test", "example.test", "h.example" },
		{ "exists:%{d1}.x", NULL, AF_INET, "u@e.test", "example.test",
		  "h" },
		{ "exists:%{d2}.x", NULL, AF_INET, "u@e.test", "a.example.test",
		  "h" },
		{ "exists:%{D3r}.x", "exists:%{Dr}.x", AF_INET, "u@e.test",
		  "a.example", "h" },
		{ "exists:%{l1r-}.x", "exists:%{lr-}.x", AF_INET,
		  "user@e.test", "e.test", "h" },
		{ "exists:%{l1r-}.x", NULL, AF_INET, "first-last@e.test",
		  "e.test", "h" },
		{ "exists:%{o2}.%{s3}", "exists:%{o}.%{s}", AF_INET,
		  "a.b@c.test", "c.test", "h" },
		{ "exists:%{v1}.%{v1-}.x", "exists:%{v}.%{v1-}.x", AF_INET,
		  "u@e.test", "e.test", "h" },
		{ "exists:%{h2}.x", NULL, AF_INET, "u@e.test", "e.test",
		  "mail.example.test" },
		{ "exists:%{h2}.x", "exists:%{h}.x", AF_INET, "u@e.test",
		  "e.test", "localhost" },
		{ "exists:%%{d2}.%{p2}.x", NULL, AF_INET, "u@e.test", "e.test",
		  "h" },
		{ "exists:%{l1}.%{d9}", "exists:%{l1}.%{d}", AF_INET, NULL,
		  "e.test", "h" },
		/* expanded: delimiters without '.' and a value with dots,
		 * picked by a digit or 'r' (RFC 7208 7.3; libspf2 splits at
		 * every dot) */
		{ "exists:%{l1r+}.x", "exists:first.last.x", AF_INET,
		  "first.last+tag@e.test", "e.test", "h" },
		{ "exists:%{lr+}.x", "exists:tag.first.last.x", AF_INET,
		  "first.last+tag@e.test", "e.test", "h" },
		{ "exists:%{s2-+_=}.%{hr}.x", "exists:w.o@s.test.%{hr}.x",
		  AF_INET, "o-n.e+t_w=o@s.test", "s.test", "s.test" },
		{ "exists:%{d1-}.x", "exists:b.example.x", AF_INET, "u@e.test",
		  "a-b.example", "h" },
		/* without a digit or 'r' libspf2's join is the RFC's */
		{ "exists:%{l-}.x", NULL, AF_INET, "a.b-c@e.test", "e.test", "h" },
		/* ',' and '/': libspf2 refuses them, so always expanded */
		{ "exists:%{l,}.%{d1/}.x", "exists:a.b.c.example.x", AF_INET,
		  "a,b@e.test", "c.example", "h" },
		{ "exists:%{l1r,}.x", "exists:a.x", AF_INET, "a,b@e.test",
		  "e.test", "h" },
		/* '%' of a value doubled; %{i} with its address unknown and
		 * an unknown sender left alone */
		{ "exists:%{l1r+}.x", "exists:a%%b.c.x", AF_INET, "a%b.c+d@e.test",
		  "e.test", "h" },
		{ "exists:%{i1,}.x", NULL, AF_INET, "u@e.test", "e.test", "h" },
		{ "exists:%{l1r+}.x", NULL, AF_INET, NULL, "e.test", "h" },
		/* a '/' in the value would read as a CIDR length: left alone */
		{ "exists:%{l1r+}.x", NULL, AF_INET, "a/b.c+d@e.test", "e.test",
		  "h" },
		/* a zero digit is not the fix's to judge */
		{ "exists:%{l0r+}.x", NULL, AF_INET, "a.b+c@e.test", "e.test",
		  "h" },
		/* upper case: expanded and URL-escaped by RFC 3986 when
		 * libspf2 would split, refuse or escape differently (it keeps
		 * ! * ' ( ) and writes lower-case hex); else (nothing to
		 * escape) left to libspf2 */
		{ "exists:%{L1r+}.x", "exists:a.b.x", AF_INET, "a.b+c@e.test",
		  "e.test", "h" },
		{ "exists:%{L}.x", "exists:o%%27brien.x", AF_INET,
		  "o'brien@e.test", "e.test", "h" },
		{ "exists:%{S}.x", "exists:a%%21b%%2A%%28c%%29%%40e.test.x",
		  AF_INET, "a!b*(c)@e.test", "e.test", "h" },
		{ "exists:%{L,}.x", "exists:a.b%%2Bc.x", AF_INET, "a,b+c@e.test",
		  "e.test", "h" },
		{ "exists:%{L1r+}.x", "exists:a%%2Fb.c.x", AF_INET,
		  "a/b.c+d@e.test", "e.test", "h" },
		{ "exists:%{L}.x", "exists:a%%2Bb%%2Fc~d.x", AF_INET,
		  "a+b/c~d@e.test", "e.test", "h" },
		{ "exists:%{Lr}.x", NULL, AF_INET, "a.b@e.test", "e.test", "h" },
		{ "exists:%{Sr}.x", "exists:test.o%%27brien%%40e.x", AF_INET,
		  "o'brien@e.test", "e.test", "h" },
		{ "exists:%{S2}.x", "exists:b%%27c%%40d.e.x", AF_INET,
		  "a.b'c@d.e", "d.e", "h" },
		/* letters of either case and digits are unreserved, the
		 * ends of their ranges (A, z, 0, 9) too */
		{ "exists:%{L}.x", "exists:Az09%%2Bb.x", AF_INET,
		  "Az09+b@e.test", "e.test", "h" },
	};
	/* with the client address known: %{i} and %{v} expanded where
	 * libspf2 would refuse ',' or '/' or split at the address's dots */
	static const struct {
		const char *in, *out;
		int af;
		const char *addr;
	} ti[] = {
		{ "exists:%{i1,}.x", "exists:192.0.2.1.x", AF_INET, "192.0.2.1" },
		{ "exists:%{ir-}.x", "exists:192.0.2.1.x", AF_INET, "192.0.2.1" },
		{ "exists:%{ir}.x", NULL, AF_INET, "192.0.2.1" },
		{ "exists:%{i4}.%{i3}", "exists:%{i}.%{i3}", AF_INET,
		  "192.0.2.1" },
		{ "exists:%{i32}.%{i31}", "exists:%{i}.%{i31}", AF_INET6,
		  "2001:db8::1" },
		{ "exists:%{i1-}.x", "exists:192.0.2.1.x", AF_INET, "192.0.2.1" },
		{ "exists:%{v/}.%{V,}.x", "exists:in-addr.in-addr.x", AF_INET,
		  "192.0.2.1" },
		{ "exists:%{i/}.x", "exists:2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0."
		  "0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1.x", AF_INET6, "2001:db8::cb01" },
		{ "exists:%{I2r,}.%{v,}.x", "exists:2.0.0.1.0.d.b.8.0.0.0.0.0.0."
		  "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.ip6.x", AF_INET6,
		  "2001:db8::ff" },
	};
	unsigned char addr[sizeof(struct in6_addr)];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct spf_macro_values v = { t[i].sender, t[i].domain,
		    t[i].helo, t[i].af, NULL };
		struct buf out = BUF_INIT;
		bool changed = spf_macro_fix_record(t[i].in, strlen(t[i].in), &v,
		    &out);

		print_message("# %s -> %s\n", t[i].in, changed ?
		    buf_cstr(&out) : "(unchanged)");
		assert_int_equal(changed, t[i].out != NULL);
		if (changed)
			assert_string_equal(buf_cstr(&out), t[i].out);
		else
			assert_int_equal(out.len, 0);
		buf_deinit(&out);
	}
	/* an expansion is written while it fits 199 octets of literal text
	 * (libspf2 takes runs of up to 255; the name is cut to 253 later) */
	for (i = 199; i <= 200; i++) {
		char sender[256], want[256];
		struct spf_macro_values v = { sender, "e.test", "h", AF_INET,
		    NULL };
		struct buf out = BUF_INIT;
		bool changed;

		(void)snprintf(sender, sizeof(sender), "a.%0*d+y@e.test",
		    (int)i - 2, 0);
		(void)snprintf(want, sizeof(want), "exists:a.%0*d.x", (int)i - 2,
		    0);
		changed = spf_macro_fix_record("exists:%{l1r+}.x", 16, &v, &out);
		assert_int_equal(changed, i == 199);
		if (changed)
			assert_string_equal(buf_cstr(&out), want);
		buf_deinit(&out);
	}
	for (i = 0; i < sizeof(ti) / sizeof(ti[0]); i++) {
		struct spf_macro_values v = { "u@e.test", "e.test", "h",
		    ti[i].af, NULL };
		struct buf out = BUF_INIT;
		bool changed;

		assert_int_equal(inet_pton(ti[i].af, ti[i].addr, addr), 1);
		v.addr = addr;
		changed = spf_macro_fix_record(ti[i].in, strlen(ti[i].in), &v,
		    &out);
		print_message("# %s (%s) -> %s\n", ti[i].in, ti[i].addr,
		    changed ? buf_cstr(&out) : "(unchanged)");
		assert_int_equal(changed, ti[i].out != NULL);
		if (changed)
			assert_string_equal(buf_cstr(&out), ti[i].out);
		buf_deinit(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_table),
		cmocka_unit_test(test_hostile_lengths_refused),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_identity_domains),
		cmocka_unit_test(test_macro_strings),
		cmocka_unit_test(test_macro_compiled_len),
		cmocka_unit_test(test_macro_fix_record),
		cmocka_unit_test(test_random_records_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
