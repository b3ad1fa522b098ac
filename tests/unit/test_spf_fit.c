/*
 * test_spf_fit.c - domain-specs with a literal run libspf2 would refuse
 * (over 255 octets) lose what RFC 7208 7.3's left cut removes anyway:
 * everything left of the run and the run's leftmost labels while it is
 * over 253 octets; shorter runs, runs without a label boundary to cut at,
 * the macros right of the run and the CIDR lengths of a: and mx: stay.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "spf/spf_fit.h"
#include "util/buf.h"

/* rep - c repeated n times (n < 300), in one of two static buffers */
static const char *
rep(char c, size_t n)
{
	static char b[2][300];
	static int which;
	char *p = b[which ^= 1];

	memset(p, c, n);
	p[n] = '\0';
	return p;
}

/* labels - a label of n times each letter of letters, each followed by
 * a dot, appended to b */
static void
labels(struct buf *b, const char *letters, size_t n)
{
	for (; *letters != '\0'; letters++)
		buf_printf(b, "%s.", rep(*letters, n));
}

/* fit - spf_fit_domain_spec on a copy of spec, as a string in out */
static const char *
fit(const char *spec, struct buf *out)
{
	size_t n;

	buf_reset(out);
	buf_append_str(out, spec);
	n = spf_fit_domain_spec(out->data, out->len);
	buf_truncate(out, n);
	return buf_cstr(out);
}

/* four 60-octet labels and example.test: 257 octets after a macro */
static void
test_cut_after_macro(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;

	(void)state;
	buf_append_str(&in, "%{l}.");
	labels(&in, "wxyz", 60);
	buf_append_str(&in, "example.test");
	labels(&want, "xyz", 60);
	buf_append_str(&want, "example.test");
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&want));
	assert_true(strlen(buf_cstr(&out)) <= SPF_FIT_NAME_MAX);
	buf_deinit(&in);
	buf_deinit(&out);
	buf_deinit(&want);
}

/* 255 octets of literal stay (libspf2 takes them; spf_dns.c cuts the
 * expanded name); 256 are cut */
static void
test_limit(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t i;

	(void)state;
	/* "a.": 2 octets a label; 127 of them and "b" = 255 */
	buf_append_str(&in, "%{d}");
	for (i = 0; i < 127; i++)
		buf_append_str(&in, "a.");
	buf_append_str(&in, "b");
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&in));
	buf_append_str(&in, "c");		/* 256 */
	fit(buf_cstr(&in), &out);
	assert_int_equal(out.len, 252);	/* 125 "a." and "bc" */
	assert_memory_equal(out.data, "a.a.", 4);
	assert_memory_equal(out.data + out.len - 4, "a.bc", 4);
	buf_deinit(&in);
	buf_deinit(&out);
}

/* labels go only while the run is over 253 octets (RFC 7208 7.3:
 * "until the total length does not exceed 253 characters"): a run of 256
 * that is 253 once its first label went keeps the rest whole */
static void
test_cut_stops_at_253(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;

	(void)state;
	labels(&want, "xyz", 63);			/* 192 */
	buf_printf(&want, "%s.com", rep('w', 57));	/* 253 */
	buf_printf(&in, "%%{d}aa.%s", buf_cstr(&want));	/* run of 256 */
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&want));
	assert_int_equal(out.len, SPF_FIT_NAME_MAX);
	buf_deinit(&in);
	buf_deinit(&out);
	buf_deinit(&want);
}

/* "%-" stands for 3 octets, "%_" and "%%" for one: a run of 86 "%-" and
 * a dot is 259 octets */
static void
test_escapes_counted_expanded(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t i;

	(void)state;
	buf_append_str(&in, "x.");
	for (i = 0; i < 86; i++)
		buf_append_str(&in, "%-");
	buf_append_str(&in, ".example.test");	/* 2 + 258 + 13 = 273 */
	fit(buf_cstr(&in), &out);
	/* "x." goes (271, still over), then the 258-octet label: no dot
	 * left that brings it within 253 but the one before example.test */
	assert_string_equal(buf_cstr(&out), "example.test");
	buf_reset(&in);
	for (i = 0; i < 85; i++)
		buf_append_str(&in, "%-");		/* 255 octets: kept */
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&in));
	buf_deinit(&in);
	buf_deinit(&out);
}

