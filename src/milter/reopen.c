/*
 * reopen.c - the ring of the last closes' negotiated options (see
 * reopen.h for why).
 *
 * Nothing is removed when a connection really ends (nothing says so):
 * its entry is overwritten REOPEN_RING closes later. A context address
 * libmilter reuses for a new connection does not find the old entry,
 * since a new connection negotiates and connect finds its session; after
 * its own QUIT_NC the search from the newest entry finds its own close.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>

#include "milter/reopen.h"

struct closed {
	const void *ctx;		/* NULL: empty or recalled */
	bool leadspc;
	unsigned long noreply;
};

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static struct closed ring[REOPEN_RING];
static size_t next_slot;		/* where the next close goes */

void
reopen_remember(const void *ctx, bool leadspc, unsigned long noreply)
{
	(void)pthread_mutex_lock(&ring_lock);
	ring[next_slot].ctx = ctx;
	ring[next_slot].leadspc = leadspc;
	ring[next_slot].noreply = noreply;
	next_slot = (next_slot + 1) % REOPEN_RING;
	(void)pthread_mutex_unlock(&ring_lock);
}

bool
reopen_recall(const void *ctx, bool *leadspc, unsigned long *noreply)
{
	size_t n, i = next_slot;
	bool found = false;

	(void)pthread_mutex_lock(&ring_lock);
	for (n = 0; n < REOPEN_RING && !found; n++) {
		i = (i + REOPEN_RING - 1) % REOPEN_RING;	/* newest first */
		if (ring[i].ctx == ctx && ctx != NULL) {
			*leadspc = ring[i].leadspc;
			*noreply = ring[i].noreply;
			ring[i].ctx = NULL;
			found = true;
		}
	}
	(void)pthread_mutex_unlock(&ring_lock);
	return found;
}
