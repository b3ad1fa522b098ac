/* test_authres.c - building Authentication-Results and spotting forgeries */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/authres.h"

static void
test_build_none_when_empty(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "mx.example.net");
	assert_string_equal(authres_finish(&ar), "mx.example.net; none");
	/* finishing twice does not add a second "none" */
	assert_string_equal(authres_finish(&ar), "mx.example.net; none");
	authres_deinit(&ar);
}

static void
test_build_design_example(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "mx.example.net");
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", "example.com");
	authres_add(&ar, "dkim", "pass");
	authres_add_prop(&ar, "header", "d", "example.com");
	authres_add_prop(&ar, "header", "s", "s1");
	authres_add_prop(&ar, "header", "a", "rsa-sha256");
	authres_add_prop(&ar, "header", "b", "AbCdEfGh");
	authres_add(&ar, "dmarc", "pass");
	authres_add_comment(&ar, "p=reject dis=none");
	authres_add_prop(&ar, "header", "from", "example.com");
	assert_string_equal(authres_finish(&ar),
	    "mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=example.com;\n"
	    "\tdkim=pass header.d=example.com header.s=s1 header.a=rsa-sha256 header.b=AbCdEfGh;\n"
	    "\tdmarc=pass (p=reject dis=none) header.from=example.com");
	authres_deinit(&ar);
}

/* Values from the message must never break the field's syntax. */
static const struct {
	const char *value;
	const char *rendered;
} prop_cases[] = {
	{ "user@example.com", "user@example.com" },
	{ "first.last@example.com", "first.last@example.com" },
	{ "@example.com", "@example.com" },
	{ "a b@example.com", "\"a b@example.com\"" },
	{ "x;dkim=pass", "\"x;dkim=pass\"" },
	{ "quote\"and\\slash", "\"quote\\\"and\\\\slash\"" },
	{ "ctl\r\nx", "\"ctl??x\"" },
	{ "ab/cd+ef", "\"ab/cd+ef\"" },
	{ "", "\"\"" },
	{ "a@b@c", "\"a@b@c\"" },
	{ "..x@example.com", "\"..x@example.com\"" },
};

static void
test_prop_quoting(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prop_cases) / sizeof(prop_cases[0]); i++) {
		struct authres ar;
		char want[256];

		authres_init(&ar, "id");
		authres_add(&ar, "spf", "none");
		authres_add_prop(&ar, "smtp", "mailfrom", prop_cases[i].value);
		(void)snprintf(want, sizeof(want), "id;\n\tspf=none smtp.mailfrom=%s",
		    prop_cases[i].rendered);
		assert_string_equal(authres_finish(&ar), want);
		authres_deinit(&ar);
	}
}

static void
test_comment_and_reason_escaping(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "id");
	authres_add(&ar, "dkim", "fail");
	authres_add_comment(&ar, "bad (nested) \\ text");
	authres_add_reason(&ar, "body hash \"mismatch\"");
	assert_string_equal(authres_finish(&ar),
	    "id;\n\tdkim=fail (bad \\(nested\\) \\\\ text) reason=\"body hash \\\"mismatch\\\"\"");
	authres_deinit(&ar);
}

/* Control bytes become '?' in comments and reasons too; bytes above
 * 0x7f pass through (RFC 6532 UTF-8 in header fields) */
static void
test_comment_and_reason_controls(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "id");
	authres_add(&ar, "dkim", "neutral");
	authres_add_comment(&ar, "a\r\n\tb\x7f\x01()");
	authres_add_reason(&ar, "r\r\n;x\xc3\xa9");
	assert_string_equal(authres_finish(&ar),
	    "id;\n\tdkim=neutral (a???b??\\(\\)) reason=\"r??;x\xc3\xa9\"");
	authres_deinit(&ar);
}

/* assert_reason - the field for one spf=fail with reason text is
 * reason="want" */
static void
assert_reason(const char *text, const char *want)
{
	struct authres ar;
	char field[2100];

	(void)snprintf(field, sizeof(field), "id;\n\tspf=fail reason=\"%s\"", want);
	authres_init(&ar, "id");
	authres_add(&ar, "spf", "fail");
	authres_add_reason(&ar, text);
	assert_string_equal(authres_finish(&ar), field);
	authres_deinit(&ar);
}

