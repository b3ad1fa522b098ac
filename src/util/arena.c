/*
 * arena.c - a bump allocator over chained blocks (per-message storage).
 *
 *   arena_init / arena_deinit   an empty arena / free every block
 *   arena_reset                 forget all allocations, keep some blocks
 *   arena_alloc (inline)        size bytes, aligned for any type
 *   arena_alloc_slow            the same past the current block's end
 *   arena_memdup / arena_strdup NUL-terminated copies
 *   arena_held                  payload bytes held (tests, stats)
 *
 * Two lists of blocks. Ordinary blocks (block_size payload each) are
 * filled in order; cur is the one being filled, and the blocks after it
 * are empty ones a reset kept. An allocation larger than a quarter of a
 * block gets a block of its own on the "big" list, so one long header
 * field neither wastes the rest of an ordinary block nor is kept after
 * the message. A reset frees every big block and the ordinary blocks
 * beyond keep_max bytes: memory held between messages stays bounded
 * whatever one message needed.
 *
 * Callers guarantee nothing but not to use a pointer after the reset
 * that forgot it; ASan builds poison free space to catch exactly that.
 * Allocation failure and size overflow abort (xmalloc's rule).
 */
#include "config.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/xmalloc.h"

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)	((void)(p), (void)(n))
#define UNPOISON(p, n)	((void)(p), (void)(n))
#endif

/* How much of cur is used is kept in the arena (bump, left), where the
 * inline arena_alloc reaches it. */
struct arena_block {
	struct arena_block *next;
	size_t size;		/* payload bytes */
};

/* The payload starts after the header, rounded up to ARENA_ALIGN. */
#define BLOCK_HDR \
	((sizeof(struct arena_block) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

/* payload - the first payload byte of b */
static unsigned char *
payload(struct arena_block *b)
{
	return (unsigned char *)b + BLOCK_HDR;
}

/* block_new - a block with size payload bytes, all poisoned */
static struct arena_block *
block_new(size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - BLOCK_HDR) {
		(void)fprintf(stderr, "authmilter: arena block of %zu bytes\n",
		    size);
		abort();
	}
	b = xmalloc(BLOCK_HDR + size);
	b->next = NULL;
	b->size = size;
	POISON(payload(b), size);
	return b;
}

/* block_free - free b (unpoisoned first, so the allocator may touch it) */
static void
block_free(struct arena_block *b)
{
	UNPOISON(payload(b), b->size);
	free(b);
}

/* free_list - free b and every block after it */
static void
free_list(struct arena_block *b)
{
	struct arena_block *next;

	for (; b != NULL; b = next) {
		next = b->next;
		block_free(b);
	}
}

void
arena_init(struct arena *a, size_t block_size, size_t keep_max)
{
	memset(a, 0, sizeof(*a));
	if (block_size == 0)
		block_size = ARENA_BLOCK_DEFAULT;
	/* whole alignment units, so every bump keeps the next one aligned */
	a->block_size = (block_size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	a->keep_max = keep_max;
}

void
arena_deinit(struct arena *a)
{
	free_list(a->first);
	free_list(a->big);
	arena_init(a, a->block_size, a->keep_max);
}

void
arena_reset(struct arena *a)
{
	struct arena_block *b, *last = NULL;
	size_t kept = 0;

	free_list(a->big);
	a->big = NULL;
	/* keep the first block always, then more while within keep_max */
	for (b = a->first; b != NULL; b = b->next) {
		if (last != NULL && kept + b->size > a->keep_max)
			break;
		kept += b->size;
		POISON(payload(b), b->size);
		last = b;
	}
	if (last != NULL) {
		free_list(last->next);
		last->next = NULL;
	}
	a->cur = a->first;
	a->bump = a->cur != NULL ? payload(a->cur) : NULL;
	a->left = a->cur != NULL ? a->cur->size : 0;
}

/* big_alloc - an allocation with a block of its own */
static void *
big_alloc(struct arena *a, size_t need, size_t size)
{
	struct arena_block *b = block_new(need);

	b->next = a->big;
	a->big = b;
	UNPOISON(payload(b), size);
	return payload(b);
}

void *
arena_alloc_slow(struct arena *a, size_t size)
{
	struct arena_block *b = a->cur;
	size_t need;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN) {
		(void)fprintf(stderr, "authmilter: arena allocation of %zu bytes\n",
		    size);
		abort();
	}
	/* at least one unit, so distinct allocations never share an address */
	need = (size + (size == 0) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (need > a->block_size / 4)
		return big_alloc(a, need, size);
	if (b == NULL || a->left < need) {
		if (b != NULL && b->next != NULL) {
			b = b->next;		/* an empty block a reset kept */
		} else {
			b = block_new(a->block_size);
			if (a->cur == NULL)
				a->first = b;
			else
				a->cur->next = b;
		}
		a->cur = b;
		a->bump = payload(b);
		a->left = b->size;
	}
	p = a->bump;
	a->bump += need;
	a->left -= need;
	UNPOISON(p, size);
	return p;
}

char *
arena_memdup(struct arena *a, const void *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX) {
		(void)fprintf(stderr, "authmilter: arena copy of %zu bytes\n", len);
		abort();
	}
	s = arena_alloc(a, len + 1);
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s));
}

size_t
arena_held(const struct arena *a)
{
	const struct arena_block *b;
	size_t n = 0;

	for (b = a->first; b != NULL; b = b->next)
		n += b->size;
	for (b = a->big; b != NULL; b = b->next)
		n += b->size;
	return n;
}
