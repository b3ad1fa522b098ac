/*
 * fuzz_tagvalue.c - RFC 6376 3.2 tag=value lists, case-sensitive (DKIM),
 * case-insensitive, and in the DMARC dialect (TAGVALUE_DMARC), with
 * 8-bit values (TAGVALUE_UTF8, DKIM-Signature), and the lookups the
 * parsers do on them.
 * Invariants: every good tag's name and value lie inside the input and
 * inside its raw span; a value has a byte 0x80-0xff exactly when its
 * eight_bit says so, and only with TAGVALUE_UTF8; a problem entry (DMARC dialect only) has a reason
 * and a raw span inside the input; a found tag is a good one of the
 * list's.
 */
#include "config.h"

#include "core/tagvalue.h"
#include "fuzz.h"

/* high_byte - a byte 0x80-0xff in p[0..n) */
static bool
high_byte(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return true;
	return false;
}

static void
check(const uint8_t *data, size_t size, unsigned flags)
{
	struct tagvalue_list l;
	const char *why = NULL;
	static const char *names[] = { "v", "a", "b", "bh", "d", "p", "h",
	    "k", "s", "t", "i", "l", "q", "x", "z", "c", "rua", "adkim" };
	size_t i;

	if (tagvalue_parse(data, size, flags, &l, &why) != TAGVALUE_OK)
		return;
	if (l.count > TAGVALUE_MAX_TAGS)
		abort();
	for (i = 0; i < l.count; i++) {
		const struct tagvalue *t = &l.tag[i];

		if (t->problem != NULL && (flags & TAGVALUE_LENIENT) == 0 &&
		    (flags & TAGVALUE_DUP_FIRST) == 0)
			abort();
		if (t->name == NULL) {
			if (t->problem == NULL || t->raw_end > size ||
			    t->raw_start > t->raw_end)
				abort();
			continue;
		}
		if (t->name < data || t->name + t->name_len > data + size ||
		    t->value < data || t->value + t->value_len > data + size ||
		    t->raw_start > t->raw_end || t->raw_end > size ||
		    t->name_len == 0)
			abort();
		if (high_byte(t->value, t->value_len) != t->eight_bit ||
		    (t->eight_bit && (flags & TAGVALUE_UTF8) == 0))
			abort();
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct tagvalue *t = tagvalue_find(&l, names[i], flags);

		if (t != NULL && (t < l.tag || t >= l.tag + l.count ||
		    t->problem != NULL))
			abort();
		if (t != NULL)
			(void)tagvalue_value_eq(t, "1");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, 0);
	check(data, size, TAGVALUE_CASE_INSENSITIVE);
	check(data, size, TAGVALUE_DMARC);
	check(data, size, TAGVALUE_UTF8);
	return 0;
}
