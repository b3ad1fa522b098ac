/* mailaddr.h - RFC 5322 address-list parsing for the From header field */
#ifndef AUTHMILTER_MAILADDR_H
#define AUTHMILTER_MAILADDR_H

#include <stddef.h>

/* Caps against hostile input (RFC 5322 sets none). */
#define MAILADDR_MAX_INPUT	16384	/* header value bytes */
#define MAILADDR_MAX_ADDRS	64	/* mailboxes in one header */
#define MAILADDR_MAX_LOCAL	256	/* local-part bytes after unquoting */
#define MAILADDR_MAX_DOMAIN	253	/* RFC 1035 2.3.4, without trailing dot */
#define MAILADDR_MAX_LABEL	63
/* A name with UTF-8 bytes (RFC 6532) is limited in its A-label form
 * (RFC 5890 2.3.2.1), which idna.c checks: its U-labels may be longer,
 * up to 4 bytes a code point. */
#define MAILADDR_MAX_ULABEL	(4 * MAILADDR_MAX_LABEL)
#define MAILADDR_MAX_UDOMAIN	(4 * MAILADDR_MAX_DOMAIN)
#define MAILADDR_MAX_NEST	32	/* comment nesting depth */

/* One mailbox. domain is lower-cased (ASCII only; UTF-8 bytes are passed
 * through unchanged) and has no trailing dot. */
struct mailaddr {
	char *local;
	char *domain;
};

struct mailaddr_list {
	size_t count;
	struct mailaddr *addrs;
};

enum mailaddr_status {
	MAILADDR_OK = 0,	/* count >= 0 mailboxes (0: only empty groups) */
	MAILADDR_R_EMPTY,	/* nothing but white space and comments */
	MAILADDR_R_SYNTAX,	/* not an RFC 5322 address-list */
	MAILADDR_R_NO_DOMAIN,	/* a mailbox without "@domain" */
	MAILADDR_R_BAD_DOMAIN,	/* domain literal or not a host name */
	MAILADDR_R_TOO_LONG,	/* a cap was exceeded */
};

/*
 * mailaddr_parse_list - parse the value of a From (or Sender, Reply-To)
 * header field: the bytes after the colon, possibly folded with "\n" or
 * "\r\n". Fills *out (caller frees with mailaddr_list_free, also on error:
 * on error out is left empty). *why_r gets a static reason on any status.
 */
enum mailaddr_status mailaddr_parse_list(const unsigned char *p, size_t len,
    struct mailaddr_list *out, const char **why_r);
/* mailaddr_list_free - free the addresses; the list is empty afterwards */
void mailaddr_list_free(struct mailaddr_list *l);
/* mailaddr_atext - 1 for the bytes of atext (RFC 5322 3.2.3) and 8-bit
 * bytes (RFC 6532 3.2), else 0; for the parser and its test */
extern const unsigned char mailaddr_atext[256];
/* mailaddr_status_name - short word for logs */
const char *mailaddr_status_name(enum mailaddr_status s);

#endif
