/*
 * fuzz.h - shared helpers of the fuzz targets in tests/fuzz.
 *
 * Every target defines LLVMFuzzerTestOneInput. It is linked either with
 * libFuzzer (clang, `make fuzz`) or with replay_main.c (any compiler, a
 * unit test that replays the seed corpus and the crash reproducers).
 * Targets split their input into fields at '\n' with fuzz_next_line so a
 * seed file stays readable.
 */
#ifndef AUTHMILTER_FUZZ_H
#define AUTHMILTER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_next_line - the bytes up to the next '\n' (or the end) as a fresh
 * NUL-terminated copy; advances *p and *n past it. Embedded NULs stay, so
 * strlen() of the copy may be shorter than *len_r. */
static inline char *
fuzz_next_line(const uint8_t **p, size_t *n, size_t *len_r)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t len = nl != NULL ? (size_t)(nl - *p) : *n;
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += len;
	*n -= len;
	if (nl != NULL) {
		(*p)++;
		(*n)--;
	}
	if (len_r != NULL)
		*len_r = len;
	return s;
}

/* fuzz_copy - an exact heap copy of the bytes, so AddressSanitizer sees
 * a read one past the end (libFuzzer's buffer is already exact; the
 * replay main's is too, this is for the pieces a target cuts out) */
static inline unsigned char *
fuzz_copy(const uint8_t *p, size_t n)
{
	unsigned char *c = malloc(n > 0 ? n : 1);

	if (c == NULL)
		abort();
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

#endif
