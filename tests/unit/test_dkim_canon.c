/* test_dkim_canon.c - golden cases for DKIM canonicalization: headers,
 * header selection, b= removal, and the streamed body at every chunk
 * boundary */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/dkim_canon.h"
#include "core/dkim_sig.h"
#include "crypto/crypto.h"
#include "util/buf.h"

#include "../dkim/testkit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define U(s) ((const unsigned char *)(s))

static void
test_header_golden(void **state)
{
	static const struct {
		const char *label, *name, *value;
		enum dkim_canon c;
		const char *want;
	} cases[] = {
		/* RFC 6376 3.4.6 example, as a milter delivers it */
		{ "rfc6376 A relaxed", "A", " X", DKIM_CANON_RELAXED, "a:X\r\n" },
		{ "rfc6376 B relaxed", "B ", " Y\t\r\n\tZ  ", DKIM_CANON_RELAXED,
		  "b:Y Z\r\n" },
		{ "rfc6376 A simple", "A", " X", DKIM_CANON_SIMPLE, "A: X\r\n" },
		{ "rfc6376 B simple", "B ", " Y\t\r\n\tZ  ", DKIM_CANON_SIMPLE,
		  "B : Y\t\r\n\tZ  \r\n" },
		{ "empty value relaxed", "X-Empty", "", DKIM_CANON_RELAXED,
		  "x-empty:\r\n" },
		{ "only whitespace relaxed", "X-Empty", " \t \r\n ",
		  DKIM_CANON_RELAXED, "x-empty:\r\n" },
		{ "no leading space simple", "Subject", "x", DKIM_CANON_SIMPLE,
		  "Subject:x\r\n" },
		{ "bare CR is not a fold", "X", " a\rb\r\n c", DKIM_CANON_RELAXED,
		  "x:a\rb c\r\n" },
		{ "words and single spaces", "Subject", " one two  three\tfour ",
		  DKIM_CANON_RELAXED, "subject:one two three four\r\n" },
		{ "space before bare CR", "X", " a \rb \r\n c", DKIM_CANON_RELAXED,
		  "x:a \rb c\r\n" },
		{ "8-bit kept", "Subject", " Gr\xc3\xbc\xc3\x9f  e",
		  DKIM_CANON_RELAXED, "subject:Gr\xc3\xbc\xc3\x9f e\r\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;

		print_message("# %s\n", cases[i].label);
		dkim_canon_header(cases[i].c, U(cases[i].name),
		    strlen(cases[i].name), U(cases[i].value),
		    strlen(cases[i].value), true, &out);
		assert_string_equal(buf_cstr(&out), cases[i].want);
		buf_deinit(&out);
	}
}

/* ref_relaxed_value - RFC 6376 3.4.2 on a value, one byte at a time: the
 * reference for dkim_canon_header's runs */
static void
ref_relaxed_value(const unsigned char *v, size_t len, struct buf *out)
{
	bool wsp = false, any = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (v[i] == '\r' && i + 1 < len && v[i + 1] == '\n') {
			i++;		/* unfold */
			continue;
		}
		if (v[i] == '\n')
			continue;
		if (v[i] == ' ' || v[i] == '\t') {
			wsp = true;
			continue;
		}
		if (wsp && any)
			buf_append_byte(out, ' ');
		wsp = false;
		any = true;
		buf_append_byte(out, v[i]);
	}
}

/* xorshift - the next value of a fixed pseudo-random sequence */
static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* random_value - len bytes, letters most of the time (runs of words),
 * else white space, folds, bare CR and LF, controls and 8-bit bytes */
static void
random_value(uint64_t *seed, unsigned char *v, size_t len)
{
	static const unsigned char alphabet[] = { 'a', 'b', 'c', 'd', ' ',
	    ' ', '\t', '\r', '\n', ';', '=', 0x00, 0x1f, 0x21, 0x80, 0xff };
	unsigned dense = (unsigned)(xorshift(seed) % 3) + 2;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t r = xorshift(seed);

		v[i] = r % dense == 0 ? alphabet[(r >> 8) % sizeof(alphabet)] :
		    (unsigned char)('a' + (r >> 8) % 26);
	}
}

