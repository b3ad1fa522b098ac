/*
 * sessions.c - messages per milter connection grouped by client, for
 * milterload -m N (see sessions.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sessions {
	size_t n;
	long per_conn;
	size_t *order;           /* corpus indices, each client's together */
	size_t *group_start;     /* per position in order: its client's first position */
	size_t *group_len;       /* per position in order: its client's message count */
	size_t stride;           /* distance between session starts, coprime with n */
	size_t clients, single;
};

struct keyed {
	const char *key;
	size_t index;
};

/* xcalloc - calloc that aborts: a benchmark tool has no way on without memory */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL) {
		fputs("milterload: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* cmp_keyed - by client, then corpus order */
static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

/* gcd - greatest common divisor */
static size_t
gcd(size_t a, size_t b)
{
	while (b != 0) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* start_stride - about 0.618 n and coprime with n: consecutive sessions
 * start far apart, so a short timed run still meets many clients, and
 * n sessions start once at every position */
static size_t
start_stride(size_t n)
{
	size_t s = (size_t)((double)n * 0.6180339887) + 1;

	if (n <= 1)
		return 1;
	while (gcd(s, n) != 1)
		s++;
	return s % n ? s % n : 1;
}

struct sessions *
sessions_new(const char *const *client_keys, size_t n, long per_conn)
{
	struct sessions *s = xcalloc(1, sizeof(*s));
	struct keyed *k = xcalloc(n, sizeof(*k));
	size_t i, start;

	s->n = n;
	s->per_conn = per_conn > 0 ? per_conn : 1;
	s->order = xcalloc(n, sizeof(*s->order));
	s->group_start = xcalloc(n, sizeof(*s->group_start));
	s->group_len = xcalloc(n, sizeof(*s->group_len));
	s->stride = start_stride(n);
	for (i = 0; i < n; i++) {
		k[i].key = client_keys[i];
		k[i].index = i;
	}
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (start = 0; start < n; ) {
		size_t end = start + 1;

		while (end < n && strcmp(k[end].key, k[start].key) == 0)
			end++;
		for (i = start; i < end; i++) {
			s->order[i] = k[i].index;
			s->group_start[i] = start;
			s->group_len[i] = end - start;
		}
		s->clients++;
		if (end - start == 1)
			s->single++;
		start = end;
	}
	free(k);
	return s;
}

void
sessions_free(struct sessions **s)
{
	if (*s == NULL)
		return;
	free((*s)->order);
	free((*s)->group_start);
	free((*s)->group_len);
	free(*s);
	*s = NULL;
}

bool
sessions_by_client(const struct sessions *s)
{
	return s->n > 0 && s->single < s->clients;
}

size_t
sessions_clients(const struct sessions *s)
{
	return s->clients;
}

size_t
sessions_single(const struct sessions *s)
{
	return s->single;
}

size_t
sessions_pick(const struct sessions *s, unsigned long session, long i)
{
	size_t first, gs, glen;

	if (s->n == 0)
		return 0;
	/* session * stride mod n without overflow: reduce both first */
	first = (size_t)(((unsigned long long)(session % s->n) * s->stride) % s->n);
	gs = s->group_start[first];
	glen = s->group_len[first];
	/* by the run's message number, not the session's: every glen
	 * consecutive numbers of one client cover all its messages */
	return s->order[gs + (size_t)(i < 0 ? 0 : i) % glen];
}
