/* test_conf_print.c - what a loaded configuration says back: -t's
 * print, and Mode and Canonicalization as the signer reads them */
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

#include "conf/conf.h"
#include "util/buf.h"
#include "conf_fixtures.h"
#include "temp_file.h"

/* load - text as a config file; the config, or a test failure */
static struct conf *
load(const char *text)
{
	struct buf err = BUF_INIT;
	struct conf *c;
	char path[64];

	if ((c = conf_load_text(text, &err, path, sizeof(path))) == NULL)
		fail_msg("%s", buf_cstr(&err));
	buf_deinit(&err);
	return c;
}

/* printed - conf_print's output (the caller frees it) */
static char *
printed(const struct conf *c)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	conf_print(c, out);
	(void)fclose(out);
	return text;
}

/* -t's output reaches terminals and journals: a PostgreSQL password is
 * hidden; a default facility and whole seconds print as written */
static void
test_print_values(void **state)
{
	struct conf *c;
	char *text;

	(void)state;
	c = load("ReportStore postgresql://am:s3cret@127.0.0.1/am\n");
	text = printed(c);
	assert_true(strncmp(text, "# effective configuration from /", 32) == 0);
	assert_non_null(strstr(text, "ReportStore postgresql://am:***@127.0.0.1/am\n"));
	assert_null(strstr(text, "s3cret"));
	assert_non_null(strstr(text, "\nLogFacility mail\n"));
	assert_non_null(strstr(text, "\nDNSTimeout 5s\n"));
	assert_non_null(strstr(text, "\n# signing off\n"));
	free(text);
	conf_unref(&c);
}

/* A relative KeyFile is the config file's neighbour; the print ends
 * with what is signed */
static void
test_print_signing(void **state)
{
	struct buf conf_text = BUF_INIT;
	char key[64], *text;
	const char *slash;
	struct conf *c;

	(void)state;
	temp_file_write(key, sizeof(key), conf_test_key);
	slash = strrchr(key, '/');
	buf_printf(&conf_text, "Domain example.com\nSelector s1\nKeyFile %s\n",
	    slash + 1);
	c = load(buf_cstr(&conf_text));
	(void)unlink(key);
	text = printed(c);
	assert_non_null(strstr(text, "\n# signing example.com with selector s1\n"));
	free(text);
	conf_unref(&c);
	buf_deinit(&conf_text);
}

/* Mode's four words, and the six Canonicalization spellings: a single
 * word is the header's, the body stays simple (RFC 6376 3.5) */
static void
test_mode_and_canon(void **state)
{
	static const struct {
		const char *mode;
		bool sign, verify;
	} modes[] = {
		{ "sv", true, true }, { "vs", true, true },
		{ "s", true, false }, { "v", false, true },
	};
	static const struct {
		const char *canon;
		int header, body;
	} canons[] = {
		{ "simple", 0, 0 }, { "relaxed", 1, 0 },
		{ "simple/simple", 0, 0 }, { "simple/relaxed", 0, 1 },
		{ "relaxed/simple", 1, 0 }, { "relaxed/relaxed", 1, 1 },
	};
	struct buf text = BUF_INIT;
	struct conf *c;
	int header, body;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		buf_reset(&text);
		buf_printf(&text, "Mode %s\n", modes[i].mode);
		c = load(buf_cstr(&text));
		assert_int_equal(conf_mode_sign(c), modes[i].sign);
		assert_int_equal(conf_mode_verify(c), modes[i].verify);
		conf_unref(&c);
	}
	for (i = 0; i < sizeof(canons) / sizeof(canons[0]); i++) {
		buf_reset(&text);
		buf_printf(&text, "Canonicalization %s\n", canons[i].canon);
		c = load(buf_cstr(&text));
		conf_canon(c, &header, &body);
		if (header != canons[i].header || body != canons[i].body)
			fail_msg("%s: header %d body %d", canons[i].canon,
			    header, body);
		conf_unref(&c);
	}
	buf_deinit(&text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_values),
		cmocka_unit_test(test_print_signing),
		cmocka_unit_test(test_mode_and_canon),
	};

	return cmocka_run_group_tests_name("conf_print", tests, NULL, NULL);
}
