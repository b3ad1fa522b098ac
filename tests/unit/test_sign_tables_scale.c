/* test_sign_tables_scale.c - a hosting provider's KeyTable and
 * SigningTable (thousands of domains): loading them and finding a From
 * domain in them count string compares, which must grow with the lines
 * loaded, not with their square, and per lookup not at all. Compares are
 * counted by wrapping ascii_strcasecmp at link time (sign.am), so the
 * test counts work rather than time. Each table was scanned line by line:
 * 50,000 domains took a billion compares to load and tens of thousands a
 * message. Also: duplicates and the first match still behave as before. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sign/sign_setup.h"
#include "util/buf.h"

#include "store_dir.h"

/* Domains in the big table: enough that a scan per line (n * n / 2
 * compares) is far above the bound below, small enough to load fast. */
#define BIG 3000

static unsigned long compares, globs;

int __real_ascii_strcasecmp(const char *a, const char *b);
int __wrap_ascii_strcasecmp(const char *a, const char *b);
bool __real_signtable_glob(const char *pat, const char *text);
bool __wrap_signtable_glob(const char *pat, const char *text);

/* __wrap_signtable_glob - count the refile patterns tried, then try */
bool
__wrap_signtable_glob(const char *pat, const char *text)
{
	globs++;
	return __real_signtable_glob(pat, text);
}

/* __wrap_ascii_strcasecmp - count, then compare */
int
__wrap_ascii_strcasecmp(const char *a, const char *b)
{
	compares++;
	return __real_ascii_strcasecmp(a, b);
}

static const char *
path_in(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	(void)snprintf(p[i], sizeof(p[i]), "%s/%s", store_dir, name);
	return p[i];
}

static int
setup(void **state)
{
	FILE *f;

	if (store_dir_setup(state) != 0 ||
	    (f = fopen(path_in("ed.seed"), "w")) == NULL)
		return -1;
	/* RFC 8463 A.2 Ed25519 seed */
	(void)fputs("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n", f);
	return fclose(f) == 0 && chmod(path_in("ed.seed"), 0600) == 0 ? 0 : -1;
}

/* tables - n domains d<i>.example, each its own KeyTable name k<i> with
 * the one key file (read once), and extra SigningTable text after them;
 * refile: the lines are "*@d<i>.example k<i>", as hosting set-ups of
 * OpenDKIM write them */
static struct sign_setup *
tables_as(size_t n, const char *extra, bool multiple, bool refile)
{
	char spec[300];
	struct sign_setup_input in;
	struct sign_setup *s = NULL;
	struct buf err = BUF_INIT;
	FILE *kt = fopen(path_in("KT"), "w"), *st = fopen(path_in("ST"), "w");
	size_t i;

	assert_non_null(kt);
	assert_non_null(st);
	for (i = 0; i < n; i++) {
		(void)fprintf(kt, "k%zu d%zu.example:s%zu:./ed.seed\n", i, i, i);
		(void)fprintf(st, "%sd%zu.example k%zu\n", refile ? "*@" : "",
		    i, i);
	}
	(void)fputs(extra, st);
	assert_int_equal(fclose(kt), 0);
	assert_int_equal(fclose(st), 0);
	memset(&in, 0, sizeof(in));
	in.key_table = path_in("KT");
	in.where_key_table = "conf:1";
	(void)snprintf(spec, sizeof(spec), "%s%s", refile ? "refile:" : "",
	    path_in("ST"));
	in.signing_table = spec;
	in.where_signing_table = "conf:2";
	in.multiple_signatures = multiple;
	if (!sign_setup_load(&in, &s, &err))
		fail_msg("%s", buf_cstr(&err));
	buf_deinit(&err);
	return s;
}

static struct sign_setup *
tables(size_t n, const char *extra, bool multiple)
{
	return tables_as(n, extra, multiple, false);
}

/* select_compares - compares one author's lookup costs; its pick in got */
static unsigned long
select_compares(const struct sign_setup *s, const char *local,
    const char *domain, char *got, size_t size)
{
	struct sign_choice c[SIGN_MAX_SIGNATURES];
	unsigned long before = compares;
	size_t i, n = sign_setup_select(s, local, domain, c, SIGN_MAX_SIGNATURES);
	unsigned long used = compares - before;
	struct buf b = BUF_INIT;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s/%s", i ? " " : "", c[i].domain, c[i].selector);
	(void)snprintf(got, size, "%s", buf_cstr(&b));
	buf_deinit(&b);
	return used;
}

