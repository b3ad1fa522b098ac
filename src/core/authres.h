/* authres.h - build and recognise Authentication-Results (RFC 8601) */
#ifndef AUTHMILTER_AUTHRES_H
#define AUTHMILTER_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/*
 * Builder. Usage:
 *	struct authres ar;
 *	authres_init(&ar, "mx.example.net");
 *	authres_add(&ar, "spf", "pass");
 *	authres_add_prop(&ar, "smtp", "mailfrom", "example.com");
 *	value = authres_finish(&ar);	-- owned by ar
 *	authres_deinit(&ar);
 * Methods, results, ptypes and property names are our own constants and
 * must be RFC 8601 tokens; property values and comments may come from
 * the message and are quoted or escaped as needed. No line of the value,
 * counting what an A-R or AAR puts before it on the first, passes RFC
 * 5322's 998 octets.
 */
struct authres {
	struct buf out;
	size_t results;		/* resinfo count so far */
	size_t line_start;	/* where the current line starts in out; 0: first */
};

void authres_init(struct authres *ar, const char *authserv_id);
void authres_deinit(struct authres *ar);
/* authres_add - start a resinfo: "; method=result" */
void authres_add(struct authres *ar, const char *method, const char *result);
/* authres_add_comment - "(text)" after the current resinfo's result;
 * folded at its spaces when the line would pass 998 octets, and a word
 * too long for any line is cut to 256 bytes and "..." */
void authres_add_comment(struct authres *ar, const char *text);
/* authres_add_reason - reason="text" (RFC 8601 2.2 reasonspec); a text
 * of more than 256 bytes (it may come from the sender's DNS) is cut at a
 * character boundary and ends in "..." */
void authres_add_reason(struct authres *ar, const char *text);
/* authres_add_prop - "ptype.property=value"; a value too long for a
 * line of its own is written as "@domain" when it is an address with a
 * usable domain, else cut to 256 bytes, quoted, ending in "..." */
void authres_add_prop(struct authres *ar, const char *ptype,
    const char *property, const char *value);
/* authres_finish - the header field value, folded with "\n\t" between
 * results and wherever a line would pass 998 octets; "authserv-id;
 * none" when nothing was added. */
const char *authres_finish(struct authres *ar);

/*
 * authres_fold_received - append to out a received A-R value (ours, from
 * the way in, which ARCSeal outbound copies into the AAR) with a line
 * break put before a blank wherever a line would pass 998 octets, the
 * first counting the AAR's "ARC-Authentication-Results: i=50; ". Only
 * folding is added: unfolded, the text is the same. A value written by
 * a version before our builder kept lines short, or by other software
 * with our authserv-id, can have longer lines; a line with no blank
 * between two pieces of text is left as long as it is.
 */
void authres_fold_received(const unsigned char *value, size_t len,
    struct buf *out);

/*
 * authres_is_ours - does this Authentication-Results field value (as
 * received, after the colon) carry authserv_id? Comments, folding, odd
 * white space (controls and an NBSP around the id, which many readers
 * trim) and a quoted authserv-id are understood; case is ignored, and
 * an id in U-labels matches its A-label form (RFC 8601 5 asks us to
 * delete these forgeries). Malformed input is
 * judged on what can be parsed: an unterminated comment is not ours.
 */
bool authres_is_ours(const unsigned char *value, size_t len,
    const char *authserv_id);

/* authres_value_is_token - true when s can be written unquoted as an
 * RFC 2045 token (used by the builder; exported for tests) */
bool authres_value_is_token(const char *s);

#endif