/* Random header values against the byte-at-a-time reference, short and
 * long enough for the 16-byte scan, appended after what the buffer
 * already holds (the one reservation must count from there), with and
 * without the closing CRLF; fixed seed */
static void
test_header_relaxed_differential(void **state)
{
	uint64_t seed = 0xbb67ae8584caa73bULL;
	unsigned char v[400];
	size_t round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		struct buf got = BUF_INIT, want = BUF_INIT;
		size_t len, pre = (size_t)(xorshift(&seed) % 300);
		bool crlf = xorshift(&seed) % 4 != 0;

		len = (size_t)(xorshift(&seed) % (round % 4 == 0 ?
		    sizeof(v) : 80));
		random_value(&seed, v, len);
		/* a prefix up to the start size of a buf and beyond */
		random_value(&seed, v + len, pre < sizeof(v) - len ? pre : 0);
		buf_append(&got, v + len, pre < sizeof(v) - len ? pre : 0);
		buf_append(&want, got.data, got.len);
		dkim_canon_header(DKIM_CANON_RELAXED, U("X-Name \t"), 8, v, len,
		    crlf, &got);
		buf_append(&want, "x-name:", 7);
		ref_relaxed_value(v, len, &want);
		if (crlf)
			buf_append(&want, "\r\n", 2);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, got.len);
		assert_int_equal(got.data[got.len], '\0');
		buf_deinit(&got);
		buf_deinit(&want);
	}
}

/* ref_crlf - the bare LF to CRLF rule one byte at a time */
static void
ref_crlf(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_append_byte(out, '\r');
		buf_append_byte(out, p[i]);
	}
}

/* Random text dense in LFs and CRs, appended to a buffer that already
 * holds some bytes and must grow while bare LFs are widened; fixed seed */
static void
test_crlf_differential(void **state)
{
	static const unsigned char alphabet[] = { 'a', 'b', ' ', '\r', '\n',
	    '\n', 0x00 };
	uint64_t seed = 0x3c6ef372fe94f82bULL;
	unsigned char v[700];
	size_t round, i;

	(void)state;
	for (round = 0; round < 5000; round++) {
		struct buf got = BUF_INIT, want = BUF_INIT;
		size_t len = (size_t)(xorshift(&seed) % sizeof(v));
		size_t pre = (size_t)(xorshift(&seed) % 260);

		for (i = 0; i < len; i++)
			v[i] = alphabet[xorshift(&seed) % sizeof(alphabet)];
		for (i = 0; i < pre; i++) {
			buf_append_byte(&got, 'p');
			buf_append_byte(&want, 'p');
		}
		dkim_canon_crlf(v, len, &got);
		ref_crlf(v, len, &want);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, got.len);
		assert_int_equal(got.data[got.len], '\0');
		buf_deinit(&got);
		buf_deinit(&want);
	}
}

static void
test_crlf_normalisation(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	dkim_canon_crlf(U(" a\n b\r\n c\n"), 11, &out);
	assert_string_equal(buf_cstr(&out), " a\r\n b\r\n c\r\n");
	buf_deinit(&out);
	/* an LF first in the input is bare even when the byte before the
	 * input (not ours to read) is a CR: the rule looks inside p only */
	buf_reset(&out);
	dkim_canon_crlf(U("\r\nx") + 1, 2, &out);
	assert_string_equal(buf_cstr(&out), "\r\nx");
	/* input that ends in CRLF, in a buffer of its exact size: nothing
	 * past its LF is read (the sanitizer build checks) */
	{
		unsigned char *p = malloc(3);

		assert_non_null(p);
		memcpy(p, "a\r\n", 3);
		buf_reset(&out);
		dkim_canon_crlf(p, 3, &out);
		assert_string_equal(buf_cstr(&out), "a\r\n");
		free(p);
	}
	buf_deinit(&out);
}

