/* test_orgdomain.c - the PSL organizational domain (RFC 7489 3.2) and
 * PSLFile loading */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/orgdomain.h"
#include "temp_file.h"

/* load_text - orgdomain_psl_load of a file holding text */
static psl_ctx_t *
load_text(const char *text, const char **why)
{
	char path[256];
	psl_ctx_t *p;

	temp_file_write(path, sizeof(path), text);
	*why = NULL;
	p = orgdomain_psl_load(path, why);
	(void)unlink(path);
	return p;
}

static void
test_registrable_domain(void **state)
{
	const char *why;
	psl_ctx_t *p = load_text("com\nco.uk\n", &why);
	char out[64];

	(void)state;
	assert_non_null(p);
	assert_true(orgdomain_psl(p, "a.b.example.co.uk", out, sizeof(out)));
	assert_string_equal(out, "example.co.uk");
	/* a public suffix is its own organizational domain */
	assert_true(orgdomain_psl(p, "co.uk", out, sizeof(out)));
	assert_string_equal(out, "co.uk");
	/* without a list the domain stands for itself */
	assert_true(orgdomain_psl(NULL, "a.example.com", out, sizeof(out)));
	assert_string_equal(out, "a.example.com");
	psl_free(p);
}

/* the answer must fit with its NUL: 0 when it does not */
static void
test_output_size(void **state)
{
	char out[12];

	(void)state;
	/* "example.com" is 11 bytes: fits in 12, not in 11 */
	assert_true(orgdomain_psl(NULL, "example.com", out, 12));
	assert_string_equal(out, "example.com");
	assert_false(orgdomain_psl(NULL, "example.com", out, 11));
	assert_false(orgdomain_psl(NULL, "example.com", out, 1));
	/* an empty name fits in one byte */
	assert_true(orgdomain_psl(NULL, "", out, 1));
	assert_string_equal(out, "");
}

static void
test_load_refusals(void **state)
{
	const char *why;

	(void)state;
	/* the reason names what is wrong with the file (util/unreadable.c),
	 * not libpsl's silence */
	assert_null(orgdomain_psl_load("/nonexistent/psl.dat", &why));
	assert_string_equal(why, "no such file");
	/* a list, but no Public Suffix List: no rule for com */
	assert_null(load_text("org\nnet\n", &why));
	assert_non_null(strstr(why, "no rule for com"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registrable_domain),
		cmocka_unit_test(test_output_size),
		cmocka_unit_test(test_load_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
