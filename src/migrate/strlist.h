/* strlist.h - a small growable list of owned strings */
#ifndef AUTHMILTER_STRLIST_H
#define AUTHMILTER_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **items;
	size_t count;
};

/* strlist_add - append a copy of s */
void strlist_add(struct strlist *l, const char *s);
/* strlist_has - s is in l, compared without case */
bool strlist_has(const struct strlist *l, const char *s);
/* strlist_deinit - free every item; l is empty and reusable */
void strlist_deinit(struct strlist *l);

#endif
