/*
 * spf_macro_fix.h - keep libspf2 off its macro-truncation bug.
 *
 * libspf2 1.2.10 (spf_expand.c) keeps the right-hand N parts of a macro
 * value by scanning for N delimiters from the right; when there are
 * fewer, it drops the value's first character: %{d2} of example.test
 * expands to "xample.test", %{l1r-} of "user" to "ser". RFC 7208 7.3
 * then uses all the parts, which is what the macro without its digit
 * says. So, before a record is compiled, every macro whose digit is
 * larger than the number of delimiters in its value for this check loses
 * the digit. %{p} (its value needs DNS) and the explanation-only
 * letters are left alone.
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
};

/*
 * spf_macro_fix_digits - rec[0..len), a checked record, with every such
 * digit dropped, appended to out; false (out untouched) when no macro
 * needed it.
 */
bool spf_macro_fix_digits(const char *rec, size_t len,
    const struct spf_macro_values *v, struct buf *out);

#endif
