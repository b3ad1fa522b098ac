/* test_dkim_body_stream.c - the streamed body canonicalizer (dkim_body_*)
 * against a reference written here: tricky bodies split at every byte
 * boundary (and at every pair of boundaries), and random bodies in random
 * chunks, seeded, compared byte for byte through the digest and length.
 *
 * The reference works on the whole body at once, line by line, exactly as
 * RFC 6376 3.4.3 and 3.4.4 read, so it shares no state machine with the
 * streamed code it checks. As the milter does, it reads a bare LF as a
 * line break and a CR not followed by LF as data. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/dkim_canon.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#include "../dkim/testkit.h"

#define U(s) ((const unsigned char *)(s))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ref_canon - the canonical body of in[0..len), into out */
static void
ref_canon(enum dkim_canon c, const unsigned char *in, size_t len,
    struct buf *out)
{
	size_t i = 0, keep = 0;

	buf_reset(out);
	while (i < len) {
		size_t start = out->len;
		bool wsp = false;

		/* one line, up to CRLF, a bare LF or the end of the body */
		for (; i < len; i++) {
			if (in[i] == '\n') {
				i++;
				break;
			}
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') {
				i += 2;
				break;
			}
			if (c == DKIM_CANON_RELAXED &&
			    (in[i] == ' ' || in[i] == '\t')) {
				wsp = true;	/* dropped if the line ends */
				continue;
			}
			if (wsp)
				buf_append_byte(out, ' ');
			wsp = false;
			buf_append_byte(out, in[i]);
		}
		if (out->len > start) {
			buf_append(out, "\r\n", 2);
			keep = out->len;
		} else
			buf_append(out, "\r\n", 2);
	}
	out->len = keep;	/* empty lines at the end go */
	if (c == DKIM_CANON_SIMPLE && keep == 0)
		buf_append(out, "\r\n", 2);
}

/* ref_digest - SHA-256 of the first l= bytes (all without limited) of the
 * reference canonical body; *total_r is its whole length */
static void
ref_digest(enum dkim_canon c, const unsigned char *in, size_t len,
    bool limited, uint64_t limit, unsigned char out[CRYPTO_DIGEST_MAX],
    uint64_t *total_r)
{
	struct crypto_digest *d = crypto_digest_new(CRYPTO_HASH_SHA256);
	struct buf canon = BUF_INIT;
	size_t n;

	ref_canon(c, in, len, &canon);
	n = canon.len;
	if (limited && limit < n)
		n = (size_t)limit;
	crypto_digest_update(d, canon.data, n);
	crypto_digest_final(d, out);
	crypto_digest_free(&d);
	*total_r = canon.len;
	buf_deinit(&canon);
}

/* check_cuts - the streamed digest and length with these cuts equal the
 * reference's */
static void
check_cuts(enum dkim_canon c, const unsigned char *in, size_t len,
    const size_t *cuts, size_t ncuts, bool limited, uint64_t limit)
{
	unsigned char want[CRYPTO_DIGEST_MAX], got[CRYPTO_DIGEST_MAX];
	uint64_t want_total, got_total;

	ref_digest(c, in, len, limited, limit, want, &want_total);
	assert_int_equal(tk_body_digest(c, in, len, cuts, ncuts, limited, limit,
	    got, &got_total), 32);
	assert_memory_equal(got, want, 32);
	assert_int_equal(got_total, want_total);
}

/* The reference itself, on the RFC 6376 3.4.6 example and the cases the
 * streamed code finds hardest; without this a wrong reference would
 * agree with a wrong canonicalizer. */
static void
test_reference_golden(void **state)
{
	static const struct {
		const char *label, *in;
		enum dkim_canon c;
		const char *want;
	} cases[] = {
		{ "rfc6376 3.4.6 relaxed", " C \r\nD \t E\r\n\r\n\r\n",
		  DKIM_CANON_RELAXED, " C\r\nD E\r\n" },
		{ "rfc6376 3.4.6 simple", " C \r\nD \t E\r\n\r\n\r\n",
		  DKIM_CANON_SIMPLE, " C \r\nD \t E\r\n" },
		{ "empty simple", "", DKIM_CANON_SIMPLE, "\r\n" },
		{ "empty relaxed", "", DKIM_CANON_RELAXED, "" },
		{ "blank and WSP lines trailing", "x\r\n\r\n \r\n\t\r\n\r\n",
		  DKIM_CANON_RELAXED, "x\r\n" },
		{ "bare CR and LF", "a\rb\nc\r\r\nd\n\re\r", DKIM_CANON_SIMPLE,
		  "a\rb\r\nc\r\r\nd\r\n\re\r\r\n" },
		{ "bare CR and LF relaxed", "a \rb\nc\t\r\r\nd \n\re \r",
		  DKIM_CANON_RELAXED, "a \rb\r\nc \r\r\nd\r\n\re \r\r\n" },
	};
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		print_message("# %s\n", cases[i].label);
		ref_canon(cases[i].c, U(cases[i].in), strlen(cases[i].in), &out);
		assert_int_equal(out.len, strlen(cases[i].want));
		assert_memory_equal(out.data, cases[i].want, out.len);
	}
	buf_deinit(&out);
}

