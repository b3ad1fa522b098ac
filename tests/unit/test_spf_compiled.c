/*
 * test_spf_compiled.c - the cache of compiled SPF records: the same text
 * is compiled once and handed out as equal copies, another text gets
 * another record, refused records are never kept, the least recently
 * used record of a set makes room (other sets untouched), and every copy belongs to its caller (it
 * outlives the cache; ASan/valgrind in CI show a double free or leak).
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

#include "spf/spf_compiled.h"
#include "util/hash.h"
#include "util/lru_table.h"

struct fixture {
	SPF_server_t *server;
	SPF_request_t *req;
	SPF_response_t *resp;
	struct spf_compiled_cache cc;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	/* the zone layer: compiling never touches DNS */
	f->server = SPF_server_new(SPF_DNS_ZONE, 0);
	assert_non_null(f->server);
	f->req = SPF_request_new(f->server);
	f->resp = SPF_response_new(f->req);
	spf_compiled_init(&f->cc);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	spf_compiled_deinit(&f->cc);
	SPF_response_free(f->resp);
	SPF_request_free(f->req);
	SPF_server_free(f->server);
	free(f);
	return 0;
}

/* get - spf_compiled_get on the fixture */
static SPF_record_t *
get(struct fixture *f, const char *text, const char **why_r)
{
	return spf_compiled_get(&f->cc, f->server, f->resp, text, why_r);
}

/* same_bytes - two compiled records with equal contents */
static bool
same_bytes(const SPF_record_t *a, const SPF_record_t *b)
{
	return a->num_mech == b->num_mech && a->num_mod == b->num_mod &&
	    a->mech_len == b->mech_len && a->mod_len == b->mod_len &&
	    memcmp(a->mech_first, b->mech_first, a->mech_len) == 0 &&
	    (a->mod_len == 0 ||
	    memcmp(a->mod_first, b->mod_first, a->mod_len) == 0);
}

static void
test_same_text_compiled_once(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	SPF_record_t *a, *b, *fresh = NULL;

	a = get(f, "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all", &why);
	b = get(f, "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all", &why);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(f->cc.misses, 1);
	assert_int_equal(f->cc.hits, 1);
	/* two copies, each the caller's, equal to a compile of their own */
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a->mech_first, b->mech_first);
	assert_int_equal(SPF_record_compile(f->server, f->resp, &fresh,
	    "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all"),
	    SPF_E_SUCCESS);
	assert_true(same_bytes(a, fresh));
	assert_true(same_bytes(b, fresh));
	assert_int_equal(a->num_mech, 3);
	SPF_record_free(fresh);
	SPF_record_free(a);
	SPF_record_free(b);
}

static void
test_other_text_other_record(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	SPF_record_t *a, *b;

	a = get(f, "v=spf1 a -all", &why);
	b = get(f, "v=spf1 a ~all", &why);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(f->cc.misses, 2);
	assert_int_equal(f->cc.hits, 0);
	assert_false(same_bytes(a, b));
	SPF_record_free(a);
	SPF_record_free(b);
	/* a text that only differs in case is another key too */
	a = get(f, "v=spf1 a:Example.com -all", &why);
	b = get(f, "v=spf1 a:example.com -all", &why);
	assert_int_equal(f->cc.misses, 4);
	SPF_record_free(a);
	SPF_record_free(b);
}

static void
test_modifier_copied(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	SPF_record_t *a, *b;

	a = get(f, "v=spf1 -all exp=exp.example.com", &why);
	b = get(f, "v=spf1 -all exp=exp.example.com", &why);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(b->num_mod, 1);
	assert_ptr_not_equal(a->mod_first, b->mod_first);
	assert_true(same_bytes(a, b));
	SPF_record_free(a);
	SPF_record_free(b);
}

