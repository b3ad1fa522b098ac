/* test_headers.c - header list order and per-name indices */
#include "config.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/headers.h"

/* name_is - headers_name_eq for NUL-terminated strings */
static bool
name_is(const char *name, const char *want)
{
	return headers_name_eq((const unsigned char *)name, strlen(name),
	    (const unsigned char *)want, strlen(want));
}

static void
test_per_name_index(void **state)
{
	struct arena a;
	struct headers h;
	const struct header *f;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	f = headers_add(&h, "Received", (const unsigned char *)" a", 2);
	assert_int_equal(headers_name_index(&h, f), 1);
	f = headers_add(&h, "Authentication-Results", (const unsigned char *)" x", 2);
	assert_int_equal(headers_name_index(&h, f), 1);
	f = headers_add(&h, "received", (const unsigned char *)" b", 2);
	assert_int_equal(headers_name_index(&h, f), 2);
	f = headers_add(&h, "AUTHENTICATION-RESULTS", (const unsigned char *)" y\0z", 4);
	assert_int_equal(headers_name_index(&h, f), 2);
	assert_int_equal(f->value_len, 4);
	assert_memory_equal(f->value, " y\0z", 4);
	assert_int_equal(h.count, 4);
	assert_int_equal(headers_count_named(&h, "authentication-results"), 2);
	assert_string_equal(h.list[2].name, "received");
	/* the value is NUL-terminated after value_len, for C string users */
	assert_int_equal(h.list[2].value[2], '\0');
	headers_deinit(&h);
	assert_int_equal(h.count, 0);
	arena_deinit(&a);
}

/* a field is copied: its name and value outlive the caller's buffers,
 * and each copy ends in a NUL, in arena memory that held other bytes */
static void
test_field_is_copied(void **state)
{
	struct arena a;
	struct headers h;
	const struct header *f, *g;
	char name[] = "Subject";
	unsigned char one[] = "x", nine[] = "123456789";

	(void)state;
	arena_init(&a, 0, 1 << 20);
	memset(arena_alloc(&a, 512), 'Z', 512);
	arena_reset(&a);
	headers_init(&h, &a);
	f = headers_add(&h, name, one, 1);
	/* 7 + 9 bytes and two NULs: one byte short would be overwritten
	 * by the next field */
	g = headers_add(&h, name, nine, 9);
	(void)headers_add(&h, "To", one, 1);
	memset(name, '?', sizeof(name) - 1);
	one[0] = '?';
	memset(nine, '?', 9);
	assert_string_equal(f->name, "Subject");
	assert_int_equal(f->value_len, 1);
	assert_string_equal((const char *)f->value, "x");
	assert_string_equal(g->name, "Subject");
	assert_string_equal((const char *)g->value, "123456789");
	headers_deinit(&h);
	arena_deinit(&a);
}

/* a cleared list starts over: the next message of a connection sees
 * none of the previous one's fields, numbering restarts, and the entry
 * storage is reused rather than allocated again */
static void
test_clear_starts_over(void **state)
{
	struct arena a;
	struct headers h;
	const struct header *f;
	const struct header *list;

	(void)state;
	arena_init(&a, 256, 256);
	headers_init(&h, &a);
	(void)headers_add(&h, "From", (const unsigned char *)" a@first", 8);
	(void)headers_add(&h, "From", (const unsigned char *)" b@first", 8);
	list = h.list;
	headers_clear(&h);
	arena_reset(&a);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.bytes, 0);
	assert_int_equal(headers_count_named(&h, "From"), 0);
	f = headers_add(&h, "From", (const unsigned char *)" c@second", 9);
	assert_ptr_equal(h.list, list);
	assert_int_equal(headers_name_index(&h, f), 1);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.bytes, 4 + 9);
	assert_memory_equal(f->value, " c@second", 9);
	/* a long value gets its own block and survives later additions */
	{
		static unsigned char big[3000];

		memset(big, 'v', sizeof(big));
		f = headers_add(&h, "Received", big, sizeof(big));
		(void)headers_add(&h, "To", (const unsigned char *)" x", 2);
		assert_memory_equal(h.list[1].value, big, sizeof(big));
		assert_string_equal(h.list[1].name, "Received");
	}
	headers_deinit(&h);
	arena_deinit(&a);
}