/* Bodies where a CRLF, a run of blanks, empty lines or a bare CR/LF can
 * fall on a chunk boundary, and long enough lines for the eight-byte
 * scan; each is cut at every boundary and at every pair of boundaries. */
static const struct {
	const char *p;
	size_t len;
} tricky[] = {
#define T(s) { s, sizeof(s) - 1 }	/* NUL bytes count */
	T("ab\r\ncd\r\n"),
	T("ab \t \r\ncd  \r\n"),
	T("x\r\n\r\n \r\n\t\r\n\r\n"),
	T("a\rb\nc\r\r\nd\n\re\r"),
	T("\r\n\r\nafter blank lines\r\n"),
	T("x\r\n\ny \r\n\n"),
	T("The quick  brown\tfox jumps over the lazy dog \r\n"),
	T("one two three four five six seven eight nine\r\n  \r\n"),
	T("0123456789abcdef 0123456789abcdef  0123456789abcdef\t\r\n"),
	T("\xc3\xa9t\xc3\xa9 \xff\x80 \x01\x1f !x\r\n\x00 \x00\r\n"),
	T(" leading\r\n\tand  trailing \t\r\n"),
#undef T
};

static void
test_every_split(void **state)
{
	static const enum dkim_canon canons[] = { DKIM_CANON_SIMPLE,
	    DKIM_CANON_RELAXED };
	size_t t, ci, x, y;

	(void)state;
	for (t = 0; t < NELEM(tricky); t++) {
		const unsigned char *in = U(tricky[t].p);
		size_t len = tricky[t].len;

		for (ci = 0; ci < NELEM(canons); ci++) {
			check_cuts(canons[ci], in, len, NULL, 0, false, 0);
			for (x = 0; x <= len; x++) {
				size_t cuts[2] = { x, 0 };

				check_cuts(canons[ci], in, len, cuts, 1, false, 0);
				for (y = x; y <= len; y++) {
					cuts[1] = y;
					check_cuts(canons[ci], in, len, cuts, 2,
					    false, 0);
				}
			}
		}
	}
}

/* l= cutting a run, a squeezed blank run, a CRLF or a released empty
 * line, with the body split at every boundary */
static void
test_every_split_with_limit(void **state)
{
	static const enum dkim_canon canons[] = { DKIM_CANON_SIMPLE,
	    DKIM_CANON_RELAXED };
	size_t t, ci, x;
	uint64_t l;

	(void)state;
	for (t = 0; t < NELEM(tricky); t++) {
		const unsigned char *in = U(tricky[t].p);
		size_t len = tricky[t].len;

		for (ci = 0; ci < NELEM(canons); ci++) {
			for (l = 0; l <= len + 2; l++) {
				for (x = 0; x <= len; x++)
					check_cuts(canons[ci], in, len, &x, 1,
					    true, l);
			}
		}
	}
}

/* Runs of empty lines around the size of the block of CRLFs they are
 * released in (and of WSP-only lines under relaxed), held back and then
 * released by content or dropped at the end, split at every boundary */
static void
test_empty_line_runs(void **state)
{
	static const size_t counts[] = { 0, 1, 31, 32, 33, 63, 64, 65, 100 };
	static const enum dkim_canon canons[] = { DKIM_CANON_SIMPLE,
	    DKIM_CANON_RELAXED };
	struct buf in = BUF_INIT;
	size_t k, ci, j, x;

	(void)state;
	for (k = 0; k < NELEM(counts); k++) {
		buf_reset(&in);
		buf_append(&in, "a\r\n", 3);
		for (j = 0; j < counts[k]; j++)
			buf_append(&in, j % 3 == 1 ? " \r\n" : "\r\n",
			    j % 3 == 1 ? 3 : 2);
		buf_append(&in, "b\r\n", 3);
		for (j = 0; j < counts[k]; j++)
			buf_append(&in, "\r\n", 2);
		for (ci = 0; ci < NELEM(canons); ci++)
			for (x = 0; x <= in.len; x++)
				check_cuts(canons[ci], in.data, in.len, &x, 1,
				    false, 0);
	}
	buf_deinit(&in);
}

