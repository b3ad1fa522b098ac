/* test_base64.c - crypto_base64_decode and _encode (crypto_base64.c):
 * RFC 4648 vectors, white space anywhere, padding rules, the table
 * decoder against a plain reference, appending to a buffer */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "util/buf.h"

#define U(s) ((const unsigned char *)(s))

static void
test_base64_decode_table(void **state)
{
	static const struct {
		const char *in;
		bool ok;
		const char *out;
	} cases[] = {
		{ "", true, "" },
		{ "Zm9v", true, "foo" },
		{ "Zm9vYg==", true, "foob" },
		{ "Zm9vYmE=", true, "fooba" },
		{ " Zm\r\n\t9v YmFy ", true, "foobar" },
		{ "Zm9vYg", false, NULL },	/* missing padding */
		{ "Zm9vY", false, NULL },
		{ "Zm9v=", false, NULL },
		{ "Zm9vYg===", false, NULL },
		{ "Zg==Zg==", false, NULL },	/* data after padding */
		{ "Z===", false, NULL },
		{ "Zm9v!", false, NULL },
		{ "Zm-_", false, NULL },	/* base64url is not DKIM base64 */
		{ "Zm9v\x80", false, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		buf_append_str(&b, "keep");
		assert_int_equal(crypto_base64_decode(U(cases[i].in),
		    strlen(cases[i].in), &b), cases[i].ok);
		if (cases[i].ok) {
			assert_int_equal(b.len, 4 + strlen(cases[i].out));
			assert_memory_equal(b.data + 4, cases[i].out,
			    strlen(cases[i].out));
		} else {
			assert_string_equal(buf_cstr(&b), "keep");
		}
		buf_deinit(&b);
	}
}

static void
test_base64_round_trip(void **state)
{
	unsigned char in[300];
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (n = 0; n < sizeof(in); n++) {
		struct buf enc = BUF_INIT, dec = BUF_INIT;

		crypto_base64_encode(in, n, &enc);
		assert_int_equal(enc.len % 4, 0);
		assert_true(crypto_base64_decode(enc.data, enc.len, &dec));
		assert_int_equal(dec.len, n);
		if (n > 0)
			assert_memory_equal(dec.data, in, n);
		buf_deinit(&enc);
		buf_deinit(&dec);
	}
}

/* White space anywhere in a value (splitting a quantum the decoder would
 * take whole) decodes the same; a bad byte or a '=' anywhere but at the
 * end fails */
static void
test_base64_break_at_every_position(void **state)
{
	static const char enc[] = "Zm9vYmFyYmF6cXV4cXV1eA==";	/* foobarbazquxquux */
	size_t len = strlen(enc), at;

	(void)state;
	for (at = 0; at <= len; at++) {
		struct buf in = BUF_INIT, out = BUF_INIT;

		buf_append(&in, enc, at);
		buf_append(&in, " \r\n\t", 4);
		buf_append(&in, enc + at, len - at);
		assert_true(crypto_base64_decode(in.data, in.len, &out));
		assert_int_equal(out.len, 16);
		assert_memory_equal(out.data, "foobarbazquxquux", 16);
		if (at < len - 2) {
			in.data[at] = '=';
			assert_false(crypto_base64_decode(in.data, in.len, &out));
			in.data[at] = '!';
			assert_false(crypto_base64_decode(in.data, in.len, &out));
		}
		buf_deinit(&in);
		buf_deinit(&out);
	}
}

/* ref_b64_value - a character's 6-bit value, -1 when it is not one */
static int
ref_b64_value(unsigned char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *hit = c != '\0' ? strchr(alphabet, c) : NULL;

	return hit != NULL ? (int)(hit - alphabet) : -1;
}

/* ref_b64_decode - the decoder's rules a character at a time, plainly:
 * SP HTAB CR LF skipped anywhere, '=' only as the 3rd or 4th character of
 * the last quantum, nothing but white space after it */
static bool
ref_b64_decode(const unsigned char *p, size_t len, unsigned char *out,
    size_t *n_r)
{
	size_t i, nchars = 0, npad = 0, n = 0;
	unsigned long acc = 0;

	for (i = 0; i < len; i++) {
		int v = ref_b64_value(p[i]);

		if (v >= 0 && npad == 0) {
			acc = (acc << 6) | (unsigned long)v;
			if (++nchars % 4 == 0) {
				out[n++] = (unsigned char)(acc >> 16);
				out[n++] = (unsigned char)(acc >> 8);
				out[n++] = (unsigned char)acc;
				acc = 0;
			}
		} else if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
		    p[i] == '\n') {
			continue;
		} else if (p[i] == '=' && nchars % 4 >= 2 && npad < 2) {
			npad++;
			nchars++;
			acc <<= 6;
		} else {
			return false;
		}
	}
	if (nchars % 4 != 0)
		return false;
	if (npad > 0) {
		out[n++] = (unsigned char)(acc >> 16);
		if (npad == 1)
			out[n++] = (unsigned char)(acc >> 8);
	}
	*n_r = n;
	return true;
}