static void
test_refusal_kept(void **state)
{
	struct fixture *f = *state;
	char rec[2048];
	const char *why = NULL;
	size_t len = 0;
	int i;

	/* ~90 ip4 terms pass SPF_MAX_MECH_LEN: libspf2 drops the tail
	 * silently; the cache refuses the compile, and remembers why */
	len += (size_t)snprintf(rec, sizeof(rec), "v=spf1");
	for (i = 0; i < 90; i++)
		len += (size_t)snprintf(rec + len, sizeof(rec) - len,
		    " ip4:10.0.%d.0/24", i);
	(void)snprintf(rec + len, sizeof(rec) - len, " -all");
	assert_null(get(f, rec, &why));
	assert_string_equal(why, "record too large for libspf2");
	why = NULL;
	assert_null(get(f, rec, &why));
	assert_string_equal(why, "record too large for libspf2");
	assert_int_equal(f->cc.misses, 1);
	assert_int_equal(f->cc.hits, 1);
}

/* same_set_records - n records "v=spf1 ip4:10.0.0.<i> -all" whose texts
 * fall in one set of the cache's table */
static void
same_set_records(struct fixture *f, char rec[][64], size_t n)
{
	unsigned set = 0, i;
	size_t found = 0;

	for (i = 0; found < n; i++) {
		char r[64];
		unsigned s;

		(void)snprintf(r, sizeof(r), "v=spf1 ip4:10.0.%u.%u -all",
		    i / 256, i % 256);
		s = lru_table_set_of(&f->cc.table,
		    hash_bytes(HASH_BYTES_INIT, r, strlen(r)));
		if (found == 0)
			set = s;
		if (s == set)
			memcpy(rec[found++], r, sizeof(r));
	}
}

static void
test_least_recently_used_replaced(void **state)
{
	struct fixture *f = *state;
	char rec[SPF_COMPILED_WAYS + 1][64];
	const char *why = NULL;
	int i;

	same_set_records(f, rec, SPF_COMPILED_WAYS + 1);
	for (i = 0; i <= SPF_COMPILED_WAYS; i++) {
		if (i == SPF_COMPILED_WAYS) {
			/* touch record 0: record 1 is now the oldest of the set */
			SPF_record_free(get(f, rec[0], &why));
		}
		SPF_record_free(get(f, rec[i], &why));
	}
	assert_int_equal(f->cc.misses, SPF_COMPILED_WAYS + 1);
	assert_int_equal(f->cc.hits, 1);
	SPF_record_free(get(f, rec[0], &why));
	assert_int_equal(f->cc.hits, 2);
	SPF_record_free(get(f, rec[SPF_COMPILED_WAYS], &why));
	assert_int_equal(f->cc.hits, 3);
	SPF_record_free(get(f, rec[1], &why));
	assert_int_equal(f->cc.misses, SPF_COMPILED_WAYS + 2);
}

/* records of other sets do not push each other out: the whole table's
 * worth of records in, the first one of each set still there */
static void
test_sets_are_independent(void **state)
{
	struct fixture *f = *state;
	char rec[2][64];
	const char *why = NULL;
	int i;

	same_set_records(f, rec, 1);
	SPF_record_free(get(f, rec[0], &why));
	/* fill every other set (keys of rec[0]'s set skipped) */
	for (i = 0; i < 2000; i++) {
		char r[64];

		(void)snprintf(r, sizeof(r), "v=spf1 a:h%d.example -all", i);
		if (lru_table_set_of(&f->cc.table, hash_bytes(HASH_BYTES_INIT,
		    r, strlen(r))) == lru_table_set_of(&f->cc.table,
		    hash_bytes(HASH_BYTES_INIT, rec[0], strlen(rec[0]))))
			continue;
		SPF_record_free(get(f, r, &why));
	}
	f->cc.hits = 0;
	SPF_record_free(get(f, rec[0], &why));
	assert_int_equal(f->cc.hits, 1);
}

static void
test_copy_outlives_cache(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	SPF_record_t *a = get(f, "v=spf1 mx include:a.example -all", &why);
	SPF_record_t *b;

	assert_non_null(a);
	spf_compiled_clear(&f->cc);
	assert_int_equal(f->cc.misses, 0);
	b = get(f, "v=spf1 mx include:a.example -all", &why);
	assert_int_equal(f->cc.misses, 1);
	assert_true(same_bytes(a, b));
	SPF_record_free(a);
	SPF_record_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_text_compiled_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_text_other_record,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_modifier_copied,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_least_recently_used_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sets_are_independent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_outlives_cache,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