static void
test_select_bottom_up_with_absent(void **state)
{
	static const struct dkim_header h[] = {
		{ U("DKIM-Signature"), 14, U(" sig"), 4 },
		{ U("Subject"), 7, U(" first"), 6 },
		{ U("From"), 4, U(" a@example.com"), 14 },
		{ U("subject"), 7, U(" second"), 7 },
	};
	static const struct dkim_name n[] = {
		{ U("subject"), 7 }, { U("From"), 4 }, { U("SUBJECT"), 7 },
		{ U("subject"), 7 }, { U("x-absent"), 8 },
		{ U("dkim-signature"), 14 },
	};
	struct buf out = BUF_INIT;

	(void)state;
	dkim_canon_select(DKIM_CANON_SIMPLE, h, 4, 0, n, 6, &out);
	assert_string_equal(buf_cstr(&out),
	    "subject: second\r\nFrom: a@example.com\r\nSubject: first\r\n");
	buf_deinit(&out);
}

/* a field below the one h= names, differing from it only in the first
 * byte of its name, is not taken for it */
static void
test_select_whole_name(void **state)
{
	static const struct dkim_header h[] = {
		{ U("From"), 4, U(" a@example.com"), 14 },
		{ U("Xrom"), 4, U(" x"), 2 },
	};
	static const struct dkim_name n[] = { { U("from"), 4 } };
	struct buf out = BUF_INIT;

	(void)state;
	dkim_canon_select(DKIM_CANON_SIMPLE, h, 2, SIZE_MAX, n, 1, &out);
	assert_string_equal(buf_cstr(&out), "From: a@example.com\r\n");
	buf_deinit(&out);
}

/* reference_select - the selection rule spelled out with
 * dkim_canon_name_is (headers_name_eq): for each name, the bottom-most
 * field of that name not taken yet and not the skipped one */
static void
reference_select(const struct dkim_header *h, size_t nh, size_t skip,
    const struct dkim_name *n, size_t nn, struct buf *out)
{
	bool used[256] = { false };
	size_t i, j;

	assert_true(nh <= 256);
	for (i = 0; i < nn; i++)
		for (j = nh; j-- > 0;)
			if (j != skip && !used[j] && dkim_canon_name_is(&h[j], &n[i])) {
				used[j] = true;
				dkim_canon_header(DKIM_CANON_RELAXED, h[j].name,
				    h[j].name_len, h[j].value, h[j].value_len,
				    true, out);
				break;
			}
}

/* names with trailing WSP on either side, case, equal lengths that
 * differ, repeats and every skip position select as headers_name_eq
 * says */
static void
test_select_matches_name_eq(void **state)
{
	static const struct dkim_header h[] = {
		{ U("From "), 5, U(" a@x"), 4 },
		{ U("Date"), 4, U(" d1"), 3 },
		{ U("from\t"), 5, U(" b@x"), 4 },
		{ U("FROM"), 4, U(" c@x"), 4 },
		{ U("To"), 2, U(" t"), 2 },
		{ U("Subject \t"), 9, U(" s"), 2 },
		{ U("date"), 4, U(" d2"), 3 },
		{ U("Fro"), 3, U(" p"), 2 },
		{ U("Fromm"), 5, U(" q"), 2 },
	};
	static const struct dkim_name lists[][6] = {
		{ { U("from"), 4 }, { U("from"), 4 }, { U("from"), 4 },
		  { U("from"), 4 }, { U("date"), 4 }, { U("DATE"), 4 } },
		{ { U("From "), 5 }, { U("subject"), 7 }, { U("to"), 2 },
		  { U("fro"), 3 }, { U("fromm"), 5 }, { U("x"), 1 } },
		{ { U("Subject\t"), 8 }, { U("date  "), 6 }, { U("FROM"), 4 },
		  { U("from"), 4 }, { U("TO "), 3 }, { U("to"), 2 } },
	};
	size_t nh = sizeof(h) / sizeof(h[0]), l, skip;

	(void)state;
	for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (skip = 0; skip <= nh; skip++) {
			struct buf got = BUF_INIT, want = BUF_INIT;

			dkim_canon_select(DKIM_CANON_RELAXED, h, nh, skip,
			    lists[l], 6, &got);
			reference_select(h, nh, skip, lists[l], 6, &want);
			assert_true(want.len > 0);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
			buf_deinit(&got);
			buf_deinit(&want);
		}
}

