/* test_conf_arc.c - where the ARC sealing key comes from: a relative
 * ARCSealKeyFile next to the config file, and a KeyTable entry
 * (ARCSealKeyName) only with a fixed domain; why an ARCSealDomain is
 * refused, and a key of the wrong type */
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

/* load - conf_load of text; NULL with the error in err */
static struct conf *
load(const char *text, struct buf *err)
{
	char path[64];

	return conf_load_text(text, err, path, sizeof(path));
}

/* a relative ARCSealKeyFile is read from the config file's directory,
 * whatever the working directory is */
static void
test_relative_key_file(void **state)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct conf *c;
	char key[64];
	const char *base;

	(void)state;
	temp_file_write(key, sizeof(key), conf_test_key);
	base = strrchr(key, '/') + 1;
	assert_int_equal(chdir("/"), 0);
	buf_printf(&text, "ARCSeal verified\nARCSealDomain example.com\n"
	    "ARCSealSelector arc1\nARCSealKeyFile %s\n"
	    "ARCSealAlgorithm ed25519-sha256\n", base);
	c = load(buf_cstr(&text), &err);
	(void)unlink(key);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_non_null(c->arc_seal_key);
	assert_string_equal(c->arc_seal_d, "example.com");
	assert_string_equal(c->arc_seal_s, "arc1");
	conf_unref(&c);
	buf_deinit(&text);
	buf_deinit(&err);
}

/* key_table_conf - a KeyTable whose entry arc has domain dom, used by
 * ARCSealKeyName; the files are removed by the caller */
static void
key_table_conf(struct buf *text, const char *dom, char *key, char *kt,
    char *st)
{
	struct buf line = BUF_INIT;

	temp_file_write(key, 64, conf_test_key);
	buf_printf(&line, "arc %s:arc1:%s\n", dom, key);
	temp_file_write(kt, 64, buf_cstr(&line));
	temp_file_write(st, 64, "example.com arc\n");
	buf_reset(text);
	buf_printf(text, "KeyTable %s\nSigningTable %s\nARCSeal verified\n"
	    "ARCSealKeyName arc\nARCSealAlgorithm ed25519-sha256\n", kt, st);
	buf_deinit(&line);
}

/* ARCSealKeyName takes the entry's d=, s= and key; an entry whose domain
 * is % (the From's, per message) gives a seal no domain: refused */
static void
test_key_name_domain(void **state)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct conf *c;
	char key[64], kt[64], st[64];

	(void)state;
	key_table_conf(&text, "lists.example", key, kt, st);
	c = load(buf_cstr(&text), &err);
	if (c == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_string_equal(c->arc_seal_d, "lists.example");
	assert_string_equal(c->arc_seal_s, "arc1");
	assert_non_null(c->arc_seal_key);
	conf_unref(&c);
	(void)unlink(key);
	(void)unlink(kt);
	(void)unlink(st);
	key_table_conf(&text, "%", key, kt, st);
	c = load(buf_cstr(&text), &err);
	(void)unlink(key);
	(void)unlink(kt);
	(void)unlink(st);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), "ARCSealKeyName arc: a seal "
	    "needs a fixed domain, not %"));
	buf_deinit(&text);
	buf_deinit(&err);
}

/* the key must be of ARCSealAlgorithm's type; the error names both */
static void
test_key_type(void **state)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct conf *c;
	char key[64];

	(void)state;
	temp_file_write(key, sizeof(key), conf_test_key);	/* Ed25519 */
	buf_printf(&text, "ARCSeal verified\nARCSealDomain example.com\n"
	    "ARCSealSelector arc1\nARCSealKeyFile %s\n", key);
	c = load(buf_cstr(&text), &err);
	(void)unlink(key);
	assert_null(c);
	assert_non_null(strstr(buf_cstr(&err), ": the ARC sealing key is not "
	    "an RSA key (ARCSealAlgorithm rsa-sha256)\n"));
	buf_deinit(&text);
	buf_deinit(&err);
}

/* domain_error - the error line loading an ARCSealDomain of dom gives */
static void
domain_error(const char *dom, struct buf *err)
{
	struct buf text = BUF_INIT;
	struct conf *c;

	buf_printf(&text, "ARCSeal verified\nARCSealDomain %s\n"
	    "ARCSealSelector arc1\nARCSealKeyFile /nonexistent/arc.pem\n", dom);
	c = load(buf_cstr(&text), err);
	assert_null(c);
	buf_deinit(&text);
}

/* an ARCSealDomain IDNA2008 refuses says why in parentheses; a name
 * bad in itself has no parentheses to leave empty */
static void
test_domain_errors(void **state)
{
	struct buf err = BUF_INIT;
	const char *e;

	(void)state;
	domain_error("snow\xe2\x98\x83.example", &err);
	e = strstr(buf_cstr(&err), "ARCSealDomain: not a valid DNS name (");
	if (e == NULL)
		fail_msg("%s", buf_cstr(&err));
	assert_non_null(strstr(e, ")\n"));
	assert_true(strstr(e, "()") == NULL);
	domain_error("a..example", &err);
	assert_non_null(strstr(buf_cstr(&err),
	    "ARCSealDomain: not a valid DNS name\n"));
	buf_deinit(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_key_file),
		cmocka_unit_test(test_key_name_domain),
		cmocka_unit_test(test_domain_errors),
		cmocka_unit_test(test_key_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
