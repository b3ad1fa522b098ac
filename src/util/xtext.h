/* xtext.h - RFC 3461 xtext, the encoding of the ENVID parameter of MAIL
 * FROM (and ORCPT): printable ASCII with "+" and "=" and the rest written
 * as "+XX" */
#ifndef AUTHMILTER_XTEXT_H
#define AUTHMILTER_XTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* RFC 3461 4.4: an envelope identifier of at most 100 characters */
#define XTEXT_ENVID_MAX	100

/*
 * xtext_decode_envid - decode an ENVID value into out (emptied first).
 * False, out empty, when it is not xtext ("+" not followed by two upper
 * case hex digits, a character outside 33-126, "="), or decodes to more
 * than XTEXT_ENVID_MAX characters or to anything but printable ASCII
 * (32-126): such a value is never copied into a header field.
 */
bool xtext_decode_envid(const char *in, struct buf *out);

/*
 * xtext_esmtp_param - the value of the ESMTP parameter name
 * (case-insensitive) in argv[0..] (each "KEYWORD=value" or "KEYWORD",
 * as libmilter gives MAIL FROM's parameters), or NULL when absent
 */
const char *xtext_esmtp_param(char *const *argv, const char *name);

#endif