/* A reason (an SPF explanation comes from the sender's DNS and can
 * expand to kilobytes) keeps its first 256 bytes and ends in "...", so
 * its line stays within RFC 5322's 998 octets; a UTF-8 character is
 * never split; 256 bytes exactly are kept whole */
static void
test_long_reason_cut(void **state)
{
	char text[2000], want[300];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	(void)snprintf(want, sizeof(want), "%.256s...", text);
	assert_reason(text, want);
	/* "\xc3\xa9" straddles byte 256: cut before it */
	text[255] = '\xc3';
	text[256] = '\xa9';
	(void)snprintf(want, sizeof(want), "%.255s...", text);
	assert_reason(text, want);
	text[256] = '\0';	/* 256 bytes: whole, nothing cut */
	assert_reason(text, text);
}

/* Only the breaks between results fold the field: a long value stays
 * whole on its line, so a reader never sees it split */
static void
test_long_value_not_folded(void **state)
{
	struct authres ar;
	char value[1200], want[1300];
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof(value); i++)
		value[i] = (char)('a' + i % 26);
	value[sizeof(value) - 1] = '\0';
	authres_init(&ar, "id");
	authres_add(&ar, "dkim", "pass");
	authres_add_prop(&ar, "header", "b", value);
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "helo", "h");
	(void)snprintf(want, sizeof(want),
	    "id;\n\tdkim=pass header.b=%s;\n\tspf=pass smtp.helo=h", value);
	assert_string_equal(authres_finish(&ar), want);
	authres_deinit(&ar);
}

/* Every result starts a folded line; the id, methods, results and
 * property names are copied as given */
static void
test_many_results(void **state)
{
	struct authres ar;
	struct buf want = BUF_INIT;
	size_t i;

	(void)state;
	authres_init(&ar, "mx.example.net");
	buf_append_str(&want, "mx.example.net");
	for (i = 0; i < 50; i++) {
		authres_add(&ar, "dkim", i % 2 ? "fail" : "pass");
		authres_add_prop(&ar, "header", "d", "example.com");
		buf_printf(&want, ";\n\tdkim=%s header.d=example.com",
		    i % 2 ? "fail" : "pass");
	}
	assert_string_equal(authres_finish(&ar), buf_cstr(&want));
	buf_deinit(&want);
	authres_deinit(&ar);
}

/* RFC 2045 5.1: a token is 1* of any CHAR except SPACE, CTLs and
 * tspecials; checked for every byte value in the middle of a word */
static void
test_token_every_byte(void **state)
{
	unsigned c;

	(void)state;
	for (c = 1; c < 256; c++) {
		char v[4] = { 'a', (char)c, 'b', '\0' };
		bool want = c > 0x20 && c < 0x7f &&
		    strchr("()<>@,;:\\\"/[]?=", (int)c) == NULL;

		if (authres_value_is_token(v) != want)
			fail_msg("byte 0x%02x: token %d, want %d", c, !want, want);
	}
	assert_false(authres_value_is_token(""));
}

/* RFC 8601 2.2 / RFC 5322 3.2.3: local-part@domain is written unquoted
 * when the local part is a dot-atom; checked for every byte value */
static void
test_address_local_part_every_byte(void **state)
{
	unsigned c;

	(void)state;
	for (c = 1; c < 256; c++) {
		char v[32] = { 'a', (char)c, 'b', '\0' };
		bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') ||
		    strchr("!#$%&'*+-/=?^_`{|}~.", (int)c) != NULL;
		struct authres ar;
		const char *got;

		strcat(v, "@example.com");
		authres_init(&ar, "id");
		authres_add(&ar, "spf", "pass");
		authres_add_prop(&ar, "smtp", "mailfrom", v);
		got = authres_finish(&ar) + strlen("id;\n\tspf=pass smtp.mailfrom=");
		if ((got[0] != '"') != plain)
			fail_msg("byte 0x%02x: rendered %s", c, got);
		authres_deinit(&ar);
	}
}

/* Received A-R values (after the colon) and whether they claim to be
 * from "mx.example.net". */
