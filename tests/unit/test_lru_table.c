/*
 * test_lru_table.c - the set-associative cache of util/lru_table.h: a
 * kept value is found again, another key is a miss, a full set drops its
 * least recently used value (and only from that set), two keys with the
 * same hash are told apart by the caller's compare, putting a key again
 * replaces its value, churn through far more keys than the table holds
 * keeps it bounded and working, and every value the table drops is freed
 * exactly once (counted here; ASan in CI shows a leak or double free).
 * Also util/hash.h's hash_bytes, which the long-keyed tables use: equal
 * bytes hash alike, any one-bit change or a longer run of zeros changes
 * the hash, chaining from a seed works, and keys spread over the sets.
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

/* hash_bytes: equal input, equal hash; the seed chains fields */
static void
test_hash_bytes_stable(void **state)
{
	const char k[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";
	char copy[sizeof(k)];
	uint32_t h;

	(void)state;
	memcpy(copy, k, sizeof(k));
	h = hash_bytes(HASH_BYTES_INIT, k, sizeof(k) - 1);
	assert_int_equal(h, hash_bytes(HASH_BYTES_INIT, copy, sizeof(k) - 1));
	assert_int_not_equal(h, hash_bytes(HASH_BYTES_INIT + 1, k,
	    sizeof(k) - 1));
	assert_int_equal(hash_bytes(hash_bytes(HASH_BYTES_INIT, k, 5), k + 5,
	    9), hash_bytes(hash_bytes(HASH_BYTES_INIT, copy, 5), copy + 5, 9));
}

/* hash_bytes: every single-bit change of a 41-byte key (a whole word and
 * a tail), and every length of a run of zeros, gives another hash */
static void
test_hash_bytes_sensitive(void **state)
{
	unsigned char k[41], z[24] = { 0 };
	uint32_t seen[41 * 8 + 1];
	size_t n = 0, i, j, bit;

	(void)state;
	for (i = 0; i < sizeof(k); i++)
		k[i] = (unsigned char)(i * 37 + 11);
	seen[n++] = hash_bytes(HASH_BYTES_INIT, k, sizeof(k));
	for (i = 0; i < sizeof(k); i++) {
		for (bit = 0; bit < 8; bit++) {
			k[i] ^= (unsigned char)(1u << bit);
			seen[n] = hash_bytes(HASH_BYTES_INIT, k, sizeof(k));
			k[i] ^= (unsigned char)(1u << bit);
			for (j = 0; j < n; j++)
				assert_int_not_equal(seen[n], seen[j]);
			n++;
		}
	}
	for (i = 0; i < sizeof(z); i++)
		for (j = i + 1; j <= sizeof(z); j++)
			assert_int_not_equal(hash_bytes(HASH_BYTES_INIT, z, i),
			    hash_bytes(HASH_BYTES_INIT, z, j));
}

/* hash_bytes: 4,096 similar keys fall evenly over 32 sets (mean 128) */
static void
test_hash_bytes_spread(void **state)
{
	unsigned count[32] = { 0 };
	char key[64];
	unsigned i;

	(void)state;
	for (i = 0; i < 4096; i++) {
		int len = snprintf(key, sizeof(key),
		    "v=spf1 ip4:192.0.2.%u include:_spf%u.example -all",
		    i % 256, i / 256);

		count[hash_bytes(HASH_BYTES_INIT, key, (size_t)len) % 32]++;
	}
	for (i = 0; i < 32; i++) {
		assert_true(count[i] >= 80);
		assert_true(count[i] <= 180);
	}
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
		cmocka_unit_test(test_hash_bytes_stable),
		cmocka_unit_test(test_hash_bytes_sensitive),
		cmocka_unit_test(test_hash_bytes_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
