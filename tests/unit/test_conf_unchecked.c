/* test_conf_unchecked.c - conf_load_unchecked: the named options' checks
 * are left out, every other check and load is made */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "util/buf.h"
#include "temp_file.h"

/* Two files no one can read, as PSLFile and TrustAnchorFile */
static const char both_missing[] =
    "PSLFile /nonexistent/psl.dat\nTrustAnchorFile /nonexistent/root.key\n";

/* load_unchecked - text loaded without the checks of unchecked; the
 * errors in err, true when it loaded */
static bool
load_unchecked(const char *text, const char *const *unchecked,
    struct buf *err)
{
	char path[64];
	struct conf *c = NULL;
	bool ok;

	temp_file_write(path, sizeof(path), text);
	buf_reset(err);
	ok = conf_load_unchecked(path, unchecked, &c, err);
	(void)unlink(path);
	conf_unref(&c);
	return ok;
}

/* only the named options are left unchecked: the other file is refused */
static void
test_named_only(void **state)
{
	static const char *const psl[] = { "PSLFile", NULL };
	static const char *const both[] = { "PSLFile", "TrustAnchorFile",
		NULL };
	struct buf err = BUF_INIT;

	(void)state;
	assert_false(load_unchecked(both_missing, NULL, &err));
	assert_non_null(strstr(buf_cstr(&err), "PSLFile: no such file"));
	assert_false(load_unchecked(both_missing, psl, &err));
	assert_null(strstr(buf_cstr(&err), "PSLFile"));
	assert_non_null(strstr(buf_cstr(&err),
	    ":2: TrustAnchorFile: no such file"));
	assert_true(load_unchecked(both_missing, both, &err));
	assert_int_equal(err.len, 0);
	buf_deinit(&err);
}

/* a name that is no option is refused, not quietly left to skip
 * nothing (the file it meant would then be said twice by -t) */
static void
test_unknown_name_refused(void **state)
{
	static const char *const typo[] = { "PSLFile", "TrustAnchorFiel",
		NULL };
	struct buf err = BUF_INIT;

	(void)state;
	assert_false(load_unchecked(both_missing, typo, &err));
	assert_non_null(strstr(buf_cstr(&err),
	    "internal error: no option TrustAnchorFiel to leave unchecked"));
	buf_deinit(&err);
}

/* an unchecked option does not stop the load before the keys: a key
 * the loader cannot open is still said */
static void
test_keys_loaded_after_unchecked(void **state)
{
	static const char *const psl[] = { "PSLFile", NULL };
	static const char text[] = "PSLFile /nonexistent/psl.dat\n"
	    "Domain example.org\nSelector s1\nKeyFile /nonexistent/s1.pem\n";
	struct buf err = BUF_INIT;

	(void)state;
	assert_false(load_unchecked(text, psl, &err));
	assert_null(strstr(buf_cstr(&err), "PSLFile"));
	assert_non_null(strstr(buf_cstr(&err), "s1.pem"));
	buf_deinit(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_only),
		cmocka_unit_test(test_keys_loaded_after_unchecked),
		cmocka_unit_test(test_unknown_name_refused),
	};

	return cmocka_run_group_tests_name("conf_unchecked", tests, NULL,
	    NULL);
}