/* what is right of the long run stays, macros and all; of two long
 * runs the right one decides */
static void
test_right_side_kept(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;

	(void)state;
	labels(&in, "pqrs", 63);			/* 256 */
	buf_append_str(&in, "%{d}.%{h}");
	labels(&want, "qrs", 63);
	buf_append_str(&want, "%{d}.%{h}");
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&want));

	/* the same after another long run and a macro */
	{
		struct buf two = BUF_INIT;

		labels(&two, "oooo", 63);
		buf_printf(&two, "%%{l}%s", buf_cstr(&in));
		assert_string_equal(fit(buf_cstr(&two), &out),
		    buf_cstr(&want));
		buf_deinit(&two);
	}
	buf_deinit(&in);
	buf_deinit(&out);
	buf_deinit(&want);
}

/* one label of 260 octets: no boundary to cut at, left for libspf2;
 * nor one that would leave the top label alone (the domain-spec would
 * lose its "." toplabel end; found by fuzz_spf_record) */
static void
test_no_boundary(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	buf_printf(&in, "%%{l}%s", rep('k', 260));
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&in));
	buf_reset(&in);
	buf_printf(&in, "foo.%s.test", rep('k', 260));
	assert_string_equal(fit(buf_cstr(&in), &out), buf_cstr(&in));
	buf_deinit(&in);
	buf_deinit(&out);
}

/* a record: each domain-spec on its own; the CIDR lengths of a: and
 * mx: ("/n//m", "//m", "/n") and the other terms stay */
static void
test_record(void **state)
{
	struct buf rec = BUF_INIT, long_spec = BUF_INIT, want = BUF_INIT;

	(void)state;
	labels(&long_spec, "wxyz", 60);
	buf_append_str(&long_spec, "example.test");
	buf_printf(&rec, "v=spf1 ip4:192.0.2.1 -a:%%{i}.%s/24//64 "
	    "exists:%%{l}.%s include:_spf.example.test mx:%%{d}.%s//0 "
	    "a:%%{d}.%s/8 -all", buf_cstr(&long_spec), buf_cstr(&long_spec),
	    buf_cstr(&long_spec), buf_cstr(&long_spec));
	spf_fit_record(&rec, 0);
	buf_printf(&want, "v=spf1 ip4:192.0.2.1 -a:%s/24//64 exists:%s "
	    "include:_spf.example.test mx:%s//0 a:%s/8 -all",
	    buf_cstr(&long_spec) + 61, buf_cstr(&long_spec) + 61,
	    buf_cstr(&long_spec) + 61, buf_cstr(&long_spec) + 61);
	assert_string_equal(buf_cstr(&rec), buf_cstr(&want));
	buf_deinit(&rec);
	buf_deinit(&long_spec);
	buf_deinit(&want);
}

/* the CIDR length of a: and mx: is no part of the domain-spec: a run of
 * 255 literal octets followed by "/24" is within the limit and stays */
static void
test_record_cidr_not_counted(void **state)
{
	struct buf rec = BUF_INIT, run = BUF_INIT, want = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 127; i++)
		buf_append_str(&run, "a.");
	buf_append_str(&run, "b");			/* 255 */
	buf_printf(&rec, "v=spf1 a:%%{d}%s/24 mx:%%{d}%s//64 -all",
	    buf_cstr(&run), buf_cstr(&run));
	buf_append_str(&want, buf_cstr(&rec));
	spf_fit_record(&rec, 0);
	assert_string_equal(buf_cstr(&rec), buf_cstr(&want));
	buf_deinit(&rec);
	buf_deinit(&run);
	buf_deinit(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_after_macro),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_escapes_counted_expanded),
		cmocka_unit_test(test_right_side_kept),
		cmocka_unit_test(test_no_boundary),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_cidr_not_counted),
		cmocka_unit_test(test_cut_stops_at_253),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