/* More fields than dkim_canon_select keeps on the stack (its name
 * lengths then go to the heap), names repeated far apart */
static void
test_select_many_fields(void **state)
{
	static const char *const names[] = { "Received", "From", "To",
	    "Subject", "X-Trace " };
	static const struct dkim_name list[] = {
		{ U("from"), 4 }, { U("received"), 8 }, { U("received"), 8 },
		{ U("x-trace"), 7 }, { U("subject"), 7 }, { U("received"), 8 },
		{ U("to"), 2 }, { U("from"), 4 },
	};
	struct dkim_header h[200];
	char values[200][8];
	size_t nh, j, skip;

	(void)state;
	for (nh = 60; nh <= 200; nh += 70)
		for (skip = 0; skip < nh; skip += 37) {
			struct buf got = BUF_INIT, want = BUF_INIT;

			for (j = 0; j < nh; j++) {
				const char *n = names[(j * 7) % 5];

				(void)snprintf(values[j], sizeof(values[j]),
				    " v%zu", j);	/* fits: j < 1000 */
				h[j].name = U(n);
				h[j].name_len = strlen(n);
				h[j].value = U(values[j]);
				h[j].value_len = strlen(values[j]);
			}
			dkim_canon_select(DKIM_CANON_RELAXED, h, nh, skip, list,
			    NELEM(list), &got);
			reference_select(h, nh, skip, list, NELEM(list), &want);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
			buf_deinit(&got);
			buf_deinit(&want);
		}
}

/* dkim_canon_sig_hash equals the hash of its parts built separately:
 * the selected fields, then the signature's own field without its b=
 * value and without CRLF; both canons, a b= range that is not valid,
 * and a reused scratch buffer that already holds data or must grow */
