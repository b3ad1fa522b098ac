/* test_thread_stack.c - connection threads' stack size, and that glibc
 * keeps their stacks for reuse at the concurrency of a busy MTA */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "util/thread_stack.h"

#define WAVE 16		/* threads alive at once, as at 16 connections */

struct probe {
	pthread_barrier_t *all_alive;
	void *stack;
	size_t size;
};

/* probe_main - note this thread's stack, wait until the whole wave runs */
static void *
probe_main(void *arg)
{
	struct probe *p = arg;
	pthread_attr_t attr;

	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		(void)pthread_attr_getstack(&attr, &p->stack, &p->size);
		(void)pthread_attr_destroy(&attr);
	}
	(void)pthread_barrier_wait(p->all_alive);
	return NULL;
}

/* kept_stacks - mappings that look like a thread stack of SIZE bytes:
 * anonymous, read-write, SIZE long (glibc maps the guard page below it,
 * without access, so stacks side by side are not merged) */
static int
kept_stacks(size_t size)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned long lo, hi;
	int n = 0, used;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s%n", &lo, &hi, perms, &used) != 3)
			continue;
		while (line[used] == ' ')
			used++;
		if (hi - lo == size && perms[0] == 'r' && perms[1] == 'w' &&
		    (line[used] == '\n' || line[used] == '\0'))
			n++;
	}
	fclose(f);
	return n;
}

/* wave - WAVE threads with default attributes, all alive at once */
static void
wave(struct probe *p)
{
	pthread_barrier_t b;
	pthread_t tid[WAVE];
	int i;

	assert_int_equal(pthread_barrier_init(&b, NULL, WAVE), 0);
	for (i = 0; i < WAVE; i++) {
		p[i].all_alive = &b;
		p[i].stack = NULL;
		assert_int_equal(pthread_create(&tid[i], NULL, probe_main, &p[i]), 0);
	}
	for (i = 0; i < WAVE; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	(void)pthread_barrier_destroy(&b);
}

/* a size the C library refuses leaves the default as it was */
static void
test_refused_size(void **state)
{
	size_t before = thread_stack_default();

	(void)state;
	assert_true(before > 0);
	assert_false(thread_stack_set_default(1));
	assert_int_equal(thread_stack_default(), before);
}

/* threads started after the call get the size; after 16 of them ran at
 * once and ended, glibc still holds all 16 stacks for the next ones
 * (with 8 MiB stacks it keeps 5 and unmaps the rest), and the next 16
 * run on them */
static void
test_connection_threads(void **state)
{
	struct probe first[WAVE], second[WAVE];
	int i, j, kept, reused = 0;

	(void)state;
	assert_true(thread_stack_set_default(THREAD_STACK_CONNECTIONS));
	assert_int_equal(thread_stack_default(), THREAD_STACK_CONNECTIONS);
	kept = kept_stacks(THREAD_STACK_CONNECTIONS);
	wave(first);
	assert_int_equal(kept_stacks(THREAD_STACK_CONNECTIONS) - kept, WAVE);
	wave(second);
	for (i = 0; i < WAVE; i++) {
		assert_non_null(second[i].stack);
		assert_true(second[i].size >= THREAD_STACK_CONNECTIONS - 64 * 1024);
		assert_true(second[i].size <= THREAD_STACK_CONNECTIONS);
		for (j = 0; j < WAVE; j++)
			if (second[i].stack == first[j].stack) {
				reused++;
				break;
			}
	}
	assert_int_equal(reused, WAVE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_size),
		cmocka_unit_test(test_connection_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
