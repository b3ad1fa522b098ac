/*
 * test_lru_table.c - the set-associative cache of util/lru_table.h: a
 * kept value is found again, another key is a miss, a full set drops its
 * least recently used value (and only from that set), two keys with the
 * same hash are told apart by the caller's compare, putting a key again
 * replaces its value, churn through far more keys than the table holds
 * keeps it bounded and working, and every value the table drops is freed
 * exactly once (counted here; ASan in CI shows a leak or double free).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/hash.h"
#include "util/lru_table.h"

#define SETS 4
#define WAYS 3
#define MAX_VALUES 4096

/* a value: its key and how often the table freed it */
struct value {
	char key[32];
	unsigned id;
};

static unsigned freed[MAX_VALUES];	/* frees per value id */
static unsigned next_id;

static bool
value_matches(const void *value, const void *key)
{
	return strcmp(((const struct value *)value)->key, key) == 0;
}

static void
value_free(void *value)
{
	struct value *v = value;

	assert_true(v->id < MAX_VALUES);
	freed[v->id]++;
	free(v);
}

static const struct lru_table_ops ops = {
	.matches = value_matches,
	.free_value = value_free,
};

static int
setup(void **state)
{
	struct lru_table *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	memset(freed, 0, sizeof(freed));
	next_id = 0;
	lru_table_init(t, SETS, WAYS, &ops);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct lru_table *t = *state;
	unsigned i;

	lru_table_deinit(t);
	/* every value ever put was freed exactly once */
	for (i = 0; i < next_id; i++)
		assert_int_equal(freed[i], 1);
	free(t);
	return 0;
}

/* hash_of - the hash a caller would use for key */
static uint32_t
hash_of(const char *key)
{
	return hash_fnv1a(HASH_FNV1A_INIT, key, strlen(key));
}

/* put - a new value for key, kept under hash h; returns its id */
static unsigned
put(struct lru_table *t, uint32_t h, const char *key)
{
	struct value *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	assert_true(next_id < MAX_VALUES);
	(void)snprintf(v->key, sizeof(v->key), "%s", key);
	v->id = next_id++;
	lru_table_put(t, h, key, v);
	return v->id;
}

/* get_id - the id of the value kept for key (hash h), -1 if none */
static int
get_id(struct lru_table *t, uint32_t h, const char *key)
{
	struct value *v = lru_table_get(t, h, key);

	return v != NULL ? (int)v->id : -1;
}

/* keys_of_set - n keys "k<i>" whose hashes fall in set s */
static void
keys_of_set(const struct lru_table *t, unsigned s, char keys[][32],
    size_t n)
{
	size_t found = 0;
	unsigned i;

	for (i = 0; found < n; i++) {
		char k[32];

		(void)snprintf(k, sizeof(k), "k%u", i);
		if (lru_table_set_of(t, hash_of(k)) == s)
			memcpy(keys[found++], k, sizeof(k));
	}
}

static void
test_hit_and_miss(void **state)
{
	struct lru_table *t = *state;
	unsigned a = put(t, hash_of("alpha"), "alpha");

	assert_int_equal(get_id(t, hash_of("alpha"), "alpha"), a);
	assert_int_equal(get_id(t, hash_of("alpha"), "alpha"), a);
	assert_int_equal(get_id(t, hash_of("beta"), "beta"), -1);
	/* right key, wrong hash: another set or no stored hash equal */
	assert_int_equal(get_id(t, hash_of("alpha") + 1, "alpha"), -1);
	assert_int_equal(freed[a], 0);
}

