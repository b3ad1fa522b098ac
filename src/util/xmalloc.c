/*
 * xmalloc.c - allocation wrappers.
 *
 * xmalloc, xcalloc, xrealloc, xreallocarray, xstrdup, xstrndup behave like
 * their libc counterparts but abort on failure: a milter that cannot
 * allocate a few bytes cannot do anything useful, and a core dump tells more
 * than a half-handled NULL deep in a parser.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* out_of_memory - report and abort; never returns */
static void
out_of_memory(size_t size)
{
	(void)fprintf(stderr, "authmilter: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		out_of_memory(len);
	s = xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}