static void
test_load_is_linear(void **state)
{
	struct sign_setup *s;

	(void)state;
	compares = 0;
	s = tables(BIG, "", false);
	/* a hashed lookup per line, each confirmed by one compare: about
	 * BIG; a scan of the lines before each line was over BIG * BIG */
	if (compares > 4 * BIG)
		fail_msg("loading %d domains took %lu compares", BIG, compares);
	sign_setup_free(&s);
}

static void
test_lookup_cost_is_flat(void **state)
{
	struct sign_setup *small, *big;
	unsigned long c_small, c_big, c_miss;
	char got[256];

	(void)state;
	small = tables(10, "", false);
	big = tables(BIG, "", false);
	c_small = select_compares(small, "user", "d9.example", got, sizeof(got));
	assert_string_equal(got, "d9.example/s9");
	c_big = select_compares(big, "user", "d2999.example", got, sizeof(got));
	assert_string_equal(got, "d2999.example/s2999");
	c_miss = select_compares(big, "user", "sub.other.example", got,
	    sizeof(got));
	assert_string_equal(got, "");
	/* every form of the address (user@host, host, user@.parent, ...)
	 * was a scan of the whole table: BIG compares each */
	if (c_big > c_small + 2 || c_miss > 8)
		fail_msg("a lookup: %lu compares with 10 domains, %lu with %d "
		    "(%lu for an unknown one)", c_small, c_big, BIG, c_miss);
	sign_setup_free(&small);
	sign_setup_free(&big);
}

/* refile: a hosting table of "*@domain" lines is found through its
 * domain; each pattern was tried against every author (BIG globs a
 * message, and a miss always all of them). The wildcard lines that are
 * not of that form are still tried, in file order. */
static void
test_refile_lookup_is_flat(void **state)
{
	static const char extra[] = "*@*.d7.example k7\n" "boss@* k8\n";
	struct sign_setup *s;
	unsigned long before;
	char got[256];

	(void)state;
	s = tables_as(BIG, extra, false, true);
	before = globs;
	(void)select_compares(s, "user", "d2999.example", got, sizeof(got));
	assert_string_equal(got, "d2999.example/s2999");
	(void)select_compares(s, "user", "nowhere.example", got, sizeof(got));
	assert_string_equal(got, "");
	(void)select_compares(s, "boss", "sub.d7.example", got, sizeof(got));
	assert_string_equal(got, "d7.example/s7");
	(void)select_compares(s, "boss", "d3.example", got, sizeof(got));
	assert_string_equal(got, "d3.example/s3");
	/* the two other patterns at most, each lookup */
	if (globs - before > 8)
		fail_msg("four refile lookups among %d domains tried %lu "
		    "patterns", BIG, globs - before);
	sign_setup_free(&s);
}

/* duplicates keep their meaning: the first line wins, and with
 * MultipleSignatures every line for the key signs, in file order */
static void
test_duplicates_in_file_order(void **state)
{
	static const char extra[] =
	    "d5.example k7\n"		/* d5.example again */
	    "user@d5.example k9\n"	/* a more specific form comes first */
	    "D5.EXAMPLE k8\n";		/* case is ignored */
	struct sign_setup *s;
	char got[256];

	(void)state;
	s = tables(BIG, extra, false);
	(void)select_compares(s, "other", "d5.example", got, sizeof(got));
	assert_string_equal(got, "d5.example/s5");
	(void)select_compares(s, "user", "d5.example", got, sizeof(got));
	assert_string_equal(got, "d9.example/s9");
	sign_setup_free(&s);
	s = tables(BIG, extra, true);
	(void)select_compares(s, "other", "d5.example", got, sizeof(got));
	assert_string_equal(got, "d5.example/s5 d7.example/s7 d8.example/s8");
	(void)select_compares(s, "user", "d5.example", got, sizeof(got));
	assert_string_equal(got, "d9.example/s9 d5.example/s5 d7.example/s7 "
	    "d8.example/s8");
	sign_setup_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_is_linear),
		cmocka_unit_test(test_lookup_cost_is_flat),
		cmocka_unit_test(test_refile_lookup_is_flat),
		cmocka_unit_test(test_duplicates_in_file_order),
	};

	return cmocka_run_group_tests(tests, setup, store_dir_teardown);
}
