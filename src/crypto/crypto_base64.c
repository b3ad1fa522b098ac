/*
 * crypto_base64.c - RFC 4648 base64 for DKIM and ARC tag values
 *
 * Exported functions (declared in crypto.h):
 *   crypto_base64_decode  white space (SP, HTAB, CR, LF) ignored,
 *                         padding only where RFC 4648 puts it
 *   crypto_base64_encode  no line breaks
 *
 * Keys (p=) and signatures (b=) are decoded for every message, so both
 * directions go through tables built once per process and then only
 * read (thread-safe).
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"

/* Classes of bytes in base64 text, beside the 6-bit values 0..63. */
#define B64_WSP 64	/* ignored */
#define B64_PAD 65	/* '=' */
#define B64_BAD 66	/* anything else */

/* A quantum's bad mark in the shifted tables: above its 24 data bits. */
#define B64_QBAD (UINT32_C(1) << 24)

/* b64_class - the 6-bit value of a base64 character, or its class */
static unsigned char
b64_class(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned char)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return B64_WSP;
	return c == '=' ? B64_PAD : B64_BAD;
}

/*
 * b64_classes: b64_class of every byte. b64_quantum[k]: for the k-th
 * character of a quantum, its value already shifted into place (18, 12,
 * 6, 0 bits), or B64_QBAD for anything but a data character; one lookup
 * and an OR per character, and one test per quantum. Built once, then
 * only read.
 */
static unsigned char b64_classes[256];
static uint32_t b64_quantum[4][256];

/* b64_table_init - fill the tables (once per process) */
static void
b64_table_init(void)
{
	unsigned c, k;

	for (c = 0; c < 256; c++) {
		unsigned char v = b64_class((unsigned char)c);

		b64_classes[c] = v;
		for (k = 0; k < 4; k++)
			b64_quantum[k][c] = v < 64 ?
			    (uint32_t)v << (18 - 6 * k) : B64_QBAD;
	}
}

/* b64_tables - build the tables on first use */
static void
b64_tables(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, b64_table_init);
}

/* b64_quanta - decode whole quanta of four data characters from p[*i..len)
 * into w, up to the first quantum holding anything else (white space,
 * padding, a bad byte) or fewer than four bytes left; returns the new w */
static unsigned char *
b64_quanta(const unsigned char *p, size_t len, size_t *i, unsigned char *w)
{
	size_t j = *i;

	while (len - j >= 4) {
		uint32_t q = b64_quantum[0][p[j]] | b64_quantum[1][p[j + 1]] |
		    b64_quantum[2][p[j + 2]] | b64_quantum[3][p[j + 3]];

		if ((q & B64_QBAD) != 0)
			break;
		w[0] = (unsigned char)(q >> 16);
		w[1] = (unsigned char)(q >> 8);
		w[2] = (unsigned char)q;
		w += 3;
		j += 4;
	}
	*i = j;
	return w;
}

/*
 * crypto_base64_decode - decode base64 ignoring whitespace
 *
 * Keys (p=) and signatures (b=) are decoded for every message: whole
 * quanta through the shifted tables (b64_quanta), the rest (white space,
 * padding, a quantum split by a fold) a character at a time with the
 * same rules; the output goes into room reserved once (issue 18).
 */
bool
crypto_base64_decode(const unsigned char *p, size_t len, struct buf *out)
{
	const unsigned char *cls = b64_classes;
	size_t start = out->len, i = 0, nchars = 0, npad = 0;
	unsigned long acc = 0;
	unsigned char *w;

	b64_tables();
	buf_reserve(out, len / 4 * 3 + 3);
	w = out->data + out->len;
	for (;;) {
		unsigned char v;

		/* at a quantum boundary: most of a b= or p= value */
		if (nchars % 4 == 0 && npad == 0) {
			unsigned char *w1 = b64_quanta(p, len, &i, w);

			nchars += (size_t)(w1 - w) / 3 * 4;
			w = w1;
		}
		if (i == len)
			break;
		v = cls[p[i++]];
		if (v < 64 && npad == 0) {
			acc = (acc << 6) | v;
			if (++nchars % 4 == 0) {
				*w++ = (unsigned char)(acc >> 16);
				*w++ = (unsigned char)(acc >> 8);
				*w++ = (unsigned char)acc;
				acc = 0;
			}
			continue;
		}
		if (v == B64_WSP)
			continue;
		/* padding only at positions 3 or 4 of a quantum */
		if (v != B64_PAD || nchars % 4 < 2 || ++npad > 2)
			goto bad;
		nchars++;
		acc <<= 6;
	}
	if (nchars % 4 != 0)
		goto bad;
	if (npad > 0) {
		/* the padded quantum: emit only its data bytes */
		*w++ = (unsigned char)(acc >> 16);
		if (npad == 1)
			*w++ = (unsigned char)(acc >> 8);
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return true;
bad:
	/* nothing was counted in out->len: just restore its NUL */
	out->data[start] = '\0';
	return false;
}

/* b64_pairs: the two characters of every 12-bit value, built once; the
 * encoder's three bytes are two lookups and two 2-byte copies */
static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static unsigned char b64_pairs[4096][2];

/* b64_pairs_init - fill b64_pairs (once per process; then only read) */
static void
b64_pairs_init(void)
{
	unsigned v;

	for (v = 0; v < 4096; v++) {
		b64_pairs[v][0] = (unsigned char)b64_alphabet[v >> 6];
		b64_pairs[v][1] = (unsigned char)b64_alphabet[v & 63];
	}
}

/* crypto_base64_encode - append base64 of p without line breaks, written
 * into room reserved once (a checked append per character cost ~4 times
 * the encoding, issue 18) */
void
crypto_base64_encode(const unsigned char *p, size_t len, struct buf *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned char *w;
	size_t i;

	if (len == 0)
		return;
	(void)pthread_once(&once, b64_pairs_init);
	/* len is the size of an object in memory: no overflow */
	buf_reserve(out, len / 3 * 4 + 4);
	w = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = ((unsigned long)p[i] << 16) |
		    ((unsigned long)p[i + 1] << 8) | p[i + 2];

		memcpy(w, b64_pairs[v >> 12], 2);
		memcpy(w + 2, b64_pairs[v & 4095], 2);
		w += 4;
	}
	if (i < len) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		w[0] = (unsigned char)b64_alphabet[(v >> 18) & 63];
		w[1] = (unsigned char)b64_alphabet[(v >> 12) & 63];
		w[2] = i + 1 < len ?
		    (unsigned char)b64_alphabet[(v >> 6) & 63] : '=';
		w[3] = '=';
		w += 4;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}
