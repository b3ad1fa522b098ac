/* test_arena.c - the per-message arena: alignment, growth, reset, cap */
#include "config.h"

#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/arena.h"

#define ALIGN alignof(max_align_t)

/* every size, odd ones included, comes back aligned and writable */
static void
test_alignment(void **state)
{
	static const size_t sizes[] = { 0, 1, 3, 7, 8, 15, 16, 17, 33, 100, 511 };
	struct arena a;
	size_t i;

	(void)state;
	arena_init(&a, 1024, 4096);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = arena_alloc(&a, sizes[i]);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % ALIGN, 0);
		memset(p, 0xa5, sizes[i]);
	}
	arena_deinit(&a);
}

/* allocations do not overlap, and earlier data survives growth */
static void
test_growth_keeps_data(void **state)
{
	struct arena a;
	char *p[200];
	char want[32];
	size_t i;

	(void)state;
	arena_init(&a, 256, 1024);
	for (i = 0; i < 200; i++) {
		(void)snprintf(want, sizeof(want), "field-%zu", i);
		p[i] = arena_strdup(&a, want);
	}
	for (i = 0; i < 200; i++) {
		(void)snprintf(want, sizeof(want), "field-%zu", i);
		assert_string_equal(p[i], want);
	}
	/* 200 copies of up to 10 bytes in 16-byte units: many blocks */
	assert_true(arena_held(&a) >= 200 * 16);
	arena_deinit(&a);
	assert_int_equal(arena_held(&a), 0);
}

/* a copy stops at len, is NUL-terminated, and keeps embedded NULs */
static void
test_memdup(void **state)
{
	struct arena a;
	char *s;

	(void)state;
	arena_init(&a, 0, 0);
	s = arena_memdup(&a, "ab\0cdXYZ", 5);
	assert_memory_equal(s, "ab\0cd", 5);
	assert_int_equal(s[5], '\0');
	s = arena_memdup(&a, NULL, 0);
	assert_string_equal(s, "");
	assert_string_equal(arena_strdup(&a, "x y"), "x y");
	arena_deinit(&a);
}

/* a reset reuses the block it kept: no new memory for the next round */
static void
test_reset_reuses(void **state)
{
	struct arena a;
	unsigned char *first, *again;
	size_t held;

	(void)state;
	arena_init(&a, 512, 512);
	first = arena_alloc(&a, 40);
	(void)arena_alloc(&a, 40);
	held = arena_held(&a);
	assert_int_equal(held, 512);
	arena_reset(&a);
	assert_int_equal(arena_held(&a), 512);
	again = arena_alloc(&a, 40);
	assert_ptr_equal(again, first);
	assert_int_equal(arena_held(&a), held);
	arena_deinit(&a);
}

/* an allocation over a quarter block gets its own block, which does not
 * spoil the ordinary block and is freed at reset */
static void
test_big_allocation(void **state)
{
	struct arena a;
	unsigned char *s1, *big, *s2;

	(void)state;
	arena_init(&a, 1024, 1024);
	s1 = arena_alloc(&a, 16);
	big = arena_alloc(&a, 100000);
	memset(big, 'x', 100000);
	s2 = arena_alloc(&a, 16);
	/* the small ones still come from the same ordinary block */
	assert_ptr_equal(s2, s1 + 16);
	assert_true(arena_held(&a) >= 1024 + 100000);
	arena_reset(&a);
	assert_int_equal(arena_held(&a), 1024);
	arena_deinit(&a);
}

/* one large message grows many blocks; the reset keeps only keep_max */
static void
test_reset_cap(void **state)
{
	struct arena a;
	size_t i;

	(void)state;
	arena_init(&a, 1024, 4096);
	for (i = 0; i < 1000; i++)	/* ~1 MB in 1 KB blocks */
		(void)arena_alloc(&a, 1000 / 4);
	assert_true(arena_held(&a) >= 250000);
	arena_reset(&a);
	assert_int_equal(arena_held(&a), 4096);
	/* keep_max 0 still keeps one block: the common case pays nothing */
	arena_deinit(&a);
	arena_init(&a, 1024, 0);
	for (i = 0; i < 20; i++)
		(void)arena_alloc(&a, 200);
	arena_reset(&a);
	assert_int_equal(arena_held(&a), 1024);
	arena_deinit(&a);
}

