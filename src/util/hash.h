/*
 * hash.h - the hashes of the in-process caches (DNS answers, decoded
 * keys, SPF records). Not for anything an attacker must not be able to
 * collide: each cache confirms a hit by comparing the bytes, and bounds a
 * set or its scan, so collisions cost time, never a wrong answer.
 *
 * hash_fnv1a (FNV-1a, a byte at a time) suits short keys such as DNS
 * names; hash_bytes mixes eight bytes at a time and suits long ones
 * (base64 key text, SPF records), where FNV-1a's multiply per byte cost
 * more than the rest of a cache lookup. Each cache uses one of them for
 * every key it holds. Both continue from a seed, so several fields hash
 * into one value.
 */
#ifndef AUTHMILTER_UTIL_HASH_H
#define AUTHMILTER_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_FNV1A_INIT 2166136261u
#define HASH_BYTES_INIT 0x2545f491u

/* hash_fnv1a - continue hash h over p[0..len); start at HASH_FNV1A_INIT */
static inline uint32_t
hash_fnv1a(uint32_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

/* hash_mix64 - spread every input bit over the upper half (a multiply
 * carries bits up only; the shift brings them back down) */
static inline uint64_t
hash_mix64(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9fb21c651e98df25u;
	return h ^ (h >> 31);
}

/* hash_bytes - continue hash h over p[0..len), a word at a time; start
 * at HASH_BYTES_INIT. The length is mixed in, so trailing zero bytes
 * change the hash. Words are read in host byte order: the value differs
 * between machines, never within a process. */
static inline uint32_t
hash_bytes(uint32_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t x = hash_mix64(h, (uint64_t)len);
	uint64_t w;

	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		x = hash_mix64(x, w);
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, b, len);
		x = hash_mix64(x, w);
	}
	x = hash_mix64(x, 0);
	return (uint32_t)(x >> 32);
}

#endif
