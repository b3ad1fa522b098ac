/*
 * spf_macro_fix.h - keep libspf2 off its macro-expansion bugs.
 *
 * libspf2 1.2.10 (spf_expand.c) gets four things wrong that a record, or
 * an explanation (RFC 7208 6.2), can be rewritten around before libspf2
 * compiles it, knowing this check's sender, domain, HELO name and client
 * address:
 *   - it keeps the right-hand N parts of a value by scanning for N
 *     delimiters from the right and, when there are fewer, drops the
 *     value's first character: %{d2} of example.test expands to
 *     "xample.test", %{l1r-} of "user" to "ser". RFC 7208 7.3 then uses
 *     all the parts, which is what the macro without its digit says: the
 *     digit is dropped;
 *   - it turns every delimiter into '.' and then splits at every '.',
 *     also at the value's own dots when the delimiters given leave '.'
 *     out: %{l1r+} of "first.last+tag" gives "first" where RFC 7208 7.3
 *     gives "first.last";
 *   - it refuses the delimiters ',' and '/' (RFC 7208 7.1 allows them);
 *   - its URL escaping of an upper-case macro keeps RFC 2396's marks
 *     ! * ' ( ) where RFC 7208 7.3 asks for RFC 3986's (only A-Z a-z 0-9
 *     - . _ ~ kept): %{L} of "o'brien" gives "o'brien", not "o%27brien".
 * For the last three the macro is replaced by its expansion, written as
 * literal text (an escape as "%%XX"), when its letter is s, l, o, d, h,
 * i or v and the expansion can stand there (printable, no '/' unless
 * escaped, at most 200 octets); otherwise, and for %{p} and the
 * explanation-only letters, the macro is left as it is. A record the expansion makes too large for libspf2 is
 * permerror, as any record too large (spf_compiled.c), never libspf2's
 * own split of it.
 *
 * Pure: no I/O, no globals.
 */
#ifndef AUTHMILTER_SPF_MACRO_FIX_H
#define AUTHMILTER_SPF_MACRO_FIX_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* What the macro letters stand for in one check (RFC 7208 7.3). */
struct spf_macro_values {
	const char *sender;	/* %{s}: local-part@domain; %{l}, %{o} its parts */
	const char *domain;	/* %{d}: the domain whose record this is */
	const char *helo;	/* %{h}: as libspf2 has it */
	int af;			/* %{i}, %{v}: AF_INET or AF_INET6 */
	const void *addr;	/* %{i}: struct in_addr or in6_addr by af;
				 * NULL: not known */
};

/*
 * spf_macro_fix_record - rec[0..len), a checked record, with every such
 * digit dropped and every such macro expanded, appended to out; false
 * (out untouched) when no macro needed it.
 */
bool spf_macro_fix_record(const char *rec, size_t len,
    const struct spf_macro_values *v, struct buf *out);

#endif