/* more than HEADERS_KEEP entries: clear lets the big list go */
static void
test_clear_drops_big_list(void **state)
{
	struct arena a;
	struct headers h;
	size_t i;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	for (i = 0; i < HEADERS_KEEP + 1; i++)
		(void)headers_add(&h, "X", (const unsigned char *)" y", 2);
	assert_true(h.cap > HEADERS_KEEP);
	headers_clear(&h);
	assert_null(h.list);
	assert_int_equal(h.cap, 0);
	(void)headers_add(&h, "X", (const unsigned char *)" z", 2);
	assert_int_equal(h.count, 1);
	headers_deinit(&h);
	arena_deinit(&a);
}

/* exactly HEADERS_KEEP entries: clear keeps the list for the next
 * message (only a bigger one is let go) */
static void
test_clear_keeps_list_at_limit(void **state)
{
	struct arena a;
	struct headers h;
	size_t i;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	for (i = 0; i < HEADERS_KEEP; i++)
		(void)headers_add(&h, "X", (const unsigned char *)" y", 2);
	assert_int_equal(h.cap, HEADERS_KEEP);
	headers_clear(&h);
	assert_non_null(h.list);
	assert_int_equal(h.cap, HEADERS_KEEP);
	assert_int_equal(h.count, 0);
	headers_deinit(&h);
	arena_deinit(&a);
}

/* counts and indices take the whole name: no prefix, no near miss */
static void
test_count_named_whole_name(void **state)
{
	struct arena a;
	struct headers h;
	const struct header *f;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	(void)headers_add(&h, "To-X", (const unsigned char *)" a", 2);
	(void)headers_add(&h, "Froz", (const unsigned char *)" b", 2);
	f = headers_add(&h, "To", (const unsigned char *)" c", 2);
	assert_int_equal(headers_count_named(&h, "to"), 1);
	assert_int_equal(headers_count_named(&h, "from"), 0);
	assert_int_equal(headers_name_index(&h, f), 1);
	/* every byte of the name counts, the first one too: the milter
	 * deletes the n-th field of a name by this index */
	(void)headers_add(&h, "Xuthentication-Results",
	    (const unsigned char *)" d", 2);
	f = headers_add(&h, "Authentication-Results",
	    (const unsigned char *)" e", 2);
	assert_int_equal(headers_count_named(&h, "authentication-results"), 1);
	assert_int_equal(headers_name_index(&h, f), 1);
	headers_deinit(&h);
	arena_deinit(&a);
}

/* obsolete "From :" (RFC 5322 4.5.1): the name the MTA may hand over
 * with its trailing white space is the same field as "From" */
