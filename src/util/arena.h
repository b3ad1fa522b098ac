/* arena.h - bump allocator for data that lives exactly as long as a message */
#ifndef AUTHMILTER_ARENA_H
#define AUTHMILTER_ARENA_H

#include <stdalign.h>
#include <stddef.h>

/*
 * An arena hands out memory from chained blocks and frees it all at once
 * (arena_reset or arena_deinit); there is no per-object free. A reset
 * keeps up to keep_max bytes of ordinary blocks for the next round, so a
 * connection that carries many messages allocates its blocks once, while
 * one large message does not pin its memory for the life of the
 * connection. Every pointer is aligned for any object type. Allocation
 * failure aborts (as xmalloc does), so the results are never NULL.
 *
 * Under AddressSanitizer the unused part of every block is poisoned, so a
 * read or write past the end of an allocation, or through a pointer kept
 * across a reset, is reported like a heap overflow or use after free.
 */
struct arena_block;

#define ARENA_BLOCK_DEFAULT 4096
#define ARENA_ALIGN	alignof(max_align_t)

/* AddressSanitizer builds take every allocation through arena.c, which
 * unpoisons it */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif

struct arena {
	struct arena_block *first;	/* every block, in allocation order */
	struct arena_block *cur;	/* the block being filled */
	struct arena_block *big;	/* one per oversized allocation */
	size_t block_size;		/* payload of an ordinary block */
	size_t keep_max;		/* ordinary-block bytes a reset keeps */
	unsigned char *bump;		/* next free byte of cur */
	size_t left;			/* free bytes of cur from bump */
};

/* arena_init - an empty arena; no memory until the first allocation.
 * block_size 0: ARENA_BLOCK_DEFAULT. keep_max: bytes of blocks a reset
 * keeps (at least one block is always kept once allocated). */
void arena_init(struct arena *a, size_t block_size, size_t keep_max);
/* arena_deinit - free every block; the arena is empty and reusable */
void arena_deinit(struct arena *a);
/* arena_reset - forget every allocation; keeps ordinary blocks up to
 * keep_max for reuse, frees the rest (and every oversized block) */
void arena_reset(struct arena *a);

/* arena_alloc_slow - arena_alloc when the current block cannot serve
 * size (or in ASan builds): a new block, or a block of its own */
void *arena_alloc_slow(struct arena *a, size_t size);

/* arena_alloc - size bytes (not zeroed), aligned for any type; valid
 * until the next arena_reset or arena_deinit. Inline: most allocations
 * are a bump in the current block (a call cost ~30 instructions, some
 * 25 of them a message, issue 18). The tests here are arena_alloc_slow's,
 * in the same order: size first (so the rounding cannot wrap), then the
 * oversize rule, then room. */
static inline void *
arena_alloc(struct arena *a, size_t size)
{
#ifndef ARENA_ASAN
	size_t need;
	void *p;

	if (size < a->left) {
		need = (size + (size == 0) + ARENA_ALIGN - 1) &
		    ~(ARENA_ALIGN - 1);
		if (need <= a->block_size / 4 && need <= a->left) {
			p = a->bump;
			a->bump += need;
			a->left -= need;
			return p;
		}
	}
#endif
	return arena_alloc_slow(a, size);
}
/* arena_memdup - a copy of p[0..len) followed by a NUL byte */
char *arena_memdup(struct arena *a, const void *p, size_t len);
/* arena_strdup - a copy of the NUL-terminated string s */
char *arena_strdup(struct arena *a, const char *s);

/* arena_held - bytes of block payload held now (for tests and stats) */
size_t arena_held(const struct arena *a);

#endif