static void
test_lru_within_set(void **state)
{
	struct lru_table *t = *state;
	char k[WAYS + 1][32], other[1][32];
	unsigned id[WAYS + 1], o;
	unsigned s = 1, i;

	keys_of_set(t, s, k, WAYS + 1);
	keys_of_set(t, (s + 1) % SETS, other, 1);
	o = put(t, hash_of(other[0]), other[0]);
	for (i = 0; i < WAYS; i++)
		id[i] = put(t, hash_of(k[i]), k[i]);
	/* touch the oldest: the second becomes the least recently used */
	assert_int_equal(get_id(t, hash_of(k[0]), k[0]), id[0]);
	id[WAYS] = put(t, hash_of(k[WAYS]), k[WAYS]);
	assert_int_equal(freed[id[1]], 1);
	assert_int_equal(get_id(t, hash_of(k[1]), k[1]), -1);
	assert_int_equal(get_id(t, hash_of(k[0]), k[0]), id[0]);
	for (i = 2; i <= WAYS; i++)
		assert_int_equal(get_id(t, hash_of(k[i]), k[i]), id[i]);
	/* the other set was never touched by the eviction */
	assert_int_equal(get_id(t, hash_of(other[0]), other[0]), o);
	assert_int_equal(freed[o], 0);
}

static void
test_same_hash_two_keys(void **state)
{
	struct lru_table *t = *state;
	unsigned a, b;

	/* force a full collision: equal hashes, the compare tells them apart */
	a = put(t, 42, "one");
	b = put(t, 42, "two");
	assert_int_equal(get_id(t, 42, "one"), a);
	assert_int_equal(get_id(t, 42, "two"), b);
	assert_int_equal(get_id(t, 42, "three"), -1);
	assert_int_equal(freed[a] + freed[b], 0);
}

static void
test_put_again_replaces(void **state)
{
	struct lru_table *t = *state;
	unsigned a = put(t, hash_of("x"), "x");
	unsigned b = put(t, hash_of("x"), "x");

	assert_int_equal(freed[a], 1);
	assert_int_equal(get_id(t, hash_of("x"), "x"), b);
	assert_int_equal(freed[b], 0);
}

static void
test_full_table_churn(void **state)
{
	struct lru_table *t = *state;
	unsigned i, kept = 0, dropped = 0;
	char k[32];

	for (i = 0; i < 1000; i++) {
		(void)snprintf(k, sizeof(k), "churn%u", i);
		(void)put(t, hash_of(k), k);
		/* the value just put is always found */
		assert_int_equal(get_id(t, hash_of(k), k), (int)i);
	}
	for (i = 0; i < 1000; i++) {
		(void)snprintf(k, sizeof(k), "churn%u", i);
		if (get_id(t, hash_of(k), k) >= 0)
			kept++;
		if (freed[i] == 1)
			dropped++;
		assert_true(freed[i] <= 1);
	}
	/* bounded: at most every way of every set holds a value, and what
	 * is not kept was freed */
	assert_true(kept <= SETS * WAYS);
	assert_int_equal(kept + dropped, 1000);
	/* the last key put is the most recent of its set */
	assert_int_equal(get_id(t, hash_of("churn999"), "churn999"), 999);
}

static void
test_clear_frees_and_stays_usable(void **state)
{
	struct lru_table *t = *state;
	unsigned a = put(t, hash_of("a"), "a");
	unsigned b = put(t, hash_of("b"), "b");
	unsigned c;

	lru_table_clear(t);
	assert_int_equal(freed[a], 1);
	assert_int_equal(freed[b], 1);
	assert_int_equal(get_id(t, hash_of("a"), "a"), -1);
	lru_table_clear(t);		/* nothing left to free twice */
	assert_int_equal(freed[a], 1);
	c = put(t, hash_of("a"), "a");
	assert_int_equal(get_id(t, hash_of("a"), "a"), c);
	/* teardown's deinit frees c once */
}

static void
test_one_set_one_way(void **state)
{
	struct lru_table t;
	unsigned a, b;

	(void)state;
	memset(freed, 0, sizeof(freed));
	next_id = 0;
	lru_table_init(&t, 0, 0, &ops);		/* bumped to 1 x 1 */
	a = put(&t, hash_of("a"), "a");
	b = put(&t, hash_of("b"), "b");
	assert_int_equal(freed[a], 1);
	assert_int_equal(get_id(&t, hash_of("b"), "b"), b);
	lru_table_deinit(&t);
	assert_int_equal(freed[b], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_and_miss, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lru_within_set, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_hash_two_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_again_replaces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_table_churn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_clear_frees_and_stays_usable, setup, teardown),
		cmocka_unit_test(test_one_set_one_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