static void
test_sig_hash_matches_parts(void **state)
{
	static const char own_value[] =
	    " v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n"
	    "\t s=sel;  h=from : to : subject; bh=AAAA;\r\n"
	    " b=Zm9vYmFy\r\n YmF6 ;x=1 ";
	static const struct dkim_name list[] = {
		{ U("from"), 4 }, { U("subject"), 7 }, { U("to"), 2 },
		{ U("dkim-signature"), 14 },
	};
	static const struct {
		size_t b_start, b_end;
	} ranges[] = { { 0, 0 }, { 100, 120 }, { 120, 100 }, { 0, 500 } };
	struct dkim_header h[] = {
		{ U("Received"), 8, U(" from x\r\n by y"), 15 },
		{ U("From"), 4, U(" A  <a@example.com> "), 20 },
		{ U("DKIM-Signature"), 14, U(own_value), sizeof(own_value) - 1 },
		{ U("To"), 2, U("\tb@example.net"), 14 },
		{ U("Subject "), 8, U(" hello\r\n\tworld"), 15 },
	};
	static const enum dkim_canon canons[] = { DKIM_CANON_SIMPLE,
	    DKIM_CANON_RELAXED };
	const char *b = strstr(own_value, "b=Zm9v");
	struct buf scratch = BUF_INIT;
	size_t r, ci, pre;

	(void)state;
	assert_non_null(b);
	for (ci = 0; ci < NELEM(canons); ci++)
		for (r = 0; r <= NELEM(ranges); r++)
			for (pre = 0; pre < 3; pre++) {
				unsigned char got[CRYPTO_DIGEST_MAX];
				unsigned char want[CRYPTO_DIGEST_MAX];
				struct buf parts = BUF_INIT, stripped = BUF_INIT;
				struct crypto_digest *d;
				struct dkim_sig sig;

				memset(&sig, 0, sizeof(sig));
				sig.hcanon = canons[ci];
				sig.hash = CRYPTO_HASH_SHA256;
				sig.names = (struct dkim_name *)list;
				sig.nnames = NELEM(list);
				/* r == NELEM(ranges): the real b= value */
				sig.b_start = r < NELEM(ranges) ? ranges[r].b_start :
				    (size_t)(b + 2 - own_value);
				sig.b_end = r < NELEM(ranges) ? ranges[r].b_end :
				    (size_t)(strchr(b, ';') - own_value);
				buf_deinit(&scratch);
				if (pre == 1)
					buf_append(&scratch, "junk", 4);
				else if (pre == 2)
					buf_reserve(&scratch, 4000);
				assert_int_equal(dkim_canon_sig_hash(&sig, h, NELEM(h),
				    2, &scratch, got), 32);
				dkim_canon_select(sig.hcanon, h, NELEM(h), 2, list,
				    NELEM(list), &parts);
				dkim_canon_strip_b(h[2].value, h[2].value_len,
				    sig.b_start, sig.b_end, &stripped);
				dkim_canon_header(sig.hcanon, h[2].name, h[2].name_len,
				    stripped.data, stripped.len, false, &parts);
				d = crypto_digest_new(CRYPTO_HASH_SHA256);
				crypto_digest_update(d, parts.data, parts.len);
				assert_int_equal(crypto_digest_final(d, want), 32);
				crypto_digest_free(&d);
				assert_memory_equal(got, want, 32);
				buf_deinit(&parts);
				buf_deinit(&stripped);
			}
	buf_deinit(&scratch);
}

static void
test_strip_b(void **state)
{
	static const char v[] = " a=1; b= AB\r\n CD ; c=2";
	struct buf out = BUF_INIT;

	(void)state;
	dkim_canon_strip_b(U(v), strlen(v), 8, 17, &out);
	assert_string_equal(buf_cstr(&out), " a=1; b=; c=2");
	buf_reset(&out);
	dkim_canon_strip_b(U(v), strlen(v), 30, 40, &out);	/* bogus span */
	assert_string_equal(buf_cstr(&out), v);
	/* b= last in the field, no ';' after it: the value still goes */
	buf_reset(&out);
	dkim_canon_strip_b(U(" a=1; b=AB CD"), 13, 8, 13, &out);
	assert_int_equal(out.len, 8);
	assert_string_equal(buf_cstr(&out), " a=1; b=");
	buf_deinit(&out);
}

