/* signing.h - DKIM signing of one message on behalf of the milter */
#ifndef AUTHMILTER_SIGNING_H
#define AUTHMILTER_SIGNING_H

#include <stdbool.h>
#include <stddef.h>

#include "core/dkim_canon.h"
#include "sign/sign_setup.h"
#include "util/buf.h"

struct session;

/* Per-message signing state; zeroed at each message start. */
struct signing {
	bool candidate;			/* internal or authenticated, Mode has s */
	bool active;			/* keys chosen at end of header */
	const char *skip_why;		/* static: why not signed */
	/* SIGN_MAX_SIGNATURES entries (~7 KB) in the message's arena, from
	 * end of header and only for a message to sign: inline they made
	 * every session that much bigger to zero (issue 18) */
	struct sign_choice *choices;
	size_t nchoices;
	struct dkim_body *body;		/* one hash serves every signature */
	int hcanon, bcanon;
	struct buf done;		/* "rsa-sha256:d/s ..." for the log */
};

/* signing_mail_from - decide whether this message is one to sign */
void signing_mail_from(struct session *s, bool exempt);
/* signing_eoh - pick the keys from the From field, start the body hash */
void signing_eoh(struct session *s);
/* signing_body - the next body chunk */
void signing_body(struct session *s, const unsigned char *p, size_t len);
/*
 * signing_eom - make the signatures. fields[i] receives each
 * DKIM-Signature value ready for the MTA: no leading space, lines folded
 * with "\n\t" (the MTA writes CRLF). Returns how many (<= max).
 */
size_t signing_eom(struct session *s, struct buf *fields, size_t max);
/* signing_reset - free the message's signing state */
void signing_reset(struct signing *sg);

#endif
