/*
 * conf_live.c - the one live configuration pointer.
 *
 * Worker threads take a reference at the start of each connection and
 * message (conf_live_get); SIGHUP handling installs a new snapshot
 * (conf_live_set). The mutex guards only the pointer swap and the
 * reference taken under it, so a message never sees a half-loaded config
 * and keeps the one it started with.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>

#include "conf/conf_live.h"

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conf *live;

void
conf_live_set(struct conf *c)
{
	struct conf *old;

	(void)pthread_mutex_lock(&live_lock);
	old = live;
	live = c;
	(void)pthread_mutex_unlock(&live_lock);
	conf_unref(&old);
}

struct conf *
conf_live_get(void)
{
	struct conf *c;

	(void)pthread_mutex_lock(&live_lock);
	c = live != NULL ? conf_ref(live) : NULL;
	(void)pthread_mutex_unlock(&live_lock);
	return c;
}

void
conf_live_clear(void)
{
	conf_live_set(NULL);
}
