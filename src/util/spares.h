/* spares.h - a few freed objects kept for reuse by the whole process
 *
 * Some objects are made and dropped once a message (digest contexts, a
 * DMARC evaluation's 11 KB of tables); a malloc and free of each costs
 * more than the work of setting it up again. Their owner gives a freed
 * one to its spares and takes it back for the next message instead.
 * Process-wide, not per thread: libmilter starts a thread per connection
 * and Postfix opens a connection per SMTP session, so a thread's own
 * spares would die with it unused. A mutex guards the list for a few
 * instructions. At most SPARES_MAX objects wait; the rest are the
 * caller's to free. Kept objects live until the process ends.
 */
#ifndef AUTHMILTER_UTIL_SPARES_H
#define AUTHMILTER_UTIL_SPARES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define SPARES_MAX 32

struct spares {
	pthread_mutex_t mu;
	size_t max;			/* <= SPARES_MAX */
	size_t n;			/* mu */
	void *item[SPARES_MAX];		/* mu */
};

/* a static struct spares keeping at most max objects */
#define SPARES_INIT(max) { PTHREAD_MUTEX_INITIALIZER, (max), 0, { NULL } }

/* spares_take - a kept object (its contents as they were given), or NULL */
void *spares_take(struct spares *s);

/* spares_give - keep p for reuse; false when full: then p is still the
 * caller's to free */
bool spares_give(struct spares *s, void *p);

#endif