static void
test_body_golden_every_chunking(void **state)
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
		{ "only blank lines simple", "\r\n\r\n\r\n", DKIM_CANON_SIMPLE, "\r\n" },
		{ "only blank lines relaxed", "\r\n\r\n", DKIM_CANON_RELAXED, "" },
		{ "no trailing CRLF simple", "abc", DKIM_CANON_SIMPLE, "abc\r\n" },
		{ "no trailing CRLF relaxed", "abc  \t", DKIM_CANON_RELAXED, "abc\r\n" },
		{ "inner blank lines kept", "a\r\n\r\n\r\nb\r\n\r\n",
		  DKIM_CANON_SIMPLE, "a\r\n\r\n\r\nb\r\n" },
		{ "whitespace-only lines trailing (relaxed)", "a\r\n \t\r\n  \r\n",
		  DKIM_CANON_RELAXED, "a\r\n" },
		{ "whitespace-only lines trailing (simple)", "a\r\n \t\r\n",
		  DKIM_CANON_SIMPLE, "a\r\n \t\r\n" },
		{ "whitespace-only line inside (relaxed)", "  \r\nx\r\n",
		  DKIM_CANON_RELAXED, "\r\nx\r\n" },
		{ "leading whitespace to one SP", "\t\t x  y\r\n",
		  DKIM_CANON_RELAXED, " x y\r\n" },
		{ "bare CR is data", "a\rb\r\n", DKIM_CANON_SIMPLE, "a\rb\r\n" },
		{ "bare CR at end", "abc\r", DKIM_CANON_SIMPLE, "abc\r\r\n" },
		{ "bare CR before blank lines", "a\r\r\n\r\n", DKIM_CANON_RELAXED,
		  "a\r\r\n" },
		{ "bare LF read as CRLF", "a\nb\n\n", DKIM_CANON_SIMPLE, "a\r\nb\r\n" },
		{ "rfc8463 body simple",
		  "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n",
		  DKIM_CANON_SIMPLE,
		  "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n" },
		{ "rfc8463 body relaxed",
		  "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n",
		  DKIM_CANON_RELAXED,
		  "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n" },
	};
	size_t i, chunk;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char want[CRYPTO_DIGEST_MAX], got[CRYPTO_DIGEST_MAX];
		struct crypto_digest *d = crypto_digest_new(CRYPTO_HASH_SHA256);
		size_t len = strlen(cases[i].in);
		uint64_t total;

		print_message("# %s\n", cases[i].label);
		crypto_digest_update(d, cases[i].want, strlen(cases[i].want));
		crypto_digest_final(d, want);
		crypto_digest_free(&d);
		for (chunk = 0; chunk <= len; chunk++) {
			tk_body_digest_chunked(cases[i].c, U(cases[i].in), len,
			    chunk, false, 0, got, &total);
			assert_memory_equal(got, want, 32);
			assert_int_equal(total, strlen(cases[i].want));
		}
	}
}