/* rnd32 - a small deterministic generator */
static uint32_t
rnd32(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* The table-driven decoder (whole quanta at a time) against the plain
 * reference on valid base64 with white space, padding and bad bytes
 * dropped in at random, and on random bytes of a hostile alphabet; the
 * output keeps what the buffer held before, and a failure leaves it be */
static void
test_base64_decode_matches_reference(void **state)
{
	static const char hostile[] = "AZaz09+/=  \t\r\n!-_.\0\x80\xff";
	uint32_t seed = 8301;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		unsigned char raw[64], text[160], want[160];
		struct buf enc = BUF_INIT, out = BUF_INIT;
		size_t n = rnd32(&seed) % sizeof(raw), tlen = 0, wlen = 0, i;
		bool ok;

		if (round % 2 == 0) {
			/* valid text, then damaged in a few places */
			for (i = 0; i < n; i++)
				raw[i] = (unsigned char)rnd32(&seed);
			crypto_base64_encode(raw, n, &enc);
			/* the encoder, checked by the plain decoder */
			assert_int_equal(enc.len, (n + 2) / 3 * 4);
			assert_true(ref_b64_decode(enc.data, enc.len, want,
			    &wlen));
			assert_int_equal(wlen, n);
			assert_memory_equal(want, raw, n);
			wlen = 0;
			for (i = 0; i < enc.len && tlen < sizeof(text) - 2; i++) {
				if (rnd32(&seed) % 16 == 0)
					text[tlen++] = (unsigned char)" \t\r\n"[
					    rnd32(&seed) % 4];
				text[tlen++] = enc.data[i];
			}
			for (i = 0; i < 2 && tlen > 0; i++)
				if (rnd32(&seed) % 4 == 0)
					text[rnd32(&seed) % tlen] = (unsigned char)
					    hostile[rnd32(&seed) %
					    (sizeof(hostile) - 1)];
		} else {
			tlen = rnd32(&seed) % 24;
			for (i = 0; i < tlen; i++)
				text[i] = (unsigned char)hostile[rnd32(&seed) %
				    (sizeof(hostile) - 1)];
		}
		buf_append(&out, "pre", 3);
		ok = ref_b64_decode(text, tlen, want, &wlen);
		assert_int_equal(crypto_base64_decode(text, tlen, &out), ok);
		if (ok) {
			assert_int_equal(out.len, 3 + wlen);
			assert_memory_equal(out.data + 3, want, wlen);
		} else {
			assert_int_equal(out.len, 3);
		}
		assert_memory_equal(out.data, "pre", 3);
		assert_int_equal(out.data[out.len], '\0');
		buf_deinit(&enc);
		buf_deinit(&out);
	}
}

/* The encoder appends after what the buffer holds, NUL-terminated */
static void
test_base64_encode_appends(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		buf_append(&b, "x:", 2);
		crypto_base64_encode(U(cases[i].in), strlen(cases[i].in), &b);
		assert_int_equal(b.len, 2 + strlen(cases[i].out));
		assert_string_equal((const char *)b.data + 2, cases[i].out);
		buf_deinit(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_decode_table),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_break_at_every_position),
		cmocka_unit_test(test_base64_decode_matches_reference),
		cmocka_unit_test(test_base64_encode_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
