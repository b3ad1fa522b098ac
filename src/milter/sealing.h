/* sealing.h - ARC sealing of one message on behalf of the milter */
#ifndef AUTHMILTER_SEALING_H
#define AUTHMILTER_SEALING_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arc_verify.h"
#include "core/dkim_canon.h"
#include "util/buf.h"

struct session;

/* The three fields of an ARC set, in the order they are inserted at the
 * top (the AS ends up first). */
#define SEALING_FIELDS 3

/* Per-message sealing state; zeroed at each message start. */
struct sealing {
	bool active;			/* body hash running */
	const char *skip_why;		/* static: why not sealed */
	struct dkim_body *body;		/* AMS body hash, relaxed SHA-256 */
	struct buf done;		/* "i=2 cv=pass d=... s=..." for the log */
	/* ARCSeal outbound: our A-R from the message's way in, and the
	 * chain it carries (structure only: its keys are not looked up) */
	char *our_ar;
	struct arc_verifier *chain;
};

/* sealing_eoh - start the AMS body hash when this message will be
 * sealed: ARCSeal verified and we verified it (it passes through us), or
 * ARCSeal outbound and it comes from InternalHosts or an authenticated
 * client carrying the A-R we added on its way in (a list resending it) */
void sealing_eoh(struct session *s);
/* sealing_body - the next body chunk */
void sealing_body(struct session *s, const unsigned char *p, size_t len);
/*
 * sealing_eom - make the ARC set for a message we deliver (accept or
 * quarantine), after verification: authres is our A-R value (ARCSeal
 * verified; outbound seals copy the A-R of the way in instead). fields[0]
 * gets the ARC-Authentication-Results, [1] the ARC-Message-Signature,
 * [2] the ARC-Seal, each ready for the MTA (no leading space, "\n\t"
 * folding). Returns SEALING_FIELDS, or 0 when not sealed (a failed chain
 * is never sealed; the summary says why).
 */
size_t sealing_eom(struct session *s, const char *authres, bool delivered,
    struct buf fields[SEALING_FIELDS]);
struct logrec;
/* sealing_log - arc_seal (the set added) or arc_seal=no and arc_seal_skip,
 * to the log record; nothing when ARCSeal is off */
void sealing_log(const struct session *s, struct logrec *rec);
/* sealing_reset - free the message's sealing state */
void sealing_reset(struct sealing *sl);

#endif
