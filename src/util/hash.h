/*
 * hash.h - FNV-1a, 32 bits: the hash of the in-process caches (DNS
 * answers, decoded keys, SPF records). Not for anything an attacker must
 * not be able to collide: each cache confirms a hit by comparing the
 * bytes, and bounds a set or its scan, so collisions cost time, never a
 * wrong answer.
 */
#ifndef AUTHMILTER_UTIL_HASH_H
#define AUTHMILTER_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT 2166136261u

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

#endif