static const struct {
	const char *label;
	const char *value;
	int ours;
} forged_cases[] = {
	{ "plain", " mx.example.net; dkim=pass header.d=bank.example", 1 },
	{ "no space", "mx.example.net;dkim=pass", 1 },
	{ "upper case", " MX.Example.NET; spf=pass", 1 },
	{ "trailing dot", " mx.example.net.; spf=pass", 1 },
	{ "version", " mx.example.net 1; spf=pass", 1 },
	{ "comment before", " (forged) mx.example.net; dkim=pass", 1 },
	{ "nested comment", " (a (b) c)mx.example.net; dkim=pass", 1 },
	{ "comment after", " mx.example.net (x); dkim=pass", 1 },
	{ "folded", "\r\n\tmx.example.net;\r\n\tdkim=pass", 1 },
	{ "lf folded", "\n mx.example.net\n ; dkim=pass", 1 },
	{ "tabs", "\t\tmx.example.net\t;\tdkim=pass", 1 },
	{ "quoted", " \"mx.example.net\"; dkim=pass", 1 },
	{ "quoted escaped", " \"mx.exa\\mple.net\"; dkim=pass", 1 },
	{ "bare id", " mx.example.net", 1 },
	{ "id then garbage", " mx.example.net garbage; dkim=pass", 1 },
	{ "none", " mx.example.net; none", 1 },
	{ "other host", " mx.other.example; dkim=pass", 0 },
	{ "prefix of ours", " mx.example; dkim=pass", 0 },
	{ "ours as prefix", " mx.example.net.evil; dkim=pass", 0 },
	{ "subdomain", " a.mx.example.net; dkim=pass", 0 },
	{ "in a comment only", " (mx.example.net) other; dkim=pass", 0 },
	{ "unterminated comment", " (mx.example.net; dkim=pass", 0 },
	{ "unterminated quote", " \"mx.example.net; dkim=pass", 0 },
	{ "empty", "", 0 },
	{ "only space", "   \r\n ", 0 },
	{ "only comment", " (x)", 0 },
	{ "semicolon first", " ; mx.example.net", 0 },
};

static void
test_forgery_recognition(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forged_cases) / sizeof(forged_cases[0]); i++) {
		int got = authres_is_ours((const unsigned char *)forged_cases[i].value,
		    strlen(forged_cases[i].value), "mx.example.net");

		if (got != forged_cases[i].ours)
			fail_msg("case \"%s\": got %d, want %d", forged_cases[i].label,
			    got, forged_cases[i].ours);
	}
}

static void
test_forgery_hostile_bytes(void **state)
{
	unsigned char deep[200];
	unsigned char nul[] = "mx.example.net\0; dkim=pass";
	unsigned char nul_in_id[] = "mx.exam\0ple.net; dkim=pass";
	size_t i;

	(void)state;
	/* a NUL right after the id ends the token there: still ours */
	assert_true(authres_is_ours(nul, sizeof(nul) - 1, "mx.example.net"));
	assert_false(authres_is_ours(nul_in_id, sizeof(nul_in_id) - 1, "mx.example.net"));
	/* deep nesting is refused rather than recursed into */
	for (i = 0; i < sizeof(deep); i++)
		deep[i] = i < 100 ? '(' : ')';
	assert_false(authres_is_ours(deep, sizeof(deep), "mx.example.net"));
	/* the length is honoured: a value cut inside the id is not ours */
	assert_false(authres_is_ours((const unsigned char *)"mx.example.net", 5,
	    "mx.example.net"));
	/* an over-long id cannot overflow the parser */
	{
		unsigned char big[5000];

		memset(big, 'a', sizeof(big));
		assert_false(authres_is_ours(big, sizeof(big), "mx.example.net"));
		big[0] = '"';
		assert_false(authres_is_ours(big, sizeof(big), "mx.example.net"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_none_when_empty),
		cmocka_unit_test(test_build_design_example),
		cmocka_unit_test(test_prop_quoting),
		cmocka_unit_test(test_comment_and_reason_escaping),
		cmocka_unit_test(test_comment_and_reason_controls),
		cmocka_unit_test(test_long_reason_cut),
		cmocka_unit_test(test_long_value_not_folded),
		cmocka_unit_test(test_many_results),
		cmocka_unit_test(test_token_every_byte),
		cmocka_unit_test(test_address_local_part_every_byte),
		cmocka_unit_test(test_forgery_recognition),
		cmocka_unit_test(test_forgery_hostile_bytes),
	};

	return cmocka_run_group_tests_name("authres", tests, NULL, NULL);
}
