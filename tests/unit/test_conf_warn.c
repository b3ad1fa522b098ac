/* test_conf_warn.c - settings that load but are probably a mistake:
 * each warning at the file:line of its option, alone in its text */
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
#include "conf/conf_warn.h"
#include "util/buf.h"
#include "conf_fixtures.h"
#include "temp_file.h"

static char path[64];

/* warnings - what loading text warns of, one line each; their count */
static size_t
warnings(const char *text, struct buf *said)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;
	size_t n;

	temp_file_write(path, sizeof(path), text);
	if (!conf_load(path, &c, &err))
		fail_msg("%s", buf_cstr(&err));
	(void)unlink(path);
	buf_reset(said);
	n = conf_warnings(c, conf_warning_into, said);
	conf_unref(&c);
	buf_deinit(&err);
	return n;
}

/* said_at - said holds want, said at line of the file */
static void
said_at(const struct buf *said, unsigned line, const char *want)
{
	char at[160];

	(void)snprintf(at, sizeof(at), "%s:%u: %s", path, line, want);
	if (strstr(buf_cstr(said), at) == NULL)
		fail_msg("want \"%s\", got \"%s\"", at, buf_cstr(said));
}

/* inet: without @ADDRESS listens on every address; the advice names
 * the family's loopback and any-address */
static void
test_socket_everywhere(void **state)
{
	struct buf said = BUF_INIT;

	(void)state;
	assert_int_equal(warnings("Socket inet:8891\n", &said), 1);
	said_at(&said, 1, "Socket inet:8891 has no @ADDRESS, so it listens "
	    "on every address");
	assert_non_null(strstr(buf_cstr(&said), "(write @127.0.0.1, or "
	    "@0.0.0.0 if that is meant)"));
	assert_int_equal(warnings("\nSocket inet6:8891\n", &said), 1);
	said_at(&said, 2, "Socket inet6:8891 has no @ADDRESS");
	assert_non_null(strstr(buf_cstr(&said), "(write @::1, or @:: if"));
	assert_int_equal(warnings("Socket inet6:8891@::1\n", &said), 0);
	assert_int_equal(warnings("Socket unix:/run/am.sock\n", &said), 0);
	assert_int_equal(warnings("\n", &said), 0);
	buf_deinit(&said);
}

/* 112 queries is what a valid SPF evaluation can need; fewer warns */
static void
test_spf_queries_low(void **state)
{
	struct buf said = BUF_INIT;

	(void)state;
	assert_int_equal(warnings("\nSPFMaxQueries 111\n", &said), 1);
	said_at(&said, 2, "SPFMaxQueries 111 is below 112");
	assert_int_equal(warnings("SPFMaxQueries 112\n", &said), 0);
	buf_deinit(&said);
}

/* trace fields in OversignHeaders are named, first or not, in one
 * sentence with the right number */
static void
test_oversign_transit(void **state)
{
	struct buf said = BUF_INIT;

	(void)state;
	assert_int_equal(warnings("OversignHeaders Received From\n", &said), 1);
	said_at(&said, 1, "OversignHeaders names Received: trace field that "
	    "hosts");
	assert_int_equal(warnings("\nOversignHeaders From Received-SPF "
	    "Subject DKIM-Signature\n", &said), 1);
	said_at(&said, 2, "OversignHeaders names Received-SPF, DKIM-Signature: "
	    "trace fields that hosts");
	buf_deinit(&said);
}

/* signing_conf - KeyTable and SigningTable signing example.com, then
 * more lines; the files are removed by the caller (names in kt, st) */
static void
signing_conf(struct buf *text, char *key, char *kt, char *st,
    const char *more)
{
	struct buf line = BUF_INIT;

	temp_file_write(key, 64, conf_test_key);
	buf_printf(&line, "s1._domainkey.example.com example.com:s1:%s\n", key);
	temp_file_write(kt, 64, buf_cstr(&line));
	temp_file_write(st, 64, "example.com s1._domainkey.example.com\n");
	buf_reset(text);
	buf_printf(text, "KeyTable %s\nSigningTable %s\n%s", kt, st, more);
	buf_deinit(&line);
}

/* beside the tables, Domain, Selector and KeyFile are not read: said
 * at the first one's line, listed as a sentence */
static void
test_inline_ignored(void **state)
{
	static const struct {
		const char *more;
		unsigned line;
		const char *says;
	} cases[] = {
		{ "\nDomain example.net\n", 4, "Domain is ignored: KeyTable" },
		{ "Domain example.net\nSelector s2\nKeyFile /nonexistent/k.pem\n",
		  3, "Domain, Selector and KeyFile are ignored" },
		{ "Selector s2\nKeyFile /nonexistent/k.pem\n", 3,
		  "Selector and KeyFile are ignored" },
		{ "KeyFile /nonexistent/k.pem\n", 3, "KeyFile is ignored" },
	};
	struct buf text = BUF_INIT, said = BUF_INIT;
	char key[64], kt[64], st[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		signing_conf(&text, key, kt, st, cases[i].more);
		assert_int_equal(warnings(buf_cstr(&text), &said), 1);
		said_at(&said, cases[i].line, cases[i].says);
		(void)unlink(key);
		(void)unlink(kt);
		(void)unlink(st);
	}
	buf_deinit(&text);
	buf_deinit(&said);
}

/* a single host entry with bits past its prefix, first in its list */
static void
test_one_host_bits(void **state)
{
	struct buf said = BUF_INIT;

	(void)state;
	assert_int_equal(warnings("PeerHosts 192.0.2.25/24 192.0.2.7\n",
	    &said), 1);
	said_at(&said, 1, "PeerHosts 192.0.2.25/24 means 192.0.2.0/24 "
	    "(address bits");
	buf_deinit(&said);
}

/* several warnings: each counted, each with only its own text, the
 * ARC algorithm's (first checked) among them */
static void
test_warnings_apart(void **state)
{
	struct buf text = BUF_INIT, said = BUF_INIT;
	char key[64];

	(void)state;
	temp_file_write(key, sizeof(key), conf_test_key);
	buf_printf(&text, "ARCSeal outbound\nARCSealDomain example.com\n"
	    "ARCSealSelector arc1\nARCSealKeyFile %s\n"
	    "ARCSealAlgorithm ed25519-sha256\nSPFMaxQueries 50\n"
	    "Socket inet:8891\n", key);
	assert_int_equal(warnings(buf_cstr(&text), &said), 3);
	(void)unlink(key);
	said_at(&said, 5, "ARCSealAlgorithm ed25519-sha256: verifiers");
	said_at(&said, 6, "SPFMaxQueries 50 is below");
	said_at(&said, 7, "Socket inet:8891 has no @ADDRESS");
	buf_deinit(&text);
	buf_deinit(&said);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_everywhere),
		cmocka_unit_test(test_spf_queries_low),
		cmocka_unit_test(test_oversign_transit),
		cmocka_unit_test(test_inline_ignored),
		cmocka_unit_test(test_one_host_bits),
		cmocka_unit_test(test_warnings_apart),
	};

	return cmocka_run_group_tests_name("conf_warn", tests, NULL, NULL);
}
