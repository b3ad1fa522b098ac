/*
 * test_spf_norm_memo.c - spf_record_check with memory: for every record
 * of the table, the first (checked) and the second (remembered) answer
 * equal spf_record_check's own (verdict, normalised text, reason); the
 * client family is part of the key; the least recently used record of a
 * set makes room; over-long records are never remembered. Leaks show under ASan.
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
#include <sys/socket.h>
#include <cmocka.h>

#include "spf/spf_norm_memo.h"
#include "spf/spf_record.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/lru_table.h"

static const char *const records[] = {
	"v=spf1 -all",
	"V=SPF1 +A MX:Example.COM ~ALL",
	"v=spf1 a:x.example//0 -all",
	"v=spf1 mx/0 -all",
	"v=spf1 redirect=_spf.example.com a",
	"v=spf1 foo=bar ip4:192.0.2.0/24 -all",
	"v=spf1 ip4:300.0.0.1 -all",		/* invalid */
	"v=spf1 redirect=a.example redirect=b.example",	/* invalid */
	"v=spf2 -all",				/* invalid */
};

/* same_as_direct - memo answer twice equals spf_record_check's */
static void
same_as_direct(struct spf_norm_memo *m, const char *rec, int af)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	const char *why_want = NULL, *why_got;
	bool ok_want, ok_got;
	uint32_t hash;
	int round;

	ok_want = spf_record_check((const unsigned char *)rec, strlen(rec), af,
	    &want, &why_want);
	for (round = 0; round < 2; round++) {
		why_got = NULL;
		buf_append_str(&got, "left over");
		hash = 0;
		ok_got = spf_norm_memo_check(m, (const unsigned char *)rec,
		    strlen(rec), af, &got, &why_got, &hash);
		assert_int_equal(ok_got, ok_want);
		if (ok_want) {
			assert_string_equal(buf_cstr(&got), buf_cstr(&want));
			/* the hash handed out is the normalised text's */
			assert_int_equal(hash, hash_bytes(HASH_BYTES_INIT,
			    buf_cstr(&want), want.len));
		}
		else
			assert_string_equal(why_got, why_want);
	}
	buf_deinit(&want);
	buf_deinit(&got);
}

static void
test_remembered_equals_checked(void **state)
{
	struct spf_norm_memo m;
	size_t i, n = sizeof(records) / sizeof(records[0]);

	(void)state;
	spf_norm_memo_init(&m);
	for (i = 0; i < n; i++) {
		same_as_direct(&m, records[i], AF_INET);
		same_as_direct(&m, records[i], AF_INET6);
	}
	/* each (record, family) checked once, remembered once */
	assert_int_equal(m.misses, 2 * n);
	assert_int_equal(m.hits, 2 * n);
	spf_norm_memo_clear(&m);
	assert_int_equal(m.misses, 0);
	/* cleared means forgotten: the next check is a miss */
	same_as_direct(&m, records[0], AF_INET);
	assert_int_equal(m.misses, 1);
	spf_norm_memo_deinit(&m);
}

static void
test_family_is_part_of_key(void **state)
{
	struct spf_norm_memo m;
	struct buf v4 = BUF_INIT, v6 = BUF_INIT;
	const char *why = NULL;
	const char *rec = "v=spf1 a:x.example//0 -all";

	(void)state;
	spf_norm_memo_init(&m);
	assert_true(spf_norm_memo_check(&m, (const unsigned char *)rec,
	    strlen(rec), AF_INET6, &v6, &why, NULL));
	assert_true(spf_norm_memo_check(&m, (const unsigned char *)rec,
	    strlen(rec), AF_INET, &v4, &why, NULL));
	assert_int_equal(m.misses, 2);
	assert_string_not_equal(buf_cstr(&v4), buf_cstr(&v6));
	buf_deinit(&v4);
	buf_deinit(&v6);
	spf_norm_memo_deinit(&m);
}

/* memo_set - the set of the memo's table rec falls in for af */
static unsigned
memo_set(const struct spf_norm_memo *m, const char *rec, int af)
{
	uint32_t h = hash_bytes(HASH_BYTES_INIT, rec, strlen(rec));

	return lru_table_set_of(&m->table, hash_bytes(h, &af, sizeof(af)));
}

/* check - spf_norm_memo_check of a C string for IPv4 */
static bool
check(struct spf_norm_memo *m, const char *rec, struct buf *out)
{
	const char *why = NULL;

	return spf_norm_memo_check(m, (const unsigned char *)rec, strlen(rec),
	    AF_INET, out, &why, NULL);
}

static void
test_least_recently_used_replaced(void **state)
{
	struct spf_norm_memo m;
	struct buf out = BUF_INIT;
	char rec[SPF_NORM_MEMO_WAYS + 1][64];
	unsigned set = 0, i;
	size_t found = 0;

	(void)state;
	spf_norm_memo_init(&m);
	/* WAYS + 1 records of one set */
	for (i = 0; found < SPF_NORM_MEMO_WAYS + 1; i++) {
		char r[64];

		(void)snprintf(r, sizeof(r), "v=spf1 ip4:10.0.%u.%u -all",
		    i / 256, i % 256);
		if (found == 0)
			set = memo_set(&m, r, AF_INET);
		if (memo_set(&m, r, AF_INET) == set)
			memcpy(rec[found++], r, sizeof(r));
	}
	for (i = 0; i <= SPF_NORM_MEMO_WAYS; i++) {
		if (i == SPF_NORM_MEMO_WAYS) {
			/* touch record 0: record 1 is now the oldest of the set */
			(void)check(&m, rec[0], &out);
		}
		(void)check(&m, rec[i], &out);
	}
	assert_int_equal(m.misses, SPF_NORM_MEMO_WAYS + 1);
	assert_int_equal(m.hits, 1);
	(void)check(&m, rec[0], &out);
	assert_int_equal(m.hits, 2);
	assert_true(check(&m, rec[1], &out));
	assert_int_equal(m.misses, SPF_NORM_MEMO_WAYS + 2);
	assert_string_equal(buf_cstr(&out), rec[1]);
	buf_deinit(&out);
	spf_norm_memo_deinit(&m);
}

static void
test_long_record_not_remembered(void **state)
{
	struct spf_norm_memo m;
	struct buf out = BUF_INIT;
	const char *why = NULL;
	size_t len = SPF_NORM_MEMO_MAX_RAW + 10;
	char *rec = malloc(len);

	(void)state;
	spf_norm_memo_init(&m);
	assert_non_null(rec);
	memcpy(rec, "v=spf1 ", 7);
	memset(rec + 7, 'a', len - 7);
	assert_false(spf_norm_memo_check(&m, (const unsigned char *)rec, len,
	    AF_INET, &out, &why, NULL));
	assert_string_equal(why, "record too long");
	assert_int_equal(m.misses + m.hits, 0);
	free(rec);
	buf_deinit(&out);
	spf_norm_memo_deinit(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remembered_equals_checked),
		cmocka_unit_test(test_family_is_part_of_key),
		cmocka_unit_test(test_least_recently_used_replaced),
		cmocka_unit_test(test_long_record_not_remembered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