/* Known digests, independent of the reference: the RFC 8463 example body
 * (its bh= values), whole and cut at every boundary. */
static void
test_rfc8463_bh_every_split(void **state)
{
	static const char body[] =
	    "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
	static const struct {
		enum dkim_canon c;
		const char *bh;
	} cases[] = {
		{ DKIM_CANON_RELAXED, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=" },
		{ DKIM_CANON_SIMPLE, "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=" },
	};
	size_t len = strlen(body), i, x;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		for (x = 0; x <= len; x++) {
			unsigned char got[CRYPTO_DIGEST_MAX];
			struct buf b64 = BUF_INIT;
			uint64_t total;

			assert_int_equal(tk_body_digest(cases[i].c, U(body), len,
			    &x, 1, false, 0, got, &total), 32);
			crypto_base64_encode(got, 32, &b64);
			assert_string_equal(buf_cstr(&b64), cases[i].bh);
			buf_deinit(&b64);
		}
	}
}

/* xorshift64 - a fixed, portable pseudo-random sequence */
static uint64_t
xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* random_body - len bytes of one of three kinds: dense (white space and
 * line breaks everywhere), text (sparse), or prose (words, single spaces,
 * CRLF line ends: long runs across lines, rarely a blank line or a
 * trailing SP); dense and text use the controls and 8-bit bytes that sit
 * next to SP and HTAB in value */
static void
random_body(uint64_t *s, unsigned char *p, size_t len, unsigned kind)
{
	static const unsigned char rare[] = { ' ', ' ', '\t', '\r', '\n',
	    '\r', '\n', 0x00, 0x01, 0x08, 0x0a, 0x1f, 0x21, 0x7f, 0x80, 0xa0,
	    0xff };
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t r = xorshift64(s);
		unsigned pct = (unsigned)(r % 1000);

		if (kind == 2) {
			p[i] = pct < 150 ? ' ' : (unsigned char)('a' + (r >> 10) % 26);
			if (pct >= 985 && i + 1 < len) {
				p[i++] = '\r';
				p[i] = '\n';
			}
		} else if (pct < (kind == 1 ? 850u : 400u))
			p[i] = (unsigned char)('a' + (r >> 10) % 26);
		else if (kind == 1 && pct < 950)
			p[i] = ' ';
		else
			p[i] = rare[(r >> 10) % sizeof(rare)];
	}
}

/* Random bodies in random chunks, with and without l=, against the
 * reference; the seed is fixed so a failure replays. */
static void
test_random_differential(void **state)
{
	uint64_t seed = 0x6a09e667f3bcc908ULL;
	unsigned char *in = malloc(9000);
	size_t round;

	(void)state;
	assert_non_null(in);
	for (round = 0; round < 3000; round++) {
		uint64_t r = xorshift64(&seed);
		size_t len = round % 50 == 0 ? (size_t)(r % 9000) :
		    (size_t)(r % 300);
		enum dkim_canon c = (r >> 20) % 2 ? DKIM_CANON_RELAXED :
		    DKIM_CANON_SIMPLE;
		bool limited = (r >> 21) % 4 == 0;
		uint64_t limit = (r >> 24) % (len + 8);
		size_t cuts[64], ncuts = 0, pos = 0, max_chunk;

		random_body(&seed, in, len, (unsigned)((r >> 22) % 3));
		/* chunks of 1 up to max_chunk bytes, the last one the rest */
		max_chunk = 1 + (size_t)((r >> 32) % ((r >> 30) % 2 ?
		    len / 4 + 2 : len + 1));
		while (ncuts < NELEM(cuts)) {
			pos += 1 + (size_t)(xorshift64(&seed) % max_chunk);
			if (pos >= len)
				break;
			cuts[ncuts++] = pos;
		}
		check_cuts(c, in, len, cuts, ncuts, limited, limit);
		check_cuts(c, in, len, NULL, 0, limited, limit);
	}
	free(in);
}

