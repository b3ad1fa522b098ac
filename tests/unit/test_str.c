/* test_str.c - the ASCII comparisons against simple byte-by-byte
 * references, on random strings built to agree, differ only in case,
 * differ anywhere, or stop early; UTF-8 validity against a decoder;
 * the in-place and copying helpers at their edges */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/str.h"
#include "util/utf8.h"

/* ref_lower - tolower of one ASCII byte */
static int
ref_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ref_strncasecmp - the comparison as first written: fold both, compare */
static int
ref_strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		int d = ref_lower(*x) - ref_lower(*y);

		if (d != 0 || *x == '\0')
			return d;
	}
	return 0;
}

/* ref_memcaseeq - p[0..plen) equals NUL-terminated s ignoring case */
static int
ref_memcaseeq(const unsigned char *p, size_t plen, const char *s)
{
	size_t i;

	for (i = 0; i < plen; i++)
		if (s[i] == '\0' ||
		    ref_lower(p[i]) != ref_lower((unsigned char)s[i]))
			return 0;
	return s[plen] == '\0';
}

/* Bytes the strings are made of: letters of both cases, the neighbours
 * of the folding range, high bytes and (inside p only) NUL. */
static const unsigned char alphabet[] = "aAzZ@[`{-.09\x80\xc1\xff";

/* rnd - a small deterministic generator */
static uint32_t
rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* make_pair - a and b of up to 11 bytes, often equal up to case */
static void
make_pair(uint32_t *seed, char *a, char *b)
{
	size_t n = rnd(seed) % 12, m, i;

	for (i = 0; i < n; i++)
		a[i] = (char)alphabet[rnd(seed) % (sizeof(alphabet) - 1)];
	a[n] = '\0';
	memcpy(b, a, n + 1);
	for (i = 0; i < n; i++)
		if (rnd(seed) % 3 == 0)
			b[i] = (char)(ref_lower((unsigned char)a[i]) == a[i] &&
			    a[i] >= 'a' && a[i] <= 'z' ? a[i] - 32 : a[i]);
	switch (rnd(seed) % 4) {
	case 0:		/* a byte changed anywhere */
		if (n > 0)
			b[rnd(seed) % n] = (char)alphabet[rnd(seed) %
			    (sizeof(alphabet) - 1)];
		break;
	case 1:		/* b cut short */
		m = n > 0 ? rnd(seed) % n : 0;
		b[m] = '\0';
		break;
	default:	/* equal up to case */
		break;
	}
}

static void
test_strcasecmp_matches_reference(void **state)
{
	uint32_t seed = 18;
	char a[16], b[16];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t n;
		int want;

		make_pair(&seed, a, b);
		want = ref_strncasecmp(a, b, SIZE_MAX);
		assert_int_equal(ascii_strcasecmp(a, b), want);
		assert_int_equal(ascii_strcasecmp(b, a),
		    ref_strncasecmp(b, a, SIZE_MAX));
		n = rnd(&seed) % 14;
		assert_int_equal(ascii_strncasecmp(a, b, n),
		    ref_strncasecmp(a, b, n));
	}
}

static void
test_memcaseeq_matches_reference(void **state)
{
	uint32_t seed = 6376;
	char a[16], b[16];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t plen;

		make_pair(&seed, a, b);
		/* p may hold a NUL: a's own, or one past its end */
		plen = rnd(&seed) % (strlen(a) + 2);
		assert_int_equal(ascii_memcaseeq(a, plen, b),
		    ref_memcaseeq((const unsigned char *)a, plen, b));
		/* a prefix of both, NULs included */
		if (plen > strlen(b) + 1)
			plen = strlen(b) + 1;
		if (plen > strlen(a) + 1)
			plen = strlen(a) + 1;
		assert_int_equal(ascii_caseeq(a, b, plen),
		    ref_strncasecmp(a, b, plen) == 0);
	}
	assert_true(ascii_memcaseeq("A\0b", 3, "a") == false);
	assert_true(ascii_memcaseeq("Rsa-SHA256", 10, "rsa-sha256"));
	assert_false(ascii_memcaseeq("rsa-sha25", 9, "rsa-sha256"));
}

/* ref_utf8_len - decode, then judge the code point (RFC 3629 4): the
 * way utf8_seq_len does not work, so that the two can be compared */
static size_t
ref_utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* every one- to three-byte sequence, four-byte ones over the edge values
 * of each continuation byte, and every sequence cut short */
