/* spares.c - a few freed objects kept for reuse (see spares.h) */
#include "config.h"

#include "util/spares.h"

void *
spares_take(struct spares *s)
{
	void *p = NULL;

	pthread_mutex_lock(&s->mu);
	if (s->n > 0)
		p = s->item[--s->n];
	pthread_mutex_unlock(&s->mu);
	return p;
}

bool
spares_give(struct spares *s, void *p)
{
	bool kept = false;

	pthread_mutex_lock(&s->mu);
	if (s->n < s->max && s->n < SPARES_MAX) {
		s->item[s->n++] = p;
		kept = true;
	}
	pthread_mutex_unlock(&s->mu);
	return kept;
}