/* random_lines - len bytes of CRLF lines like a real body's: base64
 * lines or words with single SPs, mostly 60-78 bytes, some empty; then
 * a few bytes anywhere turned into what ends a run (SP, HTAB, bare CR or
 * LF, a control or NUL), so a run's end falls at every place in a
 * 16-byte block, next to a CRLF and on a chunk boundary */
static void
random_lines(uint64_t *s, unsigned char *p, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const unsigned char odd[] = { ' ', ' ', ' ', '\t', '\r', '\n',
	    0x00, 0x01, 0x1f, 0x7f };
	size_t i = 0, nodd, k;

	while (i < len) {
		uint64_t r = xorshift64(s);
		size_t line = r % 8 == 0 ? (size_t)(r >> 8) % 100 :
		    60 + (size_t)(r >> 8) % 19;
		bool words = (r >> 16) % 2 == 0;

		for (k = 0; k < line && i < len; k++, i++) {
			uint64_t c = xorshift64(s);

			p[i] = words && k > 0 && p[i - 1] != ' ' && c % 6 == 0 ?
			    ' ' : (unsigned char)b64[(c >> 8) % 64];
		}
		/* a word line ends in content */
		if (words && k > 0 && p[i - 1] == ' ')
			p[i - 1] = 'x';
		if (i < len)
			p[i++] = '\r';
		if (i < len)
			p[i++] = '\n';
	}
	nodd = len == 0 ? 0 : (size_t)(xorshift64(s) % 6);
	for (k = 0; k < nodd; k++) {
		uint64_t r = xorshift64(s);

		p[r % len] = odd[(r >> 32) % sizeof(odd)];
	}
}

/* Bodies of lines, where the fast path makes one run of many lines and
 * must stop exactly at what is not canonical: random chunks (some of
 * them a few bytes), both canons, with and without l=; fixed seed */
static void
test_random_lines_differential(void **state)
{
	uint64_t seed = 0xbb67ae8584caa73bULL;
	unsigned char *in = malloc(20000);
	size_t round;

	(void)state;
	assert_non_null(in);
	for (round = 0; round < 2000; round++) {
		uint64_t r = xorshift64(&seed);
		size_t len = round % 20 == 0 ? (size_t)(r % 20000) :
		    (size_t)(r % 1200);
		enum dkim_canon c = (r >> 20) % 4 != 0 ? DKIM_CANON_RELAXED :
		    DKIM_CANON_SIMPLE;
		bool limited = (r >> 22) % 4 == 0;
		uint64_t limit = (r >> 24) % (len + 8);
		size_t cuts[64], ncuts = 0, pos = 0, max_chunk;

		random_lines(&seed, in, len);
		max_chunk = (r >> 40) % 3 == 0 ? 1 + (size_t)((r >> 44) % 40) :
		    len / 8 + 1;
		while (ncuts < NELEM(cuts)) {
			pos += 1 + (size_t)(xorshift64(&seed) % max_chunk);
			if (pos >= len)
				break;
			cuts[ncuts++] = pos;
		}
		check_cuts(c, in, len, cuts, ncuts, limited, limit);
		check_cuts(c, in, len, NULL, 0, limited, limit);
	}
	free(in);
}

/* A run that fills the 4 KB stage to its last byte, or to one short of
 * it, and then a SP (relaxed: the HTAB before "b") and more lines: the
 * stage is flushed before the next byte, whichever way it was filled. */
static void
test_run_fills_stage(void **state)
{
	static const enum dkim_canon canons[] = { DKIM_CANON_SIMPLE,
	    DKIM_CANON_RELAXED };
	unsigned char *in = malloc(16000);
	size_t m, ci;

	(void)state;
	assert_non_null(in);
	for (m = 4088; m <= 4098; m++) {
		size_t len = 0, i;

		in[len++] = 'x';
		in[len++] = '\t';
		memset(in + len, 'a', m);
		len += m;
		in[len++] = '\t';
		for (i = 0; i < 800; i++) {
			memcpy(in + len, "b cd\r\n", 7);
			len += 7;
		}
		for (ci = 0; ci < NELEM(canons); ci++) {
			size_t cut = 2 + m;

			check_cuts(canons[ci], in, len, NULL, 0, false, 0);
			check_cuts(canons[ci], in, len, &cut, 1, false, 0);
		}
	}
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_golden),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_run_fills_stage),
		cmocka_unit_test(test_every_split_with_limit),
		cmocka_unit_test(test_empty_line_runs),
		cmocka_unit_test(test_rfc8463_bh_every_split),
		cmocka_unit_test(test_random_differential),
		cmocka_unit_test(test_random_lines_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
