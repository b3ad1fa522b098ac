/*
 * negotiate.h - what authmilter asks of the MTA at option negotiation:
 * the actions, the steps it skips, the steps it wants no reply to
 * (SMFIP_NR_*), header values with their leading space, and the macros
 * of each stage.
 *
 * Shared by the daemon (milter.c) and by the benchmark floor
 * (contrib/bench/nullmilter -R), so the floor negotiates exactly like us
 * by construction, not by a copy that can drift (issue 18).
 *
 * Exported:
 *   NEGOTIATE_ACTIONS          the actions we need (SMFIF_*)
 *   NEGOTIATE_NOREPLY_STEPS    steps answered without a reply
 *   NEGOTIATE_MACROS_ENVFROM / _EOH / _EOM   macro lists per stage
 *   negotiate_flags()          our answer to the MTA's offer
 * Needs <libmilter/mfapi.h> and <stdbool.h> included first.
 */
#ifndef AUTHMILTER_NEGOTIATE_H
#define AUTHMILTER_NEGOTIATE_H

/* Header changes (A-R, quarantine header, signatures) and the hold queue. */
#define NEGOTIATE_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)

/*
 * Steps whose answer is always "continue": when the MTA offers it, it
 * sends them without waiting for a reply, which saves a round trip per
 * header field and body chunk. MAIL FROM (SPF may refuse) and end of
 * message keep their replies.
 */
#define NEGOTIATE_NOREPLY_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | \
	SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

/*
 * Steps we do not use, skipped when the MTA can skip them. DATA is not
 * among them although we only answer "continue": Postfix still sends the
 * RCPT and DATA macros of skipped steps, in a write that gets no reply,
 * and does not set TCP_NODELAY, so over TCP its next write (the whole
 * content) waited for our delayed ACK, ~40 ms per message (issue 18,
 * contrib/bench/run-bench.sh --postfix). Our reply to DATA carries the ACK.
 */
#define NEGOTIATE_SKIP_STEPS (SMFIP_NORCPT | SMFIP_NOUNKNOWN)

/* Macros we need at each stage (Postfix and Sendmail send what we ask). */
#define NEGOTIATE_MACROS_ENVFROM "{auth_authen} i"
#define NEGOTIATE_MACROS_EOH "i"
#define NEGOTIATE_MACROS_EOM "i"

/*
 * negotiate_flags - our answer to the MTA's offer f0 (actions) and f1
 * (protocol steps): false when the MTA lacks an action we need, else the
 * actions and steps we take in *pf0 and *pf1 (pf2/pf3 are unused by
 * protocol 6 and set to 0).
 */
static inline bool
negotiate_flags(unsigned long f0, unsigned long f1, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	if ((f0 & NEGOTIATE_ACTIONS) != NEGOTIATE_ACTIONS)
		return false;
	*pf0 = NEGOTIATE_ACTIONS;
	/* header values with their leading white space: DKIM hashes it */
	*pf1 = (f1 & NEGOTIATE_SKIP_STEPS) | (f1 & SMFIP_HDR_LEADSPC) |
	    (f1 & NEGOTIATE_NOREPLY_STEPS);
	*pf2 = 0;
	*pf3 = 0;
	return true;
}

#endif
