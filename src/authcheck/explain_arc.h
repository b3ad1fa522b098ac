/* explain_arc.h - the ARC part of authcheck message */
#ifndef AUTHCHECK_EXPLAIN_ARC_H
#define AUTHCHECK_EXPLAIN_ARC_H

#include "authcheck/report.h"
#include "milter/checks_arc.h"

/* explain_arc - an "arc" entry: the chain's result and reason, then each
 * set (instance, cv=, the seal's and the AMS's signer, result and why,
 * the AAR); a trusted-sealer override of DMARC when one applied. a is
 * the message's ARC state after checks_eom (NULL: no ARC field). */
void explain_arc(struct report *rep, const struct checks_arc *a);

#endif