static void
test_body_hash_matches_rfc8463_bh(void **state)
{
	static const char body[] =
	    "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
	unsigned char got[CRYPTO_DIGEST_MAX];
	struct buf b64 = BUF_INIT;
	uint64_t total;
	size_t n;

	(void)state;
	/* bh= of both RFC 8463 signatures (relaxed body) */
	n = tk_body_digest_chunked(DKIM_CANON_RELAXED, U(body), strlen(body), 0,
	    false, 0, got, &total);
	crypto_base64_encode(got, n, &b64);
	assert_string_equal(buf_cstr(&b64),
	    "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	buf_reset(&b64);
	n = tk_body_digest_chunked(DKIM_CANON_SIMPLE, U(body), strlen(body), 0,
	    false, 0, got, &total);
	crypto_base64_encode(got, n, &b64);
	assert_string_equal(buf_cstr(&b64),
	    "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
	buf_deinit(&b64);
}

static void
test_body_length_limit(void **state)
{
	unsigned char want[CRYPTO_DIGEST_MAX], got[CRYPTO_DIGEST_MAX];
	struct crypto_digest *d = crypto_digest_new(CRYPTO_HASH_SHA256);
	static const char in[] = "hello world\r\n\r\nmore\r\n";
	uint64_t total;
	size_t chunk;

	(void)state;
	crypto_digest_update(d, "hello", 5);
	crypto_digest_final(d, want);
	crypto_digest_free(&d);
	for (chunk = 0; chunk < sizeof(in); chunk++) {
		tk_body_digest_chunked(DKIM_CANON_SIMPLE, U(in), strlen(in), chunk,
		    true, 5, got, &total);
		assert_memory_equal(got, want, 32);
		assert_int_equal(total, strlen(in));
	}
	/* l=0 hashes nothing */
	d = crypto_digest_new(CRYPTO_HASH_SHA256);
	crypto_digest_final(d, want);
	crypto_digest_free(&d);
	tk_body_digest_chunked(DKIM_CANON_RELAXED, U(in), strlen(in), 3, true, 0,
	    got, &total);
	assert_memory_equal(got, want, 32);
}

/* Long lines go in as blocks (dkim_body_update's fast path): l= cut
 * inside a block, blocks across the 4 KiB staging buffer, any chunking. */
static void
test_body_long_runs_with_limit(void **state)
{
	static const uint64_t limits[] = { 0, 1, 4095, 4096, 4097, 9999, 10001,
	    10002, 12345, 30005, 30006, 1000000 };
	static const size_t chunks[] = { 0, 1, 3, 4096, 5000 };
	size_t len = 3 * 10002, li, ci, i;
	char *in = malloc(len + 1);
	uint64_t total;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < len; i++)
		in[i] = (char)('a' + i % 26);
	for (i = 10000; i < len; i += 10002) {
		in[i] = '\r';
		in[i + 1] = '\n';
	}
	in[len] = '\0';
	for (li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
		unsigned char want[CRYPTO_DIGEST_MAX], got[CRYPTO_DIGEST_MAX];
		struct crypto_digest *d = crypto_digest_new(CRYPTO_HASH_SHA256);
		size_t n = limits[li] < len ? (size_t)limits[li] : len;

		crypto_digest_update(d, in, n);
		crypto_digest_final(d, want);
		crypto_digest_free(&d);
		for (ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
			tk_body_digest_chunked(DKIM_CANON_SIMPLE, U(in), len,
			    chunks[ci], true, limits[li], got, &total);
			assert_memory_equal(got, want, 32);
			assert_int_equal(total, len);
			/* relaxed is the same here: no white space at all */
			tk_body_digest_chunked(DKIM_CANON_RELAXED, U(in), len,
			    chunks[ci], true, limits[li], got, &total);
			assert_memory_equal(got, want, 32);
		}
	}
	free(in);
}

static void
test_many_blank_lines_then_content(void **state)
{
	/* 100000 held-back empty lines released by content at the end */
	struct dkim_body *b = dkim_body_new(DKIM_CANON_SIMPLE,
	    CRYPTO_HASH_SHA1, false, 0);
	unsigned char got[CRYPTO_DIGEST_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < 100000; i++)
		dkim_body_update(b, U("\r\n"), 2);
	dkim_body_update(b, U("x"), 1);
	assert_int_equal(dkim_body_final(b, got), 20);
	assert_int_equal(dkim_body_length(b), 200000 + 3);
	dkim_body_free(&b);
	assert_null(b);
}

/* the names in c= of a signature made, and in a verified one's record */
static void
test_canon_names(void **state)
{
	(void)state;
	assert_string_equal(dkim_canon_name(DKIM_CANON_SIMPLE), "simple");
	assert_string_equal(dkim_canon_name(DKIM_CANON_RELAXED), "relaxed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_names),
		cmocka_unit_test(test_header_golden),
		cmocka_unit_test(test_header_relaxed_differential),
		cmocka_unit_test(test_crlf_normalisation),
		cmocka_unit_test(test_crlf_differential),
		cmocka_unit_test(test_select_bottom_up_with_absent),
		cmocka_unit_test(test_select_whole_name),
		cmocka_unit_test(test_select_matches_name_eq),
		cmocka_unit_test(test_select_many_fields),
		cmocka_unit_test(test_sig_hash_matches_parts),
		cmocka_unit_test(test_strip_b),
		cmocka_unit_test(test_body_golden_every_chunking),
		cmocka_unit_test(test_body_hash_matches_rfc8463_bh),
		cmocka_unit_test(test_body_length_limit),
		cmocka_unit_test(test_body_long_runs_with_limit),
		cmocka_unit_test(test_many_blank_lines_then_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
