/* xmalloc.h - allocation wrappers that never return NULL */
#ifndef AUTHMILTER_XMALLOC_H
#define AUTHMILTER_XMALLOC_H

#include <stddef.h>

/* Each aborts the process on allocation failure, so callers never test for
 * NULL. A zero size is treated as one byte, so the result is never NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xreallocarray - realloc for nmemb*size, aborting on multiplication overflow */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* xstrndup - copy at most len bytes of p (which need not be NUL-terminated) */
char *xstrndup(const char *p, size_t len);
/* xfree - free *pp and set it to NULL */
#define xfree(pp) do { free(*(pp)); *(pp) = NULL; } while (0)

#endif
