/*
 * report_rate.c - the failure reports' rate limit per policy domain and
 * hour, in a table of fixed size: a flood of new domains forgets the
 * least recent ones instead of growing it.
 *
 *   report_rate_new / _take / _free
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_rate.h"
#include "util/xmalloc.h"

struct rate_slot {
	char *domain;		/* NULL: free */
	int64_t hour;
	unsigned count;
};

struct report_rate {
	unsigned per_hour;
	struct rate_slot slots[REPORT_RATE_DOMAINS];
};

struct report_rate *
report_rate_new(unsigned per_hour)
{
	struct report_rate *r = xcalloc(1, sizeof(*r));

	r->per_hour = per_hour;
	return r;
}

bool
report_rate_take(struct report_rate *r, const char *domain, int64_t hour)
{
	struct rate_slot *free_slot = NULL, *oldest = &r->slots[0];
	size_t i;

	for (i = 0; i < REPORT_RATE_DOMAINS; i++) {
		struct rate_slot *s = &r->slots[i];

		if (s->domain != NULL && strcmp(s->domain, domain) == 0) {
			if (s->hour != hour) {
				s->hour = hour;
				s->count = 0;
			}
			return ++s->count <= r->per_hour;
		}
		if (s->domain == NULL && free_slot == NULL)
			free_slot = s;
		if (s->domain != NULL && s->hour < oldest->hour)
			oldest = s;
	}
	if (free_slot == NULL) {
		free_slot = oldest;	/* forget the least recent domain */
		free(free_slot->domain);
	}
	free_slot->domain = xstrdup(domain);
	free_slot->hour = hour;
	free_slot->count = 1;
	return r->per_hour >= 1;
}

void
report_rate_free(struct report_rate **rp)
{
	struct report_rate *r = *rp;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < REPORT_RATE_DOMAINS; i++)
		free(r->slots[i].domain);
	free(r);
	*rp = NULL;
}
