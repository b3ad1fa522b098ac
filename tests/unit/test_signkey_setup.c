/* test_signkey_setup.c - which key signs for which domain
 * (src/sign/sign_setup.c): the inline form with one Domain, a bad
 * Selector alone refusing the load, key file and table paths against
 * the config directory, a From domain too long for d=, the KeyTable
 * entry lookup and the start-up description */
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

#include "temp_dir.h"

/* RFC 8463 A.2 Ed25519 seed */
#define SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n"

static int
setup(void **state)
{
	char kt[512];

	if (temp_dir_setup(state) != 0)
		return -1;
	temp_dir_put("ed.seed", SEED, 0600);
	/* any author domain, signed with the key "ed" as itself */
	(void)snprintf(kt, sizeof(kt), "ed %%:e1:%s\n", temp_dir_path("ed.seed"));
	temp_dir_put("KT", kt, 0600);
	temp_dir_put("ST", "* ed\n", 0600);
	return 0;
}

/* inline_input - Domain, Selector and KeyFile, one entry each */
static void
inline_input(struct sign_setup_input *in, const char **dom,
    const char **sel, const char **file)
{
	memset(in, 0, sizeof(*in));
	in->where_inline = in->where_domain = "conf:1";
	in->where_selector = "conf:2";
	in->where_key_file = "conf:3";
	in->domains = dom;
	in->selectors = sel;
	in->key_files = file;
	in->ndomains = in->nselectors = in->nkey_files = 1;
}

/* load - sign_setup_load that must succeed */
static struct sign_setup *
load(const struct sign_setup_input *in)
{
	struct sign_setup *s = NULL;
	struct buf err = BUF_INIT;

	if (!sign_setup_load(in, &s, &err))
		fail_msg("%s", buf_cstr(&err));
	assert_non_null(s);
	buf_deinit(&err);
	return s;
}

/* picked - how many signatures an author of domain gets */
static size_t
picked(const struct sign_setup *s, const char *domain)
{
	struct sign_choice c[SIGN_MAX_SIGNATURES];

	return sign_setup_select(s, "a", domain, c, SIGN_MAX_SIGNATURES);
}

/* one Domain is enough; an absolute KeyFile ignores the config
 * directory; a bad Selector alone refuses the whole load */
static void
test_inline_one_domain(void **state)
{
	const char *dom[] = { "example.com" }, *sel[] = { "s1" };
	const char *file[] = { NULL };
	struct sign_setup_input in;
	struct sign_setup *s;
	struct buf err = BUF_INIT;

	(void)state;
	file[0] = temp_dir_path("ed.seed");
	inline_input(&in, dom, sel, file);
	in.base_dir = "/nonexistent";
	s = load(&in);
	assert_int_equal(picked(s, "example.com"), 1);
	assert_int_equal(picked(s, "example.net"), 0);
	sign_setup_describe(s, &err);
	assert_string_equal(buf_cstr(&err), "signing example.com with selector s1");
	assert_null(sign_setup_key_entry(s, "ed"));	/* no KeyTable */
	sign_setup_free(&s);
	buf_reset(&err);
	sel[0] = "s_1/x";
	assert_false(sign_setup_load(&in, &s, &err));
	assert_null(s);
	assert_non_null(strstr(buf_cstr(&err), "conf:2: Selector: bad selector"));
	buf_deinit(&err);
}

/* tables named by relative "file:" and "refile:" specs are the config
 * directory's, as the key files in them are */
static void
test_tables_relative(void **state)
{
	struct sign_setup_input in;
	struct sign_setup *s;
	struct buf out = BUF_INIT;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.base_dir = temp_dir;
	in.key_table = "file:KT";
	in.where_key_table = "conf:1";
	in.signing_table = "refile:ST";
	in.where_signing_table = "conf:2";
	in.multiple_signatures = true;
	s = load(&in);
	assert_int_equal(picked(s, "example.org"), 1);
	assert_non_null(sign_setup_key_entry(s, "ed"));
	assert_null(sign_setup_key_entry(s, "rsa"));
	assert_null(sign_setup_key_entry(NULL, "ed"));
	sign_setup_describe(s, &out);
	assert_string_equal(buf_cstr(&out), "signing by KeyTable (1 names, 1 "
	    "keys), SigningTable (1 entries, wildcards), multiple signatures");
	sign_setup_free(&s);
	buf_reset(&out);
	sign_setup_describe(NULL, &out);
	assert_string_equal(buf_cstr(&out), "signing off");
	buf_deinit(&out);
}

/* an author domain longer than d= can hold (sign_choice.domain) gets
 * no signature, not one for the domain cut short */
static void
test_domain_too_long(void **state)
{
	struct sign_setup_input in;
	struct sign_setup *s;
	char name[300];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.base_dir = temp_dir;
	in.key_table = temp_dir_path("KT");
	in.signing_table = "refile:ST";
	in.where_key_table = in.where_signing_table = "conf:1";
	s = load(&in);
	/* four labels, 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 bytes */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	assert_int_equal(strlen(name), 253);
	assert_int_equal(picked(s, name), 1);
	(void)strcat(name, "x");	/* 254: its first 253 are a name too */
	assert_int_equal(picked(s, name), 0);
	sign_setup_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_one_domain),
		cmocka_unit_test(test_tables_relative),
		cmocka_unit_test(test_domain_too_long),
	};

	return cmocka_run_group_tests(tests, setup, temp_dir_teardown);
}