/* after a reset the kept blocks are filled again in order, and data
 * written in the new round is intact */
static void
test_rounds(void **state)
{
	struct arena a;
	char *p[64];
	char want[16];
	size_t round, i;

	(void)state;
	arena_init(&a, 256, 1024);
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 64; i++) {
			(void)snprintf(want, sizeof(want), "%zu.%zu", round, i);
			p[i] = arena_strdup(&a, want);
		}
		for (i = 0; i < 64; i++) {
			(void)snprintf(want, sizeof(want), "%zu.%zu", round, i);
			assert_string_equal(p[i], want);
		}
		arena_reset(&a);
		assert_true(arena_held(&a) <= 1024);
	}
	arena_deinit(&a);
}

/* struct model - what the arena should hold, kept the simple way: the
 * ordinary blocks in use and the room left in the last, and the big
 * blocks, with the rules arena.c documents (a quarter of a block or more
 * gets a block of its own; a reset keeps ordinary blocks up to keep_max,
 * at least one) */
struct model {
	size_t bs, keep, blocks, used_blocks, left, big;
};

static size_t
model_round(size_t n)
{
	return (n + (n == 0) + ALIGN - 1) & ~(ALIGN - 1);
}

static void
model_alloc(struct model *m, size_t size)
{
	size_t need = model_round(size);

	if (need > m->bs / 4) {
		m->big += need;
		return;
	}
	if (m->used_blocks == 0 || m->left < need) {
		m->used_blocks++;
		if (m->used_blocks > m->blocks)
			m->blocks = m->used_blocks;
		m->left = m->bs;
	}
	m->left -= need;
}

static void
model_reset(struct model *m)
{
	size_t kept = 0, n = 0;

	while (n < m->blocks && (n == 0 || kept + m->bs <= m->keep)) {
		kept += m->bs;
		n++;
	}
	m->blocks = n;
	m->used_blocks = n > 0 ? 1 : 0;
	m->left = n > 0 ? m->bs : 0;
	m->big = 0;
}

/* the inline fast path and arena_alloc_slow against the model on random
 * sizes and resets: every pointer aligned, every allocation intact until
 * the reset, the bytes held as the model says */
static void
test_inline_path_matches_model(void **state)
{
	struct arena a;
	struct model m;
	unsigned char *p[200];
	size_t sz[200], n, i, round, j;
	uint32_t seed = 99;

	(void)state;
	arena_init(&a, 1024, 3000);
	memset(&m, 0, sizeof(m));
	m.bs = 1024;
	m.keep = 3000;
	for (round = 0; round < 60; round++) {
		n = 1 + round % 200;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 8) {
			case 0: sz[i] = 0; break;
			case 1: sz[i] = 256 + (seed >> 8) % 4; break;
			case 2: sz[i] = 240 + (seed >> 8) % 32; break;
			case 3: sz[i] = 1000 + (seed >> 8) % 3000; break;
			default: sz[i] = (seed >> 8) % 200; break;
			}
			p[i] = arena_alloc(&a, sz[i]);
			model_alloc(&m, sz[i]);
			assert_int_equal((uintptr_t)p[i] % ALIGN, 0);
			memset(p[i], (int)(i & 0xff), sz[i]);
			assert_int_equal(arena_held(&a),
			    m.blocks * m.bs + m.big);
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < sz[i]; j++)
				assert_int_equal(p[i][j], (unsigned char)(i & 0xff));
		arena_reset(&a);
		model_reset(&m);
		assert_int_equal(arena_held(&a), m.blocks * m.bs);
	}
	arena_deinit(&a);
	assert_int_equal(arena_held(&a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_growth_keeps_data),
		cmocka_unit_test(test_memdup),
		cmocka_unit_test(test_reset_reuses),
		cmocka_unit_test(test_big_allocation),
		cmocka_unit_test(test_reset_cap),
		cmocka_unit_test(test_rounds),
		cmocka_unit_test(test_inline_path_matches_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
