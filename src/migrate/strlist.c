/*
 * strlist.c - a growable list of owned strings for the migration tool.
 *
 *   strlist_add      append a copy
 *   strlist_has      case-insensitive membership
 *   strlist_deinit   free everything
 */
#include "config.h"

#include <stdlib.h>

#include "migrate/strlist.h"
#include "util/str.h"
#include "util/xmalloc.h"

void
strlist_add(struct strlist *l, const char *s)
{
	l->items = xreallocarray(l->items, l->count + 1, sizeof(char *));
	l->items[l->count++] = xstrdup(s);
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (ascii_strcasecmp(l->items[i], s) == 0)
			return true;
	return false;
}

void
strlist_deinit(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	xfree(&l->items);
	l->count = 0;
}
