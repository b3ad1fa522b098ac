/*
 * ctx_priv.c - the session or the parked options in libmilter's private
 * pointer (see ctx_priv.h for why).
 *
 * A parked pointer is &parked[i] where bit 0 of i is leadspc and the
 * higher bits are the negotiated SMFIP_NR_* steps packed in order: the
 * slots are never read or written, their addresses are the value.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "milter/ctx_priv.h"
#include "milter/negotiate.h"
#include "milter/session.h"

#define PARKED_SLOTS (2u << __builtin_popcountl(NEGOTIATE_NOREPLY_STEPS))

static const char parked[PARKED_SLOTS];

/* pack - slot index of (leadspc, noreply) */
static unsigned
pack(bool leadspc, unsigned long noreply)
{
	unsigned long bit;
	unsigned i = leadspc ? 1 : 0, shift = 1;

	for (bit = 1; bit != 0; bit <<= 1) {
		if ((NEGOTIATE_NOREPLY_STEPS & bit) == 0)
			continue;
		if ((noreply & bit) != 0)
			i |= 1u << shift;
		shift++;
	}
	return i;
}

/* unpack - the inverse of pack */
static void
unpack(unsigned i, bool *leadspc, unsigned long *noreply)
{
	unsigned long bit;
	unsigned shift = 1;

	*leadspc = (i & 1) != 0;
	*noreply = 0;
	for (bit = 1; bit != 0; bit <<= 1) {
		if ((NEGOTIATE_NOREPLY_STEPS & bit) == 0)
			continue;
		if ((i & (1u << shift)) != 0)
			*noreply |= bit;
		shift++;
	}
}

/* parked_index - the slot index of p, or -1 when p is not a slot */
static long
parked_index(const void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)parked;

	return a >= base && a < base + PARKED_SLOTS ? (long)(a - base) : -1;
}

struct session *
ctx_session(SMFICTX *ctx)
{
	void *p = smfi_getpriv(ctx);

	return parked_index(p) >= 0 ? NULL : p;
}

void
ctx_park_options(SMFICTX *ctx)
{
	struct session *s = ctx_session(ctx);
	const void *slot;

	if (s == NULL)
		return;
	slot = &parked[pack(s->leadspc, s->noreply)];
	session_free(&s);
	/* libmilter stores the pointer only; it never writes through it */
	(void)smfi_setpriv(ctx, (void *)(uintptr_t)slot);
}

bool
ctx_parked_options(SMFICTX *ctx, bool *leadspc, unsigned long *noreply)
{
	long i = parked_index(smfi_getpriv(ctx));

	if (i < 0)
		return false;
	unpack((unsigned)i, leadspc, noreply);
	(void)smfi_setpriv(ctx, NULL);
	return true;
}