static void
test_name_normalised(void **state)
{
	static const struct {
		const char *name, *want;
		bool eq;
	} cases[] = {
		{ "From", "From", true },
		{ "From ", "From", true },
		{ "from\t", "FROM", true },
		{ "From \t \t", "from", true },
		{ "From", "From ", true },
		{ " From", "From", false },	/* leading WSP is not a name */
		{ "Fro m", "From", false },
		{ "From_", "From", false },
		{ "Fromm", "From", false },
		{ "", "From", false },
		{ " ", "", true },
		{ "DKIM-Signature ", "dkim-signature", true },
		{ "Authentication-Results\t", "Authentication-Results", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_true(name_is(cases[i].name, cases[i].want) ==
		    cases[i].eq);
	assert_int_equal(headers_name_len((const unsigned char *)"From \t", 6), 4);
	assert_int_equal(headers_name_len((const unsigned char *)"  ", 2), 0);
	assert_true(headers_name_eq((const unsigned char *)"From\0", 5,
	    (const unsigned char *)"From", 4) == false);
}

/* fields named "From" and "From " are numbered as one name */
static void
test_index_normalised(void **state)
{
	struct arena a;
	struct headers h;
	const struct header *f;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	(void)headers_add(&h, "From", (const unsigned char *)" a@b", 4);
	f = headers_add(&h, "From ", (const unsigned char *)" c@d", 4);
	assert_int_equal(headers_name_index(&h, f), 2);
	assert_string_equal(f->name, "From ");
	f = headers_add(&h, "Authentication-Results\t", (const unsigned char *)" x", 2);
	assert_int_equal(headers_name_index(&h, f), 1);
	assert_int_equal(headers_count_named(&h, "from"), 2);
	assert_int_equal(headers_count_named(&h, "FROM "), 2);
	headers_deinit(&h);
	arena_deinit(&a);
}

/* The names headers_kind knows, with the kind each must get. */
static const struct {
	const char *name;
	enum header_kind kind;
} known_kinds[] = {
	{ "From", HEADER_FROM },
	{ "DKIM-Signature", HEADER_DKIM_SIGNATURE },
	{ "Authentication-Results", HEADER_AUTH_RESULTS },
	{ "ARC-Seal", HEADER_ARC_SEAL },
	{ "ARC-Message-Signature", HEADER_ARC_MESSAGE_SIGNATURE },
	{ "ARC-Authentication-Results", HEADER_ARC_AUTH_RESULTS },
};
#define N_KNOWN (sizeof(known_kinds) / sizeof(known_kinds[0]))

/* expected_kind - the kind headers_name_eq implies for name: the one
 * known name it equals, else HEADER_OTHER */
static enum header_kind
expected_kind(const char *name)
{
	size_t i;

	for (i = 0; i < N_KNOWN; i++)
		if (name_is(name, known_kinds[i].name))
			return known_kinds[i].kind;
	return HEADER_OTHER;
}

/* check_kind - headers_kind, headers_field_init and headers_add all
 * agree with headers_name_eq on name */
static void
check_kind(struct headers *h, const char *name)
{
	enum header_kind want = expected_kind(name);
	struct header f;

	assert_int_equal(headers_kind((const unsigned char *)name,
	    strlen(name)), want);
	headers_field_init(&f, name, (const unsigned char *)" v", 2);
	assert_int_equal(f.kind, want);
	assert_int_equal(f.name_len, strlen(name));
	assert_int_equal(headers_add(h, name, (const unsigned char *)" v",
	    2)->kind, want);
}

/* case_variant - name with its letters' case set by the bits of mask
 * (repeating), then suffix */
static void
case_variant(char *out, size_t size, const char *name, unsigned mask,
    const char *suffix)
{
	size_t i, n = strlen(name);

	assert_true(n + strlen(suffix) < size);
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (c >= 'a' && c <= 'z' && (mask >> (i % 8) & 1))
			c = (char)(c - 'a' + 'A');
		else if (c >= 'A' && c <= 'Z' && !(mask >> (i % 8) & 1))
			c = (char)(c - 'A' + 'a');
		out[i] = c;
	}
	memcpy(out + n, suffix, strlen(suffix) + 1);
}

/* a field classified once gives the answers headers_name_eq gives, for
 * every known name in any case and with trailing WSP, for every prefix
 * of one, for one with a byte more, and for unrelated names of the
 * same lengths */
static void
test_kind_matches_names(void **state)
{
	static const char *const suffixes[] = { "", " ", "\t", " \t " };
	static const char *const others[] = {
		"", " ", "Subject", "Fro", "Frm ", "Frox", "Xrom", " From",
		"From:", "From-", "DKIM-Signaturf", "DKIM-Signature-X",
		"DKIM_Signature", "X-DKIM-Signature", "ARC-", "ARC-Seak",
		"ARC_Seal", "ARC-Seal2", "XRC-Seal", "ARC-Message-Signaturx",
		"ARC-Authentication-Result", "Authentication-Resultz",
		"Authentication-Results-X", "Received", "To", "Date",
		"Message-ID", "Reply-To", "Sender", "Return-Path",
	};
	struct arena a;
	struct headers h;
	char buf[64];
	size_t i, j, k;
	unsigned mask;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	for (i = 0; i < N_KNOWN; i++) {
		const char *name = known_kinds[i].name;

		for (j = 0; j < sizeof(suffixes) / sizeof(suffixes[0]); j++)
			for (mask = 0; mask < 256; mask += 37) {
				case_variant(buf, sizeof(buf), name, mask,
				    suffixes[j]);
				assert_int_equal(expected_kind(buf),
				    known_kinds[i].kind);
				check_kind(&h, buf);
			}
		/* every prefix, and the name with a byte more */
		for (k = 0; k < strlen(name); k++) {
			memcpy(buf, name, k);
			buf[k] = '\0';
			check_kind(&h, buf);
			assert_int_equal(headers_kind((const unsigned char *)buf,
			    k), HEADER_OTHER);
		}
		case_variant(buf, sizeof(buf), name, 0xff, "s");
		check_kind(&h, buf);
		assert_int_equal(headers_kind((const unsigned char *)buf,
		    strlen(buf)), HEADER_OTHER);
		headers_clear(&h);
		arena_reset(&a);
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		check_kind(&h, others[i]);
		assert_int_equal(headers_kind((const unsigned char *)others[i],
		    strlen(others[i])), HEADER_OTHER);
	}
	/* a NUL inside the name is part of it, never a shorter name */
	assert_int_equal(headers_kind((const unsigned char *)"From\0", 5),
	    HEADER_OTHER);
	headers_deinit(&h);
	arena_deinit(&a);
}

/* hidden_list - the hidden fields of s as "name=value|..."; s is read
 * from a copy of exactly its bytes, so that ASan sees a read past them */
static void
hidden_list(const char *s, char *out, size_t outsz)
{
	struct header_hidden h;
	size_t pos = 0, n = 0, len = strlen(s);
	unsigned char *v = malloc(len > 0 ? len : 1);

	assert_non_null(v);
	memcpy(v, s, len);
	out[0] = '\0';
	while (headers_hidden_next(v, len, &pos, &h)) {
		int w = snprintf(out + n, outsz - n, "%.*s%s=%.*s|",
		    (int)h.name_len, (const char *)h.name,
		    h.kind == HEADER_FROM ? "(F)" : "",
		    (int)h.value_len, (const char *)h.value);

		if (w <= 0 || (size_t)w >= outsz - n)
			free(v);	/* a failed assertion leaks nothing */
		assert_true(w > 0 && (size_t)w < outsz - n);
		n += (size_t)w;
	}
	free(v);
}

static void
test_hidden_fields(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ " plain", "" },
		{ " folded\r\n\tline\n more", "" },
		{ " hi\rFrom: v@victim.test", "From(F)= v@victim.test|" },
		{ " hi\nFROM : v@victim.test", "FROM (F)= v@victim.test|" },
		{ " hi\r\nFrom: v@victim.test\r\n", "From(F)= v@victim.test\r\n|" },
		{ " a (\rFrom: V <v@victim.test>\r)", "From(F)= V <v@victim.test>|" },
		{ " x\rFrom: a\r b\rTo: c", "From(F)= a\r b|To= c|" },
		{ " x\rno colon\r\rFrom:v", "From(F)=v|" },
		{ " x\r:empty name", "" },
		{ " ends with a break\r", "" },
		{ " ends with a break\r\n", "" },
		{ " x\rFrom: a\r", "From(F)= a\r|" },
		/* the last line has no colon: nothing read past the value */
		{ " x\rno colon", "" },
		/* a value may start with the break */
		{ "\rFrom: v@victim.test", "From(F)= v@victim.test|" },
		/* a known kind other than From is listed, but hides no From */
		{ " x\rDKIM-Signature: v=1", "DKIM-Signature= v=1|" },
		/* RFC 5322 2.2: a field name has no CR; a bare CR and WSP
		 * does not start a line, so "Fro\r m" is no name */
		{ " x\nFro\r m: v", "" },
	};
	char got[256];
	size_t i;
	struct arena a;
	struct headers h;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *v = (const unsigned char *)cases[i].value;
		bool from = strstr(cases[i].want, "(F)") != NULL;
		struct header f;

		hidden_list(cases[i].value, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		/* the flag DKIM and DMARC read instead of walking the
		 * value again; a stored copy keeps it */
		assert_int_equal(headers_hides_from(v, strlen(cases[i].value)),
		    from);
		headers_field_init(&f, "Subject", v, strlen(cases[i].value));
		assert_int_equal(f.hides_from, from);
		assert_int_equal(headers_add_field(&h, &f)->hides_from, from);
	}
	headers_deinit(&h);
	arena_deinit(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_name_index),
		cmocka_unit_test(test_field_is_copied),
		cmocka_unit_test(test_clear_starts_over),
		cmocka_unit_test(test_clear_drops_big_list),
		cmocka_unit_test(test_clear_keeps_list_at_limit),
		cmocka_unit_test(test_count_named_whole_name),
		cmocka_unit_test(test_name_normalised),
		cmocka_unit_test(test_index_normalised),
		cmocka_unit_test(test_kind_matches_names),
		cmocka_unit_test(test_hidden_fields),
	};

	return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