static void
test_utf8_matches_reference(void **state)
{
	static const unsigned char edge[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90,
		0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	unsigned char b[4];
	unsigned a, c, d, e, i;
	size_t n;

	(void)state;
	for (a = 0; a < 256; a++)
		for (c = 0; c < 256; c++)
			for (d = 0; d < 256; d += (a >= 0xe0 && a <= 0xef) ? 1 : 255) {
				b[0] = (unsigned char)a;
				b[1] = (unsigned char)c;
				b[2] = (unsigned char)d;
				b[3] = 0x80;
				for (n = 1; n <= 4; n++)
					if (utf8_seq_len(b, n) != ref_utf8_len(b, n))
						fail_msg("%02x %02x %02x n=%zu", a, c, d, n);
			}
	for (a = 0xf0; a <= 0xff; a++)
		for (i = 0; i < sizeof(edge) * sizeof(edge) * sizeof(edge); i++) {
			c = edge[i % sizeof(edge)];
			d = edge[i / sizeof(edge) % sizeof(edge)];
			e = edge[i / sizeof(edge) / sizeof(edge)];
			b[0] = (unsigned char)a;
			b[1] = (unsigned char)c;
			b[2] = (unsigned char)d;
			b[3] = (unsigned char)e;
			assert_int_equal(utf8_seq_len(b, 4), ref_utf8_len(b, 4));
		}
	b[0] = 0xc3;
	b[1] = 0xa9;
	assert_int_equal(utf8_seq_len(b, 2), 2);
	assert_int_equal(utf8_seq_len(b, 1), 0);
}

/* str_has_non_ascii at every length and position, against a loop */
static void
test_has_non_ascii(void **state)
{
	unsigned char b[40];
	size_t len, at;

	(void)state;
	memset(b, 'a', sizeof(b));
	for (len = 0; len <= sizeof(b); len++) {
		assert_false(str_has_non_ascii(b, len));
		for (at = 0; at < len; at++) {
			b[at] = 0x80;
			assert_true(str_has_non_ascii(b, len));
			assert_false(str_has_non_ascii(b, at));
			b[at] = 0x7f;
			assert_false(str_has_non_ascii(b, len));
			b[at] = 'a';
		}
	}
}

/* str_lower folds ASCII letters only, to the end, and returns s */
static void
test_lower(void **state)
{
	char s[] = "MiXeD.Example-\xc3\x89Z@[";

	(void)state;
	assert_ptr_equal(str_lower(s), s);
	assert_string_equal(s, "mixed.example-\xc3\x89z@[");
	s[0] = '\0';
	assert_string_equal(str_lower(s), "");
}

/* str_trim strips each of space, tab, CR and LF at both ends, in place,
 * and keeps them inside */
static void
test_trim(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ " \t\r\n", "" },
		{ "a", "a" },
		{ " a", "a" },
		{ "\ta", "a" },
		{ "\ra", "a" },
		{ "\na", "a" },
		{ "a ", "a" },
		{ "a\t", "a" },
		{ "a\r", "a" },
		{ "a\n", "a" },
		{ "\n\r\t a \t\r\nb\r\n\t ", "a \t\r\nb" },
		{ "\vx\f", "\vx\f" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char s[32];

		strcpy(s, cases[k].in);
		assert_ptr_equal(str_trim(s), s);
		assert_string_equal(s, cases[k].want);
	}
}

/* str_bom_len wants all three octets of the mark, at the start */
static void
test_bom_len(void **state)
{
	(void)state;
	assert_int_equal(str_bom_len("\xef\xbb\xbfkey"), 3);
	assert_int_equal(str_bom_len("\xef\xbb\xbf"), 3);
	assert_int_equal(str_bom_len("\xef\xbb"), 0);
	assert_int_equal(str_bom_len("\xef\xbb\xbe"), 0);
	assert_int_equal(str_bom_len("x\xef\xbb\xbf"), 0);
	assert_int_equal(str_bom_len(""), 0);
}

/* str_copy cuts to size - 1 octets, always terminates, writes nothing
 * at or past dst[size], and returns the length of src so that a caller
 * can see the cut */
static void
test_copy(void **state)
{
	char d[8];

	(void)state;
	memset(d, 'z', sizeof(d));
	assert_int_equal(str_copy(d, 6, "abcde"), 5);
	assert_string_equal(d, "abcde");
	memset(d, 'z', sizeof(d));
	assert_int_equal(str_copy(d, 6, "abcdef"), 6);
	assert_string_equal(d, "abcde");
	assert_int_equal(d[6], 'z');
	memset(d, 'z', sizeof(d));
	assert_int_equal(str_copy(d, 6, "abcdefgh"), 8);
	assert_string_equal(d, "abcde");
	assert_int_equal(d[6], 'z');
	assert_int_equal(str_copy(d, 6, ""), 0);
	assert_string_equal(d, "");
	memset(d, 'z', sizeof(d));
	assert_int_equal(str_copy(d, 1, "abc"), 3);
	assert_int_equal(d[0], '\0');
	assert_int_equal(d[1], 'z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strcasecmp_matches_reference),
		cmocka_unit_test(test_memcaseeq_matches_reference),
		cmocka_unit_test(test_utf8_matches_reference),
		cmocka_unit_test(test_has_non_ascii),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_bom_len),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
